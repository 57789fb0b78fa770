//! A local AgileApps Cloud REST server for tests and demos (loopback only).
//!
//! Faithful to what clients rely on (see `specs/agileapps/README.md` for the sources):
//! - `POST /networking/rest/login` (user name + password), `login/samlAssertion` (assertions from
//!   a configured list), `login/customerSupport` (a support user enters a tenant as its admin),
//!   `login/proxyLogin` (an administrator becomes another user of the tenant; the previous session
//!   stays and `GET login/proxyLogin/switchBack` or `GET login/switchBack` returns to it),
//!   `GET|POST /networking/rest/logout`.
//! - Every login answers the user's details with `sessionId` and `cookieString` and sets the
//!   `JSESSIONID` cookie; every other call needs that cookie, else 401 with platform code -101.
//! - XML by default; JSON with `alt=json` or `Accept: application/json` (the code is then a
//!   string). Request bodies are read as the `Content-Type` says (415 without one).
//! - `/networking/rest/user[/{id}]` and record CRUD on `/networking/rest/record/{object}[/{id}]`
//!   with `fieldList`, a simple `filter` (`f = 'v'`, `f != 'v'`, `f contains 'v'`, joined by
//!   `and`), `sortBy`, `offset`, `pageSize`; one record store per tenant and object.
//! - Request bodies are validated against the spec (JSON as sent, XML with text leaves)
//!   before a handler reads them: 400 with code -4601 naming the field.
//! - Platform codes: -1 (500), -101 (401), -200 (404), -850 (400, permission), -4006 (400,
//!   invalid tenant), -4600 (403, session cap), -4601 (400, invalid payload).
//!
//! [`AgileAppsSimStats`] counts logins by kind, logouts, switch-backs, calls and open sessions;
//! [`AgileAppsSim::expire_all_sessions`] ends every session now. Failures: rate-based faults of
//! the shared plumbing (`config.faults`, [`AgileAppsSim::fault_injector`]: 5xx with the -1 body,
//! dropped connection, slow reply, HTML page, expired session, 429 with the -1 body and
//! `Retry-After`), and exact counted [`Fault`]s
//! with [`AgileAppsSim::inject_fault`].

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::{Extension, Router};
use serde::Deserialize;

use super::faults::{ExpireSessionFault, FaultInjector, Faults};
use super::{serve, RunningSim, ServeOptions, SimError};

mod body_check;
mod records;
mod routes;
pub mod spec_default;
mod wire;

use body_check::check_body;
use records::*;
use routes::*;
use wire::*;

/// The cookie that carries the session.
pub const SESSION_COOKIE: &str = "JSESSIONID";

/// A user known to the simulator.
#[derive(Clone, Debug)]
pub struct SimUser {
    /// User record id.
    pub id: String,
    /// Login name.
    pub user_name: String,
    /// Password (test data).
    pub password: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Tenant the user belongs to.
    pub tenant_id: String,
    /// May log in by proxy as other users of the tenant (Proxy Login Access).
    pub proxy_login: bool,
    /// May log in to other tenants as customer support (Customer Support Login permission).
    pub customer_support: bool,
    /// May add, update and delete records.
    pub can_write: bool,
}

impl SimUser {
    /// A user with writing rights and no proxy or customer support permission.
    pub fn new(id: &str, user_name: &str, password: &str, tenant_id: &str) -> Self {
        let first = user_name.split('@').next().unwrap_or(user_name);
        SimUser {
            id: id.into(),
            user_name: user_name.into(),
            password: password.into(),
            first_name: first.into(),
            last_name: "Sim".into(),
            email: user_name.into(),
            tenant_id: tenant_id.into(),
            proxy_login: false,
            customer_support: false,
            can_write: true,
        }
    }
}

/// A tenant (organization).
#[derive(Clone, Debug)]
pub struct SimTenant {
    /// Tenant id (`organizationId`).
    pub id: String,
    /// Tenant name (`organizationName`).
    pub name: String,
    /// The tenant's admin user, entered by customer support logins.
    pub admin_user_id: String,
}

