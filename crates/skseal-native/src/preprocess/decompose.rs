//! PCA.transform, TruncatedSVD.transform and KMeans (transform, predict):
//! matrix products through [`crate::blas`] (TruncatedSVD after a text
//! vectorizer: scipy's CSR product).

use crate::access::{fortran_ordered, mat_f64, vec_f64, Obj};
use crate::blas::{Blas, Exactness};
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{malformed, Result};
use crate::estimator::{
    csr_in, data_output, dense_in, transformer_estimator, Estimator, Info, Transformer,
};
use crate::kernels::einsum_sq;

pub(super) struct Pca {
    info: Info,
    components: Mat,
    /// components_ stored Fortran-ordered
    comp_f: bool,
    /// mean_ @ components_.T
    mean_proj: Vec<f64>,
    scale: Option<Vec<f64>>,
    blas: Blas,
}

impl Pca {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Pca> {
        let info = Info::read(est, path)?;
        let components = mat_f64(est, "components_", path)?;
        let d = components.cols;
        if info.n_features.is_some_and(|n| n != d) {
            return Err(malformed(path, "components_ does not match n_features_in_"));
        }
        let mean = vec_f64(est, "mean_", path, Some(d))?;
        // `reshape(mean_, (1, -1)) @ components_.T`
        let comp_f = fortran_ordered(est, "components_");
        let blas = est.ctx.blas.clone();
        let mean_proj = blas
            .matmul_t(
                &Mat {
                    rows: 1,
                    cols: d,
                    data: mean,
                },
                &components,
                comp_f,
            )
            .data;
        let whiten = match est.opt("whiten") {
            Some(v) => est.ctx.bool(v, &format!("{path}.whiten"))?,
            None => false,
        };
        let scale = if whiten {
            let ev = vec_f64(est, "explained_variance_", path, Some(components.rows))?;
            Some(
                ev.into_iter()
                    .map(|v| {
                        let s = v.sqrt();
                        if s < f64::EPSILON {
                            f64::EPSILON
                        } else {
                            s
                        }
                    })
                    .collect(),
            )
        } else {
            None
        };
        let mut info = info;
        info.n_features = Some(d);
        Ok(Pca {
            info,
            components,
            comp_f,
            mean_proj,
            scale,
            blas,
        })
    }
}

impl Transformer for Pca {
    fn c_ordered_out(&self) -> bool {
        // a matrix product's result (numpy allocates it C-ordered)
        self.components.rows >= 2
    }
    fn transform_data(&self, x: Data) -> Result<Data> {
        let x = dense_in(&self.info, x, false)?;
        let mut out = self.blas.matmul_t(&x, &self.components, self.comp_f);
        for i in 0..out.rows {
            for (c, v) in out.row_mut(i).iter_mut().enumerate() {
                let mut t = *v - self.mean_proj[c];
                if let Some(s) = &self.scale {
                    t /= s[c];
                }
                *v = t;
            }
        }
        Ok(Data::Dense(out))
    }
}
transformer_estimator!(Pca, |s: &Pca| s.blas.exactness(s.comp_f), |_: &Pca| false);

/// TruncatedSVD.transform: `safe_sparse_dot(X, components_.T)`. After a text
/// vectorizer X is CSR and the product is scipy's `csr_matvecs` (bitwise,
/// [`crate::csr::Csr::matmul_t`], as the linear models after text); on a
/// dense X it is numpy's BLAS, as PCA's. The result is dense either way.
pub(super) struct TruncatedSvd {
    info: Info,
    components: Mat,
    comp_f: bool,
    blas: Blas,
    sparse: bool,
}

impl TruncatedSvd {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<TruncatedSvd> {
        let mut info = Info::read(est, path)?;
        let components = mat_f64(est, "components_", path)?;
        if info.n_features.is_some_and(|n| n != components.cols) {
            return Err(malformed(path, "components_ does not match n_features_in_"));
        }
        info.n_features = Some(components.cols);
        Ok(TruncatedSvd {
            info,
            comp_f: fortran_ordered(est, "components_"),
            components,
            blas: est.ctx.blas.clone(),
            sparse: false,
        })
    }
}

