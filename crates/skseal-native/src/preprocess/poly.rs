//! PolynomialFeatures: the same products in the same order as its dense path.

use crate::access::Obj;
use crate::data::{Data, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{
    data_output, dense_in, transformer_estimator, Estimator, Info, Transformer,
};

pub(super) struct Poly {
    info: Info,
    /// XP's columns in the order the dense path fills them
    full: Vec<Term>,
    /// min_degree > 1: (bias column first, first kept column of XP)
    pick: Option<(bool, usize)>,
}

#[derive(Debug, Clone, Copy)]
enum Term {
    One,
    X(usize),
    /// XP[:, src] * X[:, feature]
    Prod(usize, usize),
}

impl Poly {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Poly> {
        let mut info = Info::read(est, path)?;
        let nf = info
            .n_features
            .ok_or_else(|| malformed(path, "n_features_in_ missing"))?;
        let min_d = est.usize("_min_degree", path)?;
        let max_d = est.usize("_max_degree", path)?;
        let inter = est.bool("interaction_only", path)?;
        let bias = est.bool("include_bias", path)?;
        let n_out = est.usize("n_output_features_", path)?;
        if max_d > 64 || nf > 100_000 {
            return Err(malformed(path, "degree or width out of range"));
        }
        // the dense path of PolynomialFeatures.transform, column by column
        let mut xp: Vec<Term> = Vec::new();
        if bias {
            xp.push(Term::One);
        }
        if max_d > 0 {
            let mut index: Vec<usize> = (xp.len()..xp.len() + nf).collect();
            for f in 0..nf {
                xp.push(Term::X(f));
            }
            index.push(xp.len());
            for _ in 2..=max_d {
                let mut new_index = Vec::new();
                let end = index.last().copied().unwrap_or(0);
                for f in 0..nf {
                    let mut start = index[f];
                    new_index.push(xp.len());
                    if inter {
                        start += index[f + 1] - index[f];
                    }
                    if end <= start {
                        break;
                    }
                    for s in start..end {
                        xp.push(Term::Prod(s, f));
                    }
                    if xp.len() > 10_000_000 {
                        return Err(malformed(path, "too many output features"));
                    }
                }
                new_index.push(xp.len());
                index = new_index;
            }
        }
        let n_full = xp.len();
        let pick = if min_d > 1 {
            let skip = if bias { 1 } else { 0 };
            if n_out > n_full || n_out < skip {
                return Err(malformed(path, "n_output_features_ out of range"));
            }
            Some((bias, n_full - n_out + skip))
        } else {
            if n_out != n_full {
                return Err(malformed(
                    path,
                    format!("n_output_features_ is {n_out}, the powers give {n_full}"),
                ));
            }
            None
        };
        info.n_features = Some(nf);
        Ok(Poly {
            info,
            full: xp,
            pick,
        })
    }
}

impl Transformer for Poly {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let x = dense_in(&self.info, x, false)?;
        let n_full = self.full.len();
        let width = match self.pick {
            None => n_full,
            Some((b, start)) => usize::from(b) + (n_full - start),
        };
        let mut out = Mat::zeros(x.rows, width);
        let mut row_full = vec![0.0; n_full];
        for i in 0..x.rows {
            let xr = x.row(i);
            for c in 0..n_full {
                row_full[c] = match self.full[c] {
                    Term::One => 1.0,
                    Term::X(f) => xr[f],
                    // src < c and f < n_features (built that way)
                    Term::Prod(s, f) => row_full[s] * xr[f],
                };
            }
            let o = out.row_mut(i);
            match self.pick {
                None => o.copy_from_slice(&row_full),
                Some((b, start)) => {
                    let k = usize::from(b);
                    if b {
                        o[0] = 1.0;
                    }
                    o[k..].copy_from_slice(&row_full[start..]);
                }
            }
        }
        Ok(Data::Dense(out))
    }
}
transformer_estimator!(Poly);
