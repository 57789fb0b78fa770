//! Swagger 2.0 -> OpenAPI 3.0.3 conversion on a `serde_json::Value`.
//!
//! Written here rather than taken from the `swagger2openapi` crate (0.2.0): on the Looker
//! specs that crate keeps `x-looker-nullable` as is (2,758 nullable fields lost as nullable),
//! hoists shared bodies into `components.requestBodies` (unlike the vendor's own OAS form),
//! reports nothing about what it changed, and indexes/unwraps inside (26 sites in convert.rs)
//! where this loader must never panic on user input.
//!
//! Rules: host/basePath/schemes -> servers; definitions/parameters/responses/
//! securityDefinitions -> components (every `$ref` rewritten); body parameters -> requestBody
//! per `consumes` media type; formData parameters -> an urlencoded or multipart object schema;
//! response `schema` -> content per `produces` media type; `type: file` -> binary string;
//! collectionFormat -> style/explode; x-nullable / x-looker-nullable -> nullable; vendor
//! extensions kept.

use serde_json::{json, Map, Value};

use super::error::{LoadError, LoadErrorKind};
use super::pointer::{join, join_index};
use super::{kind_name, LoadNote, TARGET_OPENAPI_VERSION};

/// Extension on a query parameter whose values travel joined by this delimiter (Swagger
/// `collectionFormat: tsv`, which has no OpenAPI 3.0 style).
pub const DELIMITER: &str = "x-bi-rest-delimiter";

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];
const DEFAULT_MEDIA: &str = "application/json";
const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// Keys of a Swagger 2.0 non-body parameter / header / items object that form its schema.
const SCHEMA_KEYS: [&str; 17] = [
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
    "x-nullable",
];

struct Ctx<'a> {
    origin: &'a str,
    notes: &'a mut Vec<LoadNote>,
    consumes: Vec<String>,
    produces: Vec<String>,
    /// Global `parameters`, by name (original Swagger form).
    global_params: Map<String, Value>,
}

impl Ctx<'_> {
    fn note(&mut self, ptr: impl Into<String>, rule: &'static str, msg: impl Into<String>) {
        self.notes.push(LoadNote::new(ptr, rule, msg));
    }

    fn invalid(&self, ptr: &str, msg: impl Into<String>) -> LoadError {
        LoadError::new(LoadErrorKind::Invalid, self.origin, ptr, msg)
    }

    fn object<'v>(
        &self,
        v: &'v Value,
        ptr: &str,
        what: &str,
    ) -> Result<&'v Map<String, Value>, LoadError> {
        v.as_object().ok_or_else(|| {
            self.invalid(
                ptr,
                format!("{what} must be an object, found {}", kind_name(v)),
            )
        })
    }
}

fn strings(v: Option<&Value>) -> Option<Vec<String>> {
    v.and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    })
}

