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
//! - Platform codes: -1 (500), -101 (401), -200 (404), -850 (400, permission), -4006 (400,
//!   invalid tenant), -4600 (403, session cap), -4601 (400, invalid payload).
//!
//! [`AgileAppsSimStats`] counts logins by kind, logouts, switch-backs, calls and open sessions;
//! [`AgileAppsSim::expire_all_sessions`] ends every session now. Failures: rate-based faults of
//! the shared plumbing (`config.faults`, [`AgileAppsSim::fault_injector`]: 5xx with the -1 body,
//! dropped connection, slow reply, HTML page, expired session), and exact counted [`Fault`]s
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
    /// Name of a load-balancer affinity cookie set by every login (e.g. `AWSALB`); calls that
    /// do not send it back are counted in [`AgileAppsSimStats::missing_affinity_cookie`].
    pub affinity_cookie: Option<String>,
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
            affinity_cookie: None,
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
struct Counters {
    logins_password: AtomicU64,
    logins_saml: AtomicU64,
    logins_customer_support: AtomicU64,
    logins_proxy: AtomicU64,
    failed_logins: AtomicU64,
    switch_backs: AtomicU64,
    logouts: AtomicU64,
    calls: AtomicU64,
    not_logged_in: AtomicU64,
    missing_affinity_cookie: AtomicU64,
}

#[derive(Clone, Debug)]
struct Session {
    user_id: String,
    tenant_id: String,
    parent: Option<String>,
    last_used: Instant,
}

type Store = BTreeMap<u64, BTreeMap<String, String>>;

struct Shared {
    config: AgileAppsSimConfig,
    sessions: Mutex<HashMap<String, Session>>,
    records: Mutex<HashMap<(String, String), Store>>,
    faults: Mutex<Vec<Fault>>,
    next_id: AtomicU64,
    counters: Counters,
    base_url: Mutex<String>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
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

/// Starts a simulator on 127.0.0.1 with an OS-chosen port, through the shared plumbing
/// ([`super::serve`]: loopback bind, rate-based faults from `config.faults`).
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
    options.server_error =
        Arc::new(|_ticket| render(fail(500, -1, "Request could not be completed"), Fmt::Xml));
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

fn purge_idle(sessions: &mut HashMap<String, Session>, idle: Duration) {
    let now = Instant::now();
    sessions.retain(|_, s| now.duration_since(s.last_used) <= idle);
}

// ---------------------------------------------------------------------------------------------
// Output tree rendered as XML or JSON.

#[derive(Debug)]
enum Out {
    Str(String),
    Obj(Vec<(String, Out)>),
    List(Vec<Out>),
    AttrText(Vec<(String, String)>, String),
}

fn s(v: impl Into<String>) -> Out {
    Out::Str(v.into())
}

fn esc(v: &str) -> String {
    quick_xml::escape::escape(v).into_owned()
}

fn render_xml(key: &str, out: &Out, buf: &mut String) {
    match out {
        Out::Str(v) => {
            buf.push_str(&format!("<{key}>{}</{key}>", esc(v)));
        }
        Out::Obj(fields) => {
            buf.push_str(&format!("<{key}>"));
            for (k, v) in fields {
                render_xml(k, v, buf);
            }
            buf.push_str(&format!("</{key}>"));
        }
        Out::List(items) => {
            for item in items {
                render_xml(key, item, buf);
            }
        }
        Out::AttrText(attrs, text) => {
            buf.push_str(&format!("<{key}"));
            for (k, v) in attrs {
                buf.push_str(&format!(" {k}=\"{}\"", esc(v)));
            }
            buf.push_str(&format!(">{}</{key}>", esc(text)));
        }
    }
}

fn render_json(out: &Out) -> serde_json::Value {
    use serde_json::Value;
    match out {
        Out::Str(v) => Value::String(v.clone()),
        Out::Obj(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), render_json(v)))
                .collect(),
        ),
        Out::List(items) => Value::Array(items.iter().map(render_json).collect()),
        Out::AttrText(attrs, text) => {
            let mut map: serde_json::Map<String, Value> = attrs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            map.insert("value".into(), Value::String(text.clone()));
            Value::Object(map)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Xml,
    Json,
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    body: Vec<(String, Out)>,
    set_cookie: Option<String>,
    extra_cookie: Option<String>,
}

