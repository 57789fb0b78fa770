//! AWS Secrets Manager and SSM Parameter Store through the official SDK, against moto's server.
//!
//! Needs `moto_server` (`pip install 'moto[server]'`), on PATH or named by `BI_REST_MOTO_SERVER`. Without it the moto test is
//! skipped with a loud message, unless `BI_REST_REQUIRE_MOTO` is set (CI), where it fails.
#![cfg(feature = "aws")]

#[path = "support/json_secret.rs"]
mod json_secret;
#[path = "support/credentials_log.rs"]
mod log_capture;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::SdkConfig;
use bi_rest::credentials::aws::{load_sdk_config, SecretsManagerSource, SsmParameterSource};
use bi_rest::credentials::{
    resolution_round, Credential, CredentialError, CredentialErrorKind, JsonField, SharedSecret,
};
use secrecy::ExposeSecret;

/// A moto server child process, killed on drop.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `moto_server` on 127.0.0.1, or returns None (skip) when it is not installed.
fn start_moto(extra_env: &[(&str, &str)]) -> Option<Moto> {
    let port = free_port();
    // CI (scripts/test.sh) installs moto into a venv and names the binary here.
    let program = std::env::var("BI_REST_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
    let mut cmd = Command::new(&program);
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::env::var_os("BI_REST_REQUIRE_MOTO").is_some() {
                panic!("{program} not found but BI_REST_REQUIRE_MOTO is set: pip install 'moto[server]'");
            }
            eprintln!(
                "\n!!!!!!!!!! SKIPPED: {program} not found; the AWS store tests did NOT run.\n\
                 !!!!!!!!!! Install with: pip install 'moto[server]' (set BI_REST_REQUIRE_MOTO=1 to make this fatal)\n"
            );
            return None;
        }
        Err(e) => panic!("cannot start {program}: {e}"),
    };
    let moto = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    for _ in 0..300 {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return Some(moto);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto_server did not listen on {addr} within 30s");
}

/// The tests point the SDK's default chain at their moto through process-wide environment
/// variables (`config_for`), so they run one at a time.
static ENV_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The SDK config for `endpoint`, with one attempt (no retries) so error tests are fast.
async fn config_for(endpoint: &str, key_id: &str) -> SdkConfig {
    std::env::set_var("AWS_ACCESS_KEY_ID", key_id);
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing-secret-key");
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::set_var("BI_REST_AWS_ENDPOINT_URL", endpoint);
    load_sdk_config()
        .await
        .into_builder()
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build()
}

fn kind_of(r: Result<secrecy::SecretString, CredentialError>) -> CredentialErrorKind {
    r.expect_err("expected an error").kind
}

