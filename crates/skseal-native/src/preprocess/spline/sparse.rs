//! SplineTransformer(sparse_output=True).transform, scikit-learn 1.9.1's
//! sparse branch step by step: per feature a block from scipy's
//! `BSpline.design_matrix` (per value the interval and de Boor's k+1 basis
//! values, stored as they come, zeros included, at columns `ell - k ..=
//! ell`), changed as scikit-learn changes it through `tolil()`, where
//! assigning 0 deletes an entry and a row mask clears a row; then the blocks
//! side by side (`sparse.hstack(..., format="csr")`) and, without the bias,
//! each block's last column taken out. Every step is per row, so a row is
//! built in a small buffer of optional cells.
//!
//! What the branch does, and is reproduced here:
//! - "continue", "error", "periodic": NaN inputs are replaced by the
//!   column's `nanmin` (zeros when the column is all NaN) before the design
//!   matrix; periodic inputs are mapped as the dense branch maps them, and
//!   the block's first `degree` columns become the sums with its last ones
//!   (scipy's CSR sum stores no zeros), the last ones dropped. Only the first
//!   feature's NaN rows are then cleared: scikit-learn clears columns
//!   `n_splines * feature_idx + j` of the feature's own block, which for
//!   later features lie past its end, so their NaN rows keep the values at
//!   `nanmin` (unlike the dense output, whose NaN rows are zeros).
//! - "error": a value outside the knots is refused (scipy raises).
//! - "constant", "linear": values outside `[xmin, xmax]` (NaN too) get the
//!   design row of `xmin`, cleared; then the boundary values (or the linear
//!   continuation, the degree raised from 1 to 2 as the dense branch does)
//!   are assigned, zeros deleting.

use super::{de_boor, find_interval, np_remainder, Bounds, Extrap, Spl, Spline};
use crate::csr::Csr;
use crate::data::Mat;
use crate::error::{input, Result};

/// What one feature's block does per row (see the module docs).
enum Plan {
    /// "continue", "error", "periodic": the design matrix of the (mapped)
    /// value; NaN inputs replaced by `fill`, their rows cleared when
    /// `clear_nan`.
    Design { fill: f64, clear_nan: bool },
    /// "constant" and "linear": the design matrix inside `[xmin, xmax]`,
    /// the boundary values or their linear continuation outside.
    Bounded(Bounds),
}

/// A LIL assignment: a zero deletes the entry.
fn lil(v: f64) -> Option<f64> {
    (v != 0.0).then_some(v)
}

impl Spline {
    /// The blocks' plans, feature by feature (the linear branch's raised
    /// degree carries over to later features, as scikit-learn's loop
    /// variable does).
    fn plans(&self, x: &Mat) -> Result<Vec<Plan>> {
        let nf = x.cols;
        let mut degree = self.degree;
        let mut wrk = vec![0.0; 2 * self.degree + 2];
        let mut plans = Vec::with_capacity(self.spl.len());
        for (f, s) in self.spl.iter().enumerate() {
            let col = (0..x.rows).map(|i| x.data[i * nf + f]);
            let plan = match self.extrap {
                Extrap::Continue | Extrap::Error | Extrap::Periodic => {
                    let nans = col.clone().filter(|v| v.is_nan()).count();
                    let fill = if nans == x.rows {
                        0.0
                    } else {
                        col.filter(|v| !v.is_nan())
                            .map(|v| self.mapped(s, v))
                            .fold(f64::INFINITY, |a, v| if v < a { v } else { a })
                    };
                    Plan::Design {
                        fill,
                        clear_nan: f == 0,
                    }
                }
                Extrap::Constant | Extrap::Linear => {
                    Plan::Bounded(self.bounds(s, &mut degree, &mut wrk)?)
                }
            };
            plans.push(plan);
        }
        Ok(plans)
    }

    /// The periodic branch's mapping of `v` into `[t[k], t[n]]` (a
    /// constant feature maps to 0), or `v`.
    fn mapped(&self, s: &Spl, v: f64) -> f64 {
        if self.extrap != Extrap::Periodic {
            return v;
        }
        let k = s.k;
        let n = s.t.len() - k - 1;
        let period = s.t[n] - s.t[k];
        if period > 0.0 {
            s.t[k] + np_remainder(v - s.t[k], period)
        } else {
            0.0
        }
    }

