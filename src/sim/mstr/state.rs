//! Server-side state of the MicroStrategy simulator: users, sessions, tokens, counters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::http::HeaderMap;
use serde::Serialize;

use super::config::{privileges, MstrSimConfig, SimUser, UserKind};
use super::data::DataState;
use super::errors::{MstrError, ISERVER_SESSION_LIMIT};
use crate::sim::faults::{lock, FaultInjector, FaultKind};
use crate::sim::{Counter, SeededRng, ALNUM_LOWER, HEX_UPPER};

/// Login modes the simulator accepts (`loginMode` in the login body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginMode {
    Standard,
    Anonymous,
    Ldap,
    ApiToken,
    Delegated,
}

impl LoginMode {
    pub fn code(self) -> i64 {
        match self {
            LoginMode::Standard => 1,
            LoginMode::Anonymous => 8,
            LoginMode::Ldap => 16,
            LoginMode::ApiToken => 4096,
            LoginMode::Delegated => -1,
        }
    }
}

/// A user as the server knows it (configured user plus server-assigned id).
#[derive(Debug, Clone)]
pub(crate) struct UserRec {
    pub user: SimUser,
    pub id: String,
    pub guest: bool,
}

impl UserRec {
    pub fn has(&self, privilege: &str) -> bool {
        self.user.privileges.contains(privilege)
    }

    /// `Err(403 ERR014)` unless the user holds `privilege`.
    pub fn require(&self, privilege: &str) -> Result<(), MstrError> {
        if self.has(privilege) {
            Ok(())
        } else {
            Err(MstrError::no_privilege(privilege))
        }
    }
}

#[derive(Debug, Clone)]
struct Session {
    jsessionid: String,
    user: usize,
    mode: LoginMode,
    application_type: i64,
    created: Instant,
    last_used: Instant,
}

/// What a handler knows about the caller after authentication.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub token: String,
    pub user: UserRec,
    pub mode: LoginMode,
    pub application_type: i64,
    pub created: Instant,
}

/// A freshly created session: what login returns in headers and cookies.
#[derive(Debug, Clone)]
pub(crate) struct NewSession {
    pub token: String,
    pub jsessionid: String,
    pub lb_cookie: String,
}

/// The login body fields the simulator reads.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginBody {
    pub username: Option<String>,
    pub password: Option<String>,
    pub login_mode: Option<i64>,
    pub application_type: Option<i64>,
    /// Accepted as an alternative place for the API token (loginMode 4096).
    pub api_token: Option<String>,
}

/// Counter snapshot of the MicroStrategy simulator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MstrCounters {
    /// Successful logins with loginMode 1.
    pub logins_standard: u64,
    /// Successful logins with loginMode 16.
    pub logins_ldap: u64,
    /// Successful guest logins (loginMode 8).
    pub logins_anonymous: u64,
    /// Successful API-token logins (loginMode 4096).
    pub logins_api_token: u64,
    /// Successful delegations of an identity token (`/auth/delegate`).
    pub logins_delegated: u64,
    /// Logins and delegations that were refused (bad credentials, cap, mode disabled).
    pub logins_failed: u64,
    /// Explicit session ends: `POST /auth/logout` and `DELETE /sessions`.
    pub logouts: u64,
    /// Sessions open now (idle-expired ones excluded).
    pub open_sessions: u64,
    /// The most sessions that were open at once since the start (high-water mark).
    pub max_open_sessions: u64,
    /// Authenticated calls accepted (every endpoint except login and delegate).
    pub calls: u64,
    /// Session extensions (`PUT /sessions`).
    pub extends: u64,
    /// Calls refused with 401 `ERR009` (no token, unknown or expired session, missing cookie).
    pub rejected_calls: u64,
    /// Sessions ended by the server: idle timeout, `expire_all_sessions`, injected fault.
    pub sessions_expired: u64,
    /// Identity tokens created.
    pub identity_tokens_created: u64,
    /// API tokens created.
    pub api_tokens_created: u64,
    /// Faults injected (all kinds).
    pub faults_injected: u64,
    /// Calls answered by the spec-driven default (declared operations without a stateful
    /// handler).
    pub spec_defaults: u64,
}

