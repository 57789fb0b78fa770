//! The authenticated AgileApps client: every login kind, a stack of sessions for proxy logins,
//! typed record and user calls. It runs on the shared auth core ([`Auth`]): the session cookie
//! on every call, one re-login (single-flight) and replay when a renewable session is reported
//! "not logged in", logout of the whole stack on close and on drop, save/restore as a mode-0600
//! session file: each rule lives once, in the core.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use crate::agileapps::auth::{auth, end_orphan, session_for, SWITCH_BACK};
use crate::agileapps::error::{map_failure, Error, ErrorKind};
use crate::agileapps::login_answer;
use crate::agileapps::login_request::REST;
use crate::agileapps::xml::{
    self, Format, LoginInfo, Message, MessageResponse, ProxyLogin, ProxyLoginRequest, Record,
    RecordListResponse, RecordRequest, RecordResponse, UserListResponse, UserResponse,
};
use crate::auth::{Auth, HttpConfig, SessionInfo};
use crate::credentials::Credential;

pub use crate::agileapps::login_answer::SESSION_COOKIE;

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
    /// The core's login mode name of a proxy session.
    pub(crate) const PROXY_MODE: &'static str = "proxy";

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
            SessionKind::Proxy { .. } => Self::PROXY_MODE,
        }
    }

    /// The kind of a core session, from its login mode and data.
    fn of(info: &SessionInfo) -> SessionKind {
        let text = |key: &str| {
            info.data
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        match info.login_mode.as_str() {
            "saml" => SessionKind::Saml,
            "customer-support" => SessionKind::CustomerSupport {
                tenant_id: text("tenantId"),
            },
            Self::PROXY_MODE => SessionKind::Proxy {
                user_id: text("proxyUserId"),
            },
            _ => SessionKind::Password,
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

/// An authenticated AgileApps client. Cheap to clone (shared state); call
/// [`AgileAppsClient::close`] to log out (dropping the last clone logs out in the background when
/// a Tokio runtime is available).
#[derive(Clone)]
pub struct AgileAppsClient {
    auth: Auth,
    format: Format,
}

impl fmt::Debug for AgileAppsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgileAppsClient")
            .field("auth", &self.auth)
            .field("format", &self.format)
            .field("stack", &self.stack())
            .finish()
    }
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

/// The identity of the session at `depth` (1 = base) of the stack.
fn identity(info: &SessionInfo, depth: usize) -> Identity {
    let login: LoginInfo = info
        .data
        .get("login")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let user = info.user.clone().unwrap_or_default();
    Identity {
        user_id: user.id,
        user_name: user.username,
        organization_id: info
            .data
            .get("organizationId")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        kind: SessionKind::of(info),
        depth,
        login,
    }
}

impl AgileAppsClient {
    /// Logs in with `method` and returns a client whose calls run in that session.
    pub async fn login(config: AgileAppsConfig, method: LoginMethod) -> Result<Self, Error> {
        let client = AgileAppsClient {
            auth: auth(&config, method)?,
            format: config.format,
        };
        client.auth.login().await?;
        Ok(client)
    }

    /// Like [`AgileAppsClient::login`], sharing the session with every process of `fleet`
    /// (see [`crate::auth::fleet`]): the fleet's live session is used when there is one.
    pub async fn login_in_fleet(
        config: AgileAppsConfig,
        method: LoginMethod,
        fleet: crate::auth::Fleet,
    ) -> Result<Self, Error> {
        let client = AgileAppsClient {
            auth: auth(&config, method)?,
            format: config.format,
        };
        client.auth.use_session_store(fleet)?;
        client.auth.login().await?;
        Ok(client)
    }

    /// The auth handle the client runs on (pass it to the generated client with
    /// `bi_rest::generated::agileapps::Client::with_auth` to call any operation in the same
    /// session stack).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// A generated client on this session: your own module from
    /// [`generated_client!`](crate::generated_client) or the shipped one.
    pub fn generated<C: crate::auth::GeneratedClient>(&self) -> C {
        C::from_auth(&self.auth)
    }

    /// Whose session the next call runs in.
    pub fn whoami(&self) -> Option<Identity> {
        self.stack().pop()
    }

    /// The session stack, base first.
    pub fn stack(&self) -> Vec<Identity> {
        self.auth
            .sessions()
            .iter()
            .enumerate()
            .map(|(i, info)| identity(info, i + 1))
            .collect()
    }

    /// The body format in use.
    pub fn format(&self) -> Format {
        self.format
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
            self.format,
        )?;
        let path = format!("{REST}/login/proxyLogin");
        let op = format!("POST {path}");
        let resp = self.send(Method::POST, &path, &[], Some(body)).await?;
        let answer = match login_answer::read(
            &op,
            resp.status,
            &resp.headers,
            &resp.body,
            self.format,
            false,
        ) {
            Ok(answer) => answer,
            Err(failure) => {
                // The proxy session (if the server opened one) is ended by switching back.
                let ctx = self.auth.login_context();
                return Err(end_orphan(ctx, self.format, failure, SWITCH_BACK).await);
            }
        };
        let kind = SessionKind::Proxy {
            user_id: user_id.to_string(),
        };
        self.auth.push_session(session_for(answer, &kind))?;
        self.whoami()
            .ok_or_else(|| Error::new(ErrorKind::Other, "the proxy login left no session"))
    }

    /// Leaves the current proxy login and returns to the session below it.
    pub async fn switch_back(&self) -> Result<Identity, Error> {
        let op = format!("GET {SWITCH_BACK}");
        match self.whoami() {
            Some(top) if matches!(top.kind, SessionKind::Proxy { .. }) => {}
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    format!("{op}: not in a proxy login"),
                ))
            }
        }
        let resp = self.request(Method::GET, SWITCH_BACK, &[], None).await?;
        // The answer names the session below (possibly under a new id).
        let parent = login_answer::read(
            &op,
            resp.status,
            &resp.headers,
            &resp.body,
            self.format,
            false,
        )
        .ok();
        self.auth.pop_session(|below| match parent {
            Some(answer) => below.clone().with_cookie(SESSION_COOKIE, answer.session_id),
            None => below.clone(),
        })?;
        self.whoami()
            .ok_or_else(|| Error::new(ErrorKind::Other, "switch back left no session"))
    }

    /// Sends an authenticated request to `path` (absolute, e.g. `/networking/rest/record/case`).
    /// `alt=json` is added in JSON mode. A "not logged in" answer on a renewable session logs in
    /// again once (one login however many calls fail together) and replays the call once. A
    /// failure answer (an error status, or a failing platform code) is an [`Error`].
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<RequestBody>,
    ) -> Result<RawResponse, Error> {
        let op = format!("{method} {path}");
        let resp = self.send(method, path, query, body).await?;
        let failed_code = resp.status.is_success()
            && resp
                .format
                .and_then(|f| xml::decode::<MessageResponse>(&resp.body, f).ok())
                .is_some_and(|m| !m.message.code.is_success());
        if resp.status.is_success() && !failed_code {
            return Ok(resp);
        }
        let err = map_failure(&op, resp.status, &resp.headers, &resp.body, false);
        let err = match crate::error::forced_kind(&resp.headers) {
            Some(kind) => err.with_kind(kind),
            None => err,
        };
        if err.kind() == ErrorKind::SessionExpired && !resp.ran_as.kind.renewable() {
            return Err(err.context(&format!(
                "{} cannot be renewed",
                resp.ran_as.kind.describe()
            )));
        }
        Err(err)
    }

    /// One call through the core, its whole answer read (bounded). Any status.
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<RequestBody>,
    ) -> Result<RawResponse, Error> {
        let op = format!("{method} {path}");
        let ran_as = self.whoami().ok_or_else(|| {
            Error::new(
                ErrorKind::SessionExpired,
                format!("{op}: the client is closed"),
            )
        })?;
        let mut request = self
            .auth
            .request(method, path)
            .header(ACCEPT, self.format.media_type());
        let mut q: Vec<(String, String)> = query.to_vec();
        if self.format == Format::Json && !q.iter().any(|(k, _)| k == "alt") {
            q.push(("alt".into(), "json".into()));
        }
        if !q.is_empty() {
            request = request.query(&q);
        }
        if let Some(b) = body {
            request = request
                .header(CONTENT_TYPE, b.format.media_type())
                .body(b.bytes);
        }
        let response = self.auth.send(request).await.map_err(|e| e.context(&op))?;
        let status = response.status();
        let headers = response.headers().clone();
        let format = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(Format::from_content_type);
        let body = crate::auth::read_body(response)
            .await
            .map_err(|e| e.context(&op))?;
        Ok(RawResponse {
            status,
            format,
            body,
            ran_as,
            headers,
        })
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
            self.format,
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
            self.format,
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
        self.auth.close().await
    }

    /// Saves the session stack to `path` (mode 0600, replacing the file). From then on the
    /// sessions belong to the file: call [`AgileAppsClient::detach`] before dropping this client
    /// so they are not logged out, and [`AgileAppsClient::close`] a restored client to end them.
    pub fn save_session(&self, path: &Path) -> Result<(), Error> {
        self.auth.snapshot()?.write(path)
    }

    /// Leaves the sessions to a session file: dropping this client no longer logs them out.
    pub fn detach(&self) {
        self.auth.set_logout_on_drop(false);
    }

    /// A client on the sessions saved in `path`, without a login. `config` must be for the same
    /// base URL; `method` renews the base session when the server reports it ended.
    pub fn restore_session(
        config: AgileAppsConfig,
        method: LoginMethod,
        path: &Path,
    ) -> Result<Self, Error> {
        let client = AgileAppsClient {
            auth: auth(&config, method)?,
            format: config.format,
        };
        client.auth.restore_session(path)?;
        Ok(client)
    }

    async fn get_typed<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> Result<T, Error> {
        let resp = self.request(Method::GET, path, query, None).await?;
        decode(&format!("GET {path}"), &resp)
    }

    async fn message_call(
        &self,
        method: Method,
        path: &str,
        body: Option<RequestBody>,
    ) -> Result<Message, Error> {
        let op = format!("{method} {path}");
        let resp = self.request(method, path, &[], body).await?;
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
