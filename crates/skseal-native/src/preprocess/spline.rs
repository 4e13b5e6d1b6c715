//! SplineTransformer.transform (scikit-learn 1.9.1, dense output) with
//! scipy's B-spline evaluation (`BSpline.__call__` ->
//! `_dierckx.evaluate_spline`, scipy 1.17): per value the knot interval
//! (`_find_interval`), the k+1 non-zero basis values by de Boor's recursion
//! (`_deBoor_D`, the same operations in the same order; derivatives for the
//! "linear" extrapolation), then `out[j] = sum_a c[interval + a - k, j] *
//! wrk[a]` from 0.0 in `a` order with the fitted `bsplines_[i].c` (the
//! identity, plus the wrapped rows of a periodic spline). Around it the
//! transform's own steps: periodic inputs mapped by `t[k] + (x - t[k]) %
//! period` (numpy's float remainder), NaN rows zeroed (handle_missing
//! "zeros"), values outside the knots for "constant" (the boundary values)
//! and "linear" (`f + (x - xmin) * f'` for the first and last `degree`
//! splines; the degree of 1 raised to 2 carries over to the next features,
//! as the loop's variable does), "error" (NaN output refused),
//! include_bias=False dropping each feature's last spline. Bitwise: plain
//! double operations, no FMA (scipy's x86-64 build has none to contract to).
//! sparse_output=True: `spline/sparse.rs`. degree 0 is refused.

mod sparse;

use crate::access::Obj;
use crate::data::{Data, Mat, Method, Output};
use crate::error::{input, malformed, Result};
use crate::estimator::{
    check_finite, check_width, data_output, transformer_estimator, unsupported, Estimator, Info,
    Transformer,
};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Extrap {
    Error,
    Constant,
    Linear,
    Continue,
    Periodic,
}

impl Extrap {
    fn name(self) -> &'static str {
        match self {
            Extrap::Error => "error",
            Extrap::Constant => "constant",
            Extrap::Linear => "linear",
            Extrap::Continue => "continue",
            Extrap::Periodic => "periodic",
        }
    }
}

/// One fitted `scipy.interpolate.BSpline` of `bsplines_`.
struct Spl {
    t: Vec<f64>,
    /// `c`, rows x `m` (row-major)
    c: Vec<f64>,
    k: usize,
    extrapolate: bool,
}

pub(super) struct Spline {
    info: Info,
    spl: Vec<Spl>,
    extrap: Extrap,
    degree: usize,
    /// splines per feature (`bsplines_[0].c.shape[1]`)
    m: usize,
    include_bias: bool,
    /// handle_missing="zeros" (else NaN and infinity are refused)
    zeros: bool,
    /// order="F": the result is Fortran-ordered, which changes a later
    /// matrix product
    fortran: bool,
    /// sparse_output=True: a CSR result (`sparse.rs`)
    sparse: bool,
}

/// `_find_interval`: the interval `l` with `t[l] <= x < t[l+1]` in
/// `[k, n-1]`, or None for NaN, or outside `[t[k], t[n]]` without
/// extrapolation. The result does not depend on the starting guess.
fn find_interval(t: &[f64], k: usize, x: f64, extrapolate: bool) -> Option<usize> {
    let n = t.len() - k - 1;
    if x.is_nan() {
        return None;
    }
    if (x < t[k] || x > t[n]) && !extrapolate {
        return None;
    }
    let mut l = k + 1;
    while l != n && x >= t[l] {
        l += 1;
    }
    Some(l - 1)
}

/// `_deBoor_D`: the k+1 non-zero values of the `nu`-th derivative of the
/// basis at `x` in interval `ell`, into `h[..k+1]` (`h` holds 2k+2).
fn de_boor(t: &[f64], x: f64, k: usize, ell: usize, nu: usize, h: &mut [f64]) {
    let (lo, hi) = h.split_at_mut(k + 1);
    let hh = hi;
    lo[0] = 1.0;
    for j in 1..=k {
        hh[..j].copy_from_slice(&lo[..j]);
        lo[0] = 0.0;
        for n in 1..=j {
            let xb = t[ell + n];
            let xa = t[ell + n - j];
            if xb == xa {
                lo[n] = 0.0;
                continue;
            }
            if j <= k - nu {
                let w = hh[n - 1] / (xb - xa);
                lo[n - 1] += w * (xb - x);
                lo[n] = w * (x - xa);
            } else {
                let w = j as f64 * hh[n - 1] / (xb - xa);
                lo[n - 1] -= w;
                lo[n] = w;
            }
        }
    }
}

impl Spl {
    /// `BSpline.__call__(x, nu)` for one value: `m` outputs into `out`.
    fn eval(&self, x: f64, nu: usize, m: usize, out: &mut [f64], wrk: &mut [f64]) {
        let k = self.k;
        match find_interval(&self.t, k, x, self.extrapolate) {
            None => out.fill(f64::NAN),
            Some(iv) => {
                de_boor(&self.t, x, k, iv, nu, wrk);
                for (jp, o) in out.iter_mut().enumerate().take(m) {
                    let mut s = 0.0;
                    for (a, &w) in wrk.iter().enumerate().take(k + 1) {
                        s += self.c[(iv + a - k) * m + jp] * w;
                    }
                    *o = s;
                }
            }
        }
    }
}

