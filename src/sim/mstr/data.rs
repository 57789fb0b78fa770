//! The simulated content: projects, the seeded objects (reports, a cube, a dashboard, a
//! metric, a table; the object store of [`super::objects`] starts from them), quick search and
//! `GET /objects/{id}`, modeling-service changesets and settings. Ids are public so tests can
//! use them.

use std::collections::HashMap;
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{Response, StatusCode};
use serde_json::{json, Value};

use super::config::privileges;
use super::datasets::{Dataset, Upload};
use super::errors::{self, json_response, MstrError};
use super::objects::{access_denied, ObjectQuery};
use super::routes::{caller, finish, no_content, ok_json, parse_json, Ctx, Reply, St};
use super::state::UserRec;
use crate::sim::faults::lock;
use crate::sim::{rfc3339, SeededRng, HEX_UPPER};

/// A simulated project.
#[derive(Debug)]
pub struct Project {
    /// 32-hex-digit id.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Description.
    pub description: &'static str,
    /// Guests may not open it (403 `ERR017`).
    pub guest_denied: bool,
}

/// Id of "MicroStrategy Tutorial" (the vendor's well-known tutorial project id).
pub const TUTORIAL_PROJECT_ID: &str = "B19DEDCC11D4E0EFC000EB9495D0F44F";
/// Id of "Human Resources Analysis Module".
pub const HR_PROJECT_ID: &str = "4BAE16A340B995CAD24193AA4B0DF83A";
/// Id of "Executive Project" (not open to guests).
pub const EXECUTIVE_PROJECT_ID: &str = "0D3C5A7E4C1F4B6E9A8B7C6D5E4F3A21";

/// The projects of the simulated server.
pub const PROJECTS: &[Project] = &[
    Project {
        id: TUTORIAL_PROJECT_ID,
        name: "MicroStrategy Tutorial",
        description: "Tutorial project with sales data",
        guest_denied: false,
    },
    Project {
        id: HR_PROJECT_ID,
        name: "Human Resources Analysis Module",
        description: "Headcount and attrition",
        guest_denied: false,
    },
    Project {
        id: EXECUTIVE_PROJECT_ID,
        name: "Executive Project",
        description: "Restricted to named users",
        guest_denied: true,
    },
];

/// A simulated metadata object.
#[derive(Debug)]
pub struct SimObject {
    /// 32-hex-digit id.
    pub id: &'static str,
    /// Name.
    pub name: &'static str,
    /// EnumDSSObjectType (3 report/cube, 4 metric, 8 folder, 55 document, 15 table).
    pub object_type: i64,
    /// EnumDSSSubTypes (768 grid report, 776 cube, 2048 folder, 14081 dashboard).
    pub subtype: i64,
    /// Project holding it.
    pub project: &'static str,
    /// Guests may not read it (403 `ERR017`).
    pub guest_denied: bool,
}

/// "Revenue by Region and Year", a grid report with 20 rows.
pub const REVENUE_REPORT_ID: &str = "A1B2C3D4E5F60718293A4B5C6D7E8F90";
/// "Executive Salaries", a report guests may not read.
pub const SALARY_REPORT_ID: &str = "5E1A4B2C9D8E7F6A5B4C3D2E1F0A9B8C";
/// "Broken Report": executing it answers the 500 template with `subErrors`.
pub const BROKEN_REPORT_ID: &str = "DEADBEEF00000000DEADBEEF00000000";
/// "Sales Cube", an OLAP cube with 240 rows, paged.
pub const SALES_CUBE_ID: &str = "8CCD8D9D4051A4C533C719A6590DEED8";
/// "Public Objects" folder.
pub const PUBLIC_FOLDER_ID: &str = "98FE182C2A10427EACE0CD30B6768258";
/// "Sales Dashboard", a dashboard (document) object.
pub const DASHBOARD_ID: &str = "27D332AC6D43352E0928B9A1FCAF4AB0";
/// "Headcount by Department" in the HR project.
pub const HEADCOUNT_REPORT_ID: &str = "3F7A9C1E5B2D4F6A8C0E2B4D6F8A0C2E";
/// "FACT_SALES", a logical table.
pub const SALES_TABLE_ID: &str = "6A5F0E4C2B3D4E1F8A7B9C0D1E2F3A4B";
/// "Revenue", a metric served by the modeling service (`GET /model/metrics/{id}`).
pub const REVENUE_METRIC_ID: &str = "4C05177011D3E877C000B3B2D86C964F";

