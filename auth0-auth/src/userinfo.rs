//! `/userinfo` and the federation metadata documents (SAML, WS-Federation).

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::Error;
use crate::client::{Call, Client, RequestOptions, request_options};
use crate::http::AccessToken;
use crate::mode::{Async, Mode};

/// The user's profile, as `/userinfo` returns it: the standard OpenID Connect claims the
/// access token's scopes allow, and any other (custom) claims in [`extra`](UserInfo::extra).
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The user id.
    pub sub: String,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub family_name: Option<String>,
    /// Middle name.
    #[serde(default)]
    pub middle_name: Option<String>,
    /// Nickname.
    #[serde(default)]
    pub nickname: Option<String>,
    /// Preferred username.
    #[serde(default)]
    pub preferred_username: Option<String>,
    /// Profile page URL.
    #[serde(default)]
    pub profile: Option<String>,
    /// Picture URL.
    #[serde(default)]
    pub picture: Option<String>,
    /// Web site.
    #[serde(default)]
    pub website: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the email address is verified.
    #[serde(default)]
    pub email_verified: Option<bool>,
    /// Gender.
    #[serde(default)]
    pub gender: Option<String>,
    /// Birth date.
    #[serde(default)]
    pub birthdate: Option<String>,
    /// Time zone.
    #[serde(default)]
    pub zoneinfo: Option<String>,
    /// Locale.
    #[serde(default)]
    pub locale: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Whether the phone number is verified.
    #[serde(default)]
    pub phone_number_verified: Option<bool>,
    /// Postal address (a JSON object).
    #[serde(default)]
    pub address: Option<Value>,
    /// When the profile last changed.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Any other claims.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Fetches the user's profile. Made by [`Client::userinfo`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct UserInfoRequest<M = Async> {
    client: Client<M>,
    token: AccessToken,
    options: RequestOptions,
}

request_options!(UserInfoRequest);

impl<M: Mode> UserInfoRequest<M> {
    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<UserInfo, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new("userinfo", Method::GET, &["userinfo"])
                .bearer(self.token.expose_secret())
                .options(self.options);
            self.client.run(call).await?.json()
        })
    }
}

/// Fetches a federation metadata document (XML). Made by [`Client::saml_metadata`] and
/// [`Client::wsfed_metadata`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct MetadataRequest<M = Async> {
    client: Client<M>,
    operation: &'static str,
    path: Vec<String>,
    options: RequestOptions,
}

request_options!(MetadataRequest);

impl<M: Mode> MetadataRequest<M> {
    /// Sends the request; the answer is the XML document.
    pub fn send(self) -> M::Output<impl Future<Output = Result<String, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let path: Vec<&str> = self.path.iter().map(String::as_str).collect();
            let call = Call::new(self.operation, Method::GET, &path)
                .accept("application/xml, text/xml;q=0.9, */*;q=0.8")
                .options(self.options);
            Ok(self.client.run(call).await?.text())
        })
    }
}

impl<M: Mode> Client<M> {
    /// The profile of the user `access_token` was issued to.
    pub fn userinfo(&self, access_token: impl Into<AccessToken>) -> UserInfoRequest<M> {
        UserInfoRequest {
            client: self.clone(),
            token: access_token.into(),
            options: RequestOptions::default(),
        }
    }

    /// The SAML identity provider metadata of the application `client_id`
    /// (`/samlp/metadata/{client_id}`).
    pub fn saml_metadata(&self, client_id: impl Into<String>) -> MetadataRequest<M> {
        MetadataRequest {
            client: self.clone(),
            operation: "samlp/metadata/{client_id}",
            path: vec!["samlp".into(), "metadata".into(), client_id.into()],
            options: RequestOptions::default(),
        }
    }

    /// The tenant's WS-Federation metadata
    /// (`/wsfed/FederationMetadata/2007-06/FederationMetadata.xml`).
    pub fn wsfed_metadata(&self) -> MetadataRequest<M> {
        MetadataRequest {
            client: self.clone(),
            operation: "wsfed/FederationMetadata",
            path: [
                "wsfed",
                "FederationMetadata",
                "2007-06",
                "FederationMetadata.xml",
            ]
            .map(String::from)
            .to_vec(),
            options: RequestOptions::default(),
        }
    }
}