fn message(code: i64, description: &str) -> (String, Out) {
    (
        "message".into(),
        Out::Obj(vec![
            ("code".into(), s(code.to_string())),
            ("description".into(), s(description)),
        ]),
    )
}

fn ok(mut body: Vec<(String, Out)>) -> Reply {
    body.push(message(0, "Success"));
    Reply {
        status: StatusCode::OK,
        body,
        set_cookie: None,
        extra_cookie: None,
    }
}

fn fail(status: u16, code: i64, description: &str) -> Reply {
    Reply {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body: vec![message(code, description)],
        set_cookie: None,
        extra_cookie: None,
    }
}

fn not_logged_in(shared: &Shared) -> Reply {
    shared.counters.not_logged_in.fetch_add(1, Ordering::SeqCst);
    fail(401, -101, "User not logged in")
}

fn render(reply: Reply, fmt: Fmt) -> Response {
    let (ct, text) = match fmt {
        Fmt::Xml => {
            let mut buf = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            render_xml("platform", &Out::Obj(reply.body), &mut buf);
            ("application/xml", buf)
        }
        Fmt::Json => {
            let v = serde_json::json!({ "platform": render_json(&Out::Obj(reply.body)) });
            ("application/json", v.to_string())
        }
    };
    let mut resp = Response::new(Body::from(text));
    *resp.status_mut() = reply.status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    for c in [reply.set_cookie, reply.extra_cookie].into_iter().flatten() {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

// ---------------------------------------------------------------------------------------------
// Request reading.

struct Req {
    method: Method,
    path: String,
    query: HashMap<String, String>,
    headers: HeaderMap,
    body: Bytes,
}

impl Req {
    fn response_format(&self) -> Fmt {
        match self.query.get("alt").map(|s| s.to_ascii_lowercase()) {
            Some(a) if a == "json" => return Fmt::Json,
            Some(a) if a == "xml" => return Fmt::Xml,
            _ => {}
        }
        let accept = self
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if accept.contains("json") && !accept.contains("xml") {
            Fmt::Json
        } else {
            Fmt::Xml
        }
    }

    fn body_format(&self) -> Option<Fmt> {
        let ct = self
            .headers
            .get(header::CONTENT_TYPE)?
            .to_str()
            .ok()?
            .to_ascii_lowercase();
        if ct.contains("json") {
            Some(Fmt::Json)
        } else if ct.contains("xml") {
            Some(Fmt::Xml)
        } else {
            None
        }
    }

    fn session_id(&self) -> Option<String> {
        self.cookie(SESSION_COOKIE)
    }

    fn cookie(&self, name: &str) -> Option<String> {
        for value in self.headers.get_all(header::COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            for part in text.split(';') {
                if let Some((k, v)) = part.trim().split_once('=') {
                    if k.trim() == name {
                        return Some(v.trim().to_string());
                    }
                }
            }
        }
        None
    }
}

#[derive(Deserialize, Default)]
struct LoginBody {
    #[serde(rename = "userName", default)]
    user_name: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(rename = "samlAssertion", default)]
    saml_assertion: Option<String>,
    #[serde(default)]
    client_tenant_id: Option<String>,
    #[serde(default)]
    proxy_user_id: Option<String>,
}

#[derive(Deserialize)]
struct XmlLogin {
    login: LoginBody,
}

#[derive(Deserialize)]
struct XmlRecord {
    record: BTreeMap<String, String>,
}

fn json_platform(body: &[u8]) -> Result<serde_json::Map<String, serde_json::Value>, Reply> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| fail(400, -4601, "Invalid payload: not JSON"))?;
    match v.get("platform") {
        Some(serde_json::Value::Object(m)) => Ok(m.clone()),
        _ => Err(fail(400, -4601, "Invalid payload: no platform element")),
    }
}

fn json_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Null => Some(String::new()),
        _ => None,
    }
}

