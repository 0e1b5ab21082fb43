//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use sniffer::capture::{LiveCapture, LiveOptions};
use sniffer::error::CaptureError;

/// True when running under CI, where a skipped test is a failure.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Skips the calling test (returns false) outside CI, fails it in CI.
pub fn skip(reason: &str) -> bool {
    if in_ci() {
        panic!("cannot skip in CI: {reason}");
    }
    // Written to the stream itself, not through `eprintln!`, so that the test harness does not
    // swallow the reason along with the output of a passing test.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {reason}");
    false
}

/// Whether this process may capture on loopback. Without privileges, skips (or fails in CI).
pub fn can_capture() -> bool {
    match LiveCapture::open(&LiveOptions::loopback("tcp port 9")) {
        Ok(_) => true,
        Err(CaptureError::Permission { .. }) => skip(
            "no capture privileges (run as root, or setcap cap_net_raw,cap_net_admin=eip on the test binary)",
        ),
        Err(e) => panic!("cannot open the loopback capture: {e}"),
    }
}

/// Whether tshark is installed. Without it, skips (or fails in CI).
pub fn has_tshark() -> bool {
    match Command::new("tshark").arg("--version").output() {
        Ok(out) if out.status.success() => true,
        _ => skip("tshark is not installed (apt-get install tshark)"),
    }
}

/// The lines a command prints on stdout; panics if it fails.
fn stdout_lines(mut command: Command, what: &str) -> Vec<String> {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The protocols tshark keeps when it is the judge: link, network and transport layers.
/// Application dissectors (HTTP, and heuristics such as JXTA that claim payloads on any
/// port) are out of `sniffer`'s scope, so tshark compares with them disabled.
const JUDGED_PROTOCOLS: &[&str] = &[
    "frame",
    "eth",
    "ethertype",
    "vlan",
    "ieee8021ad",
    "ip",
    "ipv6",
    "ipv6.hopopts",
    "ipv6.routing",
    "ipv6.fraghdr",
    "ipv6.dstopts",
    "tcp",
    "udp",
    "icmp",
    "icmpv6",
    "arp",
    "sll",
    "null",
    "loop",
    "raw",
    "ppp",
    "ppp_hdlc",
    "chdlc",
    "data",
];

/// The tunnels judged with [`tshark_lines_with_tunnels`] (tshark's defaults decode them).
const TUNNEL_PROTOCOLS: &[&str] = &["gre", "vxlan", "geneve", "erspan"];

/// HTTP and what shows its bodies, judged with [`tshark_lines_with_http`].
const HTTP_PROTOCOLS: &[&str] = &["http", "media", "data-text-lines"];

/// Which protocols tshark keeps besides [`JUDGED_PROTOCOLS`].
#[derive(Clone, Copy)]
enum Judge {
    Plain,
    Tunnels,
    Http,
}

/// A tshark configuration folder whose `disabled_protos` lists every protocol but
/// [`JUDGED_PROTOCOLS`] and those `judge` adds; made once per test process.
fn tshark_config_dir(judge: Judge) -> &'static Path {
    static PLAIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    static TUNNELS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    static HTTP: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let (cell, name, extra) = match judge {
        Judge::Plain => (&PLAIN, "tshark-judge", &[][..]),
        Judge::Tunnels => (&TUNNELS, "tshark-judge-tunnels", TUNNEL_PROTOCOLS),
        Judge::Http => (&HTTP, "tshark-judge-http", HTTP_PROTOCOLS),
    };
    cell.get_or_init(|| {
        let all = stdout_lines(
            {
                let mut c = Command::new("tshark");
                c.args(["-G", "protocols"]);
                c
            },
            "tshark -G protocols",
        );
        let disabled: Vec<&str> = all
            .iter()
            .filter_map(|line| line.split('\t').nth(2))
            .filter(|name| !JUDGED_PROTOCOLS.contains(name) && !extra.contains(name))
            .collect();
        // Under the target folder, shared by the test binaries: written under a name of this
        // process's, then renamed into place, so that concurrent writers never clash.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::create_dir_all(&dir).expect("create the tshark config folder");
        let scratch = dir.join(format!("disabled_protos.{}", std::process::id()));
        std::fs::write(&scratch, disabled.join("\n") + "\n").expect("write disabled_protos");
        std::fs::rename(&scratch, dir.join("disabled_protos")).expect("rename disabled_protos");
        dir
    })
}

/// What `tshark -r FILE` prints, line by line, with application dissectors disabled.
pub fn tshark_lines(file: &Path) -> Vec<String> {
    tshark_lines_judged(file, Judge::Plain)
}

/// [`tshark_lines`] with GRE, ERSPAN, VXLAN and Geneve decoded too.
pub fn tshark_lines_with_tunnels(file: &Path) -> Vec<String> {
    tshark_lines_judged(file, Judge::Tunnels)
}

/// [`tshark_lines`] with HTTP decoded too (and its bodies' media types).
pub fn tshark_lines_with_http(file: &Path) -> Vec<String> {
    tshark_lines_judged(file, Judge::Http)
}

fn tshark_lines_judged(file: &Path, judge: Judge) -> Vec<String> {
    let mut tshark = Command::new("tshark");
    tshark
        .arg("-r")
        .arg(file)
        .env("LC_ALL", "C.UTF-8")
        .env("WIRESHARK_CONFIG_DIR", tshark_config_dir(judge));
    stdout_lines(tshark, "tshark")
}

