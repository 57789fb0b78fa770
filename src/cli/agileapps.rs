//! `bi-rest agileapps ...`: the AgileApps Cloud commands.
//!
//! Without `--session-file` a command logs in (and, in proxy mode, becomes the proxy user),
//! runs and ends every session of the stack. With it, the stack is saved (mode 0600) and reused
//! by later commands; `switch-back` pops a proxy session and saves; `logout` ends the stack and
//! removes the file.

use std::path::{Path, PathBuf};

use bi_rest::agileapps::{
    AgileAppsClient, AgileAppsConfig, Format, Identity, LoginMethod, RequestBody, SessionKind,
};
use bi_rest::credentials::Credential;
use bi_rest::error::{Error, ErrorKind};
use bi_rest::operations::{Location, Operation};
use clap::{Args, Subcommand, ValueEnum};
use reqwest::Method;

use super::body::{read_body, usage};
use super::common::{ends_with_process, interruptible, secret_arg, ApiArgs, CallArgs, HttpArgs};
use super::dynamic::OpTable;
use super::missing::NotGiven;

/// Options of `bi-rest agileapps`.
#[derive(Debug, Args)]
pub struct AgileAppsArgs {
    /// Platform URL, e.g. https://example.agileappscloud.com (the API is under /networking/rest).
    #[arg(long, env = "AGILEAPPS_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// Login name (standard, customer-support and proxy modes).
    #[arg(long, env = "AGILEAPPS_USERNAME", value_name = "NAME")]
    pub username: Option<String>,
    /// Where the password comes from: env:NAME, file:PATH, cmd:COMMAND, prompt, - (stdin), or a
    /// secret store. AGILEAPPS_PASSWORD holds the value itself.
    #[arg(long, value_name = "SOURCE")]
    pub password: Option<String>,
    /// How to log in (proxy: log in as --username, then become --proxy-user-id).
    #[arg(long, value_enum, default_value_t = AgileAppsLoginMode::Standard)]
    pub login_mode: AgileAppsLoginMode,
    /// Where the SAML assertion comes from (login mode saml).
    #[arg(long, value_name = "SOURCE")]
    pub saml_assertion: Option<String>,
    /// The tenant a customer support user enters (login mode customer-support).
    #[arg(long, value_name = "ID")]
    pub tenant_id: Option<String>,
    /// The user to become (login mode proxy).
    #[arg(long, value_name = "ID")]
    pub proxy_user_id: Option<String>,
    /// Body format on the wire (output is JSON either way).
    #[arg(long, value_enum, default_value_t = WireFormat::Json)]
    pub format: WireFormat,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(subcommand)]
    pub command: AgileAppsCommand,
}

/// AgileApps login modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgileAppsLoginMode {
    /// User name and password.
    Standard,
    /// A SAML assertion (not renewable).
    Saml,
    /// A customer support user entering a tenant.
    CustomerSupport,
    /// Standard login, then proxy login as --proxy-user-id.
    Proxy,
}

/// Request and response bodies on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WireFormat {
    /// application/json (`alt=json`).
    Json,
    /// application/xml (the platform default).
    Xml,
}

/// The commands of `bi-rest agileapps`.
#[derive(Debug, Subcommand)]
pub enum AgileAppsCommand {
    /// Log in (with --session-file: keep the sessions for later commands).
    Login,
    /// Whose session calls run in, and the session stack.
    Whoami,
    /// End every session and remove the session file.
    Logout,
    /// Leave the proxy login and return to the session below it.
    SwitchBack,
    /// Call any generated operation by id.
    Call(CallArgs),
    /// A raw authenticated request (PATH absolute, e.g. /networking/rest/user).
    Api(ApiArgs),
}

