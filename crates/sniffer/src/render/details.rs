//! The packet details (`-V`), packet bytes (`-x`) and field values (`-T fields -e`) of each
//! packet, from its field tree, as tshark prints them.

use std::io::{self, Write};

use crate::tree::{self, Tree};

/// Where a field occurs more than once: which occurrences `-T fields` writes (`-E
/// occurrence=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Occurrence {
    #[default]
    All,
    First,
    Last,
}

/// How `-T fields` writes its lines (`-E header=, separator=, occurrence=, aggregator=,
/// quote=`).
#[derive(Clone, Debug)]
pub struct FieldsFormat {
    pub fields: Vec<String>,
    pub header: bool,
    pub separator: String,
    pub occurrence: Occurrence,
    pub aggregator: String,
    /// Each value wrapped in this quote character, if any.
    pub quote: Option<char>,
}

impl Default for FieldsFormat {
    fn default() -> FieldsFormat {
        FieldsFormat {
            fields: Vec::new(),
            header: false,
            separator: "\t".to_owned(),
            occurrence: Occurrence::All,
            aggregator: ",".to_owned(),
            quote: None,
        }
    }
}

impl FieldsFormat {
    /// Applies one `-E` option (`header=y`), in tshark's words when it is not one.
    pub fn set(&mut self, option: &str) -> Result<(), String> {
        let invalid = || format!("Invalid -E parameter \"{option}\"");
        let (key, value) = option.split_once('=').ok_or_else(invalid)?;
        let char_value = |v: &str| -> Option<String> {
            match v {
                "/t" => Some("\t".to_owned()),
                "/s" => Some(" ".to_owned()),
                v if v.chars().count() == 1 => Some(v.to_owned()),
                _ => None,
            }
        };
        match key {
            "header" => {
                self.header = match value {
                    "y" => true,
                    "n" => false,
                    _ => return Err(invalid()),
                }
            }
            "separator" => self.separator = char_value(value).ok_or_else(invalid)?,
            "aggregator" => self.aggregator = char_value(value).ok_or_else(invalid)?,
            "occurrence" => {
                self.occurrence = match value {
                    "a" => Occurrence::All,
                    "f" => Occurrence::First,
                    "l" => Occurrence::Last,
                    _ => return Err(invalid()),
                }
            }
            "quote" => {
                self.quote = match value {
                    "d" => Some('"'),
                    "s" => Some('\''),
                    "n" => None,
                    _ => return Err(invalid()),
                }
            }
            _ => return Err(invalid()),
        }
        Ok(())
    }

    /// The header line, when asked for.
    pub fn write_header(&self, out: &mut impl Write) -> io::Result<()> {
        if self.header {
            writeln!(out, "{}", self.fields.join(&self.separator))?;
        }
        Ok(())
    }

    /// One packet's line.
    pub fn write_line(&self, tree: &Tree, out: &mut impl Write) -> io::Result<()> {
        let mut line = String::new();
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                line.push_str(&self.separator);
            }
            let values = tree.values(field);
            let chosen: Vec<&String> = match self.occurrence {
                Occurrence::All => values.iter().collect(),
                Occurrence::First => values.first().into_iter().collect(),
                Occurrence::Last => values.last().into_iter().collect(),
            };
            let joined = chosen
                .iter()
                .map(|v| escape_controls(v))
                .collect::<Vec<_>>()
                .join(&self.aggregator);
            match self.quote {
                Some(q) if !chosen.is_empty() => {
                    line.push(q);
                    line.push_str(&joined);
                    line.push(q);
                }
                _ => line.push_str(&joined),
            }
        }
        writeln!(out, "{line}")
    }
}

/// A value as `-T fields` writes it: backspace, tab, line feed, vertical tab, form feed and
/// carriage return as C escapes (`\r\n`), so that each packet stays one line.
fn escape_controls(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.bytes().any(|b| matches!(b, 8..=13)) {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut s = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\x08' => s.push_str("\\b"),
            '\t' => s.push_str("\\t"),
            '\n' => s.push_str("\\n"),
            '\x0b' => s.push_str("\\v"),
            '\x0c' => s.push_str("\\f"),
            '\r' => s.push_str("\\r"),
            c => s.push(c),
        }
    }
    std::borrow::Cow::Owned(s)
}

/// What to print of each packet.
#[derive(Clone, Debug, Default)]
pub struct DetailsFormat {
    /// The tree (`-V`).
    pub tree: bool,
    /// The bytes (`-x`).
    pub hex: bool,
    /// The values of named fields (`-T fields`), instead of the tree.
    pub fields: Option<FieldsFormat>,
    /// The tree as JSON (`-T json`), instead of text.
    pub json: bool,
    /// The tree as Elasticsearch bulk input (`-T ek`), instead of text.
    pub ek: bool,
    /// With `-T json` or `-T ek`: only these fields (`-e`), each with its values; empty for
    /// the whole tree.
    pub only: Vec<String>,
}