/// Convert a Swagger 2.0 document (already known to declare `swagger: "2.0"`).
pub fn convert(doc: Value, origin: &str, notes: &mut Vec<LoadNote>) -> Result<Value, LoadError> {
    let Value::Object(src) = doc else {
        return Err(LoadError::new(
            LoadErrorKind::NotASpec,
            origin,
            "",
            "the document is not an object",
        ));
    };
    let global_params = match src.get("parameters") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(LoadError::new(
                LoadErrorKind::Invalid,
                origin,
                "/parameters",
                format!("`parameters` must be an object, found {}", kind_name(other)),
            ))
        }
    };
    let mut cx = Ctx {
        origin,
        notes,
        consumes: strings(src.get("consumes")).unwrap_or_default(),
        produces: strings(src.get("produces")).unwrap_or_default(),
        global_params,
    };

    let mut out = Map::new();
    out.insert("openapi".into(), Value::from(TARGET_OPENAPI_VERSION));
    let mut components = Map::new();
    let servers_value = servers(&src, &mut cx);
    let mut servers_value = Some(servers_value);
    // Owned iteration: definitions and other large sections move instead of being copied.
    for (key, value) in src {
        match key.as_str() {
            "swagger" | "consumes" | "produces" => {}
            "host" | "basePath" | "schemes" => {
                if let Some(v) = servers_value.take() {
                    out.insert("servers".into(), v);
                }
            }
            "paths" => {
                let paths = convert_paths(&value, &mut cx)?;
                out.insert("paths".into(), paths);
            }
            "definitions" => {
                let Value::Object(defs) = value else {
                    return Err(cx.invalid(
                        "/definitions",
                        format!(
                            "`definitions` must be an object, found {}",
                            kind_name(&value)
                        ),
                    ));
                };
                let mut schemas = Map::new();
                for (name, mut schema) in defs {
                    fix_schema(&mut schema, &join("/definitions", &name), &mut cx);
                    schemas.insert(name, schema);
                }
                components.insert("schemas".into(), Value::Object(schemas));
            }
            "parameters" => {
                let mut params = Map::new();
                for (name, p) in cx.global_params.clone() {
                    let ptr = join("/parameters", &name);
                    let pm = cx.object(&p, &ptr, "a parameter")?;
                    match pm.get("in").and_then(Value::as_str) {
                        Some("body") | Some("formData") => cx.note(
                            ptr,
                            "body-parameter-inlined",
                            "shared body/formData parameter inlined into each operation's requestBody that refers to it",
                        ),
                        _ => {
                            let converted = convert_param(pm, &ptr, &mut cx);
                            params.insert(name, Value::Object(converted));
                        }
                    }
                }
                if !params.is_empty() {
                    components.insert("parameters".into(), Value::Object(params));
                }
            }
            "responses" => {
                let rs = cx.object(&value, "/responses", "`responses`")?.clone();
                let mut out_rs = Map::new();
                let produces = cx.produces.clone();
                for (name, r) in rs {
                    let ptr = join("/responses", &name);
                    out_rs.insert(name, convert_response(&r, &produces, &ptr, &mut cx)?);
                }
                components.insert("responses".into(), Value::Object(out_rs));
            }
            "securityDefinitions" => {
                let defs = cx
                    .object(&value, "/securityDefinitions", "`securityDefinitions`")?
                    .clone();
                let mut schemes = Map::new();
                for (name, d) in defs {
                    let ptr = join("/securityDefinitions", &name);
                    let dm = cx.object(&d, &ptr, "a security definition")?.clone();
                    schemes.insert(name, convert_security(dm, &ptr, &mut cx));
                }
                components.insert("securitySchemes".into(), Value::Object(schemes));
            }
            _ => {
                out.insert(key, value);
            }
        }
    }
    if let Some(v) = servers_value {
        out.insert("servers".into(), v);
    }
    if !out.contains_key("paths") {
        out.insert("paths".into(), Value::Object(Map::new()));
        cx.note(
            "/paths",
            "paths-added",
            "Swagger document had no `paths`: an empty `paths` was added",
        );
    }
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    let mut out = Value::Object(out);
    rewrite_refs(&mut out);
    Ok(out)
}

fn servers(src: &Map<String, Value>, cx: &mut Ctx<'_>) -> Value {
    let base = src.get("basePath").and_then(Value::as_str).unwrap_or("");
    let base = if base == "/" {
        ""
    } else {
        base.trim_end_matches('/')
    };
    let Some(host) = src.get("host").and_then(Value::as_str) else {
        let url = if base.is_empty() { "/" } else { base };
        cx.note(
            "/host",
            "server-relative",
            format!("no `host`: server URL is the relative {url:?}"),
        );
        return json!([{ "url": url }]);
    };
    let schemes = strings(src.get("schemes"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            cx.note(
                "/schemes",
                "server-scheme-default",
                "no `schemes`: https assumed",
            );
            vec!["https".to_string()]
        });
    Value::Array(
        schemes
            .iter()
            .map(|s| json!({ "url": format!("{s}://{host}{base}") }))
            .collect(),
    )
}

