//! SimpleImputer (every strategy, numeric and string columns).

use skseal_core::ir::Node;

use crate::access::Obj;
use crate::data::{Codes, Column, Data, Mat, Method, Output, Table};
use crate::error::{input, malformed, Result};
use crate::estimator::{
    check_cols, check_finite, data_output, transformer_estimator, unsupported, Estimator, Info,
    Transformer,
};

use super::values::{column_views, read_val, read_vals, ColView, Val};

#[derive(Debug, Clone, PartialEq)]
enum MissingSpec {
    /// NaN or None: NaN in numbers, None in strings
    Nan,
    Num(f64),
    Str(String),
}

pub(super) struct Imputer {
    info: Info,
    missing: MissingSpec,
    /// fill per input column; `None` drops the column
    fill: Vec<Option<Val>>,
    object: bool,
}

impl Imputer {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Imputer> {
        let ctx = est.ctx;
        let info = Info::read(est, path)?;
        if est.opt("indicator_").is_some()
            || matches!(
                est.opt("add_indicator").map(|v| ctx.bool(v, path)),
                Some(Ok(true))
            )
        {
            return Err(unsupported(
                "SimpleImputer(add_indicator=True)",
                &format!("{path}.add_indicator"),
                "Add a MissingIndicator is not implemented natively; impute without the indicator.",
            ));
        }
        let mv = est.req("missing_values", path)?;
        let missing = match read_val(ctx, mv, &format!("{path}.missing_values"))? {
            Val::Missing => MissingSpec::Nan,
            Val::Num(v) => MissingSpec::Num(v),
            Val::Str(s) => MissingSpec::Str(s),
        };
        let keep = match est.opt("keep_empty_features") {
            Some(v) => ctx.bool(v, &format!("{path}.keep_empty_features"))?,
            None => false,
        };
        let sp = format!("{path}.statistics_");
        let stats = read_vals(ctx, est.req("statistics_", path)?, &sp)?;
        if let Some(n) = info.n_features {
            if n != stats.len() {
                return Err(malformed(&sp, "statistics_ does not match n_features_in_"));
            }
        }
        let object = match est.opt("_fit_dtype") {
            Some(id) => match ctx.node(id, &format!("{path}._fit_dtype"))? {
                Node::Dtype(d) => d.kind() == 'O',
                _ => matches!(
                    ctx.node(est.req("statistics_", path)?, &sp)?,
                    Node::ObjectArray { .. }
                ),
            },
            None => false,
        };
        let fill = stats
            .into_iter()
            .map(|v| match v {
                Val::Missing if !keep => None,
                // keep_empty_features: NaN statistics become 0 (numbers) as sklearn's fit stores
                Val::Missing => Some(Val::Num(f64::NAN)),
                other => Some(other),
            })
            .collect();
        Ok(Imputer {
            info,
            missing,
            fill,
            object,
        })
    }

    fn is_missing_num(&self, v: f64) -> bool {
        match &self.missing {
            MissingSpec::Nan => v.is_nan(),
            MissingSpec::Num(m) => v == *m,
            MissingSpec::Str(_) => false,
        }
    }
    /// A coded string column with its missing values filled: the fill
    /// becomes one more distinct value, the missing rows its code.
    fn fill_codes(&self, name: &str, c: &Codes, fill: &Val) -> Result<Codes> {
        let missing: Vec<bool> = c
            .values()
            .iter()
            .map(|s| self.is_missing_str(&Some(s.clone())))
            .collect();
        let missing_none = self.is_missing_str(&None);
        let is_missing = |k: u32| match missing.get(k as usize) {
            Some(&m) => m,
            None => missing_none,
        };
        if !c.codes().iter().any(|&k| is_missing(k)) {
            return Ok(c.clone());
        }
        let Val::Str(s) = fill else {
            return Err(input(format!(
                "column {name:?} holds strings, but {} would fill it with {fill:?}; \
                 native inference keeps a column to one type",
                self.info.class
            )));
        };
        let mut values = c.values().to_vec();
        let at = values.len() as u32;
        values.push(s.clone());
        let codes = c
            .codes()
            .iter()
            .map(|&k| if is_missing(k) { at } else { k })
            .collect();
        Codes::new(values, codes)
    }
    fn is_missing_str(&self, v: &Option<String>) -> bool {
        match (&self.missing, v) {
            (MissingSpec::Nan, None) => true,
            (MissingSpec::Str(m), Some(s)) => s == m,
            _ => false,
        }
    }
}

