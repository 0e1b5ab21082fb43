//! Frames of any supported linktype through the whole per-frame pipeline: link → decode →
//! flow analysis → row (and the renderers), several frames per input so that conversation
//! state carries from one to the next.
//!
//! Input: one byte choosing the linktype, then frames, each a 2-byte big-endian length and
//! that many bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sniffer::capture::{Frame, Timestamp};
use sniffer::link::LinkType;
use sniffer::render::{self, Format, TableStyle};
use sniffer::timeline::Timeline;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, mut rest)) = data.split_first() else { return };
    let linktype = LinkType::SUPPORTED[usize::from(choice) % LinkType::SUPPORTED.len()];
    let mut timeline = Timeline::new();
    let mut rows = Vec::new();
    let mut n = 0u32;
    while rest.len() >= 2 {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]])).min(rest.len() - 2);
        let bytes = &rest[2..2 + len];
        rest = &rest[2 + len..];
        let mut frame = Frame::new(Timestamp { secs: 1, nanos: n * 1000 }, len as u32 + u32::from(choice & 0x0f), bytes);
        frame.linktype = linktype;
        rows.push(timeline.push(&frame));
        n += 1;
    }
    // The renderers too (the boxed table is left out: it only lays out strings, and it is
    // slow enough to cut the executions per second in half).
    let mut sink = Vec::new();
    for format in [Format::Plain, Format::Json] {
        let _ = render::write_rows(&mut sink, format, &rows, TableStyle::default());
    }
    let _ = render::ladder::write_ladders(&mut sink, &rows, Some(80));
    let reports: Vec<_> = timeline
        .flows()
        .conversations()
        .into_iter()
        .map(render::explain::ConversationReport::of)
        .collect();
    let _ = render::explain::write_reports(&mut sink, &reports, false, Some(80));
});
