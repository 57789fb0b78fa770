//! Behaviour of the MicroStrategy simulator, checked with plain reqwest.

use std::time::{Duration, Instant};

use bi_rest::sim::faults::{FaultKind, Faults};
use bi_rest::sim::mstr::data::{
    BROKEN_REPORT_ID, EXECUTIVE_PROJECT_ID, REVENUE_METRIC_ID, REVENUE_REPORT_ID, SALARY_REPORT_ID,
    SALES_CUBE_ID, TUTORIAL_PROJECT_ID,
};
use bi_rest::sim::mstr::{privileges, start, MstrSimConfig, RunningMstrSim, SimUser};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

fn bare_client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

async fn sim(config: MstrSimConfig) -> RunningMstrSim {
    start(config).await.expect("simulator starts")
}

async fn login_body(c: &Client, base: &str, body: Value) -> Response {
    c.post(format!("{base}/auth/login"))
        .json(&body)
        .send()
        .await
        .expect("login request")
}

/// Logs in as the default administrator; returns the token.
async fn admin_login(c: &Client, base: &str) -> String {
    let r = login_body(
        c,
        base,
        json!({"username": "administrator", "password": "admin-pass", "loginMode": 1}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    token_of(&r)
}

fn token_of(r: &Response) -> String {
    r.headers()
        .get("X-MSTR-AuthToken")
        .expect("token header")
        .to_str()
        .expect("ascii token")
        .to_string()
}

async fn get(c: &Client, url: String, token: &str) -> Response {
    c.get(url)
        .header("X-MSTR-AuthToken", token)
        .send()
        .await
        .expect("request")
}

async fn get_in_project(c: &Client, url: String, token: &str, project: &str) -> Response {
    c.get(url)
        .header("X-MSTR-AuthToken", token)
        .header("X-MSTR-ProjectID", project)
        .send()
        .await
        .expect("request")
}

/// Asserts an error reply in the REST server shape and returns its body.
async fn assert_error(r: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(r.status(), status);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/json"), "{ct}");
    let body: Value = r.json().await.expect("json error body");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let ticket = body["ticketId"].as_str().expect("ticketId");
    assert_eq!(ticket.len(), 32);
    assert!(ticket.chars().all(|c| c.is_ascii_hexdigit()));
    body
}

#[tokio::test]
async fn standard_login_sets_token_session_cookie_and_lb_cookie() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert!(base.ends_with("/MicroStrategyLibrary/api"));
    let c = client();
    let r = login_body(
        &c,
        &base,
        json!({"username": "administrator", "password": "admin-pass", "loginMode": 1, "applicationType": 35}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let token = token_of(&r);
    assert_eq!(token.len(), 26);
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(cookies[0].starts_with("JSESSIONID="));
    assert!(cookies[0].contains("Path=/MicroStrategyLibrary"));
    assert!(cookies[0].contains("HttpOnly"));
    assert!(cookies[1].starts_with("AWSALB="));

    let r = get(&c, format!("{base}/sessions"), &token).await;
    assert_eq!(r.status(), StatusCode::OK);
    let info: Value = r.json().await.unwrap();
    assert_eq!(info["username"], "administrator");
    assert_eq!(info["fullName"], "Administrator");
    assert_eq!(info["timeout"], 600);
    assert_eq!(info["locale"], 1033);
    assert_eq!(info["loginMode"], 1);
    assert_eq!(info["applicationType"], 35);

    let r = get(&c, format!("{base}/sessions/userInfo"), &token).await;
    let ui: Value = r.json().await.unwrap();
    assert_eq!(ui["metadataUser"], true);
    assert_eq!(ui["id"], info["id"]);

    let k = s.counters();
    assert_eq!(
        (k.logins_standard, k.logins(), k.open_sessions, k.calls),
        (1, 1, 1, 2)
    );

    let r = c
        .post(format!("{base}/auth/logout"))
        .header("X-MSTR-AuthToken", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let k = s.counters();
    assert_eq!((k.logouts, k.open_sessions, k.calls), (1, 0, 3));
    // The token is dead after logout.
    let r = get(&c, format!("{base}/sessions"), &token).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR009").await;
    assert_eq!(s.counters().rejected_calls, 1);
}

#[tokio::test]
async fn bad_credentials_give_err003() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let r = login_body(
        &c,
        &base,
        json!({"username": "administrator", "password": "wrong", "loginMode": 1}),
    )
    .await;
    let body = assert_error(r, StatusCode::UNAUTHORIZED, "ERR003").await;
    assert_eq!(body["message"], "Login failed");
    // An LDAP user cannot log in in standard mode, nor a standard user in LDAP mode.
    let r = login_body(
        &c,
        &base,
        json!({"username": "ldapuser", "password": "ldap-pass", "loginMode": 1}),
    )
    .await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR003").await;
    let r = login_body(
        &c,
        &base,
        json!({"username": "administrator", "password": "admin-pass", "loginMode": 16}),
    )
    .await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR003").await;
    let k = s.counters();
    assert_eq!((k.logins_failed, k.logins(), k.open_sessions), (3, 0, 0));
}

#[tokio::test]
async fn every_login_mode() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    // LDAP
    let c = client();
    let r = login_body(
        &c,
        &base,
        json!({"username": "LDAPUSER", "password": "ldap-pass", "loginMode": 16}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let t = token_of(&r);
    let ui: Value = get(&c, format!("{base}/sessions/userInfo"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ui["username"], "ldapuser");
    assert!(ui["ldapdn"].as_str().unwrap().starts_with("CN=ldapuser"));
    // Anonymous
    let g = client();
    let r = login_body(&g, &base, json!({"loginMode": 8})).await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let gt = token_of(&r);
    let ui: Value = get(&g, format!("{base}/sessions/userInfo"), &gt)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ui["username"], "Guest");
    assert_eq!(ui["metadataUser"], false);
    // API token in `username` (as mstr-rest-requests sends it) and in `apiToken`.
    for body in [
        json!({"loginMode": 4096, "username": MstrSimConfig::DEFAULT_API_TOKEN}),
        json!({"loginMode": 4096, "apiToken": MstrSimConfig::DEFAULT_API_TOKEN}),
    ] {
        let a = client();
        let r = login_body(&a, &base, body).await;
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let at = token_of(&r);
        let info: Value = get(&a, format!("{base}/sessions"), &at)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(info["username"], "administrator");
        assert_eq!(info["loginMode"], 4096);
    }
    let r = login_body(
        &client(),
        &base,
        json!({"loginMode": 4096, "username": "nope"}),
    )
    .await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR003").await;

    // Identity token: create with a session, validate, delegate.
    let admin = client();
    let at = admin_login(&admin, &base).await;
    let r = admin
        .post(format!("{base}/auth/identityToken"))
        .header("X-MSTR-AuthToken", &at)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let idt = r.headers()["X-MSTR-IdentityToken"]
        .to_str()
        .unwrap()
        .to_string();
    let r = bare_client()
        .get(format!("{base}/auth/identityToken"))
        .header("X-MSTR-IdentityToken", &idt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["username"], "administrator");
    let d = client();
    let r = d
        .post(format!("{base}/auth/delegate"))
        .json(&json!({"loginMode": -1, "identityToken": idt}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let dt = token_of(&r);
    let info: Value = get(&d, format!("{base}/sessions"), &dt)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["loginMode"], -1);
    let r = d
        .post(format!("{base}/auth/delegate"))
        .json(&json!({"loginMode": -1, "identityToken": "forged"}))
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR003").await;

    // API token creation, then login with it.
    let r = admin
        .post(format!("{base}/auth/apiTokens"))
        .header("X-MSTR-AuthToken", &at)
        .json(&json!({"userId": info["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    let new_token = v["apiToken"].as_str().unwrap().to_string();
    let r = login_body(
        &client(),
        &base,
        json!({"loginMode": 4096, "username": new_token}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let k = s.counters();
    assert_eq!(k.logins_ldap, 1);
    assert_eq!(k.logins_anonymous, 1);
    assert_eq!(k.logins_api_token, 3);
    assert_eq!(k.logins_delegated, 1);
    assert_eq!(k.logins_standard, 1);
    assert_eq!(k.logins_failed, 2);
    assert_eq!(k.identity_tokens_created, 1);
    assert_eq!(k.api_tokens_created, 1);
    assert_eq!(k.open_sessions, 7);
}

#[tokio::test]
async fn guest_login_can_be_refused() {
    let s = sim(MstrSimConfig::default().allow_guest(false)).await;
    let r = login_body(&client(), &s.base_url(), json!({"loginMode": 8})).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR003").await;
    assert_eq!(s.counters().logins_failed, 1);
}

#[tokio::test]
async fn token_without_its_session_cookie_is_rejected() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let token = admin_login(&c, &base).await;
    // Same token, no cookie jar: rejected as an invalid session.
    let r = get(&bare_client(), format!("{base}/sessions"), &token).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR009").await;
    // Another session's cookie does not fit either.
    let other = client();
    admin_login(&other, &base).await;
    let r = other
        .get(format!("{base}/sessions"))
        .header("X-MSTR-AuthToken", &token)
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR009").await;
    // No token at all.
    let r = c.get(format!("{base}/projects")).send().await.unwrap();
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR009").await;
    // The session itself is unharmed.
    let r = get(&c, format!("{base}/projects"), &token).await;
    assert_eq!(r.status(), StatusCode::OK);
    let k = s.counters();
    assert_eq!((k.rejected_calls, k.calls, k.open_sessions), (3, 1, 2));
}

#[tokio::test]
async fn idle_session_expires_and_extend_keeps_it_alive() {
    let s = sim(MstrSimConfig::default().idle_timeout(Duration::from_millis(300))).await;
    let base = s.base_url();
    let c = client();
    let kept = admin_login(&c, &base).await;
    let c2 = client();
    let idle = admin_login(&c2, &base).await;
    let info: Value = get(&c, format!("{base}/sessions"), &kept)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["timeout"], 1);
    assert_eq!(info["timeoutMs"], 300);
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let r = c
            .put(format!("{base}/sessions"))
            .header("X-MSTR-AuthToken", &kept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let r = get(&c, format!("{base}/sessions/userInfo"), &kept).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = get(&c2, format!("{base}/sessions/userInfo"), &idle).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR009").await;
    let k = s.counters();
    assert_eq!((k.extends, k.sessions_expired, k.open_sessions), (6, 1, 1));
}

#[tokio::test]
async fn session_cap_per_user() {
    let s = sim(MstrSimConfig::default().max_sessions_per_user(2)).await;
    let base = s.base_url();
    let a = client();
    let ta = admin_login(&a, &base).await;
    admin_login(&client(), &base).await;
    let r = login_body(
        &client(),
        &base,
        json!({"username": "administrator", "password": "admin-pass", "loginMode": 1}),
    )
    .await;
    let body = assert_error(r, StatusCode::UNAUTHORIZED, "ERR003").await;
    assert!(body["iServerCode"].is_i64());
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("Maximum number of interactive session per user for project exceeded"));
    // Another user is not affected.
    let r = login_body(
        &client(),
        &base,
        json!({"username": "analyst", "password": "analyst-pass", "loginMode": 1}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // A logout frees a slot.
    a.post(format!("{base}/auth/logout"))
        .header("X-MSTR-AuthToken", &ta)
        .send()
        .await
        .unwrap();
    admin_login(&client(), &base).await;
    let k = s.counters();
    assert_eq!(
        (k.logins_standard, k.logins_failed, k.open_sessions),
        (4, 1, 3)
    );
}

#[tokio::test]
async fn expire_all_sessions_switch() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let t = admin_login(&c, &base).await;
    assert_eq!(s.expire_all_sessions(), 1);
    assert_eq!(s.open_sessions(), 0);
    let r = get(&c, format!("{base}/projects"), &t).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR009").await;
    let k = s.counters();
    assert_eq!((k.sessions_expired, k.rejected_calls), (1, 1));
}

#[tokio::test]
async fn project_header_rules_and_acl_denial() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let t = admin_login(&c, &base).await;
    let projects: Value = get(&c, format!("{base}/projects"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(projects.as_array().unwrap().len(), 3);
    assert_eq!(projects[0]["id"], TUTORIAL_PROJECT_ID);
    let r = get(&c, format!("{base}/projects/{TUTORIAL_PROJECT_ID}"), &t).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = get(
        &c,
        format!("{base}/projects/00000000000000000000000000000001"),
        &t,
    )
    .await;
    assert_error(r, StatusCode::NOT_FOUND, "ERR004").await;

    let r = get(&c, format!("{base}/searches/results?name=revenue"), &t).await;
    assert_error(r, StatusCode::BAD_REQUEST, "ERR005").await;
    let r = get_in_project(
        &c,
        format!("{base}/searches/results?name=revenue"),
        &t,
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    )
    .await;
    assert_error(r, StatusCode::NOT_FOUND, "ERR004").await;
    let r = get_in_project(
        &c,
        format!("{base}/searches/results?name=revenue&type=3"),
        &t,
        TUTORIAL_PROJECT_ID,
    )
    .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["totalItems"], 1);
    assert_eq!(v["result"][0]["id"], REVENUE_REPORT_ID);

    // Guest: no Executive Project, no salary report.
    let g = client();
    let gt = token_of(&login_body(&g, &base, json!({"loginMode": 8})).await);
    let projects: Value = get(&g, format!("{base}/projects"), &gt)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(projects.as_array().unwrap().len(), 2);
    let r = get_in_project(
        &g,
        format!("{base}/searches/results"),
        &gt,
        EXECUTIVE_PROJECT_ID,
    )
    .await;
    let body = assert_error(r, StatusCode::FORBIDDEN, "ERR017").await;
    assert_eq!(body["iServerCode"], -2147214568);
    let r = get_in_project(
        &g,
        format!("{base}/objects/{SALARY_REPORT_ID}?type=3"),
        &gt,
        TUTORIAL_PROJECT_ID,
    )
    .await;
    let body = assert_error(r, StatusCode::FORBIDDEN, "ERR017").await;
    assert!(body["message"].as_str().unwrap().contains("User 'Guest'"));
    let r = get_in_project(
        &g,
        format!("{base}/objects/{REVENUE_REPORT_ID}?type=3"),
        &gt,
        TUTORIAL_PROJECT_ID,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = get_in_project(
        &g,
        format!("{base}/objects/{REVENUE_REPORT_ID}"),
        &gt,
        TUTORIAL_PROJECT_ID,
    )
    .await;
    assert_error(r, StatusCode::BAD_REQUEST, "ERR005").await;
}

#[tokio::test]
async fn missing_privilege_gives_err014() {
    let s = sim(MstrSimConfig::default()
        .user(SimUser::standard("viewer", "pw").privileges([privileges::USE_OBJECT_SEARCH])))
    .await;
    let base = s.base_url();
    let c = client();
    let r = login_body(
        &c,
        &base,
        json!({"username": "viewer", "password": "pw", "loginMode": 1}),
    )
    .await;
    let t = token_of(&r);
    let privs: Value = get(&c, format!("{base}/sessions/privileges"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(privs.as_array().unwrap().len(), 1);
    assert_eq!(privs[0]["name"], privileges::USE_OBJECT_SEARCH);
    let r = c
        .post(format!("{base}/v2/reports/{REVENUE_REPORT_ID}/instances"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .send()
        .await
        .unwrap();
    let body = assert_error(r, StatusCode::FORBIDDEN, "ERR014").await;
    assert_eq!(body["iServerCode"], -2147213784);
    assert!(body["message"].as_str().unwrap().contains("Web run report"));
    let r = get(&c, format!("{base}/v2/iserver/settings"), &t).await;
    assert_error(r, StatusCode::FORBIDDEN, "ERR014").await;
}

#[tokio::test]
async fn report_and_cube_instances_with_paging() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let t = admin_login(&c, &base).await;
    let r = c
        .post(format!("{base}/v2/reports/{REVENUE_REPORT_ID}/instances"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert!(v["instanceId"].as_str().is_some());
    assert_eq!(v["data"]["paging"]["total"], 20);
    assert_eq!(
        v["data"]["metricValues"]["raw"].as_array().unwrap().len(),
        20
    );
    assert_eq!(v["definition"]["grid"]["rows"][0]["name"], "Region");

    let r = c
        .post(format!(
            "{base}/v2/cubes/{SALES_CUBE_ID}/instances?limit=100"
        ))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let iid = v["instanceId"].as_str().unwrap().to_string();
    assert_eq!(v["data"]["paging"]["total"], 240);
    assert_eq!(v["data"]["paging"]["current"], 100);
    let mut rows = 100;
    for (offset, expect) in [(100, 100), (200, 40)] {
        let v: Value = get_in_project(
            &c,
            format!("{base}/v2/cubes/{SALES_CUBE_ID}/instances/{iid}?offset={offset}&limit=100"),
            &t,
            TUTORIAL_PROJECT_ID,
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(v["data"]["paging"]["current"], expect);
        assert_eq!(
            v["data"]["headers"]["rows"].as_array().unwrap().len(),
            expect
        );
        rows += expect;
    }
    assert_eq!(rows, 240);
    let r = get_in_project(
        &c,
        format!("{base}/v2/cubes/{SALES_CUBE_ID}/instances/NOPE"),
        &t,
        TUTORIAL_PROJECT_ID,
    )
    .await;
    assert_error(r, StatusCode::NOT_FOUND, "ERR004").await;
    let r = get_in_project(
        &c,
        format!("{base}/cubes/{SALES_CUBE_ID}"),
        &t,
        TUTORIAL_PROJECT_ID,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn server_error_template_and_modeling_errors() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let t = admin_login(&c, &base).await;
    let r = c
        .post(format!("{base}/v2/reports/{BROKEN_REPORT_ID}/instances"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .send()
        .await
        .unwrap();
    let body = assert_error(r, StatusCode::INTERNAL_SERVER_ERROR, "ERR002").await;
    assert!(body["iServerCode"].is_i64());
    assert_eq!(
        body["subErrors"][0]["additionalProperties"]["objectId"],
        BROKEN_REPORT_ID
    );
    assert!(body["additionalProperties"].is_object());

    let r = c
        .get(format!("{base}/model/metrics/{REVENUE_METRIC_ID}"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-MS-Changeset", "bogus")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["code"], "8004cc4c");
    assert_eq!(
        v["errors"][0]["additionalProperties"]["arguments"],
        json!(["X-MSTR-MS-Changeset", "bogus"])
    );
    // A real changeset works.
    let r = c
        .post(format!("{base}/model/changesets"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let cs = r.headers()["X-MSTR-MS-Changeset"]
        .to_str()
        .unwrap()
        .to_string();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["id"], cs.as_str());
    assert_eq!(v["status"], "Ready");
    assert_eq!(v["mstrProjectId"], TUTORIAL_PROJECT_ID);
    let r = c
        .get(format!("{base}/model/metrics/{REVENUE_METRIC_ID}"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-MS-Changeset", &cs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["information"]["objectId"], REVENUE_METRIC_ID);
    // Unknown metric: modeling-service 404.
    let r = get_in_project(
        &c,
        format!("{base}/model/metrics/FFFF"),
        &t,
        TUTORIAL_PROJECT_ID,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let v: Value = r.json().await.unwrap();
    assert!(v["errors"][0]["code"].is_string());
    // Commit needs the changeset header; a second commit conflicts.
    let commit = format!("{base}/model/changesets/{cs}/commit");
    let r = c
        .post(&commit)
        .header("X-MSTR-AuthToken", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .post(&commit)
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-MS-Changeset", &cs)
        .json(&json!({"comment": "sim"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "Committed");
    let r = c
        .post(&commit)
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-MS-Changeset", &cs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = c
        .delete(format!("{base}/model/changesets/{cs}"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-MS-Changeset", &cs)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = get(&c, format!("{base}/model/changesets/{cs}"), &t).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let v: Value = r.json().await.unwrap();
    assert!(v["errors"].is_array());
}

#[tokio::test]
async fn bad_requests_never_panic() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let r = c
        .post(format!("{base}/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let body = assert_error(r, StatusCode::BAD_REQUEST, "ERR006").await;
    assert_eq!(body["message"], "Invalid JSON");
    let r = login_body(&c, &base, json!({"loginMode": "one"})).await;
    assert_error(r, StatusCode::BAD_REQUEST, "ERR006").await;
    let r = login_body(&c, &base, json!({"loginMode": 64})).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR003").await;
    let r = c.get(format!("{base}/no/such/path")).send().await.unwrap();
    let body = assert_error(r, StatusCode::NOT_FOUND, "ERR004").await;
    assert_eq!(body["message"], "HTTP 404 Not Found");
    let r = c.delete(format!("{base}/auth/login")).send().await.unwrap();
    assert_error(r, StatusCode::NOT_FOUND, "ERR004").await;
    let t = admin_login(&c, &base).await;
    let r = c
        .post(format!("{base}/datasets/models"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .body("[1,2")
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::BAD_REQUEST, "ERR006").await;
    let r = c
        .post(format!("{base}/datasets/models"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .json(&json!({"tables": []}))
        .send()
        .await
        .unwrap();
    let body = assert_error(r, StatusCode::BAD_REQUEST, "ERR005").await;
    assert_eq!(body["message"], "Missing required field: name");
    let r = get_in_project(
        &c,
        format!("{base}/searches/results?limit=abc"),
        &t,
        TUTORIAL_PROJECT_ID,
    )
    .await;
    assert_error(r, StatusCode::BAD_REQUEST, "ERR006").await;
}

#[tokio::test]
async fn dataset_push_flow() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let t = admin_login(&c, &base).await;
    let post = |url: String, body: Value| {
        c.post(url)
            .header("X-MSTR-AuthToken", &t)
            .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
            .json(&body)
            .send()
    };
    let r = post(
        format!("{base}/datasets/models"),
        json!({"name": "Sales push", "tables": [{"name": "sales", "columnHeaders": [
            {"name": "region", "dataType": "STRING"}, {"name": "amount", "dataType": "DOUBLE"}]}]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ds: Value = r.json().await.unwrap();
    let id = ds["id"].as_str().unwrap().to_string();
    let r = post(
        format!("{base}/datasets/{id}/uploadSessions"),
        json!({"tables": [{"name": "sales", "updatePolicy": "REPLACE"}]}),
    )
    .await
    .unwrap();
    let v: Value = r.json().await.unwrap();
    let sid = v["uploadSessionId"].as_str().unwrap().to_string();
    let r = c
        .put(format!("{base}/datasets/{id}/uploadSessions/{sid}"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .json(&json!({"tableName": "sales", "index": 1, "data": "cmVnaW9uLGFtb3VudApXZWIsMTAK"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let status_url = format!("{base}/datasets/{id}/uploadSessions/{sid}/publishStatus");
    let v: Value = get_in_project(&c, status_url.clone(), &t, TUTORIAL_PROJECT_ID)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], 0);
    let r = post(
        format!("{base}/datasets/{id}/uploadSessions/{sid}/publish"),
        json!({"tables": ["sales"]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = get_in_project(&c, status_url, &t, TUTORIAL_PROJECT_ID)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], 1);
    assert_eq!(v["uploadedChunks"], 1);

    // The analyst lacks "Web import data".
    let a = client();
    let at = token_of(
        &login_body(
            &a,
            &base,
            json!({"username": "analyst", "password": "analyst-pass", "loginMode": 1}),
        )
        .await,
    );
    let r = a
        .post(format!("{base}/datasets/models"))
        .header("X-MSTR-AuthToken", &at)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .json(&json!({"name": "x", "tables": [{"name": "t", "columnHeaders": [{"name": "a", "dataType": "STRING"}]}]}))
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::FORBIDDEN, "ERR014").await;
}

#[tokio::test]
async fn faults_at_rate_one_and_zero() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let t = admin_login(&c, &base).await;
    let url = format!("{base}/sessions/userInfo");

    s.faults().set_rate(FaultKind::ServerError, 1.0);
    for _ in 0..3 {
        let r = get(&c, url.clone(), &t).await;
        let body = assert_error(r, StatusCode::INTERNAL_SERVER_ERROR, "ERR001").await;
        assert!(body["subErrors"].is_array());
    }
    s.faults().set_rate(FaultKind::ServerError, 0.0);

    s.faults().set_rate(FaultKind::HtmlErrorPage, 1.0);
    let r = get(&c, url.clone(), &t).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(r.headers()["content-type"], "text/html");
    assert!(r.text().await.unwrap().contains("502 Bad Gateway"));
    s.faults().set_rate(FaultKind::HtmlErrorPage, 0.0);

    s.faults().set_rate(FaultKind::DroppedConnection, 1.0);
    let err = c
        .get(url.clone())
        .header("X-MSTR-AuthToken", &t)
        .send()
        .await
        .expect_err("connection dropped");
    assert!(!err.is_timeout());
    s.faults().set_rate(FaultKind::DroppedConnection, 0.0);

    s.faults().set_faults(
        Faults::none()
            .rate(FaultKind::SlowReply, 1.0)
            .slow_delay(Duration::from_millis(250)),
    );
    let started = Instant::now();
    let r = get(&c, url.clone(), &t).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(250));
    let err = c
        .get(url.clone())
        .header("X-MSTR-AuthToken", &t)
        .timeout(Duration::from_millis(50))
        .send()
        .await
        .expect_err("client times out on a slow reply");
    assert!(err.is_timeout());
    s.faults().set_rate(FaultKind::SlowReply, 0.0);

    // Rate 0: everything passes.
    for _ in 0..20 {
        assert_eq!(get(&c, url.clone(), &t).await.status(), StatusCode::OK);
    }

    s.faults().set_rate(FaultKind::ExpiredSession, 1.0);
    let r = get(&c, url.clone(), &t).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR009").await;
    s.faults().set_rate(FaultKind::ExpiredSession, 0.0);
    // The session is really gone.
    let r = get(&c, url.clone(), &t).await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR009").await;

    assert_eq!(s.faults().injected(FaultKind::ServerError), 3);
    assert_eq!(s.faults().injected(FaultKind::HtmlErrorPage), 1);
    assert_eq!(s.faults().injected(FaultKind::DroppedConnection), 1);
    assert_eq!(s.faults().injected(FaultKind::SlowReply), 2);
    assert_eq!(s.faults().injected(FaultKind::ExpiredSession), 1);
    let k = s.counters();
    assert_eq!(k.faults_injected, 8);
    assert_eq!(k.open_sessions, 0);
    assert_eq!(k.sessions_expired, 1);
}

#[tokio::test]
async fn same_seed_same_tokens_and_api_alias() {
    let a = sim(MstrSimConfig::default().seed(7)).await;
    let b = sim(MstrSimConfig::default().seed(7)).await;
    let ta = admin_login(&client(), &a.base_url()).await;
    let tb = admin_login(&client(), &b.base_url()).await;
    assert_eq!(ta, tb);
    // The `/api` alias serves the same API; its cookie path is `/`.
    let c = client();
    let r = login_body(
        &c,
        &format!("{}/api", a.origin()),
        json!({"username": "administrator", "password": "admin-pass", "loginMode": 1}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("Path=/;"), "{cookie}");
    let t = token_of(&r);
    let r = get(&c, format!("{}/api/projects", a.origin()), &t).await;
    assert_eq!(r.status(), StatusCode::OK);
    let origin = a.origin();
    a.shutdown().await;
    // After shutdown nothing listens any more.
    let r = bare_client()
        .get(format!("{origin}/api/status"))
        .send()
        .await;
    assert!(r.is_err());
}

#[tokio::test]
async fn form_encoded_login_and_cookie_token_lookup() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let r = c
        .post(format!("{base}/auth/login"))
        .form(&[
            ("username", "administrator"),
            ("password", "admin-pass"),
            ("loginMode", "1"),
            ("applicationType", "76"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let t = token_of(&r);
    let info: Value = get(&c, format!("{base}/sessions"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["applicationType"], 76);
    let r = c
        .post(format!("{base}/auth/login"))
        .form(&[("loginMode", "x")])
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::BAD_REQUEST, "ERR006").await;
    // GET /auth/token: the cookie alone recovers the session's token.
    let r = c.get(format!("{base}/auth/token")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(token_of(&r), t);
    let r = bare_client()
        .get(format!("{base}/auth/token"))
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR009").await;
}

#[tokio::test]
async fn token_endpoints_follow_the_spec_shapes() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let t = admin_login(&c, &base).await;
    let r = c
        .post(format!("{base}/auth/identityToken"))
        .header("X-MSTR-AuthToken", &t)
        .send()
        .await
        .unwrap();
    let idt = r.headers()["X-MSTR-IdentityToken"]
        .to_str()
        .unwrap()
        .to_string();
    let v: Value = c
        .get(format!("{base}/auth/identityToken"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-IdentityToken", &idt)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["username"], "administrator");
    assert_eq!(v["userId"].as_str().unwrap().len(), 32);
    assert!(v["expiration"].as_str().unwrap().ends_with('Z'));

    // API tokens: the configured one plus a new one, then revoke all.
    let r = c
        .post(format!("{base}/auth/apiTokens"))
        .header("X-MSTR-AuthToken", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert!(v["apiToken"].is_string() && v["expiration"].is_string());
    let v: Value = get(&c, format!("{base}/auth/apiTokens"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["apiTokens"].as_array().unwrap().len(), 2);
    assert!(v["apiTokens"][0]["dateCreated"].is_string());
    let r = c
        .delete(format!("{base}/auth/apiTokens"))
        .header("X-MSTR-AuthToken", &t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = login_body(
        &client(),
        &base,
        json!({"loginMode": 4096, "username": MstrSimConfig::DEFAULT_API_TOKEN}),
    )
    .await;
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR003").await;
    // The analyst may not manage the administrator's tokens.
    let a = client();
    let at = token_of(
        &login_body(
            &a,
            &base,
            json!({"username": "analyst", "password": "analyst-pass", "loginMode": 1}),
        )
        .await,
    );
    let admin_id = v_user_id(&c, &base, &t).await;
    let r = get(&a, format!("{base}/auth/apiTokens?userId={admin_id}"), &at).await;
    let body = assert_error(r, StatusCode::FORBIDDEN, "ERR014").await;
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains(privileges::ADMINISTER_USERS));

    // Privileges in the spec shape; one privilege by id.
    let v: Value = get(&c, format!("{base}/sessions/privileges"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v.as_array().unwrap().len(), privileges::ALL.len());
    assert_eq!(v[0]["projects"][0]["source"][0]["type"], "user");
    let r = get(&c, format!("{base}/sessions/privileges/3"), &t).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = get(&a, format!("{base}/sessions/privileges/202"), &at).await;
    assert_error(r, StatusCode::NOT_FOUND, "ERR004").await;
}

async fn v_user_id(c: &Client, base: &str, t: &str) -> String {
    let v: Value = get(c, format!("{base}/sessions/userInfo"), t)
        .await
        .json()
        .await
        .unwrap();
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn content_endpoints_follow_the_spec_shapes() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let t = admin_login(&c, &base).await;
    // Project by name; project selection.
    let r = get(&c, format!("{base}/projects/MicroStrategy%20Tutorial"), &t).await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["id"], TUTORIAL_PROJECT_ID);
    let r = c
        .put(format!("{base}/sessions/projectId"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Repeated `type`, limit -1, pattern 2 (exactly).
    let v: Value = get_in_project(
        &c,
        format!("{base}/searches/results?type=3&type=55&limit=-1"),
        &t,
        TUTORIAL_PROJECT_ID,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["totalItems"], 5);
    let v: Value = get_in_project(
        &c,
        format!("{base}/searches/results?name=Sales%20Cube&pattern=2"),
        &t,
        TUTORIAL_PROJECT_ID,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["totalItems"], 1);
    // Definitions (v1 and v2), cube status, cube info.
    for url in [
        format!("{base}/v2/reports/{REVENUE_REPORT_ID}"),
        format!("{base}/reports/{REVENUE_REPORT_ID}"),
    ] {
        let v: Value = get_in_project(&c, url, &t, TUTORIAL_PROJECT_ID)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["sourceType"], "report");
        assert_eq!(
            v["definition"]["availableObjects"]["attributes"][1]["name"],
            "Year"
        );
    }
    let v: Value = get_in_project(
        &c,
        format!("{base}/v2/cubes/{SALES_CUBE_ID}"),
        &t,
        TUTORIAL_PROJECT_ID,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["sourceType"], "cube");
    let r = c
        .head(format!("{base}/cubes/{SALES_CUBE_ID}"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["X-MSTR-CubeStatus"], "6");
    let v: Value = get_in_project(
        &c,
        format!("{base}/cubes?id={SALES_CUBE_ID}"),
        &t,
        TUTORIAL_PROJECT_ID,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["cubesInfos"][0]["cubeName"], "Sales Cube");
    let r = c
        .post(format!("{base}/v2/cubes/{SALES_CUBE_ID}"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    // A report instance with a requestedObjects body; a garbled body is ERR006.
    let r = c
        .post(format!(
            "{base}/v2/reports/{REVENUE_REPORT_ID}/instances?limit=5"
        ))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .json(&json!({"requestedObjects": {"attributes": [], "metrics": []}}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["data"]["paging"]["current"], 5);
    let r = c
        .post(format!("{base}/v2/reports/{REVENUE_REPORT_ID}/instances"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .body("{")
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::BAD_REQUEST, "ERR006").await;
    // One-request dataset, then its definition.
    let r = c
        .post(format!("{base}/datasets"))
        .header("X-MSTR-AuthToken", &t)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .json(&json!({"name": "One shot", "tables": [{"name": "t1",
            "columnHeaders": [{"name": "a", "dataType": "String"}, {"name": "b", "dataType": "BigDecimal"}],
            "data": "W1sieCIsMV1d"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let id = v["datasetId"].as_str().unwrap().to_string();
    assert_eq!(v["tables"][0]["name"], "t1");
    let v: Value = get_in_project(&c, format!("{base}/datasets/{id}"), &t, TUTORIAL_PROJECT_ID)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v["result"]["definition"]["availableObjects"]["columns"][1]["dataType"],
        "BigDecimal"
    );
    // Settings.
    let v: Value = get(&c, format!("{base}/v2/iserver/settings"), &t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["userSessionIdleTime"]["value"], 600);
    let r = get(
        &c,
        format!("{base}/v2/projects/{TUTORIAL_PROJECT_ID}/settings"),
        &t,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = bare_client()
        .get(format!("{base}/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["iServerConnected"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_are_counted_exactly() {
    let s = sim(MstrSimConfig::default()).await;
    let base = s.base_url();
    let c = client();
    let t = admin_login(&c, &base).await;
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let (c, url, t) = (c.clone(), format!("{base}/sessions/userInfo"), t.clone());
        tasks.push(tokio::spawn(async move {
            c.get(url)
                .header("X-MSTR-AuthToken", t)
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    let mut ok = 0;
    for task in tasks {
        if task.await.expect("task").expect("call") == StatusCode::OK {
            ok += 1;
        }
    }
    assert_eq!(ok, 1000);
    let k = s.counters();
    assert_eq!(
        (k.calls, k.rejected_calls, k.logins(), k.open_sessions),
        (1000, 0, 1, 1)
    );
    // Expire everything: the same burst is now rejected, each call exactly once.
    s.expire_all_sessions();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let (c, url, t) = (c.clone(), format!("{base}/projects"), t.clone());
        tasks.push(tokio::spawn(async move {
            c.get(url)
                .header("X-MSTR-AuthToken", t)
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    for task in tasks {
        assert_eq!(
            task.await.expect("task").expect("call"),
            StatusCode::UNAUTHORIZED
        );
    }
    let k = s.counters();
    assert_eq!(
        (k.calls, k.rejected_calls, k.sessions_expired),
        (1000, 200, 1)
    );
}

#[tokio::test]
async fn identity_token_ttl_limits_delegation() {
    // A TTL too large for the clock must not panic.
    let s = sim(MstrSimConfig::default().identity_token_ttl(Duration::MAX)).await;
    assert!(s.issue_identity_token("administrator").is_some());
    assert!(s.issue_identity_token("nobody").is_none());
    let s = sim(MstrSimConfig::default().identity_token_ttl(Duration::from_millis(100))).await;
    let idt = s.issue_identity_token("administrator").unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = client()
        .post(format!("{}/auth/delegate", s.base_url()))
        .json(&json!({"loginMode": -1, "identityToken": idt}))
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::UNAUTHORIZED, "ERR003").await;
    let k = s.counters();
    assert_eq!((k.logins_delegated, k.logins_failed), (0, 1));
    // Config validation.
    assert!(start(MstrSimConfig::default().max_sessions_per_user(0))
        .await
        .is_err());
    assert!(start(
        MstrSimConfig::empty()
            .user(SimUser::standard("a", "1"))
            .user(SimUser::ldap("A", "2"))
    )
    .await
    .is_ok());
}
