//! Every Looker API operation of the shipped specs (3.0, 3.1, 4.0), dispatched by the spec's
//! `operationId`: stateful handlers ([`HANDLERS`]) for users, folders, looks, dashboards,
//! scheduled plans and queries, and the spec-driven default for the rest. Every call is
//! authenticated first (401 `Requires authentication.`), its JSON body validated against the
//! spec (422 `Validation Failed` with field errors), and its answer rendered with the types
//! the version's schema declares.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::content::{self, coerce, kind_of, only_fields, LISTING_PARAMS};
use super::{api_call, error_response, Shared, St, TokenInfo, DOC_URL, PNG_1X1};
use crate::sim::spec::{Matched, Spec, SpecTable};

/// One API call, authenticated and matched to its operation.
pub(super) struct Call<'a> {
    s: &'a Shared,
    table: &'static SpecTable,
    m: Matched<'static>,
    query: Vec<(String, String)>,
    body: Option<Value>,
    who: TokenInfo,
}

impl Call<'_> {
    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn param(&self, name: &str) -> &str {
        self.m.param(name).unwrap_or("")
    }

    /// The first path parameter (the object id of `/things/{thing_id}`).
    fn id(&self) -> &str {
        self.m.params.first().map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// A JSON answer with the operation's declared status, typed for this version and
    /// trimmed to `fields`.
    fn answer(&self, v: Value) -> Response {
        let v = match &self.m.op.ok.schema {
            Some(schema) => coerce(self.table, schema, v),
            None => v,
        };
        let v = only_fields(v, self.query("fields"));
        let status = StatusCode::from_u16(self.m.op.ok.status).unwrap_or(StatusCode::OK);
        (status, Json(v)).into_response()
    }

    fn body_object(&self) -> Value {
        match &self.body {
            Some(v @ Value::Object(_)) => v.clone(),
            _ => json!({}),
        }
    }
}

type Handler = fn(&Call<'_>) -> Response;

/// The operations answered statefully, by `operationId` (the same in 3.0, 3.1 and 4.0; the
/// kinds of [`content::KINDS`] are answered too). Everything else declared in the spec gets
/// the spec-driven default.
pub(crate) const HANDLERS: &[(&str, Handler)] = &[
    ("me", me),
    ("folder_looks", |c| in_folder(c, "look")),
    ("folder_dashboards", |c| in_folder(c, "dashboard")),
    ("folder_children", folder_children),
    ("space_looks", |c| in_folder(c, "look")),
    ("space_dashboards", |c| in_folder(c, "dashboard")),
    ("space_children", folder_children),
    ("copy_dashboard", |c| copy(c, "dashboard")),
    ("copy_look", |c| copy(c, "look")),
    ("move_dashboard", |c| move_to(c, "dashboard")),
    ("move_look", |c| move_to(c, "look")),
    ("run_look", run_look),
    ("create_query", create_query),
    ("query", query),
    ("query_for_slug", query_for_slug),
    ("run_query", run_query),
    ("run_inline_query", run_inline),
    ("run_url_encoded_query", run_inline),
    ("scheduled_plans_for_look", |c| plans_for(c, "look_id")),
    ("scheduled_plans_for_dashboard", |c| {
        plans_for(c, "dashboard_id")
    }),
    ("scheduled_plan_run_once", run_once),
    ("scheduled_plan_run_once_by_id", run_once),
];

/// Whether `op_id` has a stateful handler.
pub(crate) fn is_stateful(op_id: &str) -> bool {
    kind_of(op_id).is_some() || HANDLERS.iter().any(|(id, _)| *id == op_id) || op_id == "versions"
}

fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "Not found")
}

