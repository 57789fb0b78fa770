//! The generated Looker 4.0 client through the auth layer, against the Looker simulator.
#![cfg(all(feature = "sim", feature = "looker-4_0"))]

use std::time::Duration;

use bi_rest::credentials::Credential;
use bi_rest::error::{Error, ErrorKind};
use bi_rest::looker::{LookerClient, LookerSettings};
use bi_rest::sim::looker::{self as sim, LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};

async fn setup() -> (sim::LookerSim, LookerClient) {
    let s = sim::start(LookerSimConfig {
        login_delay: Duration::from_millis(20),
        ..LookerSimConfig::default()
    })
    .await
    .unwrap();
    let lc = LookerClient::new(LookerSettings::new(
        &s.base_url(),
        Credential::value(ADMIN_CLIENT_ID),
        Credential::value(ADMIN_CLIENT_SECRET),
    ))
    .unwrap();
    (s, lc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn generated_calls_share_the_session_and_relogin_once() {
    let (s, lc) = setup().await;
    let c = lc.generated_4_0();
    let me = c.me().send().await.unwrap();
    assert_eq!(me.id.as_deref(), Some("1"));
    assert!(s.last_authorization().unwrap().starts_with("token "));
    s.expire_all();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move { c.me().send().await.map(|_| ()) }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(s.stats().logins, 2, "one login, then exactly one re-login");
    lc.close().await.unwrap();
    assert_eq!(s.stats().live_tokens, 0);
}

#[tokio::test]
async fn generated_login_sends_credentials_in_the_body() {
    let (s, lc) = setup().await;
    let c = lc.generated_4_0();
    // The spec declares client_id/client_secret as query parameters; the hooks move them into
    // the form body (the simulator answers 400 to credentials in a URL).
    let token = c
        .login()
        .client_id(ADMIN_CLIENT_ID.to_string())
        .client_secret(ADMIN_CLIENT_SECRET.to_string())
        .body(serde_json::Map::new())
        .send()
        .await
        .unwrap();
    assert!(token.access_token.is_some());
    let seen = s.last_login().unwrap();
    assert_eq!(seen.query, None);
    assert_eq!(
        seen.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    lc.close().await.unwrap();
}

#[tokio::test]
async fn generated_errors_map_to_exact_kinds() {
    let (s, lc) = setup().await;
    let c = lc.generated_4_0();
    let e = Error::from_progenitor(c.user().user_id("999").send().await.unwrap_err()).await;
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(e.message(), "Not found");

    let e = Error::from_progenitor(
        c.create_query()
            .body_map(|b| b.model("thelook".to_string()).view(String::new()))
            .send()
            .await
            .unwrap_err(),
    )
    .await;
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(422));
    let fields: Vec<_> = e
        .vendor()
        .unwrap()
        .field_errors
        .iter()
        .filter_map(|f| f.field.clone())
        .collect();
    assert_eq!(fields, vec!["view".to_string()]);

    let copy = c
        .copy_dashboard()
        .dashboard_id("1")
        .folder_id("7")
        .send()
        .await
        .unwrap();
    assert_eq!(copy.status().as_u16(), 201);
    lc.close().await.unwrap();
    assert_eq!(s.stats().live_tokens, 0);
}
