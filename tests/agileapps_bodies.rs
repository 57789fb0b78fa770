//! XML and JSON bodies of the AgileApps models round-trip every field.

use bi_rest::agileapps::xml::*;

fn full_login() -> LoginResponse {
    LoginResponse {
        login: Some(LoginInfo {
            user_id: Some("qwe123rty456".into()),
            email: Some("jim@acme.com".into()),
            user_name: Some("jim@acme.com".into()),
            first_name: Some("Jim".into()),
            is_force_change_password: Some(true),
            last_name: Some("Acme & Sons <Ltd>".into()),
            organization_name: Some("Acme Inc.".into()),
            organization_id: Some("473474".into()),
            time_zone: Some("12".into()),
            primary_team_id: Some("1".into()),
            employee_number: Some("E-7".into()),
            session_id: Some("xyz789uio987".into()),
            cookie_string: Some("JSESSIONID=xyz789uio987".into()),
            starting_app_id: Some(StartingAppId {
                kind: Some("app".into()),
                uri: Some("https://h/networking/rest/application/446yyt677wwz".into()),
                display_value: Some("Service Desk".into()),
                value: "446yyt677wwz".into(),
            }),
            user_locale: Some("en".into()),
            user_date_format: Some("MM/dd/yyyy".into()),
        }),
        message: Some(Message {
            code: Code(0),
            description: Some("Success".into()),
            id: None,
        }),
    }
}

