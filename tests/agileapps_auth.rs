//! The AgileApps auth layer against the simulator: every login kind, the proxy stack and
//! switch back, re-login single-flight, error code families, logout, secrets.
#![cfg(feature = "sim")]

use std::time::Duration;

use bi_rest::agileapps::xml::Format;
use bi_rest::agileapps::{
    AgileAppsClient, AgileAppsConfig, ErrorKind, LoginMethod, Record, Search, SessionKind,
};
use bi_rest::credentials::Credential;
use bi_rest::sim::agileapps::{self as sim, AgileAppsSimConfig, Fault, FaultKind};

fn secret(s: &str) -> Credential {
    Credential::Value(s.to_string().into())
}

fn password(user: &str, pw: &str) -> LoginMethod {
    LoginMethod::Password {
        user_name: user.into(),
        password: secret(pw),
    }
}

async fn start() -> sim::AgileAppsSim {
    sim::start(AgileAppsSimConfig::default()).await.unwrap()
}

fn config(s: &sim::AgileAppsSim, format: Format) -> AgileAppsConfig {
    AgileAppsConfig::new(&s.base_url()).unwrap().format(format)
}

#[tokio::test]
async fn password_login_in_both_formats_and_logout_leaves_no_session() {
    let s = start().await;
    for format in [Format::Xml, Format::Json] {
        let c = AgileAppsClient::login(config(&s, format), password("jim@acme.com", "jim-pw"))
            .await
            .unwrap();
        let me = c.whoami().unwrap();
        assert_eq!(me.user_id.as_deref(), Some("u-jim"));
        assert_eq!(me.user_name.as_deref(), Some("jim@acme.com"));
        assert_eq!(me.organization_id.as_deref(), Some("t1"));
        assert_eq!(me.kind, SessionKind::Password);
        assert_eq!(me.depth, 1);
        assert_eq!(me.login.organization_name.as_deref(), Some("Acme Inc."));
        assert_eq!(
            me.login.session_id, None,
            "session id is not kept in the identity"
        );
        assert_eq!(s.stats().open_sessions, 1);
        c.close().await.unwrap();
        assert_eq!(s.stats().open_sessions, 0);
    }
    let st = s.stats();
    assert_eq!(st.logins_password, 2);
    assert_eq!(st.logouts, 2);
}

