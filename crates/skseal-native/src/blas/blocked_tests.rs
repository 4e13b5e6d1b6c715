//! The packed product kernels against the one-element kernel they batch:
//! every lane of [`super::blocked8`], [`super::blocked8x4`] and
//! [`super::blocked8x8`] is `blocked`'s value bit for bit (the AVX-512 copy
//! runs where the CPU has it, the FMA copy otherwise).

use super::fma::values;
use super::packed::{blocked8, blocked8x4, blocked8x8, pack8, Post8};
use super::{blocked, k_blocks};

#[test]
fn packed_kernels_are_the_element_kernel() {
    for d in [1usize, 7, 20, 64, 300] {
        let k = 16;
        let c = values(k * d, d as u64);
        let x = values(8 * d, 99 + d as u64);
        let panel = pack8(&c, k, d);
        let blocks = k_blocks(d, 128, None);
        let rows: Vec<&[f64]> = x.chunks(d).collect();
        let want = |r: usize, j: usize| blocked(rows[r], &c[j * d..(j + 1) * d], &blocks, false);
        for (g, p) in panel.chunks(8 * d).enumerate() {
            let one = blocked8(rows[0], p, &blocks);
            let (mut four, mut eight) = ([[0.0; 8]; 4], [[0.0; 8]; 8]);
            let none = Post8::default();
            blocked8x4(
                (&x[..4 * d], d),
                p,
                &blocks,
                (four.as_flattened_mut(), 8),
                none,
            );
            blocked8x8((&x, d), p, &blocks, (eight.as_flattened_mut(), 8), none);
            for u in 0..8 {
                let j = 8 * g + u;
                assert_eq!(one[u].to_bits(), want(0, j).to_bits(), "d {d}");
                for r in 0..8 {
                    if r < 4 {
                        assert_eq!(four[r][u].to_bits(), want(r, j).to_bits(), "d {d}");
                    }
                    assert_eq!(eight[r][u].to_bits(), want(r, j).to_bits(), "d {d}");
                }
            }
        }
    }
}

/// The AVX copy of the 4-row kernel against the portable code, bit for bit,
/// also where the CPU has AVX-512 and the dispatch would not pick it; K
/// split in blocks and not, widths that are not multiples of anything.
#[cfg(target_arch = "x86_64")]
#[test]
fn avx_four_row_kernel_is_the_portable_one() {
    use super::packed::{avx_fma, blocked8x4_any, blocked8x4_avx};
    if !avx_fma() {
        return;
    }
    for d in [1usize, 3, 20, 129, 300] {
        let c = values(8 * d, 7 + d as u64);
        let x = values(4 * d + 5, 31 + d as u64);
        let panel = pack8(&c, 8, d);
        for blocks in [k_blocks(d, 128, None), k_blocks(d, 16, None)] {
            let (mut a, mut b) = ([0.0; 40], [0.0; 40]);
            let none = Post8::default();
            blocked8x4_any((&x, d), &panel, &blocks, (&mut a, 10), none);
            // SAFETY: avx and fma detected just above.
            unsafe { blocked8x4_avx((&x, d), &panel, &blocks, (&mut b, 10), none) };
            let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "d {d}, {} blocks", blocks.len());
        }
    }
}