impl DetailsFormat {
    /// What comes before the first packet: the header line of `-T fields -E header=y`, the
    /// opening bracket of `-T json`'s array.
    pub fn write_start(&self, out: &mut impl Write) -> io::Result<()> {
        if let Some(fields) = &self.fields {
            fields.write_header(out)?;
        }
        if self.json {
            out.write_all(b"[")?;
        }
        Ok(())
    }

    /// What comes after the last packet (`any`: whether there was one): the closing bracket
    /// of `-T json`'s array.
    pub fn write_end(&self, any: bool, out: &mut impl Write) -> io::Result<()> {
        if self.json {
            out.write_all(if any { b"\n]\n" } else { b"]\n" })?;
        }
        Ok(())
    }

    /// One packet: its tree and then its bytes, each followed by a blank line, as tshark
    /// prints them; or its fields' line.
    pub fn write_packet(&self, tree: &Tree, data: &[u8], out: &mut impl Write) -> io::Result<()> {
        let first = tree
            .nodes
            .iter()
            .any(|n| n.field.abbrev == "frame.number" && n.value == crate::tree::Value::UInt(1));
        self.write_nth_packet(tree, data, first, out)
    }

    /// [`Self::write_packet`], for a packet that is the first written (`first`) or not
    /// (when a display filter leaves out frame 1).
    pub fn write_nth_packet(
        &self,
        tree: &Tree,
        data: &[u8],
        first: bool,
        out: &mut impl Write,
    ) -> io::Result<()> {
        if let Some(fields) = &self.fields {
            return fields.write_line(tree, out);
        }
        if self.json {
            if !self.only.is_empty() {
                return tree.write_json_fields(first, &self.only, out);
            }
            return tree.write_json(first, out);
        }
        if self.ek {
            if !self.only.is_empty() {
                return tree.write_ek_fields(&self.only, out);
            }
            return tree.write_ek(out);
        }
        if self.tree {
            tree.write_details(self.hex, out)?;
            writeln!(out)?;
        }
        if self.hex {
            write_bytes(data, &tree.sources(), out)?;
        }
        Ok(())
    }
}

/// A packet's bytes as `tshark -x` prints them, and a blank line: the frame's, or, when its
/// dissection made other bytes (a packet its fragments made, a message reassembled from
/// segments), the frame's and then each of those, each named.
pub fn write_bytes(data: &[u8], sources: &[(&str, &[u8])], out: &mut impl Write) -> io::Result<()> {
    if sources.is_empty() {
        tree::write_hex(data, out)?;
    } else {
        writeln!(out, "Frame ({}):", tree::bytes_text(data.len()))?;
        tree::write_hex(data, out)?;
        for (name, bytes) in sources {
            writeln!(out, "{name} ({}):", tree::bytes_text(bytes.len()))?;
            tree::write_hex(bytes, out)?;
        }
    }
    writeln!(out)
}

/// One packet of the demo's `--details`: its number, tree and bytes.
pub struct PacketDetails<'a> {
    pub number: u64,
    pub tree: Tree,
    pub data: &'a [u8],
}

/// The details of the lesson's packets, under its table. `plain`: exactly what `tshark -V
/// -x` prints for them. Otherwise a readable tree, two spaces a level, wrapped at `width`,
/// and the bytes of the packets that carry data, where the greeting stands in the ASCII
/// column.
pub fn write_lesson_details(
    out: &mut impl Write,
    packets: &[PacketDetails<'_>],
    plain: bool,
    width: Option<usize>,
) -> io::Result<()> {
    if plain {
        let format = DetailsFormat {
            tree: true,
            hex: true,
            fields: None,
            json: false,
            ek: false,
            only: Vec::new(),
        };
        for p in packets {
            format.write_packet(&p.tree, p.data, out)?;
        }
        return Ok(());
    }
    for p in packets {
        writeln!(out)?;
        for node in p.tree.nodes.iter().filter(|n| !n.hidden) {
            let indent = "  ".repeat(usize::from(node.depth));
            let label = p.tree.label(node);
            let text = if node.generated {
                format!("[{label}]")
            } else {
                label.to_owned()
            };
            super::wrap::write_hanging(out, &text, width, &indent, &format!("{indent}    "))?;
        }
        if p.tree.nodes.iter().any(|n| n.field.abbrev == "data") {
            writeln!(out)?;
            writeln!(out, "Bytes of frame {}:", p.number)?;
            tree::write_hex(p.data, out)?;
        }
    }
    Ok(())
}
