//! `sniffer read -z` against `tshark -z`: the conversations and endpoints of every committed
//! capture, byte for byte, with filters, with the listing before them, with `-Y`, and the
//! refusals. (`corpus.rs` compares them on the synthetic corpus too.)

mod common;

use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    common::fixtures()
        .into_iter()
        .find(|p| p.file_name().is_some_and(|n| n == name))
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

#[test]
fn every_report_of_every_capture_is_tsharks() {
    if !common::has_tshark() {
        return;
    }
    let mut failures = Vec::new();
    let mut rows = 0;
    for file in common::fixtures() {
        let theirs = common::tshark_output(&file, common::EVERY_STATISTIC);
        let ours = common::sniffer_output(&file, common::EVERY_STATISTIC);
        rows += theirs.iter().filter(|l| l.contains("  ")).count();
        if theirs != ours {
            failures.push(format!(
                "{}:\n  tshark: {theirs:#?}\n  sniffer: {ours:#?}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Seventeen reports of every committed capture, with rows in them.
    assert!(rows > 300, "{rows}");
}

/// `io,stat` with every function, filters, wrapped filter text, intervals of every precision,
/// and fields no filter names (whose values tshark does not see: 0).
#[test]
fn io_stat_is_tsharks() {
    if !common::has_tshark() {
        return;
    }
    let mut failures = Vec::new();
    let mut rows = 0;
    for (file, args) in [
        ("bulk-40ms-20mbit-loss.pcap", vec!["io,stat,0"]),
        ("bulk-40ms-20mbit-loss.pcap", vec!["io,stat,0.001"]),
        (
            "bulk-40ms-20mbit-loss.pcap",
            vec![
                "io,stat,0.1,COUNT(tcp.analysis.retransmission)tcp.analysis.retransmission,\
                 SUM(tcp.len)tcp.len>0,MIN(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt,\
                 MAX(tcp.analysis.bytes_in_flight),AVG(tcp.window_size)tcp.srcport==12345",
            ],
        ),
        (
            "bulk-40ms-20mbit-loss.pcap",
            vec![
                "io,stat,0.25,FRAMES()tcp.len>0,BYTES(),AVG(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt,\
                 SUM(tcp.analysis.ack_rtt)tcp.analysis.ack_rtt,MAX(tcp.time_delta)tcp.time_delta",
                "io,stat,0.3,tcp.flags.syn==1 && tcp.flags.ack==0 || tcp.flags.fin==1 and \
                 tcp.len==0 or tcp.analysis.duplicate_ack or tcp.analysis.out_of_order",
            ],
        ),
        ("real-http-loopback.pcap", vec!["io,stat,1", "io,stat,10,tcp,udp"]),
        (
            "synthetic-every-tag.pcap",
            vec!["io,stat,0.5,tcp,udp,COUNT(tcp.analysis.flags)tcp.analysis.flags,MAX(frame.len)frame.len,MIN(ip.ttl)ip.ttl"],
        ),
        ("arp-and-padding.pcap", vec!["io,stat,1", "io,stat,1.00,arp"]),
    ] {
        let file = fixture(file);
        let mut argv = vec!["-q"];
        for a in &args {
            argv.extend(["-z", a]);
        }
        let theirs = common::tshark_output(&file, &argv);
        let ours = common::sniffer_output(&file, &argv);
        rows += theirs.iter().filter(|l| l.contains(" <> ")).count();
        if theirs != ours {
            failures.push(format!(
                "{} {args:?}:\n  tshark: {theirs:#?}\n  sniffer: {ours:#?}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(rows > 100, "{rows}");
}

#[test]
fn filters_the_listing_and_y_are_tsharks() {
    if !common::has_tshark() {
        return;
    }
    let cases: &[(&str, &[&str])] = &[
        // A report's own filter counts only the packets it selects (quoted headers too).
        (
            "icmp-messages.pcap",
            &[
                "-q",
                "-z",
                "conv,ip,tcp.port==80",
                "-z",
                "endpoints,tcp,tcp.flags.syn==1",
            ],
        ),
        // The listing first, then the reports, the last asked for first.
        (
            "synthetic-every-tag.pcap",
            &["-z", "conv,tcp", "-z", "endpoints,ip"],
        ),
        // -Y selects the rows; the reports count every packet.
        (
            "synthetic-every-tag.pcap",
            &["-Y", "tcp.len > 0", "-z", "conv,tcp"],
        ),
        (
            "udp-edge-cases.pcap",
            &["-q", "-Y", "udp", "-z", "conv,udp"],
        ),
        // Ethernet addresses by their vendors' names, sizes in kB.
        (
            "arp-and-padding.pcap",
            &["-q", "-z", "conv,eth", "-z", "endpoints,eth"],
        ),
        (
            "real-http-loopback.pcap",
            &["-q", "-z", "conv,tcp", "-z", "conv,ip"],
        ),
        // The frame is in the hierarchy when a filter names one of its fields.
        (
            "icmp-messages.pcap",
            &["-q", "-z", "io,phs,frame.len > 60", "-z", "io,phs,icmp"],
        ),
        (
            "icmp-messages.pcap",
            &["-q", "-Y", "frame.len > 60", "-z", "io,phs"],
        ),
        ("pcapng-edge-cases.pcapng", &["-q", "-z", "io,phs"]),
        // Some expert entries exist only when tshark builds the tree (a filter needs it).
        ("malformed-headers.pcap", &["-q", "-z", "expert"]),
        (
            "malformed-headers.pcap",
            &["-q", "-z", "expert", "-Y", "tcp"],
        ),
        (
            "tcp-options.pcap",
            &["-q", "-z", "expert", "-z", "conv,tcp"],
        ),
        // The flow graph: one address (the greeting on loopback), two (the bulk transfer
        // across its link), several conversations; with the listing and -Y before it.
        (
            "greeting-ipv4.pcap",
            &["-Y", "tcp.len > 0", "-z", "flow,tcp,standard"],
        ),
        (
            "bulk-40ms-20mbit-loss.pcap",
            &["-q", "-z", "flow,tcp,network", "-z", "conv,tcp"],
        ),
        (
            "synthetic-every-tag.pcap",
            &["-q", "-z", "flow,tcp,standard,tcp.flags.syn==1"],
        ),
        // With packet details, bytes, fields or JSON before the reports; -q leaves out
        // only the plain listing. A tree is built for all but the bytes, so the frame is
        // in the hierarchy and the experts only a tree has are counted; io,stat still sees
        // only the fields a filter names.
        (
            "tcp-options.pcap",
            &["-q", "-V", "-z", "conv,tcp", "-z", "expert"],
        ),
        (
            "malformed-headers.pcap",
            &["-x", "-z", "io,phs", "-z", "expert"],
        ),
        (
            "greeting-ipv4.pcap",
            &[
                "-T",
                "fields",
                "-e",
                "frame.number",
                "-e",
                "tcp.len",
                "-z",
                "io,phs",
                "-z",
                "io,stat,0,SUM(tcp.len)tcp,MAX(tcp.len)tcp.len",
            ],
        ),
        (
            "icmp-messages.pcap",
            &["-T", "json", "-Y", "icmp", "-z", "io,phs", "-z", "conv,ip"],
        ),
        (
            "synthetic-every-tag.pcap",
            &["-T", "ek", "-e", "tcp.seq", "-z", "flow,tcp,network"],
        ),
    ];
    for (name, args) in cases {
        let file = fixture(name);
        let theirs = common::tshark_output(&file, args);
        let ours = common::sniffer_output(&file, args);
        assert!(theirs.len() > 6, "{name} {args:?}: {theirs:?}");
        assert_eq!(ours, theirs, "{name} {args:?}");
    }
}

/// `-z follow,tcp|udp,ascii|hex|raw,N` for every TCP and UDP stream of every committed
/// capture (and one stream past the last, which tshark prints with no ends), all at once as
/// tshark allows.
#[test]
fn following_every_stream_is_tsharks() {
    if !common::has_tshark() {
        return;
    }
    let mut failures = Vec::new();
    let mut streams = 0;
    for file in common::fixtures() {
        let mut args = vec!["-q".to_owned()];
        for protocol in ["tcp", "udp"] {
            let field = format!("{protocol}.stream");
            let last = common::sniffer_output(&file, &["-T", "fields", "-e", &field])
                .iter()
                .flat_map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>())
                .filter_map(|v| v.parse::<u32>().ok())
                .max();
            let Some(last) = last else { continue };
            for stream in 0..=last + 1 {
                for mode in ["ascii", "hex", "raw"] {
                    args.push("-z".to_owned());
                    args.push(format!("follow,{protocol},{mode},{stream}"));
                }
            }
            streams += last + 1;
        }
        if args.len() == 1 {
            continue;
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let theirs = common::tshark_output(&file, &args);
        let ours = common::sniffer_output(&file, &args);
        if theirs != ours {
            failures.push(format!(
                "{}:\n  tshark: {theirs:#?}\n  sniffer: {ours:#?}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(streams > 50, "{streams}");
}

fn sniffer(args: &[&str]) -> std::process::Output {
    Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
        .arg("read")
        .arg(fixture("greeting-ipv4.pcap"))
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn unknown_reports_bad_filters_and_other_outputs_are_refused() {
    for (args, message) in [
        (
            &["-z", "conv,sctp"][..],
            "invalid -z argument \"conv,sctp\"",
        ),
        (
            &["-z", "io,stat,x"][..],
            "invalid \"-z io,stat,<interval>[,<filter>][,<filter>]...\" argument",
        ),
        (
            &["-z", "io,stat,1,SUM(no.such.field)"][..],
            "There is no field named 'no.such.field'.",
        ),
        (
            &["-z", "io,stat,1,SUM(ip.src)"][..],
            "ip.src doesn't have integral values, so SUM(*) calculations are not supported",
        ),
        (
            &["-z", "io,stat,1,MAX(tcp.len"][..],
            "Closing parenthesis missing from calculated expression.",
        ),
        (
            &["-z", "io,stat,1,tcp.prt==80"][..],
            "Filter \"tcp.prt==80\" is invalid",
        ),
        (&["-z", "io,phsx"][..], "invalid -z argument \"io,phsx\""),
        (
            &["-z", "follow,tcp,text,0"][..],
            "invalid -z argument \"follow,tcp,text,0\"",
        ),
        (
            &["-z", "follow,tcp,ascii,x"][..],
            "invalid -z argument \"follow,tcp,ascii,x\"",
        ),
        (&["-z", "flow,tcp"][..], "flow - Invalid address type."),
        (&["-z", "flow,tcp,any"][..], "flow - Invalid address type."),
        (
            &["-z", "flow,tcp,network,tcp.prt==80"][..],
            "Couldn't register flow tap: Filter \"tcp.prt==80\" is invalid",
        ),
        (
            &["-z", "conv,ip,tcp.prt==80"][..],
            "Couldn't register conversations tap: Filter \"tcp.prt==80\" is invalid",
        ),
    ] {
        let out = sniffer(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = sniffer(&["-z", "conv,tcp", "--format", "table"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("-z and -q go with the plain listing"));
}

/// `sniffer live` checks its statistics before it captures anything. (A refusal that does
/// not come would start a capture with no end: the time limit ends it, and the test fails.)
#[test]
fn live_refuses_bad_statistics_before_capturing() {
    let live = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("sniffer")
            .expect("binary")
            .arg("live")
            .args(args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("runs")
    };
    let out = live(&["-z", "conv,sctp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid -z argument \"conv,sctp\""));
    let out = live(&["-z", "conv,tcp", "--format", "json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("-z goes with the plain listing"));
    let out = live(&["-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-q leaves out the listing"));
}
