//! Typed XML bodies. Progenitor encodes only JSON, form, text and octet-stream bodies, so the
//! normalisation passes send XML request bodies raw (or use the JSON alternative) and return
//! XML answers as bytes. This module closes the gap for any spec:
//! - [`capture`] (a normalisation pass run before the request-body and response passes)
//!   records, per operation, the schema of the XML request body, XML success answer and XML
//!   error answer (inline schemas are hoisted into `components/schemas` as
//!   `<OpId>XmlRequest`/`XmlResponse`/`XmlError`) and references them from the operation
//!   (`x-bi-rest-xml`) so progenitor generates their model types;
//! - [`render`] emits `pub mod xml` next to progenitor's output: a table of the XML shape of
//!   every schema involved (root element name, `xml.name`/`attribute`/`wrapped`/`prefix`/
//!   `namespace`), a quick-xml writer and reader between those shapes and the generated
//!   models (via serde), and one `<operation_id>_xml` function per operation that builds the
//!   request with `client.client()`, runs the client's `pre`/`exec`/`post` hooks (auth,
//!   re-login, replay), sends `application/xml` and parses the XML answer. The progenitor
//!   method of the same operation is unchanged (JSON or raw), so the caller picks the format.

use crate::normalise::{canonical_media_type, deref, operation_keys, operation_mut, pascal, Ctx};
use crate::ops_table::OpRow;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::fmt::Write;

/// Operation extension that keeps the XML schemas reachable (so subsetting keeps them).
pub const EXTENSION: &str = "x-bi-rest-xml";

/// One XML body of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlBody {
    /// Media type as declared (`application/xml`, `text/xml`, `application/atom+xml`...).
    pub media_type: String,
    /// Component schema name.
    pub schema: String,
}

/// The XML bodies of one operation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XmlOp {
    /// The request body.
    pub request: Option<XmlBody>,
    /// The 2xx answer.
    pub success: Option<XmlBody>,
    /// The 4xx/5xx/default answer.
    pub error: Option<XmlBody>,
}

/// Whether a media type is XML data (`application/xml`, `text/xml`, `*+xml`; not images such
/// as `image/svg+xml`, which stay raw bytes).
pub fn is_xml(media_type: &str) -> bool {
    let mt = canonical_media_type(media_type);
    !mt.starts_with("image/")
        && (mt == "application/xml" || mt == "text/xml" || mt.ends_with("+xml"))
}

/// Whether a body schema describes a document model (object, array, composition) rather than
/// a scalar (a string or binary schema means the XML is handled as an opaque document).
fn is_model(doc: &Value, schema: &Value) -> bool {
    let s = deref(doc, schema).unwrap_or(schema);
    !matches!(
        s.get("type").and_then(Value::as_str),
        Some("string" | "integer" | "number" | "boolean")
    ) && s.as_object().is_some_and(|m| !m.is_empty())
}

/// The XML media type and schema of a `content` map, if any.
fn xml_in(content: Option<&Value>) -> Option<(String, Value)> {
    let content = content?.as_object()?;
    content
        .iter()
        .find(|(mt, _)| is_xml(mt))
        .map(|(mt, m)| (mt.clone(), m.get("schema").cloned().unwrap_or(json!({}))))
}

/// Component name of a `#/components/schemas/X` reference.
fn component_of(schema: &Value) -> Option<String> {
    let r = schema.get("$ref")?.as_str()?;
    let name = r.strip_prefix("#/components/schemas/")?;
    Some(name.replace("~1", "/").replace("~0", "~"))
}

fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The pass: records XML bodies in the flags and hoists inline XML schemas.
pub fn capture(doc: &mut Value, ctx: &mut Ctx<'_>) -> crate::Result<()> {
    let snapshot = doc.clone();
    let mut existing: BTreeSet<String> = snapshot
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut hoisted: Map<String, Value> = Map::new();
    for (path, method) in operation_keys(doc) {
        let Some(op) = operation_mut(doc, &path, &method) else {
            continue;
        };
        let op_id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("op")
            .to_string();
        let mut found = XmlOp::default();
        let mut name_of = |schema: Value, suffix: &str| -> String {
            if let Some(c) = component_of(&schema) {
                return c;
            }
            let wanted = format!("{}{suffix}", pascal(&op_id));
            let mut name = wanted.clone();
            let mut n = 2;
            while existing.contains(&name) {
                name = format!("{wanted}{n}");
                n += 1;
            }
            existing.insert(name.clone());
            hoisted.insert(name.clone(), schema);
            name
        };
        if let Some(body) = op.get("requestBody").and_then(|b| deref(&snapshot, b)) {
            if let Some((mt, schema)) =
                xml_in(body.get("content")).filter(|(_, schema)| is_model(&snapshot, schema))
            {
                found.request = Some(XmlBody {
                    media_type: mt,
                    schema: name_of(schema, "XmlRequest"),
                });
            }
        }
        if let Some(responses) = op.get("responses").and_then(Value::as_object) {
            for (status, resp) in responses {
                let Some(resp) = deref(&snapshot, resp) else {
                    continue;
                };
                let Some((mt, schema)) =
                    xml_in(resp.get("content")).filter(|(_, schema)| is_model(&snapshot, schema))
                else {
                    continue;
                };
                let success = status.starts_with('2');
                let slot = if success {
                    &mut found.success
                } else if status.starts_with(['4', '5']) || status == "default" {
                    &mut found.error
                } else {
                    continue;
                };
                if slot.is_none() {
                    let suffix = if success { "XmlResponse" } else { "XmlError" };
                    *slot = Some(XmlBody {
                        media_type: mt,
                        schema: name_of(schema, suffix),
                    });
                }
            }
        }
        if found == XmlOp::default() {
            continue;
        }
        let refs: Vec<Value> = [&found.request, &found.success, &found.error]
            .into_iter()
            .flatten()
            .map(|b| json!({"$ref": format!("#/components/schemas/{}", escape(&b.schema))}))
            .collect();
        op.insert(EXTENSION.into(), json!({ "schemas": refs }));
        ctx.flags(&method, &path).xml = Some(found);
    }
    if !hoisted.is_empty() {
        if let Some(root) = doc.as_object_mut() {
            let components = root
                .entry("components")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(c) = components {
                let schemas = c
                    .entry("schemas")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(s) = schemas {
                    s.extend(hoisted);
                }
            }
        }
    }
    Ok(())
}

/// Rust type name progenitor (typify) gives component `name`.
pub fn type_name(name: &str) -> String {
    use heck::ToPascalCase;
    name.to_pascal_case()
}

/// Whether progenitor's output defines type `ty`.
fn has_type(tokens: &str, ty: &str) -> bool {
    tokens.contains(&format!("struct {ty} ")) || tokens.contains(&format!("enum {ty} "))
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn opt_lit(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("Some({s:?})"),
        None => "None".into(),
    }
}

fn xml_obj<'a>(s: &'a Value, key: &str) -> Option<&'a Value> {
    s.get("xml").and_then(|x| x.get(key))
}

fn xml_str<'a>(s: &'a Value, key: &str) -> Option<&'a str> {
    xml_obj(s, key).and_then(Value::as_str)
}

fn is_scalar_type(doc: &Value, s: &Value) -> bool {
    let s = deref(doc, s).unwrap_or(s);
    matches!(
        s.get("type").and_then(Value::as_str),
        Some("string" | "integer" | "number" | "boolean")
    ) || s.get("oneOf").is_some()
}

