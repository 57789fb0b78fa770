//! Every simulator on the shared plumbing: each fault kind at rate 1.0 on each vendor gives its
//! documented effect, the Looker per-user token cap, a chosen port bound on 127.0.0.1 for each
//! vendor (library and `bi-rest sim --port`), and the CLI settings reaching every vendor.
#![cfg(feature = "sim")]

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bi_rest::sim::all::{start_all, RunningSims, SimSet, Vendor};
use bi_rest::sim::faults::{FaultInjector, FaultKind, Faults};
use bi_rest::sim::looker::{
    self, LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, DOC_URL, USER_CLIENT_ID,
    USER_CLIENT_SECRET,
};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

const AGILEAPPS_LOGIN: &str = "<platform><login><userName>jim@acme.com</userName>\
                               <password>jim-pw</password></login></platform>";

/// One vendor's simulator with a logged-in session and a plain HTTP client.
struct Live {
    vendor: Vendor,
    sims: RunningSims,
    http: Client,
    /// MicroStrategy `X-MSTR-AuthToken` or Looker access token (AgileApps: the cookie jar).
    token: String,
}

impl Live {
    async fn start(vendor: Vendor) -> Live {
        let sims = start_all(SimSet::new().vendor(vendor).seed(5))
            .await
            .expect("simulator starts");
        let http = Client::builder().cookie_store(true).build().unwrap();
        let mut live = Live {
            vendor,
            sims,
            http,
            token: String::new(),
        };
        live.token = live.login().await;
        live
    }

    fn base(&self) -> String {
        self.sims.urls()[0].1.clone()
    }

    fn injector(&self) -> &FaultInjector {
        match self.vendor {
            Vendor::Mstr => self.sims.mstr.as_ref().unwrap().faults(),
            Vendor::Looker => self.sims.looker.as_ref().unwrap().faults(),
            Vendor::AgileApps => self.sims.agileapps.as_ref().unwrap().fault_injector(),
        }
    }

    async fn login(&self) -> String {
        let base = self.base();
        match self.vendor {
            Vendor::Mstr => {
                let r = self
                    .http
                    .post(format!("{base}/auth/login"))
                    .json(&json!({"username": "administrator", "password": "admin-pass", "loginMode": 1}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::NO_CONTENT);
                r.headers()["x-mstr-authtoken"]
                    .to_str()
                    .unwrap()
                    .to_string()
            }
            Vendor::Looker => {
                let r = self
                    .http
                    .post(format!("{base}/api/4.0/login"))
                    .form(&[
                        ("client_id", ADMIN_CLIENT_ID),
                        ("client_secret", ADMIN_CLIENT_SECRET),
                    ])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                let v: Value = r.json().await.unwrap();
                v["access_token"].as_str().unwrap().to_string()
            }
            Vendor::AgileApps => {
                let r = self
                    .http
                    .post(format!("{base}/networking/rest/login"))
                    .header("Content-Type", "application/xml")
                    .body(AGILEAPPS_LOGIN)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::OK);
                String::new()
            }
        }
    }

    /// An authenticated read call (user info) on the vendor's API.
    fn call(&self) -> reqwest::RequestBuilder {
        let base = self.base();
        match self.vendor {
            Vendor::Mstr => self
                .http
                .get(format!("{base}/sessions/userInfo"))
                .header("X-MSTR-AuthToken", &self.token),
            Vendor::Looker => self
                .http
                .get(format!("{base}/api/4.0/user"))
                .header("Authorization", format!("token {}", self.token)),
            Vendor::AgileApps => self.http.get(format!("{base}/networking/rest/user/u-jim")),
        }
    }

    async fn call_ok(&self) {
        let r = self.call().send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{:?}", self.vendor);
    }

    /// Checks that `kind` was injected exactly `injected` times, turns it off, and checks
    /// that the next call is answered normally (the fault did not break the session).
    async fn recovers_from(&self, kind: FaultKind, injected: u64) {
        assert_eq!(
            self.injector().injected(kind),
            injected,
            "{:?}",
            self.vendor
        );
        self.injector().set_rate(kind, 0.0);
        self.call_ok().await;
    }

    fn open_sessions(&self) -> u64 {
        self.sims.open_sessions()
    }
}

