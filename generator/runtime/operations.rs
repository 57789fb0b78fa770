// The functions of the `pub mod operations` every generated module carries, over its table.
// The generator puts before them the table's types (`Location`, `Parameter`, `Operation`: a
// `pub use` of `bi_rest::operations`, or their source inline in a standalone module) and after
// them `ALL`, `BY_ID` and `BY_ORIGINAL_ID`. A real Rust file: the generator embeds it with
// `include_str!`, and generator/tests/runtime.rs compiles, lints and tests it with a table.

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

/// For operations flagged `raw_body`: progenitor sends the bytes the caller built with
/// `Content-Type: application/octet-stream`; this sets the table's `body_media_type`, the
/// type the server expects (`multipart/form-data`, `application/xml`, `text/csv`...). A
/// `multipart/*` type gets the `boundary` parameter of the body's first line (`--BOUNDARY`)
/// when the body is in memory and the spec's type has none. A Content-Type other than
/// octet-stream (set by the caller or a typed XML function) and a media type that is not a
/// valid header value are left alone. Call it from `ClientHooks::pre` with
/// `info.operation_id`.
pub fn raw_body_content_type(operation_id: &str, request: &mut reqwest::Request) {
    let Some(op) = find(operation_id).filter(|op| op.raw_body) else {
        return;
    };
    let Some(media_type) = op.body_media_type else {
        return;
    };
    let octet_stream = request
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"application/octet-stream"));
    if !octet_stream {
        return;
    }
    let is_multipart = media_type
        .get(..10)
        .is_some_and(|p| p.eq_ignore_ascii_case("multipart/"));
    let boundary = if is_multipart && !media_type.to_ascii_lowercase().contains("boundary=") {
        request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .and_then(multipart_boundary)
    } else {
        None
    };
    let value = match boundary {
        Some(b) if b.bytes().all(|c| c.is_ascii_alphanumeric() || b"'+_-.".contains(&c)) => {
            format!("{media_type}; boundary={b}")
        }
        Some(b) => format!("{media_type}; boundary=\"{b}\""),
        None => media_type.to_string(),
    };
    if let Ok(value) = reqwest::header::HeaderValue::from_str(&value) {
        request
            .headers_mut()
            .insert(reqwest::header::CONTENT_TYPE, value);
    }
}

/// The boundary a multipart body opens with (its first line, `--BOUNDARY`): 1 to 70
/// characters of those RFC 2046 allows, not ending with a space.
fn multipart_boundary(body: &[u8]) -> Option<&str> {
    let rest = body.strip_prefix(b"--")?;
    let end = rest.iter().position(|&b| b == b'\r' || b == b'\n')?;
    let boundary = std::str::from_utf8(rest.get(..end)?).ok()?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
    let ok = (1..=70).contains(&boundary.len())
        && boundary.chars().all(allowed)
        && !boundary.ends_with(' ');
    ok.then_some(boundary)
}
