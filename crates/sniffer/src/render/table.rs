//! The timeline as a boxed table: Wireshark's columns plus the Step each segment plays.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use crate::timeline::Row;

/// Column headers, in order.
pub const HEADERS: [&str; 8] = [
    "No.",
    "Time",
    "Source",
    "Destination",
    "Protocol",
    "Length",
    "Info",
    "Step",
];

/// Writes `rows` as one table. With `width`, the table is laid out for exactly that many
/// columns (long Info text wraps); without, for the terminal's width when there is one.
pub fn write_table(out: &mut impl Write, rows: &[Row], width: Option<u16>) -> io::Result<()> {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .apply_modifier(comfy_table::modifiers::UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(HEADERS);
    if let Some(width) = width {
        table.set_width(width);
    }
    for row in rows {
        table.add_row(vec![
            row.number.to_string(),
            row.time.clone(),
            row.source.clone(),
            row.destination.clone(),
            row.protocol.to_owned(),
            row.length.to_string(),
            row.info.clone(),
            row.step.map(|s| s.label().to_owned()).unwrap_or_default(),
        ]);
    }
    for index in [0, 1, 5] {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")
}
