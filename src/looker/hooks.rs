//! `ClientHooks<crate::auth::Auth>` for the generated Looker 3.0 / 3.1 / 4.0 clients.
//!
//! - `pre`: for the `login` operation, `client_id` / `client_secret` that the spec declares as
//!   query parameters are moved into an `application/x-www-form-urlencoded` body, as the real
//!   server expects, so a secret never travels in a URL; then the auth core makes sure a
//!   session exists. A raw body (a media type progenitor sends as bytes) gets the spec's
//!   Content-Type from the generated table (`raw_body_content_type`).
//! - `exec`: the auth core (token header, single-flight re-login + one replay on 401, bounded
//!   429 retries), then the generated table's `null_for_empty_body` so an empty 2xx/4xx body of
//!   an operation that declares one decodes as `None`.

#[cfg(any(feature = "looker-3_0", feature = "looker-3_1", feature = "looker-4_0"))]
use reqwest::header::{HeaderValue, CONTENT_TYPE};

/// Moves `client_id` / `client_secret` from the URL query into a form body (login operation).
/// Returns whether anything was moved.
#[cfg(any(feature = "looker-3_0", feature = "looker-3_1", feature = "looker-4_0"))]
pub(crate) fn credentials_out_of_url(request: &mut reqwest::Request) -> bool {
    let pairs: Vec<(String, String)> = request.url().query_pairs().into_owned().collect();
    let (creds, rest): (Vec<_>, Vec<_>) = pairs
        .into_iter()
        .partition(|(k, _)| k == "client_id" || k == "client_secret");
    if creds.is_empty() {
        return false;
    }
    let url = request.url_mut();
    if rest.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(rest);
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(creds)
        .finish();
    *request.body_mut() = Some(body.into());
    request.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    true
}

macro_rules! looker_hooks {
    ($feature:literal, $module:ident) => {
        #[cfg(feature = $feature)]
        impl progenitor_client::ClientHooks<crate::auth::Auth>
            for crate::generated::$module::Client
        {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), progenitor_client::Error<E>> {
                if info.operation_id == "login" {
                    credentials_out_of_url(request);
                }
                crate::generated::$module::operations::raw_body_content_type(
                    info.operation_id,
                    request,
                );
                let auth = <crate::generated::$module::Client as progenitor_client::ClientInfo<
                    crate::auth::Auth,
                >>::inner(self);
                crate::auth::hooks::pre::<E>(auth, request, info).await
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                let auth = <crate::generated::$module::Client as progenitor_client::ClientInfo<
                    crate::auth::Auth,
                >>::inner(self);
                let response = crate::auth::hooks::exec(auth, request, info).await?;
                crate::generated::$module::operations::null_for_empty_body(
                    info.operation_id,
                    response,
                )
                .await
            }
        }
    };
}

looker_hooks!("looker-3_0", looker_3_0);
looker_hooks!("looker-3_1", looker_3_1);
looker_hooks!("looker-4_0", looker_4_0);

#[cfg(all(test, feature = "looker-4_0"))]
mod tests {
    use super::*;

    #[test]
    fn login_credentials_move_to_the_body() {
        let mut req = reqwest::Request::new(
            reqwest::Method::POST,
            "http://127.0.0.1:1/api/4.0/login?client_id=id&client_secret=s%26cret&x=1"
                .parse()
                .unwrap(),
        );
        assert!(credentials_out_of_url(&mut req));
        assert_eq!(req.url().query(), Some("x=1"));
        let body = req.body().and_then(|b| b.as_bytes()).unwrap();
        assert_eq!(body, b"client_id=id&client_secret=s%26cret");
        assert_eq!(
            req.headers().get(CONTENT_TYPE).unwrap(),
            "application/x-www-form-urlencoded"
        );
    }
}
