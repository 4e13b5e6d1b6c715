//! The policy: which global names may appear in a graph, and in which role.
//!
//! Names are matched exactly as (module, qualname) after the fixed alias table
//! of the VM. Nothing is imported or resolved here. Every allowed name has one
//! or more roles:
//! - *class*: instantiated as `cls.__new__(cls)` + state (and may be held as a value);
//! - *dictclass*: a class that is a dict subclass and may receive items;
//! - *constructor*: called, after its argument schema is checked;
//! - *reference*: may be held as a value (e.g. `numpy.log1p`, `sklearn.feature_selection.f_classif`).

pub mod pandas;
pub mod profiles;
pub(crate) mod schema;
mod stdlib;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use crate::error::UntrustedError;
use crate::ir::{GlobalName, Graph, Node, NodeId, Use};

pub use schema::Schema;

/// What a name may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Class,
    DictClass,
    Constructor(Schema),
    Reference,
}

/// The verdict on one name, for scanners and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Allowed,
    /// Allowed because the caller trusted it.
    Trusted,
    Unknown,
    Dangerous,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allowed => "allowed",
            Verdict::Trusted => "trusted",
            Verdict::Unknown => "unknown",
            Verdict::Dangerous => "dangerous",
        }
    }
}

/// The generated allow-list of classes and references (see scripts/gen_allowlist.py).
const ALLOW_TSV: &str = include_str!("allowlist.tsv");

pub(crate) type Table = HashMap<(String, String), Vec<Role>>;

/// Parse an allow-list TSV (`module<TAB>qualname<TAB>roles[<TAB>extra...]`;
/// `#` lines are comments): the default allow-list and every profile.
pub(crate) fn parse_tsv(text: &str) -> Table {
    let mut t: Table = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split('\t');
        let (Some(m), Some(n), Some(roles)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let extra: Vec<&str> = parts.collect();
        let entry = t.entry((m.to_string(), n.to_string())).or_default();
        for r in roles.split(',') {
            let role = match r.trim() {
                "class" => Role::Class,
                "dictclass" => Role::DictClass,
                "reference" => Role::Reference,
                "distribution" => match distribution_columns(&extra) {
                    Some(s) => Role::Constructor(s),
                    None => continue,
                },
                _ => continue,
            };
            if !entry.contains(&role) {
                entry.push(role);
            }
        }
    }
    t
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = parse_tsv(ALLOW_TSV);
        for (m, n, s) in schema::CONSTRUCTORS {
            t.entry((m.to_string(), n.to_string()))
                .or_default()
                .push(Role::Constructor(*s));
        }
        t
    })
}

/// The columns after the roles of a `distribution` row: its class, number
/// of shape parameters and kind.
fn distribution_columns(extra: &[&str]) -> Option<Schema> {
    let [_class, shapes, kind] = extra else {
        return None;
    };
    Some(Schema::Distribution {
        shapes: shapes.parse().ok()?,
        discrete: match *kind {
            "discrete" => true,
            "continuous" => false,
            _ => return None,
        },
    })
}

/// A scipy.stats distribution object of the allow-list: `module.name` (for
/// example `scipy.stats._discrete_distns.randint`) when its class is
/// `class`, with its argument schema. The VM lowers a pickled frozen
/// distribution to a call of this object.
pub fn distribution(module: &str, name: &str, class: &str) -> Option<Schema> {
    type Distributions = HashMap<(String, String), (String, Schema)>;
    static DISTRIBUTIONS: OnceLock<Distributions> = OnceLock::new();
    let table = DISTRIBUTIONS.get_or_init(|| {
        ALLOW_TSV
            .lines()
            .filter_map(|line| {
                let mut parts = line.split('\t');
                let (m, n, roles) = (parts.next()?, parts.next()?, parts.next()?);
                let extra: Vec<&str> = parts.collect();
                if !roles.split(',').any(|r| r == "distribution") {
                    return None;
                }
                let schema = distribution_columns(&extra)?;
                Some((
                    (m.to_string(), n.to_string()),
                    (extra[0].to_string(), schema),
                ))
            })
            .collect()
    });
    match table.get(&(module.to_string(), name.to_string())) {
        Some((c, schema)) if c == class => Some(*schema),
        _ => None,
    }
}

