//! A ladder diagram of each TCP conversation, as Wireshark's Flow Graph draws it: the two
//! ends as vertical lines, one arrow per segment, labelled with its flags and relative
//! numbers, time running down.
//!
//! ```text
//!  No.      Time  client 127.0.0.1:54334                 server 127.0.0.1:12345
//!    1  0.000000  │ ── SYN Seq=0 ──────────────────────────────────▶ │
//!    2  0.000106  │ ◀────────────────────────── SYN, ACK Seq=0 Ack=1 ── │
//! ```

use std::io::{self, Write};

use crate::flow::Side;
use crate::timeline::{Row, TcpFields};

/// Inner width of the ladder (between the two ends), at least.
const MIN_WIDTH: usize = 44;
/// Characters of payload shown beside a data segment, at most.
const PREVIEW_CHARS: usize = 28;
/// Fewer characters of payload than this are not worth showing.
const MIN_PREVIEW: usize = 8;

fn label(t: &TcpFields) -> String {
    let mut s = format!("{} Seq={}", t.header.flags, t.view.numbers.seq);
    if let Some(ack) = t.view.numbers.ack {
        s.push_str(&format!(" Ack={ack}"));
    }
    if t.header.payload_len > 0 {
        s.push_str(&format!(" Len={}", t.header.payload_len));
    }
    s
}

/// Writes one ladder per TCP conversation found in `rows`, each at most `width` columns wide
/// when it is given: the ladder narrows (down to its longest label), the payload preview is
/// shortened or left out, and the header's two ends go on two lines when they must.
pub fn write_ladders(out: &mut impl Write, rows: &[Row], width: Option<usize>) -> io::Result<()> {
    let mut streams: Vec<u32> = rows
        .iter()
        .filter_map(|r| r.tcp.as_ref().map(|t| t.view.stream))
        .collect();
    streams.sort_unstable();
    streams.dedup();
    for (i, stream) in streams.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let segs: Vec<(&Row, &TcpFields)> = rows
            .iter()
            .filter_map(|r| {
                r.tcp
                    .as_ref()
                    .filter(|t| t.view.stream == *stream)
                    .map(|t| (r, t))
            })
            .collect();
        write_ladder(out, &segs, width)?;
    }
    Ok(())
}

/// The two ends of a conversation, client first, as `address:port` (IPv6 in brackets).
fn ends(row: &Row, t: &TcpFields) -> (String, String) {
    let source = format!("{}:{}", bracket(&row.source), t.header.src_port);
    let destination = format!("{}:{}", bracket(&row.destination), t.header.dst_port);
    match t.view.side {
        Side::ClientToServer => (source, destination),
        Side::ServerToClient => (destination, source),
    }
}

/// Where a ladder's parts go, in columns.
struct Geometry {
    /// Widths of the No. and Time columns.
    no_width: usize,
    time_width: usize,
    /// Columns before the left end's line.
    before: usize,
    /// Between the two ends' lines, and from one line to the other.
    inner: usize,
    span: usize,
    /// Room for the payload preview beside the ladder.
    preview_room: usize,
}

impl Geometry {
    /// The geometry for `segs` under the header's two ends, `left` and `right`, within `width`
    /// columns when it is given.
    fn of(segs: &[(&Row, &TcpFields)], left: &str, right: &str, width: Option<usize>) -> Self {
        let time_width = segs.iter().map(|(r, _)| r.time.len()).max().unwrap_or(8);
        let no_width = segs
            .iter()
            .map(|(r, _)| r.number.to_string().len())
            .max()
            .unwrap_or(3)
            .max(3);
        let before = no_width + 2 + time_width + 2;
        let longest = segs
            .iter()
            .map(|(_, t)| label(t).chars().count())
            .max()
            .unwrap_or(0);
        let ends = left.chars().count() + right.chars().count();
        // Room for the longest label, and for both ends' names with a gap between them.
        let mut inner = (longest + 8).max(MIN_WIDTH).max(ends + 2);
        if let Some(w) = width {
            // Narrow to the width, leaving room for the payload beside the ladder, but never
            // below what the longest label and the header on one line need.
            let preview = segs
                .iter()
                .filter_map(|(_, t)| t.payload_preview.map(|p| p.text().chars().count()))
                .max()
                .map_or(0, |chars| chars.min(PREVIEW_CHARS) + 5);
            inner = inner
                .min(w.saturating_sub(before + 4 + preview))
                .max((longest + 6).max(ends.saturating_sub(2)));
        }
        let span = inner + 4;
        let preview_room = width.map_or(PREVIEW_CHARS, |w| {
            w.saturating_sub(before + span + 5).min(PREVIEW_CHARS)
        });
        Geometry {
            no_width,
            time_width,
            before,
            inner,
            span,
            preview_room,
        }
    }
}

/// One conversation's ladder: its segments, in capture order.
fn write_ladder(
    out: &mut impl Write,
    segs: &[(&Row, &TcpFields)],
    width: Option<usize>,
) -> io::Result<()> {
    let Some(&(first_row, first)) = segs.first() else {
        return Ok(());
    };
    let (client, server) = ends(first_row, first);
    // "client …" starts over the left end's line, "server …" ends over the right one's.
    let left = format!("client {client}");
    let right = format!("server {server}");
    let g = Geometry::of(segs, &left, &right, width);
    let (no_width, time_width, before) = (g.no_width, g.time_width, g.before);
    let gap = g
        .span
        .saturating_sub(left.chars().count() + right.chars().count());
    if gap >= 2 {
        writeln!(
            out,
            "{:>no_width$}  {:>time_width$}  {left}{:gap$}{right}",
            "No.", "Time", ""
        )?;
    } else {
        writeln!(out, "{:before$}{left}", "")?;
        let pad = (before + g.span).saturating_sub(right.chars().count());
        writeln!(out, "{:pad$}{right}", "")?;
        writeln!(out, "{:>no_width$}  {:>time_width$}", "No.", "Time")?;
    }
    for (row, t) in segs {
        let arrow = arrow(t, g.inner);
        let preview = preview(t, g.preview_room);
        writeln!(
            out,
            "{:>no_width$}  {:>time_width$}  │ {arrow} │{preview}",
            row.number, row.time
        )?;
    }
    Ok(())
}

/// A segment's arrow, `inner` columns long: its label, pointing the way it went.
fn arrow(t: &TcpFields, inner: usize) -> String {
    let text = label(t);
    let fill = inner.saturating_sub(text.chars().count() + 5);
    match t.view.side {
        Side::ClientToServer => format!("── {text} {}▶", "─".repeat(fill)),
        Side::ServerToClient => format!("◀{} {text} ──", "─".repeat(fill)),
    }
}

/// The payload beside a data segment, in at most `room` characters (none when fewer than
/// [`MIN_PREVIEW`] fit).
fn preview(t: &TcpFields, room: usize) -> String {
    t.payload_preview
        .filter(|_| room >= MIN_PREVIEW)
        .map(|p| {
            let flat = p.text().replace('\n', "\\n");
            if flat.chars().count() <= room {
                format!("   \"{flat}\"")
            } else {
                let cut: String = flat.chars().take(room - 1).collect();
                format!("   \"{cut}…\"")
            }
        })
        .unwrap_or_default()
}

/// IPv6 addresses go in brackets before a port.
fn bracket(addr: &str) -> String {
    if addr.contains(':') {
        format!("[{addr}]")
    } else {
        addr.to_owned()
    }
}
