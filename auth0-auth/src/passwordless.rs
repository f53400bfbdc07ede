//! Passwordless login: `/passwordless/start` sends a code or a magic link by email, or a
//! code by SMS; the code is then exchanged with [`Client::passwordless_otp`].

use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::Error;
use crate::client::{Call, Client, JsonBody, RequestOptions, request_options};
use crate::mode::{Async, Mode};

/// Starts a passwordless login. Made by [`Client::passwordless_email`] and
/// [`Client::passwordless_sms`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct PasswordlessStartRequest<M = Async> {
    client: Client<M>,
    body: JsonBody,
    auth_params: Map<String, Value>,
    forwarded_for: Option<String>,
    options: RequestOptions,
}

request_options!(PasswordlessStartRequest);

/// The answer of `/passwordless/start`.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct PasswordlessStart {
    /// The id of the passwordless user.
    #[serde(default, rename = "_id")]
    pub id: Option<String>,
    /// The email address the message went to.
    #[serde(default)]
    pub email: Option<String>,
    /// The phone number the message went to.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<M: Mode> PasswordlessStartRequest<M> {
    /// Sends a magic link instead of a code (email only). The link logs the user in through
    /// `/authorize` with the [`auth_param`](Self::auth_param)s.
    pub fn link(mut self) -> Self {
        self.body.set("send", "link");
        self
    }

    /// Sends a code (the default).
    pub fn code(mut self) -> Self {
        self.body.set("send", "code");
        self
    }

    /// The passwordless connection's name, when not `email` / `sms`.
    pub fn connection(mut self, connection: impl Into<String>) -> Self {
        self.body.set("connection", connection.into());
        self
    }

    /// An authorization parameter of the magic link's login (`redirect_uri`, `scope`,
    /// `state`, `response_type`, `nonce`, `audience`, …).
    pub fn auth_param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.auth_params
            .insert(name.to_owned(), Value::String(value.into()));
        self
    }

    /// The magic link's `redirect_uri`.
    pub fn redirect_uri(self, uri: impl Into<String>) -> Self {
        self.auth_param("redirect_uri", uri)
    }

    /// The magic link's `scope`.
    pub fn scope(self, scope: impl Into<String>) -> Self {
        self.auth_param("scope", scope)
    }

    /// The magic link's `state`.
    pub fn state(self, state: impl Into<String>) -> Self {
        self.auth_param("state", state)
    }

    /// The magic link's `response_type` (`code` or `token`).
    pub fn response_type(self, response_type: impl Into<String>) -> Self {
        self.auth_param("response_type", response_type)
    }

    /// The magic link's `nonce`.
    pub fn nonce(self, nonce: impl Into<String>) -> Self {
        self.auth_param("nonce", nonce)
    }

    /// The end user's IP address, sent as `auth0-forwarded-for`.
    pub fn forwarded_for(mut self, ip: impl Into<String>) -> Self {
        self.forwarded_for = Some(ip.into());
        self
    }

    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<PasswordlessStart, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            const OP: &str = "passwordless/start";
            let mut body = self.body;
            if !self.auth_params.is_empty() {
                body.set("authParams", Value::Object(self.auth_params));
            }
            let mut call = Call::new(OP, Method::POST, &["passwordless", "start"])
                .json(body.into_map())
                .authenticated_in_body()
                .options(self.options);
            if let Some(ip) = &self.forwarded_for {
                let value = HeaderValue::from_str(ip)
                    .map_err(|_| Error::invalid(OP, "the forwarded-for address is not valid"))?;
                call.headers
                    .push((HeaderName::from_static("auth0-forwarded-for"), value));
            }
            self.client.run(call).await?.json()
        })
    }
}

impl<M: Mode> Client<M> {
    fn passwordless(
        &self,
        connection: &str,
        key: &str,
        value: String,
    ) -> PasswordlessStartRequest<M> {
        let mut body = JsonBody::default();
        body.set("connection", connection);
        body.set(key, value);
        body.set("send", "code");
        PasswordlessStartRequest {
            client: self.clone(),
            body,
            auth_params: Map::new(),
            forwarded_for: None,
            options: RequestOptions::default(),
        }
    }

    /// Sends a one-time code (or, with [`link`](PasswordlessStartRequest::link), a magic
    /// link) to `email`.
    pub fn passwordless_email(&self, email: impl Into<String>) -> PasswordlessStartRequest<M> {
        self.passwordless("email", "email", email.into())
    }

    /// Sends a one-time code by SMS to `phone_number`.
    pub fn passwordless_sms(&self, phone_number: impl Into<String>) -> PasswordlessStartRequest<M> {
        self.passwordless("sms", "phone_number", phone_number.into())
    }
}