/// The router's fallback: every `/api/{version}/...` request that is not a login or logout.
pub(super) async fn api(
    State(s): St,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let Some((ver, rest)) = path
        .strip_prefix("/api/")
        .map(|r| r.split_once('/').unwrap_or((r, "")))
    else {
        return unrouted(&s);
    };
    let Some(spec) = Spec::looker(ver) else {
        return unrouted(&s);
    };
    let table = spec.table();
    let Some(m) = table.find(method.as_str(), rest) else {
        return unrouted(&s);
    };
    if m.op.id == "versions" {
        return versions(&s, ver, &headers);
    }
    let who = match api_call(&s, ver, &headers) {
        Ok(w) => w,
        Err(r) => return r,
    };
    let body = match read_body(table, &m, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let query = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let call = Call {
        s: &s,
        table,
        m,
        query,
        body,
        who,
    };
    if let Some((kind, what)) = kind_of(&call.m.op.id) {
        return crud(&call, kind, what);
    }
    match HANDLERS.iter().find(|(id, _)| *id == call.m.op.id) {
        Some((_, h)) => h(&call),
        None => spec_default(&call),
    }
}

fn unrouted(s: &Shared) -> Response {
    s.unrouted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    not_found()
}

/// The JSON body of a call, validated against the operation's body schema.
fn read_body(table: &SpecTable, m: &Matched<'_>, raw: &Bytes) -> Result<Option<Value>, Response> {
    let Some(spec) = &m.op.body else {
        return Ok(None);
    };
    if raw.iter().all(u8::is_ascii_whitespace) {
        if spec.required {
            return Err(validation_failed(&[(
                "",
                "missing",
                "Request body is required.",
            )]));
        }
        return Ok(None);
    }
    if !spec.media.contains("json") {
        return Ok(Some(Value::String(
            String::from_utf8_lossy(raw).into_owned(),
        )));
    }
    let v: Value = serde_json::from_slice(raw)
        .map_err(|e| error_response(StatusCode::BAD_REQUEST, &format!("Invalid JSON: {e}")))?;
    if let Some(schema) = &spec.schema {
        let errors = table.validate(schema, &v);
        if !errors.is_empty() {
            let list: Vec<(&str, &str, &str)> = errors
                .iter()
                .map(|e| (e.field.as_str(), e.code, e.message.as_str()))
                .collect();
            return Err(validation_failed(&list));
        }
    }
    Ok(Some(v))
}

/// 422 `{"message":"Validation Failed","errors":[{field, code, message, documentation_url}],
/// "documentation_url"}`, Looker's `ValidationError`.
pub(super) fn validation_failed(errors: &[(&str, &str, &str)]) -> Response {
    let errors: Vec<Value> = errors
        .iter()
        .map(|(field, code, message)| {
            json!({"field": field, "code": code, "message": message, "documentation_url": DOC_URL})
        })
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(
            json!({"message": "Validation Failed", "errors": errors, "documentation_url": DOC_URL}),
        ),
    )
        .into_response()
}

