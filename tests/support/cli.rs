//! Running the `bi-rest` binary from CLI tests: a command with a clean vendor environment,
//! run off the async runtime, and the checks every CLI test makes on its output.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

/// `bi-rest VENDOR`, with the `clear` variables removed from the environment and `envs` set,
/// run in `dir` when given (so no stray config file such as looker.ini is read).
pub fn command(vendor: &str, dir: Option<&Path>, clear: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bi-rest"));
    cmd.arg(vendor);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    for var in clear {
        cmd.env_remove(var);
    }
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

/// Runs `cmd` to completion on a blocking thread (the simulator keeps serving meanwhile).
pub async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("run bi-rest"))
        .await
        .expect("join the bi-rest runner")
}

/// Asserts exit 0 and returns stdout as JSON.
pub fn ok_json(out: &Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout_json(out)
}

/// Stdout as JSON, whatever the exit code.
pub fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Asserts that none of `secrets` appears on stdout or stderr.
pub fn no_secret(out: &Output, secrets: &[&str]) {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for s in secrets {
        assert!(!s.is_empty());
        assert!(!all.contains(s), "secret {s:?} printed: {all}");
    }
}
