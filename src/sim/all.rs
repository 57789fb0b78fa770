//! All the simulators at once, for `#[tokio::test]`s and for `bi-rest sim`: one call starts
//! the vendors you name (all three by default) on 127.0.0.1 and hands back their URLs, the
//! demo credentials, merged counters and the switches.
//!
//! ```
//! use bi_rest::sim::all::{start_all, SimSet, Vendor};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sims = start_all(SimSet::new().vendor(Vendor::Mstr)).await?;
//! let mstr = sims.mstr.as_ref().expect("started");
//! let http = reqwest::Client::builder().cookie_store(true).build()?;
//! let login = http
//!     .post(format!("{}/auth/login", mstr.base_url()))
//!     .json(&serde_json::json!({"username": "administrator", "password": "admin-pass", "loginMode": 1}))
//!     .send()
//!     .await?;
//! assert_eq!(login.status(), 204);
//! assert_eq!(sims.open_sessions(), 1);
//! sims.expire_all_sessions();
//! assert_eq!(sims.open_sessions(), 0);
//! sims.shutdown().await;
//! # Ok(()) }
//! ```

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::agileapps::{AgileAppsSim, AgileAppsSimConfig};
use super::faults::{FaultInjector, FaultKind, Faults};
use super::looker::{
    LookerSim, LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, USER_CLIENT_ID,
    USER_CLIENT_SECRET,
};
use super::mstr::{MstrSimConfig, RunningMstrSim};
use super::record::Recorder;
use super::SimError;

/// A simulated vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vendor {
    /// MicroStrategy / Strategy One.
    Mstr,
    /// Looker.
    Looker,
    /// AgileApps Cloud.
    AgileApps,
}

impl Vendor {
    /// Every vendor, in start order.
    pub const ALL: [Vendor; 3] = [Vendor::Mstr, Vendor::Looker, Vendor::AgileApps];

    /// The name used on the command line and in JSON (`mstr`, `looker`, `agileapps`).
    pub fn name(self) -> &'static str {
        match self {
            Vendor::Mstr => "mstr",
            Vendor::Looker => "looker",
            Vendor::AgileApps => "agileapps",
        }
    }
}

impl FromStr for Vendor {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vendor::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| SimError::Config {
                setting: "vendor".into(),
                reason: format!("unknown vendor {s:?} (mstr, looker, agileapps)"),
            })
    }
}

/// What to start and how (builder style). Settings a vendor's simulator has no knob for are
/// ignored for that vendor (see each setter).
#[derive(Debug, Clone, Default)]
pub struct SimSet {
    vendors: Vec<Vendor>,
    port: Option<u16>,
    idle_timeout: Option<Duration>,
    token_ttl: Option<Duration>,
    max_sessions: Option<usize>,
    faults: Faults,
    seed: u64,
    server_version: Option<String>,
    recorder: Option<Arc<Recorder>>,
}

impl SimSet {
    /// All vendors, default settings, no faults.
    pub fn new() -> SimSet {
        SimSet::default()
    }

    /// Starts `vendor` (call once per vendor; none named = all three).
    pub fn vendor(mut self, vendor: Vendor) -> SimSet {
        if !self.vendors.contains(&vendor) {
            self.vendors.push(vendor);
        }
        self
    }

    /// The first port on 127.0.0.1: the vendors take consecutive ports from it, in the order
    /// named (all three by default: `mstr` N, `looker` N+1, `agileapps` N+2). Without it each
    /// takes a free port; [`RunningSims::describe`] gives the URLs either way.
    pub fn port(mut self, port: u16) -> SimSet {
        self.port = Some(port);
        self
    }

    /// Session idle timeout (MicroStrategy, AgileApps).
    pub fn idle_timeout(mut self, timeout: Duration) -> SimSet {
        self.idle_timeout = Some(timeout);
        self
    }

    /// Token lifetime, `expires_in` (Looker; MicroStrategy and AgileApps sessions have an idle
    /// timeout instead).
    pub fn token_ttl(mut self, ttl: Duration) -> SimSet {
        self.token_ttl = Some(ttl);
        self
    }

    /// Sessions per user (MicroStrategy, AgileApps; Looker: live tokens per user).
    pub fn max_sessions(mut self, max: usize) -> SimSet {
        self.max_sessions = Some(max);
        self
    }

    /// Fault rates, for every vendor (the shared rate-based injector; each vendor has its own
    /// injector with these rates and the same seed).
    pub fn faults(mut self, faults: Faults) -> SimSet {
        self.faults = faults;
        self
    }

