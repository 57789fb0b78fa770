//! Cube cache monitoring of the MicroStrategy simulator: one cache per cube on the simulated
//! node `sim-node-1`, listed by `GET /monitors/caches/cubes?clusterNode=`, loaded, unloaded,
//! activated or deactivated by `PATCH /monitors/caches/cubes/{id}` (202 with
//! `X-MSTR-CubeManipulationId`), deleted by `DELETE /monitors/caches/cubes/{id}`; a cube's
//! status (`HEAD /cubes/{id}`, `GET /cubes?id=`) follows its cache, and publishing the cube
//! makes a fresh one. `DELETE /monitors/projects/{id}/caches/{type}` purges a project's
//! caches of one type.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

use super::data::{project_of, project_visible, PROJECTS};
use super::directory::page_of;
use super::errors::MstrError;
use super::objects::{access_denied, ObjectRec, SUBTYPE_SUPER_CUBE};
use super::reports::cache_id;
use super::routes::{caller, finish, no_content, ok_json, parse_json, Ctx, St};
use super::state::{Caller, MstrState};
use crate::sim::faults::lock;

/// The node every cache lives on (as `GET /monitors/projects` names it).
pub const NODE: &str = "sim-node-1";

/// The state of a cube cache that was changed through the monitors API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CubeCache {
    pub active: bool,
    pub loaded: bool,
    pub deleted: bool,
}

impl Default for CubeCache {
    fn default() -> Self {
        CubeCache {
            active: true,
            loaded: true,
            deleted: false,
        }
    }
}

impl CubeCache {
    /// EnumDSSCubeStates bits: 2 active, 4 loaded (0 once deleted).
    pub fn state_bits(&self) -> i64 {
        if self.deleted {
            0
        } else {
            i64::from(self.active) * 2 + i64::from(self.loaded) * 4
        }
    }
}

/// The cubes with a cache: OLAP cubes, and pushed datasets once published.
fn cached_cubes(st: &MstrState, c: &Caller, project: Option<&str>) -> Vec<(ObjectRec, CubeCache)> {
    let cubes = lock(&st.objects).cubes(project, &c.user);
    let data = lock(&st.data);
    cubes
        .into_iter()
        .filter(|o| {
            o.subtype != SUBTYPE_SUPER_CUBE
                || data.datasets.get(&o.data_of).is_some_and(|d| d.published)
        })
        .map(|o| {
            let cache = data
                .cube_caches
                .get(&cache_id(&o.id))
                .copied()
                .unwrap_or_default();
            (o, cache)
        })
        .filter(|(_, cache)| !cache.deleted)
        .collect()
}

fn cache_json(o: &ObjectRec, cache: &CubeCache) -> Value {
    json!({
        "id": cache_id(&o.id),
        "projectId": o.project,
        "source": {"id": o.id, "name": o.name, "type": o.object_type},
        "state": {
            "active": cache.active, "dirty": false, "infoDirty": false, "persisted": true,
            "loadedState": if cache.loaded { "loaded" } else { "unloaded" },
        },
        "lastUpdateTime": o.modified,
        "hitCount": 0,
        "size": 64,
    })
}

/// The cube of cache `id` the caller may see: 404 `ERR004` otherwise.
fn cache_of(st: &MstrState, c: &Caller, id: &str) -> Result<(ObjectRec, CubeCache), MstrError> {
    cached_cubes(st, c, None)
        .into_iter()
        .find(|(o, _)| cache_id(&o.id).eq_ignore_ascii_case(id))
        .ok_or_else(|| MstrError::not_found(format!("Cube cache with ID '{id}' not found")))
}

/// `GET /monitors/caches/cubes?clusterNode=&offset=&limit=` (the project of
/// `X-MSTR-ProjectID`, or every project).
pub(crate) async fn list(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let node = ctx.query_one("clusterNode").ok_or_else(|| {
            MstrError::missing_info("Missing required query parameter 'clusterNode'")
        })?;
        if node != NODE {
            return Err(MstrError::not_found(format!(
                "Cluster node '{node}' not found"
            )));
        }
        let project = ctx
            .header("x-mstr-projectid")
            .map(|_| project_of(&ctx, &c.user))
            .transpose()?;
        let caches: Vec<Value> = cached_cubes(&st, &c, project.map(|p| p.id))
            .iter()
            .map(|(o, cache)| cache_json(o, cache))
            .collect();
        let (total, page) = page_of(&ctx, caches)?;
        Ok(ok_json(&json!({"total": total, "cubeCaches": page})))
    })();
    finish(&st, reply)
}

#[derive(serde::Deserialize)]
struct AlterBody {
    state: Option<AlterState>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlterState {
    active: Option<bool>,
    loaded_state: Option<String>,
}

/// `PATCH /monitors/caches/cubes/{id}` `{state:{active?, loadedState?}}`: 202.
pub(crate) async fn alter(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let b: AlterBody = parse_json(&body)?;
        let state = b.state.ok_or_else(|| MstrError::missing_field("state"))?;
        let (o, mut cache) = cache_of(&st, &c, &id)?;
        if let Some(a) = state.active {
            cache.active = a;
        }
        match state.loaded_state.as_deref() {
            None => {}
            Some("loaded") => cache.loaded = true,
            Some("unloaded") => cache.loaded = false,
            Some(other) => {
                return Err(MstrError::invalid_input(format!(
                    "Invalid loadedState '{other}'"
                )))
            }
        }
        let job = {
            let mut data = lock(&st.data);
            data.cube_caches.insert(cache_id(&o.id), cache);
            data.new_id()
        };
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::ACCEPTED;
        if let Ok(v) = HeaderValue::from_str(&job) {
            resp.headers_mut().insert("X-MSTR-CubeManipulationId", v);
        }
        Ok(resp)
    })();
    finish(&st, reply)
}

/// `DELETE /monitors/caches/cubes/{id}`: 204; the cube is not loaded until republished.
pub(crate) async fn delete(State(st): St, ctx: Ctx, Path(id): Path<String>) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let (o, _) = cache_of(&st, &c, &id)?;
        let gone = CubeCache {
            deleted: true,
            ..CubeCache::default()
        };
        lock(&st.data).cube_caches.insert(cache_id(&o.id), gone);
        Ok(no_content())
    })();
    finish(&st, reply)
}

/// `DELETE /monitors/projects/{id}/caches/{content|object|element}`: 204.
pub(crate) async fn purge(
    State(st): St,
    ctx: Ctx,
    Path((project, kind)): Path<(String, String)>,
) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let p = PROJECTS
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(&project))
            .ok_or_else(|| {
                MstrError::not_found(format!("Project with ID '{project}' not found"))
            })?;
        if !project_visible(&c.user, p) {
            return Err(access_denied(&c.user, "Project", p.name, p.id));
        }
        if !matches!(kind.as_str(), "content" | "object" | "element") {
            return Err(MstrError::invalid_input(format!(
                "Invalid cache type '{kind}'"
            )));
        }
        Ok(no_content())
    })();
    finish(&st, reply)
}
