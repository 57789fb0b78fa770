// The fixed part of the `pub mod xml` emitted into generated modules with typed XML bodies (the
// generator appends `SCHEMAS` and one `<operation_id>_xml` per operation). A real Rust file:
// embedded with `include_str!`, compiled, linted and tested by generator/tests/runtime.rs.

#[allow(unused_imports)]
use super::{types, Client};
#[allow(unused_imports)]
use progenitor_client::{
    encode_path, ByteStream, ClientHooks, ClientInfo, Error, OperationInfo, ResponseValue,
};
use serde_json::{Map, Value};

/// Shape of an XML node, derived from the schema.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// Text.
    String,
    /// Integer text.
    Integer,
    /// Number text.
    Number,
    /// `true` / `false`.
    Boolean,
    /// Anything: text, or an object of attributes and child elements.
    Any,
    /// An element with attributes and child elements.
    Object(&'static ObjectShape),
    /// Repeated elements.
    Array(&'static ArrayShape),
    /// A component schema by name (see [`SCHEMAS`]).
    Ref(&'static str),
    /// One of several shapes (for text, scalars are tried in order).
    OneOf(&'static [Shape]),
}

/// The properties of an object schema.
#[derive(Debug)]
pub struct ObjectShape {
    /// Declared properties.
    pub props: &'static [Prop],
    /// Shape of undeclared child elements (`additionalProperties`), when they are kept.
    pub additional: Option<&'static Shape>,
}

/// One property of an object schema.
#[derive(Debug)]
pub struct Prop {
    /// JSON name (the serde name of the generated field).
    pub name: &'static str,
    /// Element or attribute name (`xml.name`, else the property name).
    pub xml_name: &'static str,
    /// `xml.prefix`.
    pub prefix: Option<&'static str>,
    /// `xml.attribute: true`.
    pub attribute: bool,
    /// The property is the element's text (`x-xml-text: true`, or `value` next to attributes).
    pub text: bool,
    /// The value's shape.
    pub shape: Shape,
}

/// An array schema: repeated elements.
#[derive(Debug)]
pub struct ArrayShape {
    /// The items.
    pub item: Shape,
    /// `xml.wrapped: true`: the items sit inside an element named after the property.
    pub wrapped: bool,
    /// Item element name (`items.xml.name`); else the property's name.
    pub item_name: Option<&'static str>,
}

/// A component schema used in XML bodies.
#[derive(Debug)]
pub struct Schema {
    /// Component name.
    pub name: &'static str,
    /// Root element name (`xml.name`, else the component name).
    pub element: &'static str,
    /// `xml.prefix` of the root element.
    pub prefix: Option<&'static str>,
    /// `xml.namespace` of the root element (written as `xmlns[:prefix]`).
    pub namespace: Option<&'static str>,
    /// The shape.
    pub shape: Shape,
}

/// Why an XML body could not be written or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError(pub String);

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for XmlError {}

/// The XML schema of component `name` (a binary search: [`SCHEMAS`] is sorted by name).
pub fn schema(name: &str) -> Option<&'static Schema> {
    SCHEMAS
        .binary_search_by(|s| s.name.cmp(name))
        .ok()
        .map(|i| &SCHEMAS[i])
}

fn resolve(shape: &Shape) -> Shape {
    let mut s = *shape;
    for _ in 0..32 {
        match s {
            Shape::Ref(n) => match schema(n) {
                Some(x) => s = x.shape,
                None => return Shape::Any,
            },
            other => return other,
        }
    }
    Shape::Any
}

fn qualified(prefix: Option<&str>, name: &str) -> String {
    match prefix {
        Some(p) if !p.is_empty() => format!("{p}:{name}"),
        _ => name.to_string(),
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn write_err(e: impl std::fmt::Display) -> XmlError {
    XmlError(format!("writing XML: {e}"))
}

/// Serialises `value` (a generated model) as the XML document of component `name`
/// (root element from the schema's `xml` object, attributes, wrapped arrays).
pub fn to_xml<T: serde::Serialize>(value: &T, name: &str) -> Result<String, XmlError> {
    let schema = schema(name).ok_or_else(|| XmlError(format!("no XML schema `{name}`")))?;
    let json = serde_json::to_value(value).map_err(|e| XmlError(format!("`{name}`: {e}")))?;
    let mut w = quick_xml::Writer::new(Vec::new());
    let root = qualified(schema.prefix, schema.element);
    let ns_key = match schema.prefix {
        Some(p) if !p.is_empty() => format!("xmlns:{p}"),
        _ => "xmlns".to_string(),
    };
    let ns = schema.namespace.map(|n| (ns_key.as_str(), n));
    write_element(&mut w, &root, &json, &schema.shape, ns, 0)?;
    String::from_utf8(w.into_inner()).map_err(write_err)
}

fn write_prop(
    w: &mut quick_xml::Writer<Vec<u8>>,
    name: &str,
    v: &Value,
    shape: &Shape,
    depth: usize,
) -> Result<(), XmlError> {
    use quick_xml::events::{BytesEnd, BytesStart, Event};
    let resolved = resolve(shape);
    let (item, wrapped, item_name) = match resolved {
        Shape::Array(a) => (a.item, a.wrapped, a.item_name),
        _ if v.is_array() => (Shape::Any, false, None),
        _ => return write_element(w, name, v, shape, None, depth + 1),
    };
    let single = [v.clone()];
    let items: &[Value] = v.as_array().map(Vec::as_slice).unwrap_or(&single);
    let item_el = item_name.unwrap_or(name);
    if wrapped {
        w.write_event(Event::Start(BytesStart::new(name)))
            .map_err(write_err)?;
    }
    for x in items.iter().filter(|x| !x.is_null()) {
        write_element(w, item_el, x, &item, None, depth + 1)?;
    }
    if wrapped {
        w.write_event(Event::End(BytesEnd::new(name)))
            .map_err(write_err)?;
    }
    Ok(())
}

fn write_element(
    w: &mut quick_xml::Writer<Vec<u8>>,
    name: &str,
    v: &Value,
    shape: &Shape,
    extra_attr: Option<(&str, &str)>,
    depth: usize,
) -> Result<(), XmlError> {
    use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
    if depth > 64 {
        return Err(XmlError("XML body nested deeper than 64 levels".into()));
    }
    let mut start = BytesStart::new(name);
    if let Some(a) = extra_attr {
        start.push_attribute(a);
    }
    let Value::Object(map) = v else {
        let text = scalar_text(v);
        if text.is_empty() {
            return w.write_event(Event::Empty(start)).map(|_| ()).map_err(write_err);
        }
        w.write_event(Event::Start(start)).map_err(write_err)?;
        w.write_event(Event::Text(BytesText::new(&text)))
            .map_err(write_err)?;
        return w
            .write_event(Event::End(BytesEnd::new(name)))
            .map(|_| ())
            .map_err(write_err);
    };
    let (props, additional): (&[Prop], Shape) = match resolve(shape) {
        Shape::Object(o) => (o.props, o.additional.copied().unwrap_or(Shape::Any)),
        _ => (&[], Shape::Any),
    };
    let mut text = None;
    for p in props {
        let Some(x) = map.get(p.name).filter(|x| !x.is_null()) else {
            continue;
        };
        if p.attribute {
            let q = qualified(p.prefix, p.xml_name);
            let t = scalar_text(x);
            start.push_attribute((q.as_str(), t.as_str()));
        } else if p.text {
            text = Some(scalar_text(x));
        }
    }
    w.write_event(Event::Start(start)).map_err(write_err)?;
    if let Some(t) = text {
        w.write_event(Event::Text(BytesText::new(&t)))
            .map_err(write_err)?;
    }
    for p in props.iter().filter(|p| !p.attribute && !p.text) {
        if let Some(x) = map.get(p.name).filter(|x| !x.is_null()) {
            write_prop(w, &qualified(p.prefix, p.xml_name), x, &p.shape, depth)?;
        }
    }
    for (k, x) in map {
        if x.is_null() || props.iter().any(|p| p.name == k) {
            continue;
        }
        write_prop(w, k, x, &additional, depth)?;
    }
    w.write_event(Event::End(BytesEnd::new(name)))
        .map(|_| ())
        .map_err(write_err)
}

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Element>,
}

fn local(qname: &str) -> String {
    match qname.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => qname.to_string(),
    }
}

fn open(e: &quick_xml::events::BytesStart<'_>) -> Result<Element, XmlError> {
    let mut el = Element {
        name: {
            let qname = e.name();
            let q: &str = qname.as_ref();
            local(q)
        },
        ..Element::default()
    };
    for a in e.attributes() {
        let a = a.map_err(|err| XmlError(format!("XML attribute: {err}")))?;
        let key: &str = a.key.as_ref();
        let key = key.to_string();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| XmlError(format!("XML attribute `{key}`: {err}")))?;
        el.attrs.push((local(&key), value.into_owned()));
    }
    Ok(el)
}

fn close(el: Element, stack: &mut [Element], root: &mut Option<Element>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => {
            if root.is_none() {
                *root = Some(el);
            }
        }
    }
}

