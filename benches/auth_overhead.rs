//! Overhead of the auth layer (`MstrClient` over `bi_rest::auth::Auth`) against a bare reqwest
//! client, on loopback against the MicroStrategy simulator, at concurrency 1 and 64.
//!
//! Both sides make the same call (`GET /sessions/userInfo` with the token header and the session
//! cookies, reading the whole body) on their own logged-in session. The measurement is paired:
//! each round runs both sides back to back (alternating which goes first), and the overhead is
//! the median of the per-round auth/bare ratios, so load from other processes that changes
//! between rounds cancels out. Latency and calls/second are from the median round of each side,
//! and "best" from its fastest (least disturbed) round. On Unix the CPU time the whole process
//! (client and in-process simulator) spends per call is also reported, paired the same way
//! (`CLOCK_PROCESS_CPUTIME_ID`): on a busy machine it is steadier than wall-clock time.
//! Concurrency 1 runs on a current-thread runtime (one caller: client and simulator on one
//! thread, so the timings do not depend on which worker each task lands on), concurrency 64 on
//! the multi-thread runtime. The bare client has the auth layer's transport settings (timeouts,
//! User-Agent, a cookie store). No assertion on timings.
//!
//! Run: `cargo bench --features mstr,sim --bench auth_overhead`; for the same comparison in
//! instructions (exact, immune to machine noise) run `bench/auth_instructions.sh`.
//! Options (environment): `BENCH_CALLS` calls per round and side (default 1280),
//! `BENCH_ROUNDS` rounds (default 51), `BENCH_PROFILE=bare|auth` runs only that side for
//! `BENCH_ROUNDS` rounds at concurrency `BENCH_CONCURRENCY` (default 64) and prints nothing
//! else (to compare two profiler runs).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The system allocator, counting allocations: a per-call count is exact and immune to the
/// machine's noise (client and in-process simulator together; both sides hit the same server
/// code, so the difference is the client side's).
struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
// SAFETY: forwards every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
#[global_allocator]
static GLOBAL: Counting = Counting;

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

/// CPU time used so far by this process, all threads (`CLOCK_PROCESS_CPUTIME_ID`: exact, it
/// includes the running thread's time up to now; `/proc/*/schedstat`, used before, advances
/// only at context switches and scheduler ticks, which quantised a 50 ms round by ~8%).
#[cfg(unix)]
fn process_cpu() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// CPU time of the process: not measured on this platform.
#[cfg(not(unix))]
fn process_cpu() -> Option<Duration> {
    None
}

/// A round of one side: wall time and CPU time.
struct Round {
    wall: Duration,
    cpu: Option<Duration>,
    allocations: u64,
}

