//! Runs Stoplight Prism (`@stoplight/prism-cli@5.14.2`) as a spec-validating mock on 127.0.0.1.
//!
//! Prism is looked for at `$BI_REST_PRISM`, else `target/prism/node_modules/.bin/prism`
//! (install: `npm install --prefix target/prism @stoplight/prism-cli@5.14.2`, or
//! `tests/prism/install.sh`). When it is missing:
//! - with `BI_REST_REQUIRE_PRISM` set, it is installed with npm, and the test fails if that fails;
//! - otherwise the test is skipped with a loud message on stderr.
//!
//! Spec overlay (documented): Prism 5.14.2 silently stops validating request bodies of the Looker
//! 4.0 spec because of its `"type": "any"` schemas (25 of them; KNOWN-DEFECTS.md), and
//! `description: null` (3) is not valid OpenAPI; and a media type without a subtype (Looker's
//! `"text"`) makes Prism's response validator throw and the whole mock exit. The overlay deletes
//! the first two keys and renames `text` to `text/plain`, nothing else; the result is written to `target/prism/Looker.4.0.prism.json`.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned Prism version.
pub const PRISM_VERSION: &str = "5.14.2";

/// A running Prism mock; killed (by its own child handle) on drop.
pub struct Prism {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    /// Prism's log file.
    pub log: PathBuf,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn prism_dir() -> PathBuf {
    root().join("target").join("prism")
}

fn prism_bin() -> PathBuf {
    match std::env::var_os("BI_REST_PRISM") {
        Some(p) => PathBuf::from(p),
        None => prism_dir().join("node_modules").join(".bin").join("prism"),
    }
}

fn install() -> Result<(), String> {
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(prism_dir())
        .arg(format!("@stoplight/prism-cli@{PRISM_VERSION}"))
        .status()
        .map_err(|e| format!("running npm: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("npm install exited with {status}"))
    }
}

/// The Looker spec file: the repo copy (`specs/looker/`), else `../shared/specs/looker/`.
pub fn looker_spec(name: &str) -> PathBuf {
    let local = root().join("specs").join("looker").join(name);
    if local.is_file() {
        return local;
    }
    root()
        .join("..")
        .join("shared")
        .join("specs")
        .join("looker")
        .join(name)
}

/// Applies the documented overlay and returns the path of the spec Prism is fed.
pub fn overlay_spec(src: &Path) -> PathBuf {
    let text =
        std::fs::read_to_string(src).unwrap_or_else(|e| panic!("reading {}: {e}", src.display()));
    let mut doc: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let (mut any, mut null_desc, mut media) = (0usize, 0usize, 0usize);
    fn walk(v: &mut serde_json::Value, any: &mut usize, null_desc: &mut usize, media: &mut usize) {
        match v {
            serde_json::Value::Object(m) => {
                if m.get("type").and_then(|t| t.as_str()) == Some("any") {
                    m.remove("type");
                    *any += 1;
                }
                if m.get("description").is_some_and(|d| d.is_null()) {
                    m.remove("description");
                    *null_desc += 1;
                }
                // Media type keys without a subtype (Looker's `"text"`) crash Prism's response
                // validator (content-type's "invalid media type"): renamed to `text/plain`.
                if let Some(serde_json::Value::Object(content)) = m.get_mut("content") {
                    let bad: Vec<String> = content
                        .keys()
                        .filter(|k| !k.contains('/'))
                        .cloned()
                        .collect();
                    for key in bad {
                        if let Some(v) = content.remove(&key) {
                            content.entry(format!("{key}/plain")).or_insert(v);
                            *media += 1;
                        }
                    }
                }
                for x in m.values_mut() {
                    walk(x, any, null_desc, media);
                }
            }
            serde_json::Value::Array(a) => {
                for x in a {
                    walk(x, any, null_desc, media);
                }
            }
            _ => {}
        }
    }
    walk(&mut doc, &mut any, &mut null_desc, &mut media);
    eprintln!(
        "prism overlay: removed {any} `type: any`, {null_desc} `description: null`; \
         renamed {media} subtype-less media types"
    );
    std::fs::create_dir_all(prism_dir()).expect("create target/prism");
    let out = prism_dir().join(
        src.file_name()
            .map(|n| n.to_string_lossy().replace(".oas.json", ".prism.json"))
            .unwrap_or_else(|| "spec.prism.json".into()),
    );
    std::fs::write(&out, serde_json::to_vec(&doc).expect("serialize overlay"))
        .expect("write overlay spec");
    out
}

/// Starts Prism on `spec` (after the overlay), or returns `None` (skip) when Prism is missing
/// and `BI_REST_REQUIRE_PRISM` is unset.
pub fn start(spec: &Path) -> Option<Prism> {
    let required = std::env::var_os("BI_REST_REQUIRE_PRISM").is_some();
    let mut bin = prism_bin();
    if !bin.exists() {
        if !required {
            eprintln!(
                "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                 SKIPPED: Prism not found at {}.\n\
                 Install it with `npm install --prefix target/prism @stoplight/prism-cli@{PRISM_VERSION}`\n\
                 (or tests/prism/install.sh), or set BI_REST_REQUIRE_PRISM=1 to install it and\n\
                 make this test mandatory.\n\
                 !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
                bin.display()
            );
            return None;
        }
        if let Err(e) = install() {
            panic!("BI_REST_REQUIRE_PRISM is set and Prism could not be installed: {e}");
        }
        bin = prism_bin();
        assert!(bin.exists(), "Prism still missing at {}", bin.display());
    }
    let spec = overlay_spec(spec);
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let log = prism_dir().join(format!("prism-{port}.log"));
    let log_file = std::fs::File::create(&log).expect("prism log");
    let child = Command::new(&bin)
        .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
        .arg(&spec)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log"))
        .stderr(log_file)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
    let prism = Prism {
        child,
        base_url: format!("http://127.0.0.1:{port}"),
        log,
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = std::fs::read_to_string(&prism.log).unwrap_or_default();
        if text.contains("Prism is listening") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Prism did not start within 120 s; log {}:\n{}",
            prism.log.display(),
            text.chars()
                .rev()
                .take(2000)
                .collect::<String>()
                .chars()
                .rev()
                .collect::<String>()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    Some(prism)
}

/// The request `Violation:` lines Prism logged at error level (a rejected request).
pub fn violations(prism: &Prism) -> Vec<String> {
    violation_lines(prism, "error")
}

/// The request `Violation:` lines Prism logged at warning level (e.g. a deprecated parameter).
pub fn warnings(prism: &Prism) -> Vec<String> {
    violation_lines(prism, "warning")
}

fn violation_lines(prism: &Prism, level: &str) -> Vec<String> {
    std::fs::read_to_string(&prism.log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("Violation: request") && l.contains(level))
        .map(str::to_string)
        .collect()
}
