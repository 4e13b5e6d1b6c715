//! XGBoost's serialized Booster (`XGBoosterSerializeToBuffer`: UBJSON
//! `{"Config": ..., "Model": ...}`), parsed and checked before XGBoost's
//! `XGBoosterUnserializeFromBuffer` sees it.
//!
//! XGBoost 3.2's `LearnerIO::Load` peeks two bytes: `{` then a letter
//! (UBJSON's `L` key marker), and reads UBJSON; JSON text (`{"`) fails its
//! `isalpha` check and the pre-1.0 binary format fails the `{` check. This
//! parser reads UBJSON, and JSON text of the same shape (recorded as
//! [`Format::Json`]; XGBoost 3.2 itself refuses that buffer).
//!
//! What XGBoost's loader trusts and this module checks: the tree count
//! against `trees`, `tree_info` and `iteration_indptr` (whose last entry it
//! reads without checking it exists), tree ids (`trees.at(id)`, a repeated
//! id leaves a null tree), every per-node array's length, child and parent
//! indices (it indexes `nodes[parent]` while loading and follows children
//! while predicting until a `-1`), split features against `num_feature`,
//! categorical segments (it reads `categories[j]` for `j` in a segment
//! taken from the file and sets bit `category` of a bitfield sized from the
//! largest one), gblinear's weight count (never checked by XGBoost; the
//! predictor reads `weight[f * groups + g]` and the bias after them), the
//! category encoder's offsets and segments, and sizes that XGBoost would
//! allocate from (output groups, features, category bitfields).

mod cats;
mod tree;

pub use cats::Categories;
pub use tree::{XgbTree, MAX_CATEGORY};

use super::ubjson::{self, Value};
use super::{BoosterError, MAX_PAYLOAD};

/// Largest `num_feature` accepted (XGBoost's predictor allocates per-thread
/// feature vectors of this length).
pub const MAX_FEATURES: i64 = 1 << 24;

/// Largest number of output groups (`max(num_class, num_target, 1)`)
/// accepted (XGBoost sizes the intercept and every prediction row by it).
pub const MAX_OUTPUTS: i64 = 1 << 16;

type Res<T> = Result<T, BoosterError>;

fn bad(at: impl Into<String>, why: impl Into<String>) -> BoosterError {
    BoosterError::new("XGBoost", at, why)
}

/// Which text the buffer was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// UBJSON, what `XGBoosterSerializeToBuffer` writes and 3.2 loads.
    #[default]
    Ubjson,
    /// JSON text (XGBoost 3.2's `UnserializeFromBuffer` refuses it).
    Json,
}

/// The gradient booster and its own parameters.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Booster {
    /// `gbtree`: the trees are in [`XgbModel::trees`].
    #[default]
    GbTree,
    /// `dart`: trees in [`XgbModel::trees`], one drop weight per tree.
    Dart {
        /// Weight of each tree at prediction (`weight_drop`, float32).
        weight_drop: Vec<f32>,
    },
    /// `gblinear`: `(num_feature + 1) * num_output_group` weights, feature
    /// major, the biases last.
    GbLinear {
        /// The weights (float32).
        weights: Vec<f32>,
        /// `boosted_rounds` if written.
        boosted_rounds: Option<i64>,
    },
}