/// Runs a round and measures its CPU time as well.
async fn measured_round(side: &Side, calls: usize, concurrency: usize) -> Result<Round, String> {
    let cpu0 = process_cpu();
    let allocs0 = ALLOCATIONS.load(Ordering::Relaxed);
    let wall = round(side, calls, concurrency).await?;
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - allocs0;
    let cpu = match (cpu0, process_cpu()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    Ok(Round {
        wall,
        cpu,
        allocations,
    })
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
    // Same transport settings as the auth layer's default `HttpConfig` (10 s connect, 120 s
    // request timeout, its User-Agent), so the comparison isolates the auth layer itself.
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .user_agent(bi_rest::auth::config::DEFAULT_USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
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

/// What one concurrency level measured.
struct Phase {
    concurrency: usize,
    ratio: f64,
    q1: f64,
    q3: f64,
    best: f64,
    /// CPU µs per call of the median round of each side, and the median paired ratio.
    cpu: Option<(f64, f64, f64)>,
    allocs: (f64, f64),
    sim: String,
}

/// Both sides at one concurrency, against a simulator of their own, on the current runtime;
/// `None` in the one-side profiling mode (`BENCH_PROFILE`), which measures nothing itself.
async fn phase(concurrency: usize, calls: usize, rounds: usize) -> Result<Option<Phase>, String> {
    let sim = start(MstrSimConfig::default().max_sessions_per_user(16))
        .await
        .map_err(|e| e.to_string())?;
    let base = sim.base_url();
    let bare = bare_side(&base).await?;
    let auth = auth_side(&base).await?;
    if let Ok(only) = std::env::var("BENCH_PROFILE") {
        let side = if only == "auth" { &auth } else { &bare };
        for _ in 0..rounds {
            round(side, calls, concurrency).await?;
        }
        return Ok(None);
    }
    // Warm up both sides (connections, allocator, caches).
    round(&bare, calls / 4, concurrency).await?;
    round(&auth, calls / 4, concurrency).await?;
    let (mut rb, mut ra) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        // Alternate which side goes first.
        if i % 2 == 0 {
            rb.push(measured_round(&bare, calls, concurrency).await?);
            ra.push(measured_round(&auth, calls, concurrency).await?);
        } else {
            ra.push(measured_round(&auth, calls, concurrency).await?);
            rb.push(measured_round(&bare, calls, concurrency).await?);
        }
    }
    let done = |rs: &[Round]| (calls / concurrency * concurrency * rs.len()) as f64;
    // CPU time like latency: paired per round, the median ratio (one disturbed round, on a
    // shared machine, moves a sum but not a median).
    let per_round_calls = (calls / concurrency * concurrency) as f64;
    let cpu = rb
        .iter()
        .zip(&ra)
        .map(|(b, a)| Some((b.cpu?.as_secs_f64(), a.cpu?.as_secs_f64())))
        .collect::<Option<Vec<_>>>()
        .filter(|pairs| !pairs.is_empty())
        .map(|pairs| {
            let mid = |mut xs: Vec<f64>| {
                xs.sort_by(f64::total_cmp);
                xs[xs.len() / 2]
            };
            let us = |secs: f64| secs * 1e6 / per_round_calls;
            (
                us(mid(pairs.iter().map(|p| p.0).collect())),
                us(mid(pairs.iter().map(|p| p.1).collect())),
                mid(pairs.iter().map(|(b, a)| a / b).collect()),
            )
        });
    let allocs_per_call =
        |rs: &[Round]| -> f64 { rs.iter().map(|r| r.allocations).sum::<u64>() as f64 / done(rs) };
    let b: Vec<Duration> = rb.iter().map(|r| r.wall).collect();
    let a: Vec<Duration> = ra.iter().map(|r| r.wall).collect();
    let mut ratios: Vec<f64> = a
        .iter()
        .zip(&b)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let fastest = |xs: &[Duration]| *xs.iter().min().unwrap_or(&Duration::ZERO);
    let (best_b, best_a) = (
        measured(fastest(&b), calls, concurrency),
        measured(fastest(&a), calls, concurrency),
    );
    let (mb, ma) = (
        measured(median(b), calls, concurrency),
        measured(median(a), calls, concurrency),
    );
    for (side, m, best) in [(&bare, &mb, &best_b), (&auth, &ma, &best_a)] {
        println!(
            "{:<12} {:<13} {:>11.1} µs {:>12.0} {:>11.1} µs",
            concurrency,
            side.name(),
            m.per_call.as_secs_f64() * 1e6,
            m.calls_per_sec,
            best.per_call.as_secs_f64() * 1e6,
        );
    }
    if let Side::Auth(c) = &auth {
        c.close().await.map_err(|e| e.to_string())?;
    }
    let k = sim.counters();
    Ok(Some(Phase {
        concurrency,
        ratio: ratios[ratios.len() / 2],
        q1: ratios[ratios.len() / 4],
        q3: ratios[ratios.len() * 3 / 4],
        best: best_a.per_call.as_secs_f64() / best_b.per_call.as_secs_f64(),
        cpu,
        allocs: (allocs_per_call(&rb), allocs_per_call(&ra)),
        sim: format!(
            "logins {}, calls {}, rejected {}",
            k.logins(),
            k.calls,
            k.rejected_calls
        ),
    }))
}

fn print_summary(p: &Phase) {
    let Phase {
        concurrency,
        ratio,
        q1,
        q3,
        best,
        ..
    } = *p;
    println!(
        "concurrency {concurrency:>2}: auth/bare latency ratio {ratio:.3} \
         (overhead {:+.1}%, target < 5%; middle half of rounds {:+.1}% .. {:+.1}%; \
         best rounds {:+.1}%)",
        (ratio - 1.0) * 100.0,
        (q1 - 1.0) * 100.0,
        (q3 - 1.0) * 100.0,
        (best - 1.0) * 100.0,
    );
    if let Some((cb, ca, ratio)) = p.cpu {
        println!(
            "               CPU per call (client + simulator, median round): bare {cb:.1} µs, \
             auth {ca:.1} µs; paired ratio {ratio:.3} (overhead {:+.1}%, target < 5%)",
            (ratio - 1.0) * 100.0,
        );
    }
    let (alloc_b, alloc_a) = p.allocs;
    println!(
        "               allocations per call (client + simulator): bare {alloc_b:.1}, \
         auth {alloc_a:.1} ({:+.1})",
        alloc_a - alloc_b
    );
    println!("               simulator: {}", p.sim);
}

/// The runtime a concurrency level runs on: one caller making calls back to back runs on a
/// current-thread runtime (client and simulator on one thread, so the timings do not depend
/// on which worker each task lands on); many callers on the multi-thread runtime.
fn runtime_for(concurrency: usize) -> Result<tokio::runtime::Runtime, String> {
    let mut builder = if concurrency == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

fn run() -> Result<(), String> {
    let calls = env_usize("BENCH_CALLS", 1280);
    let rounds = env_usize("BENCH_ROUNDS", 51);
    if std::env::var_os("BENCH_PROFILE").is_some() {
        let concurrency = env_usize("BENCH_CONCURRENCY", 64);
        return runtime_for(concurrency)?
            .block_on(phase(concurrency, calls, rounds))
            .map(drop);
    }
    println!("auth_overhead: GET {PATH} on the MicroStrategy simulator (loopback)");
    println!("{calls} calls per round and side, {rounds} paired rounds\n");
    println!(
        "{:<12} {:<13} {:>14} {:>12} {:>14}",
        "concurrency", "side", "latency/call", "calls/s", "best latency"
    );
    let mut phases = Vec::new();
    for concurrency in [1usize, 64] {
        phases.extend(runtime_for(concurrency)?.block_on(phase(concurrency, calls, rounds))?);
    }
    println!();
    for p in &phases {
        print_summary(p);
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("auth_overhead: {e}");
        std::process::exit(1);
    }
}
