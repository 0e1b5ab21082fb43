//! The shape of an expression alone, as Wireshark 4.0's grammar reads it, without what its
//! names and literals mean.
//!
//! Wireshark parses a whole expression before it checks a single name or literal, so a
//! syntax error anywhere is reported before a bad literal that comes earlier:
//! `tcp.port == foo and )` is refused for its `)`, not for `foo`. The compiler
//! ([`super::parse`]) reads and checks in one pass; when it refuses a name or a literal, this
//! reader looks for a syntax error after it (see [`first_error`]).
//!
//! It follows `grammar.lemon` (Wireshark 4.0): `or` below `and` below `not`; a relation
//! is an arithmetic expression, optionally compared (comparisons chain), or an entity with
//! `contains`, `matches`, `in` or `not in`; `any` or `all` only before a relation;
//! arithmetic is `&` below `+ -` below `* / %`, with a sign only before an entity, and
//! `{…}` for grouping. Where it is unsure (inside a slice's or a layer's brackets) it gives
//! up rather than guess, and the compiler's own answer stands.

use super::lex::{Tok, Token};
use super::FilterError;

/// A token's part in the grammar.
#[derive(Clone, Copy, Debug, PartialEq)]
enum K {
    And,
    Or,
    Not,
    Cmp,
    Contains,
    Matches,
    In,
    Any,
    All,
    BitAnd,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    LParen,
    RParen,
    LBrace,
    RBrace,
    Comma,
    LBracket,
    RBracket,
    Hash,
    DotDot,
    Dollar,
    /// A name, a number, an address, a quoted string: anything an entity may be.
    Atom,
    Other,
}

fn kind(tok: &Tok) -> K {
    match tok {
        Tok::Str(_) | Tok::Char(..) => K::Atom,
        Tok::Punct(p) => match *p {
            "&&" => K::And,
            "||" => K::Or,
            "!" => K::Not,
            "==" | "!=" | "===" | "!==" | "~=" | "<" | "<=" | ">" | ">=" => K::Cmp,
            "+" => K::Plus,
            "*" => K::Star,
            "%" => K::Percent,
            "&" => K::BitAnd,
            "(" => K::LParen,
            ")" => K::RParen,
            "{" => K::LBrace,
            "}" => K::RBrace,
            "," => K::Comma,
            "[" => K::LBracket,
            "]" => K::RBracket,
            "#" => K::Hash,
            ".." => K::DotDot,
            "$" => K::Dollar,
            _ => K::Other,
        },
        Tok::Word(w) => match w.as_str() {
            "and" => K::And,
            "or" => K::Or,
            "not" => K::Not,
            "eq" | "any_eq" | "ne" | "all_ne" | "all_eq" | "any_ne" | "gt" | "ge" | "lt" | "le" => {
                K::Cmp
            }
            "contains" => K::Contains,
            "matches" | "~" => K::Matches,
            "in" => K::In,
            "any" => K::Any,
            "all" => K::All,
            "bitwise_and" => K::BitAnd,
            "-" => K::Minus,
            "/" => K::Slash,
            _ => K::Atom,
        },
    }
}

/// Why reading stopped: a syntax error, or a place this reader does not judge.
enum Stop {
    Error(FilterError),
    Unsure,
}

struct Reader<'a> {
    tokens: &'a [Token],
    /// Each token's part; a word that starts with a sign (`-3`) is read as the sign, then
    /// the rest, as Wireshark's scanner splits it.
    kinds: Vec<(K, usize)>,
    i: usize,
}

/// The first syntax error of `tokens` (an expression's, or the part of it read before a
/// scanning error), as Wireshark words it; `None` when there is none or this reader cannot
/// tell. An expression cut short by a scanning error ends early, so its "Unexpected end"
/// is no error of the expression's and is not returned.
pub(super) fn first_error(tokens: &[Token], whole: bool) -> Option<FilterError> {
    let mut kinds = Vec::new();
    for (n, t) in tokens.iter().enumerate() {
        match &t.tok {
            Tok::Word(w) if w.len() > 1 && w.starts_with('-') => {
                kinds.push((K::Minus, n));
                kinds.push((K::Atom, n));
            }
            tok => kinds.push((kind(tok), n)),
        }
    }
    let mut r = Reader {
        tokens,
        kinds,
        i: 0,
    };
    if r.kinds.is_empty() {
        return None;
    }
    let result = r.expr().and_then(|()| match r.i < r.kinds.len() {
        true => Err(r.unexpected()),
        false => Ok(()),
    });
    match result {
        Err(Stop::Error(e)) if whole || e.span.is_some() => Some(e),
        _ => None,
    }
}

