//! Hostile servers on loopback: a raw TCP (or TLS) server in front of the simulators
//! (tests/support/hostile.rs) misbehaves on chosen paths while logins and logouts are real,
//! so each case asserts the exact typed error, a bounded time, and 0 sessions left open on the
//! simulator. The endless-body cases also run the `bi-rest` binary and measure its peak RSS.
#![cfg(all(
    feature = "mstr",
    feature = "looker-4_0",
    feature = "agileapps",
    feature = "sim",
    feature = "cli"
))]

#[path = "support/hostile.rs"]
mod hostile;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bi_rest::agileapps::{self, AgileAppsConfig, LoginMethod};
use bi_rest::auth::{HttpConfig, RedirectPolicy, RetryPolicy, Sleeper};
use bi_rest::credentials::Credential;
use bi_rest::error::ErrorKind;
use bi_rest::looker::{LookerClient, LookerSettings};
use bi_rest::mstr::MstrClient;
use bi_rest::sim::looker::{LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
use bi_rest::sim::mstr::{MstrSimConfig, RunningMstrSim};
use hostile::{Answer, Hostile, Seen};
use reqwest::Method;

const ADMIN: &str = "administrator";
const ADMIN_PASS: &str = "admin-pass";
const API: &str = "/MicroStrategyLibrary/api";
/// Every case must end well within this.
const BOUND: Duration = Duration::from_secs(60);
/// The peak RSS an endless body may cause in the CLI (the default success limit is 64 MiB).
const RSS_BOUND_MIB: f64 = 200.0;

async fn mstr_sim() -> RunningMstrSim {
    bi_rest::sim::mstr::start(MstrSimConfig::default())
        .await
        .expect("simulator starts")
}

fn http() -> HttpConfig {
    HttpConfig::new().request_timeout(Some(Duration::from_secs(10)))
}

fn mstr(base: &str, http: HttpConfig) -> MstrClient {
    MstrClient::builder(base)
        .keep_alive(false)
        .http(http)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .build()
        .expect("client builds")
}

/// A proxy in front of `upstream` answering `answer` on paths containing `part`, forwarding
/// the rest.
async fn proxy_to(upstream: SocketAddr, part: &'static str, answer: Answer) -> Hostile {
    Hostile::start(Some(upstream), move |seen: &Seen| {
        if seen.path.contains(part) {
            answer.clone()
        } else {
            Answer::Forward
        }
    })
    .await
}

/// [`proxy_to`] the MicroStrategy simulator.
async fn proxy(sim: &RunningMstrSim, part: &'static str, answer: Answer) -> Hostile {
    proxy_to(sim.addr(), part, answer).await
}

/// Another origin answering every request with a 200 of `content_type` and `body`.
async fn other_origin(content_type: &'static str, body: &'static str) -> Hostile {
    Hostile::start(None, move |_: &Seen| {
        Answer::full(200, &[], content_type, body)
    })
    .await
}

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .expect("the case ends in bounded time")
}