    /// Seed of the simulators' generators (tokens, ids, fault decisions).
    pub fn seed(mut self, seed: u64) -> SimSet {
        self.seed = seed;
        self
    }

    /// The server version the simulators report (MicroStrategy `GET /status`, Looker
    /// `GET /versions`); each vendor has a current default.
    pub fn server_version(mut self, version: &str) -> SimSet {
        self.server_version = Some(version.to_string());
        self
    }

    /// Records every exchange of every simulator (see [`super::record`]).
    pub fn recorder(mut self, recorder: Arc<Recorder>) -> SimSet {
        self.recorder = Some(recorder);
        self
    }

    /// The vendors to start, in order.
    pub fn vendors(&self) -> Vec<Vendor> {
        if self.vendors.is_empty() {
            Vendor::ALL.to_vec()
        } else {
            self.vendors.clone()
        }
    }
}

/// The simulators started by [`start_all`]. Dropping it stops them.
#[derive(Debug)]
pub struct RunningSims {
    /// The MicroStrategy simulator, if started.
    pub mstr: Option<RunningMstrSim>,
    /// The Looker simulator, if started.
    pub looker: Option<LookerSim>,
    /// The AgileApps simulator, if started.
    pub agileapps: Option<AgileAppsSim>,
    order: Vec<Vendor>,
}

/// Starts the simulators of `set` on 127.0.0.1. Must be called inside a tokio runtime.
pub async fn start_all(set: SimSet) -> Result<RunningSims, SimError> {
    let mut sims = RunningSims {
        mstr: None,
        looker: None,
        agileapps: None,
        order: set.vendors(),
    };
    for (i, vendor) in set.vendors().into_iter().enumerate() {
        let port = match set.port {
            Some(first) => first
                .checked_add(i as u16)
                .ok_or_else(|| SimError::Config {
                    setting: "port".into(),
                    reason: format!("{first} + {i} is past 65535"),
                })?,
            None => 0,
        };
        match vendor {
            Vendor::Mstr => {
                let mut config = MstrSimConfig::default()
                    .port(port)
                    .faults(set.faults.clone())
                    .seed(set.seed);
                if let Some(t) = set.idle_timeout {
                    config = config.idle_timeout(t);
                }
                if let Some(n) = set.max_sessions {
                    config = config.max_sessions_per_user(n);
                }
                if let Some(v) = &set.server_version {
                    config = config.server_version(v);
                }
                if let Some(r) = &set.recorder {
                    config = config.recorder(r.clone());
                }
                sims.mstr = Some(super::mstr::start(config).await?);
            }
            Vendor::Looker => {
                let mut config = LookerSimConfig {
                    port,
                    max_sessions: set.max_sessions,
                    faults: set.faults.clone(),
                    seed: set.seed,
                    recorder: set.recorder.clone(),
                    ..LookerSimConfig::default()
                };
                if let Some(ttl) = set.token_ttl {
                    config.token_ttl = ttl;
                }
                if let Some(v) = &set.server_version {
                    config.server_version = v.clone();
                }
                sims.looker = Some(super::looker::start(config).await?);
            }
            Vendor::AgileApps => {
                let mut config = AgileAppsSimConfig {
                    port,
                    faults: set.faults.clone(),
                    seed: set.seed,
                    recorder: set.recorder.clone(),
                    ..AgileAppsSimConfig::default()
                };
                if let Some(t) = set.idle_timeout {
                    config.idle_timeout = t;
                }
                if set.max_sessions.is_some() {
                    config.max_sessions_per_user = set.max_sessions;
                }
                sims.agileapps = Some(super::agileapps::start(config).await?);
            }
        }
    }
    Ok(sims)
}

/// How many faults the injector fired in all.
fn faults_injected(injector: &FaultInjector) -> u64 {
    FaultKind::ALL.iter().map(|k| injector.injected(*k)).sum()
}

impl RunningSims {
    /// Each started vendor and its base URL (the API root for MicroStrategy), in start order.
    pub fn urls(&self) -> Vec<(Vendor, String)> {
        self.order
            .iter()
            .filter_map(|v| {
                let url = match v {
                    Vendor::Mstr => self.mstr.as_ref().map(|s| s.base_url()),
                    Vendor::Looker => self.looker.as_ref().map(|s| s.base_url()),
                    Vendor::AgileApps => self.agileapps.as_ref().map(|s| s.base_url()),
                };
                url.map(|u| (*v, u))
            })
            .collect()
    }

