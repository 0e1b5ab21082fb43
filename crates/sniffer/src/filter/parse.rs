//! The filter's grammar (Wireshark 4.0's, for what [`super`] covers), read into a tree of
//! tests whose literals are already of their field's type.
//!
//! ```text
//! expr     := and ( ("or" | "||") and )*
//! and      := unary ( ("and" | "&&") unary )*
//! unary    := ("not" | "!") unary | "(" expr ")" | ("any" | "all") test | relation
//! relation := sum [ test ]
//! test     := cmp sum | "contains" value | "matches" string | "in" "{" set "}"
//! sum      := product ( ("+" | "-") product )*
//! product  := atom ( ("*" | "/" | "%") atom )*
//! atom     := "{" sum "}" | ("+" | "-") atom
//!           | ("max" | "min" | "abs") "(" sum ( "," sum )* ")"
//!           | operand | literal
//! operand  := ( field | ("len" | "count" | "upper" | "lower" | "string") "(" field ")" )
//!              [ ( "[" range ( "," range )* "]" )+ ] [ "&" sum ]
//! ```
//!
//! A range is everything between `[` (or `,`) and the next `,` or `]`, one word to the
//! scanner, read as Wireshark's `drange_node_from_str` reads it ([`drange`]).
//!
//! A left side of constants alone is refused, as Wireshark refuses it; a right side may be
//! constant arithmetic (`tcp.len > 10 * 2`), typed as the left side's first field.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::arith::{fold, Arith, Num, Op};
use super::lex::{scan, Tok, Token};
use super::names::known;
use super::FilterError;
use crate::tree::{Field, Kind};

/// A compiled display filter.
#[derive(Debug)]
pub struct DisplayFilter {
    pub(super) root: Test,
    /// Every field the filter names, for callers that build only what is needed.
    pub(super) names: Vec<&'static str>,
}

impl DisplayFilter {
    /// Compiles `text`, or says why Wireshark would refuse it.
    pub fn compile(text: &str) -> Result<DisplayFilter, FilterError> {
        if !text.contains('$') {
            return DisplayFilter::compile_expanded(text);
        }
        // Macros first, as Wireshark expands them before it scans; a field's name in
        // `${…}` (not a protocol's) is a reference, left for the grammar.
        let is_field = |name: &str| {
            crate::tree::field(name).is_some_and(|f| !matches!(f.kind, Kind::Protocol | Kind::Text))
        };
        let expanded = super::macros::expand(text, super::macros::defined(), &is_field).map_err(
            |message| FilterError {
                message,
                span: None,
                expanded: None,
                parsing: false,
            },
        )?;
        DisplayFilter::compile_expanded(&expanded).map_err(|mut e| {
            if expanded != text {
                e.expanded = Some(expanded.clone());
            }
            e
        })
    }

    fn compile_expanded(text: &str) -> Result<DisplayFilter, FilterError> {
        let mut tokens = Vec::new();
        if let Err(e) = scan(text, &mut tokens) {
            // Wireshark scans as it parses: a syntax error before a word it cannot scan
            // is the one it reports.
            return Err(super::syntax::first_error(&tokens, false).unwrap_or(e));
        }
        let functions = [&FUNCTIONS[..], &["max", "min", "abs"]].concat();
        if let Some(e) = super::syntax::unknown_function(&tokens, &functions) {
            return Err(e);
        }
        match DisplayFilter::compile_tokens(text, tokens.clone()) {
            // Wireshark reads the whole expression's syntax before the meaning of its names
            // and literals: a syntax error after a refused literal is the one it reports.
            Err(e) if !e.found_parsing() => Err(super::syntax::first_error(&tokens, true)
                .filter(|s| {
                    // (A syntax error of no place is at the end; a refusal of no place
                    // gives way to any.)
                    let at = |e: &FilterError, none| e.span.map_or(none, |(at, _)| at);
                    at(s, usize::MAX) >= at(&e, 0).min(text.len())
                })
                .unwrap_or(e)),
            other => other,
        }
    }

    fn compile_tokens(text: &str, tokens: Vec<Token>) -> Result<DisplayFilter, FilterError> {
        if tokens.is_empty() {
            return Err(FilterError::end());
        }
        let mut p = Parser {
            tokens,
            i: 0,
            names: Vec::new(),
            end: text.len(),
            other: None,
            in_mask: false,
        };
        let root = p.or()?;
        if let Some(t) = p.tokens.get(p.i) {
            return Err(unexpected(t));
        }
        // Checked as Wireshark checks it, but a protocol no frame here holds.
        if let Some((field, span)) = p.other {
            return Err(FilterError::at(super::names::not_dissected(field), span));
        }
        Ok(DisplayFilter {
            root,
            names: p.names,
        })
    }

    /// The fields the filter names.
    pub fn fields(&self) -> &[&'static str] {
        &self.names
    }

    /// The layers a tree built only to test this filter needs in full: those of the
    /// protocols it names, and every layer after a protocol whose bytes it reads (`tcp[0:2]`,
    /// `len(ip)`, `tcp contains "a"`), which run to the end of what the layers after it
    /// cover. `None` for every layer.
    pub fn selection(&self) -> Option<crate::tree::Selection> {
        let mut read = Vec::new();
        protocols_read(&self.root, &mut read);
        crate::tree::Selection::for_names(&self.names, read)
    }
}

/// Adds to `out` the protocols whose bytes `t` reads (rather than only whether they are
/// there, or how many times).
fn protocols_read(t: &Test, out: &mut Vec<&'static str>) {
    match t {
        Test::Or(a, b) | Test::And(a, b) => {
            protocols_read(a, out);
            protocols_read(b, out);
        }
        Test::Not(t) | Test::All(t) => protocols_read(t, out),
        Test::Exists(_) => {}
        Test::Compare(op, _, _)
        | Test::Contains(op, _)
        | Test::Matches(op, _)
        | Test::NotZero(op)
        | Test::NotEmpty(op) => operand_reads(op, out),
        Test::CompareFields(a, _, b) | Test::ContainsValues(a, b) => {
            operand_reads(a, out);
            operand_reads(b, out);
        }
        Test::In(op, members) => {
            operand_reads(op, out);
            for m in members {
                match m {
                    Member::One(_) | Member::Range(_, _) => {}
                    Member::Field(op) => operand_reads(op, out),
                    Member::Between(a, b) => {
                        for bound in [a, b] {
                            if let Bound::Values(op) = bound {
                                operand_reads(op, out);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Adds to `out` the protocols whose bytes make the values of `op`.
fn operand_reads(op: &Operand, out: &mut Vec<&'static str>) {
    match op {
        Operand::Field(f)
        | Operand::Len(f)
        | Operand::Upper(f)
        | Operand::Lower(f)
        | Operand::Masked(f, _)
        | Operand::String(f) => {
            if f.field.kind == Kind::Protocol {
                out.push(f.field.abbrev);
            }
        }
        Operand::Count(_) => {}
        Operand::Slice(op, _) | Operand::Const(_, op) => operand_reads(op, out),
        Operand::BytesAnd(op, masks) => {
            operand_reads(op, out);
            for m in masks {
                if let Mask::Values(op) = m {
                    operand_reads(op, out);
                }
            }
        }
        Operand::Arith(a) => arith_reads(a, out),
    }
}

/// [`operand_reads`] for arithmetic.
fn arith_reads(a: &Arith, out: &mut Vec<&'static str>) {
    match a {
        Arith::Value(op) => operand_reads(op, out),
        Arith::Lit(_) | Arith::Nothing => {}
        Arith::Neg(a) | Arith::Abs(a) => arith_reads(a, out),
        Arith::Bin(a, _, b) => {
            arith_reads(a, out);
            arith_reads(b, out);
        }
        Arith::Extreme(_, all) => {
            for a in all {
                arith_reads(a, out);
            }
        }
    }
}

/// A comparison's operator, and how it treats a field that occurs more than once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cmp {
    /// `==`: any occurrence equals.
    AnyEq,
    /// `!=`: no occurrence equals.
    AllNe,
    /// `===`: every occurrence equals.
    AllEq,
    /// `!==`, `~=`: some occurrence differs.
    AnyNe,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    /// `==` or `!=` in any of their forms.
    fn is_equality(self) -> bool {
        matches!(self, Cmp::AnyEq | Cmp::AllNe | Cmp::AllEq | Cmp::AnyNe)
    }

    /// The comparison after `any`: `==` and `!=` hold when some value does.
    fn any(self) -> Cmp {
        match self {
            Cmp::AllEq => Cmp::AnyEq,
            Cmp::AllNe => Cmp::AnyNe,
            other => other,
        }
    }

    /// The comparison after `all`: `==` and `!=` hold when every value does.
    fn all(self) -> Cmp {
        match self {
            Cmp::AnyEq => Cmp::AllEq,
            Cmp::AnyNe => Cmp::AllNe,
            other => other,
        }
    }
}

/// The operator a relation's token is, as written, if it is one.
fn relation_word(tok: &Tok) -> Option<String> {
    const WORDS: [&str; 15] = [
        "eq", "any_eq", "ne", "all_ne", "all_eq", "any_ne", "lt", "le", "gt", "ge", "contains",
        "matches", "~", "in", "&",
    ];
    match tok {
        Tok::Punct(p @ ("==" | "!=" | "===" | "!==" | "~=" | "<" | "<=" | ">" | ">=")) => {
            Some((*p).to_owned())
        }
        Tok::Word(w) if WORDS.contains(&w.as_str()) => Some(w.clone()),
        _ => None,
    }
}

/// What a field's values are compared as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Class {
    Int,
    Float,
    /// A relative time, in nanoseconds: exact, as Wireshark's are.
    Time,
    /// An absolute time, in nanoseconds since the epoch.
    Date,
    V4,
    V6,
    Bytes,
    Str,
    /// Present or not only (a text line, a time of day).
    None,
}

/// A literal, of the class of the field it is compared with.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Lit {
    Int(i128),
    Float(f64),
    /// A relative time in nanoseconds.
    Time(i128),
    /// A negative number read as an unsigned type: Wireshark compares only negative values
    /// (arithmetic's) with it, and no other.
    Negative(i128),
    /// An address and the length of its network prefix.
    V4(u32, u8),
    V6(u128, u8),
    Bytes(Vec<u8>),
    Str(String),
}

/// The left side of a relation: a field's values, or a function of them.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Operand {
    Field(FieldRef),
    Len(FieldRef),
    Count(FieldRef),
    Upper(FieldRef),
    Lower(FieldRef),
    /// Some of the bytes of a field's values (`eth.src[0:3]`) or of a function's
    /// (`string(tcp.port)[0]`): in one or more ranges, joined (`frame[12:2,14]`); each
    /// brackets' ranges taken of what the brackets before took (`tcp.payload[0:4][1:2]`).
    Slice(Box<Operand>, Vec<Vec<Slice>>),
    /// A field's value with only the bits of a mask (`tcp.flags & 0x02`).
    Masked(FieldRef, i128),
    /// Bytes (a field's or a slice's) with only the bits of masks, each as long as the
    /// shorter of the two (`eth.src[0] & 0x02`, `eth.src & ff:ff:ff:00:00:00`).
    BytesAnd(Box<Operand>, Vec<Mask>),
    /// A field's value as text (`string(tcp.srcport)`).
    String(FieldRef),
    /// A literal that masks come after, on the right of a comparison (`127.0.0.1 & ip.dst`),
    /// read as the type of the operand it is compared with (the second member), whose
    /// further literals are read so too.
    Const(Lit, Box<Operand>),
    /// Arithmetic over fields and literals, `max()`, `min()`, `abs()`.
    Arith(Box<Arith>),
}

/// A mask of bytes or of an address (`& ff:00`, `& 255.0.0.0`, `& ip.dst`).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Mask {
    /// A literal's bytes (an address's, in network order).
    Bytes(Vec<u8>),
    /// The values of a field (or function) of a compatible type.
    Values(Operand),
}

/// The bytes a slice takes: from `start` (from the end when negative), `len` of them (to the
/// end when `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Slice {
    pub start: i64,
    pub len: Option<usize>,
}

impl Operand {
    fn class(&self) -> Class {
        match self {
            Operand::Field(f) => class_of(f.field),
            Operand::Len(_) | Operand::Count(_) | Operand::Masked(..) => Class::Int,
            Operand::Upper(_) | Operand::Lower(_) | Operand::String(_) => Class::Str,
            Operand::Slice(..) => Class::Bytes,
            // A masked address is an address.
            Operand::BytesAnd(inner, _) => match inner.class() {
                class @ (Class::V4 | Class::V6) => class,
                _ => Class::Bytes,
            },
            Operand::Arith(a) => a.operand().map_or(Class::Int, Operand::class),
            Operand::Const(_, like) => like.class(),
        }
    }

    /// The field the operand reads (an arithmetic expression's first).
    pub(super) fn field_ref(&self) -> Option<FieldRef> {
        match self {
            Operand::Field(f)
            | Operand::Len(f)
            | Operand::Count(f)
            | Operand::Upper(f)
            | Operand::Lower(f)
            | Operand::Masked(f, _)
            | Operand::String(f) => Some(*f),
            Operand::BytesAnd(inner, _) | Operand::Slice(inner, _) => inner.field_ref(),
            Operand::Arith(a) => a.operand().and_then(Operand::field_ref),
            // A constant reads no field.
            Operand::Const(..) => None,
        }
    }

    /// Wireshark's name for the type of the operand's values (`FT_UINT16`), in the errors
    /// about arithmetic.
    fn ft_name(&self) -> String {
        match self {
            Operand::Field(f) | Operand::Masked(f, _) => ft_name(f.field.kind),
            Operand::Len(_) | Operand::Count(_) => "FT_UINT32".to_owned(),
            Operand::Upper(_) | Operand::Lower(_) | Operand::String(_) => "FT_STRING".to_owned(),
            Operand::Slice(..) => "FT_BYTES".to_owned(),
            Operand::BytesAnd(inner, _) | Operand::Const(_, inner) => inner.ft_name(),
            Operand::Arith(a) => a.operand().map_or("FT_NONE".to_owned(), Operand::ft_name),
        }
    }

    /// Whether `&` takes the operand's values (integers, bytes, addresses).
    fn can_and(&self) -> bool {
        match self {
            Operand::Field(f) => matches!(
                f.field.kind,
                Kind::UInt(..)
                    | Kind::Int
                    | Kind::FrameNum
                    | Kind::Bytes
                    | Kind::Ether
                    | Kind::Ipv4
                    | Kind::Ipv6
            ),
            Operand::Len(_)
            | Operand::Count(_)
            | Operand::Slice(..)
            | Operand::Masked(..)
            | Operand::BytesAnd(..) => true,
            Operand::Arith(a) => a.operand().is_some_and(|o| o.takes(Op::And)),
            Operand::Const(_, like) => like.can_and(),
            Operand::Upper(_) | Operand::Lower(_) | Operand::String(_) => false,
        }
    }

    /// Whether arithmetic's `op` takes the operand's values.
    fn takes(&self, op: Op) -> bool {
        let kind = match self {
            Operand::Field(f) | Operand::Masked(f, _) => f.field.kind,
            Operand::Len(_) | Operand::Count(_) => return true,
            Operand::Arith(a) => return a.operand().is_some_and(|o| o.takes(op)),
            _ => return false,
        };
        match kind {
            Kind::UInt(..) | Kind::Int | Kind::FrameNum => true,
            Kind::Double => op != Op::And,
            Kind::RelTime => matches!(op, Op::Add | Op::Sub),
            _ => false,
        }
    }

    /// Whether the operand's values are unsigned integers, which a negative literal cannot be.
    pub(super) fn unsigned(&self) -> bool {
        match self {
            Operand::Field(f) | Operand::Masked(f, _) => {
                matches!(f.field.kind, Kind::UInt(..) | Kind::FrameNum)
            }
            Operand::Len(_) | Operand::Count(_) => true,
            Operand::Arith(a) => a.operand().is_some_and(Operand::unsigned),
            _ => false,
        }
    }
}

impl Arith {
    /// The first field or function the expression reads, which its literals are typed as.
    pub(super) fn operand(&self) -> Option<&Operand> {
        match self {
            Arith::Value(op) => Some(op),
            Arith::Lit(_) | Arith::Nothing => None,
            Arith::Neg(a) | Arith::Abs(a) => a.operand(),
            Arith::Bin(a, _, b) => a.operand().or_else(|| b.operand()),
            Arith::Extreme(_, args) => args.iter().find_map(Arith::operand),
        }
    }
}

/// Wireshark's refusal of an integer mask, `raw`, that holds a type without `&` or not an
/// integer (`shown_lhs`, what it masks, as its messages show it).
fn check_int_mask(shown_lhs: &str, raw: &Raw) -> Result<(), FilterError> {
    let Some(op) = raw.operand() else {
        return Ok(());
    };
    let t = raw.token();
    if !op.can_and() {
        return Err(FilterError::at(
            format!("{} cannot &.", op.ft_name()),
            (t.at, t.len),
        ));
    }
    if op.class() != Class::Int {
        return Err(FilterError::at(
            format!("{shown_lhs} and {} are not type compatible.", shown(&t.tok)),
            (t.at, t.len),
        ));
    }
    Ok(())
}

/// The mask of an address `bits` wide whose first `prefix` bits are set (`/8`).
pub(super) fn prefix_mask(prefix: u8, bits: u32) -> u128 {
    let all = u128::MAX >> (128 - bits.min(128));
    let rest = all.checked_shr(u32::from(prefix)).unwrap_or(0);
    all & !rest
}

/// Wireshark's name for a type of field (`FT_UINT16`).
fn ft_name(kind: Kind) -> String {
    match kind {
        Kind::UInt(bits, _) => format!("FT_UINT{}", bits.div_ceil(8) * 8),
        Kind::Int => "FT_INT32".to_owned(),
        Kind::Bool => "FT_BOOLEAN".to_owned(),
        Kind::FrameNum => "FT_FRAMENUM".to_owned(),
        Kind::Double => "FT_DOUBLE".to_owned(),
        Kind::RelTime => "FT_RELATIVE_TIME".to_owned(),
        Kind::AbsTime => "FT_ABSOLUTE_TIME".to_owned(),
        Kind::Ipv4 => "FT_IPv4".to_owned(),
        Kind::Ipv6 => "FT_IPv6".to_owned(),
        Kind::Ether => "FT_ETHER".to_owned(),
        Kind::Bytes => "FT_BYTES".to_owned(),
        Kind::Protocol => "FT_PROTOCOL".to_owned(),
        Kind::Str => "FT_STRING".to_owned(),
        Kind::Text => "FT_NONE".to_owned(),
    }
}

/// An arithmetic expression as written, before its literals are read as its fields' type;
/// each part with the token an error about it points at.
#[derive(Debug)]
enum Raw {
    Operand(Operand, Token),
    Lit(Token),
    Neg(Box<Raw>),
    Bin(Box<Raw>, Op, Box<Raw>),
    /// `max` (`true`) or `min`, and the function's name.
    Extreme(bool, Vec<Raw>, Token),
    Abs(Box<Raw>, Token),
}

impl Raw {
    /// The first field or function in the expression.
    fn operand(&self) -> Option<&Operand> {
        match self {
            Raw::Operand(op, _) => Some(op),
            Raw::Lit(_) => None,
            Raw::Neg(a) | Raw::Abs(a, _) => a.operand(),
            Raw::Bin(a, _, b) => a.operand().or_else(|| b.operand()),
            Raw::Extreme(_, args, _) => args.iter().find_map(Raw::operand),
        }
    }

    /// The token an error about this part points at.
    fn token(&self) -> &Token {
        match self {
            Raw::Operand(_, t) | Raw::Lit(t) | Raw::Extreme(_, _, t) | Raw::Abs(_, t) => t,
            Raw::Neg(a) | Raw::Bin(a, _, _) => a.token(),
        }
    }

    /// How an error names this part: its field's name, or the word as written.
    fn name(&self) -> String {
        match self.operand() {
            Some(Operand::Field(f)) => f.field.abbrev.to_owned(),
            _ => match &self.token().tok {
                Tok::Word(w) => w.clone(),
                Tok::Str(s) => String::from_utf8_lossy(s).into_owned(),
                Tok::Char(_, written) => written.clone(),
                Tok::Punct(p) => (*p).to_owned(),
            },
        }
    }
}

/// A field as the filter names it: from every layer of its protocol, or after `#` from
/// some (`ip.src#2`: the source of the second IP header, as in a tunnel or an ICMP error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FieldRef {
    pub field: &'static Field,
    pub layers: Layers,
    /// A field reference (`${tcp.port}`): the field's values in the frame selected in
    /// Wireshark's window, of which there is none here, so it has no value, as in tshark.
    pub reference: bool,
}

impl FieldRef {
    /// How an error names it: a reference with its type, as Wireshark does
    /// (`tcp.port <FT_UINT16>`).
    fn display(&self) -> String {
        match self.reference {
            true => format!("{} <{}>", self.field.abbrev, ft_name(self.field.kind)),
            false => self.field.abbrev.to_owned(),
        }
    }
}

/// The most ranges a layer operator may list (`#[1,3,5-6]`).
const MAX_LAYER_RANGES: usize = 8;

/// The layers `#` takes: ranges of layer numbers (the first of a protocol's headers in a
/// packet is 1), written as slices are (`#2`, `#[2-3]`, `#[1:2]`, `#[-1]` for the last);
/// none for every layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Layers {
    /// Each range's first layer (from the last when negative) and how many it takes
    /// (`u16::MAX`: all from there); layers past 32,767 are read as that.
    ranges: [(i16, u16); MAX_LAYER_RANGES],
    count: u8,
}