/// The connection settings from the options (the session file's URL when none is given).
fn config(args: &AgileAppsArgs) -> Result<AgileAppsConfig, Error> {
    let base_url =
        match &args.base_url {
            Some(url) => url.clone(),
            None => super::session_file_base_url(args.http.session_file.as_deref())?.ok_or_else(
                || usage("no platform URL: pass --base-url URL or set AGILEAPPS_BASE_URL"),
            )?,
        };
    let format = match args.format {
        WireFormat::Json => Format::Json,
        WireFormat::Xml => Format::Xml,
    };
    Ok(AgileAppsConfig::new(&base_url)?
        .format(format)
        .http(args.http.http_config()))
}

/// The login method from the options. A restored stack needs no credentials (without them it
/// cannot renew itself and says so when the server ends the session).
fn login_method(args: &AgileAppsArgs, restoring: bool) -> Result<LoginMethod, Error> {
    let not_given = |name: &'static str, hint: &str| -> Result<Credential, Error> {
        if restoring {
            Ok(Credential::source(NotGiven {
                name,
                hint: hint.to_string(),
            }))
        } else {
            Err(usage(format!(
                "login mode {:?} needs {hint}",
                args.login_mode
            )))
        }
    };
    let username = |hint: &str| -> Result<String, Error> {
        match &args.username {
            Some(name) => Ok(name.clone()),
            None if restoring => Ok(String::new()),
            None => Err(usage(format!(
                "login mode {:?} needs {hint}",
                args.login_mode
            ))),
        }
    };
    let password = || -> Result<Credential, Error> {
        match secret_arg(
            "--password",
            args.password.as_deref(),
            Some("AGILEAPPS_PASSWORD"),
        )? {
            Some(p) => Ok(p),
            None => not_given("password", "--password SOURCE (or AGILEAPPS_PASSWORD)"),
        }
    };
    Ok(match args.login_mode {
        AgileAppsLoginMode::Standard | AgileAppsLoginMode::Proxy => {
            if args.login_mode == AgileAppsLoginMode::Proxy
                && args.proxy_user_id.is_none()
                && !restoring
            {
                return Err(usage("login mode proxy needs --proxy-user-id ID"));
            }
            LoginMethod::Password {
                user_name: username("--username (or AGILEAPPS_USERNAME)")?,
                password: password()?,
            }
        }
        AgileAppsLoginMode::Saml => LoginMethod::Saml {
            assertion: match secret_arg("--saml-assertion", args.saml_assertion.as_deref(), None)? {
                Some(a) => a,
                None => not_given("saml_assertion", "--saml-assertion SOURCE")?,
            },
        },
        AgileAppsLoginMode::CustomerSupport => LoginMethod::CustomerSupport {
            user_name: username("--username (or AGILEAPPS_USERNAME)")?,
            password: password()?,
            tenant_id: match &args.tenant_id {
                Some(t) => t.clone(),
                None if restoring => String::new(),
                None => return Err(usage("login mode customer-support needs --tenant-id ID")),
            },
        },
    })
}

/// Logs in (and, in proxy mode, becomes the proxy user), or restores the saved stack.
async fn open(args: &AgileAppsArgs) -> Result<AgileAppsClient, Error> {
    let config = config(args)?;
    let file = args.http.session_file.as_deref().filter(|p| p.exists());
    let method = login_method(args, file.is_some())?;
    if let Some(path) = file {
        return AgileAppsClient::restore_session(config, method, path);
    }
    let principal = args.username.clone();
    let fleet = args.http.store.fleet(
        "agileapps",
        config.base_url().as_str(),
        principal.as_deref(),
    )?;
    let client =
        match fleet {
            Some(_) if args.login_mode == AgileAppsLoginMode::Proxy => return Err(usage(
                "--session-store does not share proxy sessions: use it with standard or SAML login",
            )),
            Some(fleet) => AgileAppsClient::login_in_fleet(config, method, fleet).await?,
            None => AgileAppsClient::login(config, method).await?,
        };
    if let (AgileAppsLoginMode::Proxy, Some(user)) = (args.login_mode, &args.proxy_user_id) {
        if let Err(e) = client.proxy_login(user).await {
            let _ = client.close().await;
            return Err(e);
        }
    }
    Ok(client)
}

