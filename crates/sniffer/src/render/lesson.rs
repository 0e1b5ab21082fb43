//! What `sniff-demo` prints on stdout: the packets, then what explains them, in each format —
//! as a table the scenario's notes, each conversation's checks and its ladder; as JSON one
//! object per conversation, per note, and one for the privileges the process held; as plain
//! text nothing more, so that it stays exactly tshark's listing.

use std::io::{self, Write};

use crate::flow::report::ConversationReport;
use crate::flow::Conversation;
use crate::privileges::Held;
use crate::timeline::Row;

use super::{explain, ladder, wrap, write_rows, Format, TableStyle};

/// A demo run's record, as far as printing goes.
#[derive(Clone, Copy, Debug)]
pub struct Lesson<'a> {
    pub rows: &'a [Row],
    pub conversations: &'a [Conversation],
    /// What the scenario shows, in sentences with this run's numbers.
    pub notes: &'a [String],
    /// What the process held while the exchange ran.
    pub privileges: Option<&'a Held>,
}

/// Writes `lesson` in `format`; `ladders` draws each conversation under the table.
pub fn write_lesson(
    out: &mut impl Write,
    lesson: &Lesson<'_>,
    format: Format,
    style: TableStyle,
    ladders: bool,
) -> io::Result<()> {
    write_rows(out, format, lesson.rows, style)?;
    let reports: Vec<ConversationReport> = lesson
        .conversations
        .iter()
        .map(ConversationReport::of)
        .collect();
    let width = style.width.map(usize::from);
    match format {
        Format::Json => {
            // One more object per conversation, after the packets.
            explain::write_reports_json(out, &reports)?;
            for note in lesson.notes {
                serde_json::to_writer(&mut *out, &serde_json::json!({ "note": note }))?;
                writeln!(out)?;
            }
            // What the process held while the exchange ran: nothing, once the capture was
            // open.
            if let Some(held) = lesson.privileges {
                serde_json::to_writer(&mut *out, &serde_json::json!({ "privileges": held }))?;
                writeln!(out)?;
            }
        }
        // Plain stays exactly tshark's listing, to compare with it.
        Format::Plain => {}
        Format::Table => {
            writeln!(out)?;
            for note in lesson.notes {
                wrap::write_hanging(out, note, width, "", "  ")?;
            }
            explain::write_reports(out, &reports, style.color, width)?;
            if ladders {
                writeln!(out)?;
                ladder::write_ladders(out, lesson.rows, width)?;
            }
        }
    }
    Ok(())
}
