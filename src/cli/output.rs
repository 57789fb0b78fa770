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

/// The error report on stderr: `bi-rest: <vendor code> <message> [ticket <id>]`, then one
/// indented line per field error or sub-error the server listed.
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
    for detail in error_details(err) {
        line.push_str("\n  ");
        line.push_str(&detail.replace('\n', " "));
    }
    line
}

/// What the server said about each field or part of the request, one entry each:
/// `title: This field is required.` (field errors of any vendor), `8004cc4c: message`
/// (sub-errors).
pub fn error_details(err: &Error) -> Vec<String> {
    let Some(vendor) = err.vendor() else {
        return Vec::new();
    };
    let fields = vendor.field_errors.iter().map(|f| {
        let what = f
            .message
            .as_deref()
            .or(f.code.as_deref())
            .unwrap_or("invalid");
        match &f.field {
            Some(field) => format!("{field}: {what}"),
            None => what.to_string(),
        }
    });
    let subs = vendor.sub_errors.iter().filter_map(|e| {
        let message = e.message.as_deref()?;
        Some(match &e.code {
            Some(code) => format!("{code}: {message}"),
            None => message.to_string(),
        })
    });
    fields.chain(subs).collect()
}

/// Prints the error line and returns the process exit code for the error.
pub fn report(err: &Error) -> u8 {
    eprintln!("{}", error_line(err));
    u8::try_from(err.exit_code()).unwrap_or(1)
}
