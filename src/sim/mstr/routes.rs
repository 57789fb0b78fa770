//! The router and the authentication / session endpoints of the MicroStrategy simulator.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, OriginalUri, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use axum::routing::{get, post, put};
use axum::Router;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::sim::AnswerShape;

use super::config::privileges;
use super::data;
use super::errors::{json_response, MstrError};
use super::state::{Caller, LoginBody, MstrState};
use super::{caches, datasets, directory, folders, reports};
use crate::sim::faults::ExpireSessionFault;
use crate::sim::rfc3339;

/// Shared state type of the handlers.
pub(crate) type St = State<Arc<MstrState>>;

/// What every handler needs from the request besides its body and path.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub headers: HeaderMap,
    /// Query parameters in order (a name may repeat, as `type=3&type=8`).
    pub query: Vec<(String, String)>,
    pub expire_fault: bool,
    pub cookie_path: &'static str,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let path = parts
            .extensions
            .get::<OriginalUri>()
            .map(|u| u.0.path().to_string())
            .unwrap_or_else(|| parts.uri.path().to_string());
        let cookie_path = if path.starts_with("/MicroStrategyLibrary/") {
            "/MicroStrategyLibrary"
        } else {
            "/"
        };
        let query = parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(Ctx {
            headers: parts.headers.clone(),
            query,
            expire_fault: parts.extensions.get::<ExpireSessionFault>().is_some(),
            cookie_path,
        })
    }
}

impl Ctx {
    /// The first value of a query parameter.
    pub fn query_one(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a query parameter (repeated, or comma-separated).
    pub fn query_all(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A query parameter parsed as a count; `default` when absent, `usize::MAX` for -1
    /// ("all", as `limit=-1`), 400 ERR006 when garbled.
    pub fn query_usize(&self, name: &str, default: usize) -> Result<usize, MstrError> {
        match self.query_one(name) {
            None => Ok(default),
            Some(v) if v.trim() == "-1" => Ok(usize::MAX),
            Some(v) => v.trim().parse().map_err(|_| {
                MstrError::invalid_input(format!(
                    "Invalid value '{v}' for query parameter '{name}'"
                ))
            }),
        }
    }

    /// Every value of a query parameter parsed as an object type (400 `ERR006` when
    /// garbled), as `type=3&type=55` or `type=3,55`.
    pub fn query_types(&self, name: &str) -> Result<Vec<i64>, MstrError> {
        self.query_all(name)
            .into_iter()
            .map(|t| {
                t.parse::<i64>()
                    .map_err(|_| MstrError::invalid_input(format!("Invalid object type '{t}'")))
            })
            .collect()
    }

    /// A header as a trimmed, non-empty string.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

/// A handler outcome: a reply, or an error to render with a fresh ticket id.
pub(crate) type Reply = Result<Response<Body>, MstrError>;

/// Renders a handler outcome.
pub(crate) fn finish(st: &MstrState, reply: Reply) -> Response<Body> {
    reply.unwrap_or_else(|e| e.into_response(st.ticket()))
}

/// Parses a JSON body: 400 ERR006 "Invalid JSON" for bad syntax, 400 ERR006 with the detail
/// for a well-formed body of the wrong shape.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, MstrError> {
    serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            MstrError::invalid_input(format!("Invalid JSON body. {e}"))
        } else {
            MstrError::invalid_json()
        }
    })
}

