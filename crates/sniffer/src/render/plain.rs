//! tshark's default layout: `No. Time Source → Destination Protocol Length Info`.
//!
//! Number right-aligned in 5, time right-aligned in 10, source right-aligned in 12, an arrow
//! (U+2192), destination left-aligned in 12, then protocol, length and Info separated by single
//! spaces. Longer values push the line out; nothing is cut.

use std::io::{self, Write};

use crate::timeline::Row;

/// Writes one row as tshark prints it.
pub fn write_row(out: &mut impl Write, row: &Row) -> io::Result<()> {
    writeln!(
        out,
        "{:>5} {:>10} {:>12} → {:<12} {} {} {}",
        row.number, row.time, row.source, row.destination, row.protocol, row.length, row.info
    )
}
