//! skseal-native: scikit-learn models computed in Rust, from the object
//! graph skseal reads, with results bit-identical to scikit-learn's.
//!
//! Data flow: file bytes -> [`load`] (container or pickle VM, policy,
//! validation: skseal-core) -> [`model::build`] (class name -> typed model:
//! [`tree`], [`linear`], [`preprocess`], [`compose`]) -> [`Model::run`]
//! (input checks, batches on all cores) -> [`Output`].

pub mod access;
pub mod blas;
pub mod compose;
pub mod data;
pub mod error;
pub mod linear;
pub mod load;
pub mod model;
pub mod npmath;
pub mod npsum;
pub mod preprocess;
pub mod probe;
pub mod tree;

pub use blas::{Blas, Core, Exactness};
pub use data::{Column, Data, Labels, Mat, Method, Output, Table};
pub use error::{NativeError, Result};
pub use load::{load_bytes, load_path, LoadOptions};
pub use model::{Estimator, Model};
pub use probe::{ProbeReport, Verdict};
