//! The metadata objects of each project, as one store every handler reads: folders with their
//! contents (root folders, the pre-defined ones, each user's profile with My Reports), reports,
//! cubes, documents and dashboards (dossiers), metrics, tables and the datasets pushed through
//! the API (super cubes). Searches, `GET /objects/{id}`, the folder endpoints, object updates,
//! copies and deletes, and the report/cube execution all look objects up here, so what one call
//! creates, moves or deletes the others see.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::data::{Project, OBJECTS, PROJECTS, PUBLIC_FOLDER_ID};
use super::errors::MstrError;
use super::routes::Ctx;
use super::state::UserRec;

/// EnumDSSObjectType of a folder.
pub const TYPE_FOLDER: i64 = 8;
/// EnumDSSObjectType of reports and cubes.
pub const TYPE_REPORT: i64 = 3;
/// EnumDSSObjectType of documents and dashboards (dossiers).
pub const TYPE_DOCUMENT: i64 = 55;
/// EnumDSSSubTypes of a folder.
pub const SUBTYPE_FOLDER: i64 = 2048;
/// EnumDSSSubTypes of an OLAP (Intelligent) cube.
pub const SUBTYPE_OLAP_CUBE: i64 = 776;
/// EnumDSSSubTypes of a super cube (a dataset created through the Push Data API).
pub const SUBTYPE_SUPER_CUBE: i64 = 779;
/// EnumDSSSubTypes of a report-writing document; dashboards share it and differ by `viewMedia`.
pub const SUBTYPE_DOCUMENT: i64 = 14081;
/// The `viewMedia` of a dashboard (dossier): bits 30-29 set, as the server reports it.
pub const VIEW_MEDIA_DASHBOARD: i64 = 1_879_048_201;
/// The `viewMedia` of a report-writing document.
pub const VIEW_MEDIA_DOCUMENT: i64 = 134_217_790;

/// "Reports" under Public Objects in MicroStrategy Tutorial (pre-defined folder 7).
pub const TUTORIAL_REPORTS_FOLDER_ID: &str = "D3C7D461F69C4610AA6BAA5EF51F4125";

/// EnumDSSXMLFolderNames of the folders the simulator seeds in every project.
pub mod folder_names {
    /// Public Objects.
    pub const PUBLIC_OBJECTS: i64 = 1;
    /// Public Objects > Metrics.
    pub const PUBLIC_METRICS: i64 = 5;
    /// Public Objects > Reports.
    pub const PUBLIC_REPORTS: i64 = 7;
    /// The user's profile folder ("My Personal Objects").
    pub const PROFILE_OBJECTS: i64 = 19;
    /// The user's My Reports.
    pub const PROFILE_REPORTS: i64 = 20;
    /// Schema Objects.
    pub const SCHEMA_OBJECTS: i64 = 24;
    /// Profiles, the root of every user's profile folder.
    pub const PROFILES: i64 = 39;
}

const ADMIN_OWNER_ID: &str = "54F3D26011D2896560009A8E67019608";
const SEEDED_CREATED: &str = "2024-01-15T10:00:00.000Z";
const SEEDED_MODIFIED: &str = "2025-06-01T12:30:00.000Z";

/// One metadata object of a project.
#[derive(Debug, Clone)]
pub(crate) struct ObjectRec {
    pub id: String,
    pub name: String,
    pub object_type: i64,
    pub subtype: i64,
    pub project: &'static str,
    /// The folder holding it (`None` for the project's root folders).
    pub parent: Option<String>,
    pub description: String,
    pub owner_id: String,
    pub owner_name: String,
    /// Guests may not read it (403 `ERR017`).
    pub guest_denied: bool,
    pub hidden: bool,
    pub view_media: i64,
    /// EnumDSSXMLFolderNames when it is a pre-defined folder.
    pub predefined: Option<i64>,
    /// The object whose data it shows when executed (itself, or the source of a copy).
    pub data_of: String,
    pub created: String,
    pub modified: String,
    pub version: u64,
}

