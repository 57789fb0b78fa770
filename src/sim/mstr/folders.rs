//! Folder browsing and object management of the MicroStrategy simulator, over the object store
//! ([`super::objects`]): `GET|POST /folders`, `GET|DELETE /folders/{id}`,
//! `GET /folders/preDefined/{folderType}`, `GET /folders/myPersonalObjects`,
//! `PUT|DELETE /objects/{id}?type=`, `POST /objects/{id}/copy?type=`, `DELETE /objects` and
//! `POST /searches/objects`. Every call checks the session and `X-MSTR-ProjectID`; writes
//! need a named (non-guest) user and refuse a name already used in the folder with 409
//! `ERR0015`, as the server does.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{Response, StatusCode};
use serde_json::{json, Value};

use super::data::Project;
use super::directory::{page_of, paged};
use super::errors::{json_response, MstrError};
use super::objects::{
    access_denied, object_not_found, NewObject, ObjectRec, ObjectStore, SUBTYPE_FOLDER, TYPE_FOLDER,
};
use super::routes::{caller, finish, no_content, ok_json, parse_json, scoped, Ctx, Reply, St};
use super::state::{MstrState, UserRec};
use crate::sim::faults::lock;

/// Guests may read but not change metadata (403 `ERR017`).
fn require_writer(user: &UserRec, name: &str, id: &str) -> Result<(), MstrError> {
    if user.guest {
        Err(MstrError::no_access(format!(
            "(User '{}' does not have Write access to the object '{name}' with ID '{id}'.)",
            user.user.full_name
        )))
    } else {
        Ok(())
    }
}

/// 409 `ERR0015`: the folder already holds an object of that type and name.
fn already_exists(name: &str) -> MstrError {
    MstrError::new(
        StatusCode::CONFLICT,
        "ERR0015",
        format!("The object with the given name '{name}' already exists in the folder"),
    )
}

/// The `type` query parameter of the object-management calls (400 `ERR005` when missing).
fn type_param(ctx: &Ctx) -> Result<i64, MstrError> {
    let t = ctx
        .query_one("type")
        .ok_or_else(|| MstrError::missing_info("Missing required query parameter 'type'"))?;
    t.trim()
        .parse()
        .map_err(|_| MstrError::invalid_input(format!("Invalid object type '{t}'")))
}

/// The object `id` of type `t`, readable by the caller (404 when the type differs).
fn typed<'a>(
    store: &'a ObjectStore,
    p: &Project,
    user: &UserRec,
    id: &str,
    t: i64,
) -> Result<&'a ObjectRec, MstrError> {
    let o = store.readable(p, user, id)?;
    if o.object_type == t {
        Ok(o)
    } else {
        Err(MstrError::not_found(format!(
            "Object with ID '{id}' and type {t} not found"
        )))
    }
}

/// A folder of the project, readable by the caller.
fn folder<'a>(
    store: &'a ObjectStore,
    p: &Project,
    user: &UserRec,
    id: &str,
) -> Result<&'a ObjectRec, MstrError> {
    store
        .readable(p, user, id)
        .ok()
        .filter(|o| o.object_type == TYPE_FOLDER)
        .ok_or_else(|| MstrError::not_found(format!("Folder with ID '{id}' not found")))
}

/// The contents of `folder_id` the caller may see, filtered by `type`, one page.
fn contents(st: &MstrState, ctx: &Ctx, user: &UserRec, folder_id: &str) -> Reply {
    let types = ctx.query_types("type")?;
    let store = lock(&st.objects);
    let items: Vec<Value> = store
        .children(folder_id)
        .into_iter()
        .filter(|o| o.visible_to(user))
        .filter(|o| {
            types.is_empty() || types.contains(&o.object_type) || types.contains(&o.subtype)
        })
        .map(|o| store.json(o))
        .collect();
    drop(store);
    paged(ctx, items)
}

/// `GET /folders`: the root folders of the project.
pub(crate) async fn root_folders(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = scoped(&st, &ctx).and_then(|(c, p)| {
        let store = lock(&st.objects);
        let items: Vec<Value> = store
            .roots(p.id)
            .into_iter()
            .filter(|o| o.visible_to(&c.user))
            .map(|o| store.json(o))
            .collect();
        drop(store);
        paged(&ctx, items)
    });
    finish(&st, reply)
}

#[derive(serde::Deserialize)]
struct FolderBody {
    name: Option<String>,
    description: Option<String>,
    parent: Option<String>,
}

