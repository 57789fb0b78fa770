//! Local credential sources, the SOURCE parser and the shared JSON fetch.

#[path = "support/credentials_log.rs"]
mod log_capture;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bi_rest::credentials::{
    resolution_round, CommandSource, Credential, CredentialError, CredentialErrorKind, FnSource,
    JsonField, PromptSource, Prompter, SecretSource, SharedSecret, StdinSource,
};
use futures::future::BoxFuture;
use futures::FutureExt;
use secrecy::{ExposeSecret, SecretString};

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bi-rest-creds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

async fn value(c: &Credential) -> String {
    c.resolve().await.unwrap().expose_secret().to_string()
}

async fn error(c: &Credential) -> CredentialError {
    c.resolve().await.expect_err("expected an error")
}

#[tokio::test]
async fn env_is_read_at_every_resolve() {
    log_capture::install();
    let c = Credential::parse("env:BI_REST_TEST_ENV_ROTATE").unwrap();
    assert_eq!(c.describe(), "env:BI_REST_TEST_ENV_ROTATE");
    std::env::set_var("BI_REST_TEST_ENV_ROTATE", "env-secret-one");
    assert_eq!(value(&c).await, "env-secret-one");
    std::env::set_var("BI_REST_TEST_ENV_ROTATE", "env-secret-two");
    assert_eq!(value(&c).await, "env-secret-two");

    let missing = Credential::parse("env:BI_REST_TEST_ENV_NEVER_SET").unwrap();
    let e = error(&missing).await;
    assert!(matches!(e.kind, CredentialErrorKind::NotFound(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "credential source env:BI_REST_TEST_ENV_NEVER_SET: not found: variable is not set"
    );
    log_capture::assert_no_secret_logged(&["env-secret-one", "env-secret-two"]);
}

#[tokio::test]
async fn file_trims_one_newline_and_is_reread() {
    log_capture::install();
    let path = temp_path("password.txt");
    std::fs::write(&path, "file-secret-1\n").unwrap();
    let c = Credential::parse(&format!("file:{}", path.display())).unwrap();
    assert_eq!(value(&c).await, "file-secret-1");
    std::fs::write(&path, "file-secret-2\r\n").unwrap();
    assert_eq!(value(&c).await, "file-secret-2");
    // Only one newline is trimmed; inner whitespace is kept.
    std::fs::write(&path, " spaced secret \n\n").unwrap();
    assert_eq!(value(&c).await, " spaced secret \n");

    let missing = Credential::parse("file:/nonexistent/bi-rest/pw").unwrap();
    let e = error(&missing).await;
    assert!(matches!(e.kind, CredentialErrorKind::NotFound(_)), "{e:?}");
    assert!(e.to_string().contains("file:/nonexistent/bi-rest/pw"));
    log_capture::assert_no_secret_logged(&["file-secret-1", "file-secret-2"]);
}

#[tokio::test]
async fn command_output_is_the_secret_and_failures_never_show_stdout() {
    log_capture::install();
    let counter = temp_path("cmd-count");
    let _ = std::fs::remove_file(&counter);
    // Each run appends a line and prints a secret numbered by the run: proves a fresh run per resolve.
    let cmd = format!(
        "echo x >> {p}; echo cmd-secret-$(wc -l < {p} | tr -d ' ')",
        p = counter.display()
    );
    let c = Credential::parse(&format!("cmd:{cmd}")).unwrap();
    assert_eq!(value(&c).await, "cmd-secret-1");
    assert_eq!(value(&c).await, "cmd-secret-2");

    let failing =
        Credential::parse("cmd:printf 'cmd-%s-stdout' leaked; echo 'helper: vault locked' >&2; echo 2nd-line >&2; exit 3")
            .unwrap();
    let e = error(&failing).await;
    let text = e.to_string();
    assert!(matches!(e.kind, CredentialErrorKind::Other(_)), "{e:?}");
    assert!(
        text.ends_with("command failed with exit status 3: helper: vault locked"),
        "{text}"
    );
    assert!(
        !text.contains("cmd-leaked-stdout") && !e.kind.to_string().contains("2nd-line"),
        "{text}"
    );
    assert!(!format!("{e:?}").contains("cmd-leaked-stdout"));

    let slow = Credential::source(
        CommandSource::new("sleep 5").with_timeout(std::time::Duration::from_millis(200)),
    );
    let e = error(&slow).await;
    assert!(e.to_string().contains("timed out"), "{e}");
    log_capture::assert_no_secret_logged(&["cmd-secret-1", "cmd-secret-2", "cmd-leaked-stdout"]);
}

#[derive(Debug, Default)]
struct CountingPrompter {
    asked: AtomicUsize,
    messages: Mutex<Vec<String>>,
}

impl Prompter for CountingPrompter {
    fn prompt(&self, message: &str) -> std::io::Result<SecretString> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        self.messages.lock().unwrap().push(message.to_string());
        Ok(SecretString::from("prompted-secret"))
    }
}

#[tokio::test]
async fn prompt_is_asked_once_and_cached() {
    let prompter = Arc::new(CountingPrompter::default());
    let c = Credential::source(PromptSource::with_prompter(
        "MicroStrategy password: ",
        prompter.clone(),
    ));
    assert_eq!(c.describe(), "prompt");
    for _ in 0..3 {
        assert_eq!(value(&c).await, "prompted-secret");
    }
    assert_eq!(prompter.asked.load(Ordering::SeqCst), 1);
    assert_eq!(
        *prompter.messages.lock().unwrap(),
        vec!["MicroStrategy password: ".to_string()]
    );
    assert!(!format!("{c:?}").contains("prompted-secret"));
}

#[tokio::test]
async fn stdin_is_read_once_and_cached() {
    let reads = Arc::new(AtomicUsize::new(0));
    struct CountingReader(std::io::Cursor<Vec<u8>>, Arc<AtomicUsize>);
    impl std::io::Read for CountingReader {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.read(buf)
        }
    }
    let src = StdinSource::from_reader(CountingReader(
        std::io::Cursor::new(b"stdin-secret\n".to_vec()),
        reads.clone(),
    ));
    let c = Credential::source(src);
    assert_eq!(c.describe(), "-");
    assert_eq!(value(&c).await, "stdin-secret");
    let after_first = reads.load(Ordering::SeqCst);
    assert_eq!(value(&c).await, "stdin-secret");
    assert_eq!(
        reads.load(Ordering::SeqCst),
        after_first,
        "stdin must not be read twice"
    );

    let empty = Credential::source(StdinSource::from_reader(std::io::Cursor::new(Vec::new())));
    assert!(matches!(
        error(&empty).await.kind,
        CredentialErrorKind::NotFound(_)
    ));
}

