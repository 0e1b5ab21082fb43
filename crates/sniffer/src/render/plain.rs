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
    let fill = width.saturating_sub(text.chars().count());
    if right_align {
        line.extend(std::iter::repeat_n(' ', fill));
        line.push_str(text);
    } else {
        line.push_str(text);
        line.extend(std::iter::repeat_n(' ', fill));
    }
}

/// Writes one row as tshark prints it. (Assembled by hand rather than with `writeln!` and
/// width specifiers: this runs once per packet.)
pub fn write_row(out: &mut impl Write, row: &Row) -> io::Result<()> {
    let mut line = String::with_capacity(64 + row.info.len());
    let mut num = itoa::Buffer::new();
    pad(&mut line, num.format(row.number), 5, true);
    line.push(' ');
    pad(&mut line, &row.time, 10, true);
    line.push(' ');
    pad(&mut line, &row.source, 12, true);
    line.push_str(" → ");
    pad(&mut line, &row.destination, 12, false);
    line.push(' ');
    line.push_str(row.protocol);
    line.push(' ');
    line.push_str(num.format(row.length));
    line.push(' ');
    line.push_str(&row.info);
    line.push('\n');
    out.write_all(line.as_bytes())
}