/// Wireshark's refusal of a call to a function it does not have (`foo(1)`, `tcp.port(1)`),
/// which it gives as it parses the call's closing parenthesis: unless the expression has a
/// syntax error before that, the first such call's refusal is the expression's.
/// `functions` are the names of the functions there are.
pub(super) fn unknown_function(tokens: &[Token], functions: &[&str]) -> Option<FilterError> {
    let call = tokens.windows(2).position(|pair| {
        matches!(&pair[0].tok, Tok::Word(w) if kind(&pair[0].tok) == K::Atom
            && !w.starts_with('-')
            && !functions.contains(&w.as_str()))
            && pair[1].tok == Tok::Punct("(")
    })?;
    let mut depth = 0usize;
    let close = tokens[call + 1..].iter().position(|t| {
        match t.tok {
            Tok::Punct("(") => depth += 1,
            Tok::Punct(")") => depth -= 1,
            _ => {}
        }
        depth == 0
    })? + call
        + 1;
    if let Some(e) = first_error(&tokens[..=close], false) {
        return Some(e);
    }
    let name = &tokens[call];
    let Tok::Word(w) = &name.tok else {
        return None;
    };
    Some(FilterError::at(
        format!("Function '{w}' does not exist"),
        (name.at, name.len),
    ))
}

