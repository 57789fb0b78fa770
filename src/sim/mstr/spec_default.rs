//! Every operation of the MicroStrategy spec is answered: the routes of [`STATEFUL`] by their
//! handlers, every other declared operation by the spec-driven default, after the same checks
//! a real server makes: the session (401 `ERR009`), the project header when the operation
//! declares it (`ERR005` missing, `ERR004` unknown, `ERR017` not allowed), other required
//! headers and query parameters (400 `ERR005`), and the JSON body against the spec (400
//! `ERR006` "Invalid JSON" or a wrong type, 400 `ERR005` a missing required field). The answer
//! is the operation's declared success status with the spec's example or a body synthesised
//! from its schema. The JSON bodies of stateful operations go through the same body check
//! before their handler sees them (see `dispatch`).

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, Response, StatusCode};
use axum::middleware::Next;
use serde_json::Value;
use std::sync::OnceLock;

use super::data::project_of;
use super::errors::{json_response, MstrError};
use super::routes::{caller, finish, parse_json, Ctx, Reply, St};
use super::state::MstrState;
use super::API_ROOT_PATH;
use crate::sim::spec::{BodySpec, Matched, Op, Spec};

/// The operations (method, path template as the spec writes it) answered by stateful
/// handlers; every other operation of the spec gets the spec-driven default.
pub const STATEFUL: &[(&str, &str)] = &[
    ("GET", "/status"),
    ("POST", "/auth/login"),
    ("POST", "/auth/logout"),
    ("POST", "/auth/delegate"),
    ("POST", "/auth/identityToken"),
    ("GET", "/auth/identityToken"),
    ("POST", "/auth/apiTokens"),
    ("GET", "/auth/apiTokens"),
    ("DELETE", "/auth/apiTokens"),
    ("GET", "/auth/token"),
    ("GET", "/sessions"),
    ("PUT", "/sessions"),
    ("DELETE", "/sessions"),
    ("GET", "/sessions/userInfo"),
    ("GET", "/sessions/privileges"),
    ("GET", "/sessions/privileges/{id}"),
    ("PUT", "/sessions/projectId"),
    ("GET", "/projects"),
    ("GET", "/projects/{id}"),
    ("GET", "/searches/results"),
    ("POST", "/metadataSearches/results"),
    ("GET", "/metadataSearches/results"),
    ("GET", "/objects/{id}"),
    ("GET", "/reports/{reportId}"),
    ("GET", "/v2/reports/{id}"),
    ("POST", "/v2/reports/{id}/instances"),
    ("GET", "/v2/reports/{reportId}/instances/{reportInstance}"),
    ("GET", "/cubes"),
    ("GET", "/cubes/{cubeId}"),
    ("HEAD", "/cubes/{cubeId}"),
    ("GET", "/v2/cubes/{cubeId}"),
    ("POST", "/v2/cubes/{cubeId}"),
    ("POST", "/v2/cubes/{cubeId}/instances"),
    ("GET", "/v2/cubes/{cubeId}/instances/{instanceId}"),
    ("POST", "/datasets"),
    ("POST", "/datasets/models"),
    ("GET", "/datasets/{datasetId}"),
    ("POST", "/datasets/{datasetId}/uploadSessions"),
    (
        "PUT",
        "/datasets/{datasetId}/uploadSessions/{uploadSessionId}",
    ),
    (
        "DELETE",
        "/datasets/{datasetId}/uploadSessions/{uploadSessionId}",
    ),
    (
        "POST",
        "/datasets/{datasetId}/uploadSessions/{uploadSessionId}/publish",
    ),
    (
        "GET",
        "/datasets/{datasetId}/uploadSessions/{uploadSessionId}/publishStatus",
    ),
    ("POST", "/model/changesets"),
    ("GET", "/model/changesets/{changesetId}"),
    ("DELETE", "/model/changesets/{changesetId}"),
    ("POST", "/model/changesets/{changesetId}/commit"),
    ("GET", "/model/metrics/{metricId}"),
    ("GET", "/v2/iserver/settings"),
    ("GET", "/v2/projects/{projectId}/settings"),
    ("GET", "/users"),
    ("POST", "/users"),
    ("GET", "/users/{id}"),
    ("PATCH", "/users/{id}"),
    ("DELETE", "/users/{id}"),
    ("GET", "/usergroups/{id}"),
    // Browsing and object management (folders.rs, directory.rs).
    ("POST", "/searches/objects"),
    ("GET", "/metadataSearches/results/tree"),
    ("GET", "/folders"),
    ("POST", "/folders"),
    ("GET", "/folders/{id}"),
    ("DELETE", "/folders/{id}"),
    ("GET", "/folders/preDefined/{folderType}"),
    ("GET", "/folders/myPersonalObjects"),
    ("PUT", "/objects/{id}"),
    ("DELETE", "/objects/{id}"),
    ("POST", "/objects/{id}/copy"),
    ("DELETE", "/objects"),
    // Report and cube execution (reports.rs), cube caches (caches.rs), datasets.
    (
        "GET",
        "/v2/reports/{reportId}/instances/{reportInstance}/sqlView",
    ),
    (
        "GET",
        "/v2/reports/{id}/instances/{instanceId}/pageBy/elements",
    ),
    ("POST", "/reports/{reportId}/instances"),
    (
        "GET",
        "/reports/{reportId}/instances/{reportInstance}/prompts",
    ),
    (
        "PUT",
        "/reports/{reportId}/instances/{reportInstance}/prompts/answers",
    ),
    ("GET", "/v2/cubes/{cubeId}/sqlView"),
    ("GET", "/cubes/{cubeId}/attributes/{attributeId}/elements"),
    ("GET", "/model/cubes/{cubeId}"),
    ("GET", "/monitors/caches/cubes"),
    ("PATCH", "/monitors/caches/cubes/{cacheId}"),
    ("DELETE", "/monitors/caches/cubes/{cacheId}"),
    (
        "DELETE",
        "/monitors/projects/{projectId}/caches/{cacheType}",
    ),
    ("PATCH", "/datasets/{datasetId}/tables/{tableId}"),
];

