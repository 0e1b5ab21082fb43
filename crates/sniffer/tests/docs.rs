//! `--generate`: man pages and shell completions, generated from the clap definitions.

mod common;

use std::process::{Command, Stdio};

fn generate(binary: &str, kind: &str) -> String {
    let out = Command::new(assert_cmd::cargo::cargo_bin(binary))
        .args(["--generate", kind])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Long options in `--help`, as roff writes them (`\-\-format`).
fn long_options(binary: &str, sub: Option<&str>) -> Vec<String> {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin(binary));
    cmd.args(sub).arg("--help");
    let help = String::from_utf8(cmd.output().expect("help").stdout).expect("utf-8");
    help.split(|c: char| c.is_whitespace() || c == ',' || c == '=')
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.replace('-', "\\-"))
        .collect()
}

#[test]
fn each_man_page_documents_every_option_of_every_subcommand() {
    for (binary, subs) in [("sniffer", &["read", "live"][..]), ("sniff-demo", &[][..])] {
        let page = generate(binary, "man");
        assert!(page.contains(&format!(".TH {binary} 1 ")), "{page}");
        for option in long_options(binary, None) {
            assert!(page.contains(&option), "{binary}: {option} missing");
        }
        for sub in subs {
            let heading = format!(".SH \"{} {}\"", binary.to_uppercase(), sub.to_uppercase());
            assert!(page.contains(&heading), "{binary}: no {heading}");
            let section = page.split(&heading).nth(1).expect("section");
            for option in long_options(binary, Some(sub)) {
                assert!(
                    section.contains(&option),
                    "{binary} {sub}: {option} missing"
                );
            }
        }
    }
}

#[test]
fn man_renders_each_page() {
    if Command::new("man").arg("--version").output().is_err() {
        common::skip("man is not installed (apt-get install man-db)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for binary in ["sniffer", "sniff-demo"] {
        let file = dir.path().join(format!("{binary}.1"));
        std::fs::write(&file, generate(binary, "man")).expect("write");
        let out = Command::new("man")
            .arg("-l")
            .arg(&file)
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .stderr(Stdio::piped())
            .output()
            .expect("man");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("SYNOPSIS"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    }
}

/// What bash completes for `words`, with the script `binary --generate complete-bash`
/// loaded as bash-completion would.
fn bash_completes(binary: &str, words: &[&str]) -> Vec<String> {
    let script = generate(binary, "complete-bash");
    let function = format!("_{}", binary.replace('-', "__"));
    let words_quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source /dev/stdin\nCOMP_WORDS=({})\nCOMP_CWORD={}\n{function} {binary} '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words_quoted.join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let mut child = Command::new("bash")
        .args(["-c", &program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("bash");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), script.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("bash");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_subcommands_and_values() {
    assert_eq!(bash_completes("sniffer", &["sniffer", "re"]), ["read"]);
    assert_eq!(bash_completes("sniffer", &["sniffer", "li"]), ["live"]);
    assert_eq!(
        bash_completes("sniffer", &["sniffer", "read", "--for"]),
        ["--format"]
    );
    let scenarios = bash_completes("sniff-demo", &["sniff-demo", "--scenario", ""]);
    assert_eq!(
        scenarios,
        [
            "greeting",
            "concurrent",
            "udp",
            "http10",
            "http11",
            "refused",
            "bulk"
        ]
    );
}

#[test]
fn every_shell_gets_a_script_naming_the_subcommands() {
    for kind in [
        "complete-bash",
        "complete-zsh",
        "complete-fish",
        "complete-elvish",
        "complete-powershell",
    ] {
        let script = generate("sniffer", kind);
        for word in ["read", "live", "format", "snaplen"] {
            assert!(script.contains(word), "{kind}: no {word}");
        }
    }
}

#[test]
fn a_missing_subcommand_is_a_usage_error() {
    let out = Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("error: a subcommand is required: read or live"));
}