fn convert_security(mut d: Map<String, Value>, ptr: &str, cx: &mut Ctx<'_>) -> Value {
    let ty = d
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match ty.as_str() {
        "basic" => {
            d.insert("type".into(), Value::from("http"));
            d.insert("scheme".into(), Value::from("basic"));
        }
        "oauth2" => {
            let flow = d
                .shift_remove("flow")
                .and_then(|f| f.as_str().map(str::to_string));
            let auth = d.shift_remove("authorizationUrl");
            let token = d.shift_remove("tokenUrl");
            let scopes = d.shift_remove("scopes").unwrap_or_else(|| json!({}));
            let (name, mut f) = match flow.as_deref() {
                Some("implicit") => ("implicit", Map::new()),
                Some("password") => ("password", Map::new()),
                Some("application") => ("clientCredentials", Map::new()),
                Some("accessCode") => ("authorizationCode", Map::new()),
                other => {
                    cx.note(
                        join(ptr, "flow"),
                        "oauth2-flow-unknown",
                        format!("unknown oauth2 flow {other:?}: written as implicit"),
                    );
                    ("implicit", Map::new())
                }
            };
            if matches!(name, "implicit" | "authorizationCode") {
                f.insert(
                    "authorizationUrl".into(),
                    auth.unwrap_or_else(|| Value::from("")),
                );
            }
            if matches!(name, "password" | "clientCredentials" | "authorizationCode") {
                f.insert("tokenUrl".into(), token.unwrap_or_else(|| Value::from("")));
            }
            f.insert("scopes".into(), scopes);
            let mut flows = Map::new();
            flows.insert(name.into(), Value::Object(f));
            d.insert("flows".into(), Value::Object(flows));
        }
        _ => {}
    }
    Value::Object(d)
}

fn convert_paths(paths: &Value, cx: &mut Ctx<'_>) -> Result<Value, LoadError> {
    let paths = cx.object(paths, "/paths", "`paths`")?;
    let mut out = Map::new();
    for (path, item) in paths {
        let ptr = join("/paths", path);
        if path.starts_with("x-") {
            out.insert(path.clone(), item.clone());
            continue;
        }
        let item = cx.object(item, &ptr, "a path item")?;
        let path_params = match item.get("parameters") {
            None => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(other) => {
                return Err(cx.invalid(
                    &join(&ptr, "parameters"),
                    format!("`parameters` must be an array, found {}", kind_name(other)),
                ))
            }
        };
        let mut new_item = Map::new();
        for (key, value) in item {
            if METHODS.contains(&key.as_str()) {
                let op_ptr = join(&ptr, key);
                let op = cx.object(value, &op_ptr, "an operation")?;
                new_item.insert(
                    key.clone(),
                    convert_operation(op, &path_params, &ptr, &op_ptr, cx)?,
                );
            } else if key == "parameters" {
                // Non-body path-level parameters stay at path level; body/formData ones were
                // merged into each operation.
                let mut kept = Vec::new();
                for (i, p) in path_params.iter().enumerate() {
                    let pptr = join_index(&join(&ptr, "parameters"), i);
                    let resolved = resolve_param(p, &pptr, cx)?;
                    if !resolved.is_body_like() {
                        kept.push(resolved.into_oas3(cx));
                    }
                }
                if !kept.is_empty() {
                    new_item.insert("parameters".into(), Value::Array(kept));
                }
            } else {
                new_item.insert(key.clone(), value.clone());
            }
        }
        out.insert(path.clone(), Value::Object(new_item));
    }
    Ok(Value::Object(out))
}

/// A parameter after following a `$ref` into the global `parameters`.
enum Param {
    /// `{$ref}` to a non-body global parameter: kept as a reference.
    Ref(Value),
    /// An inline parameter (or a body/formData one copied from the global section).
    Inline {
        map: Map<String, Value>,
        ptr: String,
    },
}

