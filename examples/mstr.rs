//! MicroStrategy in a few lines: log in, pick a project, make typed calls through the
//! generated client, log out.
//!
//! Against the embedded simulator (default):  cargo run --example mstr
//! Against a real server:  MSTR_USERNAME=alice MSTR_PASSWORD=... \
//!     cargo run --example mstr -- https://host/MicroStrategyLibrary/api ["Project name"]

use bi_rest::credentials::Credential;
use bi_rest::mstr::{MstrClient, ProjectRef};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (base_url, username, password, _sim) = match args.next() {
        Some(url) => (
            url,
            std::env::var("MSTR_USERNAME")?,
            Credential::parse("env:MSTR_PASSWORD")?,
            None,
        ),
        None => {
            let sim = bi_rest::sim::mstr::start(Default::default()).await?;
            let url = sim.base_url();
            println!("simulator at {url}");
            (
                url,
                "administrator".to_string(),
                Credential::value("admin-pass"),
                Some(sim),
            )
        }
    };
    let project = args
        .next()
        .unwrap_or_else(|| "MicroStrategy Tutorial".to_string());

    let client = MstrClient::builder(base_url)
        .standard(username, password)
        .build()?;
    let session = client.login().await?;
    println!("logged in ({})", session.login_mode);
    let id = client
        .select_project(ProjectRef::name(project.clone()))
        .await?;
    println!("project {project:?} = {id}");

    let api = client.typed();
    let projects = api.get_projects_1().send().await?;
    for p in projects.iter() {
        println!("  project {} {}", p.id, p.name);
    }
    let found = api
        .do_quick_search()
        .name("Revenue")
        .pattern(4)
        .limit(5)
        .send()
        .await?;
    for o in &found.result {
        println!("  found {} {}", o.id, o.name.as_deref().unwrap_or(""));
    }
    client.close().await?;
    println!("logged out");
    Ok(())
}
