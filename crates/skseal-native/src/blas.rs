//! numpy's matrix products as numpy 2.4's bundled OpenBLAS 0.3.31
//! (scipy-openblas64, DYNAMIC_ARCH) computes them, for the CPU kernel family
//! and thread count in effect.
//!
//! `X @ C.T` for a C-ordered X (n x d) and C (k x d), as numpy's matmul
//! loop (umath/matmul.c.src) dispatches it:
//!
//! - d == 1: numpy's non-BLAS loop (`0 + x * c`);
//! - n == 1, k == 1: `cblas_ddot`: see [`ddot`];
//! - k == 1 (matrix @ vector) and n == 1 (vector @ matrix): `cblas_dgemv`
//!   ColMajor/Trans -> `dgemv_t` (kernel/x86_64/dgemv_t_4.c with the
//!   Haswell 4x4 micro-kernel, which SkylakeX uses too): see [`gemv_t`];
//!   OpenBLAS splits the columns over its threads when `d * columns >=
//!   115200 * 4`;
//! - otherwise `cblas_dgemm` (RowMajor NoTrans/Trans = ColMajor TN, M = k,
//!   N = n, K = d): SkylakeX's small-matrix TN kernel when it permits the
//!   shape, else the blocked driver (serial `level3.c` or threaded
//!   `level3_thread.c`, which cut K differently) and the core's kernel:
//!   see [`Blas::gemm`].
//!
//! A Fortran-ordered X or multi-row C takes other kernels (dgemv_n, dgemm
//! NN); those are not modelled, and the result is within the bound
//! documented in linear.rs ([`Exactness`] says which case a model is in).

use crate::data::Mat;

#[cfg(test)]
mod blocked_tests;
mod ddot;
#[cfg(test)]
mod fma;
mod packed;
#[cfg(test)]
mod rows_tests;
mod wide;
use crate::fma::fma_dispatch;
pub(crate) use ddot::L8;
use ddot::{ddot_haswell, ddot_skylakex};
use packed::blocked_rows;
pub(crate) use packed::pack8;
pub(crate) use packed::Post;

/// The OpenBLAS kernel family ("core") numpy's OpenBLAS runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Core {
    /// AVX-512 CPUs (Intel Skylake-SP and later, AMD Zen 4). numpy 2.4.6's
    /// bundled OpenBLAS 0.3.31 has no Cooperlake or Sapphire Rapids kernels:
    /// it runs SkylakeX's on AVX512-BF16 CPUs too, and reports "SkylakeX"
    /// even when `OPENBLAS_CORETYPE=Cooperlake` asks for them (measured on an
    /// Intel family 6 model 207 CPU with AVX512-BF16).
    SkylakeX,
    /// AVX2 CPUs (Intel Haswell to Comet Lake, AMD Zen 1-3: this build maps Zen to Haswell).
    Haswell,
    /// Any other core name OpenBLAS reports: products are not reproduced bitwise.
    Other(String),
}

impl Core {
    /// From OpenBLAS's own core name (`openblas_get_corename`, threadpoolctl's
    /// `architecture`), compared without case.
    pub fn from_name(name: &str) -> Core {
        match name.to_ascii_lowercase().as_str() {
            "skylakex" => Core::SkylakeX,
            "haswell" => Core::Haswell,
            _ => Core::Other(name.to_string()),
        }
    }

    /// The kernels an `OPENBLAS_CORETYPE` name selects in numpy's build,
    /// which aliases the AVX-512 cores it does not carry to SkylakeX.
    fn forced(name: &str) -> Core {
        match name.to_ascii_lowercase().as_str() {
            "cooperlake" | "sapphirerapids" => Core::SkylakeX,
            _ => Core::from_name(name),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Core::SkylakeX => "SkylakeX",
            Core::Haswell => "Haswell",
            Core::Other(s) => s,
        }
    }
}

/// How numpy's OpenBLAS runs on this machine: its core and thread count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blas {
    pub core: Core,
    /// `openblas_get_num_threads()`: OPENBLAS_NUM_THREADS (or GOTO_NUM_THREADS,
    /// OMP_NUM_THREADS), else the CPUs this process may run on; never more
    /// than those CPUs.
    pub threads: usize,
}

/// Whether a result is bit-identical to scikit-learn's on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exactness {
    /// Bit-identical for every input.
    Bitwise,
    /// Bit-identical when the matrix product sees a C-ordered X (a numpy
    /// array in C order, not a DataFrame); otherwise within the bound.
    BitwiseCOrdered,
    /// Within `|native - sklearn| <= 5.2e-16 x (sum_j |x_j c_j| + |b|)`
    /// measured (4e-15 x that sum asserted by the tests); the reason says why.
    Bounded(String),
}

