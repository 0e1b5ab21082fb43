//! Live captures on loopback: the whole demo, `sniffer live`, and the errors a user meets.
//!
//! These need capture privileges. Without them they skip with a reason, except in CI (which
//! runs as root), where a skip is a failure.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStderr, Command as Proc, Stdio};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

/// A port that was free a moment ago, below the kernel's ephemeral range (32768 and up on
/// Linux): no client's source port or port-0 server of a test running alongside can take it,
/// and each call gives another, so the kernel's filter counts only this test's packets.
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20000 + (std::process::id() % 100) as u16 * 100;
    loop {
        let offset = NEXT.fetch_add(1, Ordering::Relaxed) % 12000;
        let port = 20000 + (base - 20000 + offset) % 12000;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Sends `signal` to a child this test started and has not reaped yet.
fn signal(child: &Child, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: kill(2) on the pid of our own unreaped child: it cannot name another process.
    let sent = unsafe { libc::kill(pid, signal) };
    assert_eq!(sent, 0, "kill({pid}, {signal})");
}

/// Starts `sniffer live ARGS` and waits for its first stderr line, which it prints once the
/// capture is open; returns the child, its stderr and that line.
fn start_live(args: &[&str]) -> (Child, BufReader<ChildStderr>, String) {
    let mut live = Proc::new(assert_cmd::cargo::cargo_bin("sniffer"))
        .arg("live")
        .args(args)
        // Packet details give arrival times in the local zone: UTC, as tshark's in the tests.
        .env("TZ", "UTC")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sniffer live");
    let mut err = BufReader::new(live.stderr.take().expect("stderr"));
    let mut first = String::new();
    err.read_line(&mut first).expect("read");
    (live, err, first)
}

/// Runs `sniffer live -c 8 ARGS… -f "tcp port P"` on a free port P while one client gets
/// `greeting`; returns P, what it printed on stdout and the rest of its stderr (after the
/// "capturing on" line), once it has ended with success.
fn capture_one_greeting(args: &[&str], greeting: &[u8]) -> (u16, String, String) {
    let port = free_port();
    let filter = format!("tcp port {port}");
    let mut all = vec!["-c", "8"];
    all.extend_from_slice(args);
    all.extend(["-f", filter.as_str()]);
    let (live, mut err, first) = start_live(&all);
    assert!(first.starts_with("capturing on "), "{first}");
    greet_clients(port, greeting, 1);
    let out = live
        .wait_with_output()
        .expect("sniffer live ends after -c 8");
    assert!(out.status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).expect("read");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    (port, stdout, rest)
}

/// Runs `clients` greeting exchanges on 127.0.0.1:`port` with the net-demo library.
fn greet_clients(port: u16, greeting: &[u8], clients: usize) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let addr = format!("127.0.0.1:{port}").parse().expect("addr");
        let listener = net_demo::bind(addr).expect("bind");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(net_demo::serve(
            listener,
            greeting.to_vec(),
            async {
                let _ = stopped.await;
            },
            |_| {},
        ));
        for _ in 0..clients {
            assert_eq!(
                net_demo::fetch_greeting(addr).await.expect("client"),
                greeting
            );
        }
        let _ = stop.send(());
        let _ = server.await;
    });
}

fn sniff_demo() -> Command {
    Command::cargo_bin("sniff-demo").expect("binary")
}

/// Runs the demo on a free port, saving to `file`; returns its JSON rows (one per packet),
/// its conversation reports, and its stderr.
fn demo_output(host: &str, file: &Path) -> (Vec<Value>, Vec<Value>, String) {
    let out = sniff_demo()
        .args(["--host", host, "--port", "0", "--format", "json", "--out"])
        .arg(file)
        .output()
        .expect("run sniff-demo");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "sniff-demo failed: {stderr}");
    let (reports, rows): (Vec<Value>, Vec<Value>) = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        .filter(|v| v.get("privileges").is_none())
        .partition(|v| v.get("conversation").is_some());
    (rows, reports, stderr)
}

/// [`demo_output`] without the reports.
fn demo_rows(host: &str, file: &Path) -> (Vec<Value>, String) {
    let (rows, _, stderr) = demo_output(host, file);
    (rows, stderr)
}

/// What a row shows: (flags, Seq, Ack, Len, step).
type Shown = (Vec<String>, u64, Option<u64>, u64, String);

/// The seed's exchange, segment by segment.
fn assert_seed_exchange(rows: &[Value]) {
    let got: Vec<Shown> = rows
        .iter()
        .map(|r| {
            let t = &r["tcp"];
            (
                serde_json::from_value(t["flags"].clone()).expect("flags"),
                t["seq"].as_u64().expect("seq"),
                t["ack"].as_u64(),
                t["len"].as_u64().expect("len"),
                r["step"].as_str().expect("step").to_owned(),
            )
        })
        .collect();
    let f = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let s = |x: &str| x.to_owned();
    assert_eq!(
        got,
        vec![
            (f(&["SYN"]), 0, None, 0, s("handshake 1/3 SYN")),
            (
                f(&["SYN", "ACK"]),
                0,
                Some(1),
                0,
                s("handshake 2/3 SYN-ACK")
            ),
            (f(&["ACK"]), 1, Some(1), 0, s("handshake 3/3 ACK")),
            (f(&["PSH", "ACK"]), 1, Some(1), 18, s("data")),
            (f(&["ACK"]), 1, Some(19), 0, s("ACK of data")),
            (f(&["FIN", "ACK"]), 19, Some(1), 0, s("close: FIN")),
            (f(&["FIN", "ACK"]), 1, Some(20), 0, s("close: FIN")),
            (f(&["ACK"]), 20, Some(2), 0, s("close: ACK")),
        ]
    );
    // The raw numbers behind the relative ones: SYN-ACK acks j+1, the ACK acks k+1.
    let j = rows[0]["tcp"]["seq_raw"].as_u64().expect("j");
    let k = rows[1]["tcp"]["seq_raw"].as_u64().expect("k");
    assert_eq!(
        rows[1]["tcp"]["ack_raw"].as_u64(),
        Some((j + 1) % (1 << 32))
    );
    assert_eq!(
        rows[2]["tcp"]["ack_raw"].as_u64(),
        Some((k + 1) % (1 << 32))
    );
    // The state of each end after each segment (RFC 9293): the server closes first.
    let states: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["tcp"]["client_state"].as_str().expect("client state"),
                r["tcp"]["server_state"].as_str().expect("server state"),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            ("SYN_SENT", "LISTEN"),
            ("SYN_SENT", "SYN_RECEIVED"),
            ("ESTABLISHED", "ESTABLISHED"),
            ("ESTABLISHED", "ESTABLISHED"),
            ("ESTABLISHED", "ESTABLISHED"),
            ("CLOSE_WAIT", "FIN_WAIT_1"),
            ("LAST_ACK", "TIME_WAIT"),
            ("CLOSED", "TIME_WAIT"),
        ]
    );
    // Client → server, then back, alternating as the lesson shows.
    let sides: Vec<&str> = rows
        .iter()
        .map(|r| r["tcp"]["side"].as_str().expect("side"))
        .collect();
    assert_eq!(
        sides[..3],
        ["client_to_server", "server_to_client", "client_to_server"]
    );
}