impl Layers {
    pub(super) const ALL: Layers = Layers {
        ranges: [(0, 0); MAX_LAYER_RANGES],
        count: 0,
    };

    pub(super) fn is_all(&self) -> bool {
        self.count == 0
    }

    /// Whether layer `layer` of `total` is taken.
    pub(super) fn takes(&self, layer: usize, total: usize) -> bool {
        let (Ok(layer), Ok(total)) = (i64::try_from(layer), i64::try_from(total)) else {
            return false;
        };
        self.is_all()
            || self.ranges[..usize::from(self.count)]
                .iter()
                .any(|&(start, len)| {
                    let start = i64::from(start);
                    let start = if start < 0 { total + 1 + start } else { start };
                    let len = if len == u16::MAX {
                        i64::MAX
                    } else {
                        i64::from(len)
                    };
                    layer >= start && layer - start < len
                })
    }

    /// Adds the range a slice names.
    fn push(&mut self, s: Slice) {
        let start = i16::try_from(s.start).unwrap_or(if s.start < 0 { i16::MIN } else { i16::MAX });
        let len = s.len.map_or(u16::MAX, |l| {
            u16::try_from(l).unwrap_or(u16::MAX - 1).min(u16::MAX - 1)
        });
        self.ranges[usize::from(self.count)] = (start, len);
        self.count += 1;
    }
}

/// A slice's or a layer's range as Wireshark 4.0 reads it (`drange_node_from_str`):
/// `i:j` (from i, j bytes), `i-j` (from i to j), `i` (one byte), `i:` (from i to the end),
/// `:j` (the first j); each number as C's `strtol` reads it (spaces before it, a sign, `0x`
/// for hex, a leading `0` for octal), spaces allowed around the whole. The refusal in
/// Wireshark's words otherwise.
fn drange(w: &str) -> Result<Slice, String> {
    let b = w.as_bytes();
    let not_a_range = || format!("\"{w}\" is not a valid range.");
    let space = |p: usize| p + b[p..].iter().take_while(|c| is_c_space(**c)).count();
    let (lower, mut p) = if b.first() == Some(&b':') {
        (0, 0)
    } else {
        gint32(w)?
    };
    p = space(p);
    enum End {
        Length(i32),
        Offset(i32),
        Rest,
    }
    let end = match b.get(p) {
        Some(b'-') => {
            let (upper, n) = gint32(&w[p + 1..]).map_err(|_| not_a_range())?;
            p += 1 + n;
            End::Offset(upper)
        }
        Some(b':') if p + 1 == b.len() => {
            p += 1;
            End::Rest
        }
        Some(b':') => {
            let (upper, n) = gint32(&w[p + 1..]).map_err(|_| not_a_range())?;
            p += 1 + n;
            End::Length(upper)
        }
        None => End::Length(1),
        Some(_) => return Err(not_a_range()),
    };
    if space(p) != b.len() {
        return Err(not_a_range());
    }
    let start = i64::from(lower);
    match end {
        End::Length(n) if n <= 0 => Err(format!(
            "Range {w} isn't valid because length {n} isn't positive"
        )),
        End::Length(n) => Ok(Slice {
            start,
            len: usize::try_from(n).ok(),
        }),
        End::Offset(upper) if (lower < 0 && upper > 0) || (lower > 0 && upper < 0) => Err(format!(
            "Range {w} isn't valid because {lower} and {upper} have different signs"
        )),
        End::Offset(upper) if upper <= lower => Err(format!(
            "Range {w} isn't valid because {lower} is greater or equal than {upper}"
        )),
        End::Offset(upper) => Ok(Slice {
            start,
            len: usize::try_from(i64::from(upper) - start + 1).ok(),
        }),
        End::Rest => Ok(Slice { start, len: None }),
    }
}

/// C's `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A number at the start of `s` as Wireshark's `drange_str_to_gint32` reads it with C's
/// `strtol(s, &end, 0)`: the value and the bytes read, or the refusal.
fn gint32(s: &str) -> Result<(i32, usize), String> {
    let b = s.as_bytes();
    let mut p = b.iter().take_while(|c| is_c_space(**c)).count();
    let negative = b.get(p) == Some(&b'-');
    if matches!(b.get(p), Some(b'-' | b'+')) {
        p += 1;
    }
    let hex_prefix = b.get(p) == Some(&b'0')
        && matches!(b.get(p + 1), Some(b'x' | b'X'))
        && b.get(p + 2).is_some_and(u8::is_ascii_hexdigit);
    let radix = if hex_prefix {
        p += 2;
        16
    } else if b.get(p) == Some(&b'0') {
        8
    } else {
        10
    };
    let digits = b[p..]
        .iter()
        .take_while(|c| char::from(**c).is_digit(radix))
        .count();
    if digits == 0 {
        return Err(format!("\"{s}\" is not a valid number."));
    }
    let magnitude = i128::from_str_radix(&s[p..p + digits], radix).unwrap_or(i128::MAX);
    let value = if negative { -magnitude } else { magnitude };
    match i32::try_from(value) {
        Ok(v) => Ok((v, p + digits)),
        Err(_) => Err(format!("\"{s}\" causes an integer overflow.")),
    }
}

/// One element of a set: a value or a range of them.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Member {
    One(Lit),
    Range(Lit, Lit),
    /// A field's or a function's values (`tcp.port in {tcp.srcport, 80}`).
    Field(Operand),
    /// A range with a field or function at one end or both (`{12345..tcp.dstport}`).
    Between(Bound, Bound),
}

/// An end of a set's range.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Bound {
    Lit(Lit),
    Values(Operand),
}

