//! The AgileApps simulator on the wire: cookie, format switching, error shapes, session cap,
//! idle timeout, proxy stack, counters.
#![cfg(feature = "sim")]

use std::time::Duration;

use bi_rest::agileapps::{
    AgileAppsClient, AgileAppsConfig, ErrorKind, Format, LoginMethod, Search,
};
use bi_rest::credentials::Credential;
use bi_rest::sim::agileapps::{self as sim, AgileAppsSimConfig};

const LOGIN_XML: &str = "<platform><login><userName>jim@acme.com</userName><password>jim-pw</password></login></platform>";

async fn login_raw(base: &str) -> (String, String) {
    let resp = reqwest::Client::new()
        .post(format!("{base}/networking/rest/login"))
        .header("Content-Type", "application/xml")
        .body(LOGIN_XML)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("JSESSIONID="), "{cookie}");
    assert!(cookie.contains("HttpOnly"));
    let pair = cookie.split(';').next().unwrap().to_string();
    (pair, resp.text().await.unwrap())
}

#[tokio::test]
async fn login_sets_the_cookie_and_answers_the_documented_fields() {
    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    let (cookie, body) = login_raw(&s.base_url()).await;
    for field in [
        "userId",
        "email",
        "userName",
        "firstName",
        "isForceChangePassword",
        "lastName",
        "organizationName",
        "organizationId",
        "timeZone",
        "primaryTeamId",
        "employeeNumber",
        "sessionId",
        "cookieString",
        "startingAppId",
        "userLocale",
        "userDateFormat",
    ] {
        assert!(
            body.contains(&format!("<{field}")),
            "{field} missing in {body}"
        );
    }
    let sid = cookie.trim_start_matches("JSESSIONID=");
    assert!(body.contains(&format!("<sessionId>{sid}</sessionId>")));
    assert!(body.contains(&format!("<cookieString>JSESSIONID={sid}</cookieString>")));
    assert!(body.contains("<message><code>0</code><description>Success</description></message>"));
}

#[tokio::test]
async fn alt_and_accept_switch_between_xml_and_json() {
    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    let (cookie, _) = login_raw(&s.base_url()).await;
    let http = reqwest::Client::new();
    let url = format!("{}/networking/rest/user/u-jim", s.base_url());
    let get = |q: &'static str, accept: &'static str| {
        http.get(format!("{url}{q}"))
            .header("Cookie", cookie.clone())
            .header("Accept", accept)
            .send()
    };
    let r = get("", "application/xml").await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/xml");
    let r = get("", "application/json").await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["platform"]["user"]["username"], "jim@acme.com");
    assert_eq!(v["platform"]["message"]["code"], "0");
    let r = get("?alt=json", "application/xml").await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    let r = get("?alt=xml", "application/json").await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/xml");
}

#[tokio::test]
async fn errors_in_both_shapes_and_415_without_content_type() {
    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    let r = http
        .get(format!(
            "{}/networking/rest/record/case?alt=json",
            s.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["platform"]["message"]["code"], "-101");
    assert_eq!(
        v["platform"]["message"]["description"],
        "User not logged in"
    );

    let r = http
        .post(format!("{}/networking/rest/login", s.base_url()))
        .body(LOGIN_XML)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let text = r.text().await.unwrap();
    assert!(text.contains("<code>-4601</code>"), "{text}");
    assert_eq!(s.stats().not_logged_in, 1);
}

#[tokio::test]
async fn session_cap_refuses_the_extra_login() {
    let s = sim::start(AgileAppsSimConfig {
        max_sessions_per_user: Some(1),
        ..Default::default()
    })
    .await
    .unwrap();
    let cfg = AgileAppsConfig::new(&s.base_url()).unwrap();
    let method = LoginMethod::Password {
        user_name: "jim@acme.com".into(),
        password: Credential::Value("jim-pw".to_string().into()),
    };
    let first = AgileAppsClient::login(cfg.clone(), method.clone())
        .await
        .unwrap();
    let err = AgileAppsClient::login(cfg.clone(), method.clone())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LoginFailed, "{err:?}");
    assert_eq!(err.code(), Some("-4600"));
    first.close().await.unwrap();
    let again = AgileAppsClient::login(cfg, method).await.unwrap();
    again.close().await.unwrap();
    assert_eq!(s.stats().open_sessions, 0);
}

#[tokio::test]
async fn idle_timeout_ends_the_session_and_the_client_renews_it() {
    let s = sim::start(AgileAppsSimConfig {
        idle_timeout: Duration::from_millis(150),
        ..Default::default()
    })
    .await
    .unwrap();
    let c = AgileAppsClient::login(
        AgileAppsConfig::new(&s.base_url())
            .unwrap()
            .format(Format::Json),
        LoginMethod::Password {
            user_name: "jim@acme.com".into(),
            password: Credential::Value("jim-pw".to_string().into()),
        },
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.stats().open_sessions, 0);
    c.search_records("case", &Search::default()).await.unwrap();
    assert_eq!(s.stats().logins_password, 2);
    assert_eq!(s.stats().not_logged_in, 1);
    c.close().await.unwrap();
}

