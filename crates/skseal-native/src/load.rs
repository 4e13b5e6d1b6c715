//! From file bytes to a native model: the same container checks, VM, policy
//! and validators as `skseal.load`, then the typed model. Nothing from the
//! file is executed and no Python is involved.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use skseal_core::container::{self, Container};
use skseal_core::filecontainer::{mapped_digests_checked, FileContainer, FileMap};
use skseal_core::ir::{ArraySource, Graph, NodeId};
use skseal_core::policy::Policy;
use skseal_core::{convert, legacy, validate, ContainerError, CoreError, ValidationError};

use crate::access::{Ctx, StoredTree, TreeSource};
use crate::blas::Blas;
use crate::error::malformed;
use crate::error::Result;
use crate::model::Model;
use crate::slab::Slab;
use skseal_core::ir::{Dtype, Order};
use skseal_core::layout::TreeNode16;

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
    /// [`load_path`]: use the file's mapped pages in place for what is
    /// stored as native inference reads it (the native layouts of trees and
    /// their values, docs/FORMAT.md §5.6) instead of copying it into fresh
    /// memory; their digests are then checked only when `public_key` is set
    /// (`skseal_core::filecontainer::mapped_digests_checked`).
    pub mmap: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            trusted: Vec::new(),
            public_key: None,
            max_decompressed: legacy::DEFAULT_MAX_DECOMPRESSED,
            blas: None,
            mmap: false,
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
    bytes: &'a (dyn Fn(u32) -> Option<&'a [u8]> + Sync + 'a),
    opts: &LoadOptions,
    f: impl FnOnce(&Ctx<'_>) -> Result<R>,
) -> Result<R> {
    validate::check_depth(g)
        .map_err(|why| CoreError::from(ValidationError::new("object graph", why)))?;
    validate::validate(g, bytes).map_err(CoreError::from)?;
    let blas = opts.blas.clone().unwrap_or_else(Blas::detect);
    let ctx = Ctx::new(g, bytes, blas);
    f(&ctx)
}

/// Load a file from a path. A `.skseal` file is read array by array with
/// positioned reads ([`FileContainer`]): the file is never held in memory
/// as a whole, each tree's arrays are read, digest-checked, validated and
/// turned into the native tree on all cores, then freed. The checks are
/// those of [`load_bytes`]. Pickle and joblib files are read whole.
pub fn load_path(path: &std::path::Path, opts: &LoadOptions) -> Result<Model> {
    let file = File::open(path).map_err(CoreError::from)?;
    let mut head = [0u8; 64];
    let n = read_head(&file, &mut head).map_err(CoreError::from)?;
    if !skseal_core::sniff::file_kind(&head[..n]).is_skseal() {
        let data = std::fs::read(path).map_err(CoreError::from)?;
        return load_bytes(&data, opts);
    }
    crate::panic_hook_for_tests("native_load");
    let fc = FileContainer::open(file).map_err(CoreError::from)?;
    stream_file(&fc, opts)
}

