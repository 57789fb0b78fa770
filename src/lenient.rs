//! Tolerant readers for the informational fields of vendor answers.
//!
//! bi-rest needs a handful of fields from a login or session answer (a token, a session id, a
//! user id). Everything else is informational, and servers render it in more than one way: a
//! number as a string, a string as a number, an XML element with attributes as an object in one
//! JSON rendering and as its bare text in another, `null`, or a shape nobody documented. These
//! `deserialize_with` functions accept every such rendering and never fail: what cannot be read
//! as the wanted type becomes `None` (and is skipped without an error, whatever its shape).
//!
//! They work for JSON and for XML (quick-xml): an element's text arrives under `$text` or
//! `$value`, attributes under `@name`.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A scalar read from whatever the wire had: text, number or boolean, or the text of an
/// element/object (`$text`, `$value`, `value`). `None` for null, arrays and objects without
/// text.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Text(String),
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl Scalar {
    fn into_string(self) -> String {
        match self {
            Scalar::Text(s) => s,
            Scalar::Bool(b) => b.to_string(),
            Scalar::Int(n) => n.to_string(),
            Scalar::Float(f) => f.to_string(),
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Option<Scalar>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(Scalar::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Scalar::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(match i64::try_from(v) {
            Ok(n) => Scalar::Int(n),
            Err(_) => Scalar::Text(v.to_string()),
        }))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(Scalar::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(Scalar::Text(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(Scalar::Text(v)))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        Ok(Some(Scalar::Text(String::from_utf8_lossy(v).into_owned())))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut text = None;
        while let Some(key) = map.next_key::<String>()? {
            if matches!(key.as_str(), "$text" | "#text" | "$value" | "value") && text.is_none() {
                text = map.next_value_seed(ScalarSeed)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(text)
    }
}

struct ScalarSeed;

impl<'de> de::DeserializeSeed<'de> for ScalarSeed {
    type Value = Option<Scalar>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// An XML element with attributes and text in any of its renderings: an object (attributes
/// under `@name` or `name`, text under `$text`, `#text`, `$value` or `value`) or the bare text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The element's text, if any.
    pub text: Option<String>,
    /// Attributes (and any other scalar members), by name without the `@`.
    pub attributes: std::collections::BTreeMap<String, String>,
}

struct ElementVisitor;

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Option<Element>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an element: an object of attributes and text, or its bare text")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut element = Element::default();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(ScalarSeed)?.map(Scalar::into_string);
            let Some(value) = value else { continue };
            match key.as_str() {
                "$text" | "#text" | "$value" | "value" => element.text = Some(value),
                name => {
                    element
                        .attributes
                        .insert(name.trim_start_matches('@').to_string(), value);
                }
            }
        }
        Ok(Some(element))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ScalarVisitor.visit_seq(seq).map(|_| None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ElementVisitor)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(text_element(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(text_element(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(text_element(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(text_element(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(text_element(v.to_string()))
    }
}

fn text_element(text: String) -> Option<Element> {
    Some(Element {
        text: Some(text),
        attributes: Default::default(),
    })
}

/// An element with attributes and text, from an object or from its bare text; `None` for
/// null and arrays.
pub fn opt_element<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Element>, D::Error> {
    d.deserialize_any(ElementVisitor)
}

/// Any rendering of a text field: strings as they are, numbers and booleans as their text,
/// an object's or element's text; `None` for anything else.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(d.deserialize_any(ScalarVisitor)?
        .map(Scalar::into_string)
        .filter(|s| !s.is_empty()))
}

/// A whole number written as a number or as text (`3600`, `"3600"`, `3600.0`); `None` for
/// anything that is not one.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match d.deserialize_any(ScalarVisitor)? {
        Some(Scalar::Int(n)) => Some(n),
        Some(Scalar::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        Some(Scalar::Text(t)) => t.trim().parse().ok(),
        _ => None,
    })
}

/// A non-negative whole number written as a number or as text; `None` for anything that is
/// not one.
pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(opt_i64(d)?.and_then(|n| u64::try_from(n).ok()))
}

/// A boolean written as a boolean, as `true`/`false`/`1`/`0`/`yes`/`no` text or as 1/0;
/// `None` for anything else.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match d.deserialize_any(ScalarVisitor)? {
        Some(Scalar::Bool(b)) => Some(b),
        Some(Scalar::Int(1)) => Some(true),
        Some(Scalar::Int(0)) => Some(false),
        Some(Scalar::Text(t)) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, Default)]
    struct Probe {
        #[serde(default, deserialize_with = "super::opt_string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "super::opt_i64")]
        n: Option<i64>,
        #[serde(default, deserialize_with = "super::opt_bool")]
        b: Option<bool>,
    }

    fn json(text: &str) -> Probe {
        serde_json::from_str(text).expect("lenient fields never fail")
    }

    #[test]
    fn every_json_rendering_is_accepted() {
        assert_eq!(json(r#"{"s":"x"}"#).s.as_deref(), Some("x"));
        assert_eq!(json(r#"{"s":42}"#).s.as_deref(), Some("42"));
        assert_eq!(json(r#"{"s":true}"#).s.as_deref(), Some("true"));
        assert_eq!(
            json(r#"{"s":{"value":"v","type":"t"}}"#).s.as_deref(),
            Some("v")
        );
        assert_eq!(json(r#"{"s":{"type":"t"}}"#).s, None);
        assert_eq!(json(r#"{"s":[1,{"a":2}]}"#).s, None);
        assert_eq!(json(r#"{"s":null}"#).s, None);
        assert_eq!(json(r#"{"n":"3600"}"#).n, Some(3600));
        assert_eq!(json(r#"{"n":3600.0}"#).n, Some(3600));
        assert_eq!(json(r#"{"n":"soon"}"#).n, None);
        assert_eq!(json(r#"{"n":{"x":1}}"#).n, None);
        assert_eq!(json(r#"{"b":"TRUE"}"#).b, Some(true));
        assert_eq!(json(r#"{"b":0}"#).b, Some(false));
        assert_eq!(json(r#"{"b":"maybe"}"#).b, None);
    }

    #[test]
    fn xml_text_and_attributes_are_accepted() {
        let p: Probe =
            quick_xml::de::from_str(r#"<p><s kind="a">text</s><n>12</n><b>false</b></p>"#)
                .expect("lenient XML fields never fail");
        assert_eq!(p.s.as_deref(), Some("text"));
        assert_eq!(p.n, Some(12));
        assert_eq!(p.b, Some(false));
        let p: Probe = quick_xml::de::from_str(r#"<p><s><deep>1</deep></s></p>"#)
            .expect("lenient XML fields never fail");
        assert_eq!(p.s, None);
    }
}