/// A parsed, checked XGBoost model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct XgbModel {
    /// UBJSON or JSON text.
    pub format: Format,
    /// `Model.version` (major, minor, patch) of the XGBoost that wrote it.
    pub version: [u32; 3],
    /// `learner_model_param.num_feature` (1..=[`MAX_FEATURES`]).
    pub num_feature: u32,
    /// `learner_model_param.num_class` (0 for non-multiclass).
    pub num_class: u32,
    /// `learner_model_param.num_target` (>= 1).
    pub num_target: u32,
    /// `max(num_class, num_target, 1)`: the trees' groups, outputs per row.
    pub num_output_group: u32,
    /// The intercept, one float32 per output group (a single written value is
    /// repeated, as XGBoost does), in the objective's output space as
    /// written (XGBoost converts it to a margin with the objective).
    pub base_score: Vec<f32>,
    /// `learner_model_param.base_score` as written (e.g. `"[5E-1]"`).
    pub base_score_text: String,
    /// `learner_model_param.boost_from_average` (default true).
    pub boost_from_average: bool,
    /// `Model.learner.objective.name`, e.g. `binary:logistic`.
    pub objective: String,
    /// The whole `Model.learner.objective` object (its parameters).
    pub objective_params: Value,
    /// The gradient booster.
    pub booster: Booster,
    /// gbtree/dart `num_parallel_tree` (1 for gblinear).
    pub num_parallel_tree: u32,
    /// The trees (empty for gblinear).
    pub trees: Vec<XgbTree>,
    /// Output group of each tree.
    pub tree_info: Vec<i32>,
    /// Trees of boosting round `i` are `iteration_indptr[i]..[i + 1]`.
    pub iteration_indptr: Vec<i32>,
    /// Feature names (empty or `num_feature` of them).
    pub feature_names: Vec<String>,
    /// Feature types (empty or `num_feature` of them; `c` categorical).
    pub feature_types: Vec<String>,
    /// The category encoder (`gradient_booster.model.cats`), per feature:
    /// the categories a DataFrame's category column had in training, whose
    /// positions are the codes the trees split on (empty when the model has
    /// no encoder; `None` for a feature without categories).
    pub categories: Vec<Option<Categories>>,
    /// `Model.learner.attributes` in document order.
    pub attributes: Vec<(String, String)>,
    /// The `best_iteration` attribute, if present.
    pub best_iteration: Option<i64>,
    /// The `best_ntree_limit` attribute, if present.
    pub best_ntree_limit: Option<i64>,
    /// The whole `Config` object (training and objective configuration).
    pub config: Value,
}

pub(super) fn get_field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key)
}

/// Member `key` of the object `v` at `at`; an error names what is missing.
pub(super) fn field<'a>(v: &'a Value, at: &str, key: &str) -> Res<&'a Value> {
    match v {
        Value::Object(_) => v
            .get(key)
            .ok_or_else(|| bad(at, format!("missing key {key:?}"))),
        _ => Err(bad(
            at,
            format!("{} where an object was expected", v.kind()),
        )),
    }
}

fn str_field<'a>(v: &'a Value, at: &str, key: &str) -> Res<&'a str> {
    match field(v, at, key)? {
        Value::Str(s) => Ok(s),
        o => Err(bad(
            format!("{at}.{key}"),
            format!("{} where a string was expected", o.kind()),
        )),
    }
}

/// A decimal integer written as a string (XGBoost's parameters), in [lo, hi].
fn parse_int_str(v: &Value, at: &str, key: &str, lo: i64, hi: i64) -> Res<i64> {
    let s = str_field(v, at, key)?;
    let digits = s.strip_prefix('-').unwrap_or(s);
    let n =
        if !digits.is_empty() && digits.len() <= 19 && digits.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<i64>().ok()
        } else {
            None
        };
    match n {
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(bad(
            format!("{at}.{key}"),
            format!("{s:?} where a decimal integer in [{lo}, {hi}] was expected"),
        )),
    }
}

fn opt_int_str(v: &Value, at: &str, key: &str, lo: i64, hi: i64, default: i64) -> Res<i64> {
    match get_field(v, key) {
        None => Ok(default),
        Some(_) => parse_int_str(v, at, key, lo, hi),
    }
}

pub(super) fn int_value(v: &Value, at: &str) -> Res<i64> {
    match v {
        Value::Int(n) => Ok(*n),
        o => Err(bad(
            at,
            format!("{} where an integer was expected", o.kind()),
        )),
    }
}

fn strings(v: &Value, at: &str) -> Res<Vec<String>> {
    match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, e)| match e {
                Value::Str(s) => Ok(s.clone()),
                o => Err(bad(
                    format!("{at}[{i}]"),
                    format!("{} where a string was expected", o.kind()),
                )),
            })
            .collect(),
        o => Err(bad(
            at,
            format!("{} where an array of strings was expected", o.kind()),
        )),
    }
}