#[tokio::test]
async fn closures_sync_and_async_are_called_at_every_resolve() {
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    let c = Credential::from_fn("fn:counter", move || {
        let i = n2.fetch_add(1, Ordering::SeqCst);
        Ok(SecretString::from(format!("fn-{i}")))
    });
    assert_eq!(value(&c).await, "fn-0");
    assert_eq!(value(&c).await, "fn-1");
    let a = Credential::from_async_fn("fn:async", || async {
        tokio::task::yield_now().await;
        Err(CredentialErrorKind::AccessDenied("vault sealed".into()))
    });
    let e = error(&a).await;
    assert_eq!(
        e.to_string(),
        "credential source fn:async: access denied: vault sealed"
    );
    let _ = FnSource::sync("unused", || Ok(SecretString::from("x")));
}

/// A store stand-in that counts fetches and can be rotated.
#[derive(Debug)]
struct CountingStore {
    fetches: AtomicUsize,
    value: Mutex<String>,
}

impl SecretSource for CountingStore {
    fn describe(&self) -> String {
        "test-store:bi".into()
    }
    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        async move {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            Ok(SecretString::from(self.value.lock().unwrap().clone()))
        }
        .boxed()
    }
}

fn store(json: &str) -> Arc<CountingStore> {
    Arc::new(CountingStore {
        fetches: AtomicUsize::new(0),
        value: Mutex::new(json.to_string()),
    })
}