impl Transformer for TruncatedSvd {
    fn c_ordered_out(&self) -> bool {
        // a matrix product's result (numpy allocates it C-ordered)
        self.components.rows >= 2
    }
    fn transform_data(&self, x: Data) -> Result<Data> {
        Ok(Data::Dense(if self.sparse {
            csr_in(&self.info, x)?.matmul_t(&self.components)
        } else {
            let x = dense_in(&self.info, x, false)?;
            self.blas.matmul_t(&x, &self.components, self.comp_f)
        }))
    }
}

// after text: scipy's CSR product, bitwise and per row; on dense X numpy's
// BLAS, which is not
transformer_estimator!(
    TruncatedSvd,
    |s: &TruncatedSvd| if s.sparse { Exactness::Bitwise } else { s.blas.exactness(s.comp_f) },
    |s: &TruncatedSvd| s.sparse,
    sparse |s: &mut TruncatedSvd| {
        s.sparse = true;
        true
    }
);

pub(super) struct KMeans {
    info: Info,
    centers: Mat,
    /// cluster_centers_ stored Fortran-ordered
    centers_f: bool,
    sq_norms: Vec<f64>,
    blas: Blas,
}

impl KMeans {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<KMeans> {
        let info = Info::read(est, path)?;
        let centers = mat_f64(est, "cluster_centers_", path)?;
        if centers.rows == 0 {
            return Err(malformed(path, "no cluster centers"));
        }
        if info.n_features.is_some_and(|n| n != centers.cols) {
            return Err(malformed(
                path,
                "cluster_centers_ does not match n_features_in_",
            ));
        }
        let sq_norms = (0..centers.rows)
            .map(|k| einsum_sq(centers.row(k)))
            .collect();
        let mut info = info;
        info.n_features = Some(centers.cols);
        Ok(KMeans {
            info,
            centers_f: fortran_ordered(est, "cluster_centers_"),
            centers,
            sq_norms,
            blas: est.ctx.blas.clone(),
        })
    }
}

impl Transformer for KMeans {
    fn c_ordered_out(&self) -> bool {
        // a matrix product's result (numpy allocates it C-ordered)
        self.centers.rows >= 2
    }
    fn transform_data(&self, x: Data) -> Result<Data> {
        // euclidean_distances: -2 X.C^T, += ||x||^2, += ||c||^2, max(0), sqrt
        let x = dense_in(&self.info, x, false)?;
        let mut out = self.blas.matmul_t(&x, &self.centers, self.centers_f);
        for i in 0..x.rows {
            let xx = einsum_sq(x.row(i));
            for (c, v) in out.row_mut(i).iter_mut().enumerate() {
                let mut d = -2.0 * *v;
                d += xx;
                d += self.sq_norms[c];
                *v = if d > 0.0 { d.sqrt() } else { 0.0 };
            }
        }
        Ok(Data::Dense(out))
    }
}

impl Estimator for KMeans {
    fn info(&self) -> &Info {
        &self.info
    }
    fn exactness(&self, m: Method) -> Exactness {
        match m {
            Method::Predict => Exactness::Bounded(
                "KMeans.predict runs scikit-learn's chunked Cython loop with scipy's BLAS; \
                 labels differ only for points equidistant to two centers within the bound"
                    .into(),
            ),
            _ => self.blas.exactness(self.centers_f),
        }
    }
    fn batchable(&self) -> bool {
        false
    }
    fn supports(&self, m: Method) -> bool {
        matches!(m, Method::Transform | Method::Predict)
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        match m {
            Method::Transform => data_output(self.transform_data(x)?, &self.info.class),
            Method::Predict => {
                let x = dense_in(&self.info, x, false)?;
                let labels = (0..x.rows)
                    .map(|i| {
                        let xr = x.row(i);
                        let mut best = 0usize;
                        let mut min = f64::INFINITY;
                        for c in 0..self.centers.rows {
                            let d = self.sq_norms[c]
                                + -2.0 * crate::blas::fma_dot(xr, self.centers.row(c));
                            if c == 0 || d < min {
                                min = d;
                                best = c;
                            }
                        }
                        best as i32
                    })
                    .collect();
                Ok(Output::Labels(Labels::Int32(labels)))
            }
            _ => Err(self.no_method(m)),
        }
    }
}

