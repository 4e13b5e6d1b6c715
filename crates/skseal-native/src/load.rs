//! From file bytes to a native model: the same container checks, VM, policy
//! and validators as `skseal.load`, then the typed model. Nothing from the
//! file is executed and no Python is involved.

use rayon::prelude::*;

use skseal_core::container::{self, Container};
use skseal_core::ir::{ArraySource, Graph};
use skseal_core::policy::Policy;
use skseal_core::{convert, legacy, validate, CoreError, ValidationError};

use crate::access::Ctx;
use crate::blas::Blas;
use crate::error::Result;
use crate::model::Model;

/// How to read a file.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Extra names to trust, as in `skseal.load(trusted=...)`.
    pub trusted: Vec<String>,
    /// Require a valid signature by this Ed25519 public key.
    pub public_key: Option<[u8; 32]>,
    /// Cap on the decompressed size of a compressed pickle/joblib file.
    pub max_decompressed: u64,
    /// numpy's OpenBLAS whose results to reproduce; `None`: [`Blas::detect`]
    /// (Python passes what the loaded OpenBLAS reports).
    pub blas: Option<Blas>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            trusted: Vec::new(),
            public_key: None,
            max_decompressed: legacy::DEFAULT_MAX_DECOMPRESSED,
            blas: None,
        }
    }
}

/// Load a `.skseal`, pickle or joblib file held in memory.
pub fn load_bytes(data: &[u8], opts: &LoadOptions) -> Result<Model> {
    with_checked_graph(data, opts, |ctx, _| Model::from_graph(ctx))
}

/// Read a `.skseal`, pickle or joblib file held in memory with exactly the
/// checks of [`load_bytes`] (signature, policy, digests, validators), then
/// hand the checked graph to `f` (with the container header for `.skseal`
/// files). Used by readers that need more than the model, such as
/// skseal-card (tree statistics, hyperparameters).
pub fn with_checked_graph<R>(
    data: &[u8],
    opts: &LoadOptions,
    f: impl FnOnce(&Ctx<'_>, Option<&container::Header>) -> Result<R>,
) -> Result<R> {
    crate::panic_hook_for_tests("native_load");
    let policy = Policy::new(opts.trusted.clone());
    if skseal_core::sniff::file_kind(data).is_skseal() {
        let c = Container::parse(data).map_err(CoreError::from)?;
        c.verify_signature(opts.public_key.as_ref())
            .map_err(CoreError::from)?;
        policy.check(&c.header.graph).map_err(CoreError::from)?;
        c.verify_padding().map_err(CoreError::from)?;
        c.verify_raw_all().map_err(CoreError::from)?;
        let decoded: Vec<Option<Vec<u8>>> = (0..c.header.arrays.len())
            .into_par_iter()
            .map(|i| {
                if c.raw_offset(i).is_some() {
                    return Ok(None);
                }
                let mut out = vec![0u8; c.header.arrays[i].nbytes as usize];
                c.decode_into(i, &mut out)?;
                Ok(Some(out))
            })
            .collect::<std::result::Result<_, skseal_core::ContainerError>>()
            .map_err(CoreError::from)?;
        let g: &Graph = &c.header.graph;
        let bytes = |i: u32| -> Option<&[u8]> {
            let i = i as usize;
            match decoded.get(i)? {
                Some(v) => Some(v.as_slice()),
                None => c.stored(i).ok(),
            }
        };
        finish(g, &bytes, opts, |ctx| f(ctx, Some(&c.header)))
    } else {
        if opts.public_key.is_some() {
            return Err(CoreError::from(skseal_core::ContainerError::Integrity(
                "a signature was required, but this is a pickle/joblib file, which cannot be signed; \
                 convert it to .skseal and sign that"
                    .into(),
            ))
            .into());
        }
        let (g, _info) = convert::read_checked(data, &policy, opts.max_decompressed)?;
        let bytes = |i: u32| match g.arrays.get(i as usize).map(|a| &a.source) {
            Some(ArraySource::Inline(v)) => Some(v.as_slice()),
            _ => None,
        };
        finish(&g, &bytes, opts, |ctx| f(ctx, None))
    }
}

fn finish<'a, R>(
    g: &'a Graph,
    bytes: &'a (dyn Fn(u32) -> Option<&'a [u8]> + 'a),
    opts: &LoadOptions,
    f: impl FnOnce(&Ctx<'_>) -> Result<R>,
) -> Result<R> {
    validate::check_depth(g)
        .map_err(|why| CoreError::from(ValidationError::new("object graph", why)))?;
    validate::validate(g, bytes).map_err(CoreError::from)?;
    let blas = opts.blas.clone().unwrap_or_else(Blas::detect);
    let ctx = Ctx { g, bytes, blas };
    f(&ctx)
}

/// Load a file from a path.
pub fn load_path(path: &std::path::Path, opts: &LoadOptions) -> Result<Model> {
    let data = std::fs::read(path).map_err(CoreError::from)?;
    load_bytes(&data, opts)
}