impl Transformer for Imputer {
    fn input_text(&self) -> Option<Vec<bool>> {
        let t: Vec<bool> = self
            .fill
            .iter()
            .map(|f| matches!(f, Some(Val::Str(_))))
            .collect();
        t.contains(&true).then_some(t)
    }
    fn transform_data(&self, x: Data) -> Result<Data> {
        if !self.object {
            let x = x.into_dense(&self.info.class)?;
            let allow_nan = self.missing == MissingSpec::Nan;
            check_cols(&self.info, x.cols)?;
            if x.cols != self.fill.len() {
                return Err(input(format!(
                    "X has {} features per sample, expected {}",
                    x.cols,
                    self.fill.len()
                )));
            }
            check_finite(&x, allow_nan, &self.info.class)?;
            let keep: Vec<usize> = (0..x.cols).filter(|&j| self.fill[j].is_some()).collect();
            let fills: Vec<f64> = keep
                .iter()
                .map(|&j| match &self.fill[j] {
                    Some(Val::Num(v)) => Ok(*v),
                    _ => Err(malformed(
                        &self.info.class,
                        "a non-numeric statistic for numeric data",
                    )),
                })
                .collect::<Result<_>>()?;
            let mut out = x.select(&keep);
            let w = out.cols;
            if w > 0 {
                for row in out.data.chunks_exact_mut(w) {
                    for (a, f) in row.iter_mut().zip(&fills) {
                        if self.is_missing_num(*a) {
                            *a = *f;
                        }
                    }
                }
            }
            return Ok(Data::Dense(out));
        }
        // object data: column by column, keeping strings as strings
        let rows = x.rows();
        let cols = column_views(&x);
        check_cols(&self.info, cols.len())?;
        if cols.len() != self.fill.len() {
            return Err(input(format!(
                "X has {} features per sample, expected {}",
                cols.len(),
                self.fill.len()
            )));
        }
        let mut names = Vec::new();
        let mut out = Vec::new();
        for ((name, col), fill) in cols.into_iter().zip(&self.fill) {
            let Some(fill) = fill else { continue };
            let c = match col {
                ColView::F(v) => {
                    let mut v = v.into_owned();
                    for a in &mut v {
                        if self.is_missing_num(*a) {
                            *a = match fill {
                                Val::Num(f) => *f,
                                _ => {
                                    return Err(input(format!(
                                        "column {name:?} holds numbers, but {} would fill it with {fill:?}; \
                                         native inference keeps a column to one type",
                                        self.info.class
                                    )))
                                }
                            };
                        }
                    }
                    Column::F64(v)
                }
                ColView::C(c) => Column::Codes(self.fill_codes(&name, c, fill)?),
                ColView::S(v) => {
                    let mut v = v.to_vec();
                    for a in &mut v {
                        if self.is_missing_str(a) {
                            *a = match fill {
                                Val::Str(s) => Some(s.clone()),
                                _ => {
                                    return Err(input(format!(
                                        "column {name:?} holds strings, but {} would fill it with {fill:?}; \
                                         native inference keeps a column to one type",
                                        self.info.class
                                    )))
                                }
                            };
                        }
                    }
                    Column::Str(v)
                }
            };
            names.push(name);
            out.push(c);
        }
        if out.is_empty() {
            return Ok(Data::Dense(Mat::zeros(rows, 0)));
        }
        Ok(Data::Table(Table::new(names, out)?))
    }
}
transformer_estimator!(Imputer);
