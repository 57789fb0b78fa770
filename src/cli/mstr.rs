//! `bi-rest mstr ...`: the MicroStrategy / Strategy One commands.

use std::path::Path;

use bi_rest::auth::Auth;
use bi_rest::error::Error;
use bi_rest::mstr::{LoginMode, MstrClient, ProjectRef};
use clap::{Args, Subcommand, ValueEnum};

use super::body::usage;
use super::common::{
    principal_of, run_api, run_call, secret_arg, with_session, ApiArgs, CallArgs, CliSession,
    HttpArgs,
};

/// Options of `bi-rest mstr`.
#[derive(Debug, Args)]
pub struct MstrArgs {
    /// API root, e.g. https://host/MicroStrategyLibrary/api.
    #[arg(long, env = "MSTR_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Login name (standard and LDAP modes).
    #[arg(long, env = "MSTR_USERNAME", value_name = "NAME")]
    pub username: Option<String>,
    /// Where the password comes from: env:NAME, file:PATH, cmd:COMMAND, prompt, - (stdin), or a
    /// secret store. MSTR_PASSWORD holds the value itself.
    #[arg(long, value_name = "SOURCE")]
    pub password: Option<String>,
    /// How to log in.
    #[arg(long, value_enum, default_value_t = MstrLoginMode::Standard)]
    pub login_mode: MstrLoginMode,
    /// Where the API token comes from (login mode api-token).
    #[arg(long, value_name = "SOURCE")]
    pub api_token: Option<String>,
    /// Where the identity token comes from (login mode identity-token).
    #[arg(long, value_name = "SOURCE")]
    pub identity_token: Option<String>,
    /// Select a project by name (sent as X-MSTR-ProjectID).
    #[arg(long, value_name = "NAME", conflicts_with = "project_id")]
    pub project: Option<String>,
    /// Select a project by id.
    #[arg(long, value_name = "ID")]
    pub project_id: Option<String>,
    /// The application type sent at login.
    #[arg(long, value_name = "N")]
    pub application_type: Option<i64>,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(subcommand)]
    pub command: MstrCommand,
}

/// MicroStrategy login modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MstrLoginMode {
    /// Standard (loginMode 1).
    Standard,
    /// LDAP (16).
    Ldap,
    /// Anonymous / guest (8).
    Anonymous,
    /// API token (4096).
    ApiToken,
    /// Delegation of an identity token (-1).
    IdentityToken,
}

/// The commands of `bi-rest mstr`.
#[derive(Debug, Subcommand)]
pub enum MstrCommand {
    /// Log in (with --session-file: keep the session for later commands).
    Login,
    /// The session's details (GET /sessions).
    Session,
    /// The logged-in user (GET /sessions/userInfo).
    Whoami,
    /// The projects the user can see.
    Projects,
    /// Log out and remove the session file.
    Logout,
    /// Call any generated operation by id.
    Call(CallArgs),
    /// A raw authenticated request.
    Api(ApiArgs),
}

impl CliSession for MstrClient {
    fn auth(&self) -> &Auth {
        MstrClient::auth(self)
    }
    fn restore(&self, path: &Path) -> Result<(), Error> {
        self.restore_session(path)
    }
    async fn save(&self, path: &Path) -> Result<(), Error> {
        self.save_session(path).await
    }
    async fn close(&self) -> Result<(), Error> {
        MstrClient::close(self).await
    }
}

/// Builds the client from the options.
pub fn client(args: &MstrArgs) -> Result<MstrClient, Error> {
    let base_url = match &args.base_url {
        Some(url) => url.clone(),
        None => super::session_file_base_url(args.http.session_file.as_deref())?
            .ok_or_else(|| usage("no API root: pass --base-url URL or set MSTR_BASE_URL"))?,
    };
    let restoring = args.http.session_file.as_deref().is_some_and(Path::exists);
    let mut builder = MstrClient::builder(base_url).http(args.http.http_config());
    if let Some(app) = args.application_type {
        builder = builder.application_type(Some(app));
    }
    if let Some(mode) = login_mode(args, restoring)? {
        builder = builder.login_mode(mode);
    }
    if let Some(name) = &args.project {
        builder = builder.project_name(name.clone());
    }
    if let Some(id) = &args.project_id {
        builder = builder.project_id(id.clone());
    }
    builder.build()
}

