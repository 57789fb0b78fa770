//! Azure Key Vault through the official SDK, against a loopback HTTPS fake of
//! `GET /secrets/{name}/{version}?api-version=...` (certificate made at test time with rcgen).
//!
//! The fake speaks the Key Vault auth protocol the SDK expects: an unauthenticated first request
//! gets a 401 bearer challenge naming the resource; the SDK then asks its credential for a token
//! and retries with `Authorization: Bearer ...`. The vault host is the realistic
//! `bi-test.vault.azure.net`, pinned to 127.0.0.1 in the SDK's HTTP client, so the SDK's challenge
//! resource verification stays on.
#![cfg(feature = "azure")]

#[path = "support/json_secret.rs"]
mod json_secret;
#[path = "support/credentials_log.rs"]
mod log_capture;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::{ClientOptions, RetryOptions, Transport};
use azure_core::time::{Duration, OffsetDateTime};
use azure_security_keyvault_secrets::SecretClientOptions;
use bi_rest::credentials::azure::KeyVaultSource;
use bi_rest::credentials::{
    resolution_round, Credential, CredentialErrorKind, JsonField, SharedSecret,
};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const HOST: &str = "bi-test.vault.azure.net";
const GOOD_TOKEN: &str = "good-test-token";

#[derive(Default)]
struct Vault {
    secrets: Mutex<HashMap<String, String>>,
    gets: AtomicUsize,
    bad_api_version: AtomicUsize,
}

async fn get_secret(
    State(vault): State<Arc<Vault>>,
    Path(params): Path<Vec<(String, String)>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if query
        .get("api-version")
        .map(|v| v.is_empty())
        .unwrap_or(true)
    {
        vault.bad_api_version.fetch_add(1, Ordering::SeqCst);
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    match auth {
        None => {
            return (
                StatusCode::UNAUTHORIZED,
                [(
                    "www-authenticate",
                    "Bearer authorization=\"https://login.microsoftonline.com/tenant-id\", resource=\"https://vault.azure.net\"",
                )],
            )
                .into_response()
        }
        Some(a) if a != format!("Bearer {GOOD_TOKEN}") => {
            return (
                StatusCode::FORBIDDEN,
                Json(serde_json::json!({"error": {"code": "Forbidden", "message": "caller is not authorized"}})),
            )
                .into_response()
        }
        Some(_) => {}
    }
    vault.gets.fetch_add(1, Ordering::SeqCst);
    let name = params[0].1.clone();
    match vault.secrets.lock().unwrap().get(&name) {
        Some(v) => Json(serde_json::json!({
            "value": v,
            "id": format!("https://{HOST}/secrets/{name}/0123456789abcdef"),
            "attributes": {"enabled": true}
        }))
        .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": {"code": "SecretNotFound", "message": format!("A secret with (name/id) {name} was not found in this key vault.")}})),
        )
            .into_response(),
    }
}

/// A TLS listener for axum::serve: accepts TCP, completes the rustls handshake.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;
    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }
    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// Starts the fake vault; returns its address and the PEM of its self-signed certificate.
async fn start_vault(vault: Arc<Vault>) -> (SocketAddr, String) {
    let cert = rcgen::generate_simple_self_signed(vec![HOST.to_string()]).unwrap();
    let cert_pem = cert.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let app = Router::new()
        .route("/secrets/{name}/", get(get_secret))
        .route("/secrets/{name}/{version}", get(get_secret))
        .with_state(vault);
    let listener = TlsListener {
        tcp,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    };
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, cert_pem)
}

