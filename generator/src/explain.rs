//! Reasons in our words: progenitor reports a problem with an operation as an error or a panic
//! message written for its own developers (`internal error: entered unreachable code`,
//! `assertion left == right failed`). [`explain`] turns such a message into a sentence a user of
//! the generator can act on; the raw message is kept apart as the report line's `detail`.

/// A skip reason for a user, from a raw progenitor (or parser) message.
pub fn explain(raw: &str) -> String {
    let lower = raw.to_ascii_lowercase();
    let why = if raw.starts_with("not valid OpenAPI 3.0") {
        return format!("not generated: the operation is {raw}");
    } else if lower.contains("unreachable code") {
        "it uses a schema form the type generator cannot express (an `allOf`/`oneOf` mix or an \
         inline type it has no Rust shape for)"
    } else if lower.contains("assertion") && lower.contains("left == right") {
        "its parameters and request body could not be laid out (two inputs map to one Rust name, \
         or a path parameter is not in the template)"
    } else if lower.contains("is missing") && lower.contains("$ref") {
        "it refers to a schema the spec does not define"
    } else if lower.contains("missing from path") || lower.contains("path name mapping") {
        "its path template and its path parameters do not match"
    } else if lower.contains("unsupported style") {
        "it has a parameter style the client cannot send"
    } else if lower.contains("invalid type") || lower.contains("expected") {
        "part of it is not valid OpenAPI 3.0"
    } else if lower.contains("duplicate") || lower.contains("more than once") {
        "two of its inputs or outputs map to one Rust name"
    } else if lower.contains("not yet implemented") || lower.contains("not implemented") {
        "it uses an OpenAPI feature the code generator does not implement"
    } else {
        "the code generator could not express it"
    };
    format!("not generated: {why}")
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn raw_panics_become_sentences() {
        assert_eq!(
            explain("progenitor panicked: internal error: entered unreachable code"),
            "not generated: it uses a schema form the type generator cannot express (an `allOf`/`oneOf` mix or an inline type it has no Rust shape for)"
        );
        let a = explain(
            "progenitor panicked: assertion `left == right` failed\n  left: \"dag_id\"\n right: \"body\"",
        );
        assert!(a.starts_with("not generated: its parameters and request body"));
        assert!(!a.contains("panicked"));
        assert_eq!(
            explain("not valid OpenAPI 3.0 at `paths./x.get`: invalid type"),
            "not generated: the operation is not valid OpenAPI 3.0 at `paths./x.get`: invalid type"
        );
    }
}
