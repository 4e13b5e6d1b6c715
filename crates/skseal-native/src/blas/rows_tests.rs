//! [`super::Blas::matmul_t_rows`] block by block against the rows of the
//! whole [`super::Blas::matmul_t`], bit for bit, for both cores, one and two
//! threads, the matrix-vector product on both sides of OpenBLAS's threading
//! threshold, and blocks that cut its thread parts anywhere.

use super::fma::values;
use super::{Blas, Core, Post};
use crate::data::Mat;

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|f| f.to_bits()).collect()
}

#[test]
fn blocks_of_rows_are_the_rows_of_the_whole_product() {
    let mut splits = 0;
    for core in [Core::SkylakeX, Core::Haswell] {
        for threads in [1usize, 2, 3] {
            let blas = Blas::new(core.clone(), threads);
            // (n, k, d, c_fortran): hidden layers (Fortran-ordered C, k >= 4),
            // output layers (k == 1, threaded when n * d >= 460,800), d == 1
            for (n, k, d, f) in [
                (1000usize, 64usize, 20usize, true),
                (517, 8, 3, true),
                (10_001, 1, 64, false),
                (7_203, 1, 65, false),
                (999, 1, 7, false),
                (300, 5, 1, false),
                (40, 4, 2, true),
            ] {
                assert!(blas.splits_by_rows(n, k, d, f), "{n} {k} {d} {f}");
                let x = Mat::new(n, d, values(n * d, (n + k + d) as u64)).unwrap();
                let c = Mat::new(k, d, values(k * d, 7 + d as u64)).unwrap();
                let whole = blas.matmul_t(&x, &c, f);
                for block in [1usize, 3, 128, 1000, 4099] {
                    let mut got = Vec::with_capacity(n * k);
                    for (b, xb) in x.data.chunks(block * d).enumerate() {
                        let part = blas.matmul_t_rows(xb, (&c, None), f, n, b * block).unwrap();
                        got.extend_from_slice(&part.data);
                    }
                    assert_eq!(
                        bits(&got),
                        bits(&whole.data),
                        "{core:?} t{threads} {n}x{k}x{d} {f} /{block}"
                    );
                    splits += 1;
                }
            }
        }
    }
    assert_eq!(splits, 2 * 3 * 7 * 5);
}

#[test]
fn products_that_do_not_split_are_refused() {
    let blas = Blas::new(Core::SkylakeX, 2);
    // the general C-ordered dgemm, and one row
    assert!(!blas.splits_by_rows(1000, 64, 20, false));
    assert!(!blas.splits_by_rows(1, 64, 20, true));
    let c = Mat::new(64, 20, values(64 * 20, 1)).unwrap();
    assert!(blas
        .matmul_t_rows(&values(20 * 10, 2), (&c, None), false, 1000, 0)
        .is_none());
    // rows past the whole call, or not whole rows
    let c1 = Mat::new(1, 20, values(20, 3)).unwrap();
    assert!(blas
        .matmul_t_rows(&values(20 * 10, 2), (&c1, None), false, 1000, 995)
        .is_none());
    assert!(blas
        .matmul_t_rows(&values(21, 2), (&c1, None), false, 1000, 0)
        .is_none());
}

/// `matmul_t_rows_into` with the intercept and relu applied as it stores:
/// the same bits as the whole product with `+= b` and `np.maximum(v, 0)`
/// applied afterwards, every element written (the buffer starts as
/// garbage), NaN kept, for every branch of the split product.
#[test]
fn stored_intercept_and_relu_are_the_pass_afterwards() {
    for core in [Core::SkylakeX, Core::Haswell] {
        let blas = Blas::new(core.clone(), 2);
        for (n, k, d, f) in [
            (1000usize, 64usize, 20usize, true),
            (517, 13, 3, true),
            (10_001, 1, 64, false),
            (300, 5, 1, false),
        ] {
            let mut xv = values(n * d, (3 * n + k) as u64);
            xv[5 * d + 1] = f64::NAN;
            let x = Mat::new(n, d, xv).unwrap();
            let c = Mat::new(k, d, values(k * d, 11 + d as u64)).unwrap();
            let b = values(k, 5);
            for relu in [false, true] {
                let mut want = blas.matmul_t(&x, &c, f);
                for row in want.data.chunks_mut(k) {
                    for (v, bj) in row.iter_mut().zip(&b) {
                        *v += bj;
                        if relu && *v < 0.0 {
                            *v = 0.0;
                        }
                    }
                }
                let negatives = want.data.iter().filter(|v| **v == 0.0).count();
                assert!(!relu || negatives > 0, "relu has nothing to cut");
                let post = Post {
                    bias: Some(&b),
                    relu,
                };
                let mut got = Vec::with_capacity(n * k);
                for (i, xb) in x.data.chunks(128 * d).enumerate() {
                    let mut part = vec![f64::from_bits(0x7ff4_dead_beef_0000); xb.len() / d * k];
                    let at = (n, i * 128);
                    assert!(blas.matmul_t_rows_into(xb, (&c, None), f, at, post, &mut part));
                    got.extend_from_slice(&part);
                }
                assert_eq!(
                    bits(&got),
                    bits(&want.data),
                    "{core:?} {n}x{k}x{d} relu {relu}"
                );
            }
            // a bias of the wrong length is refused, not read past its end
            let short = Post {
                bias: Some(&b[..k - 1]),
                relu: false,
            };
            let mut part = vec![0.0; 128 * k];
            let xb = &x.data[..128 * d];
            assert!(!blas.matmul_t_rows_into(xb, (&c, None), f, (n, 0), short, &mut part));
        }
    }
}
