//! Native model building checks every width it copies (issue 11): a
//! GradientBoosting whose `init_` gives fewer values per row than
//! `estimators_` has trees per stage used to panic in `copy_from_slice`.
//! The graph is edited after validation (which refuses it too, see
//! docs/SECURITY.md §4.1) to exercise the builder's own check.

use skseal_core::convert;
use skseal_core::ir::{ArraySource, Node};
use skseal_core::policy::Policy;
use skseal_native::access::Ctx;
use skseal_native::{Model, NativeError};

const GBR: &[u8] = include_bytes!("data/gbr3.pkl");

#[test]
fn init_narrower_than_trees_per_stage_is_an_error_not_a_panic() {
    let (mut g, _) =
        convert::read_checked(GBR, &Policy::default(), 1 << 30).expect("fixture is valid");
    {
        let bytes = |i: u32| match g.arrays.get(i as usize).map(|a| &a.source) {
            Some(ArraySource::Inline(v)) => Some(v.as_slice()),
            _ => None,
        };
        let ok = Model::from_graph(&Ctx::new(&g, &bytes, skseal_native::Blas::detect()));
        assert!(ok.is_ok(), "the untouched fixture builds");
    }
    let mut edited = 0;
    for n in g.nodes.iter_mut() {
        if let Node::ObjectArray { shape, items, .. } = n {
            if shape == &vec![3, 1] && items.len() == 3 {
                *shape = vec![1, 3];
                edited += 1;
            }
        }
    }
    assert_eq!(edited, 1);
    let bytes = |i: u32| match g.arrays.get(i as usize).map(|a| &a.source) {
        Some(ArraySource::Inline(v)) => Some(v.as_slice()),
        _ => None,
    };
    match Model::from_graph(&Ctx::new(&g, &bytes, skseal_native::Blas::detect())) {
        Err(NativeError::Malformed { path, why }) => {
            assert!(path.ends_with("init_"), "{path}");
            assert!(why.contains("3 tree(s) per stage"), "{why}");
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("built a model whose init is narrower than its stages"),
    }
}