/// Rust expression of the `Shape` of schema `s`; component names met are added to `refs`.
fn shape(doc: &Value, s: &Value, depth: usize, refs: &mut BTreeSet<String>) -> String {
    if depth > 32 {
        return "Shape::Any".into();
    }
    if s.get("$ref").is_some() {
        return match component_of(s) {
            Some(name) => {
                let e = format!("Shape::Ref({})", lit(&name));
                refs.insert(name);
                e
            }
            None => match deref(doc, s) {
                Some(t) if t.get("$ref").is_none() => shape(doc, &t.clone(), depth + 1, refs),
                _ => "Shape::Any".into(),
            },
        };
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = s.get(key).and_then(Value::as_array) {
            let parts: Vec<String> = alts
                .iter()
                .map(|a| shape(doc, a, depth + 1, refs))
                .collect();
            return format!("Shape::OneOf(&[{}])", parts.join(", "));
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        if all.len() == 1 {
            return shape(doc, &all[0], depth + 1, refs);
        }
        let mut props = Map::new();
        let mut additional = None;
        for part in all {
            let p = deref(doc, part).unwrap_or(part);
            if let Some(m) = p.get("properties").and_then(Value::as_object) {
                props.extend(m.clone());
            }
            if let Some(a) = p.get("additionalProperties") {
                additional = Some(a.clone());
            }
        }
        let mut merged = json!({"type": "object", "properties": props});
        if let Some(a) = additional {
            merged["additionalProperties"] = a;
        }
        return shape(doc, &merged, depth + 1, refs);
    }
    match s.get("type").and_then(Value::as_str) {
        Some("array") => {
            let items = s.get("items").cloned().unwrap_or(json!({}));
            let item_name = xml_str(&items, "name")
                .or_else(|| deref(doc, &items).and_then(|t| xml_str(t, "name")))
                .map(str::to_string);
            let wrapped = xml_obj(s, "wrapped").and_then(Value::as_bool) == Some(true);
            format!(
                "Shape::Array(&ArrayShape {{ item: {}, wrapped: {wrapped}, item_name: {} }})",
                shape(doc, &items, depth + 1, refs),
                opt_lit(item_name.as_deref())
            )
        }
        Some("integer") => "Shape::Integer".into(),
        Some("number") => "Shape::Number".into(),
        Some("boolean") => "Shape::Boolean".into(),
        Some("string") => "Shape::String".into(),
        Some("object") | None
            if s.get("properties").is_some()
                || s.get("additionalProperties").is_some()
                || s.get("type").is_some() =>
        {
            object_shape(doc, s, depth, refs)
        }
        _ => "Shape::Any".into(),
    }
}

fn object_shape(doc: &Value, s: &Value, depth: usize, refs: &mut BTreeSet<String>) -> String {
    let empty = Map::new();
    let props = s
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let attrs: BTreeSet<&String> = props
        .iter()
        .filter(|(_, p)| xml_obj(p, "attribute").and_then(Value::as_bool) == Some(true))
        .map(|(k, _)| k)
        .collect();
    let mut out = Vec::new();
    for (k, p) in props {
        let attribute = attrs.contains(k);
        let text = p.get("x-xml-text").and_then(Value::as_bool) == Some(true)
            || (k == "value"
                && !attribute
                && !attrs.is_empty()
                && xml_obj(p, "name").is_none()
                && is_scalar_type(doc, p));
        out.push(format!(
            "Prop {{ name: {}, xml_name: {}, prefix: {}, attribute: {attribute}, text: {text}, shape: {} }}",
            lit(k),
            lit(xml_str(p, "name").unwrap_or(k)),
            opt_lit(xml_str(p, "prefix")),
            shape(doc, p, depth + 1, refs)
        ));
    }
    let additional = match s.get("additionalProperties") {
        None | Some(Value::Bool(false)) => "None".to_string(),
        Some(Value::Bool(true)) => "Some(&Shape::Any)".to_string(),
        Some(a) => format!("Some(&{})", shape(doc, a, depth + 1, refs)),
    };
    format!(
        "Shape::Object(&ObjectShape {{ props: &[{}], additional: {additional} }})",
        out.join(", ")
    )
}

/// A Rust-safe snake_case identifier for a parameter name.
fn ident(name: &str, taken: &mut BTreeSet<String>) -> String {
    use heck::ToSnakeCase;
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut id = cleaned.to_snake_case();
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        id = format!("p_{id}");
    }
    if syn::parse_str::<syn::Ident>(&id).is_err() {
        id.push('_');
    }
    while !taken.insert(id.clone()) {
        id.push('_');
    }
    id
}

/// What [`render`] produced.
pub struct Rendered {
    /// Rust source of `pub mod xml` (empty when no operation has XML bodies).
    pub code: String,
    /// (method, path, change) lines for the report.
    pub changes: Vec<(String, String, String)>,
}

