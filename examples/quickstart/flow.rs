//! The quickstart's steps, shared by `examples/quickstart/main.rs` and `tests/quickstart.rs`.

use std::error::Error;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth0::authentication::{self, random_string};
use auth0::management::{self, types};
use auth0::verify::{AsymmetricSignatureVerifier, TokenVerifier, VerifyOptions};

/// Any error of a step.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// Users per page when listing, small so that paging shows.
const PER_PAGE: i64 = 2;
/// Pages listed at most (a real tenant may hold many users).
const MAX_PAGES: i64 = 5;

/// The tenant and application the quickstart runs against.
pub struct Tenant {
    /// A domain (`my-tenant.us.auth0.com`) or a base URL (`http://127.0.0.1:PORT`).
    pub domain: String,
    /// A machine-to-machine application authorized for the Management API, allowed to use
    /// the password-realm grant.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// The database connection the user is created in and logs in with.
    pub connection: String,
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenant")
            .field("domain", &self.domain)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("connection", &self.connection)
            .finish()
    }
}

impl Tenant {
    /// The tenant named by `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET` (and
    /// `AUTH0_CONNECTION`, by default `Username-Password-Authentication`); `None` when none of
    /// the three is set, an error when only some are.
    #[cfg_attr(test, allow(dead_code))]
    pub fn from_env() -> Result<Option<Tenant>, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let names = ["AUTH0_DOMAIN", "AUTH0_CLIENT_ID", "AUTH0_CLIENT_SECRET"];
        match names.map(var) {
            [Some(domain), Some(client_id), Some(client_secret)] => Ok(Some(Tenant {
                domain: domain.trim().to_string(),
                client_id: client_id.trim().to_string(),
                client_secret,
                connection: var("AUTH0_CONNECTION")
                    .unwrap_or_else(|| "Username-Password-Authentication".into()),
            })),
            [None, None, None] => Ok(None),
            values => {
                let missing: Vec<&str> = names
                    .iter()
                    .zip(&values)
                    .filter(|(_, v)| v.is_none())
                    .map(|(n, _)| *n)
                    .collect();
                Err(format!(
                    "{} must be set too, or none of AUTH0_DOMAIN, AUTH0_CLIENT_ID and \
                     AUTH0_CLIENT_SECRET to use the local stand-in tenant",
                    missing.join(" and ")
                ))
            }
        }
    }

    /// The application of a local stand-in tenant.
    pub fn standin(standin: &auth0_standin::Standin) -> Tenant {
        Tenant {
            domain: standin.url(),
            client_id: auth0_standin::CLIENT_ID.into(),
            client_secret: auth0_standin::CLIENT_SECRET.into(),
            connection: auth0_standin::CONNECTION.into(),
        }
    }
}

/// A failed step: which one, what went wrong, and what usually fixes it.
#[derive(Debug)]
pub struct StepError {
    /// The step's title.
    pub step: &'static str,
    /// A hint for the usual cause, if there is one.
    pub hint: Option<&'static str>,
    source: BoxError,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.step, self.source)?;
        if let Some(hint) = self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl Error for StepError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.source()
    }
}

/// Attaches the step and a hint to a step's error.
trait Step<T> {
    fn step(self, step: &'static str, hint: Option<&'static str>) -> Result<T, StepError>;
}

impl<T, E: Into<BoxError>> Step<T> for Result<T, E> {
    fn step(self, step: &'static str, hint: Option<&'static str>) -> Result<T, StepError> {
        self.map_err(|e| StepError {
            step,
            hint,
            source: e.into(),
        })
    }
}

fn fail(step: &'static str, message: String) -> StepError {
    StepError {
        step,
        hint: None,
        source: message.into(),
    }
}