/// A 204 reply.
pub(crate) fn no_content() -> Response<Body> {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

/// A 200 JSON reply.
pub(crate) fn ok_json(body: &Value) -> Response<Body> {
    json_response(StatusCode::OK, body)
}

fn header_value(v: &str) -> Result<HeaderValue, MstrError> {
    HeaderValue::from_str(v).map_err(|_| MstrError::invalid_input("invalid header value"))
}

/// Builds the router: the API under `/MicroStrategyLibrary/api` and under `/api`.
pub(crate) fn router(state: Arc<MstrState>) -> Router {
    let api = Router::new()
        .route("/status", get(status))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/delegate", post(delegate))
        .route(
            "/auth/identityToken",
            post(create_identity_token).get(validate_identity_token),
        )
        .route(
            "/auth/apiTokens",
            post(create_api_token)
                .get(list_api_tokens)
                .delete(revoke_api_tokens),
        )
        .route("/auth/token", get(token_from_cookie))
        .route(
            "/sessions",
            get(session_info).put(extend_session).delete(delete_session),
        )
        .route("/sessions/userInfo", get(user_info))
        .route("/sessions/privileges", get(user_privileges))
        .route("/sessions/privileges/{id}", get(user_privilege))
        .route("/sessions/projectId", put(select_project))
        .route("/projects", get(data::projects))
        .route("/projects/{id}", get(data::project))
        .route("/searches/results", get(data::search))
        .route("/searches/objects", post(folders::search_objects))
        .route("/objects", axum::routing::delete(folders::delete_objects))
        .route(
            "/objects/{id}",
            get(data::object)
                .put(folders::update_object)
                .delete(folders::delete_object),
        )
        .route("/objects/{id}/copy", post(folders::copy_object))
        .route(
            "/folders",
            get(folders::root_folders).post(folders::create_folder),
        )
        .route(
            "/folders/{id}",
            get(folders::folder_contents).delete(folders::delete_folder),
        )
        .route(
            "/folders/preDefined/{kind}",
            get(folders::predefined_folder),
        )
        .route(
            "/folders/myPersonalObjects",
            get(folders::my_personal_objects),
        )
        .route("/reports/{id}", get(reports::report_definition))
        .route(
            "/reports/{id}/instances",
            post(reports::create_report_instance),
        )
        .route(
            "/reports/{id}/instances/{instance}/prompts",
            get(reports::prompts),
        )
        .route(
            "/reports/{id}/instances/{instance}/prompts/answers",
            put(reports::answer_prompts),
        )
        .route("/v2/reports/{id}", get(reports::report_definition))
        .route(
            "/v2/reports/{id}/instances",
            post(reports::create_report_instance),
        )
        .route(
            "/v2/reports/{id}/instances/{instance}",
            get(reports::report_instance_page),
        )
        .route(
            "/v2/reports/{id}/instances/{instance}/sqlView",
            get(reports::report_sql_view),
        )
        .route(
            "/v2/reports/{id}/instances/{instance}/pageBy/elements",
            get(reports::page_by_elements),
        )
        .route("/cubes", get(reports::cubes_info))
        .route("/cubes/", get(reports::cubes_info))
        .route("/cubes/{id}", get(reports::cube_status))
        .route(
            "/cubes/{id}/attributes/{attribute}/elements",
            get(reports::attribute_elements),
        )
        .route(
            "/v2/cubes/{id}",
            get(reports::cube_definition).post(reports::publish_cube),
        )
        .route(
            "/v2/cubes/{id}/instances",
            post(reports::create_cube_instance),
        )
        .route(
            "/v2/cubes/{id}/instances/{instance}",
            get(reports::cube_instance_page),
        )
        .route("/v2/cubes/{id}/sqlView", get(reports::cube_sql_view))
        .route("/model/cubes/{id}", get(reports::model_cube))
        .route("/monitors/caches/cubes", get(caches::list))
        .route(
            "/monitors/caches/cubes/{id}",
            axum::routing::patch(caches::alter).delete(caches::delete),
        )
        .route(
            "/monitors/projects/{id}/caches/{kind}",
            axum::routing::delete(caches::purge),
        )
        .route("/datasets", post(datasets::create_dataset_with_data))
        .route("/datasets/models", post(datasets::create_dataset_model))
        .route("/datasets/{id}", get(datasets::dataset_definition))
        .route(
            "/datasets/{id}/tables/{table}",
            axum::routing::patch(datasets::update_table),
        )
        .route(
            "/datasets/{id}/uploadSessions",
            post(datasets::create_upload_session),
        )
        .route(
            "/datasets/{id}/uploadSessions/{session}",
            put(datasets::upload).delete(datasets::cancel_upload),
        )
        .route(
            "/datasets/{id}/uploadSessions/{session}/publish",
            post(datasets::publish),
        )
        .route(
            "/datasets/{id}/uploadSessions/{session}/publishStatus",
            get(datasets::publish_status),
        )
        .route("/model/changesets", post(data::create_changeset))
        .route(
            "/model/changesets/{id}",
            get(data::get_changeset).delete(data::delete_changeset),
        )
        .route(
            "/model/changesets/{id}/commit",
            post(data::commit_changeset),
        )
        .route("/model/metrics/{id}", get(data::model_metric))
        .route("/v2/iserver/settings", get(data::server_settings))
        .route("/v2/projects/{id}/settings", get(data::project_settings))
        .route(
            "/users",
            get(directory::list_users).post(directory::create_user),
        )
        .route("/users/", get(directory::list_users))
        .route(
            "/users/{id}",
            get(directory::get_user)
                .patch(directory::update_user)
                .delete(directory::delete_user),
        )
        .route("/usergroups", get(directory::list_groups))
        .route("/usergroups/", get(directory::list_groups))
        .route("/usergroups/{id}", get(directory::get_group))
        .route("/usergroups/{id}/members", get(directory::group_members))
        .route("/monitors/projects", get(data::monitor_projects))
        .route(
            "/v2/metadataSearches/results",
            post(directory::create_search),
        )
        .route(
            "/metadataSearches/results",
            post(directory::create_search).get(directory::search_results),
        )
        .route(
            "/metadataSearches/results/tree",
            get(directory::search_tree),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(state.clone());
    Router::new()
        .nest(super::API_ROOT_PATH, api.clone())
        .nest("/api", api)
        .fallback(not_found_plain)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::spec_default::dispatch,
        ))
        .with_state(state)
}

