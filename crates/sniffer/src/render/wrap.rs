//! Fitting text to a terminal: its width, and lines wrapped at spaces only.
//!
//! Everything printed here is made of tokens that must stay whole — a number, an address, a
//! port, `[SYN, ACK]`'s parts, `TSval=2246718674`, `SYN_RECEIVED` — so lines break only at
//! spaces, never at `-`, `/` or `=` as general line-breaking rules would. A token longer than
//! a whole line (an address wider than the terminal) is the one thing cut, so that no line is
//! ever wider than the width.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

/// The width of the terminal behind a file descriptor (1 for stdout, 2 for stderr), if it is
/// one.
pub fn terminal_width(fd: i32) -> Option<usize> {
    // SAFETY: winsize is plain data; TIOCGWINSZ only writes into it, and fails harmlessly on
    // a descriptor that is not a terminal.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// Columns a string takes on a terminal (escape sequences for colour take none).
pub fn width(text: &str) -> usize {
    textwrap::core::display_width(text)
}

/// Columns a plain string (no escape sequences) takes.
pub fn plain_width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` in lines of at most `width` columns, broken at spaces only; `None` is no limit.
pub fn lines(text: &str, width: Option<usize>) -> Vec<String> {
    hanging(text, width, "", "")
}

/// `text` wrapped at spaces into lines of at most `width` columns, the first line starting
/// with `first` and the others with `rest` (a hanging indent).
pub fn hanging(text: &str, width: Option<usize>, first: &str, rest: &str) -> Vec<String> {
    let Some(width) = width else {
        return vec![format!("{first}{text}")];
    };
    let options = textwrap::Options::new(width.max(1))
        .initial_indent(first)
        .subsequent_indent(rest)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit)
        .break_words(true);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

/// Prints a program's error on stderr: one line, wrapped at spaces (and indented after the
/// first line) only where stderr is a terminal narrower than the message, so that the
/// terminal does not cut it inside a word.
pub fn report_error(program: &str, message: &str) {
    let text = format!("{program}: {message}");
    let mut err = io::stderr().lock();
    let _ = write_hanging(&mut err, &text, terminal_width(2), "", "  ");
}

/// Writes `text` with a hanging indent (see [`hanging`]), a line at a time.
pub fn write_hanging(
    out: &mut impl Write,
    text: &str,
    width: Option<usize>,
    first: &str,
    rest: &str,
) -> io::Result<()> {
    for line in hanging(text, width, first, rest) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_only_at_spaces() {
        let info = "12345 → 45150 [SYN, ACK] Seq=0 Ack=1 Win=65483 Len=0 MSS=65495 SACK_PERM \
                    TSval=3447048773 TSecr=2246718674 WS=1024";
        for width in 20..=120 {
            let got = lines(info, Some(width));
            assert!(got.iter().all(|l| width_of(l) <= width), "{width}: {got:?}");
            assert_eq!(got.join(" "), info, "{width}: nothing lost, nothing split");
        }
        // Never at a hyphen or a slash.
        assert_eq!(
            lines("handshake 2/3 SYN-ACK", Some(14)),
            ["handshake 2/3", "SYN-ACK"]
        );
    }

    #[test]
    fn a_token_wider_than_the_line_is_cut_to_fit() {
        let got = lines("2001:db8:85a3:8d3:1319:8a2e:370:7348", Some(10));
        assert!(got.iter().all(|l| width_of(l) <= 10), "{got:?}");
        assert_eq!(got.concat(), "2001:db8:85a3:8d3:1319:8a2e:370:7348");
    }

    #[test]
    fn hanging_indent_and_colour() {
        let got = hanging(
            "the server closed first \x1b[32m✓\x1b[0m",
            Some(20),
            "  Close      ",
            "             ",
        );
        assert_eq!(
            got,
            [
                "  Close      the",
                "             server",
                "             closed",
                "             first \x1b[32m✓\x1b[0m"
            ]
        );
        assert!(got.iter().all(|l| width(l) <= 20));
    }

    fn width_of(s: &str) -> usize {
        width(s)
    }
}
