//! AgileApps on the shared auth core (`bi_rest::auth::Auth` with `AgileAppsAuthenticator`), and
//! the generated client (feature `agileapps`) running through the core's hooks.
#![cfg(feature = "sim")]

use bi_rest::agileapps::{self, AgileAppsConfig, ErrorKind, Format, LoginMethod};
use bi_rest::credentials::Credential;
use bi_rest::sim::agileapps::{self as sim, AgileAppsSimConfig};
use reqwest::Method;

fn password() -> LoginMethod {
    LoginMethod::Password {
        user_name: "jim@acme.com".into(),
        password: Credential::Value("jim-pw".to_string().into()),
    }
}

#[tokio::test]
async fn auth_core_logs_in_renews_once_and_logs_out() {
    let s = sim::start(AgileAppsSimConfig {
        login_delay: std::time::Duration::from_millis(30),
        ..Default::default()
    })
    .await
    .unwrap();
    let config = AgileAppsConfig::new(&s.base_url()).unwrap();
    let auth = agileapps::auth(&config, password()).unwrap();
    let info = auth.login().await.unwrap();
    assert_eq!(s.stats().logins_password, 1);
    assert_eq!(s.stats().open_sessions, 1);
    let dbg = format!("{info:?} {auth:?}");
    for sid in s.session_ids() {
        assert!(!dbg.contains(&sid), "{dbg}");
    }

    let resp = auth
        .send_checked(auth.request(Method::GET, "/networking/rest/user/u-jim"))
        .await
        .unwrap();
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("<username>jim@acme.com</username>"));

    s.expire_all_sessions();
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let a = auth.clone();
        tasks.push(tokio::spawn(async move {
            a.send_checked(a.request(Method::GET, "/networking/rest/record/case"))
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 200);
    }
    assert_eq!(s.stats().logins_password, 2, "exactly one re-login");

    // Errors through the core keep the platform code and description.
    let err = auth
        .send_checked(auth.request(Method::GET, "/networking/rest/record/nothing"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.code(), Some("-200"));
    assert_eq!(err.vendor_name(), Some("agileapps"));

    auth.close().await.unwrap();
    assert_eq!(s.stats().open_sessions, 0);
    assert_eq!(s.stats().logouts, 1);
}

#[tokio::test]
async fn auth_core_saml_session_is_not_renewed() {
    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    let config = AgileAppsConfig::new(&s.base_url())
        .unwrap()
        .format(Format::Json);
    let auth = agileapps::auth(
        &config,
        LoginMethod::Saml {
            assertion: Credential::Value("saml-assertion-jim".to_string().into()),
        },
    )
    .unwrap();
    auth.login().await.unwrap();
    s.expire_all_sessions();
    let err = auth
        .send_checked(auth.request(Method::GET, "/networking/rest/user"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired, "{err:?}");
    assert_eq!(s.stats().logins_saml, 1);
    auth.close().await.unwrap();
}

#[tokio::test]
async fn auth_core_login_failure_is_login_failed_with_code() {
    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    let config = AgileAppsConfig::new(&s.base_url()).unwrap();
    let auth = agileapps::auth(
        &config,
        LoginMethod::Password {
            user_name: "jim@acme.com".into(),
            password: Credential::Value("wrong-secret-pw".to_string().into()),
        },
    )
    .unwrap();
    let err = auth.login().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LoginFailed, "{err:?}");
    assert_eq!(err.code(), Some("-101"));
    assert!(!format!("{err} {err:?}").contains("wrong-secret-pw"));
}

#[cfg(feature = "agileapps")]
#[tokio::test]
async fn generated_client_runs_through_the_core() {
    use bi_rest::generated::agileapps::{types, Client};
    use futures::TryStreamExt;

    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    s.seed_record("t1", "case", &[("subject", "generated")]);
    let config = AgileAppsConfig::new(&s.base_url()).unwrap();
    let auth = agileapps::auth(&config, password()).unwrap();
    let client = Client::with_auth(auth.clone());

    // The pre hook logs in lazily; the call runs with the session cookie.
    let resp = client
        .search_records()
        .object("case")
        .alt(types::SearchRecordsAlt::Json)
        .send()
        .await
        .unwrap();
    let chunks: Vec<bytes::Bytes> = resp.into_inner().into_inner().try_collect().await.unwrap();
    let body: Vec<u8> = chunks.concat();
    let list: bi_rest::agileapps::xml::RecordListResponse =
        bi_rest::agileapps::xml::from_json(&body).unwrap();
    assert_eq!(list.record[0].get("subject"), Some("generated"));
    assert_eq!(s.stats().logins_password, 1);

    // Expired: one re-login, the call is replayed.
    s.expire_all_sessions();
    client.search_records().object("case").send().await.unwrap();
    assert_eq!(s.stats().logins_password, 2);

    // A platform error comes back as the typed error body, and converts to crate::Error.
    let Err(err) = client
        .get_record()
        .object("case")
        .record_id("424242")
        .alt(types::GetRecordAlt::Json)
        .send()
        .await
    else {
        panic!("a missing record must fail");
    };
    match &err {
        progenitor_client::Error::ErrorResponse(body) => {
            assert_eq!(body.status().as_u16(), 404);
            let code = serde_json::to_value(&body.platform.message.code).unwrap();
            assert_eq!(code, serde_json::json!("-200"));
        }
        other => panic!("{other:?}"),
    }
    let err = bi_rest::Error::from_progenitor(err).await;
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");

    auth.close().await.unwrap();
    assert_eq!(s.stats().open_sessions, 0);
}