impl Exactness {
    /// The weaker of two statements (a composition is as exact as its least exact step).
    pub fn and(self, other: Exactness) -> Exactness {
        match (self, other) {
            (Exactness::Bounded(a), _) => Exactness::Bounded(a),
            (_, Exactness::Bounded(b)) => Exactness::Bounded(b),
            (Exactness::BitwiseCOrdered, _) | (_, Exactness::BitwiseCOrdered) => {
                Exactness::BitwiseCOrdered
            }
            _ => Exactness::Bitwise,
        }
    }

    /// `bitwise`, `bitwise-c-ordered` or `bounded: <why>`.
    pub fn describe(&self) -> String {
        match self {
            Exactness::Bitwise => "bitwise".into(),
            Exactness::BitwiseCOrdered => "bitwise-c-ordered".into(),
            Exactness::Bounded(why) => format!("bounded: {why}"),
        }
    }
}

/// Column count times dot length from which OpenBLAS threads dgemv
/// (interface/gemv.c: `m * n < 115200 * GEMM_MULTITHREAD_THRESHOLD` runs
/// single-threaded).
const GEMV_THREAD_MIN: usize = 115_200 * 4;
/// dgemv_t's block length along the dot (NBMAX).
const GEMV_NBMAX: usize = 2048;
/// ddot runs threaded above this length (kernel/x86_64/ddot.c).
const DDOT_THREAD_MIN: usize = 10_000;
/// `SMP_THRESHOLD_MIN * GEMM_MULTITHREAD_THRESHOLD` (interface/gemm.c): dgemm
/// with `M * N * K` up to this runs on one thread.
const GEMM_SMP_MIN: f64 = 65_536.0 * 4.0;

/// Per-core dgemm parameters (param.h, double precision).
struct GemmParams {
    /// DGEMM_DEFAULT_Q: the K dimension is cut into blocks of about this.
    q: usize,
    /// DGEMM_DEFAULT_UNROLL_M (rounds the serial driver's K blocks).
    unroll_m: usize,
    /// DGEMM_DEFAULT_UNROLL_N (the driver's column chunks: 3x this or this).
    unroll_n: usize,
    /// SWITCH_RATIO: rows/columns per thread partition.
    switch_ratio: usize,
    /// GEMM_R: columns per outer step (13824 for both, measured default).
    r: usize,
    /// DGEMM_DEFAULT_P: rows of A per M block.
    p: usize,
    /// The rounding of the threaded partitions when M is split (measured:
    /// [`wide::calls`]).
    preferred: usize,
}

const SKYLAKEX: GemmParams = GemmParams {
    q: 384,
    unroll_m: 16,
    unroll_n: 2,
    switch_ratio: 8,
    r: 13_824,
    p: 192,
    preferred: 16,
};
const HASWELL: GemmParams = GemmParams {
    q: 256,
    unroll_m: 4,
    unroll_n: 8,
    switch_ratio: 4,
    r: 13_824,
    p: 512,
    preferred: 8,
};

impl Blas {
    pub fn new(core: Core, threads: usize) -> Blas {
        Blas {
            core,
            threads: threads.max(1),
        }
    }

    /// What numpy's OpenBLAS would pick in this process: `OPENBLAS_CORETYPE`
    /// when set (as OpenBLAS's `force_coretype`, falling back when the CPU
    /// lacks the instructions; Cooperlake and Sapphire Rapids are SkylakeX in
    /// numpy's build), otherwise the CPU's features (AVX-512 F/CD/BW/DQ/VL ->
    /// SkylakeX, with or without BF16; AVX2 + FMA -> Haswell); threads as
    /// OpenBLAS counts them. From Python, ask the loaded OpenBLAS instead
    /// (threadpoolctl).
    pub fn detect() -> Blas {
        let cpus = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let threads = [
            "OPENBLAS_NUM_THREADS",
            "GOTO_NUM_THREADS",
            "OMP_NUM_THREADS",
        ]
        .iter()
        .find_map(|v| {
            std::env::var(v)
                .ok()
                .and_then(|s| s.trim().parse::<usize>().ok())
                .filter(|&n| n > 0)
        })
        .unwrap_or(cpus)
        .min(cpus);
        let (avx512, avx2) = cpu_features();
        let by_cpu = if avx512 {
            Core::SkylakeX
        } else if avx2 {
            Core::Haswell
        } else {
            Core::Other("pre-Haswell".into())
        };
        let core = match std::env::var("OPENBLAS_CORETYPE") {
            Ok(name) if !name.trim().is_empty() => match Core::forced(name.trim()) {
                Core::SkylakeX if !avx512 => by_cpu,
                Core::Haswell if !avx2 => by_cpu,
                c => c,
            },
            _ => by_cpu,
        };
        Blas::new(core, threads)
    }