impl Param {
    fn location(&self) -> Option<&str> {
        match self {
            Param::Ref(_) => None,
            Param::Inline { map, .. } => map.get("in").and_then(Value::as_str),
        }
    }
    fn is_body_like(&self) -> bool {
        matches!(self.location(), Some("body") | Some("formData"))
    }
    fn key(&self) -> (String, String) {
        match self {
            Param::Ref(v) => (
                v.get("$ref").map(|r| r.to_string()).unwrap_or_default(),
                String::new(),
            ),
            Param::Inline { map, .. } => (
                map.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                self.location().unwrap_or("").to_string(),
            ),
        }
    }
    fn into_oas3(self, cx: &mut Ctx<'_>) -> Value {
        match self {
            Param::Ref(v) => v,
            Param::Inline { map, ptr } => Value::Object(convert_param(&map, &ptr, cx)),
        }
    }
}

fn resolve_param(p: &Value, ptr: &str, cx: &Ctx<'_>) -> Result<Param, LoadError> {
    let map = cx.object(p, ptr, "a parameter")?;
    if let Some(r) = map.get("$ref").and_then(Value::as_str) {
        if let Some(name) = r.strip_prefix("#/parameters/") {
            let name = name.replace("~1", "/").replace("~0", "~");
            if let Some(Value::Object(g)) = cx.global_params.get(&name) {
                if matches!(
                    g.get("in").and_then(Value::as_str),
                    Some("body") | Some("formData")
                ) {
                    return Ok(Param::Inline {
                        map: g.clone(),
                        ptr: join("/parameters", &name),
                    });
                }
            }
        }
        return Ok(Param::Ref(p.clone()));
    }
    Ok(Param::Inline {
        map: map.clone(),
        ptr: ptr.to_string(),
    })
}

