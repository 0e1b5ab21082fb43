//! The TCP lab's answers (`sniffer read --explain`), checked against what tshark's own
//! analysis says of the same frames, on a capture of the bulk scenario: a 1 MiB upload across
//! the emulated link (40 ms, 20 Mbit/s, a 64-packet queue, 1 % loss, seed 7), cut to 80 bytes
//! a packet (`editcap -s 80`: every header whole, the lengths from the IP header).

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const BULK: &str = "bulk-40ms-20mbit-loss.pcap";

/// The `{"lab": …}` and `{"conversation": …}` objects of `sniffer read FILE --explain -q
/// --format json ARGS…`.
fn explain_json(file: &Path, args: &[&str]) -> (Vec<Value>, Vec<Value>) {
    let lines = common::sniffer_output(
        file,
        &[&["--explain", "-q", "--format", "json"], args].concat(),
    );
    let mut labs = Vec::new();
    let mut conversations = Vec::new();
    for line in lines {
        let v: Value = serde_json::from_str(&line).expect("one JSON object a line");
        if let Some(lab) = v.get("lab") {
            labs.push(lab.clone());
        } else if let Some(c) = v.get("conversation") {
            conversations.push(c.clone());
        } else {
            panic!("with -q, only the reports: {line}");
        }
    }
    (labs, conversations)
}

/// One frame as tshark's analysis sees it.
#[derive(Debug, Default, Clone)]
struct Seen {
    from_client: bool,
    syn: bool,
    len: u32,
    seq: u32,
    ack: u32,
    window: u32,
    acks_frame: Option<u64>,
    ack_rtt_us: Option<i64>,
    in_flight: Option<u32>,
    dup_ack: bool,
    out_of_order: bool,
}

fn tshark_frames(file: &Path, client_port: u16) -> BTreeMap<u64, Seen> {
    let fields = [
        "frame.number",
        "tcp.srcport",
        "tcp.flags.syn",
        "tcp.len",
        "tcp.seq",
        "tcp.ack",
        "tcp.window_size",
        "tcp.analysis.acks_frame",
        "tcp.analysis.ack_rtt",
        "tcp.analysis.bytes_in_flight",
        "tcp.analysis.duplicate_ack",
        "tcp.analysis.out_of_order",
    ];
    let mut args = vec!["-T", "fields", "-E", "occurrence=f"];
    for f in &fields {
        args.extend(["-e", f]);
    }
    let num = |s: &str| s.parse::<u64>().ok();
    common::tshark_output(file, &args)
        .iter()
        .map(|line| {
            let c: Vec<&str> = line.split('\t').collect();
            let frame = num(c[0]).expect("frame number");
            let seen = Seen {
                from_client: c[1] == client_port.to_string(),
                syn: c[2] == "1" || c[2] == "True",
                len: c[3].parse().unwrap_or(0),
                seq: c[4].parse().unwrap_or(0),
                ack: c[5].parse().unwrap_or(0),
                window: c[6].parse().unwrap_or(0),
                acks_frame: num(c[7]),
                ack_rtt_us: c[8].parse::<f64>().ok().map(|s| (s * 1e6).round() as i64),
                in_flight: c[9].parse().ok(),
                dup_ack: !c[10].is_empty(),
                out_of_order: !c[11].is_empty(),
            };
            (frame, seen)
        })
        .collect()
}

fn frames(v: &Value) -> Vec<u64> {
    v.as_array()
        .expect("a list of frames")
        .iter()
        .map(|f| f.as_u64().expect("a frame number"))
        .collect()
}

