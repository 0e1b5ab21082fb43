//! `sniffer read --explain --ladder --follow`: the checks, the ladder and the payload.

mod common;

use assert_cmd::Command;
use sniffer::capture::Timestamp;
use sniffer::link::LinkType;
use sniffer::synth::{self, End, FileFormat, Talk};
use sniffer::tcp::TcpFlags;

fn read(args: &[&str], file: &std::path::Path) -> String {
    let out = Command::cargo_bin("sniffer")
        .expect("binary")
        .arg("read")
        .args(args)
        .arg(file)
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Everything after the listing (the listing is compared with tshark elsewhere).
fn after_listing(text: &str) -> &str {
    text.split_once("\n\n").map_or("", |(_, rest)| rest)
}

fn write(talk: &Talk, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).expect("create");
    synth::write_capture(
        &mut file,
        FileFormat::Pcap {
            big_endian: false,
            nanos: false,
        },
        LinkType::EN10MB,
        262_144,
        &talk.frames(LinkType::EN10MB),
    )
    .expect("write");
    path
}

fn talk() -> Talk {
    Talk::new(
        "10.0.0.1:40000".parse().expect("addr"),
        "10.0.0.2:12345".parse().expect("addr"),
        1_000,
        5_000,
        Timestamp {
            secs: 1_700_000_000,
            nanos: 0,
        },
    )
}

#[test]
fn the_seed_exchange_explained_and_drawn() {
    let text = read(
        &["--format", "plain", "--explain", "--ladder"],
        &common::fixture("greeting-ipv4.pcap"),
    );
    insta::assert_snapshot!("greeting_ipv4_explain_ladder", after_listing(&text));
}

#[test]
fn a_broken_handshake_says_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut t = talk();
    t.say(End::Client, TcpFlags::SYN, 0);
    // The SYN-ACK acknowledges j+5 instead of j+1.
    let mut syn_ack = t.segment(End::Server, TcpFlags::SYN | TcpFlags::ACK, 0);
    syn_ack.ack = 1_005;
    t.send(syn_ack);
    let file = write(&t, dir.path(), "broken.pcap");
    let text = read(&["--format", "plain", "--explain"], &file);
    let explained = after_listing(&text);
    assert!(
        explained.contains("  Handshake  SYN      seq = j = 1000  ✓\n"),
        "{explained}"
    );
    assert!(
        explained.contains("SYN-ACK  seq = k = 5000, ack = 1005, but j+1 = 1001: off by 4  ✗\n"),
        "{explained}"
    );
    assert!(
        explained.contains("ACK      no ACK of k+1 = 5001 in the capture  ✗\n"),
        "{explained}"
    );
}

#[test]
fn a_refused_connection_is_explained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut t = talk();
    t.say(End::Client, TcpFlags::SYN, 0);
    let mut rst = t.segment(End::Server, TcpFlags::RST | TcpFlags::ACK, 0);
    rst.seq = 0;
    t.send(rst);
    let file = write(&t, dir.path(), "refused.pcap");
    let explained = read(&["--format", "plain", "--explain"], &file);
    assert!(
        explained.contains(
            "SYN-ACK  none: the server answered the SYN with a reset (connection refused)  ✗"
        ),
        "{explained}"
    );
    assert!(
        explained.contains("the server reset the connection (RST)"),
        "{explained}"
    );
}

#[test]
fn follow_shows_each_byte_once_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut t = talk();
    t.handshake(None);
    let mut request = t.segment(End::Client, TcpFlags::PSH | TcpFlags::ACK, 0);
    request.payload = b"GET / HTTP/1.0\r\n\r\n".to_vec();
    t.send(request.clone());
    // The same request again (a retransmission): not repeated in the stream.
    t.send(request);
    let mut reply = t.segment(End::Server, TcpFlags::PSH | TcpFlags::ACK, 0);
    reply.payload = b"hello\nworld\x00".to_vec();
    t.send(reply);
    t.close(End::Server);
    let file = write(&t, dir.path(), "follow.pcap");
    let text = read(&["--format", "plain", "--follow", "0"], &file);
    assert_eq!(
        after_listing(&text),
        "Follow TCP stream 0: client 10.0.0.1:40000 ⇄ server 10.0.0.2:12345\n\
         ▶ client → server, frame 4, 18 bytes:\n\
         GET / HTTP/1.0\\r\n\\r\n\
         ◀ server → client, frame 6, 12 bytes:\n\
         hello\nworld\\x00\n\
         18 bytes client → server, 12 bytes server → client\n"
    );
}

#[test]
fn following_a_stream_that_is_not_there() {
    let file = common::fixture("greeting-ipv4.pcap");
    let text = read(&["--format", "plain", "--follow", "7"], &file);
    assert!(
        text.ends_with(&format!("\n\nno TCP stream 7 in {}\n", file.display())),
        "{text}"
    );
}

/// Runs `sniffer read --format table --explain FILE` on a pseudo-terminal (util-linux
/// `script`), so that it believes it writes to a terminal; returns what it printed.
fn on_a_terminal(no_color: bool) -> Option<String> {
    let bin = assert_cmd::cargo::cargo_bin("sniffer");
    let file = common::fixture("greeting-ipv4.pcap");
    let env = if no_color { "NO_COLOR=1 " } else { "" };
    let command = format!(
        "{env}{} read --format table --explain --width 160 {}",
        bin.display(),
        file.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .output();
    match out {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => {
            common::skip("util-linux `script` cannot run a pseudo-terminal here");
            None
        }
    }
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let Some(coloured) = on_a_terminal(false) else {
        return;
    };
    assert!(
        coloured.contains("\x1b[32m✓\x1b[0m"),
        "checks are green on a terminal"
    );
    assert!(coloured.contains("\x1b["), "{coloured}");
    let Some(plain) = on_a_terminal(true) else {
        return;
    };
    assert!(
        !plain.contains('\x1b'),
        "NO_COLOR: no escape sequences\n{plain}"
    );
    assert!(
        plain.contains("▸ESTABLISHED"),
        "changes are marked without colour"
    );
    // Not a terminal at all, NO_COLOR unset: no colour either.
    let piped = Command::cargo_bin("sniffer")
        .expect("binary")
        .args(["read", "--format", "table", "--explain"])
        .arg(common::fixture("greeting-ipv4.pcap"))
        .env_remove("NO_COLOR")
        .output()
        .expect("run");
    assert!(piped.status.success());
    let piped = String::from_utf8_lossy(&piped.stdout);
    assert!(
        piped.contains("▸ESTABLISHED"),
        "a table was written: {piped}"
    );
    assert!(!piped.contains('\x1b'), "{piped}");
}
