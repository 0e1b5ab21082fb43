//! The few lines the demo ends with, on stderr: what was captured, whether the timeout cut
//! it short, and where the file is. (The explanation of each conversation is
//! [`super::explain`].)

use std::io::{self, Write};
use std::path::Path;

use crate::demo::DemoReport;

/// Milliseconds with three decimals, from nanoseconds.
fn ms(nanos: i128) -> String {
    format!("{:.3} ms", nanos as f64 / 1e6)
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
    if report.interrupted {
        writeln!(
            out,
            "Interrupted: the capture stopped before the exchange was over; the file holds every packet shown"
        )?;
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
