//! `sniffer read --enable-protocol http` (and `sniff-demo --enable-protocol http`): the
//! listing's HTTP rows, the packet details, bytes, fields, JSON and display filters are
//! tshark's with its HTTP dissector on (http, media and data-text-lines enabled, the other
//! application protocols off), on every committed capture and on the demo's HTTP scenarios.

mod common;

use std::path::Path;
use std::process::Command;

/// What `sniffer read --enable-protocol http --format plain FILE` prints.
fn sniffer_http_lines(file: &Path) -> Vec<String> {
    common::sniffer_output(file, &["--enable-protocol", "http", "--format", "plain"])
}

/// Frames of `real-http-loopback.pcap` where tshark and sniffer differ: body segments the
/// capture cut to 160 bytes, with no line end in them, where tshark 4.0 adds `[Packet size
/// limited during capture]` to some (frames 68 and 80) and not to others.
const KNOWN: &[(&str, u64)] = &[
    ("real-http-loopback.pcap", 74),
    ("real-http-loopback.pcap", 83),
];

#[test]
fn every_capture_lists_as_tshark_does_with_http_on() {
    if !common::has_tshark() {
        return;
    }
    let mut http_rows = 0;
    for file in common::fixtures() {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let tshark = common::tshark_lines_with_http(&file);
        let sniffer = sniffer_http_lines(&file);
        assert_eq!(tshark.len(), sniffer.len(), "{name}");
        for (t, s) in tshark.iter().zip(&sniffer) {
            let number: u64 = t
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .expect("No.");
            if KNOWN.contains(&(name.as_str(), number)) {
                assert!(t.ends_with("Continuation"), "{name}: {t}");
                continue;
            }
            assert_eq!(t, s, "{name}");
            http_rows += usize::from(t.contains(" HTTP "));
        }
    }
    // The HTTP captures are among them: requests, responses, continuations.
    assert!(http_rows > 40, "{http_rows}");
}

#[test]
fn the_http_scenarios_list_as_tshark_does_with_http_on() {
    if !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for scenario in ["http10", "http11"] {
        let file = dir.path().join(format!("{scenario}.pcap"));
        let page = dir.path().join(format!("{scenario}.html"));
        let out = assert_cmd::Command::cargo_bin("sniff-demo")
            .expect("binary")
            .args(["--scenario", scenario, "--enable-protocol", "http"])
            .arg("--html")
            .arg(&page)
            .args(["--format", "plain", "--out"])
            .arg(&file)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sniffer = sniffer_http_lines(&file);
        assert_eq!(common::tshark_lines_with_http(&file), sniffer, "{scenario}");
        // The demo's own rows are those too.
        let demo: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(demo, sniffer, "{scenario}");
        // So are its page's: four rows whose Protocol is HTTP, with the request lines.
        let html = std::fs::read_to_string(&page).expect("page");
        let rows = &html[html.find("const ROWS = [").expect("rows")..];
        let rows = &rows[..rows.find("];\n").expect("end of rows")];
        assert_eq!(rows.matches(",\"HTTP\",").count(), 4, "{rows}");
        assert!(rows.contains(",\"GET /again HTTP/1."), "{rows}");
        // Two requests and two responses, each in its own row.
        let rows: Vec<&String> = sniffer.iter().filter(|l| l.contains(" HTTP ")).collect();
        assert_eq!(rows.len(), 4, "{rows:#?}");
        assert!(rows[0].ends_with("GET / HTTP/1.1 ") || rows[0].ends_with("GET / HTTP/1.0 "));
        assert!(rows[1].ends_with(" 200 OK  (text/plain)"), "{}", rows[1]);
    }
}