impl ObjectRec {
    /// A reportable object: a report or a cube (`cube` picks which).
    pub fn is_report_kind(&self, cube: bool) -> bool {
        self.object_type == TYPE_REPORT && self.is_cube() == cube
    }

    /// An OLAP cube or a super cube.
    pub fn is_cube(&self) -> bool {
        self.object_type == TYPE_REPORT
            && matches!(self.subtype, SUBTYPE_OLAP_CUBE | SUBTYPE_SUPER_CUBE)
    }

    /// Whether `user` may see it.
    pub fn visible_to(&self, user: &UserRec) -> bool {
        !(user.guest && self.guest_denied)
    }
}

/// What a new object is made of (the store assigns the id, dates and version).
#[derive(Debug, Clone)]
pub(crate) struct NewObject {
    pub name: String,
    pub object_type: i64,
    pub subtype: i64,
    pub project: &'static str,
    pub parent: Option<String>,
    pub description: String,
    pub owner: (String, String),
    pub view_media: i64,
    /// The object whose data a copy shows; `None` for itself.
    pub data_of: Option<String>,
}

/// The objects of every project, by upper-case id.
#[derive(Debug)]
pub(crate) struct ObjectStore {
    objects: BTreeMap<String, ObjectRec>,
    next: u64,
}

/// 404 `ERR004` for an object id not in the project.
pub(crate) fn object_not_found(project: &Project, id: &str) -> MstrError {
    MstrError::not_found(format!(
        "Object with ID '{id}' not found in project '{}'",
        project.name
    ))
}

/// 403 `ERR017` for an object `user` may not read.
pub(crate) fn access_denied(user: &UserRec, what: &str, name: &str, id: &str) -> MstrError {
    MstrError::no_access(format!(
        "(User '{}' does not have Browse and Read access to the {what} '{name}' with ID '{id}'.)",
        user.user.full_name
    ))
}

impl ObjectStore {
    /// Every project's root and pre-defined folders, and the seeded objects of
    /// [`OBJECTS`] in them.
    pub fn seeded() -> ObjectStore {
        let mut s = ObjectStore {
            objects: BTreeMap::new(),
            next: 0,
        };
        for p in PROJECTS {
            let public = if p.id == super::data::TUTORIAL_PROJECT_ID {
                PUBLIC_FOLDER_ID.to_string()
            } else {
                s.new_id()
            };
            s.seed_folder(
                &public,
                "Public Objects",
                p.id,
                None,
                folder_names::PUBLIC_OBJECTS,
            );
            let reports = if p.id == super::data::TUTORIAL_PROJECT_ID {
                TUTORIAL_REPORTS_FOLDER_ID.to_string()
            } else {
                s.new_id()
            };
            s.seed_folder(
                &reports,
                "Reports",
                p.id,
                Some(public.as_str()),
                folder_names::PUBLIC_REPORTS,
            );
            let metrics = s.new_id();
            s.seed_folder(
                &metrics,
                "Metrics",
                p.id,
                Some(public.as_str()),
                folder_names::PUBLIC_METRICS,
            );
            let schema = s.new_id();
            s.seed_folder(
                &schema,
                "Schema Objects",
                p.id,
                None,
                folder_names::SCHEMA_OBJECTS,
            );
            let profiles = s.new_id();
            s.seed_folder(&profiles, "Profiles", p.id, None, folder_names::PROFILES);
            for o in OBJECTS.iter().filter(|o| o.project == p.id) {
                let parent = match o.object_type {
                    4 => &metrics,
                    15 => &schema,
                    TYPE_FOLDER => continue,
                    _ => &reports,
                };
                let view_media = match o.object_type {
                    TYPE_DOCUMENT => VIEW_MEDIA_DASHBOARD,
                    _ => 0,
                };
                let rec = ObjectRec {
                    id: o.id.to_string(),
                    name: o.name.to_string(),
                    object_type: o.object_type,
                    subtype: o.subtype,
                    project: o.project,
                    parent: Some(parent.clone()),
                    description: String::new(),
                    owner_id: ADMIN_OWNER_ID.to_string(),
                    owner_name: "Administrator".to_string(),
                    guest_denied: o.guest_denied,
                    hidden: false,
                    view_media,
                    predefined: None,
                    data_of: o.id.to_string(),
                    created: SEEDED_CREATED.to_string(),
                    modified: SEEDED_MODIFIED.to_string(),
                    version: 1,
                };
                s.objects.insert(rec.id.clone(), rec);
            }
        }
        s
    }

