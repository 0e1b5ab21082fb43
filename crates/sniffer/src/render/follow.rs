//! Follow TCP Stream: the payload of one conversation as text, each direction marked, each
//! byte once, as Wireshark's *Follow → TCP Stream* shows what the applications exchanged.

use std::io::{self, Write};

use crate::flow::Side;
use crate::timeline::{escape_text, Followed};

/// Writes a followed stream.
pub fn write_followed(out: &mut impl Write, f: &Followed) -> io::Result<()> {
    let (client, server) = f
        .ends
        .clone()
        .unwrap_or_else(|| ("?".to_owned(), "?".to_owned()));
    writeln!(
        out,
        "Follow TCP stream {}: client {client} ⇄ server {server}",
        f.stream
    )?;
    for piece in &f.pieces {
        let way = match piece.side {
            Side::ClientToServer => "▶ client → server",
            Side::ServerToClient => "◀ server → client",
        };
        let missing = if piece.missing > 0 {
            format!(", {} bytes not in the capture", piece.missing)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{way}, frame {}, {} bytes{missing}:",
            piece.frame,
            piece.data.len()
        )?;
        let text = escape_text(&piece.data);
        writeln!(out, "{}", text.strip_suffix('\n').unwrap_or(&text))?;
    }
    writeln!(
        out,
        "{} bytes client → server, {} bytes server → client",
        f.bytes[0], f.bytes[1]
    )
}