/// `base_score` as XGBoost's `ParamArray<float>` reads it: one number or a
/// `[..]` (or `(..)`) list of numbers, each parsed to float32.
fn parse_base_score(s: &str, at: &str) -> Res<Vec<f32>> {
    let t = s.trim();
    let inner = match (t.chars().next(), t.chars().last()) {
        (Some('[' | '('), Some(']' | ')')) if t.len() >= 2 => &t[1..t.len() - 1],
        _ => t,
    };
    let out: Option<Vec<f32>> = inner
        .split(',')
        .map(|x| {
            let x = x.trim();
            let ok = !x.is_empty()
                && x.bytes()
                    .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
            if ok {
                x.parse::<f32>().ok()
            } else {
                None
            }
        })
        .collect();
    match out {
        Some(v) if !v.is_empty() && v.iter().all(|f| f.is_finite()) => Ok(v),
        _ => Err(bad(
            at,
            format!("{s:?} where a finite number or a [..] list of them was expected"),
        )),
    }
}

/// Parse and check an XGBoost serialized buffer (the bytes of
/// `Booster.__getstate__()["handle"]`).
pub fn parse(buf: &[u8]) -> Result<XgbModel, BoosterError> {
    if buf.len() > MAX_PAYLOAD {
        return Err(bad(
            "payload",
            format!(
                "{} bytes, more than the {MAX_PAYLOAD}-byte limit",
                buf.len()
            ),
        ));
    }
    let first = buf.iter().position(|b| !b.is_ascii_whitespace());
    let (doc, format) = match (buf.first(), buf.get(1)) {
        (Some(b'{'), Some(c)) if c.is_ascii_alphabetic() => (ubjson::parse_ubjson(buf), Format::Ubjson),
        _ if first.is_some_and(|i| buf[i] == b'{') => (ubjson::parse_json(buf), Format::Json),
        _ => {
            return Err(bad(
                "byte 0",
                "neither UBJSON nor JSON text: XGBoost's loader needs '{' first (the old binary model format is not loaded by XGBoost 3.2)",
            ))
        }
    };
    let doc = doc.map_err(|e| bad(format!("byte {}", e.offset), e.why))?;
    let Value::Object(top) = &doc else {
        return Err(bad(
            "document",
            format!(
                "{} where the object {{Config, Model}} was expected",
                doc.kind()
            ),
        ));
    };
    if let Some((k, _)) = top.iter().find(|(k, _)| k != "Config" && k != "Model") {
        return Err(bad(
            k.clone(),
            "unexpected top-level key: only Config and Model are expected",
        ));
    }
    let model = field(&doc, "document", "Model")?;
    let config = field(&doc, "document", "Config")?;
    let mut m = XgbModel {
        format,
        config: config.clone(),
        ..XgbModel::default()
    };
    m.version = version(field(model, "Model", "version")?, "Model.version")?;
    version(field(config, "Config", "version")?, "Config.version")?;
    let learner = field(model, "Model", "learner")?;
    let la = "Model.learner";
    learner_params(
        &mut m,
        field(learner, la, "learner_model_param")?,
        "Model.learner.learner_model_param",
    )?;

    let obj = field(learner, la, "objective")?;
    m.objective = str_field(obj, "Model.learner.objective", "name")?.to_string();
    m.objective_params = obj.clone();
    objective_classes(obj, "Model.learner.objective", &m)?;

    attributes(&mut m, field(learner, la, "attributes")?)?;
    for (key, dst) in [
        ("feature_names", &mut m.feature_names),
        ("feature_types", &mut m.feature_types),
    ] {
        if let Some(v) = get_field(learner, key) {
            let at = format!("{la}.{key}");
            *dst = strings(v, &at)?;
            if !dst.is_empty() && dst.len() != m.num_feature as usize {
                return Err(bad(
                    at,
                    format!(
                        "{} entries where num_feature = {} (or none) were expected",
                        dst.len(),
                        m.num_feature
                    ),
                ));
            }
        }
    }

    let gb = field(learner, la, "gradient_booster")?;
    let gba = "Model.learner.gradient_booster";
    let name = str_field(gb, gba, "name")?.to_string();
    match name.as_str() {
        "gbtree" => gbtree(&mut m, gb, gba, buf.len())?,
        "dart" => {
            let inner = field(gb, gba, "gbtree")?;
            let ia = format!("{gba}.gbtree");
            let iname = str_field(inner, &ia, "name")?;
            if iname != "gbtree" {
                return Err(bad(
                    format!("{ia}.name"),
                    format!("{iname:?} where \"gbtree\" was expected"),
                ));
            }
            gbtree(&mut m, inner, &ia, buf.len())?;
            let wa = format!("{gba}.weight_drop");
            let wv = field(gb, gba, "weight_drop")?;
            let weight_drop = tree::f32s(wv, &wa)?;
            if weight_drop.len() != m.trees.len() {
                return Err(bad(
                    wa,
                    format!(
                        "{} entries where num_trees = {} were expected",
                        weight_drop.len(),
                        m.trees.len()
                    ),
                ));
            }
            m.booster = Booster::Dart { weight_drop };
        }
        "gblinear" => gblinear(&mut m, gb, gba)?,
        other => {
            return Err(bad(
                format!("{gba}.name"),
                format!("{other:?} where gbtree, dart or gblinear was expected"),
            ))
        }
    }
    check_config(&m, config, &name)?;
    Ok(m)
}