/// Names that are never allowed, even when a caller asks to trust them:
/// published gadgets of restricted-unpickler bypasses.
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "subprocess",
    "sys",
    "socket",
    "shutil",
    "importlib",
    "pkgutil",
    "runpy",
    "code",
    "codeop",
    "pty",
    "ctypes",
    "marshal",
    "pickle",
    "_pickle",
    "dill",
    "cloudpickle",
    "joblib",
    "webbrowser",
    "urllib",
    "http",
    "ftplib",
    "smtplib",
    "imaplib",
    "asyncio",
    "multiprocessing",
    "threading",
    "_thread",
    "signal",
    "types",
    "io",
    "_io",
    "tempfile",
    "glob",
    "logging",
    "commands",
    "popen2",
    "platform",
    "venv",
    "ensurepip",
    "pip",
    "setuptools",
    "distutils",
    "torch",
    "bdb",
    "pdb",
    "timeit",
    "trace",
    "profile",
    "cProfile",
    "doctest",
    "unittest",
    "test",
    "idlelib",
    "lib2to3",
    "xmlrpc",
    "zipimport",
    "operator",
    "functools",
    "_operator",
    "_functools",
    "gc",
    "inspect",
    "uuid",
    "_osx_support",
    "_aix_support",
    "_pyrepl",
    "pydoc",
    "site",
    "sysconfig",
];

/// Classes of a module on [`DANGEROUS_MODULES`] that are plain values:
/// `uuid.UUID` is an int in a class (its state `{'int': N}` is checked in
/// `validate/models.rs`), while its module also runs commands to find a MAC
/// address.
const SAFE_IN_DANGEROUS_MODULES: &[(&str, &str)] = &[("uuid", "UUID")];

const DANGEROUS_NAMES: &[(&str, &str)] = &[
    ("builtins", "eval"),
    ("builtins", "exec"),
    ("builtins", "compile"),
    ("builtins", "open"),
    ("builtins", "getattr"),
    ("builtins", "setattr"),
    ("builtins", "delattr"),
    ("builtins", "__import__"),
    ("builtins", "globals"),
    ("builtins", "locals"),
    ("builtins", "vars"),
    ("builtins", "breakpoint"),
    ("builtins", "input"),
    ("builtins", "apply"),
    ("builtins", "execfile"),
    ("builtins", "type"),
    ("builtins", "memoryview"),
    ("numpy", "load"),
    ("numpy", "loads"),
    ("numpy", "fromfile"),
    ("numpy", "frompyfunc"),
    ("numpy.testing._private.utils", "runstring"),
    ("numpy.lib.npyio", "load"),
    ("numpy.lib._npyio_impl", "load"),
    ("numpy.lib._npyio_impl", "loadtxt"),
    ("numpy.lib._npyio_impl", "genfromtxt"),
    ("numpy.lib.format", "read_array"),
    ("numpy.lib._format_impl", "read_array"),
];

/// Module trees (the module and every submodule) that read or write files,
/// map memory, load shared libraries or deserialise: never allowed, even when
/// trusted. scipy.io holds loadmat/readsav/mmread/netcdf/wavfile readers;
/// sklearn.datasets the fetchers (network + files) and svmlight loaders.
const DANGEROUS_PACKAGES: &[&str] = &[
    "scipy.io",
    "scipy.datasets",
    "sklearn.datasets",
    "sklearn.utils._testing",
    "numpy.ctypeslib",
    "numpy.f2py",
    "numpy.distutils",
    "numpy.lib.format",
    "numpy.lib._format_impl",
    "numpy.lib.npyio",
    "numpy.lib._npyio_impl",
    "numpy.lib._datasource",
    "numpy._core.memmap",
    "numpy.core.memmap",
    "pandas.io",
];

