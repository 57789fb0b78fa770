//! The command line on its failure paths: a malformed credential source is a usage error
//! naming the flag (exit 2, nothing sent), field-level validation errors are printed, and
//! SIGINT or SIGTERM in the middle of a login or a call ends the server session before
//! exiting 128 + N.
#![cfg(unix)]

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "support/cli.rs"]
mod cli;

use bi_rest::sim::faults::{FaultKind, Faults};
use bi_rest::sim::looker::{self, LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
use bi_rest::sim::mstr::{self, MstrSimConfig};

const MSTR_VARS: [&str; 3] = ["MSTR_BASE_URL", "MSTR_USERNAME", "MSTR_PASSWORD"];

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_credential_source_is_a_usage_error_naming_the_flag() {
    let sim = mstr::start(MstrSimConfig::default())
        .await
        .expect("the simulator starts");
    let mut cmd = cli::command("mstr", None, &MSTR_VARS, &[]);
    cmd.args([
        "--base-url",
        &sim.base_url(),
        "--username",
        "dave",
        "--password",
        "dave-literal",
        "whoami",
    ]);
    let out = cli::output(cmd).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--password"), "{}", stderr(&out));
    let c = sim.counters();
    assert_eq!(c.logins_standard + c.logins_failed, 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_level_validation_errors_are_printed() {
    let sim = looker::start(LookerSimConfig::default())
        .await
        .expect("the simulator starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let clear = [
        "LOOKERSDK_BASE_URL",
        "LOOKERSDK_CLIENT_ID",
        "LOOKERSDK_CLIENT_SECRET",
    ];
    let mut cmd = cli::command(
        "looker",
        Some(dir.path()),
        &clear,
        &[("CID", ADMIN_CLIENT_ID), ("CSECRET", ADMIN_CLIENT_SECRET)],
    );
    cmd.args([
        "--base-url",
        &sim.base_url(),
        "--client-id",
        "env:CID",
        "--client-secret",
        "env:CSECRET",
        "api",
        "POST",
        "/queries",
        "--body",
        "{}",
    ]);
    let out = cli::output(cmd).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(err.starts_with("bi-rest: Validation Failed"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.trim() == "view: This field is required."),
        "{err}"
    );
    assert_eq!(sim.stats().live_tokens, 0, "logged out after the failure");
}

/// Runs `bi-rest mstr whoami` against a simulator whose every answer takes 2 s, sends
/// `signal` 1 s in (during the login) or 3 s in (during a call), and returns the exit code,
/// the sessions left open and how long the exit took after the signal.
async fn interrupt(signal: i32, after: Duration) -> (Option<i32>, u64, Duration) {
    let sim = mstr::start(
        MstrSimConfig::default().faults(Faults::none().rate(FaultKind::SlowReply, 1.0)),
    )
    .await
    .expect("the simulator starts");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bi-rest"));
    for var in MSTR_VARS {
        cmd.env_remove(var);
    }
    cmd.args([
        "mstr",
        "--base-url",
        &sim.base_url(),
        "--username",
        "administrator",
        "--password",
        "env:PW",
        "whoami",
    ])
    .env("PW", "admin-pass")
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("run bi-rest");
    tokio::time::sleep(after).await;
    let pid = i32::try_from(child.id()).expect("a pid");
    // SAFETY: kill(2) with the child's pid and a standard signal number.
    let sent = unsafe { libc::kill(pid, signal) };
    assert_eq!(sent, 0, "signal delivered");
    let sent_at = Instant::now();
    let status = tokio::task::spawn_blocking(move || child.wait().expect("wait for bi-rest"))
        .await
        .expect("join");
    let took = sent_at.elapsed();
    assert!(sim.counters().logins_standard <= 1);
    (status.code(), sim.counters().open_sessions, took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_the_login_ends_the_session_it_opens() {
    let (code, open, took) = interrupt(libc::SIGINT, Duration::from_secs(1)).await;
    assert_eq!(code, Some(130));
    assert_eq!(
        open, 0,
        "the session opened by the interrupted login was logged out"
    );
    assert!(took < Duration::from_secs(15), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_call_logs_out_and_exits_143() {
    let (code, open, took) = interrupt(libc::SIGTERM, Duration::from_millis(4500)).await;
    assert_eq!(code, Some(143));
    assert_eq!(open, 0, "the session was logged out");
    assert!(took < Duration::from_secs(15), "{took:?}");
}

/// `--retries N` bounds the retries of a transient failure of an idempotent call: every GET
/// answered 502 by a proxy page is sent 1 + N times, then reported (exit 8, server error).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_of_transient_failures_are_set_by_the_retries_option() {
    let sim = mstr::start(MstrSimConfig::default())
        .await
        .expect("the simulator starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("session.json");
    let run = |args: &[&str]| {
        let mut cmd = cli::command("mstr", None, &MSTR_VARS, &[("PW", "admin-pass")]);
        cmd.args(["--base-url", &sim.base_url(), "--username", "administrator"])
            .args(["--password", "env:PW", "--session-file"])
            .arg(&file)
            .args(args);
        cli::output(cmd)
    };
    let out = run(&["login"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    sim.faults().set_rate(FaultKind::HtmlErrorPage, 1.0);
    for (retries, sent) in [("0", 1), ("3", 4)] {
        let before = sim.faults().injected(FaultKind::HtmlErrorPage);
        let out = run(&["--retries", retries, "api", "GET", "/projects"]).await;
        assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
        assert!(stderr(&out).contains("502"), "{}", stderr(&out));
        let seen = sim.faults().injected(FaultKind::HtmlErrorPage) - before;
        assert_eq!(seen, sent, "--retries {retries}: requests sent");
    }
    sim.faults().set_rate(FaultKind::HtmlErrorPage, 0.0);
    let out = run(&["logout"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sim.counters().logins_standard, 1);
    assert_eq!(sim.counters().open_sessions, 0);
}