    fn seed_folder(
        &mut self,
        id: &str,
        name: &str,
        project: &'static str,
        parent: Option<&str>,
        predefined: i64,
    ) {
        let rec = ObjectRec {
            id: id.to_string(),
            name: name.to_string(),
            object_type: TYPE_FOLDER,
            subtype: SUBTYPE_FOLDER,
            project,
            parent: parent.map(str::to_string),
            description: String::new(),
            owner_id: ADMIN_OWNER_ID.to_string(),
            owner_name: "Administrator".to_string(),
            guest_denied: false,
            hidden: false,
            view_media: 0,
            predefined: Some(predefined),
            data_of: id.to_string(),
            created: SEEDED_CREATED.to_string(),
            modified: SEEDED_MODIFIED.to_string(),
            version: 1,
        };
        self.objects.insert(rec.id.clone(), rec);
    }

    /// A fresh 32-hex-digit object id.
    pub fn new_id(&mut self) -> String {
        self.next += 1;
        format!("{:016X}{:016X}", 0x0B1E_C75E_ED00_0000_u64, self.next)
    }

    /// The object `id` of `project` (ids match case-insensitively).
    pub fn get(&self, project: &str, id: &str) -> Option<&ObjectRec> {
        self.objects
            .get(&id.to_ascii_uppercase())
            .filter(|o| o.project == project)
    }

    /// The object `id` of `project`, checked readable by `user`: 404 `ERR004` / 403 `ERR017`.
    pub fn readable(
        &self,
        project: &Project,
        user: &UserRec,
        id: &str,
    ) -> Result<&ObjectRec, MstrError> {
        let o = self
            .get(project.id, id)
            .ok_or_else(|| object_not_found(project, id))?;
        if o.visible_to(user) {
            Ok(o)
        } else {
            Err(access_denied(user, "object", &o.name, &o.id))
        }
    }

    /// The cubes (OLAP and super cubes) `user` may see, in `project` or in every project.
    pub fn cubes(&self, project: Option<&str>, user: &UserRec) -> Vec<ObjectRec> {
        self.objects
            .values()
            .filter(|o| o.is_cube() && o.visible_to(user))
            .filter(|o| project.is_none_or(|p| p == o.project))
            .cloned()
            .collect()
    }

    /// The objects directly in folder `folder`, folders first, then by name.
    pub fn children(&self, folder: &str) -> Vec<&ObjectRec> {
        let mut list: Vec<&ObjectRec> = self
            .objects
            .values()
            .filter(|o| o.parent.as_deref() == Some(folder))
            .collect();
        list.sort_by(|a, b| {
            (a.object_type != TYPE_FOLDER, &a.name).cmp(&(b.object_type != TYPE_FOLDER, &b.name))
        });
        list
    }

    /// The root folders of `project`.
    pub fn roots(&self, project: &str) -> Vec<&ObjectRec> {
        let mut list: Vec<&ObjectRec> = self
            .objects
            .values()
            .filter(|o| o.project == project && o.parent.is_none())
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }

    /// Whether `id` is `folder` or lies somewhere below it.
    pub fn is_under(&self, id: &str, folder: &str) -> bool {
        let mut cur = Some(id.to_string());
        while let Some(c) = cur {
            if c.eq_ignore_ascii_case(folder) {
                return true;
            }
            cur = self.objects.get(&c).and_then(|o| o.parent.clone());
        }
        false
    }

