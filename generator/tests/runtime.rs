//! The runtime every generated module carries, compiled, linted and tested as the Rust it is:
//! runtime/operations.rs (+ its index self-test) and runtime/xml.rs are included here into
//! modules shaped like a generated one (`operations` with a small table over the shared
//! bi-rest-operations types, `xml` with two schemas), exactly as the generator emits them with
//! `include_str!`.

/// Stands in for the generated client (the XML runtime imports it).
pub struct Client;

/// Stands in for the generated models (the XML runtime imports them).
pub mod types {}

/// A generated `operations` module: the shared types, the runtime and a four-row table.
pub mod operations {
    pub use bi_rest_operations::{Location, Operation, Parameter};

    include!("../runtime/operations.rs");

    /// The table.
    pub static ALL: &[Operation] = &[
        Operation {
            id: "get_thing",
            original_id: "getThing",
            method: "GET",
            path: "/things/{id}",
            parameters: &[Parameter {
                name: "id",
                location: Location::Path,
                required: true,
                type_hint: "string",
            }],
            body_media_type: None,
            raw_body: false,
            tags: &["things"],
            empty_success_is_null: true,
            empty_error_is_null: false,
            raw_success: false,
        },
        Operation {
            id: "delete_thing",
            original_id: "deleteThing",
            method: "DELETE",
            path: "/things/{id}",
            parameters: &[],
            body_media_type: None,
            raw_body: false,
            tags: &[],
            empty_success_is_null: false,
            empty_error_is_null: true,
            raw_success: false,
        },
        Operation {
            id: "put_thing",
            original_id: "",
            method: "PUT",
            path: "/things",
            parameters: &[],
            body_media_type: Some("application/xml"),
            raw_body: true,
            tags: &[],
            empty_success_is_null: false,
            empty_error_is_null: false,
            raw_success: false,
        },
        Operation {
            id: "upload",
            original_id: "upload",
            method: "POST",
            path: "/files",
            parameters: &[],
            body_media_type: Some("multipart/form-data"),
            raw_body: true,
            tags: &[],
            empty_success_is_null: false,
            empty_error_is_null: false,
            raw_success: false,
        },
    ];
    static BY_ID: &[(&str, u32)] = &[
        ("delete_thing", 1),
        ("get_thing", 0),
        ("put_thing", 2),
        ("upload", 3),
    ];
    static BY_ORIGINAL_ID: &[(&str, u32)] =
        &[("", 2), ("deleteThing", 1), ("getThing", 0), ("upload", 3)];

    include!("../runtime/operations_index_tests.rs");
}

/// A generated `xml` module: the runtime plus the shapes of two schemas.
pub mod xml {
    include!("../runtime/xml.rs");

    /// XML shapes, sorted by name.
    pub static SCHEMAS: &[Schema] = &[Schema {
        name: "Thing",
        element: "thing",
        prefix: None,
        namespace: None,
        shape: Shape::Object(&ObjectShape {
            props: &[
                Prop {
                    name: "id",
                    xml_name: "id",
                    prefix: None,
                    attribute: true,
                    text: false,
                    shape: Shape::Integer,
                },
                Prop {
                    name: "tags",
                    xml_name: "tags",
                    prefix: None,
                    attribute: false,
                    text: false,
                    shape: Shape::Array(&ArrayShape {
                        item: Shape::String,
                        wrapped: true,
                        item_name: Some("tag"),
                    }),
                },
            ],
            additional: None,
        }),
    }];

    /// Shaped like a generated `<operation_id>_xml`'s answer handling.
    pub async fn thing_answer(
        response: reqwest::Response,
    ) -> Result<ResponseValue<super::Thing>, Error<super::Thing>> {
        if response.status().is_success() {
            typed(response, "Thing").await
        } else {
            Err(error_body(response, "Thing").await)
        }
    }
}

fn response(status: u16, body: &'static str) -> reqwest::Response {
    let r = http::Response::builder()
        .status(status)
        .body(reqwest::Body::from(body))
        .expect("a valid response");
    reqwest::Response::from(r)
}

#[test]
fn find_by_final_and_original_id() {
    assert_eq!(
        operations::find("get_thing").map(|o| o.path),
        Some("/things/{id}")
    );
    assert_eq!(
        operations::find("deleteThing").map(|o| o.id),
        Some("delete_thing")
    );
    assert!(operations::find("nope").is_none());
}

