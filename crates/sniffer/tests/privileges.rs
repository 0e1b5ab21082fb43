//! Capture privileges: the demo without them (a private network namespace), under sudo
//! (privileges dropped once the capture is open), and `sniffer live` without them.
//!
//! As root (CI), the unprivileged runs use `setpriv` to become `nobody` with no
//! capabilities; as an ordinary user they run as that user.

mod common;

use common::{current_uid, workdir, NOBODY};

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `program args` without privileges, in `dir`: as `nobody` with no capabilities when
/// root, as is otherwise. Returns the output and the uid it ran as.
fn unprivileged(dir: &Path, program: &Path, args: &[&str]) -> (Output, u32) {
    let mut cmd = if current_uid() == 0 {
        let mut c = Command::new("setpriv");
        c.args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--",
        ]);
        c.arg(program);
        c
    } else {
        Command::new(program)
    };
    let uid = if current_uid() == 0 {
        NOBODY
    } else {
        current_uid()
    };
    cmd.args(args)
        .current_dir(dir)
        .env_remove("SUDO_UID")
        .env_remove("SUDO_GID");
    (cmd.output().expect("run"), uid)
}

#[test]
fn without_privileges_the_demo_runs_in_a_private_namespace() {
    let (dir, bin) = workdir("sniff-demo");
    let (out, uid) = unprivileged(
        dir.path(),
        &bin,
        &["--format", "json", "--out", "mine.pcap"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(2) && stderr.contains("does not allow user namespaces") {
        panic!("this machine forbids unprivileged user namespaces, so the demo cannot run without privileges here: {stderr}");
    }
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rows = stdout
        .lines()
        .filter(|l| l.starts_with("{\"number\""))
        .count();
    assert_eq!(rows, 8, "the whole exchange:\n{stdout}");
    assert!(
        stdout.contains(
            "\"note\":\"Ran in a private network namespace (this user may not capture on the host"
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("Ran in a private network namespace"),
        "{stderr}"
    );
    let meta = std::fs::metadata(dir.path().join("mine.pcap")).expect("saved capture");
    assert_eq!(
        meta.uid(),
        uid,
        "the capture belongs to the user who ran the demo"
    );
}

#[test]
fn private_netns_on_request_ignores_the_hosts_busy_port() {
    if !common::can_capture() {
        return;
    }
    // The host's port is taken; the private namespace has its own.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let out = assert_cmd::Command::cargo_bin("sniff-demo")
        .expect("binary")
        .args([
            "--private-netns",
            "--no-save",
            "--format",
            "plain",
            "--port",
            &port,
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 8);
    assert!(String::from_utf8_lossy(&out.stderr).contains("(asked for with --private-netns)"));
}

#[test]
fn under_sudo_files_belong_to_the_invoking_user() {
    if current_uid() != 0 {
        common::skip("needs root to pretend to run under sudo");
        return;
    }
    let (dir, bin) = workdir("sniff-demo");
    // No --out: the default captures/ folder is created, as the invoking user.
    let out = Command::new(&bin)
        .args(["--format", "plain", "--port", "0"])
        .current_dir(dir.path())
        .env("SUDO_UID", NOBODY.to_string())
        .env("SUDO_GID", NOBODY.to_string())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 8);
    let folder = dir.path().join("captures");
    assert_eq!(std::fs::metadata(&folder).expect("captures/").uid(), NOBODY);
    let files: Vec<_> = std::fs::read_dir(&folder)
        .expect("read")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::metadata(&files[0]).expect("file").uid(), NOBODY);
    assert_eq!(std::fs::metadata(&files[0]).expect("file").gid(), NOBODY);
}

#[test]
fn where_user_namespaces_are_forbidden_the_way_forward_is_spelled_out() {
    if current_uid() != 0 {
        common::skip("needs root to drop to another user inside a namespace with no room for more");
        return;
    }
    let (dir, bin) = workdir("sniff-demo");
    // Inside a user namespace whose limit of nested namespaces is 0, on the host's network.
    let script = format!(
        "echo 0 > /proc/sys/user/max_user_namespaces && exec {} --no-save",
        bin.display()
    );
    let (out, _) = unprivileged(
        dir.path(),
        Path::new("/usr/bin/unshare"),
        &["--user", "--map-root-user", "sh", "-c", &script],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("sniff-demo: cannot capture without privileges, and this system does not allow user namespaces (unshare: "),
        "{stderr}"
    );
    for way in [
        "run with sudo",
        "sudo setcap cap_net_raw,cap_net_admin=eip ",
        "kernel.unprivileged_userns_clone=1",
        "kernel.apparmor_restrict_unprivileged_userns=0",
    ] {
        assert!(stderr.contains(way), "missing {way:?}: {stderr}");
    }
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
}

#[test]
fn sniffer_live_without_privileges_says_what_to_do() {
    let (dir, bin) = workdir("sniffer");
    let (out, _) = unprivileged(dir.path(), &bin, &["live", "-c", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "sniffer: no permission to capture on lo. Run with sudo, or allow this program once: \
             sudo setcap cap_net_raw,cap_net_admin=eip {}\n",
            bin.display()
        )
    );
}

#[test]
fn with_file_capabilities_the_user_captures_on_the_host() {
    if current_uid() != 0 {
        common::skip("needs root to grant file capabilities");
        return;
    }
    let (dir, bin) = workdir("sniff-demo");
    let granted = Command::new("setcap")
        .arg("cap_net_raw,cap_net_admin=eip")
        .arg(&bin)
        .status();
    if !granted.is_ok_and(|s| s.success()) {
        common::skip("setcap (libcap2-bin) cannot grant capabilities on this filesystem");
        return;
    }
    // An ordinary user, whose bounding set still allows the file's capabilities.
    let out = Command::new("setpriv")
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
            "--",
        ])
        .arg(&bin)
        .args(["--format", "plain", "--port", "0", "--out", "cap.pcap"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("private network namespace"),
        "captured on the host: {stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 8);
    assert_eq!(
        std::fs::metadata(dir.path().join("cap.pcap"))
            .expect("file")
            .uid(),
        NOBODY
    );
}