    /// The pre-defined folder `kind` of `project` (the caller's own for profile folders).
    pub fn predefined(
        &mut self,
        project: &'static str,
        user: &UserRec,
        kind: i64,
    ) -> Option<String> {
        match kind {
            folder_names::PROFILE_OBJECTS => Some(self.profile(project, user).0),
            folder_names::PROFILE_REPORTS => Some(self.profile(project, user).1),
            _ => self
                .objects
                .values()
                .find(|o| o.project == project && o.predefined == Some(kind))
                .map(|o| o.id.clone()),
        }
    }

    /// The caller's profile folder and its My Reports in `project`, created on first use.
    pub fn profile(&mut self, project: &'static str, user: &UserRec) -> (String, String) {
        let mine = |o: &ObjectRec, kind: i64| {
            o.project == project && o.predefined == Some(kind) && o.owner_id == user.id
        };
        let found = |s: &Self, kind| {
            s.objects
                .values()
                .find(|o| mine(o, kind))
                .map(|o| o.id.clone())
        };
        if let (Some(p), Some(r)) = (
            found(&*self, folder_names::PROFILE_OBJECTS),
            found(&*self, folder_names::PROFILE_REPORTS),
        ) {
            return (p, r);
        }
        let profiles = self
            .objects
            .values()
            .find(|o| o.project == project && o.predefined == Some(folder_names::PROFILES))
            .map(|o| o.id.clone());
        let owner = (user.id.clone(), user.user.full_name.clone());
        let folder = |name: String, parent| NewObject {
            name,
            object_type: TYPE_FOLDER,
            subtype: SUBTYPE_FOLDER,
            project,
            parent,
            description: String::new(),
            owner: owner.clone(),
            view_media: 0,
            data_of: None,
        };
        let profile = self.insert(folder(
            format!("{} ({})", user.user.full_name, user.user.username),
            profiles,
        ));
        let reports = self.insert(folder("My Reports".to_string(), Some(profile.clone())));
        self.set_predefined(&profile, folder_names::PROFILE_OBJECTS);
        self.set_predefined(&reports, folder_names::PROFILE_REPORTS);
        (profile, reports)
    }

    fn set_predefined(&mut self, id: &str, kind: i64) {
        if let Some(o) = self.objects.get_mut(id) {
            o.predefined = Some(kind);
        }
    }

    /// Whether folder `parent` already holds an object of `object_type` named `name`.
    pub fn name_taken(&self, parent: &str, object_type: i64, name: &str) -> bool {
        self.objects.values().any(|o| {
            o.parent.as_deref() == Some(parent)
                && o.object_type == object_type
                && o.name.eq_ignore_ascii_case(name)
        })
    }

    /// Stores a new object; returns its id.
    pub fn insert(&mut self, new: NewObject) -> String {
        let id = self.new_id();
        self.insert_with_id(id.clone(), new);
        id
    }

    /// Stores a new object under a given id (a dataset keeps the id its API answered).
    pub fn insert_with_id(&mut self, id: String, new: NewObject) {
        let now = now_string();
        let rec = ObjectRec {
            data_of: new.data_of.unwrap_or_else(|| id.clone()),
            id: id.clone(),
            name: new.name,
            object_type: new.object_type,
            subtype: new.subtype,
            project: new.project,
            parent: new.parent,
            description: new.description,
            owner_id: new.owner.0,
            owner_name: new.owner.1,
            guest_denied: false,
            hidden: false,
            view_media: new.view_media,
            predefined: None,
            created: now.clone(),
            modified: now,
            version: 1,
        };
        self.objects.insert(id, rec);
    }

    /// The object `id` for a change (its version and modification date move on).
    pub fn touch(&mut self, id: &str) -> Option<&mut ObjectRec> {
        let o = self.objects.get_mut(&id.to_ascii_uppercase())?;
        o.version += 1;
        o.modified = now_string();
        Some(o)
    }

    /// Removes `id` and everything below it; returns the removed ids.
    pub fn remove_tree(&mut self, id: &str) -> Vec<String> {
        let ids: Vec<String> = self
            .objects
            .keys()
            .filter(|k| self.is_under(k, id))
            .cloned()
            .collect();
        for k in &ids {
            self.objects.remove(k);
        }
        ids
    }

