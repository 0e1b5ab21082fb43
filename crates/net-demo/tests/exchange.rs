//! The server and client against each other on loopback, and the CLI's error paths.

use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use tokio::sync::oneshot;

async fn exchange_on(host: &str) {
    let addr = net_demo::resolve(host, 0).await.expect("resolve loopback");
    let listener = net_demo::bind(addr).expect("bind port 0");
    let local = listener.local_addr().expect("local addr");
    assert_ne!(
        local.port(),
        0,
        "port 0 must be replaced by the kernel's choice"
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(net_demo::serve(
        listener,
        b"welcome to python!".to_vec(),
        async {
            let _ = stopped.await;
        },
        |_| {},
    ));
    let first = net_demo::fetch_greeting(local).await.expect("first client");
    let second = net_demo::fetch_greeting(local)
        .await
        .expect("second client");
    assert_eq!(first, b"welcome to python!");
    assert_eq!(second, b"welcome to python!");
    stop.send(()).expect("server still running");
    let greeted = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("server stops when told")
        .expect("server task")
        .expect("server result");
    assert_eq!(greeted, 2);
}

#[tokio::test]
async fn greeting_over_ipv4() {
    exchange_on("127.0.0.1").await;
}

#[tokio::test]
async fn greeting_over_ipv6() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: this machine has no IPv6 loopback (::1)"
        );
        assert!(
            std::env::var_os("CI").is_none(),
            "cannot skip in CI: no IPv6 loopback"
        );
        return;
    }
    exchange_on("::1").await;
}

#[tokio::test]
async fn busy_port_is_reported_with_its_number() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let err = net_demo::bind(addr).expect_err("second bind must fail");
    assert!(
        matches!(err, net_demo::NetError::AddrInUse { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "port {} on 127.0.0.1 is already in use; pick another one with --port",
            addr.port()
        )
    );
}

/// A port that was free a moment ago: bind, read the number, close.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

#[test]
fn client_cli_reports_refused_connection() {
    let port = free_port();
    Command::cargo_bin("net-demo")
        .expect("binary")
        .args(["client", "--port", &port.to_string()])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(format!(
            "net-demo: connection refused by 127.0.0.1:{port}"
        )));
}

#[test]
fn client_cli_reports_unknown_host() {
    Command::cargo_bin("net-demo")
        .expect("binary")
        .args(["client", "--host", "no-such-host.invalid"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "net-demo: unknown host 'no-such-host.invalid'",
        ));
}

#[test]
fn server_cli_reports_busy_port() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    Command::cargo_bin("net-demo")
        .expect("binary")
        .args(["server", "--port", &port.to_string()])
        .assert()
        .code(2)
        .stderr(format!(
            "net-demo: port {port} on 127.0.0.1 is already in use; pick another one with --port\n"
        ));
}

#[test]
fn server_and_client_binaries_talk() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command as Proc, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("net-demo");
    let mut server = Proc::new(&bin)
        .args(["server", "--port", "0", "--greeting", "hello from the test"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn server");
    let mut lines = BufReader::new(server.stdout.take().expect("stdout"));
    let mut first = String::new();
    lines.read_line(&mut first).expect("read line");
    let addr = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.split_whitespace().next())
        .expect("server announces its address")
        .to_owned();
    let port = addr.rsplit(':').next().expect("port").to_owned();
    let out = Command::cargo_bin("net-demo")
        .expect("binary")
        .args(["client", "--port", &port])
        .output()
        .expect("client runs");
    let _ = server.kill();
    let _ = server.wait();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello from the test\n"
    );
    let mut peer = String::new();
    lines.read_line(&mut peer).expect("read line");
    assert!(peer.starts_with("connection from 127.0.0.1:"), "{peer}");
}

#[test]
fn server_stops_cleanly_on_ctrl_c() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command as Proc, Stdio};
    let mut server = Proc::new(assert_cmd::cargo::cargo_bin("net-demo"))
        .args(["server", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn server");
    let mut out = BufReader::new(server.stdout.take().expect("stdout"));
    let mut first = String::new();
    out.read_line(&mut first).expect("read line");
    assert!(first.starts_with("listening on 127.0.0.1:"), "{first}");
    let status = Proc::new("kill")
        .args(["-INT", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = server.wait().expect("wait");
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("read");
    assert!(exit.success(), "{exit:?}");
    assert_eq!(rest, "stopped after greeting 0 client(s)\n");
}

#[tokio::test]
async fn a_bulk_transfer_delivers_every_byte() {
    for host in ["127.0.0.1", "::1"] {
        let addr = net_demo::resolve(host, 0).await.expect("resolve");
        let bytes = 8 * 1024 * 1024 + 12_345;
        let report = net_demo::bulk::transfer(addr, bytes, None)
            .await
            .expect("transfer");
        assert_eq!((report.sent, report.received), (bytes, bytes), "{host}");
        assert_ne!(report.port, 0);
    }
}

#[tokio::test]
async fn a_paced_bulk_transfer_is_not_faster_than_its_rate() {
    let addr = net_demo::resolve("127.0.0.1", 0).await.expect("resolve");
    // 2 MiB at 80 Mbit/s is due after 0.21 s at the earliest.
    let bytes = 2 * 1024 * 1024;
    let report = net_demo::bulk::transfer(addr, bytes, Some(80_000_000))
        .await
        .expect("transfer");
    assert_eq!(report.received, bytes);
    assert!(
        report.elapsed >= Duration::from_millis(200),
        "{:?}",
        report.elapsed
    );
}

#[test]
fn bulk_refuses_an_address_off_this_machine() {
    Command::cargo_bin("net-demo")
        .expect("binary")
        .args(["bulk", "--host", "192.0.2.1", "--bytes", "1k"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "192.0.2.1 is not a loopback address",
        ));
}

#[test]
fn bulk_prints_its_throughput() {
    Command::cargo_bin("net-demo")
        .expect("binary")
        .args(["bulk", "--port", "0", "--bytes", "3M"])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(
                r"^sent 3145728 bytes to port \d+ in \d+\.\d\d s: \d+\.\d\d Gbit/s\n$",
            )
            .expect("regex"),
        );
}

#[test]
fn generate_writes_the_man_page_and_completions() {
    let out = assert_cmd::Command::cargo_bin("net-demo")
        .expect("binary")
        .args(["--generate", "man"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).expect("utf-8");
    assert!(page.contains(".TH net-demo 1 "), "{page}");
    for section in ["NET-DEMO SERVER", "NET-DEMO CLIENT", "NET-DEMO BULK"] {
        assert!(page.contains(&format!(".SH \"{section}\"")), "{section}");
    }
    assert!(page.contains("\\-\\-greeting"), "{page}");
    let out = assert_cmd::Command::cargo_bin("net-demo")
        .expect("binary")
        .args(["--generate", "complete-bash"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).expect("utf-8");
    assert!(script.contains("complete -F _net__demo "), "{script}");
}

#[test]
fn a_missing_subcommand_is_a_usage_error() {
    assert_cmd::Command::cargo_bin("net-demo")
        .expect("binary")
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with(
            "error: a subcommand is required: server, client or bulk",
        ));
}