/// `POST /folders` `{name, parent, description?}`: 201 with the new folder.
pub(crate) async fn create_folder(State(st): St, ctx: Ctx, body: Bytes) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let b: FolderBody = parse_json(&body)?;
        let name = b
            .name
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| MstrError::missing_field("name"))?;
        let parent = b.parent.ok_or_else(|| MstrError::missing_field("parent"))?;
        let mut store = lock(&st.objects);
        let parent = folder(&store, p, &c.user, &parent)?.id.clone();
        require_writer(&c.user, &name, &parent)?;
        if store.name_taken(&parent, TYPE_FOLDER, &name) {
            return Err(already_exists(&name));
        }
        let id = store.insert(NewObject {
            name,
            object_type: TYPE_FOLDER,
            subtype: SUBTYPE_FOLDER,
            project: p.id,
            parent: Some(parent),
            description: b.description.unwrap_or_default(),
            owner: (c.user.id.clone(), c.user.user.full_name.clone()),
            view_media: 0,
            data_of: None,
        });
        let created = store.get(p.id, &id).map(|o| store.json(o));
        Ok(json_response(
            StatusCode::CREATED,
            &created.unwrap_or(Value::Null),
        ))
    })();
    finish(&st, reply)
}

/// `GET /folders/{id}?type=&offset=&limit=`: the folder's contents.
pub(crate) async fn folder_contents(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let id = folder(&lock(&st.objects), p, &c.user, &id)?.id.clone();
        contents(&st, &ctx, &c.user, &id)
    })();
    finish(&st, reply)
}

/// Removes `id` and what is below it, and the pushed datasets among them.
fn remove(st: &MstrState, store: &mut ObjectStore, id: &str) {
    let removed = store.remove_tree(id);
    let mut data = lock(&st.data);
    for r in removed {
        data.forget_dataset(&r);
    }
}

/// `DELETE /folders/{id}`: 204; the folder goes with its contents.
pub(crate) async fn delete_folder(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let mut store = lock(&st.objects);
        let f = folder(&store, p, &c.user, &id)?;
        require_writer(&c.user, &f.name, &f.id)?;
        if f.predefined.is_some() {
            return Err(MstrError::no_access(format!(
                "(The pre-defined folder '{}' cannot be deleted.)",
                f.name
            )));
        }
        let id = f.id.clone();
        remove(&st, &mut store, &id);
        Ok(no_content())
    })();
    finish(&st, reply)
}

/// `GET /folders/preDefined/{folderType}` (EnumDSSXMLFolderNames: 1 Public Objects,
/// 5 Public Objects > Metrics, 7 Public Objects > Reports, 19 the caller's profile, 20 the
/// caller's My Reports, 24 Schema Objects, 39 Profiles).
pub(crate) async fn predefined_folder(
    State(st): St,
    ctx: Ctx,
    Path(kind): Path<String>,
) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let kind: i64 = kind
            .trim()
            .parse()
            .map_err(|_| MstrError::invalid_input(format!("Invalid folder type '{kind}'")))?;
        let id = lock(&st.objects)
            .predefined(p.id, &c.user, kind)
            .ok_or_else(|| MstrError::not_found(format!("Pre-defined folder {kind} not found")))?;
        contents(&st, &ctx, &c.user, &id)
    })();
    finish(&st, reply)
}

/// `GET /folders/myPersonalObjects`: the caller's profile folder's contents.
pub(crate) async fn my_personal_objects(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let (profile, _) = lock(&st.objects).profile(p.id, &c.user);
        contents(&st, &ctx, &c.user, &profile)
    })();
    finish(&st, reply)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObjectUpdate {
    name: Option<String>,
    description: Option<String>,
    folder_id: Option<String>,
    hidden: Option<bool>,
}

/// `PUT /objects/{id}?type=`: rename, describe, move (`folderId`) or hide an object.
pub(crate) async fn update_object(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let t = type_param(&ctx)?;
        let b: ObjectUpdate = parse_json(&body)?;
        let mut store = lock(&st.objects);
        let o = typed(&store, p, &c.user, &id, t)?;
        require_writer(&c.user, &o.name, &o.id)?;
        let (id, mut parent, mut name) = (o.id.clone(), o.parent.clone(), o.name.clone());
        if let Some(target) = &b.folder_id {
            let target = folder(&store, p, &c.user, target)?.id.clone();
            if store.is_under(&target, &id) {
                return Err(MstrError::invalid_input(
                    "A folder cannot be moved into itself or one of its subfolders",
                ));
            }
            parent = Some(target);
        }
        if let Some(n) = &b.name {
            if n.trim().is_empty() {
                return Err(MstrError::invalid_input("The name must not be empty"));
            }
            name = n.clone();
        }
        let moved_or_renamed = b.folder_id.is_some() || b.name.is_some();
        if let Some(dest) = parent.as_deref().filter(|_| moved_or_renamed) {
            let clash = store
                .children(dest)
                .iter()
                .any(|x| x.id != id && x.object_type == t && x.name.eq_ignore_ascii_case(&name));
            if clash {
                return Err(already_exists(&name));
            }
        }
        let Some(rec) = store.touch(&id) else {
            return Err(object_not_found(p, &id));
        };
        rec.name = name;
        rec.parent = parent;
        if let Some(d) = b.description {
            rec.description = d;
        }
        if let Some(h) = b.hidden {
            rec.hidden = h;
        }
        let rec = rec.clone();
        Ok(ok_json(&store.json(&rec)))
    })();
    finish(&st, reply)
}

