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
/// across pages too, and the number of that row. A conversation over for good (both ends
/// CLOSED or TIME-WAIT) and silent for [`FORGET_AFTER_ROWS`] rows is forgotten at the end of a
/// page, so that this stays small however many conversations a capture holds (a segment of
/// it after that has its states marked as new).
#[derive(Debug, Default)]
pub struct LastStates {
    states: HashMap<u32, ((TcpState, TcpState), u64)>,
}

/// Rows after which a finished conversation's states are forgotten.
pub const FORGET_AFTER_ROWS: u64 = 100_000;

impl LastStates {
    pub fn new() -> LastStates {
        LastStates::default()
    }

    /// Records the states after row `number` of `stream`; returns those before it, if known.
    fn update(
        &mut self,
        stream: u32,
        now: (TcpState, TcpState),
        number: u64,
    ) -> Option<(TcpState, TcpState)> {
        self.states
            .insert(stream, (now, number))
            .map(|(states, _)| states)
    }

    /// Forgets the conversations over for good and silent since before row `number` minus
    /// [`FORGET_AFTER_ROWS`].
    fn forget_finished(&mut self, number: u64) {
        let over = |s: TcpState| matches!(s, TcpState::Closed | TcpState::TimeWait);
        self.states.retain(|_, ((client, server), last)| {
            !(over(*client) && over(*server)) || number.saturating_sub(*last) < FORGET_AFTER_ROWS
        });
    }

    /// Conversations remembered.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }
}

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
                let before = last.update(t.stream, now, row.number);
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
    if let Some(row) = rows.last() {
        last.forget_finished(row.number);
    }
    for index in [0, 1, 5] {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use TcpState::*;

    #[test]
    fn finished_conversations_are_forgotten_once_silent_long_enough() {
        let mut last = LastStates::new();
        last.update(0, (TimeWait, Closed), 10); // over for good
        last.update(1, (Established, Established), 10); // still open
        last.update(2, (Closed, Closed), 50_000); // over, but recently
        last.forget_finished(10 + FORGET_AFTER_ROWS - 1);
        assert_eq!(last.len(), 3, "not silent long enough yet");
        last.forget_finished(10 + FORGET_AFTER_ROWS);
        assert_eq!(last.len(), 2);
        assert_eq!(last.update(0, (Closed, Closed), 200_000), None, "forgotten");
        assert_eq!(
            last.update(1, (FinWait1, CloseWait), 200_001),
            Some((Established, Established)),
            "an open conversation is never forgotten"
        );
        assert_eq!(
            last.update(2, (Closed, Closed), 200_002),
            Some((Closed, Closed))
        );
    }
}
