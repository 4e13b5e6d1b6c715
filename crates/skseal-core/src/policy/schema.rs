//! Argument schemas of the constructors the policy allows to be called.

use crate::ir::{Dtype, GlobalName, Graph, Node, NodeId};

/// A constructor's argument schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `sklearn.tree._tree.Tree(n_features: int, n_classes: int64[n_outputs], n_outputs: int)`.
    Tree,
    /// Cython `newObj(cls)` helpers (KD/Ball trees, distance metrics): one
    /// argument, an allowed class defined in the same module.
    NewObjSameModule,
    /// `numpy.ma.core._mareconstruct(MaskedArray, ndarray, shape, 'b')`; the
    /// BUILD state is checked by the validator.
    MaskedArray,
    /// `__bit_generator_ctor(cls | name)`.
    BitGenerator,
    /// `__randomstate_ctor(bitgen | name [, ctor])` and `__generator_ctor(...)`.
    RandomWrapper,
    /// Cython `__pyx_unpickle_X(X, checksum: int, state: tuple | None)`, X in the same module.
    PyxUnpickle,
    /// `builtins.slice(start, stop, step)` with ints or None.
    Slice,
    /// `builtins.complex(real, imag)` with floats.
    Complex,
    /// A class called with no arguments (`cls()`), then state.
    NoArgs,
}

/// (module, qualname, schema) of every allowed constructor.
pub const CONSTRUCTORS: &[(&str, &str, Schema)] = &[
    ("sklearn.tree._tree", "Tree", Schema::Tree),
    (
        "sklearn.neighbors._kd_tree",
        "newObj",
        Schema::NewObjSameModule,
    ),
    (
        "sklearn.neighbors._ball_tree",
        "newObj",
        Schema::NewObjSameModule,
    ),
    (
        "sklearn.metrics._dist_metrics",
        "newObj",
        Schema::NewObjSameModule,
    ),
    ("numpy.ma.core", "_mareconstruct", Schema::MaskedArray),
    (
        "numpy.random._pickle",
        "__bit_generator_ctor",
        Schema::BitGenerator,
    ),
    (
        "numpy.random._pickle",
        "__randomstate_ctor",
        Schema::RandomWrapper,
    ),
    (
        "numpy.random._pickle",
        "__generator_ctor",
        Schema::RandomWrapper,
    ),
    (
        "numpy.random.bit_generator",
        "__pyx_unpickle_SeedSequence",
        Schema::PyxUnpickle,
    ),
    ("builtins", "slice", Schema::Slice),
    ("builtins", "complex", Schema::Complex),
];

const BIT_GENERATORS: &[(&str, &str)] = &[
    ("numpy.random._mt19937", "MT19937"),
    ("numpy.random._pcg64", "PCG64"),
    ("numpy.random._pcg64", "PCG64DXSM"),
    ("numpy.random._philox", "Philox"),
    ("numpy.random._sfc64", "SFC64"),
];

const BIT_GENERATOR_NAMES: &[&str] = &["MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64"];

fn node(g: &Graph, id: NodeId) -> Result<&Node, String> {
    g.node(id)
        .ok_or_else(|| format!("node {id} does not exist"))
}

fn int_or_none(g: &Graph, id: NodeId) -> Result<(), String> {
    match node(g, id)? {
        Node::Int(_) | Node::None | Node::BigInt(_) => Ok(()),
        Node::Scalar { .. } if g.as_int(id).is_some() => Ok(()),
        other => Err(format!(
            "expected an int or None, got {}",
            other.kind_name()
        )),
    }
}

