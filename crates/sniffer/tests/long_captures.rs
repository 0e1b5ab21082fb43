//! Long captures, where `sniffer` releases the state of finished conversations as it reads:
//! the listing must stay identical to tshark's, which keeps everything. Each capture is read by
//! `tshark -r` and by `sniffer read --format plain` and compared line by line.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use sniffer::capture::Timestamp;
use sniffer::flow::{LINGER_NANOS, MAX_LINGERING, MAX_UNANSWERED, SYN_GIVE_UP_NANOS};
use sniffer::link::LinkType;
use sniffer::synth::{self, End, FileFormat, SynthFrame, Talk};
use sniffer::tcp::TcpFlags;

fn at(secs: i64, nanos: u32) -> Timestamp {
    Timestamp {
        secs: 1_700_000_000 + secs,
        nanos,
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("address")
}

/// A short conversation: handshake, a request and an answer, a close.
fn short(client: SocketAddr, server: SocketAddr, isn: u32, start: Timestamp) -> Vec<SynthFrame> {
    let mut t = Talk::new(client, server, isn, isn ^ 0x5a5a_5a5a, start);
    t.step_nanos = 1_000;
    t.handshake(Some(7));
    t.say(End::Client, TcpFlags::PSH | TcpFlags::ACK, 100);
    t.say(End::Server, TcpFlags::PSH | TcpFlags::ACK, 300);
    t.close(End::Client);
    t.frames(LinkType::EN10MB)
}

fn write(path: &Path, frames: &[SynthFrame]) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let fmt = FileFormat::Pcap {
        big_endian: false,
        nanos: true,
    };
    synth::write_capture(&mut file, fmt, LinkType::EN10MB, 262_144, frames).expect("write");
    file.flush().expect("flush");
}

fn count_tag(file: &Path, tag: &str) -> usize {
    common::sniffer_lines(file)
        .iter()
        .filter(|l| l.contains(tag))
        .count()
}

#[test]
fn the_benchmark_generator_matches_tshark() {
    if !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("interleaved.pcap");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    // 1,500 conversations of 40 data segments each way: a capture of 14 s with about a
    // hundred conversations open at once, every one with a loss and its retransmission (which
    // comes within the handshake's round trip, so Wireshark calls it out of order). The
    // server's segments of 1,200, 2,400 and 3,600 bytes are larger than Ethernet's MTU, as
    // captured on a host with segmentation offload.
    let packets =
        synth::interleaved::write_interleaved(&mut file, 1_500, 40, 2_400).expect("write");
    file.flush().expect("flush");
    drop(file);
    let lines = common::assert_same_as_tshark(&path);
    assert_eq!(lines as u64, packets);
    assert_eq!(count_tag(&path, "[TCP Out-Of-Order]"), 1_500);
    assert_eq!(
        count_tag(&path, "[TCP Previous segment not captured]"),
        1_500
    );
}

#[test]
fn ports_reused_after_the_linger_are_still_flagged() {
    if !common::has_tshark() {
        return;
    }
    let client = addr("10.0.0.1:40000");
    let server = addr("10.0.0.2:443");
    let linger_secs = i64::try_from(LINGER_NANOS / 1_000_000_000).expect("seconds");
    let mut frames = short(client, server, 1_000, at(0, 0));
    // Another conversation after the linger, so that the first one is released…
    frames.extend(short(
        addr("10.0.0.3:40001"),
        server,
        2_000,
        at(linger_secs + 5, 0),
    ));
    // …then the first one's endpoints again, with a new ISN: a new conversation.
    frames.extend(short(client, server, 3_000, at(linger_secs + 10, 0)));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("reuse-after-linger.pcap");
    write(&path, &frames);
    common::assert_same_as_tshark(&path);
    assert_eq!(count_tag(&path, "[TCP Port numbers reused]"), 1);
}

#[test]
fn ports_reused_after_crowding_out_are_still_flagged() {
    if !common::has_tshark() {
        return;
    }
    // More finished conversations than are kept lingering, all within a second: the first
    // ones are released early, then their endpoints come back.
    let server = addr("10.0.0.2:443");
    let n = u32::try_from(MAX_LINGERING).expect("small") + 500;
    let client = |i: u32| {
        let [_, _, hi, lo] = i.to_be_bytes();
        addr(&format!("10.1.{hi}.{lo}:{}", 30_000 + i % 20_000))
    };
    let mut frames = Vec::new();
    for i in 0..n {
        frames.extend(short(client(i), server, i * 7_919, at(0, i * 100_000)));
    }
    for i in 0..3 {
        frames.extend(short(client(i), server, 99_000 + i, at(2, i * 100_000)));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("reuse-after-crowding.pcap");
    write(&path, &frames);
    common::assert_same_as_tshark(&path);
    assert_eq!(count_tag(&path, "[TCP Port numbers reused]"), 3);
}

/// A SYN from `client` with initial sequence number `isn`, at `ts`.
fn syn(client: SocketAddr, server: SocketAddr, isn: u32, ts: Timestamp) -> Vec<SynthFrame> {
    let mut t = Talk::new(client, server, isn, 0, ts);
    let spec = t.segment(End::Client, TcpFlags::SYN, 0);
    t.send(spec);
    t.frames(LinkType::EN10MB)
}

#[test]
fn unanswered_syns_are_released_and_their_return_still_numbered_as_tshark() {
    if !common::has_tshark() {
        return;
    }
    // A scan: more unanswered SYNs than are held, a millisecond apart, so the first ones are
    // released early; then some of them come back.
    let server = |i: u32| {
        let [_, _, hi, lo] = i.to_be_bytes();
        addr(&format!("10.9.{hi}.{lo}:{}", 1 + i % 1_000))
    };
    let client = addr("10.0.0.1:45000");
    let n = u32::try_from(MAX_UNANSWERED).expect("small") + 500;
    let isn = |i: u32| i.wrapping_mul(2_654_435_761);
    let mut frames = Vec::new();
    for i in 0..n {
        // Each in its own millisecond.
        let ts = at(i64::from(i / 1_000), (i % 1_000) * 1_000_000);
        frames.extend(syn(client, server(i), isn(i), ts));
    }
    let late = i64::try_from(SYN_GIVE_UP_NANOS / 1_000_000_000).expect("secs") + 60;
    // Crowded out, then the same SYN again (a retransmission) or a new one (ports reused)…
    for i in 0..20 {
        frames.extend(syn(client, server(i), isn(i), at(20, i * 1_000)));
    }
    for i in 20..40 {
        frames.extend(syn(client, server(i), isn(i) ^ 1, at(21, i * 1_000)));
    }
    // …or a whole connection on ports reused.
    for i in 40..45 {
        frames.extend(short(client, server(i), isn(i) ^ 2, at(22, i * 1_000_000)));
    }
    // Given up on after the SYN retries: the same SYN, or a new one.
    for i in n - 10..n {
        frames.extend(syn(client, server(i), isn(i), at(late, i)));
    }
    for i in n - 20..n - 10 {
        frames.extend(syn(client, server(i), isn(i) ^ 3, at(late + 1, i)));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("scan.pcap");
    write(&path, &frames);
    common::assert_same_as_tshark(&path);
    assert_eq!(count_tag(&path, "[TCP Retransmission]"), 30);
    assert_eq!(count_tag(&path, "[TCP Port numbers reused]"), 35);
}
