//! Options and commands every vendor shares: TLS/timeouts, the session file, `call`, `api`,
//! and the session lifecycle (log in, run, log out; or reuse a saved session).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bi_rest::auth::{Auth, Fleet, FleetConfig, HttpConfig, RedirectPolicy, RetryPolicy};
use bi_rest::credentials::Credential;
use bi_rest::error::Error;
use clap::Args;

use super::body::{parse_param, read_body, usage};
use super::dynamic::{build_call, response_json, OpTable};

/// HTTP options shared by every vendor command.
#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// PEM file of extra CA certificates to trust.
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Turn TLS certificate verification OFF (logged as a warning; for test servers only).
    #[arg(long)]
    pub insecure: bool,
    /// Deadline of each call in seconds, redirects, retries and body included (default 120;
    /// Looker: the settings' `timeout`).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,
    /// Connect timeout in seconds (default 10).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub connect_timeout: Option<Duration>,
    /// Redirects: `same-origin` (default: follow within the origin, refuse others),
    /// `strip-credentials` (also follow to other origins, without any credential), `none`.
    #[arg(long, value_name = "POLICY", value_parser = parse_redirects)]
    pub redirects: Option<RedirectPolicy>,
    /// Retries of a transient failure (502/503/504/429, connection lost) of an idempotent
    /// call, with backoff (default 2; 0: never retry).
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Largest response body accepted, in MiB (default 64).
    #[arg(long, value_name = "MIB")]
    pub max_response_mib: Option<u64>,
    /// HTTP(S) proxy URL.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Keep the session in this file (mode 0600) and reuse it across invocations; `logout`
    /// ends it and removes the file. Without it, each command logs in and out.
    #[arg(long, value_name = "PATH")]
    pub session_file: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Fleet mode: one session shared by every process that uses the same store and name.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Share one session with every process using this store and --store-name:
    /// `redis://[USER:PASS@]HOST:PORT/DB`, `rediss://...` (TLS), `file:PATH` (one host) or
    /// `memory`. `logout` then ends the shared session for all of them.
    #[arg(long, value_name = "URL", conflicts_with = "session_file")]
    pub session_store: Option<String>,
    /// The fleet's name: processes with the same name share a session (default
    /// `bi-rest:VENDOR:API_ROOT:USER`).
    #[arg(long, value_name = "NAME", requires = "session_store")]
    pub store_name: Option<String>,
    /// Where the key that encrypts the stored session comes from (a source as for
    /// --password); BI_REST_STORE_KEY holds the value itself.
    #[arg(long, value_name = "SOURCE", requires = "session_store")]
    pub store_key: Option<String>,
    /// Seconds the renewal lock lives unless its holder extends it (default 10).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, requires = "session_store")]
    pub store_lock_ttl: Option<Duration>,
    /// Seconds this process's lease lives (default 60); the shared session is logged out
    /// once the last lease lapses.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, requires = "session_store")]
    pub store_lease: Option<Duration>,
    /// Seconds allowed for one store operation (default 5); a store slower than that, or
    /// down, makes this process use a session of its own.
    #[arg(long, value_name = "SECS", value_parser = parse_seconds, requires = "session_store")]
    pub store_timeout: Option<Duration>,
    /// PEM file of the CA certificates a `rediss://` store is verified against (in place of
    /// the system's roots).
    #[arg(long, value_name = "PATH", requires = "session_store")]
    pub store_ca_cert: Option<PathBuf>,
}

