//! looker.ini + LOOKERSDK_* precedence, as in the official SDKs' api_settings.py.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bi_rest::looker::settings::{EnvLookup, LookerSettings, SettingsError};
use secrecy::ExposeSecret;

fn write_ini(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let p = dir.join("looker.ini");
    std::fs::write(&p, text).unwrap();
    p
}

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("bi-rest-looker-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn env(pairs: &[(&str, &str)]) -> Arc<dyn EnvLookup> {
    Arc::new(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    )
}

const INI: &str = "\
# comment
[Looker]
base_url=https://first.example.com:19999
client_id=first-id
client_secret=\"first-secret\"
verify_ssl=false
timeout=31

[Other]
Base_URL: https://other.example.com/api/4.0
client_id = other-id
client_secret = other-secret
; verify_ssl defaults to true
";

#[tokio::test]
async fn first_section_by_default_with_sdk_quirks() {
    let d = tmpdir("first");
    let p = write_ini(&d, INI);
    let s = LookerSettings::load_with_env(Some(&p), None, env(&[])).unwrap();
    assert_eq!(s.base_url, "https://first.example.com:19999");
    assert_eq!(s.api_root(), "https://first.example.com:19999/api/4.0");
    assert!(!s.verify_ssl);
    assert_eq!(s.timeout, Duration::from_secs(31));
    assert_eq!(
        s.client_id.resolve().await.unwrap().expose_secret(),
        "first-id"
    );
    // quotes are stripped like _clean_input does
    assert_eq!(
        s.client_secret.resolve().await.unwrap().expose_secret(),
        "first-secret"
    );
}

#[tokio::test]
async fn named_section_colon_delimiter_case_insensitive_keys() {
    let d = tmpdir("named");
    let p = write_ini(&d, INI);
    let s = LookerSettings::load_with_env(Some(&p), Some("Other"), env(&[])).unwrap();
    // `/api/4.0` after base_url is removed
    assert_eq!(s.base_url, "https://other.example.com");
    assert!(s.verify_ssl);
    assert_eq!(s.timeout, Duration::from_secs(120));
    assert_eq!(
        s.client_id.resolve().await.unwrap().expose_secret(),
        "other-id"
    );
    // section names are case-sensitive, as in configparser
    let e = LookerSettings::load_with_env(Some(&p), Some("other"), env(&[])).unwrap_err();
    assert!(matches!(e, SettingsError::NoSection { .. }), "{e:?}");
}

#[tokio::test]
async fn env_overrides_ini_only_when_non_empty() {
    let d = tmpdir("env");
    let p = write_ini(&d, INI);
    let e = env(&[
        ("LOOKERSDK_BASE_URL", "https://env.example.com"),
        ("LOOKERSDK_CLIENT_ID", "env-id"),
        ("LOOKERSDK_CLIENT_SECRET", ""),
        ("LOOKERSDK_VERIFY_SSL", "true"),
        ("LOOKERSDK_TIMEOUT", "5"),
    ]);
    let s = LookerSettings::load_with_env(Some(&p), None, e).unwrap();
    assert_eq!(s.base_url, "https://env.example.com");
    assert!(s.verify_ssl);
    assert_eq!(s.timeout, Duration::from_secs(5));
    assert_eq!(
        s.client_id.resolve().await.unwrap().expose_secret(),
        "env-id"
    );
    // empty env value does not override the file
    assert_eq!(
        s.client_secret.resolve().await.unwrap().expose_secret(),
        "first-secret"
    );
}

#[tokio::test]
async fn env_alone_without_default_ini() {
    let e = env(&[
        ("LOOKERSDK_BASE_URL", "https://env.example.com/"),
        ("LOOKERSDK_CLIENT_ID", "env-id"),
        ("LOOKERSDK_CLIENT_SECRET", "env-secret"),
    ]);
    // None = looker.ini in the working directory, allowed to be missing
    let s = LookerSettings::load_with_env(None, None, e).unwrap();
    assert_eq!(s.base_url, "https://env.example.com");
    assert_eq!(
        s.client_secret.resolve().await.unwrap().expose_secret(),
        "env-secret"
    );
}

#[test]
fn explicit_missing_file_and_missing_keys_are_errors() {
    let e = LookerSettings::load_with_env(
        Some(std::path::Path::new("/nonexistent/looker.ini")),
        None,
        env(&[]),
    )
    .unwrap_err();
    assert!(matches!(e, SettingsError::FileNotFound(_)));
    let d = tmpdir("missing");
    let p = write_ini(&d, "[L]\nbase_url=https://h\nclient_id=x\n");
    let e = LookerSettings::load_with_env(Some(&p), None, env(&[])).unwrap_err();
    assert!(
        matches!(e, SettingsError::Missing(ref k) if k == "client_secret"),
        "{e:?}"
    );
    let p = write_ini(
        &d,
        "[L]\nbase_url=https://h\nclient_id=x\nclient_secret=y\nverify_ssl=perhaps\n",
    );
    let e = LookerSettings::load_with_env(Some(&p), None, env(&[])).unwrap_err();
    assert!(matches!(e, SettingsError::Invalid { ref key, .. } if key == "verify_ssl"));
}

#[tokio::test]
async fn rotated_secret_in_file_is_read_again() {
    let d = tmpdir("rotate");
    let p = write_ini(
        &d,
        "[L]\nbase_url=https://h\nclient_id=x\nclient_secret=old\n",
    );
    let s = LookerSettings::load_with_env(Some(&p), None, env(&[])).unwrap();
    assert_eq!(
        s.client_secret.resolve().await.unwrap().expose_secret(),
        "old"
    );
    write_ini(
        &d,
        "[L]\nbase_url=https://h\nclient_id=x\nclient_secret=new\n",
    );
    assert_eq!(
        s.client_secret.resolve().await.unwrap().expose_secret(),
        "new"
    );
    // Debug never shows the secret
    let dbg = format!("{s:?}");
    assert!(!dbg.contains("new") || !dbg.contains("client_secret=new"));
    assert!(!dbg.contains("=new"));
}
