//! Inputs and outputs: a dense row-major f64 matrix, a column table for mixed
//! types, class labels and method results.

use std::borrow::Cow;

use crate::csr::Csr;
use crate::error::{input, Result};

/// A dense row-major matrix of f64.
#[derive(Debug, Clone, PartialEq)]
pub struct Mat {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Mat {
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Result<Mat> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(input(format!(
                "{} values do not make a {rows} x {cols} matrix",
                data.len()
            )));
        }
        Ok(Mat { rows, cols, data })
    }
    pub fn zeros(rows: usize, cols: usize) -> Mat {
        Mat {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }
    /// Columns `idx` of every row, in that order.
    pub fn select(&self, idx: &[usize]) -> Mat {
        let mut data = Vec::with_capacity(self.rows * idx.len());
        for i in 0..self.rows {
            let r = self.row(i);
            data.extend(idx.iter().map(|&j| r[j]));
        }
        Mat {
            rows: self.rows,
            cols: idx.len(),
            data,
        }
    }
    /// Side-by-side concatenation (numpy's hstack).
    pub fn hstack(parts: &[Mat], rows: usize) -> Mat {
        let cols: usize = parts.iter().map(|p| p.cols).sum();
        let mut data = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            for p in parts {
                data.extend_from_slice(p.row(i));
            }
        }
        Mat { rows, cols, data }
    }
}

/// The column name under which a 1-D list of strings (documents for a text
/// vectorizer) arrives, as a one-column [`Table`]; `skseal.native` uses it.
pub const TEXT_INPUT: &str = "<1-D text>";

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers; NaN is a missing value.
    F64(Vec<f64>),
    /// Strings; `None` is a missing value.
    Str(Vec<Option<String>>),
    /// Strings stored once each with a code per row (pandas' `factorize`).
    Codes(Codes),
}

/// The code of a missing value in [`Codes`].
pub const MISSING_CODE: u32 = u32::MAX;

/// A string column as distinct values and one code per row (an index into
/// the values, or [`MISSING_CODE`]): what `skseal.native` sends for a
/// DataFrame's string columns, so that no string is copied per row and an
/// encoder looks up each distinct value once.
#[derive(Debug, Clone, PartialEq)]
pub struct Codes {
    values: Vec<String>,
    codes: Vec<u32>,
}

impl Codes {
    /// Checks that every code names a value or is [`MISSING_CODE`].
    pub fn new(values: Vec<String>, codes: Vec<u32>) -> Result<Codes> {
        if values.len() >= MISSING_CODE as usize {
            return Err(input(format!(
                "{} distinct strings in one column",
                values.len()
            )));
        }
        let n = values.len() as u32;
        if let Some(c) = codes.iter().find(|&&c| c >= n && c != MISSING_CODE) {
            return Err(input(format!(
                "string code {c} for a column of {n} distinct values"
            )));
        }
        Ok(Codes { values, codes })
    }
    pub fn values(&self) -> &[String] {
        &self.values
    }
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }
    /// The string of row `i` (None when missing).
    pub fn get(&self, i: usize) -> Option<&str> {
        self.values.get(self.codes[i] as usize).map(String::as_str)
    }
    /// One string per row.
    pub fn to_strings(&self) -> Vec<Option<String>> {
        self.codes
            .iter()
            .map(|&c| self.values.get(c as usize).cloned())
            .collect()
    }
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::F64(v) => v.len(),
            Column::Str(v) => v.len(),
            Column::Codes(c) => c.codes.len(),
        }
    }
    /// The strings of a string column, one per row (None for numbers).
    pub fn strings(&self) -> Option<Cow<'_, [Option<String>]>> {
        match self {
            Column::F64(_) => None,
            Column::Str(v) => Some(Cow::Borrowed(v.as_slice())),
            Column::Codes(c) => Some(Cow::Owned(c.to_strings())),
        }
    }
    /// Whether the column holds strings.
    pub fn is_text(&self) -> bool {
        !matches!(self, Column::F64(_))
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn take(&self, rows: &[usize]) -> Column {
        match self {
            Column::F64(v) => Column::F64(rows.iter().map(|&i| v[i]).collect()),
            Column::Str(v) => Column::Str(rows.iter().map(|&i| v[i].clone()).collect()),
            Column::Codes(c) => Column::Codes(Codes {
                values: c.values.clone(),
                codes: rows.iter().map(|&i| c.codes[i]).collect(),
            }),
        }
    }
}