impl StoreArgs {
    /// The fleet these options describe, if `--session-store` was given. `principal` names
    /// the user in the default fleet name.
    pub fn fleet(
        &self,
        vendor: &str,
        base_url: &str,
        principal: Option<&str>,
    ) -> Result<Option<Fleet>, Error> {
        let Some(spec) = self.session_store.as_deref() else {
            return Ok(None);
        };
        let name = self.store_name.clone().unwrap_or_else(|| {
            format!(
                "bi-rest:{vendor}:{}:{}",
                base_url.trim_end_matches('/'),
                principal.unwrap_or("-")
            )
        });
        let key = match secret_arg(
            "--store-key",
            self.store_key.as_deref(),
            Some("BI_REST_STORE_KEY"),
        )? {
            Some(key) => key,
            // Nothing leaves the process: the key only satisfies the sealing.
            None if spec == "memory" => Credential::value(format!("memory:{}", std::process::id())),
            None => {
                return Err(usage(
                    "--session-store needs --store-key SOURCE (or BI_REST_STORE_KEY): the key \
                     the shared session is encrypted with",
                ))
            }
        };
        let mut config = FleetConfig::new(name);
        if let Some(ttl) = self.store_lock_ttl {
            config = config.lock_ttl(ttl);
        }
        if let Some(lease) = self.store_lease {
            config = config.lease(lease);
        }
        if let Some(timeout) = self.store_timeout {
            config = config.store_timeout(timeout);
        }
        let ca_pem = match &self.store_ca_cert {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                usage(format!(
                    "--store-ca-cert: cannot read {}: {e}",
                    path.display()
                ))
            })?),
            None => None,
        };
        let store = bi_rest::auth::store::open_with_ca_cert(spec, config.name(), ca_pem.as_deref())
            .map_err(|e| usage(format!("--session-store: {e}")))?;
        Ok(Some(Fleet::new(config, store, key)))
    }

    /// Attaches the fleet (if any) to `auth`.
    pub fn attach(&self, auth: &Auth, principal: Option<&str>) -> Result<(), Error> {
        match self.fleet(auth.vendor(), auth.base_url(), principal)? {
            Some(fleet) => auth.use_session_store(fleet),
            None => Ok(()),
        }
    }
}

impl HttpArgs {
    /// The auth core's HTTP configuration.
    pub fn http_config(&self) -> HttpConfig {
        let mut http = HttpConfig::new();
        if let Some(ca) = &self.ca_cert {
            http = http.ca_bundle(ca.clone());
        }
        if self.insecure {
            http = http.danger_accept_invalid_certs(true);
        }
        if let Some(timeout) = self.timeout {
            http = http.request_timeout(Some(timeout));
        }
        if let Some(timeout) = self.connect_timeout {
            http = http.connect_timeout(timeout);
        }
        if let Some(policy) = self.redirects {
            http = http.redirect_policy(policy);
        }
        if let Some(retries) = self.retries {
            http = http.retry_policy(RetryPolicy::default().with_max_retries(retries));
        }
        if let Some(mib) = self.max_response_mib {
            http = http.max_response_bytes(mib.saturating_mul(1024 * 1024));
        }
        if let Some(proxy) = &self.proxy {
            http = http.proxy(proxy.clone());
        }
        http
    }
}

/// Seconds as a positive number (`30`, `0.5`).
fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>().map(Duration::try_from_secs_f64) {
        Ok(Ok(timeout)) if !timeout.is_zero() => Ok(timeout),
        _ => Err(format!("{text:?} is not a positive number of seconds")),
    }
}

fn parse_redirects(text: &str) -> Result<RedirectPolicy, String> {
    text.parse()
}

/// `call OPERATION_ID [--param NAME=VALUE]... [--body JSON|@FILE]`.
#[derive(Debug, Clone, Args)]
pub struct CallArgs {
    /// The operation id (as generated, or as the spec spells it); `list` prints them all.
    pub operation_id: String,
    /// A parameter, `NAME=VALUE` (path, query or header; repeat for arrays).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// The request body: inline JSON, `@FILE`, or `@-` for stdin.
    #[arg(long, value_name = "JSON|@FILE")]
    pub body: Option<String>,
}

/// `api METHOD PATH [--body JSON|@FILE]`.
#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// HTTP method (GET, POST, PUT, PATCH, DELETE, ...).
    pub method: String,
    /// Path under the API root, e.g. `/sessions/userInfo` (a query string may follow).
    pub path: String,
    /// A JSON request body: inline, `@FILE`, or `@-` for stdin.
    #[arg(long, value_name = "JSON|@FILE")]
    pub body: Option<String>,
}

