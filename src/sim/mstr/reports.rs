//! Report and cube execution of the MicroStrategy simulator, over the object store (so copies,
//! moves and deletes show) and the grids ([`super::grids`]): definitions, cube information and
//! status, publishing, instances (v2, and v1 for reports) with paged data, the SQL view,
//! page-by elements, prompts and their answers, a cube's attribute elements and its modeling
//! definition. The report [`super::data::BROKEN_REPORT_ID`] answers the 500 template.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

use super::config::privileges;
use super::data::{project_of, Project, BROKEN_REPORT_ID};
use super::directory::paged;
use super::errors::{self, MstrError};
use super::grids::{definition_json, instance_json, seeded_grid, Grid};
use super::objects::{ObjectRec, SUBTYPE_SUPER_CUBE};
use super::routes::{caller, finish, no_content, ok_json, parse_json, scoped, Ctx, Reply, St};
use super::state::{Caller, MstrState};
use crate::sim::faults::lock;

/// Which kind of object a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Report,
    Cube,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Report => "Report",
            Kind::Cube => "Cube",
        }
    }
}

/// The report or cube `id` of project `p` the caller may read: 404 `ERR004` when missing or
/// of the other kind, 403 `ERR017` when denied.
fn lookup(
    st: &MstrState,
    c: &Caller,
    p: &Project,
    id: &str,
    kind: Kind,
) -> Result<ObjectRec, MstrError> {
    let store = lock(&st.objects);
    let o = store
        .get(p.id, id)
        .filter(|o| o.is_report_kind(kind == Kind::Cube))
        .ok_or_else(|| MstrError::not_found(format!("{} with ID '{id}' not found", kind.name())))?;
    store.readable(p, &c.user, &o.id).cloned()
}

/// The data of a report or cube: a seeded grid, or the published rows of a pushed dataset.
fn grid_for(st: &MstrState, o: &ObjectRec) -> Option<Grid> {
    seeded_grid(&o.data_of).or_else(|| {
        lock(&st.data)
            .datasets
            .get(&o.data_of)
            .map(|d| d.grid(&o.data_of))
    })
}

fn limit_of(ctx: &Ctx) -> Result<(usize, usize), MstrError> {
    let offset = ctx.query_usize("offset", 0)?;
    let limit = ctx.query_usize("limit", 1000)?;
    if limit == 0 {
        return Err(MstrError::invalid_input("limit must be at least 1"));
    }
    Ok((offset, limit))
}

fn create_instance(st: &MstrState, ctx: &Ctx, id: &str, kind: Kind, body: &Bytes) -> Reply {
    let (c, p) = scoped(st, ctx)?;
    c.user.require(privileges::WEB_RUN_REPORT)?;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let request: Value = parse_json(body)?;
        if !request.is_object() {
            return Err(MstrError::invalid_input(
                "Invalid JSON body. The instance request must be an object",
            ));
        }
    }
    let o = lookup(st, &c, p, id, kind)?;
    if o.data_of == BROKEN_REPORT_ID {
        return Ok(errors::server_error_with_suberrors(
            &st.ticket(),
            "Report execution failed on the Intelligence Server",
            &o.id,
            &o.name,
        ));
    }
    let g = grid_for(st, &o).ok_or_else(|| MstrError::not_found("Object has no data"))?;
    let (offset, limit) = limit_of(ctx)?;
    let instance = {
        let mut data = lock(&st.data);
        let iid = data.new_id();
        data.instances.insert(iid.clone(), o.id.clone());
        iid
    };
    Ok(ok_json(&instance_json(&o, &g, &instance, offset, limit)))
}

/// The object of an instance: 404 when the instance is unknown or of another object.
fn instance_of(
    st: &MstrState,
    ctx: &Ctx,
    id: &str,
    instance: &str,
    kind: Kind,
) -> Result<ObjectRec, MstrError> {
    let (c, p) = scoped(st, ctx)?;
    let o = lookup(st, &c, p, id, kind)?;
    let known = lock(&st.data).instances.get(instance).cloned();
    if known.as_deref() != Some(o.id.as_str()) {
        return Err(MstrError::not_found(format!(
            "Instance '{instance}' of object '{id}' not found or expired"
        )));
    }
    Ok(o)
}

