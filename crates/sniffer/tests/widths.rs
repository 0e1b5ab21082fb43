//! What a terminal of 80, 100, 120 or 200 columns shows: the demo's every scenario, over IPv4
//! and IPv6, and `sniffer read` tables of files with many hosts. No line is wider than the
//! terminal, no token (number, address, flag, option, state, word) is split across lines,
//! nothing of tshark's Info text is lost, and the greeting's 8 segments take at most 24
//! table lines at 80 columns, 16 at 120 and 8 at 200.
//!
//! Each run's table is checked against the same packets read back from its saved file
//! (`sniffer read --format json`), and its checks and ladder against the same file's
//! `sniffer read --explain --ladder` with no width limit: wrapping may only move text to
//! another line.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const WIDTHS: [usize; 4] = [80, 100, 120, 200];

/// Text as a terminal shows it: colour codes and the change marker gone.
fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // CSI: ESC [ … final byte in @–~.
            if chars.next_if_eq(&'[').is_some() {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        if c != '\r' {
            out.push(c);
        }
    }
    out
}

fn assert_fits(text: &str, width: usize, what: &str) {
    for line in visible(text).lines() {
        assert!(
            unicode_width(line) <= width,
            "{what}: a line of {} columns at {width}:\n{line}\n\n{text}",
            unicode_width(line)
        );
    }
}

fn unicode_width(line: &str) -> usize {
    sniffer::render::wrap::width(line)
}

fn tokens(text: &str) -> Vec<String> {
    visible(text)
        .split_whitespace()
        .map(|t| t.trim_start_matches('▸').to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Whether `needle` appears in `hay` as consecutive tokens.
fn contains_run(hay: &[String], needle: &[String]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// The packets of a capture file as `sniffer read --format json` gives them (with
/// `--enable-protocol http` when `http`, as the demo has it for its HTTP scenarios).
fn rows_of(file: &Path, http: bool) -> Vec<Value> {
    let http: &[&str] = if http {
        &["--enable-protocol", "http"]
    } else {
        &[]
    };
    let out = Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
        .args(["read", "--format", "json"])
        .args(http)
        .arg(file)
        .output()
        .expect("sniffer read");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect()
}

/// The table's lines of each packet, in order: from the rule under the header to the first
/// blank line, a packet starting at the line that begins with its number.
fn segments(table: &str, count: usize) -> Vec<Vec<String>> {
    let text = visible(table);
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with('─'))
        .skip(1)
        .take_while(|l| !l.trim().is_empty());
    let mut segments: Vec<Vec<String>> = Vec::new();
    for line in lines.by_ref() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first == (segments.len() + 1).to_string() && segments.len() < count {
            segments.push(vec![line.to_owned()]);
        } else {
            segments
                .last_mut()
                .unwrap_or_else(|| panic!("a line before the first packet: {line}\n{table}"))
                .push(line.to_owned());
        }
    }
    segments
}

/// Checks a table against the packets it shows; returns how many lines its packets take.
fn check_table(table: &str, rows: &[Value], width: usize, what: &str) -> usize {
    let segs = segments(table, rows.len());
    assert_eq!(segs.len(), rows.len(), "{what}: packets shown\n{table}");
    for (seg, row) in segs.iter().zip(rows) {
        let shown = tokens(&seg.join("\n"));
        let info = tokens(row["info"].as_str().expect("info"));
        assert!(
            contains_run(&shown, &info),
            "{what} at {width}: Info of packet {} split or lost:\n{}\n{}",
            row["number"],
            seg.join("\n"),
            row["info"]
        );
        // A frame without a timestamp (a Simple Packet Block) shows none.
        let time = row["time"].as_str().expect("time").to_owned();
        assert!(
            time.is_empty() || shown.contains(&time),
            "{what}: time {time}"
        );
        // An HTTP message's step is the HTTP one (`request GET /`), a segment's its TCP one.
        if let Some(step) = row["http_step"].as_str().or(row["step"].as_str()) {
            assert!(contains_run(&shown, &tokens(step)), "{what}: step {step}");
            for end in ["client_state", "server_state"] {
                let state = row["tcp"][end].as_str().expect("state").to_owned();
                assert!(
                    shown.contains(&state),
                    "{what}: {end} {state}\n{}",
                    seg.join("\n")
                );
            }
            // Who sent it.
            let arrow = match row["tcp"]["side"].as_str() {
                Some("client_to_server") => "──▶",
                _ => "◀──",
            };
            assert!(
                shown.iter().any(|t| t == arrow),
                "{what}: {arrow}\n{}",
                seg.join("\n")
            );
        }
    }
    segs.iter().map(Vec::len).sum()
}

/// The text after the table: checks, notes, ladder.
fn after_table(stdout: &str) -> String {
    stdout
        .split_once("\n\n")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_default()
}

/// Tokens of checks and ladders that wrapping and narrowing must keep: the ladder's lines
/// and arrows (`──…▶`, `│`) and its payload previews (shortened to fit) aside.
fn kept_tokens(text: &str) -> Vec<String> {
    let text = visible(text);
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split("   \"").next().unwrap_or("");
        out.extend(
            line.split_whitespace()
                .filter(|t| !t.chars().all(|c| "─▶◀│".contains(c)))
                .map(str::to_owned),
        );
    }
    out
}

