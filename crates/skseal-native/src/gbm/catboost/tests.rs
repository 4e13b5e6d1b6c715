//! Tests of the CatBoost booster: border groups, rows computed together
//! and alone, and the two compiled copies of `Booster::raw`.

use super::{fastexp, Booster, Groups};
use crate::data::Mat;
use crate::gbm::row_independence::check;

/// A 3-class CatBoostClassifier on iris with NaNs (8 oblivious trees,
/// depth 3).
const MODEL: &[u8] = include_bytes!("../testdata/catboost_iris.cbm");

/// The grouped count of borders below a value equals the binary
/// search's, at every border, its float32 neighbours, infinities and NaN.
#[test]
fn grouped_border_counts_equal_the_binary_search() {
    for n in [0usize, 1, 15, 16, 17, 31, 32, 100, 254, 255] {
        let borders: Vec<f32> = (0..n).map(|k| k as f32 * 0.5 - 20.0).collect();
        let g = Groups::of(&borders).expect("sorted, at most 255");
        let mut probes = vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0];
        for &b in &borders {
            probes.extend([b, b.next_up(), b.next_down()]);
        }
        for v in probes {
            let want = borders.partition_point(|&b| v > b);
            assert_eq!(g.below(v), want, "{n} borders, value {v}");
        }
    }
    assert!(Groups::of(&[1.0, 1.0]).is_none());
    assert!(Groups::of(&(0..256).map(|k| k as f32).collect::<Vec<_>>()).is_none());
}

#[test]
fn rows_computed_together_equal_rows_alone() {
    let b = Booster::read(MODEL, "CatBoostClassifier", "catboost_iris").expect("fixture parses");
    assert!(b.model.oblivious());
    assert_eq!(b.model.approx_dimension, 3);
    check("catboost raw", 4, |x| b.raw(x, &[]).data);
    check("catboost raw, portable copy", 4, |x| {
        b.raw_body(x, &[]).data
    });
    check("catboost softmax", 4, |x| {
        let mut p = b.raw(x, &[]);
        for r in 0..p.rows {
            fastexp::softmax(p.row_mut(r));
        }
        p.data
    });
}

#[test]
fn both_copies_give_the_same_bits() {
    let b = Booster::read(MODEL, "CatBoostClassifier", "catboost_iris").expect("fixture parses");
    // values at, one float32 step above, and around every border; NaN,
    // infinities and signed zeros
    let mut vals: Vec<f64> = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0];
    for q in &b.quants {
        for &br in &q.borders {
            let f = f64::from(br);
            let up = f64::from(f32::from_bits(br.to_bits().wrapping_add(1)));
            vals.extend([f, up, f - 0.05, f + 0.05]);
        }
    }
    let width = b.width();
    let rows = vals.len();
    let data: Vec<f64> = (0..rows * width)
        .map(|k| vals[(k * 7 + k / width) % rows])
        .collect();
    let x = Mat {
        rows,
        cols: width,
        data,
    };
    let bits = |m: &Mat| m.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&b.raw(&x, &[])), bits(&b.raw_body(&x, &[])));
}
