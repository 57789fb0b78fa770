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
}
