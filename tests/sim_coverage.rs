//! Every operation of every shipped spec is answered by the simulators: each one is called
//! (logged in, path parameters filled, a schema-valid body synthesised from the spec) and
//! must not meet the "no such route" answer; operations without a stateful handler must get
//! exactly their declared success status from the spec-driven default, and the counters must
//! count exactly the calls made. Also: `coverage::report()` says 0 not answered.

use bi_rest::sim::all::{start_all, SimSet, Vendor};
use bi_rest::sim::coverage;
use bi_rest::sim::looker::{ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
use bi_rest::sim::mstr::data::TUTORIAL_PROJECT_ID;
use bi_rest::sim::spec::{Op, Spec, SpecTable};
use reqwest::Method;
use serde_json::Value;

/// The path of `op` with every parameter filled (`value(name)`).
fn fill(op: &Op, value: impl Fn(&str) -> String) -> String {
    op.path
        .split('/')
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => value(name),
                None => seg.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn request(
    http: &reqwest::Client,
    table: &SpecTable,
    op: &Op,
    url: String,
) -> reqwest::RequestBuilder {
    let method = Method::from_bytes(op.method.as_bytes()).expect("method");
    let query: Vec<(&str, &str)> = op.query.iter().map(|q| (q.as_str(), "1")).collect();
    let mut rb = http.request(method, url).query(&query);
    if let Some(body) = &op.body {
        let value = body
            .schema
            .as_ref()
            .map(|s| table.synth(s))
            .unwrap_or(Value::Object(Default::default()));
        rb = if body.media.contains("json") {
            rb.json(&value)
        } else {
            rb.header("content-type", body.media.as_str())
                .body(value.to_string())
        };
    }
    rb
}

#[test]
fn report_counts_every_operation_and_leaves_none_unanswered() {
    let report = coverage::report();
    assert_eq!(report.len(), 5);
    for c in &report {
        assert!(c.operations > 0, "{c:?}");
        assert_eq!(c.stateful + c.spec_default + c.not_answered, c.operations);
        assert_eq!(c.not_answered, 0, "{c:?}");
        assert!(c.stateful > 0, "{c:?}");
    }
    let looker40 = report.iter().find(|c| c.spec == "looker_4_0").expect("4.0");
    assert_eq!(looker40.operations, 483);
    // MicroStrategy: folders, objects, reports, cubes, datasets and cube caches are stateful;
    // the default answers project administration, modeling and settings.
    let mstr = report.iter().find(|c| c.spec == "mstr").expect("mstr");
    assert_eq!(
        (mstr.operations, mstr.stateful, mstr.spec_default),
        (113, 80, 33)
    );
}

/// Looker: every operation of 3.0, 3.1 and 4.0 except the login and logout ones.
#[tokio::test]
async fn looker_answers_every_operation_of_every_version() {
    let sims = start_all(SimSet::new().vendor(Vendor::Looker))
        .await
        .expect("start");
    let sim = sims.looker.as_ref().expect("looker");
    let http = reqwest::Client::new();
    let mut calls = 0u64;
    let mut defaults = 0u64;
    for spec in [Spec::Looker30, Spec::Looker31, Spec::Looker40] {
        let table = spec.table();
        let ver = match spec {
            Spec::Looker30 => "3.0",
            Spec::Looker31 => "3.1",
            _ => "4.0",
        };
        let root = format!("{}/api/{ver}", sim.base_url());
        let token: Value = http
            .post(format!("{root}/login"))
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
        let auth = format!("token {}", token["access_token"].as_str().expect("token"));
        for op in &table.ops {
            if matches!(op.id.as_str(), "login" | "login_user" | "logout") {
                continue;
            }
            let path = fill(op, |name| match name {
                "result_format" => "json".into(),
                "api_version" => ver.into(),
                "specification" => "swagger".into(),
                _ => "1".into(),
            });
            let resp = request(&http, table, op, format!("{root}{path}"))
                .header("authorization", &auth)
                .send()
                .await
                .expect("send");
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap_or_default();
            assert_ne!(status, 405, "{ver} {} {}", op.method, op.path);
            if op.id != "versions" {
                calls += 1;
            }
            if !bi_rest::sim::looker::is_stateful(&op.id) {
                defaults += 1;
                assert_eq!(
                    status, op.ok.status,
                    "{ver} {} {} ({}): {body}",
                    op.method, op.path, op.id
                );
            }
        }
    }
    let stats = sim.stats();
    assert_eq!(stats.unrouted, 0);
    assert_eq!(stats.calls, calls);
    assert_eq!(stats.spec_defaults, defaults);
    assert_eq!(stats.unauthorized, 0);
}

/// MicroStrategy: every operation except the ones that end the session.
#[tokio::test]
async fn mstr_answers_every_operation() {
    let sims = start_all(SimSet::new().vendor(Vendor::Mstr))
        .await
        .expect("start");
    let sim = sims.mstr.as_ref().expect("mstr");
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let base = sim.base_url();
    let login = http
        .post(format!("{base}/auth/login"))
        .json(&serde_json::json!({"username": "administrator", "password": "admin-pass", "loginMode": 1}))
        .send()
        .await
        .expect("login");
    let token = login.headers()["x-mstr-authtoken"]
        .to_str()
        .expect("token")
        .to_string();
    let table = Spec::Mstr.table();
    let before = sim.counters();
    let mut defaults = 0u64;
    for op in &table.ops {
        let ends_session = matches!(
            (op.method.as_str(), op.path.as_str()),
            ("POST", "/auth/login" | "/auth/logout" | "/auth/delegate") | ("DELETE", "/sessions")
        );
        if ends_session {
            continue;
        }
        let path = fill(op, |_| TUTORIAL_PROJECT_ID.to_string());
        let mut rb = request(&http, table, op, format!("{base}{path}"))
            .header("X-MSTR-AuthToken", &token)
            .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID);
        for h in &op.headers {
            if !h.eq_ignore_ascii_case("X-MSTR-ProjectID")
                && !h.eq_ignore_ascii_case("X-MSTR-AuthToken")
            {
                rb = rb.header(h.as_str(), "1");
            }
        }
        let resp = rb.send().await.expect("send");
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{} {}", op.method, op.path);
        assert!(
            !body.contains("HTTP 404 Not Found"),
            "{} {} not routed: {body}",
            op.method,
            op.path
        );
        if !bi_rest::sim::mstr::is_stateful(&op.method, &op.path) {
            defaults += 1;
            assert_eq!(status, op.ok.status, "{} {}: {body}", op.method, op.path);
        }
    }
    let after = sim.counters();
    assert_eq!(after.spec_defaults - before.spec_defaults, defaults);
    assert_eq!(after.rejected_calls, before.rejected_calls);
}

/// AgileApps: every operation; all are stateful.
#[tokio::test]
async fn agileapps_answers_every_operation() {
    let sims = start_all(SimSet::new().vendor(Vendor::AgileApps))
        .await
        .expect("start");
    let sim = sims.agileapps.as_ref().expect("agileapps");
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let table = Spec::AgileApps.table();
    let login = http
        .post(format!("{}/networking/rest/login?alt=json", sim.base_url()))
        .header("accept", "application/json")
        .json(&serde_json::json!({"platform": {"login": {"userName": "jim@acme.com", "password": "jim-pw"}}}))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    for op in &table.ops {
        if op.path.contains("/login") || op.path.ends_with("/logout") {
            continue;
        }
        let path = fill(op, |name| match name {
            "object" => "case".into(),
            _ => "1".into(),
        });
        let resp = request(
            &http,
            table,
            op,
            format!("{}{path}?alt=json", sim.base_url()),
        )
        .header("accept", "application/json")
        .send()
        .await
        .expect("send");
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        assert!(
            !body.contains("Resource does not exist"),
            "{} {}: {body}",
            op.method,
            op.path
        );
        assert_ne!(status, 401, "{} {}: {body}", op.method, op.path);
    }
}
