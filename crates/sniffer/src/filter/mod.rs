//! Display filters: Wireshark 4.0's filter language over the field tree (`-Y 'tcp.port ==
//! 12345'`). An expression is compiled once against the field registry — names checked,
//! literals read as the type of the field they are compared with — into [`DisplayFilter`],
//! then tested on each packet's [`Tree`](crate::tree::Tree), built with only the layers the
//! filter names ([`DisplayFilter::selection`]).
//!
//! A listing that shows no stream numbers first asks the filter's [`Prefilter`] about each
//! frame's first bytes, and decodes only the frames it admits (see [`prefilter`]'s docs for
//! why that changes nothing in the rows shown).
//!
//! Errors are worded as Wireshark words them, with the place they point at (see
//! [`FilterError`]), and come in Wireshark's order: words are split where its scanner splits
//! them ([`lex`]), and a syntax error anywhere in the expression comes before a refused name
//! or literal ([`syntax`]).
//!
//! Covered: a field or protocol alone (present or not); `==`, `!=`, `===`, `!==`/`~=`, `<`,
//! `<=`, `>`, `>=` and their word forms; `and`/`or`/`not` and `&&`/`||`/`!` with
//! parentheses; `in {…}` with values, ranges and fields; `contains` (a literal or a field's
//! values); `matches` or `~` (a regular
//! expression, regardless of case unless it says `(?-i)`); the functions `len()`, `count()`, `upper()`, `lower()` and
//! `string()`; arithmetic (`+ - * / %`, unary minus, `{…}` for grouping) and `max()`,
//! `min()`, `abs()` over integer, float and time fields (see [`arith`]); slices
//! (`eth.src[0:3]`, joined: `frame[12:2,14]`; one that does not fit is empty) and the bitwise
//! `&` (on integers, on bytes as long as the shorter side, on addresses; a mask may be a
//! field's values; alone, true when some value is not zero, as any arithmetic alone); `any` and `all` before a
//! relation; macros and field references (`${name:arg}`, `${tcp.port}`, see [`macros`]); the layer operator (`ip.src#2`, `ip.addr#[1-2]`:
//! a field from some of its protocol's headers). A field compared with a field of a type
//! Wireshark does not compare it with is refused.
//! Literals: integers (decimal, hex, octal, binary), floats, quoted strings with escapes (and
//! raw ones, `r"…"`), byte
//! strings (`aa:bb:cc`, `7765.6c63`), IPv4 and IPv6 addresses with CIDR masks, Ethernet
//! addresses, `True` and `False`, relative and absolute times, exact to the nanosecond (see
//! [`time`]), and a field's value names (`ip.proto == TCP`, `tcp.flags.syn == Set`); the
//! names of protocols Wireshark dissects and the tree does not are fields to the checks, and
//! a filter that names one is refused (see [`names`]). Repeated fields follow Wireshark 4.0: `==` is true when any occurrence
//! equals, `!=` when none does, `===` when all do, `!==` when any differs; `all` makes any
//! relation hold only when it holds of every value (`all tcp.port < 1024`), `any` when it
//! holds of one. `!=`, `===` and `all` hold of no value at all (arithmetic without one) and
//! of a value that cannot be compared (an unsigned field and a negative number), but fail,
//! as every relation does, when a field they read is absent.

mod arith;
mod eval;
mod lex;
mod macros;
mod names;
mod parse;
pub mod prefilter;
mod syntax;
mod time;

pub use parse::DisplayFilter;
pub use prefilter::Prefilter;

/// A filter Wireshark would refuse: its message, worded as Wireshark's, and the part of the
/// expression it points at (byte offset and length), if it points at one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    pub message: String,
    pub span: Option<(usize, usize)>,
    /// The expression with its macros expanded, which `span` points into, when they
    /// changed it (tshark shows that expression under the message).
    pub expanded: Option<String>,
    /// Found while the expression is parsed (see [`FilterError::found_parsing`]).
    parsing: bool,
}

impl FilterError {
    fn at(message: impl Into<String>, span: (usize, usize)) -> FilterError {
        FilterError {
            message: message.into(),
            span: Some(span),
            expanded: None,
            parsing: false,
        }
    }

    /// [`FilterError::at`] for an error Wireshark finds while it parses (a slice's range).
    fn parsing_at(message: impl Into<String>, span: (usize, usize)) -> FilterError {
        FilterError {
            parsing: true,
            ..FilterError::at(message, span)
        }
    }

    /// Whether Wireshark finds this error while it parses (a token out of place, a missing
    /// end, an unknown function, a layer on what is not a field, a slice's bad range), and
    /// so before any error in what names and literals mean.
    fn found_parsing(&self) -> bool {
        let m = &self.message;
        self.parsing
            || m.ends_with("was unexpected in this context.")
            || m == "Unexpected end of filter expression."
            || (m.starts_with("Function '") && m.ends_with("' does not exist"))
            || m.ends_with(" is not a valid field")
            || (m.starts_with("Range ") && m.contains(" isn't valid because "))
            || m.starts_with("Expected digit or")
            || m.starts_with("At most ")
    }

    fn end() -> FilterError {
        FilterError {
            message: "Unexpected end of filter expression.".to_owned(),
            span: None,
            expanded: None,
            parsing: false,
        }
    }

    /// The message, then (as tshark prints it) the expression and a mark under the part it
    /// points at.
    pub fn render(&self, expression: &str) -> String {
        let expression = self.expanded.as_deref().unwrap_or(expression);
        match self.span {
            Some((start, len)) => {
                // Counted in bytes, as tshark counts them (a non-ASCII character is wider).
                let pad = start.min(expression.len());
                let marks = len.max(1);
                format!(
                    "{}\n    {expression}\n    {}^{}",
                    self.message,
                    " ".repeat(pad),
                    "~".repeat(marks - 1)
                )
            }
            None => self.message.clone(),
        }
    }
}

impl FilterError {
    /// [`FilterError::render`], then, as tshark adds it, a note when the expression is a
    /// valid capture filter (`tcp port 80`): the user may have meant one.
    pub fn report(&self, expression: &str) -> String {
        let mut text = self.render(expression);
        if crate::capture::is_capture_filter(expression) {
            text.push_str(
                "\n  Note: That read filter code looks like a valid capture filter;\n        maybe you mixed them up?",
            );
        }
        text
    }
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FilterError {}

#[cfg(test)]
mod tests;