/// Nystroem.transform with the rbf kernel: `rbf_kernel(X, components_)`
/// (`euclidean_distances(squared=True)`: `-2 * X @ C.T`, `+= ||x||^2`
/// (`np.einsum`), `+= ||c||^2`, `np.maximum(., 0)`; `*= -gamma`, `np.exp`),
/// then `embedded @ normalization_.T`: both products through
/// [`Blas::matmul_t`], so as exact as PCA.
pub(super) struct Nystroem {
    info: Info,
    components: Mat,
    comp_f: bool,
    sq_norms: Vec<f64>,
    gamma: f64,
    normalization: Mat,
    norm_f: bool,
    blas: Blas,
}

impl Nystroem {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Nystroem> {
        let info = Info::read(est, path)?;
        if est.str("kernel", path)? != "rbf" {
            return Err(crate::estimator::unsupported(
                "Nystroem with a kernel other than \"rbf\"",
                &format!("{path}.kernel"),
                "",
            ));
        }
        if est
            .opt("kernel_params")
            .is_some_and(|p| !est.ctx.is_none(p))
        {
            return Err(crate::estimator::unsupported(
                "Nystroem with kernel_params",
                &format!("{path}.kernel_params"),
                "",
            ));
        }
        let components = mat_f64(est, "components_", path)?;
        let d = components.cols;
        if components.rows == 0 || info.n_features.is_some_and(|n| n != d) {
            return Err(malformed(path, "components_ does not match n_features_in_"));
        }
        let normalization = mat_f64(est, "normalization_", path)?;
        if normalization.cols != components.rows || normalization.rows == 0 {
            return Err(malformed(path, "normalization_ does not match components_"));
        }
        // rbf_kernel: gamma = 1.0 / X.shape[1] when None
        let gamma = match est.opt("gamma").filter(|&g| !est.ctx.is_none(g)) {
            Some(g) => est.ctx.f64(g, &format!("{path}.gamma"))?,
            None => 1.0 / d as f64,
        };
        let sq_norms = (0..components.rows)
            .map(|k| einsum_sq(components.row(k)))
            .collect();
        Ok(Nystroem {
            info,
            comp_f: fortran_ordered(est, "components_"),
            norm_f: fortran_ordered(est, "normalization_"),
            components,
            sq_norms,
            gamma,
            normalization,
            blas: est.ctx.blas.clone(),
        })
    }
}

impl Transformer for Nystroem {
    fn c_ordered_out(&self) -> bool {
        // a matrix product's result (numpy allocates it C-ordered)
        self.components.rows >= 2
    }
    fn transform_data(&self, x: Data) -> Result<Data> {
        let x = dense_in(&self.info, x, false)?;
        let mut k = self.blas.matmul_t(&x, &self.components, self.comp_f);
        for i in 0..x.rows {
            let xx = einsum_sq(x.row(i));
            for (c, v) in k.row_mut(i).iter_mut().enumerate() {
                let mut d = -2.0 * *v;
                d += xx;
                d += self.sq_norms[c];
                // np.maximum(d, 0): NaN and d >= 0 kept
                if !(d.is_nan() || d >= 0.0) {
                    d = 0.0;
                }
                d *= -self.gamma;
                *v = crate::npmath::np_exp(d);
            }
        }
        Ok(Data::Dense(self.blas.matmul_t(
            &k,
            &self.normalization,
            self.norm_f,
        )))
    }
}
transformer_estimator!(
    Nystroem,
    |s: &Nystroem| s.blas.exactness(s.comp_f).and(s.blas.exactness(s.norm_f)),
    |_: &Nystroem| false
);
