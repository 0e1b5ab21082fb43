//! The packet details (`-V`), bytes (`-x`), field values (`-T fields`), JSON (`-T json`) and
//! Elasticsearch bulk lines (`-T ek`) against tshark's, line by line, on every committed
//! capture, times in UTC: each output must be identical, and the number of differing lines
//! per output is printed. (The synthetic and real corpora, which hold what the tree does
//! not cover yet, are measured by `tests/corpus.rs` and `scripts/real-corpus.sh`.)

mod common;

use std::path::Path;

/// A broad list of fields, of every type the tree has.
const FIELDS: &[&str] = &[
    "frame.number",
    "frame.time",
    "frame.time_epoch",
    "frame.time_relative",
    "frame.time_delta",
    "frame.len",
    "frame.cap_len",
    "frame.protocols",
    "eth.src",
    "eth.dst",
    "eth.addr",
    "eth.type",
    "eth.src.oui",
    "eth.padding",
    "eth.fcs",
    "arp.opcode",
    "arp.src.hw_mac",
    "arp.dst.proto_ipv4",
    "arp.isgratuitous",
    "eth.dst.oui_resolved",
    "ip.version",
    "ip.src",
    "ip.dst",
    "ip.addr",
    "ip.id",
    "ip.ttl",
    "ip.flags",
    "ip.flags.df",
    "ip.proto",
    "ip.checksum",
    "ip.dsfield",
    "ip.len",
    "ip.frag_offset",
    "ip.fragment",
    "ip.reassembled.length",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.flow",
    "ipv6.plen",
    "ipv6.nxt",
    "ipv6.hopopts.nxt",
    "ipv6.opt.router_alert",
    "ipv6.routing.src.addr",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.port",
    "tcp.stream",
    "tcp.completeness",
    "tcp.len",
    "tcp.seq",
    "tcp.seq_raw",
    "tcp.nxtseq",
    "tcp.ack",
    "tcp.ack_raw",
    "tcp.hdr_len",
    "tcp.flags",
    "tcp.flags.syn",
    "tcp.flags.ack",
    "tcp.flags.fin",
    "tcp.flags.push",
    "tcp.flags.str",
    "tcp.window_size_value",
    "tcp.window_size",
    "tcp.window_size_scalefactor",
    "tcp.checksum",
    "tcp.checksum.status",
    "tcp.urgent_pointer",
    "tcp.options",
    "tcp.options.mss_val",
    "tcp.options.wscale.shift",
    "tcp.options.wscale.multiplier",
    "tcp.options.timestamp.tsval",
    "tcp.options.timestamp.tsecr",
    "tcp.analysis.acks_frame",
    "tcp.analysis.ack_rtt",
    "tcp.analysis.initial_rtt",
    "tcp.analysis.bytes_in_flight",
    "tcp.analysis.push_bytes_sent",
    "tcp.time_relative",
    "tcp.time_delta",
    "tcp.payload",
    "icmp.type",
    "icmp.code",
    "icmp.checksum.status",
    "icmp.resptime",
    "icmp.mtu",
    "icmp.redir_gw",
    "icmpv6.type",
    "icmpv6.echo.identifier",
    "icmpv6.nd.ns.target_address",
    "icmpv6.opt.linkaddr",
    "icmpv6.opt.prefix",
    "icmpv6.resptime",
    "udp.srcport",
    "udp.dstport",
    "udp.length",
    "data.data",
    "data.len",
];

/// `-T KIND` with a few fields named, of several types, some absent from most packets.
fn named(kind: &str) -> Vec<String> {
    let mut args = vec!["-T".to_owned(), kind.to_owned()];
    for field in [
        "frame.time",
        "eth.src",
        "ip.src",
        "tcp.port",
        "tcp.flags.syn",
        "tcp.options",
        "udp.srcport",
        "data.data",
    ] {
        args.push("-e".to_owned());
        args.push(field.to_owned());
    }
    args
}

/// The outputs compared, as arguments to both programs.
fn outputs() -> Vec<(&'static str, Vec<String>)> {
    let mut fields: Vec<String> =
        vec!["-T".into(), "fields".into(), "-E".into(), "header=y".into()];
    for f in FIELDS {
        fields.push("-e".into());
        fields.push((*f).into());
    }
    vec![
        ("-V", vec!["-V".into()]),
        ("-x", vec!["-x".into()]),
        ("-V -x", vec!["-V".into(), "-x".into()]),
        ("-T fields", fields),
        ("-T json", vec!["-T".into(), "json".into()]),
        ("-T ek", vec!["-T".into(), "ek".into()]),
        ("-T json -e", named("json")),
        ("-T ek -e", named("ek")),
    ]
}