    /// Is this core's accumulation order reproduced (checked against numpy)?
    pub fn reproduced(&self) -> bool {
        !matches!(self.core, Core::Other(_))
    }

    /// What a matrix product with a C-ordered (`c_fortran` false) or
    /// Fortran-ordered multi-row C guarantees on this machine.
    pub fn exactness(&self, c_fortran: bool) -> Exactness {
        if !self.reproduced() {
            Exactness::Bounded(format!(
                "numpy's OpenBLAS runs its {} kernels, whose order is not reproduced",
                self.core.name()
            ))
        } else if c_fortran {
            Exactness::Bounded(
                "a Fortran-ordered coefficient matrix takes dgemm NN, not modelled".into(),
            )
        } else {
            Exactness::BitwiseCOrdered
        }
    }

    fn params(&self) -> &'static GemmParams {
        match self.core {
            Core::SkylakeX => &SKYLAKEX,
            _ => &HASWELL,
        }
    }

    /// `X @ C.T` (n x k) for X n x d and C k x d, accumulated as numpy's
    /// matmul with the bundled OpenBLAS does for a C-ordered X (see the
    /// module). `c_fortran`: C (k > 1 rows) is stored Fortran-ordered
    /// (LogisticRegression's multinomial coef_, Ridge, LinearSVC, PCA's
    /// components_, ...): numpy then calls dgemm NN or, for one row,
    /// dgemv_n; those are not modelled and what measured closest is used
    /// (one row or k >= 4: per-block FMA dots, otherwise the C-ordered
    /// model), within the bound in linear.rs.
    pub fn matmul_t(&self, x: &Mat, c: &Mat, c_fortran: bool) -> Mat {
        let (n, d, k) = (x.rows, x.cols, c.rows);
        let mut out = Mat::zeros(n, k);
        if n == 0 || k == 0 || d == 0 || c.cols != d {
            return out;
        }
        if Self::fortran_kernel(n, k, d, c_fortran) {
            let blocks = k_blocks(d, self.params().q, None);
            let panel = if n >= 4 {
                pack8(&c.data, k, d)
            } else {
                Vec::new()
            };
            blocked_rows(
                (&x.data, &c.data, &panel),
                (n, k, d),
                &blocks,
                (|_| false, 0),
                Post::default(),
                &mut out.data,
            );
            return out;
        }
        if d == 1 {
            for i in 0..n {
                let xi = x.data[i];
                for (o, cc) in out.row_mut(i).iter_mut().zip(&c.data) {
                    *o = 0.0 + xi * cc;
                }
            }
        } else if n == 1 && k == 1 {
            out.data[0] = 0.0 + self.ddot(&x.data, &c.data);
        } else if n == 1 {
            self.gemv_t_threaded(&c.data, &x.data, &mut out.data);
        } else if k == 1 {
            self.gemv_t_threaded(&x.data, &c.data, &mut out.data);
        } else {
            self.gemm(x, c, &mut out);
        }
        out
    }

    /// Whether [`Blas::matmul_t_rows`] computes the rows of an n-row `X @
    /// C.T` (C k x d) block by block: the Fortran-ordered kernels, `d == 1`
    /// and the matrix-vector product (`k == 1`), whose values per row
    /// depend only on where the row sits in the whole call. The general
    /// dgemm (`k > 1` C-ordered) and one-row products are computed whole.
    pub fn splits_by_rows(&self, n: usize, k: usize, d: usize, c_fortran: bool) -> bool {
        n > 1 && k > 0 && d > 0 && (Self::fortran_kernel(n, k, d, c_fortran) || d == 1 || k == 1)
    }

    /// The branch of [`Blas::matmul_t`] for a Fortran-ordered C.
    fn fortran_kernel(n: usize, k: usize, d: usize, c_fortran: bool) -> bool {
        c_fortran && k > 1 && d > 1 && (n == 1 || k >= 4)
    }

    /// Rows `row0..row0 + rows` of [`Blas::matmul_t`] of an `n`-row X, from
    /// those rows of X (`x`, row-major, `rows x d`): the same values, bit
    /// for bit, as those rows of the whole product, where
    /// [`Blas::splits_by_rows`] holds (None otherwise). Lets a caller carry
    /// a block of rows through several products while it is in cache.
    /// `panel`: `pack8(c)` made once by a caller that multiplies by the
    /// same C block after block.
    pub fn matmul_t_rows(
        &self,
        x: &[f64],
        (c, panel): (&Mat, Option<&[f64]>),
        c_fortran: bool,
        n: usize,
        row0: usize,
    ) -> Option<Mat> {
        let d = c.cols.max(1);
        let mut out = Mat::zeros(x.len() / d, c.rows);
        let at = (n, row0);
        self.matmul_t_rows_into(x, (c, panel), c_fortran, at, Post::default(), &mut out.data)
            .then_some(out)
    }

    /// [`Blas::matmul_t_rows`] into `out` (`rows x k`, every element
    /// written, so it need not be zeroed), each value through `post` (the
    /// same as applying it afterwards). False, with `out` unspecified,
    /// where the product does not split or the sizes do not fit.
    pub(crate) fn matmul_t_rows_into(
        &self,
        x: &[f64],
        (c, panel): (&Mat, Option<&[f64]>),
        c_fortran: bool,
        (n, row0): (usize, usize),
        post: Post<'_>,
        out: &mut [f64],
    ) -> bool {
        let (k, d) = (c.rows, c.cols);
        if d == 0 || !x.len().is_multiple_of(d) || !self.splits_by_rows(n, k, d, c_fortran) {
            return false;
        }
        let rows = x.len() / d;
        let fits = row0.checked_add(rows).is_some_and(|end| end <= n);
        if !fits || out.len() != rows * k || post.bias.is_some_and(|b| b.len() != k) {
            return false;
        }
        if Self::fortran_kernel(n, k, d, c_fortran) {
            let blocks = k_blocks(d, self.params().q, None);
            let own;
            let panel = match panel {
                Some(p) => p,
                None => {
                    own = pack8(&c.data, k, d);
                    &own
                }
            };
            let dims = (rows, k, d);
            blocked_rows(
                (x, &c.data, panel),
                dims,
                &blocks,
                (|_| false, 0),
                post,
                out,
            );
            return true;
        }
        if d == 1 {
            for (o, &xi) in out.chunks_mut(k).zip(x) {
                for (o, cc) in o.iter_mut().zip(&c.data) {
                    *o = 0.0 + xi * cc;
                }
            }
        } else {
            // k == 1: the columns of the whole call's thread parts that
            // fall in this block, each with its place in its part
            out.fill(0.0);
            for (from, w) in self.gemv_parts(d, n) {
                let (lo, hi) = (from.max(row0), (from + w).min(row0 + rows));
                if lo < hi {
                    gemv_t(
                        &x[(lo - row0) * d..(hi - row0) * d],
                        &c.data,
                        &mut out[lo - row0..hi - row0],
                        lo - from,
                        w,
                    );
                }
            }
        }
        for row in out.chunks_mut(k) {
            row.iter_mut()
                .enumerate()
                .for_each(|(j, v)| *v = post.one(j, *v));
        }
        true
    }

    /// `cblas_ddot(a, b)`: split over the threads above 10,000 elements
    /// (`ceil(rest / threads_left)` each, partial results added in order
    /// to 0), each part by the core's kernel.
    pub fn ddot(&self, a: &[f64], b: &[f64]) -> f64 {
        let n = a.len().min(b.len());
        let part = |a: &[f64], b: &[f64]| match self.core {
            Core::SkylakeX => ddot_skylakex(a, b),
            _ => ddot_haswell(a, b),
        };
        if n <= DDOT_THREAD_MIN || self.threads <= 1 {
            return part(&a[..n], &b[..n]);
        }
        let (mut from, mut dot, mut cpu) = (0usize, 0.0f64, 0usize);
        while from < n {
            let left = n - from;
            let w = left.div_ceil(self.threads.saturating_sub(cpu).max(1));
            dot += part(&a[from..from + w], &b[from..from + w]);
            from += w;
            cpu += 1;
        }
        dot
    }

    /// Eight [`Blas::ddot`]s of one row `x` with eight rows `rows` (lane u
    /// of `rows[i]` is row u's element i): `ddot(x, row_u)`, or with `diff`
    /// `ddot(x - row_u, x - row_u)`; None where ddot would use threads.
    pub(crate) fn ddot8_rows(&self, x: &[f64], rows: &[L8], diff: bool) -> Option<L8> {
        if x.len().min(rows.len()) > DDOT_THREAD_MIN && self.threads > 1 {
            return None;
        }
        Some(match self.core {
            Core::SkylakeX => ddot::rows8_skylakex(x, rows, diff),
            _ => ddot::rows8_haswell(x, rows, diff),
        })
    }

    /// `cblas_dgemv(ColMajor, Trans)` with beta 0 as OpenBLAS runs it: the
    /// columns split over the threads (gemv_thread.c: widths
    /// `ceil(rest / threads_left)`, at least 4) when large enough.
    fn gemv_t_threaded(&self, a: &[f64], x: &[f64], y: &mut [f64]) {
        y.fill(0.0);
        let m = x.len();
        for (from, w) in self.gemv_parts(m, y.len()) {
            gemv_t(
                &a[from * m..(from + w) * m],
                x,
                &mut y[from..from + w],
                0,
                w,
            );
        }
    }

    /// The parts (first column, width) `dgemv_t` of `ncol` columns of
    /// length `m` is cut into, one per thread (gemv_thread.c), or one.
    fn gemv_parts(&self, m: usize, ncol: usize) -> Vec<(usize, usize)> {
        if m.saturating_mul(ncol) < GEMV_THREAD_MIN || self.threads <= 1 {
            return vec![(0, ncol)];
        }
        let (mut from, mut left, mut cpu) = (0usize, ncol, 0usize);
        let mut parts = Vec::with_capacity(self.threads);
        while left > 0 {
            let threads_left = self.threads.saturating_sub(cpu).max(1);
            let w = left.div_ceil(threads_left).max(4).min(left);
            parts.push((from, w));
            from += w;
            left -= w;
            cpu += 1;
        }
        parts
    }

    /// `cblas_dgemm` for `X @ C.T` with X n x d and C k x d, both C-ordered.
    fn gemm(&self, x: &Mat, c: &Mat, out: &mut Mat) {
        self.gemm_rows(
            &x.data,
            &c.data,
            None,
            (x.rows, c.rows, x.cols),
            &mut out.data,
        );
    }

    /// `dgemm` called directly, not through numpy's matmul (whose dispatch
    /// sends one row or one column to dgemv): `X @ C.T` (n x k, row-major)
    /// for row-major X n x d and C k x d, as `dgemm(T, N, M = k, N = n, K =
    /// d)` computes it with alpha 1 and beta 0 on `self.threads` threads.
    /// scikit-learn's `_gemm` (RowMajor, NoTrans, Trans) is this call; its
    /// alpha of -2 scales each K block's sum exactly, so callers multiply.
    /// `panel`: `pack8(c, k, d)` made once by a caller that multiplies by
    /// the same C many times.
    pub(crate) fn dgemm_nt(
        &self,
        x: &[f64],
        c: &[f64],
        panel: Option<&[f64]>,
        (n, k, d): (usize, usize, usize),
    ) -> Vec<f64> {
        let mut out = vec![0.0; n * k];
        if n == 0 || k == 0 || d == 0 || x.len() != n * d || c.len() != k * d {
            return out;
        }
        self.gemm_rows(x, c, panel, (n, k, d), &mut out);
        out
    }

    fn gemm_rows(
        &self,
        x: &[f64],
        c: &[f64],
        panel: Option<&[f64]>,
        (n, k, d): (usize, usize, usize),
        out: &mut [f64],
    ) {
        let xrow = |i: usize| &x[i * d..(i + 1) * d];
        let crow = |j: usize| &c[j * d..(j + 1) * d];
        if self.core == Core::SkylakeX && small_tn_permit(k, n, d) {
            for (i, orow) in out.chunks_mut(k).enumerate() {
                let xr = xrow(i);
                let pair_reduce = i >= n & !3;
                for (j, o) in orow.iter_mut().enumerate() {
                    let lanes = lanes8(crow(j), xr);
                    // coef rows in a group of 4, or samples in a group of 4:
                    // REDUCE_4; otherwise _mm512_reduce_add_pd
                    *o = if j < k & !3 || !pair_reduce {
                        reduce4(&lanes)
                    } else {
                        reduce_add(&lanes)
                    };
                }
            }
            return;
        }
        let p = self.params();
        let plan = self.gemm_plan(k, n, d);
        let blocks = k_blocks(
            d,
            p.q,
            if plan.threaded {
                None
            } else {
                Some(p.unroll_m)
            },
        );
        // Haswell's kernel sums the last column of an odd-width column chunk
        // with four accumulators for rows in a group of four (KERNEL4x1).
        let haswell = self.core != Core::SkylakeX;
        let four = k & !3;
        let own;
        let panel = match panel {
            Some(p) => p,
            None => {
                own = if n >= 4 { pack8(c, k, d) } else { Vec::new() };
                &own
            }
        };
        blocked_rows(
            (x, c, panel),
            (n, k, d),
            &blocks,
            (
                |i| haswell && plan.singles.is_none() && plan.single_column(i),
                four,
            ),
            Post::default(),
            out,
        );
        for &((j0, j1), i) in plan.singles.iter().flatten() {
            if i < n {
                for j in j0..j1.min(k) {
                    out[i * k + j] = blocked(xrow(i), crow(j), &blocks, true);
                }
            }
        }
        for cell in &plan.split {
            for i in cell.cols.0..cell.cols.1.min(n) {
                for j in cell.rows.0..cell.rows.1.min(k) {
                    out[i * k + j] = wide::element(xrow(i), crow(j), &blocks, cell.split);
                }
            }
        }
    }

    /// How the driver splits an `M = k, N = n, K = d` product (interface/gemm.c,
    /// level3_thread.c): serial or threaded, and which columns (samples) end an
    /// odd-width chunk handed to the kernel.
    fn gemm_plan(&self, m: usize, n: usize, kk: usize) -> GemmPlan {
        let p = self.params();
        let mnk = m as f64 * n as f64 * kk as f64;
        let mut nt = 1usize;
        if mnk > GEMM_SMP_MIN {
            nt = self.threads;
            if mnk / (nt as f64) < GEMM_SMP_MIN {
                nt = (mnk / GEMM_SMP_MIN) as usize;
            }
        }
        let sr = p.switch_ratio;
        let (mut ntm, mut ntn) = (1usize, 1usize);
        if nt > 1 {
            if m >= 2 * sr {
                ntm = nt;
                while ntm > 1 && m < ntm * sr {
                    ntm /= 2;
                }
            }
            if n >= sr * ntm {
                ntn = n.div_ceil(sr * ntm);
                if ntm * ntn > nt {
                    ntn = nt / ntm.max(1);
                }
                while ntm % 2 == 0 && n * ntm + m * ntn > n * (ntm / 2) + m * (ntn * 2) {
                    ntm /= 2;
                    ntn *= 2;
                }
            }
        }
        let threaded = ntm * ntn > 1;
        // chunk ends: (start, len) of each column chunk the kernel is called on
        let mut chunks: Vec<(usize, usize)> = Vec::new();
        let cut = |from: usize, to: usize, chunks: &mut Vec<(usize, usize)>| {
            chunks.extend(wide::narrow_chunks(from, to, p.unroll_n));
        };
        if !threaded {
            let mut js = 0;
            while js < n {
                let w = (n - js).min(p.r);
                cut(js, js + w, &mut chunks);
                js += w;
            }
        } else {
            let threads = ntm * ntn;
            let mut js = 0;
            while js < n {
                let step = (n - js).min(p.r * threads);
                let mut ranges = Vec::new();
                let (mut left, mut from, mut parts) = (step as i64, js, 0usize);
                while left > 0 {
                    let mut w = (left as usize).div_ceil(threads.saturating_sub(parts).max(1));
                    if w < sr && w > 1 {
                        w = sr;
                    }
                    left -= w as i64;
                    if left < 0 {
                        w = (w as i64 + left) as usize;
                    }
                    ranges.push((from, from + w));
                    from += w;
                    parts += 1;
                }
                for (a, b) in ranges {
                    let div_n = (b - a).div_ceil(2).max(1);
                    let mut s = a;
                    while s < b {
                        let e = b.min(s + div_n);
                        cut(s, e, &mut chunks);
                        s = e;
                    }
                }
                js += step;
            }
        }
        let layout = wide::Layout {
            m,
            n,
            ntm: if threaded { ntm } else { 1 },
            threads: if threaded { ntm * ntn } else { 1 },
            switch_ratio: sr,
            r: p.r,
            p: p.p,
            unroll_m: p.unroll_m,
            unroll_n: p.unroll_n,
            preferred: p.preferred,
        };
        let split = if self.core == Core::SkylakeX {
            wide::split_cells(&layout)
        } else {
            Vec::new()
        };
        // Haswell with M split over threads: the single-column cells per
        // call (the chunk ends below assume one set of calls for all rows)
        let singles = (self.core != Core::SkylakeX && threaded && ntm > 1)
            .then(|| wide::single_cells(&layout));
        GemmPlan {
            threaded,
            split,
            singles,
            ends: chunks
                .into_iter()
                .filter(|&(_, w)| w % 2 == 1)
                .map(|(s, w)| s + w - 1)
                .collect(),
        }
    }
}

