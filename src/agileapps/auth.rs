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
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};

use crate::agileapps::client::{AgileAppsConfig, LoginMethod};
use crate::agileapps::error::{
    kind_for, map_failure, platform_message, AgileAppsErrorMapper, CODE_NOT_LOGGED_IN, VENDOR,
};
use crate::agileapps::login_request::{LoginRequest, REST};
use crate::agileapps::xml::{self, Format, LoginResponse};
use crate::auth::{Auth, Authenticator, LoginContext, Session, SessionUser};
use crate::error::{map_response, Error, ErrorKind, ErrorMapper};

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
        let (mode, renewable) = (kind.mode_name(), kind.renewable());
        let op = format!("POST {path}");
        let mut url = ctx.url(&path);
        if format == Format::Json {
            url.push_str("?alt=json");
        }
        let resp = ctx
            .send(
                ctx.client()
                    .request(Method::POST, url)
                    .header(CONTENT_TYPE, format.media_type())
                    .header(ACCEPT, format.media_type())
                    .body(body.bytes),
            )
            .await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| Error::from_reqwest(e).context(&op))?;
        if !status.is_success() {
            return Err(map_failure(&op, status, &headers, &bytes, true));
        }
        let resp_format = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(Format::from_content_type)
            .unwrap_or(format);
        let parsed: LoginResponse = xml::decode(&bytes, resp_format).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("{op}: HTTP {}: {e}", status.as_u16()),
            )
        })?;
        if let Some(m) = &parsed.message {
            if !m.code.is_success() {
                return Err(map_failure(&op, status, &headers, &bytes, true));
            }
        }
        let login = parsed.login.ok_or_else(|| {
            Error::new(ErrorKind::Decode, format!("{op}: the answer has no login"))
        })?;
        let full_name = match (&login.first_name, &login.last_name) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(f), None) => Some(f.clone()),
            (None, Some(l)) => Some(l.clone()),
            (None, None) => None,
        };
        let mut session = Session::new(None, mode)
            .with_user(SessionUser {
                id: login.user_id.clone(),
                username: login.user_name.clone(),
                full_name,
            })
            .with_renewable(renewable);
        if let Some(org) = &login.organization_id {
            session = session.with_data("organizationId", serde_json::Value::String(org.clone()));
        }
        Ok(session)
    }
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
        _session: &'a Session,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let op = format!("GET {REST}/logout");
            let resp = ctx
                .send(
                    ctx.request(Method::GET, &format!("{REST}/logout"))
                        .header(ACCEPT, self.format.media_type()),
                )
                .await?;
            let status = resp.status();
            if status.is_success() || status == StatusCode::UNAUTHORIZED {
                // 401: the session had already ended, which is what logout wants.
                return Ok(());
            }
            let headers = resp.headers().clone();
            let body = resp.bytes().await.unwrap_or_default();
            Err(map_failure(&op, status, &headers, &body, false))
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
