//! AgileApps on the one session engine (the auth core): harmless variations of the login
//! answer are accepted, an unusable answer never leaves a session open, the proxy stack lives
//! on the core (calls, save/restore, logout of the whole stack on close and on drop), and
//! failed calls are mapped by AgileApps' own rules.
#![cfg(feature = "sim")]

use std::time::Duration;

use bi_rest::agileapps::xml::Format;
use bi_rest::agileapps::{AgileAppsClient, AgileAppsConfig, ErrorKind, LoginMethod, SessionKind};
use bi_rest::credentials::Credential;
use bi_rest::sim::agileapps::{self as sim, AgileAppsSimConfig, LoginAnswerShape};

fn password(user: &str, pw: &str) -> LoginMethod {
    LoginMethod::Password {
        user_name: user.into(),
        password: Credential::value(pw),
    }
}

async fn start(shape: LoginAnswerShape) -> sim::AgileAppsSim {
    sim::start(AgileAppsSimConfig {
        login_answer: shape,
        ..AgileAppsSimConfig::default()
    })
    .await
    .expect("the simulator starts")
}

fn config(s: &sim::AgileAppsSim, format: Format) -> AgileAppsConfig {
    AgileAppsConfig::new(&s.base_url())
        .expect("a loopback URL")
        .format(format)
}

/// Waits (bounded) until the simulator has no open session: logouts on drop run in the
/// background.
async fn wait_closed(s: &sim::AgileAppsSim) -> usize {
    for _ in 0..100 {
        if s.stats().open_sessions == 0 {
            return 0;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.stats().open_sessions
}

#[tokio::test]
async fn variant_login_answers_are_accepted_in_both_formats() {
    let s = start(LoginAnswerShape::Variant).await;
    for format in [Format::Xml, Format::Json] {
        let c = AgileAppsClient::login(config(&s, format), password("jim@acme.com", "jim-pw"))
            .await
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        let me = c.whoami().expect("a session");
        assert_eq!(me.user_id.as_deref(), Some("u-jim"));
        assert_eq!(
            me.login.starting_app_id.as_ref().map(|a| a.value.as_str()),
            Some("appt1"),
            "{format:?}: bare-text startingAppId"
        );
        assert_eq!(
            me.login.time_zone, None,
            "an object where text was expected"
        );
        c.close().await.expect("logout");
    }
    assert_eq!(s.stats().open_sessions, 0);
    assert_eq!(s.stats().logins_password, 2);
}

#[tokio::test]
async fn an_unusable_login_answer_ends_the_session_it_opened() {
    let s = start(LoginAnswerShape::Unusable).await;
    for format in [Format::Xml, Format::Json] {
        let err = AgileAppsClient::login(config(&s, format), password("jim@acme.com", "jim-pw"))
            .await
            .expect_err("a truncated answer cannot be used");
        assert_eq!(err.kind(), ErrorKind::Decode, "{format:?}: {err}");
        assert_eq!(
            s.stats().open_sessions,
            0,
            "{format:?}: the session was ended"
        );
    }
    let st = s.stats();
    assert_eq!(st.logins_password, 2);
    assert_eq!(st.logouts, 2);
}

#[tokio::test]
async fn the_proxy_stack_lives_on_the_core() {
    let s = start(LoginAnswerShape::Documented).await;
    let c = AgileAppsClient::login(
        config(&s, Format::Json),
        password("admin@acme.com", "admin-pw"),
    )
    .await
    .expect("admin login");
    let proxy = c.proxy_login("u-jim").await.expect("proxy login");
    assert_eq!(proxy.depth, 2);
    assert_eq!(
        proxy.kind,
        SessionKind::Proxy {
            user_id: "u-jim".into()
        }
    );
    assert_eq!(c.auth().sessions().len(), 2);
    let r = c
        .request(
            reqwest::Method::GET,
            "/networking/rest/user/u-jim",
            &[],
            None,
        )
        .await
        .expect("a call as jim");
    assert_eq!(r.ran_as.user_id.as_deref(), Some("u-jim"));
    assert_eq!(s.stats().open_sessions, 2);

    // Saved and restored with its stack, in another client.
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("aa.json");
    c.save_session(&file).expect("saved");
    c.detach();
    drop(c);
    let back = AgileAppsClient::restore_session(
        config(&s, Format::Json),
        password("admin@acme.com", "admin-pw"),
        &file,
    )
    .expect("restored");
    let stack = back.stack();
    assert_eq!(stack.len(), 2);
    assert_eq!(stack[0].user_id.as_deref(), Some("u-admin"));
    assert_eq!(stack[1].user_id.as_deref(), Some("u-jim"));
    let who = back.switch_back().await.expect("switch back");
    assert_eq!(who.user_id.as_deref(), Some("u-admin"));
    assert_eq!(s.stats().open_sessions, 1);
    back.close().await.expect("logout");
    assert_eq!(s.stats().open_sessions, 0);
    assert_eq!(s.stats().logins(), 2, "one admin login, one proxy login");
}

#[tokio::test]
async fn dropping_a_client_in_a_proxy_login_ends_the_whole_stack() {
    let s = start(LoginAnswerShape::Documented).await;
    let c = AgileAppsClient::login(
        config(&s, Format::Xml),
        password("admin@acme.com", "admin-pw"),
    )
    .await
    .expect("admin login");
    c.proxy_login("u-jim").await.expect("proxy login");
    assert_eq!(s.stats().open_sessions, 2);
    drop(c);
    assert_eq!(wait_closed(&s).await, 0);
    let st = s.stats();
    assert_eq!(st.switch_backs, 1);
    assert_eq!(st.logouts, 1);
}

#[tokio::test]
async fn a_panic_in_the_callers_code_leaves_no_session() {
    let s = start(LoginAnswerShape::Documented).await;
    let url = s.base_url();
    let task = tokio::spawn(async move {
        let c = AgileAppsClient::login(
            AgileAppsConfig::new(&url).expect("url"),
            password("jim@acme.com", "jim-pw"),
        )
        .await
        .expect("login");
        c.proxy_login("u-nobody").await.ok();
        panic!("the caller's own bug");
    });
    assert!(task.await.is_err(), "the task panicked");
    assert_eq!(wait_closed(&s).await, 0);
}

#[tokio::test]
async fn failed_calls_are_mapped_by_agileapps_rules() {
    let s = start(LoginAnswerShape::Documented).await;
    let c = AgileAppsClient::login(config(&s, Format::Xml), password("jim@acme.com", "jim-pw"))
        .await
        .expect("login");
    let err = c
        .get_record("case", "no-such-record", &[])
        .await
        .expect_err("a missing record");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.vendor_name(), Some("agileapps"));
    assert!(err.code().is_some_and(|c| c.starts_with('-')), "{err:?}");
    c.close().await.expect("logout");
}