/// Exact names of file, memory-map and deserialisation functions outside
/// those trees (their public aliases).
const DANGEROUS_FILE_NAMES: &[(&str, &str)] = &[
    ("numpy", "memmap"),
    ("numpy", "save"),
    ("numpy", "savez"),
    ("numpy", "savez_compressed"),
    ("numpy", "savetxt"),
    ("numpy", "loadtxt"),
    ("numpy", "genfromtxt"),
    ("numpy", "fromregex"),
    ("numpy", "DataSource"),
    ("numpy", "ctypeslib"),
    ("numpy.lib", "format"),
    ("numpy.lib", "npyio"),
    ("scipy", "io"),
    ("sklearn", "datasets"),
];

/// Why a name is never allowed, or `None` when it is not on the list.
pub fn danger(g: &GlobalName) -> Option<&'static str> {
    let in_tree = |p: &str| {
        g.module == p
            || g.module
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('.'))
    };
    if DANGEROUS_FILE_NAMES.iter().any(|(m, n)| g.is(m, n))
        || DANGEROUS_PACKAGES.iter().any(|p| in_tree(p))
        // pandas' readers and writers (read_pickle unpickles, to_* write files)
        || (g.module.split('.').next() == Some("pandas")
            && (g.name.starts_with("read_") || g.name.starts_with("to_")))
    {
        return Some(
            "reads, writes or maps files, loads libraries or deserialises (pickle, joblib, \
             .npy, .mat, datasets), and is never allowed, whatever trusted= says",
        );
    }
    if DANGEROUS_NAMES.iter().any(|(m, n)| g.is(m, n)) {
        return Some("is a known code-execution gadget and is never allowed");
    }
    let top = g.module.split('.').next().unwrap_or("");
    if DANGEROUS_MODULES
        .iter()
        .any(|m| *m == g.module || *m == top)
        && !SAFE_IN_DANGEROUS_MODULES.iter().any(|(m, n)| g.is(m, n))
    {
        return Some("is a known code-execution gadget and is never allowed");
    }
    None
}

/// Internal helper functions that a fitted estimator holds as an attribute:
/// (module, name, owner class module, owner class, attribute). They are not
/// references in general (a FunctionTransformer calling `_kmeans_single_lloyd`
/// with file-chosen keyword arguments overflows the heap); they are allowed
/// only as that attribute of that class, and nowhere else in the file.
pub const HELD_ONLY: &[(&str, &str, &str, &str, &str)] = &[
    (
        "sklearn.cluster._kmeans",
        "_kmeans_single_lloyd",
        "sklearn.cluster._bisect_k_means",
        "BisectingKMeans",
        "_kmeans_single",
    ),
    (
        "sklearn.cluster._kmeans",
        "_kmeans_single_elkan",
        "sklearn.cluster._bisect_k_means",
        "BisectingKMeans",
        "_kmeans_single",
    ),
];

fn held_only(
    g: &GlobalName,
) -> Option<&'static (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
)> {
    HELD_ONLY.iter().find(|(m, n, ..)| g.is(m, n))
}

