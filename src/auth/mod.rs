//! The vendor-neutral auth core shared by the MicroStrategy, Looker and AgileApps layers.
//!
//! - [`Auth`]: the cheap-to-clone handle (generated clients carry it as their inner type).
//! - [`Authenticator`]: what a vendor layer implements (login, logout, decorate, expiry
//!   detection, keep-alive, error mapping).
//! - [`Session`] / [`SessionInfo`]: a logged-in session (token secret) and its summary.
//! - [`HttpConfig`]: TLS (verified by default), CA bundle, proxy, timeouts, user agent.
//! - [`CookieJar`]: cookies kept by the core and saved with a session.
//! - [`SessionSnapshot`]: save/restore as a mode-0600 JSON file.
//! - [`fleet`] and [`store`]: fleet mode, one session shared by many processes and hosts
//!   through a [`SessionStore`] (memory, file, Redis).
//! - [`hooks`] and the [`bi_rest_auth_hooks!`](crate::bi_rest_auth_hooks) macro: progenitor glue.
//! - [`transport`]: the one HTTP path of every request (redirects, bounded reads, timeouts,
//!   retries of transient failures).
//! - [`retry`]: what may be replayed or retried.
//! - [`telemetry`]: one tracing span per call (OpenTelemetry HTTP client conventions) and
//!   the session's events; [`intercept`]: your own layer around every call.

pub mod body;
pub mod clock;
pub mod config;
pub mod cookies;
pub mod core;
pub mod fleet;
pub mod hooks;
pub mod intercept;
pub mod keepalive;
pub mod retry;
pub mod session;
pub mod snapshot;
pub mod store;
pub mod telemetry;
pub mod transport;
pub mod vendor;

pub use self::body::read_body;
pub use self::clock::{Clock, ManualClock, SystemClock};
pub use self::config::HttpConfig;
pub use self::cookies::{CookieJar, SavedCookie};
pub use self::core::{decode_json, Auth, AuthBuilder, AuthStats};
pub use self::fleet::{Fleet, FleetConfig};
pub use self::hooks::GeneratedClient;
pub use self::intercept::{CallInfo, CallOutcome, Intercept};
pub use self::retry::{RetryPolicy, Sleeper};
pub use self::session::{Session, SessionCookie, SessionInfo, SessionUser};
pub use self::snapshot::{SavedSessionCookie, SessionSnapshot};
pub use self::store::{SessionStore, StoreError};
pub use self::transport::{BodyLimits, CallOptions, RedirectPolicy, TransportError};
pub use self::vendor::{join_url, Authenticator, LoginContext};