impl Reader<'_> {
    fn peek(&self) -> Option<K> {
        self.kinds.get(self.i).map(|k| k.0)
    }

    /// The error at the current token, or at the end.
    fn unexpected(&self) -> Stop {
        let Some(&(k, n)) = self.kinds.get(self.i) else {
            return Stop::Error(FilterError::end());
        };
        let t = &self.tokens[n];
        let text = match (&t.tok, k) {
            // The sign of a word such as `-3`.
            (Tok::Word(_), K::Minus) => "-".to_owned(),
            (Tok::Word(w), _) if w.starts_with('-') && w.len() > 1 => {
                return Stop::Error(FilterError::at(
                    format!("\"{}\" was unexpected in this context.", &w[1..]),
                    (t.at + 1, t.len - 1),
                ))
            }
            (tok, _) => super::parse::shown(tok),
        };
        let len = if k == K::Minus { 1 } else { t.len };
        Stop::Error(FilterError::at(
            format!("\"{text}\" was unexpected in this context."),
            (t.at, len),
        ))
    }

    fn expect(&mut self, k: K) -> Result<(), Stop> {
        if self.peek() == Some(k) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expr(&mut self) -> Result<(), Stop> {
        self.chain(K::Or, Self::and)
    }

    fn and(&mut self) -> Result<(), Stop> {
        self.chain(K::And, Self::not)
    }

    /// `part (op part)*`.
    fn chain(&mut self, op: K, part: fn(&mut Self) -> Result<(), Stop>) -> Result<(), Stop> {
        part(self)?;
        while self.peek() == Some(op) {
            self.i += 1;
            part(self)?;
        }
        Ok(())
    }

    fn not(&mut self) -> Result<(), Stop> {
        match self.peek() {
            Some(K::Not) => {
                self.i += 1;
                self.not()
            }
            Some(K::LParen) => {
                self.i += 1;
                self.expr()?;
                self.expect(K::RParen)
            }
            _ => self.relation(),
        }
    }

    fn relation(&mut self) -> Result<(), Stop> {
        let quantified = matches!(self.peek(), Some(K::Any | K::All));
        if quantified {
            self.i += 1;
        }
        let plain = self.arith(1)?;
        match self.peek() {
            Some(K::Cmp) => {
                while self.peek() == Some(K::Cmp) {
                    self.i += 1;
                    self.arith(1)?;
                }
                Ok(())
            }
            Some(K::Contains | K::Matches) if plain => {
                self.i += 1;
                self.entity()
            }
            Some(K::In) if plain => {
                self.i += 1;
                self.set()
            }
            Some(K::Not) if plain => {
                self.i += 1;
                self.expect(K::In)?;
                self.set()
            }
            Some(K::Contains | K::Matches | K::In | K::Not) => Err(self.unexpected()),
            // An entity or arithmetic alone: a test of presence, but not after any/all.
            _ if quantified => Err(self.unexpected()),
            _ => Ok(()),
        }
    }

    /// Arithmetic of operators binding at least as tightly as `level` (1: `&`, 2: `+ -`,
    /// 3: `* / %`); whether it was a lone entity.
    fn arith(&mut self, level: u8) -> Result<bool, Stop> {
        let mut plain = self.unary()?;
        loop {
            let binds = match self.peek() {
                Some(K::BitAnd) => 1,
                Some(K::Plus | K::Minus) => 2,
                Some(K::Star | K::Slash | K::Percent) => 3,
                _ => return Ok(plain),
            };
            if binds < level {
                return Ok(plain);
            }
            self.i += 1;
            self.arith(binds + 1)?;
            plain = false;
        }
    }

    fn unary(&mut self) -> Result<bool, Stop> {
        match self.peek() {
            Some(K::Plus | K::Minus) => {
                self.i += 1;
                self.entity()?;
                Ok(false)
            }
            Some(K::LBrace) => {
                self.i += 1;
                self.arith(1)?;
                self.expect(K::RBrace)?;
                Ok(false)
            }
            _ => {
                self.entity()?;
                Ok(true)
            }
        }
    }

    /// A literal, a field (with a layer), a function call, a field reference, each with
    /// any slices after it.
    fn entity(&mut self) -> Result<(), Stop> {
        match self.peek() {
            Some(K::Atom) => {
                let word = matches!(self.tokens[self.kinds[self.i].1].tok, Tok::Word(_));
                self.i += 1;
                match self.peek() {
                    Some(K::LParen) if word => {
                        self.i += 1;
                        if self.peek() == Some(K::RParen) {
                            self.i += 1;
                        } else {
                            loop {
                                self.arith(1)?;
                                if self.peek() != Some(K::Comma) {
                                    break;
                                }
                                self.i += 1;
                            }
                            self.expect(K::RParen)?;
                        }
                    }
                    Some(K::Hash) if word => self.layer()?,
                    _ => {}
                }
            }
            Some(K::Dollar) => {
                self.i += 1;
                self.expect(K::LBrace)?;
                if self.peek() != Some(K::Atom) {
                    return Err(self.unexpected());
                }
                self.i += 1;
                if self.peek() == Some(K::Hash) {
                    self.layer()?;
                }
                self.expect(K::RBrace)?;
            }
            _ => return Err(self.unexpected()),
        }
        while self.peek() == Some(K::LBracket) {
            self.brackets()?;
        }
        Ok(())
    }

    fn layer(&mut self) -> Result<(), Stop> {
        self.i += 1;
        match self.peek() {
            Some(K::LBracket) => self.brackets(),
            Some(K::Atom) => {
                self.i += 1;
                Ok(())
            }
            _ => Err(Stop::Unsure),
        }
    }

    /// A slice's or a layer's brackets: skipped whole (their words are read by the
    /// compiler, which words their errors).
    fn brackets(&mut self) -> Result<(), Stop> {
        self.i += 1;
        let mut inside = 0;
        while let Some(k) = self.peek() {
            self.i += 1;
            if k == K::RBracket {
                return if inside > 0 {
                    Ok(())
                } else {
                    Err(Stop::Unsure)
                };
            }
            inside += 1;
        }
        Err(Stop::Unsure)
    }

    fn set(&mut self) -> Result<(), Stop> {
        self.expect(K::LBrace)?;
        loop {
            self.set_entity()?;
            if self.peek() == Some(K::DotDot) {
                self.i += 1;
                self.set_entity()?;
            }
            match self.peek() {
                Some(K::Comma) => self.i += 1,
                Some(K::RBrace) => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn set_entity(&mut self) -> Result<(), Stop> {
        if matches!(self.peek(), Some(K::Plus | K::Minus)) {
            self.i += 1;
        }
        self.entity()
    }
}
