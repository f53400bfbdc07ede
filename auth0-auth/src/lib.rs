#![doc = include_str!("../README.md")]
//!
//! # The client
//!
//! [`Client::builder`] takes the tenant's domain (served over HTTPS) or a base URL, the
//! application's client id, and how it authenticates: a client secret (in the body, or with
//! [`client_secret_basic`](ClientBuilder::client_secret_basic) as HTTP Basic), a private key
//! for private-key JWTs ([`client_assertion_signing_key`](ClientBuilder::client_assertion_signing_key):
//! RS256, RS384, PS256 or ES256; each request gets a fresh assertion with `iss` = `sub` =
//! client id, `aud` = `https://YOUR_DOMAIN/`, a 180 s lifetime and a random `jti`), or nothing
//! for a public application. Timeouts, retries, telemetry and the `reqwest::Client` are
//! configurable there.
//!
//! Every request is a builder: required values are arguments, optional ones setters, and
//! `.send().await` returns a typed answer or an [`Error`].
//!
//! | endpoint | methods |
//! |---|---|
//! | `/oauth/token` | [`client_credentials`](Client::client_credentials), [`password_grant`](Client::password_grant) (password-realm with `.realm`), [`authorization_code`](Client::authorization_code) (PKCE with `.pkce`), [`refresh_token`](Client::refresh_token), [`passwordless_otp`](Client::passwordless_otp), [`ciba_token`](Client::ciba_token), [`token_exchange`](Client::token_exchange), [`on_behalf_of`](Client::on_behalf_of) (RFC 8693 with an incoming access token), [`federated_connection_access_token`](Client::federated_connection_access_token) (Token Vault), [`mfa_otp`](Client::mfa_otp), [`mfa_oob`](Client::mfa_oob), [`mfa_recovery_code`](Client::mfa_recovery_code), [`device_code_token`](Client::device_code_token) |
//! | `/oauth/revoke`, `/oauth/par`, `/oauth/device/code`, `/bc-authorize` | [`revoke_refresh_token`](Client::revoke_refresh_token), [`pushed_authorization_request`](Client::pushed_authorization_request), [`device_authorization`](Client::device_authorization), [`backchannel_authorize`](Client::backchannel_authorize) |
//! | `/mfa/…` | [`mfa_challenge`](Client::mfa_challenge), [`mfa_associate`](Client::mfa_associate), [`mfa_authenticators`](Client::mfa_authenticators), [`delete_mfa_authenticator`](Client::delete_mfa_authenticator) |
//! | `/dbconnections/…`, `/passwordless/start` | [`signup`](Client::signup), [`change_password`](Client::change_password), [`passwordless_email`](Client::passwordless_email), [`passwordless_sms`](Client::passwordless_sms) |
//! | `/userinfo`, metadata | [`userinfo`](Client::userinfo), [`saml_metadata`](Client::saml_metadata), [`wsfed_metadata`](Client::wsfed_metadata) |
//! | legacy | [`social_access_token`](Client::social_access_token) (`/oauth/access_token`), [`delegation`](Client::delegation) |
//! | URLs (no request) | [`authorize_url`](Client::authorize_url), [`authorize_url_for_request_uri`](Client::authorize_url_for_request_uri), [`logout_url`](Client::logout_url), [`oidc_logout_url`](Client::oidc_logout_url) |
//!
//! # Tokens for calling APIs
//!
//! [`tokens::TokenCache`] keeps a client-credentials token per API and organization: renewed
//! before it expires, one request shared by concurrent callers (and, with a
//! [`tokens::TokenStore`], by the instances sharing the store), a backoff after failures;
//! [`Tokens::authorize`] puts it on a `reqwest` request.
//!
//! # ID tokens
//!
//! A token grant can verify the answer's ID token with an `auth0_verify::TokenVerifier` before
//! returning it: `.verify_id_token(&verifier)` (and `.verify_options(..)` for the nonce,
//! `max_age` and organization). The claims are then in [`TokenResponse::id_token_claims`].
//! [`TokenResponse::verify_id_token`] does the same afterwards.
//!
//! # Errors
//!
//! [`Error`] keeps what the server said ([`ApiError`]: status, `error`, `error_description`,
//! the `mfa_token` of an `mfa_required` answer, the raw body and headers). What can go wrong
//! in any exchange is one [`HttpError`] shared with the Management client ([`Error::Http`]):
//! the error answer, rate limits ([`HttpError::RateLimited`], with the `X-RateLimit-Reset`
//! time when given), timeouts, connection failures, redirects, answers too large and decode
//! errors (naming the JSON path); the rest of [`Error`] is this client's own.
//!
//! # Secrets
//!
//! Client secrets, passwords, tokens, one-time codes and private keys are held in wrapper
//! types ([`http::ClientSecret`], [`http::AccessToken`], …) whose `Debug` prints `[redacted]`
//! and which have no `PartialEq`; headers that carry them are marked sensitive, and bodies
//! printed in errors have their secret members redacted.
//!
//! # Shared HTTP behaviour
//!
//! [`http`] is the runtime every client of the SDK shares (the crate `auth0-http`, the same
//! module as `auth0_mgmt::http`), so that every call behaves the same way:
//!
//! - [`http::RetryPolicy`] and [`http::send_with_retry`]: HTTP 429 (and connection failures of
//!   idempotent requests) retried with exponential backoff and jitter, honouring
//!   `Retry-After` and `X-RateLimit-Reset`, bounded by a number of retries and a total
//!   deadline. This client retries every request by that rule with
//!   [`RetryPolicy::default()`](http::RetryPolicy::default): client-credentials token requests
//!   too (they change nothing when repeated), other grants only on 429 (a code exchange or a
//!   refresh-token rotation is never sent twice otherwise); [`retry_policy`](ClientBuilder::retry_policy)
//!   and [`token_retry_policy`](ClientBuilder::token_retry_policy) change it.
//! - [`http::Telemetry`]: the `Auth0-Client` header (base64url JSON `{name, version, env}`),
//!   which [`telemetry(false)`](ClientBuilder::telemetry) turns off.
//! - The secret types, and [`http::bearer`] / [`http::sensitive_header`].
//!
//! [`client_auth`] is how the application proves who it is: [`ClientAuthentication`] (client
//! secret or private-key JWT, giving fresh [`client_auth::Credentials`] per request, or a TLS
//! client certificate, [`ClientIdentity`]). A client that needs client-credentials tokens for
//! another audience (the Management API) builds a [`Client`] with
//! [`client_authentication`](ClientBuilder::client_authentication) and keeps its tokens in a
//! [`TokenCache`] (or calls [`client_credentials`](Client::client_credentials)`().audience(..)`
//! itself; [`TokenResponse::expires_at`] tells when to fetch the next one).

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod authorize;
#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod ciba;
mod client;
pub mod client_auth;
mod database;
mod dpop;
mod error;
mod legacy;
mod mfa;
mod mode;
mod passwordless;
mod token;
pub mod tokens;
mod userinfo;
#[cfg(feature = "web")]
#[cfg_attr(docsrs, doc(cfg(feature = "web")))]
pub mod web;