async fn json_body(r: Response) -> Value {
    let ct = r.headers()["content-type"].to_str().unwrap();
    assert!(ct.starts_with("application/json"), "{ct}");
    r.json().await.unwrap()
}

/// Checks the shape every injected error has for `vendor` (MicroStrategy `ERR001` with a
/// 32-character ticket, Looker exactly `{message: looker_message, documentation_url}`,
/// AgileApps code -1) and returns the body for further checks.
async fn injected_error_body(vendor: Vendor, r: Response, looker_message: &str) -> String {
    match vendor {
        Vendor::Mstr => {
            let v = json_body(r).await;
            assert_eq!(v["code"], "ERR001", "{v}");
            assert_eq!(v["ticketId"].as_str().map(str::len), Some(32), "{v}");
            v.to_string()
        }
        Vendor::Looker => {
            let v = json_body(r).await;
            assert_eq!(
                v,
                json!({"message": looker_message, "documentation_url": DOC_URL})
            );
            v.to_string()
        }
        Vendor::AgileApps => {
            let body = xml_body(r).await;
            assert!(body.contains("<code>-1</code>"), "{body}");
            body
        }
    }
}

async fn xml_body(r: Response) -> String {
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/xml"
    );
    r.text().await.unwrap()
}

#[tokio::test]
async fn fault_5xx_gives_each_vendors_500_shape() {
    for vendor in Vendor::ALL {
        let live = Live::start(vendor).await;
        live.injector().set_rate(FaultKind::ServerError, 1.0);
        let r = live.call().send().await.unwrap();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR, "{vendor:?}");
        let body = injected_error_body(vendor, r, "Internal Server Error").await;
        if vendor == Vendor::Mstr {
            assert!(body.contains(r#""subErrors":[]"#), "{body}");
        }
        live.recovers_from(FaultKind::ServerError, 1).await;
    }
}

#[tokio::test]
async fn fault_429_gives_retry_after_and_each_vendors_error_shape() {
    for vendor in Vendor::ALL {
        let live = Live::start(vendor).await;
        live.injector().set_faults(
            Faults::none()
                .rate(FaultKind::RateLimited, 1.0)
                .retry_after(7),
        );
        let r = live.call().send().await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{vendor:?}");
        assert_eq!(r.headers()["retry-after"], "7", "{vendor:?}");
        let body = injected_error_body(vendor, r, "Too Many Requests").await;
        if vendor == Vendor::AgileApps {
            assert!(body.contains("Too many requests"), "{body}");
        }
        // The default Retry-After is 1 second.
        live.injector()
            .set_faults(Faults::none().rate(FaultKind::RateLimited, 1.0));
        let r = live.call().send().await.unwrap();
        assert_eq!(r.headers()["retry-after"], "1");
        live.recovers_from(FaultKind::RateLimited, 2).await;
    }
}

#[tokio::test]
async fn fault_html_gives_a_proxy_502_page() {
    for vendor in Vendor::ALL {
        let live = Live::start(vendor).await;
        live.injector().set_rate(FaultKind::HtmlErrorPage, 1.0);
        let r = live.call().send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY, "{vendor:?}");
        assert_eq!(r.headers()["content-type"], "text/html");
        let page = r.text().await.unwrap();
        assert!(page.contains("<title>502 Bad Gateway</title>"), "{page}");
        live.recovers_from(FaultKind::HtmlErrorPage, 1).await;
    }
}

#[tokio::test]
async fn fault_drop_closes_the_connection_without_a_reply() {
    for vendor in Vendor::ALL {
        let live = Live::start(vendor).await;
        live.injector().set_rate(FaultKind::DroppedConnection, 1.0);
        let err = live
            .call()
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect_err("connection dropped");
        assert!(!err.is_timeout(), "{vendor:?}: {err}");
        assert!(err.status().is_none(), "no HTTP status at all");
        live.recovers_from(FaultKind::DroppedConnection, 1).await;
    }
}