fn version(v: &Value, at: &str) -> Res<[u32; 3]> {
    let ints = tree::i64s(v, at)?;
    if ints.len() != 3 || ints.iter().any(|&x| !(0..=u32::MAX as i64).contains(&x)) {
        return Err(bad(
            at,
            format!("{ints:?} where [major, minor, patch] was expected"),
        ));
    }
    Ok([ints[0] as u32, ints[1] as u32, ints[2] as u32])
}

fn learner_params(m: &mut XgbModel, p: &Value, at: &str) -> Res<()> {
    m.num_feature = parse_int_str(p, at, "num_feature", 1, MAX_FEATURES)? as u32;
    m.num_class = parse_int_str(p, at, "num_class", 0, MAX_OUTPUTS)? as u32;
    m.num_target = opt_int_str(p, at, "num_target", 1, MAX_OUTPUTS, 1)? as u32;
    if m.num_class > 1 && m.num_target > 1 {
        return Err(bad(
            at,
            format!(
                "num_class = {} and num_target = {}: XGBoost refuses both above 1",
                m.num_class, m.num_target
            ),
        ));
    }
    m.num_output_group = m.num_class.max(m.num_target).max(1);
    m.boost_from_average = opt_int_str(p, at, "boost_from_average", 0, 1, 1)? == 1;
    let bat = format!("{at}.base_score");
    m.base_score_text = str_field(p, at, "base_score")?.to_string();
    let mut bs = parse_base_score(&m.base_score_text, &bat)?;
    let groups = m.num_output_group as usize;
    if bs.len() == 1 && groups > 1 {
        bs = vec![bs[0]; groups];
    }
    if bs.len() != groups {
        return Err(bad(
            bat,
            format!(
                "{} values where 1 or num_output_group = {groups} were expected",
                bs.len()
            ),
        ));
    }
    m.base_score = bs;
    Ok(())
}

fn attributes(m: &mut XgbModel, v: &Value) -> Res<()> {
    let at = "Model.learner.attributes";
    let Value::Object(kv) = v else {
        return Err(bad(
            at,
            format!("{} where an object of strings was expected", v.kind()),
        ));
    };
    for (k, val) in kv {
        let Value::Str(s) = val else {
            return Err(bad(
                format!("{at}.{k}"),
                format!("{} where a string was expected", val.kind()),
            ));
        };
        m.attributes.push((k.clone(), s.clone()));
        let dst = match k.as_str() {
            "best_iteration" => &mut m.best_iteration,
            "best_ntree_limit" => &mut m.best_ntree_limit,
            _ => continue,
        };
        *dst = Some(
            s.trim()
                .parse::<i64>()
                .ok()
                .filter(|&x| x >= 0)
                .ok_or_else(|| {
                    bad(
                        format!("{at}.{k}"),
                        format!("{s:?} where a non-negative integer was expected"),
                    )
                })?,
        );
    }
    Ok(())
}