    /// Each vendor's URLs and the demo credentials, as `bi-rest sim` prints them.
    pub fn describe(&self) -> Value {
        let mut out = serde_json::Map::new();
        if let Some(s) = &self.mstr {
            out.insert(
                "mstr".into(),
                json!({
                    "base_url": s.base_url(),
                    "users": [
                        {"username": "administrator", "password": "admin-pass", "login_mode": "standard"},
                        {"username": "ldapuser", "password": "ldap-pass", "login_mode": "ldap"},
                        {"username": "analyst", "password": "analyst-pass", "login_mode": "standard"},
                    ],
                    "api_token": MstrSimConfig::DEFAULT_API_TOKEN,
                    "anonymous": true,
                }),
            );
        }
        if let Some(s) = &self.looker {
            out.insert(
                "looker".into(),
                json!({
                    "base_url": s.base_url(),
                    "api_root": format!("{}/api/4.0", s.base_url()),
                    "users": [
                        {"client_id": ADMIN_CLIENT_ID, "client_secret": ADMIN_CLIENT_SECRET, "user_id": "1", "admin": true},
                        {"client_id": USER_CLIENT_ID, "client_secret": USER_CLIENT_SECRET, "user_id": "2", "admin": false},
                    ],
                }),
            );
        }
        if let Some(s) = &self.agileapps {
            out.insert(
                "agileapps".into(),
                json!({
                    "base_url": s.base_url(),
                    "api_root": format!("{}/networking/rest", s.base_url()),
                    "users": [
                        {"username": "jim@acme.com", "password": "jim-pw", "tenant": "t1"},
                        {"username": "admin@acme.com", "password": "admin-pw", "tenant": "t1", "proxy_login": true},
                        {"username": "support@provider.com", "password": "support-pw", "tenant": "t0", "customer_support": true},
                    ],
                    "saml_assertion": "saml-assertion-jim",
                }),
            );
        }
        Value::Object(out)
    }

    /// Each vendor's counters (logins, logouts, calls, open sessions, ...).
    pub fn counters(&self) -> Value {
        let mut out = serde_json::Map::new();
        if let Some(s) = &self.mstr {
            let c = s.counters();
            let mut v = serde_json::to_value(&c).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("logins".into(), c.logins().into());
            }
            out.insert("mstr".into(), v);
        }
        if let Some(s) = &self.looker {
            let c = s.stats();
            out.insert(
                "looker".into(),
                json!({
                    "logins": c.logins,
                    "failed_logins": c.failed_logins,
                    "sudo_logins": c.sudo_logins,
                    "logouts": c.logouts,
                    "open_sessions": c.live_tokens,
                    "calls": c.calls,
                    "unauthorized": c.unauthorized,
                    "session_limit_refusals": c.session_limit_refusals,
                    "spec_defaults": c.spec_defaults,
                    "unrouted": c.unrouted,
                    "faults_injected": faults_injected(s.faults()),
                }),
            );
        }
        if let Some(s) = &self.agileapps {
            let c = s.stats();
            out.insert(
                "agileapps".into(),
                json!({
                    "logins": c.logins(),
                    "logins_password": c.logins_password,
                    "logins_saml": c.logins_saml,
                    "logins_customer_support": c.logins_customer_support,
                    "logins_proxy": c.logins_proxy,
                    "failed_logins": c.failed_logins,
                    "switch_backs": c.switch_backs,
                    "logouts": c.logouts,
                    "open_sessions": c.open_sessions,
                    "calls": c.calls,
                    "not_logged_in": c.not_logged_in,
                    "faults_injected": faults_injected(s.fault_injector()),
                }),
            );
        }
        Value::Object(out)
    }

    /// Sessions (Looker: live tokens) open on all the simulators together.
    pub fn open_sessions(&self) -> u64 {
        self.mstr.as_ref().map_or(0, |s| s.open_sessions())
            + self.looker.as_ref().map_or(0, |s| s.stats().live_tokens)
            + self
                .agileapps
                .as_ref()
                .map_or(0, |s| s.stats().open_sessions as u64)
    }

    /// Ends every session on every simulator now (the next call on any gets the vendor's
    /// "session expired" answer).
    pub fn expire_all_sessions(&self) {
        if let Some(s) = &self.mstr {
            s.expire_all_sessions();
        }
        if let Some(s) = &self.looker {
            s.expire_all();
        }
        if let Some(s) = &self.agileapps {
            s.expire_all_sessions();
        }
    }

    /// Stops every simulator.
    pub async fn shutdown(self) {
        if let Some(s) = self.mstr {
            s.shutdown().await;
        }
        if let Some(s) = self.looker {
            s.shutdown_and_wait().await;
        }
        if let Some(s) = self.agileapps {
            s.shutdown().await;
        }
    }
}
