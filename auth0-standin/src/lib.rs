//! A small stand-in for an Auth0 tenant, started in-process on 127.0.0.1, so that examples and
//! tests run offline against something that behaves like Auth0: it signs RS256 tokens with a
//! key generated at start, logs users in through a login page of its own, checks client
//! secrets, passwords, PKCE verifiers, bearer tokens (signature, expiry, audience) and scopes,
//! and answers errors in Auth0's shapes.
//!
//! | endpoint | what it does |
//! |---|---|
//! | `GET /.well-known/openid-configuration` | the discovery document (issuer `{url}/`) |
//! | `GET /.well-known/jwks.json` | the public key (a 2048-bit RSA key made once per process, or per start with [`StandinBuilder::own_key`]) |
//! | `GET /authorize` | `response_type=code`; `client_id` and `redirect_uri` (exactly a registered callback) checked first, an HTML error page otherwise; `response_mode` `query`, `fragment` or `form_post`; `state`, `nonce`, `scope`, `audience` (a registered API), PKCE (`code_challenge`, `S256` only), `prompt` (`none` answers `login_required` without a session, `login` asks again), `max_age` (`0` always asks again), `organization` (id or name; members only, else `access_denied`), `invitation`, `login_hint`, `connection`. Without a live stand-in session it shows the login page; with one it sends the code back at once |
//! | `POST /u/login` | the login page's form: `state` (the page's transaction), `username` (email address), `password`. A wrong password shows the page again (400) with `Wrong email or password.`; a blocked user goes back with `access_denied` (`user is blocked`); success opens the session and sends back `code` and `state` |
//! | `POST /oauth/token` | `authorization_code` (a code is used once, by its client, with its `redirect_uri` and PKCE verifier; a second use revokes what the first got), `refresh_token` (rotation; a retired token used again ends its whole family; `scope` narrows; `audience` gets a token for another registered API), `client_credentials` (the Management API, `{url}/api/v2/`, or a registered API), `password` and `http://auth0.com/oauth/grant-type/password-realm`; form or JSON bodies, client secret in the body or as HTTP Basic; DPoP proofs bind the tokens |
//! | `POST /oauth/revoke` | ends the family of a refresh token |
//! | `GET/POST /userinfo` | the profile of the user a bearer access token was issued to |
//! | `GET /v2/logout` | `client_id`, `returnTo` (a registered logout URL; without it, the application's first one) |
//! | `GET/POST /oidc/logout` | `id_token_hint` (expired ones too), `client_id`, `post_logout_redirect_uri` (a registered logout URL; `state` appended), `logout_hint` ignored |
//! | `/api/v2/*` | every Management API operation (454: the document's and the overlay's), from the table codegen writes: collections (create, list, get, update, delete), relations (a user's roles, an organization's members, ...), settings (read as the document's defaults until written), actions (jobs, tickets, rotating a secret); the token's scopes checked per operation, bodies checked against the document's schemas, paging (`page`, `per_page`, `include_totals`; `from`, `take`), `fields`, `include_fields`, `X-RateLimit-*` headers |
//! | `POST/DELETE /standin/faults`, `GET/DELETE /standin/requests` | the stand-in's own: faults for the next Management requests ([`Fault`]), the requests received ([`ReceivedRequest`]) |
//!
//! The application [`CLIENT_ID`] / [`CLIENT_SECRET`] is always there (without callback or
//! logout URLs); [`Standin::builder`] adds applications (callback, logout and back-channel
//! logout URLs), users, APIs with their scopes, organizations with their members, and token
//! lifetimes. Each application has a client grant for the Management API with every scope
//! ([`MANAGEMENT_SCOPES`]) and one for each API with its scopes: client grants decide what a
//! client-credentials token carries, and each Management operation requires one of the scopes
//! Auth0's document names for it.
//! Errors: `{"error", "error_description"}` from `/oauth/token` and `/userinfo`,
//! `{"statusCode", "error", "message", "errorCode"}` from `/api/v2`, `error`,
//! `error_description` and `state` sent back to the callback from `/authorize`, and an HTML
//! page (`id="error"`, `id="error_description"`) where the browser cannot be sent back.
//!
//! **Logging in.** Tokens of a login carry what Auth0's do: the ID token `iss`, `sub`,
//! `aud` (the client id), `iat`, `exp`, `auth_time`, `sid`, `nonce`, `org_id` and `org_name`
//! (when an organization was asked for) and the claims of the `profile` and `email` scopes;
//! the access token `aud` (the API, and `{url}/userinfo` with `openid`), `scope`, `azp` and the
//! organization's claims; a refresh token when `offline_access` was asked for.
//!
//! **The stand-in's session** is kept in its own cookie, `auth0_standin_session` (`HttpOnly`,
//! `SameSite=Lax`, `Path=/`, 7 days). Browsers keep cookies by host, not by port, so the
//! applications on 127.0.0.1 receive it too and the stand-in receives theirs: it reads only
//! this name and only values naming one of its live sessions (two stand-ins in one browser
//! replace each other's session). Logging in to a second application in the same browser
//! needs no password (single sign-on).
//!
//! **Logout** ends the session the cookie names (or, for `/oidc/logout`, the one of the
//! hint's `sid`), clears the cookie, and POSTs a logout token (`typ` `logout+jwt`; `iss`,
//! `aud`, `iat`, `exp`, `jti`, `sid`, `sub`, `events`) as the form field `logout_token` to the
//! back-channel logout URL of every application that received a code in that session, one
//! after the other with a 2-second timeout, **before** answering: when the logout request
//! has returned, the POSTs have been made ([`Standin::backchannel_logouts`] lists them and
//! what came of each). A failure is logged (`tracing`) and recorded, never fatal.
//! [`Standin::end_sessions`] ends a user's sessions from a test's side, with the same POSTs.
//!
//! **Organizations and invitations.** [`Organization`]s have members; [`Standin::invite`]
//! makes an invitation whose link logs the invited address in (an existing user, or someone
//! new choosing a password) and makes it a member.
//!
//! State is in memory and lives as long as the [`Standin`]; the tenant holds a few users
//! from the start (without passwords), so that listing users shows several pages. Passwords of
//! users created through the Management API are kept in memory as given: this is a test
//! fixture, not a server to expose.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let tenant = auth0_standin::Standin::start().await?;
//! let discovery: serde_json::Value =
//!     reqwest::get(format!("{}/.well-known/openid-configuration", tenant.url()))
//!         .await?
//!         .json()
//!         .await?;
//! assert_eq!(discovery["issuer"], tenant.issuer());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The README's example runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