/// Emits `pub mod xml` for the operations of `rows` that have XML bodies in `flags`.
/// `tokens` is progenitor's output as text (to check the model types exist).
pub fn render(
    doc: &Value,
    rows: &[OpRow],
    flags: &crate::normalise::FlagMap,
    tokens: &str,
) -> Rendered {
    let mut fns = String::new();
    let mut changes = Vec::new();
    let mut refs = BTreeSet::new();
    for row in rows {
        let Some(x) = flags
            .get(&(row.method.clone(), row.path.clone()))
            .and_then(|f| f.xml.clone())
        else {
            continue;
        };
        let mut change =
            |msg: String| changes.push((row.method.to_ascii_lowercase(), row.path.clone(), msg));
        if x.request.is_none() && row.body_media_type.is_some() {
            change(format!(
                "no typed XML function: the request body is `{}`, not XML",
                row.body_media_type.as_deref().unwrap_or_default()
            ));
            continue;
        }
        let missing: Vec<String> = [&x.request, &x.success, &x.error]
            .into_iter()
            .flatten()
            .map(|b| type_name(&b.schema))
            .filter(|t| !has_type(tokens, t))
            .collect();
        if !missing.is_empty() {
            change(format!(
                "no typed XML function: progenitor generated no type {}",
                missing.join(", ")
            ));
            continue;
        }
        for b in [&x.request, &x.success, &x.error].into_iter().flatten() {
            refs.insert(b.schema.clone());
        }
        fns.push_str(&function(row, &x));
        let describe = |b: &Option<XmlBody>, what: &str| {
            b.as_ref()
                .map(|b| format!("{what} `{}` as `{}`", type_name(&b.schema), b.media_type))
        };
        let parts: Vec<String> = [
            describe(&x.request, "request"),
            describe(&x.success, "answer"),
            describe(&x.error, "errors"),
        ]
        .into_iter()
        .flatten()
        .collect();
        change(format!(
            "typed XML via quick-xml: `xml::{}_xml` ({})",
            row.id,
            parts.join(", ")
        ));
    }
    if fns.is_empty() {
        return Rendered {
            code: String::new(),
            changes,
        };
    }
    // Every component reachable from the roots gets a table entry.
    let mut entries = Vec::new();
    let mut done = BTreeSet::new();
    let mut queue: Vec<String> = refs.into_iter().collect();
    while let Some(name) = queue.pop() {
        if !done.insert(name.clone()) || done.len() > 10_000 {
            continue;
        }
        let pointer = format!("/components/schemas/{}", escape(&name));
        let Some(s) = doc.pointer(&pointer) else {
            continue;
        };
        let mut found = BTreeSet::new();
        let shape = shape(doc, s, 0, &mut found);
        queue.extend(found.into_iter().filter(|n| !done.contains(n)));
        entries.push((
            name.clone(),
            format!(
                "Schema {{ name: {}, element: {}, prefix: {}, namespace: {}, shape: {shape} }}",
                lit(&name),
                lit(xml_str(s, "name").unwrap_or(&name)),
                opt_lit(xml_str(s, "prefix")),
                opt_lit(xml_str(s, "namespace")),
            ),
        ));
    }
    // Sorted by name (`str` byte order): `schema(name)` binary-searches the table.
    entries.sort();
    let entries: Vec<String> = entries.into_iter().map(|(_, e)| e).collect();
    let mut code = String::from(
        "\n/// Typed XML bodies (quick-xml + serde): for every operation with an XML request or\n/// answer, `<operation_id>_xml` sends the generated model as XML and parses the XML answer\n/// into the generated model, through the client's hooks. The progenitor method of the same\n/// operation is unchanged (JSON, or raw bytes), so the caller picks the format.\n#[allow(dead_code, unused_imports, clippy::all)]\npub mod xml {\n",
    );
    code.push_str(crate::xml_runtime::RUNTIME);
    let _ = write!(
        code,
        "\n    /// XML shape of every schema used in an XML body.\n    pub static SCHEMAS: &[Schema] = &[{}];\n",
        entries.join(",\n")
    );
    code.push_str(&fns);
    code.push_str("}\n");
    Rendered { code, changes }
}

