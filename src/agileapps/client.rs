//! The authenticated AgileApps client: every login kind, a stack of sessions for proxy logins,
//! the session cookie on every call, one re-login (single-flight) and replay when a renewable
//! session is reported "not logged in", and logout on close.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use crate::agileapps::error::{map_failure, Error, ErrorKind, CODE_NOT_LOGGED_IN};
use crate::agileapps::xml::{
    self, Format, LoginInfo, LoginResponse, Message, MessageResponse, ProxyLogin,
    ProxyLoginRequest, Record, RecordListResponse, RecordRequest, RecordResponse, UserListResponse,
    UserResponse,
};
use crate::auth::{CookieJar, HttpConfig};
use crate::credentials::Credential;

/// The cookie that carries the session.
pub const SESSION_COOKIE: &str = "JSESSIONID";

use crate::agileapps::login_request::{LoginRequest, REST};

#[path = "session_file.rs"]
mod session_file;

/// Connection settings: the platform URL, the body format and the shared [`HttpConfig`] (TLS
/// verified by default, CA bundle, proxy, timeouts, user agent).
#[derive(Clone)]
pub struct AgileAppsConfig {
    base_url: Url,
    format: Format,
    http: HttpConfig,
}

impl fmt::Debug for AgileAppsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgileAppsConfig")
            .field("base_url", &self.base_url.as_str())
            .field("format", &self.format)
            .field("http", &self.http)
            .finish()
    }
}

impl AgileAppsConfig {
    /// Settings for the platform at `base_url` (`https://host`, the API is under
    /// `/networking/rest`): XML bodies and the default [`HttpConfig`].
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let mut url = Url::parse(base_url)
            .map_err(|e| Error::new(ErrorKind::Config, format!("base URL {base_url:?}: {e}")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::new(
                ErrorKind::Config,
                "the base URL must not contain credentials",
            ));
        }
        let trimmed = url.path().trim_end_matches('/').to_string();
        url.set_path(&trimmed);
        Ok(AgileAppsConfig {
            base_url: url,
            format: Format::Xml,
            http: HttpConfig::new(),
        })
    }

    /// Wire format of request and response bodies (`alt=json` for JSON).
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// HTTP settings (TLS, CA bundle, proxy, timeouts).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.request_timeout(Some(timeout));
        self
    }

    /// Trusts the certificates of a PEM bundle in addition to the built-in roots.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.http = self.http.ca_bundle(path);
        self
    }

    /// DANGER: accepts any server certificate.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.http = self.http.danger_accept_invalid_certs(accept);
        self
    }

    /// The platform URL.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The body format.
    pub fn body_format(&self) -> Format {
        self.format
    }

    /// The HTTP settings.
    pub fn http_config(&self) -> &HttpConfig {
        &self.http
    }
}

/// How the base session is opened.
#[derive(Clone, Debug)]
pub enum LoginMethod {
    /// `POST login` with user name and password.
    Password {
        /// Login name.
        user_name: String,
        /// Password, resolved at every login.
        password: Credential,
    },
    /// `POST login/samlAssertion`. A SAML session cannot be renewed by the client.
    Saml {
        /// The SAML assertion, resolved at login.
        assertion: Credential,
    },
    /// `POST login/customerSupport`: the support user enters `tenant_id` as its admin.
    CustomerSupport {
        /// The support user's login name.
        user_name: String,
        /// The support user's password, resolved at every login.
        password: Credential,
        /// The tenant to enter.
        tenant_id: String,
    },
}

/// How the session a call runs in was opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionKind {
    /// Password login (renewable).
    Password,
    /// SAML login (not renewable).
    Saml,
    /// Customer support login into a tenant (renewable).
    CustomerSupport {
        /// The tenant entered.
        tenant_id: String,
    },
    /// Proxy login as another user (not renewable; leave with switch back).
    Proxy {
        /// The user become.
        user_id: String,
    },
}

impl SessionKind {
    pub(crate) fn renewable(&self) -> bool {
        matches!(
            self,
            SessionKind::Password | SessionKind::CustomerSupport { .. }
        )
    }

    /// The login mode name recorded in the core's session (`password`, `saml`, ...).
    pub(crate) fn mode_name(&self) -> &'static str {
        match self {
            SessionKind::Password => "password",
            SessionKind::Saml => "saml",
            SessionKind::CustomerSupport { .. } => "customer-support",
            SessionKind::Proxy { .. } => "proxy",
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            SessionKind::Password => "password session",
            SessionKind::Saml => "SAML session",
            SessionKind::CustomerSupport { .. } => "customer support session",
            SessionKind::Proxy { .. } => "proxy session",
        }
    }
}