/// Named columns of possibly different types (a DataFrame).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub names: Vec<String>,
    pub columns: Vec<Column>,
    pub rows: usize,
}

impl Table {
    pub fn new(names: Vec<String>, columns: Vec<Column>) -> Result<Table> {
        if names.len() != columns.len() {
            return Err(input(format!(
                "{} column names for {} columns",
                names.len(),
                columns.len()
            )));
        }
        let rows = columns.first().map_or(0, Column::len);
        if let Some((n, c)) = names.iter().zip(&columns).find(|(_, c)| c.len() != rows) {
            return Err(input(format!(
                "column {n:?} has {} rows, the first column has {rows}",
                c.len()
            )));
        }
        Ok(Table {
            names,
            columns,
            rows,
        })
    }
    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.position(name).and_then(|i| self.columns.get(i))
    }
    /// Some rows of every column.
    pub fn take_rows(&self, rows: &[usize]) -> Table {
        Table {
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| c.take(rows)).collect(),
            rows: rows.len(),
        }
    }
}

/// Data flowing through a model: numbers only, or a table of mixed columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Dense(Mat),
    Table(Table),
    /// A text vectorizer's scipy CSR matrix (read as it is by the steps that
    /// compute on CSR, densified for the others).
    Csr(Csr),
}

