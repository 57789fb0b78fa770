//! The AgileApps part of the demo: XML login, typed XML record calls (the session layer's
//! models and the generated client on the same auth core), proxy login as another user and
//! switch back, logout.

use bi_rest::agileapps::xml::{self, RecordListResponse};
use bi_rest::agileapps::{AgileAppsClient, AgileAppsConfig, LoginMethod, Record, Search};
use bi_rest::credentials::Credential;
use bi_rest::error::{Error, ErrorKind};
use bi_rest::generated::agileapps::Client as GeneratedClient;
use bi_rest::sim::agileapps::{self as sim, AgileAppsSimConfig};
use futures::TryStreamExt;

use super::report::{expect, Aborted, Reporter, VendorTotals};

const VENDOR: &str = "agileapps";

/// Runs the AgileApps section and records its closing numbers.
pub async fn run(rep: &mut Reporter) {
    rep.section(VENDOR, "AgileApps Cloud");
    let Ok(sim) = rep
        .step("start the AgileApps simulator", async {
            let sim = sim::start(AgileAppsSimConfig::default())
                .await
                .map_err(|e| Error::new(ErrorKind::Other, e.to_string()))?;
            sim.seed_record(
                "t1",
                "account",
                &[("name", "Acme Rockets"), ("city", "Tucson")],
            );
            sim.seed_record(
                "t1",
                "account",
                &[("name", "Acme Anvils"), ("city", "Phoenix")],
            );
            let url = sim.base_url();
            Ok((sim, format!("platform {url} (API under /networking/rest)")))
        })
        .await
    else {
        rep.totals(VendorTotals {
            vendor: VENDOR,
            failures: rep.failures(VENDOR),
            ..VendorTotals::default()
        });
        return;
    };
    let mut open: Option<AgileAppsClient> = None;
    let _ = walk(rep, &sim, &mut open).await;
    if let Some(client) = open.take() {
        let _ = client.close().await;
    }
    let _ = rep
        .step("no session left open on the server", async {
            let n = sim.stats().open_sessions;
            expect(n == 0, || format!("{n} sessions still open"))?;
            Ok(((), "the simulator counts 0 open sessions".to_string()))
        })
        .await;
    let s = sim.stats();
    rep.totals(VendorTotals {
        vendor: VENDOR,
        logins: s.logins(),
        renewals: 0,
        calls: s.calls,
        failures: rep.failures(VENDOR),
        open_sessions: s.open_sessions as u64,
    });
    sim.shutdown().await;
}

fn password(user: &str, pw: &str) -> LoginMethod {
    LoginMethod::Password {
        user_name: user.to_string(),
        password: Credential::value(pw),
    }
}

async fn walk(
    rep: &mut Reporter,
    sim: &sim::AgileAppsSim,
    open: &mut Option<AgileAppsClient>,
) -> Result<(), Aborted> {
    let config = AgileAppsConfig::new(&sim.base_url()).map_err(|_| Aborted)?;
    let client = rep
        .step(
            "XML login as admin@acme.com (POST /networking/rest/login)",
            async {
                let client =
                    AgileAppsClient::login(config.clone(), password("admin@acme.com", "admin-pw"))
                        .await?;
                let me = client
                    .whoami()
                    .ok_or_else(|| Error::new(ErrorKind::Other, "no session after login"))?;
                Ok((
                    client,
                    format!(
                    "<platform><login> answered: user {} in tenant {}; session cookie JSESSIONID",
                    me.user_name.unwrap_or_default(),
                    me.organization_id.unwrap_or_default()
                ),
                ))
            },
        )
        .await?;
    *open = Some(client.clone());

    let id = rep
        .step("typed XML: add a case record", async {
            let record = Record::from_pairs([("subject", "Printer on fire"), ("priority", "high")]);
            let id = client.add_record("case", &record).await?;
            Ok((
                id.clone(),
                format!("POST record/case with <platform><record> -> id {id}"),
            ))
        })
        .await?;
    rep.step("typed XML: read, update and read back the record", async {
        client
            .update_record("case", &id, &Record::from_pairs([("priority", "low")]))
            .await?;
        let back = client.get_record("case", &id, &[]).await?;
        expect(back.get("priority") == Some("low"), || {
            format!("priority is {:?} after the update", back.get("priority"))
        })?;
        Ok((
            (),
            format!(
                "subject \"{}\", priority now \"{}\"",
                back.get("subject").unwrap_or_default(),
                back.get("priority").unwrap_or_default()
            ),
        ))
    })
    .await?;
    rep.step(
        "typed XML: search accounts with a filter and a field list",
        async {
            let found = client
                .search_records(
                    "account",
                    &Search {
                        field_list: vec!["name".into(), "city".into()],
                        filter: Some("name contains 'Acme'".into()),
                        ..Search::default()
                    },
                )
                .await?;
            let names: Vec<&str> = found.record.iter().filter_map(|r| r.get("name")).collect();
            expect(!names.is_empty(), || "no accounts found".into())?;
            Ok((
                (),
                format!("{} accounts: {}", names.len(), names.join(", ")),
            ))
        },
    )
    .await?;
    rep.step(
        "generated client on the auth core: search_records(\"account\") as XML",
        async {
            let auth = bi_rest::agileapps::auth(&config, password("jim@acme.com", "jim-pw"))?;
            let generated = GeneratedClient::with_auth(auth.clone());
            let body = generated
                .search_records()
                .object("account")
                .send()
                .await
                .map_err(Error::from)?
                .into_inner()
                .into_inner()
                .try_collect::<Vec<bytes::Bytes>>()
                .await
                .map_err(Error::from_reqwest)?
                .concat();
            let list: RecordListResponse =
                xml::from_xml(&body).map_err(|e| Error::new(ErrorKind::Decode, e.to_string()))?;
            auth.close().await?;
            Ok((
                (),
                format!(
                    "{} records decoded from <platform> XML; that session logged out",
                    list.record.len()
                ),
            ))
        },
    )
    .await?;
    rep.step("delete the record", async {
        client.delete_record("case", &id).await?;
        Ok(((), format!("DELETE record/case/{id}")))
    })
    .await?;

    rep.step("proxy login as jim (u-jim)", async {
        let me = client.proxy_login("u-jim").await?;
        let stack: Vec<String> = client
            .stack()
            .iter()
            .map(|i| i.user_name.clone().unwrap_or_default())
            .collect();
        expect(me.user_name.as_deref() == Some("jim@acme.com"), || {
            format!("proxy session is {:?}", me.user_name)
        })?;
        Ok((
            (),
            format!(
                "calls now run as jim; session stack [{}]",
                stack.join(" > ")
            ),
        ))
    })
    .await?;
    rep.step("a call as jim, then switch back", async {
        let found = client.search_records("case", &Search::default()).await?;
        let back = client.switch_back().await?;
        expect(back.user_name.as_deref() == Some("admin@acme.com"), || {
            format!("switched back to {:?}", back.user_name)
        })?;
        Ok((
            (),
            format!(
                "jim sees {} cases; back to {} (stack depth {})",
                found.record.len(),
                back.user_name.unwrap_or_default(),
                back.depth
            ),
        ))
    })
    .await?;
    rep.step("log out (GET /networking/rest/logout)", async {
        if let Some(client) = open.take() {
            client.close().await?;
        }
        Ok((
            (),
            format!(
                "{} session(s) open on the server",
                sim.stats().open_sessions
            ),
        ))
    })
    .await?;
    Ok(())
}