/// numpy's float `%` (`npy_remainder`: fmod, then the divisor's sign).
fn np_remainder(a: f64, b: f64) -> f64 {
    let m = a % b;
    if b == 0.0 {
        return m;
    }
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m + b
        } else {
            m
        }
    } else {
        0.0f64.copysign(b)
    }
}

impl Spline {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Spline> {
        let info = Info::read(est, path)?;
        let ctx = est.ctx;
        let extrap = match est.str("extrapolation", path)? {
            "error" => Extrap::Error,
            "constant" => Extrap::Constant,
            "linear" => Extrap::Linear,
            "continue" => Extrap::Continue,
            "periodic" => Extrap::Periodic,
            other => {
                return Err(unsupported(
                    format!("SplineTransformer(extrapolation={other:?})"),
                    &format!("{path}.extrapolation"),
                    "",
                ))
            }
        };
        let sparse = est.opt("sparse_output").is_some() && est.bool("sparse_output", path)?;
        let degree = est.usize("degree", path)?;
        if degree == 0 {
            return Err(unsupported(
                "SplineTransformer(degree=0)",
                &format!("{path}.degree"),
                "",
            ));
        }
        let zeros = match est.opt_str("handle_missing", path)? {
            None | Some("error") => false,
            Some("zeros") => true,
            Some(other) => {
                return Err(unsupported(
                    format!("SplineTransformer(handle_missing={other:?})"),
                    &format!("{path}.handle_missing"),
                    "",
                ))
            }
        };
        let include_bias = est.bool("include_bias", path)?;
        let fortran = est.opt_str("order", path)? == Some("F");
        let bp = format!("{path}.bsplines_");
        let list = ctx.seq(est.req("bsplines_", path)?, &bp)?;
        if list.is_empty() || info.n_features.is_some_and(|n| n != list.len()) {
            return Err(malformed(&bp, "one B-spline per feature expected"));
        }
        let mut spl = Vec::with_capacity(list.len());
        let mut m = None;
        for (i, &id) in list.iter().enumerate() {
            let p = format!("{bp}[{i}]");
            let b = ctx.obj(id, &p)?;
            if !b.is("scipy.interpolate", "BSpline") {
                return Err(malformed(&p, format!("{} is not a BSpline", b.class)));
            }
            let key = |a: &str, b2: &str| {
                if b.opt(a).is_some() {
                    a.to_string()
                } else {
                    b2.to_string()
                }
            };
            let t = b.arr_f64(&key("_t", "t"), &p)?;
            let c = b.arr_f64(&key("_c", "c"), &p)?;
            let k = b.usize("k", &p)?;
            let extrapolate = b.bool("extrapolate", &p)?;
            if b.opt("axis").is_some() && b.usize("axis", &p)? != 0 {
                return Err(malformed(&p, "axis must be 0"));
            }
            let [nt] = t.shape[..] else {
                return Err(malformed(&p, "knots must be 1-D"));
            };
            let [nc, mc] = c.shape[..] else {
                return Err(malformed(&p, "coefficients must be 2-D"));
            };
            if k != degree || nt < 2 * k + 2 || nc < nt - k - 1 || mc == 0 {
                return Err(malformed(
                    &p,
                    format!("degree {k}, {nt} knots and {nc} x {mc} coefficients do not fit"),
                ));
            }
            if *m.get_or_insert(mc) != mc {
                return Err(malformed(&p, "B-splines with different numbers of splines"));
            }
            // the design matrix has a column per basis function: the
            // coefficients' (periodic: `degree` fewer, summed in)
            let wrapped = if extrap == Extrap::Periodic { k } else { 0 };
            if sparse && nt - k - 1 != mc + wrapped {
                return Err(malformed(
                    &p,
                    format!("{nt} knots of degree {k} do not give {mc} splines"),
                ));
            }
            if t.data
                .windows(2)
                .any(|w| w[0] > w[1] || w[0].is_nan() || w[1].is_nan())
            {
                return Err(malformed(&p, "knots must be sorted"));
            }
            spl.push(Spl {
                t: t.data,
                c: c.data,
                k,
                extrapolate,
            });
        }
        let m = m.unwrap_or(0);
        Ok(Spline {
            info,
            spl,
            extrap,
            degree,
            m,
            include_bias,
            zeros,
            fortran,
            sparse,
        })
    }
}

/// The "constant" and "linear" branches' boundaries of one feature: the
/// spline values `fa`, `fb` at `xmin = t[deg]` and `xmax = t[-deg - 1]`,
/// for "linear" the derivatives there (`slopes`), and the number `deg` of
/// first and last splines continued past them.
struct Bounds {
    xmin: f64,
    xmax: f64,
    fa: Vec<f64>,
    fb: Vec<f64>,
    slopes: Option<(Vec<f64>, Vec<f64>)>,
    deg: usize,
}