fn sniff_demo(args: &[&str], width: usize, file: &Path) -> (String, String) {
    let out = Command::new(assert_cmd::cargo::cargo_bin("sniff-demo"))
        .args(args)
        .args([
            "--port",
            "0",
            "--format",
            "table",
            "--width",
            &width.to_string(),
        ])
        .arg("--out")
        .arg(file)
        .env("NO_COLOR", "1")
        .output()
        .expect("sniff-demo");
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(out.status.success(), "{args:?}: {stderr}");
    (String::from_utf8(out.stdout).expect("utf-8"), stderr)
}

#[test]
fn every_scenario_fits_every_width() {
    if !common::can_capture() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let scenarios: [&[&str]; 7] = [
        &["--scenario", "greeting"],
        &["--scenario", "greeting", "--host", "::1"],
        &["--scenario", "concurrent", "--clients", "20"],
        &["--scenario", "udp"],
        &["--scenario", "http10"],
        &["--scenario", "http11"],
        &["--scenario", "refused"],
    ];
    for (i, args) in scenarios.iter().enumerate() {
        for width in WIDTHS {
            let file = dir.path().join(format!("{i}-{width}.pcap"));
            let (stdout, stderr) = sniff_demo(args, width, &file);
            let what = format!("{args:?}");
            assert_fits(&stdout, width, &what);
            assert_fits(&stderr, width, &what);
            let http = args.iter().any(|a| a.starts_with("http"));
            let rows = rows_of(&file, http);
            let lines = check_table(&stdout, &rows, width, &what);
            // Loopback: the addresses and the protocol are said once, above the table.
            let host = if args.contains(&"::1") {
                "::1"
            } else {
                "127.0.0.1"
            };
            // The protocol, when every row has the same (an HTTP scenario's rows are TCP and
            // HTTP on a port Wireshark takes for HTTP, or by its heuristic for HTTP/1.1).
            let first = rows[0]["protocol"].as_str().expect("protocol");
            let protocol = match rows.iter().all(|r| r["protocol"] == first) {
                true => format!(", Protocol {first}"),
                false => String::new(),
            };
            assert_eq!(
                protocol.is_empty(),
                args == &["--scenario", "http11"],
                "{what}: {protocol}"
            );
            assert!(
                stdout.starts_with(&format!(
                    "Every packet below: Source and Destination {host}{protocol}\n"
                )),
                "{what}:\n{stdout}"
            );
            if args == &["--scenario", "greeting"] {
                let most = match width {
                    80 => 24,
                    120 => 16,
                    200 => 8,
                    _ => 24,
                };
                assert!(
                    lines <= most,
                    "greeting at {width}: {lines} lines\n{stdout}"
                );
            }
            // The checks and ladders say what the unlimited ones say, only wrapped.
            let reference = Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
                .args(["read", "--format", "table", "--explain", "--ladder"])
                .arg(&file)
                .output()
                .expect("sniffer read");
            let reference = after_table(&String::from_utf8(reference.stdout).expect("utf-8"));
            // The demo leaves out the lab's answers (`--explain` gives them after the checks).
            let reference = without_lab(&reference);
            let ours = after_table(&stdout);
            // The demo's notes come first; the checks start at "Stream 0".
            let ours = ours
                .find("Stream 0 ")
                .map_or(ours.as_str(), |at| &ours[at..]);
            // (A capture with no TCP conversation has nothing to check: `--explain` says so.)
            if !reference.trim().is_empty()
                && !reference.trim_start().starts_with("no TCP conversation")
            {
                assert_eq!(
                    kept_tokens(ours),
                    kept_tokens(&reference),
                    "{what} at {width}:\n{ours}\n---\n{reference}"
                );
            }
        }
    }
}