/// What the run saw, for the test to check.
#[derive(Debug)]
#[cfg_attr(not(test), allow(dead_code))]
pub struct Outcome {
    /// The id of the user created (and deleted).
    pub user_id: String,
    /// How many pages of users were listed.
    pub pages: usize,
    /// Whether the new user was on one of them.
    pub listed: bool,
    /// The roles the user was given, when the token allowed it and the tenant has roles.
    pub roles: Option<Vec<String>>,
    /// The `sub` of the verified ID token.
    pub id_token_subject: String,
    /// The email `/userinfo` answered.
    pub userinfo_email: Option<String>,
    /// The names of the connections listed, when the token allowed it.
    pub connections: Option<Vec<String>>,
    /// The connection's `display_name` as read back after renaming it, when the token allowed
    /// it.
    pub renamed: Option<String>,
    /// The organization's members as listed after adding the member, and how many were left
    /// after removing it, when the token allowed it.
    pub members: Option<(Vec<String>, usize)>,
}

const TOKEN: &str = "1. Management API token by client credentials";
const CREATE: &str = "2. Creating a user";
const LIST: &str = "3. Listing users page by page";
const ROLES: &str = "4. Giving the user a role";
const LOGIN: &str = "5. Logging the user in (password-realm grant)";
const VERIFY: &str = "6. Verifying the ID token against the tenant's JWKS";
const USERINFO: &str = "7. Reading the profile from /userinfo";
const DELETE: &str = "8. Deleting the user";
const CONNECTIONS: &str = "9. Listing the connections";
const RENAME: &str = "10. Renaming the connection (display_name) and reading it back";
const MEMBERS: &str = "11. Managing an organization's members";