/// Runs `bi-rest agileapps ...`.
pub async fn run(args: AgileAppsArgs) -> Result<serde_json::Value, Error> {
    let client = open(&args).await?;
    let session_file: Option<PathBuf> = args.http.session_file.clone();
    if matches!(args.command, AgileAppsCommand::Logout) {
        let closed = if client.auth().fleet().is_some() {
            client.auth().close_fleet().await
        } else {
            client.close().await
        };
        if let Some(path) = session_file.as_deref().filter(|p| p.exists()) {
            std::fs::remove_file(path)
                .map_err(|e| usage(format!("cannot remove {}: {e}", path.display())))?;
        }
        closed?;
        return Ok(serde_json::json!({ "logged_out": true }));
    }
    let result = interruptible(command(&client, &args)).await;
    match session_file.as_deref() {
        Some(path) => {
            let saved = save(&client, path);
            let value = result?;
            saved?;
            Ok(value)
        }
        None => {
            let closed = if ends_with_process(client.auth()) {
                client.auth().close_fleet().await
            } else {
                client.close().await
            };
            let value = result?;
            closed?;
            Ok(value)
        }
    }
}

/// Saves the stack and leaves the sessions to the file.
fn save(client: &AgileAppsClient, path: &Path) -> Result<(), Error> {
    let saved = client.save_session(path);
    if saved.is_ok() {
        client.detach();
    }
    saved
}

async fn command(
    client: &AgileAppsClient,
    args: &AgileAppsArgs,
) -> Result<serde_json::Value, Error> {
    match &args.command {
        AgileAppsCommand::Login => {
            let mut who = whoami(client);
            who["logged_in"] = serde_json::Value::Bool(true);
            Ok(who)
        }
        AgileAppsCommand::Whoami => Ok(whoami(client)),
        AgileAppsCommand::Logout => Ok(serde_json::json!({ "logged_out": true })),
        AgileAppsCommand::SwitchBack => {
            client.switch_back().await?;
            Ok(whoami(client))
        }
        AgileAppsCommand::Call(call) => run_call(client, call).await,
        AgileAppsCommand::Api(api) => {
            let method = Method::from_bytes(api.method.to_ascii_uppercase().as_bytes())
                .map_err(|_| usage(format!("not an HTTP method: {:?}", api.method)))?;
            let (path, query) = split_query(&api.path);
            let body = api.body.as_deref().map(request_body).transpose()?;
            send(client, method, &path, &query, body).await
        }
    }
}

/// The identity calls run as, and the stack (no session ids).
fn whoami(client: &AgileAppsClient) -> serde_json::Value {
    let stack: Vec<serde_json::Value> = client.stack().iter().map(identity_json).collect();
    let mut top = client
        .whoami()
        .map(|i| identity_json(&i))
        .unwrap_or_else(|| serde_json::json!({}));
    top["stack"] = serde_json::Value::Array(stack);
    top
}

fn identity_json(i: &Identity) -> serde_json::Value {
    let (kind, detail) = match &i.kind {
        SessionKind::Password => ("password", None),
        SessionKind::Saml => ("saml", None),
        SessionKind::CustomerSupport { tenant_id } => ("customer_support", Some(tenant_id)),
        SessionKind::Proxy { user_id } => ("proxy", Some(user_id)),
    };
    serde_json::json!({
        "user_id": i.user_id,
        "user_name": i.user_name,
        "organization_id": i.organization_id,
        "session_kind": kind,
        "session_target": detail,
        "depth": i.depth,
    })
}

