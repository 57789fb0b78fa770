//! The Looker content the simulator keeps: users, folders, looks, dashboards, scheduled plans
//! and queries, shared by every API version. Objects are kept in their 4.0 form (string ids)
//! and rendered for 3.x by [`coerce`], which gives each field the JSON type the version's
//! schema declares (`"12"` becomes `12` where 3.1 says integer).

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use crate::sim::spec::{Spec, SpecTable};

/// A kind of stored object and the operations (by 4.0 `operationId`) that manage it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    /// Store key.
    pub name: &'static str,
    /// `GET /things`.
    pub all: &'static str,
    /// `POST /things`.
    pub create: &'static str,
    /// `GET /things/{id}`.
    pub get: &'static str,
    /// `PATCH /things/{id}`.
    pub update: &'static str,
    /// `DELETE /things/{id}`.
    pub delete: &'static str,
    /// `GET /things/search`.
    pub search: &'static str,
}

/// Every stored kind.
pub(crate) const KINDS: &[Kind] = &[
    Kind {
        name: "user",
        all: "all_users",
        create: "create_user",
        get: "user",
        update: "update_user",
        delete: "delete_user",
        search: "search_users",
    },
    Kind {
        name: "folder",
        all: "all_folders",
        create: "create_folder",
        get: "folder",
        update: "update_folder",
        delete: "delete_folder",
        search: "search_folders",
    },
    // API 3.0 and 3.1 call folders spaces: the same store.
    Kind {
        name: "folder",
        all: "all_spaces",
        create: "create_space",
        get: "space",
        update: "update_space",
        delete: "delete_space",
        search: "search_spaces",
    },
    Kind {
        name: "look",
        all: "all_looks",
        create: "create_look",
        get: "look",
        update: "update_look",
        delete: "delete_look",
        search: "search_looks",
    },
    Kind {
        name: "dashboard",
        all: "all_dashboards",
        create: "create_dashboard",
        get: "dashboard",
        update: "update_dashboard",
        delete: "delete_dashboard",
        search: "search_dashboards",
    },
    Kind {
        name: "scheduled_plan",
        all: "all_scheduled_plans",
        create: "create_scheduled_plan",
        get: "scheduled_plan",
        update: "update_scheduled_plan",
        delete: "delete_scheduled_plan",
        search: "search_scheduled_plans",
    },
];

/// The kind an operation id manages, and which of its operations it is.
pub(crate) fn kind_of(op_id: &str) -> Option<(&'static Kind, &'static str)> {
    KINDS.iter().find_map(|k| {
        [
            (k.all, "all"),
            (k.create, "create"),
            (k.get, "get"),
            (k.update, "update"),
            (k.delete, "delete"),
            (k.search, "search"),
        ]
        .into_iter()
        .find(|(id, _)| *id == op_id)
        .map(|(_, what)| (k, what))
    })
}

/// Objects by kind and numeric id.
#[derive(Debug, Default)]
pub(crate) struct Store {
    objects: HashMap<&'static str, BTreeMap<u64, Value>>,
    next_id: u64,
}

/// A 4.0 object of `kind`: the `get` answer's schema synthesised, with `fields` over it.
fn object(kind: &Kind, id: u64, fields: Value) -> Value {
    let t = Spec::Looker40.table();
    let mut base = t
        .ops
        .iter()
        .find(|o| o.id == kind.get)
        .and_then(|o| o.ok.schema.as_ref())
        .map(|s| t.synth(s))
        .unwrap_or_else(|| json!({}));
    merge(&mut base, fields);
    base["id"] = Value::String(id.to_string());
    base
}

/// Overwrites the top-level fields of `base` with those of `over`.
pub(crate) fn merge(base: &mut Value, over: Value) {
    if let (Value::Object(b), Value::Object(o)) = (base, over) {
        for (k, v) in o {
            b.insert(k, v);
        }
    }
}

