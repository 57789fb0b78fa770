//! GCP Secret Manager through the official client library, against a loopback fake of
//! `GET /v1/projects/P/secrets/S/versions/V:access` returning a base64 payload.
#![cfg(feature = "gcp")]

#[path = "support/json_secret.rs"]
mod json_secret;
#[path = "support/credentials_log.rs"]
mod log_capture;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use bi_rest::credentials::gcp::SecretManagerSource;
use bi_rest::credentials::{
    resolution_round, Credential, CredentialErrorKind, JsonField, SharedSecret,
};
use google_cloud_auth::credentials::{anonymous, api_key_credentials, Credentials};
use secrecy::ExposeSecret;

#[derive(Default)]
struct Store {
    /// "projects/P/secrets/S" -> versions (index 0 = version 1).
    secrets: Mutex<HashMap<String, Vec<String>>>,
    accesses: AtomicUsize,
}

fn google_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({"error": {"code": status.as_u16(), "message": message, "status": code}})),
    )
        .into_response()
}

async fn access(
    State(store): State<Arc<Store>>,
    Path((project, secret, version)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    if headers.get("x-goog-api-key").is_some() {
        return google_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "API key not valid",
        );
    }
    let Some(version) = version.strip_suffix(":access") else {
        return google_error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such method");
    };
    if secret == "forbidden" {
        return google_error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "Permission 'secretmanager.versions.access' denied",
        );
    }
    store.accesses.fetch_add(1, Ordering::SeqCst);
    let key = format!("projects/{project}/secrets/{secret}");
    let secrets = store.secrets.lock().unwrap();
    let Some(versions) = secrets.get(&key) else {
        return google_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("Secret [{key}] not found or has no versions."),
        );
    };
    let (n, data) = if version == "latest" {
        (versions.len(), versions.last())
    } else {
        let n: usize = version.parse().unwrap_or(0);
        (n, n.checked_sub(1).and_then(|i| versions.get(i)))
    };
    let Some(data) = data else {
        return google_error(StatusCode::NOT_FOUND, "NOT_FOUND", "version not found");
    };
    Json(serde_json::json!({
        "name": format!("{key}/versions/{n}"),
        "payload": {"data": base64::engine::general_purpose::STANDARD.encode(data)}
    }))
    .into_response()
}

async fn start(store: Arc<Store>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/v1/projects/{p}/secrets/{s}/versions/{v}", get(access))
        .with_state(store);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn source(name: &str, endpoint: &str, creds: Credentials) -> SecretManagerSource {
    SecretManagerSource::new(name)
        .unwrap()
        .with_endpoint(endpoint)
        .with_credentials(creds)
        .without_retries()
}

const SECRETS: &[&str] = &["gcp-pw-1", "gcp-pw-2", "gcp-token-v1"];

#[tokio::test]
async fn secret_manager_through_the_sdk_rotation_sharing_and_errors() {
    log_capture::install();
    let store = Arc::new(Store::default());
    store.secrets.lock().unwrap().insert(
        "projects/bi/secrets/looker".into(),
        vec![r#"{"base_url":"https://looker.example.com","client_id":"cid","client_secret":"gcp-pw-1"}"#.into()],
    );
    store.secrets.lock().unwrap().insert(
        "projects/bi/secrets/token".into(),
        vec!["gcp-token-v1".into(), "gcp-token-v2".into()],
    );
    let addr = start(store.clone()).await;
    let endpoint = format!("http://{addr}");
    let anon = || anonymous::Builder::new().build();

    // Whole secret, pinned version and latest.
    let v1 = Credential::source(source(
        "projects/bi/secrets/token/versions/1",
        &endpoint,
        anon(),
    ));
    assert_eq!(v1.resolve().await.unwrap().expose_secret(), "gcp-token-v1");
    let latest = Credential::source(source("projects/bi/secrets/token", &endpoint, anon()));
    assert_eq!(
        latest.describe(),
        "gcp-sm:projects/bi/secrets/token/versions/latest"
    );
    assert_eq!(
        latest.resolve().await.unwrap().expose_secret(),
        "gcp-token-v2"
    );

    // Three JSON fields, one access per login; a new version is seen at the next login.
    let shared = SharedSecret::new(Arc::new(source(
        "projects/bi/secrets/looker",
        &endpoint,
        anon(),
    )));
    let fields = json_secret::fields(&shared, &["base_url", "client_id", "client_secret"]);
    let login = || json_secret::resolve_round(&fields);
    let before = store.accesses.load(Ordering::SeqCst);
    assert_eq!(
        login().await,
        ["https://looker.example.com", "cid", "gcp-pw-1"]
    );
    assert_eq!(store.accesses.load(Ordering::SeqCst) - before, 1);
    store
        .secrets
        .lock()
        .unwrap()
        .get_mut("projects/bi/secrets/looker")
        .unwrap()
        .push(r#"{"base_url":"https://looker.example.com","client_id":"cid","client_secret":"gcp-pw-2"}"#.into());
    assert_eq!(login().await[2], "gcp-pw-2");
    assert_eq!(store.accesses.load(Ordering::SeqCst) - before, 2);

    // Errors.
    let nf = Credential::source(source("projects/bi/secrets/missing", &endpoint, anon()))
        .resolve()
        .await
        .unwrap_err();
    assert!(matches!(nf.kind, CredentialErrorKind::NotFound(_)), "{nf}");
    let nsf = Credential::source(JsonField::field(shared.clone(), "password"));
    assert_eq!(
        resolution_round(nsf.resolve()).await.unwrap_err().kind,
        CredentialErrorKind::NoSuchField("password".into())
    );
    let denied = Credential::source(source("projects/bi/secrets/forbidden", &endpoint, anon()))
        .resolve()
        .await
        .unwrap_err();
    assert!(
        matches!(denied.kind, CredentialErrorKind::AccessDenied(_)),
        "{denied}"
    );
    let bad_key = Credential::source(source(
        "projects/bi/secrets/token",
        &endpoint,
        api_key_credentials::Builder::new("not-a-valid-key").build(),
    ))
    .resolve()
    .await
    .unwrap_err();
    assert!(
        matches!(bad_key.kind, CredentialErrorKind::AccessDenied(_)),
        "{bad_key}"
    );
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let unreachable = Credential::source(source(
        "projects/bi/secrets/token",
        &format!("http://{dead}"),
        anon(),
    ))
    .resolve()
    .await
    .unwrap_err();
    assert!(
        matches!(unreachable.kind, CredentialErrorKind::Unreachable(_)),
        "{unreachable}"
    );

    for err in [&nf, &denied, &bad_key, &unreachable] {
        for text in [err.to_string(), format!("{err:?}")] {
            for s in SECRETS {
                assert!(!text.contains(s), "{text}");
            }
        }
    }
    log_capture::assert_no_secret_logged(SECRETS);
}

#[test]
fn secret_names_parse() {
    for ok in [
        "gcp-sm:projects/p/secrets/s",
        "gcp-sm:projects/p/secrets/s/versions/3#password",
        "gcp-sm:projects/p/locations/europe-west1/secrets/s",
    ] {
        assert!(Credential::parse(ok).is_ok(), "{ok}");
    }
    for bad in [
        "gcp-sm:p/s",
        "gcp-sm:projects/p/secrets/",
        "gcp-sm:projects/p/secrets/s/versions",
    ] {
        let e = Credential::parse(bad).unwrap_err();
        assert!(
            matches!(e.kind, CredentialErrorKind::Invalid(_)),
            "{bad}: {e}"
        );
    }
}
