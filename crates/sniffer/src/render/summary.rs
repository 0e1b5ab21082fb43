//! The few lines the demo ends with, on stderr: what was captured, whether the timeout cut
//! it short, and where the file is. (The explanation of each conversation is
//! [`super::explain`].)

use std::io::{self, Write};
use std::path::Path;

use super::wrap;

/// What a capture's closing lines say.
#[derive(Clone, Copy, Debug)]
pub struct Summary<'a> {
    /// Packets captured (shown).
    pub packets: usize,
    pub device: &'a str,
    /// From the first packet to the last, in nanoseconds.
    pub span_nanos: i128,
    /// Packets the kernel dropped.
    pub dropped: u32,
    /// A signal stopped the capture before the exchange was over.
    pub interrupted: bool,
    /// The timeout ran out before every conversation was over.
    pub timed_out: bool,
    /// Where the capture was saved.
    pub saved: Option<&'a Path>,
}

/// Milliseconds with three decimals, from nanoseconds.
fn ms(nanos: i128) -> String {
    format!("{:.3} ms", nanos as f64 / 1e6)
}

/// Writes the summary of a demo run, each line wrapped at spaces to `width`.
pub fn write_summary(
    out: &mut impl Write,
    report: &Summary<'_>,
    width: Option<usize>,
) -> io::Result<()> {
    let mut line = |text: String| wrap::write_hanging(out, &text, width, "", "  ");
    line(format!(
        "{} packets captured on {} over {} (first to last), {} dropped by the kernel",
        report.packets,
        report.device,
        ms(report.span_nanos),
        report.dropped,
    ))?;
    if report.interrupted {
        line(
            "Interrupted: the capture stopped before the exchange was over; the file holds \
             every packet shown"
                .to_owned(),
        )?;
    }
    if report.timed_out {
        line(
            "Stopped by the timeout before every conversation was over: the capture may be \
             incomplete (raise it with --timeout)"
                .to_owned(),
        )?;
    }
    if let Some(path) = report.saved {
        line(format!("Saved {}", path.display()))?;
        line(format!(
            "Compare with Wireshark:  tshark -r {}   (or open it in Wireshark)",
            shell_quote(path)
        ))?;
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