#[test]
fn demo_captures_the_seed_exchange_over_ipv4() {
    if !common::can_capture() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("demo.pcap");
    let (rows, reports, stderr) = demo_output("127.0.0.1", &file);
    assert_seed_exchange(&rows);
    // The checks of the conversation, with the real numbers.
    assert_eq!(reports.len(), 1);
    let report = &reports[0]["conversation"];
    let j = rows[0]["tcp"]["seq_raw"].as_u64().expect("j");
    let k = rows[1]["tcp"]["seq_raw"].as_u64().expect("k");
    assert_eq!(report["j"].as_u64(), Some(j));
    assert_eq!(report["k"].as_u64(), Some(k));
    let checks: Vec<(&str, &str, bool)> = report["handshake"]
        .as_array()
        .expect("handshake checks")
        .iter()
        .chain(report["close"].as_array().expect("close checks"))
        .map(|c| {
            (
                c["what"].as_str().expect("what"),
                c["detail"].as_str().expect("detail"),
                c["ok"].as_bool().expect("ok"),
            )
        })
        .collect();
    let j1 = (j + 1) % (1 << 32);
    let k1 = (k + 1) % (1 << 32);
    let server_fin = (k + 19) % (1 << 32);
    assert_eq!(
        checks,
        vec![
            ("SYN", format!("seq = j = {j}").as_str(), true),
            (
                "SYN-ACK",
                format!("seq = k = {k}, ack = {j1} = j+1").as_str(),
                true
            ),
            ("ACK", format!("ack = {k1} = k+1").as_str(), true),
            (
                "server FIN",
                format!(
                    "seq = {server_fin}, acked by ack = {} = FIN+1",
                    (server_fin + 1) % (1 << 32)
                )
                .as_str(),
                true
            ),
            (
                "client FIN",
                format!(
                    "seq = {j1}, acked by ack = {} = FIN+1",
                    (j1 + 1) % (1 << 32)
                )
                .as_str(),
                true
            ),
        ]
    );
    assert_eq!(report["server_to_client_bytes"], 18);
    assert_eq!(report["client_to_server_bytes"], 0);
    assert!(
        stderr.contains("Client received \"welcome to python!\" (18 bytes)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("8 packets captured on lo over "),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("tshark -r {}", file.display())),
        "{stderr}"
    );
    // The savefile: pcap, microseconds, Ethernet (Linux lo), a snapshot length sized to the
    // lesson (its largest packet and then some, not tcpdump's 256 KiB), every packet whole.
    let bytes = std::fs::read(&file).expect("saved file");
    let le32 =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    assert_eq!(le32(0), 0xa1b2_c3d4, "pcap magic, microsecond timestamps");
    assert!((1024..=4096).contains(&le32(16)), "snaplen {}", le32(16));
    assert_eq!(le32(20), 1, "linktype EN10MB");
    // Header plus 8 records (16-byte record header each): 2×74 + 84 + 5×66 bytes of frames.
    assert_eq!(bytes.len(), 24 + 8 * 16 + 2 * 74 + 84 + 5 * 66);
    let mut at = 24;
    while at < bytes.len() {
        assert_eq!(le32(at + 8), le32(at + 12), "captured whole");
        at += 16 + le32(at + 8) as usize;
    }
}

#[test]
fn demo_captures_the_seed_exchange_over_ipv6() {
    if !common::can_capture() {
        return;
    }
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        common::skip("this machine has no IPv6 loopback (::1)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (rows, _) = demo_rows("::1", &dir.path().join("v6.pcap"));
    assert_seed_exchange(&rows);
    assert_eq!(rows[0]["source"], "::1");
    assert_eq!(rows[0]["length"], 94);
}

#[test]
fn demo_capture_matches_tshark_line_for_line() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("demo.pcap");
    demo_rows("127.0.0.1", &file);
    assert_eq!(common::assert_same_as_tshark(&file), 8);
}

#[test]
fn demo_saves_under_a_new_name_in_a_folder() {
    if !common::can_capture() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for _ in 0..2 {
        sniff_demo()
            .args(["--port", "0", "--format", "plain", "--out"])
            .arg(format!("{}/", dir.path().display()))
            .assert()
            .success();
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    for name in &names {
        assert!(
            name.starts_with("sniff-demo-") && name.ends_with(".pcap"),
            "{name}"
        );
    }
}

#[test]
fn demo_never_overwrites_a_file() {
    if !common::can_capture() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("taken.pcap");
    std::fs::write(&file, b"keep me").expect("write");
    sniff_demo()
        .args(["--port", "0", "--out"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "already exists and is never overwritten",
        ));
    assert_eq!(std::fs::read(&file).expect("read"), b"keep me");
}

#[test]
fn demo_reports_a_busy_port() {
    if !common::can_capture() {
        return;
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    sniff_demo()
        .args(["--no-save", "--port", &port.to_string()])
        .assert()
        .code(2)
        .stderr(format!(
            "sniff-demo: port {port} on 127.0.0.1 is already in use; pick another one with --port\n"
        ));
}

#[test]
fn demo_refuses_a_host_that_is_not_loopback() {
    // Checked before any capture is opened, so this needs no privileges.
    sniff_demo()
        .args(["--no-save", "--host", "192.0.2.1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "192.0.2.1 (192.0.2.1) is not a loopback address",
        ));
}

#[test]
fn sniffer_live_prints_and_saves_each_packet() {
    if !common::can_capture() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("live.pcap");
    let port = free_port();
    let port_text = port.to_string();
    let file_text = file.to_str().expect("utf-8");
    // A snapshot length one byte short of the greeting's frame: Len= must not change.
    let (live, mut err, first) = start_live(&[
        "-i", "lo", "-c", "8", "-s", "70", "-B", "1024", "-w", file_text, "tcp", "port", &port_text,
    ]);
    assert_eq!(
        first,
        format!("capturing on lo (EN10MB (1)) with filter \"tcp port {port}\"\n")
    );
    greet_clients(port, b"live!", 1);
    let out = live
        .wait_with_output()
        .expect("sniffer live ends after -c 8");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{stdout}");
    // Server → client: 66 bytes of headers plus the 5-byte greeting.
    assert!(
        lines[3].contains(&format!(" TCP 71 {port} → ")),
        "{}",
        lines[3]
    );
    // The cut SYNs lost their Window Scale option (the last one), so, as in Wireshark, the
    // windows are shown unscaled; Len= still comes from the IP header.
    assert!(
        lines[0].ends_with(" TSecr=0[Packet size limited during capture]"),
        "{}",
        lines[0]
    );
    assert!(
        lines[3].contains("[PSH, ACK] Seq=1 Ack=1 Win=64 Len=5 TSval="),
        "{}",
        lines[3]
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).expect("read");
    // On lo each packet passes the filter as sent and as received, and is delivered once: 16
    // for the 8. (The kernel may count more: what reached the socket before the filter was
    // set, when other tests talk on lo meanwhile.)
    let counts: Vec<u64> = rest
        .lines()
        .next()
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(
        rest.starts_with("8 packets captured, ")
            && rest.contains(" received by filter, 0 dropped by kernel\n"),
        "{rest}"
    );
    assert!(counts.len() == 3 && counts[1] >= 16, "{rest}");
    let bytes = std::fs::read(&file).expect("saved file");
    assert_eq!(
        u32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]),
        70,
        "snaplen in the file header"
    );
    assert!(
        rest.contains(&format!("saved {}", file.display())),
        "{rest}"
    );
    if common::has_tshark() {
        assert_eq!(common::tshark_lines(&file), lines);
    }
}

#[test]
fn sniffer_live_snaplen_0_keeps_whole_packets_as_tcpdump() {
    if !common::can_capture() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("whole.pcap");
    let (_, stdout, _) =
        capture_one_greeting(&["-s", "0", "-w", file.to_str().expect("utf-8")], b"whole");
    assert!(!stdout.contains("Packet size limited"), "{stdout}");
    let bytes = std::fs::read(&file).expect("saved file");
    assert_eq!(
        bytes.get(16..20),
        Some(&262_144u32.to_le_bytes()[..]),
        "snaplen in the file header"
    );
    if common::has_tshark() {
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(common::tshark_lines(&file), lines);
    }
}

#[test]
fn sniffer_live_quiet_only_saves() {
    if !common::can_capture() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("quiet.pcap");
    let (_, stdout, rest) =
        capture_one_greeting(&["-q", "-w", file.to_str().expect("utf-8")], b"shh");
    assert_eq!(stdout, "", "no listing");
    assert!(rest.starts_with("8 packets captured, "), "{rest}");
    // The file holds the whole exchange: the greeting in the fourth packet.
    let mut saved = sniffer::pcapfile::FileCapture::open(&file).expect("saved file");
    let mut frames = Vec::new();
    while let Some(f) = saved.next_frame().expect("frame") {
        frames.push(f.data.to_vec());
    }
    assert_eq!(frames.len(), 8);
    assert!(frames[3].ends_with(b"shh"), "{:?}", frames[3]);
    // And -q alone is refused: there would be nothing to show for the capture.
    Command::cargo_bin("sniffer")
        .expect("binary")
        .args(["live", "-q"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--write"));
}

#[test]
fn sniffer_live_stops_on_ctrl_c_and_leaves_a_complete_file() {
    if !common::can_capture() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("interrupted.pcap");
    let port = free_port();
    let filter = format!("tcp port {port}");
    let (mut live, mut err, first) =
        start_live(&["-w", file.to_str().expect("utf-8"), "-f", &filter]);
    assert!(first.starts_with("capturing on "), "{first}");
    greet_clients(port, b"hi", 2);
    // Read the 16 lines of two exchanges as they are printed, then interrupt.
    let mut out = BufReader::new(live.stdout.take().expect("stdout"));
    let mut shown = Vec::new();
    while shown.len() < 16 {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).expect("read") > 0,
            "output ended early: {shown:?}"
        );
        shown.push(line.trim_end().to_owned());
    }
    signal(&live, libc::SIGINT);
    let exit = live.wait().expect("wait");
    assert!(exit.success(), "Ctrl-C is a normal way to stop: {exit:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).expect("read");
    assert!(rest.starts_with("16 packets captured, "), "{rest}");
    if common::has_tshark() {
        assert_eq!(
            common::tshark_lines(&file),
            shown,
            "the file holds every packet shown"
        );
    }
}

#[test]
fn demo_reports_hitting_the_timeout() {
    if !common::can_capture() {
        return;
    }
    // One microsecond cannot hold the eight segments of the exchange.
    sniff_demo()
        .args(["--port", "0", "--no-save", "--format", "plain", "--timeout", "0.000001"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "Stopped by the timeout before every conversation was over: the capture may be incomplete (raise it with --timeout)",
        ));
}

#[test]
fn demo_rejects_a_timeout_that_is_not_positive_or_longer_than_a_minute() {
    // Checked before anything is bound or captured, so this needs no privileges.
    for timeout in ["0", "-1", "nan", "60.001", "3600"] {
        let timeout = format!("--timeout={timeout}");
        sniff_demo()
            .args(["--no-save", &timeout])
            .assert()
            .code(2)
            .stderr("sniff-demo: --timeout must be a number of seconds above 0 and at most 60\n");
    }
}

#[test]
fn annotated_pcapng_carries_steps_states_interface_and_filter() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("annotated.pcapng");
    let (rows, _) = demo_rows("127.0.0.1", &file);
    assert_seed_exchange(&rows);
    let out = Proc::new("tshark")
        .arg("-r")
        .arg(&file)
        .args([
            "-T",
            "fields",
            "-e",
            "frame.comment",
            "-e",
            "frame.interface_name",
        ])
        .output()
        .expect("tshark");
    assert!(out.status.success());
    let comments = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        comments,
        "handshake 1/3 SYN: client SYN_SENT, server LISTEN\tlo\n\
         handshake 2/3 SYN-ACK: client SYN_SENT, server SYN_RECEIVED\tlo\n\
         handshake 3/3 ACK: client ESTABLISHED, server ESTABLISHED\tlo\n\
         data: client ESTABLISHED, server ESTABLISHED\tlo\n\
         ACK of data: client ESTABLISHED, server ESTABLISHED\tlo\n\
         close: FIN: client CLOSE_WAIT, server FIN_WAIT_1\tlo\n\
         close: FIN: client LAST_ACK, server TIME_WAIT\tlo\n\
         close: ACK: client CLOSED, server TIME_WAIT\tlo\n"
    );
    let port = rows[0]["tcp"]["dst_port"].as_u64().expect("port");
    let client = rows[0]["tcp"]["src_port"].as_u64().expect("port");
    let info = Proc::new("capinfos").arg(&file).output().expect("capinfos");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains(&format!(
            "Filter string = tcp and src host 127.0.0.1 and dst host 127.0.0.1 and port {port} and port {client}\n"
        )),
        "{info}"
    );
    assert!(info.contains("Capture application: sniff-demo"), "{info}");
    // And the listing is still exactly tshark's.
    assert_eq!(common::assert_same_as_tshark(&file), 8);
}