impl Schema {
    /// Check the arguments of a call against the schema.
    pub fn check(self, g: &Graph, func: &GlobalName, args: &[NodeId]) -> Result<(), String> {
        match self {
            Schema::Tree => {
                let [nf, nc, no] = args else {
                    return Err(format!("Tree takes 3 arguments, got {}", args.len()));
                };
                let nf = g.as_int(*nf).ok_or("Tree n_features must be an int")?;
                let no = g.as_int(*no).ok_or("Tree n_outputs must be an int")?;
                if nf < 0 || no < 1 {
                    return Err(format!(
                        "Tree(n_features={nf}, n_outputs={no}) out of range"
                    ));
                }
                match node(g, *nc)? {
                    Node::Array(i) => {
                        let spec = g
                            .arrays
                            .get(*i as usize)
                            .ok_or("array index out of range")?;
                        if spec.dtype != Dtype::Simple("<i8".into()) || spec.shape != [no as u64] {
                            return Err(format!(
                                "Tree n_classes must be int64 of shape ({no},), got {:?} {:?}",
                                spec.dtype, spec.shape
                            ));
                        }
                        Ok(())
                    }
                    other => Err(format!(
                        "Tree n_classes must be an array, got {}",
                        other.kind_name()
                    )),
                }
            }
            Schema::NewObjSameModule => match args {
                [a] => match node(g, *a)? {
                    Node::Global(c)
                        if c.module == func.module
                            && super::default_roles(c).contains(&super::Role::Class) =>
                    {
                        Ok(())
                    }
                    _ => Err(format!(
                        "{func} accepts only allowed classes of {}",
                        func.module
                    )),
                },
                _ => Err(format!("{func} takes one argument")),
            },
            Schema::MaskedArray => {
                let [sub, base, shape, _ty] = args else {
                    return Err("_mareconstruct takes 4 arguments".into());
                };
                let is_masked = |id: NodeId| {
                    matches!(g.node(id), Some(Node::Global(c))
                        if c.is("numpy.ma.core", "MaskedArray") || c.is("numpy.ma", "MaskedArray"))
                };
                if !is_masked(*sub) {
                    return Err("_mareconstruct builds only numpy.ma.MaskedArray".into());
                }
                if !matches!(g.node(*base), Some(Node::Global(c)) if c.is("numpy", "ndarray")) {
                    return Err("_mareconstruct base class must be numpy.ndarray".into());
                }
                if !matches!(node(g, *shape)?, Node::Tuple(_)) {
                    return Err("_mareconstruct shape must be a tuple".into());
                }
                Ok(())
            }
            Schema::BitGenerator => match args {
                [a] => match node(g, *a)? {
                    Node::Global(c) if BIT_GENERATORS.iter().any(|(m, n)| c.is(m, n)) => Ok(()),
                    Node::Str(s) if BIT_GENERATOR_NAMES.contains(&s.as_str()) => Ok(()),
                    _ => {
                        Err("__bit_generator_ctor accepts only numpy bit generator classes".into())
                    }
                },
                _ => Err("__bit_generator_ctor takes one argument".into()),
            },
            Schema::RandomWrapper => {
                if args.len() > 2 {
                    return Err("random state constructors take at most 2 arguments".into());
                }
                if let Some(a) = args.first() {
                    match node(g, *a)? {
                        Node::Str(s) if BIT_GENERATOR_NAMES.contains(&s.as_str()) => {}
                        Node::Call { func, .. }
                            if func.is("numpy.random._pickle", "__bit_generator_ctor") => {}
                        _ => {
                            return Err(
                                "random state constructors accept a bit generator or its name"
                                    .into(),
                            )
                        }
                    }
                }
                if let Some(b) = args.get(1) {
                    match node(g, *b)? {
                        Node::Global(f) if f.is("numpy.random._pickle", "__bit_generator_ctor") => {
                        }
                        _ => {
                            return Err(
                                "second argument must be numpy's __bit_generator_ctor".into()
                            )
                        }
                    }
                }
                Ok(())
            }
            Schema::PyxUnpickle => {
                let [cls, checksum, state] = args else {
                    return Err("__pyx_unpickle takes 3 arguments".into());
                };
                if !matches!(node(g, *checksum)?, Node::Int(_)) {
                    return Err("__pyx_unpickle checksum must be an int".into());
                }
                if !matches!(node(g, *state)?, Node::None | Node::Tuple(_)) {
                    return Err("__pyx_unpickle state must be a tuple or None".into());
                }
                match node(g, *cls)? {
                    Node::Global(_) => Ok(()),
                    _ => Err("__pyx_unpickle first argument must be the class".into()),
                }
            }
            Schema::Slice => {
                if args.is_empty() || args.len() > 3 {
                    return Err("slice takes 1 to 3 arguments".into());
                }
                args.iter().try_for_each(|a| int_or_none(g, *a))
            }
            Schema::Complex => {
                if args.len() > 2 {
                    return Err("complex takes at most 2 arguments".into());
                }
                for a in args {
                    if !matches!(node(g, *a)?, Node::Float(_) | Node::Int(_)) {
                        return Err("complex takes numbers".into());
                    }
                }
                Ok(())
            }
            Schema::NoArgs => {
                if args.is_empty() {
                    Ok(())
                } else {
                    Err("takes no arguments".into())
                }
            }
        }
    }
}