/// What `sniffer read --format plain FILE` prints, line by line.
pub fn sniffer_lines(file: &Path) -> Vec<String> {
    let mut sniffer = Command::new(assert_cmd::cargo::cargo_bin("sniffer"));
    sniffer.args(["read", "--format", "plain"]).arg(file);
    stdout_lines(sniffer, "sniffer")
}

/// Compares ours with tshark's, line by line; panics with every differing line.
pub fn assert_same_as_tshark(file: &Path) -> usize {
    let theirs = tshark_lines(file);
    let ours = sniffer_lines(file);
    let mut diffs = Vec::new();
    for i in 0..theirs.len().max(ours.len()) {
        let (t, o) = (theirs.get(i), ours.get(i));
        if t != o {
            diffs.push(format!(
                "line {}:\n  tshark:  {:?}\n  sniffer: {:?}",
                i + 1,
                t,
                o
            ));
        }
    }
    assert!(
        diffs.is_empty(),
        "{}: {} of {} lines differ\n{}",
        file.display(),
        diffs.len(),
        theirs.len(),
        diffs.join("\n")
    );
    theirs.len()
}

/// A committed capture file.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The user the unprivileged runs become when the tests run as root.
pub const NOBODY: u32 = 65534;

pub fn current_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|u| u.parse().ok())
        })
        .expect("uid from /proc/self/status")
}

/// A world-writable folder holding a copy of `binary`, so that `nobody` can run it and
/// write there.
pub fn workdir(binary: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o777),
    )
    .expect("chmod");
    let copy = dir.path().join(binary);
    std::fs::copy(assert_cmd::cargo::cargo_bin(binary), &copy).expect("copy binary");
    (dir, copy)
}

/// What `tshark -r FILE ARGS…` prints (`-V`, `-x`, `-T fields -e …`), line by line, judged
/// as in [`tshark_lines`], with times in UTC.
pub fn tshark_output(file: &Path, args: &[&str]) -> Vec<String> {
    tshark_output_judged(file, args, Judge::Plain)
}

/// [`tshark_output`] with GRE, ERSPAN, VXLAN and Geneve decoded too.
pub fn tshark_output_with_tunnels(file: &Path, args: &[&str]) -> Vec<String> {
    tshark_output_judged(file, args, Judge::Tunnels)
}

/// [`tshark_output`] with HTTP decoded too (and its bodies' media types).
pub fn tshark_output_with_http(file: &Path, args: &[&str]) -> Vec<String> {
    tshark_output_judged(file, args, Judge::Http)
}

fn tshark_output_judged(file: &Path, args: &[&str], judge: Judge) -> Vec<String> {
    let mut tshark = Command::new("tshark");
    tshark
        .arg("-r")
        .arg(file)
        .args(args)
        .env("LC_ALL", "C.UTF-8")
        .env("TZ", "UTC")
        .env("WIRESHARK_CONFIG_DIR", tshark_config_dir(judge));
    stdout_lines(tshark, "tshark")
}

/// What `sniffer read FILE ARGS…` prints, line by line, with times in UTC.
pub fn sniffer_output(file: &Path, args: &[&str]) -> Vec<String> {
    let mut sniffer = Command::new(assert_cmd::cargo::cargo_bin("sniffer"));
    // tshark's configuration folder, so that both read the same display filter macros.
    sniffer
        .arg("read")
        .arg(file)
        .args(args)
        .env("TZ", "UTC")
        .env("WIRESHARK_CONFIG_DIR", tshark_config_dir(Judge::Plain));
    stdout_lines(sniffer, "sniffer")
}

/// The `disabled_protos` tshark is judged with, to copy into a configuration folder of a
/// test's own.
#[allow(dead_code)]
pub fn judged_disabled_protos() -> PathBuf {
    tshark_config_dir(Judge::Plain).join("disabled_protos")
}

/// The committed captures (`tests/fixtures/*.pcap`, `*.pcapng`), sorted.
pub fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    files.sort();
    files
}

/// `-q` and every statistic `sniffer read -z` makes, as arguments for it and for tshark.
pub const EVERY_STATISTIC: &[&str] = &[
    "-q",
    "-z",
    "conv,eth",
    "-z",
    "conv,ip",
    "-z",
    "conv,ipv6",
    "-z",
    "conv,tcp",
    "-z",
    "conv,udp",
    "-z",
    "endpoints,eth",
    "-z",
    "endpoints,ip",
    "-z",
    "endpoints,ipv6",
    "-z",
    "endpoints,tcp",
    "-z",
    "endpoints,udp",
    "-z",
    "io,phs",
    "-z",
    "io,phs,tcp",
    "-z",
    "expert",
    // The whole capture in one row: an interval of a second would make tshark hold
    // 68 billion rows for a capture that spans two thousand years (it is killed).
    "-z",
    "io,stat,0",
    "-z",
    "io,stat,0,tcp,COUNT(tcp.analysis.retransmission)tcp.analysis.retransmission,MAX(tcp.len)tcp.len,MIN(tcp.window_size)tcp.window_size,SUM(frame.len)frame.len",
    "-z",
    "flow,tcp,standard",
    "-z",
    "flow,tcp,network,tcp.len>0",
];