/// Lines that differ (tshark's missing from ours and ours not in tshark's, by a line diff),
/// and the first difference.
fn differing(theirs: &[String], ours: &[String]) -> (usize, Option<String>) {
    let theirs: Vec<&str> = theirs.iter().map(String::as_str).collect();
    let ours: Vec<&str> = ours.iter().map(String::as_str).collect();
    let diff = similar::TextDiff::from_slices(&theirs, &ours);
    let mut count = 0;
    let mut first = None;
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Equal => continue,
            similar::ChangeTag::Delete => "tshark: ",
            similar::ChangeTag::Insert => "sniffer:",
        };
        count += 1;
        first.get_or_insert_with(|| {
            format!(
                "first at tshark's line {}: {sign} {}",
                change.old_index().map_or(0, |i| i + 1),
                change.value()
            )
        });
    }
    (count, first)
}

#[test]
fn details_bytes_and_fields_match_tshark() {
    if !common::has_tshark() {
        return;
    }
    let mut failures = Vec::new();
    let mut report = String::from("differing lines per output (of tshark's):\n");
    for file in common::fixtures() {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        for (output, args) in outputs() {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let theirs = common::tshark_output(&file, &args);
            let ours = common::sniffer_output(&file, &args);
            let (count, first) = differing(&theirs, &ours);
            report.push_str(&format!(
                "  {name:32} {output:10} {count:5} of {}\n",
                theirs.len()
            ));
            if count > 0 {
                failures.push(format!(
                    "{name} {output}: {count} lines differ; {}",
                    first.unwrap_or_default()
                ));
            }
        }
    }
    eprintln!("{report}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unknown_fields_and_options_are_refused_in_tsharks_words() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/greeting-ipv4.pcap");
    let run = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("sniffer")
            .expect("binary")
            .arg("read")
            .arg(&file)
            .args(args)
            .output()
            .expect("run")
    };
    let out = run(&["-T", "fields", "-e", "tcp.prt"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Some fields aren't valid:\n\ttcp.prt"));
    let out = run(&["-T", "fields"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no fields were specified with \"-e\""));
    let out = run(&["-T", "fields", "-e", "tcp.seq", "-E", "header=maybe"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Invalid -E parameter \"header=maybe\""));
    let out = run(&["-V", "--ladder"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("go with the listing"));
}

#[test]
fn field_options_shape_the_lines() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/greeting-ipv4.pcap");
    let args = [
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "tcp.port",
        "-E",
        "header=y",
        "-E",
        "separator=;",
        "-E",
        "aggregator=/s",
        "-E",
        "occurrence=l",
        "-E",
        "quote=d",
    ];
    let lines = common::sniffer_output(&file, &args);
    assert_eq!(lines[0], "frame.number;tcp.port");
    assert_eq!(lines[1], "\"1\";\"12345\"");
    let all = common::sniffer_output(
        &file,
        &["-T", "fields", "-e", "tcp.port", "-E", "aggregator=/s"],
    );
    assert_eq!(all[0], "54334 12345");
}

#[test]
fn json_is_one_array_and_ek_is_bulk_input() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/greeting-ipv4.pcap");
    let json = common::sniffer_output(&file, &["-T", "json"]).join("\n");
    let packets: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let packets = packets.as_array().expect("an array");
    assert_eq!(packets.len(), 8);
    let data = &packets[3]["_source"]["layers"]["data"]["data.data"];
    // "welcome to python!" in the data segment, as colon-separated hex.
    assert_eq!(
        data.as_str().map(|d| d.split(':').count()),
        Some("welcome to python!".len())
    );

    let ek = common::sniffer_output(&file, &["-T", "ek"]);
    assert_eq!(
        ek.len(),
        16,
        "an action line and a document line per packet"
    );
    for pair in ek.chunks(2) {
        let action: serde_json::Value = serde_json::from_str(&pair[0]).expect("action line");
        assert!(action["index"]["_index"]
            .as_str()
            .is_some_and(|i| i.starts_with("packets-")));
        let doc: serde_json::Value = serde_json::from_str(&pair[1]).expect("document line");
        assert!(doc["timestamp"]
            .as_str()
            .is_some_and(|t| t.parse::<u64>().is_ok()));
        assert!(doc["layers"]["tcp"]["tcp_tcp_srcport"].is_string());
        assert!(doc["layers"]["tcp"]["tcp_tcp_flags_syn"].is_boolean());
    }
}

#[test]
fn json_of_an_empty_capture_is_an_empty_array() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("empty.pcap");
    let mut header = vec![];
    for word in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
        header.extend_from_slice(&word.to_le_bytes());
    }
    std::fs::write(&file, header).expect("write");
    assert_eq!(common::sniffer_output(&file, &["-T", "json"]), vec!["[]"]);
    assert!(common::sniffer_output(&file, &["-T", "ek"]).is_empty());
}
