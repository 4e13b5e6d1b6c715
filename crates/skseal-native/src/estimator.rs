//! What every native model is: the [`Estimator`] and [`Transformer`]
//! traits, the facts each one knows about itself ([`Info`]) and the input
//! checks scikit-learn makes before computing. A leaf module: every family
//! (`tree`, `linear`, `preprocess`, `compose`) and the dispatcher (`model`)
//! import it; it imports none of them.

use skseal_core::ir::NodeId;

use crate::access::{Ctx, Obj};
use crate::blas::Exactness;
use crate::csr::Csr;
use crate::data::{Data, Labels, Mat, Method, Output};
use crate::error::{input, NativeError, Result};

/// What every estimator knows about itself.
#[derive(Debug, Clone, Default)]
pub struct Info {
    /// "module.Class" as the file names it.
    pub class: String,
    pub n_features: Option<usize>,
    pub feature_names: Option<Vec<String>>,
}

impl Info {
    pub fn read(est: &Obj<'_, '_>, path: &str) -> Result<Info> {
        Ok(Info {
            class: est.class.name.clone(),
            n_features: est.n_features(path)?,
            feature_names: est.feature_names(path)?,
        })
    }
}

/// A fitted estimator, transformer or composition, ready to compute.
pub trait Estimator: Send + Sync {
    fn info(&self) -> &Info;
    /// `classes_`, for classifiers.
    fn classes(&self) -> Option<&Labels> {
        None
    }
    /// A classifier with several outputs: `classes_`, one array per output
    /// (empty otherwise; [`Estimator::classes`] is then None).
    fn output_classes(&self) -> Vec<&Labels> {
        Vec::new()
    }
    fn supports(&self, m: Method) -> bool;
    /// Compute method `m` on `x` (the caller checked `supports`).
    fn run(&self, m: Method, x: Data) -> Result<Output>;
    /// Whether method `m`'s results are bit-identical to scikit-learn's on
    /// this machine, or within a bound (and why).
    fn exactness(&self, _m: Method) -> Exactness {
        Exactness::Bitwise
    }
    /// Whether rows may be computed in separate batches with the same
    /// results (false where numpy's BLAS chooses its order from the whole
    /// matrix: matrix products).
    fn batchable(&self) -> bool {
        true
    }
    /// Called when the previous step returns a scipy CSR matrix (a text
    /// vectorizer, [`Transformer::sparse_out`]): true when this estimator
    /// then computes as scikit-learn does on CSR input (and will); false
    /// when it cannot, and a Pipeline refuses the combination.
    fn take_sparse(&mut self) -> bool {
        false
    }
    /// Which columns of a table input this model takes as strings, one flag
    /// per input column, when its fitted state says so (encoders whose
    /// categories are strings, an imputer that fills strings, and what
    /// routes columns to them); None when it takes numbers only or cannot
    /// tell. What a server tells clients about a model saved without a
    /// probe.
    fn text_inputs(&self) -> Option<Vec<bool>> {
        None
    }
    /// The error for a method this model does not have.
    fn no_method(&self, m: Method) -> NativeError {
        let have: Vec<&str> = Method::ALL
            .into_iter()
            .filter(|&k| self.supports(k))
            .map(Method::name)
            .collect();
        NativeError::NoMethod {
            model: self.info().class.clone(),
            method: m.name().into(),
            hint: format!("; it has: {}", have.join(", ")),
        }
    }
}

/// The transformer at `est` when a family has it; `None` when no family does.
pub type TransformerFor = fn(&Obj<'_, '_>, &str) -> Option<Result<Box<dyn Transformer>>>;

