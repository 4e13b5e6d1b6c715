//! Gradient-boosting libraries (loaded with their profiles), computed from
//! the payloads `skseal_core::boosters` parsed and checked: `lightgbm.rs`,
//! `xgboost.rs`, `catboost.rs`. Dispatched by `model::build` before the scikit-learn
//! families.

mod catboost;
mod lightgbm;
mod xgboost;

use std::collections::HashMap;

use crate::access::{Ctx, Obj};
use crate::data::{Column, Data, Mat, Method};
use crate::error::{input as bad_input, Result};
use crate::estimator::{check_finite, check_width, Estimator, Info};

/// The methods of LightGBM's and XGBoost's models: `predict`, the raw
/// scores (`predict_raw`: `predict(raw_score=True)`,
/// `predict(output_margin=True)`), and `predict_proba` for classifiers.
fn supports(classifier: bool, m: Method) -> bool {
    matches!(m, Method::Predict | Method::PredictRaw) || (classifier && m == Method::PredictProba)
}

/// Input as the library takes it: numbers of the right width, NaN allowed,
/// infinities allowed when `infinities` (LightGBM) and refused otherwise.
fn input(info: &Info, x: Data, infinities: bool) -> Result<Mat> {
    let x = x.into_dense(&info.class)?;
    check_width(info, &x)?;
    if !infinities {
        check_finite(&x, true, &info.class)?;
    }
    Ok(x)
}

/// A pandas category column's categories in training order: a value's
/// position is the code the library gives the booster.
#[derive(Debug, Clone, PartialEq)]
enum Cats {
    /// Strings.
    Names(Vec<String>),
    /// Numbers (integers, or LightGBM's float categories), compared by
    /// value as pandas' `set_categories` compares them.
    Numbers(Vec<f64>),
}

/// `-0.0` and `0.0` are one category, as `==` has them.
fn number_key(x: f64) -> u64 {
    if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

/// What a category the model never saw becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unseen {
    /// NaN, a missing value (LightGBM's Python package).
    Missing,
    /// An error (XGBoost: "Found a category not in the training set").
    Refused,
}

/// The input as the library's Python package gives it to the booster, the
/// one rule of LightGBM and XGBoost: a table's category columns (strings,
/// or numbers for a model fitted on number categories) become the positions
/// of their values in the model's category lists (`cats`, per feature), NaN
/// for a missing value and an `unseen` value as it says; a matrix (or a
/// table when the model has no category lists) is taken as codes already,
/// as the libraries take a numpy array.
fn codes(
    info: &Info,
    x: Data,
    cats: &[Option<Cats>],
    infinities: bool,
    unseen: Unseen,
) -> Result<Mat> {
    let Data::Table(t) = &x else {
        return input(info, x, infinities);
    };
    if cats.iter().all(Option::is_none) || t.columns.len() != cats.len() {
        return input(info, x, infinities);
    }
    let w = t.columns.len();
    let mut m = Mat::zeros(t.rows, w);
    for (j, (col, cat)) in t.columns.iter().zip(cats).enumerate() {
        let name = t.names.get(j).map(String::as_str).unwrap_or("");
        match (col, cat) {
            (Column::F64(v), None) => {
                for (i, &x) in v.iter().enumerate() {
                    m.data[i * w + j] = x;
                }
            }
            (Column::F64(v), Some(Cats::Numbers(nums))) => {
                let index: HashMap<u64, usize> = nums
                    .iter()
                    .enumerate()
                    .map(|(k, &c)| (number_key(c), k))
                    .collect();
                for (i, &x) in v.iter().enumerate() {
                    m.data[i * w + j] = match (index.get(&number_key(x)), unseen) {
                        _ if x.is_nan() => f64::NAN,
                        (Some(&k), _) => k as f64,
                        (None, Unseen::Missing) => f64::NAN,
                        (None, Unseen::Refused) => {
                            return Err(bad_input(format!(
                                "column {name:?} holds {x}, a category {} did not see in \
                                 training",
                                info.class
                            )))
                        }
                    };
                }
            }
            (Column::Str(_) | Column::Codes(_), Some(Cats::Numbers(_))) => {
                return Err(bad_input(format!(
                    "column {name:?} holds strings, but {} was fitted on number categories \
                     there",
                    info.class
                )))
            }
            (Column::Str(v), Some(Cats::Names(names))) => {
                let index: HashMap<&str, usize> = names
                    .iter()
                    .enumerate()
                    .map(|(k, s)| (s.as_str(), k))
                    .collect();
                for (i, s) in v.iter().enumerate() {
                    m.data[i * w + j] = match (s.as_deref().map(|s| index.get(s)), unseen) {
                        (None, _) | (Some(None), Unseen::Missing) => f64::NAN,
                        (Some(Some(&k)), _) => k as f64,
                        (Some(None), Unseen::Refused) => {
                            return Err(bad_input(format!(
                                "column {name:?} holds {:?}, a category {} did not see in \
                                 training",
                                s.as_deref().unwrap_or(""),
                                info.class
                            )))
                        }
                    };
                }
            }
            (Column::Codes(v), Some(Cats::Names(names))) => {
                let index: HashMap<&str, usize> = names
                    .iter()
                    .enumerate()
                    .map(|(k, s)| (s.as_str(), k))
                    .collect();
                // each distinct value looked up once; None: unseen and refused
                let lut: Vec<Option<f64>> = v
                    .values()
                    .iter()
                    .map(|s| match (index.get(s.as_str()), unseen) {
                        (Some(&k), _) => Some(k as f64),
                        (None, Unseen::Missing) => Some(f64::NAN),
                        (None, Unseen::Refused) => None,
                    })
                    .collect();
                for (i, &c) in v.codes().iter().enumerate() {
                    m.data[i * w + j] = match lut.get(c as usize) {
                        None => f64::NAN, // a missing value
                        Some(Some(x)) => *x,
                        Some(None) => {
                            return Err(bad_input(format!(
                                "column {name:?} holds {:?}, a category {} did not see in \
                                 training",
                                v.values().get(c as usize).map_or("", String::as_str),
                                info.class
                            )))
                        }
                    };
                }
            }
            (Column::F64(_), Some(Cats::Names(_))) => {
                return Err(bad_input(format!(
                    "column {name:?} was a category column when {} was fitted; give its \
                     values as strings",
                    info.class
                )))
            }
            (Column::Str(_) | Column::Codes(_), None) => {
                return Err(bad_input(format!(
                    "column {name:?} holds strings, but {} takes numbers there",
                    info.class
                )))
            }
        }
    }
    if !infinities {
        check_finite(&m, true, &info.class)?;
    }
    Ok(m)
}

