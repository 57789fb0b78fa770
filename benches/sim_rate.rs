//! Request rate of the simulators with faults off, over loopback: a stateful call and a
//! spec-driven default call per vendor, plus a stateful MicroStrategy call with a JSON body
//! (checked against the spec before its handler) and the same call with the body sent as
//! text (not checked), at concurrency 1 and 64, each for a bounded number of
//! requests (`BENCH_REQUESTS`, default 20,000, and at most 10 s per case). Client and
//! simulators share the process (and the machine's 2 cores), so the rate is a lower bound of
//! what the simulator alone serves. It must stay well above the rates of the auth benchmark
//! (benches/auth_overhead.rs, about 20-30k calls/s on the same call), so the simulator is not
//! what that benchmark measures.
//!
//! Run: `cargo bench --features sim --bench sim_rate`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bi_rest::sim::all::{start_all, SimSet, Vendor};
use bi_rest::sim::looker::{ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
use bi_rest::sim::mstr::data::TUTORIAL_PROJECT_ID;

const MAX_TIME: Duration = Duration::from_secs(10);

/// Sends `total` copies of the request `make` builds, `concurrency` at a time; returns the
/// requests per second (every answer must be a success).
async fn rate(
    total: u64,
    concurrency: u64,
    make: Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync>,
) -> (u64, f64) {
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let sent = sent.clone();
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            while sent.fetch_add(1, Ordering::Relaxed) < total && start.elapsed() < MAX_TIME {
                let resp = make().send().await.expect("send");
                assert!(resp.status().is_success(), "{}", resp.status());
                let _ = resp.bytes().await.expect("body");
            }
        }));
    }
    for t in tasks {
        t.await.expect("join");
    }
    let done = sent.load(Ordering::Relaxed).min(total);
    (done, done as f64 / start.elapsed().as_secs_f64())
}

fn main() {
    let total: u64 = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let sims = start_all(SimSet::new().vendor(Vendor::Mstr).vendor(Vendor::Looker))
            .await
            .expect("start");
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let mstr = sims.mstr.as_ref().expect("mstr").base_url();
        let login = http
            .post(format!("{mstr}/auth/login"))
            .json(&serde_json::json!({"username": "administrator", "password": "admin-pass", "loginMode": 1}))
            .send()
            .await
            .expect("login");
        let token = login.headers()["x-mstr-authtoken"]
            .to_str()
            .expect("token")
            .to_string();
        let looker = sims.looker.as_ref().expect("looker").base_url();
        let lt: serde_json::Value = http
            .post(format!("{looker}/api/4.0/login"))
            .form(&[("client_id", ADMIN_CLIENT_ID), ("client_secret", ADMIN_CLIENT_SECRET)])
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("token");
        let auth = format!("token {}", lt["access_token"].as_str().expect("token"));
        type Make = Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync>;
        let mstr_call = |path: &str| -> Make {
            let (http, url, token) = (http.clone(), format!("{mstr}{path}"), token.clone());
            Arc::new(move || {
                http.get(&url)
                    .header("X-MSTR-AuthToken", &token)
                    .header("X-MSTR-ProjectID", TUTORIAL_PROJECT_ID)
            })
        };
        let me: serde_json::Value = mstr_call("/sessions/userInfo")()
            .send()
            .await
            .expect("userInfo")
            .json()
            .await
            .expect("userInfo JSON");
        let me = me["id"].as_str().expect("user id").to_string();
        // A stateful call whose JSON body is checked against the spec before the handler, and
        // the same body sent as text/plain, which the handler reads without the spec check:
        // the pair measures what the check costs.
        let mstr_patch = |content_type: &'static str| -> Make {
            let (http, url, token) = (http.clone(), format!("{mstr}/users/{me}"), token.clone());
            let body = serde_json::json!({"operationList": [
                {"op": "replace", "path": "/description", "value": "bench"}
            ]})
            .to_string();
            Arc::new(move || {
                http.patch(&url)
                    .header("X-MSTR-AuthToken", &token)
                    .header("content-type", content_type)
                    .body(body.clone())
            })
        };
        let looker_call = |path: &str| -> Make {
            let (http, url, auth) = (http.clone(), format!("{looker}/api/4.0{path}"), auth.clone());
            Arc::new(move || http.get(&url).header("authorization", &auth))
        };
        let cases: Vec<(&str, Make)> = vec![
            ("mstr GET /sessions/userInfo (stateful)", mstr_call("/sessions/userInfo")),
            (
                "mstr GET /v2/iserver/settings/config (spec default)",
                mstr_call("/v2/iserver/settings/config"),
            ),
            (
                "mstr PATCH /users/{id} (JSON body, checked)",
                mstr_patch("application/json"),
            ),
            (
                "mstr PATCH /users/{id} (text body, unchecked)",
                mstr_patch("text/plain"),
            ),
            ("looker GET /user (stateful)", looker_call("/user")),
            ("looker GET /roles (spec default)", looker_call("/roles")),
        ];
        println!("simulator request rate, faults off, loopback, {total} requests per case:");
        for (name, make) in cases {
            for concurrency in [1, 64] {
                let (done, per_sec) = rate(total, concurrency, make.clone()).await;
                println!("  {name:<52} c={concurrency:<3} {done:>6} requests  {per_sec:>9.0} req/s");
            }
        }
    });
}