mod api;
mod config;
mod control;
mod engine;
// Written by `cargo xtask codegen` from the document, formatted by it.
#[rustfmt::skip]
mod generated {
    //! What codegen writes from the document.
    pub(crate) mod routes;
}
mod html;
mod keys;
mod login;
mod logout;
mod management;
mod oauth;
mod state;
mod tokens;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::{any, get, post};
use serde_json::{Value, json};

pub use crate::api::{Fault, FaultKind, ReceivedRequest};
pub use crate::config::{Api, Application, Organization, StandinBuilder, User};
pub use crate::state::BackchannelLogout;

use crate::config::Lifetimes;
use crate::keys::SigningKey;
use crate::state::{Family, Invited, Org, Session, Transaction};

/// The client id the stand-in accepts.
pub const CLIENT_ID: &str = "standin-client";
/// The client secret the stand-in accepts.
pub const CLIENT_SECRET: &str = "standin-secret";
/// The one database connection: the realm of the password-realm grant and the `connection`
/// of created users.
pub const CONNECTION: &str = "Username-Password-Authentication";
/// The scopes client-credentials tokens for the Management API carry: every scope an
/// operation of the document accepts.
pub const MANAGEMENT_SCOPES: &[&str] = crate::generated::routes::SCOPES;

/// Why the stand-in could not start, or could not sign a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Binding 127.0.0.1 failed.
    #[error("the stand-in tenant could not listen on 127.0.0.1")]
    Io(#[from] std::io::Error),
    /// The signing key could not be made.
    #[error("the stand-in tenant could not make its signing key: {0}")]
    KeyGeneration(String),
    /// A token could not be signed.
    #[error("the stand-in tenant could not sign a token: {0}")]
    Signing(String),
    /// A value given to the builder or to a method such as `invite` is not valid (the message
    /// names it).
    #[error("the stand-in tenant was given an invalid value: {0}")]
    Invalid(String),
    /// Its HTTP client or its random number generator failed.
    #[error("the stand-in tenant could not set itself up: {0}")]
    Setup(String),
}

