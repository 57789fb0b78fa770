//! AgileApps on the shared auth core: an [`Authenticator`] for password, SAML and customer
//! support logins, so an [`Auth`] handle (and the generated client, which carries one) gets the
//! core's single-flight re-login, replay once and logout on close.
//!
//! The session travels as the `JSESSIONID` cookie, kept by the core's cookie jar. "User not
//! logged in" (platform code -101) marks an expired session. SAML sessions are not renewable:
//! when one expires the core answers `SessionExpired` without logging in. Proxy logins need a
//! stack of sessions, which a single [`Auth`] does not model; they are offered by
//! [`crate::agileapps::AgileAppsClient`].

use futures::future::BoxFuture;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE, COOKIE};
use reqwest::{Method, StatusCode};

use crate::agileapps::client::{AgileAppsConfig, LoginMethod, SessionKind};
use crate::agileapps::error::{
    kind_for, map_failure, platform_message, AgileAppsErrorMapper, CODE_NOT_LOGGED_IN, VENDOR,
};
use crate::agileapps::login_answer::{self, LoginAnswer, LoginAnswerError, SESSION_COOKIE};
use crate::agileapps::login_request::LoginRequest;
use crate::agileapps::xml::Format;
use crate::auth::telemetry::{self, LogoutReason};
use crate::auth::{Auth, Authenticator, LoginContext, Session, SessionCookie, SessionUser};
use crate::error::{map_response, Error, ErrorMapper};

/// The path that ends a proxy session (and returns to the one below it).
pub(crate) const SWITCH_BACK: &str = "/networking/rest/login/proxyLogin/switchBack";
/// The path that ends a base session.
const LOGOUT: &str = "/networking/rest/logout";

/// The AgileApps [`Authenticator`].
#[derive(Debug, Clone)]
pub struct AgileAppsAuthenticator {
    method: LoginMethod,
    format: Format,
}

impl AgileAppsAuthenticator {
    /// Logs in with `method`, sending bodies in `format`.
    pub fn new(method: LoginMethod, format: Format) -> Self {
        AgileAppsAuthenticator { method, format }
    }

    async fn do_login(&self, ctx: &LoginContext) -> Result<Session, Error> {
        let format = self.format;
        let LoginRequest { path, body, kind } = self.method.login_request(format).await?;
        let op = format!("POST {path}");
        let mut request = ctx
            .request(Method::POST, &path)
            .header(CONTENT_TYPE, format.media_type())
            .header(ACCEPT, format.media_type())
            .body(body.bytes);
        if format == Format::Json {
            request = request.query(&[("alt", "json")]);
        }
        let response = ctx.send(request).await.map_err(|e| e.context(&op))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = crate::auth::read_body(response)
            .await
            .map_err(|e| e.context(&op))?;
        match login_answer::read(&op, status, &headers, &bytes, format, true) {
            Ok(answer) => Ok(session_for(answer, &kind)),
            Err(failure) => Err(end_orphan(ctx, format, failure, LOGOUT).await),
        }
    }
}

/// Ends a session the server opened although its answer could not be used (with `path`:
/// logout or switch back), then returns the answer's error.
pub(crate) async fn end_orphan(
    ctx: &LoginContext,
    format: Format,
    failure: LoginAnswerError,
    path: &str,
) -> Error {
    if let Some(session_id) = failure.orphan {
        let cookie = SessionCookie {
            name: SESSION_COOKIE.to_string(),
            value: session_id,
        };
        telemetry::logout(VENDOR, LogoutReason::Orphan, 1);
        if let Err(e) = end_session(ctx, format, path, &cookie).await {
            telemetry::logout_failed(VENDOR, LogoutReason::Orphan, &e);
        }
    }
    failure.error
}

/// `GET path` (logout or switch back) in the session of `cookie`. 401 counts as done: the
/// session had already ended, which is what ending it wants.
async fn end_session(
    ctx: &LoginContext,
    format: Format,
    path: &str,
    cookie: &SessionCookie,
) -> Result<(), Error> {
    let op = format!("GET {path}");
    let mut request = ctx
        .request(Method::GET, path)
        .header(ACCEPT, format.media_type());
    if format == Format::Json {
        request = request.query(&[("alt", "json")]);
    }
    let url = url::Url::parse(&ctx.url(path))
        .map_err(|e| Error::new(crate::error::ErrorKind::Config, format!("{op}: {e}")))?;
    if let Some(header) = ctx.cookies().header_for(&url, Some(cookie)) {
        request = request.header(COOKIE, header);
    }
    let response = ctx.send(request).await.map_err(|e| e.context(&op))?;
    let status = response.status();
    if status.is_success() || status == StatusCode::UNAUTHORIZED {
        return Ok(());
    }
    let headers = response.headers().clone();
    let body = crate::auth::read_body(response).await.unwrap_or_default();
    Err(map_failure(&op, status, &headers, &body, false))
}