#[derive(Debug)]
struct StaticToken(&'static str);

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        assert_eq!(
            scopes,
            ["https://vault.azure.net/.default"],
            "scope from the challenge"
        );
        Ok(AccessToken::new(
            Secret::new(self.0),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}

/// SDK options: HTTP client trusting the test certificate with the vault host pinned to `addr`.
fn options(addr: SocketAddr, cert_pem: &str) -> SecretClientOptions {
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve(HOST, addr)
        .build()
        .unwrap();
    SecretClientOptions {
        client_options: ClientOptions {
            transport: Some(Transport::new(Arc::new(http))),
            retry: RetryOptions::none(),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn source(url: &str, addr: SocketAddr, pem: &str, token: &'static str) -> KeyVaultSource {
    KeyVaultSource::from_url(url)
        .unwrap()
        .with_credential(Arc::new(StaticToken(token)))
        .with_options(options(addr, pem))
}

const SECRETS: &[&str] = &["az-pw-1", "az-pw-2", "az-plain-token"];

#[tokio::test]
async fn key_vault_through_the_sdk_rotation_sharing_and_errors() {
    log_capture::install();
    let vault = Arc::new(Vault::default());
    vault.secrets.lock().unwrap().insert(
        "bi-prod".into(),
        r#"{"base_url":"https://looker.example.com","username":"svc","password":"az-pw-1"}"#.into(),
    );
    vault
        .secrets
        .lock()
        .unwrap()
        .insert("api-token".into(), "az-plain-token".into());
    let (addr, pem) = start_vault(vault.clone()).await;
    let port = addr.port();

    // Whole secret, both URL forms.
    let plain = Credential::source(source(
        &format!("https://{HOST}:{port}/api-token"),
        addr,
        &pem,
        GOOD_TOKEN,
    ));
    assert_eq!(
        plain.resolve().await.unwrap().expose_secret(),
        "az-plain-token"
    );
    let plain2 = Credential::source(source(
        &format!("https://{HOST}:{port}/secrets/api-token"),
        addr,
        &pem,
        GOOD_TOKEN,
    ));
    assert_eq!(
        plain2.resolve().await.unwrap().expose_secret(),
        "az-plain-token"
    );

    // Three JSON fields, one fetch per login; rotation seen at the next login.
    let shared = SharedSecret::new(Arc::new(source(
        &format!("https://{HOST}:{port}/secrets/bi-prod"),
        addr,
        &pem,
        GOOD_TOKEN,
    )));
    let fields = json_secret::fields(&shared, &["base_url", "username", "password"]);
    let login = || json_secret::resolve_round(&fields);
    let before = vault.gets.load(Ordering::SeqCst);
    assert_eq!(
        login().await,
        ["https://looker.example.com", "svc", "az-pw-1"]
    );
    assert_eq!(
        vault.gets.load(Ordering::SeqCst) - before,
        1,
        "one vault GET for three fields"
    );
    vault.secrets.lock().unwrap().insert(
        "bi-prod".into(),
        r#"{"base_url":"https://looker.example.com","username":"svc","password":"az-pw-2"}"#.into(),
    );
    assert_eq!(login().await[2], "az-pw-2");
    assert_eq!(vault.gets.load(Ordering::SeqCst) - before, 2);
    assert_eq!(shared.fetch_count(), 2);

    // Errors.
    let nf = Credential::source(source(
        &format!("https://{HOST}:{port}/secrets/missing"),
        addr,
        &pem,
        GOOD_TOKEN,
    ))
    .resolve()
    .await
    .unwrap_err();
    assert!(matches!(nf.kind, CredentialErrorKind::NotFound(_)), "{nf}");
    assert!(nf.to_string().contains("HTTP 404 SecretNotFound"), "{nf}");
    let nsf = Credential::source(JsonField::field(shared.clone(), "client_secret"));
    assert_eq!(
        resolution_round(nsf.resolve()).await.unwrap_err().kind,
        CredentialErrorKind::NoSuchField("client_secret".into())
    );
    let denied = Credential::source(source(
        &format!("https://{HOST}:{port}/secrets/bi-prod"),
        addr,
        &pem,
        "wrong-token",
    ))
    .resolve()
    .await
    .unwrap_err();
    assert!(
        matches!(denied.kind, CredentialErrorKind::AccessDenied(_)),
        "{denied}"
    );
    let dead_addr: SocketAddr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let unreachable = Credential::source(source(
        &format!("https://{HOST}:{}/secrets/bi-prod", dead_addr.port()),
        dead_addr,
        &pem,
        GOOD_TOKEN,
    ))
    .resolve()
    .await
    .unwrap_err();
    assert!(
        matches!(unreachable.kind, CredentialErrorKind::Unreachable(_)),
        "{unreachable}"
    );
    // An untrusted certificate is refused (TLS verification on by default).
    let default_tls = Credential::source(
        KeyVaultSource::from_url(&format!("https://{HOST}:{port}/secrets/bi-prod"))
            .unwrap()
            .with_credential(Arc::new(StaticToken(GOOD_TOKEN)))
            .with_options(SecretClientOptions {
                client_options: ClientOptions {
                    transport: Some(Transport::new(Arc::new(
                        reqwest::Client::builder()
                            .resolve(HOST, addr)
                            .build()
                            .unwrap(),
                    ))),
                    retry: RetryOptions::none(),
                    ..Default::default()
                },
                ..Default::default()
            }),
    )
    .resolve()
    .await
    .unwrap_err();
    assert!(
        matches!(
            default_tls.kind,
            CredentialErrorKind::Unreachable(_) | CredentialErrorKind::Other(_)
        ),
        "{default_tls}"
    );

    assert_eq!(
        vault.bad_api_version.load(Ordering::SeqCst),
        0,
        "api-version always sent"
    );
    for err in [&nf, &denied, &unreachable, &default_tls] {
        for text in [err.to_string(), format!("{err:?}")] {
            for s in SECRETS {
                assert!(!text.contains(s), "{text}");
            }
            assert!(!text.contains(GOOD_TOKEN), "{text}");
        }
    }
    log_capture::assert_no_secret_logged(SECRETS);
    log_capture::assert_no_secret_logged(&[GOOD_TOKEN]);
}

#[test]
fn key_vault_urls_parse() {
    for ok in [
        "azure-kv:https://v.vault.azure.net/pw",
        "azure-kv:https://v.vault.azure.net/secrets/pw",
        "azure-kv:https://v.vault.azure.net/secrets/pw/0123abcd#password",
    ] {
        assert!(Credential::parse(ok).is_ok(), "{ok}");
    }
    for bad in [
        "azure-kv:http://v.vault.azure.net/pw",
        "azure-kv:https://v.vault.azure.net/",
        "azure-kv:https://v.vault.azure.net/keys/a/b/c",
        "azure-kv:not a url",
    ] {
        let e = Credential::parse(bad).unwrap_err();
        assert!(
            matches!(e.kind, CredentialErrorKind::Invalid(_)),
            "{bad}: {e}"
        );
    }
}
