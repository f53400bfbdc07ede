//! Database connections: `/dbconnections/signup` and `/dbconnections/change_password`.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::Error;
use crate::client::{Call, Client, JsonBody, RequestOptions, request_options};
use crate::http::Password;
use crate::mode::{Async, Mode};

/// Creates a user in a database connection. Made by [`Client::signup`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct SignupRequest<M = Async> {
    client: Client<M>,
    body: JsonBody,
    options: RequestOptions,
}

request_options!(SignupRequest);

/// The user created by [`Client::signup`].
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct SignupResponse {
    /// The user's id in the connection (without the `auth0|` prefix).
    #[serde(default, rename = "_id", alias = "id")]
    pub id: Option<String>,
    /// The email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the email address is verified.
    #[serde(default)]
    pub email_verified: Option<bool>,
    /// The username, when the connection uses them.
    #[serde(default)]
    pub username: Option<String>,
    /// Other members.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl<M: Mode> SignupRequest<M> {
    /// The username (connections that require one).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.body.set("username", username.into());
        self
    }

    /// The phone number.
    pub fn phone_number(mut self, phone: impl Into<String>) -> Self {
        self.body.set("phone_number", phone.into());
        self
    }

    /// The given name.
    pub fn given_name(mut self, name: impl Into<String>) -> Self {
        self.body.set("given_name", name.into());
        self
    }

    /// The family name.
    pub fn family_name(mut self, name: impl Into<String>) -> Self {
        self.body.set("family_name", name.into());
        self
    }

    /// The full name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.body.set("name", name.into());
        self
    }

    /// The nickname.
    pub fn nickname(mut self, nickname: impl Into<String>) -> Self {
        self.body.set("nickname", nickname.into());
        self
    }

    /// The picture URL.
    pub fn picture(mut self, url: impl Into<String>) -> Self {
        self.body.set("picture", url.into());
        self
    }

    /// User metadata (a JSON object of string values).
    pub fn user_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.body.set("user_metadata", Value::Object(metadata));
        self
    }

    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<SignupResponse, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new(
                "dbconnections/signup",
                Method::POST,
                &["dbconnections", "signup"],
            )
            .json(self.body.into_map())
            .options(self.options);
            self.client.run(call).await?.json()
        })
    }
}

/// Sends a password-change email. Made by [`Client::change_password`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct ChangePasswordRequest<M = Async> {
    client: Client<M>,
    body: JsonBody,
    options: RequestOptions,
}

request_options!(ChangePasswordRequest);

impl<M: Mode> ChangePasswordRequest<M> {
    /// The organization whose login the email leads back to.
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.body.set("organization", organization.into());
        self
    }

    /// Sends the request; the answer is Auth0's message, as text.
    pub fn send(self) -> M::Output<impl Future<Output = Result<String, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new(
                "dbconnections/change_password",
                Method::POST,
                &["dbconnections", "change_password"],
            )
            .json(self.body.into_map())
            .accept("text/plain, application/json")
            .options(self.options);
            Ok(self.client.run(call).await?.text())
        })
    }
}

impl<M: Mode> Client<M> {
    /// Signs a user up to the database `connection`.
    pub fn signup(
        &self,
        email: impl Into<String>,
        password: impl Into<Password>,
        connection: impl Into<String>,
    ) -> SignupRequest<M> {
        let password = password.into();
        let mut body = JsonBody::default();
        body.set("client_id", self.client_id());
        body.set("email", email.into());
        body.set_secret("password", password.expose_secret());
        body.set("connection", connection.into());
        SignupRequest {
            client: self.clone(),
            body,
            options: RequestOptions::default(),
        }
    }

    /// Sends the user `email` of the database `connection` a password-change email.
    pub fn change_password(
        &self,
        email: impl Into<String>,
        connection: impl Into<String>,
    ) -> ChangePasswordRequest<M> {
        let mut body = JsonBody::default();
        body.set("client_id", self.client_id());
        body.set("email", email.into());
        body.set("connection", connection.into());
        ChangePasswordRequest {
            client: self.clone(),
            body,
            options: RequestOptions::default(),
        }
    }
}
