//! Wrapper types for secret values.
//!
//! Each type keeps its value in a [`secrecy::SecretString`] (wiped from memory on drop), prints
//! `[redacted]` in `Debug`, and has no `PartialEq`, no `Display` and no `Serialize`: reading the
//! value takes an explicit [`expose_secret`](ClientSecret::expose_secret) call.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// `Debug` prints `[redacted]`; the value is read with `expose_secret()`.
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                $name(SecretString::from(value.into()))
            }

            /// The value itself. Avoid logging it.
            pub fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                $name::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name::new(value)
            }
        }

        impl From<&String> for $name {
            fn from(value: &String) -> Self {
                $name::new(value.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map($name::new)
            }
        }
    };
}

secret_type!(
    /// An application's client secret.
    ClientSecret
);
secret_type!(
    /// An access token.
    AccessToken
);
secret_type!(
    /// A refresh token.
    RefreshToken
);
secret_type!(
    /// An ID token (a signed JWT describing the user).
    IdToken
);
secret_type!(
    /// A user's password.
    Password
);
secret_type!(
    /// A one-time code: an OTP, a recovery code, an out-of-band code or a binding code.
    OneTimeCode
);
secret_type!(
    /// The `mfa_token` Auth0 hands out with an `mfa_required` error, used to complete MFA.
    MfaToken
);
secret_type!(
    /// A PKCE code verifier.
    CodeVerifier
);
secret_type!(
    /// An authorization code returned to the redirect URI.
    AuthorizationCode
);
secret_type!(
    /// Any other secret value: a shared HS256 secret, a device code, a CIBA `auth_req_id`,
    /// a subject token, a client assertion, a TOTP seed.
    Secret
);

macro_rules! convert {
    ($($from:ident),* => $to:ident) => {
        $(
            impl From<$from> for $to {
                fn from(value: $from) -> Self {
                    $to(value.0)
                }
            }
            impl From<&$from> for $to {
                fn from(value: &$from) -> Self {
                    $to(value.0.clone())
                }
            }
        )*
    };
}

// Tokens can be handed on as the generic secret (for example as a token-exchange subject).
convert!(AccessToken, RefreshToken, IdToken, MfaToken, ClientSecret => Secret);
impl From<&RefreshToken> for RefreshToken {
    fn from(value: &RefreshToken) -> Self {
        value.clone()
    }
}
impl From<&AccessToken> for AccessToken {
    fn from(value: &AccessToken) -> Self {
        value.clone()
    }
}
impl From<&MfaToken> for MfaToken {
    fn from(value: &MfaToken) -> Self {
        value.clone()
    }
}
impl From<&CodeVerifier> for CodeVerifier {
    fn from(value: &CodeVerifier) -> Self {
        value.clone()
    }
}
impl From<&Secret> for Secret {
    fn from(value: &Secret) -> Self {
        value.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = ClientSecret::new("hunter2");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(s.expose_secret(), "hunter2");
        let t: AccessToken = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(format!("{:?}", Some(t)), "Some([redacted])");
    }
}
