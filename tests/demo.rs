//! `bi-rest demo --json`: every step ok, every vendor ends with 0 sessions open and 0
//! failures, and the MicroStrategy expiry step saw exactly one new login.

use std::process::Command;

#[test]
fn demo_json_every_step_ok_and_no_session_left_open() {
    let out = Command::new(env!("CARGO_BIN_EXE_bi-rest"))
        .args(["demo", "--json"])
        .output()
        .expect("run bi-rest demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_str(&stdout).expect("stdout is one JSON document");
    assert_eq!(doc["ok"], true);
    let steps = doc["steps"].as_array().expect("steps");
    assert!(steps.len() >= 15, "{} steps", steps.len());
    for step in steps {
        assert_eq!(step["ok"], true, "step failed: {step}");
        assert!(step["ms"].as_f64().is_some(), "{step}");
    }
    let vendors = doc["vendors"].as_array().expect("vendors");
    let names: Vec<&str> = vendors
        .iter()
        .filter_map(|v| v["vendor"].as_str())
        .collect();
    assert!(names.contains(&"mstr"), "{names:?}");
    #[cfg(feature = "looker")]
    assert!(names.contains(&"looker"), "{names:?}");
    #[cfg(feature = "agileapps")]
    assert!(names.contains(&"agileapps"), "{names:?}");
    for v in vendors {
        assert_eq!(v["open_sessions"], 0, "{v}");
        assert_eq!(v["failures"], 0, "{v}");
        assert!(v["logins"].as_u64().unwrap_or(0) >= 1, "{v}");
        assert!(v["calls"].as_u64().unwrap_or(0) >= 1, "{v}");
    }
    let mstr = vendors
        .iter()
        .find(|v| v["vendor"] == "mstr")
        .expect("mstr");
    assert_eq!(
        mstr["renewals"], 1,
        "200 concurrent calls on an expired session: one renewal"
    );
    let concurrent = steps
        .iter()
        .find(|s| {
            s["title"]
                .as_str()
                .is_some_and(|t| t.contains("concurrent typed calls"))
        })
        .expect("the concurrency step");
    assert!(
        concurrent["detail"]
            .as_str()
            .is_some_and(|d| d.contains("200 ok, 0 failed") && d.contains("exactly 1 new login")),
        "{concurrent}"
    );
}