#[derive(Debug)]
pub(super) enum Test {
    Or(Box<Test>, Box<Test>),
    And(Box<Test>, Box<Test>),
    Not(Box<Test>),
    Exists(FieldRef),
    Compare(Operand, Cmp, Lit),
    CompareFields(Operand, Cmp, Operand),
    In(Operand, Vec<Member>),
    Contains(Operand, Vec<u8>),
    /// `contains` with a field's values on the right: some value of the left side holds
    /// some value of the right.
    ContainsValues(Operand, Operand),
    Matches(Operand, regex::bytes::Regex),
    /// Arithmetic, masked bytes or a masked address alone: true when some value is not zero.
    NotZero(Operand),
    /// A slice alone: true when the slice of some value holds a byte (Wireshark's
    /// `DFVM_LENGTH` then `DFVM_NOT_ALL_ZERO`).
    NotEmpty(Operand),
    /// `all` before an ordering, `in`, `contains` or `matches`: it holds of every value of
    /// the left side (against every value of a field on the right). `all` and `any` before
    /// `==` and `!=` are read into their [`Cmp`] instead.
    All(Box<Test>),
}

/// `any` or `all` before a relation: whether it must hold of some value of the left side
/// or of every one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quantifier {
    Any,
    All,
}

/// How a field's values are compared.
pub(super) fn class_of(field: &Field) -> Class {
    match field.kind {
        Kind::UInt(..) | Kind::Int | Kind::Bool | Kind::FrameNum => Class::Int,
        Kind::Double => Class::Float,
        Kind::RelTime => Class::Time,
        Kind::Ipv4 => Class::V4,
        Kind::Ipv6 => Class::V6,
        Kind::Ether | Kind::Bytes | Kind::Protocol => Class::Bytes,
        Kind::Str => Class::Str,
        Kind::AbsTime => Class::Date,
        Kind::Text => Class::None,
    }
}

/// Wireshark's name for a field's type, in its error messages.
fn type_name(field: &Field) -> String {
    match field.kind {
        Kind::UInt(bits, _) => format!(
            "Unsigned integer ({} byte{})",
            bits.div_ceil(8),
            if bits > 8 { "s" } else { "" }
        ),
        Kind::Int => "Signed integer (4 bytes)".to_owned(),
        Kind::Bool => "Boolean".to_owned(),
        Kind::FrameNum => "Frame number".to_owned(),
        Kind::Double => "Floating point (double-precision)".to_owned(),
        Kind::RelTime => "Time offset".to_owned(),
        Kind::AbsTime => "Date and time".to_owned(),
        Kind::Ipv4 => "IPv4 address".to_owned(),
        Kind::Ipv6 => "IPv6 address".to_owned(),
        Kind::Ether => "Ethernet or other MAC address".to_owned(),
        Kind::Bytes => "Byte sequence".to_owned(),
        Kind::Protocol => "Protocol".to_owned(),
        Kind::Str => "Character string".to_owned(),
        Kind::Text => "Label".to_owned(),
    }
}

fn unexpected(t: &Token) -> FilterError {
    // A word such as `-1` is a sign and a number to Wireshark: the sign is what is out of
    // place.
    if let Tok::Word(w) = &t.tok {
        if w.len() > 1 && w.starts_with('-') {
            return FilterError::at("\"-\" was unexpected in this context.", (t.at, 1));
        }
    }
    FilterError::at(
        format!("\"{}\" was unexpected in this context.", shown(&t.tok)),
        (t.at, t.len),
    )
}

