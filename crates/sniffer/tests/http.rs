//! `sniffer read --enable-protocol http` (and `sniff-demo --enable-protocol http`): the
//! listing's HTTP rows are tshark's with its HTTP dissector on (http, media and
//! data-text-lines enabled, the other application protocols off), on every committed capture
//! and on the demo's HTTP scenarios.

mod common;

use std::path::Path;
use std::process::Command;

/// What `sniffer read --enable-protocol http --format plain FILE` prints.
fn sniffer_http_lines(file: &Path) -> Vec<String> {
    common::sniffer_output(file, &["--enable-protocol", "http", "--format", "plain"])
}

/// Frames of `real-http-loopback.pcap` where tshark and sniffer differ: body segments the
/// capture cut to 160 bytes, with no line end in them, where tshark 4.0 adds `[Packet size
/// limited during capture]` to some (frames 68 and 80) and not to others.
const KNOWN: &[(&str, u64)] = &[
    ("real-http-loopback.pcap", 74),
    ("real-http-loopback.pcap", 83),
];

#[test]
fn every_capture_lists_as_tshark_does_with_http_on() {
    if !common::has_tshark() {
        return;
    }
    let mut http_rows = 0;
    for file in common::fixtures() {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let tshark = common::tshark_lines_with_http(&file);
        let sniffer = sniffer_http_lines(&file);
        assert_eq!(tshark.len(), sniffer.len(), "{name}");
        for (t, s) in tshark.iter().zip(&sniffer) {
            let number: u64 = t
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .expect("No.");
            if KNOWN.contains(&(name.as_str(), number)) {
                assert!(t.ends_with("Continuation"), "{name}: {t}");
                continue;
            }
            assert_eq!(t, s, "{name}");
            http_rows += usize::from(t.contains(" HTTP "));
        }
    }
    // The HTTP captures are among them: requests, responses, continuations.
    assert!(http_rows > 40, "{http_rows}");
}

#[test]
fn the_http_scenarios_list_as_tshark_does_with_http_on() {
    if !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for scenario in ["http10", "http11"] {
        let file = dir.path().join(format!("{scenario}.pcap"));
        let page = dir.path().join(format!("{scenario}.html"));
        let out = assert_cmd::Command::cargo_bin("sniff-demo")
            .expect("binary")
            .args(["--scenario", scenario, "--enable-protocol", "http"])
            .arg("--html")
            .arg(&page)
            .args(["--format", "plain", "--out"])
            .arg(&file)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sniffer = sniffer_http_lines(&file);
        assert_eq!(common::tshark_lines_with_http(&file), sniffer, "{scenario}");
        // The demo's own rows are those too.
        let demo: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(demo, sniffer, "{scenario}");
        // So are its page's: four rows whose Protocol is HTTP, with the request lines.
        let html = std::fs::read_to_string(&page).expect("page");
        let rows = &html[html.find("const ROWS = [").expect("rows")..];
        let rows = &rows[..rows.find("];\n").expect("end of rows")];
        assert_eq!(rows.matches(",\"HTTP\",").count(), 4, "{rows}");
        assert!(rows.contains(",\"GET /again HTTP/1."), "{rows}");
        // Two requests and two responses, each in its own row.
        let rows: Vec<&String> = sniffer.iter().filter(|l| l.contains(" HTTP ")).collect();
        assert_eq!(rows.len(), 4, "{rows:#?}");
        assert!(rows[0].ends_with("GET / HTTP/1.1 ") || rows[0].ends_with("GET / HTTP/1.0 "));
        assert!(rows[1].ends_with(" 200 OK  (text/plain)"), "{}", rows[1]);
    }
}

#[test]
fn only_http_can_be_enabled_and_only_for_the_listing() {
    let file = common::fixture("real-http-curl.pcap");
    for (args, says) in [
        (
            &["--enable-protocol", "dns"][..],
            "--enable-protocol dns: the protocol it can enable is http",
        ),
        (
            &["--enable-protocol", "http", "-Y", "tcp"],
            "-Y, -V, -x, -T, -z and --html do not take it",
        ),
        (
            &["--enable-protocol", "http", "-V"],
            "-Y, -V, -x, -T, -z and --html do not take it",
        ),
        (
            &["--enable-protocol", "http", "-z", "conv,tcp"],
            "-Y, -V, -x, -T, -z and --html do not take it",
        ),
        (
            &["--enable-protocol", "http", "--html", "/dev/null"],
            "-Y, -V, -x, -T, -z and --html do not take it",
        ),
    ] {
        let out = Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
            .arg("read")
            .arg(&file)
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    let out = assert_cmd::Command::cargo_bin("sniff-demo")
        .expect("binary")
        .args(["--enable-protocol", "dns", "--no-save"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--enable-protocol dns: the protocol it can enable is http"));
    assert!(out.stdout.is_empty(), "nothing captured");
    // The name is tshark's, in any case; the table and JSON show the same rows.
    let json = common::sniffer_output(&file, &["--enable-protocol", "HTTP", "--format", "json"]);
    let rows: Vec<serde_json::Value> = json
        .iter()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let get = rows.iter().find(|r| r["number"] == 4).expect("frame 4");
    assert_eq!(get["protocol"], "HTTP");
    assert_eq!(get["info"], "GET /index.html HTTP/1.1 ");
}
