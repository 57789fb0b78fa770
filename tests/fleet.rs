//! Fleet mode (issue 15): many `bi-rest` processes share one MicroStrategy session through a
//! real `redis-server` (started here on a free loopback port, killed on drop), a file, or
//! memory. The simulator runs in the test; the processes are the built CLI.
//!
//! Without `redis-server` on the PATH the Redis tests say so and pass, unless
//! `BI_REST_REQUIRE_REDIS=1` (scripts/test.sh sets it), when they fail.

use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bi_rest::auth::store::{MemoryStore, RedisStore, SessionStore, StoreOp, StoreReply};
use bi_rest::auth::{Fleet, FleetConfig};
use bi_rest::credentials::Credential;
use bi_rest::error::ErrorKind;
use bi_rest::mstr::MstrClient;
use bi_rest::sim::mstr::{start, MstrSimConfig, RunningMstrSim};

const KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0-test-fleet-key";

/// A `redis-server` of this test's own, without persistence; killed on drop.
struct Redis {
    child: Option<Child>,
    port: u16,
}

impl Redis {
    /// Starts one, or `None` (skip) when redis-server is not installed and not required.
    fn start() -> Option<Redis> {
        Redis::start_with(&[])
    }

    /// [`Redis::start`] with extra configuration arguments.
    fn start_with(config: &[&str]) -> Option<Redis> {
        let port = free_port();
        Redis::spawn(port, &[&["--port", &port.to_string()], config].concat())
    }

    /// One serving TLS only (`rediss://`), with this certificate and key (PEM files).
    fn start_tls(cert: &std::path::Path, key: &std::path::Path) -> Option<Redis> {
        let port = free_port();
        let (cert, key) = (cert.to_string_lossy(), key.to_string_lossy());
        let tls = ["--port", "0", "--tls-port", &port.to_string()];
        let files = ["--tls-cert-file", &cert, "--tls-key-file", &key];
        Redis::spawn(
            port,
            &[&tls[..], &files, &["--tls-auth-clients", "no"]].concat(),
        )
    }

