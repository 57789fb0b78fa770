//! Tracing and interceptors against the simulators: one span per call with the OpenTelemetry
//! HTTP client fields, the session's events with their reasons, an interceptor's view of
//! every call, and never a secret in anything recorded at TRACE level.
#![cfg(all(
    feature = "mstr",
    feature = "looker",
    feature = "agileapps",
    feature = "sim"
))]

mod common_mstr;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bi_rest::auth::{
    CallInfo, CallOutcome, HttpConfig, Intercept, RetryPolicy, SessionSnapshot, Sleeper,
};
use bi_rest::credentials::Credential;
use bi_rest::sim::faults::{FaultKind, Faults};
use common_mstr::*;
use futures::FutureExt;
use secrecy::ExposeSecret;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// A span or event, as recorded.
#[derive(Debug, Clone, Default)]
struct Recorded {
    target: String,
    name: String,
    fields: BTreeMap<String, String>,
    /// For events: the fields of the spans around it, innermost first.
    scope: Vec<BTreeMap<String, String>>,
}

#[derive(Default)]
struct Captured {
    spans: Vec<Recorded>,
    by_id: HashMap<u64, usize>,
    events: Vec<Recorded>,
}

/// A layer keeping every span (with later `record`s) and event, all levels.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Captured>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut r = Recorded {
            target: attrs.metadata().target().to_string(),
            name: attrs.metadata().name().to_string(),
            ..Recorded::default()
        };
        attrs.record(&mut Fields(&mut r.fields));
        let mut c = self.0.lock().unwrap();
        let index = c.spans.len();
        c.spans.push(r);
        c.by_id.insert(id.into_u64(), index);
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut c = self.0.lock().unwrap();
        if let Some(&index) = c.by_id.get(&id.into_u64()) {
            values.record(&mut Fields(&mut c.spans[index].fields));
        }
    }
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut r = Recorded {
            target: event.metadata().target().to_string(),
            name: event.metadata().name().to_string(),
            ..Recorded::default()
        };
        event.record(&mut Fields(&mut r.fields));
        let mut c = self.0.lock().unwrap();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                if let Some(&index) = c.by_id.get(&span.id().into_u64()) {
                    r.scope.push(c.spans[index].fields.clone());
                }
            }
        }
        c.events.push(r);
    }
}

impl Capture {
    /// Installs the capture as this thread's subscriber (the tests run on a current-thread
    /// runtime, so every task of the client is on it).
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::registry().with(self.clone());
        tracing::subscriber::set_default(subscriber)
    }

    fn calls(&self) -> Vec<BTreeMap<String, String>> {
        let c = self.0.lock().unwrap();
        c.spans
            .iter()
            .filter(|s| s.name == bi_rest::auth::telemetry::CALL_SPAN)
            .map(|s| s.fields.clone())
            .collect()
    }

    fn calls_of(&self, operation_id: &str) -> Vec<BTreeMap<String, String>> {
        self.calls()
            .into_iter()
            .filter(|f| f.get("bi_rest.operation_id").map(String::as_str) == Some(operation_id))
            .collect()
    }

    fn events(&self, kind: &str) -> Vec<Recorded> {
        let c = self.0.lock().unwrap();
        c.events
            .iter()
            .filter(|e| e.fields.get("event").map(String::as_str) == Some(kind))
            .cloned()
            .collect()
    }

    /// Everything the client recorded (the simulator's own records left out), as text.
    fn text(&self) -> String {
        let c = self.0.lock().unwrap();
        let client = |r: &&Recorded| !r.target.starts_with("bi_rest::sim");
        c.spans
            .iter()
            .filter(client)
            .chain(c.events.iter().filter(client))
            .map(|r| format!("{} {} {:?} {:?}\n", r.target, r.name, r.fields, r.scope))
            .collect()
    }

    /// Asserts no secret appears in anything recorded.
    fn assert_no_secret(&self, secrets: &[String]) {
        let text = self.text();
        assert!(text.len() > 1000, "the capture recorded the calls: {text}");
        for secret in secrets {
            assert!(secret.len() >= 6, "a real secret to look for: {secret:?}");
            assert!(
                !text.contains(secret.as_str()),
                "a secret was recorded ({} chars): {text}",
                secret.len()
            );
        }
    }
}

/// The secrets of a session snapshot: its token, session cookie and cookie values.
fn snapshot_secrets(snapshot: &SessionSnapshot) -> Vec<String> {
    let mut secrets: Vec<String> = snapshot
        .token
        .iter()
        .map(|t| t.expose_secret().to_string())
        .collect();
    if let Some(cookie) = &snapshot.session_cookie {
        secrets.push(cookie.value.expose_secret().to_string());
    }
    for cookie in &snapshot.cookies {
        let set_cookie = cookie.set_cookie.expose_secret();
        let value = set_cookie
            .split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        if value.len() >= 6 {
            secrets.push(value);
        }
    }
    secrets
}