/// A running stand-in tenant; stops when dropped.
pub struct Standin {
    state: Arc<Tenant>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Standin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Standin")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the handlers share.
pub(crate) struct Tenant {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub(crate) base: String,
    pub(crate) key: Arc<SigningKey>,
    data: Mutex<Data>,
    /// Whether the application may use the password and password-realm grants.
    pub(crate) password_grant: AtomicBool,
    /// How token requests' DPoP proofs are checked.
    pub(crate) dpop: auth0_verify::dpop::DpopOptions,
    /// The nonce DPoP proofs must carry, when the tenant asks for one.
    pub(crate) dpop_nonce: Mutex<Option<String>>,
    /// The applications, by client id.
    pub(crate) applications: BTreeMap<String, Application>,
    /// The APIs given to the builder, by identifier.
    pub(crate) apis: BTreeMap<String, Api>,
    pub(crate) lifetimes: Lifetimes,
    /// Sends back-channel logout tokens: made at the first one (starting stays cheap).
    http: std::sync::OnceLock<reqwest::Client>,
    /// The Management requests received, oldest first.
    requests: Mutex<Vec<api::ReceivedRequest>>,
    /// Faults the next Management requests meet.
    faults: Mutex<Vec<api::Fault>>,
    /// The current second and the requests answered in it (the rate-limit headers).
    rate: Mutex<(u64, u64)>,
    /// What the tenant starts with, put in at the first use of the data.
    seed: Mutex<Option<Seed>>,
    seeded: AtomicBool,
}

/// The users and organizations given to the builder, and the users' email addresses
/// (lower-case).
struct Seed {
    users: Vec<User>,
    organizations: Vec<Organization>,
    emails: BTreeSet<String>,
}

/// The users every tenant holds from the start (without passwords).
const STARTING_USERS: &[&str] = &["ana@example.com", "ben@example.com", "chloe@example.com"];

#[derive(Default)]
pub(crate) struct Data {
    pub(crate) users: BTreeMap<String, Account>,
    /// Everything else of the Management API, by path.
    pub(crate) store: engine::Store,
    pub(crate) next_id: u64,
    /// Stand-in sessions, by cookie value.
    pub(crate) sessions: BTreeMap<String, Session>,
    /// Logins waiting for the form, by the form's `state`.
    pub(crate) transactions: BTreeMap<String, Transaction>,
    pub(crate) codes: BTreeMap<String, state::Code>,
    /// Refresh tokens, each with the id of its family.
    pub(crate) refresh_tokens: BTreeMap<String, String>,
    pub(crate) families: BTreeMap<String, Family>,
    /// Organizations, by id.
    pub(crate) organizations: BTreeMap<String, Org>,
    /// Invitations, by id.
    pub(crate) invitations: BTreeMap<String, Invited>,
    pub(crate) backchannel_logouts: Vec<BackchannelLogout>,
}

/// A user of the database connection.
pub(crate) struct Account {
    /// The user as the Management API returns it.
    pub(crate) profile: Value,
    /// `None` for the users the tenant starts with: they cannot log in.
    pub(crate) password: Option<String>,
}

impl Account {
    /// Counts a login in the profile, as Auth0 does.
    pub(crate) fn record_login(&mut self) {
        let logins = self.profile["logins_count"].as_u64().unwrap_or(0) + 1;
        self.profile["logins_count"] = json!(logins);
        self.profile["last_login"] = json!(timestamp());
    }
}

impl Tenant {
    pub(crate) fn issuer(&self) -> String {
        format!("{}/", self.base)
    }