#[tokio::test]
async fn saml_login() {
    let s = start().await;
    let c = AgileAppsClient::login(
        config(&s, Format::Xml),
        LoginMethod::Saml {
            assertion: secret("saml-assertion-jim"),
        },
    )
    .await
    .unwrap();
    let me = c.whoami().unwrap();
    assert_eq!(me.user_id.as_deref(), Some("u-jim"));
    assert_eq!(me.kind, SessionKind::Saml);
    assert_eq!(s.stats().logins_saml, 1);
    c.close().await.unwrap();
    assert_eq!(s.stats().open_sessions, 0);

    let err = AgileAppsClient::login(
        config(&s, Format::Json),
        LoginMethod::Saml {
            assertion: secret("forged"),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LoginFailed, "{err:?}");
}

#[tokio::test]
async fn customer_support_login_into_a_tenant() {
    let s = start().await;
    let c = AgileAppsClient::login(
        config(&s, Format::Xml),
        LoginMethod::CustomerSupport {
            user_name: "support@provider.com".into(),
            password: secret("support-pw"),
            tenant_id: "t2".into(),
        },
    )
    .await
    .unwrap();
    let me = c.whoami().unwrap();
    assert_eq!(me.user_id.as_deref(), Some("u-beta-admin"));
    assert_eq!(me.organization_id.as_deref(), Some("t2"));
    assert_eq!(
        me.kind,
        SessionKind::CustomerSupport {
            tenant_id: "t2".into()
        }
    );
    // Calls run in the tenant: records land in t2's store.
    let id = c
        .add_record("account", &Record::from_pairs([("name", "In Beta")]))
        .await
        .unwrap();
    assert!(s.records("t2", "account").contains_key(&id));
    assert!(s.records("t1", "account").is_empty());
    assert_eq!(s.stats().logins_customer_support, 1);
    c.close().await.unwrap();

    // Unknown tenant: -4006; user without the permission: -850.
    let err = AgileAppsClient::login(
        config(&s, Format::Json),
        LoginMethod::CustomerSupport {
            user_name: "support@provider.com".into(),
            password: secret("support-pw"),
            tenant_id: "nope".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("-4006"));
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    let err = AgileAppsClient::login(
        config(&s, Format::Xml),
        LoginMethod::CustomerSupport {
            user_name: "jim@acme.com".into(),
            password: secret("jim-pw"),
            tenant_id: "t2".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InsufficientPrivileges, "{err:?}");
    assert_eq!(err.code(), Some("-850"));
    assert_eq!(s.stats().open_sessions, 0);
}

#[tokio::test]
async fn proxy_login_stack_and_switch_back() {
    let s = start().await;
    for format in [Format::Xml, Format::Json] {
        let c = AgileAppsClient::login(config(&s, format), password("admin@acme.com", "admin-pw"))
            .await
            .unwrap();
        let as_jim = c.proxy_login("u-jim").await.unwrap();
        assert_eq!(as_jim.user_id.as_deref(), Some("u-jim"));
        assert_eq!(as_jim.depth, 2);
        assert_eq!(
            as_jim.kind,
            SessionKind::Proxy {
                user_id: "u-jim".into()
            }
        );
        let stack = c.stack();
        assert_eq!(stack.len(), 2);
        assert_eq!(stack[0].user_id.as_deref(), Some("u-admin"));
        assert_eq!(s.stats().open_sessions, 2);

        // A call reports the session it ran in.
        let r = c
            .request(
                reqwest::Method::GET,
                "/networking/rest/user/u-jim",
                &[],
                None,
            )
            .await
            .unwrap();
        assert_eq!(r.ran_as.user_id.as_deref(), Some("u-jim"));

        let back = c.switch_back().await.unwrap();
        assert_eq!(back.user_id.as_deref(), Some("u-admin"));
        assert_eq!(back.depth, 1);
        assert_eq!(c.whoami().unwrap().user_id.as_deref(), Some("u-admin"));
        assert_eq!(s.stats().open_sessions, 1);
        // Nothing left to switch back from.
        assert_eq!(
            c.switch_back().await.unwrap_err().kind(),
            ErrorKind::InvalidRequest
        );
        c.close().await.unwrap();
        assert_eq!(s.stats().open_sessions, 0);
    }
    let st = s.stats();
    assert_eq!(st.logins_proxy, 2);
    assert_eq!(st.switch_backs, 2);

    // Without the Proxy Login Access permission.
    let c = AgileAppsClient::login(config(&s, Format::Xml), password("jim@acme.com", "jim-pw"))
        .await
        .unwrap();
    let err = c.proxy_login("u-admin").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InsufficientPrivileges, "{err:?}");
    c.close().await.unwrap();
}

#[tokio::test]
async fn close_with_proxy_open_switches_back_then_logs_out() {
    let s = start().await;
    let c = AgileAppsClient::login(
        config(&s, Format::Xml),
        password("admin@acme.com", "admin-pw"),
    )
    .await
    .unwrap();
    c.proxy_login("u-jim").await.unwrap();
    c.proxy_login("u-reader").await.unwrap_err(); // jim may not proxy
    assert_eq!(c.stack().len(), 2);
    c.close().await.unwrap();
    let st = s.stats();
    assert_eq!(st.open_sessions, 0);
    assert_eq!(st.switch_backs, 1);
    assert_eq!(st.logouts, 1);
}

#[tokio::test]
async fn expired_password_session_logs_in_once_for_many_concurrent_calls() {
    let s = sim::start(AgileAppsSimConfig {
        login_delay: Duration::from_millis(50),
        ..Default::default()
    })
    .await
    .unwrap();
    let id = s.seed_record("t1", "case", &[("subject", "printer on fire")]);
    let c = AgileAppsClient::login(config(&s, Format::Xml), password("jim@acme.com", "jim-pw"))
        .await
        .unwrap();
    s.expire_all_sessions();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let c = c.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(
            async move { c.get_record("case", &id, &[]).await },
        ));
    }
    for t in tasks {
        let rec = t.await.unwrap().unwrap();
        assert_eq!(rec.get("subject"), Some("printer on fire"));
    }
    let st = s.stats();
    assert_eq!(st.logins_password, 2, "exactly one re-login");
    assert_eq!(st.open_sessions, 1);
    c.close().await.unwrap();
    assert_eq!(s.stats().open_sessions, 0);
}

