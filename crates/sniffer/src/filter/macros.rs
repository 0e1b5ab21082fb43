//! Display filter macros, expanded in an expression's text before it is scanned, as
//! Wireshark 4.0 expands them: `${name}` or `${name:arg1;arg2}` is replaced by the macro's
//! text, its `$1`, `$2`… by the arguments, and the result expanded again (at most 32 deep).
//! `${tcp.port}`, where the name is a field (not a protocol), is left alone: a field
//! reference, which the grammar reads.
//!
//! The macros are those Wireshark reads: the `dfilter_macros` file of the personal
//! configuration (`$WIRESHARK_CONFIG_DIR`, else `$XDG_CONFIG_HOME/wireshark` or
//! `~/.config/wireshark` if it is a directory, else `~/.wireshark`), or, when there is none,
//! the one Wireshark installs (`/usr/share/wireshark/dfilter_macros`, or
//! `$WIRESHARK_DATA_DIR`'s), which defines `private_ipv4`, `private_ethernet` and
//! `private_ipv6`. A process started with privileges (set-user-ID, file capabilities) does
//! not take either directory from the environment. Each line of the file is `"name","text"`
//! (Wireshark's table format: quoted, `\xNN` and C escapes, `#` comments), read as Wireshark's
//! table scanner reads it ([`read_table`]): a record with a bad name or text is left out, and
//! anything else out of place ends the reading, the macros before it kept; what Wireshark
//! would say of the file is printed, as tshark prints it when it starts.

use std::path::PathBuf;
use std::sync::OnceLock;

/// A macro: its name, and its text cut at each argument (`parts[0]`, then the argument
/// `args[0]`, then `parts[1]`, …).
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Macro {
    name: String,
    parts: Vec<String>,
    args: Vec<usize>,
    /// The arguments it takes: its largest `$N`.
    argc: usize,
}

impl Macro {
    /// A macro named `name` whose text is `text` (`$1`… for its arguments; a backslash keeps
    /// the character after it, both kept in the text).
    pub(super) fn new(name: &str, text: &str) -> Macro {
        let mut parts = vec![String::new()];
        let mut args = Vec::new();
        let mut argc = 0;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let part = parts.last_mut().expect("one part at least");
            match c {
                '\\' => {
                    part.push(c);
                    if let Some(next) = chars.next() {
                        part.push(next);
                    }
                }
                '$' if chars.peek().is_some_and(char::is_ascii_digit) => {
                    let mut n = 0usize;
                    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                        n = n.saturating_mul(10).saturating_add(d as usize);
                        chars.next();
                    }
                    argc = argc.max(n);
                    args.push(n.saturating_sub(1));
                    parts.push(String::new());
                }
                _ => part.push(c),
            }
        }
        Macro {
            name: name.to_owned(),
            parts,
            args,
            argc,
        }
    }

    fn apply(&self, args: &[String]) -> Result<String, String> {
        if args.len() != self.argc {
            return Err(format!(
                "wrong number of arguments for macro '{}', expecting {} instead of {}",
                self.name,
                self.argc,
                args.len()
            ));
        }
        let mut out = self.parts[0].clone();
        for (arg, part) in self.args.iter().zip(&self.parts[1..]) {
            out.push_str(args.get(*arg).map_or("", String::as_str));
            out.push_str(part);
        }
        Ok(out)
    }
}

