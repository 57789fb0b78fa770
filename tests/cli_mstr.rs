//! The `bi-rest mstr` command line against the MicroStrategy simulator: JSON output, the
//! stderr error line, exit codes, SOURCE syntax, and the session-file lifecycle.

use std::process::Output;

#[path = "support/cli.rs"]
mod cli;
use cli::stdout_json;

use bi_rest::sim::mstr::{data, start, MstrSimConfig};

fn bi_rest(base_url: &str, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let clear = ["MSTR_BASE_URL", "MSTR_USERNAME", "MSTR_PASSWORD"];
    let mut cmd = cli::command("mstr", None, &clear, envs);
    cmd.arg("--base-url").arg(base_url).args(args);
    cmd.output().expect("run bi-rest")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_logs_in_and_out_and_prints_json() {
    let sim = start(MstrSimConfig::default()).await.unwrap();
    let url = sim.base_url();
    let out = tokio::task::spawn_blocking(move || {
        bi_rest(
            &url,
            &[
                "--username",
                "administrator",
                "--password",
                "env:PW",
                "whoami",
            ],
            &[("PW", "admin-pass")],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = stdout_json(&out);
    assert!(json.to_string().contains("administrator"), "{json}");
    let c = sim.counters();
    assert_eq!(c.logins(), 1);
    assert_eq!(c.open_sessions, 0, "the command logs out when done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_password_exits_3_with_vendor_code_on_stderr_and_no_secret() {
    let sim = start(MstrSimConfig::default()).await.unwrap();
    let url = sim.base_url();
    let out = tokio::task::spawn_blocking(move || {
        bi_rest(
            &url,
            &["--username", "administrator", "whoami"],
            &[("MSTR_PASSWORD", "wrong-s3cret")],
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr.lines().last().unwrap_or_default();
    assert!(line.starts_with("bi-rest: ERR003 "), "{stderr}");
    assert!(line.contains("[ticket "), "{stderr}");
    assert!(!stderr.contains("wrong-s3cret"));
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_file_reuses_one_login_across_invocations_and_logout_removes_it() {
    let sim = start(MstrSimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("session.json");
    let file_s = file.to_str().unwrap().to_string();
    let url = sim.base_url();
    let run = move |args: Vec<String>| {
        let url = url.clone();
        let file_s = file_s.clone();
        tokio::task::spawn_blocking(move || {
            let mut all = vec![
                "--username".to_string(),
                "administrator".into(),
                "--session-file".into(),
                file_s,
            ];
            all.extend(args);
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            bi_rest(&url, &refs, &[("MSTR_PASSWORD", "admin-pass")])
        })
    };
    let out = run(vec!["login".into()]).await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(file.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let out = run(vec!["projects".into()]).await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout_json(&out)
        .to_string()
        .contains(data::TUTORIAL_PROJECT_ID));
    let out = run(vec![
        "api".into(),
        "GET".into(),
        "/sessions/userInfo".into(),
    ])
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sim.counters().logins(), 1, "one login for three commands");
    assert_eq!(sim.counters().open_sessions, 1);
    let out = run(vec!["logout".into()]).await.unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!file.exists());
    assert_eq!(sim.counters().open_sessions, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_runs_a_generated_operation_with_the_project_header() {
    let sim = start(MstrSimConfig::default()).await.unwrap();
    let url = sim.base_url();
    let out = tokio::task::spawn_blocking(move || {
        bi_rest(
            &url,
            &[
                "--username",
                "administrator",
                "--project-id",
                data::TUTORIAL_PROJECT_ID,
                "call",
                "getProjects_1",
            ],
            &[("MSTR_PASSWORD", "admin-pass")],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout_json(&out)
        .to_string()
        .contains(data::TUTORIAL_PROJECT_ID));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_project_exits_5_and_missing_credentials_exit_2() {
    let sim = start(MstrSimConfig::default()).await.unwrap();
    let url = sim.base_url();
    let u2 = url.clone();
    let out = tokio::task::spawn_blocking(move || {
        bi_rest(
            &url,
            &[
                "--username",
                "administrator",
                "--project",
                "No Such Project",
                "api",
                "GET",
                "/sessions/userInfo",
            ],
            &[("MSTR_PASSWORD", "admin-pass")],
        )
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tokio::task::spawn_blocking(move || bi_rest(&u2, &["whoami"], &[]))
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(sim.counters().open_sessions, 0);
}
