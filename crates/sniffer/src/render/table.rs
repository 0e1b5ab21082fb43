//! The timeline as a table for a terminal: Wireshark's columns, the Step each segment plays,
//! and the state of both ends after it, laid out for the terminal's width.
//!
//! Two layouts, whichever takes fewer lines:
//!
//! - **wide**, one line per packet: `No. Time [Source Destination Protocol] Length client ⇄
//!   server Step Info`;
//! - **stacked**, for narrower terminals: a first line with `No. Time client ⇄ server Step`,
//!   then tshark's Info text (after the addresses and protocol when they vary) wrapped at
//!   spaces on the lines under it, indented.
//!
//! Columns that say the same on every row (Source and Destination on loopback, Protocol in a
//! TCP lesson) take no width: one line above the table says them once. The arrow between the
//! two state columns shows who sent the segment (`──▶` client to server, `◀──` server to
//! client). No token — number, address, flag, option, state, word — is ever split, and no
//! line is wider than the width (see [`super::wrap`]); nothing of the Info text is cut.

use std::collections::HashMap;
use std::io::{self, Write};

use crate::flow::{Side, TcpState};
use crate::timeline::Row;

use super::wrap;

/// Spaces between columns.
const GAP: usize = 2;
/// The widest state (`SYN_RECEIVED`) and step (`handshake 2/3 SYN-ACK`): those columns
/// always take this much, so that one page's columns line up with the next's.
const STATE_WIDTH: usize = 12;
const STEP_WIDTH: usize = 21;
/// The width of a time below ten seconds (`0.000000`).
const TIME_WIDTH: usize = 8;
/// `──▶` or `◀──` between the two states.
const ARROW_WIDTH: usize = 3;
/// Bold yellow on, and everything off (a state a segment changed, on a colour terminal).
const HIGHLIGHT: &str = "\x1b[1;33m";
const RESET: &str = "\x1b[0m";

/// How the table is laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableStyle {
    /// Lay out for at most this many columns; `None` sets no limit (one line per packet).
    /// The binaries pass the terminal's width unless told otherwise.
    pub width: Option<u16>,
    /// Use colour (on a terminal, unless NO_COLOR is set): a state that changed is bold.
    /// Without colour, a changed state is marked with `▸`.
    pub color: bool,
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
    /// The heading the last page was printed under: a page whose heading would be the same
    /// continues the table without repeating it.
    heading: Option<String>,
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

    /// Prints a page's heading unless the page before was printed under the same.
    fn print_heading(&mut self, out: &mut impl Write, heading: String) -> io::Result<()> {
        if self.heading.as_ref() != Some(&heading) {
            out.write_all(heading.as_bytes())?;
            self.heading = Some(heading);
        }
        Ok(())
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

/// One state cell: its text, and whether the segment changed it.
#[derive(Clone, Debug)]
struct State {
    label: &'static str,
    changed: bool,
}

/// A TCP row's client state, direction arrow, server state and step.
type TcpCells<'a> = (State, &'static str, State, &'a str);

/// What one row shows, as text.
struct Line<'a> {
    number: String,
    row: &'a Row,
    length: String,
    /// Client state, direction arrow, server state, step (TCP only).
    tcp: Option<TcpCells<'a>>,
}

/// A column of the first line: header, alignment and width.
struct Column {
    header: &'static str,
    right: bool,
    width: usize,
}

impl Column {
    fn new(header: &'static str, right: bool, cells: impl Iterator<Item = usize>) -> Column {
        Column {
            header,
            right,
            width: cells.max().unwrap_or(0).max(wrap::plain_width(header)),
        }
    }

    /// At least `width` wide.
    fn at_least(mut self, width: usize) -> Column {
        self.width = self.width.max(width);
        self
    }
}

/// Which columns say the same on every row.
struct Constant<'a> {
    source: Option<&'a str>,
    destination: Option<&'a str>,
    protocol: Option<&'a str>,
}

impl<'a> Constant<'a> {
    fn of(rows: &'a [Row]) -> Constant<'a> {
        fn same<'r>(rows: &'r [Row], f: impl Fn(&'r Row) -> &'r str) -> Option<&'r str> {
            let first = f(rows.first()?);
            rows.iter().all(|r| f(r) == first).then_some(first)
        }
        Constant {
            source: same(rows, |r| r.source.as_str()),
            destination: same(rows, |r| r.destination.as_str()),
            protocol: same(rows, |r| r.protocol),
        }
    }