impl MstrCounters {
    /// All successful logins, whatever the mode (delegations included).
    pub fn logins(&self) -> u64 {
        self.logins_standard
            + self.logins_ldap
            + self.logins_anonymous
            + self.logins_api_token
            + self.logins_delegated
    }
}

#[derive(Debug, Default)]
struct Counters {
    logins_standard: Counter,
    logins_ldap: Counter,
    logins_anonymous: Counter,
    logins_api_token: Counter,
    logins_delegated: Counter,
    logins_failed: Counter,
    logouts: Counter,
    calls: Counter,
    extends: Counter,
    rejected_calls: Counter,
    sessions_expired: Counter,
    identity_tokens_created: Counter,
    api_tokens_created: Counter,
    spec_defaults: Counter,
}

/// An API token as the server stores it.
#[derive(Debug, Clone)]
pub(crate) struct ApiTokenRec {
    pub id: String,
    pub user: usize,
    pub created: SystemTime,
    pub expires: Option<SystemTime>,
}

/// An identity token as the server stores it.
#[derive(Debug, Clone, Copy)]
struct IdentityTokenRec {
    user: usize,
    expires_at: Instant,
    expires: SystemTime,
}

/// How long API tokens created through `POST /auth/apiTokens` stay valid.
const API_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Debug)]
struct Inner {
    users: Vec<UserRec>,
    sessions: HashMap<String, Session>,
    identity_tokens: HashMap<String, IdentityTokenRec>,
    api_tokens: HashMap<String, ApiTokenRec>,
    idle_timeout: Duration,
    rng: SeededRng,
}

/// The whole simulator state, shared by the handlers.
#[derive(Debug)]
pub(crate) struct MstrState {
    inner: Mutex<Inner>,
    counters: Counters,
    faults: Arc<FaultInjector>,
    allow_guest: bool,
    max_sessions_per_user: usize,
    /// Milliseconds each login waits before it is answered.
    login_delay_ms: std::sync::atomic::AtomicU64,
    /// The most sessions open at once.
    max_open: std::sync::atomic::AtomicU64,
    identity_token_ttl: Duration,
    /// Datasets, instances, upload sessions, changesets.
    pub data: Mutex<DataState>,
    /// Users, user groups and stored searches.
    pub directory: Mutex<super::directory::Directory>,
    /// The metadata objects of every project (lock it before `data` when both are needed).
    pub objects: Mutex<super::objects::ObjectStore>,
    /// The version `GET /status` reports.
    pub server_version: String,
    /// The shape of the session answers.
    pub answer_shape: crate::sim::AnswerShape,
}

impl MstrState {
    pub fn new(config: MstrSimConfig, faults: Arc<FaultInjector>) -> Self {
        let mut rng = SeededRng::new(config.seed ^ 0x6d73_7472);
        let mut users: Vec<UserRec> = config
            .users
            .into_iter()
            .map(|user| UserRec {
                user,
                id: rng.string(HEX_UPPER, 32),
                guest: false,
            })
            .collect();
        users.push(UserRec {
            user: SimUser::standard("Guest", "")
                .full_name("Guest")
                .privileges(privileges::GUEST.iter().copied()),
            id: "C82C6B1011D2894CC0009D9F29718E4F".to_string(),
            guest: true,
        });
        let mut api_tokens = HashMap::new();
        let started = SystemTime::now();
        for (i, u) in users.iter().enumerate() {
            for t in &u.user.api_tokens {
                let rec = ApiTokenRec {
                    id: rng.string(HEX_UPPER, 32),
                    user: i,
                    created: started,
                    expires: None,
                };
                api_tokens.insert(t.clone(), rec);
            }
        }
        let data = DataState::new(rng.next_u64());
        let directory = super::directory::Directory::seeded(users.iter().map(|u| {
            (
                u.id.clone(),
                u.user.username.clone(),
                u.user.full_name.clone(),
            )
        }));
        MstrState {
            inner: Mutex::new(Inner {
                users,
                sessions: HashMap::new(),
                identity_tokens: HashMap::new(),
                api_tokens,
                idle_timeout: config.idle_timeout,
                rng,
            }),
            counters: Counters::default(),
            faults,
            allow_guest: config.allow_guest,
            max_sessions_per_user: config.max_sessions_per_user,
            login_delay_ms: std::sync::atomic::AtomicU64::new(
                u64::try_from(config.login_delay.as_millis()).unwrap_or(u64::MAX),
            ),
            max_open: std::sync::atomic::AtomicU64::new(0),
            identity_token_ttl: config.identity_token_ttl,
            data: Mutex::new(data),
            directory: Mutex::new(directory),
            objects: Mutex::new(super::objects::ObjectStore::seeded()),
            server_version: config.server_version,
            answer_shape: config.answer_shape,
        }
    }