const SECRETS: &[&str] = &["aws-pw-1", "aws-pw-2", "ssm-token-1", "ssm-token-2"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_manager_and_ssm_through_the_sdk_with_rotation_and_errors() {
    log_capture::install();
    let _env = ENV_LOCK.lock().await;
    let Some(moto) = start_moto(&[]) else { return };
    let config = config_for(&moto.url, "testing").await;

    // Seed the store with the official SDK (the "admin" side).
    let sm = aws_sdk_secretsmanager::Client::new(&config);
    sm.create_secret()
        .name("bi/prod")
        .secret_string(r#"{"base_url":"https://bi.example.com/MicroStrategyLibrary","username":"svc-bi","password":"aws-pw-1"}"#)
        .send()
        .await
        .unwrap();
    let ssm = aws_sdk_ssm::Client::new(&config);
    ssm.put_parameter()
        .name("/bi/api-token")
        .value("ssm-token-1")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();

    // The CLI path: specs parsed from strings, default chain + BI_REST_AWS_ENDPOINT_URL.
    let base = Credential::parse("aws-sm:bi/prod#base_url").unwrap();
    let user = Credential::parse("aws-sm:bi/prod#username").unwrap();
    let pass = Credential::parse("aws-sm:bi/prod#password").unwrap();
    let token = Credential::parse("aws-ssm:/bi/api-token").unwrap();
    let login = || async {
        resolution_round(async {
            (
                base.resolve().await.unwrap().expose_secret().to_string(),
                user.resolve().await.unwrap().expose_secret().to_string(),
                pass.resolve().await.unwrap().expose_secret().to_string(),
                token.resolve().await.unwrap().expose_secret().to_string(),
            )
        })
        .await
    };
    let first = login().await;
    assert_eq!(
        first,
        (
            "https://bi.example.com/MicroStrategyLibrary".to_string(),
            "svc-bi".to_string(),
            "aws-pw-1".to_string(),
            "ssm-token-1".to_string()
        )
    );

    // Rotate both in the store; the next login (re-login) sees the new values.
    sm.put_secret_value()
        .secret_id("bi/prod")
        .secret_string(r#"{"base_url":"https://bi.example.com/MicroStrategyLibrary","username":"svc-bi","password":"aws-pw-2"}"#)
        .send()
        .await
        .unwrap();
    ssm.put_parameter()
        .name("/bi/api-token")
        .value("ssm-token-2")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .unwrap();
    let second = login().await;
    assert_eq!(second.2, "aws-pw-2");
    assert_eq!(second.3, "ssm-token-2");

    // One fetch for three fields per login, counted on the shared secret.
    let shared = SharedSecret::new(Arc::new(SecretsManagerSource::with_config(
        "bi/prod",
        config.clone(),
    )));
    let fields = json_secret::fields(&shared, &["base_url", "username", "password"]);
    for round in 1..=2u64 {
        json_secret::resolve_round(&fields).await;
        assert_eq!(shared.fetch_count(), round, "one fetch per login");
    }

    // Error cases, each classified.
    let e = Credential::parse("aws-sm:bi/missing")
        .unwrap()
        .resolve()
        .await
        .unwrap_err();
    assert!(matches!(e.kind, CredentialErrorKind::NotFound(_)), "{e}");
    assert!(
        e.to_string()
            .starts_with("credential source aws-sm:bi/missing: not found"),
        "{e}"
    );
    assert_eq!(
        kind_of(
            Credential::parse("aws-sm:bi/prod#api_token")
                .unwrap()
                .resolve()
                .await
        ),
        CredentialErrorKind::NoSuchField("api_token".into())
    );
    let e = Credential::source(SsmParameterSource::with_config(
        "/bi/missing",
        config.clone(),
    ))
    .resolve()
    .await
    .unwrap_err();
    assert!(matches!(e.kind, CredentialErrorKind::NotFound(_)), "{e}");

    // Access denied: a second moto with IAM access control on, unknown access key.
    let strict = start_moto(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]).expect("moto present");
    let denied_cfg = config_for(&strict.url, "AKIAUNKNOWNKEY000000").await;
    let e = Credential::source(SecretsManagerSource::with_config(
        "bi/prod",
        denied_cfg.clone(),
    ))
    .resolve()
    .await
    .unwrap_err();
    assert!(
        matches!(e.kind, CredentialErrorKind::AccessDenied(_)),
        "{e}"
    );
    let e2 = Credential::source(SsmParameterSource::with_config("/bi/api-token", denied_cfg))
        .resolve()
        .await
        .unwrap_err();
    assert!(
        matches!(e2.kind, CredentialErrorKind::AccessDenied(_)),
        "{e2}"
    );

    // Unreachable: nothing listens on a just-freed port.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let dead_cfg = config_for(&dead, "testing").await;
    let e3 = Credential::source(SecretsManagerSource::with_config("bi/prod", dead_cfg))
        .resolve()
        .await
        .unwrap_err();
    assert!(
        matches!(e3.kind, CredentialErrorKind::Unreachable(_)),
        "{e3}"
    );

    // No secret in any error (Display and Debug) or in anything logged (TRACE, SDK included).
    for err in [&e, &e2, &e3] {
        for text in [err.to_string(), format!("{err:?}")] {
            for s in SECRETS {
                assert!(!text.contains(s), "{text}");
            }
        }
    }
    log_capture::assert_no_secret_logged(SECRETS);
    assert!(
        log_capture::captured().contains("aws-sm:bi/prod#password"),
        "resolves are logged by name"
    );
}

/// Rotation end to end through a vendor's re-login: the Looker client id and secret live in one
/// JSON secret in Secrets Manager (moto); the secret is rotated in the store and on the server
/// (the old one stops working), every session is expired, and the next call re-logs in once
/// with the new secret, fetched once for both fields.
#[cfg(all(feature = "looker", feature = "sim"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_secret_is_used_by_the_next_vendor_relogin() {
    use bi_rest::looker::{LookerClient, LookerSettings};
    use bi_rest::sim::looker::{self as looker_sim, LookerSimConfig, ADMIN_CLIENT_ID};

    let _env = ENV_LOCK.lock().await;
    let Some(moto) = start_moto(&[]) else { return };
    let config = config_for(&moto.url, "testing").await;
    let sm = aws_sdk_secretsmanager::Client::new(&config);
    let secret_json =
        |secret: &str| format!(r#"{{"client_id":"{ADMIN_CLIENT_ID}","client_secret":"{secret}"}}"#);
    sm.create_secret()
        .name("bi/looker")
        .secret_string(secret_json("sim-admin-secret"))
        .send()
        .await
        .unwrap();

    let sim = looker_sim::start(LookerSimConfig::default()).await.unwrap();
    let shared = SharedSecret::new(Arc::new(SecretsManagerSource::with_config(
        "bi/looker",
        config.clone(),
    )));
    let field = |f: &str| Credential::source(JsonField::field(shared.clone(), f));
    let lc = LookerClient::new(LookerSettings::new(
        &sim.base_url(),
        field("client_id"),
        field("client_secret"),
    ))
    .unwrap();
    let c = lc.generated_4_0();
    c.me().send().await.expect("first call logs in");
    assert_eq!(shared.fetch_count(), 1, "one fetch for both fields");

    // Rotate: store first, then the server (the old secret is now refused).
    sm.put_secret_value()
        .secret_id("bi/looker")
        .secret_string(secret_json("rotated-secret-2"))
        .send()
        .await
        .unwrap();
    sim.rotate_secret(ADMIN_CLIENT_ID, "rotated-secret-2");
    sim.expire_all();

    c.me()
        .send()
        .await
        .expect("re-login with the rotated secret");
    assert_eq!(
        shared.fetch_count(),
        2,
        "the re-login fetched the secret again, once"
    );
    let stats = sim.stats();
    assert_eq!(
        (stats.logins, stats.failed_logins),
        (2, 0),
        "exactly one re-login, never with the old secret"
    );
    // The server refuses the old secret since the rotation: the re-login succeeded with the new one.
    lc.close().await.unwrap();
    assert_eq!(sim.stats().live_tokens, 0);
}
