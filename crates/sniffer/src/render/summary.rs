//! The few lines under the demo's timeline: what was captured, how long the handshake took,
//! how much went each way, and where the file is.

use std::io::{self, Write};
use std::path::Path;

use crate::demo::{traffic, DemoReport};
use crate::flow::Side;

/// Milliseconds with three decimals, from nanoseconds.
fn ms(nanos: i128) -> String {
    format!("{:.3} ms", nanos as f64 / 1e6)
}

fn segments(n: u64) -> &'static str {
    if n == 1 {
        "segment"
    } else {
        "segments"
    }
}

/// Writes the summary of a demo run.
pub fn write_summary(out: &mut impl Write, report: &DemoReport) -> io::Result<()> {
    writeln!(
        out,
        "{} packets captured on {} over {} (first to last), {} dropped by the kernel",
        report.rows.len(),
        report.device,
        ms(report.span_nanos),
        report.stats.dropped,
    )?;
    for conv in &report.conversations {
        writeln!(
            out,
            "Stream {}  client {} → server {}",
            conv.stream, conv.client, conv.server
        )?;
        match conv.handshake.rtt_nanos() {
            Some(rtt) => {
                let first_data = match (conv.first_data, conv.handshake.syn) {
                    (Some(data), Some((syn, _))) => {
                        format!("; first data byte {} after the SYN", ms(data.since(syn)))
                    }
                    _ => String::new(),
                };
                writeln!(out, "  Handshake RTT {} (SYN → ACK){first_data}", ms(rtt))?;
            }
            None => writeln!(out, "  Handshake not complete in this capture")?,
        }
        let (down, down_segs) = traffic(conv, Side::ServerToClient);
        let (up, up_segs) = traffic(conv, Side::ClientToServer);
        writeln!(
            out,
            "  Traffic  server → client {down} bytes in {down_segs} data {}; client → server {up} bytes in {up_segs} data {}",
            segments(down_segs),
            segments(up_segs)
        )?;
        if conv.reset {
            writeln!(out, "  Closed by a reset")?;
        }
    }
    if report.timed_out {
        writeln!(
            out,
            "Stopped by the timeout before every conversation was over: the capture may be incomplete (raise it with --timeout)"
        )?;
    }
    if let Some(path) = &report.saved {
        writeln!(out, "Saved {}", path.display())?;
        writeln!(
            out,
            "Compare with Wireshark:  tshark -r {}   (or open it in Wireshark)",
            shell_quote(path)
        )?;
    }
    Ok(())
}

/// Quotes a path for a shell when it needs it.
fn shell_quote(path: &Path) -> String {
    let s = path.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./+:@".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