/// The objects of the simulated server.
pub const OBJECTS: &[SimObject] = &[
    SimObject {
        id: PUBLIC_FOLDER_ID,
        name: "Public Objects",
        object_type: 8,
        subtype: 2048,
        project: TUTORIAL_PROJECT_ID,
        guest_denied: false,
    },
    SimObject {
        id: REVENUE_REPORT_ID,
        name: "Revenue by Region and Year",
        object_type: 3,
        subtype: 768,
        project: TUTORIAL_PROJECT_ID,
        guest_denied: false,
    },
    SimObject {
        id: SALARY_REPORT_ID,
        name: "Executive Salaries",
        object_type: 3,
        subtype: 768,
        project: TUTORIAL_PROJECT_ID,
        guest_denied: true,
    },
    SimObject {
        id: BROKEN_REPORT_ID,
        name: "Broken Report",
        object_type: 3,
        subtype: 768,
        project: TUTORIAL_PROJECT_ID,
        guest_denied: false,
    },
    SimObject {
        id: SALES_CUBE_ID,
        name: "Sales Cube",
        object_type: 3,
        subtype: 776,
        project: TUTORIAL_PROJECT_ID,
        guest_denied: false,
    },
    SimObject {
        id: DASHBOARD_ID,
        name: "Sales Dashboard",
        object_type: 55,
        subtype: 14081,
        project: TUTORIAL_PROJECT_ID,
        guest_denied: false,
    },
    SimObject {
        id: SALES_TABLE_ID,
        name: "FACT_SALES",
        object_type: 15,
        subtype: 3840,
        project: TUTORIAL_PROJECT_ID,
        guest_denied: false,
    },
    SimObject {
        id: REVENUE_METRIC_ID,
        name: "Revenue",
        object_type: 4,
        subtype: 1024,
        project: TUTORIAL_PROJECT_ID,
        guest_denied: false,
    },
    SimObject {
        id: HEADCOUNT_REPORT_ID,
        name: "Headcount by Department",
        object_type: 3,
        subtype: 768,
        project: HR_PROJECT_ID,
        guest_denied: false,
    },
];

/// Whether `user` may open project `p`.
pub(crate) fn project_visible(user: &UserRec, p: &Project) -> bool {
    let denied = user.guest && p.guest_denied;
    !denied && !user.user.denied_projects.contains(p.id)
}

fn project_json(p: &Project) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "alias": "",
        "description": p.description,
        "status": 0,
        "owner": {"id": "54F3D26011D2896560009A8E67019608", "name": "Administrator"},
    })
}

/// The project named by `X-MSTR-ProjectID`: 400 ERR005 when missing, 404 ERR004 when
/// unknown, 403 ERR017 when the user may not open it.
pub(crate) fn project_of(ctx: &Ctx, user: &UserRec) -> Result<&'static Project, MstrError> {
    let id = ctx.header("x-mstr-projectid").ok_or_else(|| {
        MstrError::missing_info("Missing required header X-MSTR-ProjectID for a project-level call")
    })?;
    let p = PROJECTS
        .iter()
        .find(|p| p.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| MstrError::not_found(format!("Project with ID '{id}' not found")))?;
    if !project_visible(user, p) {
        return Err(access_denied(user, "Project", p.name, p.id));
    }
    Ok(p)
}

/// `GET /projects`.
pub(crate) async fn projects(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = caller(&st, &ctx).map(|c| {
        let list: Vec<Value> = PROJECTS
            .iter()
            .filter(|p| project_visible(&c.user, p))
            .map(project_json)
            .collect();
        ok_json(&Value::Array(list))
    });
    finish(&st, reply)
}

/// `GET /projects/{id}`.
pub(crate) async fn project(State(st): St, ctx: Ctx, Path(id): Path<String>) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let p = PROJECTS
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(&id) || p.name == id)
            .ok_or_else(|| MstrError::not_found(format!("Project with ID '{id}' not found")))?;
        if !project_visible(&c.user, p) {
            return Err(access_denied(&c.user, "Project", p.name, p.id));
        }
        Ok(ok_json(&project_json(p)))
    })();
    finish(&st, reply)
}

