//! Configuration of the MicroStrategy simulator: users, timeouts, caps, faults, seed.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::sim::faults::Faults;
use crate::sim::SimError;

/// Privilege names the simulator checks (names as the vendor's privilege list spells them;
/// the numeric ids in `GET /sessions/privileges` are assigned by the simulator).
pub mod privileges {
    /// Needed for report and cube instances.
    pub const WEB_RUN_REPORT: &str = "Web run report";
    /// Needed for `GET /searches/results`.
    pub const USE_OBJECT_SEARCH: &str = "Use object search";
    /// Needed for the dataset push API.
    pub const CREATE_DATASET: &str = "Web import data";
    /// Needed for `/model/...` (modeling service) endpoints.
    pub const USE_ARCHITECT: &str = "Use Architect editors";
    /// Needed to read server settings (`GET /v2/iserver/settings`).
    pub const CONFIGURE_SERVER: &str = "Configure server basic";
    /// Needed to create API tokens for other users.
    pub const ADMINISTER_USERS: &str = "Create and edit users and groups";
    /// Needed to create identity tokens.
    pub const CREATE_IDENTITY_TOKEN: &str = "Use identity token";

    /// Every privilege the simulator knows, with its simulator id.
    pub const ALL: &[(u32, &str)] = &[
        (3, WEB_RUN_REPORT),
        (26, USE_OBJECT_SEARCH),
        (202, CREATE_DATASET),
        (220, USE_ARCHITECT),
        (115, CONFIGURE_SERVER),
        (122, ADMINISTER_USERS),
        (290, CREATE_IDENTITY_TOKEN),
    ];

    /// The privileges of the built-in guest user.
    pub const GUEST: &[&str] = &[WEB_RUN_REPORT, USE_OBJECT_SEARCH];
}

/// How a user authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKind {
    /// A metadata user with a password (loginMode 1).
    Standard,
    /// A user authenticated by the LDAP directory (loginMode 16).
    Ldap,
}

/// A user of the simulated server.
#[derive(Debug, Clone)]
pub struct SimUser {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) kind: UserKind,
    pub(crate) full_name: String,
    pub(crate) privileges: BTreeSet<String>,
    pub(crate) api_tokens: Vec<String>,
    pub(crate) denied_projects: BTreeSet<String>,
}

impl SimUser {
    fn new(username: &str, password: &str, kind: UserKind) -> Self {
        SimUser {
            username: username.to_string(),
            password: password.to_string(),
            kind,
            full_name: username.to_string(),
            privileges: privileges::ALL
                .iter()
                .map(|(_, p)| (*p).to_string())
                .collect(),
            api_tokens: Vec::new(),
            denied_projects: BTreeSet::new(),
        }
    }

    /// A standard (metadata) user with every privilege.
    pub fn standard(username: &str, password: &str) -> Self {
        SimUser::new(username, password, UserKind::Standard)
    }

    /// An LDAP user with every privilege; logs in with loginMode 16 only.
    pub fn ldap(username: &str, password: &str) -> Self {
        SimUser::new(username, password, UserKind::Ldap)
    }

    /// Sets the display name (`fullName`).
    pub fn full_name(mut self, name: &str) -> Self {
        self.full_name = name.to_string();
        self
    }

    /// Replaces the privileges (see [`privileges`]).
    pub fn privileges<I, S>(mut self, privileges: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.privileges = privileges.into_iter().map(Into::into).collect();
        self
    }

    /// Removes one privilege.
    pub fn without_privilege(mut self, privilege: &str) -> Self {
        self.privileges.remove(privilege);
        self
    }

    /// Adds an API token that logs this user in with loginMode 4096.
    pub fn api_token(mut self, token: &str) -> Self {
        self.api_tokens.push(token.to_string());
        self
    }

    /// Denies this user access to a project (403 `ERR017` on project-scoped calls).
    pub fn deny_project(mut self, project_id: &str) -> Self {
        self.denied_projects.insert(project_id.to_string());
        self
    }

    /// The login name.
    pub fn username(&self) -> &str {
        &self.username
    }
}

/// Simulator configuration (builder style). The default has the users
/// `administrator`/`admin-pass` (standard, API token [`MstrSimConfig::DEFAULT_API_TOKEN`]),
/// `ldapuser`/`ldap-pass` (LDAP) and `analyst`/`analyst-pass` (standard, without
/// "Web import data", "Configure server basic" and "Create and edit users and groups"),
/// guest login allowed, idle timeout 600 s, 10 sessions per user, identity tokens valid
/// 300 s, no faults, seed 0, any free port.
#[derive(Debug, Clone)]
pub struct MstrSimConfig {
    pub(crate) users: Vec<SimUser>,
    pub(crate) allow_guest: bool,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_sessions_per_user: usize,
    pub(crate) login_delay: Duration,
    pub(crate) identity_token_ttl: Duration,
    pub(crate) faults: Faults,
    pub(crate) seed: u64,
    pub(crate) port: u16,
    pub(crate) server_version: String,
    pub(crate) answer_shape: crate::sim::AnswerShape,
    pub(crate) recorder: Option<std::sync::Arc<crate::sim::record::Recorder>>,
}

