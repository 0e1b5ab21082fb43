//! `sniffer read` on committed captures: the table snapshot, JSON fields, errors.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use sniffer::synth::interleaved;

fn sniffer() -> Command {
    Command::cargo_bin("sniffer").expect("binary")
}

fn stdout_of(args: &[&str]) -> String {
    let out = sniffer().args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn table_at_a_fixed_width() {
    let file = common::fixture("greeting-ipv4.pcap");
    let table = stdout_of(&[
        "read",
        "--format",
        "table",
        "--width",
        "150",
        file.to_str().expect("utf-8"),
    ]);
    insta::assert_snapshot!("greeting_ipv4_table_150", table);
}

#[test]
fn plain_listing_of_the_ipv6_exchange() {
    let file = common::fixture("greeting-ipv6.pcap");
    let plain = stdout_of(&["read", "--format", "plain", file.to_str().expect("utf-8")]);
    insta::assert_snapshot!("greeting_ipv6_plain", plain);
}

#[test]
fn json_has_the_numbers_behind_the_info() {
    let file = common::fixture("greeting-ipv4.pcap");
    let json = stdout_of(&["read", "--format", "json", file.to_str().expect("utf-8")]);
    let rows: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(rows.len(), 8);
    let data = &rows[3];
    assert_eq!(data["number"], 4);
    assert_eq!(data["length"], 84);
    assert_eq!(data["step"], "data");
    assert_eq!(data["tcp"]["len"], 18);
    assert_eq!(data["tcp"]["seq"], 1);
    assert_eq!(data["tcp"]["ack"], 1);
    assert_eq!(data["tcp"]["flags"], serde_json::json!(["PSH", "ACK"]));
    assert_eq!(data["tcp"]["window_raw"], 64);
    assert_eq!(data["tcp"]["window"], 65536);
    assert_eq!(data["tcp"]["window_scale_factor"], 1024);
    // Raw numbers: the SYN-ACK's ISN k plus one.
    let k = rows[1]["tcp"]["seq_raw"].as_u64().expect("number");
    assert_eq!(data["tcp"]["seq_raw"].as_u64(), Some((k + 1) % (1 << 32)));
    let syn = &rows[0];
    assert_eq!(
        syn["tcp"]["options"]["list"][0],
        serde_json::json!({"option": "mss", "value": 65495})
    );
    assert!(syn["tcp"]["ack"].is_null());
}

#[test]
fn missing_file_is_one_clear_line() {
    sniffer()
        .args(["read", "/nonexistent/capture.pcap"])
        .assert()
        .code(2)
        .stderr("sniffer: cannot read /nonexistent/capture.pcap: No such file or directory (os error 2)\n");
}

#[test]
fn not_a_capture_is_one_clear_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "these are not packets\n").expect("write");
    sniffer()
        .arg("read")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(format!(
            "sniffer: cannot read {}: ",
            path.display()
        )))
        .stderr(predicate::str::contains("unknown file format"));
}

#[test]
fn truncated_file_prints_what_was_read_then_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cut.pcap");
    let bytes = std::fs::read(common::fixture("greeting-ipv4.pcap")).expect("fixture");
    // Keep the file header, the first record whole, and half of the second.
    let first_record = 16 + 74;
    std::fs::write(&path, &bytes[..24 + first_record + 40]).expect("write");
    let out = sniffer()
        .args(["read", "--format", "plain"])
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("[SYN] Seq=0"), "{stdout}");
    // The second record starts at byte 24 + 16 + 74 = 114; 24 of its 74 bytes are there.
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "sniffer: cannot read {}: at byte 114: the file ends inside a packet record (24 of 74 bytes)\n",
            path.display()
        )
    );
}

