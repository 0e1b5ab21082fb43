//! `sniff-demo --scenario bulk`: an upload across the emulated link (two private network
//! namespaces joined through TUN devices by a user-space path with delay, a bottleneck, a
//! queue and loss). Runs for real wherever user namespaces and /dev/net/tun are open to the
//! user, as root in CI.

mod common;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// One transfer at a time: two would share the machine's two cores, and the link's timing
/// with them.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs the demo with `args`; `None` (after skipping) when this machine cannot make the link.
fn run_bulk(args: &[&str], file: &Path) -> Option<Output> {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::cargo_bin("sniff-demo")
        .expect("binary")
        .args(["--scenario", "bulk", "--out"])
        .arg(file)
        .args(args)
        .output()
        .expect("run sniff-demo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for cannot in ["/dev/net/tun is not open", "does not allow user namespaces"] {
        if !out.status.success() && stderr.contains(cannot) {
            common::skip(&format!("the emulated link cannot be made here: {stderr}"));
            return None;
        }
    }
    assert!(out.status.success(), "sniff-demo failed: {stderr}");
    Some(out)
}

/// The JSON objects of the demo's output, by kind.
struct Printed {
    rows: usize,
    conversation: Value,
    link: Value,
    lab: Value,
}

fn printed(out: &Output) -> Printed {
    let mut p = Printed {
        rows: 0,
        conversation: Value::Null,
        link: Value::Null,
        lab: Value::Null,
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).expect("a JSON object a line");
        if let Some(c) = v.get("conversation") {
            p.conversation = c.clone();
        } else if let Some(l) = v.get("link") {
            p.link = l.clone();
        } else if let Some(l) = v.get("lab") {
            p.lab = l.clone();
        } else if v.get("number").is_some() {
            p.rows += 1;
        }
    }
    p
}

#[test]
fn the_link_has_its_rtt_loses_packets_and_the_transfer_shows_slow_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bulk.pcap");
    let page = dir.path().join("bulk.html");
    let page_arg = page.to_str().expect("a UTF-8 path");
    let Some(out) = run_bulk(
        &[
            "--format", "json", "--bytes", "1M", "--rtt", "40ms", "--rate", "20mbit", "--loss",
            "1%", "--seed", "3", "--html", page_arg,
        ],
        &file,
    ) else {
        return;
    };
    let p = printed(&out);
    // The page holds every packet of the saved file (its browser tests are in html.rs).
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains(&format!("page: {page_arg} ({} packets)", p.rows)));
    assert!(html.contains(&format!("{} packets</span>", p.rows)));

    // The whole upload arrived, across a link that lost packets.
    assert_eq!(p.link["bytes"], 1 << 20);
    assert_eq!(p.link["received"], 1 << 20);
    assert_eq!(p.link["rtt_ms"], 40.0);
    let lost = |way: &str| p.link[way]["lost"].as_u64().expect("lost");
    assert!(
        lost("client_to_server") + lost("server_to_client") > 0,
        "{}",
        p.link
    );

    // The handshake's round trip is the link's: 10 % under it at most, and over it by what a
    // busy host adds to scheduling (a few milliseconds when other tests run beside it).
    let rtt = p.conversation["rtt_ms"].as_f64().expect("handshake RTT");
    assert!((36.0..=50.0).contains(&rtt), "handshake RTT {rtt} ms");
    assert!(p
        .conversation
        .get("handshake")
        .and_then(Value::as_array)
        .is_some_and(|checks| checks.iter().all(|c| c["ok"] == true)));

    // The lab's answers on it: samples no shorter than the path, retransmissions, and slow
    // start. Slow start multiplies the flight each round (by 2, or by about 1.5 where the
    // receiver delays its ACKs, as on a loaded machine); congestion avoidance would add one
    // segment a round. So: more than one segment more each of the first three rounds, and
    // at least three times the first flight by the fourth round.
    let s = &p.lab["senders"][0];
    assert_eq!(s["sender"], "client");
    let samples = s["rtt_samples"].as_array().expect("samples");
    assert!(!samples.is_empty());
    for x in samples {
        assert!(x["rtt_ms"].as_f64().unwrap() >= 40.0, "{x}");
    }
    let loss = &s["loss"];
    let retransmissions: usize = ["timeout", "in_recovery", "other", "fast"]
        .iter()
        .map(|k| loss[k].as_array().map_or(0, Vec::len))
        .sum();
    assert!(retransmissions > 0, "{loss}");
    let rounds = s["rounds"].as_array().expect("rounds");
    assert!(rounds.len() >= 4, "{rounds:?}");
    let flight = |i: usize| rounds[i]["flight"].as_f64().expect("a round's flight");
    let segment = 1448.0;
    for i in 1..4 {
        assert!(
            flight(i) >= flight(i - 1) + 2.0 * segment,
            "round {i}: {rounds:?}"
        );
    }
    assert!(flight(3) >= 3.0 * flight(0), "{rounds:?}");
    assert_eq!(s["phases"][0]["kind"], "slow_start");

    // The saved file is what tshark lists, packet for packet.
    if common::has_tshark() {
        assert_eq!(common::assert_same_as_tshark(&file), p.rows);
    }
}

