//! The Looker part of the demo: client-credentials login, typed calls through the generated
//! 4.0 client, sudo as another user and back, token expiry met by concurrent calls (exactly
//! one renewal), a validation error as the typed error a program matches on, logout.

use bi_rest::credentials::Credential;
use bi_rest::error::{Error, ErrorKind};
use bi_rest::looker::{LookerClient, LookerSettings};
use bi_rest::sim::looker::{self as sim, LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
use futures::TryStreamExt;

use super::report::{error_detail, expect, Aborted, Reporter, VendorTotals};

const VENDOR: &str = "looker";
/// Concurrent typed calls that meet the expired token.
pub const CONCURRENT_CALLS: usize = 200;

/// Runs the Looker section and records its closing numbers.
pub async fn run(rep: &mut Reporter) {
    rep.section(VENDOR, "Looker (API 4.0)");
    let Ok(sim) = rep
        .step("start the Looker simulator", async {
            let sim = sim::start(LookerSimConfig::default())
                .await
                .map_err(|e| Error::new(ErrorKind::Other, format!("simulator: {e}")))?;
            let url = sim.base_url();
            Ok((sim, format!("server {url} (API root {url}/api/4.0)")))
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
    let mut clients: Vec<LookerClient> = Vec::new();
    let mut renewals = 0u64;
    let _ = walk(rep, &sim, &mut clients, &mut renewals).await;
    for client in &clients {
        let _ = client.close().await;
    }
    let _ = rep
        .step("no token left alive on the server", async {
            let live = sim.stats().live_tokens;
            expect(live == 0, || format!("{live} tokens still alive"))?;
            Ok(((), "the simulator counts 0 live tokens".to_string()))
        })
        .await;
    let s = sim.stats();
    rep.totals(VendorTotals {
        vendor: VENDOR,
        logins: s.logins + s.sudo_logins,
        renewals,
        calls: s.calls,
        failures: rep.failures(VENDOR),
        open_sessions: s.live_tokens,
    });
    sim.shutdown();
}

async fn walk(
    rep: &mut Reporter,
    sim: &sim::LookerSim,
    clients: &mut Vec<LookerClient>,
    renewals: &mut u64,
) -> Result<(), Aborted> {
    let settings = LookerSettings::new(
        &sim.base_url(),
        Credential::value(ADMIN_CLIENT_ID),
        Credential::value(ADMIN_CLIENT_SECRET),
    );
    let admin = LookerClient::new(settings).map_err(|_| Aborted)?;
    clients.push(admin.clone());
    let api = admin.generated_4_0();

    rep.step("client-credentials login (POST /login, form body)", async {
        admin.login().await?;
        let seen = sim.last_login();
        let form = seen
            .as_ref()
            .and_then(|s| s.content_type.clone())
            .unwrap_or_default();
        let query = seen.and_then(|s| s.query);
        expect(query.is_none(), || {
            "credentials travelled in the URL".into()
        })?;
        Ok((
            (),
            format!("{form}; nothing in the URL; Authorization: token <access_token> from now on"),
        ))
    })
    .await?;

    rep.step("typed call: me() -> types::User", async {
        let me = api.me().send().await.map_err(Error::from)?.into_inner();
        let auth = sim.last_authorization().unwrap_or_default();
        expect(auth.starts_with("token "), || {
            "no `Authorization: token` header".into()
        })?;
        Ok((
            (),
            format!(
                "user {} \"{}\"",
                me.id.unwrap_or_default(),
                me.display_name.unwrap_or_default()
            ),
        ))
    })
    .await?;

    rep.step(
        "typed calls: all_users(), dashboard(\"1\"), run_look(\"1\", \"csv\")",
        async {
            let users = api
                .all_users()
                .send()
                .await
                .map_err(Error::from)?
                .into_inner();
            let dashboard = api
                .dashboard()
                .dashboard_id("1")
                .send()
                .await
                .map_err(Error::from)?
                .into_inner();
            let csv = api
                .run_look()
                .look_id("1")
                .result_format("csv")
                .send()
                .await
                .map_err(Error::from)?
                .into_inner()
                .into_inner()
                .try_collect::<Vec<bytes::Bytes>>()
                .await
                .map_err(Error::from_reqwest)?
                .concat();
            let lines = String::from_utf8_lossy(&csv).lines().count();
            Ok((
                (),
                format!(
                    "{} users; dashboard \"{}\"; look 1 as CSV: {lines} lines",
                    users.len(),
                    dashboard.title.unwrap_or_default()
                ),
            ))
        },
    )
    .await?;

    let sudo = rep
        .step("sudo as user 2 (POST /login/2)", async {
            let sudo = admin.login_user("2").await?;
            let me = sudo
                .generated_4_0()
                .me()
                .send()
                .await
                .map_err(Error::from)?
                .into_inner();
            expect(me.id.as_deref() == Some("2"), || {
                format!("sudo acts as {:?}", me.id)
            })?;
            let detail = format!(
                "now acting as user 2 \"{}\"",
                me.display_name.unwrap_or_default()
            );
            Ok((sudo, detail))
        })
        .await?;
    clients.push(sudo.clone());
    rep.step("end sudo and carry on as the admin", async {
        sudo.close().await?;
        let me = api.me().send().await.map_err(Error::from)?.into_inner();
        expect(me.id.as_deref() == Some("1"), || {
            format!("admin session acts as {:?}", me.id)
        })?;
        Ok((
            (),
            format!(
                "sudo token logged out; the admin session is still user 1 \"{}\"",
                me.display_name.unwrap_or_default()
            ),
        ))
    })
    .await?;

    rep.step("the server expires every token now", async {
        sim.expire_all();
        Ok(((), "the next call gets 401".to_string()))
    })
    .await?;

    let title = format!("{CONCURRENT_CALLS} concurrent typed calls meet the expired token");
    rep.step(&title, async {
        let before = sim.stats();
        let calls = (0..CONCURRENT_CALLS).map(|_| {
            let api = api.clone();
            async move { api.me().send().await.map(|_| ()) }
        });
        let results = futures::future::join_all(calls).await;
        let failed = results.iter().filter(|r| r.is_err()).count();
        let after = sim.stats();
        let new_logins = after.logins - before.logins;
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
                "{CONCURRENT_CALLS} ok, 0 failed; exactly {new_logins} new login after {} 401s",
                after.unauthorized - before.unauthorized
            ),
        ))
    })
    .await?;

    rep.step(
        "a bad query comes back as a typed validation error",
        async {
            let result = api
                .create_query()
                .body_map(|b| b.model("thelook".to_string()).view(String::new()))
                .send()
                .await;
            let err = match result {
                Ok(_) => {
                    return Err(Error::new(
                        ErrorKind::Other,
                        "the server accepted a query without a view",
                    ))
                }
                Err(e) => Error::from_progenitor(e).await,
            };
            expect(err.kind() == ErrorKind::InvalidRequest, || {
                format!("expected InvalidRequest, got {}", error_detail(&err))
            })?;
            let fields: Vec<String> = err
                .vendor()
                .map(|v| {
                    v.field_errors
                        .iter()
                        .map(|f| {
                            format!(
                                "{}: {}",
                                f.field.clone().unwrap_or_default(),
                                f.message.clone().unwrap_or_default()
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let fields = if fields.is_empty() {
                String::new()
            } else {
                format!(", fields [{}]", fields.join("; "))
            };
            Ok((
                (),
                format!(
                    "matched as ErrorKind::InvalidRequest: HTTP {} \"{}\"{fields}",
                    err.status().map(|s| s.as_u16()).unwrap_or(0),
                    err.message(),
                ),
            ))
        },
    )
    .await?;

    rep.step("log out (DELETE /logout)", async {
        admin.close().await?;
        let live = sim.stats().live_tokens;
        Ok(((), format!("{live} token(s) alive on the server")))
    })
    .await?;
    Ok(())
}
