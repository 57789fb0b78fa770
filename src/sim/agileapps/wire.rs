//! The wire: the output tree rendered as XML or JSON, and request reading.

use super::*;

#[derive(Debug)]
pub(super) enum Out {
    Str(String),
    Obj(Vec<(String, Out)>),
    List(Vec<Out>),
    AttrText(Vec<(String, String)>, String),
}

pub(super) fn s(v: impl Into<String>) -> Out {
    Out::Str(v.into())
}

pub(super) fn esc(v: &str) -> String {
    quick_xml::escape::escape(v).into_owned()
}

pub(super) fn render_xml(key: &str, out: &Out, buf: &mut String) {
    match out {
        Out::Str(v) => {
            buf.push_str(&format!("<{key}>{}</{key}>", esc(v)));
        }
        Out::Obj(fields) => {
            buf.push_str(&format!("<{key}>"));
            for (k, v) in fields {
                render_xml(k, v, buf);
            }
            buf.push_str(&format!("</{key}>"));
        }
        Out::List(items) => {
            for item in items {
                render_xml(key, item, buf);
            }
        }
        Out::AttrText(attrs, text) => {
            buf.push_str(&format!("<{key}"));
            for (k, v) in attrs {
                buf.push_str(&format!(" {k}=\"{}\"", esc(v)));
            }
            buf.push_str(&format!(">{}</{key}>", esc(text)));
        }
    }
}

pub(super) fn render_json(out: &Out) -> serde_json::Value {
    use serde_json::Value;
    match out {
        Out::Str(v) => Value::String(v.clone()),
        Out::Obj(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), render_json(v)))
                .collect(),
        ),
        Out::List(items) => Value::Array(items.iter().map(render_json).collect()),
        Out::AttrText(attrs, text) => {
            let mut map: serde_json::Map<String, Value> = attrs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            map.insert("value".into(), Value::String(text.clone()));
            Value::Object(map)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Fmt {
    Xml,
    Json,
}

#[derive(Debug)]
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) body: Vec<(String, Out)>,
    pub(super) set_cookie: Option<String>,
    pub(super) extra_cookie: Option<String>,
    /// Cut the rendered body in half (a login answer nobody can read).
    pub(super) truncated: bool,
}

pub(super) fn message(code: i64, description: &str) -> (String, Out) {
    (
        "message".into(),
        Out::Obj(vec![
            ("code".into(), s(code.to_string())),
            ("description".into(), s(description)),
        ]),
    )
}

pub(super) fn ok(mut body: Vec<(String, Out)>) -> Reply {
    body.push(message(0, "Success"));
    Reply {
        status: StatusCode::OK,
        body,
        set_cookie: None,
        extra_cookie: None,
        truncated: false,
    }
}

pub(super) fn fail(status: u16, code: i64, description: &str) -> Reply {
    Reply {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body: vec![message(code, description)],
        set_cookie: None,
        extra_cookie: None,
        truncated: false,
    }
}

pub(super) fn not_logged_in(shared: &Shared) -> Reply {
    shared.counters.not_logged_in.fetch_add(1, Ordering::SeqCst);
    fail(401, -101, "User not logged in")
}