fn field<'a>(fields: &'a BTreeMap<String, String>, name: &str) -> &'a str {
    fields
        .get(name)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("field {name} missing in {fields:?}"))
}

/// What the interceptor kept of a call: operation id, session call, status, error kind.
type Outcome = (String, bool, Option<u16>, Option<String>);

/// An interceptor that adds a header, checks it never sees a session credential on an API
/// call, and keeps each outcome.
#[derive(Clone, Default)]
struct Audit {
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    saw_credential: Arc<Mutex<bool>>,
}

impl Intercept for Audit {
    fn modify_request(&self, call: &CallInfo<'_>, request: &mut reqwest::Request) {
        if !call.session_call
            && (request.headers().contains_key("x-mstr-authtoken")
                || request.headers().contains_key("authorization"))
        {
            *self.saw_credential.lock().unwrap() = true;
        }
        request
            .headers_mut()
            .insert("x-correlation-id", "job-42".parse().unwrap());
    }
    fn read_outcome(&self, call: &CallInfo<'_>, outcome: &CallOutcome<'_>) {
        self.outcomes.lock().unwrap().push((
            call.operation_id.to_string(),
            call.session_call,
            outcome.status.map(|s| s.as_u16()),
            outcome.error.map(|k| k.as_str().to_string()),
        ));
    }
}

/// A sleeper that does not sleep (retries are immediate).
fn no_sleep() -> Sleeper {
    Sleeper::new(|_| futures::future::ready(()).boxed())
}

#[tokio::test]
async fn mstr_calls_have_otel_spans_session_events_and_no_secret() {
    let s = default_sim().await;
    let capture = Capture::default();
    let _guard = capture.install();
    let audit = Audit::default();
    let c = builder(&s)
        .http(
            HttpConfig::new()
                .request_timeout(Some(Duration::from_secs(20)))
                .retry_sleeper(no_sleep())
                .intercept(audit.clone()),
        )
        .retry_policy(RetryPolicy::default().with_max_retries(2))
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .build()
        .unwrap();
    let api = c.typed();

    // 1. First call: a login, then the call.
    api.get_user_info().send().await.unwrap();
    let secrets = {
        let mut secrets = snapshot_secrets(&c.auth().snapshot().unwrap());
        secrets.push(ADMIN_PASS.to_string());
        secrets
    };
    // 2. The server ends the session: renewal and one replay.
    s.expire_all_sessions();
    api.get_user_info().send().await.unwrap();
    let secrets_after = snapshot_secrets(&c.auth().snapshot().unwrap());
    // 3. A proxy in front answers 502 to every call: the transport retries twice, then the
    //    502 is returned.
    s.faults()
        .set_faults(Faults::none().rate(FaultKind::HtmlErrorPage, 1.0));
    let err = c
        .auth()
        .send_checked(c.auth().request(reqwest::Method::GET, "/sessions"))
        .await
        .unwrap_err();
    s.faults().set_faults(Faults::none());
    let failed_status = err.status().expect("the proxy's 502").as_u16();
    // 4. Close: the logout.
    c.close().await.unwrap();
    assert_eq!(s.open_sessions(), 0);

    // The typed calls: one span each, OTel fields, the spec's template.
    let typed = capture.calls_of("get_user_info");
    assert_eq!(typed.len(), 2, "{typed:?}");
    for span in &typed {
        assert_eq!(field(span, "http.request.method"), "GET");
        assert_eq!(field(span, "server.address"), "127.0.0.1");
        assert_eq!(field(span, "server.port"), s.addr().port().to_string());
        assert_eq!(field(span, "bi_rest.vendor"), "mstr");
        assert_eq!(field(span, "otel.kind"), "client");
        assert_eq!(field(span, "http.response.status_code"), "200");
        let template = field(span, "url.template");
        assert_eq!(template, "/sessions/userInfo");
        assert_eq!(field(span, "otel.name"), format!("GET {template}"));
        assert!(!span.contains_key("error.type"), "{span:?}");
    }
    assert_eq!(field(&typed[1], "http.request.resend_count"), "1");
    // The session's own calls have spans too.
    // (A MicroStrategy login is `POST /auth/login`, then `GET /sessions` for its facts.)
    let logins = capture.calls_of("login");
    let posts = logins
        .iter()
        .filter(|span| field(span, "http.request.method") == "POST")
        .count();
    assert_eq!((logins.len(), posts), (4, 2), "two logins: {logins:?}");
    assert_eq!(capture.calls_of("logout").len(), 1);
    // The failed call: error.type is the status, the span is an error.
    let raw = capture.calls_of("raw request");
    assert_eq!(raw.len(), 1, "{raw:?}");
    assert_eq!(
        field(&raw[0], "http.response.status_code"),
        failed_status.to_string()
    );
    assert_eq!(field(&raw[0], "error.type"), failed_status.to_string());
    assert_eq!(field(&raw[0], "otel.status_code"), "ERROR");
    assert_eq!(field(&raw[0], "http.request.resend_count"), "2");

    // Events with their reasons, inside the span of the call that caused them.
    let login = capture.events("login");
    assert_eq!(login.len(), 1);
    assert_eq!(field(&login[0].fields, "reason"), "no session");
    assert_eq!(
        field(&login[0].scope[0], "bi_rest.operation_id"),
        "get_user_info"
    );
    let renewal = capture.events("renewal");
    assert_eq!(renewal.len(), 1);
    assert_eq!(
        field(&renewal[0].fields, "reason"),
        "server ended the session"
    );
    assert_eq!(capture.events("logged_in").len(), 2);
    let replay = capture.events("replay");
    assert_eq!(replay.len(), 1);
    assert_eq!(
        field(&replay[0].fields, "bi_rest.operation_id"),
        "get_user_info"
    );
    let retries = capture.events("retry");
    assert_eq!(retries.len(), 2);
    assert_eq!(
        field(&retries[0].fields, "reason"),
        format!("status {failed_status}")
    );
    assert_eq!(
        field(&retries[0].scope[0], "bi_rest.operation_id"),
        "raw request"
    );
    let logout = capture.events("logout");
    assert_eq!(logout.len(), 1);
    assert_eq!(field(&logout[0].fields, "reason"), "close");

    // Never a secret: password, both tokens, session cookies.
    let mut all = secrets;
    all.extend(secrets_after);
    assert!(all.len() >= 3, "{} secrets", all.len());
    capture.assert_no_secret(&all);

    // The interceptor saw each call once with its final outcome, never a credential.
    assert!(!*audit.saw_credential.lock().unwrap());
    let outcomes = audit.outcomes.lock().unwrap().clone();
    let api_calls: Vec<_> = outcomes.iter().filter(|o| !o.1).collect();
    assert_eq!(
        api_calls
            .iter()
            .map(|o| (o.0.as_str(), o.2))
            .collect::<Vec<_>>(),
        [
            ("get_user_info", Some(200)),
            ("get_user_info", Some(200)),
            ("raw request", Some(failed_status)),
        ]
    );
    assert_eq!(api_calls[2].3.as_deref(), Some("server_unreachable"));
    let session_calls: Vec<_> = outcomes
        .iter()
        .filter(|o| o.1)
        .map(|o| o.0.as_str())
        .collect();
    assert_eq!(
        session_calls,
        ["login", "login", "login", "login", "logout"]
    );
}

