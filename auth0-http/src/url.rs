//! Tenant domains, base URLs and path segments: one reading for every client.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::{Host, Url};

/// Why a domain or base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{domain:?} is not a tenant domain or base URL: {reason}")]
pub struct DomainError {
    domain: String,
    reason: &'static str,
}

impl DomainError {
    /// What was refused.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

/// Reads a tenant domain (`my-tenant.us.auth0.com`, served over https) or a base URL
/// (`http://127.0.0.1:8080`, `https://proxy.example/auth0/`) into a base URL whose path ends
/// with `/`.
///
/// Refused: an empty value, a scheme other than http(s), no host, user information (a user
/// name or password), a query or a fragment. Any of those would change where requests, and the
/// credentials they carry, go.
pub fn base_url(domain: &str) -> Result<Url, DomainError> {
    let trimmed = domain.trim();
    let refuse = |reason| DomainError {
        domain: domain.to_owned(),
        reason,
    };
    if trimmed.is_empty() {
        return Err(refuse("it is empty"));
    }
    let text = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let mut url = Url::parse(&text).map_err(|_| refuse("it cannot be read as a URL"))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(refuse("the scheme is not http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it carries a user name or password"));
    }
    if url.query().is_some() {
        return Err(refuse("it has a query"));
    }
    if url.fragment().is_some() {
        return Err(refuse("it has a fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Whether a URL's host is this machine (`localhost`, `127.0.0.0/8`, `::1`): the one place
/// plain http is accepted for fetching keys.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether two URLs have the same origin (scheme, host and port; no allocation).
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// A link as it may be printed: without its query and fragment, where a pre-signed link
/// carries its signature (and a redirect a code), and without a user name and password. A
/// query or fragment left out is marked (`https://host/users.json.gz?[redacted]`). Text that
/// is not a link is cut the same way at its first `?` or `#`.
pub fn redact_link(link: &str) -> Cow<'_, str> {
    let cut = link.find(['?', '#']);
    let head = &link[..cut.unwrap_or(link.len())];
    // The user information: from after `://` to the authority's last `@`.
    let userinfo = head.find("://").and_then(|scheme| {
        let from = scheme + 3;
        let authority = &head[from..];
        let end = authority.find(['/', '\\']).unwrap_or(authority.len());
        authority[..end].rfind('@').map(|at| (from, from + at + 1))
    });
    if cut.is_none() && userinfo.is_none() {
        return Cow::Borrowed(link);
    }
    let mut out = String::with_capacity(head.len() + 11);
    match userinfo {
        Some((from, to)) => {
            out.push_str(&head[..from]);
            out.push_str(&head[to..]);
        }
        None => out.push_str(head),
    }
    if let Some(at) = cut {
        out.push_str(&link[at..=at]);
        out.push_str("[redacted]");
    }
    Cow::Owned(out)
}

/// A transport error with the URL it names cut as [`redact_link`] cuts a link (`reqwest`'s
/// errors print their request's URL in `Display` and `Debug`): no user name, password or
/// fragment, and a query replaced by `[redacted]`.
pub fn redact_error_url(mut error: reqwest::Error) -> reqwest::Error {
    if let Some(url) = error.url_mut() {
        if url.query().is_some() {
            url.set_query(Some("[redacted]"));
        }
        url.set_fragment(None);
        let _ = url.set_password(None);
        let _ = url.set_username("");
    }
    error
}

/// Why a path value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a value in the path cannot be {value:?}: the request would go to another endpoint")]
pub struct PathSegmentError {
    value: &'static str,
}

/// Refuses a path value that is empty, `.` or `..`: an empty one leaves its segment out
/// (`/users/` is the list), and URLs resolve dot segments away (percent-encoded ones too), so
/// the request, and the credentials it carries, would go to another endpoint.
pub fn check_segment(value: &str) -> Result<(), PathSegmentError> {
    match value {
        "" => Err(PathSegmentError { value: "" }),
        "." => Err(PathSegmentError { value: "." }),
        ".." => Err(PathSegmentError { value: ".." }),
        _ => Ok(()),
    }
}

/// Everything but the unreserved characters of RFC 3986 is percent-encoded in a path value.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path value as one segment: all but the unreserved characters, so that
/// `/`, `\`, `?`, `#` and `%` stay inside it (`sms|dev_1` is sent as `sms%7Cdev_1`).
pub fn encode_segment(value: &str) -> String {
    let mut encoded = String::with_capacity(encoded_len(value));
    encoded.extend(utf8_percent_encode(value, SEGMENT));
    encoded
}

/// The length of `value` encoded: the string is made at its size, not grown (a string that
/// grows is reallocated, and a reallocation takes the allocator's lock of the thread that
/// made it, which other threads freeing into it contend for).
fn encoded_len(value: &str) -> usize {
    utf8_percent_encode(value, SEGMENT).map(str::len).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_at_their_size() {
        for value in [
            "auth0|7",
            "sms|dev_1",
            "a/b?c#d%e",
            "plain-value_1.2~",
            "é 字",
        ] {
            let encoded = encode_segment(value);
            assert_eq!(encoded.len(), encoded_len(value), "{value}");
            assert_eq!(encoded.capacity(), encoded.len(), "{value}");
        }
        assert_eq!(encode_segment("sms|dev_1"), "sms%7Cdev_1");
    }

    #[test]
    fn domains_and_base_urls() {
        let ok = |d: &str| base_url(d).unwrap().to_string();
        assert_eq!(ok("my-tenant.auth0.com"), "https://my-tenant.auth0.com/");
        assert_eq!(ok(" my-tenant.auth0.com "), "https://my-tenant.auth0.com/");
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(
            ok("https://proxy.example/auth0"),
            "https://proxy.example/auth0/"
        );
        for bad in [
            "",
            "  ",
            "ftp://x",
            "http://",
            "http://host?a=",
            "http://host/?a=1",
            "https://host#frag",
            "https://user@host",
            "https://user:pw@host",
            "https://:pw@host",
            "tenant.auth0.com?x",
        ] {
            assert!(base_url(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(
            base_url("http://host?a=").unwrap_err().reason(),
            "it has a query"
        );
    }

    #[test]
    fn links_print_without_query_fragment_or_user() {
        for (link, printed) in [
            ("https://a.example/x.gz", "https://a.example/x.gz"),
            (
                "https://a.example/x.gz?X-Amz-Signature=s&b=c#f",
                "https://a.example/x.gz?[redacted]",
            ),
            (
                "https://a.example/x#code=1",
                "https://a.example/x#[redacted]",
            ),
            (
                "https://u:p@ss@a.example/x?s",
                "https://a.example/x?[redacted]",
            ),
            ("https://a.example/p@th", "https://a.example/p@th"),
            ("/relative?sig=1", "/relative?[redacted]"),
            ("Paris", "Paris"),
        ] {
            assert_eq!(redact_link(link), printed, "{link}");
        }
        assert!(matches!(
            redact_link("https://a.example/"),
            Cow::Borrowed(_)
        ));
    }

    #[tokio::test]
    async fn transport_errors_name_their_url_without_its_query() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let err = reqwest::Client::new()
            .get(format!("http://user:pw@127.0.0.1:{port}/x.gz?sig=s3cr3t#f"))
            .send()
            .await
            .unwrap_err();
        let err = redact_error_url(err);
        let printed = format!("{err} {err:?}");
        assert!(
            !printed.contains("s3cr3t") && !printed.contains("pw"),
            "{printed}"
        );
        assert_eq!(
            err.url().unwrap().as_str(),
            format!("http://127.0.0.1:{port}/x.gz?[redacted]")
        );
    }

    #[test]
    fn loopback_and_origin() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(is_loopback(&u("http://127.0.0.1:9/x")));
        assert!(is_loopback(&u("http://localhost/x")));
        assert!(is_loopback(&u("http://[::1]:80/")));
        assert!(!is_loopback(&u("http://127.0.0.1.evil.example/")));
        assert!(!is_loopback(&u("http://10.0.0.1/")));
        assert!(same_origin(
            &u("https://a.example/x"),
            &u("https://a.example:443/y")
        ));
        assert!(!same_origin(
            &u("https://a.example/x"),
            &u("http://a.example/x")
        ));
        assert!(!same_origin(
            &u("https://a.example/x"),
            &u("https://b.example/x")
        ));
    }

    #[test]
    fn segments() {
        for bad in ["", ".", ".."] {
            assert!(check_segment(bad).is_err());
        }
        assert!(check_segment("...").is_ok());
        assert_eq!(encode_segment("sms|dev_1"), "sms%7Cdev_1");
        assert_eq!(encode_segment("a/b\\c?d#e%f"), "a%2Fb%5Cc%3Fd%23e%25f");
        assert_eq!(encode_segment("auth0|abc-1.2_3~"), "auth0%7Cabc-1.2_3~");
    }
}