/// The login mode from the options. A restored session needs no credentials (without them it
/// cannot renew itself and says so when it expires).
fn login_mode(args: &MstrArgs, restoring: bool) -> Result<Option<LoginMode>, Error> {
    let need = |what: &str| -> Result<Option<LoginMode>, Error> {
        if restoring {
            Ok(None)
        } else {
            Err(usage(format!(
                "login mode {:?} needs {what}",
                args.login_mode
            )))
        }
    };
    Ok(Some(match args.login_mode {
        MstrLoginMode::Standard | MstrLoginMode::Ldap => {
            let Some(username) = args.username.clone() else {
                return need("--username (or MSTR_USERNAME)");
            };
            let Some(password) = secret_arg(
                "--password",
                args.password.as_deref(),
                Some("MSTR_PASSWORD"),
            )?
            else {
                return need("--password SOURCE (or MSTR_PASSWORD)");
            };
            if args.login_mode == MstrLoginMode::Ldap {
                LoginMode::Ldap { username, password }
            } else {
                LoginMode::Standard { username, password }
            }
        }
        MstrLoginMode::Anonymous => LoginMode::Anonymous,
        MstrLoginMode::ApiToken => {
            match secret_arg("--api-token", args.api_token.as_deref(), None)? {
                Some(token) => LoginMode::ApiToken(token),
                None => return need("--api-token SOURCE"),
            }
        }
        MstrLoginMode::IdentityToken => {
            match secret_arg("--identity-token", args.identity_token.as_deref(), None)? {
                Some(token) => LoginMode::IdentityToken(token),
                None => return need("--identity-token SOURCE"),
            }
        }
    }))
}

/// Runs `bi-rest mstr ...`.
pub async fn run(args: MstrArgs) -> Result<serde_json::Value, Error> {
    let client = client(&args)?;
    let principal = args.username.clone().or_else(|| {
        args.api_token
            .as_deref()
            .or(args.identity_token.as_deref())
            .map(principal_of)
    });
    args.http
        .store
        .attach(client.auth(), principal.as_deref())?;
    let session_file = args.http.session_file.clone();
    let is_logout = matches!(args.command, MstrCommand::Logout);
    let table = super::mstr_operations();
    with_session(&client, session_file.as_deref(), is_logout, || async {
        match &args.command {
            MstrCommand::Login => {
                let info = client.login().await?;
                if args.project.is_some() || args.project_id.is_some() {
                    select(&client, &args).await?;
                }
                Ok(serde_json::json!({
                    "logged_in": true,
                    "user": info.user,
                    "project_id": client.project_id(),
                }))
            }
            MstrCommand::Session => to_json(client.session_info().await?),
            MstrCommand::Whoami => to_json(client.user_info().await?),
            MstrCommand::Projects => to_json(client.projects().await?),
            MstrCommand::Logout => Ok(serde_json::json!({ "logged_out": true })),
            MstrCommand::Call(call) => {
                select(&client, &args).await?;
                run_call(client.auth(), table, call).await
            }
            MstrCommand::Api(api) => {
                select(&client, &args).await?;
                run_api(client.auth(), api).await
            }
        }
    })
    .await
}

/// Selects the project named on the command line, if any.
async fn select(client: &MstrClient, args: &MstrArgs) -> Result<(), Error> {
    if let Some(name) = &args.project {
        client
            .select_project(ProjectRef::name(name.clone()))
            .await?;
    } else if let Some(id) = &args.project_id {
        client.select_project(ProjectRef::id(id.clone())).await?;
    }
    Ok(())
}

fn to_json(value: impl serde::Serialize) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value).map_err(|e| {
        Error::new(
            bi_rest::error::ErrorKind::Decode,
            format!("cannot render output: {e}"),
        )
    })
}
