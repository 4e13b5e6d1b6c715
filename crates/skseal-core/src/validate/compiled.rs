//! The compiled (Cython or C) classes the default allow-list lets a file
//! make as a *class*, i.e. with `cls.__new__(cls)` and then its state, and
//! what keeps each of them safe.
//!
//! Made that way a compiled class skips its `__init__`, and its state goes
//! to its own `__setstate__`: compiled code then trusts whatever the file
//! gave (sizes, indices) or never allocated (buffers set up in `__init__`).
//! Each such class is listed here, with either the validator that refuses
//! it without a checked state, or why it is inert when made without one.
//! `tests/test_compiled_classes.py` ties this table to the allow-list: every
//! compiled class the allow-list lets a file make must be covered by one
//! entry (so adding one to `scripts/gen_allowlist.py` fails that test until
//! it is reviewed here), every `StateRequired` class made without a state is
//! refused, and every `Inert` class made without `__init__` survives its
//! public methods in a subprocess.

/// How a compiled class made with `cls.__new__(cls)` is kept safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// A validator (named in `how`) checks its state and refuses the
    /// object without one.
    StateRequired,
    /// Made without `__init__` and without a state it allocates nothing
    /// compiled code later trusts (`how` says why).
    Inert,
}

/// One reviewed group of compiled classes: `names` is a class name, or a
/// prefix ending in `*` (`"*"`: every allowed class of the module).
#[derive(Debug, Clone, Copy)]
pub struct CompiledClass {
    pub module: &'static str,
    pub names: &'static str,
    pub safety: Safety,
    pub how: &'static str,
}

impl CompiledClass {
    /// Whether this entry covers class `name` of `module`.
    pub fn covers(&self, module: &str, name: &str) -> bool {
        module == self.module
            && match self.names.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == self.names,
            }
    }
}

/// The reviewed compiled classes (SECURITY.md rules 16 and 17, §5).
pub const COMPILED_CLASSES: &[CompiledClass] = &[
    CompiledClass {
        module: "sklearn.neighbors._kd_tree",
        names: "KDTree*",
        safety: Safety::StateRequired,
        how: "validate::binary_tree: data, idx_array, node_data, node_bounds, sample_weight and \
              the metric checked against each other (rule 16)",
    },
    CompiledClass {
        module: "sklearn.neighbors._ball_tree",
        names: "BallTree*",
        safety: Safety::StateRequired,
        how: "validate::binary_tree, as KDTree (rule 16)",
    },
    CompiledClass {
        module: "sklearn.metrics._dist_metrics",
        names: "*",
        safety: Safety::StateRequired,
        how: "validate::metric: a state (p, vec, mat, ...) is required (Mahalanobis allocates \
              its buffer in __setstate__), a Mahalanobis matrix is square (rule 17)",
    },
    CompiledClass {
        module: "sklearn._loss._loss",
        names: "*",
        safety: Safety::Inert,
        how: "no buffers: made without __init__ their parameters are 0; called only with \
              None/bool/int/float/str arguments (CALLABLE_CLASS_MODULES, rule 4)",
    },
    CompiledClass {
        module: "sklearn.linear_model._sgd_fast",
        names: "*",
        safety: Safety::Inert,
        how: "no buffers: made without __init__ their parameters are 0; called only with \
              None/bool/int/float/str arguments (CALLABLE_CLASS_MODULES, rule 4)",
    },
    CompiledClass {
        module: "numpy.random.bit_generator",
        names: "SeedSequence",
        safety: Safety::Inert,
        how: "its pool is a Python-level array: made without __init__ (or by \
              __pyx_unpickle_SeedSequence with any pool) its methods cycle over the pool or \
              raise; the bit generators themselves are references only",
    },
    CompiledClass {
        module: "collections",
        names: "OrderedDict",
        safety: Safety::Inert,
        how: "a dict subclass receiving items (dictclass); the C type keeps its own links",
    },
];