/// Runs a scenario on a free port with JSON output: (packet rows, conversation reports,
/// notes, stderr).
fn scenario(name: &str, extra: &[&str]) -> (Vec<Value>, Vec<Value>, Vec<String>, String) {
    let out = sniff_demo()
        .args([
            "--scenario",
            name,
            "--port",
            "0",
            "--no-save",
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .expect("run sniff-demo");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "sniff-demo --scenario {name} failed: {stderr}"
    );
    let mut rows = Vec::new();
    let mut reports = Vec::new();
    let mut notes = Vec::new();
    for line in String::from_utf8(out.stdout).expect("utf-8").lines() {
        let v: Value = serde_json::from_str(line).expect("JSON line");
        if let Some(r) = v.get("conversation") {
            reports.push(r.clone());
        } else if let Some(n) = v.get("note") {
            notes.push(n.as_str().expect("note").to_owned());
        } else if v.get("privileges").is_some() {
            // Asserted in privileges.rs.
        } else {
            rows.push(v);
        }
    }
    (rows, reports, notes, stderr)
}

fn all_checks_pass(report: &Value) -> bool {
    ["handshake", "close"].iter().all(|k| {
        report[k]
            .as_array()
            .is_some_and(|cs| cs.iter().all(|c| c["ok"] == true))
    })
}

#[test]
fn concurrent_clients_are_told_apart_by_their_ports() {
    if !common::can_capture() {
        return;
    }
    let (rows, reports, notes, stderr) = scenario("concurrent", &["--clients", "3"]);
    assert_eq!(reports.len(), 3, "{stderr}");
    assert_eq!(rows.len(), 24);
    let servers: std::collections::BTreeSet<&str> = reports
        .iter()
        .map(|r| r["server"].as_str().expect("server"))
        .collect();
    let clients: std::collections::BTreeSet<&str> = reports
        .iter()
        .map(|r| r["client"].as_str().expect("client"))
        .collect();
    assert_eq!(servers.len(), 1, "one listening port");
    assert_eq!(clients.len(), 3, "three client ports");
    assert!(reports.iter().all(all_checks_pass));
    assert!(
        notes[0].starts_with("3 clients, 3 conversations, one server port "),
        "{notes:?}"
    );
    assert!(notes[0].contains("4-tuple"), "{notes:?}");
    assert_eq!(
        stderr
            .matches("Client received \"welcome to python!\"")
            .count(),
        3
    );
}

#[test]
fn udp_has_no_handshake_and_no_close() {
    if !common::can_capture() {
        return;
    }
    for host in ["127.0.0.1", "::1"] {
        let (rows, reports, notes, _) = scenario("udp", &["--host", host]);
        assert!(reports.is_empty(), "no TCP conversation");
        let protocols: Vec<&str> = rows
            .iter()
            .map(|r| r["protocol"].as_str().expect("protocol"))
            .collect();
        assert_eq!(protocols, ["UDP", "UDP"]);
        assert!(rows[1]["info"].as_str().expect("info").ends_with(" Len=18"));
        assert_eq!(rows[0]["source"], host);
        assert!(
            notes[0].starts_with("UDP: no handshake and no close."),
            "{notes:?}"
        );
    }
}

#[test]
fn refused_connection_is_a_syn_answered_by_a_reset() {
    if !common::can_capture() {
        return;
    }
    let (rows, reports, notes, _) = scenario("refused", &[]);
    let shown: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["step"].as_str().expect("step"),
                r["info"]
                    .as_str()
                    .expect("info")
                    .split(" [")
                    .nth(1)
                    .unwrap_or(""),
                r["tcp"]["client_state"].as_str().expect("state"),
                r["tcp"]["server_state"].as_str().expect("state"),
            )
        })
        .collect();
    assert_eq!(shown.len(), 2);
    assert_eq!(
        (shown[0].0, shown[0].2, shown[0].3),
        ("handshake 1/3 SYN", "SYN_SENT", "LISTEN")
    );
    assert_eq!(
        (shown[1].0, shown[1].2, shown[1].3),
        ("reset", "CLOSED", "CLOSED")
    );
    assert!(shown[1].1.starts_with("RST, ACK] Seq=1 Ack=1"), "{shown:?}");
    assert_eq!(
        reports[0]["handshake"][1]["detail"],
        "none: the server answered the SYN with a reset (connection refused)"
    );
    assert!(
        notes[0].contains("answered the SYN with RST, ACK"),
        "{notes:?}"
    );
}

