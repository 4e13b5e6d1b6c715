//! A scipy CSR matrix as scikit-learn's text vectorizers return it: each
//! row's stored entries in column order. Between a vectorizer and the step
//! after it the entries are all there is: a 10,000-document batch over a
//! 4,000-term vocabulary is some 150,000 entries, where a dense matrix is
//! 40 million numbers to zero, fill and scan. Steps that compute on CSR as
//! scikit-learn does read it as it is ([`Csr::matmul_t`]); any other step
//! gets the dense matrix ([`Csr::to_dense`], the same numbers).

use crate::data::{Mat, Output};
use crate::error::input;

/// At most this many values of a CSR matrix are made dense at once
/// ([`Csr::dense_chunks`]): 32 MiB of float64.
const DENSE_CHUNK: usize = 1 << 22;

/// Rows of stored (column, value) entries, columns ascending in each row.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    pub rows: usize,
    pub cols: usize,
    /// Row `i`'s entries are `indptr[i]..indptr[i + 1]` of `indices` and
    /// `data`.
    indptr: Vec<usize>,
    indices: Vec<usize>,
    data: Vec<f64>,
}

impl Csr {
    /// No rows yet, `cols` wide.
    pub fn new(cols: usize) -> Csr {
        Csr {
            rows: 0,
            cols,
            indptr: vec![0],
            indices: Vec::new(),
            data: Vec::new(),
        }
    }

    /// A scipy CSR matrix given as its arrays (`indptr`, `indices`, `data`
    /// of a matrix `rows x cols`), in canonical form: every row's columns
    /// strictly ascending. The error says what is wrong and where; an
    /// unsorted row or a duplicate entry is refused rather than computed in
    /// another order than scikit-learn's (`X.sum_duplicates()` makes the
    /// matrix canonical).
    pub fn from_parts(
        shape: (usize, usize),
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<f64>,
    ) -> Result<Csr, String> {
        Csr::checked(shape, indptr, indices, data, true)
    }

    /// [`Csr::from_parts`]'s checks; `canonical`: also every row's columns
    /// strictly ascending.
    fn checked(
        (rows, cols): (usize, usize),
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<f64>,
        canonical: bool,
    ) -> Result<Csr, String> {
        if indptr.len() != rows.saturating_add(1) {
            return Err(format!(
                "a sparse matrix of {rows} rows has {} row pointers (indptr), not {}",
                indptr.len(),
                rows.saturating_add(1)
            ));
        }
        if indices.len() != data.len() {
            return Err(format!(
                "a sparse matrix has {} column indices and {} values",
                indices.len(),
                data.len()
            ));
        }
        if indptr.first() != Some(&0) || indptr.last() != Some(&data.len()) {
            return Err(format!(
                "a sparse matrix's row pointers (indptr) must run from 0 to its {} stored entries",
                data.len()
            ));
        }
        for (i, w) in indptr.windows(2).enumerate() {
            let (a, b) = (w[0], w[1]);
            let Some(row) = indices.get(a..b) else {
                return Err(format!(
                    "a sparse matrix's row pointers (indptr) at row {i} ({a}..{b}) decrease or \
                     pass its {} stored entries",
                    indices.len()
                ));
            };
            if let Some(&j) = row.iter().find(|&&j| j >= cols) {
                return Err(format!(
                    "row {i} of a sparse matrix {cols} columns wide has an entry in column {j}"
                ));
            }
            let unsorted = || row.windows(2).position(|p| p[0] >= p[1]);
            if let Some(k) = canonical.then(unsorted).flatten() {
                return Err(format!(
                    "row {i} of a sparse matrix has its columns unsorted or repeated \
                     (column {} then {}); call X.sum_duplicates() first, which sorts them and \
                     adds repeated entries",
                    row[k],
                    row[k + 1]
                ));
            }
        }
        Ok(Csr {
            rows,
            cols,
            indptr,
            indices,
            data,
        })
    }

