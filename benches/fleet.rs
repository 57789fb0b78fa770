//! Fleet mode: logins per 1,000 calls for 1, 8 and 32 processes, each process its own
//! MicroStrategy client (this binary re-run as a worker), with no store and with a Redis
//! session store. The simulator and a `redis-server` (free loopback port, no persistence)
//! run here; the table is printed and written to bench/fleet-results.md.
//!
//! `cargo bench --features sim,redis --bench fleet`

use std::fmt::Write as _;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bi_rest::auth::store::RedisStore;
use bi_rest::auth::{Fleet, FleetConfig};
use bi_rest::credentials::Credential;
use bi_rest::mstr::MstrClient;
use bi_rest::sim::mstr::{start, MstrSimConfig};

const TOTAL_CALLS: usize = 1000;
const KEY: &str = "bench-fleet-key-5f0c9e1a7b3d4c2e";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    if args.get(1).map(String::as_str) == Some("worker") {
        let failures = runtime.block_on(worker(&args[2..]));
        println!("{failures}");
        return;
    }
    runtime.block_on(bench());
}

/// `worker URL STORE NAME CALLS`: CALLS calls through one client; prints the failures.
async fn worker(args: &[String]) -> usize {
    let [url, store, name, calls] = args else {
        eprintln!("usage: worker URL STORE NAME CALLS");
        return usize::MAX;
    };
    let calls: usize = calls.parse().unwrap_or(0);
    let client = match MstrClient::builder(url.as_str())
        .standard("administrator", Credential::value("admin-pass"))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("worker: {e}");
            return calls;
        }
    };
    if store != "none" {
        let opened = RedisStore::open(store).map(|s| s.named(name));
        let Ok(redis) = opened else {
            eprintln!("worker: bad store URL");
            return calls;
        };
        let fleet = Fleet::new(
            FleetConfig::new(name),
            Arc::new(redis),
            Credential::value(KEY),
        );
        if let Err(e) = client.auth().use_session_store(fleet) {
            eprintln!("worker: {e}");
            return calls;
        }
    }
    let mut failures = 0;
    for _ in 0..calls {
        if client.user_info().await.is_err() {
            failures += 1;
        }
    }
    let _ = client.close().await;
    failures
}

struct Row {
    processes: usize,
    store: &'static str,
    calls: usize,
    logins: u64,
    failures: usize,
    seconds: f64,
}

async fn bench() {
    let redis = start_redis();
    let mut rows = Vec::new();
    for processes in [1usize, 8, 32] {
        rows.push(run(processes, None).await);
        match &redis {
            Some((_, url)) => rows.push(run(processes, Some(url)).await),
            None => eprintln!("redis-server not installed: the Redis rows are skipped"),
        }
    }
    let mut table = String::from(
        "| processes | store | calls | logins | logins per 1,000 calls | failed calls | seconds |\n\
         |---:|---|---:|---:|---:|---:|---:|\n",
    );
    for r in &rows {
        let per_k = r.logins as f64 * 1000.0 / r.calls as f64;
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {:.1} | {} | {:.2} |",
            r.processes, r.store, r.calls, r.logins, per_k, r.failures, r.seconds
        );
    }
    println!("{table}");
    let doc = format!(
        "# Fleet mode: logins per 1,000 calls\n\n\
         `cargo bench --features sim,redis --bench fleet` (here `--profile dev`: login counts do \
         not depend on optimisation) on a 2-core machine shared with other builds: each process \
         is a separate OS process with its own MicroStrategy client, calling \
         `GET /sessions/userInfo` against the simulator; {TOTAL_CALLS} calls in all, split evenly \
         (rounded up). Redis: a local `redis-server`, no persistence.\n\n{table}"
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/fleet-results.md");
    if let Err(e) = std::fs::write(&path, doc) {
        eprintln!("cannot write {}: {e}", path.display());
    }
    if let Some((mut child, _)) = redis {
        let _ = child.kill();
        let _ = child.wait();
    }
}

async fn run(processes: usize, store: Option<&String>) -> Row {
    let sim = start(MstrSimConfig::default().max_sessions_per_user(1000))
        .await
        .expect("the simulator starts");
    let per = TOTAL_CALLS.div_ceil(processes);
    let name = format!("bench-{processes}-{}", fastrand::u32(..));
    let exe = std::env::current_exe().expect("this binary");
    let url = sim.base_url();
    let store_arg = store.cloned().unwrap_or_else(|| "none".to_string());
    let started = Instant::now();
    let failures = tokio::task::spawn_blocking(move || {
        let children: Vec<Child> = (0..processes)
            .map(|_| {
                Command::new(&exe)
                    .args(["worker", &url, &store_arg, &name, &per.to_string()])
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("spawn a worker")
            })
            .collect();
        children
            .into_iter()
            .map(|c| {
                let out = c.wait_with_output().expect("a worker ends");
                String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse::<usize>()
                    .unwrap_or(per)
            })
            .sum::<usize>()
    })
    .await
    .expect("join the workers");
    let seconds = started.elapsed().as_secs_f64();
    let logins = sim.counters().logins();
    Row {
        processes,
        store: if store.is_some() { "Redis" } else { "none" },
        calls: per * processes,
        logins,
        failures,
        seconds,
    }
}

/// A `redis-server` on a free loopback port, or `None` when it is not installed.
fn start_redis() -> Option<(Child, String)> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some((child, format!("redis://127.0.0.1:{port}/0")))
}