impl Data {
    pub fn rows(&self) -> usize {
        match self {
            Data::Dense(m) => m.rows,
            Data::Table(t) => t.rows,
            Data::Csr(c) => c.rows,
        }
    }
    pub fn cols(&self) -> usize {
        match self {
            Data::Dense(m) => m.cols,
            Data::Table(t) => t.columns.len(),
            Data::Csr(c) => c.cols,
        }
    }
    /// The numbers, for steps that take numbers only.
    pub fn into_dense(self, step: &str) -> Result<Mat> {
        match self {
            Data::Dense(m) => Ok(m),
            Data::Csr(c) => Ok(c.to_dense()),
            Data::Table(t) => {
                let mut data = vec![0.0; t.rows * t.columns.len()];
                let w = t.columns.len();
                for (j, (name, c)) in t.names.iter().zip(&t.columns).enumerate() {
                    match c {
                        Column::F64(v) => {
                            for (i, x) in v.iter().enumerate() {
                                data[i * w + j] = *x;
                            }
                        }
                        Column::Str(_) | Column::Codes(_) => {
                            return Err(input(format!(
                                "column {name:?} holds strings, but {step} takes numbers only; \
                                 encode it first (for example with a OneHotEncoder in a ColumnTransformer)"
                            )))
                        }
                    }
                }
                Ok(Mat {
                    rows: t.rows,
                    cols: w,
                    data,
                })
            }
        }
    }
    pub fn names(&self) -> Option<&[String]> {
        match self {
            Data::Dense(_) | Data::Csr(_) => None,
            Data::Table(t) => Some(&t.names),
        }
    }
    /// Some rows (for batching).
    pub fn take_rows(&self, rows: &[usize]) -> Data {
        match self {
            Data::Dense(m) => {
                let mut data = Vec::with_capacity(rows.len() * m.cols);
                for &i in rows {
                    data.extend_from_slice(m.row(i));
                }
                Data::Dense(Mat {
                    rows: rows.len(),
                    cols: m.cols,
                    data,
                })
            }
            Data::Table(t) => Data::Table(t.take_rows(rows)),
            Data::Csr(c) => Data::Csr(c.take_rows(rows)),
        }
    }
    /// The rows of `parts` one after the other (a server's batch of
    /// requests), or `None` unless every part has the same layout: dense
    /// matrices of one width, or tables with the same column names in the
    /// same order and the same type in every column. Nothing is converted,
    /// so each row reaches the model exactly as it would alone.
    pub fn stack(parts: &[&Data]) -> Option<Data> {
        match parts.first()? {
            Data::Csr(_) => {
                let all: Option<Vec<&Csr>> = parts
                    .iter()
                    .map(|p| match p {
                        Data::Csr(c) => Some(c),
                        _ => None,
                    })
                    .collect();
                Csr::stack(all?).map(Data::Csr)
            }
            Data::Dense(m0) => {
                let mut data =
                    Vec::with_capacity(parts.iter().map(|p| p.rows()).sum::<usize>() * m0.cols);
                let mut rows = 0;
                for p in parts {
                    let Data::Dense(m) = p else { return None };
                    if m.cols != m0.cols {
                        return None;
                    }
                    rows += m.rows;
                    data.extend_from_slice(&m.data);
                }
                Some(Data::Dense(Mat {
                    rows,
                    cols: m0.cols,
                    data,
                }))
            }
            Data::Table(t0) => {
                let mut columns: Vec<Column> = t0
                    .columns
                    .iter()
                    .map(|c| match c {
                        Column::F64(_) => Some(Column::F64(Vec::new())),
                        Column::Str(_) => Some(Column::Str(Vec::new())),
                        // coded columns come from Python callers, never batched
                        Column::Codes(_) => None,
                    })
                    .collect::<Option<_>>()?;
                let mut rows = 0;
                for p in parts {
                    let Data::Table(t) = p else { return None };
                    if t.names != t0.names || t.columns.len() != columns.len() {
                        return None;
                    }
                    for (dst, src) in columns.iter_mut().zip(&t.columns) {
                        match (dst, src) {
                            (Column::F64(a), Column::F64(b)) => a.extend_from_slice(b),
                            (Column::Str(a), Column::Str(b)) => a.extend(b.iter().cloned()),
                            _ => return None,
                        }
                    }
                    rows += t.rows;
                }
                Some(Data::Table(Table {
                    names: t0.names.clone(),
                    columns,
                    rows,
                }))
            }
        }
    }
}

