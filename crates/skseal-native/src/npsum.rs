//! numpy's order of floating-point operations for reductions.
//!
//! `np.sum(a, axis=-1)` on a C-contiguous row is one pairwise sum of the
//! whole row (numpy's `pairwise_sum`: a plain loop from -0.0 below 8
//! elements, eight accumulators up to 128, halves above), measured against
//! numpy 2.4. Reproducing this order is what makes softmax and means
//! bit-identical to numpy's.

const PW_BLOCKSIZE: usize = 128;

fn pairwise(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = -0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= PW_BLOCKSIZE {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for k in 0..8 {
                r[k] += a[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise(&a[..n2]) + pairwise(&a[n2..])
    }
}

/// `np.sum(row)` for a contiguous 1-D float64 row, in numpy's order.
pub fn sum(a: &[f64]) -> f64 {
    pairwise(a)
}

/// `np.max(row)` (NaN propagates).
pub fn max(a: &[f64]) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for &x in a {
        if x.is_nan() {
            return f64::NAN;
        }
        if x > m {
            m = x;
        }
    }
    m
}

/// `np.argmax(row)`: the first maximum; the first NaN wins.
pub fn argmax(a: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in a.iter().enumerate() {
        if x.is_nan() {
            return i;
        }
        if x > a[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_differs_from_left_to_right() {
        // Below 8 elements: left to right from -0.0.
        let a = [1.0, 1e16, -1e16];
        assert_eq!(sum(&a), 0.0);
        assert!(sum(&[-0.0, -0.0]).is_sign_negative());
        // 9 elements: eight accumulators, then the ninth.
        let b = [1e16, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1e16];
        assert_eq!(sum(&b), ((1e16 + 1.0) + 0.0) + -1e16);
        assert_eq!(argmax(&[1.0, 3.0, 3.0]), 1);
        assert_eq!(max(&[1.0, 3.0, 2.0]), 3.0);
    }
}