fn convert_operation(
    op: &Map<String, Value>,
    path_params: &[Value],
    path_ptr: &str,
    op_ptr: &str,
    cx: &mut Ctx<'_>,
) -> Result<Value, LoadError> {
    let consumes = strings(op.get("consumes")).unwrap_or_else(|| cx.consumes.clone());
    let produces = strings(op.get("produces")).unwrap_or_else(|| cx.produces.clone());

    let mut own: Vec<Param> = Vec::new();
    match op.get("parameters") {
        None => {}
        Some(Value::Array(list)) => {
            for (i, p) in list.iter().enumerate() {
                own.push(resolve_param(
                    p,
                    &join_index(&join(op_ptr, "parameters"), i),
                    cx,
                )?);
            }
        }
        Some(other) => {
            return Err(cx.invalid(
                &join(op_ptr, "parameters"),
                format!("`parameters` must be an array, found {}", kind_name(other)),
            ))
        }
    }
    // Path-level body/formData parameters apply unless the operation overrides them.
    let mut inherited: Vec<Param> = Vec::new();
    for (i, p) in path_params.iter().enumerate() {
        let resolved = resolve_param(p, &join_index(&join(path_ptr, "parameters"), i), cx)?;
        if resolved.is_body_like() && !own.iter().any(|o| o.key() == resolved.key()) {
            inherited.push(resolved);
        }
    }
    inherited.extend(own);

    let mut params = Vec::new();
    let mut body: Option<(Map<String, Value>, String)> = None;
    let mut form: Vec<(Map<String, Value>, String)> = Vec::new();
    for p in inherited {
        let location = p.location().map(str::to_string);
        match (location.as_deref(), p) {
            (Some("body"), Param::Inline { map, ptr }) => {
                if let Some((_, first)) = &body {
                    cx.note(
                        ptr.clone(),
                        "second-body-dropped",
                        format!(
                            "a second body parameter (first at {first}) is not allowed; ignored"
                        ),
                    );
                } else {
                    body = Some((map, ptr));
                }
            }
            (Some("formData"), Param::Inline { map, ptr }) => form.push((map, ptr)),
            (_, p) => params.push(p.into_oas3(cx)),
        }
    }

    let mut out = Map::new();
    for (key, value) in op {
        match key.as_str() {
            "consumes" | "produces" => {}
            "parameters" => {}
            "responses" => {
                let rs = cx
                    .object(value, &join(op_ptr, "responses"), "`responses`")?
                    .clone();
                let mut out_rs = Map::new();
                for (code, r) in rs {
                    let rptr = join(&join(op_ptr, "responses"), &code);
                    out_rs.insert(code, convert_response(&r, &produces, &rptr, cx)?);
                }
                out.insert("responses".into(), Value::Object(out_rs));
            }
            "schemes" => cx.note(
                join(op_ptr, "schemes"),
                "operation-schemes-dropped",
                "operation-level `schemes` dropped (the document servers apply)",
            ),
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
        if key == "parameters" || (key == "responses" && !out.contains_key("parameters")) {
            insert_params_and_body(&mut out, &mut params, &mut body, &mut form, &consumes, cx);
        }
    }
    insert_params_and_body(&mut out, &mut params, &mut body, &mut form, &consumes, cx);
    if !out.contains_key("responses") {
        out.insert("responses".into(), json!({"default": {"description": ""}}));
        cx.note(
            join(op_ptr, "responses"),
            "responses-added",
            "operation had no `responses`: a `default` response without body was added",
        );
    }
    Ok(Value::Object(out))
}

fn insert_params_and_body(
    out: &mut Map<String, Value>,
    params: &mut Vec<Value>,
    body: &mut Option<(Map<String, Value>, String)>,
    form: &mut Vec<(Map<String, Value>, String)>,
    consumes: &[String],
    cx: &mut Ctx<'_>,
) {
    if !params.is_empty() && !out.contains_key("parameters") {
        out.insert("parameters".into(), Value::Array(std::mem::take(params)));
    }
    if out.contains_key("requestBody") {
        return;
    }
    if let Some((map, ptr)) = body.take() {
        if !form.is_empty() {
            cx.note(ptr.clone(), "form-with-body", "formData parameters next to a body parameter are ignored (Swagger 2.0 forbids both)");
            form.clear();
        }
        out.insert("requestBody".into(), body_request(map, &ptr, consumes, cx));
    } else if !form.is_empty() {
        let taken = std::mem::take(form);
        out.insert("requestBody".into(), form_request(taken, consumes, cx));
    }
}

fn body_request(
    mut p: Map<String, Value>,
    ptr: &str,
    consumes: &[String],
    cx: &mut Ctx<'_>,
) -> Value {
    let mut schema = p.shift_remove("schema").unwrap_or_else(|| {
        cx.note(
            ptr,
            "body-without-schema",
            "body parameter without `schema`: any value accepted",
        );
        json!({})
    });
    fix_schema(&mut schema, &join(ptr, "schema"), cx);
    let media: Vec<String> = if consumes.is_empty() {
        vec![DEFAULT_MEDIA.to_string()]
    } else {
        consumes.to_vec()
    };
    let mut content = Map::new();
    for m in media {
        content.insert(m, json!({ "schema": schema.clone() }));
    }
    let mut rb = Map::new();
    if let Some(d) = p.get("description") {
        rb.insert("description".into(), d.clone());
    }
    rb.insert("content".into(), Value::Object(content));
    if p.get("required").and_then(Value::as_bool) == Some(true) {
        rb.insert("required".into(), Value::Bool(true));
    }
    if let Some(name) = p.get("name") {
        rb.insert("x-codegen-request-body-name".into(), name.clone());
    }
    for (k, v) in &p {
        if k.starts_with("x-") {
            rb.insert(k.clone(), v.clone());
        }
    }
    Value::Object(rb)
}

fn form_request(
    params: Vec<(Map<String, Value>, String)>,
    consumes: &[String],
    cx: &mut Ctx<'_>,
) -> Value {
    let has_file = params
        .iter()
        .any(|(p, _)| p.get("type").and_then(Value::as_str) == Some("file"));
    let mut media: Vec<String> = consumes
        .iter()
        .filter(|m| m.starts_with(FORM_URLENCODED) || m.starts_with(MULTIPART))
        .cloned()
        .collect();
    if media.is_empty() {
        media.push(if has_file { MULTIPART } else { FORM_URLENCODED }.to_string());
    }
    let mut props = Map::new();
    let mut required = Vec::new();
    let mut encoding = Map::new();
    for (p, ptr) in params {
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut schema = schema_from_simple(&p, &ptr, cx);
        if let (Some(d), Some(s)) = (p.get("description"), schema.as_object_mut()) {
            s.insert("description".into(), d.clone());
        }
        if p.get("required").and_then(Value::as_bool) == Some(true) {
            required.push(Value::from(name.clone()));
        }
        if p.get("type").and_then(Value::as_str) == Some("array") {
            let (style, explode) = match p.get("collectionFormat").and_then(Value::as_str) {
                Some("multi") => ("form", true),
                Some("ssv") => ("spaceDelimited", false),
                Some("pipes") => ("pipeDelimited", false),
                _ => ("form", false),
            };
            encoding.insert(name.clone(), json!({"style": style, "explode": explode}));
        }
        props.insert(name, schema);
    }
    let mut schema = Map::new();
    schema.insert("type".into(), Value::from("object"));
    schema.insert("properties".into(), Value::Object(props));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required.clone()));
    }
    let schema = Value::Object(schema);
    let mut content = Map::new();
    for m in media {
        let mut mt = Map::new();
        mt.insert("schema".into(), schema.clone());
        if !encoding.is_empty() && m.starts_with(FORM_URLENCODED) {
            mt.insert("encoding".into(), Value::Object(encoding.clone()));
        }
        content.insert(m, Value::Object(mt));
    }
    let mut rb = Map::new();
    rb.insert("content".into(), Value::Object(content));
    if !required.is_empty() {
        rb.insert("required".into(), Value::Bool(true));
    }
    Value::Object(rb)
}

