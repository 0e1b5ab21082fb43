//! Snapshots of what `sniff-demo` explains under its table — the checks, the notes and the
//! ladder (the HTTP ladders aside, see [`without_ladder`]) — for each scenario whose
//! packets come in a fixed order. Numbers that change from
//! run to run are normalized: ports become P1, P2… in order of appearance, initial sequence
//! numbers and timestamps become N, times and durations become x.
//!
//! (The concurrent scenario interleaves its clients differently each run; its facts are
//! asserted in `live.rs` instead.)

mod common;

use assert_cmd::Command;
use regex::Regex;

fn normalize(text: &str) -> String {
    // Ports: the numbers around " → " in the ladder's header and after "address:".
    let port_re = Regex::new(r"(?:\]|\d):(\d{2,5})\b").expect("regex");
    let mut ports: Vec<String> = Vec::new();
    for cap in port_re.captures_iter(text) {
        let p = cap[1].to_owned();
        if !ports.contains(&p) {
            ports.push(p);
        }
    }
    let mut out = text.to_owned();
    for (i, p) in ports.iter().enumerate() {
        let re = Regex::new(&format!(r"\b{p}\b")).expect("regex");
        out = re.replace_all(&out, format!("P{}", i + 1)).into_owned();
    }
    // Raw sequence and acknowledgment numbers (random, of any length), and other big numbers.
    let raw = Regex::new(r"\b((?:seq|ack) = (?:[jk] = )?)\d+\b").expect("regex");
    out = raw.replace_all(&out, "${1}N").into_owned();
    let big = Regex::new(r"\b\d{7,10}\b").expect("regex");
    out = big.replace_all(&out, "N").into_owned();
    let time = Regex::new(r"\b\d+\.\d{6}\b").expect("regex");
    out = time.replace_all(&out, "x.xxxxxx").into_owned();
    let ms = Regex::new(r"\b\d+\.\d{3} ms\b").expect("regex");
    out = ms.replace_all(&out, "x ms").into_owned();
    let frame = Regex::new(r"\bframe(\s+)\d+\b").expect("regex");
    frame.replace_all(&out, "frame${1}F").into_owned()
}

fn explained(scenario: &str, port: &str) -> Option<String> {
    if !common::can_capture() {
        return None;
    }
    let out = Command::cargo_bin("sniff-demo")
        .expect("binary")
        .args([
            "--scenario",
            scenario,
            "--port",
            port,
            "--no-save",
            "--format",
            "table",
        ])
        .args(["--width", "200"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run sniff-demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    // Everything after the table: it ends at the first blank line (kept).
    let after = stdout
        .split_once("\n\n")
        .map_or(String::new(), |(_, rest)| format!("\n{rest}"));
    Some(normalize(&after))
}

#[test]
fn greeting_explained() {
    if let Some(text) = explained("greeting", "0") {
        insta::assert_snapshot!("scenario_greeting", text);
    }
}

#[test]
fn udp_explained() {
    if let Some(text) = explained("udp", "0") {
        insta::assert_snapshot!("scenario_udp", text);
    }
}

/// The checks and notes without the ladder: whether the server's kernel acknowledges a
/// request at once or with its answer depends on timing, so the HTTP ladders vary.
fn without_ladder(text: &str) -> String {
    text.split("\nNo. ").next().unwrap_or_default().to_owned()
}

#[test]
fn http10_explained() {
    // 8081 keeps clear of the live tests' HTTP ports; the snapshot does not need tshark.
    if let Some(text) = explained("http10", "8081") {
        insta::assert_snapshot!("scenario_http10", without_ladder(&text));
    }
}

#[test]
fn http11_explained() {
    if let Some(text) = explained("http11", "8082") {
        insta::assert_snapshot!("scenario_http11", without_ladder(&text));
    }
}

#[test]
fn refused_explained() {
    if let Some(text) = explained("refused", "0") {
        insta::assert_snapshot!("scenario_refused", text);
    }
}

#[test]
fn normalization_keeps_what_matters() {
    let text = "client 127.0.0.1:45150 → server 127.0.0.1:12345\n  1  0.000036  seq = j = 1182183547, RTT 0.048 ms, Win=65536";
    assert_eq!(
        normalize(text),
        "client 127.0.0.1:P1 → server 127.0.0.1:P2\n  1  x.xxxxxx  seq = j = N, RTT x ms, Win=65536"
    );
    // An initial sequence number can be short: 6 digits here.
    assert_eq!(
        normalize("SYN-ACK  seq = k = 42, ack = 350278 = j+1  client FIN seq = 350278"),
        "SYN-ACK  seq = k = N, ack = N = j+1  client FIN seq = N"
    );
}