async fn not_found(State(st): St) -> Response<Body> {
    MstrError::not_found("HTTP 404 Not Found").into_response(st.ticket())
}

async fn not_found_plain(State(st): St) -> Response<Body> {
    MstrError::not_found("HTTP 404 Not Found").into_response(st.ticket())
}

/// Authenticates the caller of a handler (token header + JSESSIONID cookie).
pub(crate) fn caller(st: &MstrState, ctx: &Ctx) -> Result<Caller, MstrError> {
    st.authenticate(&ctx.headers, ctx.expire_fault)
}

/// The caller and the project (`X-MSTR-ProjectID`) of a project-scoped call.
pub(crate) fn scoped(
    st: &MstrState,
    ctx: &Ctx,
) -> Result<(Caller, &'static data::Project), MstrError> {
    let c = caller(st, ctx)?;
    let p = data::project_of(ctx, &c.user)?;
    Ok((c, p))
}

async fn status(State(st): St) -> Response<Body> {
    ok_json(&json!({
        "webVersion": st.server_version,
        "iServerVersion": st.server_version,
        "iServerConnected": true,
        "deploymentType": "simulator",
        "simulator": true,
    }))
}

fn session_reply(ctx: &Ctx, s: &super::state::NewSession) -> Reply {
    let mut resp = no_content();
    let h = resp.headers_mut();
    h.insert("X-MSTR-AuthToken", header_value(&s.token)?);
    h.append(
        header::SET_COOKIE,
        header_value(&format!(
            "JSESSIONID={}; Path={}; HttpOnly",
            s.jsessionid, ctx.cookie_path
        ))?,
    );
    h.append(
        header::SET_COOKIE,
        header_value(&format!("AWSALB={}; Path=/", s.lb_cookie))?,
    );
    Ok(resp)
}

async fn login(State(st): St, ctx: Ctx, body: Bytes) -> Response<Body> {
    let delay = st.login_delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let reply = (|| {
        let form = ctx
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        let parsed: LoginBody = if body.iter().all(u8::is_ascii_whitespace) {
            LoginBody::default()
        } else if form {
            login_from_form(&body)?
        } else {
            parse_json(&body)?
        };
        let session = st.login(&parsed)?;
        session_reply(&ctx, &session)
    })();
    finish(&st, reply)
}

