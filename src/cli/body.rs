//! `--body JSON|@FILE|@-` and `--param NAME=VALUE` arguments.

use std::io::Read;

use bi_rest::error::{Error, ErrorKind};

/// A request body given on the command line: inline JSON, `@FILE`, or `@-` for stdin.
pub fn read_body(arg: &str) -> Result<serde_json::Value, Error> {
    let (text, origin) = if let Some(path) = arg.strip_prefix('@') {
        if path == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| usage(format!("--body @-: cannot read stdin: {e}")))?;
            (text, "stdin".to_string())
        } else {
            let text = std::fs::read_to_string(path)
                .map_err(|e| usage(format!("--body @{path}: {e}")))?;
            (text, path.to_string())
        }
    } else {
        (arg.to_string(), "--body".to_string())
    };
    serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "{origin}: not valid JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })
}

/// Splits `NAME=VALUE` (the value may contain `=`).
pub fn parse_param(arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!("expected NAME=VALUE, got {arg:?}")),
    }
}

/// An invalid-request error for bad command-line input (exit code 7 is for the server's
/// refusals; these are the user's: the CLI reports them as usage errors).
pub fn usage(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Config, message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_keep_equals_in_values() {
        assert_eq!(
            parse_param("filter=a=b").unwrap(),
            ("filter".to_string(), "a=b".to_string())
        );
        assert!(parse_param("=x").is_err());
        assert!(parse_param("novalue").is_err());
    }

    #[test]
    fn inline_json_body_parses_and_bad_json_names_position() {
        assert_eq!(read_body(r#"{"a":1}"#).unwrap()["a"], 1);
        let err = read_body("{oops").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