    pub(crate) fn management_audience(&self) -> String {
        format!("{}/api/v2/", self.base)
    }

    pub(crate) fn userinfo_audience(&self) -> String {
        format!("{}/userinfo", self.base)
    }

    /// The data, even if a handler panicked while holding it (none should); what the tenant
    /// starts with is put in at the first use (starting stays cheap).
    pub(crate) fn data(&self) -> MutexGuard<'_, Data> {
        let mut d = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        if !self.seeded.load(Ordering::Acquire) {
            let seed = self
                .seed
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(seed) = seed {
                self.apply_seed(&mut d, seed);
            }
            self.seeded.store(true, Ordering::Release);
        }
        d
    }

    /// Puts in the users, organizations and Management objects the tenant starts with.
    fn apply_seed(&self, d: &mut Data, seed: Seed) {
        let Seed {
            users,
            organizations,
            emails,
        } = seed;
        seed_management(d, self);
        for email in STARTING_USERS {
            if !emails.contains(*email) {
                d.add_user(email, None, &json!({"email_verified": true}));
            }
        }
        for user in &users {
            let mut extra = json!({"email_verified": true});
            if let Some(name) = &user.name {
                extra["name"] = json!(name);
            }
            if user.blocked {
                extra["blocked"] = json!(true);
            }
            let password = Some(user.password.clone());
            match user.id.as_deref().and_then(|id| id.strip_prefix("auth0|")) {
                Some(local) => d.add_user_with_id(local, &user.email, password, &extra),
                None => d.add_user(&user.email, password, &extra),
            };
        }
        for org in &organizations {
            let members: BTreeSet<String> = org
                .members
                .iter()
                .filter_map(|member| {
                    if d.users.contains_key(member) {
                        Some(member.clone())
                    } else {
                        d.user_by_email(member).map(|(id, _)| id.clone())
                    }
                })
                .collect();
            let now = timestamp();
            d.store
                .collections
                .entry("/organizations".into())
                .or_default()
                .push(json!({
                    "id": org.id, "name": org.name,
                    "display_name": org.display_name.clone().unwrap_or_else(|| org.name.clone()),
                    "created_at": now, "updated_at": now,
                }));
            d.store.relations.insert(
                format!("/organizations/{}/members", org.id),
                members.into_iter().map(Value::String).collect(),
            );
        }
        management::sync_organizations(d);
    }

    /// The client that sends back-channel logout tokens.
    pub(crate) fn http(&self) -> Result<&reqwest::Client, String> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Back-channel logout URLs are the applications' own, on this machine.
            .no_proxy()
            .timeout(BACKCHANNEL_TIMEOUT)
            .build()
            .map_err(|e| format!("the stand-in's HTTP client: {e}"))?;
        Ok(self.http.get_or_init(|| client))
    }

    pub(crate) fn requests(&self) -> MutexGuard<'_, Vec<api::ReceivedRequest>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, Vec<api::Fault>> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn rate_window(&self) -> MutexGuard<'_, (u64, u64)> {
        self.rate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The scopes an API defines, for a registered audience: an API given to the builder, or
    /// the Management API (none of whose scopes users' tokens get).
    pub(crate) fn api_scopes(&self, audience: &str) -> Option<&[String]> {
        if audience == self.management_audience() {
            return Some(&[]);
        }
        self.apis.get(audience).map(|api| api.scopes.as_slice())
    }
}

impl Data {
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Adds a user of [`CONNECTION`]; returns its profile.
    pub(crate) fn add_user(
        &mut self,
        email: &str,
        password: Option<String>,
        extra: &Value,
    ) -> Value {
        let n = self.next_id();
        self.add_user_with_id(&format!("65f0c0de{n:016x}"), email, password, extra)
    }