#[tokio::test]
async fn customer_support_session_is_renewed() {
    let s = start().await;
    let c = AgileAppsClient::login(
        config(&s, Format::Json),
        LoginMethod::CustomerSupport {
            user_name: "support@provider.com".into(),
            password: secret("support-pw"),
            tenant_id: "t1".into(),
        },
    )
    .await
    .unwrap();
    s.expire_all_sessions();
    let users = c.list_users(&Search::default()).await.unwrap();
    assert!(users.user.iter().any(|u| u.get("id") == Some("u-jim")));
    assert_eq!(s.stats().logins_customer_support, 2);
    c.close().await.unwrap();
}

#[tokio::test]
async fn saml_and_proxy_sessions_fail_with_session_expired() {
    let s = start().await;
    let c = AgileAppsClient::login(
        config(&s, Format::Xml),
        LoginMethod::Saml {
            assertion: secret("saml-assertion-jim"),
        },
    )
    .await
    .unwrap();
    s.expire_all_sessions();
    let err = c.list_users(&Search::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired, "{err:?}");
    assert!(
        err.message().contains("SAML session cannot be renewed"),
        "{err}"
    );
    assert_eq!(err.code(), Some("-101"));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.kind().exit_code(), 4);
    assert_eq!(s.stats().logins_saml, 1, "no re-login for SAML");
    drop(c);

    let c = AgileAppsClient::login(
        config(&s, Format::Json),
        password("admin@acme.com", "admin-pw"),
    )
    .await
    .unwrap();
    c.proxy_login("u-jim").await.unwrap();
    s.expire_all_sessions();
    let err = c.list_users(&Search::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired, "{err:?}");
    assert!(
        err.message().contains("proxy session cannot be renewed"),
        "{err}"
    );
    assert_eq!(
        s.stats().logins_password,
        1,
        "no re-login under a proxy session"
    );
    c.close().await.unwrap();
}

#[tokio::test]
async fn not_logged_in_on_a_valid_session_is_renewed_once() {
    let s = start().await;
    let c = AgileAppsClient::login(config(&s, Format::Xml), password("jim@acme.com", "jim-pw"))
        .await
        .unwrap();
    // A fault answers -101 once even though the session is valid; renewal then works.
    s.inject_fault(Fault {
        path_contains: "/record/".into(),
        times: 1,
        kind: FaultKind::NotLoggedIn,
    });
    let list = c.search_records("case", &Search::default()).await.unwrap();
    assert_eq!(list.record_count, Some(0));
    assert_eq!(s.stats().logins_password, 2);
    c.close().await.unwrap();
}

