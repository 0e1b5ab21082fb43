//! A compiled filter tested on one packet's tree.

use std::cmp::Ordering;

use super::arith::{absolute, apply, extreme, negate, Arith, Num};
use super::parse::{
    class_of, prefix_mask, Bound, Class, Cmp, DisplayFilter, FieldRef, Lit, Mask, Member, Operand,
    Test,
};
use crate::tree::{Field, Kind, Node, Tree, Value};

/// One value of a field, as filters compare it.
#[derive(Clone, Debug)]
enum V {
    Int(i128),
    Float(f64),
    /// Nanoseconds.
    Time(i128),
    V4(u32),
    V6(u128),
    Bytes(Vec<u8>),
    Str(String),
}

impl DisplayFilter {
    /// True when the packet whose tree is `tree` passes the filter.
    pub fn matches(&self, tree: &Tree) -> bool {
        test(&self.root, tree)
    }
}

fn test(t: &Test, tree: &Tree) -> bool {
    match t {
        Test::Or(a, b) => test(a, tree) || test(b, tree),
        Test::And(a, b) => test(a, tree) && test(b, tree),
        Test::Not(a) => !test(a, tree),
        Test::Exists(f) => occurrences(tree, *f).next().is_some(),
        Test::Compare(lhs, cmp, lit) => {
            let values = values(tree, lhs);
            loaded(tree, lhs, &values) && quantify(*cmp, &values, |v| compare(v, lit))
        }
        Test::CompareFields(lhs, cmp, rhs) => {
            let (left, right) = (values(tree, lhs), values(tree, rhs));
            // As with a negative literal: an unsigned value is not compared with a negative
            // one (arithmetic's).
            let unsigned = lhs.unsigned();
            let order = |a: &V, b: &V| match (a, b) {
                (V::Int(x), V::Int(y)) if unsigned && *x >= 0 && *y < 0 => None,
                _ => order(a, b),
            };
            match cmp {
                Cmp::AllNe => {
                    loaded(tree, lhs, &left)
                        && loaded(tree, rhs, &right)
                        && left
                            .iter()
                            .all(|a| right.iter().all(|b| order(a, b) != Some(Ordering::Equal)))
                }
                Cmp::AllEq => {
                    loaded(tree, lhs, &left)
                        && loaded(tree, rhs, &right)
                        && left.iter().all(|a| {
                            right
                                .iter()
                                .all(|b| order(a, b).is_none_or(|o| o == Ordering::Equal))
                        })
                }
                _ => left
                    .iter()
                    .any(|a| right.iter().any(|b| holds(*cmp, order(a, b)))),
            }
        }
        Test::In(lhs, members) => values(tree, lhs).iter().any(|v| within(tree, v, members)),
        Test::Contains(lhs, needle) => values(tree, lhs).iter().any(|v| contains(v, needle)),
        Test::ContainsValues(lhs, rhs) => {
            let right = values(tree, rhs);
            values(tree, lhs)
                .iter()
                .any(|a| right.iter().filter_map(text).any(|b| contains(a, b)))
        }
        Test::Matches(lhs, re) => values(tree, lhs).iter().any(|v| matches(v, re)),
        Test::NotZero(op) => values(tree, op).iter().any(|v| match v {
            V::Bytes(b) => b.iter().any(|&x| x != 0),
            V::V4(a) => *a != 0,
            V::V6(a) => *a != 0,
            V::Int(v) => *v != 0,
            V::Float(v) => *v != 0.0,
            V::Time(v) => *v != 0,
            V::Str(_) => false,
        }),
        Test::NotEmpty(op) => values(tree, op).iter().any(|v| match v {
            V::Bytes(b) => !b.is_empty(),
            V::Str(s) => !s.is_empty(),
            _ => true,
        }),
        Test::All(inner) => every(inner, tree),
    }
}