    /// Adds a user of [`CONNECTION`] with the id `auth0|{local_id}`; returns its profile.
    pub(crate) fn add_user_with_id(
        &mut self,
        local_id: &str,
        email: &str,
        password: Option<String>,
        extra: &Value,
    ) -> Value {
        let user_id = format!("auth0|{local_id}");
        let now = timestamp();
        let nickname = email.split('@').next().unwrap_or(email);
        let mut profile = json!({
            "user_id": user_id,
            "email": email,
            "email_verified": false,
            "name": email,
            "nickname": nickname,
            "created_at": now,
            "updated_at": now,
            "picture": format!("https://s.gravatar.com/avatar/{}?s=480&r=pg&d=mp", crate::state::email_digest(email)),
            "identities": [{
                "connection": CONNECTION,
                "provider": "auth0",
                "user_id": local_id,
                "isSocial": false,
            }],
        });
        if let (Value::Object(profile), Value::Object(extra)) = (&mut profile, extra) {
            for (k, v) in extra {
                profile.insert(k.clone(), v.clone());
            }
        }
        self.users.insert(
            user_id,
            Account {
                profile: profile.clone(),
                password,
            },
        );
        profile
    }

    /// The user with this email address (compared case-insensitively), with its id.
    pub(crate) fn user_by_email(&self, email: &str) -> Option<(&String, &Account)> {
        let email = email.to_lowercase();
        self.users.iter().find(|(_, u)| {
            u.profile["email"].as_str().map(str::to_lowercase) == Some(email.clone())
        })
    }

    /// The organization with this id, or else this name (case-insensitively).
    pub(crate) fn organization(&self, id_or_name: &str) -> Option<&Org> {
        self.organizations.get(id_or_name).or_else(|| {
            self.organizations
                .values()
                .find(|o| o.name.eq_ignore_ascii_case(id_or_name))
        })
    }
}

impl Standin {
    /// Starts the stand-in on a free port of 127.0.0.1, with the process's signing key: the same as
    /// `Standin::builder().start()`.
    pub async fn start() -> Result<Self, Error> {
        Self::builder().start().await
    }

    /// A builder for a tenant with applications, users, APIs, organizations and token
    /// lifetimes of one's own.
    pub fn builder() -> StandinBuilder {
        StandinBuilder::default()
    }

    pub(crate) async fn start_with(builder: StandinBuilder) -> Result<Self, Error> {
        let applications = builder.checked_applications()?;
        let mut emails = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for user in &builder.users {
            config::check_user(user)?;
            if !emails.insert(user.email.to_lowercase()) {
                return Err(Error::Invalid(format!(
                    "two users have the email address {:?}",
                    user.email
                )));
            }
            if let Some(id) = &user.id
                && !ids.insert(id.clone())
            {
                return Err(Error::Invalid(format!("two users have the id {id:?}")));
            }
        }
        let mut org_keys = BTreeSet::new();
        for org in &builder.organizations {
            config::check_organization(org)?;
            if !org_keys.insert(org.id.clone()) || !org_keys.insert(org.name.clone()) {
                return Err(Error::Invalid(format!(
                    "two organizations have the id {:?} or the name {:?}",
                    org.id, org.name
                )));
            }
        }
        // Members are users given to the builder or the tenant's own, by email or given id.
        let given_ids: BTreeSet<String> =
            builder.users.iter().filter_map(|u| u.id.clone()).collect();
        for org in &builder.organizations {
            for member in &org.members {
                let known = given_ids.contains(member)
                    || emails.contains(&member.to_lowercase())
                    || STARTING_USERS.contains(&member.to_lowercase().as_str());
                if !known {
                    return Err(Error::Invalid(format!(
                        "the member {member:?} of the organization {:?} is not a user",
                        org.id
                    )));
                }
            }
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", builder.port)).await?;
        let addr = listener.local_addr()?;
        let base = format!("http://{addr}");
        let apis = builder.checked_apis(&format!("{base}/api/v2/"))?;
        let key = if builder.own_key {
            new_key().await?
        } else {
            shared_key().await?
        };
        let state = Arc::new(Tenant {
            base,
            key,
            data: Mutex::new(Data::default()),
            password_grant: AtomicBool::new(true),
            dpop: auth0_verify::dpop::DpopOptions::new(),
            dpop_nonce: Mutex::new(None),
            applications,
            apis,
            lifetimes: builder.lifetimes,
            http: std::sync::OnceLock::new(),
            requests: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            rate: Mutex::new((0, 0)),
            seed: Mutex::new(Some(Seed {
                users: builder.users,
                organizations: builder.organizations,
                emails,
            })),
            seeded: AtomicBool::new(false),
        });
        let app = routes().clone().with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { state, task })
    }