impl Store {
    /// The seeded content: the config's users, folders 1 (Shared) and 2 (Users), look 1
    /// "Orders by day" on query 1, dashboards 1 "Sales overview" and 2 "Inventory", query 1.
    pub fn seeded(users: &[super::SimUser]) -> Store {
        let mut s = Store {
            next_id: 100,
            ..Store::default()
        };
        for u in users {
            let (first, last) = u
                .display_name
                .split_once(' ')
                .unwrap_or((&u.display_name, ""));
            let role = if u.is_admin { "2" } else { "7" };
            s.put(
                "user",
                u.id,
                json!({
                    "first_name": first, "last_name": last, "display_name": u.display_name,
                    "email": u.email, "is_disabled": false, "role_ids": [role],
                    "url": format!("/api/4.0/users/{}", u.id),
                    "can": {"show": true, "index": true, "sudo": u.is_admin},
                }),
            );
        }
        s.put(
            "folder",
            1,
            json!({"name": "Shared", "parent_id": null, "is_shared_root": true}),
        );
        s.put(
            "folder",
            2,
            json!({"name": "Users", "parent_id": null, "is_users_root": true}),
        );
        s.put(
            "look",
            1,
            json!({"title": "Orders by day", "query_id": "1", "folder_id": "1", "public": false,
                   "url": "/api/4.0/looks/1", "can": {"show": true, "run": true}}),
        );
        for (id, title) in [(1, "Sales overview"), (2, "Inventory")] {
            s.put(
                "dashboard",
                id,
                json!({"title": title, "description": "Simulated dashboard", "folder_id": "1",
                       "hidden": false, "readonly": false, "refresh_interval": null,
                       "dashboard_elements": [{"id": "11", "dashboard_id": id.to_string(),
                           "type": "vis", "title": "Orders", "look_id": "1"}],
                       "dashboard_filters": [],
                       "url": format!("/api/4.0/dashboards/{id}"),
                       "can": {"show": true, "copy": true}}),
            );
        }
        s.objects.entry("query").or_default().insert(
            1,
            json!({"id": "1", "model": "thelook", "view": "orders", "slug": "q1",
                   "fields": ["orders.created_date", "orders.count"], "can": {"run": true}}),
        );
        s
    }

    fn put(&mut self, kind: &'static str, id: u64, fields: Value) {
        let k = KINDS.iter().find(|k| k.name == kind);
        let obj = match k {
            Some(k) => object(k, id, fields),
            None => fields,
        };
        self.objects.entry(kind).or_default().insert(id, obj);
    }

    /// A fresh id (from 100 up).
    pub fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The object `kind`/`id` (the id as text, as in a path).
    pub fn get(&self, kind: &str, id: &str) -> Option<&Value> {
        let id: u64 = id.trim().parse().ok()?;
        self.objects.get(kind)?.get(&id)
    }

    /// The object `kind`/`id`, mutable.
    pub fn get_mut(&mut self, kind: &str, id: &str) -> Option<&mut Value> {
        let id: u64 = id.trim().parse().ok()?;
        self.objects.get_mut(kind)?.get_mut(&id)
    }

    /// Removes `kind`/`id`; whether it existed.
    pub fn remove(&mut self, kind: &str, id: &str) -> bool {
        let Ok(id) = id.trim().parse::<u64>() else {
            return false;
        };
        self.objects
            .get_mut(kind)
            .is_some_and(|m| m.remove(&id).is_some())
    }

    /// Stores a new object of `kind` built from `fields`; returns it.
    pub fn create(&mut self, kind: &'static Kind, fields: Value) -> Value {
        let id = self.new_id();
        let obj = object(kind, id, fields);
        self.objects
            .entry(kind.name)
            .or_default()
            .insert(id, obj.clone());
        obj
    }

    /// Stores `obj` as given under a fresh id (copies, queries); returns it with its id.
    pub fn insert(&mut self, kind: &'static str, mut obj: Value) -> Value {
        let id = self.new_id();
        obj["id"] = Value::String(id.to_string());
        self.objects
            .entry(kind)
            .or_default()
            .insert(id, obj.clone());
        obj
    }