#[tokio::test]
async fn one_fetch_for_three_fields_per_round_and_rotation_next_round() {
    log_capture::install();
    let s = store(r#"{"base_url":"https://bi.example","username":"alice","password":"json-pw-1"}"#);
    let shared = SharedSecret::new(s.clone());
    let base = Credential::source(JsonField::field(shared.clone(), "base_url"));
    let user = Credential::source(JsonField::field(shared.clone(), "username"));
    let pass = Credential::source(JsonField::field(shared.clone(), "password"));
    assert_eq!(pass.describe(), "test-store:bi#password");

    // Login 1: the three fields concurrently, in one round -> one fetch.
    let (b, u, p) =
        resolution_round(async { futures::join!(base.resolve(), user.resolve(), pass.resolve()) })
            .await;
    assert_eq!(b.unwrap().expose_secret(), "https://bi.example");
    assert_eq!(u.unwrap().expose_secret(), "alice");
    assert_eq!(p.unwrap().expose_secret(), "json-pw-1");
    assert_eq!(s.fetches.load(Ordering::SeqCst), 1);
    assert_eq!(shared.fetch_count(), 1);

    // Rotate in the store; login 2 (a new round) fetches once more and sees it.
    *s.value.lock().unwrap() =
        r#"{"base_url":"https://bi.example","username":"alice","password":"json-pw-2"}"#.into();
    let p2 = resolution_round(async {
        let _ = base.resolve().await.unwrap();
        let _ = user.resolve().await.unwrap();
        pass.resolve().await.unwrap()
    })
    .await;
    assert_eq!(p2.expose_secret(), "json-pw-2");
    assert_eq!(s.fetches.load(Ordering::SeqCst), 2);

    // Missing field: exact variant, names the field, not the content.
    let nope = Credential::source(JsonField::field(shared.clone(), "api_token"));
    let e = resolution_round(nope.resolve()).await.unwrap_err();
    assert_eq!(e.kind, CredentialErrorKind::NoSuchField("api_token".into()));
    assert_eq!(
        e.to_string(),
        "credential source test-store:bi#api_token: no such field \"api_token\""
    );
    log_capture::assert_no_secret_logged(&["json-pw-1", "json-pw-2"]);
}

#[tokio::test]
async fn outside_a_round_the_share_window_applies() {
    let s = store(r#"{"username":"bob","password":"pw-a"}"#);
    let shared = SharedSecret::with_window(s.clone(), std::time::Duration::from_millis(300));
    let user = Credential::source(JsonField::field(shared.clone(), "username"));
    let pass = Credential::source(JsonField::field(shared.clone(), "password"));
    // One login without an explicit round: sequential resolves share the fetch.
    assert_eq!(value(&user).await, "bob");
    assert_eq!(value(&pass).await, "pw-a");
    assert_eq!(s.fetches.load(Ordering::SeqCst), 1);
    // A re-login later than the window fetches again and sees the rotation.
    *s.value.lock().unwrap() = r#"{"username":"bob","password":"pw-b"}"#.into();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(value(&pass).await, "pw-b");
    assert_eq!(s.fetches.load(Ordering::SeqCst), 2);
    // invalidate() forces a refetch at once.
    shared.invalidate().await;
    assert_eq!(value(&user).await, "bob");
    assert_eq!(s.fetches.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn non_json_secret_errors_without_quoting_it() {
    let s = store("plain-not-json-secret");
    let shared = SharedSecret::new(s);
    let f = Credential::source(JsonField::field(shared.clone(), "password"));
    let e = error(&f).await;
    assert!(matches!(e.kind, CredentialErrorKind::Invalid(_)), "{e:?}");
    assert!(!e.to_string().contains("plain-not-json-secret"), "{e}");
    let whole = Credential::source(JsonField::whole(shared));
    assert_eq!(value(&whole).await, "plain-not-json-secret");
}

#[test]
fn parser_accepts_the_grammar_and_rejects_garbage() {
    for (spec, described) in [
        ("env:MSTR_PASSWORD", "env:MSTR_PASSWORD"),
        ("file:/run/secrets/pw", "file:/run/secrets/pw"),
        ("cmd:pass show bi/prod", "cmd:pass show bi/prod"),
        ("prompt", "prompt"),
        ("prompt:Looker secret: ", "prompt"),
        ("-", "-"),
    ] {
        assert_eq!(
            Credential::parse(spec).unwrap().describe(),
            described,
            "{spec}"
        );
    }
    for bad in [
        "",
        "password123",
        "env:",
        "file:",
        "cmd:",
        "vault:x",
        "aws-sm:",
        "aws-sm:x#",
    ] {
        let e = Credential::parse(bad).expect_err(bad);
        assert!(
            matches!(e.kind, CredentialErrorKind::Invalid(_)),
            "{bad}: {e:?}"
        );
    }
    // A spec that is not a scheme must not be echoed as if it were a known one; it is the
    // user's input, so it is named (the user typed it) but classified Invalid.
    let e = Credential::parse("hunter2").unwrap_err();
    assert!(e.to_string().contains("expected SCHEME:VALUE"), "{e}");
}

#[test]
fn store_schemes_without_their_feature_name_the_feature() {
    let cases = [
        ("aws-sm:prod/bi#password", "aws", cfg!(feature = "aws")),
        ("aws-ssm:/bi/password", "aws", cfg!(feature = "aws")),
        (
            "azure-kv:https://v.vault.azure.net/bi#password",
            "azure",
            cfg!(feature = "azure"),
        ),
        (
            "gcp-sm:projects/p/secrets/s#password",
            "gcp",
            cfg!(feature = "gcp"),
        ),
    ];
    for (spec, feature, enabled) in cases {
        let r = Credential::parse(spec);
        if enabled {
            assert!(r.is_ok(), "{spec}: {r:?}");
        } else {
            let e = r.unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains(&format!("`{feature}` feature"))
                    && text.contains(&format!("--features {feature}")),
                "{text}"
            );
        }
    }
}

#[test]
fn debug_of_a_value_credential_is_redacted() {
    let c = Credential::value("value-secret");
    assert_eq!(format!("{c:?}"), "Credential::Value([REDACTED])");
    assert_eq!(c.describe(), "value");
}
