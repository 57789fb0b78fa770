//! Every MicroStrategy login mode, the token + cookie rule and project selection, against the
//! simulator.
#![cfg(all(feature = "mstr", feature = "sim"))]

mod common_mstr;

use bi_rest::credentials::Credential;
use bi_rest::error::ErrorKind;
use bi_rest::mstr::ProjectRef;
use bi_rest::sim::mstr::data::{EXECUTIVE_PROJECT_ID, HR_PROJECT_ID, TUTORIAL_PROJECT_ID};
use bi_rest::sim::mstr::MstrSimConfig;
use common_mstr::*;
use reqwest::Method;
use secrecy::ExposeSecret;

#[tokio::test]
async fn standard_login_and_session_calls() {
    let s = default_sim().await;
    let c = admin(&s);
    let info = c.login().await.unwrap();
    assert_eq!(info.login_mode, "standard");
    assert_eq!(info.generation, 1);
    assert!(info.renewable);
    assert_eq!(info.idle_timeout, Some(std::time::Duration::from_secs(600)));
    let details = c.session_info().await.unwrap();
    assert_eq!(details.username.as_deref(), Some(ADMIN));
    assert_eq!(details.login_mode, Some(1));
    assert_eq!(details.application_type, Some(35));
    let me = c.user_info().await.unwrap();
    assert_eq!(me.username.as_deref(), Some(ADMIN));
    assert!(!c.privileges().await.unwrap().is_empty());
    c.extend().await.unwrap();
    let counters = s.counters();
    assert_eq!(counters.logins_standard, 1);
    assert_eq!(counters.extends, 1);
    assert_eq!(counters.open_sessions, 1);
    c.close().await.unwrap();
    assert_eq!(s.counters().open_sessions, 0);
    assert_eq!(s.counters().logouts, 1);
}

