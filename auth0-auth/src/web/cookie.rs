//! Reading the request's `Cookie` headers and writing `Set-Cookie` values, with chunking:
//! a value too long for one cookie is split over `NAME.0`, `NAME.1`, … each of whose
//! `Set-Cookie` lines (name, value and attributes) stays under 4,096 bytes.

use std::fmt::Write as _;

use http::HeaderMap;
use http::header::{COOKIE, HeaderValue};

/// The longest `Set-Cookie` line (name, `=`, value and attributes) written: browsers keep
/// cookies of up to 4,096 bytes.
pub(crate) const MAX_COOKIE_LEN: usize = 4095;

/// The most chunks read or written for one cookie.
pub(crate) const MAX_CHUNKS: usize = 16;

/// The `SameSite` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SameSite {
    Lax,
    /// For `form_post` logins: the callback is a cross-site POST, which `Lax` cookies are not
    /// sent with. Always with `Secure`.
    None,
}

/// The attributes of one kind of cookie.
#[derive(Clone, Debug)]
pub(crate) struct Attributes {
    pub(crate) path: String,
    pub(crate) domain: Option<String>,
    pub(crate) secure: bool,
    pub(crate) same_site: SameSite,
}

impl Attributes {
    /// `; Path=…; [Domain=…; ]Max-Age=…; HttpOnly; SameSite=…[; Secure]`.
    fn write(&self, out: &mut String, max_age: u64) {
        out.push_str("; Path=");
        out.push_str(&self.path);
        if let Some(domain) = &self.domain {
            out.push_str("; Domain=");
            out.push_str(domain);
        }
        let _ = write!(out, "; Max-Age={max_age}");
        if max_age == 0 {
            out.push_str("; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        }
        out.push_str("; HttpOnly");
        match self.same_site {
            SameSite::Lax => out.push_str("; SameSite=Lax"),
            SameSite::None => out.push_str("; SameSite=None"),
        }
        if self.secure || self.same_site == SameSite::None {
            out.push_str("; Secure");
        }
    }

    fn len(&self, max_age: u64) -> usize {
        let mut s = String::new();
        self.write(&mut s, max_age);
        s.len()
    }
}

/// Whether `name` can be a cookie name (an RFC 7230 token).
pub(crate) fn is_cookie_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The `(name, value)` pairs of the request's `Cookie` headers, in order.
pub(crate) fn request_cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(COOKIE)
        .iter()
        // UTF-8 rather than `to_str`'s visible ASCII: the check is a fraction of the cost on
        // a session cookie of kilobytes, and what is read from the values is checked again
        // (base64url) anyway.
        .filter_map(|v| std::str::from_utf8(v.as_bytes()).ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            Some((name.trim(), value))
        })
}

/// Which cookies of a chunked name the request carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Present {
    /// `NAME` itself.
    pub(crate) whole: bool,
    /// Bit `i` set: `NAME.i` is there.
    pub(crate) chunks: u16,
}

impl Present {
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn any(self) -> bool {
        self.whole || self.chunks != 0
    }
}

/// The value of the cookie `name`, reassembled from its chunks when it has no whole cookie,
/// and which of its cookies are present. Chunks are read from `.0` while contiguous.
pub(crate) fn read_chunked<'h>(
    headers: &'h HeaderMap,
    name: &str,
) -> (Option<std::borrow::Cow<'h, str>>, Present) {
    let mut present = Present::default();
    let mut whole = None;
    let mut chunks: [Option<&str>; MAX_CHUNKS] = [None; MAX_CHUNKS];
    for (n, v) in request_cookies(headers) {
        let Some(rest) = n.strip_prefix(name) else {
            continue;
        };
        if rest.is_empty() {
            present.whole = true;
            whole.get_or_insert(v);
        } else if let Some(index) = rest.strip_prefix('.')
            && let Ok(i) = index.parse::<usize>()
            && i < MAX_CHUNKS
            && (index.len() == 1 || !index.starts_with('0'))
        {
            present.chunks |= 1 << i;
            chunks[i].get_or_insert(v);
        }
    }
    if let Some(v) = whole {
        return (Some(std::borrow::Cow::Borrowed(v)), present);
    }
    let count = chunks.iter().take_while(|c| c.is_some()).count();
    if count == 0 {
        return (None, present);
    }
    let mut value = String::with_capacity(chunks[..count].iter().flatten().map(|c| c.len()).sum());
    for c in chunks[..count].iter().flatten() {
        value.push_str(c);
    }
    (Some(std::borrow::Cow::Owned(value)), present)
}

/// A `Set-Cookie` value, marked sensitive.
pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    attributes: &Attributes,
    max_age: u64,
) -> HeaderValue {
    let mut line = String::with_capacity(name.len() + 1 + value.len() + 96);
    line.push_str(name);
    line.push('=');
    line.push_str(value);
    attributes.write(&mut line, max_age);
    header(line)
}