/// Class labels (the model's `classes_`, or predictions).
#[derive(Debug, Clone, PartialEq)]
pub enum Labels {
    Int(Vec<i64>),
    /// int32 labels (what scikit-learn returns for cluster indices).
    Int32(Vec<i32>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
    Str(Vec<String>),
}

impl Labels {
    pub fn len(&self) -> usize {
        match self {
            Labels::Int(v) => v.len(),
            Labels::Int32(v) => v.len(),
            Labels::Float(v) => v.len(),
            Labels::Bool(v) => v.len(),
            Labels::Str(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// `classes_.take(idx)`; every index must be `< len()`.
    pub fn take(&self, idx: &[usize]) -> Labels {
        match self {
            Labels::Int(v) => Labels::Int(idx.iter().map(|&i| v[i]).collect()),
            Labels::Int32(v) => Labels::Int32(idx.iter().map(|&i| v[i]).collect()),
            Labels::Float(v) => Labels::Float(idx.iter().map(|&i| v[i]).collect()),
            Labels::Bool(v) => Labels::Bool(idx.iter().map(|&i| v[i]).collect()),
            Labels::Str(v) => Labels::Str(idx.iter().map(|&i| v[i].clone()).collect()),
        }
    }
    /// The label at `i` as text (for CSV/JSON output).
    pub fn text(&self, i: usize) -> String {
        match self {
            Labels::Int(v) => v[i].to_string(),
            Labels::Int32(v) => v[i].to_string(),
            Labels::Float(v) => format!("{:?}", v[i]),
            Labels::Bool(v) => v[i].to_string(),
            Labels::Str(v) => v[i].clone(),
        }
    }
    /// Whether `other` holds labels of the same type (scikit-learn gives a
    /// multi-output prediction the first output's dtype).
    pub fn same_kind(&self, other: &Labels) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
    /// Concatenation (for batches).
    pub fn concat(parts: Vec<Labels>) -> Option<Labels> {
        let mut it = parts.into_iter();
        let mut out = it.next()?;
        for p in it {
            match (&mut out, p) {
                (Labels::Int(a), Labels::Int(b)) => a.extend(b),
                (Labels::Int32(a), Labels::Int32(b)) => a.extend(b),
                (Labels::Float(a), Labels::Float(b)) => a.extend(b),
                (Labels::Bool(a), Labels::Bool(b)) => a.extend(b),
                (Labels::Str(a), Labels::Str(b)) => a.extend(b),
                _ => return None,
            }
        }
        Some(out)
    }
}

/// What a method returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A 2-D result (probabilities, scores, transformed data).
    Matrix(Mat),
    /// A 1-D numeric result (regression, binary decision function, scores).
    Vector(Vec<f64>),
    /// Predicted class labels.
    Labels(Labels),
    /// A classifier with several outputs: its labels, one column per output
    /// (scikit-learn's n x n_outputs array), each of the same kind.
    LabelColumns(Vec<Labels>),
    /// A classifier with several outputs: its class probabilities, one
    /// matrix per output (scikit-learn's list of arrays).
    Matrices(Vec<Mat>),
}

impl Output {
    pub fn rows(&self) -> usize {
        match self {
            Output::Matrix(m) => m.rows,
            Output::Vector(v) => v.len(),
            Output::Labels(l) => l.len(),
            Output::LabelColumns(c) => c.first().map_or(0, Labels::len),
            Output::Matrices(ms) => ms.first().map_or(0, |m| m.rows),
        }
    }
    /// Rows `start..start + len` (`None` when out of range).
    pub fn slice_rows(&self, start: usize, len: usize) -> Option<Output> {
        let end = start.checked_add(len)?;
        if end > self.rows() {
            return None;
        }
        Some(match self {
            Output::Matrix(m) => Output::Matrix(Mat {
                rows: len,
                cols: m.cols,
                data: m.data.get(start * m.cols..end * m.cols)?.to_vec(),
            }),
            Output::Vector(v) => Output::Vector(v.get(start..end)?.to_vec()),
            Output::Labels(l) => Output::Labels(l.take(&(start..end).collect::<Vec<_>>())),
            Output::LabelColumns(c) => {
                let rows: Vec<usize> = (start..end).collect();
                Output::LabelColumns(c.iter().map(|l| l.take(&rows)).collect())
            }
            Output::Matrices(ms) => Output::Matrices(
                ms.iter()
                    .map(|m| {
                        Some(Mat {
                            rows: len,
                            cols: m.cols,
                            data: m.data.get(start * m.cols..end * m.cols)?.to_vec(),
                        })
                    })
                    .collect::<Option<Vec<Mat>>>()?,
            ),
        })
    }
    /// Concatenation of batch results along rows.
    pub fn concat(parts: Vec<Output>) -> Option<Output> {
        match parts.first()? {
            Output::Matrix(m0) => {
                let cols = m0.cols;
                let mut data = Vec::new();
                let mut rows = 0;
                for p in parts {
                    let Output::Matrix(m) = p else { return None };
                    if m.cols != cols {
                        return None;
                    }
                    rows += m.rows;
                    data.extend(m.data);
                }
                Some(Output::Matrix(Mat { rows, cols, data }))
            }
            Output::Vector(_) => {
                let mut v = Vec::new();
                for p in parts {
                    let Output::Vector(x) = p else { return None };
                    v.extend(x);
                }
                Some(Output::Vector(v))
            }
            Output::Labels(_) => {
                let mut ls = Vec::new();
                for p in parts {
                    let Output::Labels(l) = p else { return None };
                    ls.push(l);
                }
                Labels::concat(ls).map(Output::Labels)
            }
            Output::LabelColumns(c0) => {
                let mut cols: Vec<Vec<Labels>> = (0..c0.len()).map(|_| Vec::new()).collect();
                for p in parts {
                    let Output::LabelColumns(c) = p else {
                        return None;
                    };
                    if c.len() != cols.len() {
                        return None;
                    }
                    cols.iter_mut().zip(c).for_each(|(all, l)| all.push(l));
                }
                cols.into_iter()
                    .map(Labels::concat)
                    .collect::<Option<Vec<Labels>>>()
                    .map(Output::LabelColumns)
            }
            Output::Matrices(m0) => {
                let mut each: Vec<Vec<Output>> = (0..m0.len()).map(|_| Vec::new()).collect();
                for p in parts {
                    let Output::Matrices(ms) = p else { return None };
                    if ms.len() != each.len() {
                        return None;
                    }
                    each.iter_mut()
                        .zip(ms)
                        .for_each(|(all, m)| all.push(Output::Matrix(m)));
                }
                each.into_iter()
                    .map(|ms| match Output::concat(ms)? {
                        Output::Matrix(m) => Some(m),
                        _ => None,
                    })
                    .collect::<Option<Vec<Mat>>>()
                    .map(Output::Matrices)
            }
        }
    }
}

/// The methods scikit-learn estimators expose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Predict,
    PredictProba,
    PredictLogProba,
    DecisionFunction,
    Transform,
    ScoreSamples,
    /// Raw scores before the objective's transform: LightGBM's
    /// `predict(raw_score=True)`, XGBoost's `predict(output_margin=True)`,
    /// CatBoost's `predict(prediction_type="RawFormulaVal")`.
    PredictRaw,
}

impl Method {
    pub const ALL: [Method; 7] = [
        Method::Predict,
        Method::PredictProba,
        Method::PredictLogProba,
        Method::DecisionFunction,
        Method::Transform,
        Method::ScoreSamples,
        Method::PredictRaw,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Method::Predict => "predict",
            Method::PredictProba => "predict_proba",
            Method::PredictLogProba => "predict_log_proba",
            Method::DecisionFunction => "decision_function",
            Method::Transform => "transform",
            Method::ScoreSamples => "score_samples",
            Method::PredictRaw => "predict_raw",
        }
    }
    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_checked_and_read() {
        let values = vec!["x".to_string(), "y".to_string()];
        let c = Codes::new(values.clone(), vec![1, MISSING_CODE, 0]).expect("valid codes");
        assert_eq!(
            c.to_strings(),
            vec![Some("y".to_string()), None, Some("x".to_string())]
        );
        assert_eq!(c.get(1), None);
        let col = Column::Codes(c);
        assert_eq!(col.len(), 3);
        assert!(col.is_text());
        assert_eq!(
            col.take(&[2, 2]),
            Column::Codes(Codes::new(values.clone(), vec![0, 0]).expect("valid"))
        );
        assert!(Codes::new(values, vec![0, 2]).is_err());
        assert!(Codes::new(Vec::new(), vec![0]).is_err());
    }

