//! Damaged capture files: every packet before the damage is printed, then one error line
//! naming the file and the byte offset, exit code 2; never a panic, never unbounded memory.

mod common;

use assert_cmd::Command;

/// A little-endian microsecond pcap header for Ethernet.
fn pcap_header() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic
    v.extend_from_slice(&2u16.to_le_bytes()); // major version
    v.extend_from_slice(&4u16.to_le_bytes()); // minor version
    v.extend_from_slice(&[0; 8]); // thiszone, sigfigs
    v.extend_from_slice(&262_144u32.to_le_bytes()); // snaplen
    v.extend_from_slice(&1u32.to_le_bytes()); // linktype EN10MB
    v
}

/// A record header and its bytes.
fn record(caplen: u32, wire: u32, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&1_700_000_000u32.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes());
    v.extend_from_slice(&caplen.to_le_bytes());
    v.extend_from_slice(&wire.to_le_bytes());
    v.extend_from_slice(data);
    v
}

/// The first frame of the demo fixture (a SYN), as a record.
fn good_record() -> Vec<u8> {
    let fixture = std::fs::read(common::fixture("greeting-ipv4.pcap")).expect("fixture");
    fixture[24..24 + 16 + 74].to_vec()
}

/// `sniffer read --format plain` on `bytes`: (exit code, stdout lines, stderr).
fn read(bytes: &[u8]) -> (Option<i32>, usize, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("damaged.pcap");
    std::fs::write(&path, bytes).expect("write");
    let out = Command::cargo_bin("sniffer")
        .expect("binary")
        .args(["read", "--format", "plain"])
        .arg(&path)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&path.display().to_string(), "FILE");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code(), stdout.lines().count(), stdout, stderr)
}

#[test]
fn bad_magic() {
    let (code, lines, _, err) = read(b"\x00\x01\x02\x03 and more bytes");
    assert_eq!((code, lines), (Some(2), 0));
    assert_eq!(err, "sniffer: cannot read FILE: at byte 0: unknown file format (magic 03020100): not a pcap or pcapng file\n");
}

#[test]
fn empty_file() {
    let (code, _, _, err) = read(b"");
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "sniffer: cannot read FILE: at byte 0: the file is empty\n"
    );
}

#[test]
fn truncated_file_header() {
    let (code, _, _, err) = read(&pcap_header()[..10]);
    assert_eq!(code, Some(2));
    assert_eq!(err, "sniffer: cannot read FILE: at byte 4: the file ends inside the pcap file header (6 of 20 bytes)\n");
}

#[test]
fn truncated_record_header_after_a_good_record() {
    let mut bytes = pcap_header();
    bytes.extend(good_record());
    bytes.extend_from_slice(&[1, 2, 3, 4, 5]);
    let (code, lines, _, err) = read(&bytes);
    assert_eq!((code, lines), (Some(2), 1));
    assert_eq!(err, "sniffer: cannot read FILE: at byte 114: the file ends inside a record header (5 of 16 bytes)\n");
}

#[test]
fn absurd_record_length_is_refused_without_allocating_it() {
    let mut bytes = pcap_header();
    bytes.extend(good_record());
    bytes.extend(record(0xffff_fff0, 0xffff_fff0, b"tiny"));
    let (code, lines, _, err) = read(&bytes);
    assert_eq!((code, lines), (Some(2), 1));
    assert_eq!(err, "sniffer: cannot read FILE: at byte 114: record claims 4294967280 captured bytes, more than any packet: the file is corrupt\n");
}

#[test]
fn record_longer_than_the_rest_of_the_file() {
    let mut bytes = pcap_header();
    bytes.extend(good_record());
    bytes.extend(record(1_000_000, 1_000_000, b"only a few bytes"));
    let (code, lines, _, err) = read(&bytes);
    assert_eq!((code, lines), (Some(2), 1));
    assert_eq!(err, "sniffer: cannot read FILE: at byte 114: the file ends inside a packet record (16 of 1000000 bytes)\n");
}