#[test]
fn login_response_round_trips_every_field_in_xml() {
    let v = full_login();
    let xml = to_xml(&v).unwrap();
    assert!(
        xml.starts_with("<platform><login><userId>qwe123rty456</userId>"),
        "{xml}"
    );
    assert!(xml.contains(r#"<startingAppId type="app" uri="https://h/networking/rest/application/446yyt677wwz" displayValue="Service Desk">446yyt677wwz</startingAppId>"#), "{xml}");
    assert!(xml.contains("<isForceChangePassword>true</isForceChangePassword>"));
    assert!(xml.contains("<message><code>0</code><description>Success</description></message>"));
    let back: LoginResponse = from_xml(xml.as_bytes()).unwrap();
    assert_eq!(back, v);
}

#[test]
fn login_response_round_trips_every_field_in_json() {
    let v = full_login();
    let json = to_json(&v).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["platform"]["message"]["code"], "0");
    assert_eq!(value["platform"]["login"]["isForceChangePassword"], "true");
    assert_eq!(
        value["platform"]["login"]["startingAppId"]["displayValue"],
        "Service Desk"
    );
    assert_eq!(
        value["platform"]["login"]["startingAppId"]["value"],
        "446yyt677wwz"
    );
    let back: LoginResponse = from_json(json.as_bytes()).unwrap();
    assert_eq!(back, v);
}

#[test]
fn documented_login_sample_parses() {
    // Shape of the sample on the "REST API:login Resource" page (values ours).
    let xml = r#"<platform>
  <login>
     <userId>u1</userId><email>a@b.c</email><userName>a@b.c</userName><firstName>A</firstName>
     <isForceChangePassword>false</isForceChangePassword><lastName>B</lastName>
     <organizationName>Org</organizationName><organizationId>9</organizationId>
     <timeZone>12</timeZone><primaryTeamId>1</primaryTeamId><employeeNumber></employeeNumber>
     <sessionId>s1</sessionId><cookieString>JSESSIONID=s1</cookieString>
     <startingAppId type="" uri="https://x/networking/rest/application/a1" displayValue="">a1</startingAppId>
     <userLocale>en</userLocale><userDateFormat>MM/dd/yyyy</userDateFormat>
  </login>
  <message><code>0</code><description>Success</description></message>
</platform>"#;
    let v: LoginResponse = from_xml(xml.as_bytes()).unwrap();
    let login = v.login.unwrap();
    assert_eq!(login.user_id.as_deref(), Some("u1"));
    assert_eq!(login.is_force_change_password, Some(false));
    assert_eq!(login.starting_app_id.unwrap().value, "a1");
    assert_eq!(v.message.unwrap().code, Code(0));
}

#[test]
fn json_numbers_and_booleans_are_accepted() {
    let json = br#"{"platform":{"login":{"userId":"u","isForceChangePassword":false,"timeZone":12},"message":{"code":0,"description":"Success"}}}"#;
    let v: LoginResponse = from_json(json).unwrap();
    let login = v.login.unwrap();
    assert_eq!(login.is_force_change_password, Some(false));
    assert_eq!(login.time_zone.as_deref(), Some("12"));
    assert_eq!(v.message.unwrap().code, Code(0));
}

#[test]
fn request_bodies_round_trip_in_both_forms() {
    let pw = PasswordLoginRequest {
        login: PasswordLogin {
            user_name: "jim@acme.com".into(),
            password: "p<&>w".into(),
        },
    };
    let xml = to_xml(&pw).unwrap();
    assert_eq!(
        xml,
        "<platform><login><userName>jim@acme.com</userName><password>p&lt;&amp;&gt;w</password></login></platform>"
    );
    for f in [Format::Xml, Format::Json] {
        let s = encode(&pw, f).unwrap();
        assert_eq!(decode::<PasswordLoginRequest>(s.as_bytes(), f).unwrap(), pw);
    }
    let cs = CustomerSupportLoginRequest {
        login: CustomerSupportLogin {
            user_name: "support".into(),
            password: "pw".into(),
            client_tenant_id: "t-42".into(),
        },
    };
    let px = ProxyLoginRequest {
        login: ProxyLogin {
            proxy_user_id: "u-7".into(),
        },
    };
    let saml = SamlLoginRequest {
        login: SamlLogin {
            saml_assertion: "<saml:Assertion ID=\"a\">x</saml:Assertion>".into(),
        },
    };
    for f in [Format::Xml, Format::Json] {
        assert_eq!(
            decode::<CustomerSupportLoginRequest>(encode(&cs, f).unwrap().as_bytes(), f).unwrap(),
            cs
        );
        assert_eq!(
            decode::<ProxyLoginRequest>(encode(&px, f).unwrap().as_bytes(), f).unwrap(),
            px
        );
        assert_eq!(
            decode::<SamlLoginRequest>(encode(&saml, f).unwrap().as_bytes(), f).unwrap(),
            saml
        );
    }
    // The SAML token in a CDATA section reads back verbatim.
    let cdata = "<platform><login><samlAssertion><![CDATA[<saml:Assertion ID=\"a\">x</saml:Assertion>]]></samlAssertion></login></platform>";
    assert_eq!(
        from_xml::<SamlLoginRequest>(cdata.as_bytes()).unwrap(),
        saml
    );
}

#[test]
fn records_round_trip_in_both_forms() {
    let list = RecordListResponse {
        record: vec![
            Record::from_pairs([("id", "1"), ("name", "Acme"), ("city", "Zürich & Co")]),
            Record::from_pairs([("id", "2"), ("name", "Beta"), ("status", "open")]),
        ],
        message: Some(Message {
            code: Code(0),
            description: Some("Success".into()),
            id: None,
        }),
        record_count: Some(2),
    };
    for f in [Format::Xml, Format::Json] {
        let s = encode(&list, f).unwrap();
        assert_eq!(
            decode::<RecordListResponse>(s.as_bytes(), f).unwrap(),
            list,
            "{s}"
        );
    }
    let xml = to_xml(&list).unwrap();
    assert!(
        xml.contains("<record><city>Zürich &amp; Co</city><id>1</id><name>Acme</name></record>"),
        "{xml}"
    );
    assert!(
        xml.ends_with("<recordCount>2</recordCount></platform>"),
        "{xml}"
    );

    let one = RecordRequest {
        record: Record::from_pairs([("name", "Gamma"), ("amount", "12.50")]),
    };
    for f in [Format::Xml, Format::Json] {
        let s = encode(&one, f).unwrap();
        assert_eq!(decode::<RecordRequest>(s.as_bytes(), f).unwrap(), one);
    }
    let created = MessageResponse {
        message: Message {
            code: Code(0),
            description: Some("Record added successfully".into()),
            id: Some("77".into()),
        },
    };
    for f in [Format::Xml, Format::Json] {
        let s = encode(&created, f).unwrap();
        assert_eq!(decode::<MessageResponse>(s.as_bytes(), f).unwrap(), created);
    }
}

#[test]
fn single_record_as_json_object_reads_as_one_element_list() {
    let json = br#"{"platform":{"record":{"id":"1","name":"A"},"recordCount":"1","message":{"code":"0","description":"Success"}}}"#;
    let v: RecordListResponse = from_json(json).unwrap();
    assert_eq!(v.record.len(), 1);
    assert_eq!(v.record[0].get("name"), Some("A"));
    assert_eq!(v.record_count, Some(1));
}

#[test]
fn error_bodies_in_both_forms() {
    let xml = b"<platform><message><code>-200</code><description>Invalid object name</description></message></platform>";
    let json = br#"{"platform":{"message":{"code":"-200","description":"Invalid object name"}}}"#;
    let a: MessageResponse = from_xml(xml).unwrap();
    let b: MessageResponse = from_json(json).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.message.code, Code(-200));
}

#[test]
fn debug_redacts_secrets() {
    let v = full_login();
    let dbg = format!("{v:?}");
    assert!(!dbg.contains("xyz789uio987"), "{dbg}");
    let pw = PasswordLogin {
        user_name: "jim".into(),
        password: "hunter2".into(),
    };
    assert!(!format!("{pw:?}").contains("hunter2"));
    let saml = SamlLogin {
        saml_assertion: "ASSERTION-SECRET".into(),
    };
    assert!(!format!("{saml:?}").contains("ASSERTION-SECRET"));
}

#[test]
fn message_with_bare_text_code_parses() {
    // The older sample: `<message>0<description>Success</description></message>`.
    let xml = b"<platform><message>\n    0\n    <description>Success</description>\n </message></platform>";
    let m: MessageResponse = from_xml(xml).unwrap();
    assert_eq!(m.message.code, Code(0));
    assert_eq!(m.message.description.as_deref(), Some("Success"));
}
