//! The generated MicroStrategy client (`bi_rest::generated::mstr`, from specs/mstr) through the
//! auth hooks, against the simulator: lazy login, token + cookie + project header, re-login
//! and replay, vendor errors converted with their detail.
#![cfg(all(feature = "mstr", feature = "sim"))]

mod common_mstr;

use bi_rest::credentials::Credential;
use bi_rest::error::ErrorKind;
use bi_rest::sim::mstr::data::TUTORIAL_PROJECT_ID;
use common_mstr::*;

#[tokio::test]
async fn generated_client_through_the_auth_core() {
    let s = default_sim().await;
    let c = builder(&s)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .project_id(TUTORIAL_PROJECT_ID)
        .build()
        .unwrap();
    let api = c.typed();
    // X-MSTR-AuthToken and X-MSTR-ProjectID are session headers: the generator leaves them
    // out of the signatures and the auth core sends them.
    let me = api.get_user_info().send().await.unwrap();
    assert_eq!(me.username.as_deref(), Some(ADMIN));
    assert_eq!(s.counters().logins(), 1);
    let projects = api.get_projects_1().send().await.unwrap();
    assert!(format!("{:?}", projects.into_inner()).contains(TUTORIAL_PROJECT_ID));

    s.expire_all_sessions();
    let token = api.create_api_token().send().await.unwrap();
    assert!(!token.api_token.is_empty());
    assert_eq!(s.counters().logins(), 2);
    assert_eq!(s.counters().api_tokens_created, 1);
    assert_eq!(c.auth().stats().replays, 1);

    // A vendor error converts into bi_rest::Error with code and ticket: an unknown project.
    c.auth()
        .set_header("X-MSTR-ProjectID", "00000000000000000000000000000000")
        .unwrap();
    let err = api.get_folders().send().await.unwrap_err();
    let err = bi_rest::Error::from_progenitor(err).await;
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::NotFound, Some("ERR004"))
    );
    assert!(err.ticket_id().is_some());
    c.close().await.unwrap();
    assert_eq!(s.open_sessions(), 0);
}