/// The login fields sent form-encoded (as mstrio-py sends standard logins).
fn login_from_form(body: &Bytes) -> Result<LoginBody, MstrError> {
    let mut parsed = LoginBody::default();
    let number = |k: &str, v: &str| {
        v.trim().parse::<i64>().map_err(|_| {
            MstrError::invalid_input(format!("Invalid value '{v}' for form field '{k}'"))
        })
    };
    for (k, v) in url::form_urlencoded::parse(body) {
        match k.as_ref() {
            "username" => parsed.username = Some(v.into_owned()),
            "password" => parsed.password = Some(v.into_owned()),
            "apiToken" => parsed.api_token = Some(v.into_owned()),
            "loginMode" => parsed.login_mode = Some(number(&k, &v)?),
            "applicationType" => parsed.application_type = Some(number(&k, &v)?),
            _ => {}
        }
    }
    Ok(parsed)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DelegateBody {
    login_mode: Option<i64>,
    identity_token: Option<String>,
}

async fn delegate(State(st): St, ctx: Ctx, body: Bytes) -> Response<Body> {
    let delay = st.login_delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let reply = (|| {
        let parsed: DelegateBody = parse_json(&body)?;
        if let Some(mode) = parsed.login_mode {
            if mode != -1 {
                return Err(MstrError::invalid_input(format!(
                    "loginMode must be -1 for delegation, got {mode}"
                )));
            }
        }
        let token = parsed
            .identity_token
            .ok_or_else(|| MstrError::missing_field("identityToken"))?;
        let session = st.delegate(&token)?;
        session_reply(&ctx, &session)
    })();
    finish(&st, reply)
}

async fn logout(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = caller(&st, &ctx).map(|c| {
        st.logout(&c);
        no_content()
    });
    finish(&st, reply)
}

async fn delete_session(State(st): St, ctx: Ctx) -> Response<Body> {
    logout(State(st), ctx).await
}

async fn extend_session(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = caller(&st, &ctx).map(|_| {
        st.extend();
        no_content()
    });
    finish(&st, reply)
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect::<String>()
        .to_uppercase()
}

async fn session_info(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = caller(&st, &ctx).map(|c| {
        let timeout = st.idle_timeout();
        let secs = timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0);
        let mut body = json!({
            "id": c.user.id,
            "username": c.user.user.username,
            "fullName": c.user.user.full_name,
            "initials": initials(&c.user.user.full_name),
            "locale": 1033,
            "maxSearch": 3,
            "workingSet": 10,
            "timeout": secs,
            "timeoutMs": timeout.as_millis() as u64,
            "dateFormat": "M/d/yyyy",
            "timeZone": "UTC",
            "loginMode": c.mode.code(),
            "applicationType": c.application_type,
            "sessionAgeSeconds": c.created.elapsed().as_secs(),
        });
        if st.answer_shape == AnswerShape::Variant {
            body["timeout"] = json!(secs.to_string());
            body["loginMode"] = json!(c.mode.code().to_string());
            body["applicationType"] = json!(c.application_type.to_string());
            body["fullName"] = json!({"#text": c.user.user.full_name});
            body["timeZone"] = json!({"id": "UTC", "offset": 0});
            body["undocumentedServerField"] = json!([1, {"nested": true}]);
            if let Some(fields) = body.as_object_mut() {
                fields.remove("maxSearch");
                fields.remove("initials");
            }
        }
        ok_json(&body)
    });
    finish(&st, reply)
}

async fn user_info(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = caller(&st, &ctx).map(|c| {
        let u = &c.user.user;
        let mut body = json!({
            "metadataUser": !c.user.guest,
            "id": c.user.id,
            "name": u.full_name,
            "username": u.username,
            "fullName": u.full_name,
            "initials": initials(&u.full_name),
            "defaultTimezone": {"name": "UTC"},
            "language": "en-US",
        });
        if st.answer_shape == AnswerShape::Variant {
            body["metadataUser"] = json!((!c.user.guest).to_string());
            body["name"] = json!({"$text": u.full_name, "@lang": "en"});
            body["defaultTimezone"] = json!("UTC");
            body["undocumentedServerField"] = json!({"x": [1, 2]});
            if let Some(fields) = body.as_object_mut() {
                fields.remove("initials");
            }
        }
        if u.kind == super::config::UserKind::Ldap {
            body["ldapdn"] = json!(format!("CN={},OU=Users,DC=example,DC=invalid", u.username));
        }
        ok_json(&body)
    });
    finish(&st, reply)
}

