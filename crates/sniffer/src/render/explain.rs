//! A conversation's checks as text: ✓ or ✗ for each number the handshake and the close must
//! have, wrapped to the width; and as JSON, one object per conversation.
//! ([`ConversationReport`] itself, the analysis, is the model's: [`crate::flow::report`].)

use std::io::{self, Write};

pub use crate::flow::report::{Check, ConversationReport};

use super::wrap;

/// Writes one `{"conversation": …}` JSON object per report, a line each.
pub fn write_reports_json(out: &mut impl Write, reports: &[ConversationReport]) -> io::Result<()> {
    for r in reports {
        serde_json::to_writer(&mut *out, &serde_json::json!({ "conversation": r }))?;
        writeln!(out)?;
    }
    Ok(())
}

/// Writes the reports as text: checks marked ✓ or ✗ (green or red with `color`), each line
/// wrapped at spaces to `width` with its continuation indented under its text.
pub fn write_reports(
    out: &mut impl Write,
    reports: &[ConversationReport],
    color: bool,
    width: Option<usize>,
) -> io::Result<()> {
    let mark = |ok: bool| match (ok, color) {
        (true, true) => "\x1b[32m✓\x1b[0m",
        (false, true) => "\x1b[31m✗\x1b[0m",
        (true, false) => "✓",
        (false, false) => "✗",
    };
    // One line of the report: `lead` then `text`, continued under the text.
    let line = |out: &mut dyn Write, lead: String, text: String| -> io::Result<()> {
        let rest = " ".repeat(wrap::width(&lead));
        for l in wrap::hanging(&text, width, &lead, &rest) {
            writeln!(out, "{l}")?;
        }
        Ok(())
    };
    for r in reports {
        line(
            out,
            String::new(),
            format!(
                "Stream {}  client {} → server {}",
                r.stream, r.client, r.server
            ),
        )?;
        for (i, c) in r.handshake.iter().enumerate() {
            let head = if i == 0 { "Handshake" } else { "" };
            line(
                out,
                format!("  {head:<10} {:<8} ", c.what),
                format!("{}  {}", c.detail, mark(c.ok)),
            )?;
        }
        if let Some(rtt) = r.rtt_ms {
            let first = r
                .first_data_ms
                .map(|f| format!("; first data byte {f:.3} ms after the SYN"))
                .unwrap_or_default();
            line(
                out,
                format!("  {:<10} ", ""),
                format!("RTT {rtt:.3} ms (SYN → ACK){first}"),
            )?;
        }
        for (i, c) in r.close.iter().enumerate() {
            let head = if i == 0 { "Close" } else { "" };
            line(
                out,
                format!("  {head:<10} {:<10} ", c.what),
                format!("{}  {}", c.detail, mark(c.ok)),
            )?;
        }
        for note in &r.notes {
            line(out, format!("  {:<10} ", ""), note.clone())?;
        }
        line(
            out,
            format!("  {:<10} ", "Traffic"),
            format!(
                "server → client {} bytes in {} data segment{}; client → server {} bytes in {} data segment{}",
                r.server_to_client_bytes,
                r.server_to_client_segments,
                if r.server_to_client_segments == 1 { "" } else { "s" },
                r.client_to_server_bytes,
                r.client_to_server_segments,
                if r.client_to_server_segments == 1 { "" } else { "s" },
            ),
        )?;
    }
    Ok(())
}
