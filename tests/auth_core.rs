//! The vendor-neutral core with a custom `Authenticator` (as the Looker and AgileApps layers
//! write one): proactive refresh before an absolute expiry, installed sessions, streaming
//! bodies that are not replayed, sticky headers, TLS/config errors. The server is the
//! MicroStrategy simulator; the authenticator wraps the MicroStrategy one to add an expiry.
#![cfg(all(feature = "mstr", feature = "sim"))]

mod common_mstr;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bi_rest::auth::{Auth, Authenticator, HttpConfig, LoginContext, Session};
use bi_rest::credentials::Credential;
use bi_rest::error::ErrorKind;
use bi_rest::mstr::{LoginMode, MstrAuthenticator};
use common_mstr::*;
use futures::future::BoxFuture;
use futures::FutureExt;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

/// The MicroStrategy authenticator, with sessions that expire `ttl` after login (like a
/// Looker token's `expires_in`).
#[derive(Debug)]
struct Expiring {
    inner: MstrAuthenticator,
    ttl: Duration,
    logins: AtomicUsize,
}

impl Authenticator for Expiring {
    fn vendor(&self) -> &'static str {
        "test"
    }
    fn login<'a>(
        &'a self,
        ctx: &'a LoginContext,
    ) -> BoxFuture<'a, Result<Session, bi_rest::Error>> {
        async move {
            self.logins.fetch_add(1, Ordering::SeqCst);
            let s = self.inner.login(ctx).await?;
            Ok(s.with_expires_at(ctx.now() + self.ttl))
        }
        .boxed()
    }
    fn logout<'a>(
        &'a self,
        ctx: &'a LoginContext,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<(), bi_rest::Error>> {
        self.inner.logout(ctx, session)
    }
    fn decorate(&self, request: &mut reqwest::Request, session: &Session) {
        self.inner.decorate(request, session)
    }
    fn is_session_expired(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> bool {
        self.inner.is_session_expired(status, headers, body)
    }
}

fn expiring(ttl: Duration) -> Expiring {
    Expiring {
        inner: MstrAuthenticator::new(
            Some(LoginMode::Standard {
                username: ADMIN.into(),
                password: Credential::value(ADMIN_PASS),
            }),
            Some(35),
        ),
        ttl,
        logins: AtomicUsize::new(0),
    }
}

#[tokio::test]
async fn renews_before_an_absolute_expiry_without_a_401() {
    let s = default_sim().await;
    let clock = bi_rest::auth::ManualClock::starting_now();
    let auth = Auth::builder(s.base_url(), expiring(Duration::from_millis(1500)))
        .refresh_lag(Duration::from_millis(1000))
        .keep_alive(false)
        .clock(clock.clone())
        .build()
        .unwrap();
    auth.send_checked(auth.request(Method::GET, "/sessions"))
        .await
        .unwrap();
    assert_eq!(auth.generation(), 1);
    // Still fresh: no login.
    auth.send_checked(auth.request(Method::GET, "/sessions"))
        .await
        .unwrap();
    assert_eq!(auth.generation(), 1);
    clock.advance(Duration::from_millis(600));
    // Within the lag of the expiry: renewed before the call, the server never said 401.
    auth.send_checked(auth.request(Method::GET, "/sessions"))
        .await
        .unwrap();
    assert_eq!(auth.generation(), 2);
    assert_eq!(s.counters().rejected_calls, 0);
    assert_eq!(auth.stats().logins, 2);
    assert_eq!(auth.stats().replays, 0);
    auth.close().await.unwrap();
}

#[tokio::test]
async fn concurrent_first_calls_share_one_login() {
    let s = default_sim().await;
    let auth = Auth::builder(s.base_url(), expiring(Duration::from_secs(3600)))
        .keep_alive(false)
        .build()
        .unwrap();
    let calls = (0..200).map(|_| {
        let auth = auth.clone();
        async move {
            auth.send_checked(auth.request(Method::GET, "/sessions"))
                .await
        }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(s.counters().logins(), 1);
    auth.close().await.unwrap();
}

#[tokio::test]
async fn streaming_bodies_are_not_replayed() {
    let s = default_sim().await;
    let c = admin(&s);
    c.login().await.unwrap();
    s.expire_all_sessions();
    let stream = futures::stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from_static(
        b"{}",
    ))]);
    let request = c
        .request(Method::POST, "/auth/apiTokens")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream));
    let err = c.send(request).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::SessionInvalid, Some("ERR009"))
    );
    assert_eq!(c.auth().stats().replays, 0);
    assert_eq!(
        s.counters().logins(),
        1,
        "no renewal for a request that cannot be replayed"
    );
    // The next ordinary call renews.
    c.user_info().await.unwrap();
    assert_eq!(s.counters().logins(), 2);
    c.close().await.unwrap();
}

#[tokio::test]
async fn an_installed_session_is_used_without_login() {
    let s = default_sim().await;
    let donor = admin(&s);
    donor.login().await.unwrap();
    let snapshot = donor.auth().snapshot().unwrap();
    let auth = Auth::builder(s.base_url(), MstrAuthenticator::new(None, None))
        .keep_alive(false)
        .build()
        .unwrap();
    auth.cookies().restore(&snapshot.cookies);
    auth.set_session(Session::new(snapshot.token.clone(), "installed").with_renewable(false))
        .unwrap();
    auth.set_header("X-Test-Sticky", "yes").unwrap();
    let me: serde_json::Value = auth
        .send_json(auth.request(Method::GET, "/sessions/userInfo"))
        .await
        .unwrap();
    assert_eq!(me["username"], ADMIN);
    assert_eq!(auth.header("x-test-sticky").as_deref(), Some("yes"));
    assert_eq!(s.counters().logins(), 1);
    s.expire_all_sessions();
    let err = auth
        .send_checked(auth.request(Method::GET, "/sessions"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired);
    assert_eq!(s.counters().logins(), 1);
}

#[tokio::test]
async fn configuration_errors() {
    let err = Auth::builder("not a url", expiring(Duration::from_secs(1)))
        .build()
        .unwrap_err();
    assert_eq!((err.kind(), err.exit_code()), (ErrorKind::Config, 2));
    let err = Auth::builder("ftp://host/api", expiring(Duration::from_secs(1)))
        .build()
        .unwrap_err();
    assert!(err.is_config());
    let dir = tempfile::tempdir().unwrap();
    let bad_pem = dir.path().join("ca.pem");
    std::fs::write(&bad_pem, "not a certificate").unwrap();
    let err = Auth::builder("https://127.0.0.1/api", expiring(Duration::from_secs(1)))
        .http(HttpConfig::new().ca_bundle(&bad_pem))
        .build()
        .unwrap_err();
    assert!(err.is_config());
    // TLS verification is on by default: a plain-HTTP server spoken to over https fails as
    // a network/TLS error, never silently.
    let s = default_sim().await;
    let https = s.base_url().replacen("http://", "https://", 1);
    let c = bi_rest::mstr::MstrClient::builder(https)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .build()
        .unwrap();
    let err = c.login().await.unwrap_err();
    assert_eq!(err.exit_code(), 9, "{err:?}");
    assert!(!Arc::new(HttpConfig::new()).accepts_invalid_certs());
}