/// The spec-driven default: the operation's declared success status with its example or a
/// body synthesised from its schema, in the declared media type.
fn spec_default(c: &Call<'_>) -> Response {
    c.s.spec_defaults
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let op = c.m.op;
    let status = StatusCode::from_u16(op.ok.status).unwrap_or(StatusCode::OK);
    let media = op.ok.media.as_deref().unwrap_or("");
    if media.is_empty() || status == StatusCode::NO_CONTENT {
        return status.into_response();
    }
    if media.starts_with("image/") {
        return (
            status,
            [(header::CONTENT_TYPE, "image/png")],
            Body::from(PNG_1X1),
        )
            .into_response();
    }
    let body = c.table.answer_body(op).unwrap_or(Value::Null);
    if media.contains("json") {
        return (status, Json(body)).into_response();
    }
    let text = match body {
        Value::String(s) => s,
        other => other.to_string(),
    };
    (status, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
}

fn listing(c: &Call<'_>, items: Vec<Value>) -> Response {
    let num = |name: &str| c.query(name).and_then(|v| v.trim().parse::<usize>().ok());
    let offset = num("offset").unwrap_or(0);
    let limit = num("limit").unwrap_or(usize::MAX);
    c.answer(Value::Array(
        items.into_iter().skip(offset).take(limit).collect(),
    ))
}

fn crud(c: &Call<'_>, kind: &'static content::Kind, what: &str) -> Response {
    let mut store = c.s.lock();
    match what {
        "all" => {
            let items = store.content.all(kind.name);
            drop(store);
            listing(c, items)
        }
        "search" => {
            let filters: Vec<(String, String)> = c
                .query
                .iter()
                .filter(|(k, _)| !LISTING_PARAMS.contains(&k.as_str()))
                .cloned()
                .collect();
            let items = store.content.search(kind.name, &filters);
            drop(store);
            listing(c, items)
        }
        "create" => {
            let obj = store.content.create(kind, c.body_object());
            drop(store);
            c.answer(obj)
        }
        "get" => {
            let found = store.content.get(kind.name, c.id()).cloned();
            drop(store);
            match found {
                Some(o) => c.answer(o),
                None => not_found(),
            }
        }
        "update" => match store.content.get_mut(kind.name, c.id()) {
            Some(o) => {
                content::merge(o, c.body_object());
                let o = o.clone();
                drop(store);
                c.answer(o)
            }
            None => not_found(),
        },
        _ => {
            if store.content.remove(kind.name, c.id()) {
                StatusCode::NO_CONTENT.into_response()
            } else {
                not_found()
            }
        }
    }
}

fn me(c: &Call<'_>) -> Response {
    let found =
        c.s.lock()
            .content
            .get("user", &c.who.user_id.to_string())
            .cloned();
    match found {
        Some(u) => c.answer(u),
        None => not_found(),
    }
}

fn folder_exists(c: &Call<'_>) -> bool {
    c.s.lock().content.get("folder", c.id()).is_some()
}

fn in_folder(c: &Call<'_>, kind: &str) -> Response {
    if !folder_exists(c) {
        return not_found();
    }
    let items =
        c.s.lock()
            .content
            .search(kind, &[("folder_id".into(), c.id().to_string())]);
    listing(c, items)
}

fn folder_children(c: &Call<'_>) -> Response {
    if !folder_exists(c) {
        return not_found();
    }
    let items =
        c.s.lock()
            .content
            .search("folder", &[("parent_id".into(), c.id().to_string())]);
    listing(c, items)
}

/// `POST /{dashboards|looks}/{id}/copy[?folder_id=]`: 201 when copied into another folder,
/// 200 when copied in place (both are declared by the spec).
fn copy(c: &Call<'_>, kind: &'static str) -> Response {
    let mut store = c.s.lock();
    let Some(mut obj) = store.content.get(kind, c.id()).cloned() else {
        return not_found();
    };
    let title = obj
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    obj["title"] = Value::String(format!("{title} (copy)"));
    let status = match c.query("folder_id") {
        Some(f) => {
            obj["folder_id"] = Value::String(f.to_string());
            StatusCode::CREATED
        }
        None => StatusCode::OK,
    };
    let obj = store.content.insert(kind, obj);
    drop(store);
    let mut resp = c.answer(obj);
    *resp.status_mut() = status;
    resp
}

fn move_to(c: &Call<'_>, kind: &str) -> Response {
    let mut store = c.s.lock();
    let folder = c.query("folder_id").unwrap_or("").to_string();
    if store.content.get("folder", &folder).is_none() {
        return not_found();
    }
    match store.content.get_mut(kind, c.id()) {
        Some(o) => {
            o["folder_id"] = Value::String(folder);
            let o = o.clone();
            drop(store);
            c.answer(o)
        }
        None => not_found(),
    }
}

fn rows() -> Value {
    json!([
        {"orders.created_date": "2026-11-01", "orders.count": 12},
        {"orders.created_date": "2026-11-02", "orders.count": 7}
    ])
}

/// The result of running a query, in `format` (json, json_detail, txt, csv, png, ...).
fn run_result(format: &str) -> Response {
    match format {
        "json" | "json_bi" | "json_label" => Json(rows()).into_response(),
        "json_detail" => Json(json!({"data": rows(), "fields": {}})).into_response(),
        "txt" => (
            [(header::CONTENT_TYPE, "text/plain")],
            "orders.created_date\torders.count\n2026-11-01\t12\n2026-11-02\t7\n",
        )
            .into_response(),
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv")],
            "orders.created_date,orders.count\n2026-11-01,12\n2026-11-02,7\n",
        )
            .into_response(),
        "sql" => (
            [(header::CONTENT_TYPE, "text/plain")],
            "SELECT created_date, COUNT(*) FROM orders GROUP BY 1",
        )
            .into_response(),
        "png" | "jpg" => (
            [(header::CONTENT_TYPE, "image/png")],
            Body::from(Bytes::from_static(PNG_1X1)),
        )
            .into_response(),
        _ => error_response(StatusCode::BAD_REQUEST, "Unsupported result_format"),
    }
}

