//! Browser-based login: PKCE, the `/authorize` URL, pushed authorization requests
//! (`/oauth/par`) and the logout URLs (`/v2/logout`, `/oidc/logout`).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use crate::Error;
use crate::client::{Call, Client, Form, RequestOptions, request_options};
use crate::http::{CodeVerifier, IdToken};
use crate::mode::{Async, Mode};

/// 32 random bytes from the operating system, base64url encoded (43 characters): a value
/// for `state`, `nonce` or a PKCE verifier.
///
/// # Panics
///
/// When the operating system has no random number generator.
pub fn random_string() -> String {
    let mut bytes = [0u8; 32];
    if let Err(e) = getrandom::fill(&mut bytes) {
        panic!("the operating system's random number generator failed: {e}");
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A PKCE pair: the code verifier kept by the application, and its S256 challenge sent
/// with the authorize URL.
#[derive(Clone, Debug)]
pub struct Pkce {
    verifier: CodeVerifier,
    challenge: String,
}

impl Default for Pkce {
    fn default() -> Self {
        Pkce::new()
    }
}

impl Pkce {
    /// A new random verifier (43 characters) and its challenge.
    ///
    /// # Panics
    ///
    /// When the operating system has no random number generator.
    pub fn new() -> Self {
        let verifier = CodeVerifier::new(random_string());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.expose_secret()));
        Pkce {
            verifier,
            challenge,
        }
    }

    /// The pair for a verifier kept earlier (for example in the session). A verifier RFC 7636
    /// does not allow (43 to 128 characters of `A-Z a-z 0-9 - . _ ~`) is
    /// [`HttpError::InvalidRequest`](crate::HttpError::InvalidRequest).
    pub fn from_verifier(verifier: impl Into<CodeVerifier>) -> Result<Self, crate::Error> {
        let verifier = verifier.into();
        check_code_verifier(verifier.expose_secret())
            .map_err(|why| crate::Error::invalid("pkce", why))?;
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.expose_secret()));
        Ok(Pkce {
            verifier,
            challenge,
        })
    }

    /// The code verifier (sent with the code exchange).
    pub fn verifier(&self) -> &CodeVerifier {
        &self.verifier
    }

    /// The code challenge: base64url(SHA-256(verifier)).
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// The challenge method, `S256`.
    pub fn method(&self) -> &'static str {
        "S256"
    }
}

/// Whether a PKCE code verifier is one RFC 7636 (4.1) allows: 43 to 128 characters, each
/// unreserved (`A-Z a-z 0-9 - . _ ~`). The verifier itself is never quoted in the reason.
pub(crate) fn check_code_verifier(verifier: &str) -> Result<(), String> {
    let len = verifier.len();
    if !(43..=128).contains(&len) {
        return Err(format!(
            "a PKCE code verifier has 43 to 128 characters (RFC 7636), this one {len}"
        ));
    }
    if let Some(at) = verifier
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')))
    {
        return Err(format!(
            "a PKCE code verifier is made of A-Z a-z 0-9 - . _ ~ (RFC 7636); this one has \
             another character at byte {at}"
        ));
    }
    Ok(())
}

