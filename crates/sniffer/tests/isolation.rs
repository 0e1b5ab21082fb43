//! With capture rights, `sniff-demo` sees only its own conversations (a past hole: the
//! refused scenario kept `tcp port P` open on `lo` for any `--timeout`, and saved every
//! loopback conversation of whatever listened on P, other users' credentials included).
//!
//! Foreign traffic flows on loopback during each run, on the demo's very port: a TCP and a
//! UDP server on 127.0.0.2 with the same port number, and foreign clients (from 127.0.0.3) of
//! 127.0.0.1 on that port too (the demo's own server, or nothing). Every scenario runs, as root and as an
//! ordinary user holding the capture capabilities through a copy of the binary; the output
//! and the saved file must hold none of the foreign packets, and the process must hold no
//! capability once the capture is open.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use common::{current_uid, workdir, NOBODY};
use serde_json::Value;

/// Bytes every foreign packet carries: none of them may reach a demo's file.
const MARKER: &[u8] = b"FOREIGN-SECRET Authorization: Basic dXNlcjpwYXNzd29yZA==";
const FOREIGN_HOST: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// Where the foreign clients of the demo's own port come from.
const FOREIGN_CLIENT_HOST: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
const STEP: Duration = Duration::from_millis(3);

/// Foreign servers and clients on loopback, running until dropped.
struct Foreign {
    stop: Arc<AtomicBool>,
    /// Local addresses and ports of the foreign clients. Only the pair names a client: the
    /// kernel may give a foreign client on 127.0.0.3 the very port number the demo's client
    /// has on 127.0.0.1.
    clients: Arc<Mutex<BTreeSet<SocketAddr>>>,
    /// Exchanges completed or attempted so far.
    rounds: Arc<AtomicUsize>,
    threads: Vec<JoinHandle<()>>,
}

impl Foreign {
    /// Starts a TCP and a UDP server on 127.0.0.2:`port`, and clients that talk to them and
    /// to 127.0.0.1:`port` over TCP and UDP, every few milliseconds.
    fn start(port: u16) -> Foreign {
        let stop = Arc::new(AtomicBool::new(false));
        let clients = Arc::new(Mutex::new(BTreeSet::new()));
        let rounds = Arc::new(AtomicUsize::new(0));
        let here = SocketAddr::from((FOREIGN_HOST, port));
        let demo_port = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let tcp = TcpListener::bind(here).expect("foreign TCP server on 127.0.0.2");
        tcp.set_nonblocking(true).expect("nonblocking");
        let udp = UdpSocket::bind(here).expect("foreign UDP server on 127.0.0.2");
        udp.set_read_timeout(Some(STEP)).expect("timeout");
        let mut threads = Vec::new();
        let s = Arc::clone(&stop);
        threads.push(std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match tcp.accept() {
                    Ok((mut conn, _)) => {
                        let _ = conn.set_nonblocking(false);
                        let _ = conn.set_read_timeout(Some(Duration::from_millis(200)));
                        let mut buf = [0u8; 256];
                        let _ = conn.read(&mut buf);
                        let _ = conn.write_all(MARKER);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(1)),
                }
            }
        }));
        let s = Arc::clone(&stop);
        threads.push(std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            while !s.load(Ordering::Relaxed) {
                if let Ok((_, peer)) = udp.recv_from(&mut buf) {
                    let _ = udp.send_to(MARKER, peer);
                }
            }
        }));
        let (s, p, r) = (Arc::clone(&stop), Arc::clone(&clients), Arc::clone(&rounds));
        threads.push(std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                // Foreign clients speak from addresses of their own (127.0.0.2 to the foreign
                // servers, 127.0.0.3 to the demo's port): a port the kernel picks for them
                // on 127.0.0.1 could be the very port the demo is about to bind.
                for (from, target) in [(FOREIGN_HOST, here), (FOREIGN_CLIENT_HOST, demo_port)] {
                    let from = SocketAddr::from((from, 0));
                    // TCP: whoever answers (the foreign server, the demo's server, or a
                    // reset) gets the marker.
                    if let Some(mut conn) = connect_from(from, target) {
                        if let Ok(local) = conn.local_addr() {
                            p.lock().expect("clients").insert(local);
                        }
                        let _ = conn.set_read_timeout(Some(Duration::from_millis(200)));
                        let _ = conn.write_all(MARKER);
                        let mut answer = Vec::new();
                        let _ = conn.read_to_end(&mut answer);
                    }
                    if let Ok(sock) = UdpSocket::bind(from) {
                        if let Ok(local) = sock.local_addr() {
                            p.lock().expect("clients").insert(local);
                        }
                        let _ = sock.set_read_timeout(Some(STEP));
                        let _ = sock.send_to(MARKER, target);
                        let _ = sock.recv(&mut [0u8; 256]);
                    }
                }
                r.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(STEP);
            }
        }));
        Foreign {
            stop,
            clients,
            rounds,
            threads,
        }
    }

    fn rounds(&self) -> usize {
        self.rounds.load(Ordering::Relaxed)
    }

    fn clients(&self) -> BTreeSet<SocketAddr> {
        self.clients.lock().expect("clients").clone()
    }
}