/// What tshark (with its HTTP dissector, as a user runs it) says of a capture.
fn tshark_default_listing(file: &Path) -> String {
    let out = Proc::new("tshark")
        .arg("-r")
        .arg(file)
        .output()
        .expect("tshark");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn http10_opens_a_connection_per_request_and_tshark_sees_http() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("http10.pcap");
    let out = sniff_demo()
        .args(["--scenario", "http10", "--format", "json", "--out"])
        .arg(&file)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reports = String::from_utf8_lossy(&out.stdout)
        .matches("\"conversation\"")
        .count();
    assert_eq!(reports, 2, "two connections");
    let listing = tshark_default_listing(&file);
    assert_eq!(listing.matches(" HTTP ").count(), 4, "{listing}");
    assert!(listing.contains("GET / HTTP/1.0 "), "{listing}");
    assert!(listing.contains("GET /again HTTP/1.0 "), "{listing}");
    assert!(
        listing.contains("HTTP/1.0 200 OK  (text/plain)"),
        "{listing}"
    );
    assert_eq!(common::sniffer_lines(&file), common::tshark_lines(&file));
}

#[test]
fn http11_keeps_one_connection_for_both_requests() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("http11.pcap");
    let out = sniff_demo()
        // 8088 is also an HTTP port for Wireshark; the HTTP/1.0 test has 8080.
        .args([
            "--scenario",
            "http11",
            "--port",
            "8088",
            "--format",
            "json",
            "--out",
        ])
        .arg(&file)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.matches("\"conversation\"").count(),
        1,
        "one connection"
    );
    assert!(stdout.contains("HTTP/1.1: both requests travelled on 1 kept-alive connection"));
    let listing = tshark_default_listing(&file);
    assert!(listing.contains("GET / HTTP/1.1 "), "{listing}");
    assert!(listing.contains("GET /again HTTP/1.1 "), "{listing}");
    assert_eq!(listing.matches("HTTP/1.1 200 OK").count(), 2, "{listing}");
    assert_eq!(common::sniffer_lines(&file), common::tshark_lines(&file));
}