struct Parser {
    tokens: Vec<Token>,
    i: usize,
    names: Vec<&'static str>,
    /// The expression's length, where an error about its end points.
    end: usize,
    /// The first protocol named that Wireshark dissects and the tree does not have.
    other: Option<(&'static Field, (usize, usize))>,
    /// A mask is being read (its fields take no `&` of their own).
    in_mask: bool,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.i)
    }

    fn next(&mut self) -> Result<Token, FilterError> {
        let t = self
            .tokens
            .get(self.i)
            .cloned()
            .ok_or_else(FilterError::end)?;
        self.i += 1;
        Ok(t)
    }

    /// True, and the token taken, when the next one is `punct` or the word `word`.
    fn eat(&mut self, punct: &str, word: &str) -> bool {
        let hit = match self.peek().map(|t| &t.tok) {
            Some(Tok::Punct(p)) => *p == punct,
            Some(Tok::Word(w)) => !word.is_empty() && w == word,
            _ => false,
        };
        if hit {
            self.i += 1;
        }
        hit
    }

    fn or(&mut self) -> Result<Test, FilterError> {
        let mut left = self.and()?;
        while self.eat("||", "or") {
            let right = self.and()?;
            left = Test::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Test, FilterError> {
        let mut left = self.unary()?;
        while self.eat("&&", "and") {
            let right = self.unary()?;
            left = Test::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Test, FilterError> {
        if self.eat("!", "not") {
            return Ok(Test::Not(Box::new(self.unary()?)));
        }
        if self.eat("", "any") {
            return self.quantified(Quantifier::Any);
        }
        if self.eat("", "all") {
            return self.quantified(Quantifier::All);
        }
        if self.eat("(", "") {
            let inner = self.or()?;
            let close = self.next()?;
            if close.tok != Tok::Punct(")") {
                return Err(unexpected(&close));
            }
            return Ok(inner);
        }
        self.relation()
    }

    /// A field named by `t`, or the error Wireshark gives for a name it does not know.
    fn field(&mut self, t: &Token) -> Result<&'static Field, FilterError> {
        let Tok::Word(name) = &t.tok else {
            return Err(unexpected(t));
        };
        match known(name) {
            Some(f) => {
                if self.other.is_none() && super::names::not_built(f) {
                    self.other = Some((f, (t.at, t.len)));
                }
                if !self.names.contains(&f.abbrev) {
                    self.names.push(f.abbrev);
                }
                Ok(f)
            }
            None => Err(FilterError::at(
                super::names::in_other_protocol(name)
                    .unwrap_or_else(|| format!("{name} is neither a field nor a protocol name.")),
                (t.at, t.len),
            )),
        }
    }

    /// A field named by `t`, and the layers `#` after it takes (see [`Layers`]).
    fn field_ref(&mut self, t: &Token) -> Result<FieldRef, FilterError> {
        if let Tok::Word(name) = &t.tok {
            let layered = matches!(self.peek().map(|n| &n.tok), Some(Tok::Punct("#")));
            if layered && known(name).is_none() {
                return Err(FilterError::at(
                    format!("{name} is not a valid field"),
                    (t.at, t.len),
                ));
            }
        }
        let field = self.field(t)?;
        let layers = self.layers()?;
        Ok(FieldRef {
            field,
            layers,
            reference: false,
        })
    }

    /// After `[`: Wireshark reads a slice to its `]`, and refuses one that has none.
    fn bracket_closes(&self) -> Result<(), FilterError> {
        if self.tokens[self.i..]
            .iter()
            .any(|t| t.tok == Tok::Punct("]"))
        {
            Ok(())
        } else {
            Err(FilterError::at(
                "The right bracket was missing from a slice.",
                (self.end, 1),
            ))
        }
    }

    /// After a slice's `[`: its ranges, and those of the brackets right after it.
    fn ranges(&mut self) -> Result<Vec<Vec<Slice>>, FilterError> {
        let mut ranges = Vec::new();
        loop {
            self.bracket_closes()?;
            let mut these = Vec::new();
            loop {
                these.push(self.slice()?.0);
                let close = self.next()?;
                match close.tok {
                    Tok::Punct("]") => break,
                    Tok::Punct(",") => {}
                    _ => return Err(unexpected(&close)),
                }
            }
            ranges.push(these);
            if !self.eat("[", "") {
                return Ok(ranges);
            }
        }
    }

    /// Whether the function call whose `(` is the token before this one stands alone as a
    /// test (nothing compares it), which Wireshark refuses before it looks at the call's
    /// argument; the ranges of slices inside it are read first, as Wireshark's parser does.
    fn call_alone(&self) -> Result<bool, FilterError> {
        // Only a call that begins a relation may stand alone.
        let before = self.i.checked_sub(3).and_then(|n| self.tokens.get(n));
        let begins = match before.map(|t| &t.tok) {
            None | Some(Tok::Punct("(" | "&&" | "||" | "!")) => true,
            Some(Tok::Word(w)) => matches!(w.as_str(), "and" | "or" | "not"),
            _ => false,
        };
        if !begins {
            return Ok(false);
        }
        let mut depth = 1usize;
        let mut bracket = false;
        for (n, t) in self.tokens.iter().enumerate().skip(self.i) {
            match &t.tok {
                Tok::Punct("(") => depth += 1,
                Tok::Punct(")") => depth -= 1,
                Tok::Punct("[") => bracket = true,
                Tok::Punct("]") => bracket = false,
                Tok::Word(w) if bracket => {
                    drange(w).map_err(|m| FilterError::parsing_at(m, (t.at, t.len)))?;
                }
                _ => {}
            }
            if depth == 0 {
                return Ok(match self.tokens.get(n + 1).map(|t| &t.tok) {
                    None | Some(Tok::Punct(")" | "&&" | "||")) => true,
                    Some(Tok::Word(w)) => w == "and" || w == "or",
                    _ => false,
                });
            }
        }
        Ok(false)
    }

    /// The operator at the top of an arithmetic argument that runs from the token before
    /// this one to the call's `)`, if the argument is arithmetic.
    fn arithmetic_argument(&self) -> Option<(usize, usize)> {
        let precedence = |t: &Tok| match t {
            Tok::Punct("&") => Some(0),
            Tok::Word(w) if w == "bitwise_and" => Some(0),
            Tok::Punct("+") => Some(1),
            // (`-1` is a minus and a number.)
            Tok::Word(w) if w.starts_with('-') => Some(1),
            Tok::Punct("*" | "%") => Some(2),
            Tok::Word(w) if w == "/" => Some(2),
            _ => None,
        };
        let mut depth = 0usize;
        let mut top: Option<(u8, (usize, usize))> = None;
        for t in &self.tokens[self.i..] {
            match t.tok {
                Tok::Punct("(" | "{") => depth += 1,
                Tok::Punct(")") if depth == 0 => return top.map(|(_, at)| at),
                Tok::Punct(")" | "}") => depth -= 1,
                _ if depth == 0 => {
                    if let Some(p) = precedence(&t.tok) {
                        if top.is_none_or(|(q, _)| p <= q) {
                            let len = if p == 1 { 1 } else { t.len };
                            top = Some((p, (t.at, len)));
                        }
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Whether the call of a function that begins at the next token (its name, then `(`)
    /// is sliced: a `[` after its `)`.
    fn call_sliced(&self) -> bool {
        let mut depth = 0usize;
        for (n, t) in self.tokens.iter().enumerate().skip(self.i) {
            match t.tok {
                Tok::Punct("(") => depth += 1,
                Tok::Punct(")") if depth <= 1 => {
                    return self
                        .tokens
                        .get(n + 1)
                        .is_some_and(|t| t.tok == Tok::Punct("["));
                }
                Tok::Punct(")") => depth -= 1,
                _ => {}
            }
        }
        false
    }

    /// A range in brackets, as [`drange`] reads it, and its token.
    fn slice(&mut self) -> Result<(Slice, Token), FilterError> {
        let range = self.next()?;
        let Tok::Word(w) = &range.tok else {
            return Err(unexpected(&range));
        };
        let s = drange(w).map_err(|m| FilterError::parsing_at(m, (range.at, range.len)))?;
        Ok((s, range))
    }

    /// `#N` or `#[ranges]` after a field, if there.
    fn layers(&mut self) -> Result<Layers, FilterError> {
        let Some(hash) = self.peek().cloned() else {
            return Ok(Layers::ALL);
        };
        if hash.tok != Tok::Punct("#") {
            return Ok(Layers::ALL);
        }
        self.i += 1;
        let next = self.next()?;
        let expected = |c: &str, at: usize| {
            FilterError::at(format!("Expected digit or \"[\", not \"{c}\""), (at, 1))
        };
        if next.at != hash.at + 1 {
            return Err(expected(" ", hash.at + 1));
        }
        let mut layers = Layers::ALL;
        match &next.tok {
            Tok::Punct("[") => loop {
                self.bracket_closes()?;
                let (s, range) = self.slice()?;
                if usize::from(layers.count) == MAX_LAYER_RANGES {
                    return Err(FilterError::at(
                        format!("At most {MAX_LAYER_RANGES} ranges of layers are read."),
                        (range.at, range.len),
                    ));
                }
                layers.push(s);
                let sep = self.next()?;
                match sep.tok {
                    Tok::Punct(",") => {}
                    Tok::Punct("]") => break Ok(layers),
                    _ => return Err(unexpected(&sep)),
                }
            },
            // The scanner reads the digits after `#` alone (see [`super::lex`]).
            Tok::Word(w) if w.bytes().all(|b| b.is_ascii_digit()) => {
                let s = drange(w).map_err(|m| FilterError::parsing_at(m, (next.at, next.len)))?;
                layers.push(s);
                Ok(layers)
            }
            Tok::Word(w) => {
                let c = w.chars().next().map(String::from).unwrap_or_default();
                Err(expected(&c, next.at))
            }
            Tok::Str(_) => Err(expected("\"", next.at)),
            Tok::Char(..) => Err(expected("'", next.at)),
            Tok::Punct(p) => Err(expected(&p[..1], next.at)),
        }
    }

    /// A left side: a field or a function, or arithmetic over them.
    fn lhs(&mut self) -> Result<(Operand, Token), FilterError> {
        let start = self.i;
        let first = self.peek().cloned().ok_or_else(FilterError::end)?;
        match self.sum(false)? {
            // A function's number and masks: `len(ip.src) & 1`.
            Raw::Operand(op @ (Operand::Len(_) | Operand::Count(_)), t)
                if matches!(self.peek().map(|n| &n.tok), Some(Tok::Punct("&"))) =>
            {
                let shown_lhs = shown(&t.tok);
                self.more_masks(&op.clone(), &shown_lhs, Arith::Value(op), t)
            }
            Raw::Operand(op, t) => Ok((op, t)),
            Raw::Lit(t) => match &t.tok {
                // A negative number: a constant, as Wireshark reads `-1`.
                Tok::Word(w) if w.len() > 1 && w.starts_with('-') => Err(constant_lhs(&Token {
                    tok: t.tok.clone(),
                    at: t.at + 1,
                    len: t.len - 1,
                })),
                _ => {
                    // Read again as a field, for the error Wireshark gives (after a sign).
                    self.i = start;
                    if first.tok == Tok::Punct("+") {
                        self.i += 1;
                    }
                    self.operand()
                }
            },
            // max(), min() and abs() say first what their arguments lack; other arithmetic
            // of constants is refused as such.
            raw @ (Raw::Extreme(..) | Raw::Abs(..)) if raw.operand().is_none() => {
                Err(typed(raw, None)
                    .err()
                    .unwrap_or_else(|| constant_lhs(&first)))
            }
            raw if raw.operand().is_none() => Err(constant_lhs(&first)),
            raw => {
                let a = typed(raw, None)?;
                let ty = a.operand().cloned();
                let and = matches!(self.peek().map(|n| &n.tok), Some(Tok::Punct("&")));
                match ty {
                    // `&` binds after `+ - * / %`: `tcp.srcport + 1 & 3`.
                    Some(ty) if and && ty.class() == Class::Int => {
                        let shown_lhs = match &a {
                            Arith::Bin(_, op, _) => op.symbol(),
                            _ => "-",
                        };
                        self.more_masks(&ty, shown_lhs, a, first)
                    }
                    _ => Ok((Operand::Arith(Box::new(a)), first)),
                }
            }
        }
    }

    /// `product (("+" | "-") product)*`.
    fn sum(&mut self, rhs: bool) -> Result<Raw, FilterError> {
        let mut left = self.product(rhs)?;
        loop {
            self.split_sign();
            let op = match self.peek().map(|t| &t.tok) {
                Some(Tok::Punct("+")) => Op::Add,
                Some(Tok::Word(w)) if w == "-" => Op::Sub,
                _ => return Ok(left),
            };
            self.i += 1;
            let right = self.product(rhs)?;
            left = Raw::Bin(Box::new(left), op, Box::new(right));
        }
    }

    /// `atom (("*" | "/" | "%") atom)*`.
    fn product(&mut self, rhs: bool) -> Result<Raw, FilterError> {
        let mut left = self.atom(rhs)?;
        loop {
            let op = match self.peek().map(|t| &t.tok) {
                Some(Tok::Punct("*")) => Op::Mul,
                Some(Tok::Punct("%")) => Op::Rem,
                Some(Tok::Word(w)) if w == "/" => Op::Div,
                _ => return Ok(left),
            };
            self.i += 1;
            let right = self.atom(rhs)?;
            left = Raw::Bin(Box::new(left), op, Box::new(right));
        }
    }

    /// After an operand, a word such as `-1` is a minus and what follows it (`tcp.port == 1
    /// -1`), as Wireshark's scanner reads it: the token is split in two.
    fn split_sign(&mut self) {
        let Some(t) = self.tokens.get(self.i) else {
            return;
        };
        let Tok::Word(w) = &t.tok else {
            return;
        };
        let Some(rest) = w.strip_prefix('-').filter(|r| !r.is_empty()) else {
            return;
        };
        let (sign, rest) = (
            Token {
                tok: Tok::Word("-".to_owned()),
                at: t.at,
                len: 1,
            },
            Token {
                tok: Tok::Word(rest.to_owned()),
                at: t.at + 1,
                len: t.len - 1,
            },
        );
        self.tokens[self.i] = sign;
        self.tokens.insert(self.i + 1, rest);
    }

    /// Refuses a sign after a sign, pointing at the second as Wireshark does.
    fn unsigned_next(&self) -> Result<(), FilterError> {
        match self.peek() {
            Some(t) if t.tok == Tok::Punct("+") => Err(unexpected(t)),
            Some(t) if matches!(&t.tok, Tok::Word(w) if w.starts_with('-')) => Err(
                FilterError::at("\"-\" was unexpected in this context.", (t.at, 1)),
            ),
            _ => Ok(()),
        }
    }

    /// `"{" sum "}"`, `"+" atom`, `"-" atom`, `max(…)`, `min(…)`, `abs(…)`, a field or function, or a
    /// literal (on the right side, any word that names no field).
    fn atom(&mut self, rhs: bool) -> Result<Raw, FilterError> {
        let t = self.next()?;
        let call = matches!(self.peek().map(|n| &n.tok), Some(Tok::Punct("(")));
        match &t.tok {
            Tok::Punct("{") => {
                // Braces group: a field in them takes its masks again.
                let in_mask = std::mem::replace(&mut self.in_mask, false);
                let inner = self.sum(rhs);
                self.in_mask = in_mask;
                let inner = inner?;
                let close = self.next()?;
                if close.tok != Tok::Punct("}") {
                    return Err(unexpected(&close));
                }
                Ok(inner)
            }
            Tok::Punct("+") => {
                self.unsigned_next()?;
                self.atom(rhs)
            }
            Tok::Punct("$") => {
                self.i -= 1;
                let (op, token) = self.operand()?;
                Ok(Raw::Operand(op, token))
            }
            Tok::Punct(_) => Err(unexpected(&t)),
            Tok::Str(_) | Tok::Char(..) => Ok(Raw::Lit(t)),
            // A sign: what follows it is not signed again (`+-1` and `-+1` are refused).
            Tok::Word(w) if w == "-" => {
                self.unsigned_next()?;
                Ok(Raw::Neg(Box::new(self.atom(rhs)?)))
            }
            Tok::Word(w) if call && ["max", "min", "abs"].contains(&w.as_str()) => {
                self.i += 1;
                let mut args = Vec::new();
                if !self.eat(")", "") {
                    loop {
                        args.push(self.sum(rhs)?);
                        let sep = self.next()?;
                        match sep.tok {
                            Tok::Punct(",") => {}
                            Tok::Punct(")") => break,
                            _ => return Err(unexpected(&sep)),
                        }
                    }
                }
                if w != "abs" {
                    return Ok(Raw::Extreme(w == "max", args, t));
                }
                if args.len() != 1 {
                    let count = if args.is_empty() {
                        "needs at least"
                    } else {
                        "can only accept"
                    };
                    return Err(FilterError::at(
                        format!("Function abs {count} 1 arguments."),
                        (t.at, t.len),
                    ));
                }
                Ok(Raw::Abs(Box::new(args.remove(0)), t))
            }
            Tok::Word(w) => {
                // `-tcp.srcport`: a field's values negated.
                if let Some(name) = w.strip_prefix('-') {
                    if known(name).is_some() {
                        let inner = Token {
                            tok: Tok::Word(name.to_owned()),
                            at: t.at + 1,
                            len: t.len - 1,
                        };
                        let field = self.field_ref(&inner)?;
                        return Ok(Raw::Neg(Box::new(Raw::Operand(
                            Operand::Field(field),
                            inner,
                        ))));
                    }
                }
                let function = call && FUNCTIONS.contains(&w.as_str());
                if !function && known(w).is_none() && (rhs || is_literal(w)) {
                    // A layer makes the word a field to Wireshark's grammar (`1#2`).
                    let layered = matches!(self.peek().map(|n| &n.tok), Some(Tok::Punct("#")));
                    if layered && self.tokens.get(self.i + 1).is_none() {
                        return Err(FilterError::end());
                    }
                    if layered && super::names::in_other_protocol(w).is_none() {
                        return Err(FilterError::at(
                            format!("{w} is not a valid field"),
                            (t.at, t.len),
                        ));
                    }
                    return Ok(Raw::Lit(t));
                }
                self.i -= 1;
                let (op, token) = self.operand()?;
                Ok(Raw::Operand(op, token))
            }
        }
    }

    /// A field, a function of one (`len`, `count`, `upper`, `lower`, `string`), a slice of
    /// one or a masked one.
    fn operand(&mut self) -> Result<(Operand, Token), FilterError> {
        let mut t = self.next()?;
        let mut reference = false;
        if t.tok == Tok::Punct("$") {
            // `${name}`, `${name#2}`: a field reference; errors point at its name.
            let brace = self.next()?;
            if brace.tok != Tok::Punct("{") {
                return Err(unexpected(&brace));
            }
            t = self.next()?;
            reference = true;
        }
        if let (Tok::Word(w), false) = (&t.tok, reference) {
            let function = FUNCTIONS.contains(&w.as_str());
            if function && self.eat("(", "") {
                if self.call_alone()? {
                    return Err(FilterError::at(
                        "You cannot test whether a function is present.",
                        (t.at, t.len),
                    ));
                }
                let arg = self.next()?;
                if arg.tok == Tok::Punct("$") {
                    let name = self.tokens.get(self.i + 1).unwrap_or(&arg);
                    return Err(FilterError::at(
                        format!("Only fields can be used as parameter for {w}()"),
                        (name.at, name.len),
                    ));
                }
                let nested = matches!(&arg.tok, Tok::Word(a) if FUNCTIONS.contains(&a.as_str()) || ["max", "min", "abs"].contains(&a.as_str()));
                let case = w == "upper" || w == "lower";
                let refused = match case {
                    true => format!("Only string type fields can be used as parameter for {w}()"),
                    false => format!("Only fields can be used as parameter for {w}()"),
                };
                // A literal alone (`len(80)`, `upper("x")`, a name no protocol has) is no
                // field.
                let literal = match &arg.tok {
                    Tok::Str(_) | Tok::Char(..) => true,
                    Tok::Word(a) => {
                        !nested
                            && known(a).is_none()
                            && super::names::in_other_protocol(a).is_none()
                    }
                    Tok::Punct(_) => false,
                };
                if literal && self.peek().is_some_and(|t| t.tok == Tok::Punct(")")) {
                    // (`-x` is a sign, at the top.)
                    let signed =
                        matches!(&arg.tok, Tok::Word(a) if a.len() > 1 && a.starts_with('-'));
                    let len = if signed { 1 } else { arg.len };
                    return Err(FilterError::at(refused, (arg.at, len)));
                }
                // Arithmetic is no field either: Wireshark points at its last operator of
                // the lowest precedence (`&`, then `+ -`, then `* / %`).
                if let Some(at) = self.arithmetic_argument() {
                    return Err(FilterError::at(refused, at));
                }
                let not_text = |a: &str| known(a).is_some_and(|f| f.kind != Kind::Str);
                let sliced_next = self
                    .tokens
                    .get(self.i)
                    .is_some_and(|t| t.tok == Tok::Punct("["));
                if nested
                    || (case && !sliced_next && matches!(&arg.tok, Tok::Word(a) if not_text(a)))
                {
                    // A function's slice is no field, and has no place (Wireshark 4.0).
                    let span = (!nested || !self.call_sliced()).then_some((arg.at, arg.len));
                    return Err(FilterError {
                        span,
                        ..FilterError::at(refused, (0, 0))
                    });
                }
                let field = self.field_ref(&arg)?;
                let sliced = self.eat("[", "");
                if sliced {
                    self.ranges()?;
                }
                let close = self.next()?;
                if close.tok != Tok::Punct(")") {
                    return Err(unexpected(&close));
                }
                // A slice is no field (Wireshark shows no place for it).
                if sliced {
                    return Err(FilterError {
                        span: None,
                        ..FilterError::at(refused, (0, 0))
                    });
                }
                let op = match w.as_str() {
                    "len" => Operand::Len(field),
                    "count" => Operand::Count(field),
                    "upper" => Operand::Upper(field),
                    "string" => {
                        if !matches!(
                            field.field.kind,
                            Kind::UInt(..)
                                | Kind::Int
                                | Kind::FrameNum
                                | Kind::Ipv4
                                | Kind::Ipv6
                                | Kind::Ether
                                | Kind::Str
                        ) {
                            return Err(FilterError::at(
                                format!(
                                    "String conversion for field \"{}\" is not supported",
                                    field.field.abbrev
                                ),
                                (arg.at, arg.len),
                            ));
                        }
                        Operand::String(field)
                    }
                    _ => Operand::Lower(field),
                };
                // A slice of what the function returns (`string(tcp.port)[0]`): text only.
                if self.eat("[", "") {
                    let ranges = self.ranges()?;
                    if matches!(op, Operand::Len(_) | Operand::Count(_)) {
                        return Err(FilterError::at(
                            format!(
                                "Return value of function \"{w}\" is a Unsigned integer (4 bytes) \
                                 and cannot be converted into a sequence of bytes."
                            ),
                            (t.at, t.len),
                        ));
                    }
                    let op = Operand::Slice(Box::new(op), ranges);
                    if self.in_mask {
                        return Ok((op, t));
                    }
                    return self.bytes_masks(op, t);
                }
                return Ok((op, t));
            }
            if known(w).is_none() {
                let message = super::names::in_other_protocol(w)
                    .or_else(|| not_a_field(w, self.peek(), is_literal(w)));
                if let Some(message) = message {
                    return Err(FilterError::at(message, (t.at, t.len)));
                }
            }
        }
        let quoted = match &t.tok {
            Tok::Str(text) => Some(format!("\"{}\"", String::from_utf8_lossy(text))),
            Tok::Char(_, written) => Some(written.clone()),
            _ => None,
        };
        if let Some(shown) = quoted {
            if let Some(message) = not_a_field(&shown, self.peek(), true) {
                return Err(FilterError::at(message, (t.at, t.len)));
            }
        }
        let mut field = self.field_ref(&t)?;
        if reference {
            let close = self.next()?;
            if close.tok != Tok::Punct("}") {
                return Err(unexpected(&close));
            }
            field.reference = true;
        }
        if self.eat("[", "") {
            // Wireshark slices no reference.
            if reference {
                return Err(FilterError::at(
                    format!("Range is not supported for entity {}", field.display()),
                    (t.at, t.len),
                ));
            }
            let ranges = self.ranges()?;
            // Only bytes, addresses and text are sliced (`ftype_can_slice`).
            if !matches!(
                field.field.kind,
                Kind::Ipv4 | Kind::Ipv6 | Kind::Ether | Kind::Bytes | Kind::Protocol | Kind::Str
            ) {
                return Err(FilterError::at(
                    format!(
                        "\"{}\" is a {} and cannot be sliced into a sequence of bytes.",
                        field.field.abbrev,
                        type_name(field.field)
                    ),
                    (t.at, t.len),
                ));
            }
            if self.in_mask {
                return Ok((Operand::Slice(Box::new(Operand::Field(field)), ranges), t));
            }
            return self.bytes_masks(Operand::Slice(Box::new(Operand::Field(field)), ranges), t);
        }
        // (A mask's own field takes no mask: `&` groups from the left.)
        if !self.in_mask && self.eat("&", "") {
            if matches!(
                field.field.kind,
                Kind::Bytes | Kind::Ether | Kind::Ipv4 | Kind::Ipv6
            ) {
                self.i -= 1;
                return self.bytes_masks(Operand::Field(field), t);
            }
            if class_of(field.field) != Class::Int || field.field.kind == Kind::Bool {
                // A type without `&` (text, times, Booleans) is refused before its mask.
                let lhs = Operand::Field(field);
                return Err(FilterError::at(
                    format!("{} cannot &.", lhs.ft_name()),
                    (t.at, t.len),
                ));
            }
            // The mask: a number, or arithmetic over numbers (`&` binds after `+`).
            let m = match self.mask_sum()? {
                Raw::Lit(mask) => {
                    let Tok::Word(w) = &mask.tok else {
                        return Err(unexpected(&mask));
                    };
                    integer(w).ok_or_else(|| {
                        FilterError::at(
                            format!("\"{w}\" is not a valid number."),
                            (mask.at, mask.len),
                        )
                    })?
                }
                raw if raw.operand().is_none() => {
                    let token = raw.token().clone();
                    match fold(&typed(raw, Some(&Operand::Field(field)))?) {
                        Some(Num::Int(m)) => m,
                        _ => return Err(unexpected(&token)),
                    }
                }
                // A mask with fields: arithmetic, every combination of the values.
                raw => {
                    let ty = Operand::Field(field);
                    let lhs = Arith::Value(ty.clone());
                    let mask = self.int_mask(&ty, &field.display(), raw)?;
                    let a = Arith::Bin(Box::new(lhs), Op::And, Box::new(mask));
                    return self.more_masks(&ty, Op::And.symbol(), a, t);
                }
            };
            if matches!(self.peek().map(|n| &n.tok), Some(Tok::Punct("&"))) {
                let ty = Operand::Field(field);
                let a = Arith::Bin(
                    Box::new(Arith::Value(ty.clone())),
                    Op::And,
                    Box::new(Arith::Lit(Lit::Int(m))),
                );
                return self.more_masks(&ty, Op::And.symbol(), a, t);
            }
            return Ok((Operand::Masked(field, m), t));
        }
        Ok((Operand::Field(field), t))
    }

    /// An integer mask that holds fields (`tcp.srcport & tcp.dstport`), its literals read as
    /// `ty` (what it masks, `shown` in messages), refused as Wireshark refuses a type without
    /// `&` or of another kind.
    fn int_mask(&mut self, ty: &Operand, shown_lhs: &str, raw: Raw) -> Result<Arith, FilterError> {
        check_int_mask(shown_lhs, &raw)?;
        typed(raw, Some(ty))
    }

    /// More masks after `a`, integer arithmetic (a value and its first mask, or `+ - * / %`
    /// before a first `&`), which `ty` gives the type of.
    fn more_masks(
        &mut self,
        ty: &Operand,
        shown_lhs: &str,
        mut a: Arith,
        t: Token,
    ) -> Result<(Operand, Token), FilterError> {
        let mut shown_lhs = shown_lhs.to_owned();
        while self.eat("&", "bitwise_and") {
            let raw = self.mask_sum()?;
            let mask = self.int_mask(ty, &shown_lhs, raw)?;
            a = Arith::Bin(Box::new(a), Op::And, Box::new(mask));
            // Wireshark shows arithmetic by its operator.
            shown_lhs = Op::And.symbol().to_owned();
        }
        Ok((Operand::Arith(Box::new(a)), t))
    }

    /// A mask: arithmetic whose fields take no mask of their own.
    fn mask_sum(&mut self) -> Result<Raw, FilterError> {
        self.in_mask = true;
        let raw = self.sum(true);
        self.in_mask = false;
        raw
    }

    /// True when `w`, the word just taken, calls a function (`len(…)`).
    fn calls(&self, w: &str) -> bool {
        let function = FUNCTIONS.contains(&w) || ["max", "min", "abs"].contains(&w);
        function && matches!(self.peek().map(|n| &n.tok), Some(Tok::Punct("(")))
    }

    /// Bytes or an address, `op`, and any masks after it (`& 0x0f`, a byte string or an
    /// address read as `op`'s type).
    fn bytes_masks(&mut self, op: Operand, t: Token) -> Result<(Operand, Token), FilterError> {
        let masks = self.masks(&op, &t)?;
        match masks.is_empty() {
            true => Ok((op, t)),
            false => Ok((Operand::BytesAnd(Box::new(op), masks), t)),
        }
    }

    /// The masks after bytes or an address, `op` (written `t`): `& 0x0f`, a byte string or
    /// an address read as `op`'s type, a field's values.
    fn masks(&mut self, op: &Operand, t: &Token) -> Result<Vec<Mask>, FilterError> {
        let mut masks = Vec::new();
        while self.eat("&", "bitwise_and") {
            let m = self.next()?;
            let mask = match &m.tok {
                Tok::Str(_) | Tok::Char(..) => {
                    return Err(FilterError::at(
                        format!("{} is not a valid arithmetic operand.", shown(&m.tok)),
                        (m.at, m.len),
                    ))
                }
                // An address's mask is an address; its own mask (`/8`) applies first.
                Tok::Word(w) if known(w).is_none() && !self.calls(w) => match literal(op, &m)? {
                    Lit::Bytes(b) => b,
                    Lit::V4(a, p) => (a & prefix_mask(p, 32) as u32).to_be_bytes().to_vec(),
                    Lit::V6(a, p) => (a & prefix_mask(p, 128)).to_be_bytes().to_vec(),
                    _ => return Err(unexpected(&m)),
                },
                // A field's (or a function's) values: every combination.
                Tok::Word(_) | Tok::Punct("$") => {
                    self.i -= 1;
                    self.in_mask = true;
                    let operand = self.operand();
                    self.in_mask = false;
                    let (values, token) = operand?;
                    let span = (token.at, token.len);
                    if !values.can_and() {
                        return Err(FilterError::at(
                            format!("{} cannot &.", values.ft_name()),
                            span,
                        ));
                    }
                    if values.class() != op.class() {
                        // Wireshark shows arithmetic by its operator.
                        let lhs = match (masks.is_empty(), op.field_ref()) {
                            (true, Some(f)) => f.display(),
                            // A constant, as written.
                            (true, None) => shown(&t.tok),
                            (false, _) => Op::And.symbol().to_owned(),
                        };
                        return Err(FilterError::at(
                            format!("{lhs} and {} are not type compatible.", shown(&token.tok)),
                            span,
                        ));
                    }
                    // (Wireshark 4.0 shows no place for a slice.)
                    let place = (!matches!(values, Operand::Slice(..))).then_some(span);
                    self.no_arithmetic_after(&values.ft_name(), place)?;
                    masks.push(Mask::Values(values));
                    continue;
                }
                _ => return Err(unexpected(&m)),
            };
            self.no_arithmetic_after(&op.ft_name(), Some((m.at, m.len)))?;
            masks.push(Mask::Bytes(mask));
        }
        Ok(masks)
    }

    /// Wireshark's refusal of arithmetic on a mask of bytes or an address (of type
    /// `ft_name`, at `span`), which binds before the mask: `ip.src & 255.0.0.0 + 1` is
    /// `FT_IPv4 cannot +.`
    fn no_arithmetic_after(
        &mut self,
        ft_name: &str,
        span: Option<(usize, usize)>,
    ) -> Result<(), FilterError> {
        self.split_sign();
        let op = match self.peek().map(|n| &n.tok) {
            Some(Tok::Punct(op @ ("+" | "*" | "%"))) => *op,
            Some(Tok::Word(w)) if w == "-" || w == "/" => w.as_str(),
            _ => return Ok(()),
        };
        Err(FilterError {
            message: format!("{ft_name} cannot {op}."),
            span,
            expanded: None,
            parsing: false,
        })
    }

    fn relation(&mut self) -> Result<Test, FilterError> {
        let (lhs, lhs_token) = self.lhs()?;
        match self.test(lhs.clone(), &lhs_token)? {
            Some(test) => Ok(test),
            None => exists(lhs, &lhs_token),
        }
    }

    /// A relation after `any` or `all`: it must compare (a field alone is refused), and its
    /// left side must be a field or a function.
    fn quantified(&mut self, quantifier: Quantifier) -> Result<Test, FilterError> {
        let first = self.next()?;
        let keyword = matches!(&first.tok, Tok::Word(w) if ["not", "any", "all", "and", "or"].contains(&w.as_str()));
        if !matches!(first.tok, Tok::Word(_)) || keyword {
            return Err(unexpected(&first));
        }
        if let Tok::Word(w) = &first.tok {
            let function = (FUNCTIONS.contains(&w.as_str())
                || ["max", "min", "abs"].contains(&w.as_str()))
                && matches!(self.peek().map(|t| &t.tok), Some(Tok::Punct("(")));
            if !function && known(w).is_none() {
                if matches!(self.peek().map(|t| &t.tok), Some(Tok::Punct("#"))) {
                    return Err(FilterError::at(
                        format!("{w} is not a valid field"),
                        (first.at, first.len),
                    ));
                }
                // Wireshark reads the whole relation before it looks the name up.
                let Some(op) = self.peek().cloned() else {
                    return Err(FilterError::end());
                };
                let Some(op_text) = relation_word(&op.tok) else {
                    return Err(unexpected(&op));
                };
                return Err(FilterError::at(
                    format!("Left side of \"{op_text}\" expression must be a field or function, not {w}."),
                    (first.at, first.len),
                ));
            }
        }
        self.i -= 1;
        let (lhs, lhs_token) = self.lhs()?;
        let test = match self.test(lhs, &lhs_token)? {
            Some(test) => test,
            None => {
                return Err(self.peek().map_or_else(FilterError::end, unexpected));
            }
        };
        Ok(match (quantifier, test) {
            (Quantifier::Any, Test::Compare(l, cmp, r)) => Test::Compare(l, cmp.any(), r),
            (Quantifier::Any, Test::CompareFields(l, cmp, r)) => {
                Test::CompareFields(l, cmp.any(), r)
            }
            (Quantifier::All, Test::Compare(l, cmp, r)) if cmp.is_equality() => {
                Test::Compare(l, cmp.all(), r)
            }
            (Quantifier::All, Test::CompareFields(l, cmp, r)) if cmp.is_equality() => {
                Test::CompareFields(l, cmp.all(), r)
            }
            (Quantifier::All, test) => Test::All(Box::new(test)),
            (Quantifier::Any, test) => test,
        })
    }

    /// The test that follows a left side (a comparison, `in`, `contains`, `matches`), or
    /// `None` when none follows: the left side stands alone.
    fn test(&mut self, lhs: Operand, lhs_token: &Token) -> Result<Option<Test>, FilterError> {
        let lhs_token = lhs_token.clone();
        let Some(next) = self.peek().cloned() else {
            return Ok(None);
        };
        // A text line (a label) takes part in no relation, whatever the other side.
        if let (Operand::Field(f), Some(op)) = (&lhs, relation_word(&next.tok)) {
            if class_of(f.field) == Class::None && op != "&" {
                return Err(cannot(&lhs, &lhs_token, &op));
            }
        }
        if let Some(cmp) = comparison(&next.tok) {
            self.i += 1;
            let rhs_start = self.i;
            let test = self.compared_with(lhs, cmp)?;
            // `a < b < c` is `a < b and b < c`, as in Wireshark 4.0: the right side is read
            // again as the left of the next comparison.
            let chained = self.peek().is_some_and(|n| comparison(&n.tok).is_some());
            if !chained {
                return Ok(Some(test));
            }
            let test = match test {
                Test::CompareFields(lhs, cmp, rhs) => Test::CompareFields(lhs, cmp, copied(rhs)),
                other => other,
            };
            self.i = rhs_start;
            let next = self.relation()?;
            return Ok(Some(Test::And(Box::new(test), Box::new(next))));
        }
        self.after_comparisons(lhs, lhs_token, next)
    }

    /// The right side of `lhs cmp …` and the comparison.
    fn compared_with(&mut self, lhs: Operand, cmp: Cmp) -> Result<Test, FilterError> {
        let mut rhs = self.sum(true)?;
        // `&` on the right, between numbers (`tcp.srcport > 1 & 1`).
        while lhs.class() == Class::Int
            && matches!(self.peek().map(|n| &n.tok), Some(Tok::Punct("&")))
        {
            self.i += 1;
            let mask = self.mask_sum()?;
            let shown_lhs = match &rhs {
                Raw::Lit(t) | Raw::Operand(_, t) => shown(&t.tok),
                Raw::Bin(_, op, _) => op.symbol().to_owned(),
                other => shown(&other.token().tok),
            };
            check_int_mask(&shown_lhs, &mask)?;
            rhs = Raw::Bin(Box::new(rhs), Op::And, Box::new(mask));
        }
        // `&` on the right after bytes or an address (`ip.src == 127.0.0.1 & ip.dst`).
        if let (Raw::Lit(first), Some(Tok::Punct("&"))) = (&rhs, self.peek().map(|n| &n.tok)) {
            let first = first.clone();
            return self.masked_literal(lhs, cmp, first);
        }
        let rhs = match rhs {
            Raw::Lit(rhs) => {
                let lit = compared(&lhs, &rhs)?;
                return Ok(Test::Compare(lhs, cmp, lit));
            }
            Raw::Operand(op, token) => {
                incompatible(&lhs, &op, &token)?;
                op
            }
            raw => Operand::Arith(Box::new(typed(raw, Some(&lhs))?)),
        };
        Ok(Test::CompareFields(lhs, cmp, rhs))
    }

    /// The test after `lhs` (written `lhs_token`) other than a comparison, `next` its first
    /// token: `contains`, `matches`, `in`; `None` when none follows.
    fn after_comparisons(
        &mut self,
        lhs: Operand,
        lhs_token: Token,
        next: Token,
    ) -> Result<Option<Test>, FilterError> {
        // max(), min() and abs() are functions to Wireshark's grammar, not arithmetic.
        let function =
            matches!(&lhs, Operand::Arith(a) if matches!(**a, Arith::Extreme(..) | Arith::Abs(_)));
        let arithmetic = !function
            && matches!(
                lhs,
                Operand::Arith(_) | Operand::Masked(..) | Operand::BytesAnd(..)
            );
        // `not in`, `!in`: the relation `in`, negated (after an entity only).
        let not = matches!(&next.tok, Tok::Word(w) if w == "not") || next.tok == Tok::Punct("!");
        if not && !arithmetic {
            self.i += 1;
            let then = self.peek().cloned().ok_or_else(FilterError::end)?;
            if !matches!(&then.tok, Tok::Word(w) if w == "in") {
                return Err(unexpected(&then));
            }
            let test = self.after_comparisons(lhs, lhs_token, then)?;
            return Ok(test.map(|t| Test::Not(Box::new(t))));
        }
        // Only a comparison follows arithmetic.
        let set_or_text = matches!(&next.tok, Tok::Word(w) if ["contains", "matches", "~", "in"].contains(&w.as_str()));
        if (set_or_text || not) && arithmetic {
            return Err(unexpected(&next));
        }
        // Only a field (no function, slice or reference) is tested for membership.
        let field = matches!(&lhs, Operand::Field(f) if !f.reference);
        if matches!(&next.tok, Tok::Word(w) if w == "in") && !field {
            return Err(FilterError {
                message: "Only a field may be tested for membership in a set.".to_owned(),
                // (Wireshark 4.0 shows no place for a slice.)
                span: (!matches!(lhs, Operand::Slice(..))).then_some((lhs_token.at, lhs_token.len)),
                expanded: None,
                parsing: false,
            });
        }
        match &next.tok {
            Tok::Word(w) if w == "contains" => {
                self.i += 1;
                if !matches!(lhs.class(), Class::Bytes | Class::Str) {
                    return Err(cannot(&lhs, &lhs_token, "contains"));
                }
                let rhs = self.next()?;
                // A field (or a reference) on the right: its values, of a type Wireshark
                // compares with the left side's (`eth.src contains eth.dst`).
                let call = matches!(self.peek().map(|n| &n.tok), Some(Tok::Punct("(")));
                let field = match &rhs.tok {
                    Tok::Punct("$") => true,
                    Tok::Word(w) => known(w).is_some() || (call && FUNCTIONS.contains(&w.as_str())),
                    _ => false,
                };
                if field {
                    self.i -= 1;
                    let (op, token) = self.operand()?;
                    incompatible(&lhs, &op, &token)?;
                    return Ok(Some(Test::ContainsValues(lhs, op)));
                }
                let ether = matches!(&lhs, Operand::Field(f) if f.field.kind == Kind::Ether);
                let needle = match (&rhs.tok, lhs.class()) {
                    // An Ethernet address takes no string.
                    (Tok::Str(_), _) if ether => {
                        return Err(literal(&lhs, &rhs)
                            .err()
                            .unwrap_or_else(|| unexpected(&rhs)))
                    }
                    (Tok::Str(s), _) => s.clone(),
                    (Tok::Char(..), _) => match literal(&lhs, &rhs)? {
                        Lit::Bytes(b) => b,
                        Lit::Str(s) => s.into_bytes(),
                        _ => return Err(unexpected(&rhs)),
                    },
                    (Tok::Word(w), Class::Str) => w.as_bytes().to_vec(),
                    (Tok::Word(w), _) => bytes_literal(w).map_err(|read| {
                        FilterError::at(
                            format!("\"{read}\" is not a valid byte string."),
                            (rhs.at, rhs.len),
                        )
                    })?,
                    _ => return Err(unexpected(&rhs)),
                };
                Ok(Some(Test::Contains(lhs, needle)))
            }
            Tok::Word(w) if w == "matches" || w == "~" => {
                self.i += 1;
                if !matches!(lhs.class(), Class::Bytes | Class::Str) {
                    return Err(cannot(&lhs, &lhs_token, "matches"));
                }
                let rhs = self.next()?;
                let Tok::Str(pattern) = &rhs.tok else {
                    return Err(match rhs.tok {
                        Tok::Punct(_) => unexpected(&rhs),
                        _ => FilterError::at(
                            "Matches requires a double quoted string on the right side.",
                            (rhs.at, rhs.len),
                        ),
                    });
                };
                let pattern = String::from_utf8_lossy(pattern).into_owned();
                // Wireshark 4.0 matches regardless of case unless told (`(?-i)`).
                let re = regex::bytes::RegexBuilder::new(&pattern)
                    .unicode(false)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| FilterError {
                        // Wireshark's words around the regular expression library's own.
                        message: format!(
                            "Regex compilation error: {}.",
                            e.to_string()
                                .lines()
                                .last()
                                .unwrap_or("")
                                .trim()
                                .trim_start_matches("error: ")
                        ),
                        span: None,
                        expanded: None,
                        parsing: false,
                    })?;
                Ok(Some(Test::Matches(lhs, re)))
            }
            Tok::Word(w) if w == "in" => {
                self.i += 1;
                let open = self.next()?;
                if open.tok != Tok::Punct("{") {
                    return Err(unexpected(&open));
                }
                let mut members = Vec::new();
                loop {
                    let t = self.next()?;
                    members.push(self.member(&lhs, &t)?);
                    let sep = self.next()?;
                    match sep.tok {
                        Tok::Punct(",") => {}
                        Tok::Punct("}") => break,
                        _ => return Err(unexpected(&sep)),
                    }
                }
                Ok(Some(Test::In(lhs, members)))
            }
            _ => Ok(None),
        }
    }

    /// `lhs cmp first & …`: a literal of bytes or an address, `first`, and its masks, as
    /// Wireshark reads arithmetic on the right of a comparison: `first` of `lhs`'s type, the
    /// result of that type, an address keeping `first`'s network prefix (compared under it).
    /// Masks of literals only make one literal.
    fn masked_literal(
        &mut self,
        lhs: Operand,
        cmp: Cmp,
        first: Token,
    ) -> Result<Test, FilterError> {
        if matches!(first.tok, Tok::Str(_) | Tok::Char(..)) {
            return Err(FilterError::at(
                format!("{} is not a valid arithmetic operand.", shown(&first.tok)),
                (first.at, first.len),
            ));
        }
        let lit = literal(&lhs, &first)?;
        if !lhs.can_and() {
            return Err(FilterError::at(
                format!("{} cannot &.", lhs.ft_name()),
                (first.at, first.len),
            ));
        }
        let (bits, prefix) = match lit {
            Lit::V4(_, p) => (32, p),
            Lit::V6(_, p) => (128, p),
            _ => (0, 0),
        };
        let masks = self.masks(&Operand::Const(lit.clone(), Box::new(lhs.clone())), &first)?;
        let mut lit = lit;
        // Literal masks: one literal.
        if masks.iter().all(|m| matches!(m, Mask::Bytes(_))) {
            for m in &masks {
                let Mask::Bytes(b) = m else { continue };
                lit = match lit {
                    Lit::V4(a, p) => {
                        Lit::V4(a & b.as_slice().try_into().map_or(0, u32::from_be_bytes), p)
                    }
                    Lit::V6(a, p) => Lit::V6(
                        a & b.as_slice().try_into().map_or(0, u128::from_be_bytes),
                        p,
                    ),
                    Lit::Bytes(a) => Lit::Bytes(a.iter().zip(b).map(|(x, y)| x & y).collect()),
                    other => other,
                };
            }
            return Ok(Test::Compare(lhs, cmp, lit));
        }
        let mut rhs =
            Operand::BytesAnd(Box::new(Operand::Const(lit, Box::new(lhs.clone()))), masks);
        let mut lhs = lhs;
        // A network prefix: both sides compared under it.
        if bits > 0 && u32::from(prefix) < bits {
            let m = prefix_mask(prefix, bits);
            let bytes = match bits {
                32 => (m as u32).to_be_bytes().to_vec(),
                _ => m.to_be_bytes().to_vec(),
            };
            lhs = with_mask(lhs, Mask::Bytes(bytes.clone()));
            rhs = with_mask(rhs, Mask::Bytes(bytes));
        }
        Ok(Test::CompareFields(lhs, cmp, rhs))
    }

    /// One member of a set: a value, a field or function, or `low..high` of those.
    fn member(&mut self, lhs: &Operand, t: &Token) -> Result<Member, FilterError> {
        let low = self.bound(lhs, t)?;
        if self.eat("..", "") {
            let t = self.next()?;
            let high = self.bound(lhs, &t)?;
            return Ok(match (low, high) {
                (Bound::Lit(a), Bound::Lit(b)) => Member::Range(a, b),
                (a, b) => Member::Between(a, b),
            });
        }
        Ok(match low {
            Bound::Lit(lit) => Member::One(lit),
            Bound::Values(op) => Member::Field(op),
        })
    }

    /// A value in a set, `t` its first token: a literal, or a field's or function's values.
    fn bound(&mut self, lhs: &Operand, t: &Token) -> Result<Bound, FilterError> {
        let call = matches!(self.peek().map(|n| &n.tok), Some(Tok::Punct("(")));
        let named = t.tok == Tok::Punct("$")
            || matches!(&t.tok, Tok::Word(w)
            if known(w).is_some() || (call && FUNCTIONS.contains(&w.as_str())));
        if !named {
            return Ok(Bound::Lit(compared(lhs, t)?));
        }
        self.i -= 1;
        let (op, token) = self.operand()?;
        incompatible(lhs, &op, &token)?;
        Ok(Bound::Values(op))
    }
}

/// A field alone: present or not; a masked field: some bit set (a function alone is
/// refused).
/// The middle of a chained comparison (`b` in `a < b < c`) as Wireshark 4.0 copies it for
/// the first comparison: its copy of arithmetic (`stnode_dup`, `oper_dup` in
/// `epan/dfilter/sttype-op.c`) takes the first operand twice, so `tcp.len + 10` is compared
/// as `tcp.len + tcp.len`, and a mask (`x & m`) as `x & x`, which is `x`. A sign copied
/// so leaves the result without a value (tshark then also negates the field's values that
/// the next comparison reads; that is not followed here).
fn copied(op: Operand) -> Operand {
    fn arith(a: Arith) -> Arith {
        match a {
            Arith::Bin(x, op, _) => {
                let x = arith(*x);
                Arith::Bin(Box::new(x.clone()), op, Box::new(x))
            }
            Arith::Value(op) => Arith::Value(copied(op)),
            Arith::Neg(_) => Arith::Nothing,
            other => other,
        }
    }
    match op {
        Operand::Masked(f, _) => Operand::Field(f),
        Operand::BytesAnd(inner, _) => *inner,
        Operand::Arith(a) => Operand::Arith(Box::new(arith(*a))),
        other => other,
    }
}

/// The comparison `tok` is, if it is one.
fn comparison(tok: &Tok) -> Option<Cmp> {
    Some(match tok {
        Tok::Punct("==") => Cmp::AnyEq,
        Tok::Punct("!=") => Cmp::AllNe,
        Tok::Punct("===") => Cmp::AllEq,
        Tok::Punct("!==") | Tok::Punct("~=") => Cmp::AnyNe,
        Tok::Punct("<") => Cmp::Lt,
        Tok::Punct("<=") => Cmp::Le,
        Tok::Punct(">") => Cmp::Gt,
        Tok::Punct(">=") => Cmp::Ge,
        Tok::Word(w) => match w.as_str() {
            "eq" | "any_eq" => Cmp::AnyEq,
            "ne" | "all_ne" => Cmp::AllNe,
            "all_eq" => Cmp::AllEq,
            "any_ne" => Cmp::AnyNe,
            "lt" => Cmp::Lt,
            "le" => Cmp::Le,
            "gt" => Cmp::Gt,
            "ge" => Cmp::Ge,
            _ => return None,
        },
        _ => return None,
    })
}

/// `op` with one more mask.
fn with_mask(op: Operand, mask: Mask) -> Operand {
    match op {
        Operand::BytesAnd(inner, mut masks) => {
            masks.push(mask);
            Operand::BytesAnd(inner, masks)
        }
        other => Operand::BytesAnd(Box::new(other), vec![mask]),
    }
}

fn exists(lhs: Operand, t: &Token) -> Result<Test, FilterError> {
    match lhs {
        Operand::Field(f) if f.reference => Err(FilterError::at(
            format!("{} is neither a field nor a protocol name.", f.display()),
            (t.at, t.len),
        )),
        Operand::Field(f) => Ok(Test::Exists(f)),
        // Arithmetic alone, masked bytes or addresses: true when some value is not zero
        // (Wireshark's `DFVM_NOT_ALL_ZERO`).
        Operand::Arith(_) | Operand::BytesAnd(..) => Ok(Test::NotZero(lhs)),
        Operand::Masked(..) => Ok(Test::Compare(lhs, Cmp::AnyNe, Lit::Int(0))),
        Operand::Slice(..) => Ok(Test::NotEmpty(lhs)),
        _ => Err(FilterError::at(
            "You cannot test whether a function is present.",
            (t.at, t.len),
        )),
    }
}

/// The functions of one field.
const FUNCTIONS: [&str; 5] = ["len", "count", "upper", "lower", "string"];

/// Wireshark's refusal of arithmetic with no field on the left side.
/// Wireshark's refusal of `shown`, a word that names no field, on the left of what `next`
/// begins; `None` where it says the word is neither a field nor a protocol's name (a literal,
/// `literal`, is refused so then too).
fn not_a_field(shown: &str, next: Option<&Token>, literal: bool) -> Option<String> {
    let left = |op: &str| {
        format!("Left side of {op} expression must be a field or function, not {shown}.")
    };
    match next.map(|n| &n.tok) {
        Some(Tok::Punct("[")) => Some(format!("Range is not supported for entity {shown}")),
        Some(Tok::Punct("+" | "*" | "%" | "&")) => Some(CONSTANT_LHS.to_owned()),
        Some(Tok::Word(x)) if x == "-" || x == "/" || x == "bitwise_and" || x.starts_with('-') => {
            Some(CONSTANT_LHS.to_owned())
        }
        Some(Tok::Word(x)) if x == "in" || x == "not" => {
            Some("Only a field may be tested for membership in a set.".to_owned())
        }
        Some(Tok::Word(x)) if x == "contains" || x == "matches" || x == "~" => Some(left(x)),
        Some(tok) if relation_word(tok).is_some() => {
            relation_word(tok).map(|op| left(&format!("\"{op}\"")))
        }
        _ if literal => Some(format!("{shown} is neither a field nor a protocol name.")),
        _ => None,
    }
}

const CONSTANT_LHS: &str = "Constant arithmetic expression on the LHS is invalid.";

fn constant_lhs(t: &Token) -> FilterError {
    FilterError::at(CONSTANT_LHS, (t.at, t.len))
}

/// An arithmetic expression with its literals read as the type of the field they are
/// computed with (`ty` when no field is beside them), refused as Wireshark refuses it.
fn typed(raw: Raw, ty: Option<&Operand>) -> Result<Arith, FilterError> {
    let at = |message: String, t: &Token| FilterError::at(message, (t.at, t.len));
    let own = raw.operand().cloned();
    let ty = own.as_ref().or(ty);
    Ok(match raw {
        Raw::Operand(op, _) => Arith::Value(op),
        Raw::Lit(t) => {
            if matches!(t.tok, Tok::Str(_) | Tok::Char(..)) {
                return Err(at(
                    format!("{} is not a valid arithmetic operand.", shown(&t.tok)),
                    &t,
                ));
            }
            let Some(ty) = ty else {
                return Err(constant_lhs(&t));
            };
            match literal(ty, &t)? {
                Lit::Negative(_) => Arith::Nothing,
                lit => Arith::Lit(lit),
            }
        }
        Raw::Neg(a) => {
            if let Some(o) = a.operand().filter(|o| !o.takes(Op::Sub)) {
                return Err(at(format!("{} cannot -.", o.ft_name()), a.token()));
            }
            Arith::Neg(Box::new(typed(*a, ty)?))
        }
        Raw::Bin(a, op, b) => {
            for side in [&*a, &*b] {
                if let Some(o) = side.operand() {
                    if !o.takes(op) {
                        let message = format!("{} cannot {}.", o.ft_name(), op.symbol());
                        return Err(at(message, side.token()));
                    }
                }
            }
            // Literals alone, read as a field's type that does not take the operator: the
            // first is read (its own error comes first), then refused.
            if let (None, None, Some(o)) = (a.operand(), b.operand(), ty) {
                if !o.takes(op) {
                    let message = format!("{} cannot {}.", o.ft_name(), op.symbol());
                    let first = a.token().clone();
                    typed(*a, Some(o))?;
                    return Err(at(message, &first));
                }
            }
            if let (Some(x), Some(y)) = (a.operand(), b.operand()) {
                if x.class() != y.class() {
                    let message = format!("{} and {} are not type compatible.", a.name(), b.name());
                    return Err(at(message, b.token()));
                }
            }
            Arith::Bin(Box::new(typed(*a, ty)?), op, Box::new(typed(*b, ty)?))
        }
        Raw::Extreme(greatest, args, name) => {
            let function = if greatest { "max" } else { "min" };
            let Some(first) = args.first() else {
                let message = format!("Function {function} needs at least 1 arguments.");
                return Err(at(message, &name));
            };
            let Some(first_op) = first.operand().cloned() else {
                let message = format!("Argument '{}' is not valid for {function}()", first.name());
                return Err(at(message, first.token()));
            };
            let expected = first_op.ft_name();
            for arg in &args[1..] {
                if let Some(got) = arg.operand().map(Operand::ft_name) {
                    if got != expected {
                        let message = format!(
                            "Arguments to '{function}' must have the same type (expected {expected}, got {got})"
                        );
                        return Err(at(message, arg.token()));
                    }
                }
            }
            let args = args
                .into_iter()
                .map(|a| typed(a, Some(&first_op)))
                .collect::<Result<_, _>>()?;
            Arith::Extreme(greatest, args)
        }
        Raw::Abs(a, _) => {
            let Some(o) = a.operand() else {
                return Err(at(
                    "Need a field or field-like value on the LHS.".to_owned(),
                    a.token(),
                ));
            };
            if !matches!(o.class(), Class::Int | Class::Float | Class::Time) {
                let message = format!("'{}' is not a valid argument to 'abs'()", a.name());
                return Err(at(message, a.token()));
            }
            Arith::Abs(Box::new(typed(*a, ty)?))
        }
    })
}

/// Refuses a field compared with a field or function whose values its type cannot be
/// compared with, as Wireshark does (`ip.src == tcp.port`); `rhs_token` is the right side's
/// name.
fn incompatible(lhs: &Operand, rhs: &Operand, rhs_token: &Token) -> Result<(), FilterError> {
    let Operand::Field(a) = lhs else {
        return Ok(());
    };
    let span = (rhs_token.at, rhs_token.len);
    let (kind, function) = match rhs {
        Operand::Field(b) => {
            if compatible(a.field.kind, b.field.kind) {
                return Ok(());
            }
            let message = format!(
                "{} and {} are not of compatible types.",
                a.display(),
                b.display()
            );
            return Err(FilterError::at(message, span));
        }
        Operand::Len(_) => (Kind::UInt(32, crate::tree::Base::Dec), "len"),
        Operand::Count(_) => (Kind::UInt(32, crate::tree::Base::Dec), "count"),
        Operand::Upper(_) => (Kind::Str, "upper"),
        Operand::Lower(_) => (Kind::Str, "lower"),
        Operand::String(_) => (Kind::Str, "string"),
        _ => return Ok(()),
    };
    if compatible(a.field.kind, kind) {
        return Ok(());
    }
    let returned = Field { kind, ..*a.field };
    Err(FilterError::at(
        format!(
            "{} (type={}) and return value of {function}() (type={}) are not of compatible types.",
            a.field.abbrev,
            type_name(a.field),
            type_name(&returned)
        ),
        span,
    ))
}

/// Whether Wireshark compares a field of type `a` with values of type `b`: integers with
/// integers (a Boolean only with a Boolean on the left), byte strings with byte strings,
/// every other type only with itself.
fn compatible(a: Kind, b: Kind) -> bool {
    let integer = |k| matches!(k, Kind::UInt(..) | Kind::Int | Kind::FrameNum | Kind::Bool);
    match a {
        Kind::UInt(..) | Kind::Int | Kind::FrameNum => integer(b),
        Kind::Ether | Kind::Bytes => matches!(b, Kind::Ether | Kind::Bytes),
        _ => std::mem::discriminant(&a) == std::mem::discriminant(&b),
    }
}

/// The error for an operator a field's type does not take.
fn cannot(lhs: &Operand, t: &Token, what: &str) -> FilterError {
    let Some(field) = lhs.field_ref().map(|f| f.field) else {
        return unexpected(t);
    };
    // A function is shown by its name and the type of its result.
    let (shown_lhs, type_name) = match lhs {
        Operand::Len(_) | Operand::Count(_) => (
            format!("Function {}", shown(&t.tok)),
            "Unsigned integer (4 bytes)".to_owned(),
        ),
        Operand::Arith(a) if matches!(**a, Arith::Extreme(..) | Arith::Abs(_)) => {
            (format!("Function {}", shown(&t.tok)), type_name(field))
        }
        _ => (field.abbrev.to_owned(), type_name(field)),
    };
    FilterError::at(
        format!("{shown_lhs} (type={type_name}) cannot participate in {what} comparison."),
        (t.at, t.len),
    )
}

/// True for a word that reads as a value rather than a name: a number, an address.
fn is_literal(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_digit() || c == '-')
}

/// The literal `t` holds, read as the class of `lhs` (an arithmetic operand, a mask, a value
/// after a sign: no value names).
fn literal(lhs: &Operand, t: &Token) -> Result<Lit, FilterError> {
    read_literal(lhs, t, None).map_err(|e| other_field(t).unwrap_or(e))
}

/// For a word that is no literal of the type wanted and lies under one of Wireshark's other
/// protocols (`dns.id`), the refusal that names the protocol: Wireshark would read it as a
/// field, which this program cannot know the type of.
fn other_field(t: &Token) -> Option<FilterError> {
    let Tok::Word(w) = &t.tok else {
        return None;
    };
    super::names::in_other_protocol(w).map(|m| FilterError::at(m, (t.at, t.len)))
}

/// The literal `t` compared with `lhs` (or in a set `lhs` is tested for membership in): read
/// as `lhs`'s class, else, for a word or string, as one of the value names of the field
/// Wireshark takes them from ([`names_field`]).
fn compared(lhs: &Operand, t: &Token) -> Result<Lit, FilterError> {
    read_literal(lhs, t, names_field(lhs)).map_err(|e| other_field(t).unwrap_or(e))
}

/// The field whose value names a literal compared with `lhs` may be: a field (or its
/// reference, or its masked value), or the first operand of arithmetic, as Wireshark's
/// `check_relation_LHS_ARITHMETIC` takes it; none for a function or a slice.
fn names_field(lhs: &Operand) -> Option<&'static Field> {
    fn first(a: &Arith) -> Option<&'static Field> {
        match a {
            Arith::Value(op) => names_field(op),
            Arith::Neg(a) | Arith::Bin(a, _, _) => first(a),
            _ => None,
        }
    }
    match lhs {
        Operand::Field(f) | Operand::Masked(f, _) => Some(f.field),
        Operand::Arith(a) => first(a),
        _ => None,
    }
}

/// The field whose type a literal compared with `op` is read as: arithmetic's first field,
/// a mask's field, a constant's (see [`Operand::Const`]).
fn typing_field(op: &Operand) -> Option<&'static Field> {
    match op {
        Operand::Field(f) | Operand::Masked(f, _) => Some(f.field),
        Operand::BytesAnd(inner, _) | Operand::Const(_, inner) => typing_field(inner),
        Operand::Arith(a) => match a.operand() {
            Some(Operand::Field(f)) => Some(f.field),
            _ => None,
        },
        _ => None,
    }
}

fn read_literal(
    lhs: &Operand,
    t: &Token,
    names: Option<&'static Field>,
) -> Result<Lit, FilterError> {
    // A sign before a value that has none (an address, bytes, text): the value is read,
    // then the sign refused, as Wireshark does.
    if let Tok::Word(w) = &t.tok {
        let boolean = matches!(lhs, Operand::Field(f) if f.field.kind == Kind::Bool);
        let signless = boolean || !matches!(lhs.class(), Class::Int | Class::Float | Class::Time);
        if let Some(rest) = w.strip_prefix('-').filter(|r| signless && !r.is_empty()) {
            // After a sign a Boolean's value names are not looked up.
            let named = ["True", "TRUE", "False", "FALSE"].contains(&rest);
            if boolean && integer(rest).is_none() && !named {
                return Err(not_a_number(w, (t.at, t.len)));
            }
            let inner = Token {
                tok: Tok::Word(rest.to_owned()),
                at: t.at + 1,
                len: t.len - 1,
            };
            literal(lhs, &inner)?;
            return Err(FilterError::at(
                format!("{} cannot -.", lhs.ft_name()),
                (inner.at, inner.len),
            ));
        }
    }
    let span = (t.at, t.len);
    let field = typing_field(lhs);
    match (&t.tok, lhs.class()) {
        (Tok::Char(value, _), _) => char_literal(lhs, *value, field, span),
        (Tok::Word(w), Class::Int) => {
            let boolean = field.is_some_and(|f| f.kind == Kind::Bool);
            let value = match w.as_str() {
                "True" | "TRUE" if boolean => Ok(1),
                "False" | "FALSE" if boolean => Ok(0),
                _ => integer_of(field, w, t),
            };
            // A word the field's type does not read is looked up among its value names (not
            // after a sign).
            let value = match (value, names) {
                (Ok(v), _) => v,
                (Err(e), Some(f)) if !w.starts_with('-') => match super::names::value_named(f, w) {
                    Some(named) => named
                        .map_err(|m| FilterError::at(m, span))
                        .map(i128::from)?,
                    None => return Err(e),
                },
                (Err(e), _) => return Err(e),
            };
            // A Boolean is true for any value but zero.
            if boolean {
                return Ok(Lit::Int(i128::from(value != 0)));
            }
            if value < 0 && lhs.unsigned() {
                return Ok(Lit::Negative(value));
            }
            Ok(Lit::Int(value))
        }
        (Tok::Word(w), Class::Float) => double(w)
            .map(Lit::Float)
            .ok_or_else(|| after_sign(w, span, "is not a valid floating-point number.")),
        (Tok::Word(w), Class::Time) => super::time::relative(w)
            .map(Lit::Time)
            .ok_or_else(|| after_sign(w, span, "is not a valid time.")),
        (Tok::Word(w), Class::V4) => {
            // The message names the address without its prefix.
            let addr = w.split_once('/').map_or(w.as_str(), |(a, _)| a);
            let (a, p) = cidr::<Ipv4Addr>(w, 32, "IPv4", addr, span, |p| {
                format!("Netmask bits in a CIDR IPv4 address should be <= 32, not {p}")
            })?;
            Ok(Lit::V4(u32::from(a), p))
        }
        (Tok::Word(w), Class::V6) => {
            // Unlike IPv4's, the message names the prefix too.
            let (a, p) = cidr::<Ipv6Addr>(w, 128, "IPv6", w, span, |p| {
                format!("Prefix in a IPv6 address should be <= 128, not {p}")
            })?;
            Ok(Lit::V6(u128::from(a), p))
        }
        (Tok::Word(w), Class::Bytes) => {
            let ether = field.is_some_and(|f| f.kind == Kind::Ether);
            let bytes = bytes_literal(w).map_err(|read| match ether {
                true => FilterError::at(format!("\"{w}\" is not a valid Ethernet address."), span),
                false => FilterError::at(format!("\"{read}\" is not a valid byte string."), span),
            })?;
            if ether && bytes.len() != 6 {
                let few = if bytes.len() < 6 { "few" } else { "many" };
                return Err(FilterError::at(
                    format!("\"{w}\" contains too {few} bytes to be a valid Ethernet address."),
                    span,
                ));
            }
            Ok(Lit::Bytes(bytes))
        }
        (Tok::Word(_) | Tok::Str(_), Class::Date) => {
            let text = match &t.tok {
                Tok::Str(s) => String::from_utf8_lossy(s).into_owned(),
                other => shown(other),
            };
            super::time::absolute(&text).map(Lit::Time).map_err(|why| {
                let message = why.map_or_else(
                    || {
                        format!(
                            "\"{text}\" is not a valid absolute time. Example: \"Nov 12, 1999 \
                             08:55:44.123\" or \"2011-07-04 12:34:56\""
                        )
                    },
                    str::to_owned,
                );
                FilterError::at(message, span)
            })
        }
        (Tok::Str(s), Class::Bytes) if field.is_some_and(|f| f.kind == Kind::Ether) => {
            Err(FilterError::at(
                format!(
                    "Ethernet or other MAC address cannot be converted from a string (\"{}\").",
                    String::from_utf8_lossy(s)
                ),
                span,
            ))
        }
        (Tok::Str(s), Class::Bytes) => Ok(Lit::Bytes(s.clone())),
        (Tok::Word(w), Class::Str) => Ok(Lit::Str(w.clone())),
        (Tok::Str(s), Class::Str) => Ok(Lit::Str(String::from_utf8_lossy(s).into_owned())),
        (Tok::Str(s), Class::V4) => Err(FilterError::at(
            format!(
                "IPv4 address cannot be converted from a string (\"{}\").",
                String::from_utf8_lossy(s)
            ),
            span,
        )),
        (Tok::Str(s), Class::V6) => Err(FilterError::at(
            format!(
                "IPv6 address cannot be converted from a string (\"{}\").",
                String::from_utf8_lossy(s)
            ),
            span,
        )),
        // A string for an integer field is one of its value names (a Boolean always has
        // two), if it has any.
        (Tok::Str(s), Class::Int) if names.is_some_and(super::names::has_names) => {
            let word = String::from_utf8_lossy(s);
            match names.and_then(|f| super::names::value_named(f, &word)) {
                Some(Ok(value)) if names.is_some_and(|f| f.kind == Kind::Bool) => {
                    Ok(Lit::Int(i128::from(value != 0)))
                }
                Some(Ok(value)) => Ok(Lit::Int(i128::from(value))),
                Some(Err(m)) => Err(FilterError::at(m, span)),
                None => Err(unexpected(t)),
            }
        }
        (Tok::Str(s), Class::Int | Class::Float | Class::Time) => {
            // Functions and arithmetic without a field give unsigned integers of 4 bytes.
            let pretty = field.map_or_else(|| "Unsigned integer (4 bytes)".to_owned(), type_name);
            Err(FilterError::at(
                format!(
                    "{pretty} cannot be converted from a string (\"{}\").",
                    String::from_utf8_lossy(s)
                ),
                span,
            ))
        }
        (Tok::Punct(_), _) => Err(unexpected(t)),
        (_, Class::None) => {
            let f = field.map_or("", |f| f.abbrev);
            Err(FilterError::at(
                format!("{f} is a field that cannot be compared with a value."),
                span,
            ))
        }
    }
}

/// A floating-point number as Wireshark reads one (C's `strtod`): decimal with an optional
/// exponent, hexadecimal (`0x1p-3`), `inf`, `nan`, with a sign.
fn double(w: &str) -> Option<f64> {
    let (neg, digits) = match w.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, w.strip_prefix('+').unwrap_or(w)),
    };
    let v = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => {
            let (mantissa, exp) = match hex.split_once(['p', 'P']) {
                Some((m, e)) => (m, e.parse::<i32>().ok()?),
                None => (hex, 0),
            };
            let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
            if whole.is_empty() && frac.is_empty() {
                return None;
            }
            let mut v = 0f64;
            for c in whole.chars().chain(frac.chars()) {
                v = v * 16.0 + f64::from(c.to_digit(16)?);
            }
            let frac_digits = i32::try_from(frac.len()).ok()?;
            v * 2f64.powi(exp - 4 * frac_digits)
        }
        None if digits.starts_with(['+', '-']) => return None,
        None => digits.parse::<f64>().ok()?,
    };
    Some(if neg { -v } else { v })
}