/// Simulator configuration.
#[derive(Clone, Debug)]
pub struct AgileAppsSimConfig {
    /// Users.
    pub users: Vec<SimUser>,
    /// Tenants.
    pub tenants: Vec<SimTenant>,
    /// Accepted SAML assertions and the user id each one logs in.
    pub saml_assertions: Vec<(String, String)>,
    /// Object names available in every tenant.
    pub objects: Vec<String>,
    /// A session unused for this long is gone.
    pub idle_timeout: Duration,
    /// Most sessions a user may hold at once (`None`: unlimited).
    pub max_sessions_per_user: Option<usize>,
    /// Time spent inside each login before answering (widens races in tests).
    pub login_delay: Duration,
    /// Random faults by rate, applied by the shared plumbing ([`super::serve`]); none by
    /// default. For exact, counted faults use [`AgileAppsSim::inject_fault`].
    pub faults: Faults,
    /// Seed of the fault draws (same seed, same faults).
    pub seed: u64,
    /// Port on 127.0.0.1 to bind; 0 (the default) picks a free port.
    pub port: u16,
    /// Name of a load-balancer affinity cookie set by every login (e.g. `AWSALB`); calls that
    /// do not send it back are counted in [`AgileAppsSimStats::missing_affinity_cookie`].
    pub affinity_cookie: Option<String>,
    /// How login answers are rendered (documented by default), so clients can be shown to
    /// accept harmless variations and to end a session whose answer they cannot read.
    pub login_answer: LoginAnswerShape,
    /// Records every exchange served (see [`crate::sim::record`]).
    pub recorder: Option<Arc<crate::sim::record::Recorder>>,
}

/// How the simulator renders the answer of a successful login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginAnswerShape {
    /// As documented: `startingAppId` an element with attributes (an object in JSON).
    #[default]
    Documented,
    /// Harmless variations: `startingAppId` as its bare text, `timeZone` as an object, an
    /// undocumented extra field.
    Variant,
    /// The session is opened (its cookie set) but the body is cut in half.
    Unusable,
}

impl Default for AgileAppsSimConfig {
    /// Tenants `t1` (Acme, admin `u-admin`), `t2` (Beta, admin `u-beta-admin`) and `t0` (the
    /// provider, with support user `u-support`); users `jim@acme.com`/`jim-pw`,
    /// `admin@acme.com`/`admin-pw` (proxy login), `reader@acme.com`/`reader-pw` (read only),
    /// `admin@beta.com`/`beta-pw`, `support@provider.com`/`support-pw` (customer support); SAML
    /// assertion `saml-assertion-jim` logs in jim; objects `account` and `case`.
    fn default() -> Self {
        let mut admin = SimUser::new("u-admin", "admin@acme.com", "admin-pw", "t1");
        admin.proxy_login = true;
        let mut reader = SimUser::new("u-reader", "reader@acme.com", "reader-pw", "t1");
        reader.can_write = false;
        let mut support = SimUser::new("u-support", "support@provider.com", "support-pw", "t0");
        support.customer_support = true;
        AgileAppsSimConfig {
            users: vec![
                SimUser::new("u-jim", "jim@acme.com", "jim-pw", "t1"),
                admin,
                reader,
                SimUser::new("u-beta-admin", "admin@beta.com", "beta-pw", "t2"),
                support,
            ],
            tenants: vec![
                SimTenant {
                    id: "t0".into(),
                    name: "Provider".into(),
                    admin_user_id: "u-support".into(),
                },
                SimTenant {
                    id: "t1".into(),
                    name: "Acme Inc.".into(),
                    admin_user_id: "u-admin".into(),
                },
                SimTenant {
                    id: "t2".into(),
                    name: "Beta Ltd".into(),
                    admin_user_id: "u-beta-admin".into(),
                },
            ],
            saml_assertions: vec![("saml-assertion-jim".into(), "u-jim".into())],
            objects: vec!["account".into(), "case".into()],
            idle_timeout: Duration::from_secs(30 * 60),
            max_sessions_per_user: None,
            login_delay: Duration::ZERO,
            faults: Faults::none(),
            seed: 1,
            port: 0,
            affinity_cookie: None,
            login_answer: LoginAnswerShape::Documented,
            recorder: None,
        }
    }
}

/// How a session was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimLoginKind {
    /// User name and password.
    Password,
    /// SAML assertion.
    Saml,
    /// Customer support into a tenant.
    CustomerSupport,
    /// Proxy login as another user.
    Proxy,
}