/// Whose session a call runs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// User id.
    pub user_id: Option<String>,
    /// Login name.
    pub user_name: Option<String>,
    /// Tenant id.
    pub organization_id: Option<String>,
    /// How the session was opened.
    pub kind: SessionKind,
    /// Position in the session stack (1 = the base session, 2 = first proxy login, ...).
    pub depth: usize,
    /// The login answer, with `sessionId` and `cookieString` removed.
    pub login: LoginInfo,
}

struct Frame {
    identity: Identity,
    session_id: SecretString,
    generation: u64,
}

/// An answer of [`AgileAppsClient::request`].
#[derive(Clone)]
pub struct RawResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Format of the body, from its `Content-Type`.
    pub format: Option<Format>,
    /// The body.
    pub body: Bytes,
    /// The session the call ran in.
    pub ran_as: Identity,
    headers: HeaderMap,
    session_cookie: Option<SecretString>,
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("format", &self.format)
            .field("body_len", &self.body.len())
            .field("ran_as", &self.ran_as)
            .finish_non_exhaustive()
    }
}

/// A request body (kept as bytes so a call can be replayed).
#[derive(Clone, Debug)]
pub struct RequestBody {
    /// Media type of `bytes`.
    pub format: Format,
    /// The encoded body.
    pub bytes: Bytes,
}

impl RequestBody {
    /// Encodes a model in `format`.
    pub fn encode<T: Serialize>(value: &T, format: Format) -> Result<Self, Error> {
        let text = xml::encode(value, format)
            .map_err(|e| Error::new(ErrorKind::InvalidRequest, e.to_string()))?;
        Ok(RequestBody {
            format,
            bytes: Bytes::from(text),
        })
    }
}

/// Search parameters of [`AgileAppsClient::search_records`].
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Fields to return (`id` always comes back).
    pub field_list: Vec<String>,
    /// Criteria, e.g. `name contains 'Acme'`.
    pub filter: Option<String>,
    /// Sort field (`name` or `name desc`).
    pub sort_by: Option<String>,
    /// Records to skip.
    pub offset: Option<u64>,
    /// Most records to return.
    pub page_size: Option<u64>,
}

struct Inner {
    http: reqwest::Client,
    /// Cookies other than the session (load-balancer affinity and the like), sent with every
    /// frame's own `JSESSIONID`.
    jar: Arc<CookieJar>,
    config: AgileAppsConfig,
    method: LoginMethod,
    stack: Mutex<Vec<Frame>>,
    relogin: tokio::sync::Mutex<()>,
    generation: AtomicU64,
}

/// An authenticated AgileApps client. Cheap to clone (shared state); call
/// [`AgileAppsClient::close`] to log out (dropping the last clone logs out in the background when
/// a Tokio runtime is available).
#[derive(Clone)]
pub struct AgileAppsClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for AgileAppsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgileAppsClient")
            .field("config", &self.inner.config)
            .field("method", &self.inner.method)
            .field("stack", &self.stack())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Percent-encodes one path segment.
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `Cookie` header of a call in the session `sid`: the jar's other cookies for `url`
/// (load-balancer affinity, ...) and this session's `JSESSIONID`.
fn cookie_header(jar: &CookieJar, url: &str, sid: &SecretString) -> String {
    use reqwest::cookie::CookieStore;
    let mut parts: Vec<String> = Url::parse(url)
        .ok()
        .and_then(|u| jar.cookies(&u))
        .and_then(|v| v.to_str().ok().map(str::to_string))
        .map(|v| {
            v.split(';')
                .map(|p| p.trim().to_string())
                .filter(|p| {
                    !p.is_empty() && p.split('=').next().map(str::trim) != Some(SESSION_COOKIE)
                })
                .collect()
        })
        .unwrap_or_default();
    parts.push(format!("{SESSION_COOKIE}={}", sid.expose_secret()));
    parts.join("; ")
}

fn session_from_set_cookie(headers: &HeaderMap) -> Option<SecretString> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, v)| k.trim() == SESSION_COOKIE && !v.trim().is_empty())
        .map(|(_, v)| SecretString::from(v.trim().to_string()))
}

