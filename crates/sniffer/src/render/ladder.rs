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
/// Characters of payload shown beside a data segment.
const PREVIEW_CHARS: usize = 28;

fn label(t: &TcpFields) -> String {
    let mut s = format!("{} Seq={}", t.flags, t.seq);
    if let Some(ack) = t.ack {
        s.push_str(&format!(" Ack={ack}"));
    }
    if t.len > 0 {
        s.push_str(&format!(" Len={}", t.len));
    }
    s
}

/// Writes one ladder per TCP conversation found in `rows`.
pub fn write_ladders(out: &mut impl Write, rows: &[Row]) -> io::Result<()> {
    let mut streams: Vec<u32> = rows
        .iter()
        .filter_map(|r| r.tcp.as_ref().map(|t| t.stream))
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
                    .filter(|t| t.stream == *stream)
                    .map(|t| (r, t))
            })
            .collect();
        let Some((first_row, first)) = segs.first() else {
            continue;
        };
        let (client, server) = match first.side {
            Side::ClientToServer => (
                format!("{}:{}", bracket(&first_row.source), first.src_port),
                format!("{}:{}", bracket(&first_row.destination), first.dst_port),
            ),
            Side::ServerToClient => (
                format!("{}:{}", bracket(&first_row.destination), first.dst_port),
                format!("{}:{}", bracket(&first_row.source), first.src_port),
            ),
        };
        let width = segs
            .iter()
            .map(|(_, t)| label(t).chars().count() + 8)
            .max()
            .unwrap_or(0)
            .max(MIN_WIDTH)
            .max(client.len() + server.len() + 16);
        let time_width = segs.iter().map(|(r, _)| r.time.len()).max().unwrap_or(8);
        let no_width = segs
            .iter()
            .map(|(r, _)| r.number.to_string().len())
            .max()
            .unwrap_or(3)
            .max(3);
        // "client …" starts over the left end's line, "server …" ends over the right one's.
        let left = format!("client {client}");
        let right = format!("server {server}");
        let gap = (width + 4)
            .saturating_sub(left.chars().count() + right.chars().count())
            .max(2);
        writeln!(
            out,
            "{:>no_width$}  {:>time_width$}  {left}{:gap$}{right}",
            "No.", "Time", ""
        )?;
        for (row, t) in segs {
            let text = label(t);
            let fill = width.saturating_sub(text.chars().count() + 5);
            let arrow = match t.side {
                Side::ClientToServer => format!("── {text} {}▶", "─".repeat(fill)),
                Side::ServerToClient => format!("◀{} {text} ──", "─".repeat(fill)),
            };
            let preview = t
                .payload_preview
                .map(|p| {
                    let flat = p.text().replace('\n', "\\n");
                    let cut: String = flat.chars().take(PREVIEW_CHARS).collect();
                    let more = if flat.chars().count() > PREVIEW_CHARS {
                        "…"
                    } else {
                        ""
                    };
                    format!("   \"{cut}{more}\"")
                })
                .unwrap_or_default();
            writeln!(
                out,
                "{:>no_width$}  {:>time_width$}  │ {arrow} │{preview}",
                row.number, row.time
            )?;
        }
    }
    Ok(())
}

/// IPv6 addresses go in brackets before a port.
fn bracket(addr: &str) -> String {
    if addr.contains(':') {
        format!("[{addr}]")
    } else {
        addr.to_owned()
    }
}