fn read_head(file: &File, head: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut r = file;
    let mut n = 0;
    while n < head.len() {
        match r.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

type Cell = OnceLock<std::result::Result<Vec<u8>, ContainerError>>;

fn array_len(fc: &FileContainer, i: usize) -> std::result::Result<usize, ContainerError> {
    let n = fc.header.entry(i)?.nbytes;
    usize::try_from(n).map_err(|_| {
        ContainerError::Overflow(skseal_core::SizeOverflow::ArraySize {
            array: i,
            nbytes: n,
        })
    })
}

fn read_array(fc: &FileContainer, i: u32) -> std::result::Result<Vec<u8>, ContainerError> {
    let i = i as usize;
    let mut v = vec![0u8; array_len(fc, i)?];
    fc.read_array(i, &mut v)?;
    Ok(v)
}

thread_local! {
    /// Per thread, the buffers a tree's `nodes` and `values` are read into:
    /// they live only while the tree is converted, so one pair per thread is
    /// reused tree after tree instead of fresh zeroed memory per array (a
    /// 200-tree forest spent about 12% of its load in page faults and
    /// zeroing of those buffers).
    static TREE_BUFFERS: std::cell::RefCell<(Vec<u8>, Vec<u8>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// Read array `i` into `buf` (resized to its length; what it held before is
/// overwritten by the read, which fills every byte or fails).
fn read_array_into(
    fc: &FileContainer,
    i: u32,
    buf: &mut Vec<u8>,
) -> std::result::Result<(), ContainerError> {
    let n = array_len(fc, i as usize)?;
    if buf.len() < n {
        buf.resize(n, 0);
    }
    buf.truncate(n);
    fc.read_array(i as usize, buf)
}

/// Trees read one at a time from the file (see [`TreeSource`]).
struct FileTrees<'f> {
    fc: &'f FileContainer,
    /// Trees checked and read, by node.
    done: Vec<AtomicBool>,
    /// Arrays read (and digest-checked) by a tree, by array.
    read: Vec<AtomicBool>,
    /// Stored native layouts: the layout array of each Tree `nodes` array.
    layouts: HashMap<u32, u32>,
    /// A mapped load: the file's mapping, and whether mapped arrays' digests
    /// are checked.
    map: Option<(Arc<FileMap>, bool)>,
}

impl TreeSource for FileTrees<'_> {
    fn with_tree(
        &self,
        ctx: &Ctx<'_>,
        tree: NodeId,
        read: &mut dyn FnMut(&Ctx<'_>) -> Result<()>,
    ) -> Result<()> {
        let Some((ni, vi)) = skseal_core::layout::tree_arrays(&self.fc.header.graph, tree) else {
            // not the usual layout: read as any other array, checked below
            return read(&Ctx::new(ctx.g, ctx.bytes, ctx.blas.clone()));
        };
        // The thread's buffers, unless a tree of this thread is being read
        // already (a nested task run while this one waits): then fresh ones.
        let mut fresh = (Vec::new(), Vec::new());
        let mut held =
            TREE_BUFFERS.with(|b| b.try_borrow_mut().ok().map(|mut b| std::mem::take(&mut *b)));
        let bufs = held.as_mut().unwrap_or(&mut fresh);
        let read_both = |bufs: &mut (Vec<u8>, Vec<u8>)| {
            read_array_into(self.fc, ni, &mut bufs.0)?;
            read_array_into(self.fc, vi, &mut bufs.1)
        };
        let outcome = read_both(bufs)
            .map_err(|e| CoreError::from(e).into())
            .and_then(|()| self.convert(ctx, tree, ni, vi, &bufs.0, &bufs.1, read));
        if let Some(b) = held {
            TREE_BUFFERS.with(|cell| {
                if let Ok(mut c) = cell.try_borrow_mut() {
                    *c = b;
                }
            });
        }
        outcome
    }

    fn stored(&self, tree: NodeId, path: &str) -> Option<Result<StoredTree>> {
        let (ni, vi) = skseal_core::layout::tree_arrays(&self.fc.header.graph, tree)?;
        let li = *self.layouts.get(&ni)?;
        Some(self.read_stored(tree, [ni, li, vi], path))
    }
}

impl FileTrees<'_> {
    /// Read a tree's layout (array `li`, which replaces its node records
    /// `ni`) and its values (`vi`) straight into the native tree's buffers
    /// (each array read and digest-checked on the thread that builds the
    /// tree). scikit-learn's records are neither read nor validated
    /// (docs/FORMAT.md §5.6).
    fn read_stored(&self, tree: NodeId, [ni, li, vi]: [u32; 3], path: &str) -> Result<StoredTree> {
        let g = &self.fc.header.graph;
        let (Some(ls), Some(vs)) = (g.arrays.get(li as usize), g.arrays.get(vi as usize)) else {
            return Err(malformed(
                path,
                "the layout or values array is not in the table",
            ));
        };
        let count = ls.shape.first().map_or(0, |&n| n as usize);
        let dims: Vec<usize> = vs.shape.iter().map(|&d| d as usize).collect();
        let plain = matches!(&vs.dtype, Dtype::Simple(s) if s == "<f8")
            && vs.order == Order::C
            && vs.axes.is_none();
        let shape = match dims[..] {
            [n, o, k] if plain && n == count => [n, o, k],
            _ => {
                return Err(malformed(
                    &format!("{path}.values"),
                    format!(
                        "expected float64 values of {count} nodes in C order, found {} {:?}",
                        vs.dtype, vs.shape
                    ),
                ))
            }
        };
        let nbytes = |i: u32| array_len(self.fc, i as usize).map_err(CoreError::from);
        let (nodes_len, values_len) = (nbytes(li)?, nbytes(vi)?);
        if !nodes_len.is_multiple_of(16) || !values_len.is_multiple_of(8) {
            return Err(malformed(path, "the layout or values are not whole items"));
        }
        let nodes: Slab<TreeNode16> = self.slab(li, nodes_len / 16)?;
        if let Some((map, _)) = &self.map {
            // the checks read the whole layout now: map its pages in one call
            // (the values fault in as walks reach them)
            map.populate(bytemuck::cast_slice(&nodes));
        }
        let values: Slab<f64> = self.slab(vi, values_len / 8)?;
        for i in [ni, li, vi] {
            if let Some(r) = self.read.get(i as usize) {
                r.store(true, Ordering::Relaxed);
            }
        }
        if let Some(d) = self.done.get(tree as usize) {
            d.store(true, Ordering::Relaxed);
        }
        Ok(StoredTree {
            nodes,
            values,
            shape,
        })
    }
}

impl FileTrees<'_> {
    /// Array `i` of `n` items: a view of the mapped file when the load is
    /// mapped and the array is stored as it is used, else read into memory
    /// of its own (digest-checked).
    fn slab<T: bytemuck::Pod>(&self, i: u32, n: usize) -> Result<Slab<T>> {
        if let Some((map, check)) = &self.map {
            let bytes = self
                .fc
                .mapped_array(map, i as usize, *check)
                .map_err(CoreError::from)?;
            if let Some(s) = bytes.and_then(|b| Slab::mapped(map, b)) {
                return Ok(s);
            }
        }
        let mut v: Vec<T> = bytemuck::zeroed_vec(n);
        self.fc
            .read_array(i as usize, bytemuck::cast_slice_mut(&mut v))
            .map_err(CoreError::from)?;
        Ok(Slab::from(v))
    }

    /// Validate and convert one tree whose arrays were read into `nodes` and
    /// `values`.
    #[allow(clippy::too_many_arguments)]
    fn convert(
        &self,
        ctx: &Ctx<'_>,
        tree: NodeId,
        ni: u32,
        vi: u32,
        nodes: &[u8],
        values: &[u8],
        read: &mut dyn FnMut(&Ctx<'_>) -> Result<()>,
    ) -> Result<()> {
        for i in [ni, vi] {
            if let Some(r) = self.read.get(i as usize) {
                r.store(true, Ordering::Relaxed);
            }
        }
        let parent = ctx.bytes;
        let local = |i: u32| -> Option<&[u8]> {
            if i == ni {
                Some(nodes)
            } else if i == vi {
                Some(values)
            } else {
                parent(i)
            }
        };
        validate::validate_tree(ctx.g, &local, tree).map_err(CoreError::from)?;
        read(&Ctx::new(ctx.g, &local, ctx.blas.clone()))?;
        if let Some(d) = self.done.get(tree as usize) {
            d.store(true, Ordering::Relaxed);
        }
        Ok(())
    }
}

fn stream_file(fc: &FileContainer, opts: &LoadOptions) -> Result<Model> {
    let policy = Policy::new(opts.trusted.clone());
    let g = &fc.header.graph;
    fc.header
        .verify_signature(opts.public_key.as_ref())
        .map_err(CoreError::from)?;
    policy.check(g).map_err(CoreError::from)?;
    fc.verify_padding().map_err(CoreError::from)?;
    validate::check_depth(g)
        .map_err(|why| CoreError::from(ValidationError::new("object graph", why)))?;
    let mut cells: Vec<Cell> = (0..g.arrays.len()).map(|_| OnceLock::new()).collect();
    let trees = FileTrees {
        fc,
        done: (0..g.nodes.len()).map(|_| AtomicBool::new(false)).collect(),
        read: (0..g.arrays.len())
            .map(|_| AtomicBool::new(false))
            .collect(),
        layouts: g.native.iter().map(|t| (t.nodes, t.layout)).collect(),
        map: match opts.mmap && !g.native.is_empty() {
            true => Some((
                Arc::new(fc.map().map_err(CoreError::from)?),
                mapped_digests_checked(opts.public_key.is_some()),
            )),
            false => None,
        },
    };
    let blas = opts.blas.clone().unwrap_or_else(Blas::detect);
    let (built, checked) = {
        let bytes = |i: u32| -> Option<&[u8]> {
            let c = cells.get(i as usize)?;
            c.get_or_init(|| read_array(fc, i))
                .as_ref()
                .ok()
                .map(Vec::as_slice)
        };
        let ctx = Ctx {
            g,
            bytes: &bytes,
            blas,
            trees: Some(&trees),
        };
        let built = Model::from_graph(&ctx);
        // The rest of the graph, as `load_bytes` validates it (trees read
        // above were validated as they were read).
        let done: HashSet<NodeId> = (0..g.nodes.len())
            .filter(|&i| trees.done[i].load(Ordering::Relaxed))
            .map(|i| i as NodeId)
            .collect();
        let checked = validate::validate_except(g, &bytes, &done);
        (built, checked)
    };
    // A damaged array is reported as such, before what it made fail.
    if let Some(k) = cells.iter().position(|c| matches!(c.get(), Some(Err(_)))) {
        if let Some(Err(e)) = cells[k].take() {
            return Err(CoreError::from(e).into());
        }
    }
    checked.map_err(CoreError::from)?;
    let model = built?;
    // Every array's digest is checked, also of arrays nothing needed.
    (0..g.arrays.len())
        .into_par_iter()
        .filter(|&i| cells[i].get().is_none() && !trees.read[i].load(Ordering::Relaxed))
        .try_for_each(|i| read_array(fc, i as u32).map(drop))
        .map_err(CoreError::from)?;
    Ok(model)
}
