//! A component schema that is only a nullable wrapper around one inline schema
//! (`{nullable: true, oneOf: [{type: object, properties: ...}]}`, which the responses pass
//! writes for a JSON error next to a body-less status, and which specs write for
//! `Optional[Model]`) becomes, in the type generator, a newtype `X(Option<X>)` *and* a struct
//! `X`: the inner schema takes the component's name too, so the crate defines `X` twice and the
//! newtype is recursive. The inner schema is moved to a component of its own (`XValue`) and
//! the wrapper refers to it. One note per component.

use super::Ctx;
use crate::error::{escape_pointer_segment, Result};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    let mut taken: BTreeSet<String> = schemas
        .keys()
        .map(|k| super::type_names::rust_name(k))
        .collect();
    let mut hoisted = Vec::new();
    for (name, schema) in schemas.iter_mut() {
        let Some(map) = schema.as_object_mut() else {
            continue;
        };
        if map.get("nullable") != Some(&Value::Bool(true)) {
            continue;
        }
        let keys: Vec<&str> = ["oneOf", "anyOf", "allOf"]
            .into_iter()
            .filter(|k| map.contains_key(*k))
            .collect();
        let [key] = keys.as_slice() else {
            continue;
        };
        let Some(Value::Array(members)) = map.get_mut(*key) else {
            continue;
        };
        let [member] = members.as_mut_slice() else {
            continue;
        };
        // Only a schema the type generator makes a named type of (a struct, an enum, a
        // union); `Option<String>` or `Option<Vec<_>>` needs no name.
        let named = ["properties", "enum", "oneOf", "anyOf", "allOf"]
            .iter()
            .any(|k| member.get(*k).is_some());
        if !named || member.get("$ref").is_some() {
            continue;
        }
        let mut new = format!("{name}Value");
        let mut n = 2;
        while taken.contains(&super::type_names::rust_name(&new)) {
            new = format!("{name}Value{n}");
            n += 1;
        }
        taken.insert(super::type_names::rust_name(&new));
        let inner = std::mem::replace(
            member,
            json!({"$ref": format!("#/components/schemas/{}", escape_pointer_segment(&new))}),
        );
        hoisted.push((name.clone(), new, inner));
    }
    for (name, new, inner) in hoisted {
        schemas.insert(new.clone(), inner);
        ctx.report.note(format!(
            "/components/schemas/{}: the schema it makes nullable moved to `{new}` (else the type generator names both `{}`)",
            escape_pointer_segment(&name),
            super::type_names::rust_name(&name)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::run_pass;

    #[test]
    fn inline_schema_of_a_nullable_wrapper_gets_its_own_name() {
        let mut doc = json!({"components": {"schemas": {
            "GetThingError": {"nullable": true, "oneOf": [
                {"type": "object", "properties": {"error": {"type": "string"}}}
            ]},
            "GetThingErrorValue": {"type": "string"},
            "Ref": {"nullable": true, "oneOf": [{"$ref": "#/components/schemas/GetThingErrorValue"}]},
            "Two": {"nullable": true, "anyOf": [{"type": "string"}, {"type": "integer"}]},
            "Text": {"nullable": true, "oneOf": [{"type": "string"}]}
        }}});
        let before = doc.clone();
        let report = run_pass(&mut doc, run);
        let s = &doc["components"]["schemas"];
        assert_eq!(
            s["GetThingError"],
            json!({"nullable": true, "oneOf": [{"$ref": "#/components/schemas/GetThingErrorValue2"}]})
        );
        assert_eq!(
            s["GetThingErrorValue2"],
            before["components"]["schemas"]["GetThingError"]["oneOf"][0]
        );
        // A wrapper around a reference or a scalar, and a real union, are left as they are.
        assert_eq!(s["Ref"], before["components"]["schemas"]["Ref"]);
        assert_eq!(s["Text"], before["components"]["schemas"]["Text"]);
        assert_eq!(s["Two"], before["components"]["schemas"]["Two"]);
        assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
    }
}