pub(super) fn render(reply: Reply, fmt: Fmt) -> Response {
    let (ct, text) = match fmt {
        Fmt::Xml => {
            let mut buf = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            render_xml("platform", &Out::Obj(reply.body), &mut buf);
            ("application/xml", buf)
        }
        Fmt::Json => {
            let v = serde_json::json!({ "platform": render_json(&Out::Obj(reply.body)) });
            ("application/json", v.to_string())
        }
    };
    let text = if reply.truncated {
        let mut cut = text.len() / 2;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text[..cut].to_string()
    } else {
        text
    };
    let mut resp = Response::new(Body::from(text));
    *resp.status_mut() = reply.status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    for c in [reply.set_cookie, reply.extra_cookie].into_iter().flatten() {
        if let Ok(v) = HeaderValue::from_str(&c) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

pub(super) struct Req {
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) query: HashMap<String, String>,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

impl Req {
    pub(super) fn response_format(&self) -> Fmt {
        match self.query.get("alt").map(|s| s.to_ascii_lowercase()) {
            Some(a) if a == "json" => return Fmt::Json,
            Some(a) if a == "xml" => return Fmt::Xml,
            _ => {}
        }
        let accept = self
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if accept.contains("json") && !accept.contains("xml") {
            Fmt::Json
        } else {
            Fmt::Xml
        }
    }

    pub(super) fn body_format(&self) -> Option<Fmt> {
        let ct = self
            .headers
            .get(header::CONTENT_TYPE)?
            .to_str()
            .ok()?
            .to_ascii_lowercase();
        if ct.contains("json") {
            Some(Fmt::Json)
        } else if ct.contains("xml") {
            Some(Fmt::Xml)
        } else {
            None
        }
    }

    pub(super) fn session_id(&self) -> Option<String> {
        self.cookie(SESSION_COOKIE)
    }

    pub(super) fn cookie(&self, name: &str) -> Option<String> {
        for value in self.headers.get_all(header::COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            for part in text.split(';') {
                if let Some((k, v)) = part.trim().split_once('=') {
                    if k.trim() == name {
                        return Some(v.trim().to_string());
                    }
                }
            }
        }
        None
    }
}

#[derive(Deserialize, Default)]
pub(super) struct LoginBody {
    #[serde(rename = "userName", default)]
    pub(super) user_name: Option<String>,
    #[serde(default)]
    pub(super) password: Option<String>,
    #[serde(rename = "samlAssertion", default)]
    pub(super) saml_assertion: Option<String>,
    #[serde(default)]
    pub(super) client_tenant_id: Option<String>,
    #[serde(default)]
    pub(super) proxy_user_id: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct XmlLogin {
    login: LoginBody,
}

#[derive(Deserialize)]
pub(super) struct XmlRecord {
    record: BTreeMap<String, String>,
}

pub(super) fn json_platform(
    body: &[u8],
) -> Result<serde_json::Map<String, serde_json::Value>, Reply> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| fail(400, -4601, "Invalid payload: not JSON"))?;
    match v.get("platform") {
        Some(serde_json::Value::Object(m)) => Ok(m.clone()),
        _ => Err(fail(400, -4601, "Invalid payload: no platform element")),
    }
}

pub(super) fn json_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Null => Some(String::new()),
        _ => None,
    }
}

pub(super) fn read_login(req: &Req) -> Result<LoginBody, Reply> {
    match req.body_format() {
        None => Err(fail(
            415,
            -4601,
            "Content-Type must be application/xml or application/json",
        )),
        Some(Fmt::Xml) => {
            let text = std::str::from_utf8(&req.body)
                .map_err(|_| fail(400, -4601, "Invalid payload: not UTF-8"))?;
            quick_xml::de::from_str::<XmlLogin>(text)
                .map(|x| x.login)
                .map_err(|_| fail(400, -4601, "Invalid payload for this resource"))
        }
        Some(Fmt::Json) => {
            let platform = json_platform(&req.body)?;
            let login = platform
                .get("login")
                .and_then(|v| v.as_object())
                .ok_or_else(|| fail(400, -4601, "Invalid payload: no login element"))?;
            let get = |k: &str| login.get(k).and_then(json_text);
            Ok(LoginBody {
                user_name: get("userName"),
                password: get("password"),
                saml_assertion: get("samlAssertion"),
                client_tenant_id: get("client_tenant_id"),
                proxy_user_id: get("proxy_user_id"),
            })
        }
    }
}

pub(super) fn read_record(req: &Req) -> Result<BTreeMap<String, String>, Reply> {
    let record = match req.body_format() {
        None => {
            return Err(fail(
                415,
                -4601,
                "Content-Type must be application/xml or application/json",
            ))
        }
        Some(Fmt::Xml) => {
            let text = std::str::from_utf8(&req.body)
                .map_err(|_| fail(400, -4601, "Invalid payload: not UTF-8"))?;
            quick_xml::de::from_str::<XmlRecord>(text)
                .map(|x| x.record)
                .map_err(|_| fail(400, -4601, "Invalid payload for this resource"))?
        }
        Some(Fmt::Json) => {
            let platform = json_platform(&req.body)?;
            let rec = platform
                .get("record")
                .and_then(|v| v.as_object())
                .ok_or_else(|| fail(400, -4601, "Invalid payload: no record element"))?;
            let mut out = BTreeMap::new();
            for (k, v) in rec {
                let text = json_text(v)
                    .ok_or_else(|| fail(400, -4601, &format!("Invalid value for field {k}")))?;
                out.insert(k.clone(), text);
            }
            out
        }
    };
    if record.is_empty() {
        return Err(fail(
            400,
            -4601,
            "Invalid payload: the record has no fields",
        ));
    }
    for name in record.keys() {
        let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(fail(400, -4601, &format!("Invalid field name {name:?}")));
        }
    }
    Ok(record)
}
