//! Preprocessing transformers, bit-exact with scikit-learn 1.9.1 / numpy 2.4
//! unless noted:
//!
//! - StandardScaler (`X -= mean_; X /= scale_`), MinMaxScaler (`X *= scale_;
//!   X += min_`, clip), MaxAbsScaler (`X /= scale_`, clip), RobustScaler
//!   (`X -= center_; X /= scale_`), Normalizer (l1: numpy's pairwise sum of
//!   `|x|`; l2: `np.einsum("ij,ij->i")`, which numpy computes with two SSE2
//!   lanes, a four-fold unrolled multiply-then-add chain and `lane0 + lane1`;
//!   max), FunctionTransformer with `func=None` (what ColumnTransformer and
//!   FeatureUnion put for "passthrough");
//! - SimpleImputer (every strategy, numeric and string columns, NaN / None /
//!   number / string `missing_values`, all-missing columns dropped unless
//!   `keep_empty_features`); `add_indicator=True` is refused. For string
//!   columns a missing value is `None` or NaN whichever `missing_values` is.
//! - KNNImputer (`knn_impute.rs`): `nan_euclidean_distances` through the
//!   modelled products, the k nearest donors per column, their (weighted)
//!   average; bounded by exactly tied distances.
//! - OneHotEncoder (numeric or string `categories_`, handle_unknown
//!   error/ignore/infrequent_if_exist/warn, every `drop`, infrequent
//!   categories from min_frequency/max_categories). The output is always a
//!   dense float64 matrix, also when scikit-learn would return a sparse one
//!   (same values).
//! - OrdinalEncoder (use_encoded_value, encoded_missing_value, infrequent);
//!   the result is float64 whatever `dtype` (the codes are small integers).
//! - LabelEncoder (`label.rs`): the codes of one column of labels, as a
//!   model of its own (int64 output).
//! - TargetEncoder (`target.rs`): `encodings_` looked up per category,
//!   `target_mean_` for unknown ones; binary, multiclass, continuous.
//! - PolynomialFeatures (degree or (min, max), interaction_only,
//!   include_bias): the same products in the same order as its dense path.
//! - SplineTransformer (`spline.rs`): scipy's B-spline evaluation (interval
//!   search, de Boor's recursion) and the transform's extrapolations.
//! - QuantileTransformer (uniform output; np.interp as numpy's C code) and
//!   PowerTransformer (box-cox; yeo-johnson with numpy's log1p/expm1, SVML
//!   ports on AVX-512) (`quantile.rs`).
//! - KBinsDiscretizer (ordinal, onehot, onehot-dense) and Binarizer (`bins.rs`).
//! - Text (`text.rs`): CountVectorizer, TfidfVectorizer, HashingVectorizer,
//!   TfidfTransformer on a 1-D list of strings (their CSR output as dense).
//! - Feature selectors (`select.rs`): VarianceThreshold, SelectKBest,
//!   SelectPercentile, SelectFpr/Fwe/Fdr, GenericUnivariateSelect, RFE/RFECV
//!   as transformers (their fitted masks); SelectFromModel (its mask from
//!   the fitted estimator, `preprocess/from_model.rs`).
//! - PCA.transform and KMeans.transform use `X @ components_.T` /
//!   `X @ cluster_centers_.T`, which numpy hands to OpenBLAS; `Blas::matmul_t`
//!   reproduces the bundled OpenBLAS's kernels for a C-ordered X (bitwise on
//!   the reference machine, see `linear.rs` for what is not modelled and the
//!   bound). KMeans.predict runs scikit-learn's Cython loop with scipy's
//!   BLAS, computed here as `fma_dot`s: labels differ only for points
//!   equidistant to two centers within that bound. Nystroem.transform (rbf
//!   kernel) is `euclidean_distances` as KMeans.transform, `np.exp`, then
//!   a second product, both through `Blas::matmul_t`.