fn privilege_json(user: &super::state::UserRec, id: u32, name: &str) -> Value {
    let projects: Vec<Value> = data::PROJECTS
        .iter()
        .filter(|p| data::project_visible(user, p))
        .map(|p| {
            json!({
                "id": p.id,
                "isInherited": false,
                "source": [{"type": "user", "id": user.id, "name": user.user.full_name}],
            })
        })
        .collect();
    json!({
        "id": id.to_string(),
        "name": name,
        "description": name,
        "isUserLevelAllowed": true,
        "projects": projects,
    })
}

async fn user_privileges(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = caller(&st, &ctx).map(|c| {
        let list: Vec<Value> = privileges::ALL
            .iter()
            .filter(|(_, name)| c.user.has(name))
            .map(|(id, name)| privilege_json(&c.user, *id, name))
            .collect();
        ok_json(&Value::Array(list))
    });
    finish(&st, reply)
}

async fn user_privilege(State(st): St, ctx: Ctx, Path(id): Path<String>) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        privileges::ALL
            .iter()
            .find(|(pid, name)| pid.to_string() == id && c.user.has(name))
            .map(|(pid, name)| ok_json(&privilege_json(&c.user, *pid, name)))
            .ok_or_else(|| MstrError::not_found(format!("The user does not hold privilege '{id}'")))
    })();
    finish(&st, reply)
}

async fn create_identity_token(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let token = st.create_identity_token(&c)?;
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::CREATED;
        resp.headers_mut()
            .insert("X-MSTR-IdentityToken", header_value(&token)?);
        Ok(resp)
    })();
    finish(&st, reply)
}

async fn validate_identity_token(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let token = ctx
            .header("x-mstr-identitytoken")
            .ok_or_else(|| MstrError::missing_info("Missing header X-MSTR-IdentityToken"))?;
        let (user, expires) = st.validate_identity_token(token).ok_or_else(|| {
            MstrError::login_failed("The identity token is invalid or has expired")
        })?;
        Ok(ok_json(&json!({
            "userId": user.id,
            "username": user.user.username,
            "fullName": user.user.full_name,
            "valid": true,
            "expiration": rfc3339(expires),
        })))
    })();
    finish(&st, reply)
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiTokenBody {
    user_id: Option<String>,
}

async fn create_api_token(State(st): St, ctx: Ctx, body: Bytes) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let parsed: ApiTokenBody = if body.iter().all(u8::is_ascii_whitespace) {
            ApiTokenBody::default()
        } else {
            parse_json(&body)?
        };
        let (token, rec) = st.create_api_token(&c, parsed.user_id.as_deref())?;
        let mut body = json!({"apiToken": token});
        if let Some(e) = rec.expires {
            body["expiration"] = json!(rfc3339(e));
        }
        Ok(json_response(StatusCode::CREATED, &body))
    })();
    finish(&st, reply)
}

async fn list_api_tokens(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        let list = st.list_api_tokens(&c, ctx.query_one("userId"))?;
        let items: Vec<Value> = list
            .iter()
            .map(|(t, user_id)| {
                let mut v =
                    json!({"id": t.id, "userId": user_id, "dateCreated": rfc3339(t.created)});
                if let Some(e) = t.expires {
                    v["expiration"] = json!(rfc3339(e));
                }
                v
            })
            .collect();
        Ok(ok_json(&json!({"apiTokens": items})))
    })();
    finish(&st, reply)
}

async fn revoke_api_tokens(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        st.revoke_api_tokens(&c, ctx.query_one("userId"))?;
        Ok(no_content())
    })();
    finish(&st, reply)
}

/// `GET /auth/token`: the token of the session the JSESSIONID cookie belongs to.
async fn token_from_cookie(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let token = st.token_for_cookie(&ctx.headers)?;
        let mut resp = no_content();
        resp.headers_mut()
            .insert("X-MSTR-AuthToken", header_value(&token)?);
        Ok(resp)
    })();
    finish(&st, reply)
}

/// `PUT /sessions/projectId`: checks the project header (the simulator keeps no default).
async fn select_project(State(st): St, ctx: Ctx) -> Response<Body> {
    let reply = (|| {
        let c = caller(&st, &ctx)?;
        data::project_of(&ctx, &c.user)?;
        Ok(no_content())
    })();
    finish(&st, reply)
}
