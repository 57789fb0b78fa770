//! Bounded reads: every response body that leaves the transport has a limit, so no reader
//! (bi-rest's own, a generated client's, the caller's) can buffer more than it.
//!
//! - A success body is wrapped in `LimitedBody`: it stays a stream, and the read that passes
//!   the limit fails with [`TransportError::TooLarge`] (an [`ErrorKind::ResponseTooLarge`]
//!   error). A body whose `Content-Length` is within the limit is left as is (hyper never
//!   reads past `Content-Length`), so the common answer costs nothing.
//! - An error body (any non-2xx answer) is read here, at most [`BodyLimits::error_prefix`]
//!   bytes, and the connection is dropped: enough for the vendor's message, never more.
//! - Calls of a vendor's login, logout and keep-alive ([`crate::auth::LoginContext`]) use the
//!   smaller [`BodyLimits::login`].
//!
//! [`ErrorKind::ResponseTooLarge`]: crate::error::ErrorKind::ResponseTooLarge

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body::{Body as HttpBody, Frame, SizeHint};
use reqwest::header::CONTENT_LENGTH;
use reqwest::{Method, Response, ResponseBuilderExt, StatusCode};

use super::{display_url, TransportError};

/// The default limit of a success body: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// The default prefix of an error body that is read: 64 KiB.
pub const DEFAULT_ERROR_PREFIX_BYTES: usize = 64 * 1024;
/// The default limit of a login, logout or keep-alive answer: 1 MiB.
pub const DEFAULT_MAX_LOGIN_RESPONSE_BYTES: u64 = 1024 * 1024;

/// How much of a response body may be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// The largest success body (default [`DEFAULT_MAX_RESPONSE_BYTES`]); `u64::MAX`: none.
    pub response: u64,
    /// How much of an error body is kept (default [`DEFAULT_ERROR_PREFIX_BYTES`]); the rest
    /// is never read.
    pub error_prefix: usize,
    /// The largest answer to a login, logout or keep-alive call (default
    /// [`DEFAULT_MAX_LOGIN_RESPONSE_BYTES`]).
    pub login: u64,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits {
            response: DEFAULT_MAX_RESPONSE_BYTES,
            error_prefix: DEFAULT_ERROR_PREFIX_BYTES,
            login: DEFAULT_MAX_LOGIN_RESPONSE_BYTES,
        }
    }
}

/// Per-call settings for every request made inside a future, generated-client calls
/// included: a timeout and a response size limit that replace the client's.
///
/// ```no_run
/// # async fn f(api: bi_rest::generated::mstr::Client) -> Result<(), bi_rest::Error> {
/// use std::time::Duration;
/// use bi_rest::auth::CallOptions;
/// let big = CallOptions::new()
///     .timeout(Duration::from_secs(600))
///     .max_response_bytes(1 << 30)
///     .scope(api.get_projects_1().send())
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_response_bytes: Option<u64>,
}

tokio::task_local! {
    static CALL_OPTIONS: CallOptions;
}

impl CallOptions {
    /// No per-call settings (the client's apply).
    pub fn new() -> CallOptions {
        CallOptions::default()
    }

    /// The deadline of each call (redirects and retries included), instead of the client's
    /// request timeout. A timeout set on a `RequestBuilder` still wins for that request.
    pub fn timeout(mut self, timeout: Duration) -> CallOptions {
        self.timeout = Some(timeout);
        self
    }