mod bins;
mod decompose;
mod encode;
mod from_model;
mod impute;
mod knn_impute;
mod label;
mod poly;
mod quantile;
mod scale;
mod select;
mod spline;
mod target;
mod text;
mod values;

use crate::access::{Ctx, Obj};
use crate::error::Result;
use crate::estimator::{boxed, Estimator, Transformer};

use bins::{Binarizer, KBins};
use decompose::{KMeans, Nystroem, Pca, TruncatedSvd};
use encode::{OneHot, Ordinal};
use impute::Imputer;
use knn_impute::KnnImputer;
use poly::Poly;
use quantile::{Power, Quantile};
use scale::{Identity, Normalizer, Scaler};
use select::Select;
use spline::Spline;
use target::Target;
use text::{TfidfTransformer, Vectorizer};

// ---------------------------------------------------------------- dispatch

/// The transformer at `est`, when this module has it.
pub fn transformer(est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Transformer>>> {
    if !est.class.module.starts_with("sklearn.") {
        return None;
    }
    fn boxed<T: Transformer + 'static>(r: Result<T>) -> Result<Box<dyn Transformer>> {
        r.map(|t| Box::new(t) as Box<dyn Transformer>)
    }
    Some(match est.name() {
        "StandardScaler" | "MinMaxScaler" | "MaxAbsScaler" | "RobustScaler" => {
            boxed(Scaler::read(est, path))
        }
        "Normalizer" => boxed(Normalizer::read(est, path)),
        "FunctionTransformer" => boxed(Identity::read(est, path)),
        "SimpleImputer" => boxed(Imputer::read(est, path)),
        "KNNImputer" => boxed(KnnImputer::read(est, path)),
        "OneHotEncoder" => boxed(OneHot::read(est, path)),
        "OrdinalEncoder" => boxed(Ordinal::read(est, path)),
        "TargetEncoder" => boxed(Target::read(est, path)),
        "PolynomialFeatures" => boxed(Poly::read(est, path)),
        "SplineTransformer" => boxed(Spline::read(est, path)),
        "QuantileTransformer" => boxed(Quantile::read(est, path)),
        "PowerTransformer" => boxed(Power::read(est, path)),
        "PCA" => boxed(Pca::read(est, path)),
        "TruncatedSVD" => boxed(TruncatedSvd::read(est, path)),
        "Nystroem" => boxed(Nystroem::read(est, path)),
        "KMeans" | "MiniBatchKMeans" => boxed(KMeans::read(est, path)),
        "KBinsDiscretizer" => boxed(KBins::read(est, path)),
        "Binarizer" => boxed(Binarizer::read(est, path)),
        "CountVectorizer" | "TfidfVectorizer" | "HashingVectorizer" => {
            boxed(Vectorizer::read(est, path))
        }
        "TfidfTransformer" => boxed(TfidfTransformer::read(est, path)),
        "VarianceThreshold"
        | "SelectKBest"
        | "SelectPercentile"
        | "SelectFpr"
        | "SelectFwe"
        | "SelectFdr"
        | "GenericUnivariateSelect"
        | "SelectFromModel"
        | "RFE"
        | "RFECV" => boxed(Select::read(est, path)),
        _ => return None,
    })
}

/// Transformers that also predict through a fitted estimator (RFE): as a
/// model or a Pipeline's last step they are built by `meta`.
fn predicts(est: &Obj<'_, '_>) -> bool {
    matches!(est.name(), "RFE" | "RFECV")
}

/// The implementation of `est` when this module has it.
pub fn build(_ctx: &Ctx<'_>, est: &Obj<'_, '_>, path: &str) -> Option<Result<Box<dyn Estimator>>> {
    if predicts(est) {
        return None;
    }
    if est.class.module.starts_with("sklearn.") && est.name() == "LabelEncoder" {
        // transforms labels to int64 codes: a model of its own, not a step
        return Some(boxed(label::LabelEnc::read(est, path)));
    }
    transformer(est, path).map(|r| r.map(|t| t as Box<dyn Estimator>))
}
