//! Any bytes as a capture file: the pcap/pcapng reader must return frames or an error, never
//! panic, hang or allocate without bound; each frame goes through the pipeline.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sniffer::pcapfile::FileCapture;
use sniffer::timeline::Timeline;

fuzz_target!(|data: &[u8]| {
    let Ok(mut file) = FileCapture::from_reader(data, std::path::Path::new("fuzz.pcap")) else {
        return;
    };
    let mut timeline = Timeline::new();
    // A file can hold at most one frame per 16 bytes of input: the loop is bounded.
    while let Ok(Some(frame)) = file.next_frame() {
        let _ = timeline.push(&frame);
    }
});