fn instance_page(st: &MstrState, ctx: &Ctx, id: &str, instance: &str, kind: Kind) -> Reply {
    let o = instance_of(st, ctx, id, instance, kind)?;
    let g = grid_for(st, &o).ok_or_else(|| MstrError::not_found("Object has no data"))?;
    let (offset, limit) = limit_of(ctx)?;
    Ok(ok_json(&instance_json(&o, &g, instance, offset, limit)))
}

fn definition(
    st: &MstrState,
    ctx: &Ctx,
    id: &str,
    kind: Kind,
) -> Result<(ObjectRec, Value), MstrError> {
    let (c, p) = scoped(st, ctx)?;
    let o = lookup(st, &c, p, id, kind)?;
    let g = grid_for(st, &o).unwrap_or_default();
    let body = json!({
        "id": o.id,
        "name": o.name,
        "sourceType": if kind == Kind::Cube { "cube" } else { "report" },
        "definition": definition_json(&g),
    });
    Ok((o, body))
}

/// The cube cache id of a cube (one cache per cube on the simulated node).
pub(crate) fn cache_id(cube: &str) -> String {
    format!("{:.24}CA0CE000", cube)
}

/// EnumDSSCubeStates of a cube: 2 active | 4 loaded, as its cache says; 0 for a pushed
/// dataset never published or a deleted cache.
fn cube_state(st: &MstrState, o: &ObjectRec) -> i64 {
    let data = lock(&st.data);
    if o.subtype == SUBTYPE_SUPER_CUBE
        && !data.datasets.get(&o.data_of).is_some_and(|d| d.published)
    {
        return 0;
    }
    data.cube_caches
        .get(&cache_id(&o.id))
        .map_or(6, |c| c.state_bits())
}

/// `GET /cubes/{id}`: cube definition; `HEAD /cubes/{id}`: status in `X-MSTR-CubeStatus`
/// (axum answers HEAD with the GET handler's headers and no body).
pub(crate) async fn cube_status(State(st): St, ctx: Ctx, Path(id): Path<String>) -> Response<Body> {
    let reply = definition(&st, &ctx, &id, Kind::Cube).map(|(o, body)| {
        let mut resp = ok_json(&body);
        resp.headers_mut()
            .insert("X-MSTR-CubeStatus", HeaderValue::from(cube_state(&st, &o)));
        resp
    });
    finish(&st, reply)
}

/// `POST /v2/cubes/{id}`: publish (refresh) a cube, 202; its cache is fresh again.
pub(crate) async fn publish_cube(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        c.user.require(privileges::CREATE_DATASET)?;
        let o = lookup(&st, &c, p, &id, Kind::Cube)?;
        let mut data = lock(&st.data);
        data.cube_caches.remove(&cache_id(&o.id));
        if let Some(d) = data.datasets.get_mut(&o.data_of) {
            d.published = true;
        }
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::ACCEPTED;
        Ok(resp)
    })();
    finish(&st, reply)
}

/// `GET /cubes?id=..` (also `/cubes/?id=`, as mstrio-py calls it): cube information.
pub(crate) async fn cubes_info(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let ids = ctx.query_all("id");
        if ids.is_empty() {
            return Err(MstrError::missing_info(
                "Missing required query parameter 'id'",
            ));
        }
        let mut infos = Vec::new();
        for id in ids {
            let o = lookup(&st, &c, p, id, Kind::Cube)?;
            let rows = grid_for(&st, &o).map(|g| g.rows.len()).unwrap_or(0);
            let path = {
                let store = lock(&st.objects);
                store.path(p, &o)
            };
            infos.push(json!({
                "cubeId": o.id, "cubeName": o.name,
                "ownerId": o.owner_id, "ownerName": o.owner_name,
                "path": path,
                "modificationTime": o.modified,
                "serverMode": 1, "size": rows * 64, "status": cube_state(&st, &o),
            }));
        }
        Ok(ok_json(&json!({"cubesInfos": infos})))
    })();
    finish(&st, reply)
}

/// `GET /reports/{id}` and `/v2/reports/{id}`: report definition.
pub(crate) async fn report_definition(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = definition(&st, &ctx, &id, Kind::Report).map(|(_, body)| ok_json(&body));
    finish(&st, reply)
}

/// `GET /v2/cubes/{id}`: cube definition.
pub(crate) async fn cube_definition(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = definition(&st, &ctx, &id, Kind::Cube).map(|(_, body)| ok_json(&body));
    finish(&st, reply)
}

