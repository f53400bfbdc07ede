//! The `returnTo` rule: where a browser may be sent after login or logout.

use percent_encoding::percent_decode_str;
use url::Url;

/// The longest `returnTo` honoured.
const MAX_LEN: usize = 2048;

/// How many rounds of percent-decoding are looked through: a value decoded once by a proxy
/// and once more by the application must not become another origin either. A value still
/// changing after these is refused.
const DECODE_ROUNDS: usize = 8;

/// The path (with query and fragment) that `return_to` names on the application's own origin
/// (`base`), or `/` when it names anything else.
///
/// Honoured: a path starting with one `/` (`/profile?tab=2`), or an absolute URL with the
/// application's own scheme, host and port (reduced to its path). Sent to `/` instead:
/// absolute URLs of other origins, scheme-relative forms (`//host`, `\\host`, `/\host`),
/// backslashes anywhere, control characters and whitespace (browsers drop tabs and newlines,
/// so `/\t/host` would become `//host`), values that say any of this once percent-decoded
/// (`/%2F%2Fhost`, `%2F%2Fhost`, `/%5Chost`), dot segments resolving to `//`, other schemes
/// (`javascript:`), relative paths without a leading `/`, and values over 2,048 bytes.
///
/// The result always starts with `/`, never with `//` or `/\`, and contains no control
/// character, so it is a same-origin redirect target as it stands.
pub fn safe_return_to(base: &Url, return_to: &str) -> String {
    honoured(base, return_to).unwrap_or_else(|| "/".to_owned())
}

fn honoured(base: &Url, return_to: &str) -> Option<String> {
    if return_to.is_empty() || return_to.len() > MAX_LEN || !plain(return_to) {
        return None;
    }
    // The value as later percent-decodings would see it must be as harmless: decoded until
    // it no longer changes (each round shortens it), at most a few rounds.
    let mut decoded = std::borrow::Cow::Borrowed(return_to);
    let mut stable = false;
    for _ in 0..DECODE_ROUNDS {
        let next = percent_decode_str(&decoded).decode_utf8().ok()?;
        if next == decoded {
            stable = true;
            break;
        }
        if !plain(&next) || !stays_home(base, &next) {
            return None;
        }
        decoded = std::borrow::Cow::Owned(next.into_owned());
    }
    if !stable {
        return None;
    }
    let url = if return_to.starts_with('/') {
        if return_to.starts_with("//") {
            return None;
        }
        base.join(return_to).ok()?
    } else {
        // Only an absolute URL of the application's own origin; a relative path without its
        // leading `/` is refused rather than resolved against some page.
        let url = Url::parse(return_to).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        url
    };
    if !auth0_http::same_origin(&url, base) || url.cannot_be_a_base() {
        return None;
    }
    let mut out = String::with_capacity(return_to.len() + 8);
    out.push_str(url.path());
    if let Some(query) = url.query() {
        out.push('?');
        out.push_str(query);
    }
    if let Some(fragment) = url.fragment() {
        out.push('#');
        out.push_str(fragment);
    }
    // Dot segments are resolved by now: `/..//host` would have become `//host`.
    (out.starts_with('/') && !out.starts_with("//") && plain(&out)).then_some(out)
}

/// Whether a decoded form of a value, read as a path, stays on `base`'s origin: not
/// scheme-relative, before or after its dot segments are resolved.
fn stays_home(base: &Url, path: &str) -> bool {
    if path.starts_with("//") {
        return false;
    }
    if !path.starts_with('/') {
        return true;
    }
    base.join(path)
        .is_ok_and(|u| auth0_http::same_origin(&u, base) && !u.path().starts_with("//"))
}

