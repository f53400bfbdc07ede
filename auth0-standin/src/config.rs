//! What a tenant holds from its start: applications, users, APIs, organizations and token
//! lifetimes, set with [`StandinBuilder`].

use std::collections::BTreeMap;
use std::time::Duration;

use url::Url;

use crate::{CLIENT_ID, CLIENT_SECRET, Error, Standin};

/// Auth0's default lifetime of access tokens (a day).
const ACCESS_TOKEN_SECONDS: u64 = 86_400;
/// Auth0's default lifetime of ID tokens (10 hours).
const ID_TOKEN_SECONDS: u64 = 36_000;
/// Auth0's default absolute lifetime of refresh tokens (30 days).
const REFRESH_TOKEN_SECONDS: u64 = 2_592_000;

/// An application (a client) of the tenant: its credentials, the URLs its users may be sent
/// back to after logging in and out, and where back-channel logout tokens go.
///
/// ```
/// use auth0_standin::Application;
///
/// let app = Application::new("my-app", "my-secret")
///     .name("My App")
///     .callback("http://127.0.0.1:3000/auth/callback")
///     .logout_url("http://127.0.0.1:3000/")
///     .backchannel_logout_url("http://127.0.0.1:3000/auth/backchannel-logout");
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct Application {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) name: String,
    pub(crate) callbacks: Vec<String>,
    pub(crate) logout_urls: Vec<String>,
    pub(crate) backchannel_logout_url: Option<String>,
    pub(crate) rotate_refresh_tokens: bool,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("name", &self.name)
            .field("callbacks", &self.callbacks)
            .field("logout_urls", &self.logout_urls)
            .field("backchannel_logout_url", &self.backchannel_logout_url)
            .field("rotate_refresh_tokens", &self.rotate_refresh_tokens)
            .finish()
    }
}

impl Application {
    /// An application with these credentials, no callback, logout or back-channel URL, and
    /// refresh-token rotation on. Its name is its client id until [`name`](Self::name).
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        let client_id = client_id.into();
        Application {
            name: client_id.clone(),
            client_id,
            client_secret: client_secret.into(),
            callbacks: Vec::new(),
            logout_urls: Vec::new(),
            backchannel_logout_url: None,
            rotate_refresh_tokens: true,
        }
    }

    /// The name the login page shows.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Adds an allowed callback URL: `/authorize` sends users back only to one of these
    /// (compared exactly, after URL normalization).
    pub fn callback(mut self, url: impl Into<String>) -> Self {
        self.callbacks.push(url.into());
        self
    }

    /// Adds an allowed logout URL: `/v2/logout`'s `returnTo` and `/oidc/logout`'s
    /// `post_logout_redirect_uri` must be one of these.
    pub fn logout_url(mut self, url: impl Into<String>) -> Self {
        self.logout_urls.push(url.into());
        self
    }

    /// Where logout tokens are POSTed when a session in which the application logged a user
    /// in ends (one URL; a second call replaces the first).
    pub fn backchannel_logout_url(mut self, url: impl Into<String>) -> Self {
        self.backchannel_logout_url = Some(url.into());
        self
    }

    /// Whether each use of a refresh token returns a new one and retires the one used (on by
    /// default). Off, the same refresh token is used again and again, and token answers to
    /// the refresh-token grant carry none.
    pub fn rotate_refresh_tokens(mut self, rotate: bool) -> Self {
        self.rotate_refresh_tokens = rotate;
        self
    }

    /// Whether `url` is one of the allowed callback URLs.
    pub(crate) fn allows_callback(&self, url: &str) -> bool {
        listed(&self.callbacks, url)
    }

    /// Whether `url` is one of the allowed logout URLs.
    pub(crate) fn allows_logout_url(&self, url: &str) -> bool {
        listed(&self.logout_urls, url)
    }
}

/// Whether `url` equals one of `list` once both are parsed (so `http://h:1` and `http://h:1/`
/// are the same URL); anything that does not parse matches nothing.
fn listed(list: &[String], url: &str) -> bool {
    let Ok(url) = Url::parse(url) else {
        return false;
    };
    list.iter()
        .any(|allowed| Url::parse(allowed).is_ok_and(|allowed| allowed == url))
}