impl Spline {
    /// [`Bounds`] of spline `s` for the transform's `degree` variable, which
    /// the linear branch raises from 1 to 2 for this feature and all later
    /// ones, as scikit-learn's loop variable is.
    fn bounds(&self, s: &Spl, degree: &mut usize, wrk: &mut [f64]) -> Result<Bounds> {
        let (m, tl) = (self.m, s.t.len());
        if *degree + 1 > tl || m < *degree {
            return Err(input("the spline degree exceeds its knots"));
        }
        let (xmin, xmax) = (s.t[*degree], s.t[tl - *degree - 1]);
        let (mut fa, mut fb) = (vec![0.0; m], vec![0.0; m]);
        s.eval(xmin, 0, m, &mut fa, wrk);
        s.eval(xmax, 0, m, &mut fb, wrk);
        let slopes = if self.extrap == Extrap::Linear {
            let (mut da, mut db) = (vec![0.0; m], vec![0.0; m]);
            s.eval(xmin, 1, m, &mut da, wrk);
            s.eval(xmax, 1, m, &mut db, wrk);
            if *degree <= 1 {
                *degree += 1;
            }
            if *degree > m {
                return Err(input("the spline degree exceeds its splines"));
            }
            Some((da, db))
        } else {
            None
        };
        Ok(Bounds {
            xmin,
            xmax,
            fa,
            fb,
            slopes,
            deg: *degree,
        })
    }
}

impl Transformer for Spline {
    fn fortran_out(&self) -> bool {
        self.fortran && !self.sparse
    }
    fn sparse_out(&self) -> bool {
        self.sparse
    }
    fn transform_data(&self, x: Data) -> Result<Data> {
        let x = x.into_dense(&self.info.class)?;
        check_width(&self.info, &x)?;
        if !self.zeros {
            check_finite(&x, false, &self.info.class)?;
        }
        if self.sparse {
            return Ok(Data::Csr(self.transform_sparse(&x)?));
        }
        let (rows, nf, m) = (x.rows, x.cols, self.m);
        let mut xbs = Mat::zeros(rows, nf * m);
        let mut wrk = vec![0.0; 2 * self.degree + 2];
        let mut degree = self.degree;
        for (f, s) in self.spl.iter().enumerate() {
            let col = |i: usize| x.data[i * nf + f];
            let block = |i: usize| i * nf * m + f * m..i * nf * m + (f + 1) * m;
            match self.extrap {
                Extrap::Continue | Extrap::Error | Extrap::Periodic => {
                    let (k, tl) = (s.k, s.t.len());
                    let n = tl - k - 1;
                    let period = s.t[n] - s.t[k];
                    for i in 0..rows {
                        let v = col(i);
                        let xv = match self.extrap {
                            Extrap::Periodic if period > 0.0 => {
                                s.t[k] + np_remainder(v - s.t[k], period)
                            }
                            Extrap::Periodic => 0.0,
                            _ => v,
                        };
                        let r = block(i);
                        s.eval(xv, 0, m, &mut xbs.data[r.clone()], &mut wrk);
                        if v.is_nan() {
                            xbs.data[r].fill(0.0);
                        }
                    }
                    if self.extrap == Extrap::Error {
                        for i in 0..rows {
                            let r = block(i);
                            if xbs.data[r].iter().any(|v| v.is_nan()) {
                                return Err(input(
                                    "`X` contains values beyond the limits of the knots.",
                                ));
                            }
                        }
                    }
                }
                Extrap::Constant | Extrap::Linear => {
                    let bd = self.bounds(s, &mut degree, &mut wrk)?;
                    let (xmin, xmax, deg) = (bd.xmin, bd.xmax, bd.deg);
                    for i in 0..rows {
                        let v = col(i);
                        if xmin <= v && v <= xmax {
                            let r = block(i);
                            s.eval(v, 0, m, &mut xbs.data[r], &mut wrk);
                        }
                    }
                    match &bd.slopes {
                        None => {
                            for i in 0..rows {
                                let v = col(i);
                                let r = block(i);
                                let out = &mut xbs.data[r];
                                if v < xmin {
                                    out[..deg].copy_from_slice(&bd.fa[..deg]);
                                }
                                if v > xmax {
                                    out[m - deg..].copy_from_slice(&bd.fb[m - deg..]);
                                }
                            }
                        }
                        Some((da, db)) => {
                            for j in 0..deg {
                                for i in 0..rows {
                                    let v = col(i);
                                    let r = block(i);
                                    let out = &mut xbs.data[r];
                                    if v < xmin {
                                        out[j] = bd.fa[j] + (v - xmin) * da[j];
                                    }
                                    if v > xmax {
                                        let kk = m - 1 - j;
                                        out[kk] = bd.fb[kk] + (v - xmax) * db[kk];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if self.include_bias {
            return Ok(Data::Dense(xbs));
        }
        let keep: Vec<usize> = (0..nf * m).filter(|j| (j + 1) % m != 0).collect();
        let mut out = Mat::zeros(rows, keep.len());
        for i in 0..rows {
            for (o, &j) in keep.iter().enumerate() {
                out.data[i * keep.len() + o] = xbs.data[i * nf * m + j];
            }
        }
        Ok(Data::Dense(out))
    }
}
transformer_estimator!(Spline);
