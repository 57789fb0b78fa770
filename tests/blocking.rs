//! The blocking facade against the simulators: login, typed and raw calls, logout, with the
//! simulators' counters proving one login per client and no session left open.

use bi_rest::blocking;
use bi_rest::credentials::Credential;
use bi_rest::sim::all::{start_all, SimSet, Vendor};

fn sims() -> (tokio::runtime::Runtime, bi_rest::sim::all::RunningSims) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let set = SimSet::new()
        .vendor(Vendor::Mstr)
        .vendor(Vendor::Looker)
        .vendor(Vendor::AgileApps);
    let sims = rt.block_on(start_all(set)).unwrap();
    (rt, sims)
}

#[test]
fn blocking_mstr_login_typed_raw_expiry_logout() {
    let (_rt, sims) = sims();
    let sim = sims.mstr.as_ref().unwrap();
    let client = blocking::MstrClient::new(
        bi_rest::mstr::MstrClient::builder(sim.base_url())
            .standard("administrator", Credential::value("admin-pass")),
    )
    .unwrap();
    client.login().unwrap();
    let projects = client
        .api(|api| async move { api.get_projects_1().send().await })
        .unwrap();
    assert_eq!(projects.len(), 3);
    let me: serde_json::Value = client
        .send_json(reqwest::Method::GET, "/sessions/userInfo", None)
        .unwrap();
    assert_eq!(me["username"], "administrator");
    // An expired session is renewed once and the typed call replayed.
    sim.expire_all_sessions();
    let info = client
        .api(|api| async move { api.get_user_info().send().await })
        .unwrap();
    assert_eq!(info.username.as_deref(), Some("administrator"));
    assert_eq!(sim.counters().logins(), 2);
    // A typed error keeps its kind.
    let err = client
        .api(|api| async move { api.get_project().id("NOPE").send().await })
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    client.close().unwrap();
    assert_eq!(sim.open_sessions(), 0);
    // Drop logs out a client that was not closed.
    let other =
        blocking::MstrClient::new(bi_rest::mstr::MstrClient::builder(sim.base_url()).anonymous())
            .unwrap();
    other.login().unwrap();
    assert_eq!(sim.open_sessions(), 1);
    drop(other);
    assert_eq!(sim.open_sessions(), 0);
}

#[cfg(feature = "looker-4_0")]
#[test]
fn blocking_looker_login_typed_sudo_logout() {
    use bi_rest::sim::looker::{ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
    let (_rt, sims) = sims();
    let sim = sims.looker.as_ref().unwrap();
    let client = blocking::LookerClient::new(bi_rest::looker::LookerSettings::new(
        &sim.base_url(),
        Credential::value(ADMIN_CLIENT_ID),
        Credential::value(ADMIN_CLIENT_SECRET),
    ))
    .unwrap();
    let me = client
        .api(|api| async move { api.me().send().await })
        .unwrap();
    assert_eq!(me.id.as_deref(), Some("1"));
    let raw: serde_json::Value = client
        .send_json(reqwest::Method::GET, "user", None)
        .unwrap();
    assert_eq!(raw["id"], "1");
    let sudo = client.login_user("2").unwrap();
    assert_eq!(sudo.me().unwrap()["id"], "2");
    sudo.close().unwrap();
    client.close().unwrap();
    assert_eq!(sim.stats().logins, 1);
    assert_eq!(sim.stats().live_tokens, 0);
}

#[cfg(feature = "agileapps")]
#[test]
fn blocking_agileapps_login_records_proxy_logout() {
    use bi_rest::agileapps::{AgileAppsConfig, LoginMethod, Record, Search};
    let (_rt, sims) = sims();
    let sim = sims.agileapps.as_ref().unwrap();
    let mut client = blocking::AgileAppsClient::login(
        AgileAppsConfig::new(&sim.base_url()).unwrap(),
        LoginMethod::Password {
            user_name: "admin@acme.com".into(),
            password: Credential::value("admin-pw"),
        },
    )
    .unwrap();
    let id = client
        .add_record("case", &Record::from_pairs([("subject", "blocking")]))
        .unwrap();
    assert_eq!(
        client.get_record("case", &id, &[]).unwrap().get("subject"),
        Some("blocking")
    );
    assert_eq!(
        client
            .search_records("case", &Search::default())
            .unwrap()
            .record
            .len(),
        1
    );
    let raw = client
        .request(reqwest::Method::GET, "/networking/rest/user", &[])
        .unwrap();
    assert!(raw.status.is_success());
    client.proxy_login("u-jim").unwrap();
    assert_eq!(
        client.whoami().unwrap().user_name.as_deref(),
        Some("jim@acme.com")
    );
    client.switch_back().unwrap();
    client.close().unwrap();
    assert_eq!(sim.stats().open_sessions, 0);
    assert_eq!(
        sim.stats().logins(),
        2,
        "one password login, one proxy login"
    );
}