/// Global nodes of [`HELD_ONLY`] names that appear only where they are
/// allowed: as the value of the owner's attribute in a state dict that only
/// owner objects use. One pass over the live nodes.
fn held_in_place(graph: &Graph, live: &[bool]) -> HashSet<NodeId> {
    let mut candidates: HashMap<NodeId, bool> = HashMap::new();
    let mut dicts: HashMap<NodeId, (&'static str, &'static str)> = HashMap::new();
    for (id, n) in graph.nodes.iter().enumerate() {
        if !live.get(id).copied().unwrap_or(false) {
            continue;
        }
        if let Node::Global(g) = n {
            if held_only(g).is_some() {
                candidates.entry(id as NodeId).or_insert(true);
            }
        }
    }
    if candidates.is_empty() {
        return HashSet::new();
    }
    for (id, n) in graph.nodes.iter().enumerate() {
        if !live.get(id).copied().unwrap_or(false) {
            continue;
        }
        for c in n.children() {
            let Some(ok) = candidates.get(&c).copied() else {
                continue;
            };
            if !ok {
                continue;
            }
            let Some(Node::Global(g)) = graph.node(c) else {
                continue;
            };
            let Some(&(_, _, om, oc, attr)) = held_only(g) else {
                continue;
            };
            let in_place = match n {
                Node::Dict(kv) => kv.iter().all(|&(k, v)| {
                    k != c && (v != c || matches!(graph.node(k), Some(Node::Str(s)) if s == attr))
                }),
                _ => false,
            };
            if in_place {
                dicts.insert(id as NodeId, (om, oc));
            } else {
                candidates.insert(c, false);
            }
        }
    }
    // every live user of those dicts must be an owner object whose state it is
    let mut bad_dicts: HashSet<NodeId> = HashSet::new();
    for (id, n) in graph.nodes.iter().enumerate() {
        if !live.get(id).copied().unwrap_or(false) {
            continue;
        }
        for c in n.children() {
            let Some(&(om, oc)) = dicts.get(&c) else {
                continue;
            };
            let owner_state = matches!(n, Node::Object { class, args, state, items }
                if class.is(om, oc) && *state == Some(c) && !args.contains(&c)
                    && items.iter().all(|&(k, v)| k != c && v != c));
            if !owner_state {
                bad_dicts.insert(c);
            }
        }
    }
    if graph.node(graph.root).is_some() && dicts.contains_key(&graph.root) {
        bad_dicts.insert(graph.root);
    }
    // a helper is in place when every dict that holds it is good
    let mut held: HashMap<NodeId, bool> = candidates;
    for (&d, _) in dicts.iter() {
        if let Some(Node::Dict(kv)) = graph.node(d) {
            for &(_, v) in kv {
                if let Some(ok) = held.get_mut(&v) {
                    if bad_dicts.contains(&d) {
                        *ok = false;
                    }
                }
            }
        }
    }
    held.into_iter()
        .filter(|(_, ok)| *ok)
        .map(|(id, _)| id)
        .collect()
}

fn is_partial(g: &GlobalName) -> bool {
    g.is("functools", "partial")
}

fn partial_refusal(g: &GlobalName, e: &str) -> String {
    format!(
        "{g} is a known code-execution gadget and is never allowed: the only partial skseal \
         accepts is functools.partial(sklearn.utils.validation.check_array, <check_array's \
         keyword arguments>), as HistGradientBoosting holds it, and this one is not ({e})"
    )
}

/// `sklearn.utils.validation.check_array` global nodes that appear only as
/// the callable of vetted `functools.partial` calls (their first argument and
/// the first item of their state), whose state tuple and keyword dict belong
/// to that call alone. check_array is not a reference anywhere else.
fn partials_in_place(graph: &Graph, live: &[bool]) -> HashSet<NodeId> {
    let is_live = |id: NodeId| live.get(id as usize).copied().unwrap_or(false);
    let mut vetted: Vec<(NodeId, NodeId, NodeId, NodeId)> = Vec::new();
    for (id, n) in graph.nodes.iter().enumerate() {
        let Node::Call { func, args, state } = n else {
            continue;
        };
        if !is_live(id as NodeId) || !is_partial(func) {
            continue;
        }
        if schema::check_array_partial(graph, args, *state).is_err() {
            continue;
        }
        let (Some(&f), Some(st)) = (args.first(), *state) else {
            continue;
        };
        let Some(Node::Tuple(parts)) = graph.node(st) else {
            continue;
        };
        let (Some(&sf), Some(&kw)) = (parts.first(), parts.get(2)) else {
            continue;
        };
        vetted.push((f, st, sf, kw));
    }
    if vetted.is_empty() {
        return HashSet::new();
    }
    // live references to every node (with multiplicity), roots included
    let mut refs: HashMap<NodeId, usize> = HashMap::new();
    for (id, n) in graph.nodes.iter().enumerate() {
        if is_live(id as NodeId) {
            for c in n.children() {
                *refs.entry(c).or_default() += 1;
            }
        }
    }
    *refs.entry(graph.root).or_default() += 1;
    if let Some(p) = graph.probe {
        *refs.entry(p).or_default() += 1;
    }
    let mut expected: HashMap<NodeId, usize> = HashMap::new();
    let mut bad: HashSet<NodeId> = HashSet::new();
    for &(f, st, sf, kw) in &vetted {
        *expected.entry(f).or_default() += 1;
        *expected.entry(sf).or_default() += 1;
        let own_kw =
            matches!(graph.node(kw), Some(Node::None)) || refs.get(&kw).copied().unwrap_or(0) == 1;
        if refs.get(&st).copied().unwrap_or(0) != 1 || !own_kw {
            bad.insert(f);
            bad.insert(sf);
        }
    }
    expected
        .into_iter()
        .filter(|(id, n)| !bad.contains(id) && refs.get(id).copied().unwrap_or(0) == *n)
        .map(|(id, _)| id)
        .collect()
}

