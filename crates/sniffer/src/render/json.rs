//! One JSON object per packet, one per line (JSON Lines), with every column and the TCP
//! numbers behind them: relative and raw sequence numbers, flags, window, options.

use std::io::{self, Write};

use crate::timeline::Row;

/// Writes one row as a JSON object followed by a newline.
pub fn write_row(out: &mut impl Write, row: &Row) -> io::Result<()> {
    serde_json::to_writer(&mut *out, row)?;
    out.write_all(b"\n")
}
