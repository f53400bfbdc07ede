//! Token grants at `/oauth/token`, the [`TokenResponse`] they return, and `/oauth/revoke`.

use std::fmt;
use std::time::{Duration, SystemTime};

use auth0_verify::{IdTokenClaims, TokenVerifier, VerifyOptions};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::client::{Call, Client, Form, RequestOptions, request_options};
use crate::http::{
    AccessToken, AuthorizationCode, CodeVerifier, IdToken, MfaToken, OneTimeCode, Password,
    RefreshToken, Secret,
};
use crate::{Error, Pkce};

const TOKEN: &str = "oauth/token";

/// RFC 8693's token type of an access token.
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// The answer of a token grant.
///
/// `Debug` redacts the tokens and shows only the names of unknown members.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// The token type (`Bearer`, or `DPoP`).
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds until the access token expires.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// A refresh token, when `offline_access` was asked for.
    #[serde(default)]
    pub refresh_token: Option<RefreshToken>,
    /// An ID token, when `openid` was asked for.
    #[serde(default)]
    pub id_token: Option<IdToken>,
    /// The granted scopes, space separated.
    #[serde(default)]
    pub scope: Option<String>,
    /// The type of the issued token (token exchange).
    #[serde(default)]
    pub issued_token_type: Option<String>,
    /// A new recovery code (the MFA recovery-code grant).
    #[serde(default)]
    pub recovery_code: Option<OneTimeCode>,
    #[serde(flatten)]
    extra: Map<String, Value>,
    #[serde(skip, default = "crate::client::now")]
    received_at: SystemTime,
    #[serde(skip)]
    id_token_claims: Option<IdTokenClaims>,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token)
            .field("id_token", &self.id_token)
            .field("scope", &self.scope)
            .field("issued_token_type", &self.issued_token_type)
            .field("recovery_code", &self.recovery_code)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .field("id_token_claims", &self.id_token_claims)
            .finish()
    }
}

impl TokenResponse {
    /// Members of the answer not named above.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// When the answer was received.
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }

    /// When the access token expires (`received_at + expires_in`).
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_in
            .and_then(|s| self.received_at.checked_add(Duration::from_secs(s)))
    }

    /// The ID token's claims, when the request verified it
    /// (see `verify_id_token` on the grant builders).
    pub fn id_token_claims(&self) -> Option<&IdTokenClaims> {
        self.id_token_claims.as_ref()
    }

    /// Verifies the answer's ID token; fails with [`Error::MissingIdToken`] when there is
    /// none.
    pub async fn verify_id_token(
        &self,
        verifier: &TokenVerifier,
        options: &VerifyOptions,
    ) -> Result<IdTokenClaims, Error> {
        let token = self.id_token.as_ref().ok_or(Error::MissingIdToken {
            operation: TOKEN,
            tokens: None,
        })?;
        verifier
            .verify(token.expose_secret(), options)
            .await
            .map_err(|source| Error::IdToken {
                source,
                tokens: None,
            })
    }
}

/// What every grant builder holds.
#[derive(Clone, Debug)]
pub(crate) struct TokenCore {
    client: Client,
    form: Form,
    forwarded_for: Option<String>,
    options: RequestOptions,
    verifier: Option<TokenVerifier>,
    verify_options: VerifyOptions,
}

impl TokenCore {
    fn new(client: &Client, grant_type: &str) -> Self {
        let mut form = Form::default();
        form.set("grant_type", grant_type);
        TokenCore {
            client: client.clone(),
            form,
            forwarded_for: None,
            options: RequestOptions::default(),
            verifier: None,
            verify_options: VerifyOptions::default(),
        }
    }

    fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.form.set(name, value);
        self
    }

    fn with_secret(mut self, name: &str, value: &str) -> Self {
        self.form.set_secret(name, value);
        self
    }

    async fn send(self) -> Result<TokenResponse, Error> {
        let grant_type = self.form.get("grant_type").map(str::to_owned);
        let mut call = Call::new(TOKEN, Method::POST, &["oauth", "token"])
            .form(self.form)
            .authenticated()
            .options(self.options);
        call.token_grant = true;
        // Client credentials change nothing on the tenant: failures may be retried.
        if grant_type.as_deref() == Some("client_credentials") {
            call.repeat = auth0_http::Repeat::Safe;
        }
        if let Some(ip) = &self.forwarded_for {
            let value = HeaderValue::from_str(ip)
                .map_err(|_| Error::invalid(TOKEN, "the forwarded-for address is not valid"))?;
            call.headers
                .push((HeaderName::from_static("auth0-forwarded-for"), value));
        }
        let answer = self.client.run(call).await?;
        let mut tokens: TokenResponse = answer.json()?;
        tokens.received_at = SystemTime::now();
        if let Some(verifier) = &self.verifier {
            match tokens.verify_id_token(verifier, &self.verify_options).await {
                Ok(claims) => tokens.id_token_claims = Some(claims),
                // The grant is spent: hand the tokens back with the failure.
                Err(Error::IdToken { source, .. }) => {
                    return Err(Error::IdToken {
                        source,
                        tokens: Some(Box::new(tokens)),
                    });
                }
                Err(Error::MissingIdToken { operation, .. }) => {
                    return Err(Error::MissingIdToken {
                        operation,
                        tokens: Some(Box::new(tokens)),
                    });
                }
                Err(other) => return Err(other),
            }
        }
        Ok(tokens)
    }
}

