//! The `bi-rest` command line (see `bi-rest --help`).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
