//! The `bi-rest agileapps` command line against the AgileApps simulator: every login kind,
//! proxy login and switch-back, the session-file lifecycle, `call` of a generated operation,
//! exit codes and the stderr line, and no secret printed.

use std::process::Output;

#[path = "support/cli.rs"]
mod cli;
use cli::{no_secret, ok_json};

use bi_rest::sim::agileapps::{start, AgileAppsSim, AgileAppsSimConfig};

/// Runs `bi-rest agileapps --base-url URL ARGS` with a clean AGILEAPPS_* environment plus `envs`.
async fn run(url: &str, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let clear = [
        "AGILEAPPS_BASE_URL",
        "AGILEAPPS_USERNAME",
        "AGILEAPPS_PASSWORD",
    ];
    let mut cmd = cli::command("agileapps", None, &clear, envs);
    if !url.is_empty() {
        cmd.arg("--base-url").arg(url);
    }
    cmd.args(args);
    cli::output(cmd).await
}

async fn sim() -> AgileAppsSim {
    start(AgileAppsSimConfig::default()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_login_kind_whoami_and_logout_with_no_session_left() {
    let sim = sim().await;
    let url = sim.base_url();
    let out = run(
        &url,
        &["--username", "jim@acme.com", "whoami"],
        &[("AGILEAPPS_PASSWORD", "jim-pw")],
    )
    .await;
    let json = ok_json(&out);
    assert_eq!(json["user_name"], "jim@acme.com", "{json}");
    assert_eq!(json["session_kind"], "password");
    no_secret(&out, &["jim-pw"]);

    let out = run(
        &url,
        &[
            "--login-mode",
            "saml",
            "--saml-assertion",
            "env:SA",
            "whoami",
        ],
        &[("SA", "saml-assertion-jim")],
    )
    .await;
    let json = ok_json(&out);
    assert_eq!(json["user_id"], "u-jim", "{json}");
    assert_eq!(json["session_kind"], "saml");
    no_secret(&out, &["saml-assertion-jim"]);

    let out = run(
        &url,
        &[
            "--login-mode",
            "customer-support",
            "--username",
            "support@provider.com",
            "--password",
            "env:PW",
            "--tenant-id",
            "t2",
            "whoami",
        ],
        &[("PW", "support-pw")],
    )
    .await;
    let json = ok_json(&out);
    assert_eq!(json["organization_id"], "t2", "{json}");
    assert_eq!(json["session_kind"], "customer_support");

    let s = sim.stats();
    assert_eq!(s.logins_password, 1);
    assert_eq!(s.logins_saml, 1);
    assert_eq!(s.logins_customer_support, 1);
    assert_eq!(s.logouts, 3);
    assert_eq!(s.open_sessions, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_login_switch_back_with_a_session_file() {
    let sim = sim().await;
    let url = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("aa-session.json");
    let f = file.to_str().unwrap().to_string();
    let out = run(
        &url,
        &[
            "--login-mode",
            "proxy",
            "--username",
            "admin@acme.com",
            "--proxy-user-id",
            "u-jim",
            "--session-file",
            &f,
            "login",
        ],
        &[("AGILEAPPS_PASSWORD", "admin-pw")],
    )
    .await;
    let json = ok_json(&out);
    assert_eq!(json["user_id"], "u-jim", "{json}");
    assert_eq!(json["depth"], 2);
    assert_eq!(json["stack"][0]["user_id"], "u-admin");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Calls run as the proxy user, from the file, without credentials or URL.
    let out = run(
        "",
        &[
            "--session-file",
            &f,
            "api",
            "GET",
            "/networking/rest/user/u-jim",
        ],
        &[],
    )
    .await;
    assert!(ok_json(&out).to_string().contains("jim@acme.com"));
    for sid in sim.session_ids() {
        no_secret(&out, &[&sid]);
    }
    let json = ok_json(&run("", &["--session-file", &f, "switch-back"], &[]).await);
    assert_eq!(json["user_id"], "u-admin", "{json}");
    assert_eq!(json["depth"], 1);
    let json = ok_json(&run("", &["--session-file", &f, "whoami"], &[]).await);
    assert_eq!(json["user_id"], "u-admin", "the switch-back was saved");
    // A second switch-back: nothing to leave, invalid request (exit 7).
    let out = run("", &["--session-file", &f, "switch-back"], &[]).await;
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = sim.stats();
    assert_eq!(s.logins_password, 1);
    assert_eq!(s.logins_proxy, 1);
    assert_eq!(s.switch_backs, 1);
    assert_eq!(s.open_sessions, 1);
    let out = run("", &["--session-file", &f, "logout"], &[]).await;
    assert_eq!(ok_json(&out)["logged_out"], true);
    assert!(!file.exists());
    let s = sim.stats();
    assert_eq!(s.logouts, 1);
    assert_eq!(s.open_sessions, 0);
    assert_eq!(s.logins(), 2, "password + proxy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_file_reuses_one_login_for_three_commands() {
    let sim = sim().await;
    let url = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    let f = file.to_str().unwrap().to_string();
    let creds = [
        ("AGILEAPPS_USERNAME", "jim@acme.com"),
        ("AGILEAPPS_PASSWORD", "jim-pw"),
    ];
    ok_json(&run(&url, &["--session-file", &f, "login"], &creds).await);
    let json = ok_json(&run(&url, &["--session-file", &f, "whoami"], &creds).await);
    assert_eq!(json["user_id"], "u-jim");
    let out = run(&url, &["--session-file", &f, "call", "listUsers"], &creds).await;
    assert!(ok_json(&out).to_string().contains("admin@acme.com"));
    let out = run(
        &url,
        &[
            "--session-file",
            &f,
            "--format",
            "xml",
            "call",
            "getUser",
            "--param",
            "userId=u-admin",
        ],
        &creds,
    )
    .await;
    let json = ok_json(&out);
    assert!(
        json.as_str()
            .is_some_and(|x| x.contains("<platform>") && x.contains("admin@acme.com")),
        "{json}"
    );
    let s = sim.stats();
    assert_eq!(s.logins(), 1, "one login for every command");
    assert_eq!(s.open_sessions, 1);
    ok_json(&run(&url, &["--session-file", &f, "logout"], &creds).await);
    assert!(!file.exists());
    assert_eq!(sim.stats().open_sessions, 0);
    assert_eq!(sim.stats().logouts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_and_errors_map_to_exit_codes_and_the_stderr_line() {
    let sim = sim().await;
    let url = sim.base_url();
    let creds = [
        ("AGILEAPPS_USERNAME", "jim@acme.com"),
        ("AGILEAPPS_PASSWORD", "jim-pw"),
    ];
    let json = ok_json(
        &run(
            &url,
            &["call", "getUser", "--param", "userId=u-admin"],
            &creds,
        )
        .await,
    );
    assert!(json.to_string().contains("admin@acme.com"), "{json}");
    // Unknown user: -200, exit 5.
    let out = run(
        &url,
        &["call", "getUser", "--param", "userId=nobody"],
        &creds,
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("bi-rest: -200 "), "{stderr}");
    assert!(out.stdout.is_empty());
    // Wrong password: -101 at login, exit 3, no secret.
    let out = run(
        &url,
        &["--username", "jim@acme.com", "whoami"],
        &[("AGILEAPPS_PASSWORD", "wr0ng-s3cret")],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("bi-rest: -101 "), "{stderr}");
    no_secret(&out, &["wr0ng-s3cret"]);
    // Missing password, missing proxy user, unknown operation: usage, exit 2, no login.
    let before = sim.stats();
    let out = run(&url, &["--username", "jim@acme.com", "whoami"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        &url,
        &[
            "--login-mode",
            "proxy",
            "--username",
            "admin@acme.com",
            "whoami",
        ],
        &[("AGILEAPPS_PASSWORD", "admin-pw")],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--proxy-user-id"));
    let after = sim.stats();
    assert_eq!(
        after.logins() + after.failed_logins,
        before.logins() + before.failed_logins
    );
    let out = run(&url, &["call", "noSuchOperation"], &creds).await;
    assert_eq!(out.status.code(), Some(2));
    let s = sim.stats();
    assert_eq!(s.open_sessions, 0, "every command logged out");
    assert_eq!(s.failed_logins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_mode_without_session_file_ends_both_sessions() {
    let sim = sim().await;
    let url = sim.base_url();
    let out = run(
        &url,
        &[
            "--login-mode",
            "proxy",
            "--username",
            "admin@acme.com",
            "--password",
            "env:PW",
            "--proxy-user-id",
            "u-jim",
            "call",
            "getUser",
            "--param",
            "userId=u-jim",
        ],
        &[("PW", "admin-pw")],
    )
    .await;
    assert!(ok_json(&out).to_string().contains("jim@acme.com"));
    let s = sim.stats();
    assert_eq!(s.logins_proxy, 1);
    assert_eq!(s.switch_backs, 1, "close switches the proxy session back");
    assert_eq!(s.logouts, 1);
    assert_eq!(s.open_sessions, 0);
}
