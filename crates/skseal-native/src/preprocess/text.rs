//! Text vectorizers: CountVectorizer, TfidfVectorizer, HashingVectorizer
//! and TfidfTransformer, bit-exact with scikit-learn 1.9.1.
//!
//! Input: a 1-D list of strings (one document each), which
//! `skseal.native` passes as a one-column table named
//! [`crate::data::TEXT_INPUT`]. Analyzers (`text/analyze.rs`), after
//! `str.lower()` when `lowercase` and `strip_accents` ("ascii",
//! "unicode": NFKD per character from generated tables): "word" with the default
//! `token_pattern` (the runs of two or more `\w`, stop words "english" or
//! a list, word n-grams); "char" and "char_wb" (whitespace runs squeezed
//! as `re.sub(r"\s\s+", " ")`, character n-grams; char_wb per padded
//! word).
//!
//! - CountVectorizer: counts of `vocabulary_` entries (`binary`: 1);
//!   any integer or float `dtype` (the values are small integers).
//! - HashingVectorizer: `murmurhash3_32(token.encode("utf-8"), seed=0)`
//!   signed, index `abs(h) % n_features` (scikit-learn's rule for
//!   `h == -2**31`), `alternate_sign`, duplicates summed (an entry that
//!   sums to zero stays stored, so `binary` makes it 1), `norm`.
//! - TfidfVectorizer / TfidfTransformer: `sublinear_tf` (`np.log(x) + 1`),
//!   `x *= idf_[j]`, then `normalize`: l2 `x / sqrt(sum of x*x)` and l1
//!   `x / sum |x|` over the row's stored entries in column order, rows
//!   summing to zero left alone.
//!
//! scikit-learn returns a scipy CSR matrix; here the result is the same
//! values as a dense matrix, and [`Transformer::sparse_out`] tells the
//! next step to compute as scipy does on CSR input (a Pipeline refuses a
//! next step that cannot).
//!
//! Refused (by name, at load): a callable analyzer,
//! a custom token_pattern, tokenizer or preprocessor,
//! input "file" / "filename", a float32 `dtype` where values are not
//! integers (tf-idf, a norm).

mod analyze;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use skseal_core::ir::Node;

use crate::access::Obj;
use crate::csr::Csr;
use crate::data::{Data, Method, Output, TEXT_INPUT};
use crate::error::{input, malformed, Result};
use crate::estimator::{
    csr_in, data_output, transformer_estimator, unsupported, Estimator, Info, Transformer,
};
use crate::npmath::np_log;

const DEFAULT_PATTERN: &str = r"(?u)\b\w\w+\b";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Norm {
    L1,
    L2,
}

fn read_norm(est: &Obj<'_, '_>, path: &str) -> Result<Option<Norm>> {
    match est.opt_str("norm", path)? {
        None => Ok(None),
        Some("l1") => Ok(Some(Norm::L1)),
        Some("l2") => Ok(Some(Norm::L2)),
        Some(o) => Err(malformed(&format!("{path}.norm"), format!("{o:?}"))),
    }
}

/// The `dtype` attribute's numpy name ("float64" when absent).
fn dtype_name(est: &Obj<'_, '_>, path: &str) -> Result<String> {
    let Some(id) = est.opt("dtype") else {
        return Ok("float64".into());
    };
    let dp = format!("{path}.dtype");
    match est.ctx.node(id, &dp)? {
        Node::Global(g) if g.module == "numpy" => Ok(g.name.clone()),
        Node::Global(g) if g.module == "builtins" && g.name == "float" => Ok("float64".into()),
        Node::Global(g) if g.module == "builtins" && g.name == "int" => Ok("int64".into()),
        Node::Dtype(d) => Ok(format!("{d:?}")),
        n => Err(malformed(
            &dp,
            format!("expected a numpy type, found {}", n.kind_name()),
        )),
    }
}

/// tf-idf weighting and normalisation of one CSR row (entries in column order).
#[derive(Debug, Clone)]
struct Tfidf {
    idf: Option<Vec<f64>>,
    sublinear: bool,
    norm: Option<Norm>,
}

impl Tfidf {
    fn read(est: &Obj<'_, '_>, path: &str) -> Result<Tfidf> {
        // scikit-learn multiplies by idf_ when the attribute exists
        let idf = match est.opt("idf_") {
            Some(id) => Some(est.ctx.arr_f64(id, &format!("{path}.idf_"))?.data),
            None => None,
        };
        Ok(Tfidf {
            idf,
            sublinear: est.bool("sublinear_tf", path)?,
            norm: read_norm(est, path)?,
        })
    }
    fn apply(&self, row: &mut [(usize, f64)]) {
        if self.sublinear {
            for (_, v) in row.iter_mut() {
                *v = np_log(*v) + 1.0;
            }
        }
        if let Some(idf) = &self.idf {
            for (j, v) in row.iter_mut() {
                *v *= idf[*j];
            }
        }
        normalize(row, self.norm);
    }
}

