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
//! (Wireshark's table format: quoted, `\xNN` and C escapes, `#` comments); a line that is not
//! is left out.

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
pub(super) fn defined() -> &'static [Macro] {
    static MACROS: OnceLock<Vec<Macro>> = OnceLock::new();
    MACROS.get_or_init(|| {
        let personal = personal_dir().map(|d| d.join("dfilter_macros"));
        let file = personal
            .filter(|p| p.is_file())
            .or_else(|| Some(data_dir().join("dfilter_macros")));
        file.and_then(|f| std::fs::read(f).ok())
            .map(|bytes| read_table(&String::from_utf8_lossy(&bytes)))
            .unwrap_or_default()
    })
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

/// The macros of a `dfilter_macros` file: `"name","text"` lines.
pub(super) fn read_table(text: &str) -> Vec<Macro> {
    let mut out: Vec<Macro> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, rest)) = quoted(line) else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix(',') else {
            continue;
        };
        let Some((text, rest)) = quoted(rest.trim_start()) else {
            continue;
        };
        let valid = !name.is_empty()
            && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
            && text.chars().all(|c| c.is_ascii_graphic() || c == ' ')
            && rest.trim().is_empty()
            && !out.iter().any(|m| m.name == name);
        if valid {
            out.push(Macro::new(&name, &text));
        }
    }
    out
}

/// A quoted field of Wireshark's table format at the start of `s`, its escapes read, and what
/// follows it.
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Some((String::from_utf8_lossy(&out).into_owned(), &body[i + 1..])),
            b'\\' => {
                i += 1;
                let c = *bytes.get(i)?;
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
                        let hex = body.get(i + 1..i + 3)?;
                        out.push(u8::from_str_radix(hex, 16).ok()?);
                        i += 2;
                    }
                    b'0'..=b'7' => {
                        let digits = bytes[i..]
                            .iter()
                            .take(3)
                            .take_while(|d| (b'0'..=b'7').contains(d))
                            .count();
                        let value = u32::from_str_radix(&body[i..i + digits], 8).ok()?;
                        out.push(u8::try_from(value & 0xff).ok()?);
                        i += digits - 1;
                    }
                    other => out.push(other),
                }
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    None
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
        );
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