    /// The non-zero entries of a dense matrix (`sp.csr_matrix(X)`).
    pub fn from_dense(m: &Mat) -> Csr {
        let mut c = Csr::new(m.cols);
        let mut row = Vec::new();
        for i in 0..m.rows {
            row.clear();
            row.extend(
                m.row(i)
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| **v != 0.0)
                    .map(|(j, v)| (j, *v)),
            );
            c.push_row(&row);
        }
        c
    }

    /// Append a row of entries (columns ascending, each below `cols`: the
    /// callers make them so; an entry past the width is dropped rather than
    /// stored out of bounds).
    pub fn push_row(&mut self, entries: &[(usize, f64)]) {
        for &(j, v) in entries {
            if j < self.cols {
                self.indices.push(j);
                self.data.push(v);
            }
        }
        self.indptr.push(self.indices.len());
        self.rows += 1;
    }

    /// Row `i`'s columns and values (empty past the last row).
    pub fn row(&self, i: usize) -> (&[usize], &[f64]) {
        match (self.indptr.get(i), self.indptr.get(i + 1)) {
            (Some(&a), Some(&b)) => (&self.indices[a..b], &self.data[a..b]),
            _ => (&[], &[]),
        }
    }

    /// Row `i`'s values, to change in place.
    pub fn row_values_mut(&mut self, i: usize) -> (&[usize], &mut [f64]) {
        match (self.indptr.get(i), self.indptr.get(i + 1)) {
            (Some(&a), Some(&b)) => (&self.indices[a..b], &mut self.data[a..b]),
            _ => (&[], &mut []),
        }
    }

    /// Every stored value.
    pub fn values(&self) -> &[f64] {
        &self.data
    }

    /// Every stored value, to change in place (their columns stay).
    pub fn values_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// The dense matrix (`X.toarray()`).
    /// `f` on the rows made dense a few at a time (at most [`DENSE_CHUNK`]
    /// values, at least one row, each time), the outputs stacked: what a
    /// step that reads dense rows (a tree walk) takes of a wide matrix, such
    /// as HashingVectorizer's 2**20 columns, without making it dense whole.
    pub fn dense_chunks(
        &self,
        f: impl Fn(Mat) -> crate::error::Result<Output>,
    ) -> crate::error::Result<Output> {
        let per = (DENSE_CHUNK / self.cols.max(1)).max(1);
        if self.rows <= per {
            return f(self.to_dense());
        }
        let rows: Vec<usize> = (0..self.rows).collect();
        let parts = rows
            .chunks(per)
            .map(|r| f(self.take_rows(r).to_dense()))
            .collect::<crate::error::Result<Vec<Output>>>()?;
        Output::concat(parts).ok_or_else(|| input("row chunks gave results of different shapes"))
    }

    pub fn to_dense(&self) -> Mat {
        let mut m = Mat::zeros(self.rows, self.cols);
        for i in 0..self.rows {
            let (idx, val) = self.row(i);
            let out = m.row_mut(i);
            for (&j, &v) in idx.iter().zip(val) {
                out[j] = v;
            }
        }
        m
    }

    /// Some rows (for batching).
    pub fn take_rows(&self, rows: &[usize]) -> Csr {
        let mut out = Csr::new(self.cols);
        for &i in rows {
            let (idx, val) = self.row(i);
            out.indices.extend_from_slice(idx);
            out.data.extend_from_slice(val);
            out.indptr.push(out.indices.len());
            out.rows += 1;
        }
        out
    }

    /// The rows of `parts` one after the other; `None` unless all have the
    /// same width.
    pub fn stack<'a>(parts: impl IntoIterator<Item = &'a Csr>) -> Option<Csr> {
        let mut it = parts.into_iter();
        let first = it.next()?;
        let mut out = first.clone();
        for p in it {
            if p.cols != out.cols {
                return None;
            }
            for i in 0..p.rows {
                let (idx, val) = p.row(i);
                out.indices.extend_from_slice(idx);
                out.data.extend_from_slice(val);
                out.indptr.push(out.indices.len());
            }
            out.rows += p.rows;
        }
        Some(out)
    }

    /// `X @ W.T` (W: k x cols): scipy's `csr_matvec` / `csr_matvecs`, per
    /// row and output `y += x_j * w_j` over the stored entries in column
    /// order, starting from 0. A stored zero adds a zero, which changes no
    /// sum (y starts at +0 and never becomes -0), so it is passed over.
    pub fn matmul_t(&self, w: &Mat) -> Mat {
        let k = w.rows;
        let mut out = Mat::zeros(self.rows, k);
        for i in 0..self.rows {
            let (idx, val) = self.row(i);
            let o = out.row_mut(i);
            for (&j, &a) in idx.iter().zip(val) {
                if a != 0.0 && j < w.cols {
                    for (c, y) in o.iter_mut().enumerate() {
                        *y += a * w.data[c * w.cols + j];
                    }
                }
            }
        }
        out
    }
}

/// A scipy CSR matrix read as it is stored, for the readers that follow
/// scipy's stored order and nothing else: a row's columns may be unsorted
/// (as `CountVectorizer.fit_transform` leaves a model's `_fit_X`) or
/// repeated; the bounds are checked as [`Csr::from_parts`] checks them. It
/// offers the rows as stored, never a [`Csr`], whose readers rely on
/// ascending columns.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCsr(Csr);

impl StoredCsr {
    /// [`Csr::from_parts`] without the order check.
    pub fn from_parts(
        shape: (usize, usize),
        indptr: Vec<usize>,
        indices: Vec<usize>,
        data: Vec<f64>,
    ) -> Result<StoredCsr, String> {
        Csr::checked(shape, indptr, indices, data, false).map(StoredCsr)
    }

    /// A canonical matrix, read the same way.
    pub fn from_csr(c: Csr) -> StoredCsr {
        StoredCsr(c)
    }

    pub fn rows(&self) -> usize {
        self.0.rows
    }

    pub fn cols(&self) -> usize {
        self.0.cols
    }

    /// Row `i`'s columns and values in stored order (empty past the last
    /// row).
    pub fn row(&self, i: usize) -> (&[usize], &[f64]) {
        self.0.row(i)
    }