/// An address with an optional `/prefix` of at most `max` bits, refused in Wireshark's
/// words: `named` is what the message calls an address that does not parse, `too_long`
/// words a prefix over `max`.
fn cidr<A: std::str::FromStr>(
    w: &str,
    max: u32,
    family: &str,
    named: &str,
    span: (usize, usize),
    too_long: impl Fn(u32) -> String,
) -> Result<(A, u8), FilterError> {
    let not_valid = |what: &str| {
        FilterError::at(
            format!("\"{what}\" is not a valid hostname or {family} address."),
            span,
        )
    };
    let (addr, prefix) = w.split_once('/').unwrap_or((w, ""));
    let a = addr.parse::<A>().map_err(|_| not_valid(named))?;
    if prefix.is_empty() && !w.contains('/') {
        return Ok((a, max as u8));
    }
    match prefix.parse::<u32>() {
        Ok(p) if p <= max => Ok((a, p as u8)),
        Ok(p) => Err(FilterError::at(too_long(p), span)),
        Err(_) => Err(not_valid(w)),
    }
}

/// An integer as Wireshark reads one: decimal, `0x` hex, `0b` binary, `0` octal, with a sign.
fn integer(w: &str) -> Option<i128> {
    let (neg, digits) = match w.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, w),
    };
    let v = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i128::from_str_radix(hex, 16).ok()?
    } else if let Some(binary) = digits
        .strip_prefix("0b")
        .or_else(|| digits.strip_prefix("0B"))
    {
        i128::from_str_radix(binary, 2).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse::<i128>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// A byte string: hex pairs separated by `:`, `-` or `.` (`aa:bb:cc`), or one byte (`12`).
/// A byte string as Wireshark reads one: hex digits, two to a byte (or one before a
/// separator or at the end), in groups of up to four, the groups separated by `:`, `-` or
/// `.` (`aa:bb:cc`, `0000.5e00.5301`, `7765`).
/// Wireshark's refusal of `w` as a number; after a sign, of what follows the sign (the sign
/// is an operator of its own there).
/// The integer `t`'s word `w` is, read as `field`'s type (any integer without one), or the
/// error Wireshark gives for it: not a number, or too big for the field.
fn integer_of(field: Option<&Field>, w: &str, t: &Token) -> Result<i128, FilterError> {
    let span = (t.at, t.len);
    let value = integer(w).ok_or_else(|| not_a_number(w, span))?;
    if let Some(Field {
        kind: Kind::UInt(bits, _),
        ..
    }) = field
    {
        let max = if *bits >= 64 {
            u64::MAX as i128
        } else {
            (1i128 << bits) - 1
        };
        // `-256` is a sign and `256`, which the type must hold.
        if value.abs() > max {
            let (digits, span) = match w.strip_prefix('-') {
                Some(d) => (d, (t.at + 1, t.len - 1)),
                None => (w, span),
            };
            return Err(FilterError::at(
                format!("\"{digits}\" too big for this field, maximum {max}."),
                span,
            ));
        }
    }
    Ok(value)
}

fn not_a_number(w: &str, span: (usize, usize)) -> FilterError {
    after_sign(w, span, "is not a valid number.")
}

/// `"w" why`, naming and pointing at what follows a sign, if `w` starts with one.
fn after_sign(w: &str, span: (usize, usize), why: &str) -> FilterError {
    match w.strip_prefix('-').filter(|rest| !rest.is_empty()) {
        Some(rest) => FilterError::at(format!("\"{rest}\" {why}"), (span.0 + 1, span.1 - 1)),
        None => FilterError::at(format!("\"{w}\" {why}"), span),
    }
}

/// A quoted literal as an error shows it: a string in double quotes, its escapes read; a
/// character constant as written.
pub(super) fn shown(tok: &Tok) -> String {
    match tok {
        Tok::Str(s) => format!("\"{}\"", String::from_utf8_lossy(s)),
        Tok::Char(_, written) => written.clone(),
        Tok::Word(w) => w.clone(),
        Tok::Punct(p) => (*p).to_owned(),
    }
}

/// A character constant read as the type of `lhs` (`field`, when it is a field's), as
/// Wireshark converts one: a number for integers and Booleans, a one-character string, one
/// byte; other types refuse it.
fn char_literal(
    lhs: &Operand,
    value: u32,
    field: Option<&'static Field>,
    span: (usize, usize),
) -> Result<Lit, FilterError> {
    let kind = field.map(|f| f.kind);
    match lhs.class() {
        // A Boolean is true for any value but 0.
        Class::Int if kind == Some(Kind::Bool) => return Ok(Lit::Int(i128::from(value != 0))),
        Class::Int => return Ok(Lit::Int(i128::from(value))),
        Class::Str => {
            let c = char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER);
            return Ok(Lit::Str(c.to_string()));
        }
        Class::Bytes if kind != Some(Kind::Ether) => {
            return u8::try_from(value)
                .map(|b| Lit::Bytes(vec![b]))
                .map_err(|_| {
                    FilterError::at(format!("{value} is too large for a byte value"), span)
                })
        }
        _ => {}
    }
    let pretty = field.map_or_else(|| "Byte sequence".to_owned(), type_name);
    let message = match char::from_u32(value).filter(|c| c.is_ascii_graphic() || *c == ' ') {
        Some(c) => {
            format!("Character constant '{c}' (0x{value:x}) cannot be converted to {pretty}.")
        }
        None => format!("Character constant 0x{value:x} cannot be converted to {pretty}."),
    };
    Err(FilterError::at(message, span))
}

