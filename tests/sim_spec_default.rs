//! The spec-driven default of the simulators: bodies validated against the spec and refused
//! in each vendor's error shape, answers synthesised from the spec, and the vendors' session
//! checks, faults and limits applied to operations that have no stateful handler, with exact
//! counters. Also Looker's unversioned logout and the configurable server versions.

use std::time::Duration;

use bi_rest::sim::all::{start_all, SimSet, Vendor};
use bi_rest::sim::faults::{FaultKind, Faults};
use bi_rest::sim::looker::{ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, DOC_URL};
use bi_rest::sim::mstr::data::TUTORIAL_PROJECT_ID;
use bi_rest::sim::mstr::objects::TUTORIAL_REPORTS_FOLDER_ID;
use serde_json::{json, Value};

async fn looker_token(http: &reqwest::Client, base: &str) -> String {
    let token: Value = http
        .post(format!("{base}/api/4.0/login"))
        .form(&[
            ("client_id", ADMIN_CLIENT_ID),
            ("client_secret", ADMIN_CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("token");
    format!("token {}", token["access_token"].as_str().expect("token"))
}

#[tokio::test]
async fn looker_validation_errors_in_lookers_shape() {
    let sims = start_all(SimSet::new().vendor(Vendor::Looker))
        .await
        .expect("start");
    let sim = sims.looker.as_ref().expect("looker");
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let auth = looker_token(&http, &base).await;
    // create_query: model and view are required by the spec; limit must be a string.
    let resp = http
        .post(format!("{base}/api/4.0/queries"))
        .header("authorization", &auth)
        .json(&json!({"model": "thelook", "limit": 5}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(
        body,
        json!({
            "message": "Validation Failed",
            "errors": [
                {"field": "view", "code": "missing", "message": "This field is required.", "documentation_url": DOC_URL},
                {"field": "limit", "code": "invalid", "message": "must be a string", "documentation_url": DOC_URL},
            ],
            "documentation_url": DOC_URL,
        })
    );
    // A spec-default operation with a body (create_role): wrong type refused the same way.
    let resp = http
        .post(format!("{base}/api/4.0/roles"))
        .header("authorization", &auth)
        .json(&json!({"name": 7}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["errors"][0]["field"], "name");
    // A value outside the spec's enum (create_query_task's result_format) is invalid too.
    let resp = http
        .post(format!("{base}/api/4.0/query_tasks"))
        .header("authorization", &auth)
        .json(&json!({"query_id": "1", "result_format": "xml"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["errors"][0]["field"], "result_format");
    assert_eq!(body["errors"][0]["code"], "invalid");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("must be one of: inline_json, json,")),
        "{body}"
    );
    // Bad JSON: 400 in the Looker Error shape.
    let resp = http
        .post(format!("{base}/api/4.0/roles"))
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["documentation_url"], DOC_URL);
    let stats = sim.stats();
    assert_eq!(stats.calls, 4);
    assert_eq!(stats.spec_defaults, 0);
}

#[tokio::test]
async fn looker_default_answers_after_auth_faults_and_token_ttl() {
    let sims = start_all(
        SimSet::new()
            .vendor(Vendor::Looker)
            .token_ttl(Duration::from_millis(300)),
    )
    .await
    .expect("start");
    let sim = sims.looker.as_ref().expect("looker");
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let roles = format!("{base}/api/4.0/roles");
    // No token: 401 before any default answer.
    let resp = http.get(&roles).send().await.expect("send");
    assert_eq!(resp.status(), 401);
    let auth = looker_token(&http, &base).await;
    let resp = http
        .get(&roles)
        .header("authorization", &auth)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    assert!(body.is_array() && body[0]["id"].is_string(), "{body}");
    // Injected 5xx and 429 apply to default operations.
    sim.faults().set_rate(FaultKind::ServerError, 1.0);
    let resp = http
        .get(&roles)
        .header("authorization", &auth)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 500);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["documentation_url"], DOC_URL);
    sim.faults().set_rate(FaultKind::ServerError, 0.0);
    sim.faults().set_rate(FaultKind::RateLimited, 1.0);
    let resp = http
        .get(&roles)
        .header("authorization", &auth)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "1");
    sim.faults().set_rate(FaultKind::RateLimited, 0.0);
    // Token TTL: the token ends, the default operation answers 401.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let resp = http
        .get(&roles)
        .header("authorization", &auth)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 401);
    let stats = sim.stats();
    assert_eq!(stats.calls, 3, "{stats:?}");
    assert_eq!(stats.spec_defaults, 1, "{stats:?}");
    assert_eq!(stats.unauthorized, 2, "{stats:?}");
}

#[tokio::test]
async fn looker_unversioned_logout_and_versions() {
    let sims = start_all(
        SimSet::new()
            .vendor(Vendor::Looker)
            .server_version("25.20.1"),
    )
    .await
    .expect("start");
    let sim = sims.looker.as_ref().expect("looker");
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let versions: Value = http
        .get(format!("{base}/api/4.0/versions"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(versions["looker_release_version"], "25.20.1");
    assert_eq!(versions["current_version"]["version"], "4.0");
    let auth = looker_token(&http, &base).await;
    let resp = http
        .delete(format!("{base}/api/logout"))
        .header("authorization", &auth)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 204);
    assert_eq!(sim.stats().logouts, 1);
    assert_eq!(sim.stats().live_tokens, 0);
}

struct Mstr {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Mstr {
    async fn login(base: String) -> Mstr {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let login = http
            .post(format!("{base}/auth/login"))
            .json(&json!({"username": "administrator", "password": "admin-pass", "loginMode": 1}))
            .send()
            .await
            .expect("login");
        let token = login.headers()["x-mstr-authtoken"]
            .to_str()
            .expect("token")
            .to_string();
        Mstr { http, base, token }
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .header("X-MSTR-AuthToken", &self.token)
            .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
    }
}

async fn code_of(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("json");
    assert!(body["ticketId"].is_string(), "{body}");
    (
        status,
        body["code"].as_str().unwrap_or("").to_string(),
        body["message"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn mstr_default_validates_and_checks_the_session_and_project() {
    let sims = start_all(
        SimSet::new()
            .vendor(Vendor::Mstr)
            .server_version("11.5.1200.0001"),
    )
    .await
    .expect("start");
    let sim = sims.mstr.as_ref().expect("mstr");
    let m = Mstr::login(sim.base_url()).await;
    let status: Value = m
        .http
        .get(format!("{}/status", m.base))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(status["iServerVersion"], "11.5.1200.0001");
    // POST /v2/projects (spec default): name is required.
    let r = m
        .post("/v2/projects")
        .json(&json!({"description": "Tour"}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        code_of(r).await,
        (400, "ERR005".into(), "Missing required field: name".into())
    );
    let r = m
        .post("/v2/projects")
        .json(&json!({"name": 1}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        code_of(r).await,
        (
            400,
            "ERR006".into(),
            "Invalid value for field 'name': must be a string".into()
        )
    );
    let r = m
        .post("/v2/projects")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .expect("send");
    assert_eq!(
        code_of(r).await,
        (400, "ERR006".into(), "Invalid JSON".into())
    );
    // GET /model/schema/lock (spec default) declares the project header.
    let r = m
        .http
        .get(format!("{}/model/schema/lock", m.base))
        .header("X-MSTR-AuthToken", &m.token)
        .send()
        .await
        .expect("send");
    assert_eq!(code_of(r).await.1, "ERR005", "project header missing");
    let r = m
        .post("/v2/projects")
        .json(&json!({"name": "Tour"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.expect("json");
    assert!(body.is_object(), "{body}");
    assert_eq!(sim.counters().spec_defaults, 1);
    // The session's idle timeout applies to default operations too.
    sim.set_idle_timeout(Duration::from_millis(50));
    tokio::time::sleep(Duration::from_millis(120)).await;
    let r = m
        .post("/v2/projects")
        .json(&json!({"name": "Tour"}))
        .send()
        .await
        .expect("send");
    assert_eq!(code_of(r).await.1, "ERR009");
    let c = sim.counters();
    assert_eq!(c.spec_defaults, 1);
    assert_eq!(c.sessions_expired, 1);
}

#[tokio::test]
async fn mstr_faults_apply_to_default_operations() {
    let sims = start_all(SimSet::new().vendor(Vendor::Mstr).faults(Faults::none()))
        .await
        .expect("start");
    let sim = sims.mstr.as_ref().expect("mstr");
    let m = Mstr::login(sim.base_url()).await;
    sim.faults().set_rate(FaultKind::ExpiredSession, 1.0);
    let r = m
        .post("/v2/projects")
        .json(&json!({"name": "Tour"}))
        .send()
        .await
        .expect("send");
    assert_eq!(code_of(r).await.1, "ERR009");
    sim.faults().set_rate(FaultKind::ExpiredSession, 0.0);
    assert_eq!(sim.counters().open_sessions, 0);
    assert_eq!(sim.counters().spec_defaults, 0);
}

#[tokio::test]
async fn mstr_stateful_operations_refuse_bodies_the_spec_refuses() {
    let sims = start_all(SimSet::new().vendor(Vendor::Mstr).faults(Faults::none()))
        .await
        .expect("start");
    let sim = sims.mstr.as_ref().expect("mstr");
    let m = Mstr::login(sim.base_url()).await;
    let calls = sim.counters().calls;
    // POST /folders (stateful): the spec requires name and parent.
    let r = m
        .post("/folders")
        .json(&json!({"name": "Tour"}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        code_of(r).await,
        (
            400,
            "ERR005".into(),
            "Missing required field: parent".into()
        )
    );
    // POST /users (stateful): username must be a string.
    let r = m
        .post("/users")
        .json(&json!({"username": 5, "fullName": "Five"}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        code_of(r).await,
        (
            400,
            "ERR006".into(),
            "Invalid value for field 'username': must be a string".into()
        )
    );
    // PUT an upload chunk: index must be an integer.
    let r = m
        .http
        .put(format!("{}/datasets/D1/uploadSessions/U1", m.base))
        .header("X-MSTR-AuthToken", &m.token)
        .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
        .json(&json!({"tableName": "t", "index": "first", "data": "AAAA"}))
        .send()
        .await
        .expect("send");
    assert_eq!(code_of(r).await.1, "ERR006");
    // An enum member of another case is accepted (BOOL for Bool); one outside it is not.
    let model = |data_type: &str| {
        json!({"name": "Push", "tables": [{"name": "t", "columnHeaders": [
            {"name": "flag", "dataType": data_type}]}]})
    };
    let r = m
        .post("/datasets/models")
        .json(&model("Blob"))
        .send()
        .await
        .expect("send");
    let (status, code, message) = code_of(r).await;
    assert_eq!((status, code.as_str()), (400, "ERR006"));
    assert!(
        message.starts_with(
            "Invalid value for field 'tables[0].columnHeaders[0].dataType': must be one of: Integer,"
        ),
        "{message}"
    );
    let r = m
        .post("/datasets/models")
        .json(&model("BOOL"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // Each refused call was an authenticated call, counted once; no default answered them.
    let c = sim.counters();
    assert_eq!(c.calls, calls + 5);
    assert_eq!(c.spec_defaults, 0);
    // Without a session the 401 comes first, whatever the body.
    let r = m
        .http
        .post(format!("{}/folders", m.base))
        .json(&json!({"name": "Tour"}))
        .send()
        .await
        .expect("send");
    assert_eq!(code_of(r).await.1, "ERR009");
    // A session-less operation's body is checked before anything else.
    let r = m
        .http
        .post(format!("{}/auth/delegate", m.base))
        .json(&json!({"loginMode": -1}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        code_of(r).await,
        (
            400,
            "ERR005".into(),
            "Missing required field: identityToken".into()
        )
    );
    // A body the spec accepts reaches the handler, which creates the folder.
    let r = m
        .post("/folders")
        .json(&json!({"name": "Tour", "parent": TUTORIAL_REPORTS_FOLDER_ID}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    assert_eq!(sim.counters().calls, calls + 6);
}