impl Drop for Foreign {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A TCP connection from `from` to `target`, if it is accepted in time.
fn connect_from(from: SocketAddr, target: SocketAddr) -> Option<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).ok()?;
    socket.bind(&from.into()).ok()?;
    socket.connect_timeout(&target.into(), STEP * 30).ok()?;
    Some(socket.into())
}

/// A port free on 127.0.0.1 and on 127.0.0.2.
fn free_port() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        if TcpListener::bind((FOREIGN_HOST, port)).is_ok()
            && UdpSocket::bind((FOREIGN_HOST, port)).is_ok()
            && UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
        {
            return port;
        }
    }
}

/// Who runs the demo.
#[derive(Clone, Copy, Debug)]
enum Runner {
    /// This test process's user (root in CI).
    Root,
    /// `nobody`, through a copy of the binary granted the capture capabilities.
    Capabilities,
}

/// A copy of `binary` that `nobody` may run, granted the capture capabilities; `None` (after
/// a skip, or a failure in CI) where that cannot be done.
fn granted_copy(binary: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    if current_uid() != 0 {
        common::skip("needs root to grant file capabilities to a copy of the binary");
        return None;
    }
    let (dir, bin) = workdir(binary);
    let granted = Command::new("setcap")
        .arg("cap_net_raw,cap_net_admin=eip")
        .arg(&bin)
        .status();
    if !granted.is_ok_and(|s| s.success()) {
        common::skip("setcap cannot grant file capabilities on this filesystem");
        return None;
    }
    Some((dir, bin))
}

/// A folder to run in and the binary `runner` runs: the built one as root, a granted copy
/// for `nobody`; `None` (after a skip, or a failure in CI) where the copy cannot be granted.
fn binary_for(runner: Runner, binary: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    match runner {
        Runner::Root => Some((
            tempfile::tempdir().expect("tempdir"),
            assert_cmd::cargo::cargo_bin(binary),
        )),
        Runner::Capabilities => granted_copy(binary),
    }
}

/// A command running `bin` as `runner`, in `dir`.
fn command(runner: Runner, bin: &Path, dir: &Path) -> Command {
    let mut cmd = match runner {
        Runner::Root => Command::new(bin),
        Runner::Capabilities => {
            let mut c = Command::new("setpriv");
            c.args([
                &format!("--reuid={NOBODY}"),
                &format!("--regid={NOBODY}"),
                "--clear-groups",
                "--",
            ])
            .arg(bin);
            c
        }
    };
    cmd.current_dir(dir)
        .env_remove("SUDO_UID")
        .env_remove("SUDO_GID");
    cmd
}

/// The scenarios, with the conversations (client ports) each makes.
const SCENARIOS: &[(&str, &[&str], usize)] = &[
    ("greeting", &[], 1),
    ("concurrent", &["--clients", "3"], 3),
    ("udp", &[], 1),
    ("http10", &[], 2),
    ("http11", &[], 1),
    ("refused", &[], 1),
];

/// The ports of every packet in a capture file, and their addresses, as tshark reads them.
fn endpoints_in(file: &Path) -> Vec<(String, String, u16, u16)> {
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(file)
        .args(["-T", "fields", "-E", "separator=,"])
        .args(["-e", "ip.src", "-e", "ip.dst"])
        .args(["-e", "tcp.srcport", "-e", "tcp.dstport"])
        .args(["-e", "udp.srcport", "-e", "udp.dstport"])
        .output()
        .expect("tshark");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let port = |a: &str, b: &str| {
                [a, b]
                    .iter()
                    .find_map(|p| p.parse().ok())
                    .unwrap_or_else(|| panic!("no port in {l:?}"))
            };
            (
                f[0].to_owned(),
                f[1].to_owned(),
                port(f[2], f[4]),
                port(f[3], f[5]),
            )
        })
        .collect()
}