    /// `BSpline.design_matrix`'s row for `x` into `cells` (its width, all
    /// cleared first): the k+1 basis values, zeros stored too.
    fn design_row(
        s: &Spl,
        x: f64,
        extrapolate: bool,
        cells: &mut [Option<f64>],
        wrk: &mut [f64],
    ) -> Result<()> {
        let k = s.k;
        let n = s.t.len() - k - 1;
        cells.fill(None);
        if !x.is_finite() {
            // checked per input value by the caller; kept for the invariant
            return Err(input("BSpline.design_matrix takes finite values only"));
        }
        if !extrapolate && (x < s.t[k] || x > s.t[n]) {
            return Err(input("`X` contains values beyond the limits of the knots."));
        }
        let Some(ell) = find_interval(&s.t, k, x, extrapolate) else {
            return Err(input("`X` contains values beyond the limits of the knots."));
        };
        de_boor(&s.t, x, k, ell, 0, wrk);
        for (a, &w) in wrk.iter().enumerate().take(k + 1) {
            if let Some(c) = cells.get_mut(ell + a - k) {
                *c = Some(w);
            }
        }
        Ok(())
    }

    /// The sparse transform of `x` (checked by the caller): a CSR matrix
    /// with scikit-learn's stored entries, in its order.
    pub(super) fn transform_sparse(&self, x: &Mat) -> Result<Csr> {
        let (rows, nf, m) = (x.rows, x.cols, self.m);
        let plans = self.plans(x)?;
        let keep = if self.include_bias { m } else { m - 1 };
        let base = self
            .spl
            .iter()
            .map(|s| s.t.len() - s.k - 1)
            .max()
            .unwrap_or(m);
        let mut cells = vec![None; base.max(m)];
        let mut wrk = vec![0.0; 2 * self.degree + 2];
        let mut out = Csr::new(nf * keep);
        let mut entries = Vec::new();
        // scikit-learn passes the first spline's flag for every feature
        let extrapolate = self.spl.first().is_some_and(|s| s.extrapolate);
        for i in 0..rows {
            entries.clear();
            for (f, (s, plan)) in self.spl.iter().zip(&plans).enumerate() {
                let v = x.data[i * nf + f];
                let n = s.t.len() - s.k - 1;
                let row = &mut cells[..n];
                match plan {
                    Plan::Design { fill, clear_nan } => {
                        if v.is_infinite() {
                            // scipy checks its input first ("Array must not
                            // contain infs or nans")
                            return Err(input(format!(
                                "Input X contains infinity (row {i}, column {f}); \
                                 SplineTransformer(sparse_output=True, extrapolation={:?}) \
                                 hands it to scipy's BSpline.design_matrix, which takes \
                                 finite values only (scikit-learn raises too)",
                                self.extrap.name()
                            )));
                        }
                        let xv = if v.is_nan() { *fill } else { self.mapped(s, v) };
                        Self::design_row(s, xv, extrapolate, row, &mut wrk)?;
                        if self.extrap == Extrap::Periodic {
                            let deg = s.k;
                            if n < 2 * deg {
                                return Err(input("the periodic spline has too few splines"));
                            }
                            for j in 0..deg {
                                let sum = match (row[j], row[n - deg + j]) {
                                    (Some(a), Some(b)) => a + b,
                                    (Some(a), None) => a + 0.0,
                                    (None, Some(b)) => 0.0 + b,
                                    (None, None) => 0.0,
                                };
                                row[j] = lil(sum);
                            }
                        }
                        if v.is_nan() && *clear_nan {
                            row.fill(None);
                        }
                        if self.extrap == Extrap::Error
                            && row[..m].iter().flatten().any(|c| c.is_nan())
                        {
                            return Err(input(
                                "`X` contains values beyond the limits of the knots.",
                            ));
                        }
                    }
                    Plan::Bounded(bd) => {
                        let (xmin, xmax, deg) = (bd.xmin, bd.xmax, bd.deg);
                        let (fa, fb) = (&bd.fa, &bd.fb);
                        let inside = xmin <= v && v <= xmax;
                        Self::design_row(s, if inside { v } else { xmin }, false, row, &mut wrk)?;
                        if !inside {
                            row.fill(None);
                        }
                        match &bd.slopes {
                            None => {
                                if v < xmin {
                                    for j in 0..deg {
                                        row[j] = lil(fa[j]);
                                    }
                                }
                                if v > xmax {
                                    for j in m - deg..m {
                                        row[j] = lil(fb[j]);
                                    }
                                }
                            }
                            Some((da, db)) => {
                                for j in 0..deg {
                                    if v < xmin {
                                        row[j] = lil(fa[j] + (v - xmin) * da[j]);
                                    }
                                    if v > xmax {
                                        let kk = m - 1 - j;
                                        row[kk] = lil(fb[kk] + (v - xmax) * db[kk]);
                                    }
                                }
                            }
                        }
                    }
                }
                let cols = row[..m].iter().enumerate().take(keep);
                entries.extend(cols.filter_map(|(j, c)| c.map(|c| (f * keep + j, c))));
            }
            out.push_row(&entries);
        }
        Ok(out)
    }
}
