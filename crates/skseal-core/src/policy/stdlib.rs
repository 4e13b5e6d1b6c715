//! Argument schemas of the standard-library values a model file commonly
//! holds: `collections.defaultdict`/`deque`/`Counter`, the `datetime` types,
//! `decimal.Decimal` and `fractions.Fraction`. Each is called with exactly
//! the arguments its `__reduce__` writes, checked here before anything is
//! built; anything else is refused.
//!
//! `defaultdict` and `deque` receive their items through SETITEMS/APPENDS,
//! which the VM gathers into the call's arguments (`Vm::call_items`):
//! `defaultdict(factory, {items})` and `deque([items], maxlen)`.

use crate::ir::{Graph, Node, NodeId};

/// Which standard-library value a call builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    DefaultDict,
    Deque,
    Counter,
    Datetime,
    Date,
    Time,
    Timedelta,
    Timezone,
    Decimal,
    Fraction,
}

/// Default factories a `defaultdict` may hold: types whose call with no
/// arguments makes an empty value and runs nothing else.
pub const DEFAULT_FACTORIES: &[(&str, &str)] = &[
    ("builtins", "list"),
    ("builtins", "dict"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "tuple"),
    ("builtins", "int"),
    ("builtins", "float"),
    ("builtins", "complex"),
    ("builtins", "str"),
    ("builtins", "bytes"),
    ("builtins", "bool"),
    ("collections", "OrderedDict"),
];

fn node(g: &Graph, id: NodeId) -> Result<&Node, String> {
    g.node(id)
        .ok_or_else(|| format!("node {id} does not exist"))
}

fn is_int(n: &Node) -> bool {
    matches!(n, Node::Int(_) | Node::BigInt(_))
}

/// `(year, month, day)` valid as Python's `datetime.date` requires.
fn check_date(y: u32, m: u32, d: u32) -> Result<(), String> {
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) {
        return Err(format!("date {y:04}-{m:02}-{d:02} is out of range"));
    }
    let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d < 1 || d > days[(m - 1) as usize] {
        return Err(format!("date {y:04}-{m:02}-{d:02} has no such day"));
    }
    Ok(())
}

/// `(hour, minute, second, microsecond)` packed as CPython's pickle of a
/// time of day (the fold flag already removed).
fn check_time(b: &[u8]) -> Result<(), String> {
    let us = (u32::from(b[3]) << 16) | (u32::from(b[4]) << 8) | u32::from(b[5]);
    if b[0] > 23 || b[1] > 59 || b[2] > 59 || us > 999_999 {
        return Err(format!(
            "time {:02}:{:02}:{:02}.{us:06} is out of range",
            b[0], b[1], b[2]
        ));
    }
    Ok(())
}

/// The optional `tzinfo` argument: None or a `datetime.timezone(...)` call
/// (checked itself as a constructor).
fn check_tz(g: &Graph, id: Option<&NodeId>) -> Result<(), String> {
    match id.map(|&i| node(g, i)).transpose()? {
        None | Some(Node::None) => Ok(()),
        Some(Node::Call { func, .. }) if func.is("datetime", "timezone") => Ok(()),
        Some(other) => Err(format!(
            "tzinfo must be None or datetime.timezone(...), got {} (other time zone \
             classes, e.g. zoneinfo or pytz, are not loaded)",
            other.kind_name()
        )),
    }
}

/// The packed bytes of a date, time or datetime, of length `len`.
fn packed<'g>(g: &'g Graph, id: NodeId, len: usize, what: &str) -> Result<&'g [u8], String> {
    match node(g, id)? {
        Node::Bytes(b) if b.len() == len => Ok(b),
        other => Err(format!(
            "{what} must be given its {len} packed bytes, as pickle writes it, not {}",
            other.kind_name()
        )),
    }
}