/// The implementation of `est` when a library module has it.
pub fn build(ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    lightgbm::build(ctx, est, path)
        .or_else(|| xgboost::build(ctx, est, path))
        .or_else(|| catboost::build(ctx, est, path))
}

/// Row-independence checks for the boosters' batched paths (blocks of 64
/// rows, lockstep lanes, the one-row path): `skseal serve` batches their
/// requests (`Estimator::batchable`), so a row's outputs must not depend on
/// the rows computed with it.
#[cfg(test)]
pub(crate) mod row_independence {
    use crate::data::Mat;

    /// Row counts around the block (64) and lane (4, 16) sizes, and above
    /// `Model::run`'s parallel split (2,048).
    pub const COUNTS: [usize; 9] = [1, 3, 4, 5, 16, 63, 64, 65, 2_049];

    /// `n` rows of `cols` iris-like values, about one in ten NaN (the
    /// missing-value branches), from a fixed generator.
    pub fn rows(n: usize, cols: usize) -> Mat {
        let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let data = (0..n * cols)
            .map(|_| {
                let r = next();
                if r % 10 == 0 {
                    f64::NAN
                } else {
                    (r >> 11) as f64 / (1u64 << 53) as f64 * 8.0
                }
            })
            .collect();
        Mat {
            rows: n,
            cols,
            data,
        }
    }

    /// Runs `f` on the first `n` rows at once for every count in
    /// [`COUNTS`], and on each row alone, and compares the bits of every
    /// output of every row (`f` gives `rows x k` values).
    pub fn check(what: &str, cols: usize, f: impl Fn(&Mat) -> Vec<f64>) {
        let all = rows(COUNTS[COUNTS.len() - 1], cols);
        let alone: Vec<Vec<f64>> = (0..all.rows)
            .map(|r| {
                f(&Mat {
                    rows: 1,
                    cols,
                    data: all.row(r).to_vec(),
                })
            })
            .collect();
        let k = alone.first().map_or(0, Vec::len);
        assert!(k > 0, "{what}: no outputs");
        for n in COUNTS {
            let x = Mat {
                rows: n,
                cols,
                data: all.data[..n * cols].to_vec(),
            };
            let got = f(&x);
            assert_eq!(got.len(), n * k, "{what}: {n} rows");
            for (r, want) in alone.iter().take(n).enumerate() {
                let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(
                    bits(&got[r * k..(r + 1) * k]),
                    bits(want),
                    "{what}: row {r} of {n} differs from the row alone"
                );
            }
        }
    }
}