    /// The sentence above the table, if any column is constant.
    fn sentence(&self) -> Option<String> {
        let mut parts = Vec::new();
        match (self.source, self.destination) {
            (Some(s), Some(d)) if s == d => parts.push(format!("Source and Destination {s}")),
            (s, d) => {
                if let Some(s) = s {
                    parts.push(format!("Source {s}"));
                }
                if let Some(d) = d {
                    parts.push(format!("Destination {d}"));
                }
            }
        }
        if let Some(p) = self.protocol {
            parts.push(format!("Protocol {p}"));
        }
        (!parts.is_empty()).then(|| format!("Every packet below: {}", parts.join(", ")))
    }

    /// The header over the stacked layout's Info lines.
    fn info_header(&self) -> &'static str {
        match (
            self.source.is_some() && self.destination.is_some(),
            self.protocol.is_some(),
        ) {
            (true, true) => "Info",
            (true, false) => "Protocol Info",
            (false, true) => "Source → Destination Info",
            (false, false) => "Source → Destination Protocol Info",
        }
    }

    /// The text stacked rows show before the Info: what varies of addresses and protocol.
    fn lead(&self, row: &Row) -> String {
        let mut lead = String::new();
        match (self.source, self.destination) {
            (Some(_), Some(_)) => {}
            // A frame without addresses (a pcapng custom block): no arrow between nothing.
            _ if row.source.is_empty() && row.destination.is_empty() => {}
            _ => lead.push_str(&format!("{} → {} ", row.source, row.destination)),
        }
        if self.protocol.is_none() {
            lead.push_str(row.protocol);
            lead.push(' ');
        }
        lead
    }
}

/// Writes `rows` as one table, the next page of a listing whose earlier pages left `last`.
pub fn write_page(
    out: &mut impl Write,
    rows: &[Row],
    style: TableStyle,
    last: &mut LastStates,
) -> io::Result<()> {
    let lines: Vec<Line> = rows.iter().map(|row| Line::of(row, last)).collect();
    if let Some(row) = rows.last() {
        last.forget_finished(row.number);
    }
    let layout = Layout::of(rows, &lines, style);
    // The sentence, the column headers and the rule: printed unless the page before was
    // printed under the very same.
    let mut heading = String::new();
    if let Some(sentence) = layout.constant.sentence() {
        for line in wrap::hanging(&sentence, layout.width, "", "  ") {
            heading.push_str(&line);
            heading.push('\n');
        }
    }
    if layout.fits_wide(&lines) {
        layout.write_wide(out, &lines, heading, last)
    } else {
        layout.write_stacked(out, &lines, heading, last)
    }
}

impl<'a> Line<'a> {
    /// What `row` shows; `last` says which states it changed.
    fn of(row: &'a Row, last: &mut LastStates) -> Line<'a> {
        Line {
            number: row.number.to_string(),
            row,
            length: row.length.to_string(),
            tcp: row.tcp.as_ref().map(|t| {
                let now = (t.view.client_state, t.view.server_state);
                let before = last.update(t.view.stream, now, row.number);
                let client = State {
                    label: now.0.label(),
                    changed: before.is_none_or(|b| b.0 != now.0),
                };
                let server = State {
                    label: now.1.label(),
                    changed: before.is_none_or(|b| b.1 != now.1),
                };
                let arrow = match t.view.side {
                    Side::ClientToServer => "──▶",
                    Side::ServerToClient => "◀──",
                };
                let step = row.step_label().unwrap_or_default();
                (client, arrow, server, step)
            }),
        }
    }
}

/// A row's text in one column.
type CellText = for<'l> fn(&'l Line<'_>) -> &'l str;

/// A page's columns, sized on its rows.
struct Layout<'a> {
    constant: Constant<'a>,
    width: Option<usize>,
    color: bool,
    /// Whether any row has TCP states to show.
    any_tcp: bool,
    no: Column,
    time: Column,
    source: Column,
    destination: Column,
    protocol: Column,
    length: Column,
    tcp: TcpColumns,
}