#[test]
fn the_table_shows_the_link_the_checks_and_the_answers_not_every_packet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bulk.pcap");
    let Some(out) = run_bulk(
        &[
            "--format", "table", "--width", "80", "--bytes", "200K", "--loss", "0",
        ],
        &file,
    ) else {
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "Emulated link: RTT 40 ms, 20 Mbit/s, a 64-packet queue, 0% random loss",
        "client → server:",
        "The client sent 204800 bytes; the server received 204800",
        "Handshake  SYN",
        "Lab, stream 0",
        "Phases",
    ] {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "wider than 80: {line}");
    }
    // The packets are in the file, not on the screen.
    assert!(!text.contains("[SYN]"), "{text}");
    assert!(file.exists());
}

#[test]
fn the_links_flags_belong_to_the_bulk_scenario_and_are_checked() {
    let demo = || Command::cargo_bin("sniff-demo").expect("binary");
    demo()
        .args(["--bytes", "1M", "--no-save"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--bytes belongs to the bulk scenario: add --scenario bulk",
        ));
    for (flag, value, says) in [
        ("--loss", "60%", "between 0% and 50%"),
        ("--rtt", "40", "is not a delay"),
        ("--rate", "fast", "is not a rate"),
        ("--bytes", "lots", "is not a size"),
    ] {
        demo()
            .args(["--scenario", "bulk", "--no-save", flag, value])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(says));
    }
}

/// As an ordinary user, the demo either runs (where /dev/net/tun is open to everyone, as on
/// most systems) or says in one line what to do.
#[test]
fn without_privileges_the_bulk_scenario_runs_or_says_what_is_missing() {
    if common::current_uid() != 0 {
        // Already unprivileged: the other tests run (or skip) as this user.
        return;
    }
    let (dir, binary) = common::workdir("sniff-demo");
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&binary)
        .args([
            "--scenario",
            "bulk",
            "--bytes",
            "100K",
            "--loss",
            "0",
            "--format",
            "plain",
        ])
        .arg("--out")
        .arg(dir.path().join("bulk.pcap"))
        .output()
        .expect("run setpriv");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let open_to_all = std::fs::metadata("/dev/net/tun")
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o006 == 0o006)
        .unwrap_or(false);
    if open_to_all {
        assert!(out.status.success(), "{stderr}");
        assert!(dir.path().join("bulk.pcap").exists());
    } else {
        // A failure the user can mend: exit code 2, as every refusal of the demo's.
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("/dev/net/tun is not open to this user")
                && stderr.contains("sudo chmod 0666 /dev/net/tun"),
            "{stderr}"
        );
    }
}
