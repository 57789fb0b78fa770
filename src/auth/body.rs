//! Reading a response body into memory, bounded: no server can make bi-rest buffer more than
//! a limit, however long the body it sends.

use bytes::{Bytes, BytesMut};
use reqwest::Response;

use crate::error::{Error, ErrorKind};

/// The most a body read with [`read_body`] may hold (64 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The most a login answer may hold (1 MiB): a token and who it belongs to.
pub const LOGIN_ANSWER_LIMIT: usize = 1024 * 1024;

/// Reads the whole body, at most [`DEFAULT_BODY_LIMIT`] bytes.
pub async fn read_body(response: Response) -> Result<Bytes, Error> {
    read_body_limited(response, DEFAULT_BODY_LIMIT).await
}

/// Reads the whole body, at most `limit` bytes: past it, a `ResponseTooLarge` error (the rest
/// is not read and the connection is dropped).
pub async fn read_body_limited(mut response: Response, limit: usize) -> Result<Bytes, Error> {
    let status = response.status();
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(too_large(status, limit));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(Error::from_reqwest)? {
        if body.len() + chunk.len() > limit {
            return Err(too_large(status, limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn too_large(status: reqwest::StatusCode, limit: usize) -> Error {
    Error::new(
        ErrorKind::ResponseTooLarge,
        format!(
            "HTTP {}: the response body is larger than the limit of {limit} bytes",
            status.as_u16()
        ),
    )
}