#[test]
fn interrupted_at_any_moment_the_demo_file_holds_every_packet_shown() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut interrupted = 0;
    for (i, delay_us) in [0u64, 100, 200, 400, 800, 1600, 3200, 6400]
        .into_iter()
        .enumerate()
    {
        let file = dir.path().join(format!("run{i}.pcap"));
        let mut demo = Proc::new(assert_cmd::cargo::cargo_bin("sniff-demo"))
            .args(["--scenario", "concurrent", "--clients", "20", "--port", "0"])
            .args(["--format", "plain", "--no-ladder", "--out"])
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sniff-demo");
        let mut err = BufReader::new(demo.stderr.take().expect("stderr"));
        let mut first = String::new();
        err.read_line(&mut first).expect("read");
        assert!(first.starts_with("Capturing on "), "{first}");
        std::thread::sleep(std::time::Duration::from_micros(delay_us));
        // Signalled directly (starting `kill` would take longer than the whole exchange).
        signal(&demo, libc::SIGINT);
        let out = demo.wait_with_output().expect("wait");
        let code = out.status.code();
        assert!(matches!(code, Some(0) | Some(130)), "exit {code:?}");
        interrupted += usize::from(code == Some(130));
        let shown: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(
            common::tshark_lines(&file),
            shown,
            "run {i}: the file holds exactly the packets shown"
        );
    }
    eprintln!("{interrupted} of 8 runs interrupted");
    // Most of these runs are stopped part-way; otherwise the test proves little.
    assert!(
        interrupted >= 2,
        "only {interrupted} of 8 runs were interrupted"
    );
}

