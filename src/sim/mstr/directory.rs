//! Users, user groups and metadata searches of the MicroStrategy simulator: `GET|POST /users`,
//! `GET|PATCH|DELETE /users/{id}`, `GET /usergroups`, `GET|PATCH /usergroups/{id}`,
//! `POST /metadataSearches/results` (stores a search, answers its id) and
//! `GET /metadataSearches/results?searchId=` (its page of objects, with
//! `X-MSTR-Total-Count`), as mstrio-py's `list_users`, `list_user_groups`, `full_search` and
//! `list_reports` call them.

use std::collections::{BTreeMap, HashMap};

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

use super::data::project_of;
use super::errors::{json_response, MstrError};
use super::objects::ObjectQuery;
use super::routes::{caller, finish, no_content, ok_json, parse_json, Ctx, St};
use super::state::MstrState;
use crate::sim::faults::lock;

/// "Everyone", the built-in group of every user.
pub const EVERYONE_GROUP_ID: &str = "C82C6B1011D2894CC0009D9F29718E4F";
/// "System Administrators".
pub const ADMINS_GROUP_ID: &str = "E96685CD4E60068559F7DFAC7C2AA851";

/// The directory: users and groups by id, stored searches.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    users: BTreeMap<String, Value>,
    groups: BTreeMap<String, Value>,
    searches: HashMap<String, Vec<Value>>,
    next: u64,
}

fn user_json(id: &str, username: &str, full_name: &str) -> Value {
    json!({
        "id": id, "name": full_name, "username": username, "fullName": full_name,
        "type": 34, "subtype": 8704, "abbreviation": username,
        "enabled": true, "standardAuth": true, "ldapdn": "", "trustId": "",
        "initials": full_name.chars().next().map(String::from).unwrap_or_default(),
        "dateCreated": "2025-01-01T00:00:00.000+0000",
        "dateModified": "2025-01-01T00:00:00.000+0000",
        "memberships": [{"id": EVERYONE_GROUP_ID, "name": "Everyone", "type": 34, "subtype": 8705}],
    })
}

fn group_json(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "type": 34, "subtype": 8705, "abbreviation": name,
           "description": "", "members": [],
           "dateCreated": "2025-01-01T00:00:00.000+0000",
           "dateModified": "2025-01-01T00:00:00.000+0000"})
}

impl Directory {
    /// The configured users (id, login, full name) and the groups Everyone and System
    /// Administrators.
    pub fn seeded(users: impl Iterator<Item = (String, String, String)>) -> Directory {
        let mut d = Directory::default();
        for (id, username, full_name) in users {
            d.users
                .insert(id.clone(), user_json(&id, &username, &full_name));
        }
        for (id, name) in [
            (EVERYONE_GROUP_ID, "Everyone"),
            (ADMINS_GROUP_ID, "System Administrators"),
        ] {
            d.groups.insert(id.to_string(), group_json(id, name));
        }
        d
    }

    fn new_id(&mut self) -> String {
        self.next += 1;
        format!("{:032X}", 0x5135_0000_0000_0000_u64 + self.next)
    }
}

/// The total and the page of `items` that `offset`/`limit` ask for (-1 or no limit: all).
pub(crate) fn page_of(ctx: &Ctx, items: Vec<Value>) -> Result<(usize, Vec<Value>), MstrError> {
    let offset = ctx.query_usize("offset", 0)?;
    let limit = ctx.query_usize("limit", usize::MAX)?;
    let total = items.len();
    Ok((total, items.into_iter().skip(offset).take(limit).collect()))
}

/// A page of `items` as a JSON array with `X-MSTR-Total-Count`.
pub(crate) fn paged(ctx: &Ctx, items: Vec<Value>) -> Result<Response<Body>, MstrError> {
    let (total, page) = page_of(ctx, items)?;
    let mut resp = ok_json(&Value::Array(page));
    resp.headers_mut()
        .insert("X-MSTR-Total-Count", HeaderValue::from(total));
    Ok(resp)
}