impl<'a> Layout<'a> {
    fn of(rows: &'a [Row], lines: &[Line], style: TableStyle) -> Layout<'a> {
        let marker = usize::from(!style.color);
        let state_width = |pick: for<'x> fn(&'x TcpCells<'_>) -> &'x State| {
            move |l: &Line| {
                l.tcp.as_ref().map_or(0, |t| {
                    wrap::plain_width(pick(t).label) + marker * usize::from(pick(t).changed)
                })
            }
        };
        let widths = |f: fn(&Line) -> usize| lines.iter().map(f);
        Layout {
            constant: Constant::of(rows),
            width: style.width.map(usize::from),
            color: style.color,
            any_tcp: lines.iter().any(|l| l.tcp.is_some()),
            no: Column::new("No.", true, widths(|l| l.number.len())),
            time: Column::new("Time", true, widths(|l| l.row.time.len())).at_least(TIME_WIDTH),
            source: Column::new(
                "Source",
                false,
                widths(|l| wrap::plain_width(&l.row.source)),
            ),
            destination: Column::new(
                "Destination",
                false,
                widths(|l| wrap::plain_width(&l.row.destination)),
            ),
            protocol: Column::new("Protocol", false, widths(|l| l.row.protocol.len())),
            length: Column::new("Length", true, widths(|l| l.length.len())),
            tcp: TcpColumns {
                client: Column::new("client", false, lines.iter().map(state_width(|t| &t.0)))
                    .at_least(STATE_WIDTH + marker),
                server: Column::new("server", false, lines.iter().map(state_width(|t| &t.2)))
                    .at_least(STATE_WIDTH + marker),
                step: Column::new(
                    "Step",
                    false,
                    widths(|l| l.tcp.as_ref().map_or(0, |t| t.3.len())),
                )
                .at_least(STEP_WIDTH),
            },
        }
    }

    /// The wide layout's columns before the Info, each with its cell's text: what varies of
    /// the addresses and the protocol, besides number, time and length.
    fn wide_columns(&self) -> Vec<(&Column, CellText)> {
        let mut columns: Vec<(&Column, CellText)> =
            vec![(&self.no, |l| &l.number), (&self.time, |l| &l.row.time)];
        if self.constant.source.is_none() || self.constant.destination.is_none() {
            columns.push((&self.source, |l| &l.row.source));
            columns.push((&self.destination, |l| &l.row.destination));
        }
        if self.constant.protocol.is_none() {
            columns.push((&self.protocol, |l| l.row.protocol));
        }
        columns.push((&self.length, |l| &l.length));
        columns
    }

    /// Whether every row fits on one line.
    fn fits_wide(&self, lines: &[Line]) -> bool {
        let before_info: usize = self
            .wide_columns()
            .iter()
            .map(|(c, _)| c.width + GAP)
            .sum::<usize>()
            + if self.any_tcp {
                self.tcp.width() + GAP
            } else {
                0
            };
        let info = lines
            .iter()
            .map(|l| wrap::plain_width(&l.row.info))
            .max()
            .unwrap_or(0)
            .max(4);
        self.width.is_none_or(|w| before_info + info <= w)
    }

    /// One line per packet.
    fn write_wide(
        &self,
        out: &mut impl Write,
        lines: &[Line],
        mut heading: String,
        last: &mut LastStates,
    ) -> io::Result<()> {
        let columns = self.wide_columns();
        let mut header = String::new();
        for (c, _) in &columns {
            push_cell(&mut header, c.header, c.width, c.right);
        }
        if self.any_tcp {
            self.tcp.push_header(&mut header);
        }
        header.push_str("Info");
        let header = header.trim_end();
        let rule = self.width.unwrap_or(wrap::plain_width(header));
        heading.push_str(&format!("{header}\n{}\n", "─".repeat(rule)));
        last.print_heading(out, heading)?;
        let mut text = String::new();
        for l in lines {
            text.clear();
            for (c, cell) in &columns {
                push_cell(&mut text, cell(l), c.width, c.right);
            }
            if self.any_tcp {
                self.tcp.push(&mut text, l, self.color);
            }
            text.push_str(&l.row.info);
            writeln!(out, "{}", text.trim_end())?;
        }
        Ok(())
    }

    /// A first line with number, time, states and step; the Info (after what varies of the
    /// addresses and protocol) wrapped under it.
    fn write_stacked(
        &self,
        out: &mut impl Write,
        lines: &[Line],
        mut heading: String,
        last: &mut LastStates,
    ) -> io::Result<()> {
        let indent = " ".repeat(self.no.width + GAP);
        let mut header = String::new();
        push_cell(&mut header, self.no.header, self.no.width, true);
        push_cell(&mut header, self.time.header, self.time.width, true);
        if self.any_tcp {
            self.tcp.push_header(&mut header);
        }
        let header = header.trim_end();
        let rule = self.width.unwrap_or(wrap::plain_width(header));
        heading.push_str(&format!(
            "{header}\n{indent}{}\n{}\n",
            self.constant.info_header(),
            "─".repeat(rule)
        ));
        last.print_heading(out, heading)?;
        let mut text = String::new();
        for l in lines {
            text.clear();
            push_cell(&mut text, &l.number, self.no.width, true);
            push_cell(&mut text, &l.row.time, self.time.width, true);
            let paragraph = format!("{}{}", self.constant.lead(l.row), l.row.info);
            if l.tcp.is_some() {
                self.tcp.push(&mut text, l, self.color);
                writeln!(out, "{}", text.trim_end())?;
                wrap::write_hanging(out, &paragraph, self.width, &indent, &indent)?;
            } else {
                // No states to show: the Info starts on the first line.
                let rest = " ".repeat(wrap::plain_width(&text));
                wrap::write_hanging(out, &paragraph, self.width, &text, &rest)?;
            }
        }
        Ok(())
    }
}

/// Appends `text` padded to `width` (right-aligned if `right`), then the gap.
fn push_cell(line: &mut String, text: &str, width: usize, right: bool) {
    let pad = width.saturating_sub(wrap::plain_width(text));
    if right {
        line.extend(std::iter::repeat_n(' ', pad));
        line.push_str(text);
    } else {
        line.push_str(text);
        line.extend(std::iter::repeat_n(' ', pad));
    }
    line.extend(std::iter::repeat_n(' ', GAP));
}

/// The columns of a TCP row's states and step.
struct TcpColumns {
    client: Column,
    server: Column,
    step: Column,
}

impl TcpColumns {
    /// Columns they take: both states with the arrow between them, then the step.
    fn width(&self) -> usize {
        self.client.width + 1 + ARROW_WIDTH + 1 + self.server.width + GAP + self.step.width
    }