/// Runs every step against `tenant`, telling `say` what happens.
pub async fn run(tenant: &Tenant, say: &mut dyn FnMut(String)) -> Result<Outcome, StepError> {
    let auth = authentication::Client::builder(tenant.domain.as_str())
        .client_id(tenant.client_id.as_str())
        .client_secret(tenant.client_secret.as_str())
        .build()
        .step("Setting up the Authentication API client", None)?;
    let issuer = auth.issuer().to_string();

    say(format!("\n{TOKEN}"));
    let audience = format!("{issuer}api/v2/");
    let grant = auth
        .client_credentials()
        .audience(audience.as_str())
        .send()
        .await;
    let grant = match grant {
        Ok(grant) => grant,
        Err(e) => {
            let hint = if e.status().is_some() {
                "the application must be a machine-to-machine application authorized for the \
                 Management API, and the client id and secret must be its own"
            } else {
                "the tenant could not be reached: check AUTH0_DOMAIN and the network"
            };
            return Err(e).step(TOKEN, Some(hint));
        }
    };
    let scopes = grant.scope.clone().unwrap_or_default();
    say(format!(
        "   a {} token for {audience}, valid {} s, scopes: {}",
        grant.token_type.as_deref().unwrap_or("Bearer"),
        grant.expires_in.unwrap_or_default(),
        if scopes.is_empty() {
            "(none listed)"
        } else {
            &scopes
        },
    ));
    let mgmt = management::Client::builder(tenant.domain.as_str())
        .token(grant.access_token.expose_secret())
        .build()
        .step(TOKEN, None)?;

    say(format!("\n{CREATE}"));
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis();
    let email = format!("quickstart-{stamp}@example.com");
    let password = format!("Qs-{}-9!", random_string());
    let created = mgmt
        .users()
        .create()
        .body(types::CreateUserRequestContent {
            connection: tenant.connection.clone(),
            email: email.clone().into(),
            password: password.clone().into(),
            ..Default::default()
        })
        .send()
        .await
        .step(
            CREATE,
            Some(
                "the token needs the create:users scope, and AUTH0_CONNECTION must name a \
                 database connection enabled for the application",
            ),
        )?;
    let user_id = created
        .user_id
        .clone()
        .ok_or_else(|| fail(CREATE, "the created user has no user_id".into()))?;
    say(format!("   created {user_id} <{email}>"));

    // From here on the user exists: delete it even when a step fails.
    let steps = after_create(
        tenant, &auth, &mgmt, &issuer, &scopes, &user_id, &email, &password, say,
    )
    .await;

    say(format!("\n{DELETE}"));
    let deleted = delete(&mgmt, &user_id, say).await;
    let mut outcome = steps?;
    deleted?;

    say(format!("\n{CONNECTIONS}"));
    outcome.connections = list_connections(&mgmt, &scopes, &tenant.connection, say).await?;

    say(format!("\n{RENAME}"));
    outcome.renamed = rename_connection(&mgmt, &scopes, &tenant.connection, stamp, say).await?;

    say(format!("\n{MEMBERS}"));
    outcome.members = manage_members(&mgmt, &scopes, &tenant.connection, stamp, say).await?;
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)]
async fn after_create(
    tenant: &Tenant,
    auth: &authentication::Client,
    mgmt: &management::Client,
    issuer: &str,
    scopes: &str,
    user_id: &str,
    email: &str,
    password: &str,
    say: &mut dyn FnMut(String),
) -> Result<Outcome, StepError> {
    say(format!("\n{LIST}"));
    let (pages, listed) = list_users(mgmt, user_id, say).await?;

    say(format!("\n{ROLES}"));
    let roles = give_a_role(mgmt, scopes, user_id, say).await?;

    say(format!("\n{LOGIN}"));
    let tokens = auth
        .password_grant(email, password)
        .realm(tenant.connection.as_str())
        .scope("openid profile email")
        .send()
        .await
        .step(
            LOGIN,
            Some(
                "the application must allow the Password grant (Advanced Settings > Grant \
                 Types) and the connection must be enabled for it",
            ),
        )?;
    say(format!(
        "   got an access token (valid {} s){}",
        tokens.expires_in.unwrap_or_default(),
        if tokens.id_token.is_some() {
            " and an ID token"
        } else {
            ""
        }
    ));

    say(format!("\n{VERIFY}"));
    let id_token = tokens
        .id_token
        .as_ref()
        .ok_or_else(|| fail(VERIFY, "the login answer has no ID token".into()))?;
    let jwks_url = format!("{issuer}.well-known/jwks.json");
    let verifier = TokenVerifier::new(
        AsymmetricSignatureVerifier::new(jwks_url.as_str()),
        issuer,
        tenant.client_id.as_str(),
    );
    let claims = verifier
        .verify(id_token.expose_secret(), &VerifyOptions::default())
        .await
        .step(
            VERIFY,
            Some("the application's JSON Web Token signature algorithm must be RS256"),
        )?;
    if claims.sub != user_id {
        return Err(fail(
            VERIFY,
            format!("the ID token is about {}, not {user_id}", claims.sub),
        ));
    }
    say(format!("   keys from {jwks_url}"));
    say(format!(
        "   signature, iss, aud, exp and iat check out: sub {}, email {}",
        claims.sub,
        claims
            .get("email")
            .and_then(|v| v.as_str())
            .unwrap_or("(not in the token)")
    ));

    say(format!("\n{USERINFO}"));
    let profile = auth
        .userinfo(&tokens.access_token)
        .send()
        .await
        .step(USERINFO, None)?;
    if profile.sub != user_id {
        return Err(fail(
            USERINFO,
            format!("/userinfo answered for {}, not {user_id}", profile.sub),
        ));
    }
    say(format!(
        "   sub {}, email {}, name {}",
        profile.sub,
        profile.email.as_deref().unwrap_or("?"),
        profile.name.as_deref().unwrap_or("?")
    ));

    Ok(Outcome {
        user_id: user_id.to_string(),
        pages,
        listed,
        roles,
        id_token_subject: claims.sub.clone(),
        userinfo_email: profile.email.clone(),
        connections: None,
        renamed: None,
        members: None,
    })
}