    /// Base URL, e.g. `http://127.0.0.1:43210` (no trailing slash): what the SDK's clients
    /// take as the domain.
    pub fn url(&self) -> String {
        self.state.base.clone()
    }

    /// The issuer of its tokens, `{url}/`.
    pub fn issuer(&self) -> String {
        self.state.issuer()
    }

    /// The Management API audience, `{url}/api/v2/`.
    pub fn management_audience(&self) -> String {
        self.state.management_audience()
    }

    /// The JWKS URL, `{url}/.well-known/jwks.json`.
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.state.base)
    }

    /// How many users the tenant holds.
    pub fn user_count(&self) -> usize {
        self.state.data().users.len()
    }

    /// Allows or refuses the password and password-realm grants to the application (allowed
    /// from the start), as the application's grant types do on a real tenant.
    pub fn allow_password_grant(&self, allowed: bool) {
        self.state.password_grant.store(allowed, Ordering::Relaxed);
    }

    /// Makes DPoP proofs of token requests carry `nonce` (answering `use_dpop_nonce` with a
    /// `DPoP-Nonce` header until they do), or no nonce (`None`, the default).
    pub fn require_dpop_nonce(&self, nonce: Option<&str>) {
        if let Ok(mut n) = self.state.dpop_nonce.lock() {
            *n = nonce.map(str::to_owned);
        }
    }

    /// An access token of this tenant for `audience`, with the claims given added to (or
    /// replacing) the standard ones (`iss`, `sub` `auth0|standin-user`, `aud`, `iat` now,
    /// `exp` an hour later): `scope`, `permissions`, `org_id`, `cnf`, …
    pub fn mint_access_token(&self, audience: &str, claims: &Value) -> Result<String, Error> {
        let iat = now();
        let mut token = serde_json::json!({
            "iss": self.issuer(), "sub": "auth0|standin-user", "aud": audience,
            "iat": iat, "exp": iat + 3600,
        });
        if let (Some(token), Some(extra)) = (token.as_object_mut(), claims.as_object()) {
            for (k, v) in extra {
                token.insert(k.clone(), v.clone());
            }
        }
        self.state.key.sign(&token)
    }

    /// Signs any claims with the tenant's key, as its tokens are signed: for tests that need
    /// a token the endpoints would not issue (expired, another audience, missing scopes).
    pub fn sign(&self, claims: &Value) -> Result<String, Error> {
        self.state.key.sign(claims)
    }

    /// Invites `email` to join `organization` (its id or name) through the application
    /// `client_id`, as the Management API's `POST /api/v2/organizations/{id}/invitations`
    /// does. The invited user logs in at `/authorize?...&organization=..&invitation=..`
    /// (see [`Invitation::query`]) with that email address: an existing user with its
    /// password, or someone new choosing a password (of 8 characters or more) there, and
    /// becomes a member. An invitation is accepted once, within 7 days.
    pub fn invite(
        &self,
        organization: &str,
        email: &str,
        client_id: &str,
    ) -> Result<Invitation, Error> {
        if !config::valid_email(email) {
            return Err(Error::Invalid(format!(
                "the invitee {email:?} is not an email address"
            )));
        }
        if !self.state.applications.contains_key(client_id) {
            return Err(Error::Invalid(format!("no application {client_id:?}")));
        }
        let id = format!("uinv_{}", state::random_hex(8)?);
        let mut d = self.state.data();
        let Some(org) = d.organization(organization) else {
            return Err(Error::Invalid(format!("no organization {organization:?}")));
        };
        let invitation = Invitation {
            id: id.clone(),
            organization_id: org.id.clone(),
            organization_name: org.name.clone(),
        };
        d.invitations.insert(
            id,
            Invited {
                organization: invitation.organization_id.clone(),
                email: email.to_owned(),
                client_id: client_id.to_owned(),
                expires: now() + state::INVITATION_SECONDS,
            },
        );
        Ok(invitation)
    }

    /// Ends every stand-in session of `user` (a user id or an email address), sending the
    /// back-channel logouts as a logout does (before returning), as Auth0 does when a user's
    /// sessions are deleted; returns how many sessions ended.
    pub async fn end_sessions(&self, user: &str) -> usize {
        logout::end_user_sessions(&self.state, user).await
    }

    /// The back-channel logouts sent so far, oldest first. They are sent before
    /// `/v2/logout` and `/oidc/logout` answer, so a test can read them once the logout
    /// request has returned.
    pub fn backchannel_logouts(&self) -> Vec<BackchannelLogout> {
        self.state.data().backchannel_logouts.clone()
    }
}