/// How a composition builds its steps. The dispatcher (`model`) passes
/// these in, so that compositions import neither it nor the families.
#[derive(Clone, Copy)]
pub struct Builders {
    /// Any estimator native inference implements (`model::build`).
    pub estimator: fn(&Ctx<'_>, NodeId, &str) -> Result<Box<dyn Estimator>>,
    /// The transformer at `est`, when a family has it (`preprocess::transformer`).
    pub transformer: TransformerFor,
}

impl Builders {
    /// The estimators in the list attribute `key` of `est` (`estimators_`,
    /// ...), each built by [`Builders::estimator`]; an empty list is malformed.
    pub fn built_list(
        self,
        ctx: &Ctx<'_>,
        est: &Obj<'_, '_>,
        key: &str,
        path: &str,
    ) -> Result<Vec<Box<dyn Estimator>>> {
        let lp = format!("{path}.{key}");
        let items = ctx.seq(est.req(key, path)?, &lp)?;
        if items.is_empty() {
            return Err(crate::error::malformed(&lp, "no estimators"));
        }
        items
            .iter()
            .enumerate()
            .map(|(k, &id)| (self.estimator)(ctx, id, &format!("{lp}[{k}]")))
            .collect()
    }
}

/// The width check scikit-learn makes (`X has 3 features, but ... is expecting 4`).
pub fn check_width(info: &Info, x: &Mat) -> Result<()> {
    if let Some(n) = info.n_features {
        if x.cols != n {
            return Err(input(format!(
                "X has {} features, but {} is expecting {n} features as input",
                x.cols, info.class
            )));
        }
    }
    Ok(())
}

/// A fitted transformer: data in, data out (a table when strings remain).
pub trait Transformer: Estimator {
    fn transform_data(&self, x: Data) -> Result<Data>;
    /// Whether scikit-learn's result has a layout whose later matrix
    /// products are not modelled: Fortran-ordered (`X[:, mask]` of a feature
    /// selector) or sparse (KBinsDiscretizer's "onehot"); a later
    /// `BitwiseCOrdered` claim becomes a bound.
    fn fortran_out(&self) -> bool {
        false
    }
    /// Whether scikit-learn's result is a scipy CSR matrix that the next
    /// step must compute on as scipy does (text vectorizers); see
    /// [`Estimator::take_sparse`].
    fn sparse_out(&self) -> bool {
        false
    }
    /// Whether scikit-learn's dense result is C-ordered with two columns or
    /// more whatever the input's layout (an encoder or a matrix product
    /// fills an array it allocates). In a ColumnTransformer, numpy's
    /// `hstack` gives a C-ordered result when one part is such (C order wins
    /// its layout vote), and otherwise may not: every numeric part of a
    /// DataFrame, or of `X[:, columns]`, comes out Fortran-ordered.
    fn c_ordered_out(&self) -> bool {
        false
    }
    /// [`Estimator::text_inputs`] of a transformer whose `Estimator` impl
    /// is [`transformer_estimator!`]'s.
    fn input_text(&self) -> Option<Vec<bool>> {
        None
    }
}

/// A step's claim after a Fortran-ordered input (see [`Transformer::fortran_out`]).
pub fn after_fortran(e: Exactness) -> Exactness {
    match e {
        Exactness::BitwiseCOrdered => Exactness::Bounded(
            "an earlier step leaves X Fortran-ordered (a selector's X[:, mask], or a DataFrame a transformer returns) or sparse, whose products are not modelled"
                .into(),
        ),
        other => other,
    }
}

/// scikit-learn's finiteness check (`ensure_all_finite=True` or "allow-nan").
pub(crate) fn check_finite(x: &Mat, allow_nan: bool, who: &str) -> Result<()> {
    // a branch-free scan first (vectorized), the located error only if needed
    if !any_not_finite(&x.data, allow_nan) {
        return Ok(());
    }
    for (k, &v) in x.data.iter().enumerate() {
        if v.is_infinite() || (v.is_nan() && !allow_nan) {
            return Err(not_finite(v, k / x.cols.max(1), k % x.cols.max(1), who));
        }
    }
    Ok(())
}

/// Whether `v` holds an infinity, or NaN unless `allow_nan`: blocks of 256
/// values without a branch inside (vectorized; the AVX-512 copy compares
/// eight at once).
#[inline(always)]
fn any_not_finite_any(v: &[f64], allow_nan: bool) -> bool {
    // |v| as bits: infinity is exactly the exponent's bits, NaN above them
    const INF: u64 = 0x7ff0_0000_0000_0000;
    let bad = |f: f64| {
        let a = f.to_bits() & !(1 << 63);
        if allow_nan {
            a == INF
        } else {
            a >= INF
        }
    };
    v.chunks(256)
        .any(|c| c.iter().fold(false, |acc, &f| acc | bad(f)))
}

crate::fma::wide_dispatch! {
    fn any_not_finite(v: &[f64], allow_nan: bool) -> bool = any_not_finite_any;
}

/// The error for NaN or infinity `v` at (`row`, `col`), the one message of
/// both finiteness checks (dense and CSR).
fn not_finite(v: f64, row: usize, col: usize, who: &str) -> crate::error::NativeError {
    let what = if v.is_nan() { "NaN" } else { "infinity" };
    input(format!(
        "Input X contains {what} (row {row}, column {col}); {who} does not accept it"
    ))
}

/// Numbers only, right width, finite (NaN allowed when `allow_nan`).
pub(crate) fn dense_in(info: &Info, x: Data, allow_nan: bool) -> Result<Mat> {
    let x = x.into_dense(&info.class)?;
    check_width(info, &x)?;
    check_finite(&x, allow_nan, &info.class)?;
    Ok(x)
}

/// A classifier with several outputs predicts them as one array of the
/// first output's type in scikit-learn (numpy's common type for
/// MultiOutputClassifier): native inference takes outputs whose classes are
/// all of one type, and refuses others rather than cast them.
pub(crate) fn one_label_type<'l>(
    mut classes: impl Iterator<Item = &'l Labels>,
    path: &str,
) -> Result<()> {
    let Some(first) = classes.next() else {
        return Ok(());
    };
    if classes.all(|c| c.same_kind(first)) {
        return Ok(());
    }
    Err(unsupported(
        "a classifier whose outputs have classes of different types",
        path,
        "scikit-learn casts every output's labels to one type; native inference predicts \
         outputs whose classes are all numbers of one type or all strings. Load it with \
         skseal.load.",
    ))
}

