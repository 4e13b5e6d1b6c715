//! LabelEncoder.transform: each value's index in the sorted `classes_`
//! (int64), on one column (strings or numbers; a 1-D list of strings
//! arrives as one). A value not in `classes_` is an error, as in
//! scikit-learn ("y contains previously unseen labels"); NaN matches a NaN
//! class. inverse_transform is not a native method.

use std::collections::HashMap;

use crate::access::Obj;
use crate::data::{Data, Labels, Method, Output};
use crate::error::{input, Result};
use crate::estimator::{Estimator, Info};

use super::values::{column_views, ColView};

pub(super) struct LabelEnc {
    info: Info,
    strs: HashMap<String, i64>,
    /// numeric classes by bit pattern (-0.0 as 0.0, every NaN as one)
    nums: HashMap<u64, i64>,
}

fn key(v: f64) -> u64 {
    if v == 0.0 {
        0
    } else if v.is_nan() {
        f64::NAN.to_bits()
    } else {
        v.to_bits()
    }
}

impl LabelEnc {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<LabelEnc> {
        let mut info = Info::read(est, path)?;
        info.n_features = None;
        let mut strs = HashMap::new();
        let mut nums = HashMap::new();
        match est.labels("classes_", path)? {
            Labels::Str(v) => {
                for (i, s) in v.into_iter().enumerate() {
                    strs.entry(s).or_insert(i as i64);
                }
            }
            Labels::Int(v) => {
                for (i, x) in v.into_iter().enumerate() {
                    nums.entry(key(x as f64)).or_insert(i as i64);
                }
            }
            Labels::Int32(v) => {
                for (i, x) in v.into_iter().enumerate() {
                    nums.entry(key(f64::from(x))).or_insert(i as i64);
                }
            }
            Labels::Float(v) => {
                for (i, x) in v.into_iter().enumerate() {
                    nums.entry(key(x)).or_insert(i as i64);
                }
            }
            Labels::Bool(v) => {
                for (i, x) in v.into_iter().enumerate() {
                    nums.entry(key(f64::from(u8::from(x)))).or_insert(i as i64);
                }
            }
        }
        Ok(LabelEnc { info, strs, nums })
    }
}

impl Estimator for LabelEnc {
    fn info(&self) -> &Info {
        &self.info
    }
    fn supports(&self, m: Method) -> bool {
        m == Method::Transform
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if m != Method::Transform {
            return Err(self.no_method(m));
        }
        let cols = column_views(&x);
        let [(_, col)] = cols.as_slice() else {
            return Err(input(format!(
                "LabelEncoder takes one column of labels, got {}",
                cols.len()
            )));
        };
        let unseen = |shown: String| input(format!("y contains previously unseen labels: {shown}"));
        let codes = match col {
            ColView::F(v) => v
                .iter()
                .map(|&x| {
                    self.nums
                        .get(&key(x))
                        .copied()
                        .ok_or_else(|| unseen(x.to_string()))
                })
                .collect::<Result<Vec<_>>>()?,
            ColView::S(v) => v
                .iter()
                .map(|s| match s {
                    Some(s) => self
                        .strs
                        .get(s)
                        .copied()
                        .ok_or_else(|| unseen(format!("{s:?}"))),
                    None => Err(unseen("None".into())),
                })
                .collect::<Result<Vec<_>>>()?,
            ColView::C(c) => {
                // each distinct label looked up once
                let lut: Vec<Option<i64>> = c
                    .values()
                    .iter()
                    .map(|s| self.strs.get(s).copied())
                    .collect();
                c.codes()
                    .iter()
                    .map(
                        |&k| match (lut.get(k as usize), c.values().get(k as usize)) {
                            (Some(Some(code)), _) => Ok(*code),
                            (_, Some(s)) => Err(unseen(format!("{s:?}"))),
                            _ => Err(unseen("None".into())),
                        },
                    )
                    .collect::<Result<Vec<_>>>()?
            }
        };
        Ok(Output::Labels(Labels::Int(codes)))
    }
}