#[test]
fn closed_pipe_is_not_an_error() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command as Proc, Stdio};
    // Far more output than a pipe holds (~64 KiB), so the reader's early close is certain
    // to meet a write: 100 conversations, about 250 KiB of listing.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("many.pcap");
    let mut frames = Vec::new();
    for c in 0..100u16 {
        let client = format!("10.0.0.1:{}", 30_000 + c).parse().expect("addr");
        let server = "10.0.0.2:12345".parse().expect("addr");
        let mut t =
            sniffer::synth::Talk::new(client, server, 1, 2, sniffer::capture::Timestamp::default());
        t.handshake(Some(7));
        for _ in 0..8 {
            t.say(
                sniffer::synth::End::Client,
                sniffer::tcp::TcpFlags::PSH | sniffer::tcp::TcpFlags::ACK,
                10,
            );
        }
        t.close(sniffer::synth::End::Client);
        frames.extend(t.frames(sniffer::link::LinkType::EN10MB));
    }
    let mut file = std::fs::File::create(&path).expect("create");
    sniffer::synth::write_capture(
        &mut file,
        sniffer::synth::FileFormat::Pcap {
            big_endian: false,
            nanos: false,
        },
        sniffer::link::LinkType::EN10MB,
        262_144,
        &frames,
    )
    .expect("write");
    // As `sniffer read many.pcap | head -1`.
    let mut child = Proc::new(assert_cmd::cargo::cargo_bin("sniffer"))
        .args(["read", "--format", "plain"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("read");
    assert!(first.contains("[SYN] Seq=0"), "{first}");
    let status = child.wait().expect("wait");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("read");
    assert!(status.success(), "exit {status:?}, stderr {err}");
    assert_eq!(err, "");
}

/// A pcap file header (microseconds, little-endian) followed by one 4-byte record.
fn pcap_with_linktype(linktype: u32) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic
    v.extend_from_slice(&2u16.to_le_bytes()); // major version
    v.extend_from_slice(&4u16.to_le_bytes()); // minor version
    v.extend_from_slice(&0i32.to_le_bytes()); // reserved (thiszone)
    v.extend_from_slice(&0u32.to_le_bytes()); // reserved (sigfigs)
    v.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
    v.extend_from_slice(&linktype.to_le_bytes()); // linktype
    v.extend_from_slice(&1u32.to_le_bytes()); // ts seconds
    v.extend_from_slice(&0u32.to_le_bytes()); // ts microseconds
    v.extend_from_slice(&4u32.to_le_bytes()); // captured length
    v.extend_from_slice(&4u32.to_le_bytes()); // original length
    v.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    v
}

#[test]
fn an_unsupported_linktype_is_named_as_libpcap_names_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (linktype, named) in [
        // Every Wi-Fi monitor capture.
        (127, "IEEE802_11_RADIO: 802.11 plus radiotap header"),
        (105, "IEEE802_11: 802.11"),
        (220, "USB_LINUX_MMAPPED: USB with padded Linux header"),
        // A LINKTYPE_ value whose DLT_ value differs.
        (100, "ATM_RFC1483: RFC 1483 LLC-encapsulated ATM"),
        (147, "unknown to libpcap"),
    ] {
        let path = dir.path().join(format!("linktype-{linktype}.pcap"));
        std::fs::write(&path, pcap_with_linktype(linktype)).expect("write");
        sniffer()
            .arg("read")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with(format!(
                "sniffer: {}: unsupported link-layer type {linktype} ({named}); supported: NULL (0), EN10MB (1),",
                path.display()
            )));
    }
}

#[test]
fn a_frame_too_short_for_its_link_header_still_gets_its_line() {
    // LINUX_SLL2 needs 20 bytes of header; this record has 4.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("short.pcap");
    std::fs::write(&path, pcap_with_linktype(276)).expect("write");
    let json = stdout_of(&["read", "--format", "json", path.to_str().expect("utf-8")]);
    let row: serde_json::Value = serde_json::from_str(json.trim_end()).expect("one row");
    assert_eq!(row["number"], 1);
    assert_eq!(row["length"], 4);
    assert_eq!(
        row["malformed"],
        "frame of 4 bytes is shorter than the 20-byte LINUX_SLL2 header"
    );
}

#[test]
fn json_lists_the_analysis_tags_leftmost_first() {
    let file = common::fixture("synthetic-every-tag.pcap");
    let json = stdout_of(&["read", "--format", "json", file.to_str().expect("utf-8")]);
    let rows: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON row"))
        .collect();
    assert_eq!(rows[47]["number"], 48);
    assert_eq!(rows[47]["tcp"]["tags"], serde_json::json!(["Dup ACK 45#1"]));
    let probe_ack = &rows[125 - 1];
    assert_eq!(probe_ack["number"], 125);
    assert_eq!(
        probe_ack["tcp"]["tags"],
        serde_json::json!(["ZeroWindowProbeAck", "ZeroWindow"])
    );
    assert!(probe_ack["info"]
        .as_str()
        .is_some_and(|i| i.starts_with("[TCP ZeroWindowProbeAck] [TCP ZeroWindow] ")));
    assert_eq!(rows[0]["tcp"]["tags"], serde_json::json!([]));
}

