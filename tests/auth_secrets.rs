//! Secrets (passwords, API tokens, session tokens, identity tokens, cookies) never appear in
//! Debug, Display, errors or tracing output. Everything is formatted with known secrets and
//! the output is searched for them.
#![cfg(all(feature = "mstr", feature = "sim"))]

mod common_mstr;

use std::io::Write;
use std::sync::{Arc, Mutex};

use bi_rest::auth::HttpConfig;
use bi_rest::credentials::Credential;
use bi_rest::mstr::{LoginMode, MstrClient};
use bi_rest::sim::mstr::{MstrSimConfig, SimUser};
use common_mstr::*;
use secrecy::ExposeSecret;

const PASSWORD: &str = "S3cr3t-P4ssw0rd-7Qx";
const WRONG_PASSWORD: &str = "Wr0ng-S3cret-9Zk";
const API_TOKEN: &str = "api-T0ken-Secret-42z";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn assert_absent(haystack: &str, secrets: &[String], what: &str) {
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(
            !haystack.contains(secret.as_str()),
            "{what} leaks a secret ({} chars)",
            secret.len()
        );
    }
}

#[tokio::test]
async fn secrets_never_leak() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let s = sim(MstrSimConfig::default()
        .user(SimUser::standard("keeper", PASSWORD).api_token(API_TOKEN))
        .idle_timeout(std::time::Duration::from_millis(400)))
    .await;
    let mut out = String::new();

    let builder = MstrClient::builder(s.base_url())
        .standard("keeper", Credential::value(PASSWORD))
        .http(HttpConfig::new().proxy("http://proxyuser:".to_string() + PASSWORD + "@127.0.0.1:9"));
    out += &format!("{builder:?}\n");
    let c = MstrClient::builder(s.base_url())
        .standard("keeper", Credential::value(PASSWORD))
        .keep_alive(true)
        .build()
        .unwrap();
    let info = c.login().await.unwrap();
    out += &format!("{c:?}\n{:?}\n{info:?}\n", c.auth());
    // Keep-alive runs (traced), a re-login happens (traced).
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    s.expire_all_sessions();
    let me = c.user_info().await.unwrap();
    out += &format!("{me:?}\n");

    let snapshot = c.auth().snapshot().unwrap();
    let token = snapshot.token.as_ref().unwrap().expose_secret().to_string();
    let mut secrets = vec![
        PASSWORD.to_string(),
        WRONG_PASSWORD.to_string(),
        API_TOKEN.to_string(),
        token,
    ];
    for cookie in &snapshot.cookies {
        let set_cookie = cookie.set_cookie.expose_secret();
        let value = set_cookie
            .split(';')
            .next()
            .and_then(|nv| nv.split_once('='))
            .map(|(_, v)| v.to_string())
            .unwrap();
        secrets.push(value);
    }
    assert_eq!(secrets.len(), 6, "two cookies");
    out += &format!("{snapshot:?}\n{:?}\n", snapshot.cookies);

    let identity = c.create_identity_token().await.unwrap();
    secrets.push(identity.expose_secret().to_string());
    out += &format!("{identity:?}\n");
    let api_token = c.create_api_token(None).await.unwrap();
    secrets.push(api_token.expose_secret().to_string());
    out += &format!("{api_token:?}\n");

    // Login modes and credentials.
    for mode in [
        LoginMode::Standard {
            username: "keeper".into(),
            password: Credential::value(PASSWORD),
        },
        LoginMode::Ldap {
            username: "keeper".into(),
            password: Credential::value(PASSWORD),
        },
        LoginMode::ApiToken(Credential::value(API_TOKEN)),
        LoginMode::IdentityToken(Credential::value(identity.expose_secret())),
    ] {
        out += &format!("{mode:?}\n");
    }

    // Errors: wrong password, wrong API token, delegated expiry.
    let bad = MstrClient::builder(s.base_url())
        .standard("keeper", Credential::value(WRONG_PASSWORD))
        .build()
        .unwrap();
    let e = bad.login().await.unwrap_err();
    out += &format!("{e}\n{e:?}\n{}\n", e.to_custom_message());
    let bad = MstrClient::builder(s.base_url())
        .api_token(Credential::value(WRONG_PASSWORD))
        .build()
        .unwrap();
    let e = bad.login().await.unwrap_err();
    out += &format!("{e}\n{e:?}\n");
    let d = MstrClient::builder(s.base_url())
        .identity_token(Credential::value(identity.expose_secret()))
        .build()
        .unwrap();
    d.login().await.unwrap();
    s.expire_all_sessions();
    let e = d.user_info().await.unwrap_err();
    out += &format!("{e}\n{e:?}\n{d:?}\n");
    let e = c
        .send(c.request(reqwest::Method::GET, "/no/such/thing"))
        .await
        .unwrap_err();
    out += &format!("{e}\n{e:?}\n");

    c.close().await.unwrap();
    d.close().await.unwrap();

    let traced = capture.text();
    assert!(traced.contains("logged in"), "tracing was captured");
    assert!(
        traced.contains("server ended the session"),
        "the renewal was traced with its reason"
    );
    assert_absent(&out, &secrets, "Debug/Display output");
    assert_absent(&traced, &secrets, "tracing output");
}
