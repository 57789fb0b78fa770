//! The vendors' own Python SDKs, unchanged, against the simulators: `tests/sdk/tour.py` runs a
//! tour of their common methods (looker-sdk 4.0: me, users, looks, dashboards, folders,
//! searches, create_look, run_inline_query, logout...; mstrio-py: Connection, select_project,
//! list_projects, list_users, full_search, list_reports, folders, list_dashboards,
//! list_olap_cubes, OlapCube/Report/SuperCube to_dataframe, SuperCube create and delete,
//! close...) and every method must work.
//!
//! The interpreter is `BI_REST_SDK_PYTHON` (scripts/test.sh installs `looker-sdk` and
//! `mstrio-py` into target/sdk-venv and sets it). Without it the tours are skipped with a loud
//! message, unless `BI_REST_REQUIRE_SDKS` is set (the test command sets it), where they fail.

use std::process::Command;

use bi_rest::sim::all::{start_all, SimSet, Vendor};
use bi_rest::sim::looker::{ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
use serde_json::Value;

fn python() -> Option<String> {
    match std::env::var("BI_REST_SDK_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            if std::env::var_os("BI_REST_REQUIRE_SDKS").is_some() {
                panic!("BI_REST_SDK_PYTHON is not set but BI_REST_REQUIRE_SDKS is: run scripts/test.sh");
            }
            eprintln!(
                "\n!!!!!!!!!! SKIPPED: BI_REST_SDK_PYTHON not set; the SDK tours did NOT run.\n\
                 !!!!!!!!!! scripts/test.sh installs looker-sdk and mstrio-py and sets it.\n"
            );
            None
        }
    }
}

/// Runs the tour of `vendor` and returns its results (method, ok, detail).
async fn tour(python: String, args: Vec<String>) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk/tour.py");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args(args)
            .env_remove("LOOKERSDK_API_VERSION")
            .output()
            .expect("run the SDK tour")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or("");
    let report: Value = serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "tour printed no report ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let results = report["results"].as_array().cloned().unwrap_or_default();
    let failed: Vec<&Value> = results.iter().filter(|r| r["ok"] != true).collect();
    assert!(failed.is_empty(), "SDK methods failed: {failed:#?}");
    results
}

fn methods(results: &[Value]) -> Vec<&str> {
    results
        .iter()
        .filter_map(|r| r["method"].as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looker_sdk_tour() {
    let Some(py) = python() else { return };
    let sims = start_all(SimSet::new().vendor(Vendor::Looker))
        .await
        .expect("start");
    let sim = sims.looker.as_ref().expect("looker");
    let results = tour(
        py,
        vec![
            "looker".into(),
            sim.base_url(),
            ADMIN_CLIENT_ID.into(),
            ADMIN_CLIENT_SECRET.into(),
        ],
    )
    .await;
    let m = methods(&results);
    for want in [
        "me",
        "all_looks",
        "create_look",
        "run_inline_query",
        "logout",
    ] {
        assert!(m.contains(&want), "{want} not in {m:?}");
    }
    let stats = sim.stats();
    assert_eq!(stats.logins, 1);
    assert_eq!(stats.logouts, 1);
    assert_eq!(stats.live_tokens, 0);
    assert_eq!(stats.unrouted, 0);
    assert_eq!(stats.unauthorized, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mstrio_tour() {
    let Some(py) = python() else { return };
    let sims = start_all(SimSet::new().vendor(Vendor::Mstr))
        .await
        .expect("start");
    let sim = sims.mstr.as_ref().expect("mstr");
    let results = tour(
        py,
        vec![
            "mstr".into(),
            format!("{}/MicroStrategyLibrary", sim.origin()),
            "administrator".into(),
            "admin-pass".into(),
        ],
    )
    .await;
    let m = methods(&results);
    for want in [
        "Connection",
        "list_projects",
        "list_users",
        "full_search",
        "list_reports",
        "list_folders",
        "Folder.create",
        "list_dashboards",
        "list_olap_cubes",
        "OlapCube.to_dataframe",
        "Report.to_dataframe",
        "SuperCube.create (push data, publish)",
        "SuperCube.to_dataframe",
        "SuperCube.delete",
        "close",
    ] {
        assert!(m.contains(&want), "{want} not in {m:?}");
    }
    let c = sim.counters();
    assert_eq!(c.open_sessions, 0, "{c:?}");
    assert_eq!(c.rejected_calls, 0, "{c:?}");
}
