//! Generate a client from your own spec and print the generator's report.
//!
//! Default (the authored MicroStrategy spec in this repository, subset to two tags):
//!     cargo run --example own_spec
//! Your server's spec, optionally subset:
//!     cargo run --example own_spec -- path/to/openapi.json [Tag1,Tag2] [out.rs]
//!
//! A MicroStrategy server serves its spec at `/api/openapi.json`; drop it into
//! `specs/mstr/openapi.json` to get the full client with the same auth layer, or keep the
//! module this writes.

use bi_rest_generator::{generate, Config, Status};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let spec = args.next().unwrap_or_else(|| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/specs/mstr/openapi.yaml").to_string()
    });
    let tags: Vec<String> = match args.next() {
        Some(list) => list.split(',').map(|t| t.trim().to_string()).collect(),
        None => vec!["Authentication".into(), "Projects".into()],
    };
    let out = args.next();
    let config = Config {
        spec: spec.clone().into(),
        tags,
        module_name: "my_client".into(),
        ..Config::default()
    };
    let output = generate(&config)?;
    let counts = output.report.counts();
    println!(
        "{spec}: {} generated, {} adjusted, {} skipped, {} excluded by the subset",
        counts.generated, counts.adjusted, counts.skipped, counts.excluded
    );
    for op in output.report.operations.iter().filter(|o| !o.excluded) {
        let status = match op.status {
            Status::Generated => "generated".to_string(),
            Status::Adjusted => format!("adjusted ({})", op.changes.join("; ")),
            Status::Skipped => format!("skipped ({})", op.reason.clone().unwrap_or_default()),
        };
        println!(
            "  {:<7} {:<48} {:<32} {status}",
            op.method, op.path, op.operation_id
        );
    }
    println!(
        "{} lines of Rust in {:.2?} (+ {:.2?} formatting)",
        output.code.lines().count(),
        output.generate_time,
        output.format_time
    );
    if let Some(path) = out {
        std::fs::write(&path, &output.code)?;
        println!("written to {path}");
    }
    if counts.generated + counts.adjusted == 0 {
        return Err("no operation was generated".into());
    }
    Ok(())
}