    fn table(a: f64, c: &str) -> Data {
        Data::Table(Table {
            names: vec!["a".into(), "c".into()],
            columns: vec![Column::F64(vec![a]), Column::Str(vec![Some(c.into())])],
            rows: 1,
        })
    }

    #[test]
    fn stack_keeps_rows_in_order_and_refuses_mixed_layouts() {
        let x = Data::Dense(Mat::new(1, 2, vec![1.0, 2.0]).unwrap_or_else(|_| Mat::zeros(1, 2)));
        let y = Data::Dense(Mat {
            rows: 2,
            cols: 2,
            data: vec![3.0, 4.0, 5.0, 6.0],
        });
        let Some(Data::Dense(m)) = Data::stack(&[&x, &y]) else {
            panic!("dense parts of one width stack")
        };
        assert_eq!((m.rows, m.data), (3, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        let narrow = Data::Dense(Mat {
            rows: 1,
            cols: 1,
            data: vec![0.0],
        });
        assert!(Data::stack(&[&x, &narrow]).is_none());
        let (t1, t2) = (table(1.0, "x"), table(2.0, "y"));
        let Some(Data::Table(t)) = Data::stack(&[&t1, &t2]) else {
            panic!("tables of one layout stack")
        };
        assert_eq!(t.rows, 2);
        assert_eq!(t.columns[0], Column::F64(vec![1.0, 2.0]));
        // a column of numbers in one request, of strings in another
        let other = Data::Table(Table {
            names: vec!["a".into(), "c".into()],
            columns: vec![Column::F64(vec![1.0]), Column::F64(vec![f64::NAN])],
            rows: 1,
        });
        assert!(Data::stack(&[&t1, &other]).is_none());
        assert!(Data::stack(&[&t1, &x]).is_none());
    }

    #[test]
    fn slice_rows_splits_outputs() {
        let o = Output::Matrix(Mat {
            rows: 3,
            cols: 2,
            data: vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        });
        assert_eq!(
            o.slice_rows(1, 2),
            Some(Output::Matrix(Mat {
                rows: 2,
                cols: 2,
                data: vec![2.0, 3.0, 4.0, 5.0]
            }))
        );
        assert_eq!(o.slice_rows(2, 2), None);
        let l = Output::Labels(Labels::Str(vec!["a".into(), "b".into()]));
        assert_eq!(
            l.slice_rows(1, 1),
            Some(Output::Labels(Labels::Str(vec!["b".into()])))
        );
        assert_eq!(
            Output::Vector(vec![1.0, 2.0]).slice_rows(0, 1),
            Some(Output::Vector(vec![1.0]))
        );
    }

    #[test]
    fn several_outputs_slice_and_concatenate_by_rows() {
        let cols = Output::LabelColumns(vec![
            Labels::Int(vec![1, 2, 3]),
            Labels::Str(vec!["a".into(), "b".into(), "c".into()]),
        ]);
        assert_eq!(cols.rows(), 3);
        let (a, b) = (cols.slice_rows(0, 1), cols.slice_rows(1, 2));
        assert_eq!(
            b,
            Some(Output::LabelColumns(vec![
                Labels::Int(vec![2, 3]),
                Labels::Str(vec!["b".into(), "c".into()]),
            ]))
        );
        let parts: Vec<Output> = [a, b].into_iter().flatten().collect();
        assert_eq!(Output::concat(parts), Some(cols.clone()));
        assert_eq!(cols.slice_rows(2, 2), None);
        let m = |rows, cols, data: Vec<f64>| Mat { rows, cols, data };
        let ms = Output::Matrices(vec![
            m(2, 2, vec![0.5, 0.5, 1.0, 0.0]),
            m(2, 3, vec![0.1, 0.2, 0.7, 0.0, 0.0, 1.0]),
        ]);
        assert_eq!(ms.rows(), 2);
        let one = ms.slice_rows(1, 1);
        assert_eq!(
            one,
            Some(Output::Matrices(vec![
                m(1, 2, vec![1.0, 0.0]),
                m(1, 3, vec![0.0, 0.0, 1.0])
            ]))
        );
        let parts: Vec<Output> = [ms.slice_rows(0, 1), one].into_iter().flatten().collect();
        assert_eq!(Output::concat(parts), Some(ms.clone()));
        // parts of different kinds or widths do not concatenate
        assert_eq!(Output::concat(vec![ms, cols]), None);
    }
}