#[test]
fn sniffer_read_tables_fit_every_width() {
    for name in [
        "real-http-loopback.pcap",
        "synthetic-3-interfaces.pcapng",
        "greeting-ipv6.pcapng",
        "synthetic-every-tag.pcap",
        "pcapng-edge-cases.pcapng",
    ] {
        let file = common::fixture(name);
        let rows = rows_of(&file, false);
        for width in WIDTHS {
            let out = Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
                .args(["read", "--format", "table", "--width", &width.to_string()])
                .arg(&file)
                .output()
                .expect("sniffer read");
            assert!(out.status.success());
            let table = String::from_utf8(out.stdout).expect("utf-8");
            assert_fits(&table, width, name);
            check_table(&table, &rows, width, name);
            // Addresses that differ from row to row are shown on every row.
            let sources: std::collections::BTreeSet<&str> =
                rows.iter().filter_map(|r| r["source"].as_str()).collect();
            if sources.len() > 1 {
                let segs = segments(&table, rows.len());
                for (seg, row) in segs.iter().zip(&rows) {
                    let shown = tokens(&seg.join("\n"));
                    let ends = ["source", "destination"]
                        .map(|end| row[end].as_str().expect("address").to_owned());
                    if ends.iter().all(String::is_empty) {
                        // A frame without addresses (a pcapng custom block): no arrow.
                        assert!(
                            !shown.contains(&"→".to_owned()),
                            "{name} at {width}: {seg:?}"
                        );
                        continue;
                    }
                    for addr in ends {
                        assert!(shown.contains(&addr), "{name} at {width}: {addr}");
                    }
                }
            }
        }
    }
}

/// Run under `script`, whose pseudo-terminal is given `cols` columns: the terminal's own
/// width is used when no `--width` is given.
#[test]
fn on_a_terminal_the_demo_takes_its_width() {
    if !common::can_capture() {
        return;
    }
    if Command::new("script").arg("--version").output().is_err() {
        common::skip("script (util-linux) is not installed");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("sniff-demo");
    for cols in [80, 120] {
        let inner = format!(
            "stty cols {cols} rows 50; exec {} --port 0 --no-save",
            bin.display()
        );
        let out = Command::new("script")
            .args(["-qec", &inner, "/dev/null"])
            .output()
            .expect("script");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{text}");
        assert_fits(&text, cols, "on a terminal");
        // A table, in colour, stacked at these widths.
        assert!(visible(&text).contains("\n     Info\n"), "{text}");
        assert!(
            text.contains("\x1b[1;33m"),
            "changed states in colour: {text}"
        );
    }
}

/// An error is one line, but on a terminal narrower than it, it is wrapped at spaces rather
/// than cut by the terminal inside a word.
#[test]
fn errors_on_a_narrow_terminal_are_wrapped_at_spaces() {
    if Command::new("script").arg("--version").output().is_err() {
        common::skip("script (util-linux) is not installed");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("sniff-demo");
    let plain = Command::new(&bin)
        .args(["--host", "192.0.2.1", "--no-save"])
        .output()
        .expect("run");
    let one_line = String::from_utf8(plain.stderr).expect("utf-8");
    assert_eq!(one_line.lines().count(), 1, "{one_line}");
    let inner = format!(
        "stty cols 60 rows 20; exec {} --host 192.0.2.1 --no-save",
        bin.display()
    );
    let out = Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .output()
        .expect("script");
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(shown.lines().count() > 1, "{shown}");
    assert_fits(&shown, 60, "error");
    assert_eq!(tokens(&shown), tokens(&one_line));
}

/// `text` without the lab's answers: each block from its `Lab, stream` line to the next
/// blank line.
fn without_lab(text: &str) -> String {
    let mut kept = Vec::new();
    let mut in_lab = false;
    for line in text.lines() {
        if line.starts_with("Lab, stream") {
            in_lab = true;
        } else if line.trim().is_empty() {
            in_lab = false;
        }
        if !in_lab {
            kept.push(line);
        }
    }
    kept.join("\n")
}