#[tokio::test]
async fn legacy_switch_back_path_and_logout_ends_proxy_children() {
    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    let base = s.base_url();
    let admin = http
        .post(format!("{base}/networking/rest/login"))
        .header("Content-Type", "application/json")
        .body(r#"{"platform":{"login":{"userName":"admin@acme.com","password":"admin-pw"}}}"#)
        .send()
        .await
        .unwrap();
    let admin_cookie = admin.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let proxy = http
        .post(format!("{base}/networking/rest/login/proxyLogin"))
        .header("Content-Type", "application/xml")
        .header("Cookie", &admin_cookie)
        .body("<platform><login><proxy_user_id>u-jim</proxy_user_id></login></platform>")
        .send()
        .await
        .unwrap();
    assert_eq!(proxy.status().as_u16(), 200);
    let proxy_cookie = proxy.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(proxy_cookie, admin_cookie);
    let back = http
        .get(format!("{base}/networking/rest/login/switchBack"))
        .header("Cookie", &proxy_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status().as_u16(), 200);
    assert!(back
        .text()
        .await
        .unwrap()
        .contains("<userId>u-admin</userId>"));
    assert_eq!(s.stats().open_sessions, 1);

    // Proxy again, then log the admin out: both sessions end.
    http.post(format!("{base}/networking/rest/login/proxyLogin"))
        .header("Content-Type", "application/xml")
        .header("Cookie", &admin_cookie)
        .body("<platform><login><proxy_user_id>u-jim</proxy_user_id></login></platform>")
        .send()
        .await
        .unwrap();
    assert_eq!(s.stats().open_sessions, 2);
    let out = http
        .get(format!("{base}/networking/rest/logout"))
        .header("Cookie", &admin_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 200);
    let st = s.stats();
    assert_eq!(st.open_sessions, 0);
    assert_eq!(st.logins_password, 1);
    assert_eq!(st.logins_proxy, 2);
    assert_eq!(st.switch_backs, 1);
    assert_eq!(st.logouts, 1);
}

#[tokio::test]
async fn shared_plumbing_faults_use_the_platform_shapes() {
    use bi_rest::sim::faults::{FaultKind as SharedFault, Faults};
    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    let c = AgileAppsClient::login(
        AgileAppsConfig::new(&s.base_url()).unwrap(),
        LoginMethod::Password {
            user_name: "jim@acme.com".into(),
            password: Credential::Value("jim-pw".to_string().into()),
        },
    )
    .await
    .unwrap();
    // Every request draws a 5xx: the body is the platform's -1 message.
    s.fault_injector()
        .set_faults(Faults::none().rate(SharedFault::ServerError, 1.0));
    let err = c
        .search_records("case", &Search::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err:?}");
    assert_eq!(err.code(), Some("-1"));
    assert_eq!(s.fault_injector().injected(SharedFault::ServerError), 1);

    // The "expired" fault ends the caller's session: the client renews once and replays.
    s.fault_injector()
        .set_faults(Faults::none().rate(SharedFault::ExpiredSession, 1.0));
    let before = s.stats().logins_password;
    let err = c
        .search_records("case", &Search::default())
        .await
        .unwrap_err();
    // The replay draws the fault again (rate 1.0): still not logged in, reported as expired.
    assert_eq!(err.kind(), ErrorKind::SessionExpired, "{err:?}");
    assert_eq!(
        s.stats().logins_password,
        before + 1,
        "one renewal, no loop"
    );
    s.fault_injector().set_faults(Faults::none());
    c.search_records("case", &Search::default()).await.unwrap();
    c.close().await.unwrap();
    s.shutdown().await;
}

#[tokio::test]
async fn bodies_are_validated_against_the_spec_in_both_formats() {
    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    let base = s.base_url();
    // (content type, body, the description of the -4601 refusal)
    let logins = [
        (
            "application/json",
            r#"{"platform":{"login":{"userName":"jim@acme.com"}}}"#,
            "Invalid payload: platform.login.password is required",
        ),
        (
            "application/json",
            r#"{"platform":{"login":{"userName":["jim"],"password":"jim-pw"}}}"#,
            "Invalid payload: platform.login.userName must be a string",
        ),
        (
            "application/xml",
            "<platform><login><userName>jim@acme.com</userName></login></platform>",
            "Invalid payload: platform.login.password is required",
        ),
        (
            "application/xml",
            "<platform><login><userName><first>jim</first></userName>\
             <password>jim-pw</password></login></platform>",
            "Invalid payload: platform.login.userName must be a string",
        ),
        (
            "application/xml",
            "<platform><login><userName>jim",
            "Invalid payload: not well-formed XML",
        ),
    ];
    for (ct, body, description) in logins {
        let r = http
            .post(format!("{base}/networking/rest/login?alt=json"))
            .header("Content-Type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400, "{body}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["platform"]["message"]["code"], "-4601", "{body}");
        let got = v["platform"]["message"]["description"].as_str().unwrap();
        assert!(got.starts_with(description), "{body}: {got}");
    }
    assert_eq!(s.stats().logins_password + s.stats().failed_logins, 0);

    // A record body: checked after the session (401 first without one), then refused.
    let record = "<platform><recrd><name>x</name></recrd></platform>";
    let r = http
        .post(format!("{base}/networking/rest/record/case"))
        .header("Content-Type", "application/xml")
        .body(record)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let (cookie, _) = login_raw(&base).await;
    let r = http
        .post(format!("{base}/networking/rest/record/case"))
        .header("Content-Type", "application/xml")
        .header("Cookie", &cookie)
        .body(record)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("<description>Invalid payload: platform.record is required</description>"),
        "{text}"
    );
    // Text leaves of XML are not type errors; the record is added.
    let r = http
        .post(format!("{base}/networking/rest/record/case"))
        .header("Content-Type", "application/xml")
        .header("Cookie", &cookie)
        .body("<platform><record><subject>Printer</subject><priority>2</priority></record></platform>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{:?}", r.text().await);
    assert_eq!(s.records("t1", "case").len(), 1);
}