    /// The ancestors of `o`, nearest first (`level` 1), as `ObjectInfo.ancestors`.
    fn ancestors(&self, o: &ObjectRec) -> Vec<Value> {
        let mut list = Vec::new();
        let mut cur = o.parent.as_deref().and_then(|p| self.objects.get(p));
        while let Some(f) = cur {
            list.push(json!({"name": f.name, "id": f.id, "level": list.len() + 1}));
            cur = f.parent.as_deref().and_then(|p| self.objects.get(p));
        }
        list
    }

    /// The `ObjectInfo` of `o`, as search, folder and object endpoints answer it.
    pub fn json(&self, o: &ObjectRec) -> Value {
        json!({
            "id": o.id,
            "name": o.name,
            "type": o.object_type,
            "subtype": o.subtype,
            "extType": 0,
            "abbreviation": "",
            "description": o.description,
            "dateCreated": o.created,
            "dateModified": o.modified,
            "version": format!("{:032X}", 0xA1B2_C3D4_u64 + o.version),
            "acg": 255,
            "owner": {"id": o.owner_id, "name": o.owner_name},
            "hidden": o.hidden,
            "projectId": o.project,
            "viewMedia": o.view_media,
            "ancestors": self.ancestors(o),
            "certifiedInfo": {"certified": false},
        })
    }

    /// The path of `o` as `cubesInfos[].path` shows it (`\Project\Folder\...\Name`).
    pub fn path(&self, project: &Project, o: &ObjectRec) -> String {
        let mut parts: Vec<String> = self
            .ancestors(o)
            .iter()
            .rev()
            .filter_map(|a| a["name"].as_str().map(str::to_string))
            .collect();
        parts.insert(0, project.name.to_string());
        parts.push(o.name.clone());
        format!("\\{}", parts.join("\\"))
    }
}

/// What a search asks for: `name` (matched by `pattern`), object `type`s (types or
/// subtypes), a `root` folder to search under.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObjectQuery {
    name: String,
    pattern: usize,
    types: Vec<i64>,
    root: Option<String>,
}

impl ObjectQuery {
    /// The query parameters `name`, `pattern`, `type` (repeated or comma-separated) and
    /// `root`; 400 `ERR006` for a garbled number.
    pub fn from_ctx(ctx: &Ctx) -> Result<ObjectQuery, MstrError> {
        let types = ctx.query_types("type")?;
        Ok(ObjectQuery {
            name: ctx.query_one("name").unwrap_or("").to_lowercase(),
            pattern: ctx.query_usize("pattern", 4)?,
            types,
            root: ctx.query_one("root").map(str::to_string),
        })
    }

    /// EnumDSSXMLSearchTypes: 1 begins with, 2 exactly, 5 begins with phrase, else contains.
    fn name_matches(&self, name: &str) -> bool {
        let name = name.to_lowercase();
        match self.pattern {
            _ if self.name.is_empty() => true,
            1 | 5 => name.starts_with(&self.name),
            2 => name == self.name,
            _ => name.contains(&self.name),
        }
    }
}

impl ObjectStore {
    /// The `ObjectInfo` of every object `user` may see that matches `q`, in `project` (all
    /// projects when `None`).
    pub fn search(&self, project: Option<&str>, user: &UserRec, q: &ObjectQuery) -> Vec<Value> {
        self.objects
            .values()
            .filter(|o| project.is_none_or(|p| p == o.project))
            .filter(|o| o.visible_to(user) && q.name_matches(&o.name))
            .filter(|o| {
                q.types.is_empty()
                    || q.types.contains(&o.object_type)
                    || q.types.contains(&o.subtype)
            })
            .filter(|o| {
                q.root
                    .as_deref()
                    .is_none_or(|r| o.id != r.to_ascii_uppercase() && self.is_under(&o.id, r))
            })
            .map(|o| self.json(o))
            .collect()
    }
}

fn now_string() -> String {
    crate::sim::rfc3339(std::time::SystemTime::now())
}