/// Lists users `PER_PAGE` at a time; returns the number of pages read and whether `user_id`
/// was on one of them.
async fn list_users(
    mgmt: &management::Client,
    user_id: &str,
    say: &mut dyn FnMut(String),
) -> Result<(usize, bool), StepError> {
    let mut listed = false;
    let mut page = 0;
    loop {
        // The users as a `Vec` and the total, whichever shape the answer took.
        let answer = mgmt
            .users()
            .list()
            .page(page)
            .per_page(PER_PAGE)
            .include_totals(true)
            .send_page()
            .await
            .step(LIST, Some("the token needs the read:users scope"))?;
        let (users, total) = (answer.items, answer.total.map(|t| t as i64));
        let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
        say(format!("   page {page} ({} users{of}):", users.len()));
        for u in &users {
            let id = u.user_id.as_deref().unwrap_or("?");
            let mark = if id == user_id {
                "  <- the new user"
            } else {
                ""
            };
            listed |= id == user_id;
            say(format!(
                "     {id} {}{mark}",
                u.email.as_deref().unwrap_or("")
            ));
        }
        let seen = (page + 1) * PER_PAGE;
        let more = match total {
            Some(total) => seen < total,
            None => users.len() as i64 == PER_PAGE,
        };
        if !more || users.is_empty() {
            break;
        }
        if page + 1 == MAX_PAGES {
            say(format!("   (stopping after {MAX_PAGES} pages)"));
            break;
        }
        page += 1;
    }
    if !listed {
        say(
            "   the new user was not on these pages (a real tenant's user search is \
             updated within seconds)"
                .into(),
        );
    }
    Ok((page as usize + 1, listed))
}

/// Assigns the tenant's first role to the user and reads the user's roles back, when the
/// token's scopes allow it and the tenant has roles.
async fn give_a_role(
    mgmt: &management::Client,
    scopes: &str,
    user_id: &str,
    say: &mut dyn FnMut(String),
) -> Result<Option<Vec<String>>, StepError> {
    let has = |s: &str| scopes.split_whitespace().any(|x| x == s);
    if !(has("read:roles") && has("create:role_members")) {
        say("   skipped: the token has not the read:roles and create:role_members scopes".into());
        return Ok(None);
    }
    let roles = mgmt
        .roles()
        .list()
        .send_page()
        .await
        .step(ROLES, None)?
        .items;
    let Some(role) = roles.first() else {
        say("   skipped: the tenant has no roles".into());
        return Ok(None);
    };
    let role_id = role
        .id
        .clone()
        .ok_or_else(|| fail(ROLES, "a role without id".into()))?;
    say(format!(
        "   the tenant has {} roles; assigning {} ({role_id})",
        roles.len(),
        role.name.as_deref().unwrap_or("?")
    ));
    mgmt.users()
        .roles()
        .assign(user_id)
        .body(types::AssignUserRolesRequestContent {
            roles: vec![role_id],
            ..Default::default()
        })
        .send()
        .await
        .step(ROLES, None)?;
    let names: Vec<String> = mgmt
        .users()
        .roles()
        .list(user_id)
        .send_page()
        .await
        .step(
            ROLES,
            Some("reading a user's roles needs the read:roles scope"),
        )?
        .items
        .into_iter()
        .filter_map(|r| r.name)
        .collect();
    say(format!("   the user's roles now: {}", names.join(", ")));
    Ok(Some(names))
}

async fn delete(
    mgmt: &management::Client,
    user_id: &str,
    say: &mut dyn FnMut(String),
) -> Result<(), StepError> {
    mgmt.users()
        .delete(user_id)
        .send()
        .await
        .step(DELETE, Some("the token needs the delete:users scope"))?;
    match mgmt.users().get(user_id).send().await {
        Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => {
            say(format!(
                "   deleted {user_id}; reading it again answers 404"
            ));
            Ok(())
        }
        Err(e) => Err(fail(
            DELETE,
            format!("reading the deleted user failed: {e}"),
        )),
        Ok(_) => Err(fail(DELETE, "the user is still there after delete".into())),
    }
}