/// One `sniffer live -w` run on `port`, signalled with `sig` `delay_ms` after traffic began;
/// checks that the file holds exactly the packets shown, and returns how many there were.
fn interrupted_live_run(file: &Path, port: u16, sig: i32, delay_ms: u64) -> usize {
    let filter = format!("tcp port {port}");
    let (live, mut err, first) = start_live(&["-w", file.to_str().expect("utf-8"), "-f", &filter]);
    assert!(first.starts_with("capturing on "), "{first}");
    // Clients greeted one after another, until told to stop.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let greeted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let traffic = {
        let stop = std::sync::Arc::clone(&stop);
        let greeted = std::sync::Arc::clone(&greeted);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(async {
                let addr = format!("127.0.0.1:{port}").parse().expect("addr");
                let listener = net_demo::bind(addr).expect("bind");
                let (quit, quitting) = tokio::sync::oneshot::channel::<()>();
                let server = tokio::spawn(net_demo::serve(
                    listener,
                    b"tick".to_vec(),
                    async {
                        let _ = quitting.await;
                    },
                    |_| {},
                ));
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = net_demo::fetch_greeting(addr).await;
                    greeted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                let _ = quit.send(());
                let _ = server.await;
            });
        })
    };
    // Once traffic flows (a loaded machine may take a while to start it), then at some
    // moment of it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while greeted.load(std::sync::atomic::Ordering::Relaxed) < 2 {
        assert!(std::time::Instant::now() < deadline, "no traffic");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    signal(&live, sig);
    let out = live.wait_with_output().expect("wait");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    traffic.join().expect("traffic thread");
    assert!(out.status.success(), "{:?}", out.status);
    let shown: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        common::tshark_lines(file),
        shown,
        "the file holds every packet shown"
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).expect("read");
    assert!(
        rest.starts_with(&format!("{} packets captured", shown.len())),
        "{rest}"
    );
    shown.len()
}

#[test]
fn sniffer_live_interrupted_under_continuous_traffic_keeps_a_valid_file() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, (sig, delay_ms)) in [
        (libc::SIGTERM, 40u64),
        (libc::SIGINT, 90),
        (libc::SIGTERM, 170),
    ]
    .into_iter()
    .enumerate()
    {
        // The run proves something only if the signal came while packets were being listed;
        // on a loaded machine the listing may not have started yet, so wait longer and
        // try again (every run's file is checked all the same).
        let proved = (0..4u32).any(|attempt| {
            let file = dir.path().join(format!("live{i}-{attempt}.pcap"));
            let listed = interrupted_live_run(&file, free_port(), sig, delay_ms << (2 * attempt));
            eprintln!("run {i}, attempt {attempt}: {listed} packets");
            listed > 8
        });
        assert!(
            proved,
            "run {i}: no attempt was signalled while traffic was being listed"
        );
    }
}

#[test]
fn a_bulk_transfer_is_saved_and_every_byte_accounted_for() {
    if !common::can_capture() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bulk.pcap");
    let port = free_port();
    let filter = format!("tcp port {port}");
    let (mut live, mut err, first) =
        start_live(&["-w", file.to_str().expect("utf-8"), "-f", &filter]);
    assert!(first.starts_with("capturing on "), "{first}");
    // Not a terminal: the rows come from kernel blocks; drain them as they come.
    let mut out = live.stdout.take().expect("stdout");
    let printed = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut out, &mut text).expect("read");
        text.lines().count()
    });
    let bytes: u64 = 32 * 1024 * 1024;
    Command::cargo_bin("net-demo")
        .expect("binary")
        .args(["bulk", "--port", &port.to_string(), "--bytes", "32M"])
        .assert()
        .success();
    // The last blocks come within a read timeout.
    std::thread::sleep(std::time::Duration::from_millis(300));
    signal(&live, libc::SIGINT);
    assert!(live.wait().expect("wait").success());
    let printed = printed.join().expect("reader");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).expect("read");
    // "N packets captured, N received by filter, N dropped by kernel"
    let numbers: Vec<u64> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(rest.contains(" dropped by kernel"), "{rest}");
    let (captured, dropped) = (numbers[0], numbers[2]);
    assert_eq!(printed as u64, captured, "{rest}");
    // The file holds what was shown…
    let listing = common::sniffer_lines(&file);
    assert_eq!(listing.len() as u64, captured);
    // …and without drops, the client's payload adds up to the bytes sent.
    if dropped == 0 {
        // The bytes the client sent, as the ranges [Seq, Seq+Len) of its segments: whatever
        // was sent twice (the loopback queue overflows under load) or out of order, together
        // they cover every byte, once, from 1 to the last.
        let to_server = format!(" → {port} ");
        let number = |line: &str, field: &str| -> Option<u64> {
            line.split(field).nth(1)?.split(' ').next()?.parse().ok()
        };
        let mut ranges: Vec<(u64, u64)> = listing
            .iter()
            .filter(|l| l.contains(&to_server))
            .filter_map(|l| Some((number(l, " Seq=")?, number(l, " Len=")?)))
            .filter(|&(_, len)| len > 0)
            .map(|(seq, len)| (seq, seq + len))
            .collect();
        ranges.sort_unstable();
        let mut covered_to = 1;
        for (start, end) in ranges {
            assert!(start <= covered_to, "bytes {covered_to}..{start} missing");
            covered_to = covered_to.max(end);
        }
        assert_eq!(covered_to - 1, bytes, "every byte sent is in the capture");
    }
}

/// A small filesystem mounted for one test (root only), unmounted when dropped.
struct TinyFs(tempfile::TempDir);

impl TinyFs {
    fn mount(size: &str) -> Option<TinyFs> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mounted = Proc::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(TinyFs(dir))
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = Proc::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn sniffer_live_on_a_full_disk_says_so_and_still_reports_the_counters() {
    if !common::can_capture() {
        return;
    }
    let Some(fs) = TinyFs::mount("256k") else {
        common::skip("mounting a tmpfs needs root");
        return;
    };
    let file = fs.0.path().join("full.pcap");
    let port = free_port();
    let filter = format!("tcp port {port}");
    let (live, mut err, first) =
        start_live(&["-q", "-w", file.to_str().expect("utf-8"), "-f", &filter]);
    assert!(first.starts_with("capturing on "), "{first}");
    // 4 MiB paced to 100 Mbit/s: the file fills after a fraction of it.
    Command::cargo_bin("net-demo")
        .expect("binary")
        .args([
            "bulk",
            "--port",
            &port.to_string(),
            "--bytes",
            "4M",
            "--rate",
            "100",
        ])
        .assert()
        .success();
    let status = live
        .wait_with_output()
        .expect("sniffer ends on its own")
        .status;
    assert_eq!(status.code(), Some(2));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).expect("read");
    let lines: Vec<&str> = rest.lines().collect();
    assert_eq!(lines.len(), 2, "{rest}");
    assert!(lines[0].contains(" packets captured, "), "{rest}");
    assert!(lines[0].ends_with(" dropped by kernel"), "{rest}");
    assert!(
        lines[1].starts_with(&format!("sniffer: cannot write {}: ", file.display()))
            && lines[1].contains("No space left on device"),
        "{rest}"
    );
}

