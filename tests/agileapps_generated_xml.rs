//! The generator's typed XML functions (`bi_rest::generated::agileapps::xml::*_xml`) against the
//! AgileApps simulator: XML login and record CRUD through the client hooks (auth, re-login),
//! every field round-tripping through quick-xml.
#![cfg(all(feature = "agileapps", feature = "sim"))]

use std::collections::HashMap;

use bi_rest::agileapps::{self, AgileAppsConfig, LoginMethod};
use bi_rest::credentials::Credential;
use bi_rest::generated::agileapps::{types, xml, Client};
use bi_rest::sim::agileapps::{self as sim, AgileAppsSimConfig};

fn password() -> LoginMethod {
    LoginMethod::Password {
        user_name: "jim@acme.com".into(),
        password: Credential::Value("jim-pw".to_string().into()),
    }
}

fn code(m: &types::Message) -> i64 {
    match &m.code {
        types::MessageCode::Integer(i) => *i,
        types::MessageCode::String(s) => s.parse().unwrap(),
    }
}

#[tokio::test]
async fn typed_xml_record_crud_and_login_round_trip_every_field() {
    let s = sim::start(AgileAppsSimConfig::default()).await.unwrap();
    let config = AgileAppsConfig::new(&s.base_url()).unwrap();
    let auth = agileapps::auth(&config, password()).unwrap();
    let client = Client::with_auth(auth.clone());

    // Create: every field (markup characters included) goes out as XML elements.
    let fields: HashMap<String, String> = [
        ("subject", "Printer <on fire> & smoking"),
        ("status", "open"),
        ("priority", "1"),
        ("description", "line one \"quoted\" 'single'"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let created = xml::add_record_xml(
        &client,
        "case",
        None,
        &types::RecordRequest {
            record: types::Record {
                id: None,
                extra: fields.clone(),
            },
        },
    )
    .await
    .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let message = created.into_inner().message;
    assert_eq!(code(&message), 0);
    let id = message.id.expect("new record id");
    let stored = &s.records("t1", "case")[&id];
    for (k, v) in &fields {
        assert_eq!(stored.get(k), Some(v), "{k}");
    }

    // Read: every field comes back, parsed from XML into the generated `Record`.
    let got = xml::get_record_xml(&client, "case", &id, None, Some("*"))
        .await
        .unwrap()
        .into_inner()
        .record
        .expect("record element");
    assert_eq!(got.id.as_deref(), Some(id.as_str()));
    for (k, v) in &fields {
        assert_eq!(got.extra.get(k), Some(v), "{k}");
    }

    // Update, then search: the change is visible in the XML list.
    let mut changed = fields.clone();
    changed.insert("status".into(), "closed".into());
    let updated = xml::update_record_xml(
        &client,
        "case",
        &id,
        None,
        &types::RecordRequest {
            record: types::Record {
                id: None,
                extra: changed.clone(),
            },
        },
    )
    .await
    .unwrap();
    assert_eq!(code(&updated.into_inner().message), 0);
    let list = xml::search_records_xml(&client, "case", None, Some("*"), None, None, None, None)
        .await
        .unwrap()
        .into_inner();
    let listed = list
        .record
        .iter()
        .find(|r| r.id.as_deref() == Some(id.as_str()));
    let listed = listed.expect("record in the list");
    for (k, v) in &changed {
        assert_eq!(listed.extra.get(k), Some(v), "{k}");
    }

    // Expired session: the hooks log in again once and replay the XML call.
    s.expire_all_sessions();
    xml::get_record_xml(&client, "case", &id, None, None)
        .await
        .unwrap();
    assert_eq!(s.stats().logins_password, 2);

    // Delete; a second read is the typed XML error body (code -200, 404).
    let deleted = xml::delete_record_xml(&client, "case", &id, None)
        .await
        .unwrap();
    assert_eq!(code(&deleted.into_inner().message), 0);
    match xml::get_record_xml(&client, "case", &id, None, None).await {
        Err(progenitor_client::Error::ErrorResponse(body)) => {
            assert_eq!(body.status().as_u16(), 404);
            assert_eq!(code(&body.message), -200);
        }
        other => panic!("expected the XML error body, got {other:?}"),
    }
    assert!(!s.records("t1", "case").contains_key(&id));

    // Login with the typed XML body; the answer's user fields are parsed from XML (the
    // hooks' `pre` ran first on the open session: 1 + 1 re-login + this one = 3 logins).
    let login = xml::login_xml(
        &client,
        None,
        &types::PasswordLoginRequest {
            login: types::PasswordLogin {
                user_name: "jim@acme.com".into(),
                password: "jim-pw".into(),
            },
        },
    )
    .await
    .unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let info = login.into_inner().login.expect("login element");
    assert_eq!(info.user_name.as_deref(), Some("jim@acme.com"));
    assert_eq!(info.email.as_deref(), Some("jim@acme.com"));
    assert_eq!(info.is_force_change_password, Some(false));
    assert_eq!(info.organization_id.as_deref(), Some("t1"));
    let sid = info.session_id.clone().expect("sessionId");
    assert_eq!(info.cookie_string, Some(format!("JSESSIONID={sid}")));
    let app = info.starting_app_id.expect("startingAppId");
    assert!(app
        .uri
        .as_deref()
        .unwrap()
        .contains("/networking/rest/application/"));
    assert!(app
        .uri
        .as_deref()
        .unwrap()
        .ends_with(app.value.as_deref().unwrap()));
    assert_eq!(s.stats().logins_password, 3);

    auth.close().await.unwrap();
    assert_eq!(s.stats().logouts, 1);
}
#[test]
fn typed_xml_helpers_round_trip_the_platform_envelope() {
    let v = types::LoginResponse {
        login: Some(types::LoginInfo {
            user_id: Some("u1".into()),
            email: Some("a@b.c".into()),
            user_name: Some("a@b.c".into()),
            first_name: Some("A & B".into()),
            last_name: Some("<C>".into()),
            is_force_change_password: Some(true),
            organization_name: Some("Org".into()),
            organization_id: Some("t1".into()),
            time_zone: Some("12".into()),
            primary_team_id: Some("1".into()),
            employee_number: Some("E-7".into()),
            session_id: Some("s".into()),
            cookie_string: Some("JSESSIONID=s".into()),
            starting_app_id: Some(types::StartingAppId {
                type_: Some("app".into()),
                uri: Some("https://h/app/9".into()),
                display_value: Some("Desk".into()),
                value: Some("9".into()),
            }),
            user_locale: Some("en".into()),
            user_date_format: Some("MM/dd/yyyy".into()),
        }),
        message: Some(types::Message {
            code: types::MessageCode::Integer(0),
            description: Some("Success".into()),
            id: None,
        }),
    };
    let text = xml::to_xml(&v, "LoginResponse").unwrap();
    assert!(text.starts_with("<platform><login>"), "{text}");
    assert!(
        text.contains(r#"<startingAppId type="app" uri="https://h/app/9" displayValue="Desk">9</startingAppId>"#),
        "{text}"
    );
    assert!(text.contains("<firstName>A &amp; B</firstName>"), "{text}");
    let back: types::LoginResponse = xml::from_xml(text.as_bytes(), "LoginResponse").unwrap();
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        serde_json::to_value(&v).unwrap()
    );
}