/// Modules whose (Cython) classes pickle as `cls(*primitive_args)`: only their
/// classes may be called, and only with None/bool/int/float/str arguments.
const CALLABLE_CLASS_MODULES: &[&str] = &["sklearn._loss._loss", "sklearn.linear_model._sgd_fast"];

/// Names the VM lowers to IR nodes (arrays, dtypes, scalars, sets, bytes):
/// they are consumed by the VM and never called.
const LOWERED: &[(&str, &str)] = &[
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),
    ("copyreg", "_reconstructor"),
    ("builtins", "object"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "bytearray"),
    ("_codecs", "encode"),
    ("collections", "OrderedDict"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
];

/// Nodes reachable from the graph's roots (the only ones ever built).
pub fn reachable(graph: &Graph) -> Vec<bool> {
    graph.reachable()
}

/// Is this name a known gadget (never trusted)?
pub fn is_dangerous(g: &GlobalName) -> bool {
    danger(g).is_some()
}

/// Roles the default allow-list gives a name (empty when unknown).
pub fn default_roles(g: &GlobalName) -> &'static [Role] {
    match table().get(&(g.module.clone(), g.name.clone())) {
        Some(v) => v.as_slice(),
        None => &[],
    }
}

/// Number of names in the default allow-list.
pub fn default_len() -> usize {
    table().len()
}

/// The default allow-list plus names trusted by the caller: exact dotted
/// names, and library profiles named by the caller ([`profiles`]).
#[derive(Debug, Clone, Default)]
pub struct Policy {
    trusted: HashSet<String>,
    profiles: Vec<&'static profiles::Profile>,
}

impl Policy {
    /// `trusted` holds dotted names ("mypkg.MyTransformer"), matched exactly
    /// against "module.qualname" of names in the file, and profile names
    /// ("lightgbm"). Entries that are neither match nothing; the entry
    /// points refuse them first with [`profiles::check_trust_entry`].
    pub fn new<I, S>(trusted: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut names = HashSet::new();
        let mut profs: Vec<&'static profiles::Profile> = Vec::new();
        for t in trusted {
            let t: String = t.into();
            match profiles::get(t.trim()) {
                Some(p) if !profs.iter().any(|q| q.name == p.name) => profs.push(p),
                Some(_) => {}
                None => {
                    names.insert(t);
                }
            }
        }
        Policy {
            trusted: names,
            profiles: profs,
        }
    }

    /// The profiles this policy was given.
    pub fn profiles(&self) -> &[&'static profiles::Profile] {
        &self.profiles
    }

    /// Roles the caller's profiles give this name.
    fn profile_roles(&self, g: &GlobalName) -> Vec<Role> {
        let mut out = Vec::new();
        for p in &self.profiles {
            for r in p.roles(&g.module, &g.name) {
                if !out.contains(r) {
                    out.push(*r);
                }
            }
        }
        out
    }

    /// Whether the caller trusted this exact name, or a profile it named has it.
    pub fn trusts(&self, g: &GlobalName) -> bool {
        self.trusted.contains(&g.dotted()) || !self.profile_roles(g).is_empty()
    }