macro_rules! token_request {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        #[must_use = "a request does nothing until it is sent"]
        pub struct $name {
            core: TokenCore,
        }

        impl $name {
            /// Sets any other body parameter (replacing one set before). Naming the client
            /// authentication (`client_id`, `client_secret`, `client_assertion*`) is refused
            /// when sending; a parameter named like a secret stays one in `Debug`.
            pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
                self.core.form.param(name, value);
                self
            }

            /// The total time one attempt may take, overriding the client's timeout.
            pub fn timeout(mut self, timeout: Duration) -> Self {
                self.core.options.timeout = Some(timeout);
                self
            }

            /// The retry policy of this request, overriding the client's token retry policy.
            pub fn retry_policy(mut self, policy: crate::http::RetryPolicy) -> Self {
                self.core.options.retry = Some(policy);
                self
            }

            /// Verifies the answer's ID token with `verifier` before [`send`](Self::send)
            /// returns: an answer without an ID token fails with [`Error::MissingIdToken`], a
            /// rejected one with [`Error::IdToken`]; the claims are then in
            /// [`TokenResponse::id_token_claims`].
            pub fn verify_id_token(mut self, verifier: &TokenVerifier) -> Self {
                self.core.verifier = Some(verifier.clone());
                self
            }

            /// The expectations of this login (`nonce`, `max_age`, organization) for
            /// [`verify_id_token`](Self::verify_id_token).
            pub fn verify_options(mut self, options: VerifyOptions) -> Self {
                self.core.verify_options = options;
                self
            }

            /// Sends the request.
            pub async fn send(self) -> Result<TokenResponse, Error> {
                self.core.send().await
            }
        }
    };
}

token_request!(
    /// The client-credentials grant: a token for the application itself. Made by
    /// [`Client::client_credentials`].
    ClientCredentialsRequest
);

impl ClientCredentialsRequest {
    /// The API the token is for (its identifier).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.core.form.set("audience", audience);
        self
    }

    /// The organization (id or name) the token is for.
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.core.form.set("organization", organization);
        self
    }
}

token_request!(
    /// The resource-owner password grant, or with a realm the password-realm grant. Made by
    /// [`Client::password_grant`].
    PasswordRequest
);

impl PasswordRequest {
    /// The database connection to use: switches to the password-realm grant
    /// (`http://auth0.com/oauth/grant-type/password-realm`).
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.core.form.set(
            "grant_type",
            "http://auth0.com/oauth/grant-type/password-realm",
        );
        self.core.form.set("realm", realm);
        self
    }

    /// The API the access token is for.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.core.form.set("audience", audience);
        self
    }

    /// The scopes asked for, space separated (e.g. `openid profile email`).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.core.form.set("scope", scope);
        self
    }

    /// The end user's IP address, sent as `auth0-forwarded-for` so that brute-force
    /// protection applies to the user rather than to the server (needs a confidential
    /// application with "Trust Token Endpoint IP Header" on).
    pub fn forwarded_for(mut self, ip: impl Into<String>) -> Self {
        self.core.forwarded_for = Some(ip.into());
        self
    }
}

token_request!(
    /// The authorization-code grant (with PKCE when a code verifier is set). Made by
    /// [`Client::authorization_code`].
    AuthorizationCodeRequest
);

impl AuthorizationCodeRequest {
    /// The PKCE code verifier of the login (its challenge went into the authorize URL). One
    /// that RFC 7636 does not allow (43 to 128 characters of `A-Z a-z 0-9 - . _ ~`) is refused
    /// when sending.
    pub fn code_verifier(mut self, verifier: impl Into<CodeVerifier>) -> Self {
        let verifier = verifier.into();
        if let Err(why) = crate::authorize::check_code_verifier(verifier.expose_secret()) {
            self.core.form.refuse(why);
        }
        self.core
            .form
            .set_secret("code_verifier", verifier.expose_secret());
        self
    }

