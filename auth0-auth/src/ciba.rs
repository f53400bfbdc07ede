//! Client-initiated backchannel authentication (`/bc-authorize`) and the device
//! authorization flow (`/oauth/device/code`).

use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;

use crate::Error;
use crate::client::{Call, Client, Form, RequestOptions, request_options};
use crate::http::Secret;
use crate::mode::{Async, Mode};

/// Starts a CIBA login: Auth0 asks the user (for example with a push notification) to
/// approve, and the application polls [`Client::ciba_token`]. Made by
/// [`Client::backchannel_authorize`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct BackchannelAuthorizeRequest<M = Async> {
    client: Client<M>,
    form: Form,
    options: RequestOptions,
}

request_options!(BackchannelAuthorizeRequest);

/// The answer of [`Client::backchannel_authorize`].
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct BackchannelAuthorization {
    /// The id to poll [`Client::ciba_token`] with.
    pub auth_req_id: Secret,
    /// Seconds the request is valid.
    pub expires_in: u64,
    /// The least number of seconds between two polls.
    #[serde(default)]
    pub interval: Option<u64>,
}

impl<M: Mode> BackchannelAuthorizeRequest<M> {
    /// The API the access token is for.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.form.set("audience", audience);
        self
    }

    /// How long the request stays valid.
    pub fn requested_expiry(mut self, expiry: Duration) -> Self {
        self.form
            .set("requested_expiry", expiry.as_secs().to_string());
        self
    }

    /// Rich authorization request details (a JSON array), shown to the user.
    pub fn authorization_details(mut self, details: &serde_json::Value) -> Self {
        self.form.set("authorization_details", details.to_string());
        self
    }

    /// Sets any other parameter (replacing one set before). Naming the client
    /// authentication (`client_id`, `client_secret`, `client_assertion*`) is refused when
    /// sending; a parameter named like a secret stays one in `Debug`.
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.form.param(name, value);
        self
    }

    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<BackchannelAuthorization, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new("bc-authorize", Method::POST, &["bc-authorize"])
                .form(self.form)
                .authenticated()
                .options(self.options);
            self.client.run(call).await?.json()
        })
    }
}

/// Starts the device authorization flow. Made by [`Client::device_authorization`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct DeviceAuthorizationRequest<M = Async> {
    client: Client<M>,
    form: Form,
    options: RequestOptions,
}

request_options!(DeviceAuthorizationRequest);

/// The answer of [`Client::device_authorization`]: what to show the user, and the device
/// code to poll [`Client::device_code_token`] with.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct DeviceAuthorization {
    /// The code to poll with.
    pub device_code: Secret,
    /// The code the user types in.
    pub user_code: String,
    /// Where the user goes.
    pub verification_uri: String,
    /// The same, with the user code filled in.
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    /// Seconds the codes are valid.
    pub expires_in: u64,
    /// The least number of seconds between two polls.
    #[serde(default)]
    pub interval: Option<u64>,
}

impl<M: Mode> DeviceAuthorizationRequest<M> {
    /// The scopes asked for.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.form.set("scope", scope);
        self
    }

    /// The API the access token is for.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.form.set("audience", audience);
        self
    }

    /// Sets any other parameter (replacing one set before). Naming the client
    /// authentication (`client_id`, `client_secret`, `client_assertion*`) is refused when
    /// sending; a parameter named like a secret stays one in `Debug`.
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.form.param(name, value);
        self
    }

    /// Sends the request: a future to `.await` from a [`Client`], the answer itself from a
    /// `blocking::Client`.
    pub fn send(self) -> M::Output<impl Future<Output = Result<DeviceAuthorization, Error>>> {
        let mode = self.client.mode.clone();
        mode.run(async move {
            let call = Call::new(
                "oauth/device/code",
                Method::POST,
                &["oauth", "device", "code"],
            )
            .form(self.form)
            .options(self.options);
            self.client.run(call).await?.json()
        })
    }
}

impl<M: Mode> Client<M> {
    /// Starts a CIBA login of the user `user_id` (sent as an `iss_sub` login hint with this
    /// tenant as issuer). `scope` must include `openid`; `binding_message` is shown to the
    /// user on both devices.
    pub fn backchannel_authorize(
        &self,
        user_id: &str,
        scope: impl Into<String>,
        binding_message: impl Into<String>,
    ) -> BackchannelAuthorizeRequest<M> {
        let hint = serde_json::json!({
            "format": "iss_sub",
            "iss": self.issuer(),
            "sub": user_id,
        });
        let mut form = Form::default();
        form.set("login_hint", hint.to_string());
        form.set("scope", scope);
        form.set("binding_message", binding_message);
        BackchannelAuthorizeRequest {
            client: self.clone(),
            form,
            options: RequestOptions::default(),
        }
    }

    /// Starts the device authorization flow.
    pub fn device_authorization(&self) -> DeviceAuthorizationRequest<M> {
        let mut form = Form::default();
        form.set("client_id", self.client_id());
        DeviceAuthorizationRequest {
            client: self.clone(),
            form,
            options: RequestOptions::default(),
        }
    }
}