    /// Counts a call answered by the spec-driven default.
    pub fn count_spec_default(&self) {
        self.counters.spec_defaults.incr();
    }

    pub fn faults(&self) -> &FaultInjector {
        &self.faults
    }

    pub fn ticket(&self) -> String {
        self.faults.ticket_id()
    }

    pub fn counters(&self) -> MstrCounters {
        let open = {
            let mut inner = lock(&self.inner);
            self.sweep(&mut inner);
            inner.sessions.len() as u64
        };
        let c = &self.counters;
        MstrCounters {
            logins_standard: c.logins_standard.get(),
            logins_ldap: c.logins_ldap.get(),
            logins_anonymous: c.logins_anonymous.get(),
            logins_api_token: c.logins_api_token.get(),
            logins_delegated: c.logins_delegated.get(),
            logins_failed: c.logins_failed.get(),
            logouts: c.logouts.get(),
            open_sessions: open,
            max_open_sessions: self.max_open.load(std::sync::atomic::Ordering::Relaxed),
            calls: c.calls.get(),
            extends: c.extends.get(),
            rejected_calls: c.rejected_calls.get(),
            sessions_expired: c.sessions_expired.get(),
            identity_tokens_created: c.identity_tokens_created.get(),
            api_tokens_created: c.api_tokens_created.get(),
            faults_injected: FaultKind::ALL
                .iter()
                .map(|k| self.faults.injected(*k))
                .sum(),
            spec_defaults: c.spec_defaults.get(),
        }
    }

    /// Drops sessions idle for longer than the timeout (counted as expired).
    fn sweep(&self, inner: &mut Inner) {
        let timeout = inner.idle_timeout;
        let now = Instant::now();
        let before = inner.sessions.len();
        inner
            .sessions
            .retain(|_, s| now.duration_since(s.last_used) <= timeout);
        for _ in inner.sessions.len()..before {
            self.counters.sessions_expired.incr();
        }
    }

    pub fn expire_all(&self) -> usize {
        let mut inner = lock(&self.inner);
        let n = inner.sessions.len();
        inner.sessions.clear();
        for _ in 0..n {
            self.counters.sessions_expired.incr();
        }
        n
    }

