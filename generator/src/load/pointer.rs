//! JSON pointer (RFC 6901) helpers used for notes and errors.

/// Escape one reference token (`~` -> `~0`, `/` -> `~1`).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Append one (unescaped) token to a pointer.
pub fn join(base: &str, token: &str) -> String {
    let mut s = String::with_capacity(base.len() + token.len() + 1);
    s.push_str(base);
    s.push('/');
    s.push_str(&escape(token));
    s
}

/// The JSON pointer a `$ref` fragment stands for: a fragment is a URI fragment, so `%XX`
/// escapes are decoded first (RFC 6901 section 6: `#/paths/~1a~1%7Bid%7D` is `/paths/~1a~1{id}`).
/// A fragment without `%`, or whose escapes do not decode to UTF-8, is returned as written.
pub fn decode_fragment(fragment: &str) -> std::borrow::Cow<'_, str> {
    if !fragment.contains('%') {
        return fragment.into();
    }
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .unwrap_or(fragment.into())
}

/// The value `fragment` (a `$ref` fragment, without `#`) points at in `doc`: as written first,
/// then percent-decoded.
pub fn lookup<'a>(doc: &'a serde_json::Value, fragment: &str) -> Option<&'a serde_json::Value> {
    doc.pointer(fragment)
        .or_else(|| doc.pointer(&decode_fragment(fragment)))
}

/// Append an array index to a pointer.
pub fn join_index(base: &str, index: usize) -> String {
    format!("{base}/{index}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_tilde_and_slash() {
        assert_eq!(join("/paths", "/a/{b}~c"), "/paths/~1a~1{b}~0c");
        assert_eq!(join_index("/x", 3), "/x/3");
        assert_eq!(join("", "info"), "/info");
    }

    #[test]
    fn fragments_are_percent_decoded() {
        assert_eq!(decode_fragment("/paths/~1a~1%7Bid%7D"), "/paths/~1a~1{id}");
        assert_eq!(decode_fragment("/a%20b/%C3%A9"), "/a b/\u{e9}");
        assert_eq!(decode_fragment("/100%/x%zz"), "/100%/x%zz");
        assert_eq!(decode_fragment("/plain"), "/plain");
        let doc = serde_json::json!({"paths": {"/a/{id}": 1, "/b/%7Bx%7D": 2}});
        assert_eq!(
            lookup(&doc, "/paths/~1a~1%7Bid%7D"),
            Some(&serde_json::json!(1))
        );
        assert_eq!(
            lookup(&doc, "/paths/~1b~1%7Bx%7D"),
            Some(&serde_json::json!(2))
        );
    }
}