/// The macros Wireshark would read here (see the module's docs), read once.
/// What Wireshark would say of the file is printed the first time, as tshark prints it when
/// it starts.
pub(super) fn defined() -> &'static [Macro] {
    static MACROS: OnceLock<Table> = OnceLock::new();
    let table = MACROS.get_or_init(|| {
        let personal = personal_dir().map(|d| d.join("dfilter_macros"));
        let file = personal
            .filter(|p| p.is_file())
            .or_else(|| Some(data_dir().join("dfilter_macros")));
        let table = match file.map(std::fs::read) {
            Some(Ok(bytes)) => read_table(&String::from_utf8_lossy(&bytes)),
            // No file: no macros, as in Wireshark; a file that cannot be read is reported.
            Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => {
                let reason = e.to_string();
                let reason = reason.split(" (os error").next().unwrap_or_default();
                Table {
                    macros: Vec::new(),
                    problems: vec![format!(
                        "Error loading table 'Display Filter Macros': {reason}"
                    )],
                }
            }
            _ => Table::default(),
        };
        for problem in &table.problems {
            eprintln!("{}: {problem}", crate::program_name());
        }
        table
    });
    &table.macros
}

/// Whether the process was started with privileges (set-user-ID or -group, file
/// capabilities): then directories are not taken from the environment.
fn privileged() -> bool {
    // SAFETY: getauxval has no preconditions.
    unsafe { libc::getauxval(libc::AT_SECURE) != 0 }
}

fn env_dir(name: &str) -> Option<PathBuf> {
    if privileged() {
        return None;
    }
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn personal_dir() -> Option<PathBuf> {
    if let Some(dir) = env_dir("WIRESHARK_CONFIG_DIR") {
        return Some(dir);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".config")))?;
    let xdg = config.join("wireshark");
    if xdg.is_dir() {
        return Some(xdg);
    }
    match home.map(|h| h.join(".wireshark")) {
        Some(legacy) if legacy.is_dir() => Some(legacy),
        _ => Some(xdg),
    }
}

fn data_dir() -> PathBuf {
    env_dir("WIRESHARK_DATA_DIR").unwrap_or_else(|| PathBuf::from("/usr/share/wireshark"))
}

/// A `dfilter_macros` file read: its macros, and what Wireshark would say of it (warnings,
/// then the error that stopped it, each a line without the program's name).
#[derive(Debug, Default)]
pub(super) struct Table {
    pub macros: Vec<Macro>,
    pub problems: Vec<String>,
}

/// Where [`read_table`]'s scanner is, as Wireshark's (`epan/uat_load.l`) names its states.
#[derive(Clone, Copy, PartialEq)]
enum At {
    StartOfLine,
    NextField,
    Separator,
    EndOfRecord,
}

/// The names of the table's two fields, in its messages.
const FIELDS: [&str; 2] = ["name", "text"];