/// Runs every scenario as `runner` on a port foreign traffic also uses.
fn every_scenario_sees_only_its_own_conversations(runner: Runner) {
    if !common::can_capture() || !common::has_tshark() {
        return;
    }
    let Some((dir, bin)) = binary_for(runner, "sniff-demo") else {
        return;
    };
    for &(scenario, extra, conversations) in SCENARIOS {
        let port = free_port();
        let foreign = Foreign::start(port);
        // Foreign traffic is flowing before the demo starts…
        while foreign.rounds() < 3 {
            std::thread::sleep(STEP);
        }
        let file = dir.path().join(format!("{scenario}.pcap"));
        let out = command(runner, &bin, dir.path())
            .args(["--scenario", scenario, "--port", &port.to_string()])
            .args(extra)
            .args(["--format", "json", "--out"])
            .arg(&file)
            .output()
            .expect("run sniff-demo");
        let before = foreign.rounds();
        // …and after it ends.
        while foreign.rounds() < before + 2 {
            std::thread::sleep(STEP);
        }
        let foreign_clients = foreign.clients();
        drop(foreign);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{scenario} as {runner:?}: {stderr}");
        assert!(
            !stderr.contains("private network namespace"),
            "{scenario} as {runner:?} captured on the host's lo: {stderr}"
        );

        // The saved file: only 127.0.0.1 on both ends, the demo's port at one end, and as
        // many client ports as the scenario has conversations, none of them foreign.
        let raw = std::fs::read(&file).expect("saved capture");
        assert!(
            !raw.windows(MARKER.len()).any(|w| w == MARKER),
            "{scenario} as {runner:?}: a foreign payload was saved"
        );
        let packets = endpoints_in(&file);
        assert!(packets.len() >= 2, "{scenario}: {packets:?}");
        let mut clients = BTreeSet::new();
        for (src, dst, sport, dport) in &packets {
            for end in [(src, sport), (dst, dport)] {
                let end = SocketAddr::new(end.0.parse().expect("address"), *end.1);
                assert!(
                    !foreign_clients.contains(&end),
                    "{scenario} as {runner:?}: a foreign client's packet ({end}) was saved"
                );
            }
            assert_eq!((src.as_str(), dst.as_str()), ("127.0.0.1", "127.0.0.1"));
            let client = if *sport == port { *dport } else { *sport };
            assert!(*sport == port || *dport == port, "{scenario}: {packets:?}");
            clients.insert(client);
        }
        assert_eq!(clients.len(), conversations, "{scenario}: {packets:?}");

        // The output: the same packets, no more, and no foreign port among them.
        let lines: Vec<Value> = String::from_utf8(out.stdout.clone())
            .expect("utf-8")
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect();
        let rows: Vec<&Value> = lines.iter().filter(|v| v.get("number").is_some()).collect();
        assert_eq!(
            rows.len(),
            packets.len(),
            "{scenario}: printed and saved differ"
        );
        assert!(
            stderr.contains(&format!("\n{} packets captured on lo", packets.len())),
            "{stderr}"
        );
        // Row by row, the printed packet is the saved one.
        for (row, (src, dst, sport, dport)) in rows.iter().zip(&packets) {
            let info = row["info"].as_str().expect("info");
            assert_eq!(
                (&row["source"], &row["destination"]),
                (&Value::from(src.as_str()), &Value::from(dst.as_str())),
                "{scenario}: {info}"
            );
            // A TCP row's ports are in its fields (an HTTP row's Info has none); a UDP row's
            // Info starts with them.
            let ports = row["tcp"]
                .as_object()
                .map(|t| (t["src_port"].as_u64(), t["dst_port"].as_u64()));
            match ports {
                Some(ports) => assert_eq!(
                    ports,
                    (Some(u64::from(*sport)), Some(u64::from(*dport))),
                    "{scenario}: row {info} is not the saved {sport} → {dport}"
                ),
                None => assert!(
                    info.starts_with(&format!("{sport} → {dport} ")),
                    "{scenario}: row {info} is not the saved {sport} → {dport}"
                ),
            }
        }

        // Nothing held once the capture was open, by any thread.
        let held = lines
            .iter()
            .find_map(|v| v.get("privileges"))
            .unwrap_or_else(|| panic!("{scenario}: no privileges record"));
        for set in ["effective", "permitted", "inheritable", "ambient"] {
            assert_eq!(held[set], 0, "{scenario} as {runner:?}: {set} {held}");
        }
        assert_eq!(held["no_new_privs"], true, "{held}");
        assert!(held["threads"].as_u64().expect("threads") > 1, "{held}");
        if let Runner::Capabilities = runner {
            assert_eq!(
                held["uids"],
                serde_json::json!([NOBODY, NOBODY, NOBODY, NOBODY])
            );
        }
    }
}

#[test]
fn as_root_every_scenario_sees_only_its_own_conversations() {
    every_scenario_sees_only_its_own_conversations(Runner::Root);
}

#[test]
fn with_file_capabilities_every_scenario_sees_only_its_own_conversations() {
    every_scenario_sees_only_its_own_conversations(Runner::Capabilities);
}

