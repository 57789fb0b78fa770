//! The MicroStrategy part of the demo: every login mode, project selection, typed calls
//! through the generated client, a server-side expiry met by 200 concurrent calls (exactly one
//! new login), save/restore of the session, logout.

use std::time::Duration;

use bi_rest::credentials::Credential;
use bi_rest::error::Error;
use bi_rest::generated::mstr::types;
use bi_rest::mstr::{MstrClient, ProjectRef};
use bi_rest::sim::mstr::{data, start, MstrSimConfig, RunningMstrSim};
use secrecy::ExposeSecret;

use super::report::{expect, Aborted, Reporter, VendorTotals};

const VENDOR: &str = "mstr";
/// Concurrent typed calls that meet the expired session.
pub const CONCURRENT_CALLS: usize = 200;

/// Runs the MicroStrategy section and records its closing numbers.
pub async fn run(rep: &mut Reporter) {
    rep.section(VENDOR, "MicroStrategy / Strategy One");
    let Ok(sim) = rep
        .step("start the MicroStrategy simulator", async {
            let sim = start(MstrSimConfig::default().seed(7))
                .await
                .map_err(sim_err)?;
            let url = sim.base_url();
            Ok((sim, format!("API root {url}")))
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
    let mut clients: Vec<MstrClient> = Vec::new();
    let mut renewals = 0u64;
    let _ = walk(rep, &sim, &mut clients, &mut renewals).await;
    // Whatever happened, end every session the demo opened.
    for client in &clients {
        let _ = client.close().await;
    }
    let _ = rep
        .step("no session left open on the server", async {
            let open = sim.open_sessions();
            expect(open == 0, || format!("{open} sessions still open"))?;
            Ok(((), "the simulator counts 0 open sessions".to_string()))
        })
        .await;
    let c = sim.counters();
    rep.totals(VendorTotals {
        vendor: VENDOR,
        logins: c.logins(),
        renewals,
        calls: c.calls,
        failures: rep.failures(VENDOR),
        open_sessions: c.open_sessions,
    });
    sim.shutdown().await;
}

fn sim_err(e: bi_rest::sim::SimError) -> Error {
    Error::new(bi_rest::error::ErrorKind::Other, e.to_string())
}

async fn walk(
    rep: &mut Reporter,
    sim: &RunningMstrSim,
    clients: &mut Vec<MstrClient>,
    renewals: &mut u64,
) -> Result<(), Aborted> {
    let base = sim.base_url();

    // Every login mode: log in, ask who we are, log out.
    let modes: Vec<(&str, MstrClient)> = vec![
        (
            "standard login (loginMode 1) as administrator",
            MstrClient::builder(&base)
                .standard("administrator", Credential::value("admin-pass"))
                .build()
                .map_err(|_| Aborted)?,
        ),
        (
            "LDAP login (loginMode 16) as ldapuser",
            MstrClient::builder(&base)
                .ldap("ldapuser", Credential::value("ldap-pass"))
                .build()
                .map_err(|_| Aborted)?,
        ),
        (
            "anonymous / guest login (loginMode 8)",
            MstrClient::builder(&base)
                .anonymous()
                .build()
                .map_err(|_| Aborted)?,
        ),
        (
            "API-token login (loginMode 4096)",
            MstrClient::builder(&base)
                .api_token(Credential::value(MstrSimConfig::DEFAULT_API_TOKEN))
                .build()
                .map_err(|_| Aborted)?,
        ),
    ];
    for (title, client) in modes {
        clients.push(client.clone());
        rep.step(title, login_whoami_logout(&client)).await?;
    }

    // Delegation: an identity token made by one session opens another.
    let admin = MstrClient::builder(&base)
        .standard("administrator", Credential::value("admin-pass"))
        .build()
        .map_err(|_| Aborted)?;
    clients.push(admin.clone());
    let token = rep
        .step(
            "create an identity token from an administrator session",
            async {
                admin.login().await?;
                let token = admin.create_identity_token().await?;
                Ok((
                    token,
                    "POST /auth/identityToken -> X-MSTR-IdentityToken".into(),
                ))
            },
        )
        .await?;
    let delegated = MstrClient::builder(&base)
        .identity_token(Credential::value(token.expose_secret()))
        .build()
        .map_err(|_| Aborted)?;
    clients.push(delegated.clone());
    rep.step(
        "delegate the identity token (/auth/delegate, loginMode -1)",
        async {
            let (_, detail) = login_whoami_logout(&delegated).await?;
            admin.close().await?;
            Ok(((), format!("{detail}; the issuing session logged out too")))
        },
    )
    .await?;

    // The main session of the walk-through.
    let client = MstrClient::builder(&base)
        .standard("administrator", Credential::value("admin-pass"))
        .build()
        .map_err(|_| Aborted)?;
    let main_index = clients.len();
    clients.push(client.clone());
    let api = client.typed();
    rep.step(
        "select the project \"MicroStrategy Tutorial\" by name",
        async {
            let id = client
                .select_project(ProjectRef::name("MicroStrategy Tutorial"))
                .await?;
            expect(id == data::TUTORIAL_PROJECT_ID, || {
                format!("unexpected project id {id}")
            })?;
            Ok((
                (),
                format!("X-MSTR-ProjectID: {id} on project-scoped calls"),
            ))
        },
    )
    .await?;

    rep.step("typed call: getProjects -> Vec<types::Project>", async {
        let projects: Vec<types::Project> = api
            .get_projects_1()
            .send()
            .await
            .map_err(typed_err)?
            .into_inner();
        let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
        expect(!projects.is_empty(), || "no projects".into())?;
        Ok((
            (),
            format!("{} projects: {}", projects.len(), names.join(", ")),
        ))
    })
    .await?;

    rep.step(
        "typed call: quick search for \"Revenue\" -> types::QuickSearchResult",
        async {
            let found = api
                .do_quick_search()
                .name("Revenue")
                .pattern(4)
                .limit(10)
                .send()
                .await
                .map_err(typed_err)?
                .into_inner();
            let names: Vec<String> = found.result.iter().filter_map(|o| o.name.clone()).collect();
            expect(!names.is_empty(), || "nothing found".into())?;
            Ok((
                (),
                format!(
                    "{} match(es): {}",
                    found.total_items.unwrap_or(names.len() as i32),
                    names.join(", ")
                ),
            ))
        },
    )
    .await?;

    rep.step(
        "typed call: run report \"Revenue by Region and Year\" and read a page of data",
        async {
            let created = api
                .create_report_instance_1()
                .id(data::REVENUE_REPORT_ID)
                .limit(5)
                .body(types::InstanceRequest::default())
                .send()
                .await
                .map_err(typed_err)?
                .into_inner();
            let types::CreateReportInstance1Response::Result(first) = created else {
                return Err(Error::new(
                    bi_rest::error::ErrorKind::Other,
                    "the report answered with a status, not data",
                ));
            };
            let instance = first.instance_id.clone().unwrap_or_default();
            let page = api
                .execute_report_1()
                .report_id(data::REVENUE_REPORT_ID)
                .report_instance(&instance)
                .offset(5)
                .limit(5)
                .send()
                .await
                .map_err(typed_err)?
                .into_inner();
            let data = first.data.unwrap_or_default();
            let total = data.paging.as_ref().and_then(|p| p.total).unwrap_or(0);
            let rows = data
                .metric_values
                .as_ref()
                .map(|m| m.formatted.len())
                .unwrap_or(0);
            let first_row = data
                .metric_values
                .as_ref()
                .and_then(|m| m.formatted.first().cloned())
                .unwrap_or_default();
            let page2 = match page {
                types::ExecuteReport1Response::Result(r) => r
                    .data
                    .and_then(|d| d.metric_values)
                    .map(|m| m.formatted.len())
                    .unwrap_or(0),
                types::ExecuteReport1Response::Status(_) => 0,
            };
            expect(rows > 0 && page2 > 0, || "no rows returned".into())?;
            Ok((
                (),
                format!(
                    "instance {instance}: {total} rows in all; page 1 has {rows} rows (first: {}), page 2 has {page2}",
                    first_row.join(" | ")
                ),
            ))
        },
    )
    .await?;

    rep.note("Now the server ends the session behind the client's back, as an idle timeout or a restart would.");
    rep.step("the server expires every session now", async {
        let n = sim.expire_all_sessions();
        expect(n >= 1, || "no session was open".into())?;
        Ok((
            (),
            format!("{n} session(s) expired; the next call gets 401 ERR009"),
        ))
    })
    .await?;

    let title = format!("{CONCURRENT_CALLS} concurrent typed calls meet the expired session");
    rep.step(&title, async {
        let before = sim.counters();
        let replays_before = client.auth().stats().replays;
        let calls = (0..CONCURRENT_CALLS).map(|_| {
            let api = api.clone();
            async move {
                api.get_user_info()
                    .send()
                    .await
                    .map(|r| r.into_inner())
            }
        });
        let results = futures::future::join_all(calls).await;
        let failed = results.iter().filter(|r| r.is_err()).count();
        let after = sim.counters();
        let new_logins = after.logins() - before.logins();
        let replays = client.auth().stats().replays - replays_before;
        *renewals += new_logins;
        expect(failed == 0, || {
            format!("{failed} of {CONCURRENT_CALLS} calls failed")
        })?;
        expect(new_logins == 1, || {
            format!("expected exactly 1 new login, the server saw {new_logins}")
        })?;
        Ok((
            (),
            format!(
                "{CONCURRENT_CALLS} ok, 0 failed; the server saw exactly {new_logins} new login, {} rejected calls, {replays} replays",
                after.rejected_calls - before.rejected_calls
            ),
        ))
    })
    .await?;

    let path = std::env::temp_dir().join(format!("bi-rest-demo-{}.json", std::process::id()));
    rep.step("save the session to a file (mode 0600)", async {
        client.save_session(&path).await?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0);
            expect(mode == 0o600, || {
                format!("file mode {mode:o}, expected 600")
            })?;
        }
        Ok((
            (),
            format!("{} (token, cookies, API root, project)", path.display()),
        ))
    })
    .await?;

    let restored = MstrClient::builder(&base).build().map_err(|_| Aborted)?;
    clients.push(restored.clone());
    let restore_result = rep
        .step("restore it in a fresh client (no new login)", async {
            let logins = sim.counters().logins();
            restored.restore_session(&path)?;
            let me = restored
                .typed()
                .get_user_info()
                .send()
                .await
                .map_err(typed_err)?
                .into_inner();
            let new = sim.counters().logins() - logins;
            expect(new == 0, || format!("{new} new login(s)"))?;
            expect(
                restored.project_id().as_deref() == Some(data::TUTORIAL_PROJECT_ID),
                || "the project did not travel with the session".into(),
            )?;
            Ok((
                (),
                format!(
                    "same session, same project; user {}",
                    me.username.unwrap_or_default()
                ),
            ))
        })
        .await;
    let _ = std::fs::remove_file(&path);
    restore_result?;
    // The original client handed its session over (saving it disables logout on drop).
    clients.remove(main_index);
    drop(api);
    drop(client);

    rep.step("log out", async {
        restored.close().await?;
        tokio::time::sleep(Duration::from_millis(10)).await;
        let open = sim.open_sessions();
        Ok((
            (),
            format!("POST /auth/logout; {open} session(s) open on the server"),
        ))
    })
    .await?;
    Ok(())
}

/// Logs in, reads the user through the generated client, logs out.
async fn login_whoami_logout(client: &MstrClient) -> Result<((), String), Error> {
    let info = client.login().await?;
    let me = client
        .typed()
        .get_user_info()
        .send()
        .await
        .map_err(typed_err)?
        .into_inner();
    client.close().await?;
    Ok((
        (),
        format!(
            "logged in as {} ({}), logged out",
            me.full_name
                .or(me.username)
                .unwrap_or_else(|| "?".to_string()),
            info.login_mode
        ),
    ))
}

/// A generated-client error as the crate's typed error (kind, vendor code, status).
fn typed_err(e: progenitor_client::Error<types::ErrorResponse>) -> Error {
    Error::from(e)
}