/// Rust source of `<id>_xml` for one operation.
fn function(row: &OpRow, x: &XmlOp) -> String {
    let mut taken: BTreeSet<String> = [
        "client", "body", "url", "query", "request", "info", "result", "response", "status",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let mut args = vec!["client: &Client".to_string()];
    let mut path_fmt = row.path.replace('{', "{{").replace('}', "}}");
    let mut path_args = Vec::new();
    let mut setup = String::new();
    for (name, loc, required, _) in &row.parameters {
        let id = ident(name, &mut taken);
        match loc.as_str() {
            "path" => {
                args.push(format!("{id}: &str"));
                path_fmt = path_fmt.replace(&format!("{{{{{name}}}}}"), "{}");
                path_args.push(format!("encode_path({id})"));
            }
            "query" | "header" => {
                let push = if loc == "query" {
                    format!("query.push(({}, {id}.to_string()));", lit(name))
                } else {
                    format!("headers.push(({}, {id}.to_string()));", lit(name))
                };
                if *required {
                    args.push(format!("{id}: &str"));
                    let _ = writeln!(setup, "        {push}");
                } else {
                    args.push(format!("{id}: Option<&str>"));
                    let _ = writeln!(setup, "        if let Some({id}) = {id} {{ {push} }}");
                }
            }
            _ => {}
        }
    }
    let mut body_lines = String::new();
    if let Some(b) = &x.request {
        args.push(format!("body: &types::{}", type_name(&b.schema)));
        let _ = write!(
            body_lines,
            ".header(reqwest::header::CONTENT_TYPE, {}).body(to_xml(body, {}).map_err(|e| Error::InvalidRequest(e.to_string()))?)",
            lit(&b.media_type),
            lit(&b.schema)
        );
    }
    let accept = x
        .success
        .as_ref()
        .or(x.error.as_ref())
        .map(|b| b.media_type.clone())
        .unwrap_or_else(|| "application/xml".into());
    let ok_ty = match &x.success {
        Some(b) => format!("types::{}", type_name(&b.schema)),
        None => "ByteStream".into(),
    };
    let err_ty = match &x.error {
        Some(b) => format!("types::{}", type_name(&b.schema)),
        None => "()".into(),
    };
    let on_success = match &x.success {
        Some(b) => format!("typed(response, {}).await", lit(&b.schema)),
        None => "Ok(ResponseValue::stream(response))".into(),
    };
    let on_error = match &x.error {
        Some(b) => format!("Err(error_body(response, {}).await)", lit(&b.schema)),
        None => "Err(Error::UnexpectedResponse(response))".into(),
    };
    let method = row.method.to_ascii_uppercase();
    let method = match method.as_str() {
        "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" | "TRACE" => {
            format!("reqwest::Method::{method}")
        }
        other => format!(
            "reqwest::Method::from_bytes({}.as_bytes()).map_err(|e| Error::InvalidRequest(e.to_string()))?",
            lit(other)
        ),
    };
    let url_args = if path_args.is_empty() {
        String::new()
    } else {
        format!(", {}", path_args.join(", "))
    };
    format!(
        r#"
    /// `{id}` (`{m} {path}`) with XML bodies: {what}. Runs through the client's hooks.
    pub async fn {id}_xml({args}) -> Result<ResponseValue<{ok_ty}>, Error<{err_ty}>> {{
        let url = format!("{{}}{path_fmt}", client.baseurl(){url_args});
        #[allow(unused_mut)]
        let mut query: Vec<(&str, String)> = Vec::new();
        #[allow(unused_mut)]
        let mut headers: Vec<(&str, String)> = Vec::new();
{setup}        let mut builder = client
            .client()
            .request({method}, url)
            .header(reqwest::header::ACCEPT, {accept})
            {body_lines}
            .query(&query);
        for (k, v) in headers {{
            builder = builder.header(k, v);
        }}
        let mut request = builder.build()?;
        let info = OperationInfo {{ operation_id: {id_lit} }};
        client.pre(&mut request, &info).await?;
        let result = client.exec(request, &info).await;
        client.post(&result, &info).await?;
        let response = result?;
        let status = response.status();
        if status.is_success() {{
            {on_success}
        }} else if status.is_client_error() || status.is_server_error() {{
            {on_error}
        }} else {{
            Err(Error::UnexpectedResponse(response))
        }}
    }}
"#,
        id = row.id,
        m = row.method,
        path = row.path,
        what = match (&x.request, &x.success) {
            (Some(_), Some(_)) => "sends the body as XML and parses the XML answer",
            (Some(_), None) => "sends the body as XML",
            (None, _) => "parses the XML answer",
        },
        args = args.join(", "),
        accept = lit(&accept),
        id_lit = lit(&row.id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;

    fn captured(doc: &mut Value) -> crate::normalise::FlagMap {
        let mut report = Report::new("t");
        let mut ctx = Ctx {
            report: &mut report,
            flags: Default::default(),
            session_headers: Vec::new(),
        };
        capture(doc, &mut ctx).unwrap();
        ctx.flags
    }

    #[test]
    fn captures_refs_and_hoists_inline_schemas() {
        let mut doc = json!({
            "paths": {"/x": {"post": {
                "operationId": "add_thing",
                "requestBody": {"content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/xml": {"schema": {"$ref": "#/components/schemas/Thing"}}
                }},
                "responses": {
                    "200": {"description": "", "content": {"text/xml": {"schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}},
                    "202": {"description": "", "content": {"application/xml": {"schema": {"type": "string"}}}},
                    "default": {"description": "", "content": {"application/problem+xml": {"schema": {"$ref": "#/components/schemas/Err"}}}}
                }
            }}},
            "components": {"schemas": {"Thing": {"type": "object"}, "Err": {"type": "object"}}}
        });
        let flags = captured(&mut doc);
        let x = flags[&("POST".to_string(), "/x".to_string())]
            .xml
            .clone()
            .unwrap();
        assert_eq!(x.request.unwrap().schema, "Thing");
        let s = x.success.unwrap();
        assert_eq!(
            (s.media_type.as_str(), s.schema.as_str()),
            ("text/xml", "AddThingXmlResponse")
        );
        assert_eq!(x.error.unwrap().schema, "Err");
        assert_eq!(
            doc["components"]["schemas"]["AddThingXmlResponse"]["properties"]["id"]["type"],
            "string"
        );
        assert_eq!(
            doc["paths"]["/x"]["post"][EXTENSION]["schemas"][1]["$ref"],
            "#/components/schemas/AddThingXmlResponse"
        );
    }

    #[test]
    fn shapes_honour_the_xml_object() {
        let doc = json!({"components": {"schemas": {
            "Item": {"type": "object", "xml": {"name": "item"}},
            "Box": {"type": "object", "xml": {"name": "box", "prefix": "b", "namespace": "urn:b"},
                "properties": {
                    "id": {"type": "integer", "xml": {"attribute": true}},
                    "value": {"type": "string"},
                    "items": {"type": "array", "xml": {"wrapped": true}, "items": {"$ref": "#/components/schemas/Item"}},
                    "tag": {"type": "array", "items": {"type": "string"}},
                    "code": {"oneOf": [{"type": "integer"}, {"type": "string"}]}
                },
                "additionalProperties": {"type": "string"}}
        }}});
        let mut refs = BTreeSet::new();
        let s = shape(&doc, &doc["components"]["schemas"]["Box"], 0, &mut refs);
        assert!(s.contains(r#"Prop { name: "id", xml_name: "id", prefix: None, attribute: true, text: false, shape: Shape::Integer }"#), "{s}");
        assert!(
            s.contains(
                r#"name: "value", xml_name: "value", prefix: None, attribute: false, text: true"#
            ),
            "{s}"
        );
        assert!(s.contains(r#"Shape::Array(&ArrayShape { item: Shape::Ref("Item"), wrapped: true, item_name: Some("item") })"#), "{s}");
        assert!(s.contains(r#"Shape::Array(&ArrayShape { item: Shape::String, wrapped: false, item_name: None })"#), "{s}");
        assert!(
            s.contains("Shape::OneOf(&[Shape::Integer, Shape::String])"),
            "{s}"
        );
        assert!(s.ends_with("additional: Some(&Shape::String) })"), "{s}");
        assert_eq!(
            refs.into_iter().collect::<Vec<_>>(),
            vec!["Item".to_string()]
        );
    }

    #[test]
    fn xml_media_types() {
        for mt in [
            "application/xml",
            "text/xml",
            "application/atom+xml",
            "Application/XML; charset=utf-8",
        ] {
            assert!(is_xml(mt), "{mt}");
        }
        for mt in [
            "application/json",
            "text/plain",
            "application/xml-dtd",
            "image/svg+xml",
        ] {
            assert!(!is_xml(mt), "{mt}");
        }
    }

    #[test]
    fn parameter_idents_are_rust_safe() {
        let mut taken = BTreeSet::from(["body".to_string()]);
        assert_eq!(ident("type", &mut taken), "type_");
        assert_eq!(ident("recordId", &mut taken), "record_id");
        assert_eq!(ident("body", &mut taken), "body_");
        assert_eq!(ident("1st", &mut taken), "p_1st");
    }
}
