//! `bi-rest looker ...`: the Looker commands.
//!
//! Settings come the way the official SDKs read them (looker.ini, then `LOOKERSDK_*` variables
//! over it); command-line flags override both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bi_rest::auth::Auth;
use bi_rest::credentials::Credential;
use bi_rest::error::Error;
use bi_rest::looker::settings::{EnvLookup, ENV_PREFIX};
use bi_rest::looker::{ApiVersion, LookerClient, LookerSettings, SettingsError};
use clap::{Args, Subcommand};

use super::body::usage;
use super::common::{
    principal_of, run_api, run_call, secret_arg, with_session, ApiArgs, CallArgs, CliSession,
    HttpArgs,
};
use super::dynamic::OpTable;
use super::missing::NotGiven;

/// Options of `bi-rest looker`.
#[derive(Debug, Args)]
pub struct LookerArgs {
    /// Server root, e.g. https://example.looker.com:19999 (overrides looker.ini and
    /// LOOKERSDK_BASE_URL).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Where the API3 client id comes from: env:NAME, file:PATH, cmd:COMMAND, prompt, - (stdin),
    /// or a secret store (overrides looker.ini and LOOKERSDK_CLIENT_ID).
    #[arg(long, value_name = "SOURCE")]
    pub client_id: Option<String>,
    /// Where the API3 client secret comes from (overrides looker.ini and
    /// LOOKERSDK_CLIENT_SECRET).
    #[arg(long, value_name = "SOURCE")]
    pub client_secret: Option<String>,
    /// The API version: 3.0, 3.1 or 4.0.
    #[arg(long, value_name = "VERSION", default_value = "4.0", value_parser = parse_version)]
    pub api_version: ApiVersion,
    /// The looker.ini file (default: ./looker.ini when it exists).
    #[arg(long, value_name = "PATH")]
    pub ini: Option<PathBuf>,
    /// The looker.ini section (default: the first one).
    #[arg(long, value_name = "NAME")]
    pub section: Option<String>,
    /// Run the command as this user (sudo; the sudo token is logged out afterwards).
    #[arg(long, value_name = "USER_ID")]
    pub sudo: Option<String>,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(subcommand)]
    pub command: LookerCommand,
}

/// The commands of `bi-rest looker`.
#[derive(Debug, Subcommand)]
pub enum LookerCommand {
    /// Log in (with --session-file: keep the session for later commands).
    Login,
    /// The user the session acts as (GET /user).
    Whoami,
    /// Log out and remove the session file.
    Logout,
    /// Call any generated operation by id.
    Call(CallArgs),
    /// A raw authenticated request.
    Api(ApiArgs),
}

fn parse_version(s: &str) -> Result<ApiVersion, String> {
    s.parse::<ApiVersion>().map_err(|e| e.to_string())
}

impl CliSession for LookerClient {
    fn auth(&self) -> &Auth {
        LookerClient::auth(self)
    }
    fn restore(&self, path: &Path) -> Result<(), Error> {
        LookerClient::auth(self).restore_session(path)
    }
    async fn save(&self, path: &Path) -> Result<(), Error> {
        LookerClient::auth(self).save_session(path).await
    }
    async fn close(&self) -> Result<(), Error> {
        LookerClient::close(self).await
    }
}

/// Placeholder put into the settings for a value given on the command line (replaced after
/// loading); never sent anywhere.
const FROM_FLAG: &str = "<from the command line>";

/// The process environment with command-line values laid over it.
struct Overlay(BTreeMap<String, String>);

impl EnvLookup for Overlay {
    fn var(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    }
}

fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}_{}", key.to_uppercase())
}

/// Resolves the settings: looker.ini, `LOOKERSDK_*` over it, flags over both. A restored session
/// needs neither credentials nor a base URL (the session file has its API root).
pub fn settings(args: &LookerArgs) -> Result<LookerSettings, Error> {
    let restoring = args.http.session_file.as_deref().is_some_and(Path::exists);
    let client_id = secret_arg("--client-id", args.client_id.as_deref(), None)?;
    let client_secret = secret_arg("--client-secret", args.client_secret.as_deref(), None)?;
    let mut vars = BTreeMap::new();
    if let Some(url) = &args.base_url {
        vars.insert(env_name("base_url"), url.clone());
    }
    if client_id.is_some() {
        vars.insert(env_name("client_id"), FROM_FLAG.to_string());
    }
    if client_secret.is_some() {
        vars.insert(env_name("client_secret"), FROM_FLAG.to_string());
    }
    let mut missing_secrets: Vec<&'static str> = Vec::new();
    // Each pass may fill one more missing value from the session file: bounded.
    for _ in 0..4 {
        let env = Arc::new(Overlay(vars.clone()));
        match LookerSettings::load_with_env(args.ini.as_deref(), args.section.as_deref(), env) {
            Ok(mut settings) => {
                settings.api_version = args.api_version;
                if let Some(id) = &client_id {
                    settings.client_id = id.clone();
                }
                if let Some(secret) = &client_secret {
                    settings.client_secret = secret.clone();
                }
                for &key in &missing_secrets {
                    let cred = Credential::source(NotGiven {
                        name: key,
                        hint: format!(
                            "pass --{} SOURCE or set {}",
                            key.replace('_', "-"),
                            env_name(key)
                        ),
                    });
                    match key {
                        "client_id" => settings.client_id = cred,
                        _ => settings.client_secret = cred,
                    }
                }
                return Ok(settings);
            }
            Err(SettingsError::Missing(key)) if restoring => {
                let value = match key.as_str() {
                    "base_url" => saved_server_root(args)?.ok_or_else(|| {
                        usage("no base URL: pass --base-url URL or set LOOKERSDK_BASE_URL")
                    })?,
                    "client_id" => {
                        missing_secrets.push("client_id");
                        FROM_FLAG.to_string()
                    }
                    "client_secret" => {
                        missing_secrets.push("client_secret");
                        FROM_FLAG.to_string()
                    }
                    _ => return Err(usage(format!("missing setting {key}"))),
                };
                vars.insert(env_name(&key), value);
            }
            Err(e) => return Err(usage(e.to_string())),
        }
    }
    Err(usage("cannot resolve the Looker settings"))
}