/// Check the arguments of a call to a standard-library value.
pub fn check(kind: Kind, g: &Graph, args: &[NodeId]) -> Result<(), String> {
    match kind {
        Kind::DefaultDict => {
            let (factory, items) = match args {
                [] => return Ok(()),
                [f] => (f, None),
                [f, i] => (f, Some(i)),
                _ => {
                    return Err(format!(
                        "defaultdict takes (default_factory, items), got {} arguments",
                        args.len()
                    ))
                }
            };
            match node(g, *factory)? {
                Node::None => {}
                Node::Global(f) if DEFAULT_FACTORIES.iter().any(|(m, n)| f.is(m, n)) => {}
                other => {
                    let shown = match other {
                        Node::Global(f) => f.dotted(),
                        o => o.kind_name().to_string(),
                    };
                    return Err(format!(
                        "a defaultdict's default factory must be None or one of {}; got {shown}",
                        DEFAULT_FACTORIES
                            .iter()
                            .map(|(m, n)| format!("{m}.{n}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            match items.map(|&i| node(g, i)).transpose()? {
                None | Some(Node::Dict(_)) => Ok(()),
                Some(other) => Err(format!(
                    "defaultdict items must be a dict, got {}",
                    other.kind_name()
                )),
            }
        }
        Kind::Deque => {
            let (items, maxlen) = match args {
                [] => return Ok(()),
                [i] => (i, None),
                [i, m] => (i, Some(m)),
                _ => {
                    return Err(format!(
                        "deque takes (items, maxlen), got {} arguments",
                        args.len()
                    ))
                }
            };
            if !matches!(node(g, *items)?, Node::List(_) | Node::Tuple(_)) {
                return Err("deque items must be a list".into());
            }
            match maxlen.map(|&m| node(g, m)).transpose()? {
                None | Some(Node::None) => Ok(()),
                Some(Node::Int(n)) if *n >= 0 => Ok(()),
                Some(_) => Err("deque maxlen must be None or a non-negative int".into()),
            }
        }
        Kind::Counter => match args {
            [] => Ok(()),
            [d] => match node(g, *d)? {
                Node::Dict(_) => Ok(()),
                other => Err(format!(
                    "Counter takes one dict, as pickle writes it, not {}",
                    other.kind_name()
                )),
            },
            _ => Err("Counter takes one dict".into()),
        },
        Kind::Date => {
            let [b] = args else {
                return Err("date takes its packed bytes".into());
            };
            let b = packed(g, *b, 4, "a date")?;
            check_date(
                u32::from(b[0]) << 8 | u32::from(b[1]),
                u32::from(b[2]),
                u32::from(b[3]),
            )
        }
        Kind::Datetime => {
            let (b, tz) = match args {
                [b] => (b, None),
                [b, tz] => (b, Some(tz)),
                _ => return Err("datetime takes its packed bytes and a tzinfo".into()),
            };
            let b = packed(g, *b, 10, "a datetime")?;
            // the fold flag is the high bit of the month byte
            check_date(
                u32::from(b[0]) << 8 | u32::from(b[1]),
                u32::from(b[2] & 0x7f),
                u32::from(b[3]),
            )?;
            check_time(&b[4..10])?;
            check_tz(g, tz)
        }
        Kind::Time => {
            let (b, tz) = match args {
                [b] => (b, None),
                [b, tz] => (b, Some(tz)),
                _ => return Err("time takes its packed bytes and a tzinfo".into()),
            };
            let b = packed(g, *b, 6, "a time")?;
            // the fold flag is the high bit of the hour byte
            let mut t = [0u8; 6];
            t.copy_from_slice(b);
            t[0] &= 0x7f;
            check_time(&t)?;
            check_tz(g, tz)
        }
        Kind::Timedelta => {
            if args.len() > 3 {
                return Err("timedelta takes (days, seconds, microseconds)".into());
            }
            for &a in args {
                if !matches!(node(g, a)?, Node::Int(_)) {
                    return Err("timedelta takes (days, seconds, microseconds) as ints".into());
                }
            }
            Ok(())
        }
        Kind::Timezone => {
            let (off, name) = match args {
                [o] => (o, None),
                [o, n] => (o, Some(n)),
                _ => return Err("timezone takes (offset, name)".into()),
            };
            if !matches!(node(g, *off)?, Node::Call { func, .. } if func.is("datetime", "timedelta"))
            {
                return Err("a timezone's offset must be a datetime.timedelta(...)".into());
            }
            match name.map(|&n| node(g, n)).transpose()? {
                None | Some(Node::Str(_)) => Ok(()),
                Some(_) => Err("a timezone's name must be a str".into()),
            }
        }
        Kind::Decimal => match args {
            [s] => match node(g, *s)? {
                Node::Str(t) if t.len() <= 4300 => Ok(()),
                Node::Str(_) => Err("Decimal text longer than 4,300 characters".into()),
                other => Err(format!(
                    "Decimal takes its text, as pickle writes it, not {}",
                    other.kind_name()
                )),
            },
            _ => Err("Decimal takes one str".into()),
        },
        Kind::Fraction => match args {
            [n, d] if is_int(node(g, *n)?) && is_int(node(g, *d)?) => Ok(()),
            // str(Fraction) is `n` or `n/d`: no exponent, which Fraction's
            // parser would expand into 10**exp (a hang for `1e999999999`).
            [s] => match node(g, *s)? {
                Node::Str(t) if t.len() <= 4300 && fraction_text(t) => Ok(()),
                _ => Err(
                    "Fraction takes (numerator, denominator) or its text `n` or `n/d`, \
                     as pickle writes it"
                        .into(),
                ),
            },
            _ => Err("Fraction takes (numerator, denominator) as ints".into()),
        },
    }
}

/// `-?digits(/digits)?`, the text `str(Fraction)` gives.
fn fraction_text(t: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let t = t.strip_prefix('-').unwrap_or(t);
    match t.split_once('/') {
        Some((n, d)) => digits(n) && digits(d),
        None => digits(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_are_range_checked() {
        assert!(check_date(2024, 2, 29).is_ok());
        assert!(check_date(2023, 2, 29).is_err());
        assert!(check_date(0, 1, 1).is_err());
        assert!(check_date(2024, 13, 1).is_err());
        assert!(check_time(&[23, 59, 59, 0x0f, 0x42, 0x3f]).is_ok()); // 999,999 us
        assert!(check_time(&[23, 59, 59, 0x0f, 0x42, 0x40]).is_err()); // 1,000,000 us
        assert!(check_time(&[24, 0, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn fraction_text_has_no_exponent() {
        assert!(fraction_text("-3/4") && fraction_text("7"));
        assert!(!fraction_text("1e999999999") && !fraction_text("1.5"));
        assert!(!fraction_text("") && !fraction_text("/2") && !fraction_text("1/"));
    }
}
