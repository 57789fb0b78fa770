//! `bi-rest sim --record FILE`: every request and response served, one JSON line each, with
//! passwords, client secrets, tokens, cookies and session ids redacted; `bi-rest sim
//! --coverage`: the coverage report, 0 operations not answered.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_writes_every_exchange_with_secrets_redacted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("run.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bi-rest"))
        .args(["sim", "--vendor", "mstr", "--vendor", "looker", "--record"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bi-rest sim");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let guard = KillOnDrop(Some(child));
    let first: Value = serde_json::from_str(&line).expect("one JSON line");
    let mstr = first["simulators"]["mstr"]["base_url"]
        .as_str()
        .expect("mstr")
        .to_string();
    let looker = first["simulators"]["looker"]["api_root"]
        .as_str()
        .expect("looker")
        .to_string();
    let looker_user = &first["simulators"]["looker"]["users"][0];

    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let login = http
        .post(format!("{mstr}/auth/login"))
        .json(&json!({"username": "administrator", "password": "admin-pass", "loginMode": 1}))
        .send()
        .await
        .expect("login");
    let mstr_token = login.headers()["x-mstr-authtoken"]
        .to_str()
        .expect("token")
        .to_string();
    let info = http
        .get(format!("{mstr}/sessions/userInfo"))
        .header("X-MSTR-AuthToken", &mstr_token)
        .send()
        .await
        .expect("userInfo");
    assert_eq!(info.status(), 200);
    let secret = looker_user["client_secret"].as_str().expect("secret");
    let token: Value = http
        .post(format!("{looker}/login"))
        .form(&[
            ("client_id", looker_user["client_id"].as_str().expect("id")),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("token");
    let looker_token = token["access_token"].as_str().expect("token").to_string();
    let me = http
        .get(format!("{looker}/user"))
        .header("authorization", format!("token {looker_token}"))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 200);

    let pid = guard.0.as_ref().expect("child").id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill")
        .success());
    let mut last = String::new();
    stdout.read_line(&mut last).expect("counters line");
    drop(guard);

    let text = std::fs::read_to_string(&file).expect("recording");
    for secret in ["admin-pass", secret, &mstr_token, &looker_token] {
        assert!(
            !text.contains(secret),
            "secret {secret:?} in the recording:\n{text}"
        );
    }
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let summary: Vec<(String, String, String, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["vendor"].as_str().unwrap_or("").to_string(),
                l["method"].as_str().unwrap_or("").to_string(),
                l["path"].as_str().unwrap_or("").to_string(),
                l["response"]["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let expect =
        |v: &str, m: &str, p: &str, s: u64| (v.to_string(), m.to_string(), p.to_string(), s);
    assert_eq!(
        summary,
        vec![
            expect("mstr", "POST", "/MicroStrategyLibrary/api/auth/login", 204),
            expect(
                "mstr",
                "GET",
                "/MicroStrategyLibrary/api/sessions/userInfo",
                200
            ),
            expect("looker", "POST", "/api/4.0/login", 200),
            expect("looker", "GET", "/api/4.0/user", 200),
        ]
    );
    assert_eq!(lines[0]["request"]["body"]["password"], "[redacted]");
    assert_eq!(lines[0]["request"]["body"]["username"], "administrator");
    assert_eq!(
        lines[0]["response"]["headers"]["x-mstr-authtoken"],
        "[redacted]"
    );
    // JSESSIONID and the load-balancer cookie, each redacted.
    assert_eq!(
        lines[0]["response"]["headers"]["set-cookie"],
        "[redacted], [redacted]"
    );
    assert_eq!(lines[1]["request"]["headers"]["cookie"], "[redacted]");
    assert_eq!(lines[1]["response"]["body"]["username"], "administrator");
    assert_eq!(
        lines[2]["request"]["body"],
        "client_id=sim-admin-client&client_secret=%5Bredacted%5D"
    );
    assert_eq!(lines[2]["response"]["body"]["access_token"], "[redacted]");
    assert_eq!(
        lines[3]["request"]["headers"]["authorization"],
        "[redacted]"
    );
    assert_eq!(lines[3]["response"]["body"]["display_name"], "Ada Admin");
}

#[test]
fn coverage_flag_prints_zero_not_answered() {
    let out = Command::new(env!("CARGO_BIN_EXE_bi-rest"))
        .args(["sim", "--coverage"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let specs = v["coverage"].as_array().expect("array");
    let names: Vec<&str> = specs.iter().filter_map(|s| s["spec"].as_str()).collect();
    assert_eq!(
        names,
        [
            "mstr",
            "looker_3_0",
            "looker_3_1",
            "looker_4_0",
            "agileapps"
        ]
    );
    for s in specs {
        assert_eq!(s["not_answered"], 0, "{s}");
    }
}