    /// Runs redis-server with `config` and waits until `port` accepts connections.
    fn spawn(port: u16, config: &[&str]) -> Option<Redis> {
        let found = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok();
        if !found {
            if std::env::var("BI_REST_REQUIRE_REDIS").as_deref() == Ok("1") {
                panic!("redis-server is required (BI_REST_REQUIRE_REDIS=1) but not installed");
            }
            eprintln!("skipped: redis-server is not installed (apt-get install redis-server)");
            return None;
        }
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .args(config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let redis = Redis {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// `bi-rest mstr` as the administrator with the fleet options and `args`.
fn fleet_cmd(sim_url: &str, store: &str, name: &str, key: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bi-rest"));
    for var in [
        "MSTR_BASE_URL",
        "MSTR_USERNAME",
        "MSTR_PASSWORD",
        "BI_REST_STORE_KEY",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("PW", "admin-pass").env("FLEET_KEY", key);
    cmd.args(["mstr", "--base-url", sim_url])
        .args(["--username", "administrator", "--password", "env:PW"])
        .args(["--session-store", store, "--store-name", name])
        .args(["--store-key", "env:FLEET_KEY", "--store-timeout", "10"])
        .args(args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Starts every command at once and waits for all of them (off the async runtime).
async fn run_all(cmds: Vec<Command>) -> Vec<Output> {
    tokio::task::spawn_blocking(move || {
        let children: Vec<Child> = cmds
            .into_iter()
            .map(|mut c| c.spawn().expect("spawn bi-rest"))
            .collect();
        children
            .into_iter()
            .map(|c| c.wait_with_output().expect("wait for bi-rest"))
            .collect()
    })
    .await
    .expect("join the runner")
}

fn assert_all_ok(outs: &[Output]) {
    for (i, out) in outs.iter().enumerate() {
        assert_eq!(
            out.status.code(),
            Some(0),
            "process {i} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

async fn sim(config: MstrSimConfig) -> RunningMstrSim {
    start(config).await.expect("the simulator starts")
}

fn whoamis(n: usize, url: &str, store: &str, name: &str, extra: &[&str]) -> Vec<Command> {
    (0..n)
        .map(|_| {
            let mut args = extra.to_vec();
            args.push("whoami");
            fleet_cmd(url, store, name, KEY, &args)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_processes_share_one_session_and_renew_it_once() {
    let Some(redis) = Redis::start() else { return };
    let sim = sim(MstrSimConfig::default()).await;
    let (url, store) = (sim.base_url(), redis.url());

    assert_all_ok(&run_all(whoamis(16, &url, &store, "sixteen", &[])).await);
    let c = sim.counters();
    assert_eq!(c.logins(), 1, "16 processes, one login: {c:?}");
    assert_eq!(
        c.logouts, 0,
        "a process exit does not end the shared session"
    );
    assert_eq!(c.open_sessions, 1);

    // The server ends every session: 16 processes at once meet it, one logs in again.
    sim.expire_all_sessions();
    assert_all_ok(&run_all(whoamis(16, &url, &store, "sixteen", &[])).await);
    let c = sim.counters();
    assert_eq!(c.logins(), 2, "exactly one new login fleet-wide: {c:?}");
    assert_eq!(c.open_sessions, 1);
    assert!(c.max_open_sessions <= 1, "{c:?}");

    // `logout` with the store closes the fleet: the shared session ends.
    let out = run_all(vec![fleet_cmd(&url, &store, "sixteen", KEY, &["logout"])]).await;
    assert_all_ok(&out);
    let c = sim.counters();
    assert_eq!((c.logouts, c.open_sessions), (1, 0), "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_lock_holder_is_replaced_within_the_lock_ttl() {
    let Some(redis) = Redis::start() else { return };
    let sim = sim(MstrSimConfig::default().login_delay(Duration::from_secs(30))).await;
    let (url, store) = (sim.base_url(), redis.url());
    let ttl = Duration::from_secs(2);
    let extra = ["--store-lock-ttl", "2"];
    let mut holder = whoamis(1, &url, &store, "kill9", &extra)
        .pop()
        .expect("a command")
        .spawn()
        .expect("spawn the holder");

    // Wait until the holder has the lock (it is logging in: the simulator is slow).
    let watcher = Fleet::new(
        FleetConfig::new("kill9"),
        Arc::new(RedisStore::open(&store).expect("url").named("kill9")),
        Credential::value(KEY),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(StoreReply::Fence(Some(_))) = watcher.run(StoreOp::Holder).await {
            break;
        }
        assert!(Instant::now() < deadline, "the holder never took the lock");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    holder.kill().expect("kill -9 the holder");
    let _ = holder.wait();
    let killed = Instant::now();
    sim.set_login_delay(Duration::ZERO);

    let outs = run_all(whoamis(4, &url, &store, "kill9", &extra)).await;
    let recovered = killed.elapsed();
    assert_all_ok(&outs);
    eprintln!(
        "kill -9 of the lock holder: the fleet recovered in {recovered:?} (lock TTL {ttl:?})"
    );
    assert!(
        recovered <= ttl + Duration::from_secs(1),
        "recovery took {recovered:?}"
    );
    let c = sim.counters();
    assert_eq!(c.logins(), 1, "one login after the holder died: {c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_fails_no_call() {
    let Some(mut redis) = Redis::start() else {
        return;
    };
    let sim = sim(MstrSimConfig::default()).await;
    let (url, store) = (sim.base_url(), redis.url());

    assert_all_ok(&run_all(whoamis(4, &url, &store, "down", &[])).await);
    assert_eq!(sim.counters().logins(), 1);
    // Redis dies while a wave of processes starts.
    let wave = tokio::spawn({
        let (url, store) = (url.clone(), store.clone());
        async move { run_all(whoamis(6, &url, &store, "down", &[])).await }
    });
    tokio::time::sleep(Duration::from_millis(30)).await;
    redis.kill();
    let mut outs = wave.await.expect("the wave");
    outs.extend(run_all(whoamis(6, &url, &store, "down", &[])).await);
    assert_all_ok(&outs);
    for out in &outs {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.matches("session store unavailable").count() <= 1,
            "one warning per process: {stderr}"
        );
    }
    let c = sim.counters();
    // Each process that fell back logged its own session out; the fleet's stays.
    assert_eq!(c.open_sessions, 1, "{c:?}");
    assert_eq!(c.logouts, c.logins() - 1, "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_processes_under_a_session_cap_of_three_open_one_session() {
    let Some(redis) = Redis::start() else { return };
    let sim = sim(MstrSimConfig::default().max_sessions_per_user(3)).await;
    let (url, store) = (sim.base_url(), redis.url());
    assert_all_ok(&run_all(whoamis(50, &url, &store, "cap", &[])).await);
    let c = sim.counters();
    assert_eq!(c.max_open_sessions, 1, "{c:?}");
    assert_eq!((c.logins(), c.logins_failed), (1, 0), "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_lease_lapsing_logs_the_session_out() {
    let Some(redis) = Redis::start() else { return };
    let sim = sim(MstrSimConfig::default()).await;
    let (url, store) = (sim.base_url(), redis.url());
    let extra = ["--store-lease", "1"];
    assert_all_ok(&run_all(whoamis(1, &url, &store, "lease", &extra)).await);
    assert_eq!((sim.counters().logins(), sim.counters().logouts), (1, 0));
    tokio::time::sleep(Duration::from_millis(1300)).await;
    // The next process finds no live lease: it ends the orphan session and logs in anew.
    assert_all_ok(&run_all(whoamis(1, &url, &store, "lease", &extra)).await);
    let c = sim.counters();
    assert_eq!((c.logins(), c.logouts, c.open_sessions), (2, 1, 1), "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stored_session_is_sealed_and_a_wrong_key_is_a_clear_error() {
    let Some(redis) = Redis::start() else { return };
    let sim = sim(MstrSimConfig::default()).await;
    let (url, store) = (sim.base_url(), redis.url());
    assert_all_ok(&run_all(whoamis(1, &url, &store, "sealed", &[])).await);

    let fleet = |key: &str| {
        Fleet::new(
            FleetConfig::new("sealed"),
            Arc::new(RedisStore::open(&store).expect("url").named("sealed")),
            Credential::value(key),
        )
    };
    let right = fleet(KEY);
    let StoreReply::Session(Some(stored)) = right.run(StoreOp::Load).await.expect("load") else {
        panic!("no session in the store")
    };
    let snapshot = right.open(&stored).await.expect("the right key opens it");
    let token = snapshot.token.as_ref().map(|t| {
        use secrecy::ExposeSecret;
        t.expose_secret().to_string()
    });
    let token = token.expect("a token");
    let raw = &stored.sealed;
    for plain in [token.as_bytes(), b"administrator", b"JSESSIONID", b"token"] {
        assert!(
            !raw.windows(plain.len()).any(|w| w == plain),
            "the raw Redis value shows {:?}",
            String::from_utf8_lossy(plain)
        );
    }
    let err = fleet("another key")
        .open(&stored)
        .await
        .expect_err("wrong key");
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.to_string().contains("wrong store key"), "{err}");

    // A process with the wrong key works alone, says why once, and leaves nothing open.
    let out = run_all(vec![fleet_cmd(
        &url,
        &store,
        "sealed",
        "wrong",
        &["whoami"],
    )])
    .await;
    assert_all_ok(&out);
    let stderr = String::from_utf8_lossy(&out[0].stderr);
    assert!(stderr.contains("wrong store key"), "{stderr}");
    assert!(
        !stderr.contains(&token) && !stderr.contains(KEY),
        "{stderr}"
    );
    let c = sim.counters();
    assert_eq!((c.logins(), c.logouts, c.open_sessions), (2, 1, 1), "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_store_shares_one_session_between_processes() {
    let sim = sim(MstrSimConfig::default()).await;
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = format!("file:{}", dir.path().join("fleet.json").display());
    let url = sim.base_url();
    assert_all_ok(&run_all(whoamis(8, &url, &store, "file", &[])).await);
    let c = sim.counters();
    assert_eq!((c.logins(), c.logouts, c.open_sessions), (1, 0, 1), "{c:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("fleet.json"))
            .expect("the store file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_all_ok(&run_all(vec![fleet_cmd(&url, &store, "file", KEY, &["logout"])]).await);
    assert_eq!(sim.counters().open_sessions, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_one_process_share_a_memory_store() {
    let sim = sim(MstrSimConfig::default()).await;
    let store: Arc<dyn SessionStore> = Arc::new(MemoryStore::new());
    let client = || {
        let c = MstrClient::builder(sim.base_url())
            .standard("administrator", Credential::value("admin-pass"))
            .build()
            .expect("a client");
        c.auth()
            .use_session_store(Fleet::new(
                FleetConfig::new("memory"),
                store.clone(),
                Credential::value(KEY),
            ))
            .expect("attach");
        c
    };
    let (a, b) = (client(), client());
    a.user_info().await.expect("a calls");
    b.user_info().await.expect("b calls");
    assert_eq!(sim.counters().logins(), 1);
    assert_eq!(a.auth().fleet_generation(), b.auth().fleet_generation());
    assert!(a.auth().fleet_generation().is_some());
    a.close().await.expect("close a");
    assert_eq!(
        sim.counters().logouts,
        0,
        "closing one client keeps the fleet's session"
    );
    b.auth().close_fleet().await.expect("close the fleet");
    let c = sim.counters();
    assert_eq!((c.logouts, c.open_sessions), (1, 0), "{c:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acl_user_and_password_in_the_url_are_used_and_never_shown() {
    let acl = ["--user", "bot", "on", ">s3cret-acl", "~*", "&*", "+@all"];
    let Some(redis) = Redis::start_with(&[&acl[..], &["--user", "default", "off"]].concat()) else {
        return;
    };
    let sim = sim(MstrSimConfig::default()).await;
    let url = sim.base_url();
    let store = format!("redis://bot:s3cret-acl@127.0.0.1:{}/0", redis.port);
    assert_all_ok(&run_all(whoamis(4, &url, &store, "acl", &[])).await);
    assert_eq!(sim.counters().logins(), 1);

    // A wrong password: the process works alone and the warning shows no password.
    let bad = format!("redis://bot:badpass-xyz@127.0.0.1:{}/0", redis.port);
    let out = run_all(vec![fleet_cmd(&url, &bad, "acl", KEY, &["whoami"])]).await;
    assert_all_ok(&out);
    let stderr = String::from_utf8_lossy(&out[0].stderr);
    assert!(stderr.contains("session store unavailable"), "{stderr}");
    assert!(!stderr.contains("badpass-xyz"), "{stderr}");
    assert_eq!(sim.counters().logins(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rediss_store_is_verified_against_the_given_ca_and_shared() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let (cert_pem, key_pem) = (dir.path().join("redis.pem"), dir.path().join("redis.key"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
    let Some(redis) = Redis::start_tls(&cert_pem, &key_pem) else {
        return;
    };
    let store = format!("rediss://127.0.0.1:{}/0", redis.port);
    let ca = cert_pem.to_string_lossy().to_string();

    // The library: verified against the given CA, the store answers; a CA for a store
    // without TLS, or a file without a certificate, is a configuration error.
    let tls = RedisStore::open(&store)
        .unwrap()
        .with_ca_cert(cert.cert.pem().as_bytes())
        .unwrap();
    assert!(matches!(
        tls.run(StoreOp::Load).await,
        Ok(StoreReply::Session(None))
    ));
    let plain = RedisStore::open("redis://127.0.0.1:1/0").unwrap();
    let err = plain.with_ca_cert(cert.cert.pem().as_bytes()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    let err = RedisStore::open(&store)
        .unwrap()
        .with_ca_cert(b"not a certificate")
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");

    // The CLI: four processes verifying the store against its CA share one login.
    let sim = sim(MstrSimConfig::default()).await;
    let url = sim.base_url();
    assert_all_ok(&run_all(whoamis(4, &url, &store, "tls", &["--store-ca-cert", &ca])).await);
    assert_eq!(sim.counters().logins(), 1);

    // Without the CA the system's roots do not know the store's certificate: the process
    // refuses the store, says so once, and works with a session of its own.
    let out = run_all(vec![fleet_cmd(&url, &store, "tls", KEY, &["whoami"])]).await;
    assert_all_ok(&out);
    let stderr = String::from_utf8_lossy(&out[0].stderr);
    assert!(stderr.contains("session store unavailable"), "{stderr}");
    assert_eq!(sim.counters().logins(), 2);
    assert_eq!(sim.open_sessions(), 1, "the fleet's session stays open");
}

/// `bi-rest VENDOR` with a file store and `args`, in `dir` (no stray looker.ini is read).
fn vendor_cmd(vendor: &str, dir: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bi-rest"));
    cmd.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("LOOKERSDK_") || k.starts_with("AGILEAPPS_") || k == "BI_REST_STORE_KEY" {
            cmd.env_remove(k);
        }
    }
    let store = format!("file:{}", dir.join("fleet.json").display());
    cmd.env("FLEET_KEY", KEY).arg(vendor).args(args).args([
        "--session-store",
        &store,
        "--store-key",
        "env:FLEET_KEY",
    ]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn looker_processes_share_one_token() {
    use bi_rest::sim::looker::{LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
    let sim = bi_rest::sim::looker::start(LookerSimConfig::default())
        .await
        .expect("the simulator starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = sim.base_url();
    let cmd = |command: &str| {
        let mut c = vendor_cmd("looker", dir.path(), &["--base-url", &url]);
        c.env("CID", ADMIN_CLIENT_ID)
            .env("CSECRET", ADMIN_CLIENT_SECRET)
            .args([
                "--client-id",
                "env:CID",
                "--client-secret",
                "env:CSECRET",
                command,
            ]);
        c
    };
    assert_all_ok(&run_all((0..6).map(|_| cmd("whoami")).collect()).await);
    let s = sim.stats();
    assert_eq!((s.logins, s.logouts, s.live_tokens), (1, 0, 1), "{s:?}");
    assert_all_ok(&run_all(vec![cmd("logout")]).await);
    let s = sim.stats();
    assert_eq!((s.logouts, s.live_tokens), (1, 0), "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agileapps_processes_share_one_session() {
    use bi_rest::sim::agileapps::{start, AgileAppsSimConfig};
    let sim = start(AgileAppsSimConfig::default())
        .await
        .expect("the simulator starts");
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = sim.base_url();
    let cmd = |command: &str| {
        let mut c = vendor_cmd("agileapps", dir.path(), &["--base-url", &url]);
        c.env("AGILEAPPS_PASSWORD", "jim-pw")
            .args(["--username", "jim@acme.com", command]);
        c
    };
    assert_all_ok(&run_all((0..6).map(|_| cmd("whoami")).collect()).await);
    let s = sim.stats();
    assert_eq!(
        (s.logins_password, s.logouts, s.open_sessions),
        (1, 0, 1),
        "{s:?}"
    );
    assert_all_ok(&run_all(vec![cmd("logout")]).await);
    let s = sim.stats();
    assert_eq!((s.logouts, s.open_sessions), (1, 0), "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_store_session_ends_with_its_process() {
    let sim = sim(MstrSimConfig::default()).await;
    let out = run_all(vec![fleet_cmd(
        &sim.base_url(),
        "memory",
        "mem",
        KEY,
        &["whoami"],
    )])
    .await;
    assert_all_ok(&out);
    let c = sim.counters();
    assert_eq!((c.logins(), c.logouts, c.open_sessions), (1, 1, 0), "{c:?}");
}
