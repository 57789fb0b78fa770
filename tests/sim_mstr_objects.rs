//! The MicroStrategy simulator's stateful objects, through the generated typed client (so
//! every answer is also checked against the spec's schemas): folders with contents, reports,
//! cubes, documents and dashboards, pushed datasets and cube caches are one consistent store:
//! what is created is listed and searched, what is copied executes, what is deleted answers
//! the vendor's 404 `ERR004`; and none of these calls falls to the spec-driven default.
#![cfg(all(feature = "mstr", feature = "sim"))]

mod common_mstr;

use base64::Engine as _;
use bi_rest::credentials::Credential;
use bi_rest::error::ErrorKind;
use bi_rest::generated::mstr::types;
use bi_rest::mstr::MstrClient;
use bi_rest::sim::mstr::data::{
    DASHBOARD_ID, PUBLIC_FOLDER_ID, REVENUE_REPORT_ID, SALARY_REPORT_ID, SALES_CUBE_ID,
    TUTORIAL_PROJECT_ID,
};
use bi_rest::sim::mstr::objects::{
    folder_names, SUBTYPE_SUPER_CUBE, TUTORIAL_REPORTS_FOLDER_ID, VIEW_MEDIA_DASHBOARD,
};
use bi_rest::sim::mstr::{MstrSimConfig, RunningMstrSim};
use common_mstr::*;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// An administrator client working in MicroStrategy Tutorial.
fn tutorial(sim: &RunningMstrSim) -> MstrClient {
    builder(sim)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .project_id(TUTORIAL_PROJECT_ID)
        .build()
        .expect("client builds")
}

/// A typed answer as JSON, for assertions.
fn json_of<T: serde::Serialize>(r: progenitor_client::ResponseValue<T>) -> Value {
    serde_json::to_value(r.into_inner()).expect("answer as JSON")
}

/// A typed request body from JSON.
fn body<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("body matches the spec")
}

/// The MicroStrategy error code of a failed typed call (a 404 is also `ErrorKind::NotFound`).
async fn failure<T: std::fmt::Debug>(
    r: Result<T, progenitor_client::Error<types::ErrorResponse>>,
) -> Option<String> {
    let err = bi_rest::Error::from_progenitor(r.expect_err("the call fails")).await;
    if err.code() == Some("ERR004") {
        assert_eq!(err.kind(), ErrorKind::NotFound);
    }
    err.code().map(str::to_string)
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|o| o["name"].as_str())
        .collect()
}