impl AgileAppsClient {
    /// Logs in with `method` and returns a client whose calls run in that session.
    pub async fn login(config: AgileAppsConfig, method: LoginMethod) -> Result<Self, Error> {
        let jar = Arc::new(CookieJar::default());
        let http = config.http.build_client(jar.clone())?;
        let inner = Arc::new(Inner {
            http,
            jar,
            config,
            method,
            stack: Mutex::new(Vec::new()),
            relogin: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        });
        let frame = crate::credentials::resolution_round(inner.base_login()).await?;
        lock(&inner.stack).push(frame);
        Ok(AgileAppsClient { inner })
    }

    /// Whose session the next call runs in.
    pub fn whoami(&self) -> Option<Identity> {
        lock(&self.inner.stack).last().map(|f| f.identity.clone())
    }

    /// The session stack, base first.
    pub fn stack(&self) -> Vec<Identity> {
        lock(&self.inner.stack)
            .iter()
            .map(|f| f.identity.clone())
            .collect()
    }

    /// The body format in use.
    pub fn format(&self) -> Format {
        self.inner.config.format
    }

    /// Logs in by proxy as `user_id` on top of the current session; later calls run as that
    /// user until [`AgileAppsClient::switch_back`].
    pub async fn proxy_login(&self, user_id: &str) -> Result<Identity, Error> {
        let body = RequestBody::encode(
            &ProxyLoginRequest {
                login: ProxyLogin {
                    proxy_user_id: user_id.to_string(),
                },
            },
            self.format(),
        )?;
        let path = format!("{REST}/login/proxyLogin");
        let resp = self
            .inner
            .execute(Method::POST, &path, &[], Some(body))
            .await?;
        let op = format!("POST {path}");
        let (login, sid) = self.inner.read_login(&op, &resp)?;
        let mut stack = lock(&self.inner.stack);
        let depth = stack.len() + 1;
        let frame = Frame {
            identity: identity(
                login,
                SessionKind::Proxy {
                    user_id: user_id.to_string(),
                },
                depth,
            ),
            session_id: sid,
            generation: self.inner.generation.fetch_add(1, Ordering::SeqCst) + 1,
        };
        let id = frame.identity.clone();
        stack.push(frame);
        Ok(id)
    }

    /// Leaves the current proxy login and returns to the session below it.
    pub async fn switch_back(&self) -> Result<Identity, Error> {
        let path = format!("{REST}/login/proxyLogin/switchBack");
        let op = format!("GET {path}");
        let (sid, kind) = {
            let stack = lock(&self.inner.stack);
            match stack.last() {
                Some(f) if matches!(f.identity.kind, SessionKind::Proxy { .. }) => {
                    (f.session_id.clone(), f.identity.kind.clone())
                }
                _ => {
                    return Err(Error::new(
                        ErrorKind::InvalidRequest,
                        format!("{op}: not in a proxy login"),
                    ))
                }
            }
        };
        let resp = self.inner.send(Method::GET, &path, &[], None, &sid).await?;
        if let Err(e) = self.inner.check(&op, &resp, false) {
            return Err(not_renewable(e, &kind));
        }
        let (login, parent_sid) = self.inner.read_login(&op, &resp)?;
        let mut stack = lock(&self.inner.stack);
        stack.pop();
        let top = stack.last_mut().ok_or_else(|| {
            Error::new(ErrorKind::Other, "switch back left no session on the stack")
        })?;
        top.session_id = parent_sid;
        top.identity.login = login;
        Ok(top.identity.clone())
    }

