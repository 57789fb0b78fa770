//! `bi-rest sim`: one JSON line with URLs and demo credentials, logins against it, and the
//! counters printed at Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_prints_urls_serves_logins_and_prints_counters_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bi-rest"))
        .args([
            "sim",
            "--vendor",
            "mstr",
            "--vendor",
            "looker",
            "--max-sessions",
            "3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bi-rest sim");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let mut guard = KillOnDrop(Some(child));
    let first: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    let sims = &first["simulators"];
    assert!(
        sims.get("agileapps").is_none(),
        "only the named vendors: {sims}"
    );
    let mstr_url = sims["mstr"]["base_url"].as_str().expect("mstr base_url");
    assert!(mstr_url.starts_with("http://127.0.0.1:"), "{mstr_url}");
    assert_eq!(sims["mstr"]["users"][0]["username"], "administrator");

    let http = reqwest::Client::new();
    let login = http
        .post(format!("{mstr_url}/auth/login"))
        .json(&serde_json::json!({
            "username": sims["mstr"]["users"][0]["username"],
            "password": sims["mstr"]["users"][0]["password"],
            "loginMode": 1
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 204);
    assert!(login.headers().contains_key("x-mstr-authtoken"));

    let looker = &sims["looker"];
    let api_root = looker["api_root"].as_str().expect("looker api_root");
    let token: serde_json::Value = http
        .post(format!("{api_root}/login"))
        .form(&[
            (
                "client_id",
                looker["users"][0]["client_id"].as_str().unwrap(),
            ),
            (
                "client_secret",
                looker["users"][0]["client_secret"].as_str().unwrap(),
            ),
        ])
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(token["access_token"].is_string(), "{token}");

    // Ctrl-C: the counters come out as the last line and the process exits 0.
    let pid = guard.0.as_ref().expect("child").id().to_string();
    let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(status.success());
    let mut last = String::new();
    stdout.read_line(&mut last).expect("counters line");
    let counters: serde_json::Value = serde_json::from_str(&last).expect("counters JSON");
    assert_eq!(counters["counters"]["mstr"]["logins"], 1, "{counters}");
    assert_eq!(
        counters["counters"]["mstr"]["open_sessions"], 1,
        "{counters}"
    );
    assert_eq!(counters["counters"]["looker"]["logins"], 1, "{counters}");
    let mut child = guard.0.take().expect("child");
    let code = child.wait().unwrap();
    assert!(code.success(), "{code:?}");
}

#[test]
fn sim_rejects_a_bad_fault_spec_with_usage_exit_code() {
    let out = Command::new(env!("CARGO_BIN_EXE_bi-rest"))
        .args(["sim", "--fault", "5xx=2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fault 5xx=2"));
}

/// Kills the child if the test fails before it exits by itself.
struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