/// The driver's decisions for one dgemm call.
struct GemmPlan {
    threaded: bool,
    /// SkylakeX: the cells its kernel computes with split chains
    split: Vec<wide::Cells>,
    /// Haswell with M split over threads: (rows, column) cells of the
    /// single-column kernel, replacing `ends`
    singles: Option<Vec<((usize, usize), usize)>>,
    /// Columns (samples) that are the last of an odd-width chunk, ascending.
    ends: Vec<usize>,
}

impl GemmPlan {
    fn single_column(&self, i: usize) -> bool {
        self.ends.binary_search(&i).is_ok()
    }
}

/// The K blocks of the blocked driver: `q` while at least `2q` remain, then
/// half of the rest (`(rest + 1) / 2` threaded, rounded up to `unroll_m`
/// serial), then the rest.
fn k_blocks(k: usize, q: usize, serial_unroll_m: Option<usize>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut ls = 0;
    while ls < k {
        let rest = k - ls;
        let l = if rest >= 2 * q {
            q
        } else if rest > q {
            match serial_unroll_m {
                Some(u) => (rest / 2).div_ceil(u) * u,
                None => rest.div_ceil(2),
            }
        } else {
            rest
        };
        out.push((ls, l));
        ls += l;
    }
    out
}

/// One output element of the blocked dgemm: per K block a dot from 0 (FMA in
/// order, or Haswell's four-accumulator single-column kernel), added to the
/// output (zeroed first, beta = 0; alpha = 1 is exact).
#[inline(always)]
fn blocked_any(a: &[f64], b: &[f64], blocks: &[(usize, usize)], four: bool) -> f64 {
    let mut c = 0.0f64;
    for &(s, l) in blocks {
        let (a, b) = (&a[s..s + l], &b[s..s + l]);
        c += if four {
            four_acc(a, b)
        } else {
            fma_dot_any(a, b)
        };
    }
    c
}