    /// Sends an authenticated request to `path` (absolute, e.g. `/networking/rest/record/case`).
    /// `alt=json` is added in JSON mode. A "not logged in" answer on a renewable session logs in
    /// again once (one login however many calls fail together) and replays the call once.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<RequestBody>,
    ) -> Result<RawResponse, Error> {
        self.inner.execute(method, path, query, body).await
    }

    /// Lists users of the session's tenant.
    pub async fn list_users(&self, search: &Search) -> Result<UserListResponse, Error> {
        let path = format!("{REST}/user");
        self.get_typed(&path, &search_query(search)).await
    }

    /// Reads one user.
    pub async fn get_user(&self, user_id: &str) -> Result<Record, Error> {
        let path = format!("{REST}/user/{}", seg(user_id));
        let r: UserResponse = self.get_typed(&path, &[]).await?;
        r.user.ok_or_else(|| missing(&path, "user"))
    }

    /// Searches the records of `object`.
    pub async fn search_records(
        &self,
        object: &str,
        search: &Search,
    ) -> Result<RecordListResponse, Error> {
        let path = format!("{REST}/record/{}", seg(object));
        self.get_typed(&path, &search_query(search)).await
    }

    /// Reads one record (`field_list` empty: all fields).
    pub async fn get_record(
        &self,
        object: &str,
        id: &str,
        field_list: &[&str],
    ) -> Result<Record, Error> {
        let path = format!("{REST}/record/{}/{}", seg(object), seg(id));
        let mut q = Vec::new();
        if !field_list.is_empty() {
            q.push(("fieldList".to_string(), field_list.join(",")));
        }
        let r: RecordResponse = self.get_typed(&path, &q).await?;
        r.record.ok_or_else(|| missing(&path, "record"))
    }

    /// Adds a record; returns its id.
    pub async fn add_record(&self, object: &str, record: &Record) -> Result<String, Error> {
        let path = format!("{REST}/record/{}", seg(object));
        let body = RequestBody::encode(
            &RecordRequest {
                record: record.clone(),
            },
            self.format(),
        )?;
        let m = self.message_call(Method::POST, &path, Some(body)).await?;
        m.id.ok_or_else(|| missing(&path, "message/id"))
    }

    /// Updates fields of a record.
    pub async fn update_record(
        &self,
        object: &str,
        id: &str,
        record: &Record,
    ) -> Result<(), Error> {
        let path = format!("{REST}/record/{}/{}", seg(object), seg(id));
        let body = RequestBody::encode(
            &RecordRequest {
                record: record.clone(),
            },
            self.format(),
        )?;
        self.message_call(Method::PUT, &path, Some(body)).await?;
        Ok(())
    }

    /// Deletes a record.
    pub async fn delete_record(&self, object: &str, id: &str) -> Result<(), Error> {
        let path = format!("{REST}/record/{}/{}", seg(object), seg(id));
        self.message_call(Method::DELETE, &path, None).await?;
        Ok(())
    }

    /// Ends every session of the stack: proxy logins are switched back, then the base session
    /// logs out. Sessions the server already ended are skipped silently.
    pub async fn close(self) -> Result<(), Error> {
        let frames: Vec<Frame> = std::mem::take(&mut *lock(&self.inner.stack));
        end_sessions(
            &self.inner.http,
            &self.inner.jar,
            &self.inner.config,
            frames,
        )
        .await
    }

    async fn get_typed<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<T, Error> {
        let resp = self.inner.execute(Method::GET, path, query, None).await?;
        decode(&format!("GET {path}"), &resp)
    }

    async fn message_call(
        &self,
        method: Method,
        path: &str,
        body: Option<RequestBody>,
    ) -> Result<Message, Error> {
        let op = format!("{method} {path}");
        let resp = self.inner.execute(method, path, &[], body).await?;
        let m: MessageResponse = decode(&op, &resp)?;
        Ok(m.message)
    }
}

fn missing(path: &str, what: &str) -> Error {
    Error::new(
        ErrorKind::Decode,
        format!("{path}: the answer has no {what}"),
    )
}

fn search_query(s: &Search) -> Vec<(String, String)> {
    let mut q = Vec::new();
    if !s.field_list.is_empty() {
        q.push(("fieldList".into(), s.field_list.join(",")));
    }
    if let Some(f) = &s.filter {
        q.push(("filter".into(), f.clone()));
    }
    if let Some(v) = &s.sort_by {
        q.push(("sortBy".into(), v.clone()));
    }
    if let Some(v) = s.offset {
        q.push(("offset".into(), v.to_string()));
    }
    if let Some(v) = s.page_size {
        q.push(("pageSize".into(), v.to_string()));
    }
    q
}

fn decode<T: DeserializeOwned>(op: &str, resp: &RawResponse) -> Result<T, Error> {
    let format = resp.format.unwrap_or(Format::Xml);
    xml::decode(&resp.body, format).map_err(|source| {
        Error::new(
            ErrorKind::Decode,
            format!("{op}: HTTP {}: {source}", resp.status.as_u16()),
        )
        .with_source(source)
    })
}