/// A failure to inject.
#[derive(Clone, Debug)]
pub struct Fault {
    /// Applies to request paths containing this text (empty: every path).
    pub path_contains: String,
    /// How many matching requests it affects.
    pub times: u32,
    /// What happens.
    pub kind: FaultKind,
}

/// The kinds of injected failure.
#[derive(Clone, Debug)]
pub enum FaultKind {
    /// 500 with platform code -1.
    ServerError,
    /// 401 with code -101 although the session is valid (the session is dropped too).
    NotLoggedIn,
    /// Any status, code and description.
    Status(u16, i64, String),
    /// An HTML page (as a proxy in front of the server would send).
    Html(u16),
    /// Wait, then answer normally.
    Delay(Duration),
}

/// Counter snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgileAppsSimStats {
    /// Successful password logins.
    pub logins_password: u64,
    /// Successful SAML logins.
    pub logins_saml: u64,
    /// Successful customer support logins.
    pub logins_customer_support: u64,
    /// Successful proxy logins.
    pub logins_proxy: u64,
    /// Refused logins of any kind.
    pub failed_logins: u64,
    /// Successful switch-backs.
    pub switch_backs: u64,
    /// Successful logouts.
    pub logouts: u64,
    /// Every request received.
    pub calls: u64,
    /// Requests answered -101 (no or expired session).
    pub not_logged_in: u64,
    /// Authenticated calls without the configured affinity cookie.
    pub missing_affinity_cookie: u64,
    /// Sessions open now.
    pub open_sessions: usize,
}

impl AgileAppsSimStats {
    /// Successful logins of every kind (proxy logins included).
    pub fn logins(&self) -> u64 {
        self.logins_password + self.logins_saml + self.logins_customer_support + self.logins_proxy
    }
}

#[derive(Default)]
pub(super) struct Counters {
    pub(super) logins_password: AtomicU64,
    pub(super) logins_saml: AtomicU64,
    pub(super) logins_customer_support: AtomicU64,
    pub(super) logins_proxy: AtomicU64,
    pub(super) failed_logins: AtomicU64,
    pub(super) switch_backs: AtomicU64,
    pub(super) logouts: AtomicU64,
    pub(super) calls: AtomicU64,
    pub(super) not_logged_in: AtomicU64,
    pub(super) missing_affinity_cookie: AtomicU64,
}

#[derive(Clone, Debug)]
pub(super) struct Session {
    pub(super) user_id: String,
    pub(super) tenant_id: String,
    pub(super) parent: Option<String>,
    pub(super) last_used: Instant,
}

pub(super) type Store = BTreeMap<u64, BTreeMap<String, String>>;

pub(super) struct Shared {
    pub(super) config: AgileAppsSimConfig,
    pub(super) sessions: Mutex<HashMap<String, Session>>,
    pub(super) records: Mutex<HashMap<(String, String), Store>>,
    pub(super) faults: Mutex<Vec<Fault>>,
    pub(super) next_id: AtomicU64,
    pub(super) counters: Counters,
    pub(super) base_url: Mutex<String>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running simulator; stops when dropped.
pub struct AgileAppsSim {
    running: RunningSim,
    shared: Arc<Shared>,
    injector: Arc<FaultInjector>,
}

impl std::fmt::Debug for AgileAppsSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgileAppsSim")
            .field("addr", &self.running.addr())
            .finish_non_exhaustive()
    }
}

/// Starts a simulator on 127.0.0.1 (port `config.port`, 0 = a free port), through the shared
/// plumbing ([`super::serve`]: loopback bind, rate-based faults from `config.faults`).
pub async fn start(config: AgileAppsSimConfig) -> Result<AgileAppsSim, SimError> {
    let injector = Arc::new(FaultInjector::new(config.faults.clone(), config.seed));
    let shared = Arc::new(Shared {
        config,
        sessions: Mutex::new(HashMap::new()),
        records: Mutex::new(HashMap::new()),
        faults: Mutex::new(Vec::new()),
        next_id: AtomicU64::new(1),
        counters: Counters::default(),
        base_url: Mutex::new(String::new()),
    });
    let app = Router::new().fallback(handle).with_state(shared.clone());
    let mut options = ServeOptions::new(injector.clone());
    options.port = shared.config.port;
    options.recorder = shared.config.recorder.clone();
    options.vendor = "agileapps";
    options.server_error =
        Arc::new(|_ticket| render(fail(500, -1, "Request could not be completed"), Fmt::Xml));
    options.rate_limited = Arc::new(|_ticket| {
        render(
            fail(429, -1, "Too many requests, try again later"),
            Fmt::Xml,
        )
    });
    let running = serve(app, options).await?;
    *lock(&shared.base_url) = running.origin();
    Ok(AgileAppsSim {
        running,
        shared,
        injector,
    })
}

