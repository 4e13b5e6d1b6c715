//! LightGBM's model text (what `Booster.model_to_string()` writes and what
//! `Booster.__setstate__` hands to `LGBM_BoosterLoadModelFromString`), parsed
//! and checked before LightGBM's C++ loader sees it.
//!
//! LightGBM's loader trusts its input: it scans for `=` past the end of a
//! line, indexes by counts it never compares, reads `tree_sizes` offsets
//! without bounds, and its predictor follows child indices until it meets a
//! leaf. This parser accepts the layout LightGBM's writer produces (plus the
//! `pandas_categorical:` line the Python package appends) and refuses
//! anything LightGBM would misread: every count is compared with the text,
//! every index the predictor follows is checked, and every tree must be a
//! proper tree from node 0. Numbers are parsed strictly (decimal only) and
//! in full precision: Rust's float parsing is correctly rounded, like the
//! `fast_double_parser`/`strtod` LightGBM uses for thresholds and leaf
//! values, so the parsed values are the ones LightGBM predicts with.
//! (LightGBM reads `split_gain`, `internal_value`, `internal_weight` and
//! `shrinkage` with its own less precise `Atof`; predict uses none of them,
//! but code that does must not expect bit equality there.)
//!
//! Stricter than LightGBM, on purpose: unknown or duplicate keys (header or
//! tree) are refused where LightGBM ignores them or keeps the last; trees
//! must be numbered `Tree=0, 1, ...`; `tree_sizes`, when present, must give
//! each tree's exact byte length; a text without trees is refused.
//!
//! Layout (`\n` line ends only):
//! ```text
//! tree
//! version=v4
//! num_class=1
//! ... header keys ...
//! tree_sizes=574 578
//!
//! Tree=0
//! num_leaves=4
//! ... tree keys ...
//! shrinkage=1
//!
//!
//! Tree=1
//! ...
//! end of trees
//!
//! feature_importances:
//! Column_0=12
//!
//! parameters:
//! [boosting: gbdt]
//! end of parameters
//!
//! pandas_categorical:null
//! ```

mod tree;

pub use tree::{
    missing_type, LgbTree, CATEGORICAL_MASK, DEFAULT_LEFT_MASK, MAX_LEAVES, MAX_TREE_DEPTH,
    MISSING_NAN, MISSING_NONE, MISSING_ZERO,
};

use super::{BoosterError, MAX_PAYLOAD};

const LIBRARY: &str = "LightGBM";

/// The header of a model text (the `key=value` lines before the first tree).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LgbHeader {
    /// `version=` as written (e.g. "v4").
    pub version: String,
    /// `num_class=` (>= 1).
    pub num_class: usize,
    /// `num_tree_per_iteration=` (LightGBM defaults it to `num_class`; this
    /// parser requires it to equal `num_class`).
    pub num_tree_per_iteration: usize,
    /// `label_index=`.
    pub label_index: usize,
    /// `max_feature_idx=`: features are `0..=max_feature_idx`.
    pub max_feature_idx: usize,
    /// `objective=` as written (e.g. "binary sigmoid:1"), when written.
    pub objective: Option<String>,
    /// The bare `average_output` line (random forest mode).
    pub average_output: bool,
    /// `feature_names=`, `max_feature_idx + 1` names.
    pub feature_names: Vec<String>,
    /// `feature_infos=`, `max_feature_idx + 1` entries as written.
    pub feature_infos: Vec<String>,
    /// `monotone_constraints=` (each -1, 0 or 1), when written.
    pub monotone_constraints: Option<Vec<i8>>,
    /// `tree_sizes=`: the byte length of each tree's block, when written.
    pub tree_sizes: Option<Vec<usize>>,
}

/// A parsed and checked LightGBM model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LgbModel {
    /// The header keys.
    pub header: LgbHeader,
    /// The trees, `num_tree_per_iteration` per boosting iteration.
    pub trees: Vec<LgbTree>,
    /// The lines between `parameters:` and `end of parameters`, raw.
    pub parameters: Option<String>,
    /// The lines between `parser:` and `end of parser`, raw.
    pub parser_config: Option<String>,
    /// The JSON after `pandas_categorical:` (the Python package's last
    /// line), raw.
    pub pandas_categorical: Option<String>,
}