#[test]
fn the_labs_answers_agree_with_tsharks_analysis_of_the_same_frames() {
    if !common::has_tshark() {
        return;
    }
    let file = common::fixture(BULK);
    let (labs, conversations) = explain_json(&file, &[]);
    assert_eq!((labs.len(), conversations.len()), (1, 1));
    let lab = &labs[0];
    let client_port: u16 = lab["client"]
        .as_str()
        .and_then(|c| c.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .expect("client address:port");
    let seen = tshark_frames(&file, client_port);
    assert!(seen.len() > 1000, "{} frames", seen.len());

    // Sequence numbers: the SYN's options, as sent.
    let syn = &lab["syn"];
    assert_eq!(syn["frame"], 1);
    assert_eq!(syn["mss"], 1460);
    assert_eq!(syn["window_scale"], 10);
    assert_eq!(syn["sack_permitted"], true);
    assert_eq!(syn["timestamps"], true);
    // The link's round trip is 40 ms: the handshake takes that, give or take 10 %.
    let irtt = lab["handshake_rtt_ms"].as_f64().expect("iRTT");
    assert!((36.0..=44.0).contains(&irtt), "handshake RTT {irtt} ms");

    let senders = lab["senders"].as_array().expect("senders");
    assert_eq!(senders.len(), 1, "only the client sent data");
    let s = &senders[0];
    assert_eq!(s["sender"], "client");
    assert_eq!(s["bytes"], 1 << 20);

    // Which client data frames resend bytes sent before (by tshark's numbers).
    let mut highest = 0u32;
    let mut resent_seqs = HashSet::new();
    let mut resends = Vec::new();
    for (frame, f) in &seen {
        if f.from_client && f.len > 0 {
            if f.seq < highest {
                resent_seqs.insert(f.seq);
                resends.push(*frame);
            }
            highest = highest.max(f.seq + f.len);
        }
    }
    assert!(resends.len() > 10, "{} retransmissions", resends.len());

    // RTT: every sample is tshark's ack_rtt for that ACK and segment; the ones left out are
    // exactly those whose segment was sent more than once (Karn).
    let samples = s["rtt_samples"].as_array().expect("samples");
    assert!(samples.len() > 100, "{} samples", samples.len());
    let mut ours = HashSet::new();
    for x in samples {
        let (segment, ack) = (x["segment"].as_u64().unwrap(), x["ack"].as_u64().unwrap());
        let f = &seen[&ack];
        assert_eq!(f.acks_frame, Some(segment), "frame {ack}");
        let us = (x["rtt_ms"].as_f64().unwrap() * 1e3).round() as i64;
        assert_eq!(f.ack_rtt_us, Some(us), "frame {ack}");
        assert!(
            !resent_seqs.contains(&seen[&segment].seq),
            "Karn: {segment}"
        );
        // Nothing crosses the link faster than its propagation delay.
        assert!(us >= 40_000, "a {us} µs sample");
        ours.insert(ack);
    }
    let karn: Vec<u64> = seen
        .iter()
        .filter(|(frame, f)| {
            !f.from_client
                && !ours.contains(frame)
                && f.acks_frame.is_some_and(|d| {
                    let data = &seen[&d];
                    data.from_client && data.len > 0
                })
        })
        .map(|(frame, _)| *frame)
        .collect();
    assert_eq!(s["karn_excluded"], karn.len() as u64);
    assert!(karn
        .iter()
        .all(|a| resent_seqs.contains(&seen[&seen[a].acks_frame.unwrap()].seq)));

    // Window: the server's smallest window after the handshake.
    let min_window = seen
        .iter()
        .filter(|(_, f)| !f.from_client && !f.syn)
        .map(|(frame, f)| (f.window, *frame))
        .min_by_key(|(w, frame)| (*w, *frame))
        .expect("server ACKs");
    assert_eq!(
        s["min_receiver_window"],
        serde_json::json!([min_window.0, min_window.1])
    );

    // Flight: the largest bytes in flight, where tshark saw it first.
    let max_flight = seen
        .iter()
        .filter(|(_, f)| f.from_client)
        .filter_map(|(frame, f)| f.in_flight.map(|b| (b, *frame)))
        .fold(None, |best: Option<(u32, u64)>, (b, frame)| match best {
            Some((m, _)) if m >= b => best,
            _ => Some((b, frame)),
        })
        .expect("bytes in flight");
    assert_eq!(
        s["max_flight"],
        serde_json::json!([max_flight.0, max_flight.1])
    );

    // Loss: every retransmission by kind, each a resend, all of them; Wireshark's tags
    // counted as tshark counts them.
    let loss = &s["loss"];
    let mut kinds: Vec<u64> = ["timeout", "in_recovery", "other"]
        .iter()
        .flat_map(|k| frames(&loss[k]))
        .chain(
            loss["fast"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["frame"].as_u64().unwrap()),
        )
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, resends);
    let fast = loss["fast"].as_array().unwrap();
    assert!(!fast.is_empty());
    for f in fast {
        let frame = f["frame"].as_u64().unwrap();
        let dups = frames(&f["dup_acks"]);
        assert!(
            !dups.is_empty(),
            "fast retransmission {frame} without dup ACKs"
        );
        // Each is an ACK from the server that did not advance, before the retransmission.
        for d in dups {
            assert!(d < frame && !seen[&d].from_client, "{d}");
        }
    }
    let dup_acks = seen
        .values()
        .filter(|f| !f.from_client && f.dup_ack)
        .count();
    assert_eq!(loss["dup_acks"], dup_acks as u64);
    let out_of_order: Vec<u64> = seen
        .iter()
        .filter(|(_, f)| f.from_client && f.out_of_order)
        .map(|(frame, _)| *frame)
        .collect();
    assert_eq!(frames(&loss["out_of_order"]), out_of_order);

    // ACK pattern: one entry per server ACK that advanced over the client's data (an ACK
    // of the FIN alone acknowledges no segment).
    let data_end = seen
        .values()
        .filter(|f| f.from_client)
        .map(|f| f.seq + f.len)
        .max()
        .unwrap();
    let mut last = None;
    let mut advanced = 0u64;
    for f in seen.values().filter(|f| !f.from_client && !f.syn) {
        if last.is_some_and(|l: u32| f.ack.min(data_end) > l.min(data_end)) {
            advanced += 1;
        }
        if last.is_none_or(|l| f.ack > l) {
            last = Some(f.ack);
        }
    }
    let histogram: u64 = s["ack_histogram"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(histogram, advanced);

    // Slow start: the flight more than doubles in each of the first rounds, and the phases
    // begin with it; a recovery begins at a fast retransmission.
    let rounds = s["rounds"].as_array().unwrap();
    let flight = |i: usize| rounds[i]["flight"].as_f64().unwrap();
    for i in 1..4 {
        assert!(flight(i) >= 1.5 * flight(i - 1), "round {i}: {rounds:?}");
    }
    let phases = s["phases"].as_array().unwrap();
    assert_eq!(phases[0]["kind"], "slow_start");
    assert_eq!(phases[0]["frame"], 4);
    let recovery = phases
        .iter()
        .find(|p| p["kind"] == "recovery")
        .expect("a recovery");
    assert!(fast.iter().any(|f| f["frame"] == recovery["frame"]));
    assert!(phases.iter().any(|p| p["kind"] == "congestion_avoidance"));
    // Throughput: no more than the link's 20 Mbit/s over the connection.
    let bps = s["throughput_bits_per_sec"].as_f64().unwrap();
    assert!((1e6..=20.5e6).contains(&bps), "{bps} bit/s");
}

#[test]
fn the_text_gives_each_answer_with_its_frames() {
    let file = common::fixture(BULK);
    let lines = common::sniffer_output(&file, &["--explain", "-q", "--width", "100"]);
    // Every line fits the width.
    for line in &lines {
        assert!(line.chars().count() <= 100, "{line}");
    }
    // The answers, their wrapping undone.
    let text = lines
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "Lab, stream 0",
        "client ISN",
        "MSS 1460, window scale 10 (×1024), SACK permitted, timestamps",
        "RFC 6298 (α = 1/8, β = 1/4) after the last sample: SRTT",
        "left out by Karn's algorithm",
        "fast retransmission at frame",
        "segments acknowledged per ACK",
        "bytes in flight (frame",
        "Mbit/s over the connection",
        "slow start from frame 4 (0.0 ms)",
        "recovery from frame",
    ] {
        assert!(text.contains(needle), "no {needle:?} in:\n{text}");
    }
    // -q leaves the listing out.
    assert!(!text.contains("→ 12345 [SYN]"), "{text}");
}

