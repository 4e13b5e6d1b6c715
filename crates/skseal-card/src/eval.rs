//! Evaluation on labelled data: a CSV file read into a table, the model run
//! natively, and the numbers scikit-learn's metrics give (confusion matrix,
//! ROC and precision-recall curves with their areas, R², errors), computed
//! in scikit-learn's order of operations.

use serde_json::{json, Value};
use skseal_native::npsum;
use skseal_native::{input, Data, Labels, Method, Model, Output, Table};

use crate::CardError;

/// Read a CSV file separated by `delimiter` as `skseal predict` reads it
/// ([`input::read_csv`], [`input::text_column`]); `target` is taken out as
/// text. With `header` false the columns are numbered from 0 and `target`
/// is a column number.
pub fn read_csv(
    path: &std::path::Path,
    target: &str,
    delimiter: u8,
    header: bool,
) -> Result<(Data, Vec<String>), CardError> {
    let where_ = |e: String| CardError::Data(format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| where_(e.to_string()))?;
    let t = input::read_csv(std::io::BufReader::new(file), delimiter, header)
        .map_err(|e| where_(e.to_string()))?;
    let (mut names, mut cells) = (t.names, t.cells);
    let Some(ti) = names.iter().position(|n| n == target.trim()) else {
        if !header {
            return Err(where_(format!(
                "target {target:?}: the data has no header row, so give the target as a column \
                 number from 0 to {}",
                names.len().saturating_sub(1)
            )));
        }
        let hint = input::delimiter_hint(&names, delimiter)
            .map(|h| format!("; {h}"))
            .unwrap_or_default();
        return Err(where_(format!(
            "no column named {target:?} (the header has: {}){hint}",
            names.join(", ")
        )));
    };
    let y = cells.remove(ti);
    names.remove(ti);
    if y.is_empty() {
        return Err(where_("no data rows".into()));
    }
    let columns = cells.into_iter().map(input::text_column).collect();
    let t = Table::new(names, columns).map_err(|e| where_(e.to_string()))?;
    Ok((Data::Table(t), y))
}

/// The data as the model takes it ([`Model::take_table`], the rule of
/// `skseal predict`): a table of numbers only, for a model fitted without
/// column names, is used by position; the second value is the warning
/// given when the data's header names those columns.
pub fn for_model(
    model: &Model,
    data: Data,
    named: bool,
) -> Result<(Data, Option<String>), CardError> {
    match data {
        Data::Table(t) => model
            .take_table(t, named)
            .map_err(|e| CardError::Data(e.to_string())),
        d => Ok((d, None)),
    }
}

/// The index of each true label in `classes` (text equal, or equal as numbers).
pub fn encode(y: &[String], classes: &Labels) -> Result<Vec<usize>, CardError> {
    let texts: Vec<String> = (0..classes.len()).map(|i| classes.text(i)).collect();
    let nums: Vec<Option<f64>> = texts.iter().map(|t| t.parse::<f64>().ok()).collect();
    y.iter()
        .enumerate()
        .map(|(row, v)| {
            let v = v.trim();
            if let Some(j) = texts.iter().position(|t| t == v) {
                return Ok(j);
            }
            if let Ok(x) = v.parse::<f64>() {
                if let Some(j) = nums.iter().position(|n| *n == Some(x)) {
                    return Ok(j);
                }
            }
            if let Some(j) = texts.iter().position(|t| t.eq_ignore_ascii_case(v)) {
                return Ok(j);
            }
            Err(CardError::Data(format!(
                "row {}: the target value {v:?} is not one of the model's classes ({})",
                row + 1,
                texts.join(", ")
            )))
        })
        .collect()
}

/// `confusion_matrix(y_true, y_pred, labels=classes_)`: rows are true classes.
pub fn confusion(y: &[usize], pred: &[usize], k: usize) -> Vec<Vec<u64>> {
    let mut m = vec![vec![0u64; k]; k];
    for (&t, &p) in y.iter().zip(pred) {
        if t < k && p < k {
            m[t][p] += 1;
        }
    }
    m
}

