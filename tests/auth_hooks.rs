//! The progenitor glue: a client shaped exactly like progenitor 0.15.1's generated code
//! (builder of the request, `pre`/`exec`/`post` hooks, `ResponseValue`, `Error`), with the
//! hooks attached by `bi_rest_auth_hooks!`, against the MicroStrategy simulator.
#![cfg(all(feature = "mstr", feature = "sim"))]

mod common_mstr;

use bi_rest::credentials::Credential;
use bi_rest::error::ErrorKind;
use common_mstr::*;

/// What progenitor generates for a spec with `with_inner_type(bi_rest::auth::Auth)`
/// (trimmed to two operations).
mod generated {
    #[allow(unused_imports)]
    use progenitor_client::{encode_path, ClientHooks, OperationInfo, RequestBuilderExt};
    #[allow(unused_imports)]
    pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};

    #[derive(Clone, Debug)]
    pub struct Client {
        pub(crate) baseurl: String,
        pub(crate) client: reqwest::Client,
        pub(crate) inner: bi_rest::auth::Auth,
    }

    impl Client {
        pub fn new_with_client(
            baseurl: &str,
            client: reqwest::Client,
            inner: bi_rest::auth::Auth,
        ) -> Self {
            Self {
                baseurl: baseurl.to_string(),
                client,
                inner,
            }
        }

        /// `GET /sessions/userInfo`.
        pub async fn get_user_info(
            &self,
        ) -> Result<ResponseValue<serde_json::Value>, Error<serde_json::Value>> {
            let url = format!("{}/sessions/userInfo", self.baseurl);
            #[allow(unused_mut)]
            let mut request = self
                .client
                .get(url)
                .header(
                    reqwest::header::ACCEPT,
                    reqwest::header::HeaderValue::from_static("application/json"),
                )
                .build()?;
            let info = OperationInfo {
                operation_id: "getUserInfo",
            };
            self.pre(&mut request, &info).await?;
            let result = self.exec(request, &info).await;
            self.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=599u16 => Err(Error::ErrorResponse(
                    ResponseValue::from_response(response).await?,
                )),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }

        /// `POST /auth/login` (operationId postLogin), 204 on success.
        pub async fn post_login(
            &self,
            body: &serde_json::Value,
        ) -> Result<ResponseValue<()>, Error<serde_json::Value>> {
            let url = format!("{}/auth/login", self.baseurl);
            #[allow(unused_mut)]
            let mut request = self.client.post(url).json(body).build()?;
            let info = OperationInfo {
                operation_id: "postLogin",
            };
            self.pre(&mut request, &info).await?;
            let result = self.exec(request, &info).await;
            self.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                204u16 => Ok(ResponseValue::empty(response)),
                400u16..=599u16 => Err(Error::ErrorResponse(
                    ResponseValue::from_response(response).await?,
                )),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }

        /// `POST /auth/apiTokens` with a JSON body.
        pub async fn create_api_token(
            &self,
            body: &serde_json::Value,
        ) -> Result<ResponseValue<serde_json::Value>, Error<serde_json::Value>> {
            let url = format!("{}/auth/apiTokens", self.baseurl);
            #[allow(unused_mut)]
            let mut request = self.client.post(url).json(body).build()?;
            let info = OperationInfo {
                operation_id: "createApiToken",
            };
            self.pre(&mut request, &info).await?;
            let result = self.exec(request, &info).await;
            self.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                201u16 => ResponseValue::from_response(response).await,
                400u16..=599u16 => Err(Error::ErrorResponse(
                    ResponseValue::from_response(response).await?,
                )),
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }

    impl ClientInfo<bi_rest::auth::Auth> for Client {
        fn api_version() -> &'static str {
            "test"
        }
        fn baseurl(&self) -> &str {
            self.baseurl.as_str()
        }
        fn client(&self) -> &reqwest::Client {
            &self.client
        }
        fn inner(&self) -> &bi_rest::auth::Auth {
            &self.inner
        }
    }

    // Emitted by progenitor (HooksMode::Optional); the impl below on `Client` wins.
    impl ClientHooks<bi_rest::auth::Auth> for &Client {}

    // The one line the vendor layer adds.
    bi_rest::bi_rest_auth_hooks!(Client);
}

fn typed(c: &bi_rest::mstr::MstrClient) -> generated::Client {
    let auth = c.auth();
    generated::Client::new_with_client(auth.base_url(), auth.http_client(), auth.clone())
}

