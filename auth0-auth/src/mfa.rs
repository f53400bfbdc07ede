//! Multi-factor authentication with the MFA API: challenges (`/mfa/challenge`), enrolment
//! (`/mfa/associate`) and the user's authenticators (`/mfa/authenticators`). The MFA grants
//! that finish a login are on [`Client`] too ([`Client::mfa_otp`], [`Client::mfa_oob`],
//! [`Client::mfa_recovery_code`]).

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::Error;
use crate::client::{Call, Client, JsonBody, RequestOptions, request_options};
use crate::http::{MfaToken, OneTimeCode, Secret};
use crate::mode::{Async, Mode};

/// Asks Auth0 to challenge the user with an authenticator. Made by
/// [`Client::mfa_challenge`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct MfaChallengeRequest<M = Async> {
    client: Client<M>,
    body: JsonBody,
    options: RequestOptions,
}

request_options!(MfaChallengeRequest);

/// The answer of [`Client::mfa_challenge`].
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct MfaChallenge {
    /// `otp` or `oob`.
    pub challenge_type: String,
    /// For `oob`: the code to complete [`Client::mfa_oob`] with.
    #[serde(default)]
    pub oob_code: Option<OneTimeCode>,
    /// For `oob`: `prompt` when the user must enter a binding code.
    #[serde(default)]
    pub binding_method: Option<String>,
}

impl<M: Mode> MfaChallengeRequest<M> {
    /// The authenticator to challenge (from [`Client::mfa_authenticators`]).
    pub fn authenticator_id(mut self, id: impl Into<String>) -> Self {
        self.body.set("authenticator_id", id.into());
        self
    }

    /// The out-of-band channel (`sms`, `voice`, `auth0`).
    pub fn oob_channel(mut self, channel: impl Into<String>) -> Self {
        self.body.set("oob_channel", channel.into());
        self
    }

    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<MfaChallenge, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new("mfa/challenge", Method::POST, &["mfa", "challenge"])
                .json(self.body.into_map())
                .authenticated_in_body()
                .options(self.options);
            self.client.run(call).await?.json()
        })
    }
}

/// Enrols a new authenticator for the user. Made by [`Client::mfa_associate`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct MfaAssociateRequest<M = Async> {
    client: Client<M>,
    token: Secret,
    body: JsonBody,
    options: RequestOptions,
}

request_options!(MfaAssociateRequest);

/// The answer of [`Client::mfa_associate`].
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct MfaAssociation {
    /// `otp` or `oob`.
    pub authenticator_type: String,
    /// For `otp`: the TOTP seed.
    #[serde(default)]
    pub secret: Option<Secret>,
    /// For `otp`: an `otpauth://` URI to show as a QR code (it contains the seed).
    #[serde(default)]
    pub barcode_uri: Option<Secret>,
    /// Recovery codes, on the first enrolment.
    #[serde(default)]
    pub recovery_codes: Vec<OneTimeCode>,
    /// For `oob`: the code to complete [`Client::mfa_oob`] with.
    #[serde(default)]
    pub oob_code: Option<OneTimeCode>,
    /// For `oob`: the channel used.
    #[serde(default)]
    pub oob_channel: Option<String>,
    /// For `oob`: `prompt` when the user must enter a binding code.
    #[serde(default)]
    pub binding_method: Option<String>,
}

impl<M: Mode> MfaAssociateRequest<M> {
    /// The out-of-band channels (`sms`, `voice`, `auth0`).
    pub fn oob_channels<I, S>(mut self, channels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let channels: Vec<Value> = channels
            .into_iter()
            .map(|c| Value::String(c.into()))
            .collect();
        self.body.set("oob_channels", channels);
        self
    }

    /// The phone number for `sms` or `voice`.
    pub fn phone_number(mut self, phone: impl Into<String>) -> Self {
        self.body.set("phone_number", phone.into());
        self
    }

    /// The email address for the `email` channel.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.body.set("email", email.into());
        self
    }

    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<MfaAssociation, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new("mfa/associate", Method::POST, &["mfa", "associate"])
                .json(self.body.into_map())
                .bearer(self.token.expose_secret())
                .authenticated_in_body()
                .options(self.options);
            self.client.run(call).await?.json()
        })
    }
}