/// scikit-learn's `_binary_clf_curve`: false and true positive counts at
/// each distinct score, scores descending, and those scores.
pub fn binary_clf_curve(pos: &[bool], score: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    // np.argsort(score, kind="mergesort")[::-1]
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    idx.reverse();
    let mut fps = Vec::new();
    let mut tps = Vec::new();
    let mut thr = Vec::new();
    let mut tp = 0.0f64;
    for (r, &i) in idx.iter().enumerate() {
        if pos[i] {
            tp += 1.0;
        }
        let last = r + 1 == idx.len() || score[idx[r + 1]] != score[i];
        if last {
            tps.push(tp);
            fps.push(1.0 + r as f64 - tp);
            thr.push(score[i]);
        }
    }
    (fps, tps, thr)
}

/// `roc_curve(..., drop_intermediate=True)`: (fpr, tpr).
pub fn roc_curve(pos: &[bool], score: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (mut fps, mut tps, _) = binary_clf_curve(pos, score);
    if fps.len() > 2 {
        let keep: Vec<usize> = (0..fps.len())
            .filter(|&i| {
                i == 0
                    || i + 1 == fps.len()
                    || (fps[i + 1] - 2.0 * fps[i] + fps[i - 1]) != 0.0
                    || (tps[i + 1] - 2.0 * tps[i] + tps[i - 1]) != 0.0
            })
            .collect();
        fps = keep.iter().map(|&i| fps[i]).collect();
        tps = keep.iter().map(|&i| tps[i]).collect();
    }
    fps.insert(0, 0.0);
    tps.insert(0, 0.0);
    let (fl, tl) = (
        fps.last().copied().unwrap_or(0.0),
        tps.last().copied().unwrap_or(0.0),
    );
    let fpr = fps.iter().map(|f| f / fl).collect();
    let tpr = tps.iter().map(|t| t / tl).collect();
    (fpr, tpr)
}

/// `np.trapezoid(y, x)`: numpy's pairwise sum of `diff(x) * (y[1:] + y[:-1]) / 2`.
pub fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    let parts: Vec<f64> = (1..x.len().min(y.len()))
        .map(|i| (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2.0)
        .collect();
    npsum::sum(&parts)
}

/// `roc_auc_score` for one binary problem; `None` when only one class is present.
pub fn roc_auc(pos: &[bool], score: &[f64]) -> Option<f64> {
    let npos = pos.iter().filter(|&&p| p).count();
    if npos == 0 || npos == pos.len() {
        return None;
    }
    let (fpr, tpr) = roc_curve(pos, score);
    Some(trapezoid(&fpr, &tpr))
}

/// `precision_recall_curve`: (precision, recall), in scikit-learn's order
/// (recall decreasing, ending at precision 1, recall 0).
pub fn pr_curve(pos: &[bool], score: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let (fps, tps, _) = binary_clf_curve(pos, score);
    let last = tps.last().copied().unwrap_or(0.0);
    let mut p: Vec<f64> = tps
        .iter()
        .zip(&fps)
        .map(|(t, f)| if t + f != 0.0 { t / (t + f) } else { 0.0 })
        .rev()
        .collect();
    let mut r: Vec<f64> = tps
        .iter()
        .map(|t| if last == 0.0 { 1.0 } else { t / last })
        .rev()
        .collect();
    p.push(1.0);
    r.push(0.0);
    (p, r)
}

/// `average_precision_score` for one binary problem.
pub fn average_precision(pos: &[bool], score: &[f64]) -> Option<f64> {
    if !pos.iter().any(|&p| p) {
        return None;
    }
    let (p, r) = pr_curve(pos, score);
    let parts: Vec<f64> = (1..r.len()).map(|i| (r[i] - r[i - 1]) * p[i - 1]).collect();
    Some(0.0f64.max(-npsum::sum(&parts)))
}

/// `np.mean` of a short vector (pairwise sum, then one division).
pub fn mean(v: &[f64]) -> f64 {
    npsum::sum(v) / v.len() as f64
}