/// `GET /searches/results?name=&type=&limit=&offset=` (name matches as "contains").
pub(crate) async fn search(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let p = project_of(&ctx, &c.user)?;
        c.user.require(privileges::USE_OBJECT_SEARCH)?;
        let query = ObjectQuery::from_ctx(&ctx)?;
        let hits = lock(&st.objects).search(Some(p.id), &c.user, &query);
        let (total, page) = super::directory::page_of(&ctx, hits)?;
        Ok(ok_json(&json!({"totalItems": total, "result": page})))
    })();
    finish(&st, reply)
}

/// `GET /objects/{id}?type=N`.
pub(crate) async fn object(State(st): St, ctx: Ctx, Path(id): Path<String>) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        if ctx.query_one("type") == Some("32") {
            return project_object(&c.user, &id);
        }
        let p = project_of(&ctx, &c.user)?;
        let t = ctx
            .query_one("type")
            .ok_or_else(|| MstrError::missing_info("Missing required query parameter 'type'"))?;
        let t: i64 = t
            .trim()
            .parse()
            .map_err(|_| MstrError::invalid_input(format!("Invalid object type '{t}'")))?;
        let store = lock(&st.objects);
        let o = store.readable(p, &c.user, &id)?;
        if o.object_type != t {
            return Err(MstrError::not_found(format!(
                "Object with ID '{id}' and type {t} not found"
            )));
        }
        Ok(ok_json(&store.json(o)))
    })();
    finish(&st, reply)
}

/// `GET /objects/{id}?type=32`: a project as a metadata object (no project header needed).
fn project_object(user: &UserRec, id: &str) -> Reply {
    let p = PROJECTS
        .iter()
        .find(|p| p.id.eq_ignore_ascii_case(id) && project_visible(user, p))
        .ok_or_else(|| {
            MstrError::not_found(format!("Object with ID '{id}' and type 32 not found"))
        })?;
    let mut v = project_json(p);
    v["type"] = json!(32);
    v["subtype"] = json!(8192);
    v["dateCreated"] = json!("2025-01-01T00:00:00.000+0000");
    v["dateModified"] = json!("2025-06-01T12:30:00.000+0000");
    v["acg"] = json!(255);
    v["ancestors"] = json!([]);
    Ok(ok_json(&v))
}

/// `GET /monitors/projects`: `{"projects": [...]}` with `X-MSTR-Total-Count` (every project
/// is loaded on the one node).
pub(crate) async fn monitor_projects(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = caller(&st, &ctx).map(|c| {
        let list: Vec<Value> = PROJECTS
            .iter()
            .filter(|p| project_visible(&c.user, p))
            .map(|p| {
                let mut v = project_json(p);
                v["nodes"] = json!([{"name": "sim-node-1", "status": "loaded"}]);
                v
            })
            .collect();
        let mut resp = ok_json(&json!({ "projects": list }));
        resp.headers_mut().insert(
            "X-MSTR-Total-Count",
            axum::http::HeaderValue::from(list.len()),
        );
        resp
    });
    finish(&st, reply)
}

/// Ids of report/cube instances, datasets, upload sessions and changesets.
#[derive(Debug)]
pub(crate) struct DataState {
    rng: SeededRng,
    /// Report, cube and document instances: instance id -> object id.
    pub instances: HashMap<String, String>,
    /// Datasets pushed through the API, by id.
    pub datasets: HashMap<String, Dataset>,
    /// Open and published upload sessions, by id.
    pub uploads: HashMap<String, Upload>,
    changesets: HashMap<String, Changeset>,
    /// Cube caches whose state was changed (absent: active and loaded), by cache id.
    pub cube_caches: HashMap<String, super::caches::CubeCache>,
}

#[derive(Debug, Clone)]
struct Changeset {
    project: &'static str,
    user_id: String,
    user_name: String,
    schema_edit: bool,
    status: &'static str,
    created: SystemTime,
    modified: SystemTime,
}