/// `bi-rest mstr --base-url BASE ARGS... whoami`, measured.
async fn cli_whoami(base: String, args: &[&str]) -> (std::process::Output, f64, Duration) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_bi-rest"));
    cmd.env_remove("MSTR_BASE_URL")
        .env_remove("MSTR_USERNAME")
        .env_remove("MSTR_PASSWORD")
        .env("PW", ADMIN_PASS)
        .args([
            "mstr",
            "--base-url",
            &base,
            "--username",
            ADMIN,
            "--password",
            "env:PW",
        ])
        .args(args)
        .arg("whoami");
    tokio::task::spawn_blocking(move || hostile::run_measured(cmd))
        .await
        .expect("join the CLI runner")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_success_body_is_response_too_large_in_bounded_memory() {
    let sim = mstr_sim().await;
    let p = proxy(&sim, "/sessions/userInfo", Answer::EndlessBody(200)).await;
    let c = mstr(&p.url(API), http().max_response_bytes(1024 * 1024));
    let e = bounded(c.user_info()).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.exit_code()),
        (ErrorKind::ResponseTooLarge, 9),
        "{e}"
    );
    assert!(e.to_string().contains("1048576 bytes"), "{e}");
    c.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);

    // The CLI with the default limit (64 MiB), against a healthy whoami as the baseline.
    let (out, baseline, _) = bounded(cli_whoami(sim.base_url(), &[])).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (out, rss, took) = bounded(cli_whoami(p.url(API), &[])).await;
    println!(
        "endless 200 body: CLI peak RSS {rss:.1} MiB (healthy whoami {baseline:.1} MiB), exit {:?}, {took:?}",
        out.status.code()
    );
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than the limit of 67108864 bytes"),
        "{}",
        stderr(&out)
    );
    assert!(rss < RSS_BOUND_MIB, "peak RSS {rss} MiB");
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_error_body_keeps_a_prefix_and_maps_the_status() {
    let sim = mstr_sim().await;
    let p = proxy(&sim, "/sessions/userInfo", Answer::EndlessBody(500)).await;
    let c = mstr(&p.url(API), http());
    let e = bounded(c.user_info()).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.status().map(|s| s.as_u16())),
        (ErrorKind::Server, Some(500))
    );
    assert!(e
        .vendor()
        .unwrap()
        .raw_body
        .as_deref()
        .unwrap()
        .starts_with("xxxx"));
    // 500 is never retried.
    assert_eq!(p.seen_on("/sessions/userInfo").len(), 1);
    c.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);

    let (out, rss, took) = bounded(cli_whoami(p.url(API), &[])).await;
    println!(
        "endless 500 body: CLI peak RSS {rss:.1} MiB, exit {:?}, {took:?}",
        out.status.code()
    );
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    assert!(rss < RSS_BOUND_MIB, "peak RSS {rss} MiB");
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_times_out_once_and_the_session_is_logged_out() {
    let sim = mstr_sim().await;
    let p = proxy(&sim, "/sessions/userInfo", Answer::Silent).await;
    let c = mstr(
        &p.url(API),
        http().request_timeout(Some(Duration::from_secs(1))),
    );
    let t0 = Instant::now();
    let e = bounded(c.user_info()).await.unwrap_err();
    let took = t0.elapsed();
    assert_eq!((e.kind(), e.exit_code()), (ErrorKind::Timeout, 9), "{e}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // A timeout is never retried, not even for a GET.
    assert_eq!(p.seen_on("/sessions/userInfo").len(), 1);
    c.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);

    // The CLI: --timeout bounds the call; the logout still goes through.
    let (out, _, took) = bounded(cli_whoami(p.url(API), &["--timeout", "2"])).await;
    println!("silent server: the CLI gave up after {took:?} (--timeout 2)");
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_post_is_not_replayed() {
    let sim = mstr_sim().await;
    let p = proxy(&sim, "/auth/apiTokens", Answer::Silent).await;
    let c = mstr(
        &p.url(API),
        http().request_timeout(Some(Duration::from_millis(500))),
    );
    let e = bounded(c.create_api_token(None)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(p.seen_on("/auth/apiTokens").len(), 1);
    c.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_time_out() {
    let sim = mstr_sim().await;
    let p = proxy(
        &sim,
        "/sessions/userInfo",
        Answer::SlowHeaders(Duration::from_millis(100)),
    )
    .await;
    let c = mstr(
        &p.url(API),
        http().request_timeout(Some(Duration::from_secs(1))),
    );
    let t0 = Instant::now();
    let e = bounded(c.user_info()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(t0.elapsed() < Duration::from_secs(3));
    c.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_json_and_invalid_xml_are_decode_errors() {
    let sim = mstr_sim().await;
    let p = proxy(
        &sim,
        "/sessions/userInfo",
        Answer::full(200, &[], "application/json", "{\"id\": \"abc"),
    )
    .await;
    let c = mstr(&p.url(API), http());
    let e = bounded(c.user_info()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    c.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);

    // AgileApps: a login answered with broken XML.
    let aa = bi_rest::sim::agileapps::start(Default::default())
        .await
        .unwrap();
    let broken = "<platform><login><userId>u-1</use";
    let p = proxy_to(
        aa.addr(),
        "/login",
        Answer::full(200, &[], "application/xml", broken),
    )
    .await;
    let auth = agileapps::auth(
        &AgileAppsConfig::new(&p.url("")).unwrap().http(http()),
        LoginMethod::Password {
            user_name: "admin@acme.com".into(),
            password: Credential::value("admin-pw"),
        },
    )
    .unwrap();
    let e = bounded(auth.login()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e}");
    assert_eq!(aa.stats().open_sessions, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_headers_and_ten_thousand_set_cookie_lines_are_network_errors() {
    let sim = mstr_sim().await;
    let huge = format!("X-Huge: {}", "h".repeat(1 << 20));
    let cookies: Vec<String> = (0..10_000)
        .map(|i| format!("Set-Cookie: c{i}=v; Path=/"))
        .collect();
    let cookie_lines: Vec<&str> = cookies.iter().map(String::as_str).collect();
    for (name, answer) in [
        (
            "huge header",
            Answer::full(200, &[&huge], "application/json", "{}"),
        ),
        (
            "10,000 Set-Cookie",
            Answer::full(200, &cookie_lines, "application/json", "{}"),
        ),
    ] {
        let p = proxy(&sim, "/sessions/userInfo", answer).await;
        let c = mstr(&p.url(API), http());
        let t0 = Instant::now();
        let e = bounded(c.user_info()).await.unwrap_err();
        println!("{name}: {:?} {e} in {:?}", e.kind(), t0.elapsed());
        assert_eq!(e.kind(), ErrorKind::Network, "{name}: {e}");
        // Only the session cookie(s) of the simulator are in the jar.
        assert!(c.auth().cookies().len() <= 2, "{name}");
        c.close().await.unwrap();
        assert_eq!(sim.open_sessions(), 0, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_loop_stops_after_ten_hops() {
    let sim = mstr_sim().await;
    let location = format!("{API}/sessions/userInfo");
    let p = proxy(&sim, "/sessions/userInfo", Answer::redirect(302, &location)).await;
    let c = mstr(&p.url(API), http());
    let e = bounded(c.user_info()).await.unwrap_err();
    assert_eq!((e.kind(), e.exit_code()), (ErrorKind::Redirect, 9), "{e}");
    assert!(e.to_string().contains("redirect loop"), "{e}");
    assert_eq!(p.seen_on("/sessions/userInfo").len(), 11);
    assert_eq!(c.auth().stats().redirects, 10);
    c.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);
}

/// The credential-bearing headers of the three vendors.
const CREDENTIALS: [&str; 5] = [
    "x-mstr-authtoken",
    "x-mstr-projectid",
    "authorization",
    "cookie",
    "x-mstr-identitytoken",
];

fn assert_no_credentials(seen: &[Seen]) {
    assert_eq!(seen.len(), 1, "{seen:?}");
    let names = seen[0].header_names();
    // Only harmless headers cross: `accept-encoding` appears when a feature elsewhere in the
    // build turns on reqwest's decompression (as `--all-features` does).
    for name in &names {
        assert!(
            ["accept", "accept-encoding", "host", "user-agent"].contains(&name.as_str()),
            "{name} reached the other origin: {seen:?}"
        );
    }
    for needed in ["accept", "host", "user-agent"] {
        assert!(names.iter().any(|n| n == needed), "{needed}: {seen:?}");
    }
    for c in CREDENTIALS {
        assert!(
            !names.iter().any(|n| n == c),
            "{c} reached the other origin"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_origin_redirects_never_carry_credentials() {
    let other = other_origin("application/json", "{\"other\":true}").await;
    let elsewhere = other.url("/stolen");

    // MicroStrategy: token, project and session cookie.
    let sim = mstr_sim().await;
    let p = proxy(
        &sim,
        "/sessions/userInfo",
        Answer::redirect(302, &elsewhere),
    )
    .await;
    let c = MstrClient::builder(p.url(API))
        .keep_alive(false)
        .http(http())
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .project_id(bi_rest::sim::mstr::data::TUTORIAL_PROJECT_ID)
        .build()
        .unwrap();
    // Default policy: refused, nothing reaches the other origin.
    let e = bounded(c.user_info()).await.unwrap_err();
    assert_eq!((e.kind(), e.exit_code()), (ErrorKind::Redirect, 9), "{e}");
    assert!(e.to_string().contains(&elsewhere), "{e}");
    assert!(other.seen().is_empty());
    // The CLI refuses too (exit 9) and logs out.
    let (out, _, _) = bounded(cli_whoami(p.url(API), &[])).await;
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(other.seen().is_empty());
    c.close().await.unwrap();

    // Following without credentials.
    let c = MstrClient::builder(p.url(API))
        .keep_alive(false)
        .http(http().redirect_policy(RedirectPolicy::FollowStrippingCredentials))
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .project_id(bi_rest::sim::mstr::data::TUTORIAL_PROJECT_ID)
        .build()
        .unwrap();
    let r = bounded(c.send(c.request(Method::GET, "/sessions/userInfo")))
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "{\"other\":true}");
    let sent = p.seen_on("/sessions/userInfo");
    let last = sent.last().unwrap().header_names();
    assert!(last.contains(&"x-mstr-authtoken".to_string()) && last.contains(&"cookie".to_string()));
    assert_no_credentials(&other.seen());
    // A login is not re-sent to another origin by a 307 (its body holds the password).
    let p307 = proxy(&sim, "/auth/login", Answer::redirect(307, &elsewhere)).await;
    let c307 = MstrClient::builder(p307.url(API))
        .keep_alive(false)
        .http(http().redirect_policy(RedirectPolicy::FollowStrippingCredentials))
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .build()
        .unwrap();
    let e = bounded(c307.login()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Redirect, "{e}");
    assert!(e.to_string().contains("request body"), "{e}");
    assert_eq!(other.seen().len(), 1);
    c.close().await.unwrap();
    c307.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);

    // Looker: the Authorization token.
    let other = other_origin("application/json", "{}").await;
    let looker = bi_rest::sim::looker::start(LookerSimConfig::default())
        .await
        .unwrap();
    let to_other = Answer::redirect(302, &other.url("/stolen"));
    let p = proxy_to(looker.addr(), "/api/4.0/user", to_other).await;
    let settings = LookerSettings::new(
        &p.url(""),
        Credential::value(ADMIN_CLIENT_ID),
        Credential::value(ADMIN_CLIENT_SECRET),
    );
    let lc = LookerClient::builder(settings.clone())
        .http(http())
        .build()
        .unwrap();
    assert_eq!(
        bounded(lc.me()).await.unwrap_err().kind(),
        ErrorKind::Redirect
    );
    assert!(other.seen().is_empty());
    lc.close().await.unwrap();
    let lc = LookerClient::builder(settings)
        .http(http().redirect_policy(RedirectPolicy::FollowStrippingCredentials))
        .build()
        .unwrap();
    bounded(lc.me()).await.unwrap();
    assert_no_credentials(&other.seen());
    lc.close().await.unwrap();
    assert_eq!(looker.stats().live_tokens, 0);

    // AgileApps: the JSESSIONID cookie.
    let other = other_origin("application/xml", "<platform/>").await;
    let aa = bi_rest::sim::agileapps::start(Default::default())
        .await
        .unwrap();
    let to_other = Answer::redirect(302, &other.url("/stolen"));
    let p = proxy_to(aa.addr(), "/user/", to_other).await;
    let auth = agileapps::auth(
        &AgileAppsConfig::new(&p.url(""))
            .unwrap()
            .http(http().redirect_policy(RedirectPolicy::FollowStrippingCredentials)),
        LoginMethod::Password {
            user_name: "admin@acme.com".into(),
            password: Credential::value("admin-pw"),
        },
    )
    .unwrap();
    auth.login().await.unwrap();
    let r = bounded(auth.send(auth.request(Method::GET, "/networking/rest/user/u-admin")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(p.seen_on("/user/")[0]
        .header_names()
        .contains(&"cookie".to_string()));
    let seen = other.seen();
    assert_eq!(seen.len(), 1);
    let names = seen[0].header_names();
    assert!(!names.iter().any(|n| n == "cookie"), "{names:?}");
    auth.close().await.unwrap();
    assert_eq!(aa.stats().open_sessions, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_origin_redirects_keep_working() {
    let sim = mstr_sim().await;
    let target = format!("{API}/sessions/userInfo");
    let p = proxy(&sim, "/moved/userInfo", Answer::redirect(301, &target)).await;
    let c = mstr(&p.url(API), http());
    let r = bounded(c.send(c.request(Method::GET, "/moved/userInfo")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let followed = p.seen_on("/sessions/userInfo");
    assert!(followed[0]
        .header_names()
        .contains(&"x-mstr-authtoken".to_string()));
    assert_eq!(c.auth().stats().redirects, 1);
    c.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_self_signed_is_refused_by_default_and_https_to_http_is_refused() {
    let sim = mstr_sim().await;
    let dir = tempfile::tempdir().unwrap();
    let (acceptor, pem) = hostile::self_signed();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let plain = other_origin("application/json", "{}").await;
    let downgrade = plain.url("/x");
    let p = Hostile::start_with(
        Some(sim.addr()),
        move |seen: &Seen| {
            if seen.path.contains("/sessions/userInfo") {
                Answer::redirect(302, &downgrade)
            } else {
                Answer::Forward
            }
        },
        Some(acceptor),
    )
    .await;

    // Default trust: a TLS error, no session opened.
    let c = mstr(&p.url(API), http());
    let e = bounded(c.user_info()).await.unwrap_err();
    assert_eq!((e.kind(), e.exit_code()), (ErrorKind::Tls, 9), "{e}");
    assert_eq!(sim.counters().logins(), 0);
    let (out, _, _) = bounded(cli_whoami(p.url(API), &[])).await;
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));

    // Trusted with the CA bundle: login works; the https -> http redirect is refused under
    // every policy.
    for policy in [
        RedirectPolicy::SameOrigin,
        RedirectPolicy::FollowStrippingCredentials,
    ] {
        let c = mstr(&p.url(API), http().ca_bundle(&ca).redirect_policy(policy));
        let e = bounded(c.user_info()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Redirect, "{e}");
        assert!(e.to_string().contains("clear text"), "{e}");
        c.close().await.unwrap();
    }
    assert!(plain.seen().is_empty());
    assert_eq!(sim.open_sessions(), 0);

    // The CLI with --ca-cert: the session opens and closes (the call itself is refused).
    let logins = sim.counters().logins();
    let (out, _, _) = bounded(cli_whoami(p.url(API), &["--ca-cert", ca.to_str().unwrap()])).await;
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(stderr(&out).contains("clear text"), "{}", stderr(&out));
    assert_eq!(sim.counters().logins(), logins + 1);
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_chunked_body_is_a_network_error() {
    let sim = mstr_sim().await;
    let raw = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{\"id\":\"abc".to_vec();
    let p = proxy(&sim, "/sessions/userInfo", Answer::Raw(raw)).await;
    let c = mstr(&p.url(API), http());
    let e = bounded(c.user_info()).await.unwrap_err();
    assert_eq!((e.kind(), e.exit_code()), (ErrorKind::Network, 9), "{e}");
    c.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);
}

/// A proxy answering the first `n` calls on `part` with `answer`, then forwarding.
async fn flaky(sim: &RunningMstrSim, part: &'static str, n: usize, answer: Answer) -> Hostile {
    let count = AtomicUsize::new(0);
    Hostile::start(Some(sim.addr()), move |seen: &Seen| {
        if seen.path.contains(part) && count.fetch_add(1, Ordering::SeqCst) < n {
            answer.clone()
        } else {
            Answer::Forward
        }
    })
    .await
}

fn recording_sleeper() -> (Sleeper, Arc<Mutex<Vec<Duration>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let w = waits.clone();
    let sleeper = Sleeper::new(move |d| {
        w.lock().unwrap().push(d);
        Box::pin(async {})
    });
    (sleeper, waits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_for_idempotent_calls_only() {
    let sim = mstr_sim().await;
    let (sleeper, waits) = recording_sleeper();
    let http = http().retry_sleeper(sleeper);

    // Two 503s with Retry-After (seconds, then an HTTP date), then the answer.
    let date = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(5));
    let count = AtomicUsize::new(0);
    let p = Hostile::start(Some(sim.addr()), move |seen: &Seen| {
        if !seen.path.contains("/sessions/userInfo") {
            return Answer::Forward;
        }
        match count.fetch_add(1, Ordering::SeqCst) {
            0 => Answer::full(503, &["Retry-After: 7"], "text/plain", "busy"),
            1 => Answer::full(
                503,
                &[&format!("Retry-After: {date}")],
                "text/plain",
                "busy",
            ),
            _ => Answer::Forward,
        }
    })
    .await;
    let c = mstr(&p.url(API), http.clone());
    bounded(c.user_info()).await.unwrap();
    assert_eq!(p.seen_on("/sessions/userInfo").len(), 3);
    assert_eq!(c.auth().stats().retries, 2);
    {
        let waits = waits.lock().unwrap();
        assert_eq!(waits[0], Duration::from_secs(7));
        assert!(
            waits[1] > Duration::from_secs(2) && waits[1] <= Duration::from_secs(5),
            "{waits:?}"
        );
    }
    c.close().await.unwrap();

    // A connection closed without an answer: a GET is retried, a POST is not.
    let p = flaky(&sim, "/sessions/userInfo", 1, Answer::Raw(Vec::new())).await;
    let c = mstr(&p.url(API), http.clone());
    bounded(c.user_info()).await.unwrap();
    assert_eq!(c.auth().stats().retries, 1);
    c.close().await.unwrap();
    let p = flaky(&sim, "/auth/apiTokens", 1, Answer::Raw(Vec::new())).await;
    let c = mstr(&p.url(API), http.clone());
    let e = bounded(c.create_api_token(None)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert_eq!(p.seen_on("/auth/apiTokens").len(), 1);
    assert_eq!(c.auth().stats().retries, 0);

    // A refused connection never reached the server: even a POST is retried.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let e = bounded(c.send(c.request(Method::POST, &format!("http://{closed}/x"))))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert_eq!(c.auth().stats().retries, 2);
    c.close().await.unwrap();

    // A 503 to a POST is returned at once.
    let p = flaky(
        &sim,
        "/auth/apiTokens",
        1,
        Answer::full(503, &[], "text/plain", "busy"),
    )
    .await;
    let c = mstr(&p.url(API), http.clone());
    let e = bounded(c.create_api_token(None)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServerUnreachable, "{e}");
    assert_eq!(p.seen_on("/auth/apiTokens").len(), 1);
    c.close().await.unwrap();

    // The budget: 10 tokens pay for two retries; the next failure is not retried.
    let p = flaky(
        &sim,
        "/sessions/userInfo",
        100,
        Answer::full(502, &[], "text/plain", "down"),
    )
    .await;
    let c = MstrClient::builder(p.url(API))
        .keep_alive(false)
        .http(http)
        .retry_policy(RetryPolicy {
            budget_capacity: 10,
            ..RetryPolicy::default()
        })
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .build()
        .unwrap();
    for _ in 0..2 {
        let e = bounded(c.user_info()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ServerUnreachable);
    }
    let stats = c.auth().stats();
    assert_eq!((stats.retries, stats.retry_budget_exhausted), (2, 1));
    assert_eq!(p.seen_on("/sessions/userInfo").len(), 4);
    c.close().await.unwrap();
    assert_eq!(sim.open_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_under_a_five_percent_fault_rate() {
    use bi_rest::sim::faults::{FaultKind, Faults};
    const CALLS: usize = 400;
    for kind in [
        FaultKind::DroppedConnection,
        FaultKind::HtmlErrorPage,
        FaultKind::ServerError,
    ] {
        let sim = mstr_sim().await;
        let c = mstr(&sim.base_url(), http());
        c.login().await.unwrap();
        sim.faults().set_faults(Faults::none().rate(kind, 0.05));
        let mut failures = 0u64;
        for _ in 0..CALLS {
            if bounded(c.user_info()).await.is_err() {
                failures += 1;
            }
        }
        sim.faults().set_faults(Faults::none());
        let stats = c.auth().stats();
        println!(
            "fault {kind:?} at 5%: {CALLS} GETs, {} injected, {} retries, {failures} failed, {} logins",
            sim.faults().injected(kind),
            stats.retries,
            stats.logins
        );
        match kind {
            FaultKind::ServerError => assert_eq!(stats.retries, 0, "a 500 is not retried"),
            _ => {
                // Each failure is three faults in a row (two of them retried).
                assert_eq!(stats.retries, sim.faults().injected(kind) - failures);
                assert!(failures <= 1, "{failures}");
            }
        }
        c.close().await.unwrap();
        assert_eq!(sim.open_sessions(), 0);
    }
}
