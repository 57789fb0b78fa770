//! A MicroStrategy Library (Strategy One) REST server simulator, on loopback.
//!
//! The API root is `http://127.0.0.1:PORT/MicroStrategyLibrary/api` ([`RunningMstrSim::base_url`]);
//! the same API is also served under `/api`. It behaves like the real server where clients can
//! tell the difference:
//!
//! - `POST /auth/login` (loginMode 1 standard, 16 LDAP, 8 anonymous, 4096 API token with the
//!   token in `username`) answers 204 with `X-MSTR-AuthToken` and `Set-Cookie: JSESSIONID=...;
//!   Path=/MicroStrategyLibrary; HttpOnly` plus a load-balancer cookie `AWSALB`; bad credentials
//!   give 401 `ERR003` "Login failed".
//! - Every other call needs BOTH the `X-MSTR-AuthToken` header and the `JSESSIONID` cookie of
//!   that session; a token without its cookie, an unknown token or a session idle for longer than
//!   the idle timeout gives 401 `ERR009`.
//! - Project-scoped calls need `X-MSTR-ProjectID`: missing gives 400 `ERR005`, an unknown id
//!   404 `ERR004`, a project the user may not open 403 `ERR017` (with `iServerCode`).
//! - A missing privilege gives 403 `ERR014` with `iServerCode` -2147213784 (the shape of the
//!   vendor docs' "You do not have ... privilege(s)" sample); an object ACL denial gives 403
//!   `ERR017` with `iServerCode` -2147214568 (the vendor's 403 sample).
//! - A per-user session cap: one login too many gives 401 `ERR003` with `iServerCode`
//!   -2147216959 and a message naming the limit (code chosen by the simulator).
//! - Errors use the official shapes: `{code, message, ticketId, iServerCode?}`, the 500 template
//!   with `subErrors` and `additionalProperties` (report [`data::BROKEN_REPORT_ID`]), and the
//!   modeling-service shape `{"errors":[...]}` on `/model/...` endpoints.
//!   Bad JSON gives 400 `ERR006` "Invalid JSON"; unknown paths and methods 404 `ERR004`.
//!
//! Counters ([`MstrCounters`]) and switches ([`RunningMstrSim::expire_all_sessions`], fault
//! rates via [`RunningMstrSim::faults`]) let tests assert exact behaviour.
//!
//! ```
//! use bi_rest::sim::faults::FaultKind;
//! use bi_rest::sim::mstr::{start, MstrSimConfig, SimUser};
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = start(
//!     MstrSimConfig::default()
//!         .idle_timeout(Duration::from_secs(60))
//!         .max_sessions_per_user(3)
//!         .user(SimUser::standard("alice", "secret")),
//! )
//! .await?;
//! // Point a client at the API root; here a plain reqwest client with a cookie jar.
//! let http = reqwest::Client::builder().cookie_store(true).build()?;
//! let login = http
//!     .post(format!("{}/auth/login", sim.base_url()))
//!     .json(&serde_json::json!({"username": "alice", "password": "secret", "loginMode": 1}))
//!     .send()
//!     .await?;
//! assert_eq!(login.status(), 204);
//! assert_eq!(sim.counters().open_sessions, 1);
//!
//! sim.faults().set_rate(FaultKind::ServerError, 0.5); // half the calls now fail with a 500
//! sim.expire_all_sessions(); // the next call gets 401 ERR009
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod caches;
mod config;
pub mod data;
mod datasets;
mod directory;
mod errors;
mod folders;
mod grids;
pub mod objects;
mod reports;
mod routes;
mod spec_default;
mod state;

pub use self::spec_default::{is_stateful, STATEFUL as STATEFUL_ROUTES};

use std::sync::Arc;
use std::time::Duration;

pub use self::config::{privileges, MstrSimConfig, SimUser, UserKind};
pub use self::state::MstrCounters;

use self::state::MstrState;
use super::faults::FaultInjector;
use super::{RunningSim, ServeOptions, SimError};

/// The path of the API root on the simulator, as on a real Library server.
pub const API_ROOT_PATH: &str = "/MicroStrategyLibrary/api";

/// A running MicroStrategy simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningMstrSim {
    server: RunningSim,
    state: Arc<MstrState>,
}

/// Starts a simulator on 127.0.0.1 (port from the config, 0 = any free port).
pub async fn start(config: MstrSimConfig) -> Result<RunningMstrSim, SimError> {
    config.validate()?;
    let recorder = config.recorder.clone();
    let injector = Arc::new(FaultInjector::new(config.faults.clone(), config.seed));
    let port = config.port;
    let state = Arc::new(MstrState::new(config, injector.clone()));
    let router = routes::router(state.clone());
    let mut options = ServeOptions::new(injector);
    options.port = port;
    options.recorder = recorder;
    options.vendor = "mstr";
    options.server_error = Arc::new(|ticket| errors::injected_server_error(&ticket));
    options.rate_limited = Arc::new(|ticket| errors::injected_rate_limited(&ticket));
    let server = super::serve(router, options).await?;
    Ok(RunningMstrSim { server, state })
}

impl RunningMstrSim {
    /// The API root, `http://127.0.0.1:PORT/MicroStrategyLibrary/api` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("{}{}", self.server.origin(), API_ROOT_PATH)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        self.server.origin()
    }

    /// The bound loopback address.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// A snapshot of the counters (open sessions are counted after dropping idle ones).
    pub fn counters(&self) -> MstrCounters {
        self.state.counters()
    }

    /// Sessions currently open (idle-expired ones are dropped first).
    pub fn open_sessions(&self) -> u64 {
        self.state.counters().open_sessions
    }

    /// Expires every open session now; the next call on any of them gets 401 `ERR009`.
    /// Returns how many sessions were expired.
    pub fn expire_all_sessions(&self) -> usize {
        self.state.expire_all()
    }

    /// Changes how long each login waits before it is answered (see
    /// [`MstrSimConfig::login_delay`]).
    pub fn set_login_delay(&self, delay: Duration) {
        self.state.set_login_delay(delay);
    }

    /// Changes the idle timeout of all sessions (takes effect on their next use).
    pub fn set_idle_timeout(&self, timeout: Duration) {
        self.state.set_idle_timeout(timeout);
    }

    /// Issues an identity token for `username` as `POST /auth/identityToken` would, for tests
    /// of delegation. `None` if the user does not exist.
    pub fn issue_identity_token(&self, username: &str) -> Option<String> {
        self.state.issue_identity_token_for(username)
    }

    /// The fault injector: change rates at run time, read how many faults were injected.
    pub fn faults(&self) -> &FaultInjector {
        self.state.faults()
    }

    /// Stops the server and closes open connections.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