#[test]
fn only_http_can_be_enabled() {
    let file = common::fixture("real-http-curl.pcap");
    let out = Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
        .arg("read")
        .arg(&file)
        .args(["--enable-protocol", "dns"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--enable-protocol dns: the protocol it can enable is http"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    // A statistics tree's bad filter, in tshark's words, before anything is read.
    let out = Command::new(assert_cmd::cargo::cargo_bin("sniffer"))
        .arg("read")
        .arg(&file)
        .args(["-z", "http_req,tree,http.bogus"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "sniffer: stats_tree for: HTTP/Requests failed to attach to the tap: Filter \"http.bogus\" \
         is invalid - http.bogus is neither a field nor a protocol name.\n"
    );
    assert!(out.stdout.is_empty());
    let out = assert_cmd::Command::cargo_bin("sniff-demo")
        .expect("binary")
        .args(["--enable-protocol", "dns", "--no-save"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--enable-protocol dns: the protocol it can enable is http"));
    assert!(out.stdout.is_empty(), "nothing captured");
    // The name is tshark's, in any case; the table and JSON show the same rows.
    let json = common::sniffer_output(&file, &["--enable-protocol", "HTTP", "--format", "json"]);
    let rows: Vec<serde_json::Value> = json
        .iter()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let get = rows.iter().find(|r| r["number"] == 4).expect("frame 4");
    assert_eq!(get["protocol"], "HTTP");
    assert_eq!(get["info"], "GET /index.html HTTP/1.1 ");
}

/// The HTTP fields the `-T fields` comparison prints.
const HTTP_FIELDS: &[&str] = &[
    "frame.number",
    "frame.protocols",
    "http.request.method",
    "http.request.uri",
    "http.request.version",
    "http.request.full_uri",
    "http.request.line",
    "http.response.code",
    "http.response.code.desc",
    "http.response.phrase",
    "http.response.line",
    "http.response_for.uri",
    "http.content_type",
    "http.content_length",
    "http.content_length_header",
    "http.transfer_encoding",
    "http.connection",
    "http.host",
    "http.user_agent",
    "http.server",
    "http.date",
    "http.request_in",
    "http.response_in",
    "http.request_number",
    "http.response_number",
    "http.prev_request_in",
    "http.prev_response_in",
    "http.time",
    "http.chunk_size",
    "http.chunk_data",
    "http.file_data",
    "tcp.segment",
    "tcp.segment.count",
    "tcp.reassembled.length",
    "tcp.segment_data",
];

/// Frames of `real-http-loopback.pcap` whose details differ from tshark's: the two of
/// [`KNOWN`], and a response whose header line the capture cut (frame 95), where tshark shows
/// the cut line, the response's number and a request URI without its host.
const KNOWN_DETAILS: &str = "frame.number != 74 && frame.number != 83 && frame.number != 95";

/// The demo's HTTP scenarios, captured into `dir`.
fn scenario_captures(dir: &Path) -> Vec<std::path::PathBuf> {
    ["http10", "http11"]
        .iter()
        .map(|scenario| {
            let file = dir.join(format!("{scenario}.pcap"));
            let out = assert_cmd::Command::cargo_bin("sniff-demo")
                .expect("binary")
                .args(["--scenario", scenario, "--format", "plain", "--out"])
                .arg(&file)
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .expect("runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            file
        })
        .collect()
}

/// The committed HTTP captures read whole (`real-http-loopback.pcap` aside, see
/// [`judged`]).
const HTTP_FIXTURES: &[&str] = &[
    "real-http-curl.pcap",
    "real-http-edges.pcap",
    "http-media-types.pcap",
    "http-resent.pcap",
    "http-encodings.pcap",
];

/// The captures compared with tshark: the HTTP scenarios' (made in `dir`), the fixtures
/// `names`, and `real-http-loopback.pcap` with the frames of [`KNOWN_DETAILS`] left out
/// (the filter each is read with, if any).
fn judged(dir: &Path, names: &[&str]) -> Vec<(std::path::PathBuf, Option<&'static str>)> {
    let mut files: Vec<(std::path::PathBuf, Option<&str>)> = scenario_captures(dir)
        .into_iter()
        .map(|f| (f, None))
        .collect();
    files.extend(names.iter().map(|name| (common::fixture(name), None)));
    files.push((
        common::fixture("real-http-loopback.pcap"),
        Some(KNOWN_DETAILS),
    ));
    files
}

#[test]
fn packet_details_bytes_fields_and_json_are_tsharks_with_http_on() {
    if !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // And the ICMP captures, whose errors quote a segment to port 80.
    let names = [
        HTTP_FIXTURES,
        &["icmp-messages.pcap", "icmpv6-messages.pcap"],
    ]
    .concat();
    let files = judged(dir.path(), &names);
    let mut fields = vec!["-T", "fields"];
    for field in HTTP_FIELDS {
        fields.extend(["-e", field]);
    }
    let mut http_trees = 0;
    for (file, filter) in &files {
        for mode in [
            &["-V"][..],
            &["-x"],
            &["-V", "-x"],
            &["-T", "json"],
            &["-T", "ek"],
            &fields,
        ] {
            let mut args: Vec<&str> = mode.to_vec();
            if let Some(filter) = filter {
                args.extend(["-Y", filter]);
            }
            let tshark = common::tshark_output_with_http(file, &args);
            let mut ours = vec!["--enable-protocol", "http"];
            ours.extend(&args);
            let sniffer = common::sniffer_output(file, &ours);
            assert_eq!(tshark.len(), sniffer.len(), "{} {args:?}", file.display());
            for (t, s) in tshark.iter().zip(&sniffer) {
                assert_eq!(t, s, "{} {args:?}", file.display());
            }
            if mode == ["-V"] {
                http_trees += tshark
                    .iter()
                    .filter(|l| *l == "Hypertext Transfer Protocol")
                    .count();
            }
        }
    }
    // Requests and responses of every kind: the scenarios' 8 messages, curl's 16, and the
    // loopback capture's.
    assert!(http_trees >= 40, "{http_trees}");
}

#[test]
fn the_lessons_http_trees_read_as_wiresharks() {
    // What a reader sees of the keep-alive scenario's second response, and of a chunked
    // response put together from five segments: checked line by line, not only against
    // tshark, so that the tree's shape is written down here.
    let file = common::fixture("real-http-curl.pcap");
    let tree = common::sniffer_output(
        &file,
        &[
            "--enable-protocol",
            "http",
            "-V",
            "-Y",
            "frame.number == 55",
        ],
    );
    let from = tree
        .iter()
        .position(|l| l.starts_with("[5 Reassembled TCP Segments (169 bytes): #47(130), #49(13)"))
        .expect("reassembly");
    let http = &tree[from..];
    for line in [
        "    [Segment count: 5]",
        "Hypertext Transfer Protocol",
        "    HTTP/1.1 200 OK\\r\\n",
        "        [Status Code Description: OK]",
        "    Transfer-Encoding: chunked\\r\\n",
        "    [HTTP response 1/1]",
        "    [Request in frame: 45]",
        "    [Request URI: http://127.0.0.1:8080/chunked]",
        "    HTTP chunked response",
        "        Data chunk (8 octets)",
        "            Chunk size: 8 octets",
        "        End of chunked encoding",
        "    File Data: 19 bytes",
        "Line-based text data: text/plain (1 lines)",
        "    welcome to python!\\n",
    ] {
        assert!(http.iter().any(|l| l == line), "{line:?} in {http:#?}");
    }
    // -x shows the bytes the reassembly and the de-chunking made, each named.
    let hex = common::sniffer_output(
        &file,
        &[
            "--enable-protocol",
            "http",
            "-x",
            "-Y",
            "frame.number == 55",
        ],
    );
    for title in [
        "Frame (71 bytes):",
        "Reassembled TCP (169 bytes):",
        "De-chunked entity body (19 bytes):",
    ] {
        assert!(hex.iter().any(|l| l == title), "{title} in {hex:#?}");
    }
    // Without --enable-protocol http, the same frame is TCP with its data.
    let plain = common::sniffer_output(&file, &["-V", "-Y", "frame.number == 55"]);
    assert!(plain.iter().any(|l| l == "Data (5 bytes)"));
    assert!(!plain.iter().any(|l| l.contains("Hypertext")));
}

#[test]
fn display_filters_on_http_fields_select_what_tshark_selects() {
    if !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let files = judged(dir.path(), HTTP_FIXTURES);
    let mut selected = 0;
    for filter in [
        "http",
        "http.request",
        "http.response",
        "http.request.method == \"GET\"",
        "http.request.method == \"HEAD\"",
        "http.response.code == 404",
        "http.response.code >= 200 && http.response.code < 300",
        "http.response.code.desc == \"Not Found\"",
        "http contains \"python\"",
        "http.content_type contains \"html\"",
        "http.request.uri matches \"^/(page|chunked)\"",
        "http.content_length > 100",
        "http.host == \"127.0.0.1:8080\"",
        "http.connection == \"close\"",
        "http.request.line contains \"Accept\"",
        "http.file_data contains \"welcome\"",
        "http.time > 0.01",
        "http.request_in == 45",
        "http.prev_request_in",
        "http.response_number == 2",
        "http.chunk_size == 8",
        "http.user_agent",
        "data-text-lines",
        "tcp.segment",
        "tcp.segment_data",
        "tcp.reassembled.length > 1000",
        "frame.protocols contains \"http\"",
        "http.unknown_header",
        "http.request.method == \"POST\"",
        "http.response.code in {204, 304}",
        "media",
        "http.content_type == \"application/json\"",
        "tcp.segment == 12",
        "http.response.line contains \"ETag\"",
        "_ws.malformed",
        "http.decompression_failed",
        "http.content_encoding == \"gzip\"",
        "http.file_data contains \"python\"",
    ] {
        for (file, known) in &files {
            let filter = match known {
                Some(known) => format!("({filter}) && ({known})"),
                None => filter.to_owned(),
            };
            let args = ["-Y", &filter, "-T", "fields", "-e", "frame.number"];
            let tshark = common::tshark_output_with_http(file, &args);
            let mut ours = vec!["--enable-protocol", "http"];
            ours.extend(args);
            let sniffer = common::sniffer_output(file, &ours);
            assert_eq!(tshark, sniffer, "{filter} on {}", file.display());
            selected += tshark.len();
        }
    }
    assert!(selected > 250, "{selected}");
}

#[test]
fn http_statistics_trees_are_tsharks() {
    if !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    // Every committed capture (the loopback one through `judged`).
    let names: Vec<String> = common::fixtures()
        .iter()
        .filter(|f| !f.ends_with("real-http-loopback.pcap"))
        .filter_map(|f| Some(f.file_name()?.to_str()?.to_owned()))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let files = judged(dir.path(), &names);
    let mut requests = 0;
    for (file, known) in &files {
        let z = |name: &str| match known {
            Some(known) => format!("{name},{known}"),
            None => name.to_owned(),
        };
        let (packets, reqs) = (z("http,tree"), z("http_req,tree"));
        // -z alone turns HTTP on: no --enable-protocol here.
        let args = ["-q", "-z", &packets, "-z", &reqs];
        let tshark = common::tshark_output_with_http(file, &args);
        let sniffer = common::sniffer_output(file, &args);
        assert_eq!(tshark, sniffer, "{}", file.display());
        requests += tshark
            .iter()
            .find(|l| l.starts_with("HTTP Requests by HTTP Host"))
            .and_then(|l| l.split_whitespace().nth(5))
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0);
    }
    // The scenarios' 2 + 2 requests, curl's 8, the edge cases' 8, the resent ones' 4, the
    // loopback capture's 6.
    assert_eq!(requests, 30);
    // With the listing before them, the listing is HTTP's too.
    let file = common::fixture("real-http-curl.pcap");
    let args = ["-z", "http,tree"];
    assert_eq!(
        common::tshark_output_with_http(&file, &args),
        common::sniffer_output(&file, &args)
    );
}

/// Runs sniff-demo with `args`, saving the capture to `file` (replaced: the demo never
/// overwrites one); returns its standard output.
fn demo(args: &[&str], file: &Path) -> String {
    let _ = std::fs::remove_file(file);
    let out = assert_cmd::Command::cargo_bin("sniff-demo")
        .expect("binary")
        .args(args)
        .arg("--out")
        .arg(file)
        .env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn the_demo_names_http_steps_and_points_at_their_frames() {
    if !common::has_tshark() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for (scenario, version) in [("http11", "1.1"), ("http10", "1.0")] {
        // HTTP is on by default for the HTTP scenarios, as in Wireshark's default view.
        let file = dir.path().join(format!("{scenario}.pcap"));
        let json = demo(&["--scenario", scenario, "--format", "json"], &file);
        let rows: Vec<serde_json::Value> = json
            .lines()
            .filter(|l| l.starts_with("{\"number\""))
            .map(|l| serde_json::from_str(l).expect("JSON"))
            .collect();
        let steps: Vec<(u64, String)> = rows
            .iter()
            .filter_map(|r| Some((r["number"].as_u64()?, r["http_step"].as_str()?.to_owned())))
            .collect();
        let names: Vec<&str> = steps.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "request GET /",
                "response 200 OK",
                "request GET /again",
                "response 200 OK"
            ],
            "{scenario}"
        );
        // The frames are the ones tshark shows as HTTP in the saved file.
        let http_frames: Vec<u64> = common::tshark_lines_with_http(&file)
            .iter()
            .filter(|l| l.contains(" HTTP "))
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect();
        let step_frames: Vec<u64> = steps.iter().map(|(n, _)| *n).collect();
        assert_eq!(step_frames, http_frames, "{scenario}");
        // The table's Step column and the note under it say the same, with those frames.
        let table = demo(
            &[
                "--scenario",
                scenario,
                "--format",
                "table",
                "--width",
                "200",
            ],
            &file,
        );
        let http_frames: Vec<u64> = common::tshark_lines_with_http(&file)
            .iter()
            .filter(|l| l.contains(" HTTP "))
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect();
        assert!(table.contains("request GET /again"), "{table}");
        assert!(table.contains("response 200 OK"), "{table}");
        let note: String = table
            .lines()
            .skip_while(|l| !l.starts_with(&format!("HTTP/{version}:")))
            .take_while(|l| !l.starts_with("Stream "))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        let want = format!(
            "GET / in frame {}{}, answered in frame {}; GET /again in frame {}{}, answered in \
             frame {}",
            http_frames[0],
            if version == "1.0" { " (stream 0)" } else { "" },
            http_frames[1],
            http_frames[2],
            if version == "1.0" { " (stream 1)" } else { "" },
            http_frames[3]
        );
        assert!(note.contains(&want), "{note}\nwants {want}");
        // A display filter on HTTP's fields selects the rows tshark selects; --details (every
        // captured frame's, whatever -Y shows) has the four messages' HTTP trees.
        let requests = demo(
            &[
                "--scenario",
                scenario,
                "--format",
                "plain",
                "-Y",
                "http.request",
                "--details",
            ],
            &file,
        );
        let tshark = common::tshark_output_with_http(&file, &["-Y", "http.request"]);
        let listed: Vec<&str> = requests.lines().take(tshark.len()).collect();
        assert_eq!(listed, tshark, "{scenario}");
        assert_eq!(
            requests
                .lines()
                .filter(|l| *l == "Hypertext Transfer Protocol")
                .count(),
            4,
            "{requests}"
        );
        assert!(requests.contains("    [Full request URI: http://127.0.0.1:8080/again]"));
        // --disable-protocol http: the rows are TCP's, as the plain judge lists them.
        let plain = demo(
            &[
                "--scenario",
                scenario,
                "--format",
                "plain",
                "--disable-protocol",
                "http",
            ],
            &file,
        );
        let plain: Vec<String> = plain.lines().map(str::to_owned).collect();
        assert_eq!(plain, common::tshark_lines(&file), "{scenario}");
        assert!(!plain.iter().any(|l| l.contains(" HTTP ")));
    }
    // Names other than http are refused, and the two options together contradict.
    for (args, says) in [
        (
            &["--disable-protocol", "dns"][..],
            "--disable-protocol dns: the protocol it can disable is http",
        ),
        (
            &["--enable-protocol", "http", "--disable-protocol", "http"],
            "contradict",
        ),
    ] {
        let out = assert_cmd::Command::cargo_bin("sniff-demo")
            .expect("binary")
            .args(args)
            .arg("--no-save")
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(says));
    }
}

#[test]
fn follow_stream_is_unchanged_by_http() {
    // The chunked and the 200,000-byte bodies' streams, and a request/404 one.
    let file = common::fixture("real-http-curl.pcap");
    for stream in ["1", "3", "4", "5"] {
        // The listing above the stream has HTTP's rows; the stream itself is the same.
        let followed = |args: &[&str]| -> Vec<String> {
            let out = common::sniffer_output(&file, args);
            let blank = out.iter().position(|l| l.is_empty()).expect("blank line");
            out[blank + 1..].to_vec()
        };
        let plain = followed(&["--follow", stream]);
        let http = followed(&["--follow", stream, "--enable-protocol", "http"]);
        assert_eq!(plain, http, "--follow {stream}");
        assert!(plain.len() > 3, "{plain:?}");
        let z = format!("follow,tcp,ascii,{stream}");
        let args = ["-q", "-z", &z];
        let ours = common::sniffer_output(&file, &["-q", "-z", &z, "--enable-protocol", "http"]);
        if common::has_tshark() {
            assert_eq!(common::tshark_output_with_http(&file, &args), ours, "{z}");
        }
    }
}