impl DataState {
    pub fn new(seed: u64) -> Self {
        DataState {
            rng: SeededRng::new(seed),
            instances: HashMap::new(),
            datasets: HashMap::new(),
            uploads: HashMap::new(),
            changesets: HashMap::new(),
            cube_caches: HashMap::new(),
        }
    }

    /// The project a changeset was opened in.
    pub fn changeset_project(&self, id: &str) -> Option<&'static Project> {
        let project = self.changesets.get(id)?.project;
        PROJECTS.iter().find(|p| p.id == project)
    }

    /// A fresh 32-hex-digit id.
    pub fn new_id(&mut self) -> String {
        self.rng.string(HEX_UPPER, 32)
    }

    /// Drops a deleted dataset with its upload sessions and instances (no-op for other ids).
    pub fn forget_dataset(&mut self, id: &str) {
        self.datasets.remove(id);
        self.uploads.retain(|_, u| u.dataset != id);
        self.instances.retain(|_, o| o != id);
    }
}

fn changeset_json(id: &str, cs: &Changeset) -> Value {
    json!({
        "id": id,
        "dateCreated": rfc3339(cs.created),
        "dateModified": rfc3339(cs.modified),
        "status": cs.status,
        "schemaEdit": cs.schema_edit,
        "mstrProjectId": cs.project,
        "mstrUserId": cs.user_id,
        "userName": cs.user_name,
        "userDateNumberLocale": "en-US",
        "userMetadataLocale": "en-US",
        "userWarehouseLocale": "en-US",
    })
}

/// `POST /model/changesets?schemaEdit=`: 201 with the changeset (and its id in
/// `X-MSTR-MS-Changeset`).
pub(crate) async fn create_changeset(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let p = project_of(&ctx, &c.user)?;
        c.user.require(privileges::USE_ARCHITECT)?;
        let schema_edit = match ctx.query_one("schemaEdit") {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Ok(errors::modeling_error(
                    StatusCode::BAD_REQUEST,
                    "8004cc01",
                    &format!("Invalid value '{other}' for schemaEdit."),
                    &["schemaEdit", other],
                ))
            }
        };
        let now = SystemTime::now();
        let cs = Changeset {
            project: p.id,
            user_id: c.user.id.clone(),
            user_name: c.user.user.username.clone(),
            schema_edit,
            status: "Ready",
            created: now,
            modified: now,
        };
        let (id, body) = {
            let mut data = lock(&st.data);
            let id = data.new_id();
            let body = changeset_json(&id, &cs);
            data.changesets.insert(id.clone(), cs);
            (id, body)
        };
        let mut resp = json_response(StatusCode::CREATED, &body);
        if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
            resp.headers_mut().insert("X-MSTR-MS-Changeset", v);
        }
        Ok(resp)
    })();
    finish(&st, reply)
}

fn changeset_not_found(id: &str) -> Response<Body> {
    errors::modeling_error(
        StatusCode::NOT_FOUND,
        "8004cc4d",
        &format!("The changeset '{id}' does not exist."),
        &[id],
    )
}

/// `GET /model/changesets/{id}`.
pub(crate) async fn get_changeset(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = caller(&st, &ctx).map(|_| match lock(&st.data).changesets.get(&id) {
        Some(cs) => ok_json(&changeset_json(&id, cs)),
        None => changeset_not_found(&id),
    });
    finish(&st, reply)
}

/// Checks `X-MSTR-MS-Changeset` against the path id: missing or different gives the
/// modeling-service 400 "invalid changeset" error (returned as `Some`).
fn changeset_header_mismatch(ctx: &Ctx, id: &str) -> Option<Response<Body>> {
    match ctx.header("x-mstr-ms-changeset") {
        Some(h) if h == id => None,
        Some(h) => Some(invalid_changeset(h)),
        None => Some(invalid_changeset("")),
    }
}

/// `DELETE /model/changesets/{id}` (needs `X-MSTR-MS-Changeset`).
pub(crate) async fn delete_changeset(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = caller(&st, &ctx).map(|_| {
        if let Some(resp) = changeset_header_mismatch(&ctx, &id) {
            return resp;
        }
        if lock(&st.data).changesets.remove(&id).is_some() {
            no_content()
        } else {
            changeset_not_found(&id)
        }
    });
    finish(&st, reply)
}