impl Default for MstrSimConfig {
    fn default() -> Self {
        MstrSimConfig {
            users: vec![
                SimUser::standard("administrator", "admin-pass")
                    .full_name("Administrator")
                    .api_token(Self::DEFAULT_API_TOKEN),
                SimUser::ldap("ldapuser", "ldap-pass").full_name("LDAP User"),
                SimUser::standard("analyst", "analyst-pass")
                    .full_name("Analyst")
                    .without_privilege(privileges::CREATE_DATASET)
                    .without_privilege(privileges::CONFIGURE_SERVER)
                    .without_privilege(privileges::ADMINISTER_USERS),
            ],
            allow_guest: true,
            idle_timeout: Duration::from_secs(600),
            max_sessions_per_user: 10,
            login_delay: Duration::ZERO,
            identity_token_ttl: Duration::from_secs(300),
            faults: Faults::none(),
            seed: 0,
            port: 0,
            server_version: Self::DEFAULT_SERVER_VERSION.into(),
            answer_shape: crate::sim::AnswerShape::Documented,
            recorder: None,
        }
    }
}

impl MstrSimConfig {
    /// The API token of the default `administrator` user.
    pub const DEFAULT_API_TOKEN: &'static str = "sim-api-token-administrator";

    /// The server version reported by default: a current Strategy One release, which the
    /// official SDK (mstrio-py 11.6) accepts for all its calls.
    pub const DEFAULT_SERVER_VERSION: &'static str = "11.6.1000.0101";

    /// A configuration with no users at all (add them with [`MstrSimConfig::user`]); other
    /// settings as in the default.
    pub fn empty() -> Self {
        MstrSimConfig {
            users: Vec::new(),
            ..MstrSimConfig::default()
        }
    }

    /// Adds a user, replacing any user of the same name.
    pub fn user(mut self, user: SimUser) -> Self {
        self.users
            .retain(|u| !u.username.eq_ignore_ascii_case(&user.username));
        self.users.push(user);
        self
    }

    /// Allows or refuses anonymous (guest) login, loginMode 8.
    pub fn allow_guest(mut self, allow: bool) -> Self {
        self.allow_guest = allow;
        self
    }

    /// The shape of `GET /sessions` and `GET /sessions/userInfo` answers: with
    /// [`AnswerShape::Variant`](crate::sim::AnswerShape::Variant) numbers come as text
    /// (`"timeout": "600"`), `fullName` as an object, `metadataUser` as `"true"`, and
    /// undocumented fields are added.
    pub fn answer_shape(mut self, shape: crate::sim::AnswerShape) -> Self {
        self.answer_shape = shape;
        self
    }

    /// A session unused for longer than this expires (401 `ERR009` on its next use).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// How many sessions one user may hold at once (at least 1).
    pub fn max_sessions_per_user(mut self, max: usize) -> Self {
        self.max_sessions_per_user = max;
        self
    }

    /// How long each login and delegation takes before it is answered (default none), to
    /// show what happens while one is in flight; changeable with
    /// [`RunningMstrSim::set_login_delay`](crate::sim::mstr::RunningMstrSim::set_login_delay).
    pub fn login_delay(mut self, delay: Duration) -> Self {
        self.login_delay = delay;
        self
    }

    /// How long an identity token stays valid.
    pub fn identity_token_ttl(mut self, ttl: Duration) -> Self {
        self.identity_token_ttl = ttl;
        self
    }

    /// Fault rates from the start (they can be changed while running).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Seed of the generator behind tokens, ids and fault decisions.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Port on 127.0.0.1 to bind (0 = any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The version `GET /status` reports as `webVersion` and `iServerVersion`
    /// (default [`MstrSimConfig::DEFAULT_SERVER_VERSION`]).
    pub fn server_version(mut self, version: &str) -> Self {
        self.server_version = version.to_string();
        self
    }

    /// Records every exchange served (see [`crate::sim::record`]).
    pub fn recorder(mut self, recorder: std::sync::Arc<crate::sim::record::Recorder>) -> Self {
        self.recorder = Some(recorder);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), SimError> {
        if self.max_sessions_per_user == 0 {
            return Err(SimError::Config {
                setting: "max_sessions_per_user".into(),
                reason: "must be at least 1".into(),
            });
        }
        if self.idle_timeout.is_zero() {
            return Err(SimError::Config {
                setting: "idle_timeout".into(),
                reason: "must be longer than zero".into(),
            });
        }
        let mut names = BTreeSet::new();
        for u in &self.users {
            if !names.insert(u.username.to_ascii_lowercase()) {
                return Err(SimError::Config {
                    setting: "users".into(),
                    reason: format!("user `{}` is defined twice", u.username),
                });
            }
        }
        Ok(())
    }
}