#[test]
fn stream_n_keeps_one_conversation() {
    let file = common::fixture("real-http-loopback.pcap");
    let (all, _) = explain_json(&file, &[]);
    assert!(all.len() > 2, "{} streams", all.len());
    let (labs, conversations) = explain_json(&file, &["--stream", "1"]);
    assert_eq!(labs.len(), 1);
    assert_eq!(conversations.len(), 1);
    assert_eq!(labs[0]["stream"], 1);
    assert_eq!(conversations[0]["stream"], 1);
    assert_eq!(labs[0], all[1]);

    // A round whose flight is less than half a segment says so rather than 0 (the
    // response's last segment, 6 bytes after a full one of 184).
    let text = common::sniffer_output(&file, &["--explain", "-q", "--stream", "0"]).join("\n");
    assert!(text.contains("in segments of 184 bytes: 1, <1"), "{text}");

    let text = common::sniffer_output(&file, &["--explain", "-q", "--stream", "99"]);
    assert_eq!(
        text,
        vec![format!("no TCP stream 99 in {}", file.display())]
    );
    // --stream belongs to --explain.
    Command::cargo_bin("sniffer")
        .expect("binary")
        .args(["read"])
        .arg(&file)
        .args(["--stream", "1"])
        .assert()
        .code(2);
}

#[test]
fn every_fixture_gets_an_answer_for_each_conversation() {
    for file in common::fixtures() {
        let (labs, conversations) = explain_json(&file, &[]);
        let streams =
            |v: &[Value]| -> Vec<u64> { v.iter().map(|x| x["stream"].as_u64().unwrap()).collect() };
        assert_eq!(
            streams(&labs),
            streams(&conversations),
            "{}",
            file.display()
        );
        // Each sender's data segments add up to what the check counted (retransmissions
        // included there).
        let by_stream: HashMap<u64, &Value> = conversations
            .iter()
            .map(|c| (c["stream"].as_u64().unwrap(), c))
            .collect();
        for lab in &labs {
            let c = by_stream[&lab["stream"].as_u64().unwrap()];
            for s in lab["senders"].as_array().unwrap() {
                let key = if s["sender"] == "client" {
                    "client_to_server_segments"
                } else {
                    "server_to_client_segments"
                };
                assert_eq!(s["data_segments"], c[key], "{} {lab}", file.display());
            }
        }
    }
}