    /// The verdict on a name alone, without a use to judge (an import whose
    /// use is judged elsewhere, or a stream the VM stopped reading): a known
    /// gadget is dangerous, a name of the default allow-list allowed, one the
    /// caller trusted trusted, anything else unknown.
    pub fn judge_name(&self, g: &GlobalName) -> Verdict {
        if is_dangerous(g) {
            Verdict::Dangerous
        } else if !default_roles(g).is_empty() {
            Verdict::Allowed
        } else if self.trusts(g) {
            Verdict::Trusted
        } else {
            Verdict::Unknown
        }
    }

    /// Judge one use of a name.
    pub fn judge(
        &self,
        graph: &Graph,
        node: &Node,
        g: &GlobalName,
        used: Use,
    ) -> (Verdict, String) {
        if let (true, Use::Constructor, Node::Call { args, state, .. }) =
            (is_partial(g), used, node)
        {
            return match schema::check_array_partial(graph, args, *state) {
                Ok(()) => (Verdict::Allowed, String::new()),
                Err(e) => (Verdict::Dangerous, partial_refusal(g, &e)),
            };
        }
        if let Some(why) = danger(g) {
            return (Verdict::Dangerous, format!("{g} {why}"));
        }
        let roles = default_roles(g);
        if let (Use::Constructor, Node::Call { args, .. }) = (used, node) {
            if let Some(v) = self.judge_pyx(graph, g, args) {
                return v;
            }
        }
        match self.allowed_in(graph, node, g, used, roles) {
            Ok(true) => return (Verdict::Allowed, String::new()),
            Ok(false) => {}
            Err(why) => return (Verdict::Unknown, why),
        }
        if self.trusted.contains(&g.dotted()) {
            return (Verdict::Trusted, String::new());
        }
        let from_profiles = self.profile_roles(g);
        if !from_profiles.is_empty() {
            match self.allowed_in(graph, node, g, used, &from_profiles) {
                Ok(true) => return (Verdict::Trusted, String::new()),
                Ok(false) => {}
                Err(why) => return (Verdict::Unknown, why),
            }
        }
        let why = if roles.is_empty() {
            format!("{g} is not in the allow-list")
        } else {
            format!("{g} is allowed, but not as a {}", used.as_str())
        };
        (Verdict::Unknown, why)
    }

    /// Whether `roles` allow this use of `g`; `Err` when a constructor's
    /// arguments do not fit its schema (and the caller did not trust it).
    fn allowed_in(
        &self,
        graph: &Graph,
        node: &Node,
        g: &GlobalName,
        used: Use,
        roles: &[Role],
    ) -> Result<bool, String> {
        let ok = match (used, node) {
            (Use::Class, Node::Object { items, .. }) => {
                if items.is_empty() {
                    roles
                        .iter()
                        .any(|r| matches!(r, Role::Class | Role::DictClass))
                } else {
                    roles.contains(&Role::DictClass)
                }
            }
            (Use::Constructor, Node::Call { args, .. }) => {
                let mut last_err = None;
                let mut any = false;
                for r in roles {
                    if let Role::Constructor(s) = r {
                        match s.check(graph, g, args) {
                            Ok(()) => {
                                any = true;
                                break;
                            }
                            Err(e) => last_err = Some(e),
                        }
                    }
                }
                // A class may be called with primitive arguments only
                // (Cython classes whose __reduce__ is `(cls, (1.5,))`).
                // A schema, where one exists, is the only way to call a name.
                let has_schema = roles.iter().any(|r| matches!(r, Role::Constructor(_)));
                if !any
                    && !has_schema
                    && CALLABLE_CLASS_MODULES.contains(&g.module.as_str())
                    && roles
                        .iter()
                        .any(|r| matches!(r, Role::Class | Role::DictClass))
                {
                    any = args.iter().all(|&a| {
                        matches!(
                            graph.node(a),
                            Some(
                                Node::None
                                    | Node::Bool(_)
                                    | Node::Int(_)
                                    | Node::BigInt(_)
                                    | Node::Float(_)
                                    | Node::Str(_)
                            )
                        )
                    });
                }
                if !any {
                    if let Some(e) = last_err {
                        if !self.trusted.contains(&g.dotted()) {
                            return Err(format!("{g} called with unexpected arguments: {e}"));
                        }
                    }
                }
                any
            }
            (Use::Reference, _) => roles
                .iter()
                .any(|r| matches!(r, Role::Reference | Role::Class | Role::DictClass)),
            _ => false,
        };
        Ok(ok)
    }

