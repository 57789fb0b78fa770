//! The shipped specs as route tables for the simulators: every declared operation is
//! answered, by a vendor's stateful handler or by the spec-driven default (an answer
//! synthesised from the operation's success schema, after the vendor's auth checks, with the
//! request body validated against the spec first).
//!
//! The tables (`tables/*.json`) are derived from `specs/` by `tests/sim_spec_tables.rs` (which
//! fails when one is stale): for each operation its id, method, path template, required query
//! and header parameters, request body (media type, schema, whether required) and first
//! success answer (status, media type, schema, example), plus the schemas these reach, without
//! descriptions. They are embedded in the binary and parsed once per process.
//!
//! - [`SpecTable::find`] matches a request to an operation (a literal segment beats a
//!   parameter, so `/looks/search` is not `/looks/{look_id}`).
//! - [`synth`] builds a schema-valid value; [`validate`] checks a body (required fields, types
//!   and enum members) and reports field errors the vendors then render in their own shape.
//! - [`super::coverage`] counts, per vendor, operations answered statefully, by the default,
//!   or not at all.

pub mod synth;
pub mod validate;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::{Map, Value};

/// One operation of a spec.
#[derive(Debug, Clone, Deserialize)]
pub struct Op {
    /// The spec's `operationId` (or `METHOD path` when it has none).
    pub id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template as the spec writes it, e.g. `/looks/{look_id}`.
    pub path: String,
    /// First tag.
    #[serde(default)]
    pub tag: Option<String>,
    /// Required query parameters.
    #[serde(default)]
    pub query: Vec<String>,
    /// Required header parameters.
    #[serde(default)]
    pub headers: Vec<String>,
    /// The request body, if the operation takes one.
    #[serde(default)]
    pub body: Option<BodySpec>,
    /// The first success answer.
    pub ok: Answer,
    /// Position in [`SpecTable::ops`].
    #[serde(skip)]
    pub index: usize,
    #[serde(skip)]
    segments: Vec<Segment>,
}

/// A request body of an operation.
#[derive(Debug, Clone, Deserialize)]
pub struct BodySpec {
    /// Media type the server reads.
    pub media: String,
    /// Schema of the body.
    #[serde(default)]
    pub schema: Option<Value>,
    /// Whether a body must be sent.
    #[serde(default)]
    pub required: bool,
}

/// The first success answer of an operation.
#[derive(Debug, Clone, Deserialize)]
pub struct Answer {
    /// Status code (the lowest 2xx declared; 200 when none is).
    pub status: u16,
    /// Media type (none: no body).
    #[serde(default)]
    pub media: Option<String>,
    /// Schema of the body.
    #[serde(default)]
    pub schema: Option<Value>,
    /// The spec's example, used as the answer when present.
    #[serde(default)]
    pub example: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// A parsed route table.
#[derive(Debug)]
pub struct SpecTable {
    /// The table's name (`mstr`, `looker_4_0`, ...).
    pub name: &'static str,
    /// The operations, in spec order.
    pub ops: Vec<Op>,
    /// Schemas by name (targets of `{"$ref": NAME}`).
    pub schemas: Map<String, Value>,
    by_shape: HashMap<(u8, usize), Vec<usize>>,
}

/// Most path segments a route may have.
const MAX_SEGMENTS: usize = 32;

const METHODS: [&str; 7] = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"];

fn method_index(method: &str) -> Option<u8> {
    METHODS.iter().position(|m| *m == method).map(|i| i as u8)
}

#[derive(Deserialize)]
struct RawTable {
    ops: Vec<Op>,
    #[serde(default)]
    schemas: Map<String, Value>,
}

/// A request matched to an operation.
#[derive(Debug, Clone)]
pub struct Matched<'a> {
    /// The operation.
    pub op: &'a Op,
    /// Path parameters by name.
    pub params: Vec<(String, String)>,
}

impl Matched<'_> {
    /// A path parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn segments(template: &str) -> Vec<Segment> {
    split(template)
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name.to_string()),
                None => Segment::Literal(s.to_string()),
            },
        )
        .collect()
}

impl SpecTable {
    /// Parses a table (the JSON `tests/sim_spec_tables.rs` writes).
    pub fn parse(name: &'static str, text: &str) -> Result<SpecTable, serde_json::Error> {
        let raw: RawTable = serde_json::from_str(text)?;
        let mut ops = raw.ops;
        let mut by_shape: HashMap<(u8, usize), Vec<usize>> = HashMap::new();
        for (i, op) in ops.iter_mut().enumerate() {
            op.segments = segments(&op.path);
            op.index = i;
            if let Some(m) = method_index(&op.method) {
                by_shape.entry((m, op.segments.len())).or_default().push(i);
            }
        }
        Ok(SpecTable {
            name,
            ops,
            schemas: raw.schemas,
            by_shape,
        })
    }