/// A user of the database connection [`CONNECTION`](crate::CONNECTION) who can log in.
///
/// ```
/// use auth0_standin::User;
///
/// let user = User::new("zoe@example.com", "a long passphrase 7").name("Zoe");
/// # let _ = user;
/// ```
#[derive(Clone)]
pub struct User {
    pub(crate) email: String,
    pub(crate) password: String,
    pub(crate) id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) blocked: bool,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("blocked", &self.blocked)
            .finish()
    }
}

impl User {
    /// A user with a verified email address and this password; its id is generated
    /// (`auth0|` and hexadecimal digits) unless set with [`id`](Self::id).
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        User {
            email: email.into(),
            password: password.into(),
            id: None,
            name: None,
            blocked: false,
        }
    }

    /// The user id, starting with `auth0|` (the connection's provider).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The user's name (the email address otherwise).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A blocked user cannot log in: the password is checked, then the login is refused with
    /// `access_denied` (`user is blocked`).
    pub fn blocked(mut self, blocked: bool) -> Self {
        self.blocked = blocked;
        self
    }
}

/// An API (a resource server): an audience users' access tokens can be issued for, with the
/// scopes it defines.
///
/// ```
/// use auth0_standin::Api;
///
/// let api = Api::new("https://api.example.com/").scopes(["read:items", "write:items"]);
/// # let _ = api;
/// ```
#[derive(Clone, Debug)]
pub struct Api {
    pub(crate) identifier: String,
    pub(crate) scopes: Vec<String>,
}

impl Api {
    /// An API identified by `identifier` (the `audience` of its tokens), without scopes.
    pub fn new(identifier: impl Into<String>) -> Self {
        Api {
            identifier: identifier.into(),
            scopes: Vec::new(),
        }
    }

    /// Adds scopes the API defines; a token for it carries those asked for among them.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }
}

/// An organization: users log in to it with the `organization` parameter (its id or name)
/// when they are members, and its tokens carry `org_id` and `org_name`.
///
/// ```
/// use auth0_standin::Organization;
///
/// let org = Organization::new("org_acme1234", "acme")
///     .display_name("Acme Inc.")
///     .member("zoe@example.com");
/// # let _ = org;
/// ```
#[derive(Clone, Debug)]
pub struct Organization {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) display_name: Option<String>,
    pub(crate) members: Vec<String>,
}

impl Organization {
    /// An organization with this id (starting with `org_`) and name (lower-case letters,
    /// digits, `-` and `_`, as Auth0 allows), without members.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Organization {
            id: id.into(),
            name: name.into(),
            display_name: None,
            members: Vec::new(),
        }
    }

    /// The name the login page shows (the name otherwise).
    pub fn display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = Some(display_name.into());
        self
    }

    /// Adds a member: a user given to the builder (or one of the users the tenant starts
    /// with), by email address or user id.
    pub fn member(mut self, user: impl Into<String>) -> Self {
        self.members.push(user.into());
        self
    }
}

/// Token lifetimes, in seconds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lifetimes {
    pub(crate) access_token: u64,
    pub(crate) id_token: u64,
    pub(crate) refresh_token: u64,
}

/// Sets up a stand-in tenant: made by [`Standin::builder`], started by
/// [`start`](Self::start).
///
/// The application [`CLIENT_ID`] / [`CLIENT_SECRET`] is always there (without callback or
/// logout URLs); an [`Application`] with its client id replaces it.
///
/// ```
/// use std::time::Duration;
/// use auth0_standin::{Api, Application, Organization, Standin, User};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), auth0_standin::Error> {
/// let tenant = Standin::builder()
///     .application(
///         Application::new("my-app", "my-secret")
///             .callback("http://127.0.0.1:3000/auth/callback")
///             .logout_url("http://127.0.0.1:3000/"),
///     )
///     .user(User::new("zoe@example.com", "a long passphrase 7").name("Zoe"))
///     .api(Api::new("https://api.example.com/").scopes(["read:items"]))
///     .organization(Organization::new("org_acme1234", "acme").member("zoe@example.com"))
///     .access_token_lifetime(Duration::from_secs(60))
///     .start()
///     .await?;
/// # let _ = tenant;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StandinBuilder {
    pub(crate) applications: Vec<Application>,
    pub(crate) users: Vec<User>,
    pub(crate) apis: Vec<Api>,
    pub(crate) organizations: Vec<Organization>,
    pub(crate) lifetimes: Lifetimes,
    pub(crate) port: u16,
    pub(crate) own_key: bool,
}