/// scikit-learn's `inplace_csr_row_normalize_l1` / `_l2` on one row.
fn normalize(row: &mut [(usize, f64)], norm: Option<Norm>) {
    let Some(norm) = norm else { return };
    let Some(s) = crate::csr::row_norm(row.iter().map(|(_, v)| *v), norm == Norm::L2) else {
        return;
    };
    for (_, v) in row.iter_mut() {
        *v /= s;
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Analyzer {
    Word,
    Char,
    CharWb,
}

enum Kind {
    Count {
        vocab: HashMap<String, usize>,
        width: usize,
    },
    Hashing {
        n_features: usize,
        alternate_sign: bool,
    },
}

/// A fitted CountVectorizer, TfidfVectorizer or HashingVectorizer.
pub(super) struct Vectorizer {
    info: Info,
    analyzer: Analyzer,
    /// strip_accents: Some(true) "ascii", Some(false) "unicode"
    strip: Option<bool>,
    lowercase: bool,
    stop: Option<HashSet<String>>,
    ngram: (usize, usize),
    binary: bool,
    kind: Kind,
    tfidf: Option<Tfidf>,
}

fn refuse(what: String, path: &str) -> crate::error::NativeError {
    unsupported(
        what,
        path,
        "Native text vectorizers implement the \"word\" analyzer with the default token_pattern, \
         lowercase, stop_words, ngram_range, binary and the tf-idf / hashing options (docs/NATIVE.md).",
    )
}

impl Vectorizer {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<Vectorizer> {
        let name = est.name();
        let info = Info::read(est, path)?;
        let an = format!("{path}.analyzer");
        let analyzer = match est.ctx.node(est.req("analyzer", path)?, &an)? {
            Node::Str(s) if s == "word" => Analyzer::Word,
            Node::Str(s) if s == "char" => Analyzer::Char,
            Node::Str(s) if s == "char_wb" => Analyzer::CharWb,
            Node::Str(s) => return Err(malformed(&an, format!("{s:?}"))),
            _ => return Err(refuse(format!("{name} with a callable analyzer"), &an)),
        };
        for key in ["preprocessor", "tokenizer"] {
            if est.opt(key).is_some() {
                return Err(refuse(
                    format!("{name} with a {key}"),
                    &format!("{path}.{key}"),
                ));
            }
        }
        let strip = match est.opt_str("strip_accents", path)? {
            None => None,
            Some("ascii") => Some(true),
            Some("unicode") => Some(false),
            Some(s) => {
                return Err(malformed(
                    &format!("{path}.strip_accents"),
                    format!("{s:?}"),
                ))
            }
        };
        let inp = est.opt_str("input", path)?.unwrap_or("content");
        if inp != "content" {
            return Err(refuse(
                format!("{name} with input={inp:?}"),
                &format!("{path}.input"),
            ));
        }
        let pat = est.opt_str("token_pattern", path)?;
        if analyzer == Analyzer::Word && pat != Some(DEFAULT_PATTERN) {
            return Err(refuse(
                format!("{name} with token_pattern={pat:?} (only the default {DEFAULT_PATTERN:?})"),
                &format!("{path}.token_pattern"),
            ));
        }
        let sp = format!("{path}.stop_words");
        // the char analyzers ignore stop_words (scikit-learn warns)
        let stop = match est.opt("stop_words").filter(|_| analyzer == Analyzer::Word) {
            None => None,
            Some(id) => match est.ctx.node(id, &sp)? {
                Node::Str(s) if s == "english" => {
                    Some(analyze::english_stop_words().into_iter().collect())
                }
                Node::Str(s) => {
                    return Err(malformed(&sp, format!("not a built-in stop list: {s:?}")))
                }
                Node::List(v) | Node::Tuple(v) | Node::Set(v) | Node::FrozenSet(v) => Some(
                    v.iter()
                        .map(|&w| est.ctx.str(w, &sp).map(str::to_string))
                        .collect::<Result<HashSet<String>>>()?,
                ),
                n => {
                    return Err(malformed(
                        &sp,
                        format!("expected a list, found {}", n.kind_name()),
                    ))
                }
            },
        };
        let np = format!("{path}.ngram_range");
        let ng = est.ctx.seq(est.req("ngram_range", path)?, &np)?;
        let ngram = match ng {
            [a, b] => (est.ctx.usize(*a, &np)?, est.ctx.usize(*b, &np)?),
            _ => return Err(malformed(&np, "expected two integers")),
        };
        if ngram.0 == 0 || ngram.0 > ngram.1 {
            return Err(malformed(&np, format!("{ngram:?}")));
        }
        let dtype = dtype_name(est, path)?;
        let integral = matches!(
            dtype.as_str(),
            "int64"
                | "int32"
                | "int16"
                | "int8"
                | "uint64"
                | "uint32"
                | "uint16"
                | "uint8"
                | "float64"
                | "float32"
                | "longlong"
                | "intc"
                | "intp"
        );
        let (kind, tfidf) = match name {
            "HashingVectorizer" => {
                let nf = est.usize("n_features", path)?;
                if nf == 0 {
                    return Err(malformed(&format!("{path}.n_features"), "0"));
                }
                let norm = read_norm(est, path)?;
                if !(dtype == "float64" || (norm.is_none() && integral)) {
                    return Err(refuse(
                        format!("{name} with dtype {dtype}"),
                        &format!("{path}.dtype"),
                    ));
                }
                let k = Kind::Hashing {
                    n_features: nf,
                    alternate_sign: est.bool("alternate_sign", path)?,
                };
                let t = Tfidf {
                    idf: None,
                    sublinear: false,
                    norm,
                };
                (k, Some(t))
            }
            _ => {
                let vp = format!("{path}.vocabulary_");
                let Node::Dict(kv) = est.ctx.node(est.req("vocabulary_", path)?, &vp)? else {
                    return Err(malformed(&vp, "expected a dict"));
                };
                let mut vocab = HashMap::with_capacity(kv.len());
                for &(k, v) in kv {
                    let j = est.ctx.usize(v, &vp)?;
                    if j >= kv.len() {
                        return Err(malformed(&vp, format!("index {j} for {} terms", kv.len())));
                    }
                    vocab.insert(est.ctx.str(k, &vp)?.to_string(), j);
                }
                let width = kv.len();
                let tfidf = if name == "TfidfVectorizer" {
                    if dtype != "float64" {
                        return Err(refuse(
                            format!("{name} with dtype {dtype}"),
                            &format!("{path}.dtype"),
                        ));
                    }
                    let tp = format!("{path}._tfidf");
                    let t = Tfidf::read(&est.obj("_tfidf", path)?, &tp)?;
                    if t.idf.as_ref().is_some_and(|i| i.len() != width) {
                        return Err(malformed(&tp, format!("idf_ does not have {width} values")));
                    }
                    Some(t)
                } else {
                    if !integral {
                        return Err(refuse(
                            format!("{name} with dtype {dtype}"),
                            &format!("{path}.dtype"),
                        ));
                    }
                    None
                };
                (Kind::Count { vocab, width }, tfidf)
            }
        };
        Ok(Vectorizer {
            info,
            analyzer,
            strip,
            lowercase: est.bool("lowercase", path)?,
            stop,
            ngram,
            binary: est.bool("binary", path)?,
            kind,
            tfidf,
        })
    }

    fn width(&self) -> usize {
        match &self.kind {
            Kind::Count { width, .. } => *width,
            Kind::Hashing { n_features, .. } => *n_features,
        }
    }

    /// One document's CSR row: (column, value) in column order.
    fn row(&self, doc: &str) -> Result<Vec<(usize, f64)>> {
        let low;
        let doc = if self.lowercase {
            low = analyze::py_lower(doc)?;
            low.as_str()
        } else {
            doc
        };
        let stripped;
        let doc = match self.strip {
            Some(ascii) => {
                stripped = analyze::strip_accents(doc, ascii)?;
                stripped.as_str()
            }
            None => doc,
        };
        let terms = match self.analyzer {
            Analyzer::Word => {
                analyze::word_ngrams(analyze::tokens(doc)?, self.stop.as_ref(), self.ngram)
            }
            Analyzer::Char => analyze::char_ngrams(doc, self.ngram)?,
            Analyzer::CharWb => analyze::char_wb_ngrams(doc, self.ngram)?,
        };
        // (column, +-1) per term; sorted and summed per column below (sums
        // of +-1: exact in any order)
        let mut hits: Vec<(usize, f64)> = Vec::with_capacity(terms.len());
        match &self.kind {
            Kind::Count { vocab, .. } => {
                for t in &terms {
                    if let Some(&j) = vocab.get(t) {
                        hits.push((j, 1.0));
                    }
                }
            }
            Kind::Hashing {
                n_features,
                alternate_sign,
            } => {
                for t in &terms {
                    let h = analyze::murmurhash3_s32(t.as_bytes(), 0);
                    let nf = *n_features as u64;
                    let j = if h == i32::MIN {
                        (2147483647u64.wrapping_sub(nf - 1)) % nf
                    } else {
                        u64::from(h.unsigned_abs()) % nf
                    } as usize;
                    let v = if *alternate_sign && h < 0 { -1.0 } else { 1.0 };
                    hits.push((j, v));
                }
            }
        }
        hits.sort_unstable_by_key(|&(j, _)| j);
        let mut row: Vec<(usize, f64)> = Vec::with_capacity(hits.len());
        for (j, v) in hits {
            match row.last_mut() {
                Some((lj, lv)) if *lj == j => *lv += v,
                _ => row.push((j, v)),
            }
        }
        if self.binary {
            for (_, v) in row.iter_mut() {
                *v = 1.0;
            }
        }
        if let Some(t) = &self.tfidf {
            t.apply(&mut row);
        }
        Ok(row)
    }
}

/// The documents of a 1-D string input.
fn documents<'d>(x: &'d Data, who: &str) -> Result<Cow<'d, [Option<String>]>> {
    if let Data::Table(t) = x {
        if let ([n], [c]) = (t.names.as_slice(), t.columns.as_slice()) {
            if let (true, Some(v)) = (n == TEXT_INPUT, c.strings()) {
                return Ok(v);
            }
        }
    }
    Err(input(format!(
        "{who} takes a 1-D list of strings (one document per item), as scikit-learn does"
    )))
}

