//! Reading a whole response body into memory. Every response reaches callers through the
//! transport, which already bounds its body ([`BodyLimits`](crate::auth::BodyLimits): success
//! bodies, login answers and error prefixes each have their limit); past it the read fails
//! with [`ErrorKind::ResponseTooLarge`](crate::error::ErrorKind::ResponseTooLarge).

use bytes::Bytes;
use reqwest::Response;

use crate::error::Error;

/// Reads the whole (bounded) body, mapping a failure to the crate's [`Error`].
pub async fn read_body(response: Response) -> Result<Bytes, Error> {
    response.bytes().await.map_err(Error::from_reqwest)
}