fn gbtree(m: &mut XgbModel, gb: &Value, gba: &str, payload: usize) -> Res<()> {
    let model = field(gb, gba, "model")?;
    let ma = format!("{gba}.model");
    let param = field(model, &ma, "gbtree_model_param")?;
    let pa = format!("{ma}.gbtree_model_param");
    let num_trees = opt_int_str(param, &pa, "num_trees", 0, i32::MAX as i64, 0)? as usize;
    m.num_parallel_tree =
        opt_int_str(param, &pa, "num_parallel_tree", 1, i32::MAX as i64, 1)? as u32;

    let ta = format!("{ma}.trees");
    let trees = match field(model, &ma, "trees")? {
        Value::Array(a) => a,
        o => {
            return Err(bad(
                ta,
                format!("{} where an array of trees was expected", o.kind()),
            ))
        }
    };
    if trees.len() != num_trees {
        return Err(bad(
            ta,
            format!(
                "{} trees where gbtree_model_param.num_trees = {num_trees} were expected",
                trees.len()
            ),
        ));
    }
    let ia = format!("{ma}.tree_info");
    let info = tree::i64s(field(model, &ma, "tree_info")?, &ia)?;
    if info.len() != num_trees {
        return Err(bad(
            ia,
            format!(
                "{} entries where num_trees = {num_trees} were expected",
                info.len()
            ),
        ));
    }
    let groups = m.num_output_group as i64;
    if let Some(i) = info.iter().position(|&g| !(0..groups).contains(&g)) {
        return Err(bad(
            format!("{ia}[{i}]"),
            format!(
                "group {} must be in [0, num_output_group = {groups})",
                info[i]
            ),
        ));
    }
    m.tree_info = info.iter().map(|&g| g as i32).collect();

    // categorical bitfields: XGBoost allocates (largest category + 1) bits per split
    let max_cat_words = (payload as u64).saturating_mul(16).max(1 << 22);
    let mut cat_words = 0u64;
    m.trees = Vec::with_capacity(num_trees);
    for (i, t) in trees.iter().enumerate() {
        let at = format!("{ta}[{i}]");
        m.trees.push(tree::parse_tree(
            t,
            &at,
            i,
            m.num_feature,
            &mut cat_words,
            max_cat_words,
            payload,
        )?);
    }

    let layer = (m.num_parallel_tree as usize).saturating_mul(m.num_output_group as usize);
    let pa = format!("{ma}.iteration_indptr");
    m.iteration_indptr = match get_field(model, "iteration_indptr") {
        Some(v) => tree::i64s(v, &pa)?
            .into_iter()
            .map(|x| i32::try_from(x).unwrap_or(-1))
            .collect(),
        None => {
            // XGBoost rebuilds it from tree_info (models before 1.6) and reads
            // its last entry: an empty model without it is undefined there.
            if num_trees == 0 || !num_trees.is_multiple_of(layer) {
                return Err(bad(
                    pa,
                    format!("missing, and {num_trees} trees are not whole rounds of {layer}"),
                ));
            }
            (0..=num_trees / layer)
                .map(|r| (r * layer) as i32)
                .collect()
        }
    };
    let ip = &m.iteration_indptr;
    if ip.first() != Some(&0) {
        return Err(bad(
            format!("{pa}[0]"),
            "iteration_indptr must start with 0",
        ));
    }
    for r in 1..ip.len() {
        if ip[r] < ip[r - 1] {
            return Err(bad(
                format!("{pa}[{r}]"),
                format!("{} after {}: must be non-decreasing", ip[r], ip[r - 1]),
            ));
        }
        let (a, b) = (ip[r - 1] as usize, ip[r] as usize);
        if b > num_trees {
            return Err(bad(
                format!("{pa}[{r}]"),
                format!("{b} is past num_trees = {num_trees}"),
            ));
        }
        if b - a != layer {
            return Err(bad(format!("{pa}[{r}]"), format!("round {} has {} trees where num_parallel_tree * num_output_group = {layer} were expected", r - 1, b - a)));
        }
        for (k, &g) in m.tree_info[a..b].iter().enumerate() {
            let want = (k / m.num_parallel_tree as usize) as i32;
            if g != want {
                return Err(bad(format!("{ia}[{}]", a + k), format!("group {g} where {want} was expected (each round holds num_parallel_tree trees per group, in group order)")));
            }
        }
    }
    if ip.last().map(|&x| x as usize) != Some(num_trees) {
        return Err(bad(
            format!("{pa}[{}]", ip.len() - 1),
            format!(
                "{:?} where num_trees = {num_trees} was expected last",
                ip.last()
            ),
        ));
    }
    if let Some(c) = get_field(model, "cats") {
        m.categories = cats::check_cats(c, &format!("{ma}.cats"), m.num_feature)?;
    }
    Ok(())
}