#[tokio::test]
async fn fault_slow_delays_an_otherwise_normal_reply() {
    for vendor in Vendor::ALL {
        let live = Live::start(vendor).await;
        live.injector().set_faults(
            Faults::none()
                .rate(FaultKind::SlowReply, 1.0)
                .slow_delay(Duration::from_millis(300)),
        );
        let t0 = Instant::now();
        live.call_ok().await;
        assert!(t0.elapsed() >= Duration::from_millis(300), "{vendor:?}");
        let err = live
            .call()
            .timeout(Duration::from_millis(50))
            .send()
            .await
            .expect_err("a short client timeout meets the slow reply");
        assert!(err.is_timeout());
        assert_eq!(live.injector().injected(FaultKind::SlowReply), 2);
    }
}

#[tokio::test]
async fn fault_expired_ends_the_callers_session_with_the_vendor_answer() {
    for vendor in Vendor::ALL {
        let live = Live::start(vendor).await;
        assert_eq!(live.open_sessions(), 1, "{vendor:?}");
        live.injector().set_rate(FaultKind::ExpiredSession, 1.0);
        let r = live.call().send().await.unwrap();
        live.injector().set_rate(FaultKind::ExpiredSession, 0.0);
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{vendor:?}");
        check_session_gone_body(vendor, r).await;
        // The session is really gone, not just one reply.
        let r = live.call().send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{vendor:?}");
        check_session_gone_body(vendor, r).await;
        assert_eq!(live.open_sessions(), 0, "{vendor:?}");
        assert_eq!(live.injector().injected(FaultKind::ExpiredSession), 1);
    }
}

async fn check_session_gone_body(vendor: Vendor, r: Response) {
    match vendor {
        Vendor::Mstr => assert_eq!(json_body(r).await["code"], "ERR009"),
        Vendor::Looker => assert_eq!(
            json_body(r).await,
            json!({"message": "Requires authentication.", "documentation_url": DOC_URL})
        ),
        Vendor::AgileApps => {
            let body = xml_body(r).await;
            assert!(body.contains("<code>-101</code>"), "{body}");
        }
    }
}

#[tokio::test]
async fn faults_by_rate_reach_every_vendor_through_sim_set() {
    let sims = start_all(
        SimSet::new()
            .faults(Faults::none().rate(FaultKind::HtmlErrorPage, 1.0))
            .seed(3),
    )
    .await
    .unwrap();
    let http = Client::new();
    for (vendor, url) in sims.urls() {
        let r = http.get(format!("{url}/anything")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY, "{vendor:?}");
    }
    assert_eq!(sims.counters()["looker"]["faults_injected"], 1);
    assert_eq!(sims.counters()["agileapps"]["faults_injected"], 1);
    assert_eq!(sims.counters()["mstr"]["faults_injected"], 1);
    sims.shutdown().await;
}

async fn looker_login(http: &Client, base: &str, id: &str, secret: &str) -> Response {
    http.post(format!("{base}/api/4.0/login"))
        .form(&[("client_id", id), ("client_secret", secret)])
        .send()
        .await
        .unwrap()
}