/// Names a principal known only by where its secret comes from (an API token's or a client
/// id's source spec) in a fleet's default name, without revealing the spec.
pub fn principal_of(spec: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(spec.as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// A secret from `--x SOURCE` or, failing that, the value of an environment variable.
pub fn secret_arg(
    flag: &str,
    source: Option<&str>,
    env_value_var: Option<&str>,
) -> Result<Option<Credential>, Error> {
    if let Some(spec) = source {
        // A source that does not parse is a usage error naming the flag (exit 2), not a
        // failed authentication: nothing was sent anywhere.
        return Credential::parse(spec)
            .map(Some)
            .map_err(|e| usage(format!("{flag}: {e}")).with_source(e));
    }
    if let Some(var) = env_value_var {
        if let Ok(value) = std::env::var(var) {
            return Ok(Some(Credential::value(value)));
        }
    }
    Ok(None)
}

/// `call`: runs any generated operation through the session.
pub async fn run_call(
    auth: &Auth,
    table: OpTable,
    args: &CallArgs,
) -> Result<serde_json::Value, Error> {
    if args.operation_id == "list" {
        return Ok(serde_json::Value::from(table.ids()));
    }
    let op = table.find(&args.operation_id).ok_or_else(|| {
        usage(format!(
            "no operation {:?} in this client (`call list` prints them)",
            args.operation_id
        ))
    })?;
    let body = args.body.as_deref().map(read_body).transpose()?;
    let request = build_call(auth, op, &args.params, body)?;
    let response = auth.send(request).await?;
    response_json(auth, response).await
}

/// `api`: a raw authenticated request.
pub async fn run_api(auth: &Auth, args: &ApiArgs) -> Result<serde_json::Value, Error> {
    let method = reqwest::Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| usage(format!("not an HTTP method: {:?}", args.method)))?;
    let mut request = auth.request(method, &args.path);
    if let Some(body) = &args.body {
        request = request.json(&read_body(body)?);
    }
    let response = auth.send(request).await?;
    response_json(auth, response).await
}

/// What the lifecycle needs from a vendor client.
pub trait CliSession {
    /// The auth core handle.
    fn auth(&self) -> &Auth;
    /// Restores a saved session (no login).
    fn restore(&self, path: &Path) -> Result<(), Error>;
    /// Saves the session (logging in first if needed).
    fn save(&self, path: &Path) -> impl Future<Output = Result<(), Error>>;
    /// Logs out.
    fn close(&self) -> impl Future<Output = Result<(), Error>>;
}

/// Runs one command with the session lifecycle the CLI promises: without a session file, the
/// command logs in, runs and logs out; with one, a saved session is reused (and renewed) and
/// saved again afterwards; `logout` ends it and removes the file. With a session store the
/// fleet's session is used and left open for the fleet; `logout` ends it for every process.
pub async fn with_session<C, F, Fut>(
    client: &C,
    session_file: Option<&Path>,
    is_logout: bool,
    run: F,
) -> Result<serde_json::Value, Error>
where
    C: CliSession,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<serde_json::Value, Error>>,
{
    if let Some(path) = session_file {
        if path.exists() {
            client.restore(path)?;
        }
    }
    if is_logout {
        let result = interruptible(run()).await;
        let closed = if client.auth().fleet().is_some() {
            client.auth().close_fleet().await
        } else {
            client.close().await
        };
        if let Some(path) = session_file {
            if path.exists() {
                std::fs::remove_file(path)
                    .map_err(|e| usage(format!("cannot remove {}: {e}", path.display())))?;
            }
        }
        closed?;
        return result;
    }
    let result = interruptible(run()).await;
    match session_file {
        Some(path) => {
            if result.is_ok() || client.auth().session_info().is_some() {
                client.save(path).await?;
            }
            result
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

/// Whether the fleet's session ends with this process: a `memory` store lives in this
/// process only, so its session is logged out at exit as without a store.
pub fn ends_with_process(auth: &Auth) -> bool {
    auth.fleet()
        .is_some_and(|fleet| fleet.store().describe() == "memory")
}

/// The signal that interrupted a command (0: none). The process then exits with 128 + it.
pub static INTERRUPTED: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Runs a command's work so that nothing it does can leave a server session open: a panic in
/// it, SIGINT or SIGTERM end it with an error, and the caller then ends the session as on any
/// other failure (logout, or save to the session file).
pub async fn interruptible<T>(work: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    use futures::FutureExt;
    let guarded = std::panic::AssertUnwindSafe(work).catch_unwind();
    tokio::select! {
        outcome = guarded => outcome.unwrap_or_else(|_| {
            Err(Error::new(
                bi_rest::error::ErrorKind::Other,
                "internal error: the command panicked; its session was ended",
            ))
        }),
        (signal, name) = shutdown_signal() => {
            INTERRUPTED.store(signal, std::sync::atomic::Ordering::SeqCst);
            Err(Error::new(
                bi_rest::error::ErrorKind::Other,
                format!("interrupted by {name}; the session was ended"),
            ))
        }
    }
}

/// Waits for SIGINT or SIGTERM (Ctrl-C elsewhere); never returns when they cannot be watched.
async fn shutdown_signal() -> (i32, &'static str) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => tokio::select! {
                _ = int.recv() => (2, "SIGINT"),
                _ = term.recv() => (15, "SIGTERM"),
            },
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        match tokio::signal::ctrl_c().await {
            Ok(()) => (2, "Ctrl-C"),
            Err(_) => std::future::pending().await,
        }
    }
}
