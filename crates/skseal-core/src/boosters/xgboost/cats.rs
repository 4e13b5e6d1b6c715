//! The category encoder of a model fitted on a DataFrame's category columns
//! (`gradient_booster.model.cats`, `CatContainer::Load` in XGBoost 3.2):
//! read and checked, and the string categories kept, since their positions
//! are the codes the trees' categorical splits hold (XGBoost re-codes a
//! DataFrame's category column by value into those positions).

use super::{bad, field, get_field, int_value, tree, Res};
use crate::boosters::ubjson::Value;

/// One feature's categories in the encoder.
#[derive(Debug, Clone, PartialEq)]
pub enum Categories {
    /// String categories in training order (a value's position is its code).
    Strings(Vec<String>),
    /// Integer categories in training order (pandas category columns of
    /// integers; XGBoost refuses floating-point categories when it fits).
    Integers(Vec<i64>),
    /// An array of `n` categories of another type (not kept).
    Other(usize),
}

/// The values of an integer category array, any integer width.
fn integers(v: &Value) -> Option<Vec<i64>> {
    Some(match v {
        Value::I8s(x) => x.iter().map(|&n| i64::from(n)).collect(),
        Value::U8s(x) => x.iter().map(|&n| i64::from(n)).collect(),
        Value::I16s(x) => x.iter().map(|&n| i64::from(n)).collect(),
        Value::I32s(x) => x.iter().map(|&n| i64::from(n)).collect(),
        Value::I64s(x) => x.clone(),
        Value::Array(a) => a
            .iter()
            .map(|e| match e {
                Value::Int(n) => Some(*n),
                _ => None,
            })
            .collect::<Option<_>>()?,
        _ => return None,
    })
}

/// The bytes of a `values` array of string categories (UTF-8 bytes as
/// integers, or a typed int8 / uint8 array).
fn bytes(v: &Value, at: &str) -> Res<Vec<u8>> {
    let byte = |i: usize, n: i64| {
        u8::try_from(n & 0xff)
            .ok()
            .filter(|_| (-128..=255).contains(&n))
            .ok_or_else(|| bad(format!("{at}[{i}]"), format!("{n} is not a byte")))
    };
    match v {
        Value::U8s(x) => Ok(x.clone()),
        Value::I8s(x) => Ok(x.iter().map(|&b| b as u8).collect()),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, e)| match e {
                Value::Int(n) => byte(i, *n),
                o => Err(bad(
                    format!("{at}[{i}]"),
                    format!("{} where a byte was expected", o.kind()),
                )),
            })
            .collect(),
        o => Err(bad(
            at,
            format!("{} where an array of bytes was expected", o.kind()),
        )),
    }
}

/// Check the encoder (`c` at `at`): per feature either string categories
/// (`offsets` into `values`) or a typed array of numbers;
/// `feature_segments` the running category counts; `sorted_idx` per-feature
/// orderings of the categories. Returns each feature's categories (empty
/// when the encoder is empty).
pub(super) fn check_cats(c: &Value, at: &str, num_feature: u32) -> Res<Vec<Option<Categories>>> {
    let enc = match field(c, at, "enc")? {
        Value::Array(a) => a,
        o => {
            return Err(bad(
                format!("{at}.enc"),
                format!("{} where an array was expected", o.kind()),
            ))
        }
    };
    if !enc.is_empty() && enc.len() != num_feature as usize {
        return Err(bad(
            format!("{at}.enc"),
            format!(
                "{} columns where 0 or num_feature = {num_feature} were expected",
                enc.len()
            ),
        ));
    }
    let mut counts = Vec::with_capacity(enc.len());
    let mut out = Vec::with_capacity(enc.len());
    for (f, col) in enc.iter().enumerate() {
        let ca = format!("{at}.enc[{f}]");
        if let Some(off) = get_field(col, "offsets") {
            let oa = format!("{ca}.offsets");
            let offsets = tree::i64s(off, &oa)?;
            let va = format!("{ca}.values");
            let values = bytes(field(col, &ca, "values")?, &va)?;
            let n_values = values.len();
            if offsets.is_empty() {
                if n_values != 0 {
                    return Err(bad(oa, "empty while values are not"));
                }
                counts.push(0);
                out.push(None);
                continue;
            }
            if offsets[0] != 0
                || offsets.windows(2).any(|w| w[1] < w[0])
                || *offsets.last().unwrap_or(&0) != n_values as i64
            {
                return Err(bad(
                    oa,
                    format!("must rise from 0 to the {n_values} values"),
                ));
            }
            let mut names = Vec::with_capacity(offsets.len() - 1);
            for (k, w) in offsets.windows(2).enumerate() {
                // checked above: 0 <= w[0] <= w[1] <= n_values
                let b = values.get(w[0] as usize..w[1] as usize).unwrap_or(&[]);
                let s = std::str::from_utf8(b).map_err(|_| {
                    bad(
                        format!("{va}[{}]", w[0]),
                        format!("category {k} of feature {f} is not UTF-8"),
                    )
                })?;
                names.push(s.to_string());
            }
            counts.push(offsets.len() as i64 - 1);
            out.push(Some(Categories::Strings(names)));
        } else {
            int_value(field(col, &ca, "type")?, &format!("{ca}.type"))?;
            let values = field(col, &ca, "values")?;
            let n = values
                .array_len()
                .ok_or_else(|| bad(format!("{ca}.values"), "an array was expected"))?;
            counts.push(n as i64);
            out.push((n > 0).then(|| match integers(values) {
                Some(v) => Categories::Integers(v),
                None => Categories::Other(n),
            }));
        }
    }
    let sa = format!("{at}.feature_segments");
    let seg = tree::i64s(field(c, at, "feature_segments")?, &sa)?;
    let sorted = tree::i64s(field(c, at, "sorted_idx")?, &format!("{at}.sorted_idx"))?;
    if seg.is_empty() && enc.is_empty() && sorted.is_empty() {
        return Ok(out);
    }
    if seg.len() != enc.len() + 1 || seg[0] != 0 {
        return Err(bad(
            sa,
            format!(
                "{} entries where {} (0 then running category counts) were expected",
                seg.len(),
                enc.len() + 1
            ),
        ));
    }
    for (f, &n) in counts.iter().enumerate() {
        // seg[f] is already checked: 0 plus the counts before it
        if seg[f + 1] != seg[f] + n {
            return Err(bad(
                format!("{sa}[{}]", f + 1),
                format!(
                    "{} where {} (+{n} categories of feature {f}) was expected",
                    seg[f + 1],
                    seg[f] + n
                ),
            ));
        }
    }
    let total = seg[enc.len()];
    if sorted.len() as i64 != total {
        return Err(bad(
            format!("{at}.sorted_idx"),
            format!("{} entries where {total} were expected", sorted.len()),
        ));
    }
    for f in 0..enc.len() {
        let (a, b) = (seg[f] as usize, seg[f + 1] as usize);
        let mut seen = vec![false; b - a];
        for (k, &x) in sorted[a..b].iter().enumerate() {
            if x < 0 || x as usize >= b - a || std::mem::replace(&mut seen[x as usize], true) {
                return Err(bad(
                    format!("{at}.sorted_idx[{}]", a + k),
                    format!("{x}: must be a permutation of 0..{}", b - a),
                ));
            }
        }
    }
    Ok(out)
}
