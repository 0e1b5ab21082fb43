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
type TcpCells = (State, &'static str, State, &'static str);

/// What one row shows, as text.
struct Line<'a> {
    number: String,
    row: &'a Row,
    length: String,
    /// Client state, direction arrow, server state, step (TCP only).
    tcp: Option<TcpCells>,
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

    /// The text stacked rows show before the Info: what varies of addresses and protocol.
    fn lead(&self, row: &Row) -> String {
        let mut lead = String::new();
        match (self.source, self.destination) {
            (Some(_), Some(_)) => {}
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
    let lines: Vec<Line> = rows
        .iter()
        .map(|row| Line {
            number: row.number.to_string(),
            row,
            length: row.length.to_string(),
            tcp: row.tcp.as_ref().map(|t| {
                let now = (t.client_state, t.server_state);
                let before = last.update(t.stream, now, row.number);
                let client = State {
                    label: now.0.label(),
                    changed: before.is_none_or(|b| b.0 != now.0),
                };
                let server = State {
                    label: now.1.label(),
                    changed: before.is_none_or(|b| b.1 != now.1),
                };
                let arrow = match t.side {
                    Side::ClientToServer => "──▶",
                    Side::ServerToClient => "◀──",
                };
                (
                    client,
                    arrow,
                    server,
                    row.step.map(|s| s.label()).unwrap_or_default(),
                )
            }),
        })
        .collect();
    if let Some(row) = rows.last() {
        last.forget_finished(row.number);
    }
    let constant = Constant::of(rows);
    let width = style.width.map(usize::from);
    // The sentence, the column headers and the rule: printed unless the page before was
    // printed under the very same.
    let mut heading = String::new();
    if let Some(sentence) = constant.sentence() {
        for line in wrap::hanging(&sentence, width, "", "  ") {
            heading.push_str(&line);
            heading.push('\n');
        }
    }
    let marker = usize::from(!style.color);
    let state_width = |pick: fn(&TcpCells) -> &State| {
        move |l: &Line| {
            l.tcp
                .as_ref()
                .map(|t| wrap::plain_width(pick(t).label) + marker * usize::from(pick(t).changed))
                .unwrap_or(0)
        }
    };
    let any_tcp = lines.iter().any(|l| l.tcp.is_some());
    let no = Column::new("No.", true, lines.iter().map(|l| l.number.len()));
    let time =
        Column::new("Time", true, lines.iter().map(|l| l.row.time.len())).at_least(TIME_WIDTH);
    let client = Column::new("client", false, lines.iter().map(state_width(|t| &t.0)))
        .at_least(STATE_WIDTH + marker);
    let server = Column::new("server", false, lines.iter().map(state_width(|t| &t.2)))
        .at_least(STATE_WIDTH + marker);
    let step = Column::new(
        "Step",
        false,
        lines
            .iter()
            .map(|l| l.tcp.as_ref().map_or(0, |t| t.3.len())),
    )
    .at_least(STEP_WIDTH);
    let source = Column::new(
        "Source",
        false,
        lines.iter().map(|l| wrap::plain_width(&l.row.source)),
    );
    let destination = Column::new(
        "Destination",
        false,
        lines.iter().map(|l| wrap::plain_width(&l.row.destination)),
    );
    let protocol = Column::new(
        "Protocol",
        false,
        lines.iter().map(|l| l.row.protocol.len()),
    );
    let length = Column::new("Length", true, lines.iter().map(|l| l.length.len()));

    // The wide layout's columns before the Info.
    let mut wide: Vec<&Column> = vec![&no, &time];
    if constant.source.is_none() || constant.destination.is_none() {
        wide.extend([&source, &destination]);
    }
    if constant.protocol.is_none() {
        wide.push(&protocol);
    }
    wide.push(&length);
    let tcp = TcpColumns {
        client,
        server,
        step,
    };
    let before_info: usize = wide.iter().map(|c| c.width + GAP).sum::<usize>()
        + if any_tcp { tcp.width() + GAP } else { 0 };
    let info_width = lines
        .iter()
        .map(|l| wrap::plain_width(&l.row.info))
        .max()
        .unwrap_or(0)
        .max(4);
    let fits_wide = width.is_none_or(|w| before_info + info_width <= w);

    let mut text = String::new();
    if fits_wide {
        let mut header = String::new();
        for c in &wide {
            push_cell(&mut header, c.header, c.width, c.right);
        }
        if any_tcp {
            tcp.push_header(&mut header);
        }
        header.push_str("Info");
        let header = header.trim_end();
        let rule = width.unwrap_or(wrap::plain_width(header));
        heading.push_str(&format!("{header}\n{}\n", "─".repeat(rule)));
        last.print_heading(out, heading)?;
        for l in &lines {
            text.clear();
            push_cell(&mut text, &l.number, no.width, true);
            push_cell(&mut text, &l.row.time, time.width, true);
            if constant.source.is_none() || constant.destination.is_none() {
                push_cell(&mut text, &l.row.source, source.width, false);
                push_cell(&mut text, &l.row.destination, destination.width, false);
            }
            if constant.protocol.is_none() {
                push_cell(&mut text, l.row.protocol, protocol.width, false);
            }
            push_cell(&mut text, &l.length, length.width, true);
            if any_tcp {
                tcp.push(&mut text, l, style.color);
            }
            text.push_str(&l.row.info);
            writeln!(out, "{}", text.trim_end())?;
        }
        return Ok(());
    }

    // Stacked: the first line, then the Info under it.
    let indent = " ".repeat(no.width + GAP);
    let mut header = String::new();
    push_cell(&mut header, no.header, no.width, true);
    push_cell(&mut header, time.header, time.width, true);
    if any_tcp {
        tcp.push_header(&mut header);
    }
    heading.push_str(header.trim_end());
    heading.push('\n');
    let info_header = if constant.source.is_some() && constant.destination.is_some() {
        if constant.protocol.is_some() {
            "Info"
        } else {
            "Protocol Info"
        }
    } else if constant.protocol.is_some() {
        "Source → Destination Info"
    } else {
        "Source → Destination Protocol Info"
    };
    let rule = width.unwrap_or(wrap::plain_width(header.trim_end()));
    heading.push_str(&format!("{indent}{info_header}\n{}\n", "─".repeat(rule)));
    last.print_heading(out, heading)?;
    for l in &lines {
        text.clear();
        push_cell(&mut text, &l.number, no.width, true);
        push_cell(&mut text, &l.row.time, time.width, true);
        let paragraph = format!("{}{}", constant.lead(l.row), l.row.info);
        if l.tcp.is_some() {
            tcp.push(&mut text, l, style.color);
            writeln!(out, "{}", text.trim_end())?;
            wrap::write_hanging(out, &paragraph, width, &indent, &indent)?;
        } else {
            // No states to show: the Info starts on the first line.
            let first = text.clone();
            let rest = " ".repeat(wrap::plain_width(&first));
            wrap::write_hanging(out, &paragraph, width, &first, &rest)?;
        }
    }
    Ok(())
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