    /// Every stored entry as (row, column, value), row by row in stored
    /// order.
    pub fn entries(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        (0..self.0.rows).flat_map(move |i| {
            let (idx, val) = self.0.row(i);
            idx.iter().zip(val).map(move |(&j, &v)| (i, j, v))
        })
    }
}

/// The divisor scikit-learn's `inplace_csr_row_normalize_l1` (`l2` false:
/// the sum of absolute values) or `_l2` (the square root of the sum of
/// squares) divides one row's stored values by, summed in stored order;
/// `None` when the sum is 0 (the row is left as it is).
pub fn row_norm(values: impl Iterator<Item = f64>, l2: bool) -> Option<f64> {
    let s = if l2 {
        values.fold(0.0, |s, v| s + v * v)
    } else {
        values.fold(0.0, |s, v| s + v.abs())
    };
    match (s == 0.0, l2) {
        (true, _) => None,
        (false, true) => Some(s.sqrt()),
        (false, false) => Some(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Csr {
        let mut c = Csr::new(5);
        c.push_row(&[(0, 1.5), (3, -2.0)]);
        c.push_row(&[]);
        c.push_row(&[(1, 0.0), (4, 0.25)]);
        c
    }

    #[test]
    fn dense_rows_and_stacking_agree() {
        let c = sample();
        let d = c.to_dense();
        assert_eq!(d.rows, 3);
        assert_eq!(d.row(0), &[1.5, 0.0, 0.0, -2.0, 0.0]);
        assert_eq!(d.row(1), &[0.0; 5]);
        assert_eq!(d.row(2), &[0.0, 0.0, 0.0, 0.0, 0.25]);
        let t = c.take_rows(&[2, 0]);
        assert_eq!(t.to_dense().row(0), d.row(2));
        assert_eq!(t.to_dense().row(1), d.row(0));
        let s = Csr::stack([&c, &t]).unwrap_or_else(|| Csr::new(0));
        assert_eq!(s.rows, 5);
        assert_eq!(s.to_dense().row(4), d.row(0));
        assert!(Csr::stack([&c, &Csr::new(4)]).is_none());
        assert_eq!(c.row(7), (&[][..], &[][..]));
    }

    #[test]
    fn from_parts_takes_canonical_matrices_and_says_what_is_wrong_otherwise() {
        let ok = Csr::from_parts(
            (3, 5),
            vec![0, 2, 2, 4],
            vec![0, 3, 1, 4],
            vec![1.5, -2.0, 0.0, 0.25],
        );
        assert_eq!(ok, Ok(sample()));
        let bad = |shape, p: Vec<usize>, i: Vec<usize>, n: usize| {
            Csr::from_parts(shape, p, i, vec![1.0; n])
                .err()
                .unwrap_or_default()
        };
        assert!(bad((2, 5), vec![0, 1], vec![0], 1).contains("2 row pointers"));
        assert!(bad((1, 5), vec![0, 2], vec![0], 1).contains("from 0 to its 1"));
        assert!(bad((1, 5), vec![1, 1], vec![0], 1).contains("from 0"));
        assert!(bad((2, 5), vec![0, 2, 1], vec![0], 1).contains("at row 0 (0..2)"));
        assert!(bad((3, 5), vec![0, 1, 0, 1], vec![0], 1).contains("at row 1 (1..0) decrease"));
        assert!(bad((1, 5), vec![0, 1], vec![5], 1).contains("column 5"));
        assert!(bad((1, 5), vec![0, 2], vec![3, 1], 2).contains("unsorted or repeated"));
        assert!(bad((1, 5), vec![0, 2], vec![2, 2], 2).contains("column 2 then 2"));
        let r = Csr::from_parts((1, 5), vec![0, 1], vec![0, 1], vec![1.0]);
        assert!(r.is_err_and(|e| e.contains("2 column indices and 1 values")));
    }

    #[test]
    fn product_is_the_sequential_sum_over_stored_entries() {
        let c = sample();
        let w = Mat {
            rows: 2,
            cols: 5,
            data: vec![0.1, 0.2, 0.3, 0.4, 0.5, -1.0, 2.0, -3.0, 4.0, -5.0],
        };
        let p = c.matmul_t(&w);
        // in stored order from 0: row 0 holds 1.5 at column 0, -2 at column 3
        let (a, b) = (1.5, -2.0);
        let row0 = [(0.0 + a * 0.1) + b * 0.4, (0.0 + a * w.data[5]) + b * 4.0];
        assert_eq!(p.row(0), &row0);
        assert_eq!(p.row(1), &[0.0, 0.0]);
        assert_eq!(p.row(2), &[0.0 + 0.25 * 0.5, 0.0 + 0.25 * w.data[9]]);
    }

    #[test]
    fn an_entry_past_the_width_is_not_stored() {
        let mut c = Csr::new(2);
        c.push_row(&[(1, 1.0), (2, 9.0)]);
        assert_eq!(c.values(), &[1.0]);
        assert_eq!(c.to_dense().row(0), &[0.0, 1.0]);
    }
}
