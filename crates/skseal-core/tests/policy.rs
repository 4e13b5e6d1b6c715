//! Policy: exact names, roles, gadgets, schemas, and user trust.

use skseal_core::ir::{ArraySource, ArraySpec, Dtype, GlobalName, Graph, Node, Order};
use skseal_core::policy::{is_dangerous, Policy};

fn graph(nodes: Vec<Node>, root: u32) -> Graph {
    Graph {
        nodes,
        arrays: vec![],
        root,
        probe: None,
        native: Vec::new(),
    }
}

fn obj(m: &str, n: &str) -> Node {
    Node::Object {
        class: GlobalName::new(m, n),
        args: vec![],
        state: None,
        items: vec![],
    }
}

#[test]
fn sklearn_estimator_is_allowed_as_class() {
    let g = graph(
        vec![obj("sklearn.linear_model._logistic", "LogisticRegression")],
        0,
    );
    Policy::default().check(&g).expect("allowed");
}

#[test]
fn unknown_class_is_refused_and_named_then_trusted() {
    let g = graph(vec![obj("mypkg.models", "Custom")], 0);
    let e = Policy::default().check(&g).expect_err("refused");
    assert_eq!(e.names, vec!["mypkg.models.Custom".to_string()]);
    Policy::new(["mypkg.models.Custom"])
        .check(&g)
        .expect("trusted");
}

#[test]
fn names_match_exactly_no_prefixes() {
    for (m, n) in [
        (
            "sklearn.linear_model._logistic",
            "LogisticRegression.__init__.__globals__",
        ),
        ("sklearn.linear_model", "_logistic.os"),
        ("sklearn.linear_model._logistic_evil", "LogisticRegression"),
    ] {
        let g = graph(vec![obj(m, n)], 0);
        assert!(Policy::default().check(&g).is_err(), "{m}.{n}");
    }
}

#[test]
fn gadgets_are_dangerous_and_cannot_be_trusted() {
    for (m, n) in [
        ("builtins", "eval"),
        ("builtins", "getattr"),
        ("os", "system"),
        ("posix", "system"),
        ("operator", "attrgetter"),
        ("functools", "partial"),
        ("pkgutil", "resolve_name"),
        ("importlib", "import_module"),
        ("pickle", "loads"),
        ("marshal", "loads"),
        ("numpy", "load"),
        ("numpy.testing._private.utils", "runstring"),
        ("subprocess", "Popen"),
    ] {
        let gn = GlobalName::new(m, n);
        assert!(is_dangerous(&gn), "{gn}");
        let g = graph(
            vec![
                Node::Global(gn.clone()),
                Node::Tuple(vec![]),
                Node::Call {
                    func: gn.clone(),
                    args: vec![],
                    state: None,
                },
            ],
            2,
        );
        let p = Policy::new([gn.dotted()]);
        let e = p.check(&g).expect_err("never trusted");
        assert!(e.details[0].contains("never allowed"), "{:?}", e.details);
    }
}

#[test]
fn only_cython_loss_classes_may_be_called_with_primitive_args() {
    // LogisticRegression(1.0) and LogisticRegression(<object>) are refused: a
    // class is instantiated with __new__ + state, not called.
    let lr = GlobalName::new("sklearn.linear_model._logistic", "LogisticRegression");
    let g = graph(
        vec![
            Node::Float(1.0),
            Node::Call {
                func: lr.clone(),
                args: vec![0],
                state: None,
            },
        ],
        1,
    );
    let e = Policy::default().check(&g).expect_err("not a constructor");
    assert!(
        e.details[0].contains("not as a constructor"),
        "{:?}",
        e.details
    );
    let g = graph(
        vec![
            obj("sklearn.preprocessing._data", "StandardScaler"),
            Node::Call {
                func: lr,
                args: vec![0],
                state: None,
            },
        ],
        1,
    );
    assert!(Policy::default().check(&g).is_err());
    // Cython loss classes pickle as cls(1.5): allowed with primitive args only.
    let tw = GlobalName::new("sklearn._loss._loss", "CyHalfTweedieLoss");
    let g = graph(
        vec![
            Node::Float(1.5),
            Node::Call {
                func: tw.clone(),
                args: vec![0],
                state: None,
            },
        ],
        1,
    );
    Policy::default()
        .check(&g)
        .expect("loss class with a float");
    let g = graph(
        vec![
            obj("sklearn.preprocessing._data", "StandardScaler"),
            Node::Call {
                func: tw,
                args: vec![0],
                state: None,
            },
        ],
        1,
    );
    assert!(Policy::default().check(&g).is_err());
}