    /// The PKCE pair of the login: sends its verifier.
    pub fn pkce(self, pkce: &Pkce) -> Self {
        self.code_verifier(pkce.verifier())
    }
}

token_request!(
    /// The refresh-token grant. Made by [`Client::refresh_token`].
    RefreshTokenRequest
);

impl RefreshTokenRequest {
    /// Narrows the scopes of the new access token.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.core.form.set("scope", scope);
        self
    }

    /// The API the new access token is for (multi-resource refresh tokens).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.core.form.set("audience", audience);
        self
    }
}

/// Where a passwordless one-time code was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordlessRealm {
    /// By email.
    Email,
    /// By SMS.
    Sms,
}

impl PasswordlessRealm {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PasswordlessRealm::Email => "email",
            PasswordlessRealm::Sms => "sms",
        }
    }
}

token_request!(
    /// The passwordless one-time-code grant. Made by [`Client::passwordless_otp`].
    PasswordlessOtpRequest
);

impl PasswordlessOtpRequest {
    /// The API the access token is for.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.core.form.set("audience", audience);
        self
    }

    /// The scopes asked for.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.core.form.set("scope", scope);
        self
    }

    /// The end user's IP address, sent as `auth0-forwarded-for`.
    pub fn forwarded_for(mut self, ip: impl Into<String>) -> Self {
        self.core.forwarded_for = Some(ip.into());
        self
    }
}

token_request!(
    /// Polls for the tokens of a client-initiated backchannel authentication (CIBA). Made by
    /// [`Client::ciba_token`]; while the user has not answered it fails with
    /// `authorization_pending` ([`Error::is_pending`]).
    CibaTokenRequest
);

token_request!(
    /// A token exchange (RFC 8693), for example with a custom token exchange profile. Made by
    /// [`Client::token_exchange`] and [`Client::on_behalf_of`].
    TokenExchangeRequest
);

impl TokenExchangeRequest {
    /// The API the access token is for.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.core.form.set("audience", audience);
        self
    }

    /// The scopes asked for.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.core.form.set("scope", scope);
        self
    }

    /// The organization (id or name) the tokens are for.
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.core.form.set("organization", organization);
        self
    }

    /// The type of token asked for (`requested_token_type`).
    pub fn requested_token_type(mut self, token_type: impl Into<String>) -> Self {
        self.core.form.set("requested_token_type", token_type);
        self
    }

    /// An actor token and its type (delegation).
    pub fn actor_token(mut self, token: impl Into<Secret>, token_type: impl Into<String>) -> Self {
        let token = token.into();
        self.core
            .form
            .set_secret("actor_token", token.expose_secret());
        self.core.form.set("actor_token_type", token_type);
        self
    }
}

/// The user's token a Token Vault request is made with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum FederatedSubject {
    /// An Auth0 refresh token of the user.
    RefreshToken(RefreshToken),
    /// An Auth0 access token of the user (for APIs acting for the user).
    AccessToken(AccessToken),
}

impl FederatedSubject {
    fn parts(&self) -> (&str, &'static str) {
        match self {
            FederatedSubject::RefreshToken(t) => (
                t.expose_secret(),
                "urn:ietf:params:oauth:token-type:refresh_token",
            ),
            FederatedSubject::AccessToken(t) => (t.expose_secret(), ACCESS_TOKEN_TYPE),
        }
    }
}

token_request!(
    /// Token Vault: an access token for an external provider's API, from the user's
    /// connection (the federated connection access token grant). Made by
    /// [`Client::federated_connection_access_token`].
    FederatedConnectionTokenRequest
);

impl FederatedConnectionTokenRequest {
    /// Which of the user's identities on the connection to use (e.g. its user id there).
    pub fn login_hint(mut self, login_hint: impl Into<String>) -> Self {
        self.core.form.set("login_hint", login_hint);
        self
    }

    /// The scopes asked for at the external provider.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.core.form.set("scope", scope);
        self
    }
}

token_request!(
    /// Completes MFA with a one-time password from an authenticator app. Made by
    /// [`Client::mfa_otp`].
    MfaOtpRequest
);

token_request!(
    /// Completes MFA with an out-of-band code (SMS, voice, push). Made by
    /// [`Client::mfa_oob`]; while the push is unanswered it fails with
    /// `authorization_pending`.
    MfaOobRequest
);