fn read_login(req: &Req) -> Result<LoginBody, Reply> {
    match req.body_format() {
        None => Err(fail(
            415,
            -4601,
            "Content-Type must be application/xml or application/json",
        )),
        Some(Fmt::Xml) => {
            let text = std::str::from_utf8(&req.body)
                .map_err(|_| fail(400, -4601, "Invalid payload: not UTF-8"))?;
            quick_xml::de::from_str::<XmlLogin>(text)
                .map(|x| x.login)
                .map_err(|_| fail(400, -4601, "Invalid payload for this resource"))
        }
        Some(Fmt::Json) => {
            let platform = json_platform(&req.body)?;
            let login = platform
                .get("login")
                .and_then(|v| v.as_object())
                .ok_or_else(|| fail(400, -4601, "Invalid payload: no login element"))?;
            let get = |k: &str| login.get(k).and_then(json_text);
            Ok(LoginBody {
                user_name: get("userName"),
                password: get("password"),
                saml_assertion: get("samlAssertion"),
                client_tenant_id: get("client_tenant_id"),
                proxy_user_id: get("proxy_user_id"),
            })
        }
    }
}

fn read_record(req: &Req) -> Result<BTreeMap<String, String>, Reply> {
    let record = match req.body_format() {
        None => {
            return Err(fail(
                415,
                -4601,
                "Content-Type must be application/xml or application/json",
            ))
        }
        Some(Fmt::Xml) => {
            let text = std::str::from_utf8(&req.body)
                .map_err(|_| fail(400, -4601, "Invalid payload: not UTF-8"))?;
            quick_xml::de::from_str::<XmlRecord>(text)
                .map(|x| x.record)
                .map_err(|_| fail(400, -4601, "Invalid payload for this resource"))?
        }
        Some(Fmt::Json) => {
            let platform = json_platform(&req.body)?;
            let rec = platform
                .get("record")
                .and_then(|v| v.as_object())
                .ok_or_else(|| fail(400, -4601, "Invalid payload: no record element"))?;
            let mut out = BTreeMap::new();
            for (k, v) in rec {
                let text = json_text(v)
                    .ok_or_else(|| fail(400, -4601, &format!("Invalid value for field {k}")))?;
                out.insert(k.clone(), text);
            }
            out
        }
    };
    if record.is_empty() {
        return Err(fail(
            400,
            -4601,
            "Invalid payload: the record has no fields",
        ));
    }
    for name in record.keys() {
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(fail(400, -4601, &format!("Invalid field name {name:?}")));
        }
    }
    Ok(record)
}

// ---------------------------------------------------------------------------------------------
// Handlers.

async fn handle(
    State(shared): State<Arc<Shared>>,
    expire: Option<Extension<ExpireSessionFault>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.counters.calls.fetch_add(1, Ordering::SeqCst);
    let query: HashMap<String, String> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let req = Req {
        method,
        path: uri.path().to_string(),
        query,
        headers,
        body,
    };
    let fmt = req.response_format();
    if expire.is_some() {
        // Shared plumbing's "expired" fault: the caller's session times out just now.
        if let Some(id) = req.session_id() {
            lock(&shared.sessions).remove(&id);
        }
    }

    if let Some(kind) = take_fault(&shared, &req.path) {
        match kind {
            FaultKind::Delay(d) => tokio::time::sleep(d).await,
            FaultKind::ServerError => {
                return render(fail(500, -1, "Request could not be completed"), fmt)
            }
            FaultKind::NotLoggedIn => {
                if let Some(id) = req.session_id() {
                    lock(&shared.sessions).remove(&id);
                }
                return render(not_logged_in(&shared), fmt);
            }
            FaultKind::Status(status, code, description) => {
                return render(fail(status, code, &description), fmt)
            }
            FaultKind::Html(status) => {
                let mut resp =
                    Response::new(Body::from("<html><body><h1>Bad Gateway</h1></body></html>"));
                *resp.status_mut() =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
                resp.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                return resp;
            }
        }
    }

    let reply = route(&shared, &req).await;
    render(reply, fmt)
}

