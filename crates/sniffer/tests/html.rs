//! `sniffer read --html PAGE`: the page is self-contained, holds every packet with the same
//! tree as `-V` and the same bytes, and works in a real browser (headless Chromium): the
//! list, the ladder's arrows, and the bytes of the packet selected.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Writes the page of `fixture` (with `args`) into `dir`; returns its path.
fn page(fixture: &str, args: &[&str], dir: &Path) -> PathBuf {
    let page = dir.join(format!("{fixture}.html"));
    let out = Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
        .arg("read")
        .arg(common::fixture(fixture))
        .arg("--html")
        .arg(&page)
        .args(args)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "the page, not the listing");
    page
}

/// The packets the page carries.
fn packets(html: &str) -> Vec<Value> {
    let start = html.find("const PACKETS = [").expect("packets") + "const PACKETS = ".len();
    let end = start + html[start..].find("];\n").expect("end of packets") + 1;
    serde_json::from_str::<Vec<Value>>(&html[start..end].replace("<\\/", "</")).expect("JSON")
}

#[test]
fn the_page_is_self_contained_and_holds_every_packet_as_v_shows_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = std::fs::read_to_string(page("greeting-ipv4.pcap", &[], dir.path())).expect("read");
    // Nothing loaded from anywhere: no source, link, import or URL but SVG's namespace.
    for needle in ["src=", "href=", "@import", "url("] {
        assert!(!html.contains(needle), "{needle}");
    }
    assert_eq!(
        html.matches("http").count(),
        html.matches("http://www.w3.org/2000/svg").count()
    );
    let packets = packets(&html);
    assert_eq!(packets.len(), 8);
    // Each packet's lines are -V's, in order, indented as there.
    let v = common::sniffer_output(&common::fixture("greeting-ipv4.pcap"), &["-V"]);
    let mut shown = Vec::new();
    for p in &packets {
        for line in p["tree"].as_array().expect("lines") {
            let depth = line[0].as_u64().expect("depth") as usize;
            shown.push(format!(
                "{}{}",
                "    ".repeat(depth),
                line[1].as_str().expect("text")
            ));
        }
    }
    // (-V dumps the payload's bytes under its Data line; the page has a bytes pane.)
    let dump =
        |l: &str| l.len() > 6 && l[..4].bytes().all(|b| b.is_ascii_hexdigit()) && &l[4..6] == "  ";
    let v: Vec<String> = v
        .into_iter()
        .filter(|l| !l.is_empty() && !dump(l))
        .collect();
    assert_eq!(shown, v);
    // The data segment's bytes hold the greeting, and its row is the listing's.
    let greeting: String = b"welcome to python!"
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(packets[3]["bytes"]
        .as_str()
        .expect("hex")
        .ends_with(&greeting));
    assert_eq!(packets[3]["row"]["number"], 4);
    assert_eq!(packets[3]["row"]["tcp"]["len"], 18);
    // A field's bytes are where the tree says: the TCP payload's line covers the greeting.
    let data = packets[3]["tree"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| {
            l[1].as_str()
                .is_some_and(|t| t.starts_with("Data (18 bytes)"))
        })
        .expect("data line");
    assert_eq!(data[2], 66);
    assert_eq!(data[3], 18);
}

#[test]
fn y_selects_what_goes_in_and_other_outputs_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = std::fs::read_to_string(page(
        "greeting-ipv4.pcap",
        &["-Y", "tcp.len > 0"],
        dir.path(),
    ))
    .expect("read");
    let packets = packets(&html);
    assert_eq!(packets.len(), 1);
    assert_eq!(packets[0]["row"]["number"], 4);
    for args in [&["-z", "conv,tcp"][..], &["-V"], &["--explain"], &["-q"]] {
        let out = Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
            .arg("read")
            .arg(common::fixture("greeting-ipv4.pcap"))
            .args(["--html", "/dev/null"])
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--html writes the page"));
    }
}

/// Headless Chromium, as the page's reader would open it: the DOM once its script ran, and
/// what the browser logged.
fn chromium(url: &str) -> Option<(String, String)> {
    let Ok(path) = which("chromium") else {
        common::skip("no chromium (scripts/install-deps.sh --tests installs it)");
        return None;
    };
    let profile = tempfile::tempdir().expect("tempdir");
    let out = Command::new(path)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("runs chromium");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some((
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn which(program: &str) -> Result<PathBuf, ()> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn in_chromium_the_list_the_ladder_and_the_selected_packets_bytes_are_there() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = page("greeting-ipv4.pcap", &[], dir.path());
    // Frame 4 selected, as a click on its row does.
    let Some((dom, log)) = chromium(&format!("file://{}#packet=4", page.display())) else {
        return;
    };
    assert!(!log.contains("Uncaught"), "{log}");
    assert_eq!(dom.matches("<tr class=\"pkt").count(), 8, "{dom}");
    let selected: Vec<&str> = dom.split("<tr class=\"pkt selected\"").skip(1).collect();
    assert_eq!(selected.len(), 1);
    assert!(
        selected[0].starts_with(" data-index=\"3\""),
        "{}",
        &selected[0][..40]
    );
    // One arrow per segment in the ladder.
    assert_eq!(dom.matches("class=\"seg\"").count(), 8);
    // The bytes pane shows the greeting (the text column, cut at 16 bytes a line).
    let hex = &dom[dom.find("id=\"hex\"").expect("bytes pane")..];
    assert!(hex.contains("welcome to pytho"), "{hex}");
    // The details pane shows the frame's tree; each end's state is in the list.
    assert!(dom.contains("Frame 4: 84 bytes on wire"), "{dom}");
    assert!(
        dom.contains("<td class=\"state\">ESTABLISHED</td>"),
        "{dom}"
    );

    // Selecting the Data line highlights its 18 bytes, and only them: each in the hex
    // and in the text column.
    let html = std::fs::read_to_string(&page).expect("read");
    let line = packets(&html)[3]["tree"]
        .as_array()
        .expect("lines")
        .iter()
        .position(|l| {
            l[1].as_str()
                .is_some_and(|t| t.starts_with("Data (18 bytes)"))
        })
        .expect("data line");
    let url = format!("file://{}#packet=4&field={line}", page.display());
    let Some((dom, _)) = chromium(&url) else {
        return;
    };
    let hex = &dom[dom.find("id=\"hex\"").expect("bytes pane")..];
    let hex = &hex[..hex.find("</pre>").expect("end of pane")];
    assert_eq!(hex.matches("<b>").count(), 36, "{hex}");
    assert!(hex.contains("<b>77</b> <b>65</b> <b>6c</b>"), "{hex}");
    assert!(hex.contains("<b>w</b><b>e</b><b>l</b>"), "{hex}");
}

#[test]
fn in_chromium_rows_with_analysis_tags_are_marked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let page = page("synthetic-every-tag.pcap", &[], dir.path());
    let html = std::fs::read_to_string(&page).expect("read");
    let tagged = packets(&html)
        .iter()
        .filter(|p| {
            p["row"]["tcp"]["tags"]
                .as_array()
                .is_some_and(|t| !t.is_empty())
        })
        .count();
    assert!(tagged > 5, "{tagged}");
    let Some((dom, log)) = chromium(&format!("file://{}", page.display())) else {
        return;
    };
    assert!(!log.contains("Uncaught"), "{log}");
    assert_eq!(
        dom.matches("<tr class=\"pkt tagged").count(),
        tagged,
        "{dom}"
    );
}
