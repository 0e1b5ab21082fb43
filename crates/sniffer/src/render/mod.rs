//! Rendering rows: three formats, each writing to any `io::Write`.
//!
//! - [`plain`]: tshark's default one-line-per-packet layout, byte for byte.
//! - [`table`]: the same columns plus Step and both ends' states, fitted to a terminal's width.
//! - [`lesson`]: what `sniff-demo` prints: the rows, then the notes, checks and ladders (or
//!   their JSON objects).
//! - [`wrap`]: the terminal's width, and text wrapped at spaces only (no token split).
//! - [`json`]: one JSON object per packet, per line, for scripts.
//! - [`html`]: one self-contained page (`--html`): the packet list, details and bytes, and
//!   per TCP stream the checks, graphs and ladder.
//!
//! Plain and JSON stream a row at a time; the table sizes its columns on a page of
//! [`table::PAGE_ROWS`] rows at a time, so a long listing becomes several tables and memory
//! stays small.

pub mod details;
pub mod explain;
pub mod follow;
pub mod html;
pub mod json;
pub mod lab;
pub mod ladder;
pub mod lesson;
pub mod plain;
pub mod stats;
pub mod summary;
pub mod table;
pub mod wrap;

pub use table::TableStyle;

use std::io::{self, Write};

use crate::timeline::Row;

/// Whether to colour output written to stdout: only on a terminal, and never when the
/// `NO_COLOR` environment variable is set to anything (no-color.org).
pub fn use_color(stdout_is_terminal: bool) -> bool {
    stdout_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Exactly what `tshark -r FILE` prints.
    Plain,
    /// A boxed table with a Step column (the default on a terminal).
    Table,
    /// One JSON object per packet, one per line.
    Json,
}

impl Format {
    /// The table on a terminal, plain text otherwise (a pipe, a file).
    pub fn default_for(stdout_is_terminal: bool) -> Format {
        if stdout_is_terminal {
            Format::Table
        } else {
            Format::Plain
        }
    }
}

/// Writes rows in one format, as they come for plain and JSON, a page at a time for the
/// table.
pub struct RowWriter<W: Write> {
    format: Format,
    out: W,
    /// The table's rows not written yet (at most a page).
    held: Vec<Row>,
    /// The states shown last per conversation, across the table's pages.
    last_states: table::LastStates,
    style: TableStyle,
    /// A plain line being assembled, kept from row to row.
    line: String,
}

impl<W: Write> RowWriter<W> {
    /// `style` lays out the table format.
    pub fn new(format: Format, out: W, style: TableStyle) -> RowWriter<W> {
        RowWriter {
            format,
            out,
            held: Vec::new(),
            last_states: table::LastStates::new(),
            style,
            line: String::with_capacity(256),
        }
    }

    /// Writes (or, for the table, keeps) one row.
    pub fn row(&mut self, row: Row) -> io::Result<()> {
        match self.format {
            Format::Table => {
                self.held.push(row);
                self.page_if_full()
            }
            _ => self.row_ref(&row),
        }
    }

    /// Writes (or, for the table, keeps a copy of) one row that the caller keeps reusing.
    pub fn row_ref(&mut self, row: &Row) -> io::Result<()> {
        match self.format {
            Format::Plain => plain::write_row_with(&mut self.line, &mut self.out, row),
            Format::Json => json::write_row(&mut self.out, row),
            Format::Table => {
                self.held.push(row.clone());
                self.page_if_full()
            }
        }
    }

    /// Writes the held rows as a table once they fill a page.
    fn page_if_full(&mut self) -> io::Result<()> {
        if self.held.len() < table::PAGE_ROWS {
            return Ok(());
        }
        self.write_page()
    }

    fn write_page(&mut self) -> io::Result<()> {
        table::write_page(&mut self.out, &self.held, self.style, &mut self.last_states)?;
        self.held.clear();
        Ok(())
    }

    /// Writes what was held and flushes; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.format == Format::Table && !self.held.is_empty() {
            self.write_page()?;
        }
        self.out.flush()?;
        Ok(self.out)
    }

    /// Shows what was written so far (for live output): the table's held rows too.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.format == Format::Table && !self.held.is_empty() {
            self.write_page()?;
        }
        self.out.flush()
    }
}

/// Writes all `rows` in `format`.
pub fn write_rows(
    out: &mut impl Write,
    format: Format,
    rows: &[Row],
    style: TableStyle,
) -> io::Result<()> {
    match format {
        Format::Plain => rows.iter().try_for_each(|r| plain::write_row(out, r)),
        Format::Json => rows.iter().try_for_each(|r| json::write_row(out, r)),
        Format::Table => table::write_table(out, rows, style),
    }
}
