//! skseal-native: scikit-learn models computed in Rust, from the object
//! graph skseal reads, with results bit-identical to scikit-learn's.
//!
//! Data flow: file bytes -> [`load`] (container or pickle VM, policy,
//! validation: skseal-core) -> [`model::build`] (class name -> typed model:
//! [`tree`], [`linear`], [`preprocess`], [`compose`], [`meta`]) -> [`Model::run`]
//! (input checks, batches on all cores) -> [`Output`].

pub mod access;
pub mod blas;
pub mod calibration;
pub mod compose;
pub mod csr;
pub mod data;
pub mod discriminant;
pub mod ensemble;
pub mod error;
pub mod estimator;
mod fma;
pub mod frames;
pub mod gaussian_process;
pub mod gbm;
pub mod input;
pub mod kernels;
pub mod libm_exp;
pub mod linear;
pub mod load;
pub mod meta;
pub mod mlp;
pub mod model;
pub mod naive_bayes;
pub mod neighbors;
pub mod npmath;
pub mod npsum;
pub mod par;
pub mod preprocess;
pub mod probe;
pub mod slab;
pub mod svm;
pub mod tree;

pub use blas::{Blas, Core, Exactness};
pub use data::{Codes, Column, Data, Labels, Mat, Method, Output, Table, MISSING_CODE};
pub use error::{NativeError, Result};
pub use estimator::Estimator;
pub use fma::{cpu_paths, NO_AVX512_ENV};
pub use load::{load_bytes, load_path, with_checked_graph, LoadOptions};
pub use model::Model;
pub use probe::{ProbeReport, Verdict};

/// Test-only hook: panics at `site` when the environment variable
/// `SKSEAL_TEST_PANIC` names it, so that tests can prove the Python module
/// and the CLI turn a panic into a clear error (issue 11, "no panic across
/// the boundary"). The environment is trusted (docs/SECURITY.md §2); nothing
/// in a file can reach this.
#[doc(hidden)]
pub fn panic_hook_for_tests(site: &str) {
    if std::env::var_os("SKSEAL_TEST_PANIC").is_some_and(|v| v == site) {
        panic!("deliberate panic at {site} (SKSEAL_TEST_PANIC)");
    }
}

/// The message of a caught panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_string()
    }
}