/// `DELETE /objects/{id}?type=`: 204 (a folder goes with its contents, a pushed dataset with
/// its data).
pub(crate) async fn delete_object(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let t = type_param(&ctx)?;
        let mut store = lock(&st.objects);
        let o = typed(&store, p, &c.user, &id, t)?;
        require_writer(&c.user, &o.name, &o.id)?;
        if o.predefined.is_some() {
            return Err(access_denied(&c.user, "folder", &o.name, &o.id));
        }
        let id = o.id.clone();
        remove(&st, &mut store, &id);
        Ok(no_content())
    })();
    finish(&st, reply)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct CopyBody {
    name: Option<String>,
    folder_id: Option<String>,
}

/// `POST /objects/{id}/copy?type=` `{name?, folderId?}`: 201 with the copy (a copied report
/// or cube executes with the source's data).
pub(crate) async fn copy_object(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let t = type_param(&ctx)?;
        let b: CopyBody = if body.iter().all(u8::is_ascii_whitespace) {
            CopyBody {
                name: None,
                folder_id: None,
            }
        } else {
            parse_json(&body)?
        };
        let mut store = lock(&st.objects);
        let src = typed(&store, p, &c.user, &id, t)?.clone();
        if src.object_type == TYPE_FOLDER {
            return Err(MstrError::invalid_input(
                "Folders cannot be copied with this endpoint",
            ));
        }
        let dest = match &b.folder_id {
            Some(f) => folder(&store, p, &c.user, f)?.id.clone(),
            None => src.parent.clone().unwrap_or_default(),
        };
        require_writer(&c.user, &src.name, &dest)?;
        let name = b.name.unwrap_or_else(|| format!("{} (copy)", src.name));
        if store.name_taken(&dest, src.object_type, &name) {
            return Err(already_exists(&name));
        }
        let id = store.insert(NewObject {
            name,
            object_type: src.object_type,
            subtype: src.subtype,
            project: p.id,
            parent: Some(dest),
            description: src.description.clone(),
            owner: (c.user.id.clone(), c.user.user.full_name.clone()),
            view_media: src.view_media,
            data_of: Some(src.data_of.clone()),
        });
        let copy = store.get(p.id, &id).map(|o| store.json(o));
        Ok(json_response(
            StatusCode::CREATED,
            &copy.unwrap_or(Value::Null),
        ))
    })();
    finish(&st, reply)
}

#[derive(serde::Deserialize)]
struct ObjectList {
    objects: Option<Vec<ObjectRefBody>>,
}

#[derive(serde::Deserialize)]
struct ObjectRefBody {
    id: Option<String>,
    #[serde(rename = "type")]
    object_type: Option<i64>,
}

/// `DELETE /objects` `{objects:[{id, type}]}`: 204 when every object was deleted, else 207
/// with one error per object that was not.
pub(crate) async fn delete_objects(State(st): St, ctx: Ctx, body: Bytes) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let b: ObjectList = parse_json(&body)?;
        let list = b
            .objects
            .ok_or_else(|| MstrError::missing_field("objects"))?;
        let mut store = lock(&st.objects);
        let mut failed = Vec::new();
        for r in list {
            let id =
                r.id.ok_or_else(|| MstrError::missing_field("objects[].id"))?;
            let found = match r.object_type {
                Some(t) => typed(&store, p, &c.user, &id, t),
                None => store.readable(p, &c.user, &id),
            }
            .and_then(|o| {
                require_writer(&c.user, &o.name, &o.id)?;
                Ok(o.id.clone())
            });
            match found {
                Ok(oid) => remove(&st, &mut store, &oid),
                Err(e) => failed.push(e.into_response_json(st.ticket())),
            }
        }
        if failed.is_empty() {
            Ok(no_content())
        } else {
            Ok(json_response(
                StatusCode::MULTI_STATUS,
                &Value::Array(failed),
            ))
        }
    })();
    finish(&st, reply)
}

#[derive(serde::Deserialize)]
struct SearchObjectsBody {
    objects: Option<Vec<SearchObjectRef>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchObjectRef {
    project_id: Option<String>,
    id: Option<String>,
}

/// `POST /searches/objects` `{objects:[{projectId, id, type}]}`: the objects that exist and
/// the caller may see, as a quick-search result.
pub(crate) async fn search_objects(State(st): St, ctx: Ctx, body: Bytes) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let b: SearchObjectsBody = parse_json(&body)?;
        let store = lock(&st.objects);
        let header_project = ctx.header("x-mstr-projectid").map(str::to_ascii_uppercase);
        let hits: Vec<Value> = b
            .objects
            .unwrap_or_default()
            .iter()
            .filter_map(|r| {
                let project = r.project_id.clone().or_else(|| header_project.clone())?;
                let o = store.get(&project.to_ascii_uppercase(), r.id.as_deref()?)?;
                o.visible_to(&c.user).then(|| store.json(o))
            })
            .collect();
        drop(store);
        let (total, page) = page_of(&ctx, hits)?;
        Ok(ok_json(&json!({"totalItems": total, "result": page})))
    })();
    finish(&st, reply)
}