fma_dispatch! {
    fn blocked(a: &[f64], b: &[f64], blocks: &[(usize, usize)], four: bool) -> f64 = blocked_any;
}

/// dgemm_kernel_4x8_haswell's KERNEL4x1: the first `len & !7` products go
/// to four accumulators by index mod 4, the rest to the first, then
/// `(a0 + a1) + (a2 + a3)`.
#[inline(always)]
fn four_acc(a: &[f64], b: &[f64]) -> f64 {
    let main = a.len() & !7;
    let mut acc = [0.0f64; 4];
    for i in 0..main {
        acc[i & 3] = a[i].mul_add(b[i], acc[i & 3]);
    }
    for i in main..a.len() {
        acc[0] = a[i].mul_add(b[i], acc[0]);
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// `sum_k a[k] * b[k]` with fused multiply-adds in index order, from 0
/// (what OpenBLAS's dgemm kernels do per output element).
#[inline(always)]
fn fma_dot_any(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        acc = x.mul_add(*y, acc);
    }
    acc
}

fma_dispatch! {
    /// [`fma_dot_any`] for other modules.
    pub(crate) fn fma_dot(a: &[f64], b: &[f64]) -> f64 = fma_dot_any;
}

/// One `dgemv_t` call (one thread) of `ncol` columns, of which `y` holds
/// columns `j0..j0 + y.len()`: `y[j] += a_j . x` for the `y.len()` rows
/// `a_j` of `a` (row length `x.len()`), `y` zeroed by the caller. A
/// column's kernel depends on its place `j0 + j` among the `ncol`.
///
/// The dot is cut into blocks of up to 2048 elements (a multiple of 4);
/// per block, the columns go four at a time to the 4x4 micro-kernel (4
/// FMA lanes by element index mod 4, `(l0 + l2) + (l1 + l3)`), then a pair
/// to the 4x2 kernel (2 lanes, multiply then add, `l0 + l1`), then a last
/// odd column to the 4x1 kernel (4 lanes, multiply then add, `(l0 + l2) +
/// (l1 + l3)`); each block result is added to `y`. The last `d % 4`
/// elements are then added to `y` as gcc contracted the C:
/// `y = fma(a0, x0, y)`, `y + fma(a0, x0, a1 * x1)` or
/// `y + fma(a2, x2, fma(a0, x0, a1 * x1))`.
#[inline(always)]
fn gemv_t_any(a: &[f64], x: &[f64], y: &mut [f64], j0: usize, ncol: usize) {
    let m = x.len();
    let m3 = m & 3;
    let main = m - m3;
    let g4 = ncol & !3;
    let g2 = g4 + (ncol & 2);
    let mut start = 0;
    while start < main {
        let nb = (main - start).min(GEMV_NBMAX);
        let xs = &x[start..start + nb];
        for (j, yj) in y.iter_mut().enumerate() {
            let col = &a[j * m + start..j * m + start + nb];
            let at = j0 + j;
            let t = if at < g4 {
                let mut acc = [0.0f64; 4];
                for (ac, xc) in col.chunks_exact(4).zip(xs.chunks_exact(4)) {
                    for l in 0..4 {
                        acc[l] = ac[l].mul_add(xc[l], acc[l]);
                    }
                }
                (acc[0] + acc[2]) + (acc[1] + acc[3])
            } else if at < g2 {
                let mut acc = [0.0f64; 2];
                for (ac, xc) in col.chunks_exact(2).zip(xs.chunks_exact(2)) {
                    for l in 0..2 {
                        acc[l] += ac[l] * xc[l];
                    }
                }
                acc[0] + acc[1]
            } else {
                let mut acc = [0.0f64; 4];
                for (ac, xc) in col.chunks_exact(4).zip(xs.chunks_exact(4)) {
                    for l in 0..4 {
                        acc[l] += ac[l] * xc[l];
                    }
                }
                (acc[0] + acc[2]) + (acc[1] + acc[3])
            };
            *yj += t;
        }
        start += nb;
    }
    if m3 == 0 {
        return;
    }
    let xt = &x[main..];
    for (j, yj) in y.iter_mut().enumerate() {
        let at = &a[j * m + main..(j + 1) * m];
        match m3 {
            1 => *yj = at[0].mul_add(xt[0], *yj),
            2 => *yj += at[0].mul_add(xt[0], at[1] * xt[1]),
            _ => *yj += at[2].mul_add(xt[2], at[0].mul_add(xt[0], at[1] * xt[1])),
        }
    }
}

fma_dispatch! {
    fn gemv_t(a: &[f64], x: &[f64], y: &mut [f64], j0: usize, ncol: usize) = gemv_t_any;
}

/// `dgemm_small_matrix_permit_SKYLAKEX` for transa = T, transb = N (what
/// a RowMajor `X @ C.T` becomes): M = k, N = n, K = d.
fn small_tn_permit(k: usize, n: usize, d: usize) -> bool {
    let mnk = k as f64 * n as f64 * d as f64;
    mnk <= 1e6 && k.saturating_mul(n) < 1201 && d >= 32
}

/// dgemm_small_kernel_b0_tn_skylakex: 8 FMA lanes by index mod 8 (the
/// masked tail adds `0 * 0` to the unused lanes).
#[inline(always)]
fn lanes8_any(a: &[f64], b: &[f64]) -> [f64; 8] {
    let mut acc = [0.0f64; 8];
    let mut ac = a.chunks_exact(8);
    let mut bc = b.chunks_exact(8);
    for (x, y) in (&mut ac).zip(&mut bc) {
        for l in 0..8 {
            acc[l] = x[l].mul_add(y[l], acc[l]);
        }
    }
    let (ra, rb) = (ac.remainder(), bc.remainder());
    if !ra.is_empty() {
        for (l, al) in acc.iter_mut().enumerate() {
            let (x, y) = match (ra.get(l), rb.get(l)) {
                (Some(x), Some(y)) => (*x, *y),
                _ => (0.0, 0.0),
            };
            *al = x.mul_add(y, *al);
        }
    }
    acc
}

fma_dispatch! {
    fn lanes8(a: &[f64], b: &[f64]) -> [f64; 8] = lanes8_any;
}

/// The kernel's REDUCE_4 (unpack / permute / add) for one accumulator.
fn reduce4(a: &[f64; 8]) -> f64 {
    ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
}

/// gcc's `_mm512_reduce_add_pd`: halves, then quarters, then the pair.
fn reduce_add(a: &[f64; 8]) -> f64 {
    let t: [f64; 4] = [a[4] + a[0], a[5] + a[1], a[6] + a[2], a[7] + a[3]];
    (t[2] + t[0]) + (t[3] + t[1])
}

/// (AVX-512 F/CD/BW/DQ/VL, AVX512-BF16, AVX2 + FMA) of this CPU.
fn cpu_features() -> (bool, bool) {
    #[cfg(target_arch = "x86_64")]
    {
        let avx512 = std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512cd")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512dq")
            && std::is_x86_feature_detected!("avx512vl");
        let avx2 = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
        (avx512, avx2)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        (false, false)
    }
}

#[cfg(test)]
mod tests;