    /// Every object of `kind` in id order.
    pub fn all(&self, kind: &str) -> Vec<Value> {
        self.objects
            .get(kind)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The objects of `kind` whose fields match every filter (Looker search semantics:
    /// case-insensitive, `%` is a wildcard).
    pub fn search(&self, kind: &str, filters: &[(String, String)]) -> Vec<Value> {
        self.all(kind)
            .into_iter()
            .filter(|o| {
                filters
                    .iter()
                    .all(|(k, want)| field_matches(o.get(k), want))
            })
            .collect()
    }
}

/// Query parameters that shape a listing rather than filter it.
pub(crate) const LISTING_PARAMS: &[&str] = &[
    "fields",
    "limit",
    "offset",
    "sorts",
    "page",
    "per_page",
    "filter_or",
    "cache",
];

fn field_matches(v: Option<&Value>, want: &str) -> bool {
    let have = match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => return want.eq_ignore_ascii_case("null"),
        Some(other) => other.to_string(),
    };
    like(&have.to_lowercase(), &want.to_lowercase())
}

/// SQL-LIKE matching with `%` wildcards.
fn like(have: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return have == pattern;
    }
    let mut rest = have;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

/// Keeps only the comma-separated `fields` of an object (or of each object of an array).
pub(crate) fn only_fields(v: Value, fields: Option<&str>) -> Value {
    let Some(fields) = fields.filter(|f| !f.trim().is_empty()) else {
        return v;
    };
    let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
    let pick = |o: Value| match o {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| wanted.contains(&k.as_str()))
                .collect::<Map<String, Value>>(),
        ),
        other => other,
    };
    match v {
        Value::Array(xs) => Value::Array(xs.into_iter().map(pick).collect()),
        other => pick(other),
    }
}

/// `value` with each field given the JSON type `schema` declares for it (ids are strings in
/// 4.0 and integers in 3.x); fields the schema does not know are left as they are.
pub(crate) fn coerce(table: &SpecTable, schema: &Value, value: Value) -> Value {
    coerce_at(table, schema, value, 0)
}

fn coerce_at(table: &SpecTable, schema: &Value, value: Value, depth: usize) -> Value {
    if depth > 8 {
        return value;
    }
    let schema = table.resolve(schema);
    match (schema.get("type").and_then(Value::as_str), value) {
        (Some("integer"), Value::String(s)) => match s.trim().parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::String(s),
        },
        (Some("string"), Value::Number(n)) => Value::String(n.to_string()),
        (_, Value::Array(xs)) => match schema.get("items") {
            Some(items) => Value::Array(
                xs.into_iter()
                    .map(|x| coerce_at(table, items, x, depth + 1))
                    .collect(),
            ),
            None => Value::Array(xs),
        },
        (_, Value::Object(m)) => {
            let props = schema.get("properties").and_then(Value::as_object);
            Value::Object(
                m.into_iter()
                    .map(|(k, v)| {
                        let v = match props.and_then(|p| p.get(&k)) {
                            Some(p) => coerce_at(table, p, v, depth + 1),
                            None => v,
                        };
                        (k, v)
                    })
                    .collect(),
            )
        }
        (_, v) => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns() {
        assert!(like("orders by day", "orders%"));
        assert!(like("orders by day", "%by%"));
        assert!(like("orders by day", "%day"));
        assert!(!like("orders by day", "%week%"));
        assert!(like("x", "x"));
        assert!(!like("xy", "x"));
    }

    #[test]
    fn coerces_ids_for_3_1() {
        let t = Spec::Looker31.table();
        let look = json!({"id": "7", "title": "T", "query_id": "3"});
        let schema = json!({"$ref": "LookWithQuery"});
        let v = coerce(t, &schema, look);
        assert_eq!(v["id"], json!(7));
        assert_eq!(v["title"], json!("T"));
    }
}