impl AgileAppsSim {
    /// `http://127.0.0.1:PORT` (the platform URL; the API is under `/networking/rest`).
    pub fn base_url(&self) -> String {
        self.running.origin()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.running.addr()
    }

    /// The shared fault injector (change rates at run time, read what was injected).
    pub fn fault_injector(&self) -> &Arc<FaultInjector> {
        &self.injector
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }

    /// Current counters.
    pub fn stats(&self) -> AgileAppsSimStats {
        let c = &self.shared.counters;
        let open_sessions = {
            let mut sessions = lock(&self.shared.sessions);
            purge_idle(&mut sessions, self.shared.config.idle_timeout);
            sessions.len()
        };
        AgileAppsSimStats {
            logins_password: c.logins_password.load(Ordering::SeqCst),
            logins_saml: c.logins_saml.load(Ordering::SeqCst),
            logins_customer_support: c.logins_customer_support.load(Ordering::SeqCst),
            logins_proxy: c.logins_proxy.load(Ordering::SeqCst),
            failed_logins: c.failed_logins.load(Ordering::SeqCst),
            switch_backs: c.switch_backs.load(Ordering::SeqCst),
            logouts: c.logouts.load(Ordering::SeqCst),
            calls: c.calls.load(Ordering::SeqCst),
            not_logged_in: c.not_logged_in.load(Ordering::SeqCst),
            missing_affinity_cookie: c.missing_affinity_cookie.load(Ordering::SeqCst),
            open_sessions,
        }
    }

    /// Ends every session now (as an idle timeout or a server restart would).
    pub fn expire_all_sessions(&self) {
        lock(&self.shared.sessions).clear();
    }

    /// The ids of the open sessions (for tests that check a client never leaks them).
    pub fn session_ids(&self) -> Vec<String> {
        let mut sessions = lock(&self.shared.sessions);
        purge_idle(&mut sessions, self.shared.config.idle_timeout);
        sessions.keys().cloned().collect()
    }

    /// Adds a fault.
    pub fn inject_fault(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    /// The records of `object` in `tenant_id`, by id.
    pub fn records(
        &self,
        tenant_id: &str,
        object: &str,
    ) -> BTreeMap<String, BTreeMap<String, String>> {
        lock(&self.shared.records)
            .get(&(tenant_id.to_string(), object.to_string()))
            .map(|s| s.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// Adds a record directly (test setup); returns its id.
    pub fn seed_record(&self, tenant_id: &str, object: &str, fields: &[(&str, &str)]) -> String {
        let id = self.shared.next_id.fetch_add(1, Ordering::SeqCst);
        let mut rec: BTreeMap<String, String> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        rec.insert("id".into(), id.to_string());
        lock(&self.shared.records)
            .entry((tenant_id.to_string(), object.to_string()))
            .or_default()
            .insert(id, rec);
        id.to_string()
    }
}

pub(super) fn purge_idle(sessions: &mut HashMap<String, Session>, idle: Duration) {
    let now = Instant::now();
    sessions.retain(|_, s| now.duration_since(s.last_used) <= idle);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_grammar() {
        let c = parse_filter("name contains 'Ac' and status = 'open'").unwrap();
        assert_eq!(c.len(), 2);
        assert!(parse_filter("name ~ 'x'").is_err());
        assert!(parse_filter("name = 'x' or b = 'y'").is_err());
        let rec: BTreeMap<String, String> = [("name", "Acme"), ("status", "open")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert!(matches(&rec, &c));
        assert!(!matches(&rec, &parse_filter("status != 'open'").unwrap()));
    }
}