impl Standin {
    /// Makes the next Management requests (all, or one operation's) meet `fault`: a 429 with
    /// `X-RateLimit-Reset`, an error status, or a delay. Faults are met in the order given.
    pub fn inject(&self, fault: Fault) {
        self.state.faults().push(fault);
    }

    /// The Management API requests received so far, oldest first: what an application sent.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.state.requests().clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.state.requests().clear();
    }
}

/// The Management API's own objects a tenant starts with: the database connection, the
/// applications and APIs given to the builder with a client grant for each application to
/// the Management API, two roles.
fn seed_management(d: &mut Data, t: &Tenant) {
    let now = timestamp();
    let clients: Vec<String> = t.applications.keys().cloned().collect();
    let store = &mut d.store;
    let mut put = |collection: &str, item: Value| {
        store
            .collections
            .entry(collection.to_string())
            .or_default()
            .push(item);
    };
    put(
        "/connections",
        json!({
            "id": "con_standinDatabase1", "name": CONNECTION, "display_name": CONNECTION,
            "strategy": "auth0", "options": {"brute_force_protection": true},
            "enabled_clients": clients, "is_domain_connection": false, "realms": [CONNECTION],
        }),
    );
    for app in t.applications.values() {
        put(
            "/clients",
            json!({
                "client_id": app.client_id, "client_secret": app.client_secret,
                "name": app.name, "callbacks": app.callbacks,
                "allowed_logout_urls": app.logout_urls, "app_type": "regular_web",
                "grant_types": ["authorization_code", "refresh_token", "client_credentials", "password"],
                "token_endpoint_auth_method": "client_secret_post", "is_first_party": true,
                "tenant": "standin",
            }),
        );
    }
    for (i, api) in t.apis.values().enumerate() {
        put(
            "/resource-servers",
            json!({
                "id": format!("65f0c0de0000000000{i:06x}"), "name": api.identifier,
                "identifier": api.identifier, "signing_alg": "RS256",
                "scopes": api.scopes.iter().map(|s| json!({"value": s})).collect::<Vec<_>>(),
                "token_lifetime": t.lifetimes.access_token, "allow_offline_access": false,
                "skip_consent_for_verifiable_first_party_clients": true,
            }),
        );
    }
    let management = t.management_audience();
    for client in &clients {
        put(
            "/client-grants",
            json!({
                "id": format!("cgr_standin{}", put_count(client)), "client_id": client,
                "audience": management, "scope": MANAGEMENT_SCOPES,
                "subject_type": "client",
            }),
        );
        for api in t.apis.values() {
            put(
                "/client-grants",
                json!({
                    "id": format!("cgr_standin{}", put_count(&format!("{client} {}", api.identifier))),
                    "client_id": client, "audience": api.identifier, "scope": api.scopes,
                    "subject_type": "client",
                }),
            );
        }
    }
    for (id, name, description) in [
        ("rol_standin_admin", "admin", "Administrators"),
        ("rol_standin_reader", "reader", "Read-only access"),
    ] {
        put(
            "/roles",
            json!({"id": id, "name": name, "description": description}),
        );
    }
    let _ = now;
}