/// A long capture in the interleaved benchmark's shape: `conversations` of 10 data segments
/// each way (27 packets each).
fn long_capture(dir: &std::path::Path, conversations: u32) -> std::path::PathBuf {
    let path = dir.join("long.pcap");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    sniffer::synth::interleaved::write_interleaved(
        &mut file,
        conversations,
        10,
        interleaved::SERVER_BYTES,
    )
    .expect("write");
    std::io::Write::flush(&mut file).expect("flush");
    path
}

#[test]
fn a_long_table_is_written_page_by_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = long_capture(dir.path(), 100);
    let arg = path.to_str().expect("utf-8");
    let table = stdout_of(&["read", "--format", "table", "--width", "220", arg]);
    let plain = stdout_of(&["read", "--format", "plain", arg]);
    let packets = plain.lines().count();
    assert_eq!(packets, 2_700);
    let pages = sniffer::render::table::PAGE_ROWS;
    // One header per page of PAGE_ROWS rows, and every row once.
    let headers = table
        .lines()
        .filter(|l| l.trim_start().starts_with("No. "))
        .count();
    // A page whose columns come out as the page before's continues the table without a new
    // header; at most one header per page.
    assert!(
        (1..=packets.div_ceil(pages)).contains(&headers),
        "{headers}: {}",
        &table[..2_000]
    );
    // One line per packet at this width.
    let numbers: Vec<u64> = table
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert_eq!(numbers, (1..=2_700).collect::<Vec<u64>>());
    // A state shown unchanged at the top of a page is not marked as a change: the memory of
    // each conversation's last states carries over.
    let first_of_page_2 = table
        .lines()
        .filter(|l| l.split_whitespace().next() == Some("1001"))
        .collect::<Vec<_>>();
    assert_eq!(first_of_page_2.len(), 1, "row 1001 once");
    assert!(
        !first_of_page_2[0].contains('▸'),
        "row 1001 is mid-conversation: {}",
        first_of_page_2[0]
    );
}

/// What `sniffer ARGS > /dev/null` writes to a terminal on stderr, run under `script` (which
/// gives it a pseudo-terminal); `None` (a skip) without `script`.
fn stderr_on_a_terminal(args: &str) -> Option<String> {
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script && !common::skip("script (util-linux) is not installed") {
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("sniffer");
    // A terminal of known size (a pty made without one has 0 columns).
    let command = format!(
        "stty cols 160 rows 40; {} {args} > /dev/null",
        bin.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("run script");
    assert!(out.status.success(), "{out:?}");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_big_file_shows_its_progress_on_a_terminal_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.pcap");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    // About 20 MiB: over the 16 MiB threshold.
    sniffer::synth::interleaved::write_interleaved(&mut file, 700, 14, interleaved::SERVER_BYTES)
        .expect("write");
    std::io::Write::flush(&mut file).expect("flush");
    let arg = path.to_str().expect("utf-8");
    let Some(shown) = stderr_on_a_terminal(&format!("read --format plain {arg}")) else {
        return;
    };
    assert!(shown.contains("reading ["), "{shown:?}");
    assert!(shown.contains("MiB"), "{shown:?}");
    // Cleared at the end: nothing is drawn after the last erase.
    let last_erase = shown.rfind("\u{1b}[2K").expect("the bar is erased");
    assert!(
        !shown[last_erase..].contains("reading"),
        "{:?}",
        &shown[last_erase..]
    );
    let Some(quiet) = stderr_on_a_terminal(&format!("read --no-progress --format plain {arg}"))
    else {
        return;
    };
    assert_eq!(quiet, "");
    // Not a terminal: nothing on stderr.
    let out = sniffer()
        .args(["read", "--format", "plain", arg])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A small file: no bar on a terminal either.
    let small = common::fixture("greeting-ipv4.pcap");
    let Some(small_shown) =
        stderr_on_a_terminal(&format!("read --format plain {}", small.display()))
    else {
        return;
    };
    assert_eq!(small_shown, "");
}

/// The records of a little-endian microsecond pcap: its file header, then each record whole.
fn pcap_records(bytes: &[u8]) -> (&[u8], Vec<&[u8]>) {
    let (header, mut rest) = bytes.split_at(24);
    let mut records = Vec::new();
    while rest.len() >= 16 {
        let caplen = u32::from_le_bytes(rest[8..12].try_into().expect("4 bytes")) as usize;
        let (record, tail) = rest.split_at(16 + caplen);
        records.push(record);
        rest = tail;
    }
    (header, records)
}

#[test]
fn reading_standard_input_shows_each_packet_as_it_arrives() {
    use std::io::{BufRead, Write};
    use std::time::Duration;

    let file = common::fixture("greeting-ipv4.pcap");
    let expected = common::sniffer_lines(&file);
    let bytes = std::fs::read(&file).expect("fixture");
    let (header, records) = pcap_records(&bytes);
    assert_eq!(records.len(), expected.len());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
        .args(["read", "--format", "plain", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run sniffer");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if lines_tx.send(line.expect("utf-8")).is_err() {
                break;
            }
        }
    });
    // As `tcpdump -U -w -` writes: the header, then each packet when it is captured. Each
    // line must show before the next packet is even written.
    stdin.write_all(header).expect("write");
    for (record, line) in records.iter().zip(&expected) {
        stdin.write_all(record).expect("write");
        stdin.flush().expect("flush");
        let shown = lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the packet is shown while standard input is still open");
        assert_eq!(&shown, line);
    }
    drop(stdin);
    assert!(child.wait().expect("wait").success());
    assert!(lines.recv().is_err(), "nothing more after the end");
}