    /// The headers over them: `client` over the client's state, `server` over the server's
    /// (past the arrow between them).
    fn push_header(&self, line: &mut String) {
        let pad =
            (self.client.width + 1 + ARROW_WIDTH + 1).saturating_sub(self.client.header.len());
        line.push_str(self.client.header);
        line.extend(std::iter::repeat_n(' ', pad));
        push_cell(line, self.server.header, self.server.width, false);
        push_cell(line, self.step.header, self.step.width, false);
    }

    /// A row's client state, arrow, server state and step (blank for a row without TCP).
    fn push(&self, line: &mut String, l: &Line, color: bool) {
        let Some((c, dir, s, label)) = &l.tcp else {
            line.extend(std::iter::repeat_n(' ', self.width() + GAP));
            return;
        };
        push_state(line, c, self.client.width, color);
        line.push(' ');
        line.push_str(dir);
        line.push(' ');
        push_state(line, s, self.server.width, color);
        line.extend(std::iter::repeat_n(' ', GAP));
        push_cell(line, label, self.step.width, false);
    }
}

/// A state cell: highlighted when the segment changed it, `▸`-marked without colour.
fn push_state(line: &mut String, state: &State, width: usize, color: bool) {
    let shown = match (state.changed, color) {
        (true, true) => {
            line.push_str(HIGHLIGHT);
            line.push_str(state.label);
            line.push_str(RESET);
            state.label.len()
        }
        (true, false) => {
            line.push('▸');
            line.push_str(state.label);
            state.label.len() + 1
        }
        (false, _) => {
            line.push_str(state.label);
            state.label.len()
        }
    };
    line.extend(std::iter::repeat_n(' ', width.saturating_sub(shown)));
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
