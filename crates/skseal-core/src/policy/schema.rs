//! Argument schemas of the constructors the policy allows to be called.

use super::stdlib::Kind;
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
    /// Standard-library values (`collections`, `datetime`, `decimal`,
    /// `fractions`): see [`super::stdlib`].
    Stdlib(super::stdlib::Kind),
    /// A scipy.stats distribution object called with numbers: its shape
    /// parameters, then `loc` (and `scale` for a continuous one). This is how
    /// the VM lowers a frozen distribution (`vm/scipy.rs`).
    Distribution { shapes: u8, discrete: bool },
    /// `skseal._pandas.rebuild(kind, parts)`: pandas values as skseal writes
    /// them (see [`super::pandas`]).
    Pandas,
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
    (
        "collections",
        "defaultdict",
        Schema::Stdlib(Kind::DefaultDict),
    ),
    ("collections", "deque", Schema::Stdlib(Kind::Deque)),
    ("collections", "Counter", Schema::Stdlib(Kind::Counter)),
    ("datetime", "datetime", Schema::Stdlib(Kind::Datetime)),
    ("datetime", "date", Schema::Stdlib(Kind::Date)),
    ("datetime", "time", Schema::Stdlib(Kind::Time)),
    ("datetime", "timedelta", Schema::Stdlib(Kind::Timedelta)),
    ("datetime", "timezone", Schema::Stdlib(Kind::Timezone)),
    ("decimal", "Decimal", Schema::Stdlib(Kind::Decimal)),
    ("fractions", "Fraction", Schema::Stdlib(Kind::Fraction)),
    (
        super::pandas::REBUILD.0,
        super::pandas::REBUILD.1,
        Schema::Pandas,
    ),
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
                                "Tree n_classes must be int64 of shape ({no},), got {} {}",
                                spec.dtype,
                                crate::ir::shape_str(&spec.shape)
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
            Schema::Stdlib(kind) => super::stdlib::check(kind, g, args),
            Schema::Pandas => super::pandas::check(g, func, args),
            Schema::Distribution { shapes, discrete } => {
                let most = usize::from(shapes) + if discrete { 1 } else { 2 };
                let names = if discrete { "loc" } else { "loc, scale" };
                if args.len() > most {
                    return Err(format!(
                        "{func} takes at most {most} numbers ({shapes} shape parameters, \
                         then {names}), got {}",
                        args.len()
                    ));
                }
                for &a in args {
                    if !is_real_number(node(g, a)?) {
                        return Err(format!(
                            "{func} takes numbers (its shape parameters, then {names}), \
                             got {}",
                            node(g, a)?.kind_name()
                        ));
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

/// Keyword arguments of `sklearn.utils.validation.check_array` (scikit-learn
/// 1.9; `force_all_finite` is the older spelling of `ensure_all_finite`).
/// `array`, the data, is not among them.
pub const CHECK_ARRAY_KWARGS: &[&str] = &[
    "accept_sparse",
    "accept_large_sparse",
    "dtype",
    "order",
    "copy",
    "force_writeable",
    "force_all_finite",
    "ensure_all_finite",
    "ensure_non_negative",
    "ensure_2d",
    "allow_nd",
    "ensure_min_samples",
    "ensure_min_features",
    "estimator",
    "input_name",
];

fn is_check_array(g: &Graph, id: NodeId) -> bool {
    matches!(g.node(id), Some(Node::Global(c)) if c.is("sklearn.utils.validation", "check_array"))
}

/// A value check_array may be given: None/bool/int/float/str, a dtype, an
/// allowed class or reference (`numpy.float64`), or a list/tuple of those.
/// An int, float or bool, or a numpy scalar of such a dtype.
pub(crate) fn is_real_number(n: &Node) -> bool {
    match n {
        Node::Bool(_) | Node::Int(_) | Node::BigInt(_) | Node::Float(_) => true,
        Node::Scalar { dtype, .. } => matches!(dtype.kind(), 'b' | 'i' | 'u' | 'f'),
        _ => false,
    }
}

fn check_array_value(g: &Graph, id: NodeId, nested: bool) -> Result<(), String> {
    match node(g, id)? {
        Node::None
        | Node::Bool(_)
        | Node::Int(_)
        | Node::BigInt(_)
        | Node::Float(_)
        | Node::Str(_)
        | Node::Dtype(_) => Ok(()),
        Node::Global(c)
            if super::danger(c).is_none()
                && super::default_roles(c).iter().any(|r| {
                    matches!(
                        r,
                        super::Role::Reference | super::Role::Class | super::Role::DictClass
                    )
                }) =>
        {
            Ok(())
        }
        Node::List(v) | Node::Tuple(v) if !nested => {
            v.iter().try_for_each(|&x| check_array_value(g, x, true))
        }
        other => Err(format!(
            "a check_array argument must be None, bool, int, float, str, a dtype, an allowed \
             type or a list of those, not {}",
            other.kind_name()
        )),
    }
}

/// `functools.partial(sklearn.utils.validation.check_array)` with the state
/// `(check_array, (), kwds, namespace)` that pickle's BUILD passes to
/// `partial.__setstate__`: no positional arguments, keyword names of
/// [`CHECK_ARRAY_KWARGS`] only (each once) with values of
/// [`check_array_value`], an empty or absent namespace. This is the one
/// partial scikit-learn's HistGradientBoosting holds; every other partial
/// is a gadget.
pub fn check_array_partial(
    g: &Graph,
    args: &[NodeId],
    state: Option<NodeId>,
) -> Result<(), String> {
    let [f] = args else {
        return Err(format!(
            "partial must be called with check_array alone, got {} arguments",
            args.len()
        ));
    };
    if !is_check_array(g, *f) {
        return Err("the callable is not sklearn.utils.validation.check_array".into());
    }
    let Some(state) = state else {
        return Err("partial without its (func, args, kwds, namespace) state".into());
    };
    let Node::Tuple(parts) = node(g, state)? else {
        return Err("partial state must be a (func, args, kwds, namespace) tuple".into());
    };
    let [sf, sargs, skw, sns] = parts[..] else {
        return Err(format!(
            "partial state must have 4 items, got {}",
            parts.len()
        ));
    };
    if !is_check_array(g, sf) {
        return Err("the state's callable is not sklearn.utils.validation.check_array".into());
    }
    match node(g, sargs)? {
        Node::Tuple(v) if v.is_empty() => {}
        _ => return Err("partial of check_array takes no positional arguments".into()),
    }
    match node(g, skw)? {
        Node::None => {}
        Node::Dict(kv) => {
            let mut seen: Vec<&str> = Vec::with_capacity(kv.len());
            for &(k, v) in kv {
                let Node::Str(name) = node(g, k)? else {
                    return Err("keyword names must be str".into());
                };
                if !CHECK_ARRAY_KWARGS.contains(&name.as_str()) {
                    return Err(format!("{name:?} is not a keyword argument of check_array"));
                }
                if seen.contains(&name.as_str()) {
                    return Err(format!("keyword {name:?} given twice"));
                }
                seen.push(name);
                check_array_value(g, v, false).map_err(|e| format!("{name}: {e}"))?;
            }
        }
        other => {
            return Err(format!(
                "partial keywords must be a dict or None, not {}",
                other.kind_name()
            ))
        }
    }
    match node(g, sns)? {
        Node::None => Ok(()),
        Node::Dict(kv) if kv.is_empty() => Ok(()),
        _ => Err("partial namespace must be empty".into()),
    }
}