fn take_fault(shared: &Shared, path: &str) -> Option<FaultKind> {
    let mut faults = lock(&shared.faults);
    let idx = faults.iter().position(|f| {
        f.times > 0 && (f.path_contains.is_empty() || path.contains(&f.path_contains))
    })?;
    faults[idx].times -= 1;
    let kind = faults[idx].kind.clone();
    if faults[idx].times == 0 {
        faults.remove(idx);
    }
    Some(kind)
}

async fn route(shared: &Arc<Shared>, req: &Req) -> Reply {
    let Some(rest) = req.path.strip_prefix("/networking/rest/") else {
        return fail(404, -300, "Resource does not exist");
    };
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let m = &req.method;
    match (m.as_str(), parts.as_slice()) {
        ("POST", ["login"]) => login_password(shared, req).await,
        ("POST", ["login", "samlAssertion"]) => login_saml(shared, req).await,
        ("POST", ["login", "customerSupport"]) => login_customer_support(shared, req).await,
        ("POST", ["login", "proxyLogin"]) => proxy_login(shared, req).await,
        ("GET", ["login", "proxyLogin", "switchBack"]) | ("GET", ["login", "switchBack"]) => {
            switch_back(shared, req)
        }
        ("GET" | "POST", ["logout"]) => logout(shared, req),
        (_, ["login", ..]) | (_, ["logout"]) => fail(405, -300, "Method not allowed"),
        _ => {
            let Some(session) = touch_session(shared, req) else {
                return not_logged_in(shared);
            };
            if let Some(name) = &shared.config.affinity_cookie {
                if req.cookie(name).is_none() {
                    shared
                        .counters
                        .missing_affinity_cookie
                        .fetch_add(1, Ordering::SeqCst);
                }
            }
            match (m.as_str(), parts.as_slice()) {
                ("GET", ["user"]) => list_users(shared, req, &session),
                ("GET", ["user", id]) => get_user(shared, req, &session, id),
                ("GET", ["record", object]) => search_records(shared, req, &session, object),
                ("POST", ["record", object]) => add_record(shared, req, &session, object),
                ("GET", ["record", object, id]) => get_record(shared, req, &session, object, id),
                ("PUT", ["record", object, id]) => update_record(shared, req, &session, object, id),
                ("DELETE", ["record", object, id]) => delete_record(shared, &session, object, id),
                _ => fail(404, -300, "Resource does not exist"),
            }
        }
    }
}

fn touch_session(shared: &Shared, req: &Req) -> Option<Session> {
    let id = req.session_id()?;
    let mut sessions = lock(&shared.sessions);
    purge_idle(&mut sessions, shared.config.idle_timeout);
    let s = sessions.get_mut(&id)?;
    s.last_used = Instant::now();
    Some(s.clone())
}

fn user<'a>(shared: &'a Shared, id: &str) -> Option<&'a SimUser> {
    shared.config.users.iter().find(|u| u.id == id)
}

fn tenant<'a>(shared: &'a Shared, id: &str) -> Option<&'a SimTenant> {
    shared.config.tenants.iter().find(|t| t.id == id)
}

fn new_session_id(shared: &Shared) -> String {
    let n = shared.next_id.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:016x}{:08x}", nanos as u64 ^ 0x9e37_79b9_7f4a_7c15, n)
}

