//! Every operation of the AgileApps spec is answered: the operations of [`STATEFUL`] by the
//! handlers in `routes.rs`, any other declared operation (after the session check) by the
//! spec-driven default, which answers the spec's example or a body synthesised from the
//! success schema, in XML or JSON as the request asks, with the platform's `message` block
//! (code 0). A path the spec does not declare gets 404 with code -300.

use serde_json::Value;

use super::*;
use crate::sim::spec::Spec;

/// The operations (method, path template) answered by stateful handlers.
pub const STATEFUL: &[(&str, &str)] = &[
    ("POST", "/networking/rest/login"),
    ("POST", "/networking/rest/login/samlAssertion"),
    ("POST", "/networking/rest/login/customerSupport"),
    ("POST", "/networking/rest/login/proxyLogin"),
    ("GET", "/networking/rest/login/proxyLogin/switchBack"),
    ("GET", "/networking/rest/logout"),
    ("GET", "/networking/rest/user"),
    ("GET", "/networking/rest/user/{userId}"),
    ("GET", "/networking/rest/record/{object}"),
    ("POST", "/networking/rest/record/{object}"),
    ("GET", "/networking/rest/record/{object}/{recordId}"),
    ("PUT", "/networking/rest/record/{object}/{recordId}"),
    ("DELETE", "/networking/rest/record/{object}/{recordId}"),
];

/// Whether the spec operation `method template` has a stateful handler.
pub fn is_stateful(method: &str, template: &str) -> bool {
    STATEFUL.iter().any(|(m, p)| *m == method && *p == template)
}

/// The default answer for a request no stateful handler took (the session is checked).
pub(super) fn answer(req: &Req) -> Reply {
    let table = Spec::AgileApps.table();
    let Some(m) = table.find(req.method.as_str(), &req.path) else {
        return fail(404, -300, "Resource does not exist");
    };
    let body = table.answer_body(m.op).unwrap_or(Value::Null);
    let mut fields = match to_out(&body) {
        Out::Obj(fields) => fields,
        other => vec![("result".to_string(), other)],
    };
    fields.retain(|(k, _)| k != "message");
    let mut reply = ok(fields);
    reply.status = StatusCode::from_u16(m.op.ok.status).unwrap_or(StatusCode::OK);
    reply
}

/// A JSON value as the output tree (numbers and booleans as text, as the platform writes
/// them in XML).
fn to_out(v: &Value) -> Out {
    match v {
        Value::Object(m) => Out::Obj(m.iter().map(|(k, v)| (k.clone(), to_out(v))).collect()),
        Value::Array(xs) => Out::List(xs.iter().map(to_out).collect()),
        Value::String(s) => Out::Str(s.clone()),
        Value::Null => Out::Str(String::new()),
        other => Out::Str(other.to_string()),
    }
}