#[test]
fn sniffer_live_writes_the_pcap_to_standard_output_with_w_dash() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let port = free_port();
    let filter = format!("tcp port {port}");
    let (live, mut err, first) = start_live(&["-c", "8", "-w", "-", "-f", &filter]);
    assert!(first.starts_with("capturing on "), "{first}");
    greet_clients(port, b"welcome to python!", 1);
    let out = live.wait_with_output().expect("ends after -c 8");
    assert!(out.status.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).expect("read");
    assert!(rest.starts_with("8 packets captured, "), "{rest}");
    assert!(!rest.contains("saved"), "{rest}");
    // Standard output is the pcap and nothing else: tshark reads it from a pipe.
    assert_eq!(&out.stdout[..4], &0xa1b2_c3d4u32.to_le_bytes());
    let mut tshark = Proc::new("tshark")
        .args(["-n", "-r", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tshark");
    std::io::Write::write_all(&mut tshark.stdin.take().expect("stdin"), &out.stdout)
        .expect("write");
    let listing = tshark.wait_with_output().expect("tshark");
    let lines: Vec<String> = String::from_utf8(listing.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 8, "{lines:?}");
    assert!(
        lines[0].contains(&format!(" → {port} [SYN] Seq=0 ")),
        "{}",
        lines[0]
    );
    assert!(lines[7].contains(" [ACK] Seq=20 Ack=2 "), "{}", lines[7]);
}

#[test]
fn sniffer_live_w_dash_ends_quietly_when_its_reader_goes_away() {
    if !common::can_capture() {
        return;
    }
    let port = free_port();
    let filter = format!("tcp port {port}");
    let (mut live, mut err, first) = start_live(&["-w", "-", "--immediate", "-f", &filter]);
    assert!(first.starts_with("capturing on "), "{first}");
    // The reader takes the file header and leaves (as `| head -c 24` would).
    let mut stdout = live.stdout.take().expect("stdout");
    let mut header = [0u8; 24];
    std::io::Read::read_exact(&mut stdout, &mut header).expect("header");
    drop(stdout);
    // Traffic until the capture notices; it must end by itself, successfully.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        greet_clients(port, b"welcome to python!", 1);
        if let Some(status) = live.try_wait().expect("wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sniffer live did not end"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).expect("read");
    assert!(status.success(), "{rest}");
    assert!(rest.contains(" packets captured, "), "{rest}");
    assert!(!rest.contains("sniffer:"), "no error: {rest}");
}

#[test]
fn sniffer_live_table_shows_rows_as_they_come_under_one_header() {
    if !common::can_capture() {
        return;
    }
    // --immediate: each packet is handed over as it arrives, so the table is printed in
    // several parts as the capture catches up; they continue one table.
    let (port, stdout, _) =
        capture_one_greeting(&["--format", "table", "--immediate"], b"welcome to python!");
    let headers = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("No. "))
        .count();
    assert_eq!(headers, 1, "{stdout}");
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .collect();
    assert_eq!(rows.len(), 8, "{stdout}");
    assert!(
        rows[0].contains(&format!(" → {port} [SYN] Seq=0 ")),
        "{stdout}"
    );
    assert!(rows[0].contains("handshake 1/3 SYN"), "{stdout}");
}

#[test]
fn sniffer_live_shows_details_bytes_and_fields_as_tshark_reads_the_saved_file() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, args) in [
        vec!["-V"],
        vec!["-V", "-x"],
        vec![
            "-T",
            "fields",
            "-E",
            "header=y",
            "-e",
            "frame.number",
            "-e",
            "tcp.seq",
            "-e",
            "tcp.analysis.ack_rtt",
            "-e",
            "data.data",
        ],
        vec!["-T", "json"],
        vec!["-T", "ek"],
    ]
    .into_iter()
    .enumerate()
    {
        let file = dir.path().join(format!("live-{i}.pcap"));
        let file_text = file.to_str().expect("utf-8").to_owned();
        let mut all: Vec<&str> = vec!["-w", &file_text];
        all.extend(&args);
        let (_, stdout, _) = capture_one_greeting(&all, b"welcome to python!");
        let theirs = common::tshark_output(&file, &args);
        assert_eq!(
            stdout.lines().collect::<Vec<_>>(),
            theirs,
            "sniffer live {args:?}"
        );
    }
}

#[test]
fn demo_details_are_what_tshark_shows_of_the_saved_file() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("details.pcapng");
    let out = sniff_demo()
        .args(["--port", "0", "--format", "plain", "--details", "--out"])
        .arg(&file)
        .env("TZ", "UTC")
        .output()
        .expect("run sniff-demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    // The listing, then the details and bytes of every packet.
    let listing = common::tshark_lines(&file);
    assert_eq!(
        lines[..listing.len()],
        listing.iter().map(String::as_str).collect::<Vec<_>>()
    );
    let details = common::tshark_output(&file, &["-V", "-x"]);
    assert_eq!(
        lines[listing.len()..],
        details.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(
        stdout.contains("welcome to pyt"),
        "the greeting in the bytes"
    );

    // The table: the data segment's tree, readable at 80 columns, and its bytes.
    let out = sniff_demo()
        .args([
            "--port",
            "0",
            "--no-save",
            "--format",
            "table",
            "--width",
            "80",
            "--details",
            "4",
        ])
        .output()
        .expect("run sniff-demo");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(stdout.contains("\nBytes of frame 4:\n"), "{stdout}");
    assert!(stdout.contains("welcome to pyt"), "{stdout}");
    assert!(stdout.contains("Data (18 bytes)"), "{stdout}");
    assert!(
        !stdout.contains("Frame 3:"),
        "only frame 4's details: {stdout}"
    );
    for line in stdout.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 80,
            "too wide: {line}"
        );
    }
}