    /// Cython's generated `__pyx_unpickle_X` in module M is a constructor exactly
    /// when M.X is an allowed class and the call passes M.X itself first.
    fn judge_pyx(
        &self,
        graph: &Graph,
        g: &GlobalName,
        args: &[crate::ir::NodeId],
    ) -> Option<(Verdict, String)> {
        let cls = g.name.strip_prefix("__pyx_unpickle_")?;
        let class = GlobalName::new(g.module.clone(), cls.to_string());
        let class_ok = default_roles(&class).contains(&Role::Class) || self.trusts(&class);
        if !class_ok {
            return None;
        }
        let first_ok = matches!(args.first().and_then(|&a| graph.node(a)), Some(Node::Global(c)) if *c == class);
        match Schema::PyxUnpickle.check(graph, g, args) {
            Ok(()) if first_ok => Some((Verdict::Allowed, String::new())),
            Ok(()) => Some((
                Verdict::Unknown,
                format!("{g} must be called with {class} itself"),
            )),
            Err(e) => Some((
                Verdict::Unknown,
                format!("{g} called with unexpected arguments: {e}"),
            )),
        }
    }

    /// The verdict on a [`HELD_ONLY`] helper used as a value, in context.
    fn judge_held(
        &self,
        node: &Node,
        id: NodeId,
        held: &HashSet<NodeId>,
    ) -> Option<(Verdict, String)> {
        let Node::Global(g) = node else { return None };
        let &(_, _, om, oc, attr) = held_only(g)?;
        if held.contains(&id) {
            return Some((Verdict::Allowed, String::new()));
        }
        if self.trusts(g) {
            return Some((Verdict::Trusted, String::new()));
        }
        Some((
            Verdict::Unknown,
            format!("{g} is an internal helper, allowed only as the {attr} attribute of {om}.{oc}"),
        ))
    }

    /// Check every name in the graph; on failure list all offending names.
    /// Only nodes reachable from the roots are judged: nothing else is built.
    pub fn check(&self, graph: &Graph) -> Result<(), UntrustedError> {
        let mut bad: BTreeMap<String, String> = BTreeMap::new();
        let live = reachable(graph);
        let held = held_in_place(graph, &live);
        let partial_funcs = partials_in_place(graph, &live);
        for (id, (node, _)) in graph
            .nodes
            .iter()
            .zip(&live)
            .enumerate()
            .filter(|(_, (_, l))| **l)
        {
            if let Some((verdict, why)) = self.judge_held(node, id as NodeId, &held) {
                if matches!(verdict, Verdict::Unknown | Verdict::Dangerous) {
                    if let Node::Global(g) = node {
                        bad.entry(g.dotted()).or_insert(why);
                    }
                }
                continue;
            }
            if partial_funcs.contains(&(id as NodeId)) {
                continue;
            }
            let (g, used) = match node {
                Node::Global(g) => (g, Use::Reference),
                Node::Object { class, .. } => (class, Use::Class),
                Node::Call { func, .. } => (func, Use::Constructor),
                _ => continue,
            };
            let (verdict, why) = self.judge(graph, node, g, used);
            if matches!(verdict, Verdict::Unknown | Verdict::Dangerous) {
                bad.entry(g.dotted()).or_insert(why);
            }
        }
        if bad.contains_key("functools.partial") {
            // a refused partial: trusting its callable would not help, so
            // the message must not suggest it
            bad.remove("sklearn.utils.validation.check_array");
        }
        if bad.is_empty() {
            return Ok(());
        }
        Err(UntrustedError {
            names: bad.keys().cloned().collect(),
            details: bad.values().cloned().collect(),
        })
    }
}

