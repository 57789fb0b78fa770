//! Conformance: the GENERATED Looker 4.0 client, through the Looker auth layer, against Prism
//! (`@stoplight/prism-cli@5.14.2`) mocking the real Looker 4.0 spec and validating every request.
//!
//! Any request Prism rejects (4xx answer, or a `Violation: request...` line in its log) fails
//! the test. Prism setup and the documented spec overlay: tests/support/prism.rs.
//!
//! Run: `tests/prism/install.sh` once (or set `BI_REST_REQUIRE_PRISM=1` to install on demand),
//! then `cargo test --features looker-4_0 --test conformance_looker -- --nocapture`.
#![cfg(feature = "looker-4_0")]

#[path = "support/prism.rs"]
mod prism;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use bi_rest::credentials::Credential;
use bi_rest::looker::{LookerClient, LookerSettings};
use progenitor_client::{ByteStream, Error as PError, ResponseValue};

#[derive(Default)]
struct Report {
    ok: BTreeSet<&'static str>,
    methods: BTreeMap<&'static str, usize>,
    binary: BTreeSet<&'static str>,
    rejected: Vec<String>,
    decode: Vec<String>,
    calls: usize,
}

impl Report {
    fn record<T, E: Debug>(
        &mut self,
        id: &'static str,
        method: &'static str,
        result: Result<ResponseValue<T>, PError<E>>,
    ) {
        self.calls += 1;
        match result {
            Ok(_) => self.accept(id, method),
            Err(PError::InvalidResponsePayload(body, e)) => {
                // The request passed; Prism's generated example did not decode.
                self.decode.push(format!(
                    "{id}: {e} (body starts {:?})",
                    String::from_utf8_lossy(&body[..body.len().min(80)])
                ));
                self.accept(id, method);
            }
            Err(PError::UnexpectedResponse(r)) if r.status().is_success() => {
                self.accept(id, method)
            }
            Err(e) => self.rejected.push(format!("{id} ({method}): {e:?}")),
        }
    }

    fn accept(&mut self, id: &'static str, method: &'static str) {
        if self.ok.insert(id) {
            *self.methods.entry(method).or_default() += 1;
        }
    }

    async fn bytes<E>(
        &mut self,
        id: &'static str,
        method: &'static str,
        result: Result<ResponseValue<ByteStream>, PError<E>>,
    ) {
        self.calls += 1;
        match result {
            Ok(v) => {
                use futures::TryStreamExt;
                let chunks: Result<Vec<bytes::Bytes>, _> =
                    v.into_inner().into_inner().try_collect().await;
                match chunks {
                    Ok(c) if c.iter().map(|b| b.len()).sum::<usize>() > 0 => {
                        self.binary.insert(id);
                        self.accept(id, method);
                    }
                    Ok(_) => self.rejected.push(format!("{id}: empty binary body")),
                    Err(e) => self.rejected.push(format!("{id}: reading bytes: {e}")),
                }
            }
            Err(e) => self.rejected.push(format!(
                "{id} ({method}): rejected, status {:?}",
                e.status()
            )),
        }
    }
}