/// `call OPERATION_ID`: a generated operation, sent through the session stack.
async fn run_call(client: &AgileAppsClient, args: &CallArgs) -> Result<serde_json::Value, Error> {
    use bi_rest::generated::agileapps::operations;
    let table = OpTable {
        find: operations::find,
        all: operations::ALL,
    };
    if args.operation_id == "list" {
        return Ok(serde_json::Value::from(table.ids()));
    }
    let op = table.find(&args.operation_id).ok_or_else(|| {
        usage(format!(
            "no operation {:?} in this client (`call list` prints them)",
            args.operation_id
        ))
    })?;
    let (method, path, query) = resolve(op, &args.params)?;
    let body = args.body.as_deref().map(request_body).transpose()?;
    send(client, method, &path, &query, body).await
}

/// A request's method, path and query.
type Resolved = (Method, String, Vec<(String, String)>);

/// The method, path and query of `op` with `NAME=VALUE` params filled in.
fn resolve(op: &Operation, params: &[(String, String)]) -> Result<Resolved, Error> {
    for (name, _) in params {
        match op.parameter(name) {
            None => {
                let known: Vec<&str> = op.parameters.iter().map(|p| p.name).collect();
                return Err(usage(format!(
                    "{}: no parameter {name:?} (parameters: {})",
                    op.id,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
            Some(p) if p.location == Location::Header => {
                return Err(usage(format!(
                    "{}: header parameter {name:?} is set by the session",
                    op.id
                )));
            }
            Some(_) => {}
        }
    }
    let mut path = op.path.to_string();
    let mut query = Vec::new();
    for p in op.parameters {
        let values: Vec<&str> = params
            .iter()
            .filter(|(n, _)| n == p.name)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            if p.required && p.location != Location::Header {
                return Err(usage(format!(
                    "{}: missing required parameter {:?} (--param {}=VALUE)",
                    op.id, p.name, p.name
                )));
            }
            continue;
        }
        match p.location {
            Location::Path => {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(values[0].as_bytes()).collect();
                path = path.replace(&format!("{{{}}}", p.name), &encoded.replace('+', "%20"));
            }
            Location::Query => {
                query.extend(values.iter().map(|v| (p.name.to_string(), v.to_string())))
            }
            Location::Header => {}
        }
    }
    let method = Method::from_bytes(op.method.as_bytes()).map_err(|_| {
        Error::new(
            ErrorKind::Other,
            format!("{}: bad method {}", op.id, op.method),
        )
    })?;
    Ok((method, path, query))
}

/// Splits `PATH?a=b&c=d` into the path and decoded query pairs.
fn split_query(path: &str) -> (String, Vec<(String, String)>) {
    match path.split_once('?') {
        Some((p, q)) => (
            p.to_string(),
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ),
        None => (path.to_string(), Vec::new()),
    }
}

/// A `--body`: a JSON value is sent as JSON; a JSON string holding XML (`"<platform>..."`) as
/// XML.
fn request_body(arg: &str) -> Result<RequestBody, Error> {
    let value = read_body(arg)?;
    if let serde_json::Value::String(text) = &value {
        if text.trim_start().starts_with('<') {
            return Ok(RequestBody {
                format: Format::Xml,
                bytes: text.clone().into_bytes().into(),
            });
        }
    }
    RequestBody::encode(&value, Format::Json)
}

/// Sends through the client and renders the answer: JSON as is, XML as a string.
async fn send(
    client: &AgileAppsClient,
    method: Method,
    path: &str,
    query: &[(String, String)],
    body: Option<RequestBody>,
) -> Result<serde_json::Value, Error> {
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let resp = client.request(method, &path, query, body).await?;
    if resp.body.is_empty() {
        return Ok(serde_json::json!({ "status": resp.status.as_u16() }));
    }
    match resp.format {
        Some(Format::Json) => serde_json::from_slice(&resp.body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("{path}: response is not valid JSON: {e}"),
            )
        }),
        _ => Ok(serde_json::Value::String(
            String::from_utf8_lossy(&resp.body).into_owned(),
        )),
    }
}