impl Default for StandinBuilder {
    fn default() -> Self {
        StandinBuilder {
            applications: Vec::new(),
            users: Vec::new(),
            apis: Vec::new(),
            organizations: Vec::new(),
            lifetimes: Lifetimes {
                access_token: ACCESS_TOKEN_SECONDS,
                id_token: ID_TOKEN_SECONDS,
                refresh_token: REFRESH_TOKEN_SECONDS,
            },
            port: 0,
            own_key: false,
        }
    }
}

impl StandinBuilder {
    /// Adds an application, or replaces the one with the same client id.
    pub fn application(mut self, application: Application) -> Self {
        self.applications
            .retain(|a| a.client_id != application.client_id);
        self.applications.push(application);
        self
    }

    /// Adds a user.
    pub fn user(mut self, user: User) -> Self {
        self.users.push(user);
        self
    }

    /// Adds an API.
    pub fn api(mut self, api: Api) -> Self {
        self.apis.push(api);
        self
    }

    /// Adds an organization.
    pub fn organization(mut self, organization: Organization) -> Self {
        self.organizations.push(organization);
        self
    }

    /// The lifetime of access tokens (a day by default); whole seconds. Zero issues tokens
    /// that have already expired, for tests of renewal.
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetimes.access_token = lifetime.as_secs();
        self
    }

    /// The lifetime of ID tokens (10 hours by default); whole seconds.
    pub fn id_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetimes.id_token = lifetime.as_secs();
        self
    }

    /// The absolute lifetime of refresh tokens, counted from the login that issued the first
    /// of a rotation family (30 days by default); whole seconds.
    pub fn refresh_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetimes.refresh_token = lifetime.as_secs();
        self
    }

    /// A signing key of its own, made at start (a tenth of a second or so), rather than the
    /// one key the stand-ins of a process share (made by the first to start): for tests of
    /// tokens signed by another tenant's key.
    pub fn own_key(mut self, own: bool) -> Self {
        self.own_key = own;
        self
    }

    /// The port to listen on, on 127.0.0.1 (a free one by default).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Adds what a JSON configuration lists, as the builder's methods would (the
    /// `--config` file of the `auth0-standin` binary):
    ///
    /// ```json
    /// {
    ///   "applications": [{"client_id": "my-app", "client_secret": "my-secret", "name": "My App",
    ///                     "callbacks": ["http://127.0.0.1:3000/callback"], "logout_urls": [],
    ///                     "backchannel_logout_url": null}],
    ///   "users": [{"email": "zoe@example.com", "password": "a long passphrase 7",
    ///              "id": "auth0|zoe", "name": "Zoe", "blocked": false}],
    ///   "apis": [{"identifier": "https://api.example.com/", "scopes": ["read:items"]}],
    ///   "organizations": [{"id": "org_acme1234", "name": "acme", "display_name": "Acme",
    ///                      "members": ["zoe@example.com"]}],
    ///   "access_token_lifetime": 86400, "id_token_lifetime": 36000,
    ///   "refresh_token_lifetime": 2592000
    /// }
    /// ```
    ///
    /// Every member is optional; [`Error::Invalid`] names one of the wrong type or unknown.
    pub fn config(mut self, json: &str) -> Result<Self, Error> {
        let config: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| invalid(format!("the configuration is not JSON: {e}")))?;
        let serde_json::Value::Object(config) = config else {
            return Err(invalid("the configuration is not a JSON object".into()));
        };
        let text = |v: &serde_json::Value, what: &str| -> Result<String, Error> {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid(format!("{what} is not a string")))
        };
        let texts = |v: Option<&serde_json::Value>, what: &str| -> Result<Vec<String>, Error> {
            match v {
                None | Some(serde_json::Value::Null) => Ok(Vec::new()),
                Some(serde_json::Value::Array(items)) => {
                    items.iter().map(|i| text(i, what)).collect()
                }
                Some(_) => Err(invalid(format!("{what} is not a list of strings"))),
            }
        };
        let list = |key: &str| -> Result<Vec<serde_json::Map<String, serde_json::Value>>, Error> {
            match config.get(key) {
                None => Ok(Vec::new()),
                Some(serde_json::Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_object()
                            .cloned()
                            .ok_or_else(|| invalid(format!("an item of {key} is not an object")))
                    })
                    .collect(),
                Some(_) => Err(invalid(format!("{key} is not a list"))),
            }
        };
        let seconds = |key: &str| -> Result<Option<Duration>, Error> {
            match config.get(key) {
                None => Ok(None),
                Some(v) => v
                    .as_u64()
                    .map(|s| Some(Duration::from_secs(s)))
                    .ok_or_else(|| invalid(format!("{key} is not a number of seconds"))),
            }
        };
        for key in config.keys() {
            if ![
                "applications",
                "users",
                "apis",
                "organizations",
                "access_token_lifetime",
                "id_token_lifetime",
                "refresh_token_lifetime",
            ]
            .contains(&key.as_str())
            {
                return Err(invalid(format!(
                    "the configuration has an unknown member {key:?}"
                )));
            }
        }
        let field =
            |o: &serde_json::Map<String, serde_json::Value>, k: &str| -> Result<String, Error> {
                o.get(k)
                    .ok_or_else(|| invalid(format!("{k} is missing")))
                    .and_then(|v| text(v, k))
            };
        for a in list("applications")? {
            let mut app = Application::new(field(&a, "client_id")?, field(&a, "client_secret")?);
            if let Some(name) = a.get("name") {
                app = app.name(text(name, "name")?);
            }
            for url in texts(a.get("callbacks"), "callbacks")? {
                app = app.callback(url);
            }
            for url in texts(a.get("logout_urls"), "logout_urls")? {
                app = app.logout_url(url);
            }
            if let Some(url) = a.get("backchannel_logout_url").filter(|v| !v.is_null()) {
                app = app.backchannel_logout_url(text(url, "backchannel_logout_url")?);
            }
            self = self.application(app);
        }
        for u in list("users")? {
            let mut user = User::new(field(&u, "email")?, field(&u, "password")?);
            if let Some(id) = u.get("id").filter(|v| !v.is_null()) {
                user = user.id(text(id, "id")?);
            }
            if let Some(name) = u.get("name").filter(|v| !v.is_null()) {
                user = user.name(text(name, "name")?);
            }
            if let Some(blocked) = u.get("blocked") {
                user = user.blocked(
                    blocked
                        .as_bool()
                        .ok_or_else(|| invalid("blocked is not a boolean".into()))?,
                );
            }
            self = self.user(user);
        }
        for a in list("apis")? {
            self = self
                .api(Api::new(field(&a, "identifier")?).scopes(texts(a.get("scopes"), "scopes")?));
        }
        for o in list("organizations")? {
            let mut org = Organization::new(field(&o, "id")?, field(&o, "name")?);
            if let Some(name) = o.get("display_name").filter(|v| !v.is_null()) {
                org = org.display_name(text(name, "display_name")?);
            }
            for member in texts(o.get("members"), "members")? {
                org = org.member(member);
            }
            self = self.organization(org);
        }
        if let Some(d) = seconds("access_token_lifetime")? {
            self = self.access_token_lifetime(d);
        }
        if let Some(d) = seconds("id_token_lifetime")? {
            self = self.id_token_lifetime(d);
        }
        if let Some(d) = seconds("refresh_token_lifetime")? {
            self = self.refresh_token_lifetime(d);
        }
        Ok(self)
    }

    /// Starts the tenant; [`Error::Invalid`] names the first value that is not valid (a URL
    /// that does not parse, two users with one email address, an unknown member, …).
    pub async fn start(self) -> Result<Standin, Error> {
        Standin::start_with(self).await
    }

    /// The applications by client id, the default one first in place unless replaced.
    pub(crate) fn checked_applications(&self) -> Result<BTreeMap<String, Application>, Error> {
        let mut apps = BTreeMap::new();
        apps.insert(
            CLIENT_ID.to_owned(),
            Application::new(CLIENT_ID, CLIENT_SECRET),
        );
        for app in &self.applications {
            if app.client_id.is_empty() || app.client_secret.is_empty() {
                return Err(invalid(format!(
                    "the application {:?} needs a client id and a client secret",
                    app.client_id
                )));
            }
            let urls = app
                .callbacks
                .iter()
                .map(|u| ("callback", u))
                .chain(app.logout_urls.iter().map(|u| ("logout", u)))
                .chain(
                    app.backchannel_logout_url
                        .iter()
                        .map(|u| ("back-channel logout", u)),
                );
            for (kind, url) in urls {
                let parsed = Url::parse(url).ok().filter(|u| {
                    matches!(u.scheme(), "http" | "https")
                        && u.host().is_some()
                        && u.fragment().is_none()
                });
                if parsed.is_none() {
                    return Err(invalid(format!(
                        "the {kind} URL {url:?} of the application {:?} is not an absolute \
                         http(s) URL without a fragment",
                        app.client_id
                    )));
                }
            }
            apps.insert(app.client_id.clone(), app.clone());
        }
        Ok(apps)
    }

    /// The APIs by identifier.
    pub(crate) fn checked_apis(&self, management: &str) -> Result<BTreeMap<String, Api>, Error> {
        let mut apis = BTreeMap::new();
        for api in &self.apis {
            if api.identifier.trim().is_empty() || api.identifier == management {
                return Err(invalid(format!(
                    "the API identifier {:?} is empty or the Management API's",
                    api.identifier
                )));
            }
            if let Some(scope) = api
                .scopes
                .iter()
                .find(|s| s.is_empty() || s.contains(char::is_whitespace))
            {
                return Err(invalid(format!(
                    "the scope {scope:?} of the API {:?} is empty or has white space",
                    api.identifier
                )));
            }
            if apis.insert(api.identifier.clone(), api.clone()).is_some() {
                return Err(invalid(format!(
                    "the API {:?} is given twice",
                    api.identifier
                )));
            }
        }
        Ok(apis)
    }
}