/// What computes on a scipy sparse matrix as scikit-learn does (the
/// estimators whose [`Estimator::take_sparse`] says yes), for messages.
pub const SPARSE_STEPS: &str = "TfidfTransformer, MaxAbsScaler, \
     StandardScaler(with_mean=False), RobustScaler(with_centering=False), Normalizer (l1, l2), \
     the feature selectors, TruncatedSVD, the linear models, MultinomialNB / ComplementNB / \
     BernoulliNB, SVC / NuSVC / SVR / NuSVR / OneClassSVM fitted on sparse data, decision trees, random forests, extra trees, GradientBoosting, bagged trees, IsolationForest, and Pipelines \
     and meta-estimators (calibration, one-vs-rest, one-vs-one, voting, searches, AdaBoost, \
     MultiOutputClassifier) of them";

/// The input of a step that computes on CSR as scikit-learn does (after a
/// text vectorizer): the vectorizer's CSR matrix as it is (a dense input's
/// non-zero entries otherwise), of the fitted width, every stored value
/// finite (scikit-learn's `check_array` on `X.data`).
pub(crate) fn csr_in(info: &Info, x: Data) -> Result<Csr> {
    let c = match x {
        Data::Csr(c) => c,
        x => Csr::from_dense(&x.into_dense(&info.class)?),
    };
    check_cols(info, c.cols)?;
    if c.values().iter().all(|v| v.is_finite()) {
        return Ok(c);
    }
    for i in 0..c.rows {
        let (idx, val) = c.row(i);
        if let Some((&j, &v)) = idx.iter().zip(val).find(|(_, v)| !v.is_finite()) {
            return Err(not_finite(v, i, j, &info.class));
        }
    }
    Ok(c)
}

pub(crate) fn check_cols(info: &Info, n: usize) -> Result<()> {
    if let Some(w) = info.n_features {
        if w != n {
            return Err(input(format!(
                "X has {n} features, but {} is expecting {w} features as input",
                info.class
            )));
        }
    }
    Ok(())
}

/// The result of a transform as a method output (numbers only).
pub(crate) fn data_output(d: Data, who: &str) -> Result<Output> {
    Ok(Output::Matrix(d.into_dense(who)?))
}