/// Whether the spec operation `method template` has a stateful handler.
pub fn is_stateful(method: &str, template: &str) -> bool {
    STATEFUL.iter().any(|(m, p)| *m == method && *p == template)
}

/// [`is_stateful`] for each operation of the table, by position (computed once).
fn stateful_by_index() -> &'static [bool] {
    static FLAGS: OnceLock<Vec<bool>> = OnceLock::new();
    FLAGS.get_or_init(|| {
        Spec::Mstr
            .table()
            .ops
            .iter()
            .map(|op| is_stateful(&op.method, &op.path))
            .collect()
    })
}

/// Most bytes of a request body the default reads.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Middleware in front of the router: a declared operation without a stateful handler is
/// answered by the default here (so a parameter route such as `/objects/{id}` never shadows
/// a literal one the spec declares); everything else goes on to the router.
pub(crate) async fn dispatch(State(st): St, req: Request, next: Next) -> Response<Body> {
    let path = req.uri().path();
    let Some(rest) = path
        .strip_prefix(API_ROOT_PATH)
        .or_else(|| path.strip_prefix("/api"))
    else {
        return next.run(req).await;
    };
    let table = Spec::Mstr.table();
    let Some(op) = table.find_op(req.method().as_str(), rest) else {
        return next.run(req).await;
    };
    if stateful_by_index().get(op.index).copied().unwrap_or(true) {
        return match op.body.as_ref().filter(|b| validates(b)) {
            Some(spec) => validated(&st, op, spec, req, next).await,
            None => next.run(req).await,
        };
    }
    let Some(m) = table.find(req.method().as_str(), rest) else {
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
    let ctx = match Ctx::from_request_parts(&mut parts, &()).await {
        Ok(c) => c,
        Err(never) => match never {},
    };
    let reply = match to_bytes(body, BODY_LIMIT).await {
        Ok(body) => answer(&st, &ctx, &m, &body),
        Err(_) => Err(MstrError::invalid_input("Request body too large")),
    };
    finish(&st, reply)
}

/// The stateful operations a caller may send without a session (their bodies are checked
/// before any session is).
const SESSIONLESS: &[(&str, &str)] = &[("POST", "/auth/login"), ("POST", "/auth/delegate")];

/// Whether a body the spec declares is checked here: a JSON body with a schema.
fn validates(spec: &BodySpec) -> bool {
    spec.schema.is_some() && spec.media.contains("json")
}

/// A call of a stateful operation whose JSON body the spec describes (sent as JSON, or
/// without a `Content-Type`): the body is checked against the spec as the defaults check
/// theirs (400 `ERR006` bad JSON or a wrong type, 400 `ERR005` a missing required field) and a
/// body the spec refuses never reaches the handler. The
/// vendor's order holds: a refused body of an operation that needs a session is reported only
/// once the session is known to be live (otherwise the 401 `ERR009` comes first, and the
/// idle timeout, the expiry fault and the call counter apply exactly as in the handler).
async fn validated(
    st: &MstrState,
    op: &Op,
    spec: &BodySpec,
    req: Request,
    next: Next,
) -> Response<Body> {
    // A body sent in another form (the form-encoded login mstrio-py sends) is the handler's.
    let declared_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.to_ascii_lowercase().contains("json"));
    if !declared_json {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let body = match to_bytes(body, BODY_LIMIT).await {
        Ok(body) => body,
        Err(_) => return finish(st, Err(MstrError::invalid_input("Request body too large"))),
    };
    let Err(refused) = check_body(spec, &body) else {
        return next.run(Request::from_parts(parts, Body::from(body))).await;
    };
    let sessionless = SESSIONLESS
        .iter()
        .any(|(m, p)| op.method == *m && op.path == *p);
    if !sessionless {
        let ctx = match Ctx::from_request_parts(&mut parts, &()).await {
            Ok(c) => c,
            Err(never) => match never {},
        };
        if let Err(e) = caller(st, &ctx) {
            return finish(st, Err(e));
        }
    }
    finish(st, Err(refused))
}

/// The default answer of a declared operation, after the vendor's checks.
fn answer(st: &MstrState, ctx: &Ctx, m: &Matched<'_>, body: &[u8]) -> Reply {
    let c = caller(st, ctx)?;
    let op = m.op;
    for h in &op.headers {
        if h.eq_ignore_ascii_case("X-MSTR-ProjectID") {
            project_of(ctx, &c.user)?;
        } else if !h.eq_ignore_ascii_case("X-MSTR-AuthToken") && ctx.header(h).is_none() {
            return Err(MstrError::missing_info(format!(
                "Missing required header '{h}'"
            )));
        }
    }
    for q in &op.query {
        if ctx.query_one(q).is_none() {
            return Err(MstrError::missing_info(format!(
                "Missing required query parameter '{q}'"
            )));
        }
    }
    if let Some(spec) = &op.body {
        check_body(spec, body)?;
    }
    st.count_spec_default();
    let status = StatusCode::from_u16(op.ok.status).unwrap_or(StatusCode::OK);
    let table = Spec::Mstr.table();
    match table.answer_body(op) {
        Some(v) if status != StatusCode::NO_CONTENT => Ok(json_response(status, &v)),
        _ => {
            let mut resp = Response::new(Body::empty());
            *resp.status_mut() = status;
            Ok(resp)
        }
    }
}

/// A body checked against the spec: ERR005 when a required body or field is missing, ERR006
/// when it is not JSON or a field has the wrong type.
fn check_body(spec: &BodySpec, body: &[u8]) -> Result<(), MstrError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        if spec.required {
            return Err(MstrError::missing_info("Missing required request body"));
        }
        return Ok(());
    }
    if !spec.media.contains("json") {
        return Ok(());
    }
    let v: Value = parse_json(body)?;
    let Some(schema) = &spec.schema else {
        return Ok(());
    };
    let errors = Spec::Mstr.table().validate(schema, &v);
    match errors.first() {
        None => Ok(()),
        Some(e) if e.code == "missing" => Err(MstrError::missing_field(&e.field)),
        Some(e) => Err(MstrError::invalid_input(format!(
            "Invalid value for field '{}': {}",
            e.field, e.message
        ))),
    }
}
