//! `call OPERATION_ID` and `api METHOD PATH`: requests built at run time, sent through the
//! vendor's authenticated session.

use bi_rest::auth::Auth;
use bi_rest::error::{Error, ErrorKind};
use bi_rest::operations::{Location, Operation};
use reqwest::header::CONTENT_TYPE;
use reqwest::Method;

use super::body::usage;

/// One generated module's operations table, as `call` uses it: the module's own lookup (by
/// final or original id) and its rows. Every module's rows are [`Operation`]s (the shared
/// `bi_rest::operations` types), so no conversion is needed.
#[derive(Clone, Copy, Debug)]
pub struct OpTable {
    /// The module's `operations::find`.
    pub find: fn(&str) -> Option<&'static Operation>,
    /// The module's `operations::ALL`, in spec order.
    pub all: &'static [Operation],
}

impl OpTable {
    /// The operation with this (final or original) id.
    pub fn find(&self, id: &str) -> Option<&'static Operation> {
        (self.find)(id)
    }

    /// Every operation id, in spec order.
    pub fn ids(&self) -> Vec<&'static str> {
        self.all.iter().map(|o| o.id).collect()
    }
}

/// Headers the session adds by itself: a user-supplied value for them is ignored, so a
/// `--param X-MSTR-AuthToken=...` cannot leak into or override the session.
const SESSION_HEADERS: &[&str] = &["x-mstr-authtoken", "authorization", "cookie"];

/// Builds the request for `op` from `NAME=VALUE` params and an optional JSON body.
pub fn build_call(
    auth: &Auth,
    op: &Operation,
    params: &[(String, String)],
    body: Option<serde_json::Value>,
) -> Result<reqwest::RequestBuilder, Error> {
    for (name, _) in params {
        if op.parameter(name).is_none() {
            let known: Vec<&str> = op.parameters.iter().map(|p| p.name).collect();
            return Err(usage(format!(
                "{}: no parameter {name:?} (parameters: {})",
                op.id,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    let mut path = op.path.to_string();
    let mut query: Vec<(&str, &str)> = Vec::new();
    let mut headers: Vec<(&str, &str)> = Vec::new();
    for p in op.parameters {
        let values: Vec<&str> = params
            .iter()
            .filter(|(n, _)| n == p.name)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            if p.required
                && !(p.location == Location::Header
                    && SESSION_HEADERS.contains(&p.name.to_ascii_lowercase().as_str()))
                && !(p.location == Location::Header && is_session_scoped(p.name))
            {
                return Err(usage(format!(
                    "{}: missing required {} parameter {:?} (--param {}=VALUE)",
                    op.id,
                    location_name(p.location),
                    p.name,
                    p.name
                )));
            }
            continue;
        }
        match p.location {
            Location::Path => {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(values[0].as_bytes()).collect();
                // form encoding writes spaces as '+': a path wants %20.
                path = path.replace(&format!("{{{}}}", p.name), &encoded.replace('+', "%20"));
            }
            Location::Query => query.extend(values.iter().map(|v| (p.name, *v))),
            Location::Header => {
                if !SESSION_HEADERS.contains(&p.name.to_ascii_lowercase().as_str()) {
                    headers.extend(values.iter().map(|v| (p.name, *v)));
                }
            }
        }
    }
    let method = Method::from_bytes(op.method.as_bytes()).map_err(|_| {
        Error::new(
            ErrorKind::Other,
            format!("{}: bad method {}", op.id, op.method),
        )
    })?;
    let mut request = auth.request(method, &path).query(&query);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    if let Some(body) = body {
        request = attach_body(request, op.body_media_type, body)?;
    }
    Ok(request)
}

/// Headers a vendor session sets for the caller (the selected project): not required on the
/// command line.
fn is_session_scoped(name: &str) -> bool {
    name.eq_ignore_ascii_case("X-MSTR-ProjectID")
}

fn location_name(l: Location) -> &'static str {
    match l {
        Location::Path => "path",
        Location::Query => "query",
        Location::Header => "header",
    }
}

/// Sends a JSON body as the operation's media type: JSON as is, form-urlencoded from a flat
/// object, text and XML from a JSON string.
fn attach_body(
    request: reqwest::RequestBuilder,
    media_type: Option<&str>,
    body: serde_json::Value,
) -> Result<reqwest::RequestBuilder, Error> {
    let media = media_type.unwrap_or("application/json");
    if media.contains("json") {
        return Ok(request.json(&body));
    }
    if media == "application/x-www-form-urlencoded" {
        let object = body
            .as_object()
            .ok_or_else(|| usage("a form body must be a JSON object of fields"))?;
        let fields: Vec<(String, String)> = object
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect();
        return Ok(request.form(&fields));
    }
    match body {
        serde_json::Value::String(text) => Ok(request.header(CONTENT_TYPE, media).body(text)),
        other => Err(usage(format!(
            "this operation takes a {media} body: pass it as a JSON string (got {})",
            match other {
                serde_json::Value::Object(_) => "an object",
                serde_json::Value::Array(_) => "an array",
                _ => "a scalar",
            }
        ))),
    }
}

/// Reads a response into the JSON the CLI prints: JSON bodies as they are, text as a string,
/// anything else as `{content_type, bytes, base64}`. Errors map through the vendor's mapper.
pub async fn response_json(
    auth: &Auth,
    response: reqwest::Response,
) -> Result<serde_json::Value, Error> {
    if !response.status().is_success() {
        return Err(auth.error_from_response(response).await);
    }
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.bytes().await.map_err(Error::from_reqwest)?;
    if body.is_empty() {
        return Ok(serde_json::json!({ "status": status }));
    }
    if content_type.contains("json") {
        return serde_json::from_slice(&body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("response is not valid JSON: {e}"),
            )
        });
    }
    if content_type.starts_with("text/") || content_type.contains("xml") {
        return Ok(serde_json::Value::String(
            String::from_utf8_lossy(&body).into_owned(),
        ));
    }
    use base64::Engine as _;
    Ok(serde_json::json!({
        "status": status,
        "content_type": content_type,
        "bytes": body.len(),
        "base64": base64::engine::general_purpose::STANDARD.encode(&body),
    }))
}
