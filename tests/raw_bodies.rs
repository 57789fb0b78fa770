//! A module generated for bi-rest (`bi_rest_generator::Build`: crates through
//! `bi_rest::__private`, the operations table's types from `bi_rest::operations`), with the
//! hooks `generated_client!` attaches: a raw request body (multipart, XML, CSV) reaches the
//! server with the spec's media type, not progenitor's `application/octet-stream`, after the
//! auth core's session headers; and the module's table is a `bi_rest::operations` table. The
//! module is generator/tests/fixtures/raw_bodies/bi_rest.rs (kept fresh by the generator's
//! tests/raw_bodies.rs).

#[path = "../generator/tests/fixtures/raw_bodies/capture.rs"]
mod capture;

use bi_rest::auth::{Auth, Authenticator, LoginContext, Session};
use bi_rest::operations::{Location, Operation};
use futures::future::BoxFuture;
use futures::FutureExt;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

#[allow(clippy::all, dead_code, unused_imports)]
mod raw_bodies {
    include!("../generator/tests/fixtures/raw_bodies/bi_rest.rs");
}
// What `bi_rest::generated_client!(mod raw_bodies)` adds after including the module.
bi_rest::bi_rest_auth_hooks!(module = raw_bodies);
bi_rest::bi_rest_generated_client!(raw_bodies::Client);

/// A session without a login call: a fixed token in `X-Token`.
#[derive(Debug)]
struct FixedToken;

impl Authenticator for FixedToken {
    fn vendor(&self) -> &'static str {
        "test"
    }
    fn login<'a>(
        &'a self,
        _ctx: &'a LoginContext,
    ) -> BoxFuture<'a, Result<Session, bi_rest::Error>> {
        async { Ok(Session::new(Some("t0k3n".to_string().into()), "fixed")) }.boxed()
    }
    fn logout<'a>(
        &'a self,
        _ctx: &'a LoginContext,
        _session: &'a Session,
    ) -> BoxFuture<'a, Result<(), bi_rest::Error>> {
        async { Ok(()) }.boxed()
    }
    fn decorate(&self, request: &mut reqwest::Request, session: &Session) {
        if let Some(value) = session.token_header(|t| t.parse().ok()) {
            request.headers_mut().insert("x-token", value);
        }
    }
    fn is_session_expired(&self, _status: StatusCode, _headers: &HeaderMap, _body: &[u8]) -> bool {
        false
    }
}

const FORM: &str = "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\n\r\na,b\r\n--b0undary--\r\n";

#[tokio::test]
async fn raw_bodies_go_out_with_the_spec_media_type_through_the_auth_hooks() {
    let (url, mut seen) = capture::start().await;
    let auth = Auth::builder(url, FixedToken).build().expect("auth");
    let client = auth.generated::<raw_bodies::Client>();
    client.upload().body(FORM).send().await.expect("upload");
    client
        .put_note()
        .id("n 1")
        .body("<note/>")
        .send()
        .await
        .expect("put_note");
    client
        .import_rows()
        .body("a,b\n")
        .send()
        .await
        .expect("import_rows");
    let mut got = Vec::new();
    for _ in 0..3 {
        let r = seen.recv().await.expect("a request");
        assert_eq!(
            r.header("x-token"),
            "t0k3n",
            "the session decorates {}",
            r.path
        );
        if r.path == "/files" {
            assert_eq!(r.body, FORM.as_bytes(), "the body goes out as built");
        }
        got.push((
            r.method.clone(),
            r.path.clone(),
            r.header("content-type").to_string(),
        ));
    }
    let got: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|(m, p, c)| (m.as_str(), p.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("POST", "/files", "multipart/form-data; boundary=b0undary"),
            ("PUT", "/notes/n%201", "application/xml"),
            ("POST", "/rows", "text/csv"),
        ]
    );
}

/// The path parameters of an operation: written once against `bi_rest::operations`.
fn path_params(op: &Operation) -> Vec<&'static str> {
    op.parameters
        .iter()
        .filter(|p| p.location == Location::Path)
        .map(|p| p.name)
        .collect()
}

#[test]
fn every_generated_table_is_a_bi_rest_operations_table() {
    // Typed as `bi_rest::operations::Operation`: no conversion between modules.
    #[allow(unused_mut)] // without the vendor features, only the fixture's table
    let mut tables: Vec<&'static [Operation]> = vec![raw_bodies::operations::ALL];
    #[cfg(feature = "mstr")]
    tables.push(bi_rest::generated::mstr::operations::ALL);
    #[cfg(feature = "agileapps")]
    tables.push(bi_rest::generated::agileapps::operations::ALL);
    for table in &tables {
        assert!(!table.is_empty());
    }
    let note: &'static Operation = raw_bodies::operations::find("putNote").expect("putNote");
    assert_eq!(path_params(note), ["id"]);
    assert_eq!(note.body_media_type, Some("application/xml"));
    assert!(note.raw_body);
}