/// Whether the space-separated `scopes` hold every one of `needed`; says which are missing
/// when not.
fn allowed(scopes: &str, needed: &[&str], say: &mut dyn FnMut(String)) -> bool {
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|n| !scopes.split_whitespace().any(|s| s == *n))
        .collect();
    if !missing.is_empty() {
        say(format!(
            "   skipped: the token has not the {} scopes",
            missing.join(" and ")
        ));
    }
    missing.is_empty()
}

/// Lists the tenant's connections (the first page), marking the quickstart's own.
async fn list_connections(
    mgmt: &management::Client,
    scopes: &str,
    connection: &str,
    say: &mut dyn FnMut(String),
) -> Result<Option<Vec<String>>, StepError> {
    if !allowed(scopes, &["read:connections"], say) {
        return Ok(None);
    }
    let answer = mgmt
        .connections()
        .list()
        .include_totals(true)
        .send_page()
        .await
        .step(CONNECTIONS, None)?;
    let of = answer.total.map(|t| format!(" of {t}")).unwrap_or_default();
    say(format!("   {} listed{of}:", answer.items.len()));
    let mut names = Vec::new();
    for c in &answer.items {
        let name = c.name.clone().unwrap_or_default();
        let mark = if name == connection {
            "  <- the quickstart's"
        } else {
            ""
        };
        say(format!(
            "     {} {name} ({}){mark}",
            c.id.as_deref().unwrap_or("?"),
            c.strategy.as_deref().unwrap_or("?")
        ));
        names.push(name);
    }
    Ok(Some(names))
}

/// The id of the connection named `name`, and its `display_name`.
async fn find_connection(
    mgmt: &management::Client,
    step: &'static str,
    name: &str,
) -> Result<(String, Option<String>), StepError> {
    let found = mgmt
        .connections()
        .list()
        .name(name)
        .send_page()
        .await
        .step(step, None)?
        .items
        .into_iter()
        .find(|c| c.name.as_deref() == Some(name))
        .ok_or_else(|| fail(step, format!("no connection named {name}")))?;
    let id = found
        .id
        .ok_or_else(|| fail(step, "a connection without id".into()))?;
    Ok((id, found.display_name))
}

/// Gives the quickstart's connection a new `display_name`, reads it back, and puts the old one
/// back (also when reading failed).
async fn rename_connection(
    mgmt: &management::Client,
    scopes: &str,
    connection: &str,
    stamp: u128,
    say: &mut dyn FnMut(String),
) -> Result<Option<String>, StepError> {
    if !allowed(scopes, &["read:connections", "update:connections"], say) {
        return Ok(None);
    }
    let (id, before) = find_connection(mgmt, RENAME, connection).await?;
    let name = format!("Quickstart {stamp}");
    mgmt.connections()
        .update(id.as_str())
        .body(types::UpdateConnectionRequestContent {
            display_name: name.clone().into(),
            ..Default::default()
        })
        .send()
        .await
        .step(RENAME, None)?;
    say(format!(
        "   {id} {connection}: display_name {} -> {name}",
        before.as_deref().unwrap_or("(none)")
    ));
    let read = mgmt.connections().get(id.as_str()).send().await;
    // The tenant's connection as it was: its old name, or none (`null` clears it).
    let restored = mgmt
        .connections()
        .update(id.as_str())
        .body(types::UpdateConnectionRequestContent {
            display_name: before
                .clone()
                .map_or(management::Nullable::Null, management::Nullable::Set),
            ..Default::default()
        })
        .send()
        .await;
    let read = read.step(RENAME, None)?.display_name;
    if read.as_deref() != Some(name.as_str()) {
        return Err(fail(
            RENAME,
            format!("read back display_name {read:?}, not {name}"),
        ));
    }
    say(format!("   read back: display_name {name}"));
    let restored = restored.step(RENAME, None)?.display_name;
    say(format!(
        "   put back: display_name {}",
        restored.as_deref().unwrap_or("(none)")
    ));
    Ok(read)
}