    /// The operation `method path` (path relative to the spec's server URL) answers, if any,
    /// with its path parameters. A literal segment beats a parameter at the first position
    /// where candidates differ; `HEAD` falls back to `GET`.
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let op = self.find_op(method, path)?;
        let params = op
            .segments
            .iter()
            .zip(split(path))
            .filter_map(|(s, p)| match s {
                Segment::Param(name) => Some((name.clone(), decode(p))),
                Segment::Literal(_) => None,
            })
            .collect();
        Some(Matched { op, params })
    }

    /// The operation `method path` answers (as [`SpecTable::find`], without allocating).
    pub fn find_op(&self, method: &str, path: &str) -> Option<&Op> {
        let mut parts = [""; MAX_SEGMENTS];
        let mut n = 0;
        for p in split(path) {
            if n == MAX_SEGMENTS {
                return None;
            }
            parts[n] = p;
            n += 1;
        }
        let parts = &parts[..n];
        match self.find_in(method_index(method)?, parts) {
            None if method == "HEAD" => self.find_in(method_index("GET")?, parts),
            found => found,
        }
    }

    fn find_in(&self, method: u8, parts: &[&str]) -> Option<&Op> {
        let candidates = self.by_shape.get(&(method, parts.len()))?;
        let mut best: Option<(&Op, u64)> = None;
        for &i in candidates {
            let op = &self.ops[i];
            let mut rank = 0u64;
            let mut fits = true;
            for (pos, (s, p)) in op.segments.iter().zip(parts).enumerate() {
                match s {
                    Segment::Literal(l) if l == p => rank |= 1 << (63 - pos),
                    Segment::Literal(_) => {
                        fits = false;
                        break;
                    }
                    Segment::Param(_) => {}
                }
            }
            if fits && best.is_none_or(|(_, r)| rank > r) {
                best = Some((op, rank));
            }
        }
        best.map(|(op, _)| op)
    }

    /// The operation with this method and path template (as the spec writes it).
    pub fn op(&self, method: &str, template: &str) -> Option<&Op> {
        self.ops
            .iter()
            .find(|o| o.method == method && o.path == template)
    }

    /// A schema-valid value for `schema` (see [`synth::value`]).
    pub fn synth(&self, schema: &Value) -> Value {
        synth::value(self, schema)
    }

    /// Field errors of `body` against `schema` (see [`validate::check`]).
    pub fn validate(&self, schema: &Value, body: &Value) -> Vec<validate::FieldError> {
        validate::check(self, schema, body)
    }

    /// The schema a `{"$ref": NAME}` names, or the schema itself.
    pub fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(name) => self.schemas.get(name).unwrap_or(schema),
            None => schema,
        }
    }

    /// The body of an operation's success answer: the spec's example, else one synthesised
    /// from its schema (`None` when the answer has no body).
    pub fn answer_body(&self, op: &Op) -> Option<Value> {
        if let Some(e) = &op.ok.example {
            return Some(e.clone());
        }
        op.ok.media.as_ref()?;
        Some(match &op.ok.schema {
            Some(s) => self.synth(s),
            None => Value::Object(Map::new()),
        })
    }
}

/// Percent-decodes a path segment (invalid escapes are kept as written).
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A shipped spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spec {
    /// MicroStrategy (specs/mstr/openapi.yaml).
    Mstr,
    /// Looker API 3.0.
    Looker30,
    /// Looker API 3.1.
    Looker31,
    /// Looker API 4.0.
    Looker40,
    /// AgileApps (specs/agileapps/openapi.yaml).
    AgileApps,
}

impl Spec {
    /// Every shipped spec.
    pub const ALL: [Spec; 5] = [
        Spec::Mstr,
        Spec::Looker30,
        Spec::Looker31,
        Spec::Looker40,
        Spec::AgileApps,
    ];

    /// The Looker spec of an API version (`3.0`, `3.1`, `4.0`).
    pub fn looker(version: &str) -> Option<Spec> {
        match version {
            "3.0" => Some(Spec::Looker30),
            "3.1" => Some(Spec::Looker31),
            "4.0" => Some(Spec::Looker40),
            _ => None,
        }
    }

    /// The table's name.
    pub fn name(self) -> &'static str {
        match self {
            Spec::Mstr => "mstr",
            Spec::Looker30 => "looker_3_0",
            Spec::Looker31 => "looker_3_1",
            Spec::Looker40 => "looker_4_0",
            Spec::AgileApps => "agileapps",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Spec::Mstr => include_str!("tables/mstr.json"),
            Spec::Looker30 => include_str!("tables/looker_3_0.json"),
            Spec::Looker31 => include_str!("tables/looker_3_1.json"),
            Spec::Looker40 => include_str!("tables/looker_4_0.json"),
            Spec::AgileApps => include_str!("tables/agileapps.json"),
        }
    }

    fn slot(self) -> &'static OnceLock<SpecTable> {
        static SLOTS: [OnceLock<SpecTable>; 5] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        &SLOTS[self as usize]
    }

    /// The parsed table (parsed on first use). A table that does not parse (it is checked by
    /// the test suite, so only a hand-edited one) gives an empty table.
    pub fn table(self) -> &'static SpecTable {
        self.slot().get_or_init(|| {
            SpecTable::parse(self.name(), self.text()).unwrap_or_else(|_| SpecTable {
                name: self.name(),
                ops: Vec::new(),
                schemas: Map::new(),
                by_shape: HashMap::new(),
            })
        })
    }
}
