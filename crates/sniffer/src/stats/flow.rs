//! `-z flow,tcp,standard|network[,FILTER]`: tshark's text flow graph of TCP segments, byte
//! for byte (Wireshark 4.0's `tcp_seq_analysis_packet` in `packet-tcp.c`, and
//! `sequence_analysis_dump_to_file` in `epan/sequence_analysis.c`).
//!
//! One item per TCP header the TCP tap sees (as `-z conv,tcp` counts them): the time as the
//! listing shows it, the addresses and ports, the flags with the segment's length as the
//! arrow's label (`PSH, ACK - Len: 18`), and `Seq = 1 Ack = 1` as the comment. The addresses
//! become the graph's columns ("nodes") in the order first seen, at most 40; each item is
//! two lines: the label above the arrow, then the arrow between the two columns with the
//! ports at its ends.
//!
//! tshark draws the text by overwriting stretches of a line of blanks, with GLib's
//! `g_string_erase` refusing an erase that runs past the string's end (it prints a
//! "CRITICAL" warning and leaves the string alone) before the text is inserted anyway. The
//! arrows between two columns, and every arrow when all the traffic has one address, come
//! out longer than the line of blanks they were drawn into; `overwrite` does the same, so
//! the lines are tshark's, quirks included. `standard` (any address) and `network` (network
//! addresses) differ only for protocols that carry no network address; every TCP segment
//! has one, so both give the same graph.

use std::net::IpAddr;

/// Columns drawn at most; an address seen after them is drawn past the right edge, as
/// Wireshark's `NODE_OVERFLOW`.
pub const MAX_NODES: usize = 40;
/// Characters per column.
const NODE_WIDTH: usize = 20;

/// One TCP header of the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// The time column's text.
    pub time: String,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    /// TCP flags (the 12 bits of `tcp.flags`).
    pub flags: u16,
    /// Accurate ECN is in use: ECE, CWR and AE are shown as one counter, `ACE=n`.
    pub ace: bool,
    /// The segment's length (`tcp.len`).
    pub len: u32,
    /// Relative sequence and acknowledgment numbers (`tcp.seq`, `tcp.ack`).
    pub seq: u32,
    pub ack: u32,
    /// `tcp.stream`, cut to 16 bits as Wireshark stores it.
    pub conv: u16,
}

impl Item {
    /// The arrow's label: the flags as the Info column names them, and the length when
    /// there is one.
    fn label(&self) -> String {
        let flags = crate::tcp::TcpFlags::from_bits(self.flags);
        let mut label = String::new();
        match self.ace {
            true => flags.push_names_with_ace(&mut label),
            false => flags.push_names(&mut label),
        }
        if self.len > 0 {
            label.push_str(&format!(" - Len: {}", self.len));
        }
        label
    }

    /// The comment right of the graph.
    fn comment(&self) -> String {
        match self.flags & 0x10 != 0 {
            true => format!("Seq = {} Ack = {}", self.seq, self.ack),
            false => format!("Seq = {}", self.seq),
        }
    }
}

/// Pads `s` with `pad` to `len` bytes (`enlarge_string`).
fn enlarge(s: &mut String, len: usize, pad: char) {
    while s.len() < len {
        s.push(pad);
    }
}

/// Wireshark's `overwrite`: the characters of `line` between `p1` and `p2` replaced by as
/// much of `text` as fits between them, with GLib's rules when the stretch runs past the end
/// of `line` (see the module's docs). The texts are ASCII, so bytes are characters.
fn overwrite(line: &mut String, text: &str, p1: usize, p2: usize) {
    if p1 == p2 {
        return;
    }
    let (mut pos, mut len) = (p1.min(p2), p1.abs_diff(p2));
    let text = match len.cmp(&text.len()) {
        std::cmp::Ordering::Greater => {
            len = text.len();
            text
        }
        std::cmp::Ordering::Less => &text[..len],
        std::cmp::Ordering::Equal => text,
    };
    pos = pos.min(line.len());
    // g_string_erase refuses a stretch past the end, and the insertion happens anyway.
    if pos + len <= line.len() {
        line.replace_range(pos..pos + len, "");
    }
    line.insert_str(pos, text);
}