pub use auth0_http::HttpSettings;
pub use authorize::{
    AuthorizeUrl, LogoutUrl, OidcLogoutUrl, ParRequest, ParResponse, Pkce, random_string,
};
pub use ciba::{
    BackchannelAuthorization, BackchannelAuthorizeRequest, DeviceAuthorization,
    DeviceAuthorizationRequest,
};
pub use client::{Client, ClientBuilder};
pub use client_auth::{AssertionAlgorithm, ClientAuthentication, ClientIdentity};
pub use database::{ChangePasswordRequest, SignupRequest, SignupResponse};
pub use dpop::DpopKey;
pub use error::{ApiError, Body, DecodeError, Error, HttpError};
pub use legacy::{DelegationRequest, DelegationResponse, SocialAccessTokenRequest};
pub use mfa::{
    Authenticator, DeleteAuthenticatorRequest, ListAuthenticatorsRequest, MfaAssociateRequest,
    MfaAssociation, MfaChallenge, MfaChallengeRequest,
};
pub use mode::{Async, Mode};
pub use passwordless::{PasswordlessStart, PasswordlessStartRequest};
pub use token::{
    AuthorizationCodeRequest, CibaTokenRequest, ClientCredentialsRequest, DeviceCodeTokenRequest,
    FederatedConnectionTokenRequest, FederatedSubject, MfaOobRequest, MfaOtpRequest,
    MfaRecoveryCodeRequest, PasswordRequest, PasswordlessOtpRequest, PasswordlessRealm,
    RefreshTokenRequest, RevokeRequest, TokenExchangeRequest, TokenResponse,
};
pub use tokens::{TokenCache, Tokens};

/// The Redis connection of the stores that instances share (feature `redis`):
/// [`tokens::RedisTokenStore`], and with `web` the session store and logout record.
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use auth0_http::{Redis, RedisBuilder, RedisError};
pub use userinfo::{MetadataRequest, UserInfo, UserInfoRequest};

/// The runtime every client of the SDK shares (`auth0-http`): retry policy, secret types,
/// clocks, telemetry, the send loop; the same module as `auth0_mgmt::http`.
pub use auth0_http as http;

/// The verification crate, re-exported so its types can be named without another dependency.
pub use auth0_verify as verify;