/// `POST /model/changesets/{id}/commit` (needs `X-MSTR-MS-Changeset`): 201, status Committed.
pub(crate) async fn commit_changeset(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        caller(&st, &ctx)?;
        if !body.iter().all(u8::is_ascii_whitespace) {
            let _: Value = parse_json(&body)?;
        }
        if let Some(resp) = changeset_header_mismatch(&ctx, &id) {
            return Ok(resp);
        }
        let mut data = lock(&st.data);
        let Some(cs) = data.changesets.get_mut(&id) else {
            return Ok(changeset_not_found(&id));
        };
        if cs.status == "Committed" {
            return Ok(errors::modeling_error(
                StatusCode::CONFLICT,
                "8004cc50",
                &format!("The changeset '{id}' is already committed."),
                &[&id],
            ));
        }
        cs.status = "Committed";
        cs.modified = SystemTime::now();
        Ok(json_response(StatusCode::CREATED, &changeset_json(&id, cs)))
    })();
    finish(&st, reply)
}

fn invalid_changeset(id: &str) -> Response<Body> {
    errors::modeling_error(
        StatusCode::BAD_REQUEST,
        "8004cc4c",
        &format!("The X-MSTR-MS-Changeset '{id}' is invalid."),
        &["X-MSTR-MS-Changeset", id],
    )
}

/// `GET /model/metrics/{id}`: a metric definition from the metadata (`X-MSTR-ProjectID`) or
/// within a changeset (`X-MSTR-MS-Changeset`); modeling-service errors (`{"errors":[...]}`)
/// for an unknown changeset or metric.
pub(crate) async fn model_metric(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        c.user.require(privileges::USE_ARCHITECT)?;
        let project = if let Some(cs) = ctx.header("x-mstr-ms-changeset") {
            match lock(&st.data).changesets.get(cs) {
                Some(rec) => rec.project,
                None => return Ok(invalid_changeset(cs)),
            }
        } else {
            project_of(&ctx, &c.user)?.id
        };
        let metric = lock(&st.objects)
            .get(project, &id)
            .filter(|o| o.object_type == 4)
            .cloned();
        let Some(m) = metric else {
            return Ok(errors::modeling_error(
                StatusCode::NOT_FOUND,
                "8004cc08",
                &format!("The object with ID '{id}' does not exist in the metadata."),
                &[&id],
            ));
        };
        Ok(ok_json(&json!({
            "information": {
                "objectId": m.id, "subType": "metric", "name": m.name,
                "isEmbedded": false, "primaryLocale": "en-US",
                "dateCreated": "2024-01-15T10:00:00.000Z",
                "dateModified": "2025-06-01T12:30:00.000Z",
            },
            "expression": {"text": format!("Sum({})", m.name)},
        })))
    })();
    finish(&st, reply)
}

/// `GET /v2/iserver/settings` (needs "Configure server basic").
pub(crate) async fn server_settings(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        c.user.require(privileges::CONFIGURE_SERVER)?;
        let idle = st.idle_timeout().as_secs();
        Ok(ok_json(&json!({
            "userSessionIdleTime": {"value": idle},
            "webUserSessionIdleTime": {"value": idle},
            "maxUserConnectionsPerUser": {"value": 10},
            "enableHtmlPersistence": {"value": false},
        })))
    })();
    finish(&st, reply)
}

/// `GET /v2/projects/{id}/settings`.
pub(crate) async fn project_settings(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let p = PROJECTS
            .iter()
            .find(|p| p.id.eq_ignore_ascii_case(&id))
            .ok_or_else(|| MstrError::not_found(format!("Project with ID '{id}' not found")))?;
        if !project_visible(&c.user, p) {
            return Err(access_denied(&c.user, "Project", p.name, p.id));
        }
        Ok(ok_json(&json!({
            "maxReportExecutionTime": {"value": 600},
            "maxElementRowCount": {"value": 100000},
            "maxResultRowCount": {"value": 1000000},
            "projectDisplayName": {"value": p.name},
        })))
    })();
    finish(&st, reply)
}
