//! The `bi-rest looker` command line against the Looker simulator: JSON output, the stderr
//! error line, exit codes, looker.ini / LOOKERSDK_* / flag precedence, sudo, and the
//! session-file lifecycle.

use std::path::Path;
use std::process::Output;

#[path = "support/cli.rs"]
mod cli;
use cli::{no_secret, ok_json};

use bi_rest::sim::looker::{
    start, LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, USER_CLIENT_ID,
    USER_CLIENT_SECRET,
};

const VARS: [&str; 5] = [
    "LOOKERSDK_BASE_URL",
    "LOOKERSDK_CLIENT_ID",
    "LOOKERSDK_CLIENT_SECRET",
    "LOOKERSDK_VERIFY_SSL",
    "LOOKERSDK_TIMEOUT",
];

/// Runs `bi-rest looker ARGS` in `dir` (so no stray looker.ini is read), with a clean
/// LOOKERSDK_* environment plus `envs`.
async fn run(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = cli::command("looker", Some(dir), &VARS, envs);
    cmd.args(args);
    cli::output(cmd).await
}

const ADMIN_ENV: [(&str, &str); 2] = [("CID", ADMIN_CLIENT_ID), ("CSECRET", ADMIN_CLIENT_SECRET)];

/// Runs `bi-rest looker --base-url URL --client-id env:CID --client-secret env:CSECRET MORE`
/// with `envs` (`ADMIN_ENV` for Ada's credentials).
async fn run_with_creds(dir: &Path, url: &str, more: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut args = vec![
        "--base-url",
        url,
        "--client-id",
        "env:CID",
        "--client-secret",
        "env:CSECRET",
    ];
    args.extend_from_slice(more);
    run(dir, &args, envs).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whoami_with_flags_logs_in_once_and_out() {
    let sim = start(LookerSimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let out = run_with_creds(dir.path(), &url, &["whoami"], &ADMIN_ENV).await;
    let json = ok_json(&out);
    assert_eq!(json["display_name"], "Ada Admin", "{json}");
    no_secret(&out, &[ADMIN_CLIENT_SECRET]);
    let s = sim.stats();
    assert_eq!(s.logins, 1);
    assert_eq!(s.logouts, 1);
    assert_eq!(s.live_tokens, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ini_then_env_then_flags() {
    let sim = start(LookerSimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    // looker.ini in the working directory: a dead base_url and a wrong secret for Bob, and a
    // second section with Ada's full settings.
    std::fs::write(
        dir.path().join("looker.ini"),
        format!(
            "[Looker]\nbase_url=http://127.0.0.1:9\nclient_id={USER_CLIENT_ID}\nclient_secret=wrong\n\n\
             [Admin]\nbase_url={url}\nclient_id={ADMIN_CLIENT_ID}\nclient_secret={ADMIN_CLIENT_SECRET}\n"
        ),
    )
    .unwrap();
    // The env fixes the first section's base_url and secret: Bob.
    let envs = [
        ("LOOKERSDK_BASE_URL", url.as_str()),
        ("LOOKERSDK_CLIENT_SECRET", USER_CLIENT_SECRET),
    ];
    let json = ok_json(&run(dir.path(), &["whoami"], &envs).await);
    assert_eq!(json["display_name"], "Bob Builder", "{json}");
    // Flags override both: Ada with the same environment.
    let mut envs2 = envs.to_vec();
    envs2.extend(ADMIN_ENV);
    let json = ok_json(
        &run(
            dir.path(),
            &[
                "--client-id",
                "env:CID",
                "--client-secret",
                "env:CSECRET",
                "whoami",
            ],
            &envs2,
        )
        .await,
    );
    assert_eq!(json["display_name"], "Ada Admin", "{json}");
    // --ini and --section pick another file's section; no environment needed.
    let other = tempfile::tempdir().unwrap();
    let ini = dir.path().join("looker.ini");
    let out = run(
        other.path(),
        &[
            "--ini",
            ini.to_str().unwrap(),
            "--section",
            "Admin",
            "whoami",
        ],
        &[],
    )
    .await;
    assert_eq!(ok_json(&out)["display_name"], "Ada Admin");
    no_secret(&out, &[ADMIN_CLIENT_SECRET]);
    // Without the env the first section's dead base_url and wrong secret are used: the login
    // is refused or the server unreachable, never a success.
    let out = run(dir.path(), &["--base-url", &url, "whoami"], &[]).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = sim.stats();
    assert_eq!(s.logins, 3);
    assert_eq!(s.failed_logins, 1);
    assert_eq!(s.live_tokens, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sudo_runs_as_the_user_and_logs_the_sudo_token_out() {
    let sim = start(LookerSimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let envs = [
        ("LOOKERSDK_BASE_URL", sim.base_url()),
        ("LOOKERSDK_CLIENT_ID", ADMIN_CLIENT_ID.to_string()),
        ("LOOKERSDK_CLIENT_SECRET", ADMIN_CLIENT_SECRET.to_string()),
    ];
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let json = ok_json(&run(dir.path(), &["--sudo", "2", "whoami"], &envs).await);
    assert_eq!(json["display_name"], "Bob Builder", "{json}");
    let s = sim.stats();
    assert_eq!(s.logins, 1, "admin login");
    assert_eq!(s.sudo_logins, 1);
    assert_eq!(s.logouts, 2, "sudo token and admin token");
    assert_eq!(s.live_tokens, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_file_one_login_for_three_commands_and_logout_removes_it() {
    let sim = start(LookerSimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("looker-session.json");
    let f = file.to_str().unwrap().to_string();
    let url = sim.base_url();
    let out = run_with_creds(
        dir.path(),
        &url,
        &["--session-file", &f, "login"],
        &ADMIN_ENV,
    )
    .await;
    assert_eq!(ok_json(&out)["logged_in"], true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Later commands need neither the URL nor credentials: the file has the session.
    let json = ok_json(&run(dir.path(), &["--session-file", &f, "whoami"], &[]).await);
    assert_eq!(json["display_name"], "Ada Admin");
    let out = run(
        dir.path(),
        &["--session-file", &f, "api", "GET", "/users/2"],
        &[],
    )
    .await;
    assert_eq!(ok_json(&out)["display_name"], "Bob Builder");
    let token = sim.last_authorization().unwrap_or_default();
    no_secret(&out, &[token.trim_start_matches("token ")]);
    let s = sim.stats();
    assert_eq!(s.logins, 1, "one login for three commands");
    assert_eq!(s.live_tokens, 1);
    assert_eq!(s.logouts, 0);
    let out = run(dir.path(), &["--session-file", &f, "logout"], &[]).await;
    assert_eq!(ok_json(&out)["logged_out"], true);
    assert!(!file.exists());
    let s = sim.stats();
    assert_eq!(s.logouts, 1);
    assert_eq!(s.live_tokens, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_runs_generated_operations_and_errors_map_to_exit_codes() {
    let sim = start(LookerSimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let admin = |more: &'static [&'static str]| run_with_creds(dir.path(), &url, more, &ADMIN_ENV);
    let wrong_secret = [("CID", ADMIN_CLIENT_ID), ("CSECRET", "wr0ng-s3cret")];
    assert_eq!(
        ok_json(&admin(&["call", "user", "--param", "user_id=2"]).await)["display_name"],
        "Bob Builder"
    );
    assert_eq!(
        ok_json(&admin(&["call", "me"]).await)["display_name"],
        "Ada Admin"
    );
    // 404 from the server: exit 5, one line `bi-rest: <message>`.
    let out = admin(&["call", "user", "--param", "user_id=999"]).await;
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("bi-rest: "), "{stderr}");
    assert!(stderr.contains("Not found"), "{stderr}");
    assert!(out.stdout.is_empty());
    // A wrong secret: exit 3, the secret nowhere.
    let out = run_with_creds(dir.path(), &url, &[], &wrong_secret).await;
    assert_eq!(out.status.code(), Some(2), "no command is a usage error");
    let out = run_with_creds(dir.path(), &url, &["whoami"], &wrong_secret).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("bi-rest: "), "{stderr}");
    no_secret(&out, &["wr0ng-s3cret"]);
    // No credentials anywhere: usage, exit 2, nothing sent.
    let before = sim.stats();
    let out = run(dir.path(), &["--base-url", &url, "whoami"], &[]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("client_id"));
    let after = sim.stats();
    assert_eq!(
        after.logins + after.failed_logins,
        before.logins + before.failed_logins
    );
    // An unknown operation: usage.
    assert_eq!(
        admin(&["call", "no_such_operation"]).await.status.code(),
        Some(2)
    );
    let s = sim.stats();
    assert_eq!(s.logins, 3, "three successful logins");
    assert_eq!(s.live_tokens, 0, "every command logged out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_saved_session_is_renewed_with_credentials_and_refused_without() {
    let sim = start(LookerSimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    let f = file.to_str().unwrap().to_string();
    let url = sim.base_url();
    let with_creds = |command: &'static str| {
        let (dir, url, f) = (dir.path(), url.as_str(), f.as_str());
        async move { run_with_creds(dir, url, &["--session-file", f, command], &ADMIN_ENV).await }
    };
    ok_json(&with_creds("login").await);
    sim.expire_all();
    // Without credentials the saved session cannot be renewed: the server's 401 is reported
    // as an expired session (exit 4), and the warning says which credential was missing.
    let out = run(dir.path(), &["--session-file", &f, "whoami"], &[]).await;
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert_eq!(last, "bi-rest: Requires authentication.", "{stderr}");
    assert!(stderr.contains("pass --client-id SOURCE"), "{stderr}");
    assert!(out.stdout.is_empty());
    // With them, one new login and the file is updated.
    assert_eq!(
        ok_json(&with_creds("whoami").await)["display_name"],
        "Ada Admin"
    );
    assert_eq!(
        ok_json(&run(dir.path(), &["--session-file", &f, "whoami"], &[]).await)["display_name"],
        "Ada Admin"
    );
    let s = sim.stats();
    assert_eq!(s.logins, 2);
    assert_eq!(s.live_tokens, 1);
    ok_json(&run(dir.path(), &["--session-file", &f, "logout"], &[]).await);
    assert_eq!(sim.stats().live_tokens, 0);
    assert!(!file.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_version_3_1_through_the_cli() {
    let sim = start(LookerSimConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let out = run_with_creds(
        dir.path(),
        &url,
        &["--api-version", "3.1", "api", "GET", "/users/2"],
        &ADMIN_ENV,
    )
    .await;
    let json = ok_json(&out);
    assert_eq!(json["id"], 2, "3.x renders ids as numbers: {json}");
    let out = run(dir.path(), &["--api-version", "5.0", "whoami"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(sim.stats().live_tokens, 0);
}
