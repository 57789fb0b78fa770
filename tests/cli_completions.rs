//! `bi-rest completions <shell>` and `bi-rest man` produce output from the clap definition.

use std::process::Command;

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_bi-rest"))
        .args(args)
        .output()
        .expect("run bi-rest");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let text = run(&["completions", shell]);
        assert!(text.len() > 500, "{shell}: {} bytes", text.len());
        for sub in ["mstr", "completions", "man"] {
            assert!(text.contains(sub), "{shell} completions lack {sub}");
        }
    }
}

#[test]
fn man_page_is_roff_with_the_commands() {
    let text = run(&["man"]);
    assert!(
        text.starts_with(".ie") || text.contains(".TH"),
        "not roff: {}",
        &text[..80.min(text.len())]
    );
    assert!(text.contains("bi\\-rest") || text.contains("bi-rest"));
    assert!(text.contains("mstr"));
}
