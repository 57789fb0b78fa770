//! AgileApps in a few lines: XML login, typed record calls, proxy login and switch back, logout.
//!
//! Against the embedded simulator (default):  cargo run --example agileapps
//! Against a real platform:  AGILEAPPS_USERNAME=jim@acme.com AGILEAPPS_PASSWORD=... \
//!     cargo run --example agileapps -- https://acme.agileappscloud.com [proxy-user-id]

use bi_rest::agileapps::{AgileAppsClient, AgileAppsConfig, LoginMethod, Record, Search};
use bi_rest::credentials::Credential;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (url, method, proxy_user, _sim) = match args.next() {
        Some(url) => (
            url,
            LoginMethod::Password {
                user_name: std::env::var("AGILEAPPS_USERNAME")?,
                password: Credential::parse("env:AGILEAPPS_PASSWORD")?,
            },
            args.next(),
            None,
        ),
        None => {
            let sim = bi_rest::sim::agileapps::start(Default::default()).await?;
            println!("simulator at {}", sim.base_url());
            (
                sim.base_url(),
                LoginMethod::Password {
                    user_name: "admin@acme.com".into(),
                    password: Credential::value("admin-pw"),
                },
                Some("u-jim".to_string()),
                Some(sim),
            )
        }
    };
    let client = AgileAppsClient::login(AgileAppsConfig::new(&url)?, method).await?;
    let me = client.whoami();
    println!("logged in as {:?}", me.and_then(|i| i.user_name));
    let id = client
        .add_record(
            "case",
            &Record::from_pairs([("subject", "Hello from bi-rest")]),
        )
        .await?;
    println!("added case {id}");
    let cases = client.search_records("case", &Search::default()).await?;
    println!("{} cases", cases.record.len());
    client.delete_record("case", &id).await?;
    if let Some(user) = proxy_user {
        let as_user = client.proxy_login(&user).await?;
        println!("proxy login as {:?}", as_user.user_name);
        let back = client.switch_back().await?;
        println!("switched back to {:?}", back.user_name);
    }
    client.close().await?;
    println!("logged out");
    Ok(())
}