/// `POST /v2/reports/{id}/instances?offset=&limit=` and the v1 `POST /reports/{id}/instances`.
pub(crate) async fn create_report_instance(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    finish(&st, create_instance(&st, &ctx, &id, Kind::Report, &body))
}

/// `GET /v2/reports/{id}/instances/{instance}?offset=&limit=`.
pub(crate) async fn report_instance_page(
    State(st): St,
    ctx: Ctx,
    Path((id, instance)): Path<(String, String)>,
) -> Response<Body> {
    finish(&st, instance_page(&st, &ctx, &id, &instance, Kind::Report))
}

/// `POST /v2/cubes/{id}/instances?offset=&limit=`.
pub(crate) async fn create_cube_instance(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    finish(&st, create_instance(&st, &ctx, &id, Kind::Cube, &body))
}

/// `GET /v2/cubes/{id}/instances/{instance}?offset=&limit=`.
pub(crate) async fn cube_instance_page(
    State(st): St,
    ctx: Ctx,
    Path((id, instance)): Path<(String, String)>,
) -> Response<Body> {
    finish(&st, instance_page(&st, &ctx, &id, &instance, Kind::Cube))
}

/// The SQL the simulated warehouse would run for a grid.
fn sql_of(o: &ObjectRec, g: &Grid) -> String {
    let attrs: Vec<String> = g
        .attributes
        .iter()
        .map(|a| format!("a.\"{}\"", a.1))
        .collect();
    let metrics: Vec<String> = g
        .metrics
        .iter()
        .map(|m| format!("sum(a.\"{}\") AS \"{}\"", m.1, m.1))
        .collect();
    let cols: Vec<String> = attrs.iter().cloned().chain(metrics).collect();
    let table = o.name.to_uppercase().replace(' ', "_");
    let mut sql = format!("select {}\nfrom \"{table}\" a", cols.join(",\n\t"));
    if !attrs.is_empty() {
        sql.push_str(&format!("\ngroup by {}", attrs.join(", ")));
    }
    sql
}

/// `GET /v2/reports/{id}/instances/{instance}/sqlView`.
pub(crate) async fn report_sql_view(
    State(st): St,
    ctx: Ctx,
    Path((id, instance)): Path<(String, String)>,
) -> Response<Body> {
    let reply = instance_of(&st, &ctx, &id, &instance, Kind::Report).map(|o| {
        let g = grid_for(&st, &o).unwrap_or_default();
        ok_json(&json!({"sqlStatement": sql_of(&o, &g)}))
    });
    finish(&st, reply)
}

/// `GET /v2/cubes/{id}/sqlView`.
pub(crate) async fn cube_sql_view(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = scoped(&st, &ctx)
        .and_then(|(c, p)| lookup(&st, &c, p, &id, Kind::Cube))
        .map(|o| {
            let g = grid_for(&st, &o).unwrap_or_default();
            ok_json(&json!({"sqlStatement": sql_of(&o, &g)}))
        });
    finish(&st, reply)
}

/// `GET /v2/reports/{id}/instances/{instance}/pageBy/elements`: the seeded reports have no
/// page-by axis, so the list is empty.
pub(crate) async fn page_by_elements(
    State(st): St,
    ctx: Ctx,
    Path((id, instance)): Path<(String, String)>,
) -> Response<Body> {
    let reply = instance_of(&st, &ctx, &id, &instance, Kind::Report).and_then(|_| {
        let (offset, _) = limit_of(&ctx)?;
        Ok(ok_json(&json!({
            "paging": {"total": 0, "current": 0, "offset": offset, "limit": 0},
            "pageBy": [],
        })))
    });
    finish(&st, reply)
}

/// `GET /reports/{id}/instances/{instance}/prompts`: the seeded reports are not prompted.
pub(crate) async fn prompts(
    State(st): St,
    ctx: Ctx,
    Path((id, instance)): Path<(String, String)>,
) -> Response<Body> {
    let reply = instance_of(&st, &ctx, &id, &instance, Kind::Report)
        .map(|_| ok_json(&Value::Array(Vec::new())));
    finish(&st, reply)
}

#[derive(serde::Deserialize)]
struct PromptAnswers {
    prompts: Option<Vec<PromptAnswer>>,
}

