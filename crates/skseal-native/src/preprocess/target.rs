//! TargetEncoder.transform (scikit-learn 1.9.1): the category codes of
//! `_BaseEncoder._transform(X, handle_unknown="ignore",
//! ensure_all_finite="allow-nan")` (the lookup OneHotEncoder and
//! OrdinalEncoder share, [`Encoder`]), then `_transform_X_ordinal`: each
//! output column `encodings_[e][code]`, and `target_mean_` where the
//! category is unknown. Binary and continuous targets give one column per
//! feature; multiclass `n_classes` per feature (feature-major, class order
//! `classes_`), unknowns taking the class's `target_mean_`. Values are
//! copied, never computed, so the result is bitwise. `fit_transform`'s
//! cross-fitted encodings are not a fitted state and are not offered.

use std::collections::HashMap;

use crate::access::Obj;
use crate::data::{Data, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{
    data_output, transformer_estimator, unsupported, Estimator, Info, Transformer,
};

use super::encode::{Encoder, Unknown};

pub(super) struct Target {
    enc: Encoder,
    /// `encodings_`, in output column order
    encodings: Vec<Vec<f64>>,
    /// `target_mean_` per output column of a feature (one for binary and
    /// continuous targets, one per class for multiclass)
    means: Vec<f64>,
}

impl Target {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Target> {
        let enc = Encoder::read_as(est, path, Unknown::Ignore)?;
        let ctx = est.ctx;
        let tt = est.str("target_type_", path)?;
        let mp = format!("{path}.target_mean_");
        let means = match tt {
            "binary" | "continuous" => vec![est.f64("target_mean_", path)?],
            "multiclass" => {
                let m = est.arr_f64("target_mean_", path)?.data;
                let nc = est.labels("classes_", path)?.len();
                if m.len() != nc || nc == 0 {
                    return Err(malformed(
                        &mp,
                        format!("{} means for {nc} classes", m.len()),
                    ));
                }
                m
            }
            other => {
                return Err(unsupported(
                    format!("TargetEncoder with target_type_={other:?}"),
                    &format!("{path}.target_type_"),
                    "",
                ))
            }
        };
        let sizes = enc.sizes();
        let ep = format!("{path}.encodings_");
        let list = ctx.seq(est.req("encodings_", path)?, &ep)?;
        if list.len() != sizes.len() * means.len() {
            return Err(malformed(
                &ep,
                format!(
                    "{} encodings for {} features and {} columns each",
                    list.len(),
                    sizes.len(),
                    means.len()
                ),
            ));
        }
        let encodings = list
            .iter()
            .enumerate()
            .map(|(e, &id)| {
                let p = format!("{ep}[{e}]");
                let a = ctx.arr_f64(id, &p)?.data;
                let want = sizes[e / means.len()];
                if a.len() != want {
                    return Err(malformed(
                        &p,
                        format!("{} encodings for {want} categories", a.len()),
                    ));
                }
                Ok(a)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Target {
            enc,
            encodings,
            means,
        })
    }
}

impl Transformer for Target {
    fn input_text(&self) -> Option<Vec<bool>> {
        self.enc.text_inputs()
    }
    fn transform_data(&self, x: Data) -> Result<Data> {
        let rows = x.rows();
        let (code, known) = self.enc.codes(&x, &HashMap::new())?;
        let nf = self.encodings.len() / self.means.len();
        let nc = self.means.len();
        let mut out = Mat::zeros(rows, nf * nc);
        for i in 0..rows {
            for j in 0..nf {
                let k = i * nf + j;
                for c in 0..nc {
                    let e = j * nc + c;
                    out.data[i * nf * nc + e] = if known[k] {
                        // codes index the feature's categories (checked at load)
                        self.encodings[e].get(code[k]).copied().unwrap_or(f64::NAN)
                    } else {
                        self.means[c]
                    };
                }
            }
        }
        Ok(Data::Dense(out))
    }
}

transformer_estimator!(Target, via enc.info);
