//! The Push Data API of the MicroStrategy simulator: `POST /datasets` (create with data and
//! publish), `POST /datasets/models` (define), `GET /datasets/{id}`, `PATCH
//! /datasets/{id}/tables/{table}` (new rows with an `updatePolicy` header, republished), and
//! the upload sessions (`POST .../uploadSessions`, `PUT` a base64 chunk of rows, or of columns
//! with `orientation` COLUMN, `DELETE` to cancel (both an empty 200, as the spec declares),
//! `POST .../publish`, `GET .../publishStatus`). A dataset is also a super cube (type 3,
//! subtype 779) in the object store, in `folderId` or the caller's My Reports: searches and
//! folders list it, the cube endpoints describe and execute it with the published rows, and
//! deleting the object deletes the dataset. Update policies REPLACE, ADD, UPDATE and UPSERT
//! match rows on their attribute columns; a dataset of several tables executes as their join
//! on shared attributes.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::Response;
use base64::Engine as _;
use serde_json::{json, Value};

use super::config::privileges;
use super::data::{DataState, Project};
use super::errors::MstrError;
use super::grids::Grid;
use super::objects::{NewObject, SUBTYPE_SUPER_CUBE, TYPE_FOLDER, TYPE_REPORT};
use super::routes::{finish, ok_json, parse_json, scoped, Ctx, St};
use super::state::{Caller, MstrState};
use crate::sim::faults::lock;

/// A dataset pushed through the API.
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    pub name: String,
    pub project: &'static str,
    pub tables: Vec<DatasetTable>,
    /// Published at least once (cube status "active + loaded").
    pub published: bool,
}

/// One table of a pushed dataset with its published rows.
#[derive(Debug, Clone)]
pub(crate) struct DatasetTable {
    pub id: String,
    pub name: String,
    pub columns: Vec<ColumnHeader>,
    /// Published rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}

impl Dataset {
    fn has_table(&self, name: &str) -> bool {
        self.tables.iter().any(|t| t.name == name)
    }

    fn table_mut(&mut self, name: &str) -> Option<&mut DatasetTable> {
        self.tables
            .iter_mut()
            .find(|t| t.name == name || t.id.eq_ignore_ascii_case(name))
    }

    /// The dataset's tables as one: each table joined to the ones before it on the attribute
    /// columns they share (a full outer join, as a super cube relates its tables through their
    /// common attributes; rows without a partner keep nulls); a table that shares no
    /// attribute with the ones before it adds its rows after theirs. Columns are taken by
    /// name, in first-seen order; at most [`MAX_JOINED_ROWS`] rows.
    fn joined(&self) -> (Vec<&ColumnHeader>, Vec<Vec<Value>>) {
        let mut columns: Vec<&ColumnHeader> = Vec::new();
        let mut rows: Vec<Vec<Value>> = Vec::new();
        for t in &self.tables {
            let before = columns.len();
            let slots: Vec<usize> = t
                .columns
                .iter()
                .map(|c| match columns.iter().position(|k| k.name == c.name) {
                    Some(i) => i,
                    None => {
                        columns.push(c);
                        columns.len() - 1
                    }
                })
                .collect();
            for row in &mut rows {
                row.resize(columns.len(), Value::Null);
            }
            let place = |src: &[Value], into: &mut Vec<Value>| {
                for (ci, &slot) in slots.iter().enumerate() {
                    into[slot] = src.get(ci).cloned().unwrap_or(Value::Null);
                }
            };
            let shared: Vec<(usize, usize)> = slots
                .iter()
                .enumerate()
                .filter(|&(ci, &slot)| slot < before && !is_metric(&t.columns[ci].data_type))
                .map(|(ci, &slot)| (ci, slot))
                .collect();
            if rows.is_empty() || shared.is_empty() {
                for src in &t.rows {
                    if rows.len() == MAX_JOINED_ROWS {
                        break;
                    }
                    let mut row = vec![Value::Null; columns.len()];
                    place(src, &mut row);
                    rows.push(row);
                }
                continue;
            }
            let mut partners: std::collections::HashMap<Vec<&Value>, Vec<usize>> =
                Default::default();
            for (i, src) in t.rows.iter().enumerate() {
                let key = shared
                    .iter()
                    .map(|&(ci, _)| src.get(ci).unwrap_or(&Value::Null))
                    .collect();
                partners.entry(key).or_default().push(i);
            }
            let mut used = vec![false; t.rows.len()];
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                let key: Vec<&Value> = shared.iter().map(|&(_, slot)| &row[slot]).collect();
                match partners.get(&key) {
                    None => out.push(row),
                    Some(found) => {
                        for &i in found {
                            used[i] = true;
                            let mut joined = row.clone();
                            place(&t.rows[i], &mut joined);
                            out.push(joined);
                        }
                    }
                }
                if out.len() >= MAX_JOINED_ROWS {
                    break;
                }
            }
            for (src, _) in t.rows.iter().zip(&used).filter(|(_, u)| !**u) {
                let mut row = vec![Value::Null; columns.len()];
                place(src, &mut row);
                out.push(row);
            }
            out.truncate(MAX_JOINED_ROWS);
            rows = out;
        }
        (columns, rows)
    }