/// Creates an organization and a user, adds the user as a member, lists the members, removes
/// the user, and deletes both again (also when a step in between failed).
async fn manage_members(
    mgmt: &management::Client,
    scopes: &str,
    connection: &str,
    stamp: u128,
    say: &mut dyn FnMut(String),
) -> Result<Option<(Vec<String>, usize)>, StepError> {
    let needed = [
        "create:organizations",
        "delete:organizations",
        "create:organization_members",
        "read:organization_members",
        "delete:organization_members",
    ];
    if !allowed(scopes, &needed, say) {
        return Ok(None);
    }
    let org = mgmt
        .organizations()
        .create()
        .body(types::CreateOrganizationRequestContent {
            name: format!("quickstart-{stamp}"),
            display_name: "Quickstart".into(),
            ..Default::default()
        })
        .send()
        .await
        .step(MEMBERS, None)?;
    let org_id = org
        .id
        .ok_or_else(|| fail(MEMBERS, "the created organization has no id".into()))?;
    say(format!(
        "   created the organization {org_id} quickstart-{stamp}"
    ));
    let outcome = members_of(mgmt, &org_id, connection, stamp, say).await;
    let deleted = mgmt
        .organizations()
        .delete(org_id.as_str())
        .send()
        .await
        .step(MEMBERS, None);
    let outcome = outcome?;
    deleted?;
    say(format!("   deleted the organization {org_id}"));
    Ok(Some(outcome))
}

/// The member's part of `manage_members`: a new user in `org_id`, listed, removed, deleted.
async fn members_of(
    mgmt: &management::Client,
    org_id: &str,
    connection: &str,
    stamp: u128,
    say: &mut dyn FnMut(String),
) -> Result<(Vec<String>, usize), StepError> {
    let email = format!("quickstart-member-{stamp}@example.com");
    let user_id = mgmt
        .users()
        .create()
        .body(types::CreateUserRequestContent {
            connection: connection.to_string(),
            email: email.clone().into(),
            password: format!("Qs-{}-9!", random_string()).into(),
            ..Default::default()
        })
        .send()
        .await
        .step(MEMBERS, None)?
        .user_id
        .ok_or_else(|| fail(MEMBERS, "the created user has no user_id".into()))?;
    say(format!("   created the user {user_id} <{email}>"));
    let listed = add_list_remove(mgmt, org_id, &user_id, say).await;
    let deleted = mgmt
        .users()
        .delete(user_id.as_str())
        .send()
        .await
        .step(MEMBERS, None);
    let listed = listed?;
    deleted?;
    say(format!("   deleted the user {user_id}"));
    Ok(listed)
}

async fn add_list_remove(
    mgmt: &management::Client,
    org_id: &str,
    user_id: &str,
    say: &mut dyn FnMut(String),
) -> Result<(Vec<String>, usize), StepError> {
    let members = || types::CreateOrganizationMemberRequestContent {
        members: vec![user_id.to_string()],
        ..Default::default()
    };
    mgmt.organizations()
        .members()
        .create(org_id)
        .body(members())
        .send()
        .await
        .step(MEMBERS, None)?;
    let list = async || {
        mgmt.organizations()
            .members()
            .list(org_id)
            .send_page()
            .await
            .step(MEMBERS, None)
            .map(|page| {
                page.items
                    .into_iter()
                    .filter_map(|m| m.user_id)
                    .collect::<Vec<_>>()
            })
    };
    let listed = list().await?;
    if !listed.iter().any(|m| m == user_id) {
        return Err(fail(
            MEMBERS,
            format!("{user_id} is not among the members {listed:?}"),
        ));
    }
    say(format!(
        "   added it as a member; the members: {}",
        listed.join(", ")
    ));
    mgmt.organizations()
        .members()
        .delete(org_id)
        .body(members())
        .send()
        .await
        .step(MEMBERS, None)?;
    let left = list().await?;
    if left.iter().any(|m| m == user_id) {
        return Err(fail(MEMBERS, format!("{user_id} is still a member")));
    }
    say(format!("   removed it; {} members left", left.len()));
    Ok((listed, left.len()))
}
