//! Any bytes as a capture file: the pcap/pcapng reader must return frames or an error, never
//! panic, hang or allocate without bound; each frame goes through the pipeline. The file is
//! read twice, through a big buffer (records lent from it) and a 5-byte one (records copied
//! piece by piece), and both readings must agree frame for frame and on how they end.
#![no_main]

use std::io::BufReader;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sniffer::pcapfile::FileCapture;
use sniffer::timeline::Timeline;

/// Every frame as text and how the reading ended.
fn read(data: &[u8], capacity: usize, timeline: Option<&mut Timeline>) -> (Vec<String>, String) {
    let mut frames = Vec::new();
    let reader = BufReader::with_capacity(capacity, data);
    let mut file = match FileCapture::from_buf_read(reader, Path::new("fuzz.pcap")) {
        Ok(file) => file,
        Err(e) => return (frames, e.to_string()),
    };
    let mut timeline = timeline;
    // A file can hold at most one frame per 16 bytes of input: the loop is bounded.
    loop {
        match file.next_frame() {
            Ok(Some(frame)) => {
                frames.push(format!(
                    "{:?} {} {:?} {:?} {:?}",
                    frame.ts, frame.wire_len, frame.linktype, frame.precision, frame.data
                ));
                if let Some(t) = timeline.as_deref_mut() {
                    let _ = t.push(&frame);
                }
            }
            Ok(None) => return (frames, "end".into()),
            Err(e) => return (frames, e.to_string()),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut timeline = Timeline::new();
    let whole = read(data, 1 << 20, Some(&mut timeline));
    let pieces = read(data, 5, None);
    assert_eq!(whole, pieces);
});
