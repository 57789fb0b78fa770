//! Looker in a few lines: client-credentials login, typed 4.0 calls, sudo, logout.
//!
//! Against the embedded simulator (default):  cargo run --example looker
//! Against a real instance (the official SDKs' variables):
//!     LOOKERSDK_CLIENT_ID=... LOOKERSDK_CLIENT_SECRET=... \
//!     cargo run --example looker -- https://company.looker.com:19999

use bi_rest::credentials::Credential;
use bi_rest::looker::{LookerClient, LookerSettings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (settings, _sim) = match std::env::args().nth(1) {
        Some(url) => (
            LookerSettings::new(
                &url,
                Credential::parse("env:LOOKERSDK_CLIENT_ID")?,
                Credential::parse("env:LOOKERSDK_CLIENT_SECRET")?,
            ),
            None,
        ),
        None => {
            use bi_rest::sim::looker::{start, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
            let sim = start(Default::default()).await?;
            println!("simulator at {}", sim.base_url());
            (
                LookerSettings::new(
                    &sim.base_url(),
                    Credential::value(ADMIN_CLIENT_ID),
                    Credential::value(ADMIN_CLIENT_SECRET),
                ),
                Some(sim),
            )
        }
    };
    let client = LookerClient::new(settings)?;
    let api = client.generated_4_0();
    let me = api.me().send().await?;
    println!(
        "me: {} {:?}",
        me.id.as_deref().unwrap_or("?"),
        me.display_name
    );
    let users = api.all_users().limit(10).send().await?;
    println!("{} users", users.len());
    if let Some(other) = users
        .iter()
        .find(|u| u.id != me.id)
        .and_then(|u| u.id.clone())
    {
        let sudo = client.login_user(&other).await?;
        let them = sudo.generated_4_0().me().send().await?;
        println!("sudo as {other}: {:?}", them.display_name);
        sudo.close().await?;
    }
    client.close().await?;
    println!("logged out");
    Ok(())
}