/// One of the user's authenticators.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct Authenticator {
    /// Its id.
    pub id: String,
    /// `otp`, `oob`, `recovery-code`, …
    pub authenticator_type: String,
    /// Whether enrolment is complete.
    #[serde(default)]
    pub active: bool,
    /// For `oob`: the channel.
    #[serde(default)]
    pub oob_channel: Option<String>,
    /// A display name (e.g. a masked phone number).
    #[serde(default)]
    pub name: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Lists the user's authenticators. Made by [`Client::mfa_authenticators`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct ListAuthenticatorsRequest<M = Async> {
    client: Client<M>,
    token: Secret,
    options: RequestOptions,
}

request_options!(ListAuthenticatorsRequest);

impl<M: Mode> ListAuthenticatorsRequest<M> {
    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<Vec<Authenticator>, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new(
                "mfa/authenticators",
                Method::GET,
                &["mfa", "authenticators"],
            )
            .bearer(self.token.expose_secret())
            .options(self.options);
            self.client.run(call).await?.json()
        })
    }
}

/// Deletes one of the user's authenticators. Made by [`Client::delete_mfa_authenticator`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct DeleteAuthenticatorRequest<M = Async> {
    client: Client<M>,
    token: Secret,
    id: String,
    options: RequestOptions,
}

request_options!(DeleteAuthenticatorRequest);

impl<M: Mode> DeleteAuthenticatorRequest<M> {
    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<(), Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new(
                "mfa/authenticators/{id}",
                Method::DELETE,
                &["mfa", "authenticators", &self.id],
            )
            .bearer(self.token.expose_secret())
            .options(self.options);
            self.client.run(call).await.map(|_| ())
        })
    }
}

impl<M: Mode> Client<M> {
    /// Challenges the user; `challenge_type` is `otp`, `oob` or both (`otp oob`).
    pub fn mfa_challenge(
        &self,
        mfa_token: impl Into<MfaToken>,
        challenge_type: impl Into<String>,
    ) -> MfaChallengeRequest<M> {
        let mfa_token = mfa_token.into();
        let mut body = JsonBody::default();
        body.set_secret("mfa_token", mfa_token.expose_secret());
        body.set("challenge_type", challenge_type.into());
        MfaChallengeRequest {
            client: self.clone(),
            body,
            options: RequestOptions::default(),
        }
    }

    /// Enrols an authenticator of these types (`otp`, `oob`), authorized by an MFA token
    /// (or an access token for the `https://YOUR_DOMAIN/mfa/` audience).
    pub fn mfa_associate<I, S>(
        &self,
        token: impl Into<Secret>,
        authenticator_types: I,
    ) -> MfaAssociateRequest<M>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let types: Vec<Value> = authenticator_types
            .into_iter()
            .map(|t| Value::String(t.into()))
            .collect();
        let mut body = JsonBody::default();
        body.set("authenticator_types", types);
        MfaAssociateRequest {
            client: self.clone(),
            token: token.into(),
            body,
            options: RequestOptions::default(),
        }
    }

    /// Lists the user's authenticators, authorized by an MFA token or an access token for
    /// the `https://YOUR_DOMAIN/mfa/` audience.
    pub fn mfa_authenticators(&self, token: impl Into<Secret>) -> ListAuthenticatorsRequest<M> {
        ListAuthenticatorsRequest {
            client: self.clone(),
            token: token.into(),
            options: RequestOptions::default(),
        }
    }

    /// Deletes the authenticator `id`, authorized by an access token for the
    /// `https://YOUR_DOMAIN/mfa/` audience.
    pub fn delete_mfa_authenticator(
        &self,
        token: impl Into<Secret>,
        id: impl Into<String>,
    ) -> DeleteAuthenticatorRequest<M> {
        DeleteAuthenticatorRequest {
            client: self.clone(),
            token: token.into(),
            id: id.into(),
            options: RequestOptions::default(),
        }
    }
}