fn identity(mut login: LoginInfo, kind: SessionKind, depth: usize) -> Identity {
    login.session_id = None;
    login.cookie_string = None;
    Identity {
        user_id: login.user_id.clone(),
        user_name: login.user_name.clone(),
        organization_id: login.organization_id.clone(),
        kind,
        depth,
        login,
    }
}

fn not_renewable(e: Error, kind: &SessionKind) -> Error {
    if e.kind() == ErrorKind::SessionExpired {
        e.context(&format!("{} cannot be renewed", kind.describe()))
    } else {
        e
    }
}

/// Logs the frames out, top first (proxy frames are switched back).
async fn end_sessions(
    http: &reqwest::Client,
    jar: &CookieJar,
    config: &AgileAppsConfig,
    frames: Vec<Frame>,
) -> Result<(), Error> {
    let mut first_err = None;
    for f in frames.into_iter().rev() {
        let path = if matches!(f.identity.kind, SessionKind::Proxy { .. }) {
            format!("{REST}/login/proxyLogin/switchBack")
        } else {
            format!("{REST}/logout")
        };
        let url = format!("{}{}", config.base_url.as_str().trim_end_matches('/'), path);
        let cookie = cookie_header(jar, &url, &f.session_id);
        let res = http
            .get(&url)
            .header(COOKIE, cookie)
            .header(ACCEPT, config.format.media_type())
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() || r.status() == StatusCode::UNAUTHORIZED => {}
            Ok(r) => {
                let status = r.status();
                let headers = r.headers().clone();
                let body = r.bytes().await.unwrap_or_default();
                first_err.get_or_insert(map_failure(
                    &format!("GET {path}"),
                    status,
                    &headers,
                    &body,
                    false,
                ));
            }
            Err(e) => {
                first_err.get_or_insert(Error::from_reqwest(e).context(&format!("GET {path}")));
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let frames: Vec<Frame> = std::mem::take(&mut *lock(&self.stack));
        if frames.is_empty() {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let http = self.http.clone();
            let jar = self.jar.clone();
            let config = self.config.clone();
            handle.spawn(async move {
                if let Err(e) = end_sessions(&http, &jar, &config, frames).await {
                    tracing::warn!(error = %e, "AgileApps logout on drop failed");
                }
            });
        } else {
            tracing::warn!(
                "AgileApps client dropped outside a Tokio runtime: sessions not logged out"
            );
        }
    }
}

impl Inner {
    fn url(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.config.base_url.as_str().trim_end_matches('/'),
            path
        )
    }

    /// Opens the base session with the configured method.
    async fn base_login(&self) -> Result<Frame, Error> {
        let LoginRequest { path, body, kind } =
            self.method.login_request(self.config.format).await?;
        let op = format!("POST {path}");
        let resp = self
            .send_raw(Method::POST, &path, &[], Some(body), None)
            .await?;
        self.check(&op, &resp, true)?;
        let (login, sid) = self.read_login(&op, &resp)?;
        Ok(Frame {
            identity: identity(login, kind, 1),
            session_id: sid,
            generation: self.generation.fetch_add(1, Ordering::SeqCst) + 1,
        })
    }

    /// Reads a login answer: the user's details and the session (cookie first, body second).
    fn read_login(&self, op: &str, resp: &RawResponse) -> Result<(LoginInfo, SecretString), Error> {
        let parsed: LoginResponse = decode(op, resp)?;
        let mut login = parsed.login.ok_or_else(|| missing(op, "login"))?;
        let sid = resp
            .session_cookie
            .clone()
            .or_else(|| login.session_id.take().map(SecretString::from))
            .ok_or_else(|| missing(op, "session"))?;
        login.session_id = None;
        login.cookie_string = None;
        Ok((login, sid))
    }

    /// Turns a failed answer into an error.
    fn check(&self, op: &str, resp: &RawResponse, during_login: bool) -> Result<(), Error> {
        if resp.status.is_success() {
            let failed_code = resp
                .format
                .and_then(|f| xml::decode::<MessageResponse>(&resp.body, f).ok())
                .is_some_and(|m| !m.message.code.is_success());
            if !failed_code {
                return Ok(());
            }
        }
        Err(map_failure(
            op,
            resp.status,
            &resp.headers,
            &resp.body,
            during_login,
        ))
    }

    fn is_not_logged_in(e: &Error) -> bool {
        let not_logged_in = CODE_NOT_LOGGED_IN.to_string();
        e.kind() == ErrorKind::SessionExpired
            && (e.code() == Some(not_logged_in.as_str())
                || (e.code().is_none() && e.status() == Some(StatusCode::UNAUTHORIZED)))
    }

    /// One request in the current session, with one re-login and replay when allowed.
    async fn execute(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<RequestBody>,
    ) -> Result<RawResponse, Error> {
        let op = format!("{method} {path}");
        let (sid, generation, kind, ran_as) = self.top(&op)?;
        let mut resp = self
            .send(method.clone(), path, query, body.clone(), &sid)
            .await?;
        resp.ran_as = ran_as;
        let err = match self.check(&op, &resp, false) {
            Ok(()) => return Ok(resp),
            Err(e) if Self::is_not_logged_in(&e) => e,
            Err(e) => return Err(e),
        };
        if !kind.renewable() {
            return Err(not_renewable(err, &kind));
        }
        self.renew(generation, err).await?;
        let (sid, _, _, ran_as) = self.top(&op)?;
        let mut resp = self.send(method, path, query, body, &sid).await?;
        resp.ran_as = ran_as;
        match self.check(&op, &resp, false) {
            Ok(()) => Ok(resp),
            Err(e) if e.kind() == ErrorKind::SessionExpired => {
                Err(e.context("still not logged in after a new login"))
            }
            Err(e) => Err(e),
        }
    }

    fn top(&self, op: &str) -> Result<(SecretString, u64, SessionKind, Identity), Error> {
        let stack = lock(&self.stack);
        let f = stack.last().ok_or_else(|| {
            Error::new(
                ErrorKind::SessionExpired,
                format!("{op}: the client is closed"),
            )
        })?;
        Ok((
            f.session_id.clone(),
            f.generation,
            f.identity.kind.clone(),
            f.identity.clone(),
        ))
    }

    /// Replaces the base session after "not logged in", once for all callers that saw the
    /// session of `seen_generation` fail.
    async fn renew(&self, seen_generation: u64, err: Error) -> Result<(), Error> {
        let _guard = self.relogin.lock().await;
        {
            let stack = lock(&self.stack);
            match stack.last() {
                Some(f) if f.generation != seen_generation => return Ok(()),
                Some(f) if stack.len() == 1 && f.identity.kind.renewable() => {}
                Some(f) => return Err(not_renewable(err, &f.identity.kind)),
                None => return Err(err),
            }
        }
        tracing::debug!("AgileApps session expired; logging in again");
        let frame = match crate::credentials::resolution_round(self.base_login()).await {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::LoginFailed => {
                return Err(e
                    .with_kind(ErrorKind::SessionExpired)
                    .context("renewal login failed"))
            }
            Err(e) => return Err(e),
        };
        let mut stack = lock(&self.stack);
        if let Some(first) = stack.first_mut() {
            *first = frame;
        }
        Ok(())
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<RequestBody>,
        sid: &SecretString,
    ) -> Result<RawResponse, Error> {
        self.send_raw(method, path, query, body, Some(sid)).await
    }

    async fn send_raw(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<RequestBody>,
        sid: Option<&SecretString>,
    ) -> Result<RawResponse, Error> {
        let op = format!("{method} {path}");
        let format = self.config.format;
        let mut req = self
            .http
            .request(method, self.url(path))
            .header(ACCEPT, format.media_type());
        let mut q: Vec<(String, String)> = query.to_vec();
        if format == Format::Json && !q.iter().any(|(k, _)| k == "alt") {
            q.push(("alt".into(), "json".into()));
        }
        if !q.is_empty() {
            req = req.query(&q);
        }
        if let Some(sid) = sid {
            req = req.header(COOKIE, cookie_header(&self.jar, &self.url(path), sid));
        }
        if let Some(b) = body {
            req = req
                .header(CONTENT_TYPE, b.format.media_type())
                .body(b.bytes);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| Error::from_reqwest(e).context(&op))?;
        let status = resp.status();
        let session_cookie = session_from_set_cookie(resp.headers());
        let format = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(Format::from_content_type);
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .await
            .map_err(|e| Error::from_reqwest(e).context(&op))?;
        Ok(RawResponse {
            status,
            format,
            body,
            ran_as: Identity {
                user_id: None,
                user_name: None,
                organization_id: None,
                kind: SessionKind::Password,
                depth: 0,
                login: LoginInfo::default(),
            },
            headers,
            session_cookie,
        })
    }
}