#[test]
fn zero_length_records_get_their_line() {
    let mut bytes = pcap_header();
    bytes.extend(record(0, 0, b""));
    bytes.extend(good_record());
    bytes.extend(record(0, 60, b""));
    let (code, lines, out, err) = read(&bytes);
    assert_eq!((code, lines), (Some(0), 3), "{err}");
    assert!(
        out.lines()
            .nth(1)
            .is_some_and(|l| l.contains("[SYN] Seq=0")),
        "{out}"
    );
}

/// A pcapng section header and an Ethernet interface, little-endian.
fn pcapng_head() -> Vec<u8> {
    let mut v = Vec::new();
    for word in [0x0a0d_0d0au32, 28, 0x1a2b_3c4d] {
        v.extend_from_slice(&word.to_le_bytes());
    }
    v.extend_from_slice(&[1, 0, 0, 0]); // version 1.0
    v.extend_from_slice(&u64::MAX.to_le_bytes()); // section length unknown
    v.extend_from_slice(&28u32.to_le_bytes());
    for word in [1u32, 20, 1, 262_144, 20] {
        v.extend_from_slice(&word.to_le_bytes()); // IDB: type, length, linktype 1, snaplen
    }
    v
}

#[test]
fn pcapng_unknown_blocks_are_skipped_and_corrupt_ones_named() {
    let mut bytes = pcapng_head();
    // A block of a type reserved for local use: skipped. (Custom Blocks are listed as frames,
    // as Wireshark lists them.)
    for word in [0x8000_1234_u32, 16, 0xdead_beef, 16] {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    // A block whose trailing length disagrees with its leading one: corrupt.
    let at = bytes.len();
    for word in [6u32, 32, 0, 0, 0, 0, 0, 40] {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    let (code, lines, _, err) = read(&bytes);
    assert_eq!((code, lines), (Some(2), 0));
    assert_eq!(err, format!("sniffer: cannot read FILE: at byte {at}: block length 32 does not match its trailing copy 40\n"));
}

#[test]
fn pcapng_packet_of_an_undeclared_interface() {
    let mut bytes = pcapng_head();
    let at = bytes.len();
    for word in [6u32, 32, 3, 0, 0, 0, 0, 32] {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    let (code, _, _, err) = read(&bytes);
    assert_eq!(code, Some(2));
    assert_eq!(err, format!("sniffer: cannot read FILE: at byte {at}: packet of interface 3, which the file never described\n"));
}

#[test]
fn unwritable_output_is_one_clear_line() {
    if !common::can_capture() {
        return;
    }
    let out = Command::cargo_bin("sniff-demo")
        .expect("binary")
        .args([
            "--port",
            "0",
            "--out",
            "/proc/sniff-demo-cannot-write-here.pcap",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("sniff-demo: cannot write /proc/sniff-demo-cannot-write-here.pcap: "),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("sniff-demo:").count(),
        1,
        "one error line: {stderr}"
    );
}

#[test]
fn a_full_disk_is_one_clear_line() {
    if !common::can_capture() {
        return;
    }
    // A 64 KiB tmpfs filled to its last bytes: the file's header fits, its packets do not.
    let dir = tempfile::tempdir().expect("tempdir");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(dir.path())
        .status();
    if !mounted.is_ok_and(|s| s.success()) {
        common::skip("cannot mount a small tmpfs here (needs root)");
        return;
    }
    struct Unmount<'a>(&'a std::path::Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(dir.path());
    let filler = dir.path().join("filler");
    let _ = std::fs::write(&filler, vec![0u8; 64 * 1024 - 64]);
    let out = Command::cargo_bin("sniff-demo")
        .expect("binary")
        .args(["--port", "0", "--format", "plain", "--out"])
        .arg(dir.path().join("demo.pcap"))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "sniff-demo: cannot write {}",
            dir.path().join("demo.pcap").display()
        )) && last.contains("No space left on device"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("sniff-demo:").count(),
        1,
        "one error line: {stderr}"
    );
}