/// A byte string as Wireshark reads one for a field of bytes: a leading `:` is skipped, a
/// byte written as a number (`0x41`, `0b01000001`) is one byte, anything else is hex digits
/// ([`byte_string`]). The error is what was read as hex digits, which Wireshark's message
/// names.
fn bytes_literal(w: &str) -> Result<Vec<u8>, &str> {
    let mut s = w.strip_prefix(':').unwrap_or(w);
    if s.len() == 4 && (s.starts_with("0x") || s.starts_with("0X")) {
        s = &s[2..];
    }
    let binary = s.len() == 10
        && (s.starts_with("0b") || s.starts_with("0B"))
        && matches!(s.as_bytes()[2], b'0' | b'1');
    if let Some(byte) = binary
        .then(|| u8::from_str_radix(&s[2..], 2).ok())
        .flatten()
    {
        return Ok(vec![byte]);
    }
    byte_string(s).ok_or(s)
}

fn byte_string(w: &str) -> Option<Vec<u8>> {
    let b = w.as_bytes();
    let hex = |i: usize| b.get(i).is_some_and(u8::is_ascii_hexdigit);
    let sep = |i: usize| matches!(b.get(i), Some(b':' | b'-' | b'.'));
    let byte = |from: usize, to: usize| u8::from_str_radix(&w[from..to], 16).ok();
    let mut out = Vec::new();
    let mut p = 0;
    while p < b.len() {
        let digits = if hex(p) && hex(p + 1) && hex(p + 2) && hex(p + 3) {
            4
        } else if hex(p) && hex(p + 1) {
            2
        } else if hex(p) && (sep(p + 1) || p + 1 == b.len()) {
            1
        } else {
            return None;
        };
        if digits == 4 {
            out.push(byte(p, p + 2)?);
            out.push(byte(p + 2, p + 4)?);
        } else {
            out.push(byte(p, p + digits)?);
        }
        p += digits;
        if sep(p) {
            p += 1;
        }
    }
    (!out.is_empty()).then_some(out)
}