/// A relation after `all`: it holds of every value of its left side (and a field on the
/// right, of every pair), and never of a field that is absent. As in Wireshark, a value that
/// cannot be compared (`tcp.port` and `-1`) is no exception, and arithmetic without a value
/// (a division by zero) holds vacuously.
fn every(t: &Test, tree: &Tree) -> bool {
    let all = |op: &Operand, f: &dyn Fn(&V) -> bool| {
        let values = values(tree, op);
        loaded(tree, op, &values) && values.iter().all(f)
    };
    let holds_or_incomparable = |cmp: Cmp, o: Option<Ordering>| o.is_none() || holds(cmp, o);
    match t {
        Test::Compare(lhs, cmp, lit) => all(lhs, &|v| holds_or_incomparable(*cmp, compare(v, lit))),
        Test::CompareFields(lhs, cmp, rhs) => {
            let right = values(tree, rhs);
            loaded(tree, rhs, &right)
                && all(lhs, &|a| {
                    right
                        .iter()
                        .all(|b| holds_or_incomparable(*cmp, order(a, b)))
                })
        }
        Test::In(lhs, members) => all(lhs, &|v| within(tree, v, members)),
        Test::Contains(lhs, needle) => all(lhs, &|v| contains(v, needle)),
        Test::ContainsValues(lhs, rhs) => {
            let right = values(tree, rhs);
            loaded(tree, rhs, &right)
                && all(lhs, &|a| {
                    right.iter().filter_map(text).all(|b| contains(a, b))
                })
        }
        Test::Matches(lhs, re) => all(lhs, &|v| matches(v, re)),
        // The parser puts only the relations above under `all`.
        other => test(other, tree),
    }
}

/// Whether `v` is one of a set's values or within one of its ranges.
fn within(tree: &Tree, v: &V, members: &[Member]) -> bool {
    members.iter().any(|m| match m {
        Member::Field(op) => values(tree, op)
            .iter()
            .any(|b| order(v, b) == Some(Ordering::Equal)),
        Member::Between(low, high) => {
            let bound = |b: &Bound| match b {
                Bound::Lit(lit) => vec![lit_value(lit)],
                Bound::Values(op) => values(tree, op),
            };
            bound(low)
                .iter()
                .any(|l| matches!(order(v, l), Some(Ordering::Greater | Ordering::Equal)))
                && bound(high)
                    .iter()
                    .any(|h| matches!(order(v, h), Some(Ordering::Less | Ordering::Equal)))
        }
        Member::One(lit) => compare(v, lit) == Some(Ordering::Equal),
        Member::Range(low, high) => {
            matches!(compare(v, low), Some(Ordering::Greater | Ordering::Equal))
                && matches!(compare(v, high), Some(Ordering::Less | Ordering::Equal))
        }
    })
}

/// The bytes of a value of bytes or text.
fn text(v: &V) -> Option<&[u8]> {
    match v {
        V::Bytes(b) => Some(b),
        V::Str(s) => Some(s.as_bytes()),
        _ => None,
    }
}

