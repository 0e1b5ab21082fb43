//! The tokens of a display filter, each with where it stands in the expression.

use super::FilterError;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    /// A word: a field or protocol name, a number, an address, a byte string, a keyword.
    Word(String),
    /// A quoted string, its escapes read.
    Str(Vec<u8>),
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
pub(super) fn tokens(text: &str) -> Result<Vec<Token>, FilterError> {
    const PUNCTS: [&str; 24] = [
        "===", "!==", "==", "!=", "~=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "{", "}",
        ",", "&", "[", "]", "#", "+", "*", "%",
    ];
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c == '"' {
            let (value, end) = string(text, i)?;
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
                if crate::tree::field(name).is_none() {
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
        return Err(FilterError::at(message, (i, c.len_utf8())));
    }
    Ok(out)
}

/// The quoted string starting at `start` (its opening quote): its bytes with the escapes
/// read (`\"`, `\\`, `\n`, `\t`, `\r`, `\xhh`, `\ooo`), and where it ends.
fn string(text: &str, start: usize) -> Result<(Vec<u8>, usize), FilterError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Ok((out, i + 1)),
            b'\\' => {
                let Some(&e) = bytes.get(i + 1) else { break };
                match e {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'x' => {
                        let hex = text.get(i + 2..i + 4).unwrap_or("");
                        let v = u8::from_str_radix(hex, 16).map_err(|_| {
                            FilterError::at("Invalid escape sequence in string.", (i, 2))
                        })?;
                        out.push(v);
                        i += 2;
                    }
                    b'0'..=b'7' => {
                        let oct = text.get(i + 1..i + 4).unwrap_or("");
                        let v = u8::from_str_radix(oct, 8).map_err(|_| {
                            FilterError::at("Invalid escape sequence in string.", (i, 2))
                        })?;
                        out.push(v);
                        i += 2;
                    }
                    other => out.push(other),
                }
                i += 2;
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