macro_rules! call {
    ($r:ident, $method:literal, $id:literal, $fut:expr) => {
        $r.record($id, $method, $fut.await)
    };
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_looker_4_0_client_conforms_to_the_spec() {
    let spec = prism::looker_spec("Looker.4.0.oas.json");
    let Some(mock) = tokio::task::spawn_blocking(move || prism::start(&spec))
        .await
        .expect("prism start task")
    else {
        return;
    };
    let settings = LookerSettings::new(
        "http://127.0.0.1:1",
        Credential::value("conformance-client-id"),
        Credential::value("conformance-client-secret"),
    );
    let lc = LookerClient::builder(settings)
        .api_root(&mock.base_url)
        .build()
        .expect("client");
    lc.login()
        .await
        .expect("login through the auth layer (form body)");
    let c = lc.generated_4_0();
    let mut r = Report::default();

    // ---- ApiAuth (login credentials are moved from the spec's query into the form body)
    call!(
        r,
        "POST",
        "login",
        c.login()
            .client_id("conformance-client-id".to_string())
            .client_secret("conformance-client-secret".to_string())
            .body(serde_json::Map::new())
            .send()
    );
    call!(r, "POST", "login_user", c.login_user().user_id("42").send());

    // ---- GET without parameters
    call!(r, "GET", "me", c.me().send());
    call!(r, "GET", "versions", c.versions().send());
    call!(r, "GET", "all_timezones", c.all_timezones().send());
    call!(r, "GET", "all_locales", c.all_locales().send());
    call!(r, "GET", "all_dialect_infos", c.all_dialect_infos().send());
    call!(
        r,
        "GET",
        "all_color_collections",
        c.all_color_collections().send()
    );
    call!(
        r,
        "GET",
        "color_collections_custom",
        c.color_collections_custom().send()
    );
    call!(
        r,
        "GET",
        "color_collections_standard",
        c.color_collections_standard().send()
    );
    call!(
        r,
        "GET",
        "default_color_collection",
        c.default_color_collection().send()
    );
    call!(r, "GET", "all_themes", c.all_themes().send());
    call!(r, "GET", "default_theme", c.default_theme().send());
    call!(r, "GET", "active_themes", c.active_themes().send());
    call!(r, "GET", "all_workspaces", c.all_workspaces().send());
    call!(r, "GET", "all_permissions", c.all_permissions().send());
    call!(
        r,
        "GET",
        "all_permission_sets",
        c.all_permission_sets().send()
    );
    call!(r, "GET", "all_model_sets", c.all_model_sets().send());
    call!(
        r,
        "GET",
        "all_integration_hubs",
        c.all_integration_hubs().send()
    );
    call!(
        r,
        "GET",
        "whitelabel_configuration",
        c.whitelabel_configuration().send()
    );
    call!(r, "GET", "session", c.session().send());
    call!(r, "GET", "all_projects", c.all_projects().send());
    call!(r, "GET", "all_connections", c.all_connections().send());
    call!(r, "GET", "all_datagroups", c.all_datagroups().send());
    call!(r, "GET", "all_lookml_models", c.all_lookml_models().send());
    call!(
        r,
        "GET",
        "all_user_attributes",
        c.all_user_attributes().send()
    );
    call!(
        r,
        "GET",
        "all_scheduled_plans",
        c.all_scheduled_plans().send()
    );

    // ---- GET with query parameters
    call!(
        r,
        "GET",
        "all_users",
        c.all_users()
            .fields("id,display_name")
            .limit(25)
            .offset(0)
            .sorts("id")
            .send()
    );
    call!(
        r,
        "GET",
        "search_users",
        c.search_users()
            .first_name("Ada")
            .is_disabled(false)
            .limit(10)
            .offset(0)
            .send()
    );
    call!(
        r,
        "GET",
        "all_looks",
        c.all_looks().fields("id,title").send()
    );
    call!(
        r,
        "GET",
        "search_looks",
        c.search_looks().title("Orders").limit(5).send()
    );
    call!(
        r,
        "GET",
        "all_dashboards",
        c.all_dashboards().fields("id,title").send()
    );
    call!(
        r,
        "GET",
        "all_folders",
        c.all_folders().fields("id,name").send()
    );
    call!(
        r,
        "GET",
        "search_folders",
        c.search_folders().name("Shared").limit(5).send()
    );
    call!(
        r,
        "GET",
        "all_groups",
        c.all_groups().fields("id,name").sorts("name").send()
    );
    call!(
        r,
        "GET",
        "search_groups",
        c.search_groups().name("Admins").send()
    );
    call!(
        r,
        "GET",
        "all_roles",
        c.all_roles().fields("id,name").send()
    );
    call!(
        r,
        "GET",
        "search_roles",
        c.search_roles().name("Viewer").send()
    );
    call!(
        r,
        "GET",
        "search_themes",
        c.search_themes().name("dark").send()
    );
    call!(
        r,
        "GET",
        "search_content_favorites",
        c.search_content_favorites().user_id("1").limit(10).send()
    );
    call!(
        r,
        "GET",
        "search_content_views",
        c.search_content_views().user_id("1").limit(10).send()
    );
    call!(
        r,
        "GET",
        "all_content_metadatas",
        c.all_content_metadatas().parent_id("1").send()
    );
    call!(
        r,
        "GET",
        "theme_or_default",
        c.theme_or_default().name("Looker").send()
    );
    call!(
        r,
        "GET",
        "default_theme_by_type",
        c.default_theme_by_type().theme_type("dashboard").send()
    );

    // ---- GET with path parameters
    call!(
        r,
        "GET",
        "user",
        c.user().user_id("1").fields("id,email").send()
    );
    call!(r, "GET", "user_roles", c.user_roles().user_id("1").send());
    call!(
        r,
        "GET",
        "all_user_sessions",
        c.all_user_sessions().user_id("1").send()
    );
    call!(
        r,
        "GET",
        "user_credentials_email",
        c.user_credentials_email().user_id("1").send()
    );
    call!(
        r,
        "GET",
        "color_collection",
        c.color_collection().collection_id("1").send()
    );
    call!(r, "GET", "theme", c.theme().theme_id("1").send());
    call!(r, "GET", "folder", c.folder().folder_id("1").send());
    call!(
        r,
        "GET",
        "folder_children",
        c.folder_children().folder_id("1").sorts("name").send()
    );
    call!(r, "GET", "group", c.group().group_id("1").send());
    call!(r, "GET", "role", c.role().role_id("1").send());
    call!(
        r,
        "GET",
        "connection",
        c.connection().connection_name("thelook").send()
    );
    call!(
        r,
        "GET",
        "lookml_model",
        c.lookml_model().lookml_model_name("thelook").send()
    );
    call!(
        r,
        "GET",
        "datagroup",
        c.datagroup().datagroup_id("1").send()
    );
    call!(
        r,
        "GET",
        "user_attribute",
        c.user_attribute().user_attribute_id("1").send()
    );
    call!(
        r,
        "GET",
        "workspace",
        c.workspace().workspace_id("dev").send()
    );
    call!(
        r,
        "GET",
        "project",
        c.project().project_id("thelook").send()
    );
    call!(
        r,
        "GET",
        "scheduled_plan",
        c.scheduled_plan().scheduled_plan_id("1").send()
    );
    call!(
        r,
        "GET",
        "content_metadata",
        c.content_metadata().content_metadata_id("1").send()
    );
    call!(
        r,
        "GET",
        "model_set",
        c.model_set().model_set_id("1").send()
    );

    call!(
        r,
        "GET",
        "dashboard",
        c.dashboard().dashboard_id("1").fields("id,title").send()
    );
    call!(r, "GET", "look", c.look().look_id("1").send());
    call!(r, "GET", "query", c.query().query_id("1").send());

    // ---- binary answers (raw bytes: json / png / jpeg / text / svg / pdf declared)
    r.bytes(
        "run_look",
        "GET",
        c.run_look()
            .look_id("1")
            .result_format("png")
            .image_width(100)
            .image_height(100)
            .send()
            .await,
    )
    .await;
    r.bytes(
        "run_query",
        "GET",
        c.run_query()
            .query_id("1")
            .result_format("txt")
            .limit(10)
            .send()
            .await,
    )
    .await;
    r.bytes(
        "content_thumbnail",
        "GET",
        c.content_thumbnail()
            .type_("dashboard")
            .resource_id("1")
            .format("png")
            .width(64)
            .height(64)
            .send()
            .await,
    )
    .await;
    r.bytes(
        "vector_thumbnail",
        "GET",
        c.vector_thumbnail()
            .type_("dashboard")
            .resource_id("1")
            .send()
            .await,
    )
    .await;
    r.bytes(
        "render_task_results",
        "GET",
        c.render_task_results().render_task_id("abc").send().await,
    )
    .await;

    // ---- POST with bodies
    call!(
        r,
        "POST",
        "create_user",
        c.create_user()
            .body_map(|b| b
                .first_name("Ada".to_string())
                .last_name("Lovelace".to_string()))
            .send()
    );
    call!(
        r,
        "POST",
        "create_group",
        c.create_group()
            .body_map(|b| b.name("Analysts".to_string()))
            .send()
    );
    call!(
        r,
        "POST",
        "create_theme",
        c.create_theme()
            .body_map(|b| b.name("dark".to_string()))
            .send()
    );
    call!(
        r,
        "POST",
        "create_folder",
        c.create_folder()
            .body_map(|b| b
                .name("Shared reports".to_string())
                .parent_id("1".to_string()))
            .send()
    );
    call!(
        r,
        "POST",
        "create_color_collection",
        c.create_color_collection()
            .body_map(|b| b.label("Brand".to_string()))
            .send()
    );
    call!(
        r,
        "POST",
        "create_user_attribute",
        c.create_user_attribute()
            .body_map(|b| b
                .name("region".to_string())
                .label("Region".to_string())
                .type_("string".to_string()))
            .send()
    );
    call!(
        r,
        "POST",
        "create_content_favorite",
        c.create_content_favorite()
            .body_map(|b| b
                .user_id("1".to_string())
                .content_metadata_id("1".to_string()))
            .send()
    );
    call!(
        r,
        "POST",
        "create_query",
        c.create_query()
            .body_map(|b| b
                .model("thelook".to_string())
                .view("orders".to_string())
                .fields(vec!["orders.count".to_string()]))
            .send()
    );
    call!(
        r,
        "POST",
        "copy_dashboard",
        c.copy_dashboard().dashboard_id("1").folder_id("7").send()
    );
    r.bytes(
        "run_inline_query",
        "POST",
        c.run_inline_query()
            .result_format("json")
            .body_map(|b| b.model("thelook".to_string()).view("orders".to_string()))
            .send()
            .await,
    )
    .await;
    call!(
        r,
        "POST",
        "create_look_render_task",
        c.create_look_render_task()
            .look_id("1")
            .result_format("png")
            .width(640)
            .height(480)
            .send()
    );

    // ---- PATCH
    call!(
        r,
        "PATCH",
        "update_user",
        c.update_user()
            .user_id("1")
            .body_map(|b| b.first_name("Ada".to_string()))
            .send()
    );
    call!(
        r,
        "PATCH",
        "update_group",
        c.update_group()
            .group_id("1")
            .body_map(|b| b.name("Analysts".to_string()))
            .send()
    );
    call!(
        r,
        "PATCH",
        "update_theme",
        c.update_theme()
            .theme_id("1")
            .body_map(|b| b.name("dark".to_string()))
            .send()
    );
    call!(
        r,
        "PATCH",
        "update_folder",
        c.update_folder()
            .folder_id("1")
            .body_map(|b| b.name("Renamed".to_string()))
            .send()
    );
    call!(
        r,
        "PATCH",
        "update_color_collection",
        c.update_color_collection()
            .collection_id("1")
            .body_map(|b| b.label("Brand 2".to_string()))
            .send()
    );
    call!(
        r,
        "PATCH",
        "update_user_attribute",
        c.update_user_attribute()
            .user_attribute_id("1")
            .body_map(|b| b
                .name("region".to_string())
                .label("Region".to_string())
                .type_("string".to_string()))
            .send()
    );

    // ---- PUT
    call!(
        r,
        "PUT",
        "set_user_roles",
        c.set_user_roles()
            .user_id("1")
            .body(vec!["2".to_string(), "3".to_string()])
            .send()
    );
    call!(
        r,
        "PUT",
        "set_default_color_collection",
        c.set_default_color_collection().collection_id("1").send()
    );
    call!(
        r,
        "PUT",
        "set_default_theme",
        c.set_default_theme().name("dark").send()
    );

    // ---- DELETE
    call!(
        r,
        "DELETE",
        "delete_content_favorite",
        c.delete_content_favorite().content_favorite_id("1").send()
    );
    call!(
        r,
        "DELETE",
        "delete_user_attribute",
        c.delete_user_attribute().user_attribute_id("1").send()
    );
    call!(
        r,
        "DELETE",
        "delete_color_collection",
        c.delete_color_collection().collection_id("1").send()
    );
    call!(
        r,
        "DELETE",
        "delete_theme",
        c.delete_theme().theme_id("1").send()
    );
    call!(
        r,
        "DELETE",
        "delete_folder",
        c.delete_folder().folder_id("1").send()
    );
    call!(
        r,
        "DELETE",
        "delete_group",
        c.delete_group().group_id("1").send()
    );
    call!(
        r,
        "DELETE",
        "delete_user",
        c.delete_user().user_id("9").send()
    );

    // ---- sudo through the auth layer, then the generated client as that user
    let sudo = lc
        .login_user("7")
        .await
        .expect("sudo (POST /login/{user_id})");
    let sc = sudo.generated_4_0();
    call!(r, "GET", "me", sc.me().send());
    sudo.close().await.expect("sudo logout");

    // ---- the validator is live: a body that breaks the spec is refused with 422
    let before = prism::violations(&mock).len();
    let bad = lc
        .call(
            lc.request(reqwest::Method::POST, "queries")
                .json(&serde_json::json!({"model": 5})),
        )
        .await
        .expect_err("Prism must refuse a Query without `view` and with a numeric `model`");
    assert_eq!(bad.status().map(|s| s.as_u16()), Some(422), "{bad:?}");
    assert_eq!(bad.kind(), bi_rest::error::ErrorKind::InvalidRequest);
    let after = prism::violations(&mock).len();

    // ---- logout last (the generated operation), then the layer's own close
    call!(r, "DELETE", "logout", c.logout().send());
    lc.close().await.expect("logout on close");

    let mut violations = prism::violations(&mock);
    assert_eq!(
        after - before,
        2,
        "the deliberate bad body gives 2 violations"
    );
    // drop exactly the deliberate ones; every other violation fails the test
    violations.drain(before..after);
    let log = std::fs::read_to_string(&mock.log).unwrap_or_default();
    assert!(
        !log.contains("client_secret") && !log.contains("conformance-client-secret"),
        "a credential appeared in a URL Prism logged"
    );
    let warnings = prism::warnings(&mock);
    if !warnings.is_empty() {
        println!(
            "Prism warnings (not failures):\n  {}",
            warnings.join("\n  ")
        );
    }
    println!(
        "Looker 4.0 conformance: {} distinct generated operations accepted by Prism ({} calls); \
         by method {:?}; binary answers {:?}",
        r.ok.len(),
        r.calls,
        r.methods,
        r.binary
    );
    if !r.decode.is_empty() {
        println!(
            "note: {} responses of Prism's generated examples did not decode:\n  {}",
            r.decode.len(),
            r.decode.join("\n  ")
        );
    }
    assert!(
        r.rejected.is_empty() && violations.is_empty(),
        "requests rejected:\n  {}\nPrism violations:\n  {}\n(log: {})",
        r.rejected.join("\n  "),
        violations.join("\n  "),
        mock.log.display()
    );
    assert!(r.ok.len() >= 60, "only {} operations exercised", r.ok.len());
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        assert!(
            r.methods.get(m).copied().unwrap_or(0) > 0,
            "no {m} operation"
        );
    }
    assert!(r.binary.len() >= 3, "binary answers: {:?}", r.binary);
}