/// One line of the text: 1-based number, byte offset of its start, text
/// without the `\n`.
#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    no: usize,
    start: usize,
    text: &'a str,
}

fn err(at: impl Into<String>, why: impl Into<String>) -> BoosterError {
    BoosterError::new(LIBRARY, at, why)
}

/// `-?[0-9]+` within the i64 range.
fn parse_int(tok: &str) -> Option<i64> {
    let digits = tok.strip_prefix('-').unwrap_or(tok);
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    tok.parse().ok()
}

/// `-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?`, correctly rounded (as LightGBM's
/// writer prints with `{:.17g}` and its precise reader reads). Also `inf`
/// and `-inf` (the `{:g}` spelling of infinities); callers decide whether
/// they are allowed. Never NaN.
fn parse_f64(tok: &str) -> Option<f64> {
    let body = tok.strip_prefix('-').unwrap_or(tok);
    if body == "inf" {
        return tok.parse().ok();
    }
    let b = body.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let s = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > s
    };
    if !digits(&mut i) {
        return None;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return None;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    tok.parse().ok()
}

/// The space-separated tokens of an array value (LightGBM skips empty ones).
fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value.split(' ').filter(|t| !t.is_empty())
}

fn count_check(at: &str, value: &str, n: usize) -> Result<(), BoosterError> {
    let found = tokens(value).count();
    if found != n {
        return Err(err(
            at,
            format!("expected {n} entries, found {found} (LightGBM reads exactly {n} and does not check)"),
        ));
    }
    Ok(())
}

