//! The one list of member names that hold a credential or a bearer capability.
//!
//! Used by every client's redaction (error bodies, the `Debug` of kept unknown members, secret
//! request parameters, credential headers) and by codegen (the generated `Debug` of known
//! fields), which includes this file by path so that both read the same list.

/// Whether a member named `name` holds a credential (a client secret, password, API key,
/// private key, token, authorization header value, access or write key, recovery code) or a
/// bearer capability (a password-change ticket, an invitation link).
///
/// Names are compared case- and style-insensitively: `accessToken`, `Access_Token` and
/// `access-token` are all `access_token`.
pub fn is_secret_name(name: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "secret",
        "password",
        "token",
        "authorization",
        "api_key",
        "apikey",
        "private_key",
        "secret_key",
        "access_key",
        "write_key",
        "sas_key",
        "server_key",
        "wrapped_key",
        "ticket",
        "ticket_url",
        "invitation_url",
    ];
    // Duo's secret key, Azure's master key, SMTP's password, MFA recovery codes, one-time
    // codes, the grants' codes and handles, a PKCE verifier, a client assertion, an
    // authenticator's enrolment barcode.
    const NAMES: &[&str] = &[
        "skey",
        "masterkey",
        "smtp_pass",
        "recovery_code",
        "recovery_codes",
        "otp",
        "code",
        "oob_code",
        "binding_code",
        "device_code",
        "auth_req_id",
        "code_verifier",
        "client_assertion",
        "barcode_uri",
    ];
    // A setting that names a secret's purpose, not the secret.
    const SETTINGS: &[&str] = &["change_password"];
    let name = normalize(name);
    (ENDINGS.iter().any(|e| name.ends_with(e)) || NAMES.contains(&name.as_str()))
        && !SETTINGS.contains(&name.as_str())
}

/// Whether a member named `name` holds a link: `location`, `url`, `uri`, `link`, `href`, or a
/// name ending in one of them after `_` (`logo_url`, `jwksUri`), compared as
/// [`is_secret_name`] compares. Printed, a link leaves out its query and fragment (and any user
/// name and password): a pre-signed link, such as a users export's `location`, carries there
/// the credential that opens it.
pub fn is_link_name(name: &str) -> bool {
    const LINKS: &[&str] = &["location", "url", "uri", "link", "href"];
    let name = normalize(name);
    LINKS.iter().any(|link| {
        name == *link
            || name
                .strip_suffix(link)
                .is_some_and(|rest| rest.ends_with('_'))
    })
}

/// `accessToken`, `Access_Token`, `access-token` -> `access_token`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.trim_start_matches("r#").chars() {
        if c == '-' || c == '_' || c == ' ' {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
        } else if c.is_ascii_uppercase() {
            if prev_lower && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

#[cfg(test)]
mod secret_name_tests {
    use super::{is_link_name, is_secret_name};

    #[test]
    fn links_are_named_as_links_in_any_style() {
        for name in [
            "location",
            "url",
            "logo_url",
            "logoUrl",
            "jwks_uri",
            "jwksURI",
            "public-support-link",
            "href",
        ] {
            assert!(is_link_name(name), "{name}");
        }
        for name in [
            "curl",
            "acsurl",
            "url_lifetime_in_seconds",
            "links",
            "locations",
            "name",
        ] {
            assert!(!is_link_name(name), "{name}");
        }
    }

    #[test]
    fn credentials_are_secret_in_any_style() {
        for name in [
            "client_secret",
            "password",
            "api_key",
            "apiKey",
            "token",
            "refresh_token",
            "accessToken",
            "Access_Token",
            "access-token",
            "ClientSecret",
            "ticket",
            "ticket_url",
            "invitation_url",
            "skey",
            "mfa_token",
            "otp",
            "oob_code",
            "authReqId",
            "client_assertion",
            "code_verifier",
            "barcode_uri",
            "recovery_codes",
            "subject_token",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "token_lifetime",
            "subject_token_type",
            "change_password",
            "secrets",
            "name",
            "tickets_issued",
            "error_code",
            "client_assertion_type",
            "token_type",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
