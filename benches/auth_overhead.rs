//! Overhead of the auth layer (`MstrClient` over `bi_rest::auth::Auth`) against a bare reqwest
//! client, on loopback against the MicroStrategy simulator, at concurrency 1 and 64.
//!
//! Both sides make the same call (`GET /sessions/userInfo` with the token header and the session
//! cookies, reading the whole body) on their own logged-in session. Rounds alternate between the
//! two sides so that noise from other processes hits both alike; the median round is reported.
//! Prints per-call latency, calls/second, the auth/bare latency ratio and the overhead in percent.
//! No assertion on timings.
//!
//! Run: `cargo bench --features mstr,sim --bench auth_overhead`
//! Options (environment): `BENCH_CALLS` calls per round and side (default 4000),
//! `BENCH_ROUNDS` rounds (default 7).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bi_rest::credentials::Credential;
use bi_rest::mstr::MstrClient;
use bi_rest::sim::mstr::{start, MstrSimConfig};
use reqwest::Method;

const PATH: &str = "/sessions/userInfo";

/// One side of the comparison: something that performs one call.
#[derive(Clone)]
enum Side {
    Bare {
        client: reqwest::Client,
        url: Arc<str>,
        token: Arc<str>,
    },
    Auth(MstrClient),
}

impl Side {
    fn name(&self) -> &'static str {
        match self {
            Side::Bare { .. } => "bare reqwest",
            Side::Auth(_) => "auth layer",
        }
    }

    async fn call(&self) -> Result<usize, String> {
        match self {
            Side::Bare { client, url, token } => {
                let r = client
                    .get(&**url)
                    .header("X-MSTR-AuthToken", &**token)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if !r.status().is_success() {
                    return Err(format!("bare call: HTTP {}", r.status()));
                }
                r.bytes().await.map(|b| b.len()).map_err(|e| e.to_string())
            }
            Side::Auth(c) => {
                let r = c
                    .send(c.request(Method::GET, PATH))
                    .await
                    .map_err(|e| e.to_string())?;
                r.bytes().await.map(|b| b.len()).map_err(|e| e.to_string())
            }
        }
    }
}

/// Wall time of `calls` calls spread over `concurrency` tasks.
async fn round(side: &Side, calls: usize, concurrency: usize) -> Result<Duration, String> {
    let per_task = calls / concurrency;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let side = side.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                side.call().await?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(started.elapsed())
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

struct Measured {
    per_call: Duration,
    calls_per_sec: f64,
}

fn measured(wall: Duration, calls: usize, concurrency: usize) -> Measured {
    let calls = (calls / concurrency * concurrency) as f64;
    Measured {
        // Latency of one call as its caller sees it: each task makes calls back to back.
        per_call: wall.mul_f64(concurrency as f64 / calls),
        calls_per_sec: calls / wall.as_secs_f64(),
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

async fn bare_side(base: &str) -> Result<Side, String> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .map_err(|e| e.to_string())?;
    let r = client
        .post(format!("{base}/auth/login"))
        .json(&serde_json::json!({
            "username": "administrator", "password": "admin-pass",
            "loginMode": 1, "applicationType": 35
        }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let token = r
        .headers()
        .get("X-MSTR-AuthToken")
        .and_then(|v| v.to_str().ok())
        .ok_or("bare login: no X-MSTR-AuthToken")?
        .to_string();
    Ok(Side::Bare {
        client,
        url: format!("{base}{PATH}").into(),
        token: token.into(),
    })
}

async fn auth_side(base: &str) -> Result<Side, String> {
    let client = MstrClient::builder(base)
        .standard("administrator", Credential::value("admin-pass"))
        .build()
        .map_err(|e| e.to_string())?;
    client.login().await.map_err(|e| e.to_string())?;
    Ok(Side::Auth(client))
}

async fn run() -> Result<(), String> {
    let calls = env_usize("BENCH_CALLS", 4000);
    let rounds = env_usize("BENCH_ROUNDS", 7);
    let sim = start(MstrSimConfig::default().max_sessions_per_user(16))
        .await
        .map_err(|e| e.to_string())?;
    let base = sim.base_url();
    let bare = bare_side(&base).await?;
    let auth = auth_side(&base).await?;

    println!("auth_overhead: GET {PATH} on {base}");
    println!("{calls} calls per round and side, {rounds} rounds, median round reported\n");
    println!(
        "{:<12} {:<13} {:>14} {:>12}",
        "concurrency", "side", "latency/call", "calls/s"
    );
    let mut summary = Vec::new();
    for concurrency in [1usize, 64] {
        // Warm up both sides (connections, allocator, JIT-free but cache-warm).
        round(&bare, calls / 4, concurrency).await?;
        round(&auth, calls / 4, concurrency).await?;
        let (mut b, mut a) = (Vec::new(), Vec::new());
        for i in 0..rounds {
            // Alternate which side goes first.
            if i % 2 == 0 {
                b.push(round(&bare, calls, concurrency).await?);
                a.push(round(&auth, calls, concurrency).await?);
            } else {
                a.push(round(&auth, calls, concurrency).await?);
                b.push(round(&bare, calls, concurrency).await?);
            }
        }
        let mb = measured(median(b), calls, concurrency);
        let ma = measured(median(a), calls, concurrency);
        for (side, m) in [(&bare, &mb), (&auth, &ma)] {
            println!(
                "{:<12} {:<13} {:>11.1} µs {:>12.0}",
                concurrency,
                side.name(),
                m.per_call.as_secs_f64() * 1e6,
                m.calls_per_sec
            );
        }
        let ratio = ma.per_call.as_secs_f64() / mb.per_call.as_secs_f64();
        summary.push((concurrency, ratio, ma.calls_per_sec / mb.calls_per_sec));
    }
    println!();
    for (concurrency, ratio, throughput) in summary {
        println!(
            "concurrency {concurrency:>2}: auth/bare latency ratio {ratio:.3} \
             (overhead {:+.1}%, target < 5%), throughput ratio {throughput:.3}",
            (ratio - 1.0) * 100.0
        );
    }
    let k = sim.counters();
    println!(
        "\nsimulator counters: logins {}, calls {}, rejected {}, open sessions {}",
        k.logins(),
        k.calls,
        k.rejected_calls,
        k.open_sessions
    );
    if let Side::Auth(c) = &auth {
        c.close().await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn main() {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("auth_overhead: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run()) {
        eprintln!("auth_overhead: {e}");
        std::process::exit(1);
    }
}