fn parse_tree(bytes: &[u8]) -> Result<Element, XmlError> {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(bytes)
        .map_err(|e| XmlError(format!("XML body is not UTF-8: {e}")))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            XmlError(format!("XML body at byte {}: {e}", reader.buffer_position()))
        })?;
        match event {
            Event::Start(e) => {
                if stack.len() >= 128 {
                    return Err(XmlError("XML body nested deeper than 128 levels".into()));
                }
                stack.push(open(&e)?);
            }
            Event::Empty(e) => {
                let el = open(&e)?;
                close(el, &mut stack, &mut root);
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| XmlError("XML body: unbalanced end tag".into()))?;
                close(el, &mut stack, &mut root);
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let name = r.xml10_content().into_owned();
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().map(String::from)
                } else {
                    quick_xml::escape::resolve_predefined_entity(&name).map(str::to_string)
                };
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&resolved.unwrap_or_else(|| format!("&{name};")));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| XmlError("XML body has no root element".into()))
}

fn scalar(text: &str, shape: Shape) -> Option<Value> {
    let t = text.trim();
    match shape {
        Shape::String => Some(Value::String(text.to_string())),
        Shape::Integer => t
            .parse::<i64>()
            .ok()
            .map(Value::from)
            .or_else(|| t.parse::<u64>().ok().map(Value::from)),
        Shape::Number => t
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        Shape::Boolean => match t {
            "true" | "1" => Some(Value::Bool(true)),
            "false" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        Shape::OneOf(alts) => alts.iter().find_map(|a| scalar(text, resolve(a))),
        _ => None,
    }
}

fn text_value(text: &str, shape: Shape) -> Value {
    scalar(text, shape).unwrap_or_else(|| Value::String(text.to_string()))
}

fn insert_repeated(map: &mut Map<String, Value>, key: &str, v: Value) {
    match map.get_mut(key) {
        Some(Value::Array(a)) => a.push(v),
        Some(existing) => {
            let old = existing.take();
            *existing = Value::Array(vec![old, v]);
        }
        None => {
            map.insert(key.to_string(), v);
        }
    }
}

fn any_value(e: &Element, depth: usize) -> Value {
    if e.children.is_empty() && e.attrs.is_empty() || depth > 128 {
        return Value::String(e.text.clone());
    }
    let mut map = Map::new();
    for (k, v) in &e.attrs {
        map.insert(k.clone(), Value::String(v.clone()));
    }
    for c in &e.children {
        insert_repeated(&mut map, &c.name, any_value(c, depth + 1));
    }
    Value::Object(map)
}

fn to_value(e: &Element, shape: &Shape, depth: usize) -> Value {
    if depth > 128 {
        return Value::Null;
    }
    match resolve(shape) {
        Shape::Object(o) => object_value(e, o, depth),
        Shape::Array(a) => Value::Array(
            e.children
                .iter()
                .filter(|c| a.item_name.is_none_or(|n| c.name == n))
                .map(|c| to_value(c, &a.item, depth + 1))
                .collect(),
        ),
        Shape::OneOf(alts) => {
            if e.children.is_empty() && e.attrs.is_empty() {
                return text_value(&e.text, Shape::OneOf(alts));
            }
            match alts
                .iter()
                .map(resolve)
                .find(|s| matches!(s, Shape::Object(_)))
            {
                Some(s) => to_value(e, &s, depth + 1),
                None => any_value(e, depth),
            }
        }
        Shape::Any | Shape::Ref(_) => any_value(e, depth),
        s => text_value(&e.text, s),
    }
}

fn object_value(e: &Element, o: &ObjectShape, depth: usize) -> Value {
    let mut map = Map::new();
    let mut used = vec![false; e.children.len()];
    for p in o.props {
        let shape = resolve(&p.shape);
        let attr = e.attrs.iter().find(|(k, _)| k == p.xml_name);
        if p.attribute {
            if let Some((_, v)) = attr {
                map.insert(p.name.to_string(), text_value(v, shape));
            }
            continue;
        }
        if p.text {
            map.insert(p.name.to_string(), text_value(&e.text, shape));
            continue;
        }
        if let Shape::Array(a) = shape {
            let mut items = Vec::new();
            if a.wrapped {
                if let Some(i) = e.children.iter().position(|c| c.name == p.xml_name) {
                    used[i] = true;
                    items.extend(
                        e.children[i]
                            .children
                            .iter()
                            .filter(|c| a.item_name.is_none_or(|n| c.name == n))
                            .map(|c| to_value(c, &a.item, depth + 1)),
                    );
                } else {
                    continue;
                }
            } else {
                let n = a.item_name.unwrap_or(p.xml_name);
                for (i, c) in e.children.iter().enumerate() {
                    if c.name == n {
                        used[i] = true;
                        items.push(to_value(c, &a.item, depth + 1));
                    }
                }
                if items.is_empty() {
                    continue;
                }
            }
            map.insert(p.name.to_string(), Value::Array(items));
            continue;
        }
        if let Some(i) = e.children.iter().position(|c| c.name == p.xml_name) {
            used[i] = true;
            map.insert(p.name.to_string(), to_value(&e.children[i], &p.shape, depth + 1));
        } else if let Some((_, v)) = attr {
            map.insert(p.name.to_string(), text_value(v, shape));
        }
    }
    if let Some(add) = o.additional {
        for (i, c) in e.children.iter().enumerate() {
            if !used[i] {
                let v = to_value(c, add, depth + 1);
                insert_repeated(&mut map, &c.name, v);
            }
        }
    }
    Value::Object(map)
}

/// Parses an XML document into a generated model, reading it as component `name`
/// (attributes, element text, repeated and wrapped elements, undeclared elements into
/// `additionalProperties`; namespace prefixes are ignored).
pub fn from_xml<T: serde::de::DeserializeOwned>(bytes: &[u8], name: &str) -> Result<T, XmlError> {
    let schema = schema(name).ok_or_else(|| XmlError(format!("no XML schema `{name}`")))?;
    let root = parse_tree(bytes)?;
    let value = to_value(&root, &schema.shape, 0);
    serde_json::from_value(value).map_err(|e| XmlError(format!("XML body as `{name}`: {e}")))
}

async fn typed<T: serde::de::DeserializeOwned, E>(
    response: reqwest::Response,
    name: &str,
) -> Result<ResponseValue<T>, Error<E>> {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.map_err(Error::ResponseBodyError)?;
    match from_xml::<T>(&bytes, name) {
        Ok(v) => Ok(ResponseValue::new(v, status, headers)),
        Err(e) => Err(Error::InvalidResponsePayload(
            bytes,
            <serde_json::Error as serde::de::Error>::custom(e),
        )),
    }
}

async fn error_body<E: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    name: &str,
) -> Error<E> {
    match typed::<E, E>(response, name).await {
        Ok(v) => Error::ErrorResponse(v),
        Err(e) => e,
    }
}