/// Exactly `n` integers in `[lo, hi]`.
fn int_tokens(at: &str, value: &str, n: usize, lo: i64, hi: i64) -> Result<Vec<i64>, BoosterError> {
    count_check(at, value, n)?;
    let mut out = Vec::with_capacity(n);
    for (i, t) in tokens(value).enumerate() {
        match parse_int(t) {
            Some(x) if (lo..=hi).contains(&x) => out.push(x),
            Some(x) => {
                return Err(err(
                    format!("{at}[{i}]"),
                    format!("{x} is out of range: expected [{lo}, {hi}]"),
                ))
            }
            None => {
                return Err(err(
                    format!("{at}[{i}]"),
                    format!(
                        "expected an integer, found {:?}",
                        t.chars().take(40).collect::<String>()
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// Exactly `n` decimal numbers; finite ones only when `finite`, else `inf`
/// and `-inf` are allowed too (never NaN).
fn float_tokens(at: &str, value: &str, n: usize, finite: bool) -> Result<Vec<f64>, BoosterError> {
    count_check(at, value, n)?;
    let mut out = Vec::with_capacity(n);
    for (i, t) in tokens(value).enumerate() {
        match parse_f64(t) {
            Some(x) if x.is_finite() || !finite => out.push(x),
            _ => {
                return Err(err(
                    format!("{at}[{i}]"),
                    format!(
                        "expected a {}decimal number, found {:?}",
                        if finite { "finite " } else { "" },
                        t.chars().take(40).collect::<String>()
                    ),
                ))
            }
        }
    }
    Ok(out)
}

/// Split the text into lines, refusing what LightGBM would misread: bytes
/// that are not UTF-8, NUL (LightGBM's line reader stops at it and loops),
/// `\r` (LightGBM takes a lone `\r` for a line end) and other control
/// characters but `\n`.
fn lines(text: &[u8]) -> Result<Vec<Line<'_>>, BoosterError> {
    if text.len() > MAX_PAYLOAD {
        return Err(err(
            "start",
            format!(
                "the text is {} bytes, over the limit of {MAX_PAYLOAD}",
                text.len()
            ),
        ));
    }
    let s = std::str::from_utf8(text)
        .map_err(|e| err(format!("byte {}", e.valid_up_to()), "the text is not UTF-8"))?;
    let mut out = Vec::new();
    let mut start = 0usize;
    for (no, t) in s.split('\n').enumerate() {
        if let Some(c) = t.chars().find(|c| c.is_control()) {
            return Err(err(
                format!("line {}", no + 1),
                format!("control character {c:?} (only \\n line ends are accepted)"),
            ));
        }
        out.push(Line {
            no: no + 1,
            start,
            text: t,
        });
        start += t.len() + 1;
    }
    // The empty piece after a final '\n' is not a line.
    if out.last().is_some_and(|l| l.text.is_empty()) {
        out.pop();
    }
    Ok(out)
}

/// Parse and check a LightGBM model text.
pub fn parse(text: &[u8]) -> Result<LgbModel, BoosterError> {
    let lines = lines(text)?;
    match lines.first() {
        Some(l) if l.text == "tree" => {}
        _ => {
            return Err(err(
                "line 1",
                "expected the model type line \"tree\" (LightGBM's GBDT model text)",
            ))
        }
    }
    let Some(first_tree) = lines.iter().position(|l| l.text.starts_with("Tree=")) else {
        return Err(err(
            format!("line {} (end of text)", lines.len()),
            "the text has no \"Tree=\" line (LightGBM would read every line as a header key)",
        ));
    };
    let header_lines = lines.get(1..first_tree).unwrap_or_default();
    let header = parse_header(header_lines)?;

    // The trees, one after the other.
    let mut trees = Vec::new();
    let mut block_sizes = Vec::new();
    let mut i = first_tree;
    let end_of_trees = loop {
        let Some(line) = lines.get(i) else {
            return Err(err(
                format!("line {} (end of text)", lines.len()),
                "expected \"end of trees\" after the trees",
            ));
        };
        if line.text == "end of trees" {
            break i;
        }
        let index = trees.len();
        if line.text != format!("Tree={index}") {
            return Err(err(
                format!("line {}", line.no),
                format!("expected \"Tree={index}\" or \"end of trees\""),
            ));
        }
        let body_start = i + 1;
        let body_end = lines
            .get(body_start..)
            .unwrap_or_default()
            .iter()
            .position(|l| l.text.is_empty())
            .map(|p| body_start + p);
        let Some(body_end) = body_end else {
            return Err(err(
                format!("Tree={index}"),
                "the tree is not ended by a blank line (LightGBM's tree reader would run past \
                 the end of the text)",
            ));
        };
        let body = lines.get(body_start..body_end).unwrap_or_default();
        trees.push(tree::parse_tree(
            index,
            body,
            header.max_feature_idx,
            text.len(),
        )?);
        // Blank lines between trees (LightGBM skips them).
        i = body_end;
        while lines.get(i).is_some_and(|l| l.text.is_empty()) {
            i += 1;
        }
        let next_start = lines.get(i).map_or(text.len(), |l| l.start);
        block_sizes.push(next_start - line.start);
    };

    let ntpi = header.num_tree_per_iteration;
    if trees.len() % ntpi != 0 {
        return Err(err(
            format!("line {} (end of trees)", end_of_trees + 1),
            format!(
                "{} trees is not a multiple of num_tree_per_iteration = {ntpi}",
                trees.len()
            ),
        ));
    }
    if let Some(sizes) = &header.tree_sizes {
        if sizes.len() != trees.len() {
            return Err(err(
                "header (tree_sizes)",
                format!(
                    "tree_sizes has {} entries but the text has {} trees (LightGBM loads \
                     tree_sizes' count of trees at the offsets it gives)",
                    sizes.len(),
                    trees.len()
                ),
            ));
        }
        for (t, (&want, &found)) in sizes.iter().zip(block_sizes.iter()).enumerate() {
            if want != found {
                return Err(err(
                    format!("header (tree_sizes[{t}])"),
                    format!("tree_sizes says {want} bytes but Tree={t} takes {found} bytes"),
                ));
            }
        }
    }

    let rest = lines.get(end_of_trees + 1..).unwrap_or_default();
    let (parameters, parser_config, pandas_categorical) = parse_trailer(rest)?;
    // LightGBM refuses SHAP contributions for linear models by the
    // parameters' [linear_tree: 1], not by the trees: the two must agree.
    let linear_param = parameters.as_deref().is_some_and(|p| {
        p.lines()
            .any(|l| l.starts_with("[linear_tree: ") && l.get(14..15) == Some("1"))
    });
    if let Some(t) = trees.iter().position(|t| t.is_linear) {
        if !linear_param {
            return Err(err(
                format!("Tree={t}, is_linear"),
                "a linear tree in a model whose parameters lack [linear_tree: 1] (LightGBM \
                 would run SHAP contributions on it)",
            ));
        }
    }
    Ok(LgbModel {
        header,
        trees,
        parameters,
        parser_config,
        pandas_categorical,
    })
}

const HEADER_KEYS: [&str; 11] = [
    "version",
    "num_class",
    "num_tree_per_iteration",
    "label_index",
    "max_feature_idx",
    "objective",
    "average_output",
    "feature_names",
    "monotone_constraints",
    "feature_infos",
    "tree_sizes",
];

/// Objectives LightGBM's `CreateObjectiveFunction` knows (canonical names,
/// as its writer prints them).
const OBJECTIVES: [&str; 17] = [
    "regression",
    "regression_l1",
    "quantile",
    "huber",
    "fair",
    "poisson",
    "binary",
    "lambdarank",
    "rank_xendcg",
    "multiclass",
    "multiclassova",
    "cross_entropy",
    "cross_entropy_lambda",
    "mape",
    "gamma",
    "tweedie",
    "custom",
];

fn parse_header(lines: &[Line<'_>]) -> Result<LgbHeader, BoosterError> {
    let mut vals: [Option<(usize, &str)>; 11] = [None; 11];
    for line in lines {
        if line.text.is_empty() {
            continue;
        }
        let (key, value) = match line.text.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (line.text, None),
        };
        let at = format!(
            "line {} ({})",
            line.no,
            key.chars().take(40).collect::<String>()
        );
        let Some(k) = HEADER_KEYS.iter().position(|h| *h == key) else {
            return Err(err(
                at,
                "unknown header key (LightGBM ignores unknown keys; skseal refuses them)",
            ));
        };
        // LightGBM splits header lines at every '=' and refuses more than one,
        // except in feature_names and monotone_constraints.
        // There, LightGBM keeps the text after "key=" only when the line
        // has more than two non-empty '='-separated pieces; with exactly two
        // ("feature_names==a b") it keeps the second piece, not the text.
        let pieces = line.text.split('=').filter(|p| !p.is_empty()).count();
        let eq_ok = !value.is_some_and(|v| v.contains('='))
            || (matches!(key, "feature_names" | "monotone_constraints") && pieces > 2);
        let bare_ok = (key == "average_output") == value.is_none();
        if !eq_ok || !bare_ok {
            return Err(err(
                at,
                if key == "average_output" {
                    "expected the bare line \"average_output\""
                } else {
                    "expected key=value with no other '='"
                },
            ));
        }
        match vals.get_mut(k) {
            Some(slot @ None) => *slot = Some((line.no, value.unwrap_or(""))),
            _ => {
                return Err(err(
                    at,
                    "duplicate header key (LightGBM keeps the last one)",
                ))
            }
        }
    }
    let get = |key: &str| {
        HEADER_KEYS
            .iter()
            .position(|h| *h == key)
            .and_then(|i| vals.get(i).copied().flatten())
    };
    let required = |key: &str| {
        get(key).ok_or_else(|| {
            err(
                format!("header ({key})"),
                format!("the header has no {key} line, which LightGBM requires"),
            )
        })
    };
    let uint = |key: &str, lo: i64, hi: i64| -> Result<Option<usize>, BoosterError> {
        let Some((no, v)) = get(key) else {
            return Ok(None);
        };
        match parse_int(v) {
            Some(x) if (lo..=hi).contains(&x) => Ok(usize::try_from(x).ok()),
            _ => Err(err(
                format!("line {no} ({key})"),
                format!(
                    "expected an integer in [{lo}, {hi}], found {:?}",
                    v.chars().take(40).collect::<String>()
                ),
            )),
        }
    };
    let i32_max = i64::from(i32::MAX);

    let (vno, version) = required("version")?;
    if !matches!(version, "v2" | "v3" | "v4") {
        return Err(err(
            format!("line {vno} (version)"),
            format!(
                "expected v2, v3 or v4, found {:?}",
                version.chars().take(40).collect::<String>()
            ),
        ));
    }
    required("num_class")?;
    let num_class = uint("num_class", 1, i32_max)?.unwrap_or(1);
    let num_tree_per_iteration = uint("num_tree_per_iteration", 1, i32_max)?.unwrap_or(num_class);
    if num_tree_per_iteration != num_class {
        return Err(err(
            "header (num_tree_per_iteration)",
            format!(
                "num_tree_per_iteration = {num_tree_per_iteration} must equal num_class = \
                 {num_class} (LightGBM's writer always has them equal; its predictor writes \
                 num_tree_per_iteration outputs into num_class slots)"
            ),
        ));
    }
    required("label_index")?;
    let label_index = uint("label_index", 0, i32_max)?.unwrap_or(0);
    required("max_feature_idx")?;
    let max_feature_idx = uint("max_feature_idx", 0, i32_max - 1)?.unwrap_or(0);
    let n_features = max_feature_idx + 1;

    let (fno, names) = required("feature_names")?;
    let feature_names: Vec<String> = tokens(names).map(str::to_string).collect();
    if feature_names.len() != n_features {
        return Err(err(
            format!("line {fno} (feature_names)"),
            format!(
                "expected max_feature_idx + 1 = {n_features} names, found {}",
                feature_names.len()
            ),
        ));
    }
    let (ino, infos) = required("feature_infos")?;
    let feature_infos: Vec<String> = tokens(infos).map(str::to_string).collect();
    if feature_infos.len() != n_features {
        return Err(err(
            format!("line {ino} (feature_infos)"),
            format!(
                "expected max_feature_idx + 1 = {n_features} entries, found {}",
                feature_infos.len()
            ),
        ));
    }
    let monotone_constraints = match get("monotone_constraints") {
        None => None,
        Some((no, v)) => Some(
            int_tokens(
                &format!("line {no} (monotone_constraints)"),
                v,
                n_features,
                -1,
                1,
            )?
            .into_iter()
            .map(|x| i8::try_from(x).unwrap_or(0))
            .collect(),
        ),
    };
    let objective = match get("objective") {
        None => None,
        Some((no, v)) => Some(check_objective(no, v, num_class)?),
    };
    let tree_sizes = match get("tree_sizes") {
        None => None,
        Some((no, v)) => {
            let at = format!("line {no} (tree_sizes)");
            let n = tokens(v).count();
            let sizes = int_tokens(&at, v, n, 1, i64::MAX)?;
            Some(
                sizes
                    .into_iter()
                    .map(|x| usize::try_from(x).unwrap_or(usize::MAX))
                    .collect(),
            )
        }
    };
    Ok(LgbHeader {
        version: version.to_string(),
        num_class,
        num_tree_per_iteration,
        label_index,
        max_feature_idx,
        objective,
        average_output: get("average_output").is_some(),
        feature_names,
        feature_infos,
        monotone_constraints,
        tree_sizes,
    })
}

/// The objective's name must be one LightGBM knows (an empty objective
/// makes LightGBM index an empty list); its `key:value` parameters are kept
/// as written, and a multiclass objective's `num_class:` must equal the
/// header's (its output transform loops over its own count).
fn check_objective(no: usize, v: &str, num_class: usize) -> Result<String, BoosterError> {
    let at = format!("line {no} (objective)");
    let mut toks = v.split(' ');
    let name = toks.next().unwrap_or("");
    if !OBJECTIVES.contains(&name) {
        return Err(err(
            at,
            format!(
                "unknown objective {:?}",
                name.chars().take(40).collect::<String>()
            ),
        ));
    }
    let multi = matches!(name, "multiclass" | "multiclassova");
    let mut obj_classes = None;
    for t in toks {
        // the one bare flag LightGBM writes: `regression sqrt` (reg_sqrt);
        // RegressionL2loss and the objectives derived from it read it
        if t == "sqrt"
            && matches!(
                name,
                "regression"
                    | "regression_l1"
                    | "quantile"
                    | "huber"
                    | "fair"
                    | "mape"
                    | "poisson"
                    | "gamma"
                    | "tweedie"
            )
        {
            continue;
        }
        let Some((k, val)) = t.split_once(':') else {
            return Err(err(
                at,
                format!(
                    "expected key:value objective parameters, found {:?}",
                    t.chars().take(40).collect::<String>()
                ),
            ));
        };
        if k.is_empty() || val.is_empty() || val.contains(':') {
            return Err(err(
                at,
                format!(
                    "expected key:value objective parameters, found {:?}",
                    t.chars().take(40).collect::<String>()
                ),
            ));
        }
        if k == "num_class" {
            obj_classes = parse_int(val);
        }
    }
    let expected = i64::try_from(num_class).ok();
    if multi && obj_classes != expected {
        return Err(err(
            at,
            format!("a {name} objective must carry num_class:{num_class}, the header's num_class"),
        ));
    }
    if !multi && name != "custom" && num_class != 1 {
        return Err(err(
            at,
            format!("a {name} objective has num_class 1, the header says {num_class}"),
        ));
    }
    Ok(v.to_string())
}

type Trailer = (Option<String>, Option<String>, Option<String>);

/// What follows `end of trees`: `feature_importances:` with `name=count`
/// lines, the `parameters:` block (each line `[key: value]`: LightGBM's
/// `GetLoadedParam` indexes the piece after ':' without checking it is
/// there), the `parser:` block, and the Python package's
/// `pandas_categorical:` JSON line. Nothing else.
fn parse_trailer(lines: &[Line<'_>]) -> Result<Trailer, BoosterError> {
    let (mut parameters, mut parser, mut pandas) = (None, None, None);
    let mut i = 0;
    let mut in_importances = false;
    while let Some(line) = lines.get(i) {
        i += 1;
        let t = line.text;
        let at = || format!("line {}", line.no);
        if pandas.is_some() && !t.is_empty() {
            return Err(err(at(), "nothing may follow the pandas_categorical line"));
        }
        if t.is_empty() {
            in_importances = false;
        } else if t == "feature_importances:" {
            in_importances = true;
        } else if in_importances && t.contains('=') {
        } else if t == "parameters:" || t == "parser:" {
            let end = if t == "parameters:" {
                "end of parameters"
            } else {
                "end of parser"
            };
            let done = if t == "parameters:" {
                parameters.is_some()
            } else {
                parser.is_some()
            };
            if done {
                return Err(err(at(), format!("a second {t} block")));
            }
            if t == "parser:" && parameters.is_none() {
                // LightGBM looks for parser: only after "end of parameters".
                return Err(err(at(), "a parser: block before any parameters: block"));
            }
            let mut raw = String::new();
            loop {
                let Some(l) = lines.get(i) else {
                    return Err(err(at(), format!("{t} block without \"{end}\"")));
                };
                i += 1;
                if l.text == end {
                    break;
                }
                if l.text.is_empty() {
                    continue;
                }
                if t == "parameters:" {
                    if let Err(why) = check_param_line(l.text) {
                        return Err(err(format!("line {} (parameters)", l.no), why));
                    }
                }
                raw.push_str(l.text);
                raw.push('\n');
            }
            if t == "parameters:" {
                parameters = Some(raw);
            } else {
                parser = Some(raw);
            }
        } else if let Some(json) = t.strip_prefix("pandas_categorical:") {
            if serde_json::from_str::<serde_json::Value>(json).is_err() {
                return Err(err(
                    format!("line {} (pandas_categorical)", line.no),
                    "not valid JSON",
                ));
            }
            pandas = Some(json.to_string());
        } else {
            return Err(err(
                at(),
                format!(
                    "unexpected line {:?} after the trees (expected feature_importances:, \
                     parameters:, parser: or pandas_categorical:)",
                    t.chars().take(40).collect::<String>()
                ),
            ));
        }
    }
    Ok((parameters, parser, pandas))
}

/// `[key: value]` with a non-empty key of `[a-z0-9_]` and something after
/// the ':' (LightGBM's writer prints `[key: ]` for an empty value).
/// LightGBM's `GetLoadedParam` turns these lines into the JSON the Python
/// package parses when it loads a model: it takes the piece between the
/// first and second ':' (indexing it unchecked), pastes string values
/// between quotes as they are, and prints a double parameter that its
/// `Atof` reads as NaN as `nan`. So `"` and `\` (JSON injection into the
/// Python `params`) and values `Atof` reads as NaN (`-`, `na`, `nan`,
/// `null`, ...) are refused; a parameter's type is not known here, so the
/// NaN check applies to every value without a ':' of its own.
fn check_param_line(t: &str) -> Result<(), &'static str> {
    let bad = "expected a parameter line \"[key: value]\"";
    let inner = t
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .ok_or(bad)?;
    let (key, value) = inner.split_once(": ").ok_or(bad)?;
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(bad);
    }
    if t.contains(['"', '\\']) {
        return Err("a parameter value with '\"' or '\\' (LightGBM pastes it into JSON unescaped)");
    }
    // Brackets would end the line's JSON value early (two parameter lines
    // run together read as one); only interaction_constraints has them, as
    // a list of bracketed integer lists.
    if key == "interaction_constraints" {
        if !int_lists(value) {
            return Err("interaction_constraints must be bracketed integer lists like [0,1],[2]");
        }
    } else if value.contains(['[', ']']) {
        return Err("a parameter value with '[' or ']' (LightGBM pastes it into JSON unescaped)");
    }
    // The piece LightGBM reads: between the first and second ':'
    // (empty pieces skipped), less its first and last character.
    let piece = t.split(':').filter(|p| !p.is_empty()).nth(1).ok_or(bad)?;
    if piece == " ]" {
        return Ok(());
    }
    let b = piece.as_bytes();
    let v = b
        .get(1..b.len().saturating_sub(1).max(1))
        .unwrap_or_default();
    // A value with a ':' of its own is a string (a path, a URL): its type is
    // not known here, and LightGBM reads a string as written.
    if t.matches(':').count() == 1 && atof_is_nan(v) {
        return Err(
            "a parameter value LightGBM's Atof reads as NaN (printed as nan into the JSON \
             the Python package parses)",
        );
    }
    Ok(())
}

/// Empty, or `[i,j,...]` lists of integers separated by ','.
fn int_lists(v: &str) -> bool {
    v.is_empty()
        || v.split("],").enumerate().all(|(i, part)| {
            let last = i == v.matches("],").count();
            let part = if last {
                part.strip_suffix(']')
            } else {
                Some(part)
            };
            part.and_then(|p| p.strip_prefix('['))
                .is_some_and(|p| p.is_empty() || p.split(',').all(|x| parse_int(x).is_some()))
        })
}

/// Whether LightGBM's `Common::Atof` reads `v` as NaN: after spaces and a
/// sign, no number starts and the word up to a delimiter is empty, `na`,
/// `nan` or `null`.
fn atof_is_nan(v: &[u8]) -> bool {
    let mut i = 0;
    while v.get(i) == Some(&b' ') {
        i += 1;
    }
    if matches!(v.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    if matches!(v.get(i), Some(b'0'..=b'9' | b'.' | b'e' | b'E')) {
        return false;
    }
    let rest = v.get(i..).unwrap_or_default();
    let end = rest
        .iter()
        .position(|c| matches!(c, b' ' | b'\t' | b',' | b'\n' | b'\r' | b':'))
        .unwrap_or(rest.len());
    let word = rest.get(..end).unwrap_or_default().to_ascii_lowercase();
    matches!(word.as_slice(), b"" | b"na" | b"nan" | b"null")
}