/// Writes the graph of `items` as tshark does (nothing at all without items).
pub fn write(out: &mut impl std::io::Write, items: &[Item]) -> std::io::Result<()> {
    let Some(first) = items.first() else {
        return Ok(());
    };
    let several = items.iter().any(|i| i.conv != first.conv);
    // The columns, in the order the addresses come (source, then destination).
    let mut nodes: Vec<IpAddr> = Vec::new();
    let mut node = |addr: IpAddr| -> usize {
        match nodes.iter().position(|&n| n == addr) {
            Some(i) => i,
            None if nodes.len() < MAX_NODES => {
                nodes.push(addr);
                nodes.len() - 1
            }
            None => MAX_NODES + 1,
        }
    };
    let places: Vec<(usize, usize)> = items.iter().map(|i| (node(i.src), node(i.dst))).collect();

    let (header, empty_header, header_len) = match several {
        true => ("Conv.| Time    ", "     |         ", 16),
        false => ("|Time     ", "|         ", 10),
    };
    let mut text = String::from(header);
    let mut empty_line = String::new();
    let column = || {
        let mut blank = String::from("| ");
        enlarge(&mut blank, NODE_WIDTH, ' ');
        blank
    };
    for addr in nodes.iter().step_by(2) {
        let mut label = format!("| {addr}");
        enlarge(&mut label, NODE_WIDTH * 2, ' ');
        text.push_str(&label);
        empty_line.push_str(&column());
    }
    text.push_str("|\n");
    text.push_str(empty_header);
    text.push_str(&column());
    for addr in nodes.iter().skip(1).step_by(2) {
        let mut label = format!("| {addr}");
        if label.len() < NODE_WIDTH {
            enlarge(&mut label, NODE_WIDTH, ' ');
            label.push_str("| ");
        }
        enlarge(&mut label, NODE_WIDTH * 2, ' ');
        text.push_str(&label);
        empty_line.push_str(&column());
    }
    text.push('\n');
    empty_line.push('|');
    let separator = "-".repeat(empty_line.len() + header_len);
    out.write_all(text.as_bytes())?;

    let mut conv = first.conv;
    for (item, &(src, dst)) in items.iter().zip(&places) {
        let start = src * NODE_WIDTH + NODE_WIDTH / 2;
        let mut end = dst * NODE_WIDTH + NODE_WIDTH / 2;
        let width = if start == end {
            // Both ends at one address: the arrow goes one column to the right.
            end = start + NODE_WIDTH;
            NODE_WIDTH
        } else {
            start.abs_diff(end)
        };
        let mut text = String::new();
        if item.conv != conv {
            text.push_str(&separator);
            text.push('\n');
            conv = item.conv;
        }
        if several {
            let mut number = item.conv.to_string();
            enlarge(&mut number, 5, ' ');
            text.push_str(&number);
        }
        let mut time = format!("|{}", item.time);
        enlarge(&mut time, 10, ' ');
        text.push_str(&time);

        let mut line = empty_line.clone();
        overwrite(&mut line, &item.label(), start, end);
        text.push_str(&line);
        text.push_str(&item.comment());
        text.push('\n');

        text.push_str(empty_header);
        let mut line = empty_line.clone();
        let arrow = if start < end {
            let mut arrow = "-".repeat(width.saturating_sub(2));
            arrow.push('>');
            arrow
        } else {
            let mut arrow = String::from("<");
            enlarge(&mut arrow, width.saturating_sub(1), '-');
            arrow
        };
        overwrite(&mut line, &arrow, start, end);
        let (src_port, dst_port) = (
            format!("({})", item.src_port),
            format!("({})", item.dst_port),
        );
        if start < end {
            overwrite(&mut line, &src_port, start - 9, start - 1);
            overwrite(&mut line, &dst_port, end + 1, end + 9);
        } else {
            overwrite(&mut line, &src_port, start + 1, start + 9);
            overwrite(&mut line, &dst_port, end - 9, end + 1);
        }
        text.push_str(&line);
        text.push('\n');
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overwrite_follows_glib_past_the_end() {
        // Within the line: replaced in place.
        let mut line = String::from("|          |");
        overwrite(&mut line, "SYN", 3, 10);
        assert_eq!(line, "|  SYN     |");
        // Past the end: nothing erased, the text inserted anyway.
        let mut line = String::from("|     |");
        overwrite(&mut line, "---->", 3, 13);
        assert_eq!(line, "|  ---->   |");
        // A text longer than the stretch is cut to it.
        let mut line = String::from("|          |");
        overwrite(&mut line, "(54334)", 1, 4);
        assert_eq!(line, "|(54       |");
    }

    #[test]
    fn labels_name_the_flags_as_wireshark_does() {
        let item = |flags, len| Item {
            time: "0.000000".into(),
            src: IpAddr::from([127, 0, 0, 1]),
            dst: IpAddr::from([127, 0, 0, 1]),
            src_port: 1,
            dst_port: 2,
            flags,
            ace: false,
            len,
            seq: 1,
            ack: 2,
            conv: 0,
        };
        assert_eq!(item(0x002, 0).label(), "SYN");
        assert_eq!(item(0x018, 18).label(), "PSH, ACK - Len: 18");
        assert_eq!(item(0x1c2, 0).label(), "SYN, ECE, CWR, AE");
        let ace = Item {
            ace: true,
            ..item(0x098, 0)
        };
        assert_eq!(ace.label(), "PSH, ACK, ACE=2");
        assert_eq!(item(0x200, 0).label(), "Reserved");
        assert_eq!(item(0, 5).label(), "<None> - Len: 5");
        assert_eq!(item(0x002, 0).comment(), "Seq = 1");
        assert_eq!(item(0x010, 0).comment(), "Seq = 1 Ack = 2");
    }
}