#[tokio::test]
async fn looker_calls_trace_without_the_client_secret_or_token() {
    use bi_rest::looker::{LookerClient, LookerSettings};
    use bi_rest::sim::looker::{
        self as sim, LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET,
    };

    let s = sim::start(LookerSimConfig::default()).await.unwrap();
    let capture = Capture::default();
    let _guard = capture.install();
    let c = LookerClient::new(LookerSettings::new(
        &s.base_url(),
        Credential::value(ADMIN_CLIENT_ID),
        Credential::value(ADMIN_CLIENT_SECRET),
    ))
    .unwrap();
    c.me().await.unwrap();
    let mut secrets = snapshot_secrets(&c.auth().snapshot().unwrap());
    secrets.push(ADMIN_CLIENT_SECRET.to_string());
    c.close().await.unwrap();
    assert_eq!(s.stats().live_tokens, 0);

    assert_eq!(capture.calls_of("login").len(), 1);
    assert_eq!(capture.calls_of("logout").len(), 1);
    assert!(capture
        .calls()
        .iter()
        .all(|span| field(span, "bi_rest.vendor") == "looker"));
    assert_eq!(capture.events("login").len(), 1);
    assert_eq!(capture.events("logout").len(), 1);
    capture.assert_no_secret(&secrets);
}

#[tokio::test]
async fn agileapps_calls_trace_without_the_password_or_session_cookie() {
    use bi_rest::agileapps::{AgileAppsClient, AgileAppsConfig, LoginMethod};
    use bi_rest::sim::agileapps::{self as sim, AgileAppsSimConfig};

    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    let capture = Capture::default();
    let _guard = capture.install();
    let password = "jim-pw";
    let c = AgileAppsClient::login(
        AgileAppsConfig::new(&s.base_url()).unwrap(),
        LoginMethod::Password {
            user_name: "jim@acme.com".into(),
            password: Credential::value(password),
        },
    )
    .await
    .unwrap();
    let secrets = snapshot_secrets(&c.auth().snapshot().unwrap());
    c.close().await.unwrap();
    assert_eq!(s.stats().open_sessions, 0);

    assert_eq!(capture.calls_of("login").len(), 1);
    assert_eq!(capture.calls_of("logout").len(), 1);
    assert_eq!(capture.events("logout").len(), 1);
    assert!(!secrets.is_empty(), "the session cookie is a secret");
    let mut all = secrets;
    all.push(password.to_string());
    // The password is short: look for it only as a field value.
    let text = capture.text();
    assert!(!text.contains("\"jim-pw\""), "{text}");
    all.retain(|s| s.len() >= 6);
    capture.assert_no_secret(&all);
}