/// One curve for the plots: its name and points.
pub struct Curve {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Results of an evaluation.
pub enum Evaluation {
    Classification {
        classes: Vec<String>,
        rows: usize,
        accuracy: f64,
        confusion: Vec<Vec<u64>>,
        /// Which scores the curves use (e.g. "predict_proba").
        score_method: Option<&'static str>,
        /// Per class (one-vs-rest; binary: the positive class only).
        roc_auc: Vec<(String, Option<f64>)>,
        roc_auc_macro: Option<f64>,
        average_precision: Vec<(String, Option<f64>)>,
        average_precision_macro: Option<f64>,
        roc: Vec<Curve>,
        pr: Vec<Curve>,
    },
    Regression {
        rows: usize,
        r2: f64,
        mae: f64,
        rmse: f64,
        /// (actual, predicted), thinned to at most `MAX_POINTS`.
        points: Vec<(f64, f64)>,
    },
}

/// Points drawn per scatter plot or curve (more add bytes, not information).
pub const MAX_POINTS: usize = 2000;

fn thin<T: Copy>(v: &[T]) -> Vec<T> {
    if v.len() <= MAX_POINTS {
        return v.to_vec();
    }
    let step = v.len() as f64 / MAX_POINTS as f64;
    let mut out: Vec<T> = (0..MAX_POINTS)
        .map(|i| v[(i as f64 * step) as usize])
        .collect();
    if let Some(l) = v.last() {
        out.push(*l);
    }
    out
}

/// Run the model on `x` (as [`for_model`] gives it) and compare with the
/// true values `y`.
pub fn evaluate(model: &Model, x: Data, y: &[String]) -> Result<Evaluation, CardError> {
    let run = |m: Method, x: Data| {
        model
            .run(m, x)
            .map_err(|e| CardError::Data(format!("{}: {e}", m.name())))
    };
    match model.classes() {
        Some(classes) => {
            let k = classes.len();
            let names: Vec<String> = (0..k).map(|i| classes.text(i)).collect();
            let yt = encode(y, classes)?;
            let pred = match run(Method::Predict, x.clone())? {
                Output::Labels(l) => encode(
                    &(0..l.len()).map(|i| l.text(i)).collect::<Vec<_>>(),
                    classes,
                )?,
                _ => return Err(CardError::Data("predict did not return labels".into())),
            };
            let n = yt.len();
            if pred.len() != n {
                return Err(CardError::Data(format!(
                    "predict gave {} rows for {n} input rows",
                    pred.len()
                )));
            }
            let correct = yt.iter().zip(&pred).filter(|(a, b)| a == b).count();
            let confusion = confusion(&yt, &pred, k);
            // Scores: probabilities, else the decision function.
            let (scores, method): (Option<Vec<Vec<f64>>>, Option<&'static str>) =
                if model.supports(Method::PredictProba) {
                    match run(Method::PredictProba, x)? {
                        Output::Matrix(m) if m.cols == k && m.rows == n => (
                            Some(
                                (0..k)
                                    .map(|j| (0..m.rows).map(|i| m.get(i, j)).collect())
                                    .collect(),
                            ),
                            Some("predict_proba"),
                        ),
                        _ => (None, None),
                    }
                } else if model.supports(Method::DecisionFunction) {
                    match run(Method::DecisionFunction, x)? {
                        Output::Vector(v) if k == 2 && v.len() == n => (
                            Some(vec![v.iter().map(|s| -s).collect(), v]),
                            Some("decision_function"),
                        ),
                        Output::Matrix(m) if m.cols == k && m.rows == n => (
                            Some(
                                (0..k)
                                    .map(|j| (0..m.rows).map(|i| m.get(i, j)).collect())
                                    .collect(),
                            ),
                            Some("decision_function"),
                        ),
                        _ => (None, None),
                    }
                } else {
                    (None, None)
                };
            let mut aucs = Vec::new();
            let mut ap = Vec::new();
            let mut roc = Vec::new();
            let mut pr = Vec::new();
            if let Some(s) = &scores {
                // Binary: the positive class (classes_[1]) only, as scikit-learn does.
                let which: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
                for j in which {
                    let pos: Vec<bool> = yt.iter().map(|&t| t == j).collect();
                    let a = roc_auc(&pos, &s[j]);
                    aucs.push((names[j].clone(), a));
                    ap.push((names[j].clone(), average_precision(&pos, &s[j])));
                    if a.is_some() {
                        let (f, t) = roc_curve(&pos, &s[j]);
                        let pts: Vec<(f64, f64)> = f.into_iter().zip(t).collect();
                        roc.push(Curve {
                            name: format!("{} (AUC {:.3})", names[j], a.unwrap_or(0.0)),
                            points: thin(&pts),
                        });
                        let (p, r) = pr_curve(&pos, &s[j]);
                        let pts: Vec<(f64, f64)> = r.into_iter().zip(p).collect();
                        pr.push(Curve {
                            name: names[j].clone(),
                            points: thin(&pts),
                        });
                    }
                }
            }
            let macro_of = |v: &[(String, Option<f64>)]| -> Option<f64> {
                let vals: Option<Vec<f64>> = v.iter().map(|x| x.1).collect();
                vals.filter(|v| !v.is_empty()).map(|v| mean(&v))
            };
            Ok(Evaluation::Classification {
                rows: yt.len(),
                accuracy: correct as f64 / yt.len().max(1) as f64,
                confusion,
                score_method: method,
                roc_auc_macro: macro_of(&aucs),
                average_precision_macro: macro_of(&ap),
                roc_auc: aucs,
                average_precision: ap,
                roc,
                pr,
                classes: names,
            })
        }
        None => {
            let yv: Vec<f64> = y
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.trim().parse::<f64>().map_err(|_| {
                        CardError::Data(format!(
                            "row {}: the target {v:?} is not a number (the model is a regressor)",
                            i + 1
                        ))
                    })
                })
                .collect::<Result<_, _>>()?;
            if !model.supports(Method::Predict) {
                return Err(CardError::Data(format!(
                    "{} has no predict method to evaluate",
                    model.class()
                )));
            }
            let pred = match run(Method::Predict, x)? {
                Output::Vector(v) => v,
                Output::Labels(Labels::Float(v)) => v,
                Output::Matrix(m) if m.cols == 1 => m.data,
                _ => {
                    return Err(CardError::Data(format!(
                        "{} is neither a classifier nor a regressor (predict does not return \
                         one number per row), so it cannot be evaluated against a target",
                        model.class()
                    )))
                }
            };
            if pred.len() != yv.len() {
                return Err(CardError::Data(format!(
                    "predict gave {} rows for {} input rows",
                    pred.len(),
                    yv.len()
                )));
            }
            let n = yv.len() as f64;
            let res: Vec<f64> = yv.iter().zip(&pred).map(|(a, p)| a - p).collect();
            let ss_res = npsum::sum(&res.iter().map(|r| r * r).collect::<Vec<_>>());
            let ym = mean(&yv);
            let ss_tot = npsum::sum(&yv.iter().map(|v| (v - ym) * (v - ym)).collect::<Vec<_>>());
            let r2 = if ss_tot != 0.0 {
                1.0 - ss_res / ss_tot
            } else if ss_res == 0.0 {
                1.0
            } else {
                0.0
            };
            let mae = npsum::sum(&res.iter().map(|r| r.abs()).collect::<Vec<_>>()) / n;
            let rmse = (ss_res / n).sqrt();
            let pts: Vec<(f64, f64)> = yv.iter().copied().zip(pred.iter().copied()).collect();
            Ok(Evaluation::Regression {
                rows: yv.len(),
                r2,
                mae,
                rmse,
                points: thin(&pts),
            })
        }
    }
}

fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

impl Evaluation {
    /// The numbers as JSON (for `skseal.card(...).summary` and tests).
    pub fn json(&self) -> Value {
        let opt = |x: &Option<f64>| x.map_or(Value::Null, num);
        match self {
            Evaluation::Classification {
                classes,
                rows,
                accuracy,
                confusion,
                score_method,
                roc_auc,
                roc_auc_macro,
                average_precision,
                average_precision_macro,
                ..
            } => json!({
                "kind": "classification",
                "rows": rows,
                "classes": classes,
                "accuracy": num(*accuracy),
                "confusion_matrix": confusion,
                "scores": score_method,
                "roc_auc": roc_auc.iter().map(|(c, a)| json!({"class": c, "auc": opt(a)})).collect::<Vec<_>>(),
                "roc_auc_macro": opt(roc_auc_macro),
                "average_precision": average_precision.iter().map(|(c, a)| json!({"class": c, "ap": opt(a)})).collect::<Vec<_>>(),
                "average_precision_macro": opt(average_precision_macro),
            }),
            Evaluation::Regression {
                rows,
                r2,
                mae,
                rmse,
                ..
            } => json!({
                "kind": "regression",
                "rows": rows,
                "r2": num(*r2),
                "mae": num(*mae),
                "rmse": num(*rmse),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values computed with scikit-learn 1.9.1:
    //   y = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0]
    //   s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.05, 0.7, 0.6]
    //   roc_auc_score(y, s) = 0.76, average_precision_score(y, s) = 0.8392857142857142
    //   roc_curve(y, s): fpr = [0, 0, 0, 0.2, 0.6, 0.6, 1], tpr = [0, 0.2, 0.6, 0.6, 0.6, 1, 1]
    const Y: [u8; 10] = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0];
    const S: [f64; 10] = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.05, 0.7, 0.6];

    fn pos() -> Vec<bool> {
        Y.iter().map(|&v| v == 1).collect()
    }

    #[test]
    fn roc_auc_matches_sklearn() {
        assert_eq!(roc_auc(&pos(), &S), Some(0.76));
        let (f, t) = roc_curve(&pos(), &S);
        assert_eq!(f, vec![0.0, 0.0, 0.0, 0.2, 0.6, 0.6, 1.0]);
        assert_eq!(t, vec![0.0, 0.2, 0.6, 0.6, 0.6, 1.0, 1.0]);
        assert_eq!(roc_auc(&[true, true], &[0.1, 0.2]), None);
        // perfect and inverted rankings
        assert_eq!(roc_auc(&[false, true], &[0.1, 0.2]), Some(1.0));
        assert_eq!(roc_auc(&[true, false], &[0.1, 0.2]), Some(0.0));
    }

    #[test]
    fn average_precision_matches_sklearn() {
        assert_eq!(average_precision(&pos(), &S), Some(0.8392857142857142));
    }

    #[test]
    fn confusion_matches_sklearn() {
        // confusion_matrix([0, 1, 2, 2, 1, 0], [0, 2, 2, 2, 1, 1], labels=[0, 1, 2])
        let m = confusion(&[0, 1, 2, 2, 1, 0], &[0, 2, 2, 2, 1, 1], 3);
        assert_eq!(m, vec![vec![1, 1, 0], vec![0, 1, 1], vec![0, 0, 2]]);
    }

    #[test]
    fn ties_share_a_threshold() {
        let (fps, tps, thr) = binary_clf_curve(&[true, false, true], &[0.5, 0.5, 0.1]);
        assert_eq!(thr, vec![0.5, 0.1]);
        assert_eq!(tps, vec![1.0, 2.0]);
        assert_eq!(fps, vec![1.0, 1.0]);
    }

    #[test]
    fn labels_match_as_text_or_numbers() {
        let c = Labels::Float(vec![0.0, 1.0]);
        assert_eq!(
            encode(&["1".into(), "0.0".into()], &c).ok(),
            Some(vec![1, 0])
        );
        let c = Labels::Str(vec!["a".into(), "b".into()]);
        assert!(encode(&["c".into()], &c).is_err());
    }
}
