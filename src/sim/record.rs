//! Recording: every request a simulator served and its response, as one JSON line each, with
//! secrets redacted, so a run of an automation becomes a regression test.
//!
//! A line is `{"vendor", "time", "method", "path", "query", "request": {"headers", "body"},
//! "response": {"status", "headers", "body"}}`; an injected dropped connection is recorded
//! with `"response": null, "dropped": true`. Bodies are JSON when they parse as JSON, else text
//! (UTF-8), else `{"base64_bytes": N}` (binary is not copied). Redacted, wherever they appear
//! ([`REDACTED`] instead of the value): the headers `Authorization`, `Cookie`, `Set-Cookie`,
//! `X-MSTR-AuthToken`, `Proxy-Authorization`; query, form and JSON fields whose name contains
//! `password`, `secret`, `token`, `assertion` or `session` (case-insensitive, so
//! `client_secret`, `access_token`, `identityToken`, `sessionId`, `cookieString`... too);
//! and XML elements of those names.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use axum::http::HeaderMap;
use serde_json::{json, Map, Value};

use super::faults::lock;

/// What stands in for a secret in a recording.
pub const REDACTED: &str = "[redacted]";

/// Headers whose value is always a secret.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-mstr-authtoken",
    "x-mstr-identitytoken",
];

/// Parts of field names that mark a secret.
const SECRET_NAMES: &[&str] = &[
    "password",
    "secret",
    "token",
    "assertion",
    "session",
    "cookie",
    "apikey",
    "api_key",
];

/// Whether a field called `name` holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_NAMES.iter().any(|s| lower.contains(s))
}

/// Writes recorded exchanges to a file, one JSON line each (shared by the simulators of a
/// [`super::all::SimSet`]).
pub struct Recorder {
    out: Mutex<Box<dyn Write + Send>>,
    lines: super::Counter,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("lines", &self.lines.get())
            .finish_non_exhaustive()
    }
}

/// One exchange to record.
#[derive(Debug, Clone, Default)]
pub struct Exchange<'a> {
    /// The simulator (`mstr`, `looker`, `agileapps`).
    pub vendor: &'a str,
    /// Request method.
    pub method: &'a str,
    /// Request path.
    pub path: &'a str,
    /// Raw query string.
    pub query: Option<&'a str>,
    /// Request headers.
    pub request_headers: Option<&'a HeaderMap>,
    /// Request body.
    pub request_body: &'a [u8],
    /// Response status; `None` for a dropped connection.
    pub status: Option<u16>,
    /// Response headers.
    pub response_headers: Option<&'a HeaderMap>,
    /// Response body.
    pub response_body: &'a [u8],
}

impl Recorder {
    /// A recorder appending to `path` (created if missing).
    pub fn to_file(path: &Path) -> std::io::Result<Recorder> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Recorder::to_writer(Box::new(file)))
    }

    /// A recorder writing to any writer.
    pub fn to_writer(out: Box<dyn Write + Send>) -> Recorder {
        Recorder {
            out: Mutex::new(out),
            lines: super::Counter::default(),
        }
    }

    /// How many exchanges were written.
    pub fn lines(&self) -> u64 {
        self.lines.get()
    }

    /// Writes one exchange (write errors are ignored: recording never breaks serving).
    pub fn record(&self, x: &Exchange<'_>) {
        let content_type = |h: Option<&HeaderMap>| {
            h.and_then(|h| h.get("content-type"))
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let response = x.status.map(|status| {
            json!({
                "status": status,
                "headers": x.response_headers.map(headers_json).unwrap_or_default(),
                "body": body_json(x.response_body, &content_type(x.response_headers)),
            })
        });
        let mut line = json!({
            "vendor": x.vendor,
            "time": super::rfc3339(std::time::SystemTime::now()),
            "method": x.method,
            "path": x.path,
            "query": x.query.map(redact_query),
            "request": {
                "headers": x.request_headers.map(headers_json).unwrap_or_default(),
                "body": body_json(x.request_body, &content_type(x.request_headers)),
            },
            "response": response,
        });
        if x.status.is_none() {
            line["dropped"] = Value::Bool(true);
        }
        let mut text = line.to_string();
        text.push('\n');
        let mut out = lock(&self.out);
        if out
            .write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .is_ok()
        {
            self.lines.incr();
        }
    }
}

fn headers_json(h: &HeaderMap) -> Value {
    let mut m = Map::new();
    for (name, value) in h {
        let key = name.as_str().to_string();
        let v = if SECRET_HEADERS.contains(&key.as_str()) {
            REDACTED.to_string()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        match m.get_mut(&key) {
            Some(Value::String(prev)) => {
                prev.push_str(", ");
                prev.push_str(&v);
            }
            _ => {
                m.insert(key, Value::String(v));
            }
        }
    }
    Value::Object(m)
}

/// A query string (or form body) with secret fields redacted.
pub fn redact_query(q: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
        if is_secret_name(&k) {
            out.append_pair(&k, REDACTED);
        } else {
            out.append_pair(&k, &v);
        }
    }
    out.finish()
}

/// A JSON value with every field whose name marks a secret redacted, recursively.
pub fn redact_json(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if is_secret_name(k) && !x.is_null() {
                    *x = Value::String(REDACTED.into());
                } else {
                    redact_json(x);
                }
            }
        }
        Value::Array(xs) => xs.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// XML text with the content of every element whose name marks a secret redacted.
pub fn redact_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>').map(|c| open + c) else {
            break;
        };
        let tag = &rest[open + 1..close];
        out.push_str(&rest[..=close]);
        rest = &rest[close + 1..];
        let name = tag.split_whitespace().next().unwrap_or("");
        if tag.starts_with(['/', '?', '!']) || tag.ends_with('/') || !is_secret_name(name) {
            continue;
        }
        if let Some(end) = rest.find(&format!("</{name}>")) {
            out.push_str(REDACTED);
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

fn body_json(body: &[u8], content_type: &str) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    if let Ok(mut v) = serde_json::from_slice::<Value>(body) {
        redact_json(&mut v);
        return v;
    }
    match std::str::from_utf8(body) {
        Ok(text) if content_type.contains("x-www-form-urlencoded") => {
            Value::String(redact_query(text))
        }
        Ok(text) if text.trim_start().starts_with('<') => Value::String(redact_xml(text)),
        Ok(text) => Value::String(text.to_string()),
        Err(_) => json!({ "base64_bytes": body.len() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_fields_headers_and_xml() {
        assert_eq!(
            redact_query("client_id=a&client_secret=b"),
            "client_id=a&client_secret=%5Bredacted%5D"
        );
        let mut v = json!({"username": "u", "password": "p", "nested": [{"access_token": "t"}]});
        redact_json(&mut v);
        assert_eq!(
            v,
            json!({"username": "u", "password": REDACTED, "nested": [{"access_token": REDACTED}]})
        );
        assert_eq!(
            redact_xml("<login><userName>u</userName><password>p</password><sessionId>s</sessionId></login>"),
            "<login><userName>u</userName><password>[redacted]</password><sessionId>[redacted]</sessionId></login>"
        );
        let mut h = HeaderMap::new();
        h.insert("x-mstr-authtoken", "tok".parse().expect("value"));
        h.insert("accept", "*/*".parse().expect("value"));
        assert_eq!(
            headers_json(&h),
            json!({"x-mstr-authtoken": REDACTED, "accept": "*/*"})
        );
    }
}
