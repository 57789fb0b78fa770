// The fixed part of the `pub mod operations` every generated module carries (the generator
// appends `ALL`, `BY_ID` and `BY_ORIGINAL_ID`). A real Rust file: the generator embeds it with
// `include_str!`, and generator/tests/runtime.rs compiles, lints and tests it with a table.

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// In the path template (`{name}`).
    Path,
    /// In the query string.
    Query,
    /// As a request header.
    Header,
}

/// One parameter of an operation.
#[derive(Clone, Copy, Debug)]
pub struct Parameter {
    /// Name as the server spells it.
    pub name: &'static str,
    /// Where it travels.
    pub location: Location,
    /// Whether the spec requires it.
    pub required: bool,
    /// JSON type hint: `string`, `integer:int64`, `array<string>`, a schema name...
    pub type_hint: &'static str,
}

/// One generated operation.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    /// Rust-safe id: the generated method name and `OperationInfo::operation_id`.
    pub id: &'static str,
    /// Id as written in the spec ("" when it had none).
    pub original_id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template, e.g. `/dashboards/{dashboard_id}`.
    pub path: &'static str,
    /// Parameters (path-item level ones included).
    pub parameters: &'static [Parameter],
    /// Media type the server expects for the body, if any.
    pub body_media_type: Option<&'static str>,
    /// The body is sent as raw bytes the caller builds (set `Content-Type` to
    /// `body_media_type`).
    pub raw_body: bool,
    /// Tags.
    pub tags: &'static [&'static str],
    /// A 2xx may have an empty body: map it to JSON `null` before decoding.
    pub empty_success_is_null: bool,
    /// A 4xx/5xx may have an empty body: map it to JSON `null` before decoding.
    pub empty_error_is_null: bool,
    /// The success answer is returned as raw bytes (ByteStream).
    pub raw_success: bool,
}

/// The operation with this (final or original) id: the first in table order with that final
/// id, else the first with that original id. A binary search over sorted indices (no
/// allocation): it runs on every call, through `null_for_empty_body`.
pub fn find(id: &str) -> Option<&'static Operation> {
    lookup(BY_ID, id).or_else(|| lookup(BY_ORIGINAL_ID, id))
}

/// Lower-bound binary search of `id` in `index` ((id, index into [`ALL`]) sorted by id, ties
/// in table order).
fn lookup(index: &'static [(&'static str, u32)], id: &str) -> Option<&'static Operation> {
    let at = index.partition_point(|&(key, _)| key < id);
    match index.get(at) {
        Some(&(key, i)) if key == id => ALL.get(i as usize),
        _ => None,
    }
}

/// For operations flagged `empty_success_is_null` / `empty_error_is_null`: turns an empty
/// body of the flagged status class into the JSON text `null`, so the generated code decodes
/// it as `None` instead of failing. Other responses are returned untouched (not read).
/// Call it from `ClientHooks::exec` on the response of `info.operation_id`.
pub async fn null_for_empty_body(
    operation_id: &str,
    response: reqwest::Response,
) -> reqwest::Result<reqwest::Response> {
    let Some(op) = find(operation_id) else {
        return Ok(response);
    };
    let status = response.status();
    let applies = (status.is_success() && op.empty_success_is_null)
        || ((status.is_client_error() || status.is_server_error()) && op.empty_error_is_null);
    if !applies || response.content_length().is_some_and(|n| n > 0) {
        return Ok(response);
    }
    let version = response.version();
    let headers = response.headers().clone();
    let bytes = response.bytes().await?;
    let body = if bytes.is_empty() {
        bytes::Bytes::from_static(b"null")
    } else {
        bytes
    };
    let mut rebuilt = http::Response::new(reqwest::Body::from(body));
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    rebuilt.headers_mut().remove(reqwest::header::CONTENT_LENGTH);
    Ok(reqwest::Response::from(rebuilt))
}