#[tokio::test]
async fn generated_client_logs_in_lazily_and_replays_once_after_expiry() {
    let s = default_sim().await;
    let c = admin(&s);
    let api = typed(&c);
    let me = api.get_user_info().await.unwrap();
    assert_eq!(me["username"], ADMIN);
    assert_eq!(s.counters().logins(), 1, "pre logged in lazily");
    // The hook futures are Send: generated calls can be spawned.
    let spawned = api.clone();
    tokio::spawn(async move { spawned.get_user_info().await.map(|_| ()) })
        .await
        .unwrap()
        .unwrap();

    s.expire_all_sessions();
    let created = api.create_api_token(&serde_json::json!({})).await.unwrap();
    assert!(created["apiToken"].is_string());
    assert_eq!(s.counters().logins(), 2);
    assert_eq!(s.counters().api_tokens_created, 1);
    assert_eq!(c.auth().stats().replays, 1);

    // Vendor errors come through typed, and convert into bi_rest::Error with the detail.
    let other = builder(&s)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .build()
        .unwrap();
    let err = typed(&other)
        .create_api_token(&serde_json::json!({"userId": "NOPE"}))
        .await
        .unwrap_err();
    let err = bi_rest::Error::from(err);
    assert!(err.status().is_some_and(|s| s.is_client_error()), "{err:?}");
    assert!(err.code().is_some_and(|c| c.starts_with("ERR")));
    c.close().await.unwrap();
    other.close().await.unwrap();
}

#[tokio::test]
async fn login_failure_in_pre_becomes_login_failed() {
    let s = default_sim().await;
    let c = builder(&s)
        .standard(ADMIN, Credential::value("wrong"))
        .build()
        .unwrap();
    let err = typed(&c).get_user_info().await.unwrap_err();
    assert!(matches!(err, progenitor_client::Error::Custom(_)));
    let err = bi_rest::Error::from(err);
    assert_eq!(err.kind(), ErrorKind::LoginFailed);
    assert_eq!(err.exit_code(), 3);
    assert!(err.message().contains("ERR003"), "{}", err.message());
}

#[tokio::test]
async fn delegated_expiry_through_generated_client_is_session_expired() {
    let s = default_sim().await;
    let identity = s.issue_identity_token(ADMIN).unwrap();
    let d = builder(&s)
        .identity_token(Credential::value(identity))
        .build()
        .unwrap();
    let api = typed(&d);
    api.get_user_info().await.unwrap();
    s.expire_all_sessions();
    // The server's 401 ERR009 comes back, marked: the conversion says "session expired".
    let err = api.get_user_info().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let err = bi_rest::Error::from(err);
    assert_eq!(err.kind(), ErrorKind::SessionExpired);
    assert_eq!(err.code(), Some("ERR009"));
    // The next call fails in `pre` without reaching the server's login.
    let err = bi_rest::Error::from(api.get_user_info().await.unwrap_err());
    assert_eq!(err.kind(), ErrorKind::SessionExpired);
    assert_eq!(s.counters().logins(), 1);
}

#[tokio::test]
async fn failed_relogin_hands_back_the_login_response() {
    let s = default_sim().await;
    let source = CountingSource::new(ADMIN_PASS);
    let c = builder(&s)
        .standard(ADMIN, Credential::source(source.clone()))
        .build()
        .unwrap();
    let api = typed(&c);
    api.get_user_info().await.unwrap();
    // The password is rotated on the server side only: the re-login fails.
    *source.value.lock().unwrap() = "rotated-wrong".to_string();
    s.expire_all_sessions();
    let err = api.get_user_info().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let err = bi_rest::Error::from(err);
    assert_eq!(err.kind(), ErrorKind::LoginFailed);
    assert_eq!(err.code(), Some("ERR003"), "the failed login's own answer");
    assert_eq!(s.counters().logins_failed, 1);
}

#[tokio::test]
async fn the_generated_login_operation_bypasses_the_session_machinery() {
    let s = default_sim().await;
    let c = admin(&s);
    let api = typed(&c);
    let r = api
        .post_login(&serde_json::json!({"loginMode": 1, "username": ADMIN, "password": ADMIN_PASS}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert!(r.headers().contains_key("x-mstr-authtoken"));
    assert_eq!(s.counters().logins(), 1, "only the caller's own login");
    assert_eq!(c.auth().stats().logins, 0, "the core did not log in first");
    let err = api
        .post_login(&serde_json::json!({"loginMode": 1, "username": ADMIN, "password": "x"}))
        .await
        .unwrap_err();
    assert_eq!(bi_rest::Error::from(err).kind(), ErrorKind::LoginFailed);
}