#[tokio::test]
async fn ldap_login() {
    let s = default_sim().await;
    let c = builder(&s)
        .ldap("ldapuser", Credential::value("ldap-pass"))
        .build()
        .unwrap();
    assert_eq!(c.login().await.unwrap().login_mode, "ldap");
    assert_eq!(
        c.user_info().await.unwrap().username.as_deref(),
        Some("ldapuser")
    );
    assert_eq!(s.counters().logins_ldap, 1);
    // A standard user cannot log in through LDAP.
    let wrong = builder(&s)
        .ldap(ADMIN, Credential::value(ADMIN_PASS))
        .build()
        .unwrap();
    assert_eq!(
        wrong.login().await.unwrap_err().kind(),
        ErrorKind::LoginFailed
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn anonymous_login() {
    let s = default_sim().await;
    let c = builder(&s).anonymous().build().unwrap();
    c.login().await.unwrap();
    assert_eq!(c.user_info().await.unwrap().metadata_user, Some(false));
    assert_eq!(s.counters().logins_anonymous, 1);
    c.close().await.unwrap();

    let closed = sim(MstrSimConfig::default().allow_guest(false)).await;
    let c = builder(&closed).anonymous().build().unwrap();
    let err = c.login().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LoginFailed);
    assert_eq!(err.code(), Some("ERR003"));
    assert_eq!(err.vendor().unwrap().i_server_code, Some(-2147216963));
}

#[tokio::test]
async fn api_token_login_and_token_creation() {
    let s = default_sim().await;
    let c = builder(&s)
        .api_token(Credential::value(MstrSimConfig::DEFAULT_API_TOKEN))
        .build()
        .unwrap();
    assert_eq!(c.login().await.unwrap().login_mode, "api-token");
    assert_eq!(s.counters().logins_api_token, 1);
    // A token created through the API logs in too.
    let fresh = c.create_api_token(None).await.unwrap();
    let c2 = builder(&s)
        .api_token(Credential::value(fresh.expose_secret()))
        .build()
        .unwrap();
    c2.login().await.unwrap();
    assert_eq!(
        c2.user_info().await.unwrap().username.as_deref(),
        Some(ADMIN)
    );
    assert_eq!(s.counters().logins_api_token, 2);
    c.close().await.unwrap();
    c2.close().await.unwrap();
}

#[tokio::test]
async fn identity_token_delegation_and_validation() {
    let s = default_sim().await;
    let a = admin(&s);
    a.login().await.unwrap();
    let identity = a.create_identity_token().await.unwrap();
    let info = a.validate_identity_token(&identity).await.unwrap().unwrap();
    assert_eq!(info.username.as_deref(), Some(ADMIN));
    let bogus = secrecy::SecretString::from("not-a-token".to_string());
    assert!(a.validate_identity_token(&bogus).await.unwrap().is_none());

    let d = builder(&s)
        .identity_token(Credential::value(identity.expose_secret()))
        .build()
        .unwrap();
    let info = d.login().await.unwrap();
    assert_eq!(info.login_mode, "identity-token");
    assert!(!info.renewable);
    assert_eq!(
        d.user_info().await.unwrap().username.as_deref(),
        Some(ADMIN)
    );
    assert_eq!(s.counters().logins_delegated, 1);
    d.close().await.unwrap();
    a.close().await.unwrap();
    assert_eq!(s.counters().open_sessions, 0);
}

#[tokio::test]
async fn bad_password_is_login_failed_with_vendor_detail() {
    let s = default_sim().await;
    let c = builder(&s)
        .standard(ADMIN, Credential::value("wrong"))
        .build()
        .unwrap();
    let err = c.login().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LoginFailed);
    assert_eq!(err.exit_code(), 3);
    assert_eq!(err.code(), Some("ERR003"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(err.ticket_id().is_some());
    assert_eq!(s.counters().logins_failed, 1);
    assert_eq!(s.counters().open_sessions, 0);
}

#[tokio::test]
async fn credentials_are_resolved_at_every_login() {
    let s = default_sim().await;
    let source = CountingSource::new(ADMIN_PASS);
    let c = builder(&s)
        .standard(ADMIN, Credential::source(source.clone()))
        .build()
        .unwrap();
    c.login().await.unwrap();
    assert_eq!(source.reads(), 1);
    s.expire_all_sessions();
    c.user_info().await.unwrap();
    assert_eq!(source.reads(), 2);
    assert_eq!(s.counters().logins(), 2);
    c.close().await.unwrap();
}

#[tokio::test]
async fn token_without_cookie_is_rejected_and_the_client_sends_both() {
    let s = default_sim().await;
    let c = admin(&s);
    c.login().await.unwrap();
    let base = url::Url::parse(&s.base_url()).unwrap();
    let names = c.auth().cookies().names_for(&base);
    assert!(names.contains(&"JSESSIONID".to_string()), "{names:?}");
    assert!(names.contains(&"AWSALB".to_string()), "{names:?}");

    // The token alone, without the cookie, is refused by the server.
    let token = c.auth().snapshot().unwrap().token.unwrap();
    let bare = reqwest::Client::new();
    let r = bare
        .get(format!("{}/sessions", s.base_url()))
        .header("X-MSTR-AuthToken", token.expose_secret())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "ERR009");

    // The client itself sends token and cookies: calls work with exactly one login.
    for _ in 0..3 {
        c.session_info().await.unwrap();
    }
    assert_eq!(s.counters().logins(), 1);
    // Losing the cookie makes the server reject the token: the client logs in again once.
    c.auth().cookies().clear();
    c.session_info().await.unwrap();
    assert_eq!(s.counters().logins(), 2);
    assert_eq!(c.auth().stats().replays, 1);
    c.close().await.unwrap();
}

#[tokio::test]
async fn project_by_name_and_by_id() {
    let s = default_sim().await;
    let search = "/searches/results?name=revenue&type=3";

    let by_name = builder(&s)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .project_name("MicroStrategy Tutorial")
        .build()
        .unwrap();
    by_name.login().await.unwrap();
    assert_eq!(by_name.project_id().as_deref(), Some(TUTORIAL_PROJECT_ID));
    let found: serde_json::Value = by_name
        .send_json(by_name.request(Method::GET, search))
        .await
        .unwrap();
    assert!(found.is_object());

    let by_id = builder(&s)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .project_id(HR_PROJECT_ID)
        .build()
        .unwrap();
    assert_eq!(by_id.project_id().as_deref(), Some(HR_PROJECT_ID));
    by_id
        .send(by_id.request(Method::GET, search))
        .await
        .unwrap();

    // Switching and clearing.
    let id = by_id
        .select_project(ProjectRef::name("human resources analysis module"))
        .await
        .unwrap();
    assert_eq!(id, HR_PROJECT_ID);
    by_id.clear_project();
    let err = by_id
        .send(by_id.request(Method::GET, search))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.code(), Some("ERR005"));
    let err = by_id
        .select_project(ProjectRef::name("No Such Project"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);

    // A project the guest may not open: 403 ERR017.
    let guest = builder(&s)
        .anonymous()
        .project_id(EXECUTIVE_PROJECT_ID)
        .build()
        .unwrap();
    let err = guest
        .send(guest.request(Method::GET, search))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InsufficientPrivileges);
    assert_eq!(err.code(), Some("ERR017"));
    assert_eq!(err.exit_code(), 6);

    for c in [by_name, by_id, guest] {
        c.close().await.unwrap();
    }
    assert_eq!(s.counters().open_sessions, 0);
}
