//! The simulated content: projects, objects, a report and a cube with data, the dataset push
//! API, modeling-service changesets and settings. Ids are public so tests can use them.

use std::collections::HashMap;
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{Response, StatusCode};
use serde_json::{json, Value};

use super::config::privileges;
use super::errors::{self, json_response, MstrError};
use super::routes::{caller, finish, no_content, ok_json, parse_json, Ctx, Reply, St};
use super::state::{MstrState, UserRec};
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

fn access_denied(user: &UserRec, what: &str, name: &str, id: &str) -> MstrError {
    MstrError::no_access(format!(
        "(User '{}' does not have Browse and Read access to the {what} '{name}' with ID '{id}'.)",
        user.user.full_name
    ))
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

fn object_in(project: &Project, id: &str) -> Result<&'static SimObject, MstrError> {
    OBJECTS
        .iter()
        .find(|o| o.project == project.id && o.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| {
            MstrError::not_found(format!(
                "Object with ID '{id}' not found in project '{}'",
                project.name
            ))
        })
}

fn readable(user: &UserRec, o: &SimObject) -> Result<(), MstrError> {
    if user.guest && o.guest_denied {
        Err(access_denied(user, "object", o.name, o.id))
    } else {
        Ok(())
    }
}

fn object_json(o: &SimObject) -> Value {
    json!({
        "id": o.id,
        "name": o.name,
        "type": o.object_type,
        "subtype": o.subtype,
        "dateCreated": "2024-01-15T10:00:00.000+0000",
        "dateModified": "2025-06-01T12:30:00.000+0000",
        "version": "A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6",
        "acg": 255,
        "owner": {"id": "54F3D26011D2896560009A8E67019608", "name": "Administrator"},
        "ancestors": [{"name": "Public Objects", "id": PUBLIC_FOLDER_ID, "level": 1}],
        "projectId": o.project,
    })
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
        let name = ctx
            .query_one("name")
            .map(str::to_lowercase)
            .unwrap_or_default();
        let pattern = ctx.query_usize("pattern", 4)?;
        let types: Vec<i64> = ctx
            .query_all("type")
            .into_iter()
            .map(|t| {
                t.parse::<i64>()
                    .map_err(|_| MstrError::invalid_input(format!("Invalid object type '{t}'")))
            })
            .collect::<Result<_, _>>()?;
        let offset = ctx.query_usize("offset", 0)?;
        let limit = ctx.query_usize("limit", usize::MAX)?;
        let hits: Vec<&SimObject> = OBJECTS
            .iter()
            .filter(|o| o.project == p.id)
            .filter(|o| name.is_empty() || name_matches(&o.name.to_lowercase(), &name, pattern))
            .filter(|o| types.is_empty() || types.contains(&o.object_type))
            .filter(|o| !(c.user.guest && o.guest_denied))
            .collect();
        let page: Vec<Value> = hits
            .iter()
            .skip(offset)
            .take(limit)
            .map(|o| object_json(o))
            .collect();
        Ok(ok_json(&json!({"totalItems": hits.len(), "result": page})))
    })();
    finish(&st, reply)
}