#[test]
fn tree_constructor_schema() {
    let arr = ArraySpec {
        dtype: Dtype::Simple("<i8".into()),
        shape: vec![1],
        order: Order::C,
        axes: None,
        source: ArraySource::Table(0),
    };
    let tree = GlobalName::new("sklearn.tree._tree", "Tree");
    let ok = Graph {
        nodes: vec![
            Node::Int(4),
            Node::Array(0),
            Node::Int(1),
            Node::Call {
                func: tree.clone(),
                args: vec![0, 1, 2],
                state: None,
            },
        ],
        arrays: vec![arr.clone()],
        root: 3,
        probe: None,
        native: Vec::new(),
    };
    Policy::default().check(&ok).expect("valid schema");
    let bad = Graph {
        nodes: vec![
            Node::Int(4),
            Node::Str("x".into()),
            Node::Int(1),
            Node::Call {
                func: tree,
                args: vec![0, 1, 2],
                state: None,
            },
        ],
        arrays: vec![arr],
        root: 3,
        probe: None,
        native: Vec::new(),
    };
    let e = Policy::default().check(&bad).expect_err("bad schema");
    assert!(
        e.details[0].contains("unexpected arguments"),
        "{:?}",
        e.details
    );
}

#[test]
fn bit_generator_ctor_rejects_non_bit_generators() {
    let f = GlobalName::new("numpy.random._pickle", "__bit_generator_ctor");
    let ok = graph(
        vec![
            Node::Global(GlobalName::new("numpy.random._mt19937", "MT19937")),
            Node::Call {
                func: f.clone(),
                args: vec![0],
                state: None,
            },
        ],
        1,
    );
    Policy::default().check(&ok).expect("MT19937");
    let bad = graph(
        vec![
            Node::Global(GlobalName::new(
                "sklearn.linear_model._logistic",
                "LogisticRegression",
            )),
            Node::Call {
                func: f,
                args: vec![0],
                state: None,
            },
        ],
        1,
    );
    assert!(Policy::default().check(&bad).is_err());
}

#[test]
fn items_only_on_dict_subclasses() {
    let bunch = Node::Object {
        class: GlobalName::new("sklearn.utils._bunch", "Bunch"),
        args: vec![],
        state: None,
        items: vec![(1, 1)],
    };
    let g = graph(vec![bunch, Node::Str("a".into())], 0);
    Policy::default()
        .check(&g)
        .expect("Bunch is a dict subclass");
    let lr = Node::Object {
        class: GlobalName::new("sklearn.linear_model._logistic", "LogisticRegression"),
        args: vec![],
        state: None,
        items: vec![(1, 1)],
    };
    let g = graph(vec![lr, Node::Str("a".into())], 0);
    assert!(Policy::default().check(&g).is_err());
}

#[test]
fn unreachable_nodes_are_not_built_but_are_surveyed() {
    let g = graph(
        vec![
            Node::Call {
                func: GlobalName::new("os", "system"),
                args: vec![],
                state: None,
            },
            Node::None,
        ],
        1,
    );
    Policy::default().check(&g).expect("only the root is built");
    let rows = skseal_core::policy::survey(&g, &Policy::default());
    assert!(rows
        .iter()
        .any(|(n, _, v)| n.is("os", "system") && *v == skseal_core::policy::Verdict::Dangerous));
}

#[test]
fn file_and_deserialisation_functions_are_never_allowed() {
    for (m, n) in [
        ("pandas", "read_pickle"),
        ("pandas.io.pickle", "read_pickle"),
        ("pandas.core.generic", "to_pickle"),
        ("numpy.lib.format", "open_memmap"),
        ("numpy.lib._format_impl", "open_memmap"),
        ("numpy", "memmap"),
        ("numpy._core.memmap", "memmap"),
        ("numpy", "save"),
        ("numpy", "loadtxt"),
        ("numpy.ctypeslib", "load_library"),
        ("numpy.ctypeslib", "as_array"),
        ("ctypes", "CDLL"),
        ("scipy.io", "loadmat"),
        ("scipy.io.matlab._mio", "loadmat"),
        ("scipy.io", "mmread"),
        ("scipy.io.wavfile", "read"),
        ("sklearn.datasets", "fetch_openml"),
        ("sklearn.datasets._openml", "fetch_openml"),
        ("sklearn.datasets._svmlight_format_io", "load_svmlight_file"),
        ("sklearn.datasets._base", "load_iris"),
        ("joblib", "load"),
        ("socket", "socket"),
    ] {
        let gn = GlobalName::new(m, n);
        assert!(is_dangerous(&gn), "{gn}");
        let g = graph(vec![Node::Global(gn.clone())], 0);
        let e = Policy::new([gn.dotted()])
            .check(&g)
            .expect_err("never trusted");
        assert!(e.details[0].contains("never allowed"), "{:?}", e.details);
    }
    // names that merely resemble them stay ordinary
    for (m, n) in [
        ("numpy", "sum"),
        ("scipy.interpolate._bsplines", "BSpline"),
        ("sklearn.preprocessing._data", "StandardScaler"),
        ("scipy.iox", "x"),
    ] {
        assert!(!is_dangerous(&GlobalName::new(m, n)), "{m}.{n}");
    }
}