fn name_filter(ctx: &Ctx, v: &Value, field: &str) -> bool {
    match ctx
        .query_one("nameBegins")
        .or_else(|| ctx.query_one("abbreviationBegins"))
    {
        Some(prefix) => v
            .get(field)
            .and_then(Value::as_str)
            .is_some_and(|n| n.to_lowercase().starts_with(&prefix.to_lowercase())),
        None => true,
    }
}

/// `GET /users` (also `/users/`).
pub(crate) async fn list_users(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = caller(&st, &ctx).and_then(|_| {
        let users: Vec<Value> = lock(&st.directory)
            .users
            .values()
            .filter(|u| name_filter(&ctx, u, "name"))
            .cloned()
            .collect();
        paged(&ctx, users)
    });
    finish(&st, reply)
}

/// `POST /users`: 201 with the new user (`username` and `fullName` required).
pub(crate) async fn create_user(State(st): St, ctx: Ctx, body: Bytes) -> Response<Body> {
    let reply = (|| {
        caller(&st, &ctx)?;
        let b: Value = parse_json(&body)?;
        let username = b
            .get("username")
            .and_then(Value::as_str)
            .ok_or_else(|| MstrError::missing_field("username"))?;
        let full_name = b
            .get("fullName")
            .and_then(Value::as_str)
            .unwrap_or(username);
        let mut dir = lock(&st.directory);
        if dir.users.values().any(|u| u["username"] == username) {
            return Err(MstrError::new(
                StatusCode::CONFLICT,
                "ERR001",
                format!("User '{username}' already exists"),
            ));
        }
        let id = dir.new_id();
        let user = user_json(&id, username, full_name);
        dir.users.insert(id, user.clone());
        Ok(json_response(StatusCode::CREATED, &user))
    })();
    finish(&st, reply)
}

fn user_not_found(id: &str) -> MstrError {
    MstrError::not_found(format!("Cannot find the user with ID '{id}'"))
}

/// `GET /users/{id}`.
pub(crate) async fn get_user(State(st): St, ctx: Ctx, Path(id): Path<String>) -> Response<Body> {
    let reply = caller(&st, &ctx).and_then(|_| {
        lock(&st.directory)
            .users
            .get(&id)
            .map(ok_json)
            .ok_or_else(|| user_not_found(&id))
    });
    finish(&st, reply)
}

/// `PATCH /users/{id}`: `{"operationList":[{"op":"replace","path":"/fullName","value":..}]}`
/// or plain fields.
pub(crate) async fn update_user(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        caller(&st, &ctx)?;
        let b: Value = parse_json(&body)?;
        let mut dir = lock(&st.directory);
        let user = dir.users.get_mut(&id).ok_or_else(|| user_not_found(&id))?;
        match b.get("operationList").and_then(Value::as_array) {
            Some(ops) => {
                for op in ops {
                    let path = op.get("path").and_then(Value::as_str).unwrap_or("");
                    if let Some(field) = path.strip_prefix('/').filter(|f| !f.contains('/')) {
                        user[field] = op.get("value").cloned().unwrap_or(Value::Null);
                    }
                }
            }
            None => {
                if let (Value::Object(u), Value::Object(fields)) = (&mut *user, b) {
                    u.extend(fields);
                }
            }
        }
        Ok(ok_json(user))
    })();
    finish(&st, reply)
}

/// `DELETE /users/{id}`: 204.
pub(crate) async fn delete_user(State(st): St, ctx: Ctx, Path(id): Path<String>) -> Response<Body> {
    let reply = caller(&st, &ctx).and_then(|_| {
        lock(&st.directory)
            .users
            .remove(&id)
            .map(|_| no_content())
            .ok_or_else(|| user_not_found(&id))
    });
    finish(&st, reply)
}