async fn token_of(r: Response) -> String {
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn looker_max_sessions_refuses_one_token_too_many_and_logout_frees_a_slot() {
    let s = looker::start(LookerSimConfig {
        max_sessions: Some(2),
        ..LookerSimConfig::default()
    })
    .await
    .unwrap();
    let base = s.base_url();
    let http = Client::new();
    let t1 = token_of(looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await).await;
    let _t2 =
        token_of(looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await).await;

    // The third login of the same user: 429 with a Looker Error body naming the limit.
    let r = looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_none());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["documentation_url"], DOC_URL);
    assert_eq!(
        v["message"],
        "Too many active API sessions for this user: 2 of 2 allowed. \
         Log out an existing session first."
    );
    assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
    let st = s.stats();
    assert_eq!(
        (st.logins, st.live_tokens, st.session_limit_refusals),
        (2, 2, 1)
    );

    // Another user is not affected.
    let bob = token_of(looker_login(&http, &base, USER_CLIENT_ID, USER_CLIENT_SECRET).await).await;

    // Sudo tokens count for the user they act as: bob holds 1, a sudo as bob makes 2, the
    // next sudo as bob is refused the same way.
    let sudo = |t: String| {
        http.post(format!("{base}/api/4.0/login/2"))
            .header("Authorization", format!("token {t}"))
            .send()
    };
    assert_eq!(sudo(t1.clone()).await.unwrap().status(), StatusCode::OK);
    let r = sudo(t1.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // Logging out one of the admin's tokens frees a slot.
    let r = http
        .delete(format!("{base}/api/4.0/logout"))
        .header("Authorization", format!("token {t1}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let _t3 =
        token_of(looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await).await;
    let r = looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    // Bob logs out: a slot for bob again.
    let r = http
        .delete(format!("{base}/api/4.0/logout"))
        .header("Authorization", format!("token {bob}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    token_of(looker_login(&http, &base, USER_CLIENT_ID, USER_CLIENT_SECRET).await).await;

    let st = s.stats();
    assert_eq!(st.logins, 5);
    assert_eq!(st.sudo_logins, 1);
    assert_eq!(st.logouts, 2);
    assert_eq!(st.session_limit_refusals, 3);
    assert_eq!(st.live_tokens, 4);
}

#[tokio::test]
async fn looker_max_sessions_counts_only_live_tokens() {
    let s = looker::start(LookerSimConfig {
        max_sessions: Some(1),
        token_ttl: Duration::from_millis(200),
        ..LookerSimConfig::default()
    })
    .await
    .unwrap();
    let base = s.base_url();
    let http = Client::new();
    token_of(looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await).await;
    let r = looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    tokio::time::sleep(Duration::from_millis(300)).await;
    token_of(looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await).await;
    s.expire_all();
    token_of(looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await).await;
    assert_eq!(s.stats().logins, 3);
    assert_eq!(s.stats().session_limit_refusals, 1);
}

#[tokio::test]
async fn looker_max_sessions_zero_is_a_config_error() {
    let err = looker::start(LookerSimConfig {
        max_sessions: Some(0),
        ..LookerSimConfig::default()
    })
    .await
    .unwrap_err();
    assert!(err.to_string().contains("max_sessions"), "{err}");
}

/// A port that was free on 127.0.0.1 a moment ago, with the next `count - 1` ports free too
/// (bounded search).
fn free_ports(count: u16) -> u16 {
    for _ in 0..50 {
        let first = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if first > u16::MAX - count {
            continue;
        }
        let all_free = (first..first + count)
            .map(|p| TcpListener::bind((Ipv4Addr::LOCALHOST, p)))
            .collect::<Result<Vec<_>, _>>()
            .is_ok();
        if all_free {
            return first;
        }
    }
    panic!("no {count} consecutive free ports found in 50 tries");
}

#[tokio::test]
async fn each_vendor_binds_a_chosen_port_on_loopback() {
    // Library configs, one vendor at a time.
    let port = free_ports(1);
    let s = looker::start(LookerSimConfig {
        port,
        ..LookerSimConfig::default()
    })
    .await
    .unwrap();
    assert_eq!(s.addr(), SocketAddr::from(([127, 0, 0, 1], port)));
    assert_eq!(s.base_url(), format!("http://127.0.0.1:{port}"));
    s.shutdown_and_wait().await;

    let port = free_ports(1);
    let s = bi_rest::sim::agileapps::start(bi_rest::sim::agileapps::AgileAppsSimConfig {
        port,
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(s.addr(), SocketAddr::from(([127, 0, 0, 1], port)));
    s.shutdown().await;

    let port = free_ports(1);
    let s = bi_rest::sim::mstr::start(bi_rest::sim::mstr::MstrSimConfig::default().port(port))
        .await
        .unwrap();
    assert_eq!(s.addr(), SocketAddr::from(([127, 0, 0, 1], port)));
    s.shutdown().await;

    // SimSet: N, N+1, N+2 in the order given, each answering.
    let first = free_ports(3);
    let sims = start_all(
        SimSet::new()
            .vendor(Vendor::AgileApps)
            .vendor(Vendor::Looker)
            .vendor(Vendor::Mstr)
            .port(first),
    )
    .await
    .unwrap();
    let addrs = [
        sims.agileapps.as_ref().unwrap().addr(),
        sims.looker.as_ref().unwrap().addr(),
        sims.mstr.as_ref().unwrap().addr(),
    ];
    for (i, addr) in addrs.iter().enumerate() {
        assert_eq!(*addr, SocketAddr::from(([127, 0, 0, 1], first + i as u16)));
    }
    let order: Vec<Vendor> = sims.urls().into_iter().map(|(v, _)| v).collect();
    assert_eq!(order, [Vendor::AgileApps, Vendor::Looker, Vendor::Mstr]);
    // A taken port is a bind error naming the port.
    let taken = start_all(SimSet::new().vendor(Vendor::Looker).port(first + 1))
        .await
        .unwrap_err();
    assert!(
        taken
            .to_string()
            .contains(&format!("127.0.0.1:{}", first + 1)),
        "{taken}"
    );
    sims.shutdown().await;
}

/// Reads lines from the child's stdout on a thread, so the test can wait with a bound.
fn stdout_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Kills the child when the test ends, however it ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_sim(args: &[&str]) -> (KillOnDrop, Value, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bi-rest"))
        .arg("sim")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start bi-rest sim");
    let lines = stdout_lines(&mut child);
    let guard = KillOnDrop(child);
    let first = lines
        .recv_timeout(Duration::from_secs(60))
        .expect("the URL line within 60 s");
    let v: Value = serde_json::from_str(&first).expect("one JSON line");
    (guard, v["simulators"].clone(), lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_sim_port_starts_all_three_on_consecutive_loopback_ports() {
    let first = free_ports(3);
    let port = first.to_string();
    let (mut guard, sims, lines) = spawn_sim(&[
        "--vendor",
        "looker",
        "--vendor",
        "agileapps",
        "--vendor",
        "mstr",
        "--port",
        &port,
    ]);
    assert_eq!(
        sims["looker"]["base_url"],
        format!("http://127.0.0.1:{first}")
    );
    assert_eq!(
        sims["agileapps"]["base_url"],
        format!("http://127.0.0.1:{}", first + 1)
    );
    assert_eq!(
        sims["mstr"]["base_url"],
        format!("http://127.0.0.1:{}/MicroStrategyLibrary/api", first + 2)
    );

    let http = Client::new();
    let looker_base = format!("http://127.0.0.1:{first}");
    token_of(looker_login(&http, &looker_base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await).await;
    let r = http
        .post(format!(
            "http://127.0.0.1:{}/networking/rest/login",
            first + 1
        ))
        .header("Content-Type", "application/xml")
        .body(AGILEAPPS_LOGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = http
        .post(format!(
            "http://127.0.0.1:{}/MicroStrategyLibrary/api/auth/login",
            first + 2
        ))
        .json(&json!({"username": "administrator", "password": "admin-pass", "loginMode": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // Ctrl-C: counters line with one login each, then a clean exit, both within a bound.
    let pid = guard.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let last = lines
        .recv_timeout(Duration::from_secs(30))
        .expect("counters line within 30 s");
    let counters: Value = serde_json::from_str(&last).unwrap();
    for vendor in ["mstr", "looker", "agileapps"] {
        assert_eq!(counters["counters"][vendor]["logins"], 1, "{counters}");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = guard.0.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(Instant::now() < deadline, "bi-rest sim did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_sim_settings_reach_every_vendor() {
    // --max-sessions and --token-ttl on Looker, --fault on every vendor.
    let (_guard, sims, _lines) = spawn_sim(&[
        "--vendor",
        "looker",
        "--max-sessions",
        "1",
        "--token-ttl",
        "120",
    ]);
    let base = sims["looker"]["base_url"].as_str().unwrap().to_string();
    let http = Client::new();
    let r = looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["expires_in"], 120);
    let r = looker_login(&http, &base, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);

    let (_guard, sims, _lines) = spawn_sim(&["--fault", "429=1"]);
    for (vendor, url) in [
        (
            "mstr",
            format!("{}/auth/login", sims["mstr"]["base_url"].as_str().unwrap()),
        ),
        (
            "looker",
            format!(
                "{}/api/4.0/login",
                sims["looker"]["base_url"].as_str().unwrap()
            ),
        ),
        (
            "agileapps",
            format!(
                "{}/networking/rest/login",
                sims["agileapps"]["base_url"].as_str().unwrap()
            ),
        ),
    ] {
        let r = http.post(url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{vendor}");
        assert_eq!(r.headers()["retry-after"], "1", "{vendor}");
    }
}