fn gblinear(m: &mut XgbModel, gb: &Value, gba: &str) -> Res<()> {
    let model = field(gb, gba, "model")?;
    let ma = format!("{gba}.model");
    let wa = format!("{ma}.weights");
    let weights = tree::f32s(field(model, &ma, "weights")?, &wa)?;
    let want = (m.num_feature as u64 + 1) * m.num_output_group as u64;
    if weights.len() as u64 != want {
        return Err(bad(
            wa,
            format!(
                "{} weights where (num_feature + 1) * num_output_group = {want} were expected",
                weights.len()
            ),
        ));
    }
    let boosted_rounds = match get_field(model, "boosted_rounds") {
        Some(v) => Some(int_value(v, &format!("{ma}.boosted_rounds"))?),
        None => None,
    };
    m.num_parallel_tree = 1;
    m.booster = Booster::GbLinear {
        weights,
        boosted_rounds,
    };
    Ok(())
}

/// A softmax objective's own `num_class` (which its prediction transform
/// splits each row by) must be the learner's.
fn objective_classes(obj: &Value, at: &str, m: &XgbModel) -> Res<()> {
    if !m.objective.starts_with("multi:") {
        return Ok(());
    }
    let pa = format!("{at}.softmax_multiclass_param");
    let p = field(obj, at, "softmax_multiclass_param")?;
    let n = parse_int_str(p, &pa, "num_class", 1, MAX_OUTPUTS)?;
    if n != m.num_class as i64 || m.num_target > 1 {
        return Err(bad(
            format!("{pa}.num_class"),
            format!(
                "{n} where learner_model_param.num_class = {} (one output per class) was expected",
                m.num_class
            ),
        ));
    }
    Ok(())
}

/// The Config's learner must name the same objective and booster as the
/// Model (XGBoost checks the objective, loads the booster configuration from
/// the Config, and refuses vector-leaf trees' `multi_output_tree` here).
fn check_config(m: &XgbModel, config: &Value, booster: &str) -> Res<()> {
    let la = "Config.learner";
    let learner = field(config, "Config", "learner")?;
    let tp = field(learner, la, "learner_train_param")?;
    let tpa = "Config.learner.learner_train_param";
    let objective = str_field(tp, tpa, "objective")?;
    if objective != m.objective {
        return Err(bad(
            format!("{tpa}.objective"),
            format!(
                "{objective:?} where the Model's {:?} was expected",
                m.objective
            ),
        ));
    }
    let oname = str_field(
        field(learner, la, "objective")?,
        "Config.learner.objective",
        "name",
    )?;
    if oname != m.objective {
        return Err(bad(
            "Config.learner.objective.name",
            format!("{oname:?} where the Model's {:?} was expected", m.objective),
        ));
    }
    objective_classes(
        field(learner, la, "objective")?,
        "Config.learner.objective",
        m,
    )?;
    let gname = str_field(
        field(learner, la, "gradient_booster")?,
        "Config.learner.gradient_booster",
        "name",
    )?;
    if gname != booster {
        return Err(bad(
            "Config.learner.gradient_booster.name",
            format!("{gname:?} where the Model's {booster:?} was expected"),
        ));
    }
    if let Some(Value::Str(s)) = get_field(tp, "multi_strategy") {
        if s == "multi_output_tree" {
            return Err(bad(
                format!("{tpa}.multi_strategy"),
                "multi_output_tree (vector-leaf trees) is not supported",
            ));
        }
    }
    match field(learner, la, "metrics")? {
        Value::Array(_) => {}
        o => {
            return Err(bad(
                "Config.learner.metrics",
                format!("{} where an array was expected", o.kind()),
            ))
        }
    }
    field(learner, la, "generic_param")?;
    Ok(())
}