fn contains(v: &V, needle: &[u8]) -> bool {
    let hay: &[u8] = match v {
        V::Bytes(b) => b,
        V::Str(s) => s.as_bytes(),
        _ => return false,
    };
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn matches(v: &V, re: &regex::bytes::Regex) -> bool {
    match v {
        V::Bytes(b) => re.is_match(b),
        V::Str(s) => re.is_match(s.as_bytes()),
        _ => false,
    }
}

/// A relation over a field's values: `==` when any holds, `!=` when none is equal, `===`
/// when all are, `!==` when any is not; the orderings when any holds. Never true of a field
/// that is absent.
/// `cmp` over the values of a left side that loads: `!=` and `===` hold of every value
/// (so of none, as for arithmetic without a value; and `===` of a value that cannot be
/// compared, as in Wireshark), the others of some.
fn quantify(cmp: Cmp, values: &[V], order: impl Fn(&V) -> Option<Ordering>) -> bool {
    match cmp {
        Cmp::AllNe => values.iter().all(|v| order(v) != Some(Ordering::Equal)),
        Cmp::AllEq => values
            .iter()
            .all(|v| order(v).is_none_or(|o| o == Ordering::Equal)),
        _ => values.iter().any(|v| holds(cmp, order(v))),
    }
}

fn holds(cmp: Cmp, o: Option<Ordering>) -> bool {
    match (cmp, o) {
        (Cmp::AnyEq | Cmp::AllEq, Some(Ordering::Equal)) => true,
        (Cmp::AnyNe | Cmp::AllNe, Some(o)) => o != Ordering::Equal,
        (Cmp::Lt, Some(Ordering::Less)) => true,
        (Cmp::Le, Some(Ordering::Less | Ordering::Equal)) => true,
        (Cmp::Gt, Some(Ordering::Greater)) => true,
        (Cmp::Ge, Some(Ordering::Greater | Ordering::Equal)) => true,
        _ => false,
    }
}

/// `a & b`: bytes as long as the shorter; an address and an address, or the bytes of one
/// (a literal mask); `None` for values of other kinds.
fn bitwise_and(a: &V, b: &V) -> Option<V> {
    Some(match (a, b) {
        (V::Bytes(a), V::Bytes(b)) => V::Bytes(a.iter().zip(b).map(|(x, y)| x & y).collect()),
        (V::V4(a), V::V4(b)) => V::V4(a & b),
        (V::V6(a), V::V6(b)) => V::V6(a & b),
        (V::V4(a), V::Bytes(b)) => V::V4(a & b.as_slice().try_into().map_or(0, u32::from_be_bytes)),
        (V::V6(a), V::Bytes(b)) => {
            V::V6(a & b.as_slice().try_into().map_or(0, u128::from_be_bytes))
        }
        _ => return None,
    })
}

/// How a value stands against a literal (an address against a network: equal when inside).
fn compare(v: &V, lit: &Lit) -> Option<Ordering> {
    match (v, lit) {
        (V::Int(a), Lit::Int(b)) => Some(a.cmp(b)),
        (V::Int(a), Lit::Negative(b)) => (*a < 0).then(|| a.cmp(b)),
        (V::Float(a), Lit::Float(b)) => a.partial_cmp(b),
        (V::Time(a), Lit::Time(b)) => Some(a.cmp(b)),
        (V::V4(a), Lit::V4(b, prefix)) => {
            let mask = prefix_mask(*prefix, 32) as u32;
            Some((a & mask).cmp(&(b & mask)))
        }
        (V::V6(a), Lit::V6(b, prefix)) => {
            let mask = prefix_mask(*prefix, 128);
            Some((a & mask).cmp(&(b & mask)))
        }
        (V::Bytes(a), Lit::Bytes(b)) => Some(bytes_order(a, b)),
        (V::Str(a), Lit::Str(b)) => Some(a.as_str().cmp(b.as_str())),
        _ => None,
    }
}

/// How two byte strings stand, as Wireshark orders them: the shorter first, then byte by
/// byte.
fn bytes_order(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// How two values stand (of the same class).
fn order(a: &V, b: &V) -> Option<Ordering> {
    match (a, b) {
        (V::Int(a), V::Int(b)) => Some(a.cmp(b)),
        (V::Float(a), V::Float(b)) => a.partial_cmp(b),
        (V::Time(a), V::Time(b)) => Some(a.cmp(b)),
        (V::V4(a), V::V4(b)) => Some(a.cmp(b)),
        (V::V6(a), V::V6(b)) => Some(a.cmp(b)),
        (V::Bytes(a), V::Bytes(b)) => Some(bytes_order(a, b)),
        (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// The nodes of field `f` in the tree.
fn occurrences<'t>(tree: &'t Tree, f: FieldRef) -> impl Iterator<Item = &'t Node> + 't {
    let field = f.field;
    let is_field = move |n: &Node| std::ptr::eq(n.field, field) || n.field.abbrev == field.abbrev;
    // After `#`, each node's layer: how many of its protocol's headers begin at or before it.
    // Counted from the end (`#-1`), layers end at the last one the field is in, as in
    // Wireshark (an inner header cut before the field has none).
    let protocol = field.abbrev.split('.').next().unwrap_or_default();
    let is_header = move |n: &Node| n.field.kind == Kind::Protocol && n.field.abbrev == protocol;
    let total = if f.layers.is_all() {
        0
    } else {
        let mut layer = 0;
        let mut last = 0;
        for n in &tree.nodes {
            if is_header(n) {
                layer += 1;
            }
            if is_field(n) {
                last = layer;
            }
        }
        last
    };
    let mut layer = 0;
    tree.nodes.iter().filter(move |n| {
        // A reference has no value: there is no selected frame.
        if f.reference {
            return false;
        }
        if f.layers.is_all() {
            return is_field(n);
        }
        if is_header(n) {
            layer += 1;
        }
        is_field(n) && f.layers.takes(layer, total)
    })
}

/// The bytes of a protocol: from its header to the end of what it carries (the last byte
/// any later node covers), as Wireshark's protocol items span their whole payload.
fn protocol_bytes(tree: &Tree, n: &Node) -> Vec<u8> {
    let index = tree
        .nodes
        .iter()
        .position(|m| std::ptr::eq(m, n))
        .unwrap_or(tree.nodes.len());
    // Up to the end of what the nodes after it cover, within the bytes it lies in (the
    // frame's, or those a reassembly or a decompression made).
    let (from, to) = tree.region(n.start);
    let end = tree.nodes[index..]
        .iter()
        .filter(|m| m.len > 0 && m.start >= from && m.start < to)
        .map(|m| (m.start + m.len).min(to))
        .max()
        .unwrap_or(n.start + n.len);
    let whole = Node {
        len: end.saturating_sub(n.start),
        ..n.clone()
    };
    tree.bytes(&whole).to_vec()
}

/// The bytes of `bytes` that `s` takes; none when it does not fit, as in Wireshark.
fn slice(bytes: &[u8], s: super::parse::Slice) -> &[u8] {
    let start = if s.start < 0 {
        usize::try_from(-s.start)
            .ok()
            .and_then(|back| bytes.len().checked_sub(back))
    } else {
        usize::try_from(s.start).ok()
    };
    start
        .and_then(|start| {
            let end = match s.len {
                Some(len) => start.checked_add(len)?,
                None => bytes.len(),
            };
            bytes.get(start..end)
        })
        .unwrap_or_default()
}

/// [`loads`], given the operand's values: only arithmetic can load and have none (a
/// division by zero), so the tree is walked again for it alone.
fn loaded(tree: &Tree, op: &Operand, values: &[V]) -> bool {
    match op {
        Operand::Arith(_) => loads(tree, op),
        _ => !values.is_empty(),
    }
}

/// Whether every field an operand reads is in the tree (Wireshark's test fails, whatever the
/// comparison, when one is not); `max()`, `min()` and `abs()` load when they have a value.
fn loads(tree: &Tree, op: &Operand) -> bool {
    fn arith(tree: &Tree, a: &Arith) -> bool {
        match a {
            Arith::Value(op) => loads(tree, op),
            Arith::Lit(_) | Arith::Nothing => true,
            Arith::Neg(x) => arith(tree, x),
            Arith::Bin(x, _, y) => arith(tree, x) && arith(tree, y),
            // A function without a value fails.
            Arith::Abs(_) | Arith::Extreme(..) => !arith_values(tree, a).is_empty(),
        }
    }
    match op {
        Operand::Arith(a) => arith(tree, a),
        other => other
            .field_ref()
            .is_none_or(|f| occurrences(tree, f).next().is_some()),
    }
}

/// The values an operand takes in the tree.
fn values(tree: &Tree, op: &Operand) -> Vec<V> {
    match op {
        Operand::Field(f) => occurrences(tree, *f)
            .filter_map(|n| value(tree, f.field, n))
            .collect(),
        // Of a field that is absent, count() has no value.
        Operand::Count(f) => match occurrences(tree, *f).count() {
            0 => Vec::new(),
            n => vec![V::Int(n as i128)],
        },
        Operand::Len(f) => occurrences(tree, *f)
            .filter_map(|n| match value(tree, f.field, n)? {
                V::Str(s) => Some(V::Int(s.len() as i128)),
                _ => Some(V::Int(n.len as i128)),
            })
            .collect(),
        Operand::Masked(f, mask) => occurrences(tree, *f)
            .filter_map(|n| match value(tree, f.field, n)? {
                V::Int(v) => Some(V::Int(v & *mask)),
                _ => None,
            })
            .collect(),
        Operand::Slice(inner, ranges) => {
            let cut = |bytes: Vec<u8>| {
                V::Bytes(ranges.iter().fold(bytes, |bytes, these| {
                    these
                        .iter()
                        .flat_map(|s| slice(&bytes, *s))
                        .copied()
                        .collect()
                }))
            };
            match &**inner {
                // A field's bytes: its text, its bytes, or else the bytes it was read from.
                Operand::Field(f) => occurrences(tree, *f)
                    .map(|n| {
                        cut(match value(tree, f.field, n) {
                            Some(V::Str(text)) => text.into_bytes(),
                            Some(V::Bytes(b)) => b,
                            _ => tree.bytes(n).to_vec(),
                        })
                    })
                    .collect(),
                // A function's text.
                other => values(tree, other)
                    .into_iter()
                    .filter_map(|v| match v {
                        V::Str(text) => Some(cut(text.into_bytes())),
                        V::Bytes(b) => Some(cut(b)),
                        _ => None,
                    })
                    .collect(),
            }
        }
        // Each value with the bits of every mask, as long as the shorter of the two.
        // Each value with the bits of every mask; a field's mask, with each of its values.
        Operand::BytesAnd(inner, masks) => masks.iter().fold(values(tree, inner), |vs, m| {
            let with: Vec<V> = match m {
                Mask::Bytes(b) => vec![V::Bytes(b.clone())],
                Mask::Values(op) => values(tree, op),
            };
            vs.iter()
                .flat_map(|v| with.iter().filter_map(move |w| bitwise_and(v, w)))
                .collect()
        }),
        Operand::String(f) => occurrences(tree, *f)
            .filter_map(|n| {
                Some(V::Str(match value(tree, f.field, n)? {
                    V::Int(v) => v.to_string(),
                    V::V4(a) => std::net::Ipv4Addr::from(a).to_string(),
                    V::V6(a) => std::net::Ipv6Addr::from(a).to_string(),
                    V::Bytes(b) => b
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect::<Vec<_>>()
                        .join(":"),
                    V::Str(s) => s,
                    V::Float(_) | V::Time(_) => return None,
                }))
            })
            .collect(),
        Operand::Arith(a) => arith_values(tree, a),
        Operand::Const(lit, _) => vec![lit_value(lit)],
        Operand::Upper(f) | Operand::Lower(f) => occurrences(tree, *f)
            .filter_map(|n| match value(tree, f.field, n)? {
                V::Str(s) if matches!(op, Operand::Upper(_)) => Some(V::Str(s.to_uppercase())),
                V::Str(s) => Some(V::Str(s.to_lowercase())),
                _ => None,
            })
            .collect(),
    }
}

/// A literal as a value (an address without its network prefix).
fn lit_value(lit: &Lit) -> V {
    match lit {
        Lit::Int(v) | Lit::Negative(v) => V::Int(*v),
        Lit::Float(v) => V::Float(*v),
        Lit::Time(v) => V::Time(*v),
        Lit::V4(v, _) => V::V4(*v),
        Lit::V6(v, _) => V::V6(*v),
        Lit::Bytes(b) => V::Bytes(b.clone()),
        Lit::Str(s) => V::Str(s.clone()),
    }
}

/// The values of an arithmetic expression (see [`super::arith`]).
fn arith_values(tree: &Tree, a: &Arith) -> Vec<V> {
    let num = |v: &V| match v {
        V::Int(i) => Some(Num::Int(*i)),
        V::Float(f) => Some(Num::Float(*f)),
        V::Time(t) => Some(Num::Time(*t)),
        _ => None,
    };
    let back = |n: Num| match n {
        Num::Int(i) => V::Int(i),
        Num::Float(f) => V::Float(f),
        Num::Time(t) => V::Time(t),
    };
    match a {
        Arith::Value(op) => values(tree, op),
        Arith::Lit(lit) => vec![lit_value(lit)],
        Arith::Nothing => Vec::new(),
        Arith::Neg(x) => arith_values(tree, x)
            .iter()
            .filter_map(|v| negate(num(v)?).map(back))
            .collect(),
        Arith::Abs(x) => arith_values(tree, x)
            .iter()
            .filter_map(|v| absolute(num(v)?).map(back))
            .collect(),
        Arith::Bin(x, op, y) => {
            let (left, right) = (arith_values(tree, x), arith_values(tree, y));
            left.iter()
                .flat_map(|l| {
                    right
                        .iter()
                        .filter_map(move |r| apply(num(l)?, *op, num(r)?).map(back))
                })
                .collect()
        }
        Arith::Extreme(greatest, args) => {
            let all = args.iter().flat_map(|x| arith_values(tree, x)).collect();
            extreme(all, *greatest, order).into_iter().collect()
        }
    }
}

/// A node's value, as the class of its field.
fn value(tree: &Tree, f: &Field, n: &Node) -> Option<V> {
    Some(match (class_of(f), &n.value) {
        (Class::Int, Value::UInt(v)) => V::Int(i128::from(*v)),
        (Class::Int, Value::Int(v)) => V::Int(i128::from(*v)),
        (Class::Int, Value::Bool(b)) => V::Int(i128::from(*b)),
        (Class::Float, Value::Double(v)) => V::Float(*v),
        (Class::Date, Value::AbsTime(ts)) => {
            V::Time(i128::from(ts.secs) * 1_000_000_000 + i128::from(ts.signed_nanos()))
        }
        (Class::Time, Value::RelTime(s, ns)) => {
            V::Time(i128::from(*s) * 1_000_000_000 + i128::from(*ns))
        }
        (Class::V4, Value::Ipv4(a)) => V::V4(u32::from(*a)),
        (Class::V6, Value::Ipv6(a)) => V::V6(u128::from(*a)),
        (Class::Bytes, Value::Ether(m)) => V::Bytes(m.to_vec()),
        (Class::Bytes, _) if f.kind == crate::tree::Kind::Protocol => {
            V::Bytes(protocol_bytes(tree, n))
        }
        (Class::Bytes, _) => V::Bytes(tree.bytes(n).to_vec()),
        (Class::Str, _) => V::Str(tree.text_value(n)),
        _ => return None,
    })
}