#[tokio::test]
async fn folders_copies_and_deletes_are_one_consistent_store() {
    let s = default_sim().await;
    let c = tutorial(&s);
    let api = c.typed();

    let roots = json_of(api.get_folders().send().await.unwrap());
    assert_eq!(
        names(&roots),
        ["Profiles", "Public Objects", "Schema Objects"]
    );
    let reports = json_of(
        api.get_pre_defined_folder()
            .folder_type(folder_names::PUBLIC_REPORTS as i32)
            .send()
            .await
            .unwrap(),
    );
    let listed = names(&reports);
    assert!(listed.contains(&"Revenue by Region and Year"), "{listed:?}");
    assert!(listed.contains(&"Sales Dashboard"), "{listed:?}");

    // Create a folder under Public Objects; the same name again is 409 ERR0015.
    let folder = json_of(
        api.create_folder()
            .body(body::<types::CreateFolderBody>(
                json!({"name": "Automation", "parent": PUBLIC_FOLDER_ID}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let folder_id = folder["id"].as_str().unwrap().to_string();
    assert_eq!(folder["type"], 8);
    assert_eq!(folder["ancestors"][0]["id"], PUBLIC_FOLDER_ID);
    let again = api
        .create_folder()
        .body(body::<types::CreateFolderBody>(
            json!({"name": "automation", "parent": PUBLIC_FOLDER_ID}),
        ))
        .send()
        .await;
    assert_eq!(failure(again).await, Some("ERR0015".into()));

    // Copy a report into it: listed there, found by search, executes with the source's data.
    let copy = json_of(
        api.copy_object()
            .id(REVENUE_REPORT_ID)
            .type_(3)
            .body(body::<types::CopyObjectBody>(
                json!({"name": "Revenue (automation)", "folderId": folder_id}),
            ))
            .send()
            .await
            .unwrap(),
    );
    let copy_id = copy["id"].as_str().unwrap().to_string();
    let inside = json_of(api.get_folder().id(&folder_id).send().await.unwrap());
    assert_eq!(names(&inside), ["Revenue (automation)"]);
    let run = json_of(
        api.create_report_instance_1()
            .id(&copy_id)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(run["data"]["paging"]["total"], 20);

    // Rename it: the search sees the new name, the old one is gone.
    let renamed = json_of(
        api.update_object()
            .id(&copy_id)
            .type_(3)
            .body(body::<types::ObjectUpdate>(
                json!({"name": "Quarterly revenue", "description": "for the board"}),
            ))
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(renamed["description"], "for the board");
    let hits = json_of(
        api.do_quick_search()
            .name("quarterly")
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(hits["totalItems"], 1);
    assert_eq!(hits["result"][0]["id"], copy_id.as_str());

    // Delete the folder: it goes with its contents, and both answer the vendor's 404.
    api.delete_folder().id(&folder_id).send().await.unwrap();
    let gone = api.get_object().id(&copy_id).type_(3).send().await;
    assert_eq!(failure(gone).await, Some("ERR004".into()));
    let gone = api.get_folder().id(&folder_id).send().await;
    assert_eq!(failure(gone).await, Some("ERR004".into()));
    let run = api.create_report_instance_1().id(&copy_id).send().await;
    assert_eq!(failure(run).await, Some("ERR004".into()));
    assert_eq!(s.counters().spec_defaults, 0);
    c.close().await.unwrap();
}

#[tokio::test]
async fn dashboards_are_searched_copied_to_my_reports_and_deleted() {
    let s = default_sim().await;
    let c = tutorial(&s);
    let api = c.typed();
    // mstrio-py's list_dashboards: a metadata search for subtype 14081, told apart from
    // documents by viewMedia.
    let search = api.create_search().type_(vec![14081]).send().await.unwrap();
    let id = search.into_inner().id.expect("search id");
    let found = json_of(api.search_object_list().search_id(id).send().await.unwrap());
    assert_eq!(names(&found), ["Sales Dashboard"]);
    assert_eq!(found[0]["viewMedia"], VIEW_MEDIA_DASHBOARD);

    let mine = json_of(
        api.get_pre_defined_folder()
            .folder_type(folder_names::PROFILE_REPORTS as i32)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(mine, json!([]));
    let my_objects = json_of(api.get_my_personal_objects().send().await.unwrap());
    assert_eq!(names(&my_objects), ["My Reports"]);
    let my_reports = my_objects[0]["id"].as_str().unwrap().to_string();
    let copy = json_of(
        api.copy_object()
            .id(DASHBOARD_ID)
            .type_(55)
            .body(body::<types::CopyObjectBody>(
                json!({"folderId": my_reports}),
            ))
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(copy["name"], "Sales Dashboard (copy)");
    assert_eq!(copy["subtype"], 14081);
    let mine = json_of(
        api.get_pre_defined_folder()
            .folder_type(folder_names::PROFILE_REPORTS as i32)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(names(&mine), ["Sales Dashboard (copy)"]);

    // Move it to Public Objects > Reports, then delete it; the wrong type is a 404.
    let copy_id = copy["id"].as_str().unwrap();
    api.update_object()
        .id(copy_id)
        .type_(55)
        .body(body::<types::ObjectUpdate>(
            json!({"folderId": TUTORIAL_REPORTS_FOLDER_ID}),
        ))
        .send()
        .await
        .unwrap();
    let wrong = api.delete_object().id(copy_id).type_(3).send().await;
    assert_eq!(failure(wrong).await, Some("ERR004".into()));
    api.delete_object()
        .id(copy_id)
        .type_(55)
        .send()
        .await
        .unwrap();
    let gone = api.get_object().id(copy_id).type_(55).send().await;
    assert_eq!(failure(gone).await, Some("ERR004".into()));
    assert_eq!(s.counters().spec_defaults, 0);
    c.close().await.unwrap();
}

#[tokio::test]
async fn a_pushed_dataset_is_a_super_cube_with_its_published_rows() {
    let s = default_sim().await;
    let c = tutorial(&s);
    let api = c.typed();
    let created = json_of(
        api.create_table()
            .body(body::<types::DatasetCreate>(json!({
                "name": "Store sales",
                "folderId": TUTORIAL_REPORTS_FOLDER_ID,
                "tables": [{"name": "sales", "columnHeaders": [
                    {"name": "Store", "dataType": "String"},
                    {"name": "Amount", "dataType": "Double"},
                ]}],
            })))
            .send()
            .await
            .unwrap(),
    );
    let id = created["id"].as_str().unwrap().to_string();
    let info = json_of(api.get_object().id(&id).type_(3).send().await.unwrap());
    assert_eq!(info["subtype"], SUBTYPE_SUPER_CUBE);
    assert_eq!(info["ancestors"][0]["id"], TUTORIAL_REPORTS_FOLDER_ID);
    let status = api.get_cube_status().cube_id(&id).send().await.unwrap();
    assert_eq!(status.headers()["x-mstr-cubestatus"], "0");

    // Upload two chunks (values orientation) and publish.
    let session = api
        .push_api_v2_create_upload_session()
        .dataset_id(&id)
        .body(body::<types::UploadSessionCreate>(
            json!({"tables": [{"name": "sales", "updatePolicy": "replace"}]}),
        ))
        .send()
        .await
        .unwrap()
        .into_inner()
        .upload_session_id;
    let chunks = [
        json!([["North", 10.5], ["South", 4.0]]),
        json!([["North", 2.0]]),
    ];
    for (i, rows) in chunks.iter().enumerate() {
        let data = base64::engine::general_purpose::STANDARD.encode(rows.to_string());
        api.push_api_v2_add_data()
            .dataset_id(&id)
            .upload_session_id(&session)
            .body(body::<types::UploadChunk>(
                json!({"tableName": "sales", "index": i + 1, "data": data}),
            ))
            .send()
            .await
            .unwrap();
    }
    api.push_api_v2_publish()
        .dataset_id(&id)
        .upload_session_id(&session)
        .send()
        .await
        .unwrap();
    let published = json_of(
        api.push_api_v2_get_publish_status()
            .dataset_id(&id)
            .upload_session_id(&session)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(published["status"], 1);
    let status = api.get_cube_status().cube_id(&id).send().await.unwrap();
    assert_eq!(status.headers()["x-mstr-cubestatus"], "6");

    // The cube executes with the rows; its attribute has the distinct elements.
    let run = json_of(
        api.create_cube_instance_1()
            .cube_id(&id)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(run["data"]["paging"]["total"], 3);
    assert_eq!(run["data"]["metricValues"]["raw"][0], json!([10.5]));
    let store = run["definition"]["grid"]["rows"][0]["id"].as_str().unwrap();
    let elements = api
        .get_cube_attribute_elements()
        .cube_id(&id)
        .attribute_id(store)
        .send()
        .await
        .unwrap();
    assert_eq!(elements.headers()["x-mstr-total-count"], "2");

    // Update the table in one call per policy: REPLACE swaps the rows; UPSERT overwrites the
    // row whose attribute matches and appends the new one; UPDATE overwrites matches only (a
    // store it does not know is dropped). Then find the cube's cache and unload it.
    for (policy, rows, total, east) in [
        (types::UpdatePolicy::Replace, json!([["East", 1.0]]), 1, 1.0),
        (
            types::UpdatePolicy::Upsert,
            json!([["East", 5.0], ["West", 2.0]]),
            2,
            5.0,
        ),
        (
            types::UpdatePolicy::Update,
            json!([["East", 7.0], ["Nowhere", 1.0]]),
            2,
            7.0,
        ),
    ] {
        let data = base64::engine::general_purpose::STANDARD.encode(rows.to_string());
        api.update_di_cube()
            .dataset_id(&id)
            .table_id("sales")
            .update_policy(policy)
            .body(body::<types::DatasetTable>(
                json!({"name": "sales", "data": data}),
            ))
            .send()
            .await
            .unwrap();
        let run = json_of(
            api.create_cube_instance_1()
                .cube_id(&id)
                .send()
                .await
                .unwrap(),
        );
        assert_eq!(run["data"]["paging"]["total"], total, "{policy}");
        assert_eq!(
            run["data"]["metricValues"]["raw"][0],
            json!([east]),
            "{policy}"
        );
    }
    let caches = json_of(
        api.get_all_cube_caches()
            .cluster_node("sim-node-1")
            .send()
            .await
            .unwrap(),
    );
    let cache = caches["cubeCaches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["source"]["id"] == id.as_str())
        .expect("the dataset's cache");
    let cache_id = cache["id"].as_str().unwrap();
    api.alter_cube_action()
        .cache_id(cache_id)
        .body(body::<types::AlterCubeActionBody>(
            json!({"state": {"loadedState": "unloaded"}}),
        ))
        .send()
        .await
        .unwrap();
    let status = api.get_cube_status().cube_id(&id).send().await.unwrap();
    assert_eq!(status.headers()["x-mstr-cubestatus"], "2");

    // Deleting the object (as mstrio-py's delete_dataset does) deletes the dataset.
    api.delete_object().id(&id).type_(3).send().await.unwrap();
    let gone = api.get_dataset_definition().dataset_id(&id).send().await;
    assert_eq!(failure(gone).await, Some("ERR004".into()));
    assert_eq!(s.counters().spec_defaults, 0);
    c.close().await.unwrap();
}

#[tokio::test]
async fn report_and_cube_instances_answer_sql_prompts_and_elements() {
    let s = default_sim().await;
    let c = tutorial(&s);
    let api = c.typed();
    let run = json_of(
        api.create_report_instance_1()
            .id(REVENUE_REPORT_ID)
            .send()
            .await
            .unwrap(),
    );
    let instance = run["instanceId"].as_str().unwrap();
    let sql = json_of(
        api.get_report_sql_view_1()
            .report_id(REVENUE_REPORT_ID)
            .report_instance(instance)
            .send()
            .await
            .unwrap(),
    );
    assert!(sql["sqlStatement"].as_str().unwrap().contains("\"Region\""));
    let page_by = json_of(
        api.get_page_by_elements()
            .id(REVENUE_REPORT_ID)
            .instance_id(instance)
            .send()
            .await
            .unwrap(),
    );
    assert!(
        page_by["pageBy"].as_array().is_none_or(Vec::is_empty),
        "{page_by}"
    );
    let prompts = json_of(
        api.get_prompts_2()
            .report_id(REVENUE_REPORT_ID)
            .report_instance(instance)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(prompts, json!([]));
    let answer = api
        .answer_prompts_2()
        .report_id(REVENUE_REPORT_ID)
        .report_instance(instance)
        .body(body::<types::PromptAnswers>(
            json!({"prompts": [{"id": "P1"}]}),
        ))
        .send()
        .await;
    assert_eq!(failure(answer).await, Some("ERR006".into()));
    let unknown = api
        .get_prompts_2()
        .report_id(REVENUE_REPORT_ID)
        .report_instance("00000000000000000000000000000000")
        .send()
        .await;
    assert_eq!(failure(unknown).await, Some("ERR004".into()));
    let v1 = api
        .create_report_instance()
        .report_id(REVENUE_REPORT_ID)
        .send()
        .await
        .unwrap();
    assert!(format!("{:?}", v1.into_inner()).contains("instanceId"));

    let cube_sql = json_of(
        api.get_cube_sql_view()
            .cube_id(SALES_CUBE_ID)
            .send()
            .await
            .unwrap(),
    );
    assert!(cube_sql["sqlStatement"]
        .as_str()
        .unwrap()
        .contains("\"Category\""));
    let model = json_of(
        api.ms_get_cube()
            .cube_id(SALES_CUBE_ID)
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(model["information"]["subType"], "report_cube");
    assert_eq!(s.counters().spec_defaults, 0);
    c.close().await.unwrap();
}

#[tokio::test]
async fn object_calls_keep_the_vendor_checks() {
    let s = sim(MstrSimConfig::default().allow_guest(true)).await;
    let admin = tutorial(&s);
    let api = admin.typed();
    // A parent that is not a folder: 404 ERR004.
    let r = api
        .create_folder()
        .body(body::<types::CreateFolderBody>(
            json!({"name": "Under a report", "parent": REVENUE_REPORT_ID}),
        ))
        .send()
        .await;
    assert_eq!(failure(r).await.as_deref(), Some("ERR004"));
    // A folder that does not exist: 404 ERR004; a pre-defined folder cannot be deleted.
    let r = api
        .delete_folder()
        .id("00000000000000000000000000000000")
        .send()
        .await;
    assert_eq!(failure(r).await.as_deref(), Some("ERR004"));
    let r = api.delete_folder().id(PUBLIC_FOLDER_ID).send().await;
    assert_eq!(failure(r).await.as_deref(), Some("ERR017"));

    // A guest reads but does not see the salary report, and may not create folders.
    let guest = builder(&s)
        .anonymous()
        .project_id(TUTORIAL_PROJECT_ID)
        .build()
        .unwrap();
    let gapi = guest.typed();
    let reports = json_of(
        gapi.get_folder()
            .id(TUTORIAL_REPORTS_FOLDER_ID)
            .send()
            .await
            .unwrap(),
    );
    assert!(!reports
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["id"] == SALARY_REPORT_ID));
    let r = gapi
        .create_folder()
        .body(body::<types::CreateFolderBody>(
            json!({"name": "Mine", "parent": PUBLIC_FOLDER_ID}),
        ))
        .send()
        .await;
    assert_eq!(failure(r).await, Some("ERR017".into()));
    // Faults apply to the new handlers as to every route.
    s.faults()
        .set_rate(bi_rest::sim::faults::FaultKind::ServerError, 1.0);
    let before = s.counters().faults_injected;
    let r = api.get_folders().send().await;
    assert!(r.is_err());
    assert!(s.counters().faults_injected > before);
    assert_eq!(s.counters().spec_defaults, 0);
}