/// EnumDSSXMLSearchTypes: 1 begins with, 2 exactly, 5 begins with phrase, else contains.
fn name_matches(name: &str, wanted: &str, pattern: usize) -> bool {
    match pattern {
        1 | 5 => name.starts_with(wanted),
        2 => name == wanted,
        _ => name.contains(wanted),
    }
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
        let o = object_in(p, &id)?;
        if o.object_type != t {
            return Err(MstrError::not_found(format!(
                "Object with ID '{id}' and type {t} not found"
            )));
        }
        readable(&c.user, o)?;
        Ok(ok_json(&object_json(o)))
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

/// A table of attribute elements and metric values.
struct Grid {
    attributes: Vec<(&'static str, &'static str, Vec<String>)>,
    metrics: Vec<(&'static str, &'static str)>,
    rows: Vec<(Vec<usize>, Vec<f64>)>,
}

fn revenue_grid() -> Grid {
    let regions = ["Central", "Mid-Atlantic", "Northeast", "South", "Web"];
    let years = ["2021", "2022", "2023", "2024"];
    let mut rows = Vec::new();
    for (r, _) in regions.iter().enumerate() {
        for (y, _) in years.iter().enumerate() {
            let revenue =
                100_000.0 * (r as f64 + 1.0) + 12_500.0 * y as f64 + 731.0 * (r * y) as f64;
            let cost = (revenue * 0.62).round();
            rows.push((vec![r, y], vec![revenue, cost]));
        }
    }
    Grid {
        attributes: vec![
            (
                "8D679D5111D3E4981000E787EC6DE8A4",
                "Region",
                regions.iter().map(|s| s.to_string()).collect(),
            ),
            (
                "8D679D5211D3E4981000E787EC6DE8A4",
                "Year",
                years.iter().map(|s| s.to_string()).collect(),
            ),
        ],
        metrics: vec![
            ("4C05177011D3E877C000B3B2D86C964F", "Revenue"),
            ("7FD5B69611D5AC76C000D98A4CC5F24F", "Cost"),
        ],
        rows,
    }
}

fn cube_grid() -> Grid {
    let categories = ["Books", "Electronics", "Movies", "Music"];
    let months: Vec<String> = (1..=12).map(|m| format!("2024-{m:02}")).collect();
    let regions = ["Central", "Mid-Atlantic", "Northeast", "South", "Web"];
    let mut rows = Vec::new();
    for c in 0..categories.len() {
        for m in 0..months.len() {
            for r in 0..regions.len() {
                let units = (17 * (c + 1) + 5 * m + 3 * r) as f64;
                let revenue = units * (19.5 + 10.0 * c as f64);
                rows.push((vec![c, m, r], vec![units, revenue]));
            }
        }
    }
    Grid {
        attributes: vec![
            (
                "8D679D3711D3E4981000E787EC6DE8A4",
                "Category",
                categories.iter().map(|s| s.to_string()).collect(),
            ),
            ("8D679D4411D3E4981000E787EC6DE8A4", "Month", months),
            (
                "8D679D5111D3E4981000E787EC6DE8A4",
                "Region",
                regions.iter().map(|s| s.to_string()).collect(),
            ),
        ],
        metrics: vec![
            ("B6E5BCAB4A5D2F6E8F0F6C9B3E2D1A0F", "Units Sold"),
            ("4C05177011D3E877C000B3B2D86C964F", "Revenue"),
        ],
        rows,
    }
}

fn headcount_grid() -> Grid {
    let departments = ["Engineering", "Finance", "Sales", "Support"];
    Grid {
        attributes: vec![(
            "9E2A1C3B4D5E6F708192A3B4C5D6E7F8",
            "Department",
            departments.iter().map(|s| s.to_string()).collect(),
        )],
        metrics: vec![("1F2E3D4C5B6A79881726354453627180", "Headcount")],
        rows: (0..departments.len())
            .map(|d| (vec![d], vec![(40 + 23 * d) as f64]))
            .collect(),
    }
}

fn grid_of(id: &str) -> Option<Grid> {
    match id {
        REVENUE_REPORT_ID | SALARY_REPORT_ID => Some(revenue_grid()),
        SALES_CUBE_ID => Some(cube_grid()),
        HEADCOUNT_REPORT_ID => Some(headcount_grid()),
        _ => None,
    }
}

fn definition_json(g: &Grid) -> Value {
    let rows: Vec<Value> = g
        .attributes
        .iter()
        .map(|(id, name, elements)| {
            json!({
                "name": name,
                "id": id,
                "type": "attribute",
                "forms": [{"id": "CCFBE2A5EADB4F50941FB879CCF1721C", "name": "DESC",
                           "dataType": "Char", "baseFormCategory": "DESC",
                           "baseFormType": "Text"}],
                "elements": elements.iter().enumerate().map(|(i, e)| json!({
                    "formValues": [e],
                    "id": format!("h{};{id}", i + 1),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let metrics: Vec<Value> = g
        .metrics
        .iter()
        .map(|(id, name)| {
            json!({"name": name, "id": id, "type": "metric", "dataType": "double",
                   "numberFormatting": {"category": 1, "decimalPlaces": 2, "formatString": "#,##0.00"}})
        })
        .collect();
    let available_attributes: Vec<Value> = g
        .attributes
        .iter()
        .map(|(id, name, _)| json!({"id": id, "name": name, "type": "attribute"}))
        .collect();
    json!({
        "availableObjects": {"attributes": available_attributes, "metrics": metrics.clone()},
        "grid": {
            "crossTab": false,
            "metricsPosition": {"axis": "columns", "index": 0},
            "rows": rows,
            "columns": [{"name": "Metrics", "id": "00000000000000000000000000000000",
                         "type": "templateMetrics", "elements": metrics}],
        }
    })
}

fn data_page_json(g: &Grid, offset: usize, limit: usize) -> Value {
    let total = g.rows.len();
    let page: Vec<&(Vec<usize>, Vec<f64>)> = g.rows.iter().skip(offset).take(limit).collect();
    let limit = limit.min(total.max(1));
    let headers: Vec<&Vec<usize>> = page.iter().map(|(h, _)| h).collect();
    let raw: Vec<&Vec<f64>> = page.iter().map(|(_, v)| v).collect();
    let formatted: Vec<Vec<String>> = page
        .iter()
        .map(|(_, v)| v.iter().map(|x| format!("{x:.2}")).collect())
        .collect();
    let metric_idx: Vec<usize> = (0..g.metrics.len()).collect();
    json!({
        "paging": {
            "total": total,
            "current": page.len(),
            "offset": offset,
            "limit": limit,
            "prev": null,
            "next": null,
        },
        "headers": {"rows": headers, "columns": [metric_idx]},
        "metricValues": {"raw": raw, "formatted": formatted, "extras": []},
    })
}

fn instance_json(o: &SimObject, g: &Grid, instance: &str, offset: usize, limit: usize) -> Value {
    json!({
        "id": o.id,
        "name": o.name,
        "instanceId": instance,
        "status": 1,
        "definition": definition_json(g),
        "data": data_page_json(g, offset, limit),
    })
}

/// Ids of report/cube instances, datasets, upload sessions and changesets.
#[derive(Debug)]
pub(crate) struct DataState {
    rng: SeededRng,
    instances: HashMap<String, &'static str>,
    datasets: HashMap<String, Dataset>,
    uploads: HashMap<String, Upload>,
    changesets: HashMap<String, Changeset>,
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

#[derive(Debug, Clone)]
struct Dataset {
    name: String,
    project: &'static str,
    tables: Vec<DatasetTable>,
}

#[derive(Debug, Clone)]
struct DatasetTable {
    id: String,
    name: String,
    columns: Vec<ColumnHeader>,
}

impl Dataset {
    fn has_table(&self, name: &str) -> bool {
        self.tables.iter().any(|t| t.name == name)
    }
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum UploadStatus {
    Open,
    Published,
}

#[derive(Debug)]
struct Upload {
    dataset: String,
    status: UploadStatus,
    chunks: u64,
    bytes: u64,
}

impl DataState {
    pub fn new(seed: u64) -> Self {
        DataState {
            rng: SeededRng::new(seed),
            instances: HashMap::new(),
            datasets: HashMap::new(),
            uploads: HashMap::new(),
            changesets: HashMap::new(),
        }
    }

    fn new_id(&mut self) -> String {
        self.rng.string(HEX_UPPER, 32)
    }
}

fn limit_of(ctx: &Ctx) -> Result<(usize, usize), MstrError> {
    let offset = ctx.query_usize("offset", 0)?;
    let limit = ctx.query_usize("limit", 1000)?;
    if limit == 0 {
        return Err(MstrError::invalid_input("limit must be at least 1"));
    }
    Ok((offset, limit))
}

fn create_instance(st: &MstrState, ctx: &Ctx, id: &str, cube: bool, body: &Bytes) -> Reply {
    let c = caller(st, ctx)?;
    let p = project_of(ctx, &c.user)?;
    c.user.require(privileges::WEB_RUN_REPORT)?;
    if !body.iter().all(u8::is_ascii_whitespace) {
        let request: Value = parse_json(body)?;
        if !request.is_object() {
            return Err(MstrError::invalid_input(
                "Invalid JSON body. The instance request must be an object",
            ));
        }
    }
    let o = object_in(p, id)?;
    if o.object_type != 3 || (o.subtype == 776) != cube {
        let what = if cube { "Cube" } else { "Report" };
        return Err(MstrError::not_found(format!(
            "{what} with ID '{id}' not found"
        )));
    }
    readable(&c.user, o)?;
    if o.id == BROKEN_REPORT_ID {
        return Ok(errors::server_error_with_suberrors(
            &st.ticket(),
            "Report execution failed on the Intelligence Server",
            o.id,
            o.name,
        ));
    }
    let g = grid_of(o.id).ok_or_else(|| MstrError::not_found("Object has no data"))?;
    let (offset, limit) = limit_of(ctx)?;
    let instance = {
        let mut data = lock(&st.data);
        let iid = data.new_id();
        data.instances.insert(iid.clone(), o.id);
        iid
    };
    Ok(ok_json(&instance_json(o, &g, &instance, offset, limit)))
}

fn instance_page(st: &MstrState, ctx: &Ctx, id: &str, instance: &str) -> Reply {
    let c = caller(st, ctx)?;
    let p = project_of(ctx, &c.user)?;
    let o = object_in(p, id)?;
    readable(&c.user, o)?;
    let known = lock(&st.data).instances.get(instance).copied();
    if known != Some(o.id) {
        return Err(MstrError::not_found(format!(
            "Instance '{instance}' of object '{id}' not found or expired"
        )));
    }
    let g = grid_of(o.id).ok_or_else(|| MstrError::not_found("Object has no data"))?;
    let (offset, limit) = limit_of(ctx)?;
    Ok(ok_json(&instance_json(o, &g, instance, offset, limit)))
}

fn definition(st: &MstrState, ctx: &Ctx, id: &str, cube: bool) -> Reply {
    let c = caller(st, ctx)?;
    let p = project_of(ctx, &c.user)?;
    let o = object_in(p, id)?;
    if o.object_type != 3 || (o.subtype == 776) != cube {
        return Err(MstrError::not_found(format!(
            "Object with ID '{id}' not found"
        )));
    }
    readable(&c.user, o)?;
    let g = grid_of(o.id).unwrap_or(Grid {
        attributes: Vec::new(),
        metrics: Vec::new(),
        rows: Vec::new(),
    });
    Ok(ok_json(&json!({
        "id": o.id,
        "name": o.name,
        "sourceType": if cube { "cube" } else { "report" },
        "definition": definition_json(&g),
    })))
}

/// `GET /v2/cubes/{id}` and `/cubes/{id}`: cube definition; `HEAD /cubes/{id}`: status in
/// `X-MSTR-CubeStatus` (axum answers HEAD with the GET handler's headers and no body).
pub(crate) async fn cube_status(State(st): St, ctx: Ctx, Path(id): Path<String>) -> Response<Body> {
    let mut resp = finish(&st, definition(&st, &ctx, &id, true));
    if resp.status() == StatusCode::OK {
        // EnumDSSCubeStates: 1 processing | 2 active | 4 loaded | 8 dirty ... -> active + loaded.
        resp.headers_mut().insert(
            "X-MSTR-CubeStatus",
            axum::http::HeaderValue::from_static("6"),
        );
    }
    resp
}

/// `POST /v2/cubes/{id}`: publish (refresh) a cube, 202.
pub(crate) async fn publish_cube(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let p = project_of(&ctx, &c.user)?;
        c.user.require(privileges::CREATE_DATASET)?;
        let o = object_in(p, &id)?;
        if o.subtype != 776 {
            return Err(MstrError::not_found(format!(
                "Cube with ID '{id}' not found"
            )));
        }
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::ACCEPTED;
        Ok(resp)
    })();
    finish(&st, reply)
}

/// `GET /cubes?id=..`: cube information.
pub(crate) async fn cubes_info(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let p = project_of(&ctx, &c.user)?;
        let ids = ctx.query_all("id");
        if ids.is_empty() {
            return Err(MstrError::missing_info(
                "Missing required query parameter 'id'",
            ));
        }
        let mut infos = Vec::new();
        for id in ids {
            let o = object_in(p, id)?;
            if o.subtype != 776 {
                return Err(MstrError::not_found(format!(
                    "Cube with ID '{id}' not found"
                )));
            }
            let rows = grid_of(o.id).map(|g| g.rows.len()).unwrap_or(0);
            infos.push(json!({
                "cubeId": o.id, "cubeName": o.name,
                "ownerId": "54F3D26011D2896560009A8E67019608", "ownerName": "Administrator",
                "path": format!("\\{}\\Public Objects\\{}", p.name, o.name),
                "modificationTime": "2025-06-01T12:30:00.000+0000",
                "serverMode": 1, "size": rows * 64, "status": 6,
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
    finish(&st, definition(&st, &ctx, &id, false))
}

/// `GET /cubes/{id}`: cube definition.
pub(crate) async fn cube_definition(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    finish(&st, definition(&st, &ctx, &id, true))
}

/// `POST /v2/reports/{id}/instances?offset=&limit=`.
pub(crate) async fn create_report_instance(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    finish(&st, create_instance(&st, &ctx, &id, false, &body))
}

/// `GET /v2/reports/{id}/instances/{instance}?offset=&limit=`.
pub(crate) async fn report_instance_page(
    State(st): St,
    ctx: Ctx,
    Path((id, instance)): Path<(String, String)>,
) -> Response<Body> {
    finish(&st, instance_page(&st, &ctx, &id, &instance))
}

/// `POST /v2/cubes/{id}/instances?offset=&limit=`.
pub(crate) async fn create_cube_instance(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    finish(&st, create_instance(&st, &ctx, &id, true, &body))
}

/// `GET /v2/cubes/{id}/instances/{instance}?offset=&limit=`.
pub(crate) async fn cube_instance_page(
    State(st): St,
    ctx: Ctx,
    Path((id, instance)): Path<(String, String)>,
) -> Response<Body> {
    finish(&st, instance_page(&st, &ctx, &id, &instance))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DatasetModel {
    name: Option<String>,
    tables: Option<Vec<TableModel>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TableModel {
    name: String,
    column_headers: Option<Vec<ColumnHeader>>,
    data: Option<String>,
}

#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ColumnHeader {
    name: String,
    data_type: String,
}

const DATA_TYPES: &[&str] = &[
    "STRING",
    "DOUBLE",
    "INTEGER",
    "DATE",
    "TIME",
    "DATETIME",
    "BOOL",
    "BIGDECIMAL",
];

/// Validates a `DatasetCreate` body and stores the dataset; returns its id and stored form.
fn define_dataset(
    st: &MstrState,
    ctx: &Ctx,
    body: &Bytes,
    with_data: bool,
) -> Result<(String, Dataset), MstrError> {
    let c = caller(st, ctx)?;
    let p = project_of(ctx, &c.user)?;
    c.user.require(privileges::CREATE_DATASET)?;
    let model: DatasetModel = parse_json(body)?;
    let name = model.name.ok_or_else(|| MstrError::missing_field("name"))?;
    let tables = model
        .tables
        .filter(|t| !t.is_empty())
        .ok_or_else(|| MstrError::missing_field("tables"))?;
    let mut data = lock(&st.data);
    let mut stored = Vec::new();
    for t in tables {
        let cols = t
            .column_headers
            .filter(|c| !c.is_empty())
            .ok_or_else(|| MstrError::missing_field("tables[].columnHeaders"))?;
        for col in &cols {
            if !DATA_TYPES.contains(&col.data_type.to_ascii_uppercase().as_str()) {
                return Err(MstrError::invalid_input(format!(
                    "Invalid dataType '{}' for column '{}'",
                    col.data_type, col.name
                )));
            }
        }
        if with_data {
            let chunk = t
                .data
                .as_deref()
                .ok_or_else(|| MstrError::missing_field("tables[].data"))?;
            if !is_base64(chunk) {
                return Err(MstrError::invalid_input(format!(
                    "tables[].data of table '{}' is not valid base64",
                    t.name
                )));
            }
        }
        stored.push(DatasetTable {
            id: data.new_id(),
            name: t.name,
            columns: cols,
        });
    }
    let id = data.new_id();
    let ds = Dataset {
        name,
        project: p.id,
        tables: stored,
    };
    data.datasets.insert(id.clone(), ds.clone());
    Ok((id, ds))
}

/// `POST /datasets/models`: defines a dataset without data (Push Data API v2); answers an
/// object reference.
pub(crate) async fn create_dataset_model(State(st): St, ctx: Ctx, body: Bytes) -> Response<Body> {
    let reply = define_dataset(&st, &ctx, &body, false)
        .map(|(id, ds)| ok_json(&json!({"id": id, "name": ds.name, "type": 3})));
    finish(&st, reply)
}

/// `POST /datasets`: creates and publishes a dataset with its data in one request.
pub(crate) async fn create_dataset_with_data(
    State(st): St,
    ctx: Ctx,
    body: Bytes,
) -> Response<Body> {
    let reply = define_dataset(&st, &ctx, &body, true).map(|(id, ds)| {
        let tables: Vec<Value> = ds
            .tables
            .iter()
            .map(|t| json!({"id": t.id, "name": t.name, "type": 15}))
            .collect();
        ok_json(&json!({"datasetId": id, "name": ds.name, "tables": tables}))
    });
    finish(&st, reply)
}

/// `GET /datasets/{id}`: the definition of a pushed dataset.
pub(crate) async fn dataset_definition(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let p = project_of(&ctx, &c.user)?;
        let data = lock(&st.data);
        let ds = data
            .datasets
            .get(&id)
            .filter(|d| d.project == p.id)
            .ok_or_else(|| MstrError::not_found(format!("Dataset with ID '{id}' not found")))?;
        let tables: Vec<Value> = ds
            .tables
            .iter()
            .map(|t| json!({"id": t.id, "name": t.name, "type": 15}))
            .collect();
        let columns: Vec<Value> = ds
            .tables
            .iter()
            .flat_map(|t| {
                t.columns.iter().map(
                    |c| json!({"tableName": t.name, "columnName": c.name, "dataType": c.data_type}),
                )
            })
            .collect();
        Ok(ok_json(&json!({
            "id": id,
            "name": ds.name,
            "result": {"definition": {"availableObjects": {"tables": tables, "columns": columns}}},
        })))
    })();
    finish(&st, reply)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadSessionBody {
    tables: Option<Vec<UploadTable>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadTable {
    name: String,
    update_policy: Option<String>,
}

const UPDATE_POLICIES: &[&str] = &["REPLACE", "ADD", "UPDATE", "UPSERT"];

fn dataset_checks(st: &MstrState, ctx: &Ctx) -> Result<(), MstrError> {
    let c = caller(st, ctx)?;
    project_of(ctx, &c.user)?;
    c.user.require(privileges::CREATE_DATASET)
}

/// `POST /datasets/{id}/uploadSessions`.
pub(crate) async fn create_upload_session(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        dataset_checks(&st, &ctx)?;
        let parsed: UploadSessionBody = parse_json(&body)?;
        let tables = parsed
            .tables
            .filter(|t| !t.is_empty())
            .ok_or_else(|| MstrError::missing_field("tables"))?;
        let mut data = lock(&st.data);
        let ds = data
            .datasets
            .get(&id)
            .ok_or_else(|| MstrError::not_found(format!("Dataset with ID '{id}' not found")))?;
        for t in &tables {
            if !ds.has_table(&t.name) {
                return Err(MstrError::invalid_input(format!(
                    "Table '{}' is not part of dataset '{}'",
                    t.name, ds.name
                )));
            }
            let policy = t
                .update_policy
                .as_deref()
                .ok_or_else(|| MstrError::missing_field("tables[].updatePolicy"))?;
            if !UPDATE_POLICIES.contains(&policy.to_ascii_uppercase().as_str()) {
                return Err(MstrError::invalid_input(format!(
                    "Invalid updatePolicy '{policy}'"
                )));
            }
        }
        let sid = data.new_id();
        data.uploads.insert(
            sid.clone(),
            Upload {
                dataset: id.clone(),
                status: UploadStatus::Open,
                chunks: 0,
                bytes: 0,
            },
        );
        Ok(ok_json(&json!({"uploadSessionId": sid})))
    })();
    finish(&st, reply)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadBody {
    table_name: Option<String>,
    index: Option<u64>,
    data: Option<String>,
}

fn is_base64(s: &str) -> bool {
    !s.is_empty()
        && s.len().is_multiple_of(4)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

fn open_upload<'a>(
    data: &'a mut DataState,
    id: &str,
    session: &str,
) -> Result<&'a mut Upload, MstrError> {
    match data.uploads.get_mut(session) {
        Some(u) if u.dataset == id => Ok(u),
        _ => Err(MstrError::not_found(format!(
            "Upload session '{session}' of dataset '{id}' not found"
        ))),
    }
}

/// `PUT /datasets/{id}/uploadSessions/{session}`: one base64 chunk of a table.
pub(crate) async fn upload(
    State(st): St,
    ctx: Ctx,
    Path((id, session)): Path<(String, String)>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        dataset_checks(&st, &ctx)?;
        let parsed: UploadBody = parse_json(&body)?;
        let table = parsed
            .table_name
            .ok_or_else(|| MstrError::missing_field("tableName"))?;
        parsed
            .index
            .ok_or_else(|| MstrError::missing_field("index"))?;
        let chunk = parsed
            .data
            .ok_or_else(|| MstrError::missing_field("data"))?;
        if !is_base64(&chunk) {
            return Err(MstrError::invalid_input("data is not valid base64"));
        }
        let mut data = lock(&st.data);
        let known_table = data.datasets.get(&id).is_some_and(|d| d.has_table(&table));
        let up = open_upload(&mut data, &id, &session)?;
        if up.status != UploadStatus::Open {
            return Err(MstrError::invalid_input(
                "The upload session is already published",
            ));
        }
        if !known_table {
            return Err(MstrError::invalid_input(format!(
                "Table '{table}' is not part of the dataset"
            )));
        }
        up.chunks += 1;
        up.bytes += chunk.len() as u64 / 4 * 3;
        Ok(no_content())
    })();
    finish(&st, reply)
}

/// `DELETE /datasets/{id}/uploadSessions/{session}`: cancels an upload session.
pub(crate) async fn cancel_upload(
    State(st): St,
    ctx: Ctx,
    Path((id, session)): Path<(String, String)>,
) -> Response<Body> {
    let reply = (|| {
        dataset_checks(&st, &ctx)?;
        let mut data = lock(&st.data);
        open_upload(&mut data, &id, &session)?;
        data.uploads.remove(&session);
        Ok(no_content())
    })();
    finish(&st, reply)
}

/// `POST /datasets/{id}/uploadSessions/{session}/publish`.
pub(crate) async fn publish(
    State(st): St,
    ctx: Ctx,
    Path((id, session)): Path<(String, String)>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        dataset_checks(&st, &ctx)?;
        if !body.iter().all(u8::is_ascii_whitespace) {
            let _: Value = parse_json(&body)?;
        }
        let mut data = lock(&st.data);
        let up = open_upload(&mut data, &id, &session)?;
        if up.chunks == 0 {
            return Err(MstrError::invalid_input(
                "Nothing was uploaded in this upload session",
            ));
        }
        up.status = UploadStatus::Published;
        Ok(ok_json(&json!({})))
    })();
    finish(&st, reply)
}

/// `GET /datasets/{id}/uploadSessions/{session}/publishStatus`: status 1 once published.
pub(crate) async fn publish_status(
    State(st): St,
    ctx: Ctx,
    Path((id, session)): Path<(String, String)>,
) -> Response<Body> {
    let reply = (|| {
        dataset_checks(&st, &ctx)?;
        let mut data = lock(&st.data);
        let up = open_upload(&mut data, &id, &session)?;
        let body = match up.status {
            UploadStatus::Published => json!({
                "status": 1, "message": "Publish succeeded", "progress": 100,
                "uploadedChunks": up.chunks, "uploadedBytes": up.bytes,
            }),
            UploadStatus::Open => json!({
                "status": 0, "message": "Upload session is open, not published",
                "progress": 0, "uploadedChunks": up.chunks, "uploadedBytes": up.bytes,
            }),
        };
        Ok(ok_json(&body))
    })();
    finish(&st, reply)
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
        let metric = OBJECTS
            .iter()
            .find(|o| o.project == project && o.object_type == 4 && o.id.eq_ignore_ascii_case(&id));
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
