//! `sniffer read --format plain` against `tshark -r`, line for line, on the committed
//! captures. (The live demo's own capture is compared in `live.rs`.)

mod common;

#[test]
fn fixtures_match_tshark_line_for_line() {
    if !common::has_tshark() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 2,
        "fixtures are missing from {}",
        dir.display()
    );
    let mut lines = 0;
    for file in &files {
        lines += common::assert_same_as_tshark(file);
    }
    eprintln!("{} files, {lines} lines identical to tshark", files.len());
}
