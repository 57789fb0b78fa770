//! Redirects, followed by the transport (reqwest's own following is off), so a credential
//! only goes to the origin (scheme, host, port) it was sent to in the first place.

use std::str::FromStr;

use reqwest::header::{
    HeaderMap, HeaderName, ACCEPT, ACCEPT_ENCODING, ACCEPT_LANGUAGE, CACHE_CONTROL, LOCATION,
    RANGE, USER_AGENT,
};
use reqwest::{Method, Request, StatusCode};
use url::Url;

use super::{display_url, TransportError};

/// The most redirects followed for one call; one more is a redirect loop.
pub const MAX_REDIRECTS: usize = 10;

/// What the transport does with a redirect (301, 302, 303, 307, 308).
///
/// Whatever the policy: an `https` -> `http` redirect is refused, a request body is never
/// sent to another origin (a 307/308 of a POST to another origin is refused), and more than
/// [`MAX_REDIRECTS`] hops are a redirect loop. All three are [`ErrorKind::Redirect`] errors.
///
/// [`ErrorKind::Redirect`]: crate::error::ErrorKind::Redirect
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedirectPolicy {
    /// Follow redirects within the origin of the request (every header kept); refuse one to
    /// another origin with an error naming it. The default.
    #[default]
    SameOrigin,
    /// Also follow redirects to other origins, sending them none of the session's
    /// credentials: only `Accept*`, `User-Agent`, `Range` and `Cache-Control` go along (no
    /// token header, `Authorization`, `Cookie`, project header or any header a vendor
    /// sets), and the cookie jar never sends a cookie to an origin that did not set it.
    FollowStrippingCredentials,
    /// Never follow: the 3xx answer is returned as is.
    None,
}

impl RedirectPolicy {
    /// The policy's name on the command line (`same-origin`, `strip-credentials`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            RedirectPolicy::SameOrigin => "same-origin",
            RedirectPolicy::FollowStrippingCredentials => "strip-credentials",
            RedirectPolicy::None => "none",
        }
    }
}

impl FromStr for RedirectPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "same-origin" => Ok(RedirectPolicy::SameOrigin),
            "strip-credentials" => Ok(RedirectPolicy::FollowStrippingCredentials),
            "none" => Ok(RedirectPolicy::None),
            other => Err(format!(
                "unknown redirect policy {other:?} (expected same-origin, strip-credentials or none)"
            )),
        }
    }
}

/// The headers that may go to another origin.
const CROSS_ORIGIN_HEADERS: [HeaderName; 6] = [
    ACCEPT,
    ACCEPT_ENCODING,
    ACCEPT_LANGUAGE,
    USER_AGENT,
    RANGE,
    CACHE_CONTROL,
];

/// What to do with an answer.
pub(crate) enum Hop {
    /// Not a redirect to follow: hand the answer to the caller.
    Deliver,
    /// Send this request next.
    Follow(Request),
    /// Refuse with this error.
    Refuse(TransportError),
}