#[test]
fn standard_input_reads_like_the_file_in_every_format() {
    let file = common::fixture("real-http-loopback.pcap");
    for format in ["plain", "json", "table"] {
        let from_file = stdout_of(&["read", "--format", format, file.to_str().expect("utf-8")]);
        let out = sniffer()
            .args(["read", "--format", format, "-"])
            .pipe_stdin(&file)
            .expect("stdin")
            .output()
            .expect("run");
        assert!(out.status.success());
        assert_eq!(
            String::from_utf8(out.stdout).expect("utf-8"),
            from_file,
            "{format}"
        );
    }
}

#[test]
fn empty_standard_input_is_one_line_and_exit_code_2() {
    sniffer()
        .args(["read", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr("sniffer: cannot read standard input: at byte 0: the file is empty\n");
}

#[test]
fn explain_in_json_is_one_object_per_conversation_after_the_packets() {
    let file = common::fixture("real-http-loopback.pcap");
    let out = stdout_of(&[
        "read",
        "--format",
        "json",
        "--explain",
        file.to_str().expect("utf-8"),
    ]);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    let packets = lines
        .iter()
        .take_while(|v| v.get("number").is_some())
        .count();
    // After the packets: one conversation object per stream, then one lab object per stream.
    let reports: Vec<&serde_json::Value> = lines[packets..]
        .iter()
        .filter_map(|v| v.get("conversation"))
        .collect();
    let labs: Vec<&serde_json::Value> = lines[packets..]
        .iter()
        .filter_map(|v| v.get("lab"))
        .collect();
    assert_eq!(reports.len() + labs.len(), lines.len() - packets);
    assert_eq!(labs.len(), reports.len());
    let streams: std::collections::BTreeSet<u64> = lines[..packets]
        .iter()
        .filter_map(|v| v["tcp"]["stream"].as_u64())
        .collect();
    let reported: std::collections::BTreeSet<u64> = reports
        .iter()
        .map(|r| r["stream"].as_u64().expect("stream"))
        .collect();
    assert_eq!(reported, streams);
    assert!(reports
        .iter()
        .all(|r| r["handshake"].is_array() && r["close"].is_array()));
}

#[test]
fn json_does_not_mix_with_text_drawings() {
    let file = common::fixture("greeting-ipv4.pcap");
    for drawing in [&["--ladder"][..], &["--follow", "0"][..]] {
        sniffer()
            .args(["read", "--format", "json"])
            .args(drawing)
            .arg(&file)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(
                "sniffer: --ladder and --follow draw text: use them with --format table or plain",
            ));
    }
}