#[derive(serde::Deserialize)]
struct PromptAnswer {
    id: Option<String>,
}

/// `PUT /reports/{id}/instances/{instance}/prompts/answers`: 204 when nothing is answered;
/// an answer to a prompt the report does not have is refused with 400 `ERR006`.
pub(crate) async fn answer_prompts(
    State(st): St,
    ctx: Ctx,
    Path((id, instance)): Path<(String, String)>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        instance_of(&st, &ctx, &id, &instance, Kind::Report)?;
        let b: PromptAnswers = parse_json(&body)?;
        match b.prompts.unwrap_or_default().into_iter().next() {
            None => Ok(no_content()),
            Some(PromptAnswer { id: None }) => Err(MstrError::missing_field("prompts[].id")),
            Some(PromptAnswer { id: Some(pid) }) => Err(MstrError::invalid_input(format!(
                "The instance has no prompt with ID '{pid}'"
            ))),
        }
    })();
    finish(&st, reply)
}

/// `GET /cubes/{id}/attributes/{attributeId}/elements?offset=&limit=` with
/// `X-MSTR-Total-Count`.
pub(crate) async fn attribute_elements(
    State(st): St,
    ctx: Ctx,
    Path((id, attribute)): Path<(String, String)>,
) -> Response<Body> {
    let reply = (|| {
        let (c, p) = scoped(&st, &ctx)?;
        let o = lookup(&st, &c, p, &id, Kind::Cube)?;
        let g = grid_for(&st, &o).unwrap_or_default();
        let (aid, _, elements) = g
            .attributes
            .iter()
            .find(|a| a.0.eq_ignore_ascii_case(&attribute))
            .ok_or_else(|| {
                MstrError::not_found(format!(
                    "Attribute with ID '{attribute}' not found in cube '{}'",
                    o.name
                ))
            })?;
        let items: Vec<Value> = elements
            .iter()
            .enumerate()
            .map(|(i, e)| json!({"id": format!("h{};{aid}", i + 1), "name": e, "formValues": [e]}))
            .collect();
        paged(&ctx, items)
    })();
    finish(&st, reply)
}

/// `GET /model/cubes/{id}`: the modeling view of a cube (its attributes and metrics), in
/// the project of `X-MSTR-ProjectID` or of the changeset `X-MSTR-MS-Changeset`;
/// modeling-service errors for an unknown cube.
pub(crate) async fn model_cube(State(st): St, ctx: Ctx, Path(id): Path<String>) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        c.user.require(privileges::USE_ARCHITECT)?;
        let project = match ctx.header("x-mstr-ms-changeset") {
            Some(cs) => match lock(&st.data).changeset_project(cs) {
                Some(p) => p,
                None => {
                    return Ok(errors::modeling_error(
                        StatusCode::BAD_REQUEST,
                        "8004cc4c",
                        &format!("The X-MSTR-MS-Changeset '{cs}' is invalid."),
                        &["X-MSTR-MS-Changeset", cs],
                    ))
                }
            },
            None => project_of(&ctx, &c.user)?,
        };
        let found = lock(&st.objects)
            .get(project.id, &id)
            .filter(|o| o.is_cube() && o.visible_to(&c.user))
            .cloned();
        let Some(o) = found else {
            return Ok(errors::modeling_error(
                StatusCode::NOT_FOUND,
                "8004cc08",
                &format!("The object with ID '{id}' does not exist in the metadata."),
                &[&id],
            ));
        };
        let g = grid_for(&st, &o).unwrap_or_default();
        let sub_type = if o.subtype == SUBTYPE_SUPER_CUBE {
            "super_cube"
        } else {
            "report_cube"
        };
        Ok(ok_json(&json!({
            "information": {
                "objectId": o.id, "subType": sub_type, "name": o.name,
                "isEmbedded": false, "primaryLocale": "en-US",
                "dateCreated": o.created, "dateModified": o.modified,
            },
            "dataSource": {"type": "cube"},
            "attributes": g.attributes.iter().map(|a| json!({"id": a.0, "name": a.1})).collect::<Vec<_>>(),
            "metrics": g.metrics.iter().map(|m| json!({"id": m.0, "name": m.1})).collect::<Vec<_>>(),
        })))
    })();
    finish(&st, reply)
}
