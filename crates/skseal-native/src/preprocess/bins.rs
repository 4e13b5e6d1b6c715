//! KBinsDiscretizer and Binarizer.
//!
//! - KBinsDiscretizer: `np.searchsorted(bin_edges_[j][1:-1], x, side="right")`
//!   per column (the count of inner edges `<= x`; scikit-learn 1.9 does not
//!   clip), as float64; `encode="onehot"`/`"onehot-dense"` then go through the
//!   fitted `_encoder` (a OneHotEncoder). `dtype=np.float32` is refused.
//! - Binarizer: `1.0` where `x > threshold`, else `0.0`.

use skseal_core::ir::Node;

use super::encode::OneHot;
use crate::access::Obj;
use crate::data::{Data, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{
    data_output, dense_in, transformer_estimator, unsupported, Estimator, Info, Transformer,
};

pub(super) struct KBins {
    info: Info,
    /// inner edges (`bin_edges_[j][1:-1]`) per column
    edges: Vec<Vec<f64>>,
    onehot: Option<OneHot>,
    /// encode="onehot": scikit-learn returns a sparse matrix
    sparse: bool,
}

impl KBins {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<KBins> {
        let info = Info::read(est, path)?;
        if est.opt("dtype").is_some() {
            let dp = format!("{path}.dtype");
            let ok = matches!(est.ctx.node(est.req("dtype", path)?, &dp)?,
                Node::Global(g) if g.module == "numpy" && g.name == "float64");
            if !ok {
                return Err(unsupported(
                    "KBinsDiscretizer with a dtype other than None or np.float64",
                    &dp,
                    "",
                ));
            }
        }
        let ep = format!("{path}.bin_edges_");
        let items = match est.ctx.node(est.req("bin_edges_", path)?, &ep)? {
            Node::ObjectArray { items, .. } | Node::List(items) | Node::Tuple(items) => {
                items.clone()
            }
            n => {
                return Err(malformed(
                    &ep,
                    format!("expected an object array, found {}", n.kind_name()),
                ))
            }
        };
        let mut edges = Vec::with_capacity(items.len());
        for (j, id) in items.into_iter().enumerate() {
            let e = est.ctx.arr_f64(id, &format!("{ep}[{j}]"))?.data;
            if e.len() < 2 {
                return Err(malformed(&format!("{ep}[{j}]"), "fewer than two edges"));
            }
            edges.push(e[1..e.len() - 1].to_vec());
        }
        if let Some(n) = info.n_features {
            if n != edges.len() {
                return Err(malformed(
                    &ep,
                    format!("{} columns, n_features_in_ is {n}", edges.len()),
                ));
            }
        }
        let encode = est.str("encode", path)?;
        let onehot = match encode {
            "ordinal" => None,
            "onehot" | "onehot-dense" => {
                let p = format!("{path}._encoder");
                Some(OneHot::read(&est.obj("_encoder", path)?, &p)?)
            }
            other => return Err(malformed(&format!("{path}.encode"), format!("{other:?}"))),
        };
        let mut info = info;
        info.n_features = Some(edges.len());
        Ok(KBins {
            info,
            edges,
            onehot,
            sparse: encode == "onehot",
        })
    }
}

impl Transformer for KBins {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let mut m = dense_in(&self.info, x, false)?;
        let w = m.cols;
        for (k, v) in m.data.iter_mut().enumerate() {
            let e = &self.edges[k % w];
            // side="right": the first index whose edge is > v
            *v = e.partition_point(|&b| b <= *v) as f64;
        }
        match &self.onehot {
            None => Ok(Data::Dense(m)),
            Some(oh) => oh.transform_data(Data::Dense(m)),
        }
    }
    fn fortran_out(&self) -> bool {
        self.sparse
    }
}
transformer_estimator!(KBins);

pub(super) struct Binarizer {
    info: Info,
    threshold: f64,
}

impl Binarizer {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Binarizer> {
        Ok(Binarizer {
            info: Info::read(est, path)?,
            threshold: est.f64("threshold", path)?,
        })
    }
}

impl Transformer for Binarizer {
    fn transform_data(&self, x: Data) -> Result<Data> {
        let mut m = dense_in(&self.info, x, false)?;
        for v in &mut m.data {
            *v = if *v > self.threshold { 1.0 } else { 0.0 };
        }
        Ok(Data::Dense(m))
    }
}
transformer_estimator!(Binarizer);
