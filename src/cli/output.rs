//! What the CLI prints: JSON on stdout, one line on stderr for an error.

use std::io::Write;

use bi_rest::error::Error;

/// Prints a JSON value on stdout, pretty, followed by a newline.
pub fn print_json(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (e.g. `| head`) is not an error worth a panic.
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
}

/// The one-line error report on stderr: `bi-rest: <vendor code> <message> [ticket <id>]`.
pub fn error_line(err: &Error) -> String {
    let mut line = String::from("bi-rest:");
    if let Some(code) = err.code() {
        line.push(' ');
        line.push_str(code);
    }
    line.push(' ');
    line.push_str(&err.message().replace('\n', " "));
    if let Some(ticket) = err.ticket_id() {
        line.push_str(" [ticket ");
        line.push_str(ticket);
        line.push(']');
    }
    line
}

/// Prints the error line and returns the process exit code for the error.
pub fn report(err: &Error) -> u8 {
    eprintln!("{}", error_line(err));
    u8::try_from(err.exit_code()).unwrap_or(1)
}