/// No backslash, no control character (C0, DEL, C1), no whitespace.
fn plain(s: &str) -> bool {
    !s.chars()
        .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn base() -> Url {
        Url::parse("https://app.example.com/").unwrap()
    }

    #[test]
    fn paths_on_the_own_origin_are_kept() {
        let b = base();
        for (given, kept) in [
            ("/", "/"),
            ("/profile", "/profile"),
            ("/profile?tab=2&x=%2F", "/profile?tab=2&x=%2F"),
            ("/a/b#frag", "/a/b#frag"),
            ("/a/./b/../c", "/a/c"),
            ("/caf%C3%A9", "/caf%C3%A9"),
            ("/café", "/caf%C3%A9"),
            ("https://app.example.com/orders?id=1", "/orders?id=1"),
            ("https://APP.example.com:443/x", "/x"),
        ] {
            assert_eq!(safe_return_to(&b, given), kept, "{given:?}");
        }
    }

    #[test]
    fn everything_else_goes_to_the_root() {
        let b = base();
        for hostile in [
            "",
            "https://evil.example/",
            "http://app.example.com/",
            "https://app.example.com:8443/",
            "https://app.example.com.evil.example/",
            "https://user@evil.example/",
            "//evil.example",
            "///evil.example",
            "\\\\evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/%2F/evil.example",
            "%2F%2Fevil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%255C%255Cevil.example",
            "/%252F%252Fevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\u{0}x",
            "/\u{7f}x",
            "/\u{85}x",
            "/\u{2028}x",
            "/..//evil.example",
            "/.//evil.example",
            "/a/../..//evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,hi",
            "http:evil.example",
            "https:/evil.example",
            "profile",
            "./profile",
            "../profile",
            "?x=1",
            "#frag",
            "/%E0%A4%A",
        ] {
            assert_eq!(safe_return_to(&b, hostile), "/", "{hostile:?}");
        }
        let long = format!("/{}", "a".repeat(MAX_LEN));
        assert_eq!(safe_return_to(&b, &long), "/");
    }

    #[test]
    fn the_origin_of_an_http_loopback_base_is_kept() {
        let b = Url::parse("http://127.0.0.1:3000/").unwrap();
        assert_eq!(safe_return_to(&b, "http://127.0.0.1:3000/p"), "/p");
        assert_eq!(safe_return_to(&b, "http://127.0.0.1:3001/p"), "/");
        assert_eq!(safe_return_to(&b, "http://localhost:3000/p"), "/");
    }

    /// Characters a browser or a decoder may turn into a path separator or drop.
    fn separator() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("/".to_owned()),
            Just("\\".to_owned()),
            Just("%2F".to_owned()),
            Just("%2f".to_owned()),
            Just("%5C".to_owned()),
            Just("%5c".to_owned()),
            Just("%252F".to_owned()),
            Just("%255C".to_owned()),
            Just("%25252F".to_owned()),
            Just("%2525252F".to_owned()),
            Just("%25255C".to_owned()),
        ]
    }

    fn noise() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("\t".to_owned()),
            Just("\n".to_owned()),
            Just("\r".to_owned()),
            Just(" ".to_owned()),
            Just("%09".to_owned()),
            Just("%0A".to_owned()),
            Just("%00".to_owned()),
            Just("\u{0}".to_owned()),
            Just("./".to_owned()),
            Just("../".to_owned()),
        ]
    }

    fn host() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("evil.example".to_owned()),
            Just("evil.example:443".to_owned()),
            Just("user@evil.example".to_owned()),
            "[a-z]{1,10}\\.[a-z]{2,3}",
        ]
    }

    /// Values that name another host, one way or another.
    fn hostile() -> impl Strategy<Value = String> {
        prop_oneof![
            // Scheme-relative: two separators (raw, encoded, double-encoded, mixed) with noise.
            (
                prop_oneof![Just(String::new()), Just("/".to_owned())],
                noise(),
                separator(),
                noise(),
                separator(),
                host(),
                "[a-z/]{0,8}"
            )
                .prop_map(|(lead, n1, s1, n2, s2, h, p)| format!("{lead}{n1}{s1}{n2}{s2}{h}/{p}")),
            // Absolute URLs of other origins, any scheme.
            (
                prop_oneof![
                    Just("https"),
                    Just("http"),
                    Just("HTTPS"),
                    Just("javascript"),
                    Just("data"),
                    Just("ftp")
                ],
                prop_oneof![
                    Just(":"),
                    Just("://"),
                    Just(":/"),
                    Just(":\\\\"),
                    Just("://\t")
                ],
                host(),
                "[a-z/]{0,8}"
            )
                .prop_map(|(s, sep, h, p)| format!("{s}{sep}{h}/{p}")),
            // A control character anywhere in an otherwise fine path.
            ("/[a-z]{0,6}", 0u32..0x20, "[a-z/]{0,6}")
                .prop_map(|(a, c, b)| format!("{a}{}{b}", char::from_u32(c).unwrap())),
        ]
    }

    proptest! {
        #[test]
        fn hostile_values_go_to_the_root(value in hostile()) {
            prop_assert_eq!(safe_return_to(&base(), &value), "/");
        }

        #[test]
        fn any_value_gives_a_same_origin_path(value in any::<String>()) {
            let b = base();
            let out = safe_return_to(&b, &value);
            prop_assert!(out.starts_with('/'));
            prop_assert!(!out.starts_with("//"));
            prop_assert!(!out.contains('\\'));
            prop_assert!(!out.chars().any(char::is_control));
            prop_assert!(auth0_http::same_origin(&b.join(&out).unwrap(), &b));
        }

        #[test]
        fn any_printable_value_gives_a_same_origin_path(value in "[ -~]{0,40}") {
            let b = base();
            let out = safe_return_to(&b, &value);
            prop_assert!(out.starts_with('/') && !out.starts_with("//"));
            prop_assert!(auth0_http::same_origin(&b.join(&out).unwrap(), &b));
            // Decoded as often as anything might, it still stays home.
            let mut decoded = out.clone();
            loop {
                let next = percent_decode_str(&decoded).decode_utf8_lossy().into_owned();
                prop_assert!(!next.starts_with("//") && !next.contains('\\'));
                let resolved = b.join(&next).unwrap();
                prop_assert!(auth0_http::same_origin(&resolved, &b));
                prop_assert!(!resolved.path().starts_with("//"));
                if next == decoded {
                    break;
                }
                decoded = next;
            }
        }

        #[test]
        fn plain_paths_are_kept(path in "(/[a-zA-Z0-9_-]{1,8}){1,4}(\\?[a-z]{1,5}=[a-z0-9]{0,5})?") {
            prop_assert_eq!(safe_return_to(&base(), &path), path);
        }
    }
}