/// A `Set-Cookie` value that removes the cookie `name`.
pub(crate) fn clear_cookie(name: &str, attributes: &Attributes) -> HeaderValue {
    set_cookie(name, "", attributes, 0)
}

fn header(line: String) -> HeaderValue {
    // Names are checked tokens, values base64url, attributes ours: always a header value.
    let mut v = HeaderValue::try_from(line).unwrap_or_else(|_| HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

/// Why a value could not be written as cookies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TooLarge {
    pub(crate) bytes: usize,
}

/// The `Set-Cookie` values that write `value` as the cookie `name` (one cookie when it fits,
/// else chunks `name.0`, `name.1`, …), and remove the cookies of `name` the request carried
/// that the new value does not overwrite.
pub(crate) fn write_chunked(
    name: &str,
    value: &str,
    attributes: &Attributes,
    max_age: u64,
    present: Present,
    out: &mut Vec<HeaderValue>,
) -> Result<(), TooLarge> {
    let attrs = attributes.len(max_age);
    if name.len() + 1 + value.len() + attrs <= MAX_COOKIE_LEN {
        out.push(set_cookie(name, value, attributes, max_age));
        for i in 0..MAX_CHUNKS {
            if present.chunks & (1 << i) != 0 {
                out.push(clear_cookie(&format!("{name}.{i}"), attributes));
            }
        }
        return Ok(());
    }
    // The chunk names have one or two digits.
    let per_chunk = MAX_COOKIE_LEN.saturating_sub(name.len() + 3 + 1 + attrs);
    let count = value.len().div_ceil(per_chunk.max(1));
    if per_chunk == 0 || count > MAX_CHUNKS {
        return Err(TooLarge { bytes: value.len() });
    }
    // The value is ASCII (base64url and dots): any byte index is a char boundary.
    for (i, start) in (0..value.len()).step_by(per_chunk).enumerate() {
        let end = (start + per_chunk).min(value.len());
        out.push(set_cookie(
            &format!("{name}.{i}"),
            &value[start..end],
            attributes,
            max_age,
        ));
    }
    if present.whole {
        out.push(clear_cookie(name, attributes));
    }
    for i in count..MAX_CHUNKS {
        if present.chunks & (1 << i) != 0 {
            out.push(clear_cookie(&format!("{name}.{i}"), attributes));
        }
    }
    Ok(())
}

/// The `Set-Cookie` values that remove every cookie of `name` the request carried.
pub(crate) fn clear_chunked(
    name: &str,
    attributes: &Attributes,
    present: Present,
    out: &mut Vec<HeaderValue>,
) {
    if present.whole {
        out.push(clear_cookie(name, attributes));
    }
    for i in 0..MAX_CHUNKS {
        if present.chunks & (1 << i) != 0 {
            out.push(clear_cookie(&format!("{name}.{i}"), attributes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs() -> Attributes {
        Attributes {
            path: "/".into(),
            domain: None,
            secure: true,
            same_site: SameSite::Lax,
        }
    }

    fn headers(cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    /// The request `Cookie` header a browser would send back for these `Set-Cookie` lines.
    fn cookie_header(set: &[HeaderValue]) -> String {
        set.iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .filter(|pair| !pair.ends_with('='))
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    fn attributes_are_written_in_full() {
        let v = set_cookie("appSession", "abc", &attrs(), 60);
        assert_eq!(
            v.to_str().unwrap(),
            "appSession=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure"
        );
        assert!(v.is_sensitive());
        let mut local = attrs();
        local.secure = false;
        local.domain = Some("example.com".into());
        assert_eq!(
            clear_cookie("appSession", &local).to_str().unwrap(),
            "appSession=; Path=/; Domain=example.com; Max-Age=0; \
             Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"
        );
        let mut cross = local.clone();
        cross.same_site = SameSite::None;
        assert!(
            set_cookie("t", "v", &cross, 1)
                .to_str()
                .unwrap()
                .ends_with("; SameSite=None; Secure")
        );
    }

    #[test]
    fn request_cookies_are_split_and_trimmed() {
        let h = headers("a=1; b = 2 ;c=\"3\";junk; d=x=y");
        let got: Vec<_> = request_cookies(&h).collect();
        assert_eq!(got, [("a", "1"), ("b", "2"), ("c", "3"), ("d", "x=y")]);
    }

    #[test]
    fn a_short_value_is_one_cookie_and_old_chunks_are_removed() {
        let mut out = Vec::new();
        let present = Present {
            whole: false,
            chunks: 0b101,
        };
        write_chunked("s", "value", &attrs(), 10, present, &mut out).unwrap();
        let lines: Vec<&str> = out.iter().map(|v| v.to_str().unwrap()).collect();
        assert!(lines[0].starts_with("s=value;"));
        assert!(lines[1].starts_with("s.0=; ") && lines[1].contains("Max-Age=0"));
        assert!(lines[2].starts_with("s.2=; "));
        assert_eq!(lines.len(), 3);
    }

    #[test]
    fn chunks_are_each_under_the_limit_and_reassemble() {
        for len in [4000, 4050, 4095, 8000, 12_345, 40_000] {
            let value: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            let mut out = Vec::new();
            write_chunked(
                "appSession",
                &value,
                &attrs(),
                86_400,
                Present::default(),
                &mut out,
            )
            .unwrap();
            for line in &out {
                assert!(line.len() <= MAX_COOKIE_LEN, "{} bytes", line.len());
            }
            let sent = headers(&cookie_header(&out));
            let (read, present) = read_chunked(&sent, "appSession");
            assert_eq!(read.as_deref(), Some(value.as_str()), "length {len}");
            assert_eq!(present.whole, out.len() == 1);
        }
    }

    #[test]
    fn a_value_just_at_the_limit_stays_whole_and_one_more_byte_chunks() {
        let a = attrs();
        let room = MAX_COOKIE_LEN - "appSession=".len() - a.len(86_400);
        let mut out = Vec::new();
        write_chunked(
            "appSession",
            &"x".repeat(room),
            &a,
            86_400,
            Present::default(),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].len(), MAX_COOKIE_LEN);
        out.clear();
        write_chunked(
            "appSession",
            &"x".repeat(room + 1),
            &a,
            86_400,
            Present::default(),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.len(), 2);
        assert!(out[0].to_str().unwrap().starts_with("appSession.0="));
        assert!(out.iter().all(|l| l.len() <= MAX_COOKIE_LEN));
    }

    proptest::proptest! {
        #[test]
        fn any_value_is_written_under_the_limit_and_read_back(
            len in 0usize..60_000,
            max_age in proptest::prelude::any::<u32>(),
            name in "[A-Za-z][A-Za-z0-9_]{0,20}",
            path in "/[a-z/]{0,30}",
            domain in proptest::option::of("[a-z]{1,20}\\.example"),
        ) {
            let attributes = Attributes { path, domain, secure: true, same_site: SameSite::Lax };
            let value: String = (0..len).map(|i| (b'A' + (i % 26) as u8) as char).collect();
            let mut out = Vec::new();
            match write_chunked(&name, &value, &attributes, u64::from(max_age), Present::default(), &mut out) {
                Ok(()) => {
                    for line in &out {
                        proptest::prop_assert!(line.len() <= MAX_COOKIE_LEN);
                    }
                    let sent = headers(&cookie_header(&out));
                    let (read, _) = read_chunked(&sent, &name);
                    proptest::prop_assert_eq!(read.as_deref().unwrap_or(""), value.as_str());
                }
                Err(e) => {
                    proptest::prop_assert!(e.bytes > (MAX_CHUNKS - 1) * 3900);
                    proptest::prop_assert!(out.is_empty());
                }
            }
        }
    }

    #[test]
    fn going_from_chunks_to_fewer_removes_the_rest() {
        let mut out = Vec::new();
        let present = Present {
            whole: true,
            chunks: 0b1111,
        };
        write_chunked("s", &"v".repeat(5000), &attrs(), 5, present, &mut out).unwrap();
        let names: Vec<&str> = out
            .iter()
            .map(|v| v.to_str().unwrap().split('=').next().unwrap())
            .collect();
        assert_eq!(names, ["s.0", "s.1", "s", "s.2", "s.3"]);
    }

    #[test]
    fn too_many_chunks_are_refused() {
        let mut out = Vec::new();
        let err = write_chunked(
            "s",
            &"v".repeat(70_000),
            &attrs(),
            5,
            Present::default(),
            &mut out,
        )
        .unwrap_err();
        assert_eq!(err.bytes, 70_000);
        assert!(out.is_empty());
    }

    #[test]
    fn reading_prefers_the_whole_cookie_and_stops_at_a_gap() {
        let h = headers("s.0=a; s=whole; s.1=b");
        let (v, p) = read_chunked(&h, "s");
        assert_eq!(v.as_deref(), Some("whole"));
        assert_eq!(
            p,
            Present {
                whole: true,
                chunks: 0b11
            }
        );
        let h = headers("s.1=b; s.0=a; s.3=d");
        let (v, _) = read_chunked(&h, "s");
        assert_eq!(v.as_deref(), Some("ab"));
        let h = headers("s.1=b; sx=1; s.01=z; s.99=q");
        let (v, p) = read_chunked(&h, "s");
        assert_eq!(v, None);
        assert_eq!(
            p,
            Present {
                whole: false,
                chunks: 0b10
            }
        );
        assert!(!read_chunked(&HeaderMap::new(), "s").1.any());
    }

    #[test]
    fn cookie_names_are_tokens() {
        assert!(is_cookie_name("appSession"));
        assert!(is_cookie_name("auth0_txn"));
        for bad in ["", "a b", "a;b", "a=b", "é", "a,b"] {
            assert!(!is_cookie_name(bad), "{bad:?}");
        }
    }
}