#[test]
fn sniffer_live_display_filter_shows_what_tshark_selects_and_saves_everything() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let filter = "tcp.len > 0 || tcp.flags.fin == 1";
    for (i, args) in [vec!["--format", "plain"], vec!["-V"]]
        .into_iter()
        .enumerate()
    {
        let file = dir.path().join(format!("filtered-{i}.pcap"));
        let file_text = file.to_str().expect("utf-8").to_owned();
        let mut all: Vec<&str> = vec!["-w", &file_text, "-Y", filter];
        all.extend(&args);
        let (_, stdout, _) = capture_one_greeting(&all, b"welcome to python!");
        let tshark_args: Vec<&str> = ["-Y", filter]
            .into_iter()
            .chain(args.iter().copied().filter(|a| *a == "-V"))
            .collect();
        let theirs = common::tshark_output(&file, &tshark_args);
        // The greeting and both FINs are shown; all eight packets are saved.
        assert!(theirs.len() >= 3, "{theirs:?}");
        assert_eq!(stdout.lines().collect::<Vec<_>>(), theirs, "{args:?}");
        assert_eq!(common::tshark_output(&file, &[]).len(), 8);
    }
}

/// `sniffer live -z`: the statistics, printed when the capture ends, are tshark's on the
/// saved file; with `-q`, only the statistics; with `-T fields`, the fields before them.
#[test]
fn sniffer_live_statistics_are_tsharks_on_the_saved_file() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let stats = [
        "-z",
        "conv,tcp",
        "-z",
        "endpoints,ip",
        "-z",
        "io,phs",
        "-z",
        "follow,tcp,ascii,0",
        "-z",
        "flow,tcp,standard",
    ];
    let shown: [&[&str]; 3] = [
        &[],
        &["-q"],
        &["-T", "fields", "-e", "frame.number", "-e", "tcp.len"],
    ];
    for (i, shown) in shown.into_iter().enumerate() {
        let file = dir.path().join(format!("stats-{i}.pcap"));
        let file_text = file.to_str().expect("utf-8").to_owned();
        let mut args: Vec<&str> = vec!["-w", &file_text];
        args.extend(stats);
        args.extend(shown);
        let (_, stdout, _) = capture_one_greeting(&args, b"welcome to python!");
        let mut tshark_args: Vec<&str> = stats.to_vec();
        tshark_args.extend(shown);
        let theirs = common::tshark_output(&file, &tshark_args);
        assert!(
            theirs.iter().any(|l| l == "welcome to python!"),
            "{theirs:?}"
        );
        assert!(
            theirs.iter().any(|l| l.contains("PSH, ACK - Len: 18")),
            "{theirs:?}"
        );
        assert_eq!(stdout.lines().collect::<Vec<_>>(), theirs, "{shown:?}");
    }
}

#[test]
fn demo_display_filter_keeps_the_rows_tshark_selects() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("filtered.pcap");
    let filter = "tcp.flags.syn == 1 or tcp contains \"python\"";
    let out = sniff_demo()
        .args([
            "--port",
            "0",
            "--format",
            "plain",
            "--no-ladder",
            "-Y",
            filter,
            "--out",
        ])
        .arg(&file)
        .output()
        .expect("run sniff-demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    // The plain listing is the whole of stdout: only the rows the filter selects.
    let theirs = common::tshark_output(&file, &["-Y", filter]);
    assert_eq!(theirs.len(), 3, "{theirs:?}");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), theirs);
    assert_eq!(common::tshark_output(&file, &[]).len(), 8);
}

#[test]
fn demo_and_live_refuse_a_bad_display_filter_before_running() {
    let out = sniff_demo()
        .args(["--port", "0", "-Y", "tcp.prt"])
        .output()
        .expect("run sniff-demo");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("sniff-demo: tcp.prt is neither a field nor a protocol name."));
    let out = Command::cargo_bin("sniffer")
        .expect("binary")
        .args(["live", "-Y", "tcp.port == foo"])
        // Were the filter accepted, the capture would not end by itself.
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run sniffer live");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("sniffer: \"foo\" is not a valid number.")
    );
}

#[test]
fn sniffer_live_decodes_http_when_asked() {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("http.pcap");
    let port = free_port().to_string();
    let filter = format!("tcp port {port}");
    let (live, _err, first) = start_live(&[
        "-i",
        "lo",
        "-c",
        "12",
        "--enable-protocol",
        "http",
        "-w",
        file.to_str().expect("utf-8"),
        "-z",
        "http_req,tree",
        "-f",
        &filter,
    ]);
    assert!(first.starts_with("capturing on "), "{first}");
    // HTTP/1.1 on a port that is not HTTP's: Wireshark's heuristic finds it.
    let demo = sniff_demo()
        .args(["--scenario", "http11", "--port", &port, "--no-save"])
        .output()
        .expect("demo");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let out = live
        .wait_with_output()
        .expect("sniffer live ends after -c 12");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    // The listing, then the statistic: both as tshark shows the saved file with HTTP on.
    let mut want = common::tshark_lines_with_http(&file);
    want.extend(common::tshark_output_with_http(
        &file,
        &["-q", "-z", "http_req,tree"],
    ));
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got, want);
    let http_rows = got.iter().filter(|l| l.contains("127.0.0.1    HTTP "));
    assert_eq!(http_rows.count(), 4, "{stdout}");
    assert!(
        stdout.contains("HTTP Requests by HTTP Host  2 "),
        "{stdout}"
    );
}