impl Transformer for Vectorizer {
    /// One column of documents.
    fn input_text(&self) -> Option<Vec<bool>> {
        Some(vec![true])
    }
    fn transform_data(&self, x: Data) -> Result<Data> {
        let docs = documents(&x, &self.info.class)?;
        let mut m = Csr::new(self.width());
        for (i, d) in docs.iter().enumerate() {
            let Some(d) = d else {
                return Err(input(format!(
                    "document {i} is missing (None or NaN); {} takes strings",
                    self.info.class
                )));
            };
            m.push_row(&self.row(d)?);
        }
        Ok(Data::Csr(m))
    }
    fn sparse_out(&self) -> bool {
        true
    }
}
transformer_estimator!(Vectorizer);

/// A fitted TfidfTransformer (input: counts, dense or the CSR of a vectorizer).
pub(super) struct TfidfTransformer {
    info: Info,
    tfidf: Tfidf,
}

impl TfidfTransformer {
    pub(super) fn read(est: &Obj<'_, '_>, path: &str) -> Result<TfidfTransformer> {
        let mut info = Info::read(est, path)?;
        let tfidf = Tfidf::read(est, path)?;
        if let Some(idf) = &tfidf.idf {
            if info.n_features.is_some_and(|n| n != idf.len()) {
                return Err(malformed(
                    &format!("{path}.idf_"),
                    "does not match n_features_in_",
                ));
            }
            info.n_features = Some(idf.len());
        }
        Ok(TfidfTransformer { info, tfidf })
    }
}

impl Transformer for TfidfTransformer {
    fn transform_data(&self, x: Data) -> Result<Data> {
        // scikit-learn converts a dense X to CSR (its non-zero entries) and
        // computes on the stored entries
        let mut m = csr_in(&self.info, x)?;
        let mut row = Vec::new();
        for i in 0..m.rows {
            let (idx, val) = m.row_values_mut(i);
            row.clear();
            row.extend(idx.iter().copied().zip(val.iter().copied()));
            self.tfidf.apply(&mut row);
            for (v, &(_, t)) in val.iter_mut().zip(&row) {
                *v = t;
            }
        }
        Ok(Data::Csr(m))
    }
    fn sparse_out(&self) -> bool {
        true
    }
}

impl Estimator for TfidfTransformer {
    fn info(&self) -> &Info {
        &self.info
    }
    fn supports(&self, m: Method) -> bool {
        m == Method::Transform
    }
    fn run(&self, m: Method, x: Data) -> Result<Output> {
        if m != Method::Transform {
            return Err(self.no_method(m));
        }
        data_output(self.transform_data(x)?, &self.info.class)
    }
    fn take_sparse(&mut self) -> bool {
        true
    }
}