    /// How long each login waits before it is answered.
    pub fn login_delay(&self) -> Duration {
        Duration::from_millis(
            self.login_delay_ms
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }

    pub fn set_login_delay(&self, delay: Duration) {
        self.login_delay_ms.store(
            u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    pub fn set_idle_timeout(&self, timeout: Duration) {
        lock(&self.inner).idle_timeout = timeout;
    }

    pub fn idle_timeout(&self) -> Duration {
        lock(&self.inner).idle_timeout
    }

    fn find_user(inner: &Inner, username: &str) -> Option<usize> {
        inner
            .users
            .iter()
            .position(|u| !u.guest && u.user.username.eq_ignore_ascii_case(username))
    }

    fn fail(&self, err: MstrError) -> MstrError {
        self.counters.logins_failed.incr();
        err
    }

    /// `POST /auth/login`.
    pub fn login(&self, body: &LoginBody) -> Result<NewSession, MstrError> {
        let mode_code = body.login_mode.unwrap_or(1);
        let mut inner = lock(&self.inner);
        let (user, mode) = match mode_code {
            1 | 16 => {
                let want = if mode_code == 1 {
                    UserKind::Standard
                } else {
                    UserKind::Ldap
                };
                let name = body.username.as_deref().unwrap_or("");
                let pass = body.password.as_deref().unwrap_or("");
                match Self::find_user(&inner, name) {
                    Some(i)
                        if inner.users[i].user.kind == want
                            && inner.users[i].user.password == pass =>
                    {
                        let mode = if want == UserKind::Standard {
                            LoginMode::Standard
                        } else {
                            LoginMode::Ldap
                        };
                        (i, mode)
                    }
                    _ => return Err(self.fail(MstrError::login_failed("Login failed"))),
                }
            }
            8 => {
                if !self.allow_guest {
                    return Err(self.fail(
                        MstrError::login_failed(
                            "Login failed: anonymous (guest) authentication is not enabled",
                        )
                        .iserver(-2147216963),
                    ));
                }
                let i = inner.users.iter().position(|u| u.guest).unwrap_or(0);
                (i, LoginMode::Anonymous)
            }
            4096 => {
                let token = body
                    .username
                    .as_deref()
                    .or(body.api_token.as_deref())
                    .or(body.password.as_deref())
                    .unwrap_or("");
                let now = SystemTime::now();
                match inner.api_tokens.get(token) {
                    Some(t) if t.expires.is_none_or(|e| e > now) => (t.user, LoginMode::ApiToken),
                    _ => return Err(self.fail(MstrError::login_failed("Login failed"))),
                }
            }
            other => {
                return Err(self.fail(
                    MstrError::login_failed(format!(
                        "Login failed: authentication mode {other} is not supported by this server"
                    ))
                    .iserver(-2147216963),
                ))
            }
        };
        self.open_session(&mut inner, user, mode, body.application_type.unwrap_or(35))
    }

    /// `POST /auth/delegate` with an identity token.
    pub fn delegate(&self, identity_token: &str) -> Result<NewSession, MstrError> {
        let mut inner = lock(&self.inner);
        let now = Instant::now();
        inner.identity_tokens.retain(|_, t| t.expires_at > now);
        let Some(IdentityTokenRec { user, .. }) =
            inner.identity_tokens.get(identity_token).copied()
        else {
            return Err(self.fail(MstrError::login_failed(
                "Login failed: the identity token is invalid or has expired",
            )));
        };
        self.open_session(&mut inner, user, LoginMode::Delegated, 35)
    }

    fn open_session(
        &self,
        inner: &mut Inner,
        user: usize,
        mode: LoginMode,
        application_type: i64,
    ) -> Result<NewSession, MstrError> {
        self.sweep(inner);
        let held = inner.sessions.values().filter(|s| s.user == user).count();
        if held >= self.max_sessions_per_user {
            let name = inner.users[user].user.username.clone();
            return Err(self.fail(
                // The Intelligence Server's own words when the governing setting "concurrent
                // interactive project sessions per user" is reached.
                MstrError::login_failed(format!(
                    "Maximum number of interactive session per user for project exceeded \
                     (user '{name}', limit {})",
                    self.max_sessions_per_user
                ))
                .iserver(ISERVER_SESSION_LIMIT),
            ));
        }
        let token = inner.rng.string(ALNUM_LOWER, 26);
        let jsessionid = inner.rng.string(HEX_UPPER, 32);
        let lb_cookie = inner.rng.string(ALNUM_LOWER, 40);
        let now = Instant::now();
        inner.sessions.insert(
            token.clone(),
            Session {
                jsessionid: jsessionid.clone(),
                user,
                mode,
                application_type,
                created: now,
                last_used: now,
            },
        );
        self.max_open.fetch_max(
            inner.sessions.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        let counter = match mode {
            LoginMode::Standard => &self.counters.logins_standard,
            LoginMode::Ldap => &self.counters.logins_ldap,
            LoginMode::Anonymous => &self.counters.logins_anonymous,
            LoginMode::ApiToken => &self.counters.logins_api_token,
            LoginMode::Delegated => &self.counters.logins_delegated,
        };
        counter.incr();
        Ok(NewSession {
            token,
            jsessionid,
            lb_cookie,
        })
    }

    fn reject(&self) -> MstrError {
        self.counters.rejected_calls.incr();
        MstrError::session_invalid()
    }

    /// Checks the token header and the JSESSIONID cookie; counts the call.
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        expire_fault: bool,
    ) -> Result<Caller, MstrError> {
        let Some(token) = headers
            .get("x-mstr-authtoken")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return Err(self.reject());
        };
        let cookie = cookie_value(headers, "JSESSIONID");
        let mut inner = lock(&self.inner);
        let timeout = inner.idle_timeout;
        let now = Instant::now();
        let Some(session) = inner.sessions.get(token).cloned() else {
            return Err(self.reject());
        };
        if now.duration_since(session.last_used) > timeout || expire_fault {
            inner.sessions.remove(token);
            self.counters.sessions_expired.incr();
            return Err(self.reject());
        }
        if cookie.as_deref() != Some(session.jsessionid.as_str()) {
            return Err(self.reject());
        }
        if let Some(s) = inner.sessions.get_mut(token) {
            s.last_used = now;
        }
        self.counters.calls.incr();
        Ok(Caller {
            token: token.to_string(),
            user: inner.users[session.user].clone(),
            mode: session.mode,
            application_type: session.application_type,
            created: session.created,
        })
    }

    /// Ends the caller's session (logout or `DELETE /sessions`).
    pub fn logout(&self, caller: &Caller) {
        if lock(&self.inner).sessions.remove(&caller.token).is_some() {
            self.counters.logouts.incr();
        }
    }

    /// `PUT /sessions`: the call itself already refreshed the session.
    pub fn extend(&self) {
        self.counters.extends.incr();
    }

    /// `POST /auth/identityToken` for the caller.
    pub fn create_identity_token(&self, caller: &Caller) -> Result<String, MstrError> {
        caller.user.require(privileges::CREATE_IDENTITY_TOKEN)?;
        let mut inner = lock(&self.inner);
        let Some(user) = inner.users.iter().position(|u| u.id == caller.user.id) else {
            return Err(MstrError::not_found("User not found"));
        };
        Ok(self.insert_identity_token(&mut inner, user))
    }

    fn insert_identity_token(&self, inner: &mut Inner, user: usize) -> String {
        let token = inner.rng.string(ALNUM_LOWER, 40);
        // A configured TTL too large for the clock means "never expires" (no overflow panic).
        let far = Duration::from_secs(100 * 365 * 24 * 3600);
        let now = Instant::now();
        let expires_at = now
            .checked_add(self.identity_token_ttl)
            .or_else(|| now.checked_add(far))
            .unwrap_or(now);
        let wall = SystemTime::now();
        let expires = wall
            .checked_add(self.identity_token_ttl)
            .or_else(|| wall.checked_add(far))
            .unwrap_or(wall);
        let rec = IdentityTokenRec {
            user,
            expires_at,
            expires,
        };
        inner.identity_tokens.insert(token.clone(), rec);
        self.counters.identity_tokens_created.incr();
        token
    }

    pub fn issue_identity_token_for(&self, username: &str) -> Option<String> {
        let mut inner = lock(&self.inner);
        let user = Self::find_user(&inner, username)?;
        Some(self.insert_identity_token(&mut inner, user))
    }

    /// `GET /auth/identityToken`: the user an identity token stands for, and its expiry.
    pub fn validate_identity_token(&self, token: &str) -> Option<(UserRec, SystemTime)> {
        let inner = lock(&self.inner);
        let t = inner.identity_tokens.get(token)?;
        (t.expires_at > Instant::now()).then(|| (inner.users[t.user].clone(), t.expires))
    }

    /// The user an API-token call is about (`userId`, the caller by default), checking that
    /// the caller may manage that user's tokens.
    fn api_token_target(
        &self,
        inner: &Inner,
        caller: &Caller,
        user_id: Option<&str>,
    ) -> Result<usize, MstrError> {
        if caller.user.guest {
            return Err(MstrError::no_access(
                "(User 'Guest' cannot manage API tokens.)".to_string(),
            ));
        }
        let target_id = user_id.unwrap_or(&caller.user.id);
        let Some(user) = inner
            .users
            .iter()
            .position(|u| u.id.eq_ignore_ascii_case(target_id) && !u.guest)
        else {
            return Err(MstrError::not_found(format!(
                "User with ID '{target_id}' not found"
            )));
        };
        if inner.users[user].id != caller.user.id {
            caller.user.require(privileges::ADMINISTER_USERS)?;
        }
        Ok(user)
    }

    /// `POST /auth/apiTokens`: a new API token for `user_id` (the caller by default).
    pub fn create_api_token(
        &self,
        caller: &Caller,
        user_id: Option<&str>,
    ) -> Result<(String, ApiTokenRec), MstrError> {
        let mut inner = lock(&self.inner);
        let user = self.api_token_target(&inner, caller, user_id)?;
        let token = inner.rng.string(ALNUM_LOWER, 48);
        let now = SystemTime::now();
        let rec = ApiTokenRec {
            id: inner.rng.string(HEX_UPPER, 32),
            user,
            created: now,
            expires: Some(now + API_TOKEN_TTL),
        };
        inner.api_tokens.insert(token.clone(), rec.clone());
        self.counters.api_tokens_created.incr();
        Ok((token, rec))
    }

    /// `GET /auth/apiTokens`: the tokens of `user_id` (the caller by default).
    pub fn list_api_tokens(
        &self,
        caller: &Caller,
        user_id: Option<&str>,
    ) -> Result<Vec<(ApiTokenRec, String)>, MstrError> {
        let inner = lock(&self.inner);
        let user = self.api_token_target(&inner, caller, user_id)?;
        let mut list: Vec<(ApiTokenRec, String)> = inner
            .api_tokens
            .values()
            .filter(|t| t.user == user)
            .map(|t| (t.clone(), inner.users[user].id.clone()))
            .collect();
        list.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        Ok(list)
    }

    /// `DELETE /auth/apiTokens`: revokes every token of `user_id` (the caller by default).
    pub fn revoke_api_tokens(
        &self,
        caller: &Caller,
        user_id: Option<&str>,
    ) -> Result<usize, MstrError> {
        let mut inner = lock(&self.inner);
        let user = self.api_token_target(&inner, caller, user_id)?;
        let before = inner.api_tokens.len();
        inner.api_tokens.retain(|_, t| t.user != user);
        Ok(before - inner.api_tokens.len())
    }

    /// `GET /auth/token`: the token of the session whose JSESSIONID cookie is presented.
    pub fn token_for_cookie(&self, headers: &HeaderMap) -> Result<String, MstrError> {
        let Some(cookie) = cookie_value(headers, "JSESSIONID") else {
            return Err(self.reject());
        };
        let mut inner = lock(&self.inner);
        self.sweep(&mut inner);
        let found = inner
            .sessions
            .iter()
            .find(|(_, s)| s.jsessionid == cookie)
            .map(|(t, _)| t.clone());
        drop(inner);
        match found {
            Some(t) => {
                self.counters.calls.incr();
                Ok(t)
            }
            None => Err(self.reject()),
        }
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}
