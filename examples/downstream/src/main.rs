//! A downstream crate: the typed client of its own spec, with bi-rest's MicroStrategy auth.
//!
//! `cargo run -- BASE_URL` (default: a local `bi-rest sim`), user `MSTR_USERNAME` (default
//! `administrator`), password from `MSTR_PASSWORD` (default: the simulator's).

// The one line: includes $OUT_DIR/my_mstr.rs and attaches bi-rest's auth to its client.
bi_rest::generated_client!(pub mod my_mstr);

use bi_rest::credentials::Credential;
use bi_rest::mstr::MstrClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080/MicroStrategyLibrary/api".to_string());
    let user = std::env::var("MSTR_USERNAME").unwrap_or_else(|_| "administrator".to_string());
    let password = match std::env::var_os("MSTR_PASSWORD") {
        Some(_) => Credential::parse("env:MSTR_PASSWORD")?,
        None => Credential::value("admin-pass"),
    };
    let ids: Vec<&str> = my_mstr::operations::ALL.iter().map(|op| op.id).collect();
    println!("operations: {}", ids.join(", "));

    let mstr = MstrClient::builder(base).standard(user, password).build()?;
    let api = mstr.generated::<my_mstr::Client>();
    // Typed: `my_mstr::types::MonitorProjects`; the login happens here, lazily.
    let answer = api.get_monitor_projects().send().await?.into_inner();
    for p in &answer.projects {
        let nodes: Vec<&str> = p.nodes.iter().filter_map(|n| n.name.as_deref()).collect();
        println!("project {} ({}) on {}", p.name, p.id, nodes.join(", "));
    }
    println!("projects: {}", answer.projects.len());
    mstr.close().await?;
    Ok(())
}
