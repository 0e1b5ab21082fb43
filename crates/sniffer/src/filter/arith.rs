//! Arithmetic over a field's values, as Wireshark 4.0 reads it: `+ - * / %`, `&` between
//! integers where a mask holds fields (`tcp.srcport & tcp.dstport`), a leading
//! minus, braces for grouping (`{tcp.srcport + 1} * 2`), and the functions `max()`, `min()`
//! and `abs()`; what each computes for one packet.
//!
//! Every combination of the operands' values is computed (`tcp.port + tcp.port` has four
//! values), as Wireshark does. Integers are computed without wrapping, so a difference may be
//! negative (`tcp.srcport - 20000 < 0`); a division or remainder by zero has no value; a
//! negative literal read as an unsigned field's type has none either (`tcp.srcport * -1`
//! selects nothing in tshark).

use std::cmp::Ordering;

use super::parse::{Lit, Operand};

/// An arithmetic expression whose literals are already of the type of its fields.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Arith {
    /// A field's values, or a function's of them.
    Value(Operand),
    Lit(Lit),
    /// A literal its field's type cannot hold: no value.
    Nothing,
    Neg(Box<Arith>),
    Bin(Box<Arith>, Op, Box<Arith>),
    /// The greatest (`true`) or least of all its arguments' values: one value, or none.
    Extreme(bool, Vec<Arith>),
    Abs(Box<Arith>),
}

/// An arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    /// Bitwise and, of integers.
    And,
}

impl Op {
    /// The operator as written.
    pub(super) fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Rem => "%",
            Op::And => "&",
        }
    }
}

/// A number as arithmetic computes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Num {
    Int(i128),
    Float(f64),
    /// Nanoseconds.
    Time(i128),
}

/// `a op b`, if it has a value.
pub(super) fn apply(a: Num, op: Op, b: Num) -> Option<Num> {
    Some(match (a, b) {
        (Num::Int(a), Num::Int(b)) => Num::Int(match op {
            Op::Add => a.checked_add(b)?,
            Op::Sub => a.checked_sub(b)?,
            Op::Mul => a.checked_mul(b)?,
            Op::Div => a.checked_div(b)?,
            Op::Rem => a.checked_rem(b)?,
            Op::And => a & b,
        }),
        (Num::Float(a), Num::Float(b)) => Num::Float(match op {
            Op::Add => a + b,
            Op::Sub => a - b,
            Op::Mul => a * b,
            Op::Div if b == 0.0 => return None,
            Op::Div => a / b,
            Op::Rem if b == 0.0 => return None,
            Op::Rem => a % b,
            Op::And => return None,
        }),
        (Num::Time(a), Num::Time(b)) => Num::Time(match op {
            Op::Add => a.checked_add(b)?,
            Op::Sub => a.checked_sub(b)?,
            _ => return None,
        }),
        _ => return None,
    })
}

/// `-a`.
pub(super) fn negate(a: Num) -> Option<Num> {
    Some(match a {
        Num::Int(a) => Num::Int(a.checked_neg()?),
        Num::Float(a) => Num::Float(-a),
        Num::Time(a) => Num::Time(a.checked_neg()?),
    })
}

/// `|a|`.
pub(super) fn absolute(a: Num) -> Option<Num> {
    Some(match a {
        Num::Int(a) => Num::Int(a.checked_abs()?),
        Num::Float(a) => Num::Float(a.abs()),
        Num::Time(a) => Num::Time(a.checked_abs()?),
    })
}

/// The value of an expression of literals only, if it has one.
pub(super) fn fold(a: &Arith) -> Option<Num> {
    match a {
        Arith::Lit(Lit::Int(v)) => Some(Num::Int(*v)),
        Arith::Lit(Lit::Float(v)) => Some(Num::Float(*v)),
        Arith::Lit(Lit::Time(v)) => Some(Num::Time(*v)),
        Arith::Neg(x) => negate(fold(x)?),
        Arith::Abs(x) => absolute(fold(x)?),
        Arith::Bin(x, op, y) => apply(fold(x)?, *op, fold(y)?),
        _ => None,
    }
}

/// The greatest (`greatest`) or least of `values` under `order`, if there are any.
pub(super) fn extreme<T>(
    values: Vec<T>,
    greatest: bool,
    order: impl Fn(&T, &T) -> Option<Ordering>,
) -> Option<T> {
    values.into_iter().reduce(|best, v| {
        let better = match order(&v, &best) {
            Some(Ordering::Greater) => greatest,
            Some(Ordering::Less) => !greatest,
            _ => false,
        };
        if better {
            v
        } else {
            best
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_do_not_wrap_and_a_zero_divisor_has_no_value() {
        assert_eq!(
            apply(Num::Int(12345), Op::Sub, Num::Int(20000)),
            Some(Num::Int(-7655))
        );
        assert_eq!(apply(Num::Int(7), Op::Rem, Num::Int(0)), None);
        assert_eq!(apply(Num::Int(7), Op::Div, Num::Int(2)), Some(Num::Int(3)));
        assert_eq!(apply(Num::Float(1.0), Op::Div, Num::Float(0.0)), None);
        assert_eq!(apply(Num::Int(1), Op::Add, Num::Float(1.0)), None);
        assert_eq!(negate(Num::Int(5)), Some(Num::Int(-5)));
        assert_eq!(absolute(Num::Float(-2.5)), Some(Num::Float(2.5)));
    }

    #[test]
    fn the_extreme_of_nothing_is_nothing() {
        let cmp = |a: &i32, b: &i32| Some(a.cmp(b));
        assert_eq!(extreme(vec![3, 9, 1], true, cmp), Some(9));
        assert_eq!(extreme(vec![3, 9, 1], false, cmp), Some(1));
        assert_eq!(extreme(Vec::<i32>::new(), true, cmp), None);
    }
}