/// The macros of a `dfilter_macros` file: `"name","text"` records, read as Wireshark 4.0's
/// table scanner reads them (`epan/uat_load.l`): a field quoted (C escapes, `\xNN`) or in
/// hex digits, fields apart by a comma, a record ended by a newline; blank lines and `#`
/// comments between records. A name that is empty, holds other than letters, digits and
/// `_`, or was defined before, or a text with a character that does not print, leaves its
/// record out and is reported at the end; anything else out of place stops the reading there
/// (the macros before it are kept), as does the end of the file inside a record.
pub(super) fn read_table(text: &str) -> Table {
    let b = text.as_bytes();
    let mut table = Table::default();
    let (mut i, mut line, mut at) = (0, 1, At::StartOfLine);
    let mut fields: Vec<Vec<u8>> = Vec::new();
    let mut invalid: Option<String> = None;
    let spaces = |from: usize| {
        b[from..]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count()
    };
    // A newline after `from`'s spaces: its length.
    let newline = |from: usize| {
        let mut j = from + spaces(from);
        if b.get(j) == Some(&b'\r') {
            j += 1;
        }
        (b.get(j) == Some(&b'\n')).then(|| j + 1 - from)
    };
    let separator = |from: usize| {
        let j = from + spaces(from);
        (b.get(j) == Some(&b',')).then(|| j + 1 - from)
    };
    let fatal = |table: &mut Table, line: usize, why: String| {
        table.problems.push(format!(
            "Error loading table 'Display Filter Macros': dfilter_macros:{line}: {why}"
        ));
    };
    // Sets the next field, checking it as Wireshark's callbacks do.
    let set = |fields: &mut Vec<Vec<u8>>,
               invalid: &mut Option<String>,
               macros: &[Macro],
               line: usize,
               value: Vec<u8>| {
        let why = match fields.len() {
            0 if value.is_empty() => Some("invalid name".to_owned()),
            0 if !value
                .iter()
                .all(|c| *c == b'_' || c.is_ascii_alphanumeric()) =>
            {
                Some("invalid char in name".to_owned())
            }
            0 if macros.iter().any(|m| m.name.as_bytes() == value) => Some(format!(
                "macro '{}' already exists",
                String::from_utf8_lossy(&value)
            )),
            1 => value
                .iter()
                .position(|c| !(c.is_ascii_graphic() || *c == b' '))
                .map(|pos| format!("invalid char pos={pos} value={:02x}", value[pos])),
            _ => None,
        };
        if let Some(why) = why {
            *invalid = Some(format!("dfilter_macros:{line}: {why}"));
        }
        fields.push(value);
    };
    let mut reported: Option<String> = None;
    while i < b.len() {
        match at {
            At::StartOfLine | At::NextField => {
                let ws = spaces(i);
                let comment = (at == At::StartOfLine && b[i] == b'#')
                    .then(|| b[i..].iter().position(|c| *c == b'\n').map(|n| n + 1))
                    .flatten();
                let quoted = quoted_len(&b[i..]);
                let hex = b[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count()
                    / 2
                    * 2;
                // The longest of the rules that match, the first on a tie, as flex picks.
                let candidates = [
                    newline(i).filter(|_| at == At::StartOfLine).map(|n| (n, 0)),
                    comment.map(|n| (n, 1)),
                    separator(i).map(|n| (n, 2)),
                    newline(i).map(|n| (n, 3)),
                    quoted.map(|n| (n, 4)),
                    (hex > 0).then_some((hex, 5)),
                    (ws > 0).then_some((ws, 6)),
                ];
                let best = candidates.iter().flatten().fold(
                    None,
                    |best: Option<(usize, usize)>, &(n, rule)| match best {
                        Some((m, _)) if m >= n => best,
                        _ => Some((n, rule)),
                    },
                );
                let Some((n, rule)) = best else {
                    // Flex's default rule: the character is passed over.
                    i += 1;
                    continue;
                };
                match rule {
                    0 | 1 => line += 1,
                    2 => {
                        set(&mut fields, &mut invalid, &table.macros, line, Vec::new());
                        if fields.len() >= FIELDS.len() {
                            fatal(&mut table, line, "more fields than required".into());
                            return table;
                        }
                        at = At::NextField;
                    }
                    3 => {
                        // An empty field; the newline is taken, so the record ends at the
                        // next one.
                        fields.push(Vec::new());
                        at = At::EndOfRecord;
                    }
                    4 => {
                        let value = unescape(&b[i + 1..i + n - 1]);
                        fields_pending(&mut fields, value, &mut at);
                    }
                    5 => {
                        let value = b[i..i + n]
                            .chunks(2)
                            .map(|pair| {
                                let digit =
                                    |c: u8| (c as char).to_digit(16).map_or(-1, |d| d as i32);
                                (digit(pair[0]) * 16 + digit(pair[1])) as u8
                            })
                            .collect();
                        fields_pending(&mut fields, value, &mut at);
                    }
                    _ => {}
                }
                i += n;
            }
            At::Separator => {
                if let Some(n) = separator(i) {
                    let value = fields.pop().unwrap_or_default();
                    set(&mut fields, &mut invalid, &table.macros, line, value);
                    at = At::NextField;
                    i += n;
                } else if newline(i).is_some() {
                    let why = format!("expecting field {}", FIELDS[fields.len()]);
                    fatal(&mut table, line, why);
                    return table;
                } else {
                    let c = char::from(b[i]);
                    let why = format!(
                        "unexpected char '{c}' while looking for field {}",
                        FIELDS[fields.len() - 1]
                    );
                    fatal(&mut table, line, why);
                    return table;
                }
            }
            At::EndOfRecord => {
                // `,"…"` after the last field: left out, with a warning.
                let extra = separator(i).and_then(|n| {
                    let rest = &b[i + n..];
                    let end = rest.iter().position(|c| *c == b'\n').unwrap_or(rest.len());
                    let last = rest[..end].iter().rposition(|c| *c == b'"')?;
                    (rest.first() == Some(&b'"') && last > 0).then_some(n + last + 1)
                });
                if let Some(n) = extra {
                    table.problems.push(format!(
                        "dfilter_macros:{line}: More fields than required. Discarding '{}'.",
                        String::from_utf8_lossy(&b[i..i + n])
                    ));
                    i += n;
                } else if let Some(n) = newline(i) {
                    line += 1;
                    let value = fields.pop().unwrap_or_default();
                    set(&mut fields, &mut invalid, &table.macros, line, value);
                    match invalid.take() {
                        Some(why) => reported = Some(why),
                        None => {
                            let text = |f: &[u8]| String::from_utf8_lossy(f).into_owned();
                            let name = text(fields.first().map_or(&[][..], Vec::as_slice));
                            let body = text(fields.get(1).map_or(&[][..], Vec::as_slice));
                            table.macros.push(Macro::new(&name, &body));
                        }
                    }
                    fields.clear();
                    at = At::StartOfLine;
                    i += n;
                } else {
                    let c = char::from(b[i]);
                    fatal(
                        &mut table,
                        line,
                        format!("unexpected char {c} while looking for end of line"),
                    );
                    return table;
                }
            }
        }
    }
    if let Some(why) = reported {
        table.problems.push(format!(
            "Error loading table 'Display Filter Macros': {why}"
        ));
    }
    table
}

/// A field just read: kept until what follows it says whether it is whole (the scanner then
/// checks it), the scanner waiting for a comma after a name and a newline after a text.
fn fields_pending(fields: &mut Vec<Vec<u8>>, value: Vec<u8>, at: &mut At) {
    *at = match fields.len() + 1 < FIELDS.len() {
        true => At::Separator,
        false => At::EndOfRecord,
    };
    fields.push(value);
}

/// The length of the quoted field at the start of `b`, as flex matches
/// `"([^"]|\\")*"`: the longest, so up to the first quote with no backslash before it, or
/// else the last quote that has one.
fn quoted_len(b: &[u8]) -> Option<usize> {
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut end = None;
    for (j, &c) in b.iter().enumerate().skip(1) {
        if c == b'"' {
            end = Some(j + 1);
            if b[j - 1] != b'\\' {
                break;
            }
        }
    }
    end
}

/// A quoted field's text with its escapes read, as Wireshark's `uat_unesc`.
fn unescape(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            out.push(body[i]);
            i += 1;
            continue;
        }
        i += 1;
        let Some(&c) = body.get(i) else {
            break;
        };
        match c {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'e' => out.push(0x1b),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'x' => {
                let hex = |k: usize| body.get(k).and_then(|d| (*d as char).to_digit(16));
                match (hex(i + 1), hex(i + 2)) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'x'),
                }
            }
            b'0'..=b'7' => {
                let digits = body[i..]
                    .iter()
                    .take(3)
                    .take_while(|d| (b'0'..=b'7').contains(d))
                    .count();
                let value = body[i..i + digits]
                    .iter()
                    .fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
                out.push(value.min(255) as u8);
                i += digits - 1;
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

/// `text` with its macros expanded (the same text when it has none), or Wireshark's reason
/// for refusing it. `is_field` tells a field's name (a reference, `${tcp.port}`) from a
/// macro's.
pub(super) fn expand(
    text: &str,
    macros: &[Macro],
    is_field: &dyn Fn(&str) -> bool,
) -> Result<String, String> {
    let mut text = text.to_owned();
    for _ in 0..32 {
        match expand_once(&text, macros, is_field)? {
            Some(expanded) => text = expanded,
            None => return Ok(text),
        }
    }
    Err("too much nesting in macros".to_owned())
}

/// One pass over `text`: `Some` with the macros replaced, `None` when it has none.
fn expand_once(
    text: &str,
    macros: &[Macro],
    is_field: &dyn Fn(&str) -> bool,
) -> Result<Option<String>, String> {
    const MIDDLE: &str = "end of filter in the middle of a macro expression";
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(inner) = after.strip_prefix('{') else {
            // A `$` not before `{` stays, and so does the character after it.
            out.push('$');
            let mut chars = after.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
            continue;
        };
        // A field's name up to the first `#` (anywhere after), else the first `}`: a
        // reference, left for the grammar.
        let end = inner.find('#').or_else(|| inner.find('}'));
        if end.is_some_and(|end| is_field(&inner[..end])) {
            out.push_str("${");
            rest = inner;
            continue;
        }
        let name_len = inner
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .ok_or(MIDDLE)?;
        let name = &inner[..name_len];
        let mut args = Vec::new();
        let after_name = &inner[name_len..];
        rest = match after_name.chars().next() {
            Some('}') => &after_name[1..],
            Some(':') => {
                let mut arg = String::new();
                let mut chars = after_name[1..].char_indices();
                let close = loop {
                    match chars.next().ok_or(MIDDLE)? {
                        (_, ';') => args.push(std::mem::take(&mut arg)),
                        (_, '\\') => arg.push(chars.next().ok_or(MIDDLE)?.1),
                        (k, '}') => break k,
                        (_, c) => arg.push(c),
                    }
                };
                args.push(arg);
                &after_name[1 + close + 1..]
            }
            _ => return Err("invalid character in macro name".to_owned()),
        };
        let m = macros
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| format!("macro '{name}' does not exist"))?;
        out.push_str(&m.apply(&args)?);
        changed = true;
    }
    out.push_str(rest);
    Ok(changed.then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> bool {
        name == "tcp.port" || name == "ip.src"
    }

    #[test]
    fn macros_expand_as_wiresharks_do() {
        let macros = read_table(
            "# comment\n\"private_ipv4\",\"$1 == 10.0.0.0/8\"\n\"both\", \"$1 or $2\"\n\
             \"nest\",\"${both:tcp;udp}\"\n\"loop\",\"${loop}\"\n\"bad name\",\"x\"\n",
        )
        .macros;
        assert_eq!(macros.len(), 4);
        let expand = |t: &str| expand(t, &macros, &field);
        assert_eq!(
            expand("${private_ipv4:ip.src}"),
            Ok("ip.src == 10.0.0.0/8".into())
        );
        assert_eq!(expand("${both:a;b} and x"), Ok("a or b and x".into()));
        assert_eq!(expand("${nest}"), Ok("tcp or udp".into()));
        assert_eq!(expand("${both:a\\;b;c}"), Ok("a;b or c".into()));
        assert_eq!(
            expand("tcp.port == ${tcp.port}"),
            Ok("tcp.port == ${tcp.port}".into())
        );
        assert_eq!(expand("$$ and $x"), Ok("$$ and $x".into()));
        assert_eq!(expand("${foo}"), Err("macro 'foo' does not exist".into()));
        assert_eq!(
            expand("${private_ipv4}"),
            Err(
                "wrong number of arguments for macro 'private_ipv4', expecting 1 instead of 0"
                    .into()
            )
        );
        assert_eq!(
            expand("${a b}"),
            Err("invalid character in macro name".into())
        );
        assert_eq!(
            expand("${a:b"),
            Err("end of filter in the middle of a macro expression".into())
        );
        assert_eq!(expand("${loop}"), Err("too much nesting in macros".into()));
    }
}