/// Checks a user given to the builder.
pub(crate) fn check_user(user: &User) -> Result<(), Error> {
    if !valid_email(&user.email) {
        return Err(invalid(format!(
            "the user email {:?} is not an email address",
            user.email
        )));
    }
    if user.password.is_empty() {
        return Err(invalid(format!(
            "the user {:?} has no password",
            user.email
        )));
    }
    if let Some(id) = &user.id
        && id.strip_prefix("auth0|").is_none_or(str::is_empty)
    {
        return Err(invalid(format!(
            "the user id {id:?} does not start with \"auth0|\""
        )));
    }
    Ok(())
}

/// Checks an organization's id and name.
pub(crate) fn check_organization(org: &Organization) -> Result<(), Error> {
    let id_ok = org
        .id
        .strip_prefix("org_")
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()));
    if !id_ok {
        return Err(invalid(format!(
            "the organization id {:?} is not \"org_\" followed by letters and digits",
            org.id
        )));
    }
    let name_ok = !org.name.is_empty()
        && !org.name.starts_with("org_")
        && org
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !name_ok {
        return Err(invalid(format!(
            "the organization name {:?} is not lower-case letters, digits, '-' and '_' (and \
             does not start with \"org_\")",
            org.name
        )));
    }
    Ok(())
}

