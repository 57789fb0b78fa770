//! Session lifetime against the simulator: save/restore, logout on close and drop,
//! keep-alive, non-renewable delegated sessions, and 1,000 concurrent calls on one expired
//! session.
#![cfg(all(feature = "mstr", feature = "sim"))]

mod common_mstr;

use std::sync::Arc;
use std::time::Duration;

use bi_rest::credentials::Credential;
use bi_rest::error::ErrorKind;
use bi_rest::mstr::MstrClient;
use bi_rest::sim::mstr::data::TUTORIAL_PROJECT_ID;
use bi_rest::sim::mstr::MstrSimConfig;
use common_mstr::*;
use secrecy::ExposeSecret;

/// Waits (bounded) until the simulator has no open session.
async fn wait_no_open_sessions(s: &bi_rest::sim::mstr::RunningMstrSim) -> u64 {
    for _ in 0..100 {
        if s.open_sessions() == 0 {
            return 0;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.open_sessions()
}

#[tokio::test]
async fn save_and_restore_without_a_new_login() {
    let s = default_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.json");
    {
        let c = builder(&s)
            .standard(ADMIN, Credential::value(ADMIN_PASS))
            .project_id(TUTORIAL_PROJECT_ID)
            .build()
            .unwrap();
        c.save_session(&path).await.unwrap();
        // Dropped here: the saved session must stay open on the server.
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(s.open_sessions(), 1);
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["vendor"], "mstr");
    assert_eq!(json["base_url"], s.base_url());
    assert_eq!(json["headers"]["x-mstr-projectid"], TUTORIAL_PROJECT_ID);
    assert!(json["token"].as_str().is_some());
    assert_eq!(json["cookies"].as_array().unwrap().len(), 2);

    // A fresh client without any credentials continues the session.
    let restored = builder(&s).build().unwrap();
    restored.restore_session(&path).unwrap();
    assert_eq!(restored.project_id().as_deref(), Some(TUTORIAL_PROJECT_ID));
    let me = restored.user_info().await.unwrap();
    assert_eq!(me.username.as_deref(), Some(ADMIN));
    restored
        .send(restored.request(
            reqwest::Method::GET,
            "/searches/results?name=revenue&type=3",
        ))
        .await
        .unwrap();
    assert_eq!(s.counters().logins(), 1, "restore must not log in");

    // Without credentials an expired restored session cannot be renewed: exit code 4.
    s.expire_all_sessions();
    let err = restored.user_info().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired);
    assert_eq!(err.exit_code(), 4);
    assert_eq!(s.counters().logins(), 1);

    // A restore into a client for another server is refused.
    let other = MstrClient::builder("http://127.0.0.1:1/MicroStrategyLibrary/api")
        .build()
        .unwrap();
    assert_eq!(
        other.restore_session(&path).unwrap_err().kind(),
        ErrorKind::Config
    );
}

#[tokio::test]
async fn restored_session_with_credentials_renews() {
    let s = default_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let c = admin(&s);
    c.save_session(&path).await.unwrap();
    let again = admin(&s);
    again.restore_session(&path).unwrap();
    s.expire_all_sessions();
    again.user_info().await.unwrap();
    assert_eq!(s.counters().logins(), 2);
    again.close().await.unwrap();
    assert_eq!(s.open_sessions(), 0);
}

#[tokio::test]
async fn close_logs_out_every_session_and_is_idempotent() {
    let s = default_sim().await;
    let mut clients = Vec::new();
    for _ in 0..5 {
        let c = admin(&s);
        c.login().await.unwrap();
        clients.push(c);
    }
    assert_eq!(s.open_sessions(), 5);
    for c in &clients {
        c.close().await.unwrap();
        c.close().await.unwrap();
    }
    assert_eq!(s.open_sessions(), 0);
    assert_eq!(s.counters().logouts, 5);
    // A closed client refuses further calls instead of logging in again.
    assert!(clients[0].user_info().await.is_err());
    assert_eq!(s.counters().logins(), 5);
}

#[tokio::test]
async fn drop_logs_out() {
    let s = default_sim().await;
    {
        let c = admin(&s);
        c.login().await.unwrap();
        let clone = c.clone();
        drop(c);
        // A clone keeps the session alive.
        clone.user_info().await.unwrap();
        assert_eq!(s.open_sessions(), 1);
    }
    assert_eq!(wait_no_open_sessions(&s).await, 0);
    assert_eq!(s.counters().logouts, 1);
}

#[tokio::test]
async fn keep_alive_extends_before_the_idle_timeout() {
    let s = sim(MstrSimConfig::default().idle_timeout(Duration::from_millis(800))).await;
    let c = builder(&s)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .keep_alive(true)
        .build()
        .unwrap();
    let info = c.login().await.unwrap();
    assert_eq!(info.idle_timeout, Some(Duration::from_millis(800)));
    // Idle for three idle timeouts: without keep-alive the session would be gone.
    tokio::time::sleep(Duration::from_millis(2400)).await;
    let extends = s.counters().extends;
    assert!(extends >= 4, "expected >= 4 extends, got {extends}");
    c.user_info().await.unwrap();
    assert_eq!(s.counters().logins(), 1);
    assert_eq!(s.counters().sessions_expired, 0);
    assert!(c.auth().stats().keepalives >= 4);
    c.close().await.unwrap();
    let after_close = s.counters().extends;
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        s.counters().extends,
        after_close,
        "keep-alive stops on close"
    );
}