fn run_look(c: &Call<'_>) -> Response {
    if c.s.lock().content.get("look", c.id()).is_none() {
        return not_found();
    }
    run_result(c.param("result_format"))
}

fn run_inline(c: &Call<'_>) -> Response {
    run_result(c.param("result_format"))
}

fn run_query(c: &Call<'_>) -> Response {
    if c.s.lock().content.get("query", c.id()).is_none() {
        return not_found();
    }
    run_result(c.param("result_format"))
}

/// `POST /queries`: besides the spec's checks, `model` and `view` must not be empty.
fn create_query(c: &Call<'_>) -> Response {
    let q = c.body_object();
    let empty: Vec<(&str, &str, &str)> = ["model", "view"]
        .into_iter()
        .filter(|f| q.get(*f).and_then(Value::as_str).is_some_and(str::is_empty))
        .map(|f| (f, "missing", "This field is required."))
        .collect();
    if !empty.is_empty() {
        return validation_failed(&empty);
    }
    let mut store = c.s.lock();
    let mut q = store.content.insert("query", q);
    let id = q["id"].as_str().unwrap_or("0").to_string();
    q["slug"] = Value::String(format!("q{id}"));
    q["can"] = json!({"run": true});
    if let Some(o) = store.content.get_mut("query", &id) {
        *o = q.clone();
    }
    drop(store);
    c.answer(q)
}

fn query(c: &Call<'_>) -> Response {
    let found = c.s.lock().content.get("query", c.id()).cloned();
    match found {
        Some(q) => c.answer(q),
        None => not_found(),
    }
}

fn query_for_slug(c: &Call<'_>) -> Response {
    let found =
        c.s.lock()
            .content
            .search("query", &[("slug".into(), c.param("slug").to_string())])
            .into_iter()
            .next();
    match found {
        Some(q) => c.answer(q),
        None => not_found(),
    }
}

fn plans_for(c: &Call<'_>, field: &str) -> Response {
    let items =
        c.s.lock()
            .content
            .search("scheduled_plan", &[(field.into(), c.id().to_string())]);
    listing(c, items)
}

fn run_once(c: &Call<'_>) -> Response {
    let mut plan = match c.m.params.first() {
        Some(_) => match c.s.lock().content.get("scheduled_plan", c.id()).cloned() {
            Some(p) => p,
            None => return not_found(),
        },
        None => c.body_object(),
    };
    content::merge(&mut plan, c.body_object());
    plan["id"] = Value::String(c.s.lock().content.new_id().to_string());
    c.answer(plan)
}

/// `GET /versions` (no authentication, as on a real server): the server version and the
/// supported API versions.
fn versions(s: &Shared, ver: &str, headers: &HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let base = format!("http://{host}");
    let version = &s.config.server_version;
    let supported: Vec<Value> = ["3.0", "3.1", "4.0"]
        .into_iter()
        .map(|v| {
            json!({"version": v, "full_version": format!("{version}"), "status": if v == "4.0" {"current"} else {"deprecated"},
                   "swagger_url": format!("{base}/api/{v}/swagger.json")})
        })
        .collect();
    let current = supported.last().cloned().unwrap_or(Value::Null);
    let _ = ver;
    Json(json!({
        "looker_release_version": version,
        "current_version": current,
        "supported_versions": supported,
        "api_server_url": base,
        "web_server_url": base,
    }))
    .into_response()
}