#[tokio::test]
async fn empty_bodies_become_null_only_for_flagged_status_classes() {
    let body = |r: reqwest::Response| async move { r.text().await.expect("a body") };
    let ok = operations::null_for_empty_body("get_thing", response(200, "")).await;
    assert_eq!(body(ok.expect("ok")).await, "null");
    let err = operations::null_for_empty_body("get_thing", response(404, "")).await;
    assert_eq!(body(err.expect("ok")).await, "");
    let err = operations::null_for_empty_body("delete_thing", response(500, "")).await;
    assert_eq!(body(err.expect("ok")).await, "null");
    let full = operations::null_for_empty_body("get_thing", response(200, "{}")).await;
    assert_eq!(body(full.expect("ok")).await, "{}");
}

/// A request as progenitor builds one for a raw body: the bytes, sent as octet-stream.
fn raw_request(body: &'static [u8]) -> reqwest::Request {
    let mut r = reqwest::Request::new(
        reqwest::Method::POST,
        "http://127.0.0.1:1/x".parse().expect("a URL"),
    );
    r.headers_mut().insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/octet-stream"),
    );
    *r.body_mut() = Some(reqwest::Body::from(body));
    r
}

fn content_type(r: &reqwest::Request) -> &str {
    r.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[test]
fn raw_bodies_get_the_spec_media_type() {
    // XML: the table's type.
    let mut r = raw_request(b"<thing/>");
    operations::raw_body_content_type("put_thing", &mut r);
    assert_eq!(content_type(&r), "application/xml");
    // Multipart: the boundary the body opens with.
    let form =
        b"--b0und.ary\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--b0und.ary--\r\n";
    let mut r = raw_request(form);
    operations::raw_body_content_type("upload", &mut r);
    assert_eq!(content_type(&r), "multipart/form-data; boundary=b0und.ary");
    // A boundary with characters a token cannot hold is quoted.
    let mut r = raw_request(b"--a b:c\r\n\r\n--a b:c--\r\n");
    operations::raw_body_content_type("upload", &mut r);
    assert_eq!(content_type(&r), "multipart/form-data; boundary=\"a b:c\"");
    // No boundary to read: the spec's type as is.
    let mut r = raw_request(b"not multipart");
    operations::raw_body_content_type("upload", &mut r);
    assert_eq!(content_type(&r), "multipart/form-data");
}

#[test]
fn other_requests_keep_their_content_type() {
    // Not a raw-body operation, or no such operation: untouched.
    for id in ["get_thing", "nope"] {
        let mut r = raw_request(b"x");
        operations::raw_body_content_type(id, &mut r);
        assert_eq!(content_type(&r), "application/octet-stream", "{id}");
    }
    // A type set by the caller (or a typed XML function) stays.
    let mut r = raw_request(b"<thing/>");
    r.headers_mut().insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    operations::raw_body_content_type("put_thing", &mut r);
    assert_eq!(content_type(&r), "text/xml; charset=utf-8");
    // No Content-Type at all (no body): none is added.
    let mut r = raw_request(b"");
    r.headers_mut().remove(reqwest::header::CONTENT_TYPE);
    operations::raw_body_content_type("put_thing", &mut r);
    assert!(r.headers().get(reqwest::header::CONTENT_TYPE).is_none());
}

/// The model of the `Thing` schema.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Thing {
    id: i64,
    tags: Vec<String>,
}

#[test]
fn xml_round_trips_attributes_and_wrapped_arrays() {
    let thing = Thing {
        id: 7,
        tags: vec!["a".into(), "b".into()],
    };
    let text = xml::to_xml(&thing, "Thing").expect("writes");
    assert_eq!(
        text,
        r#"<thing id="7"><tags><tag>a</tag><tag>b</tag></tags></thing>"#
    );
    let back: Thing = xml::from_xml(text.as_bytes(), "Thing").expect("reads");
    assert_eq!(back, thing);
    assert_eq!(
        xml::from_xml::<Thing>(b"<thing/>", "Nope").unwrap_err(),
        xml::XmlError("no XML schema `Nope`".into())
    );
}

#[tokio::test]
async fn xml_answers_and_error_bodies_are_typed() {
    let ok = xml::thing_answer(response(200, r#"<thing id="1"><tags/></thing>"#))
        .await
        .expect("typed answer");
    assert_eq!(
        ok.into_inner(),
        Thing {
            id: 1,
            tags: vec![]
        }
    );
    match xml::thing_answer(response(
        409,
        r#"<thing id="2"><tags><tag>x</tag></tags></thing>"#,
    ))
    .await
    {
        Err(progenitor_client::Error::ErrorResponse(e)) => {
            assert_eq!(e.status(), 409);
            assert_eq!(e.into_inner().tags, ["x"]);
        }
        other => panic!("expected a typed error body, got {other:?}"),
    }
}