/// Every distinct name in the graph with the uses it appears in and its verdict.
///
/// Unlike [`Policy::check`], this also reports names that are not reachable from
/// the root: pickle itself would still import and call them. Only the numpy
/// and builtin helpers the VM lowered are left out.
pub fn survey(graph: &Graph, policy: &Policy) -> Vec<(GlobalName, BTreeSet<Use>, Verdict)> {
    let mut seen: BTreeMap<GlobalName, (BTreeSet<Use>, Verdict)> = BTreeMap::new();
    let live = reachable(graph);
    let held = held_in_place(graph, &live);
    let partial_funcs = partials_in_place(graph, &live);
    // the `functools.partial` a REDUCE consumed: its use is judged on the
    // call nodes, so the import is reported only when some call is refused
    let partial_calls_ok = {
        let mut calls = graph.nodes.iter().filter_map(|n| match n {
            Node::Call { func, args, state } if is_partial(func) => Some((args, *state)),
            _ => None,
        });
        let mut any = false;
        let ok = calls.all(|(a, s)| {
            any = true;
            schema::check_array_partial(graph, a, s).is_ok()
        });
        any && ok
    };
    for (id, (node, &is_live)) in graph.nodes.iter().zip(&live).enumerate() {
        // pandas' pickling helpers left behind when the VM lowered a pandas
        // value to a rebuild call (vm/pandas.rs): nothing skseal builds, and
        // not a name to trust. Where a pandas value was not lowered, its
        // nodes are live and reported as usual; gadgets are always reported.
        if !is_live {
            let name = match node {
                Node::Global(g) => Some(g),
                Node::Object { class, .. } => Some(class),
                Node::Call { func, .. } => Some(func),
                _ => None,
            };
            if name
                .is_some_and(|g| profiles::is_pandas_internal(&g.dotted()) && danger(g).is_none())
            {
                continue;
            }
        }
        if is_live && partial_funcs.contains(&(id as NodeId)) {
            if let Node::Global(g) = node {
                let e = seen
                    .entry(g.clone())
                    .or_insert((BTreeSet::new(), Verdict::Allowed));
                e.0.insert(Use::Reference);
            }
            continue;
        }
        if !is_live && partial_calls_ok && matches!(node, Node::Global(g) if is_partial(g)) {
            continue;
        }
        if is_live {
            if let (Node::Global(g), Some((v, _))) =
                (node, policy.judge_held(node, id as NodeId, &held))
            {
                let e = seen
                    .entry(g.clone())
                    .or_insert((BTreeSet::new(), Verdict::Allowed));
                e.0.insert(Use::Reference);
                e.1 = e.1.max(v);
                continue;
            }
        }
        if let Node::Global(g) = node {
            if !is_live {
                // A name the stream imports and then consumes (the callable of a
                // REDUCE, the class of a NEWOBJ): its use is judged on that node.
                // Still report the import itself: dangerous or unknown names are
                // flagged, since pickle would import them.
                if LOWERED.iter().any(|(m, n)| g.is(m, n)) {
                    continue;
                }
                // a Cython unpickler and a held-only name are judged where used
                let v = match policy.judge_name(g) {
                    Verdict::Trusted | Verdict::Unknown
                        if g.name.starts_with("__pyx_unpickle_") || held_only(g).is_some() =>
                    {
                        Verdict::Allowed
                    }
                    v => v,
                };
                let e = seen
                    .entry(g.clone())
                    .or_insert((BTreeSet::new(), Verdict::Allowed));
                e.1 = e.1.max(v);
                continue;
            }
        }
        let (g, used) = match node {
            Node::Global(g) => (g, Use::Reference),
            Node::Object { class, .. } => (class, Use::Class),
            Node::Call { func, .. } => (func, Use::Constructor),
            _ => continue,
        };
        let (v, _) = policy.judge(graph, node, g, used);
        let e = seen
            .entry(g.clone())
            .or_insert((BTreeSet::new(), Verdict::Allowed));
        e.0.insert(used);
        e.1 = e.1.max(v);
    }
    seen.into_iter().map(|(g, (u, v))| (g, u, v)).collect()
}