/// A scenario on a port where a server listens stops before any capture is opened: one line,
/// exit code 2, no file.
fn a_busy_port_is_refused_before_capturing(runner: Runner) {
    if !common::can_capture() {
        return;
    }
    let Some((dir, bin)) = binary_for(runner, "sniff-demo") else {
        return;
    };
    // A service that listens (it would accept the demo's connections) and one that only
    // holds a UDP port.
    let service = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = service.local_addr().expect("addr").port();
    let udp_service = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let udp_port = udp_service.local_addr().expect("addr").port();
    for &(scenario, extra, _) in SCENARIOS {
        let busy = if scenario == "udp" { udp_port } else { port };
        let file = dir.path().join(format!("busy-{scenario}.pcap"));
        let out = command(runner, &bin, dir.path())
            .args(["--scenario", scenario, "--port", &busy.to_string()])
            .args(extra)
            .args(["--timeout", "4", "--out"])
            .arg(&file)
            .output()
            .expect("run sniff-demo");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{scenario} as {runner:?}: {stderr}"
        );
        let expected = if scenario == "refused" {
            format!(
                "sniff-demo: port {busy} on 127.0.0.1 is in use (something listens there): the \
                 refused scenario needs a port nobody listens on; pick another one with --port, \
                 or --port 0 for a free one\n"
            )
        } else {
            format!(
                "sniff-demo: port {busy} on 127.0.0.1 is already in use; pick another one with --port\n"
            )
        };
        // One line, and no "Capturing on …" before it: nothing was captured.
        assert_eq!(stderr, expected, "{scenario} as {runner:?}");
        assert!(out.stdout.is_empty());
        assert!(!file.exists(), "{scenario}: no file is written");
    }
}

#[test]
fn as_root_a_busy_port_is_refused_before_capturing() {
    a_busy_port_is_refused_before_capturing(Runner::Root);
}

#[test]
fn with_file_capabilities_a_busy_port_is_refused_before_capturing() {
    a_busy_port_is_refused_before_capturing(Runner::Capabilities);
}

/// What every thread of a process holds, from /proc: (CapEff | …, CapPrm | …, NoNewPrivs
/// of all).
fn held_by(pid: u32) -> (u64, u64, bool) {
    let mut eff = 0;
    let mut prm = 0;
    let mut nnp = true;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("tasks") {
        let status =
            std::fs::read_to_string(task.expect("task").path().join("status")).expect("status");
        for line in status.lines() {
            let (key, value) = line.split_once(':').unwrap_or(("", ""));
            let hex = || u64::from_str_radix(value.trim(), 16).expect("hex");
            match key {
                "CapEff" => eff |= hex(),
                "CapPrm" => prm |= hex(),
                "NoNewPrivs" => nnp &= value.trim() == "1",
                _ => {}
            }
        }
    }
    (eff, prm, nnp)
}

/// `sniffer live`, a general capture tool, gives up its rights once its capture is open:
/// seen from outside, in /proc, while it waits for its packet.
fn sniffer_live_gives_up_its_rights(runner: Runner) {
    if !common::can_capture() {
        return;
    }
    let Some((dir, bin)) = binary_for(runner, "sniffer") else {
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let file = dir.path().join("live.pcap");
    let mut child = command(runner, &bin, dir.path())
        .args(["live", "-c", "1", "-w"])
        .arg(&file)
        .arg(format!("tcp port {port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sniffer live");
    let mut err = child.stderr.take().expect("stderr");
    let mut first = Vec::new();
    let mut byte = [0u8; 1];
    while err.read(&mut byte).expect("read") == 1 && byte[0] != b'\n' {
        first.push(byte[0]);
    }
    let first = String::from_utf8_lossy(&first);
    assert!(first.starts_with("capturing on lo"), "{first}");
    // setpriv execs the binary: the child's pid is the sniffer's.
    let (eff, prm, nnp) = held_by(child.id());
    let _ = TcpStream::connect(("127.0.0.1", port));
    let status = child.wait().expect("wait");
    let mut rest = String::new();
    let _ = err.read_to_string(&mut rest);
    assert!(status.success(), "{rest}");
    assert_eq!((eff, prm, nnp), (0, 0, true), "as {runner:?}");
    assert_eq!(common::tshark_lines(&file).len(), 1);
}

#[test]
fn as_root_sniffer_live_gives_up_its_rights() {
    sniffer_live_gives_up_its_rights(Runner::Root);
}

#[test]
fn with_file_capabilities_sniffer_live_gives_up_its_rights() {
    sniffer_live_gives_up_its_rights(Runner::Capabilities);
}