/// Build a schema from a non-body parameter / header / items object.
fn schema_from_simple(p: &Map<String, Value>, ptr: &str, cx: &mut Ctx<'_>) -> Value {
    let mut s = Map::new();
    for k in SCHEMA_KEYS {
        if let Some(v) = p.get(k) {
            if k == "items" {
                let items = match v.as_object() {
                    Some(im) => items_schema(im, &join(ptr, "items"), cx),
                    None => v.clone(),
                };
                s.insert("items".into(), items);
            } else {
                s.insert(k.to_string(), v.clone());
            }
        }
    }
    let mut v = Value::Object(s);
    fix_schema(&mut v, ptr, cx);
    v
}

/// A Swagger 2.0 items object as a schema: every key kept (real specs put `$ref`s here)
/// except `collectionFormat`, which has no 3.0 form below the parameter level.
fn items_schema(im: &Map<String, Value>, ptr: &str, cx: &mut Ctx<'_>) -> Value {
    if im.contains_key("collectionFormat") {
        cx.note(
            join(ptr, "collectionFormat"),
            "nested-collection-format",
            "nested `collectionFormat` has no OpenAPI 3.0 form; dropped",
        );
    }
    let mut out = Map::new();
    for (k, v) in im {
        match (k.as_str(), v) {
            ("collectionFormat", _) => {}
            ("items", Value::Object(inner)) => {
                out.insert(k.clone(), items_schema(inner, &join(ptr, "items"), cx));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn convert_param(p: &Map<String, Value>, ptr: &str, cx: &mut Ctx<'_>) -> Map<String, Value> {
    let location = p
        .get("in")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let mut out = Map::new();
    for (k, v) in p {
        if SCHEMA_KEYS.contains(&k.as_str()) || k == "collectionFormat" {
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
    if p.contains_key("schema") {
        // Not valid on a non-body parameter in 2.0, but it is already the 3.0 form.
        if let Some(s) = out.get_mut("schema") {
            fix_schema(s, &join(ptr, "schema"), cx);
        }
    } else {
        out.insert("schema".into(), schema_from_simple(p, ptr, cx));
    }
    if p.get("x-looker-deprecated").and_then(Value::as_bool) == Some(true)
        && !out.contains_key("deprecated")
    {
        out.insert("deprecated".into(), Value::Bool(true));
        cx.note(
            join(ptr, "x-looker-deprecated"),
            "x-looker-deprecated",
            "`x-looker-deprecated: true` written as `deprecated: true` (extension kept)",
        );
    }
    if location == "path" && p.get("required").and_then(Value::as_bool) != Some(true) {
        out.insert("required".into(), Value::Bool(true));
        cx.note(
            join(ptr, "required"),
            "path-param-required",
            "path parameter marked `required: true` (OpenAPI 3.0 requires it)",
        );
    }
    if p.get("type").and_then(Value::as_str) == Some("array") {
        let cf = p
            .get("collectionFormat")
            .and_then(Value::as_str)
            .unwrap_or("csv");
        let style = match (location.as_str(), cf) {
            ("query", "csv") => Some(("form", false)),
            ("query", "multi") => Some(("form", true)),
            ("query", "ssv") => Some(("spaceDelimited", false)),
            ("query", "pipes") => Some(("pipeDelimited", false)),
            ("path" | "header", "csv") => Some(("simple", false)),
            ("query", "tsv") => {
                // No 3.0 style: the parameters pass sends it as one tab-joined string.
                out.insert(DELIMITER.into(), Value::from("\t"));
                None
            }
            _ => None,
        };
        match style {
            Some((style, explode)) => {
                out.insert("style".into(), Value::from(style));
                out.insert("explode".into(), Value::Bool(explode));
            }
            None if out.contains_key(DELIMITER) => {}
            None => cx.note(
                join(ptr, "collectionFormat"),
                "collection-format-unsupported",
                format!("collectionFormat {cf:?} for an {location} parameter has no OpenAPI 3.0 style; default style used"),
            ),
        }
    }
    out
}

fn convert_response(
    r: &Value,
    produces: &[String],
    ptr: &str,
    cx: &mut Ctx<'_>,
) -> Result<Value, LoadError> {
    let rm = cx.object(r, ptr, "a response")?;
    if rm.contains_key("$ref") {
        return Ok(r.clone());
    }
    let media: Vec<String> = if produces.is_empty() {
        vec![DEFAULT_MEDIA.to_string()]
    } else {
        produces.to_vec()
    };
    let mut out = Map::new();
    if !rm.contains_key("description") {
        out.insert("description".into(), Value::from(""));
        cx.note(
            join(ptr, "description"),
            "response-description-added",
            "response had no `description`: an empty one was added",
        );
    }
    let mut content = Map::new();
    for (k, v) in rm {
        match k.as_str() {
            "schema" => {
                let mut schema = v.clone();
                fix_schema(&mut schema, &join(ptr, "schema"), cx);
                for m in &media {
                    content.insert(m.clone(), json!({ "schema": schema.clone() }));
                }
            }
            "examples" => {
                if let Some(ex) = v.as_object() {
                    for (m, example) in ex {
                        let entry = content.entry(m.clone()).or_insert_with(|| json!({}));
                        if let Some(e) = entry.as_object_mut() {
                            e.insert("example".into(), example.clone());
                        }
                    }
                }
            }
            "headers" => {
                let mut headers = Map::new();
                if let Some(hs) = v.as_object() {
                    for (name, h) in hs {
                        let hptr = join(&join(ptr, "headers"), name);
                        let Some(hm) = h.as_object() else {
                            return Err(cx.invalid(
                                &hptr,
                                format!("a header must be an object, found {}", kind_name(h)),
                            ));
                        };
                        let mut nh = Map::new();
                        for (hk, hv) in hm {
                            if !SCHEMA_KEYS.contains(&hk.as_str()) && hk != "collectionFormat" {
                                nh.insert(hk.clone(), hv.clone());
                            }
                        }
                        nh.insert("schema".into(), schema_from_simple(hm, &hptr, cx));
                        headers.insert(name.clone(), Value::Object(nh));
                    }
                }
                out.insert("headers".into(), Value::Object(headers));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if !content.is_empty() {
        out.insert("content".into(), Value::Object(content));
    }
    Ok(Value::Object(out))
}

/// Fix a Swagger 2.0 schema into its OpenAPI 3.0 form, recursively.
fn fix_schema(schema: &mut Value, ptr: &str, cx: &mut Ctx<'_>) {
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    for k in ["items", "additionalProperties", "not"] {
        if let Some(s @ Value::Object(_)) = map.get_mut(k) {
            fix_schema(s, &join(ptr, k), cx);
        }
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        for (name, s) in props.iter_mut() {
            fix_schema(s, &join(&join(ptr, "properties"), name), cx);
        }
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(list)) = map.get_mut(k) {
            for (i, s) in list.iter_mut().enumerate() {
                fix_schema(s, &join_index(&join(ptr, k), i), cx);
            }
        }
    }
    let mut nullable = false;
    if let Some(v) = map.shift_remove("x-nullable") {
        nullable = v.as_bool() == Some(true);
        cx.note(
            join(ptr, "x-nullable"),
            "x-nullable",
            format!("`x-nullable: {v}` written as `nullable`"),
        );
    }
    if map.get("x-looker-nullable").and_then(Value::as_bool) == Some(true) {
        nullable = true;
        cx.note(
            join(ptr, "x-looker-nullable"),
            "x-looker-nullable",
            "`x-looker-nullable: true` written as `nullable: true` (extension kept)",
        );
    }
    if nullable {
        if let Some(r) = map.shift_remove("$ref") {
            // 3.0 ignores siblings of `$ref`: wrap it so `nullable` is honoured.
            map.insert("allOf".into(), json!([{ "$ref": r }]));
        }
        map.insert("nullable".into(), Value::Bool(true));
    }
    // Looker's own Swagger -> OAS conversion turns these two extensions into their standard
    // keywords; doing the same keeps the Swagger and shipped OAS forms in step (extensions kept).
    if let Some(Value::Array(values)) = map.get("x-looker-values").cloned() {
        if !map.contains_key("enum") {
            map.insert("enum".into(), Value::Array(values));
            cx.note(
                join(ptr, "x-looker-values"),
                "x-looker-values",
                "`x-looker-values` written as `enum` (extension kept)",
            );
        }
    }
    if map.get("x-looker-deprecated").and_then(Value::as_bool) == Some(true)
        && !map.contains_key("deprecated")
    {
        map.insert("deprecated".into(), Value::Bool(true));
        cx.note(
            join(ptr, "x-looker-deprecated"),
            "x-looker-deprecated",
            "`x-looker-deprecated: true` written as `deprecated: true` (extension kept)",
        );
    }
    if map.get("type").and_then(Value::as_str) == Some("file") {
        map.insert("type".into(), Value::from("string"));
        map.insert("format".into(), Value::from("binary"));
        cx.note(
            join(ptr, "type"),
            "type-file",
            "`type: file` written as `type: string, format: binary`",
        );
    }
    if let Some(Value::String(prop)) = map.get("discriminator").cloned() {
        map.insert("discriminator".into(), json!({ "propertyName": prop }));
        cx.note(
            join(ptr, "discriminator"),
            "discriminator-object",
            "discriminator property name written as a 3.0 discriminator object",
        );
    }
}

/// Rewrite every Swagger 2.0 `$ref` fragment to its OpenAPI 3.0 component location.
fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                if let Some(new) = rewrite_ref(r) {
                    *r = new;
                }
            }
            for child in map.values_mut() {
                if child.is_object() || child.is_array() {
                    rewrite_refs(child);
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// `#/definitions/X` -> `#/components/schemas/X` (also behind a file part); others unchanged.
pub fn rewrite_ref(r: &str) -> Option<String> {
    let (file, frag) = r.split_once('#')?;
    for (from, to) in [
        ("/definitions/", "/components/schemas/"),
        ("/parameters/", "/components/parameters/"),
        ("/responses/", "/components/responses/"),
    ] {
        if let Some(rest) = frag.strip_prefix(from) {
            return Some(format!("{file}#{to}{rest}"));
        }
    }
    None
}
