//! tshark's default layout: `No. Time Source → Destination Protocol Length Info`.
//!
//! Number right-aligned in 5, time right-aligned in 10, source right-aligned in 12, an arrow
//! (U+2192), destination left-aligned in 12, then protocol, length and Info separated by single
//! spaces. Longer values push the line out; nothing is cut.

use std::io::{self, Write};

use crate::timeline::Row;

/// Appends `text` padded with spaces to `width` characters, on the left (`right_align`) or
/// the right.
fn pad(line: &mut String, text: &str, width: usize, right_align: bool) {
    // Addresses and times are ASCII: their length is their width, no need to count chars.
    let chars = if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    };
    let fill = &SPACES[..width.saturating_sub(chars).min(SPACES.len())];
    if right_align {
        line.push_str(fill);
        line.push_str(text);
    } else {
        line.push_str(text);
        line.push_str(fill);
    }
}

/// Enough spaces for the widest column.
const SPACES: &str = "            ";

/// Writes one row as tshark prints it. (Assembled by hand rather than with `writeln!` and
/// width specifiers: this runs once per packet.)
pub fn write_row(out: &mut impl Write, row: &Row) -> io::Result<()> {
    write_row_with(&mut String::new(), out, row)
}

/// [`write_row`] assembling the line in `line`, a buffer kept from row to row.
pub fn write_row_with(line: &mut String, out: &mut impl Write, row: &Row) -> io::Result<()> {
    line.clear();
    let mut num = itoa::Buffer::new();
    pad(line, num.format(row.number), 5, true);
    line.push(' ');
    pad(line, &row.time, 10, true);
    line.push(' ');
    pad(line, &row.source, 12, true);
    line.push_str(" → ");
    pad(line, &row.destination, 12, false);
    line.push(' ');
    line.push_str(row.protocol);
    line.push(' ');
    line.push_str(num.format(row.length));
    line.push(' ');
    line.push_str(&row.info);
    line.push('\n');
    out.write_all(line.as_bytes())
}
