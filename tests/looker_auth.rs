//! The Looker auth layer against the Looker simulator (feature `sim`).
#![cfg(feature = "sim")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bi_rest::auth::RetryPolicy;
use bi_rest::credentials::{Credential, CredentialError, SecretSource};
use bi_rest::error::ErrorKind;
use bi_rest::looker::{ApiVersion, LookerClient, LookerSettings};
use bi_rest::sim::looker::{
    self as sim, Fault, LookerSim, LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET,
    USER_CLIENT_ID, USER_CLIENT_SECRET,
};
use futures::future::BoxFuture;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;

fn settings(s: &LookerSim, id: &str, secret: &str) -> LookerSettings {
    LookerSettings::new(
        &s.base_url(),
        Credential::value(id),
        Credential::value(secret),
    )
}

async fn admin(s: &LookerSim) -> LookerClient {
    LookerClient::new(settings(s, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET)).unwrap()
}

async fn start(config: LookerSimConfig) -> LookerSim {
    sim::start(config).await.unwrap()
}

#[tokio::test]
async fn login_uses_form_body_and_token_header() {
    let s = start(LookerSimConfig::default()).await;
    let c = admin(&s).await;
    let me = c.me().await.unwrap();
    assert_eq!(me["id"], json!("1"));
    let seen = s.last_login().unwrap();
    assert_eq!(
        seen.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(seen.query, None, "no credentials in the URL");
    assert_eq!(seen.client_id.as_deref(), Some(ADMIN_CLIENT_ID));
    let auth = s.last_authorization().unwrap();
    assert!(auth.starts_with("token "), "{auth}");
    assert_eq!(s.stats().logins, 1);
    c.close().await.unwrap();
    assert_eq!(s.stats().live_tokens, 0);
}

#[tokio::test]
async fn sim_refuses_credentials_in_query_string() {
    let s = start(LookerSimConfig::default()).await;
    let r = reqwest::Client::new()
        .post(format!(
            "{}/api/4.0/login?client_id={ADMIN_CLIENT_ID}&client_secret={ADMIN_CLIENT_SECRET}",
            s.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(s.stats().logins, 0);
}

/// A token of a 2 s lifetime, renewed 1 s before it runs out: the client's clock is moved,
/// not waited for. Checks the token is still used 1.1 s before expiry, renewed after, never
/// sent expired, and the replaced token logged out.
async fn renews_before_expiry_with_lag(config: LookerSimConfig) {
    let s = start(LookerSimConfig {
        token_ttl: Duration::from_secs(2),
        ..config
    })
    .await;
    let clock = bi_rest::auth::ManualClock::starting_now();
    let c = LookerClient::builder(settings(&s, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET))
        .refresh_lag(Duration::from_secs(1))
        .clock(clock.clone())
        .build()
        .unwrap();
    c.me().await.unwrap();
    clock.advance(Duration::from_millis(900));
    c.me().await.unwrap();
    assert_eq!(s.stats().logins, 1, "still fresh 1.1 s before expiry");
    clock.advance(Duration::from_millis(300));
    c.me().await.unwrap();
    let st = s.stats();
    assert_eq!(st.logins, 2, "renewed before expiry");
    assert_eq!(st.unauthorized, 0, "never sent an expired token");
    assert_eq!(st.logouts, 1, "the replaced token was logged out");
    assert_eq!(st.live_tokens, 1);
    c.close().await.unwrap();
    assert_eq!(s.stats().live_tokens, 0);
}

#[tokio::test]
async fn refreshes_before_expiry_with_lag() {
    renews_before_expiry_with_lag(LookerSimConfig::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_calls_after_expiry_cause_exactly_one_login() {
    let s = start(LookerSimConfig {
        login_delay: Duration::from_millis(50),
        ..LookerSimConfig::default()
    })
    .await;
    let c = admin(&s).await;
    c.login().await.unwrap();
    assert_eq!(s.stats().logins, 1);
    s.expire_all();
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move { c.me().await }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    let st = s.stats();
    println!(
        "1000 calls after expiry: ok={ok}, logins={}, 401s={}",
        st.logins, st.unauthorized
    );
    assert_eq!(ok, 1000, "0 failed calls");
    assert_eq!(st.logins, 2, "exactly one re-login");
    assert_eq!(c.login_count(), 2);
    c.close().await.unwrap();
    assert_eq!(s.stats().live_tokens, 0);
}

#[derive(Debug)]
struct Rotating(Arc<Mutex<String>>);

impl SecretSource for Rotating {
    fn describe(&self) -> String {
        "test:rotating".into()
    }
    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        let v = self.0.lock().unwrap().clone();
        Box::pin(async move { Ok(SecretString::from(v)) })
    }
}

#[tokio::test]
async fn credentials_are_resolved_again_at_each_login() {
    let s = start(LookerSimConfig::default()).await;
    let secret = Arc::new(Mutex::new(ADMIN_CLIENT_SECRET.to_string()));
    let c = LookerClient::new(LookerSettings::new(
        &s.base_url(),
        Credential::value(ADMIN_CLIENT_ID),
        Credential::source(Rotating(secret.clone())),
    ))
    .unwrap();
    c.me().await.unwrap();
    s.rotate_secret(ADMIN_CLIENT_ID, "rotated");
    *secret.lock().unwrap() = "rotated".into();
    s.expire_all();
    c.me().await.unwrap();
    assert_eq!(s.stats().logins, 2);
    c.close().await.unwrap();
}

#[tokio::test]
async fn sudo_acts_as_user_and_admin_stays_usable() {
    let s = start(LookerSimConfig::default()).await;
    let a = admin(&s).await;
    let sudo = a.login_user("3").await.unwrap();
    assert_eq!(sudo.sudo_user_id(), Some("3"));
    assert_eq!(sudo.me().await.unwrap()["id"], json!("3"));
    assert_eq!(a.me().await.unwrap()["id"], json!("1"));
    let st = s.stats();
    assert_eq!((st.logins, st.sudo_logins, st.live_tokens), (1, 1, 2));
    sudo.close().await.unwrap();
    let st = s.stats();
    assert_eq!(
        (st.logouts, st.live_tokens),
        (1, 1),
        "only the sudo token ended"
    );
    assert_eq!(a.me().await.unwrap()["id"], json!("1"));
    let e = sudo.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Other);
    // sudo token expired: the sudo client logs in again through the admin session
    let sudo2 = a.login_user("2").await.unwrap();
    s.expire_all();
    assert_eq!(sudo2.me().await.unwrap()["id"], json!("2"));
    let st = s.stats();
    assert_eq!((st.logins, st.sudo_logins), (2, 3));
    sudo2.close().await.unwrap();
    a.close().await.unwrap();
    assert_eq!(s.stats().live_tokens, 0);
}

#[tokio::test]
async fn sudo_ids_per_version_and_non_admin_forbidden() {
    let s = start(LookerSimConfig::default()).await;
    let a31 = LookerClient::new(
        settings(&s, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).with_api_version(ApiVersion::V3_1),
    )
    .unwrap();
    assert_eq!(a31.api_root(), format!("{}/api/3.1", s.base_url()));
    let e = a31.login_user("abc").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let sudo = a31.login_user("3").await.unwrap();
    assert_eq!(
        sudo.me().await.unwrap()["id"],
        json!(3),
        "3.x ids are integers"
    );
    sudo.close().await.unwrap();
    a31.close().await.unwrap();

    let u = LookerClient::new(settings(&s, USER_CLIENT_ID, USER_CLIENT_SECRET)).unwrap();
    let e = u.login_user("3").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InsufficientPrivileges);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(403));
    u.close().await.unwrap();
    assert_eq!(s.stats().live_tokens, 0);
}

#[tokio::test]
async fn logout_on_close_and_on_drop() {
    let s = start(LookerSimConfig::default()).await;
    let c = admin(&s).await;
    c.me().await.unwrap();
    assert_eq!(s.stats().live_tokens, 1);
    c.close().await.unwrap();
    assert_eq!(s.stats().live_tokens, 0);
    assert_eq!(s.stats().logouts, 1);
    assert_eq!(c.me().await.unwrap_err().kind(), ErrorKind::Other);

    let d = admin(&s).await;
    d.me().await.unwrap();
    drop(d);
    for _ in 0..50 {
        if s.stats().live_tokens == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(s.stats().live_tokens, 0, "dropped client logged out");
}

#[tokio::test]
async fn error_shapes_become_exact_kinds() {
    let s = start(LookerSimConfig::default()).await;
    let c = admin(&s).await;

    let e = c
        .call_json::<serde_json::Value>(c.request(Method::GET, "/looks/999"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(e.message(), "Not found");
    let v = e.vendor().unwrap();
    assert_eq!(v.documentation_url.as_deref(), Some(sim::DOC_URL));
    assert_eq!(e.vendor_name(), Some("looker"));

    let e = c
        .call_json::<serde_json::Value>(
            c.request(Method::POST, "/queries")
                .json(&json!({"view": 5})),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(e.message(), "Validation Failed");
    let fields: Vec<_> = e
        .vendor()
        .unwrap()
        .field_errors
        .iter()
        .map(|d| (d.field.clone().unwrap(), d.code.clone().unwrap()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("model".into(), "missing".into()),
            ("view".into(), "invalid".into())
        ]
    );

    let q: serde_json::Value = c
        .call_json(
            c.request(Method::POST, "/queries")
                .json(&json!({"model": "thelook", "view": "orders", "fields": ["orders.count"]})),
        )
        .await
        .unwrap();
    assert!(q["id"].is_string());

    let bad = LookerClient::new(settings(&s, ADMIN_CLIENT_ID, "wrong")).unwrap();
    let e = bad.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::LoginFailed);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    c.close().await.unwrap();
}

#[tokio::test]
async fn rate_limits_honour_retry_after_with_a_bound() {
    let s = start(LookerSimConfig::default()).await;
    let c = LookerClient::builder(settings(&s, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET))
        .retry_policy(RetryPolicy {
            max_retries: 2,
            max_retry_after: Duration::from_secs(2),
            base_backoff: Duration::from_millis(10),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    c.login().await.unwrap();

    // idempotent GET: two 429s (Retry-After 1) then success
    s.inject([Fault::too_many_requests(1), Fault::too_many_requests(1)]);
    let calls = s.stats().calls;
    let t0 = std::time::Instant::now();
    c.me().await.unwrap();
    assert!(
        t0.elapsed() >= Duration::from_secs(2),
        "waited Retry-After twice"
    );
    assert_eq!(s.stats().calls - calls, 3);

    // more 429s than max_tries: the last 429 comes back typed
    s.inject((0..3).map(|_| Fault::too_many_requests(0)));
    let e = c.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(
        e.vendor().unwrap().retry_after,
        Some(Duration::from_secs(0))
    );

    // Retry-After beyond max_wait: no wait at all
    s.inject([Fault::too_many_requests(100)]);
    let calls = s.stats().calls;
    let e = c.me().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(
        e.vendor().unwrap().retry_after,
        Some(Duration::from_secs(100))
    );
    assert_eq!(s.stats().calls - calls, 1);

    // non-idempotent POST: never retried
    s.inject([Fault::too_many_requests(0)]);
    let calls = s.stats().calls;
    let e = c
        .call(
            c.request(Method::POST, "/queries")
                .json(&json!({"model": "m", "view": "v"})),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(s.stats().calls - calls, 1);

    s.inject([Fault::status(500)]);
    assert_eq!(c.me().await.unwrap_err().kind(), ErrorKind::Server);
    c.close().await.unwrap();
}

#[tokio::test]
async fn binary_and_multi_status_answers() {
    let s = start(LookerSimConfig::default()).await;
    let c = admin(&s).await;
    let (ct, png) = c
        .call(c.request(Method::GET, "/looks/1/run/png"))
        .await
        .unwrap();
    assert_eq!(ct.as_deref(), Some("image/png"));
    assert_eq!(&png[..], sim::PNG_1X1);
    let (ct, txt) = c
        .call(c.request(Method::GET, "/queries/1/run/txt"))
        .await
        .unwrap();
    assert_eq!(ct.as_deref(), Some("text/plain"));
    assert!(std::str::from_utf8(&txt)
        .unwrap()
        .starts_with("orders.created_date\t"));
    let rows: serde_json::Value = c
        .call_json(c.request(Method::GET, "/looks/1/run/json"))
        .await
        .unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(2));

    let r = c
        .execute(
            c.request(Method::POST, "/dashboards/1/copy")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .execute(
            c.request(Method::POST, "/dashboards/1/copy")
                .query(&[("folder_id", "7")])
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    c.close().await.unwrap();
}

#[tokio::test]
async fn secrets_never_in_debug_or_errors() {
    let s = start(LookerSimConfig::default()).await;
    let c = admin(&s).await;
    c.me().await.unwrap();
    let token = s.last_authorization().unwrap();
    let token = token.trim_start_matches("token ");
    let dbg = format!("{c:?}");
    assert!(!dbg.contains(ADMIN_CLIENT_SECRET), "{dbg}");
    assert!(!dbg.contains(token), "{dbg}");
    let st = settings(&s, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET);
    assert!(!format!("{st:?}").contains(ADMIN_CLIENT_SECRET));

    let bad = LookerClient::new(settings(&s, ADMIN_CLIENT_ID, "hunter2-secret")).unwrap();
    let e = bad.me().await.unwrap_err();
    for text in [format!("{e}"), format!("{e:?}"), format!("{bad:?}")] {
        assert!(!text.contains("hunter2-secret"), "{text}");
    }
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_login_answer_of_another_shape_is_accepted_and_its_lifetime_honoured() {
    // `expires_in` as text, no `token_type`, an undocumented `scope` object.
    renews_before_expiry_with_lag(LookerSimConfig {
        answer_shape: bi_rest::sim::AnswerShape::Variant,
        ..LookerSimConfig::default()
    })
    .await;
}
