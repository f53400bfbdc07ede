//! The JSON path of a decode error, found from the error's position in the body.
//!
//! A decode error names where the answer stopped matching its type (`identities[0].isSocial`).
//! The path is read from the text up to serde_json's error position, so it costs one small
//! function for every answer type rather than a second, path-tracking decoder of each type.

/// The path (`users[3].email`, `[1].id`, `.` for the whole body) of the member at the
/// position of `error` in `body`.
pub(crate) fn at_error(body: &[u8], error: &serde_json::Error) -> String {
    at(body, error.line(), error.column())
}

enum Frame {
    /// An object, with the key of the member being read (none between members).
    Object(Option<String>),
    /// An array, with the index of the element being read (none before the first).
    Array(Option<usize>),
}

/// The path at 1-based `line` and `column` (in bytes, as serde_json counts) of `body`.
fn at(body: &[u8], line: usize, column: usize) -> String {
    let end = offset(body, line, column);
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        let c = body[i];
        let starts_value =
            matches!(c, b'{' | b'[' | b'"' | b'-' | b't' | b'f' | b'n') || c.is_ascii_digit();
        if starts_value && let Some(Frame::Array(index @ None)) = stack.last_mut() {
            *index = Some(0);
        }
        match c {
            b'{' => stack.push(Frame::Object(None)),
            b'[' => stack.push(Frame::Array(None)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object(key)) => *key = None,
                Some(Frame::Array(index)) => *index = Some(index.map_or(1, |i| i + 1)),
                None => {}
            },
            b'"' => {
                let start = i + 1;
                i = start;
                while i < body.len() && body[i] != b'"' {
                    i += if body[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object(key @ None)) = stack.last_mut() {
                    *key = Some(String::from_utf8_lossy(&body[start..i.min(body.len())]).into());
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Array(Some(index)) => path.push_str(&format!("[{index}]")),
            _ => {}
        }
    }
    if path.is_empty() { ".".into() } else { path }
}

/// The byte offset of a 1-based line and column, clamped to the body.
fn offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line.max(1) {
        match body[start..].iter().position(|&b| b == b'\n') {
            Some(p) => start += p + 1,
            None => return body.len(),
        }
    }
    (start + column).min(body.len())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Identity {
        provider: String,
        #[serde(rename = "isSocial")]
        is_social: bool,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct User {
        user_id: String,
        #[serde(default)]
        identities: Vec<Identity>,
        #[serde(default)]
        email_verified: Option<bool>,
    }

    fn path_of<T: serde::de::DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        let e = serde_json::from_str::<T>(json).unwrap_err();
        at_error(json.as_bytes(), &e)
    }

    #[test]
    fn paths_name_the_member_that_did_not_match() {
        assert_eq!(
            path_of::<User>(
                r#"{"user_id": "a", "identities": [{"provider": "auth0", "isSocial": "yes"}]}"#
            ),
            "identities[0].isSocial"
        );
        assert_eq!(
            path_of::<Vec<User>>(
                r#"[{"user_id": "1"}, {"user_id": "2", "email_verified": "yes"}]"#
            ),
            "[1].email_verified"
        );
        assert_eq!(
            path_of::<Vec<User>>("[{\"user_id\": \"1\"},\n {\"user_id\": {\"a\": [1, 2]}}]"),
            "[1].user_id"
        );
        assert_eq!(
            path_of::<User>(
                r#"{"identities": [{"provider": "x", "isSocial": true}, {"provider": 4}]}"#
            ),
            "identities[1].provider"
        );
        assert_eq!(
            path_of::<User>(r#"{"user_id": "a\"b", "email_verified": 3}"#),
            "email_verified"
        );
    }

    #[test]
    fn a_missing_member_names_its_object_and_a_wrong_root_is_the_root() {
        assert_eq!(
            path_of::<Vec<User>>(r#"[{"user_id": "1"}, {"identities": []}]"#),
            "[1]"
        );
        assert_eq!(path_of::<User>("true"), ".");
        assert_eq!(path_of::<User>(r#"{"user_id": "au"#), "user_id");
        assert_eq!(path_of::<User>(""), ".");
    }
}