    /// The largest success body of each call, instead of [`BodyLimits::response`].
    pub fn max_response_bytes(mut self, limit: u64) -> CallOptions {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Runs `future` with these settings (a tokio task-local: requests made by tasks it
    /// spawns do not inherit them).
    pub async fn scope<F: Future>(self, future: F) -> F::Output {
        CALL_OPTIONS.scope(self, future).await
    }

    /// The settings of the enclosing [`CallOptions::scope`], if any.
    pub(crate) fn current() -> CallOptions {
        CALL_OPTIONS.try_with(|o| *o).unwrap_or_default()
    }
}

/// A body that fails once more than `limit` bytes went through it.
pub(crate) struct LimitedBody<B> {
    inner: B,
    seen: u64,
    limit: u64,
    url: Option<String>,
}

impl<B> LimitedBody<B> {
    pub(crate) fn new(inner: B, limit: u64, url: String) -> Self {
        LimitedBody {
            inner,
            seen: 0,
            limit,
            url: Some(url),
        }
    }
}

impl<B> HttpBody for LimitedBody<B>
where
    B: HttpBody<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        // After the limit error (url taken), the body is over.
        if this.url.is_none() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.seen = this.seen.saturating_add(data.len() as u64);
                    if this.seen > this.limit {
                        let url = this.url.take().unwrap_or_default();
                        return Poll::Ready(Some(Err(Box::new(TransportError::TooLarge {
                            url,
                            limit: this.limit,
                        }))));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.url.is_none() || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let hint = self.inner.size_hint();
        let mut bounded = SizeHint::new();
        let remaining = self.limit.saturating_sub(self.seen).saturating_add(1);
        bounded.set_lower(hint.lower().min(remaining));
        if let Some(upper) = hint.upper() {
            bounded.set_upper(upper.max(bounded.lower()));
        }
        bounded
    }
}

/// `response` with its body limited to `limit` bytes (unchanged when it has no body or a
/// `Content-Length` within the limit).
pub(crate) fn limit_body(response: Response, method: &Method, limit: u64) -> Response {
    let status = response.status();
    if limit == u64::MAX
        || *method == Method::HEAD
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        return response;
    }
    let declared = response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n <= limit) {
        return response;
    }
    let url = response.url().clone();
    let shown = display_url(&url);
    let http: http::Response<reqwest::Body> = response.into();
    let (parts, body) = http.into_parts();
    let body = reqwest::Body::wrap(LimitedBody::new(body, limit, shown));
    with_url(parts, body, url)
}

/// Reads at most `prefix` bytes of `response`'s body and returns the response rebuilt with
/// them (the rest is never read: dropping the original closes its connection).
pub(crate) async fn read_prefix(
    mut response: Response,
    prefix: usize,
) -> reqwest::Result<Response> {
    let mut buf = BytesMut::new();
    while buf.len() < prefix {
        match response.chunk().await? {
            Some(chunk) => {
                let take = chunk.len().min(prefix - buf.len());
                buf.extend_from_slice(&chunk[..take]);
            }
            None => break,
        }
    }
    let url = response.url().clone();
    let mut parts = http::Response::new(()).into_parts().0;
    parts.status = response.status();
    parts.version = response.version();
    parts.headers = std::mem::take(response.headers_mut());
    // The body is now a known length: the old framing headers no longer describe it.
    parts.headers.remove(reqwest::header::TRANSFER_ENCODING);
    parts.headers.remove(CONTENT_LENGTH);
    drop(response);
    Ok(with_url(parts, reqwest::Body::from(buf.freeze()), url))
}

/// A response from its parts and body, keeping the URL it came from.
fn with_url(mut parts: http::response::Parts, body: reqwest::Body, url: url::Url) -> Response {
    let marker = http::Response::builder().url(url).body(());
    if let Ok(marker) = marker {
        parts.extensions.extend(marker.into_parts().0.extensions);
    }
    Response::from(http::Response::from_parts(parts, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};

    fn response(body: reqwest::Body, content_length: Option<u64>) -> Response {
        let mut builder = http::Response::builder()
            .status(200)
            .url(url::Url::parse("http://127.0.0.1:9/api/x?token=secret").unwrap());
        if let Some(n) = content_length {
            builder = builder.header(CONTENT_LENGTH, n);
        }
        Response::from(builder.body(body).unwrap())
    }

    fn chunks(n: usize, size: usize) -> reqwest::Body {
        let stream = futures::stream::iter(
            (0..n).map(move |_| Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; size]))),
        );
        reqwest::Body::wrap_stream(stream)
    }

    #[tokio::test]
    async fn a_body_past_the_limit_is_a_typed_error_naming_the_url_without_query() {
        let r = limit_body(response(chunks(10, 100), None), &Method::GET, 550);
        assert_eq!(r.url().as_str(), "http://127.0.0.1:9/api/x?token=secret");
        let err = Error::from_reqwest(r.bytes().await.unwrap_err());
        assert_eq!(err.kind(), ErrorKind::ResponseTooLarge);
        assert_eq!(err.exit_code(), 9);
        let text = err.to_string();
        assert!(text.contains("550 bytes"), "{text}");
        assert!(text.contains("http://127.0.0.1:9/api/x"), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }

    #[tokio::test]
    async fn a_body_within_the_limit_reads_whole() {
        let r = limit_body(response(chunks(5, 100), None), &Method::GET, 500);
        assert_eq!(r.bytes().await.unwrap().len(), 500);
    }

    #[tokio::test]
    async fn an_error_body_is_cut_to_its_prefix() {
        let r = read_prefix(response(chunks(1000, 1000), None), 64 * 1024)
            .await
            .unwrap();
        assert_eq!(r.url().path(), "/api/x");
        assert_eq!(r.bytes().await.unwrap().len(), 64 * 1024);
    }
}