#[test]
fn private_kmeans_helpers_only_as_bisecting_kmeans_attribute() {
    let lloyd = GlobalName::new("sklearn.cluster._kmeans", "_kmeans_single_lloyd");
    let bkm = GlobalName::new("sklearn.cluster._bisect_k_means", "BisectingKMeans");
    let ft = GlobalName::new(
        "sklearn.preprocessing._function_transformer",
        "FunctionTransformer",
    );
    let object = |class: &GlobalName, state: u32| Node::Object {
        class: class.clone(),
        args: vec![],
        state: Some(state),
        items: vec![],
    };
    // [BisectingKMeans(_kmeans_single=lloyd)]: allowed
    let mut nodes = vec![
        Node::Global(lloyd.clone()),        // 0
        Node::Str("_kmeans_single".into()), // 1
        Node::Dict(vec![(1, 0)]),           // 2
        object(&bkm, 2),                    // 3
        Node::List(vec![3]),                // 4
        Node::Str("func".into()),           // 5
        Node::Dict(vec![(5, 0)]),           // 6
        object(&ft, 6),                     // 7: FunctionTransformer(func=lloyd)
        Node::List(vec![3, 7]),             // 8
        object(&ft, 2),                     // 9: the BisectingKMeans state on another class
        Node::List(vec![3, 9]),             // 10
    ];
    let p = Policy::default();
    assert!(p.check(&graph(nodes.clone(), 4)).is_ok());
    for root in [7, 8, 10] {
        let e = p.check(&graph(nodes.clone(), root)).expect_err("refused");
        assert_eq!(e.names, vec![lloyd.dotted()], "root {root}");
        assert!(e.details[0].contains("internal helper"), "{:?}", e.details);
    }
    // not a general reference, even alone
    nodes.push(Node::List(vec![0]));
    assert!(p.check(&graph(nodes, 11)).is_err());
}

/// `functools.partial(f)` with BUILD state `(f2, (args...), kwds, ns)`:
/// nodes 0 f, 1 f2, 2 args tuple, 3 kwds, 4 ns, 5 state, 6 call (root 7 list).
fn partial_graph(f: GlobalName, extra_args: Vec<Node>, kwds: Vec<(&str, Node)>) -> Graph {
    let mut nodes = vec![
        Node::Global(f.clone()),
        Node::Global(f),
        Node::Tuple(vec![]),
        Node::None,
        Node::None,
    ];
    let mut arg_ids = vec![];
    for a in extra_args {
        nodes.push(a);
        arg_ids.push(nodes.len() as u32 - 1);
    }
    nodes[2] = Node::Tuple(arg_ids);
    let mut kv = vec![];
    for (k, v) in kwds {
        nodes.push(Node::Str(k.into()));
        nodes.push(v);
        let n = nodes.len() as u32;
        kv.push((n - 2, n - 1));
    }
    nodes[3] = Node::Dict(kv);
    nodes.push(Node::Tuple(vec![1, 2, 3, 4]));
    let st = nodes.len() as u32 - 1;
    nodes.push(Node::Call {
        func: GlobalName::new("functools", "partial"),
        args: vec![0],
        state: Some(st),
    });
    let call = nodes.len() as u32 - 1;
    nodes.push(Node::List(vec![call]));
    let root = nodes.len() as u32 - 1;
    graph(nodes, root)
}

fn check_array() -> GlobalName {
    GlobalName::new("sklearn.utils.validation", "check_array")
}

#[test]
fn only_the_check_array_partial_is_allowed() {
    let ok = partial_graph(
        check_array(),
        vec![],
        vec![
            ("dtype", Node::List(vec![])),
            ("ensure_all_finite", Node::Bool(false)),
        ],
    );
    Policy::default().check(&ok).expect("vetted partial");
    let bad = [
        partial_graph(GlobalName::new("numpy", "sum"), vec![], vec![]),
        partial_graph(check_array(), vec![Node::Int(1)], vec![]),
        partial_graph(check_array(), vec![], vec![("array", Node::None)]),
        partial_graph(check_array(), vec![], vec![("foo", Node::Int(1))]),
        partial_graph(
            check_array(),
            vec![],
            vec![("dtype", Node::Global(GlobalName::new("os", "system")))],
        ),
        partial_graph(
            check_array(),
            vec![],
            vec![("copy", Node::Bool(true)), ("copy", Node::Bool(false))],
        ),
    ];
    for g in bad {
        for p in [
            Policy::default(),
            Policy::new(["functools.partial", "numpy.sum"]),
        ] {
            let e = p.check(&g).expect_err("refused");
            assert!(e.names.contains(&"functools.partial".to_string()));
            assert!(!e.names.contains(&check_array().dotted()), "{:?}", e.names);
        }
    }
}

#[test]
fn check_array_is_not_a_reference_outside_the_partial() {
    let mut g = partial_graph(check_array(), vec![], vec![]);
    // the callable also held as a plain value next to the partial
    if let Some(Node::List(v)) = g.nodes.last_mut() {
        v.push(0);
    }
    let e = Policy::default().check(&g).expect_err("refused");
    assert_eq!(e.names, vec![check_array().dotted()]);
}