/// The server root of the saved session (its API root without `/api/x.y`).
fn saved_server_root(args: &LookerArgs) -> Result<Option<String>, Error> {
    let root = super::session_file_base_url(args.http.session_file.as_deref())?;
    Ok(root.map(|r| {
        let r = r.trim_end_matches('/');
        match r.rfind("/api/") {
            Some(i) => r[..i].to_string(),
            None => r.to_string(),
        }
    }))
}

/// Builds the (admin) client from the options.
pub fn client(args: &LookerArgs) -> Result<LookerClient, Error> {
    let settings = settings(args)?;
    let mut http = args.http.http_config();
    if !settings.verify_ssl && !args.http.insecure {
        tracing::warn!("Looker TLS certificate verification is disabled (verify_ssl)");
        http = http.danger_accept_invalid_certs(true);
    }
    if args.http.timeout.is_none() {
        http = http.request_timeout(Some(settings.timeout));
    }
    LookerClient::builder(settings).http(http).build()
}

/// The generated operations of `version`, for `call`.
#[allow(unreachable_patterns)]
fn operations(version: ApiVersion) -> Result<OpTable, Error> {
    match version {
        #[cfg(feature = "looker-4_0")]
        ApiVersion::V4_0 => Ok(OpTable {
            find: bi_rest::generated::looker_4_0::operations::find,
            all: bi_rest::generated::looker_4_0::operations::ALL,
        }),
        #[cfg(feature = "looker-3_1")]
        ApiVersion::V3_1 => Ok(OpTable {
            find: bi_rest::generated::looker_3_1::operations::find,
            all: bi_rest::generated::looker_3_1::operations::ALL,
        }),
        #[cfg(feature = "looker-3_0")]
        ApiVersion::V3_0 => Ok(OpTable {
            find: bi_rest::generated::looker_3_0::operations::find,
            all: bi_rest::generated::looker_3_0::operations::ALL,
        }),
        other => Err(usage(format!(
            "this bi-rest was built without the Looker {other} client (cargo feature looker-{})",
            other.as_str().replace('.', "_")
        ))),
    }
}

/// Runs `bi-rest looker ...`.
pub async fn run(args: LookerArgs) -> Result<serde_json::Value, Error> {
    let client = client(&args)?;
    let principal = args.client_id.as_deref().map(principal_of);
    args.http
        .store
        .attach(client.auth(), principal.as_deref())?;
    let session_file = args.http.session_file.clone();
    let is_logout = matches!(args.command, LookerCommand::Logout);
    with_session(&client, session_file.as_deref(), is_logout, || async {
        if is_logout {
            return Ok(serde_json::json!({ "logged_out": true }));
        }
        let sudo = match &args.sudo {
            Some(user_id) => Some(client.login_user(user_id).await?),
            None => None,
        };
        let active = sudo.as_ref().unwrap_or(&client);
        let result = command(active, &args).await;
        match sudo {
            Some(sudo) => {
                let closed = sudo.close().await;
                let value = result?;
                closed?;
                Ok(value)
            }
            None => result,
        }
    })
    .await
}

/// One command in the session `client` (the admin's or a sudo session).
async fn command(client: &LookerClient, args: &LookerArgs) -> Result<serde_json::Value, Error> {
    match &args.command {
        LookerCommand::Login => {
            client.login().await?;
            Ok(serde_json::json!({
                "logged_in": true,
                "api_root": client.api_root(),
                "api_version": client.api_version().as_str(),
                "sudo": client.sudo_user_id(),
            }))
        }
        LookerCommand::Whoami => client.me().await,
        LookerCommand::Logout => Ok(serde_json::json!({ "logged_out": true })),
        LookerCommand::Call(call) => {
            let table = operations(client.api_version())?;
            run_call(client.auth(), table, call).await
        }
        LookerCommand::Api(api) => run_api(client.auth(), api).await,
    }
}