/// A plausible email address: something, `@`, a domain with a dot.
pub(crate) fn valid_email(email: &str) -> bool {
    email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.contains(char::is_whitespace)
}

fn invalid(message: String) -> Error {
    Error::Invalid(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_compared_parsed() {
        let app = Application::new("a", "b")
            .callback("http://127.0.0.1:3000")
            .logout_url("http://127.0.0.1:3000/bye?x=1");
        assert!(app.allows_callback("http://127.0.0.1:3000/"));
        assert!(!app.allows_callback("http://127.0.0.1:3001/"));
        assert!(!app.allows_callback("http://127.0.0.1:3000/other"));
        assert!(!app.allows_callback("not a url"));
        assert!(app.allows_logout_url("http://127.0.0.1:3000/bye?x=1"));
        assert!(!app.allows_logout_url("http://127.0.0.1:3000/bye"));
    }

    #[test]
    fn bad_values_are_named() {
        let builder = StandinBuilder::default()
            .application(Application::new("a", "b").callback("/relative/callback"));
        let err = builder.checked_applications().unwrap_err().to_string();
        assert!(err.contains("/relative/callback"), "{err}");

        assert!(check_user(&User::new("nobody", "pw")).is_err());
        assert!(check_user(&User::new("a@b.co", "")).is_err());
        assert!(check_user(&User::new("a@b.co", "pw").id("google|1")).is_err());
        assert!(check_user(&User::new("a@b.co", "pw").id("auth0|1")).is_ok());

        assert!(check_organization(&Organization::new("acme", "acme")).is_err());
        assert!(check_organization(&Organization::new("org_x1", "Acme Inc")).is_err());
        assert!(check_organization(&Organization::new("org_x1", "acme-inc")).is_ok());
    }
}