impl MfaOobRequest {
    /// The code the user received (SMS or voice), binding the challenge to this login.
    pub fn binding_code(mut self, code: impl Into<OneTimeCode>) -> Self {
        let code = code.into();
        self.core
            .form
            .set_secret("binding_code", code.expose_secret());
        self
    }
}

token_request!(
    /// Completes MFA with a recovery code; the answer may carry a new one
    /// ([`TokenResponse::recovery_code`]). Made by [`Client::mfa_recovery_code`].
    MfaRecoveryCodeRequest
);

token_request!(
    /// Polls for the tokens of a device authorization. Made by [`Client::device_code_token`];
    /// while the user has not finished it fails with `authorization_pending`.
    DeviceCodeTokenRequest
);

impl Client {
    /// The client-credentials grant: a token for the application itself (add `audience`).
    pub fn client_credentials(&self) -> ClientCredentialsRequest {
        ClientCredentialsRequest {
            core: TokenCore::new(self, "client_credentials"),
        }
    }

    /// The password grant (`realm` switches to password-realm).
    pub fn password_grant(
        &self,
        username: impl Into<String>,
        password: impl Into<Password>,
    ) -> PasswordRequest {
        let password = password.into();
        PasswordRequest {
            core: TokenCore::new(self, "password")
                .with("username", username)
                .with_secret("password", password.expose_secret()),
        }
    }

    /// Exchanges an authorization code for tokens; `redirect_uri` is the one the login used.
    pub fn authorization_code(
        &self,
        code: impl Into<AuthorizationCode>,
        redirect_uri: impl Into<String>,
    ) -> AuthorizationCodeRequest {
        let code = code.into();
        AuthorizationCodeRequest {
            core: TokenCore::new(self, "authorization_code")
                .with_secret("code", code.expose_secret())
                .with("redirect_uri", redirect_uri),
        }
    }

    /// New tokens for a refresh token.
    pub fn refresh_token(&self, refresh_token: impl Into<RefreshToken>) -> RefreshTokenRequest {
        let token = refresh_token.into();
        RefreshTokenRequest {
            core: TokenCore::new(self, "refresh_token")
                .with_secret("refresh_token", token.expose_secret()),
        }
    }

    /// Logs in with a passwordless one-time code sent by email or SMS; `username` is the
    /// email address or phone number.
    pub fn passwordless_otp(
        &self,
        realm: PasswordlessRealm,
        username: impl Into<String>,
        otp: impl Into<OneTimeCode>,
    ) -> PasswordlessOtpRequest {
        let otp = otp.into();
        PasswordlessOtpRequest {
            core: TokenCore::new(self, "http://auth0.com/oauth/grant-type/passwordless/otp")
                .with("realm", realm.as_str())
                .with("username", username)
                .with_secret("otp", otp.expose_secret()),
        }
    }

    /// Polls for the tokens of a CIBA request started with
    /// [`backchannel_authorize`](Client::backchannel_authorize).
    pub fn ciba_token(&self, auth_req_id: impl Into<Secret>) -> CibaTokenRequest {
        let id = auth_req_id.into();
        CibaTokenRequest {
            core: TokenCore::new(self, "urn:openid:params:grant-type:ciba")
                .with_secret("auth_req_id", id.expose_secret()),
        }
    }

    /// A token exchange (RFC 8693): `subject_token` of type `subject_token_type` (for a
    /// custom token exchange, the profile's own URI) is exchanged for Auth0 tokens.
    pub fn token_exchange(
        &self,
        subject_token: impl Into<Secret>,
        subject_token_type: impl Into<String>,
    ) -> TokenExchangeRequest {
        let token = subject_token.into();
        TokenExchangeRequest {
            core: TokenCore::new(self, "urn:ietf:params:oauth:grant-type:token-exchange")
                .with_secret("subject_token", token.expose_secret())
                .with("subject_token_type", subject_token_type),
        }
    }

    /// The on-behalf-of exchange an API makes to call another API for the same user: a token
    /// exchange (RFC 8693) of the access token the API received (`subject_token_type`
    /// `urn:ietf:params:oauth:token-type:access_token`) for one for `audience`. Set
    /// `.scope(..)` and `.organization(..)` on the request as needed; the client
    /// authenticates as the calling API's application.
    pub fn on_behalf_of(
        &self,
        access_token: impl Into<AccessToken>,
        audience: impl Into<String>,
    ) -> TokenExchangeRequest {
        let token = access_token.into();
        self.token_exchange(token.expose_secret(), ACCESS_TOKEN_TYPE)
            .audience(audience)
    }