/// Whether `a` and `b` have the same origin (scheme, host, port).
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The next hop after `status` with `headers` answered `sent` (a copy of the request that was
/// sent; `None` when its body is a stream), `hops` redirects into a call that started at
/// `origin`.
pub(crate) fn next_hop(
    policy: RedirectPolicy,
    origin: &Url,
    sent: Option<&Request>,
    status: StatusCode,
    headers: &HeaderMap,
    hops: usize,
) -> Hop {
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) || policy == RedirectPolicy::None {
        return Hop::Deliver;
    }
    let Some(sent) = sent else {
        return Hop::Deliver;
    };
    let from = sent.url();
    let Some(target) = headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| from.join(location).ok())
    else {
        return Hop::Deliver;
    };
    let refuse = |reason: &'static str| {
        Hop::Refuse(TransportError::RedirectRefused {
            from: display_url(from),
            to: display_url(&target),
            reason,
        })
    };
    if !matches!(target.scheme(), "http" | "https") {
        return refuse("not an http(s) URL");
    }
    if hops >= MAX_REDIRECTS {
        return Hop::Refuse(TransportError::RedirectLoop {
            url: display_url(origin),
            hops: hops + 1,
        });
    }
    if from.scheme() == "https" && target.scheme() == "http" {
        return refuse("https to http would send the request in clear text");
    }
    let cross = !same_origin(origin, &target);
    if cross && policy == RedirectPolicy::SameOrigin {
        return refuse("another origin (the redirect policy follows same-origin redirects only)");
    }
    let rewrite_to_get = match status.as_u16() {
        303 => *sent.method() != Method::HEAD,
        301 | 302 => *sent.method() == Method::POST,
        _ => false,
    };
    let Some(mut next) = sent.try_clone() else {
        return Hop::Deliver;
    };
    if rewrite_to_get {
        *next.method_mut() = Method::GET;
        *next.body_mut() = None;
        let h = next.headers_mut();
        for name in [
            reqwest::header::CONTENT_TYPE,
            reqwest::header::CONTENT_LENGTH,
            reqwest::header::CONTENT_ENCODING,
            reqwest::header::TRANSFER_ENCODING,
        ] {
            h.remove(name);
        }
    }
    if cross {
        if next.body().is_some() {
            return refuse(
                "the request body (which may carry credentials) is never sent to another origin",
            );
        }
        let kept: HeaderMap = CROSS_ORIGIN_HEADERS
            .iter()
            .filter_map(|name| {
                let value = next.headers().get(name)?;
                (!value.is_sensitive()).then(|| (name.clone(), value.clone()))
            })
            .collect();
        *next.headers_mut() = kept;
    }
    *next.url_mut() = target;
    Hop::Follow(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, AUTHORIZATION, COOKIE};

    fn request(method: Method, url: &str, body: Option<&'static str>) -> Request {
        let mut r = Request::new(method, Url::parse(url).unwrap());
        let h = r.headers_mut();
        h.insert("x-mstr-authtoken", HeaderValue::from_static("tok"));
        h.insert("x-mstr-projectid", HeaderValue::from_static("p1"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("token t"));
        h.insert(COOKIE, HeaderValue::from_static("JSESSIONID=s"));
        h.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(b) = body {
            *r.body_mut() = Some(reqwest::Body::from(b));
        }
        r
    }

    fn to(status: u16, location: &str) -> (StatusCode, HeaderMap) {
        let mut h = HeaderMap::new();
        h.insert(LOCATION, HeaderValue::from_str(location).unwrap());
        (StatusCode::from_u16(status).unwrap(), h)
    }

    fn hop(policy: RedirectPolicy, sent: &Request, status: u16, location: &str) -> Hop {
        let (status, headers) = to(status, location);
        next_hop(policy, sent.url(), Some(sent), status, &headers, 0)
    }

    #[test]
    fn same_origin_keeps_every_header() {
        let sent = request(Method::GET, "https://h:8443/api/a", None);
        let Hop::Follow(next) = hop(RedirectPolicy::SameOrigin, &sent, 302, "/api/b") else {
            panic!("same-origin redirect followed")
        };
        assert_eq!(next.url().as_str(), "https://h:8443/api/b");
        assert_eq!(next.headers().len(), 5);
    }

    #[test]
    fn cross_origin_is_refused_by_default_and_stripped_when_followed() {
        let sent = request(Method::GET, "http://h:8080/api/a", None);
        assert!(matches!(
            hop(RedirectPolicy::SameOrigin, &sent, 302, "http://h:9090/x"),
            Hop::Refuse(TransportError::RedirectRefused { .. })
        ));
        let Hop::Follow(next) = hop(
            RedirectPolicy::FollowStrippingCredentials,
            &sent,
            302,
            "http://other:8080/x",
        ) else {
            panic!("followed without credentials")
        };
        let names: Vec<_> = next.headers().keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["accept"]);
    }

    #[test]
    fn downgrade_loop_and_cross_origin_bodies_are_refused() {
        let sent = request(Method::GET, "https://h/api/a", None);
        for policy in [
            RedirectPolicy::SameOrigin,
            RedirectPolicy::FollowStrippingCredentials,
        ] {
            assert!(matches!(
                hop(policy, &sent, 301, "http://h/api/a"),
                Hop::Refuse(TransportError::RedirectRefused { .. })
            ));
        }
        let (status, headers) = to(302, "/api/a");
        assert!(matches!(
            next_hop(
                RedirectPolicy::SameOrigin,
                sent.url(),
                Some(&sent),
                status,
                &headers,
                10
            ),
            Hop::Refuse(TransportError::RedirectLoop { hops: 11, .. })
        ));
        let login = request(
            Method::POST,
            "http://h/api/auth/login",
            Some("{\"password\":\"p\"}"),
        );
        assert!(matches!(
            hop(
                RedirectPolicy::FollowStrippingCredentials,
                &login,
                307,
                "http://evil/"
            ),
            Hop::Refuse(TransportError::RedirectRefused { .. })
        ));
        // 302 of a POST becomes a GET without body, as browsers do.
        let Hop::Follow(next) = hop(RedirectPolicy::SameOrigin, &login, 302, "/api/done") else {
            panic!("followed")
        };
        assert_eq!((next.method(), next.body().is_none()), (&Method::GET, true));
        // 307 keeps method and body within the origin.
        let Hop::Follow(next) = hop(RedirectPolicy::SameOrigin, &login, 307, "/api/auth/login2")
        else {
            panic!("followed")
        };
        assert_eq!(
            (next.method(), next.body().is_some()),
            (&Method::POST, true)
        );
        assert!(matches!(
            hop(RedirectPolicy::None, &login, 307, "/x"),
            Hop::Deliver
        ));
    }
}
