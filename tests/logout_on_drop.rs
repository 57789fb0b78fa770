//! A client dropped without `close` still ends its server session, wherever the drop
//! happens: after its runtime is gone, or as the last thing a multi-thread `main` does.
#![cfg(all(feature = "sim", feature = "mstr"))]

use bi_rest::credentials::Credential;
use bi_rest::mstr::MstrClient;
use bi_rest::sim::mstr::{self, MstrSimConfig, RunningMstrSim as MstrSim};

/// The simulator on a runtime of its own, which outlives the clients' runtimes.
fn simulator() -> (tokio::runtime::Runtime, MstrSim) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the simulator");
    let sim = runtime
        .block_on(mstr::start(MstrSimConfig::default()))
        .expect("the simulator starts");
    (runtime, sim)
}

fn client(sim: &MstrSim) -> MstrClient {
    MstrClient::builder(sim.base_url())
        .standard("administrator", Credential::value("admin-pass"))
        .build()
        .expect("a client")
}

#[test]
fn a_client_dropped_after_its_runtime_is_gone_logs_out() {
    let (_sim_runtime, sim) = simulator();
    let c = {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let c = client(&sim);
        runtime.block_on(c.login()).expect("login");
        c
    };
    assert_eq!(sim.counters().open_sessions, 1);
    drop(c);
    assert_eq!(sim.counters().open_sessions, 0, "logged out by the drop");
    assert_eq!(sim.counters().logouts, 1);
}

#[test]
fn a_client_dropped_as_the_last_thing_main_does_logs_out() {
    let (_sim_runtime, sim) = simulator();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let c = client(&sim);
        c.login().await.expect("login");
        // No close: the drop at the end of this block is the last thing `main` does.
    });
    drop(runtime);
    assert_eq!(
        sim.counters().open_sessions,
        0,
        "logged out before the drop returned"
    );
}
