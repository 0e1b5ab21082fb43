//! The tokens of a display filter, each with where it stands in the expression.

use super::FilterError;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    /// A word: a field or protocol name, a number, an address, a byte string, a keyword.
    Word(String),
    /// A quoted string, its escapes read.
    Str(Vec<u8>),
    /// A character constant (`'a'`, `'\x41'`): its value, and the constant as written.
    Char(u32, String),
    /// An operator or punctuation, as written (`==`, `&&`, `(`, `{`, `,`, `#`…).
    Punct(&'static str),
}

/// A token and its place: byte offset and length in the expression.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub at: usize,
    pub len: usize,
}

/// The characters a word may hold: names, numbers, addresses (`10.0.0.0/8`, `::1`,
/// `aa:bb:cc`), ranges (`80..90`), negative numbers.
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-')
}

/// Splits `text` into tokens.
#[cfg(test)]
pub(super) fn tokens(text: &str) -> Result<Vec<Token>, FilterError> {
    let mut out = Vec::new();
    scan(text, &mut out)?;
    Ok(out)
}

/// Splits `text` into tokens, into `out`: on an error, `out` holds the tokens before it.
pub(super) fn scan(text: &str, out: &mut Vec<Token>) -> Result<(), FilterError> {
    const PUNCTS: [&str; 25] = [
        "===", "!==", "==", "!=", "~=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "{", "}",
        ",", "&", "[", "]", "#", "+", "*", "%", "$",
    ];
    let bytes = text.as_bytes();
    let mut i = 0;
    // Inside a slice's or a layer's brackets (`[1:2]`, `#[1-2]`), where Wireshark's scanner
    // reads everything up to a `,` or the `]` as one range, spaces and all.
    let mut in_range = false;
    while i < text.len() {
        if in_range {
            let run = text[i..].find([']', ',']).unwrap_or(text.len() - i);
            let (tok, len) = match run {
                0 if bytes[i] == b']' => {
                    in_range = false;
                    (Tok::Punct("]"), 1)
                }
                0 => (Tok::Punct(","), 1),
                n => (Tok::Word(text[i..i + n].to_owned()), n),
            };
            out.push(Token { tok, at: i, len });
            i += len;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c == '\'' {
            let end = char_end(text, i)?;
            let written = &text[i..end];
            let value = char_value(written).map_err(|m| FilterError::at(m, (i, end - i)))?;
            out.push(Token {
                tok: Tok::Char(value, written.to_owned()),
                at: i,
                len: end - i,
            });
            i = end;
            continue;
        }
        // `r"…"`: a raw string, its backslashes kept (`\"` does not end it).
        let raw = matches!(c, 'r' | 'R') && text[i + 1..].starts_with('"');
        if c == '"' || raw {
            let (value, end) = match raw {
                true => raw_string(text, i + 1)?,
                false => string(text, i)?,
            };
            out.push(Token {
                tok: Tok::Str(value),
                at: i,
                len: end - i,
            });
            i = end;
            continue;
        }
        if let Some(p) = PUNCTS.iter().find(|p| text[i..].starts_with(**p)) {
            out.push(Token {
                tok: Tok::Punct(p),
                at: i,
                len: p.len(),
            });
            i += p.len();
            match *p {
                "[" => in_range = true,
                // Wireshark's scanner reads a layer after `#`, wherever it stands: its
                // digits alone, or `[` and ranges.
                "#" => {
                    let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
                    match text[i..].chars().next() {
                        Some('[') | None => {}
                        Some(_) if digits > 0 => {
                            out.push(Token {
                                tok: Tok::Word(text[i..i + digits].to_owned()),
                                at: i,
                                len: digits,
                            });
                            i += digits;
                        }
                        // The `#` is read first: a syntax error there comes before.
                        Some(next) => {
                            return Err(FilterError::at(
                                format!("Expected digit or \"[\", not \"{next}\""),
                                (i, 1),
                            ));
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        // `~`, the word form of `matches` (`~=` is an operator of its own).
        if c == '~' && !text[i..].starts_with("~=") {
            out.push(Token {
                tok: Tok::Word("~".to_owned()),
                at: i,
                len: 1,
            });
            i += 1;
            continue;
        }
        if c == '.' {
            // `.tcp.port`: a name that must be a field or protocol's. A lone dot, or one
            // that ends a word (`80.`), is not part of one.
            let name_len = text[i + 1..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                .count();
            let name = text[i + 1..i + 1 + name_len].trim_end_matches('.');
            let starts_name = name
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
            if starts_name && !name.contains("..") {
                let len = name.len() + 1;
                if super::names::known(name).is_none() {
                    return Err(FilterError::at(
                        format!("\"{name}\" is not a valid protocol or protocol field."),
                        (i, len),
                    ));
                }
                out.push(Token {
                    tok: Tok::Word(name.to_owned()),
                    at: i,
                    len,
                });
                i += len;
                continue;
            }
            if !text[i..].starts_with("..") {
                return Err(FilterError::at(
                    "\".\" was unexpected in this context.",
                    (i, 1),
                ));
            }
            // `..`, between a range's ends.
            out.push(Token {
                tok: Tok::Punct(".."),
                at: i,
                len: 2,
            });
            i += 2;
            continue;
        }
        if word_char(c) {
            let start = i;
            while i < text.len()
                && word_char(char::from(bytes[i]))
                && bytes[i].is_ascii()
                && !text[i..].starts_with("..")
            {
                i += 1;
            }
            // A word does not end with a dot: `80.` is `80` and a stray `.`.
            if text[start..i].ends_with('.') && i - start > 1 {
                i -= 1;
            }
            // A sign before a `.name` is a sign (`-.5` is minus the field `5`).
            if text[start..].starts_with("-.") {
                i = start + 1;
            }
            // Only an address, a byte string or a mask holds `:` or `/`:
            // the word ends where Wireshark's scanner ends it (`80:2` is `80` and `:2`,
            // `10.0.0.0/x` is `10.0.0.0`, `/` and `x`).
            let word = &text[start..i];
            if word.contains([':', '/']) {
                let sign = usize::from(word.starts_with('-'));
                let len = match scanned_len(&word[sign..]) {
                    // A lone `:` is no token of the language.
                    0 if word[sign..].starts_with(':') => {
                        return Err(FilterError::at(
                            "\":\" was unexpected in this context.",
                            (start + sign, 1),
                        ))
                    }
                    // A lone `/`: division.
                    0 => 1,
                    n => sign + n,
                };
                i = start + len;
            }
            out.push(Token {
                tok: Tok::Word(text[start..i].to_owned()),
                at: start,
                len: i - start,
            });
            continue;
        }
        let message = if c.is_ascii_graphic() {
            format!("\"{c}\" was unexpected in this context.")
        } else {
            "Non-printable ASCII characters may only appear inside double-quotes.".to_owned()
        };
        // One byte, as Wireshark's scanner reads it.
        return Err(FilterError::at(message, (i, 1)));
    }
    Ok(())
}

/// How long a word that starts `word` is by Wireshark 4.0's scanner, which takes the longest
/// of: a name or number (`[[:alnum:]_][[:alnum:]_-]*(\.[[:alnum:]_-]+)*`), an Ethernet
/// address, an IPv4 or IPv6 address with an optional mask, a byte string (`aa:bb`, `aa.bb`,
/// `aa-bb`, optionally after a `:`), or `:` and hex digits. 0 when none of them starts it.
fn scanned_len(word: &str) -> usize {
    let b = word.as_bytes();
    [
        name_len(b),
        mac_len(b),
        ipv4_len(b).map_or(0, |n| n + prefix_len(&b[n..], 2)),
        ipv6_len(b).map_or(0, |n| n + prefix_len(&b[n..], 3)),
        match bytes_len(b.strip_prefix(b":").unwrap_or(b)) {
            0 => 0,
            n => n + usize::from(b.first() == Some(&b':')),
        },
        match b.strip_prefix(b":") {
            Some(rest) => match rest.iter().take_while(|c| c.is_ascii_hexdigit()).count() {
                0 => 0,
                n => n + 1,
            },
            None => 0,
        },
    ]
    .into_iter()
    .max()
    .unwrap_or(0)
}

/// A name or number: `[[:alnum:]_][[:alnum:]_-]*(\.[[:alnum:]_-]+)*`.
fn name_len(b: &[u8]) -> usize {
    let part = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-');
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        return 0;
    }
    let mut n = b.iter().take_while(|c| part(c)).count();
    while b.get(n) == Some(&b'.') {
        let more = b[n + 1..].iter().take_while(|c| part(c)).count();
        if more == 0 {
            break;
        }
        n += 1 + more;
    }
    n
}

/// An Ethernet address: six pairs of hex digits joined by `:`, `-` or `.`, or three
/// fours joined by `.`.
fn mac_len(b: &[u8]) -> usize {
    let hex = |from: usize, n: usize| {
        b.get(from..from + n)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    };
    let six = [b':', b'-', b'.']
        .iter()
        .any(|&sep| (0..6).all(|k| hex(k * 3, 2) && (k == 5 || b.get(k * 3 + 2) == Some(&sep))));
    if six {
        17
    } else if (0..3).all(|k| hex(k * 5, 4) && (k == 2 || b.get(k * 5 + 4) == Some(&b'.'))) {
        14
    } else {
        0
    }
}

/// The longest decimal octet (`0`–`255`, no leading zero) that starts `b`.
fn octet_len(b: &[u8]) -> usize {
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count().min(3);
    (1..=digits)
        .rev()
        .find(|&n| {
            let d = &b[..n];
            (n == 1 || d[0] != b'0')
                && std::str::from_utf8(d)
                    .ok()
                    .and_then(|s| s.parse::<u16>().ok())
                    .is_some_and(|v| v <= 255)
        })
        .unwrap_or(0)
}

/// The longest IPv4 address (four decimal octets) that starts `b`.
fn ipv4_len(b: &[u8]) -> Option<usize> {
    let mut n = 0;
    for k in 0..4 {
        if k > 0 {
            if b.get(n) != Some(&b'.') {
                return None;
            }
            n += 1;
        }
        let len = octet_len(&b[n..]);
        // Only the last octet may stop short of its digits (a dot must follow the others).
        let run = b[n..].iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 || (k < 3 && len != run) {
            return None;
        }
        n += len;
    }
    Some(n)
}

/// The longest IPv6 address (RFC 3986's `IPv6address`) that starts `b`.
fn ipv6_len(b: &[u8]) -> Option<usize> {
    let run = b
        .iter()
        .take_while(|c| c.is_ascii_hexdigit() || matches!(c, b':' | b'.'))
        .count();
    (2..=run).rev().find(|&n| is_ipv6(&b[..n]))
}

fn is_ipv6(b: &[u8]) -> bool {
    let text = match std::str::from_utf8(b) {
        Ok(t) => t,
        Err(_) => return false,
    };
    // Groups of one to four hex digits; an IPv4 address may end the address, as two.
    let groups = |part: &str, last: bool| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        let pieces: Vec<&str> = part.split(':').collect();
        let mut count = 0;
        for (k, piece) in pieces.iter().enumerate() {
            let ends = k + 1 == pieces.len();
            if (1..=4).contains(&piece.len()) && piece.bytes().all(|c| c.is_ascii_hexdigit()) {
                count += 1;
            } else if last && ends && ipv4_len(piece.as_bytes()) == Some(piece.len()) {
                count += 2;
            } else {
                return None;
            }
        }
        Some(count)
    };
    match text.split_once("::") {
        Some((left, right)) => {
            !right.contains("::")
                && matches!(
                    (groups(left, false), groups(right, true)),
                    (Some(l), Some(r)) if l + r <= 7
                )
        }
        None => groups(text, true) == Some(8),
    }
}

/// A mask after an address: `/` and one to `max` digits (0 when none follows).
fn prefix_len(b: &[u8], max: usize) -> usize {
    match b.strip_prefix(b"/") {
        Some(rest) => match rest
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count()
        {
            0 => 0,
            n => n + 1,
        },
        None => 0,
    }
}

/// The longest byte string of two or more pairs of hex digits joined by one of `:`, `.`,
/// `-` that starts `b`.
fn bytes_len(b: &[u8]) -> usize {
    let pair = |at: usize| {
        b.get(at..at + 2)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    };
    [b':', b'.', b'-']
        .iter()
        .map(|&sep| {
            if !pair(0) {
                return 0;
            }
            let mut n = 2;
            while b.get(n) == Some(&sep) && pair(n + 1) {
                n += 3;
            }
            if n > 2 {
                n
            } else {
                0
            }
        })
        .max()
        .unwrap_or(0)
}

/// Where the character constant whose opening quote is at `start` ends (past its closing
/// quote): a backslash keeps the character after it from ending it.
fn char_end(text: &str, start: usize) -> Result<usize, FilterError> {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => return Ok(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    Err(FilterError::at(
        "The final quote was missing from a character constant.",
        (text.len(), 1),
    ))
}

/// The value of a character constant, `s` as written with its quotes, read as Wireshark 4.0
/// reads one (`parse_charconst`), its refusals included: `'\n'` is refused there as too long,
/// and so is it here.
fn char_value(s: &str) -> Result<u32, String> {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let invalid = || format!("{s} isn't a valid character constant.");
    let hex = |c: u8| char::from(c).to_digit(16);
    let octal = |c: u8| char::from(c).to_digit(8);
    if at(1) == b'\'' {
        return Err("Empty character constant.".to_owned());
    }
    let (value, cp) = if at(1) == b'\\' {
        match at(2) {
            b'a' => (7, 3),
            b'b' => (8, 3),
            b'f' => (12, 3),
            // Wireshark 4.0 does not step past the `n`.
            b'n' => (10, 2),
            b'r' => (13, 3),
            b't' => (9, 3),
            b'v' => (11, 3),
            c @ (b'\'' | b'\\' | b'"') => (u32::from(c), 3),
            b'x' => {
                let mut value = hex(at(3)).ok_or_else(invalid)?;
                let mut cp = 4;
                if at(4) != b'\'' {
                    value = (value << 4) | hex(at(4)).ok_or_else(invalid)?;
                    cp = 5;
                }
                (value, cp)
            }
            b'u' | b'U' => {
                let invalid = || format!("{s} is not a valid universal character name");
                let (value, len) = universal(&b[1..]).ok_or_else(invalid)?;
                (value, 1 + len)
            }
            c => {
                let mut value = octal(c).ok_or_else(invalid)?;
                let mut cp = 2;
                for _ in 0..2 {
                    if at(cp + 1) == b'\'' {
                        break;
                    }
                    cp += 1;
                    value = (value << 3) | octal(at(cp)).ok_or_else(invalid)?;
                }
                if value > 0xff {
                    return Err(format!(
                        "{s} is too large to be a valid character constant."
                    ));
                }
                (value, cp + 1)
            }
        }
    } else {
        let c = at(1);
        if !(0x20..0x7f).contains(&c) {
            // A C `char`, signed: a byte past 0x7f is shown sign-extended.
            let shown = i64::from(c as i8) as u64;
            return Err(format!(
                "Non-printable value '0x{shown:02x}' in character constant."
            ));
        }
        (u32::from(c), 2)
    };
    if at(cp) != b'\'' || cp + 1 != b.len() {
        return Err(format!("{s} is too long to be a valid character constant."));
    }
    Ok(value)
}

/// The raw string whose opening quote is at `start`: its bytes as written, and where it
/// ends. A backslash keeps the character after it from ending the string.
fn raw_string(text: &str, start: usize) -> Result<(Vec<u8>, usize), FilterError> {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Ok((bytes[start + 1..i].to_vec(), i + 1)),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    Err(FilterError::at(
        "The final quote was missing from a quoted string.",
        (text.len(), 1),
    ))
}

/// The value of the universal character name (`\u00e9`, `\U0001F600`) that starts `b` (its
/// backslash), and its length, as Wireshark 4.0 reads one (`parse_universal_character_name`):
/// four or eight hex digits, then any more; not a character of the basic set but `$`, `@`
/// and `` ` `` (below 0xA0), a surrogate, nor past 0x10FFFF.
fn universal(b: &[u8]) -> Option<(u32, usize)> {
    let digits = match b.get(1) {
        Some(b'u') => 4,
        Some(b'U') => 8,
        _ => return None,
    };
    if b.len() < 2 + digits || !b[2..2 + digits].iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let run = b[2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
    let value = u64::from_str_radix(std::str::from_utf8(&b[2..2 + run]).ok()?, 16).ok()?;
    let value = u32::try_from(value).ok()?;
    let basic = value < 0xA0 && ![0x24, 0x40, 0x60].contains(&value);
    if basic || (0xD800..=0xDFFF).contains(&value) || value > 0x10FFFF {
        return None;
    }
    Some((value, 2 + run))
}

/// The quoted string starting at `start` (its opening quote): its bytes with the escapes
/// read as Wireshark 4.0's scanner reads them (`\a \b \f \n \r \t \v \\ \' \"`, `\x` and one
/// or two hex digits, `\` and one to three octal digits, `\u` and four hex digits, `\U` and
/// eight, as UTF-8), its refusals included, and where it ends.
fn string(text: &str, start: usize) -> Result<(Vec<u8>, usize), FilterError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start + 1;
    let run = |from: usize, max: usize, digit: fn(&u8) -> bool| {
        bytes[from.min(bytes.len())..]
            .iter()
            .take(max)
            .take_while(|c| digit(c))
            .count()
    };
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Ok((out, i + 1)),
            b'\\' => {
                let Some(&e) = bytes.get(i + 1) else {
                    // Wireshark passes over a last backslash and points at it.
                    return Err(FilterError::at(
                        "The final quote was missing from a quoted string.",
                        (text.len() - 1, 1),
                    ));
                };
                let (len, value): (usize, Vec<u8>) = match e {
                    b'0'..=b'7' => {
                        let n = run(i + 1, 3, |c| (b'0'..=b'7').contains(c));
                        let token = &text[i..i + 1 + n];
                        let v = u32::from_str_radix(&token[1..], 8).unwrap_or(0);
                        let v = u8::try_from(v).map_err(|_| {
                            FilterError::at(format!("{token} is larger than 255."), (i, 1 + n))
                        })?;
                        (1 + n, vec![v])
                    }
                    b'x' if run(i + 2, 2, u8::is_ascii_hexdigit) > 0 => {
                        let n = run(i + 2, 2, u8::is_ascii_hexdigit);
                        let v = u8::from_str_radix(&text[i + 2..i + 2 + n], 16).unwrap_or(0);
                        (2 + n, vec![v])
                    }
                    b'u' | b'U' => {
                        let max = if e == b'u' { 4 } else { 8 };
                        let token = &text[i..i + 2 + run(i + 2, max, u8::is_ascii_hexdigit)];
                        let c = universal(token.as_bytes())
                            .and_then(|(v, _)| char::from_u32(v))
                            .ok_or_else(|| {
                                FilterError::at(
                                    format!("{token} is not a valid universal character name"),
                                    (i, token.len()),
                                )
                            })?;
                        (token.len(), c.to_string().into_bytes())
                    }
                    b'a' => (2, vec![7]),
                    b'b' => (2, vec![8]),
                    b'f' => (2, vec![12]),
                    b'n' => (2, vec![b'\n']),
                    b'r' => (2, vec![b'\r']),
                    b't' => (2, vec![b'\t']),
                    b'v' => (2, vec![11]),
                    b'\\' | b'\'' | b'"' => (2, vec![e]),
                    _ => {
                        let c = text[i + 1..].chars().next().unwrap_or('?');
                        return Err(FilterError::at(
                            format!("\\{c} is not a valid character escape sequence"),
                            // (Wireshark marks the backslash and one byte.)
                            (i, 2),
                        ));
                    }
                };
                out.extend(value);
                i += len;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Wireshark points just past the end, where the quote should be.
    Err(FilterError::at(
        "The final quote was missing from a quoted string.",
        (text.len(), 1),
    ))
}
