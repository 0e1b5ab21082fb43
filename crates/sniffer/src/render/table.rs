//! The timeline as a boxed table: Wireshark's columns, the Step each segment plays, and the
//! state of both ends after it.

use std::collections::HashMap;
use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table};

use crate::flow::TcpState;
use crate::timeline::Row;

/// Column headers, in order.
pub const HEADERS: [&str; 10] = [
    "No.",
    "Time",
    "Source",
    "Destination",
    "Protocol",
    "Length",
    "Info",
    "Step",
    "client",
    "server",
];

/// How the table is laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableStyle {
    /// Lay out for exactly this many columns (long Info text wraps); `None` uses the
    /// terminal's width when there is one.
    pub width: Option<u16>,
    /// Use colour (on a terminal, unless NO_COLOR is set): a state that changed is bold.
    /// Without colour, a changed state is marked with `▸`.
    pub color: bool,
}

/// A state cell: highlighted when the segment changed it.
fn state_cell(state: TcpState, changed: bool, color: bool) -> Cell {
    match (changed, color) {
        (true, true) => Cell::new(state.label())
            .add_attribute(Attribute::Bold)
            .fg(Color::Yellow),
        (true, false) => Cell::new(format!("▸{}", state.label())),
        (false, _) => Cell::new(state.label()),
    }
}

/// Rows per table when a long listing is written page by page: each page is sized on its
/// own rows, so memory stays small whatever the capture's length.
pub const PAGE_ROWS: usize = 1000;

/// The states each conversation was in after its last row shown, so that a change is marked
/// across pages too.
pub type LastStates = HashMap<u32, (TcpState, TcpState)>;

/// Writes `rows` as one table.
pub fn write_table(out: &mut impl Write, rows: &[Row], style: TableStyle) -> io::Result<()> {
    write_page(out, rows, style, &mut LastStates::new())
}

/// Writes `rows` as one table, the next page of a listing whose earlier pages left `last`.
pub fn write_page(
    out: &mut impl Write,
    rows: &[Row],
    style: TableStyle,
    last: &mut LastStates,
) -> io::Result<()> {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .apply_modifier(comfy_table::modifiers::UTF8_ROUND_CORNERS)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(HEADERS);
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    if let Some(width) = style.width {
        table.set_width(width);
    }
    for row in rows {
        let mut cells = vec![
            Cell::new(row.number),
            Cell::new(&row.time),
            Cell::new(&row.source),
            Cell::new(&row.destination),
            Cell::new(row.protocol),
            Cell::new(row.length),
            Cell::new(&row.info),
            Cell::new(row.step.map(|s| s.label()).unwrap_or_default()),
        ];
        match &row.tcp {
            Some(t) => {
                let now = (t.client_state, t.server_state);
                let before = last.insert(t.stream, now);
                let changed = |i: usize| match before {
                    None => true,
                    Some(b) => {
                        (if i == 0 { b.0 } else { b.1 }) != (if i == 0 { now.0 } else { now.1 })
                    }
                };
                cells.push(state_cell(now.0, changed(0), style.color));
                cells.push(state_cell(now.1, changed(1), style.color));
            }
            None => cells.extend([Cell::new(""), Cell::new("")]),
        }
        table.add_row(cells);
    }
    for index in [0, 1, 5] {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")
}