#[tokio::test]
async fn delegated_session_expiry_is_session_expired_without_login() {
    let s = default_sim().await;
    let identity = s.issue_identity_token(ADMIN).unwrap();
    let d = builder(&s)
        .identity_token(Credential::value(identity))
        .build()
        .unwrap();
    d.login().await.unwrap();
    let before = s.counters();
    assert_eq!(before.logins_delegated, 1);
    s.expire_all_sessions();
    let err = d.user_info().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired);
    assert_eq!(err.exit_code(), 4);
    // Later calls fail the same way, without touching the server's login.
    let err = d.session_info().await.unwrap_err();
    assert!(err.is_session_expired());
    let after = s.counters();
    assert_eq!(after.logins(), before.logins());
    assert_eq!(after.logins_failed, 0);
    assert_eq!(d.auth().stats().logins, 1);
    d.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_calls_on_one_expired_session_cause_one_login() {
    let s = sim(MstrSimConfig::default().max_sessions_per_user(3)).await;
    let c = admin(&s);
    c.login().await.unwrap();
    c.user_info().await.unwrap();
    assert_eq!(s.counters().logins(), 1);
    assert_eq!(s.expire_all_sessions(), 1);

    let barrier = Arc::new(tokio::sync::Barrier::new(1000));
    let mut tasks = Vec::with_capacity(1000);
    for i in 0..1000 {
        let c = c.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            if i % 2 == 0 {
                c.user_info().await.map(|_| ())
            } else {
                // POSTs too: a request refused for a gone session was never executed.
                c.create_api_token(None)
                    .await
                    .map(|t| assert!(!t.expose_secret().is_empty()))
            }
        }));
    }
    let mut failed = 0;
    for t in tasks {
        if t.await.unwrap().is_err() {
            failed += 1;
        }
    }
    let counters = s.counters();
    assert_eq!(failed, 0, "failed calls");
    assert_eq!(counters.logins(), 2, "exactly one re-login");
    assert_eq!(counters.logins_failed, 0);
    assert_eq!(c.auth().stats().logins, 2);
    assert_eq!(c.auth().generation(), 2);
    assert_eq!(
        counters.api_tokens_created, 500,
        "each POST executed exactly once"
    );
    c.close().await.unwrap();
    assert_eq!(s.open_sessions(), 0);
}

#[tokio::test]
async fn keep_alive_stops_on_a_gone_session_and_resumes_after_renewal() {
    let s = sim(MstrSimConfig::default().idle_timeout(Duration::from_millis(400))).await;
    let c = builder(&s)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .keep_alive(true)
        .build()
        .unwrap();
    c.login().await.unwrap();
    s.expire_all_sessions();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // One keep-alive found the session gone; it does not hammer the server.
    assert_eq!(s.counters().rejected_calls, 1);
    c.user_info().await.unwrap();
    assert_eq!(s.counters().logins(), 2);
    let extends = s.counters().extends;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        s.counters().extends > extends,
        "keep-alive resumed for the new session"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn session_answers_of_another_shape_are_accepted() {
    // Numbers as text, text as objects, documented fields missing, undocumented ones added.
    let s = sim(MstrSimConfig::default()
        .idle_timeout(Duration::from_secs(90))
        .answer_shape(bi_rest::sim::AnswerShape::Variant))
    .await;
    let c = builder(&s)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .build()
        .unwrap();
    let info = c.login().await.unwrap();
    assert_eq!(
        info.idle_timeout,
        Some(Duration::from_secs(90)),
        "timeout as text"
    );
    let details = c.session_info().await.unwrap();
    assert_eq!(details.timeout, Some(90));
    assert_eq!(details.login_mode, Some(1));
    assert_eq!(details.full_name.as_deref(), Some("Administrator"));
    assert!(details.extra.contains_key("undocumentedServerField"));
    let user = c.user_info().await.unwrap();
    assert_eq!(user.metadata_user, Some(true), "a boolean as text");
    assert_eq!(
        user.name.as_deref(),
        Some("Administrator"),
        "text as an object"
    );
    c.close().await.unwrap();
    assert_eq!(wait_no_open_sessions(&s).await, 0);
    assert_eq!(s.counters().logins(), 1);
}