#[tokio::test]
async fn error_code_families_map_to_exact_variants() {
    let s = start().await;
    for format in [Format::Xml, Format::Json] {
        // Bad password: login failed, code -101.
        let err = AgileAppsClient::login(config(&s, format), password("jim@acme.com", "wrong"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LoginFailed, "{err:?}");
        assert_eq!(err.code(), Some("-101"));
        assert_eq!(err.kind().exit_code(), 3);

        let c =
            AgileAppsClient::login(config(&s, format), password("reader@acme.com", "reader-pw"))
                .await
                .unwrap();
        // Not found: unknown object and unknown record, -200 / 404.
        let err = c
            .search_records("no_such_object", &Search::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
        let d = err.vendor().unwrap();
        assert_eq!((d.status, d.code.as_deref()), (Some(404), Some("-200")));
        assert_eq!(
            d.message.as_deref(),
            Some("Invalid object name, object ID, or record identifier")
        );
        assert_eq!(err.vendor_name(), Some("agileapps"));
        let err = c.get_record("case", "999999", &[]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");

        // Permission: the reader may not write, -850.
        let err = c
            .add_record("case", &Record::from_pairs([("subject", "x")]))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InsufficientPrivileges, "{err:?}");
        assert_eq!(err.code(), Some("-850"));
        assert_eq!(err.kind().exit_code(), 6);

        // Validation: a bad filter, -4601 / 400.
        let err = c
            .search_records(
                "case",
                &Search {
                    filter: Some("subject ~~ 'x'".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err:?}");
        assert_eq!(err.code(), Some("-4601"));
        assert_eq!(err.kind().exit_code(), 7);

        // Server: -1 / 500, never replayed.
        s.inject_fault(Fault {
            path_contains: "/record/".into(),
            times: 1,
            kind: FaultKind::ServerError,
        });
        let before = s.stats().calls;
        let err = c
            .search_records("case", &Search::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Server, "{err:?}");
        assert_eq!(err.code(), Some("-1"));
        assert_eq!(s.stats().calls, before + 1);

        // An HTML page from a proxy: the status decides, no panic. A 502 to a GET is
        // transient: retried twice (the default policy), then reported.
        s.inject_fault(Fault {
            path_contains: "/record/".into(),
            times: 3,
            kind: FaultKind::Html(502),
        });
        let before = s.stats().calls;
        let err = c
            .search_records("case", &Search::default())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ServerUnreachable, "{err:?}");
        assert_eq!(err.exit_code(), 8);
        assert_eq!(err.code(), None);
        assert_eq!(s.stats().calls, before + 3, "one call and two retries");
        c.close().await.unwrap();
    }
    assert_eq!(s.stats().open_sessions, 0);
}

#[tokio::test]
async fn record_crud_round_trips_fields_in_both_formats() {
    let s = start().await;
    for format in [Format::Xml, Format::Json] {
        let c = AgileAppsClient::login(config(&s, format), password("jim@acme.com", "jim-pw"))
            .await
            .unwrap();
        let rec = Record::from_pairs([
            ("name", "Acme <East> & Co"),
            ("city", "Zürich"),
            ("status", "open"),
        ]);
        let id = c.add_record("account", &rec).await.unwrap();
        let got = c.get_record("account", &id, &[]).await.unwrap();
        let mut expected = rec.clone();
        expected.fields.insert("id".into(), id.clone());
        assert_eq!(got, expected);

        let only = c.get_record("account", &id, &["city"]).await.unwrap();
        assert_eq!(
            only,
            Record::from_pairs([("city", "Zürich"), ("id", id.as_str())])
        );

        c.update_record("account", &id, &Record::from_pairs([("status", "closed")]))
            .await
            .unwrap();
        let found = c
            .search_records(
                "account",
                &Search {
                    filter: Some("status = 'closed' and name contains 'east'".into()),
                    field_list: vec!["name".into()],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(found.record_count, Some(1));
        assert_eq!(
            found.record,
            vec![Record::from_pairs([
                ("id", id.as_str()),
                ("name", "Acme <East> & Co")
            ])]
        );
        c.delete_record("account", &id).await.unwrap();
        assert_eq!(
            c.get_record("account", &id, &[]).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        c.close().await.unwrap();
    }
}

#[tokio::test]
async fn session_cookie_is_sent_and_wire_format_follows_config() {
    let s = start().await;
    let c = AgileAppsClient::login(config(&s, Format::Json), password("jim@acme.com", "jim-pw"))
        .await
        .unwrap();
    let r = c
        .request(reqwest::Method::GET, "/networking/rest/user", &[], None)
        .await
        .unwrap();
    assert_eq!(r.format, Some(Format::Json));
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["platform"]["message"]["code"], "0");
    c.close().await.unwrap();

    // Without the cookie the platform answers -101 in the XML form.
    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}/networking/rest/user", s.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let text = resp.text().await.unwrap();
    assert!(text.contains("<code>-101</code>"), "{text}");
}

#[tokio::test]
async fn drop_logs_out_in_the_background() {
    let s = start().await;
    let c = AgileAppsClient::login(config(&s, Format::Xml), password("jim@acme.com", "jim-pw"))
        .await
        .unwrap();
    assert_eq!(s.stats().open_sessions, 1);
    drop(c);
    for _ in 0..100 {
        if s.stats().open_sessions == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(s.stats().open_sessions, 0);
    assert_eq!(s.stats().logouts, 1);
}

#[tokio::test]
async fn secrets_never_in_debug_or_errors() {
    let s = start().await;
    let c = AgileAppsClient::login(config(&s, Format::Xml), password("jim@acme.com", "jim-pw"))
        .await
        .unwrap();
    // The client's own session id, as the server knows it.
    let sids = s.session_ids();
    assert_eq!(sids.len(), 1);
    let r = c
        .request(reqwest::Method::GET, "/networking/rest/user", &[], None)
        .await
        .unwrap();
    let dbg = format!("{c:?} {:?} {r:?}", c.whoami());
    assert!(!dbg.contains("jim-pw"), "{dbg}");
    assert!(!dbg.contains(&sids[0]), "{dbg}");
    assert!(!dbg.contains("JSESSIONID="), "{dbg}");

    // An error on a call made in that session does not show it either.
    let err = c.get_record("case", "424242", &[]).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(&sids[0]), "{text}");

    let err = AgileAppsClient::login(
        config(&s, Format::Xml),
        password("jim@acme.com", "hunter2-secret"),
    )
    .await
    .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("hunter2-secret"), "{text}");
    let err = AgileAppsClient::login(
        config(&s, Format::Json),
        LoginMethod::Saml {
            assertion: secret("SAML-SECRET-TOKEN"),
        },
    )
    .await
    .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("SAML-SECRET-TOKEN"), "{text}");
    c.close().await.unwrap();
}

/// A password store whose value can be changed (rotation).
#[derive(Debug)]
struct Rotating(std::sync::Mutex<String>);

impl bi_rest::credentials::SecretSource for Rotating {
    fn describe(&self) -> String {
        "test:rotating".into()
    }
    fn resolve(
        &self,
    ) -> futures::future::BoxFuture<
        '_,
        Result<secrecy::SecretString, bi_rest::credentials::CredentialError>,
    > {
        let v = self.0.lock().unwrap().clone();
        Box::pin(async move { Ok(v.into()) })
    }
}

#[tokio::test]
async fn renewal_resolves_the_credential_again() {
    let s = start().await;
    let store = std::sync::Arc::new(Rotating(std::sync::Mutex::new("jim-pw".into())));
    let c = AgileAppsClient::login(
        config(&s, Format::Xml),
        LoginMethod::Password {
            user_name: "jim@acme.com".into(),
            password: Credential::Source(store.clone()),
        },
    )
    .await
    .unwrap();
    // The store now holds a wrong password: the renewal login is refused, once, and the call
    // reports the refused login (as every vendor does: the credentials need fixing, exit 3).
    *store.0.lock().unwrap() = "rotated-but-wrong".into();
    s.expire_all_sessions();
    let err = c.list_users(&Search::default()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LoginFailed, "{err:?}");
    assert_eq!(err.code(), Some("-101"));
    assert_eq!(s.stats().failed_logins, 1);
    // Fixed in the store: the next call renews and succeeds.
    *store.0.lock().unwrap() = "jim-pw".into();
    c.list_users(&Search::default()).await.unwrap();
    assert_eq!(s.stats().logins_password, 2);
    c.close().await.unwrap();
    assert_eq!(s.stats().open_sessions, 0);
}

#[tokio::test]
async fn load_balancer_cookie_travels_with_every_session_of_the_stack() {
    let s = sim::start(AgileAppsSimConfig {
        affinity_cookie: Some("AWSALB".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let c = AgileAppsClient::login(
        config(&s, Format::Xml),
        password("admin@acme.com", "admin-pw"),
    )
    .await
    .unwrap();
    c.list_users(&Search::default()).await.unwrap();
    c.proxy_login("u-jim").await.unwrap();
    c.search_records("case", &Search::default()).await.unwrap();
    let r = c
        .request(reqwest::Method::GET, "/networking/rest/user", &[], None)
        .await
        .unwrap();
    assert_eq!(r.ran_as.user_id.as_deref(), Some("u-jim"));
    c.switch_back().await.unwrap();
    c.list_users(&Search::default()).await.unwrap();
    let st = s.stats();
    assert_eq!(st.missing_affinity_cookie, 0);
    assert!(st.calls >= 6);
    c.close().await.unwrap();
    assert_eq!(s.stats().open_sessions, 0);
}