macro_rules! authorize_setters {
    ($name:ident) => {
        impl $name {
            /// The response type (`code` by default).
            pub fn response_type(mut self, response_type: impl Into<String>) -> Self {
                self.params.set("response_type", response_type);
                self
            }

            /// The scopes asked for, space separated (e.g. `openid profile email`).
            pub fn scope(mut self, scope: impl Into<String>) -> Self {
                self.params.set("scope", scope);
                self
            }

            /// The API the access token is for.
            pub fn audience(mut self, audience: impl Into<String>) -> Self {
                self.params.set("audience", audience);
                self
            }

            /// An opaque value returned to the redirect URI, to check against CSRF (see
            /// [`random_string`]).
            pub fn state(mut self, state: impl Into<String>) -> Self {
                self.params.set("state", state);
                self
            }

            /// A value the ID token must carry back (see [`random_string`]).
            pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
                self.params.set("nonce", nonce);
                self
            }

            /// The connection to log in with, skipping the choice.
            pub fn connection(mut self, connection: impl Into<String>) -> Self {
                self.params.set("connection", connection);
                self
            }

            /// The organization (id or name) to log in to.
            pub fn organization(mut self, organization: impl Into<String>) -> Self {
                self.params.set("organization", organization);
                self
            }

            /// The ticket id of an organization invitation.
            pub fn invitation(mut self, invitation: impl Into<String>) -> Self {
                self.params.set("invitation", invitation);
                self
            }

            /// Adds the S256 code challenge of `pkce`.
            pub fn pkce(mut self, pkce: &Pkce) -> Self {
                self.params.set("code_challenge", pkce.challenge());
                self.params.set("code_challenge_method", pkce.method());
                self
            }

            /// `none`, `login`, `consent` or `select_account`.
            pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
                self.params.set("prompt", prompt);
                self
            }

            /// A hint of who logs in (an email address, …).
            pub fn login_hint(mut self, login_hint: impl Into<String>) -> Self {
                self.params.set("login_hint", login_hint);
                self
            }

            /// The longest time since the user last authenticated.
            pub fn max_age(mut self, max_age: Duration) -> Self {
                self.params.set("max_age", max_age.as_secs().to_string());
                self
            }

            /// The preferred languages of the login pages, space separated.
            pub fn ui_locales(mut self, locales: impl Into<String>) -> Self {
                self.params.set("ui_locales", locales);
                self
            }

            /// How the result is returned (`query`, `fragment`, `form_post`, …).
            pub fn response_mode(mut self, mode: impl Into<String>) -> Self {
                self.params.set("response_mode", mode);
                self
            }

            /// Rich authorization request details (a JSON array).
            pub fn authorization_details(mut self, details: &serde_json::Value) -> Self {
                self.params
                    .set("authorization_details", details.to_string());
                self
            }

            /// Sets any other parameter (replacing one set before), e.g. `screen_hint`. The client
            /// authentication (`client_id`, `client_secret`, `client_assertion*`) is the client's
            /// to set: naming it here is refused when sending, and left out of a URL.
            pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
                self.params.param(name, value);
                self
            }
        }
    };
}

fn login_params(redirect_uri: String) -> Form {
    let mut params = Form::default();
    params.set("response_type", "code");
    params.set("redirect_uri", redirect_uri);
    params
}

/// The `/authorize` URL a browser is sent to for login. Made by [`Client::authorize_url`];
/// no request is made.
#[derive(Clone, Debug)]
#[must_use]
pub struct AuthorizeUrl {
    client: Client,
    params: Form,
}

authorize_setters!(AuthorizeUrl);

impl AuthorizeUrl {
    /// The URL.
    pub fn build(&self) -> Url {
        let mut url = self.client.url(&["authorize"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", self.client.client_id());
            for (k, v) in self.params.pairs() {
                q.append_pair(k, v);
            }
        }
        url
    }
}

/// A pushed authorization request (`/oauth/par`): the login parameters are sent to Auth0
/// first, and the browser goes to [`Client::authorize_url_for_request_uri`]. Made by
/// [`Client::pushed_authorization_request`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct ParRequest<M = Async> {
    client: Client<M>,
    params: Form,
    options: RequestOptions,
}

authorize_setters!(ParRequest);
request_options!(ParRequest);

/// The answer of a pushed authorization request.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct ParResponse {
    /// The reference to pass to the authorize URL.
    pub request_uri: String,
    /// Seconds the reference is valid.
    pub expires_in: u64,
}

impl<M: Mode> ParRequest<M> {
    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<ParResponse, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new("oauth/par", Method::POST, &["oauth", "par"])
                .form(self.params)
                .authenticated()
                .options(self.options);
            self.client.run(call).await?.json()
        })
    }
}

/// The `/v2/logout` URL. Made by [`Client::logout_url`]; no request is made.
#[derive(Clone, Debug)]
#[must_use]
pub struct LogoutUrl {
    client: Client,
    return_to: Option<String>,
    client_id: bool,
    federated: bool,
}

impl LogoutUrl {
    /// Where the browser goes after logout (must be an allowed logout URL).
    pub fn return_to(mut self, url: impl Into<String>) -> Self {
        self.return_to = Some(url.into());
        self
    }