/// Opens a session for `user_id` and answers the login body with its cookie.
fn open_session(
    shared: &Shared,
    user_id: &str,
    tenant_id: &str,
    kind: SimLoginKind,
    parent: Option<String>,
) -> Reply {
    let Some(u) = user(shared, user_id) else {
        return fail(404, -200, "Invalid user identifier");
    };
    let id = new_session_id(shared);
    {
        let mut sessions = lock(&shared.sessions);
        purge_idle(&mut sessions, shared.config.idle_timeout);
        if let Some(cap) = shared.config.max_sessions_per_user {
            let held = sessions.values().filter(|s| s.user_id == user_id).count();
            if held >= cap {
                shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
                return fail(
                    403,
                    -4600,
                    "Maximum number of sessions reached for this user",
                );
            }
        }
        sessions.insert(
            id.clone(),
            Session {
                user_id: user_id.to_string(),
                tenant_id: tenant_id.to_string(),
                parent,
                last_used: Instant::now(),
            },
        );
    }
    let counter = match kind {
        SimLoginKind::Password => &shared.counters.logins_password,
        SimLoginKind::Saml => &shared.counters.logins_saml,
        SimLoginKind::CustomerSupport => &shared.counters.logins_customer_support,
        SimLoginKind::Proxy => &shared.counters.logins_proxy,
    };
    counter.fetch_add(1, Ordering::SeqCst);
    let mut reply = ok(vec![(
        "login".into(),
        login_info(shared, u, tenant_id, &id),
    )]);
    reply.set_cookie = Some(format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly"));
    reply.extra_cookie = shared
        .config
        .affinity_cookie
        .as_ref()
        .map(|name| format!("{name}=node-1; Path=/"));
    reply
}

fn login_info(shared: &Shared, u: &SimUser, tenant_id: &str, session_id: &str) -> Out {
    let org = tenant(shared, tenant_id)
        .map(|t| t.name.clone())
        .unwrap_or_default();
    let app_id = format!("app{tenant_id}");
    Out::Obj(vec![
        ("userId".into(), s(&u.id)),
        ("email".into(), s(&u.email)),
        ("userName".into(), s(&u.user_name)),
        ("firstName".into(), s(&u.first_name)),
        ("isForceChangePassword".into(), s("false")),
        ("lastName".into(), s(&u.last_name)),
        ("organizationName".into(), s(org)),
        ("organizationId".into(), s(tenant_id)),
        ("timeZone".into(), s("12")),
        ("primaryTeamId".into(), s("1")),
        ("employeeNumber".into(), s("")),
        ("sessionId".into(), s(session_id)),
        (
            "cookieString".into(),
            s(format!("{SESSION_COOKIE}={session_id}")),
        ),
        (
            "startingAppId".into(),
            Out::AttrText(
                vec![
                    ("type".into(), String::new()),
                    (
                        "uri".into(),
                        format!(
                            "{}/networking/rest/application/{app_id}",
                            lock(&shared.base_url)
                        ),
                    ),
                    ("displayValue".into(), String::new()),
                ],
                app_id,
            ),
        ),
        ("userLocale".into(), s("en")),
        ("userDateFormat".into(), s("MM/dd/yyyy")),
    ])
}

fn login_failed(shared: &Shared, description: &str) -> Reply {
    shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
    fail(401, -101, description)
}

async fn login_password(shared: &Arc<Shared>, req: &Req) -> Reply {
    let body = match read_login(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    tokio::time::sleep(shared.config.login_delay).await;
    let (Some(name), Some(pw)) = (body.user_name, body.password) else {
        return fail(400, -4601, "userName and password are required");
    };
    match shared
        .config
        .users
        .iter()
        .find(|u| u.user_name == name && u.password == pw)
    {
        Some(u) => open_session(shared, &u.id, &u.tenant_id, SimLoginKind::Password, None),
        None => login_failed(shared, "Invalid user name or password"),
    }
}

async fn login_saml(shared: &Arc<Shared>, req: &Req) -> Reply {
    let body = match read_login(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    tokio::time::sleep(shared.config.login_delay).await;
    let Some(assertion) = body.saml_assertion else {
        return fail(400, -4601, "samlAssertion is required");
    };
    let assertion = assertion.trim();
    let found = shared
        .config
        .saml_assertions
        .iter()
        .find(|(a, _)| a == assertion)
        .and_then(|(_, uid)| user(shared, uid));
    match found {
        Some(u) => open_session(shared, &u.id, &u.tenant_id, SimLoginKind::Saml, None),
        None => login_failed(shared, "Invalid SAML assertion"),
    }
}

async fn login_customer_support(shared: &Arc<Shared>, req: &Req) -> Reply {
    let body = match read_login(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    tokio::time::sleep(shared.config.login_delay).await;
    let (Some(name), Some(pw), Some(tenant_id)) =
        (body.user_name, body.password, body.client_tenant_id)
    else {
        return fail(
            400,
            -4601,
            "userName, password and client_tenant_id are required",
        );
    };
    let Some(u) = shared
        .config
        .users
        .iter()
        .find(|u| u.user_name == name && u.password == pw)
    else {
        return login_failed(shared, "Invalid user name or password");
    };
    if !u.customer_support {
        shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
        return fail(400, -850, "Insufficient permission for this operation");
    }
    let Some(t) = tenant(shared, &tenant_id) else {
        shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
        return fail(400, -4006, "Invalid Tenant ID");
    };
    open_session(
        shared,
        &t.admin_user_id.clone(),
        &t.id.clone(),
        SimLoginKind::CustomerSupport,
        None,
    )
}

async fn proxy_login(shared: &Arc<Shared>, req: &Req) -> Reply {
    let Some(current) = touch_session(shared, req) else {
        return not_logged_in(shared);
    };
    let body = match read_login(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(target) = body.proxy_user_id else {
        return fail(400, -4601, "proxy_user_id is required");
    };
    let allowed = user(shared, &current.user_id).is_some_and(|u| u.proxy_login);
    if !allowed {
        shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
        return fail(400, -850, "Insufficient permission for this operation");
    }
    let Some(t) = user(shared, &target).filter(|u| u.tenant_id == current.tenant_id) else {
        shared.counters.failed_logins.fetch_add(1, Ordering::SeqCst);
        return fail(404, -200, "Invalid user identifier");
    };
    let parent = req.session_id();
    open_session(
        shared,
        &t.id,
        &current.tenant_id,
        SimLoginKind::Proxy,
        parent,
    )
}

fn switch_back(shared: &Arc<Shared>, req: &Req) -> Reply {
    let Some(id) = req.session_id() else {
        return not_logged_in(shared);
    };
    let mut sessions = lock(&shared.sessions);
    purge_idle(&mut sessions, shared.config.idle_timeout);
    let Some(current) = sessions.get(&id).cloned() else {
        return not_logged_in(shared);
    };
    let Some(parent_id) = current.parent.clone() else {
        return fail(400, -4601, "Not in a proxy login");
    };
    sessions.remove(&id);
    let Some(parent) = sessions.get_mut(&parent_id) else {
        return not_logged_in(shared);
    };
    parent.last_used = Instant::now();
    let parent = parent.clone();
    drop(sessions);
    shared.counters.switch_backs.fetch_add(1, Ordering::SeqCst);
    let Some(u) = user(shared, &parent.user_id) else {
        return fail(500, -1, "Unknown user");
    };
    let mut reply = ok(vec![(
        "login".into(),
        login_info(shared, u, &parent.tenant_id, &parent_id),
    )]);
    reply.set_cookie = Some(format!("{SESSION_COOKIE}={parent_id}; Path=/; HttpOnly"));
    reply
}

fn logout(shared: &Arc<Shared>, req: &Req) -> Reply {
    let Some(id) = req.session_id() else {
        return not_logged_in(shared);
    };
    let mut sessions = lock(&shared.sessions);
    purge_idle(&mut sessions, shared.config.idle_timeout);
    if sessions.remove(&id).is_none() {
        return not_logged_in(shared);
    }
    // Proxy sessions opened from this one end with it.
    let mut ended = vec![id];
    while let Some(parent) = ended.pop() {
        let children: Vec<String> = sessions
            .iter()
            .filter(|(_, s)| s.parent.as_deref() == Some(parent.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        for c in children {
            sessions.remove(&c);
            ended.push(c);
        }
    }
    drop(sessions);
    shared.counters.logouts.fetch_add(1, Ordering::SeqCst);
    let mut reply = ok(vec![]);
    reply.set_cookie = Some(format!("{SESSION_COOKIE}=; Path=/; Max-Age=0"));
    reply
}

// ---------------------------------------------------------------------------------------------
// Users and records.

#[derive(Debug)]
enum Op {
    Eq,
    Ne,
    Contains,
}

fn parse_filter(filter: &str) -> Result<Vec<(String, Op, String)>, Reply> {
    let bad = || fail(400, -4601, &format!("Invalid filter expression {filter:?}"));
    let mut conds = Vec::new();
    let mut rest = filter.trim();
    while !rest.is_empty() {
        let (field, after) = rest.split_once(char::is_whitespace).ok_or_else(bad)?;
        let after = after.trim_start();
        let (op, after) = if let Some(a) = after.strip_prefix("!=") {
            (Op::Ne, a)
        } else if let Some(a) = after.strip_prefix('=') {
            (Op::Eq, a)
        } else if let Some(a) = after.strip_prefix("contains") {
            (Op::Contains, a)
        } else {
            return Err(bad());
        };
        let after = after.trim_start().strip_prefix('\'').ok_or_else(bad)?;
        let (value, after) = after.split_once('\'').ok_or_else(bad)?;
        conds.push((field.to_string(), op, value.to_string()));
        rest = after.trim_start();
        if rest.is_empty() {
            break;
        }
        let lower = rest.to_ascii_lowercase();
        if !lower.starts_with("and ") {
            return Err(bad());
        }
        rest = rest[4..].trim_start();
    }
    Ok(conds)
}

fn matches(rec: &BTreeMap<String, String>, conds: &[(String, Op, String)]) -> bool {
    conds.iter().all(|(f, op, v)| {
        let have = rec.get(f).map(String::as_str).unwrap_or("");
        match op {
            Op::Eq => have == v,
            Op::Ne => have != v,
            Op::Contains => have.to_lowercase().contains(&v.to_lowercase()),
        }
    })
}

fn project(rec: &BTreeMap<String, String>, field_list: Option<&String>) -> Out {
    let wanted: Option<Vec<&str>> = field_list
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .collect()
        })
        .filter(|l: &Vec<&str>| !l.contains(&"*"));
    Out::Obj(
        rec.iter()
            .filter(|(k, _)| {
                k.as_str() == "id" || wanted.as_ref().is_none_or(|w| w.contains(&k.as_str()))
            })
            .map(|(k, v)| (k.clone(), s(v)))
            .collect(),
    )
}

fn list_reply(req: &Req, key: &str, rows: Vec<BTreeMap<String, String>>) -> Reply {
    let conds = match req.query.get("filter") {
        Some(f) if !f.trim().is_empty() => match parse_filter(f) {
            Ok(c) => c,
            Err(r) => return r,
        },
        _ => Vec::new(),
    };
    let mut rows: Vec<_> = rows.into_iter().filter(|r| matches(r, &conds)).collect();
    if let Some(sort) = req.query.get("sortBy") {
        let (field, desc) = match sort.trim().rsplit_once(' ') {
            Some((f, d)) if d.eq_ignore_ascii_case("desc") => (f.trim().to_string(), true),
            _ => (sort.trim().to_string(), false),
        };
        rows.sort_by(|a, b| a.get(&field).cmp(&b.get(&field)));
        if desc {
            rows.reverse();
        }
    }
    let total = rows.len();
    let offset = req
        .query
        .get("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let page = req
        .query
        .get("pageSize")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let items: Vec<Out> = rows
        .iter()
        .skip(offset)
        .take(page)
        .map(|r| project(r, req.query.get("fieldList")))
        .collect();
    let mut reply = ok(vec![(key.to_string(), Out::List(items))]);
    reply
        .body
        .push(("recordCount".into(), s(total.to_string())));
    reply
}

fn user_row(u: &SimUser) -> BTreeMap<String, String> {
    [
        ("id", u.id.as_str()),
        ("username", u.user_name.as_str()),
        ("first_name", u.first_name.as_str()),
        ("last_name", u.last_name.as_str()),
        ("email", u.email.as_str()),
        ("is_active", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn list_users(shared: &Shared, req: &Req, session: &Session) -> Reply {
    let rows = shared
        .config
        .users
        .iter()
        .filter(|u| u.tenant_id == session.tenant_id)
        .map(user_row)
        .collect();
    list_reply(req, "user", rows)
}

fn get_user(shared: &Shared, req: &Req, session: &Session, id: &str) -> Reply {
    match user(shared, id).filter(|u| u.tenant_id == session.tenant_id) {
        Some(u) => ok(vec![(
            "user".into(),
            project(&user_row(u), req.query.get("fieldList")),
        )]),
        None => fail(404, -200, "Invalid user identifier"),
    }
}

fn check_object(shared: &Shared, object: &str) -> Result<(), Reply> {
    if shared.config.objects.iter().any(|o| o == object) {
        Ok(())
    } else {
        Err(fail(
            404,
            -200,
            "Invalid object name, object ID, or record identifier",
        ))
    }
}

fn can_write(shared: &Shared, session: &Session) -> Result<(), Reply> {
    if user(shared, &session.user_id).is_some_and(|u| u.can_write) {
        Ok(())
    } else {
        Err(fail(
            400,
            -850,
            "Insufficient permission for this operation",
        ))
    }
}

fn store_key(session: &Session, object: &str) -> (String, String) {
    (session.tenant_id.clone(), object.to_string())
}

fn search_records(shared: &Shared, req: &Req, session: &Session, object: &str) -> Reply {
    if let Err(r) = check_object(shared, object) {
        return r;
    }
    let rows = lock(&shared.records)
        .get(&store_key(session, object))
        .map(|s| s.values().cloned().collect())
        .unwrap_or_default();
    list_reply(req, "record", rows)
}

fn parse_id(id: &str) -> Result<u64, Reply> {
    id.parse::<u64>().map_err(|_| {
        fail(
            404,
            -200,
            "Invalid object name, object ID, or record identifier",
        )
    })
}

fn get_record(shared: &Shared, req: &Req, session: &Session, object: &str, id: &str) -> Reply {
    if let Err(r) = check_object(shared, object) {
        return r;
    }
    let n = match parse_id(id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let records = lock(&shared.records);
    match records
        .get(&store_key(session, object))
        .and_then(|s| s.get(&n))
    {
        Some(rec) => ok(vec![(
            "record".into(),
            project(rec, req.query.get("fieldList")),
        )]),
        None => fail(
            404,
            -200,
            "Invalid object name, object ID, or record identifier",
        ),
    }
}

fn add_record(shared: &Shared, req: &Req, session: &Session, object: &str) -> Reply {
    if let Err(r) = check_object(shared, object).and_then(|_| can_write(shared, session)) {
        return r;
    }
    let mut rec = match read_record(req) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if rec.contains_key("id") {
        return fail(
            400,
            -4601,
            "The id of a new record is assigned by the platform",
        );
    }
    let n = shared.next_id.fetch_add(1, Ordering::SeqCst);
    rec.insert("id".into(), n.to_string());
    lock(&shared.records)
        .entry(store_key(session, object))
        .or_default()
        .insert(n, rec);
    Reply {
        status: StatusCode::CREATED,
        body: vec![(
            "message".into(),
            Out::Obj(vec![
                ("code".into(), s("0")),
                ("description".into(), s("Record added successfully")),
                ("id".into(), s(n.to_string())),
            ]),
        )],
        set_cookie: None,
        extra_cookie: None,
    }
}

fn update_record(shared: &Shared, req: &Req, session: &Session, object: &str, id: &str) -> Reply {
    if let Err(r) = check_object(shared, object).and_then(|_| can_write(shared, session)) {
        return r;
    }
    let n = match parse_id(id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let fields = match read_record(req) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if fields.get("id").is_some_and(|v| v != id) {
        return fail(400, -4601, "The record id cannot be changed");
    }
    let mut records = lock(&shared.records);
    match records
        .get_mut(&store_key(session, object))
        .and_then(|s| s.get_mut(&n))
    {
        Some(rec) => {
            rec.extend(fields);
            ok(vec![])
        }
        None => fail(
            404,
            -200,
            "Invalid object name, object ID, or record identifier",
        ),
    }
}

fn delete_record(shared: &Shared, session: &Session, object: &str, id: &str) -> Reply {
    if let Err(r) = check_object(shared, object).and_then(|_| can_write(shared, session)) {
        return r;
    }
    let n = match parse_id(id) {
        Ok(n) => n,
        Err(r) => return r,
    };
    let mut records = lock(&shared.records);
    match records
        .get_mut(&store_key(session, object))
        .and_then(|s| s.remove(&n))
    {
        Some(_) => ok(vec![]),
        None => fail(
            404,
            -200,
            "Invalid object name, object ID, or record identifier",
        ),
    }
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