macro_rules! transformer_estimator {
    ($t:ty) => {
        $crate::estimator::transformer_estimator!($t, via info);
    };
    // a transformer that also computes on a text vectorizer's CSR output
    // when `$take` (its `take_sparse`) says so
    ($t:ty, sparse $take:expr) => {
        $crate::estimator::transformer_estimator!(
            $t,
            |_: &$t| $crate::blas::Exactness::Bitwise,
            |_: &$t| true,
            via info,
            sparse $take
        );
    };
    ($t:ty, via $($info:ident).+) => {
        $crate::estimator::transformer_estimator!(
            $t,
            |_: &$t| $crate::blas::Exactness::Bitwise,
            |_: &$t| true,
            via $($info).+
        );
    };
    ($t:ty, $exact:expr, $batchable:expr) => {
        $crate::estimator::transformer_estimator!($t, $exact, $batchable, via info);
    };
    ($t:ty, $exact:expr, $batchable:expr, sparse $take:expr) => {
        $crate::estimator::transformer_estimator!($t, $exact, $batchable, via info, sparse $take);
    };
    ($t:ty, $exact:expr, $batchable:expr, via $($info:ident).+ $(, sparse $take:expr)?) => {
        impl Estimator for $t {
            $(
                fn take_sparse(&mut self) -> bool {
                    ($take)(self)
                }
            )?
            fn exactness(&self, _m: Method) -> $crate::blas::Exactness {
                ($exact)(self)
            }
            fn batchable(&self) -> bool {
                ($batchable)(self)
            }
            fn info(&self) -> &Info {
                &self.$($info).+
            }
            fn text_inputs(&self) -> Option<Vec<bool>> {
                $crate::estimator::Transformer::input_text(self)
            }
            fn supports(&self, m: Method) -> bool {
                m == Method::Transform
            }
            fn run(&self, m: Method, x: Data) -> Result<Output> {
                if m != Method::Transform {
                    return Err(self.no_method(m));
                }
                data_output(self.transform_data(x)?, &self.$($info).+.class)
            }
        }
    };
}
pub(crate) use transformer_estimator;

/// [`Estimator::text_inputs`] of estimators that all take the same input:
/// a column any of them takes as strings.
pub(crate) fn union_text(each: impl Iterator<Item = Option<Vec<bool>>>) -> Option<Vec<bool>> {
    let mut out: Option<Vec<bool>> = None;
    for t in each.flatten() {
        match out.as_mut() {
            None => out = Some(t),
            Some(o) => {
                if o.len() < t.len() {
                    o.resize(t.len(), false);
                }
                o.iter_mut().zip(&t).for_each(|(a, b)| *a |= b);
            }
        }
    }
    out
}

/// A family's built estimator as the dispatcher holds it.
pub(crate) fn boxed<T: Estimator + 'static>(r: Result<T>) -> Result<Box<dyn Estimator>> {
    r.map(|t| Box::new(t) as Box<dyn Estimator>)
}

/// An estimator or option native inference does not implement.
pub(crate) fn unsupported(what: impl Into<String>, path: &str, hint: &str) -> NativeError {
    NativeError::Unsupported {
        what: what.into(),
        path: path.into(),
        hint: hint.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{any_not_finite, any_not_finite_any};

    /// The scan against the plain definition: every special value, at
    /// every place of blocks of 256 and of a last short block.
    #[test]
    fn finiteness_scan_is_the_definition() {
        let specials = [
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7ff0_0000_0000_0001),
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            -0.0,
            f64::MIN_POSITIVE / 2.0,
        ];
        for n in [1usize, 7, 256, 300, 1000] {
            for at in [0, n / 2, n - 1] {
                for s in specials {
                    let mut v: Vec<f64> = (0..n).map(|i| i as f64 - 500.25).collect();
                    v[at] = s;
                    for allow_nan in [false, true] {
                        let want = v
                            .iter()
                            .any(|f| f.is_infinite() || (f.is_nan() && !allow_nan));
                        assert_eq!(any_not_finite(&v, allow_nan), want, "{n} {at} {s}");
                        assert_eq!(any_not_finite_any(&v, allow_nan), want, "{n} {at} {s}");
                    }
                }
            }
        }
    }
}
