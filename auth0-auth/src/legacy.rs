//! Legacy endpoints, kept for tenants that still have them enabled: `/oauth/access_token`
//! (login with a social provider's access token) and `/delegation`.

use reqwest::Method;
use serde::Deserialize;

use crate::Error;
use crate::client::{Call, Client, JsonBody, RequestOptions, request_options};
use crate::http::{IdToken, Secret};
use crate::mode::{Async, Mode};
use crate::token::TokenResponse;

/// Logs in with a social provider's access token (legacy). Made by
/// [`Client::social_access_token`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct SocialAccessTokenRequest<M = Async> {
    client: Client<M>,
    body: JsonBody,
    options: RequestOptions,
}

request_options!(SocialAccessTokenRequest);

impl<M: Mode> SocialAccessTokenRequest<M> {
    /// The scopes asked for.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.body.set("scope", scope.into());
        self
    }

    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<TokenResponse, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new(
                "oauth/access_token",
                Method::POST,
                &["oauth", "access_token"],
            )
            .json(self.body.into_map())
            .options(self.options);
            self.client.run(call).await?.json()
        })
    }
}

/// Gets a delegation token (legacy). Made by [`Client::delegation`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct DelegationRequest<M = Async> {
    client: Client<M>,
    body: JsonBody,
    options: RequestOptions,
}

request_options!(DelegationRequest);

/// The answer of [`Client::delegation`].
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct DelegationResponse {
    /// The delegation token.
    pub id_token: IdToken,
    /// The token type.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds until it expires.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

impl<M: Mode> DelegationRequest<M> {
    /// The client id of the target application.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.body.set("target", target.into());
        self
    }

    /// The scopes asked for.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.body.set("scope", scope.into());
        self
    }

    /// The API type (e.g. `app`, `aws`, `firebase`).
    pub fn api_type(mut self, api_type: impl Into<String>) -> Self {
        self.body.set("api_type", api_type.into());
        self
    }

    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<DelegationResponse, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new("delegation", Method::POST, &["delegation"])
                .json(self.body.into_map())
                .options(self.options);
            self.client.run(call).await?.json()
        })
    }
}

impl<M: Mode> Client<M> {
    /// Logs in with `access_token` from the social `connection` (e.g. `facebook`), legacy.
    pub fn social_access_token(
        &self,
        connection: impl Into<String>,
        access_token: impl Into<Secret>,
    ) -> SocialAccessTokenRequest<M> {
        let token = access_token.into();
        let mut body = JsonBody::default();
        body.set("client_id", self.client_id());
        body.set_secret("access_token", token.expose_secret());
        body.set("connection", connection.into());
        SocialAccessTokenRequest {
            client: self.clone(),
            body,
            options: RequestOptions::default(),
        }
    }

    /// Exchanges an ID token for a delegation token (legacy).
    pub fn delegation(&self, id_token: &IdToken) -> DelegationRequest<M> {
        let mut body = JsonBody::default();
        body.set("client_id", self.client_id());
        body.set("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        body.set_secret("id_token", id_token.expose_secret());
        DelegationRequest {
            client: self.clone(),
            body,
            options: RequestOptions::default(),
        }
    }
}