    /// Whether to send the client id (on by default; `returnTo` is then checked against the
    /// application's allowed logout URLs rather than the tenant's).
    pub fn include_client_id(mut self, include: bool) -> Self {
        self.client_id = include;
        self
    }

    /// Also logs the user out of the identity provider.
    pub fn federated(mut self) -> Self {
        self.federated = true;
        self
    }

    /// The URL.
    pub fn build(&self) -> Url {
        let mut url = self.client.url(&["v2", "logout"]);
        {
            let mut q = url.query_pairs_mut();
            if let Some(r) = &self.return_to {
                q.append_pair("returnTo", r);
            }
            if self.client_id {
                q.append_pair("client_id", self.client.client_id());
            }
            if self.federated {
                q.append_key_only("federated");
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        url
    }
}

/// The OpenID Connect RP-initiated logout URL (`/oidc/logout`). Made by
/// [`Client::oidc_logout_url`]; no request is made.
#[derive(Clone, Debug)]
#[must_use]
pub struct OidcLogoutUrl {
    client: Client,
    params: Form,
    federated: bool,
}

impl OidcLogoutUrl {
    /// The ID token of the session (recommended).
    pub fn id_token_hint(mut self, id_token: &IdToken) -> Self {
        self.params
            .set_secret("id_token_hint", id_token.expose_secret());
        self
    }

    /// Where the browser goes after logout.
    pub fn post_logout_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.params.set("post_logout_redirect_uri", uri);
        self
    }

    /// A value returned to the redirect URI.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.params.set("state", state);
        self
    }

    /// The session's user, when no ID token is given.
    pub fn logout_hint(mut self, hint: impl Into<String>) -> Self {
        self.params.set("logout_hint", hint);
        self
    }

    /// The preferred languages of the logout page.
    pub fn ui_locales(mut self, locales: impl Into<String>) -> Self {
        self.params.set("ui_locales", locales);
        self
    }

    /// Also logs the user out of the identity provider.
    pub fn federated(mut self) -> Self {
        self.federated = true;
        self
    }

    /// The URL (with the client id).
    pub fn build(&self) -> Url {
        let mut url = self.client.url(&["oidc", "logout"]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", self.client.client_id());
            for (k, v) in self.params.pairs() {
                q.append_pair(k, v);
            }
            if self.federated {
                q.append_key_only("federated");
            }
        }
        url
    }
}

impl<M: Mode> Client<M> {
    /// The `/authorize` URL of a login returning to `redirect_uri` (response type `code`).
    pub fn authorize_url(&self, redirect_uri: impl Into<String>) -> AuthorizeUrl {
        AuthorizeUrl {
            client: self.to_async(),
            params: login_params(redirect_uri.into()),
        }
    }

    /// A pushed authorization request for a login returning to `redirect_uri`.
    pub fn pushed_authorization_request(&self, redirect_uri: impl Into<String>) -> ParRequest<M> {
        ParRequest {
            client: self.clone(),
            params: login_params(redirect_uri.into()),
            options: RequestOptions::default(),
        }
    }

    /// The `/authorize` URL for the `request_uri` of a pushed authorization request.
    pub fn authorize_url_for_request_uri(&self, request_uri: &str) -> Url {
        let mut url = self.url(&["authorize"]);
        url.query_pairs_mut()
            .append_pair("client_id", self.client_id())
            .append_pair("request_uri", request_uri);
        url
    }

    /// The `/v2/logout` URL.
    pub fn logout_url(&self) -> LogoutUrl {
        LogoutUrl {
            client: self.to_async(),
            return_to: None,
            client_id: true,
            federated: false,
        }
    }

    /// The `/oidc/logout` URL.
    pub fn oidc_logout_url(&self) -> OidcLogoutUrl {
        OidcLogoutUrl {
            client: self.to_async(),
            params: Form::default(),
            federated: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc_7636_example() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        assert_eq!(p.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let q = Pkce::new();
        assert_eq!(q.verifier().expose_secret().len(), 43);
        assert_ne!(q.challenge(), Pkce::new().challenge());
    }
}