    /// The dataset as a cube grid: text, date and boolean columns are attributes, numeric
    /// columns metrics, over the rows of [`Dataset::joined`] tables.
    pub fn grid(&self, id: &str) -> Grid {
        let mut g = Grid::default();
        let (columns, rows) = self.joined();
        let mut layout = Vec::with_capacity(columns.len());
        for (ci, c) in columns.iter().enumerate() {
            let oid = format!("{:.24}{ci:08X}", id);
            if is_metric(&c.data_type) {
                layout.push((false, g.metrics.len()));
                g.metrics.push((oid, c.name.clone()));
            } else {
                layout.push((true, g.attributes.len()));
                g.attributes.push((oid, c.name.clone(), Vec::new()));
            }
        }
        for row in rows {
            let mut elems = vec![0; g.attributes.len()];
            let mut values = vec![0.0; g.metrics.len()];
            for (v, &(is_attr, slot)) in row.iter().zip(&layout) {
                if is_attr {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    let list = &mut g.attributes[slot].2;
                    elems[slot] = list.iter().position(|e| *e == text).unwrap_or_else(|| {
                        list.push(text);
                        list.len() - 1
                    });
                } else {
                    values[slot] = v
                        .as_f64()
                        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                        .unwrap_or(0.0);
                }
            }
            g.rows.push((elems, values));
        }
        g
    }
}

/// Most rows a dataset's joined tables give its cube (a many-to-many join can multiply them).
const MAX_JOINED_ROWS: usize = 200_000;

/// Whether an upload session was published.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) enum UploadStatus {
    Open,
    Published,
}