    /// Token Vault: an access token for `connection`'s external API, for the user `subject`
    /// stands for.
    pub fn federated_connection_access_token(
        &self,
        connection: impl Into<String>,
        subject: FederatedSubject,
    ) -> FederatedConnectionTokenRequest {
        let (token, token_type) = subject.parts();
        FederatedConnectionTokenRequest {
            core: TokenCore::new(
                self,
                "urn:auth0:params:oauth:grant-type:token-exchange:federated-connection-access-token",
            )
            .with_secret("subject_token", token)
            .with("subject_token_type", token_type)
            .with(
                "requested_token_type",
                "http://auth0.com/oauth/token-type/federated-connection-access-token",
            )
            .with("connection", connection),
        }
    }

    /// Completes MFA with a one-time password; `mfa_token` comes from the `mfa_required`
    /// error ([`Error::mfa_token`]).
    pub fn mfa_otp(
        &self,
        mfa_token: impl Into<MfaToken>,
        otp: impl Into<OneTimeCode>,
    ) -> MfaOtpRequest {
        let (mfa_token, otp) = (mfa_token.into(), otp.into());
        MfaOtpRequest {
            core: TokenCore::new(self, "http://auth0.com/oauth/grant-type/mfa-otp")
                .with_secret("mfa_token", mfa_token.expose_secret())
                .with_secret("otp", otp.expose_secret()),
        }
    }

    /// Completes MFA with the `oob_code` of a [`mfa_challenge`](Client::mfa_challenge).
    pub fn mfa_oob(
        &self,
        mfa_token: impl Into<MfaToken>,
        oob_code: impl Into<OneTimeCode>,
    ) -> MfaOobRequest {
        let (mfa_token, oob_code) = (mfa_token.into(), oob_code.into());
        MfaOobRequest {
            core: TokenCore::new(self, "http://auth0.com/oauth/grant-type/mfa-oob")
                .with_secret("mfa_token", mfa_token.expose_secret())
                .with_secret("oob_code", oob_code.expose_secret()),
        }
    }

    /// Completes MFA with a recovery code.
    pub fn mfa_recovery_code(
        &self,
        mfa_token: impl Into<MfaToken>,
        recovery_code: impl Into<OneTimeCode>,
    ) -> MfaRecoveryCodeRequest {
        let (mfa_token, code) = (mfa_token.into(), recovery_code.into());
        MfaRecoveryCodeRequest {
            core: TokenCore::new(self, "http://auth0.com/oauth/grant-type/mfa-recovery-code")
                .with_secret("mfa_token", mfa_token.expose_secret())
                .with_secret("recovery_code", code.expose_secret()),
        }
    }

    /// Polls for the tokens of a device authorization started with
    /// [`device_authorization`](Client::device_authorization).
    pub fn device_code_token(&self, device_code: impl Into<Secret>) -> DeviceCodeTokenRequest {
        let code = device_code.into();
        DeviceCodeTokenRequest {
            core: TokenCore::new(self, "urn:ietf:params:oauth:grant-type:device_code")
                .with_secret("device_code", code.expose_secret()),
        }
    }

    /// Revokes a refresh token (`/oauth/revoke`).
    pub fn revoke_refresh_token(&self, refresh_token: impl Into<RefreshToken>) -> RevokeRequest {
        let token = refresh_token.into();
        let mut form = Form::default();
        form.set_secret("token", token.expose_secret());
        RevokeRequest {
            client: self.clone(),
            form,
            options: RequestOptions::default(),
        }
    }
}

/// Revokes a refresh token. Made by [`Client::revoke_refresh_token`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct RevokeRequest {
    client: Client,
    form: Form,
    options: RequestOptions,
}

request_options!(RevokeRequest);

impl RevokeRequest {
    /// Sends the request.
    pub async fn send(self) -> Result<(), Error> {
        let call = Call::new("oauth/revoke", Method::POST, &["oauth", "revoke"])
            .form(self.form)
            .authenticated()
            .options(self.options);
        self.client.run(call).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_keeps_secrets_out_of_debug() {
        let client = Client::builder("tenant.example")
            .client_id("cid")
            .client_secret("csecret")
            .build()
            .unwrap();
        let r = client.password_grant("ana", "pa55w0rd").realm("db");
        let text = format!("{r:?}");
        assert!(
            !text.contains("pa55w0rd") && !text.contains("csecret"),
            "{text}"
        );
        assert_eq!(r.core.form.get("password"), Some("pa55w0rd"));
    }
}