/// `GET /usergroups` (also `/usergroups/`).
pub(crate) async fn list_groups(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = caller(&st, &ctx).and_then(|_| {
        let groups: Vec<Value> = lock(&st.directory)
            .groups
            .values()
            .filter(|g| name_filter(&ctx, g, "name"))
            .cloned()
            .collect();
        paged(&ctx, groups)
    });
    finish(&st, reply)
}

/// `GET /usergroups/{id}`.
pub(crate) async fn get_group(State(st): St, ctx: Ctx, Path(id): Path<String>) -> Response<Body> {
    let reply = caller(&st, &ctx).and_then(|_| {
        lock(&st.directory)
            .groups
            .get(&id)
            .map(ok_json)
            .ok_or_else(|| {
                MstrError::not_found(format!("Cannot find the user group with ID '{id}'"))
            })
    });
    finish(&st, reply)
}

/// `GET /usergroups/{id}/members`: every user is a member of Everyone; other groups are empty.
pub(crate) async fn group_members(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = caller(&st, &ctx).and_then(|_| {
        let dir = lock(&st.directory);
        if !dir.groups.contains_key(&id) {
            return Err(MstrError::not_found(format!(
                "Cannot find the user group with ID '{id}'"
            )));
        }
        let members: Vec<Value> = if id == EVERYONE_GROUP_ID {
            dir.users.values().cloned().collect()
        } else {
            Vec::new()
        };
        drop(dir);
        paged(&ctx, members)
    });
    finish(&st, reply)
}

/// `POST /metadataSearches/results?name=&pattern=&type=`: stores the hits, answers
/// `{"id": searchId}`.
pub(crate) async fn create_search(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let project = ctx
            .header("X-MSTR-ProjectID")
            .map(|_| project_of(&ctx, &c.user))
            .transpose()?;
        let query = ObjectQuery::from_ctx(&ctx)?;
        let hits = lock(&st.objects).search(project.map(|p| p.id), &c.user, &query);
        let mut dir = lock(&st.directory);
        let id = dir.new_id();
        dir.searches.insert(id.clone(), hits);
        Ok(ok_json(&json!({"id": id})))
    })();
    finish(&st, reply)
}

/// `GET /metadataSearches/results?searchId=&offset=&limit=`.
pub(crate) async fn search_results(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = stored_search(&st, &ctx).and_then(|hits| paged(&ctx, hits));
    finish(&st, reply)
}

/// The hits of the stored search `searchId` (400 `ERR005` without it, 404 `ERR004` unknown).
fn stored_search(st: &MstrState, ctx: &Ctx) -> Result<Vec<Value>, MstrError> {
    caller(st, ctx)?;
    let id = ctx
        .query_one("searchId")
        .ok_or_else(|| MstrError::missing_info("Missing required query parameter 'searchId'"))?;
    lock(&st.directory)
        .searches
        .get(id)
        .cloned()
        .ok_or_else(|| MstrError::not_found(format!("Search '{id}' not found")))
}

/// `GET /metadataSearches/results/tree?searchId=`: the hits of a stored search grouped by the
/// folder holding them (`FolderNode` list: the folder, its `contents`, no `children`).
pub(crate) async fn search_tree(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let hits = stored_search(&st, &ctx)?;
        let mut nodes: Vec<Value> = Vec::new();
        for hit in hits {
            let parent = &hit["ancestors"][0];
            let fid = parent["id"].as_str().unwrap_or("").to_string();
            let fname = parent["name"].clone();
            match nodes.iter_mut().find(|n| n["id"] == fid.as_str()) {
                Some(n) => {
                    if let Some(list) = n["contents"].as_array_mut() {
                        list.push(hit);
                    }
                }
                None => nodes.push(json!({
                    "id": fid, "name": fname, "type": 8,
                    "contents": [hit], "children": [],
                })),
            }
        }
        Ok(ok_json(&Value::Array(nodes)))
    })();
    finish(&st, reply)
}