/// The core's session for a login answer: the session id as its `JSESSIONID` cookie, the
/// user, the login answer (without secrets) and what kind of session it is.
pub(crate) fn session_for(answer: LoginAnswer, kind: &SessionKind) -> Session {
    let login = answer.login;
    let full_name = match (&login.first_name, &login.last_name) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(f), None) => Some(f.clone()),
        (None, Some(l)) => Some(l.clone()),
        (None, None) => None,
    };
    let mut session = Session::new(None, kind.mode_name())
        .with_user(SessionUser {
            id: login.user_id.clone(),
            username: login.user_name.clone(),
            full_name,
        })
        .with_renewable(kind.renewable())
        .with_cookie(SESSION_COOKIE, answer.session_id);
    if let Some(org) = &login.organization_id {
        session = session.with_data("organizationId", serde_json::Value::String(org.clone()));
    }
    match kind {
        SessionKind::CustomerSupport { tenant_id } => {
            session = session.with_data("tenantId", serde_json::Value::String(tenant_id.clone()));
        }
        SessionKind::Proxy { user_id } => {
            session = session.with_data("proxyUserId", serde_json::Value::String(user_id.clone()));
        }
        SessionKind::Password | SessionKind::Saml => {}
    }
    if let Ok(value) = serde_json::to_value(&login) {
        session = session.with_data("login", value);
    }
    session
}

impl Authenticator for AgileAppsAuthenticator {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn login<'a>(&'a self, ctx: &'a LoginContext) -> BoxFuture<'a, Result<Session, Error>> {
        Box::pin(self.do_login(ctx))
    }

    fn logout<'a>(
        &'a self,
        ctx: &'a LoginContext,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            // A proxy session ends by switching back; the base session by logging out.
            let path = if session.login_mode() == SessionKind::PROXY_MODE {
                SWITCH_BACK
            } else {
                LOGOUT
            };
            match session.cookie() {
                Some(cookie) => end_session(ctx, self.format, path, cookie).await,
                None => Ok(()),
            }
        })
    }

    fn decorate(&self, request: &mut reqwest::Request, _session: &Session) {
        if !request.headers().contains_key(ACCEPT) {
            request
                .headers_mut()
                .insert(ACCEPT, HeaderValue::from_static(self.format.media_type()));
        }
    }

    fn is_session_expired(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> bool {
        match platform_message(headers, body) {
            Some(m) => m.code.0 == CODE_NOT_LOGGED_IN,
            None => status == StatusCode::UNAUTHORIZED,
        }
    }

    fn map_error(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
        match AgileAppsErrorMapper.map(status, headers, body) {
            Some(e) => e,
            None => {
                let e = map_response(status, headers, body);
                let kind = kind_for(None, status.as_u16(), false);
                e.with_kind(kind)
            }
        }
    }
}

/// An [`Auth`] handle for the platform of `config`, logging in with `method`. Call
/// [`Auth::login`] (or make a call) to open the session and [`Auth::close`] to log out.
pub fn auth(config: &AgileAppsConfig, method: LoginMethod) -> Result<Auth, Error> {
    Auth::builder(
        config.base_url().as_str().trim_end_matches('/').to_string(),
        AgileAppsAuthenticator::new(method, config.body_format()),
    )
    .http(config.http_config().clone())
    .build()
}

#[cfg(feature = "agileapps")]
crate::bi_rest_auth_hooks!(module = crate::generated::agileapps);

#[cfg(feature = "agileapps")]
impl crate::generated::agileapps::Client {
    /// A generated AgileApps client whose calls run in `auth`'s session (the core adds the
    /// cookie, renews an expired renewable session once and replays the call).
    pub fn with_auth(auth: Auth) -> Self {
        let base = auth.base_url().to_string();
        let http = auth.http_client();
        Self::new_with_client(&base, http, auth)
    }
}