/// An upload session: the chunks received, applied to the dataset when it is published.
#[derive(Debug)]
pub(crate) struct Upload {
    pub dataset: String,
    pub status: UploadStatus,
    chunks: u64,
    bytes: u64,
    /// The update policy of each table of the session, and whether its chunks hold columns
    /// (`orientation` COLUMN) rather than rows.
    policies: Vec<(String, String, bool)>,
    /// Rows received, by table.
    pending: Vec<(String, Vec<Vec<Value>>)>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DatasetModel {
    name: Option<String>,
    description: Option<String>,
    folder_id: Option<String>,
    tables: Option<Vec<TableModel>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct TableModel {
    name: Option<String>,
    column_headers: Option<Vec<ColumnHeader>>,
    data: Option<String>,
}

/// A column of a pushed table.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ColumnHeader {
    pub name: String,
    pub data_type: String,
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

const UPDATE_POLICIES: &[&str] = &["REPLACE", "ADD", "UPDATE", "UPSERT"];

fn is_base64(s: &str) -> bool {
    !s.is_empty()
        && s.len().is_multiple_of(4)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

/// The rows of a base64 chunk: a JSON array of arrays (the "values" orientation) or of
/// objects (the "records" orientation, values taken in column order). Anything else holds
/// no rows the simulator can show (the upload is still accepted, as the server would).
fn decode_rows(chunk: &str, columns: &[ColumnHeader]) -> Vec<Vec<Value>> {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(chunk) else {
        return Vec::new();
    };
    let Ok(Value::Array(rows)) = serde_json::from_slice::<Value>(&bytes) else {
        return Vec::new();
    };
    rows.into_iter()
        .filter_map(|r| match r {
            Value::Array(values) => Some(values),
            Value::Object(map) => Some(
                columns
                    .iter()
                    .map(|c| map.get(&c.name).cloned().unwrap_or(Value::Null))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// Column-oriented values (one array per column) as rows.
fn transpose(columns: Vec<Vec<Value>>) -> Vec<Vec<Value>> {
    let n = columns.iter().map(Vec::len).max().unwrap_or(0);
    (0..n)
        .map(|i| {
            columns
                .iter()
                .map(|c| c.get(i).cloned().unwrap_or(Value::Null))
                .collect()
        })
        .collect()
}

/// Whether a column of this data type is a metric (numeric) rather than an attribute.
fn is_metric(data_type: &str) -> bool {
    matches!(
        data_type.to_ascii_uppercase().as_str(),
        "DOUBLE" | "INTEGER" | "BIGDECIMAL"
    )
}

/// Applies rows to a table by policy, as the Push Data API does: REPLACE swaps the rows, ADD
/// appends them, UPDATE overwrites every published row whose attribute columns (the
/// non-numeric ones: the row's key) equal a new row's and drops new rows that match none,
/// UPSERT overwrites the same way and appends the rows that match none.
fn apply(table: &mut DatasetTable, policy: &str, rows: Vec<Vec<Value>>) {
    let policy = policy.to_ascii_uppercase();
    match policy.as_str() {
        "REPLACE" => table.rows = rows,
        "UPDATE" | "UPSERT" => {
            let keys: Vec<usize> = (0..table.columns.len())
                .filter(|&i| !is_metric(&table.columns[i].data_type))
                .collect();
            let key_of = |row: &[Value]| -> Vec<Value> {
                keys.iter()
                    .map(|&i| row.get(i).cloned().unwrap_or(Value::Null))
                    .collect()
            };
            let mut by_key: std::collections::HashMap<Vec<Value>, Vec<usize>> = Default::default();
            for (i, row) in table.rows.iter().enumerate() {
                by_key.entry(key_of(row)).or_default().push(i);
            }
            for row in rows {
                let key = key_of(&row);
                match by_key.get(&key) {
                    Some(at) => {
                        for &i in at {
                            table.rows[i] = row.clone();
                        }
                    }
                    None if policy == "UPSERT" => {
                        by_key.insert(key, vec![table.rows.len()]);
                        table.rows.push(row);
                    }
                    None => {}
                }
            }
        }
        _ => table.rows.extend(rows),
    }
}

fn check_policy(policy: &str) -> Result<(), MstrError> {
    if UPDATE_POLICIES.contains(&policy.to_ascii_uppercase().as_str()) {
        Ok(())
    } else {
        Err(MstrError::invalid_input(format!(
            "Invalid updatePolicy '{policy}'"
        )))
    }
}

/// The caller and project of a push call, with the privilege checked.
fn dataset_checks(st: &MstrState, ctx: &Ctx) -> Result<(Caller, &'static Project), MstrError> {
    let (c, p) = scoped(st, ctx)?;
    c.user.require(privileges::CREATE_DATASET)?;
    Ok((c, p))
}

/// Validates a `DatasetCreate` body, stores the dataset and its super cube object (in
/// `folderId` or the caller's My Reports); returns its id and stored form.
fn define_dataset(
    st: &MstrState,
    ctx: &Ctx,
    body: &Bytes,
    with_data: bool,
) -> Result<(String, Dataset), MstrError> {
    let (c, p) = dataset_checks(st, ctx)?;
    let model: DatasetModel = parse_json(body)?;
    let name = model.name.ok_or_else(|| MstrError::missing_field("name"))?;
    let tables = model
        .tables
        .filter(|t| !t.is_empty())
        .ok_or_else(|| MstrError::missing_field("tables"))?;
    let mut stored = Vec::new();
    for t in tables {
        let tname = t
            .name
            .ok_or_else(|| MstrError::missing_field("tables[].name"))?;
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
        let mut rows = Vec::new();
        if with_data {
            let chunk = t
                .data
                .as_deref()
                .ok_or_else(|| MstrError::missing_field("tables[].data"))?;
            if !is_base64(chunk) {
                return Err(MstrError::invalid_input(format!(
                    "tables[].data of table '{tname}' is not valid base64"
                )));
            }
            rows = decode_rows(chunk, &cols);
        }
        stored.push(DatasetTable {
            id: String::new(),
            name: tname,
            columns: cols,
            rows,
        });
    }
    let mut objects = lock(&st.objects);
    let folder = match &model.folder_id {
        Some(f) => objects
            .get(p.id, f)
            .filter(|o| o.object_type == TYPE_FOLDER && o.visible_to(&c.user))
            .map(|o| o.id.clone())
            .ok_or_else(|| MstrError::not_found(format!("Folder with ID '{f}' not found")))?,
        None => objects.profile(p.id, &c.user).1,
    };
    {
        let mut data = lock(&st.data);
        for t in &mut stored {
            t.id = data.new_id();
        }
    }
    let ds = Dataset {
        name: name.clone(),
        project: p.id,
        tables: stored,
        published: with_data,
    };
    let id = objects.new_id();
    objects.insert_with_id(
        id.clone(),
        NewObject {
            name,
            object_type: TYPE_REPORT,
            subtype: SUBTYPE_SUPER_CUBE,
            project: p.id,
            parent: Some(folder),
            description: model.description.unwrap_or_default(),
            owner: (c.user.id.clone(), c.user.user.full_name.clone()),
            view_media: 0,
            data_of: None,
        },
    );
    drop(objects);
    lock(&st.data).datasets.insert(id.clone(), ds.clone());
    Ok((id, ds))
}

fn tables_json(ds: &Dataset) -> Vec<Value> {
    ds.tables
        .iter()
        .map(|t| json!({"id": t.id, "name": t.name, "type": 15}))
        .collect()
}

/// `POST /datasets/models`: defines a dataset without data (Push Data API v2); answers an
/// object reference.
pub(crate) async fn create_dataset_model(State(st): St, ctx: Ctx, body: Bytes) -> Response<Body> {
    let reply = define_dataset(&st, &ctx, &body, false)
        .map(|(id, ds)| ok_json(&json!({"id": id, "name": ds.name, "type": TYPE_REPORT})));
    finish(&st, reply)
}

/// `POST /datasets`: creates and publishes a dataset with its data in one request.
pub(crate) async fn create_dataset_with_data(
    State(st): St,
    ctx: Ctx,
    body: Bytes,
) -> Response<Body> {
    let reply = define_dataset(&st, &ctx, &body, true).map(|(id, ds)| {
        ok_json(&json!({"datasetId": id, "name": ds.name, "tables": tables_json(&ds)}))
    });
    finish(&st, reply)
}

/// The empty 200 the spec declares for a chunk accepted and a session cancelled.
fn empty_ok() -> Response<Body> {
    Response::new(Body::empty())
}

fn dataset_not_found(id: &str) -> MstrError {
    MstrError::not_found(format!("Dataset with ID '{id}' not found"))
}

/// The dataset `id` of project `p`.
fn dataset_in<'a>(
    data: &'a mut DataState,
    p: &Project,
    id: &str,
) -> Result<&'a mut Dataset, MstrError> {
    data.datasets
        .get_mut(&id.to_ascii_uppercase())
        .filter(|d| d.project == p.id)
        .ok_or_else(|| dataset_not_found(id))
}

/// `GET /datasets/{id}`: the definition of a pushed dataset.
pub(crate) async fn dataset_definition(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response<Body> {
    let reply = (|| {
        let (_, p) = scoped(&st, &ctx)?;
        let is_cube = lock(&st.objects)
            .get(p.id, &id)
            .is_some_and(|o| o.is_cube());
        let mut data = lock(&st.data);
        let ds = match dataset_in(&mut data, p, &id) {
            Ok(ds) => ds,
            // A cube that was not pushed: the server fails as mstrio-py expects (it
            // whitelists this 500 ERR001 when it asks every cube for its tables).
            Err(_) if is_cube => {
                return Err(MstrError::new(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "ERR001",
                    format!("The cube '{id}' is not a dataset created by the Push Data API"),
                ))
            }
            Err(e) => return Err(e),
        };
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
            "result": {"definition": {"availableObjects": {"tables": tables_json(ds), "columns": columns}}},
        })))
    })();
    finish(&st, reply)
}

/// `PATCH /datasets/{id}/tables/{table}` with the `updatePolicy` header and a
/// `DatasetTable` body: applies the rows and republishes; answers `DatasetCreated`.
pub(crate) async fn update_table(
    State(st): St,
    ctx: Ctx,
    Path((id, table)): Path<(String, String)>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        let (_, p) = dataset_checks(&st, &ctx)?;
        let policy = ctx
            .header("updatePolicy")
            .ok_or_else(|| MstrError::missing_info("Missing required header 'updatePolicy'"))?
            .to_string();
        check_policy(&policy)?;
        let t: TableModel = parse_json(&body)?;
        t.name
            .as_deref()
            .ok_or_else(|| MstrError::missing_field("name"))?;
        let chunk = t.data.unwrap_or_default();
        if !chunk.is_empty() && !is_base64(&chunk) {
            return Err(MstrError::invalid_input("data is not valid base64"));
        }
        let mut data = lock(&st.data);
        let ds = dataset_in(&mut data, p, &id)?;
        let name = ds.name.clone();
        let target = ds.table_mut(&table).ok_or_else(|| {
            MstrError::not_found(format!("Table '{table}' not found in dataset '{name}'"))
        })?;
        let rows = decode_rows(&chunk, &target.columns);
        apply(target, &policy, rows);
        ds.published = true;
        let tables = tables_json(ds);
        Ok(ok_json(
            &json!({"datasetId": id.to_ascii_uppercase(), "name": name, "tables": tables}),
        ))
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
    orientation: Option<String>,
}

/// `POST /datasets/{id}/uploadSessions`.
pub(crate) async fn create_upload_session(
    State(st): St,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Response<Body> {
    let reply = (|| {
        let (_, p) = dataset_checks(&st, &ctx)?;
        let parsed: UploadSessionBody = parse_json(&body)?;
        let tables = parsed
            .tables
            .filter(|t| !t.is_empty())
            .ok_or_else(|| MstrError::missing_field("tables"))?;
        let mut data = lock(&st.data);
        let ds = dataset_in(&mut data, p, &id)?;
        let mut policies = Vec::new();
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
            check_policy(policy)?;
            let columns = t
                .orientation
                .as_deref()
                .is_some_and(|o| o.eq_ignore_ascii_case("COLUMN"));
            policies.push((t.name.clone(), policy.to_string(), columns));
        }
        let sid = data.new_id();
        data.uploads.insert(
            sid.clone(),
            Upload {
                dataset: id.to_ascii_uppercase(),
                status: UploadStatus::Open,
                chunks: 0,
                bytes: 0,
                policies,
                pending: Vec::new(),
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

fn open_upload<'a>(
    data: &'a mut DataState,
    id: &str,
    session: &str,
) -> Result<&'a mut Upload, MstrError> {
    match data.uploads.get_mut(session) {
        Some(u) if u.dataset.eq_ignore_ascii_case(id) => Ok(u),
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
        let columns = data
            .datasets
            .get(&id.to_ascii_uppercase())
            .and_then(|d| d.tables.iter().find(|t| t.name == table))
            .map(|t| t.columns.clone());
        let up = open_upload(&mut data, &id, &session)?;
        if up.status != UploadStatus::Open {
            return Err(MstrError::invalid_input(
                "The upload session is already published",
            ));
        }
        let Some(columns) = columns else {
            return Err(MstrError::invalid_input(format!(
                "Table '{table}' is not part of the dataset"
            )));
        };
        up.chunks += 1;
        up.bytes += chunk.len() as u64 / 4 * 3;
        let by_column = up.policies.iter().any(|(t, _, c)| *t == table && *c);
        let mut rows = decode_rows(&chunk, &columns);
        if by_column {
            rows = transpose(rows);
        }
        match up.pending.iter_mut().find(|(t, _)| *t == table) {
            Some((_, list)) => list.extend(rows),
            None => up.pending.push((table, rows)),
        }
        Ok(empty_ok())
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
        Ok(empty_ok())
    })();
    finish(&st, reply)
}

/// `POST /datasets/{id}/uploadSessions/{session}/publish`: applies the uploaded rows to the
/// dataset's tables by each table's update policy.
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
        let pending = std::mem::take(&mut up.pending);
        let policies = up.policies.clone();
        let dataset = up.dataset.clone();
        if let Some(ds) = data.datasets.get_mut(&dataset) {
            for (table, rows) in pending {
                let policy = policies
                    .iter()
                    .find(|(t, _, _)| *t == table)
                    .map_or("ADD", |(_, p, _)| p.as_str());
                if let Some(t) = ds.table_mut(&table) {
                    apply(t, policy, rows);
                }
            }
            ds.published = true;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sales(rows: Value) -> DatasetTable {
        DatasetTable {
            id: "T".into(),
            name: "sales".into(),
            columns: vec![
                ColumnHeader {
                    name: "Store".into(),
                    data_type: "STRING".into(),
                },
                ColumnHeader {
                    name: "Amount".into(),
                    data_type: "DOUBLE".into(),
                },
            ],
            rows: serde_json::from_value(rows).unwrap(),
        }
    }

    fn rows(v: Value) -> Vec<Vec<Value>> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn update_policies_match_rows_on_their_attribute_columns() {
        let before = json!([["North", 1.0], ["South", 2.0]]);
        let new = json!([["South", 5.0], ["West", 7.0]]);

        let mut t = sales(before.clone());
        apply(&mut t, "replace", rows(new.clone()));
        assert_eq!(t.rows, rows(new.clone()));

        let mut t = sales(before.clone());
        apply(&mut t, "ADD", rows(new.clone()));
        assert_eq!(t.rows.len(), 4);

        let mut t = sales(before.clone());
        apply(&mut t, "Update", rows(new.clone()));
        assert_eq!(t.rows, rows(json!([["North", 1.0], ["South", 5.0]])));

        let mut t = sales(before);
        apply(&mut t, "UPSERT", rows(new));
        assert_eq!(
            t.rows,
            rows(json!([["North", 1.0], ["South", 5.0], ["West", 7.0]]))
        );
        // A second upsert of the same key overwrites the row it appended.
        apply(&mut t, "UPSERT", rows(json!([["West", 8.0]])));
        assert_eq!(t.rows[2], rows(json!([["West", 8.0]]))[0]);
        assert_eq!(t.rows.len(), 3);
    }

    #[test]
    fn tables_are_joined_on_their_shared_attributes() {
        let mut stores = sales(json!([["North", "Cold"], ["East", "Dry"]]));
        stores.name = "stores".into();
        stores.columns[1] = ColumnHeader {
            name: "Climate".into(),
            data_type: "STRING".into(),
        };
        let mut staff = sales(json!([[3], [4]]));
        staff.name = "staff".into();
        staff.columns = vec![ColumnHeader {
            name: "Headcount".into(),
            data_type: "INTEGER".into(),
        }];
        let ds = Dataset {
            name: "d".into(),
            project: "p",
            tables: vec![
                sales(json!([["North", 1.0], ["South", 2.0], ["North", 3.0]])),
                stores,
                staff,
            ],
            published: true,
        };
        let (columns, joined) = ds.joined();
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Store", "Amount", "Climate", "Headcount"]);
        // North matches twice, South has no partner, East no sales row; staff shares
        // nothing, so its rows follow.
        assert_eq!(
            joined,
            rows(json!([
                ["North", 1.0, "Cold", null],
                ["South", 2.0, null, null],
                ["North", 3.0, "Cold", null],
                ["East", null, "Dry", null],
                [null, null, null, 3],
                [null, null, null, 4],
            ]))
        );
        let g = ds.grid("D");
        assert_eq!(g.attributes.len(), 2);
        assert_eq!(g.metrics.len(), 2);
        assert_eq!(g.rows.len(), 6);
        assert_eq!(g.attributes[0].2, ["North", "South", "East", ""]);
    }
}