/// A short hexadecimal digest of `text`: stable ids for the objects a tenant starts with.
fn put_count(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The routes, made once per process (each start gives them its state).
fn routes() -> &'static Router<Arc<Tenant>> {
    static ROUTES: std::sync::OnceLock<Router<Arc<Tenant>>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| {
        Router::new()
            .route("/.well-known/openid-configuration", get(oauth::discovery))
            .route("/.well-known/jwks.json", get(oauth::jwks))
            .route("/authorize", get(login::authorize))
            .route("/u/login", post(login::submit))
            .route("/oauth/token", post(oauth::token))
            .route("/oauth/revoke", post(tokens::revoke))
            .route("/userinfo", get(oauth::userinfo).post(oauth::userinfo))
            .route("/v2/logout", get(logout::v2_logout))
            .route(
                "/oidc/logout",
                get(logout::oidc_logout).post(logout::oidc_logout_form),
            )
            .route("/api/v2/{*rest}", any(api::handle))
            .route(
                "/standin/faults",
                post(control::add_fault).delete(control::clear_faults),
            )
            .route(
                "/standin/requests",
                get(control::requests).delete(control::clear_requests),
            )
            .fallback(management::not_found)
    })
}

/// A new signing key, made off the async threads (it takes a moment).
async fn new_key() -> Result<Arc<SigningKey>, Error> {
    tokio::task::spawn_blocking(SigningKey::generate)
        .await
        .map_err(|e| Error::KeyGeneration(e.to_string()))?
        .map(Arc::new)
}

/// The key the stand-ins of this process share, made by the first to start.
async fn shared_key() -> Result<Arc<SigningKey>, Error> {
    static SHARED: tokio::sync::OnceCell<Arc<SigningKey>> = tokio::sync::OnceCell::const_new();
    SHARED.get_or_try_init(new_key).await.cloned()
}

/// How long a back-channel logout POST may take.
const BACKCHANNEL_TIMEOUT: Duration = Duration::from_secs(2);

/// An invitation made by [`Standin::invite`]: what an application's invitation link carries.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Invitation {
    /// The invitation id: `/authorize`'s `invitation` parameter.
    pub id: String,
    /// The organization's id: `/authorize`'s `organization` parameter.
    pub organization_id: String,
    /// The organization's name.
    pub organization_name: String,
}

impl Invitation {
    /// The query of an invitation link, as Auth0 appends it to the application's login URL:
    /// `invitation=..&organization=..&organization_name=..`.
    pub fn query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("invitation", &self.id)
            .append_pair("organization", &self.organization_id)
            .append_pair("organization_name", &self.organization_name)
            .finish()
    }
}

/// An error answer on its way out of a helper (boxed: a `Response` is large).
pub(crate) struct Refused(Box<axum::response::Response>);

impl From<axum::response::Response> for Refused {
    fn from(response: axum::response::Response) -> Self {
        Refused(Box::new(response))
    }
}

impl axum::response::IntoResponse for Refused {
    fn into_response(self) -> axum::response::Response {
        *self.0
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The current time as Auth0 writes it: `2026-01-31T09:30:00.123Z`.
pub(crate) fn timestamp() -> String {
    timestamp_at(SystemTime::now())
}

/// A time as Auth0 writes it: `2026-01-31T09:30:00.123Z`.
pub(crate) fn timestamp_at(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01.
fn civil_date(days: u64) -> (u64, u64, u64) {
    let mut year = 1970;
    let mut days = days;
    loop {
        let len = if is_leap(year) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let feb = if is_leap(year) { 29 } else { 28 };
    let mut month = 1;
    for len in [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] {
        if days < len {
            break;
        }
        days -= len;
        month += 1;
    }
    (year, month, days + 1)
}

fn is_leap(year: u64) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(59), (1970, 3, 1));
        // 2000-02-29 and 2024-12-31.
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(20_088), (2024, 12, 31));
        assert_eq!(timestamp().len(), "2026-01-31T09:30:00.123Z".len());
    }
}
