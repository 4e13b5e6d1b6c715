//! The card as HTML, Markdown and JSON. Every string that comes from the
//! file or the data goes through [`esc`] (HTML) or [`md`] (Markdown); the page
//! also carries a Content-Security-Policy that allows no script and no
//! external resource, so even a missed escape could not run code.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::eval::Evaluation;
use crate::svg::{self, clip, esc, fmt_num};
use crate::{num, probe_json, Facts};

const CSS: &str = r#"
:root{--ink:#1a202c;--muted:#4a5568;--line:#e2e8f0;--bg:#f4f6fb;--card:#fff;--accent:#0072B2;--ok:#1f7a4d;--okbg:#e3f5ea;--warn:#8a5a00;--warnbg:#fff4d6;--bad:#a61b1b;--badbg:#fde8e8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 24px 40px}
.hero{background:linear-gradient(135deg,#0b3d66,#0072B2);color:#fff;border-radius:14px;padding:26px 28px;margin-bottom:18px}
.kicker{text-transform:uppercase;letter-spacing:.12em;font-size:11px;opacity:.8}
h1{margin:4px 0 6px;font-size:28px;word-break:break-word}
.sub{margin:0;opacity:.9;word-break:break-all}
.badges{margin-top:14px;display:flex;flex-wrap:wrap;gap:8px}
.badge{display:inline-block;padding:3px 10px;border-radius:999px;font-size:12px;font-weight:600;background:rgba(255,255,255,.16);color:#fff;border:1px solid rgba(255,255,255,.35)}
.badge.ok{background:var(--okbg);color:var(--ok);border-color:transparent}
.badge.warn{background:var(--warnbg);color:var(--warn);border-color:transparent}
.badge.bad{background:var(--badbg);color:var(--bad);border-color:transparent}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:18px;margin-bottom:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px;margin-bottom:18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.grid .card{margin-bottom:0}
h2{font-size:16px;margin:0 0 12px;display:flex;align-items:center;gap:8px}
h3{font-size:13px;margin:14px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 14px;margin:0}
dt{color:var(--muted)}
dd{margin:0;word-break:break-word}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top;word-break:break-word}
th{color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.tiles{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:12px}
.tile{background:#f7f9fc;border:1px solid var(--line);border-radius:10px;padding:10px 14px;min-width:130px}
.tile .v{font-size:22px;font-weight:700}
.tile .k{color:var(--muted);font-size:12px}
.plots{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
figure{margin:0}
figcaption{color:var(--muted);font-size:12px;margin-top:4px;width:0;min-width:100%}
.note{color:var(--muted);font-size:13px}
.chips{display:flex;flex-wrap:wrap;gap:6px}
.chip{background:#eef2f8;border-radius:6px;padding:2px 8px;font-size:12.5px}
details{margin-top:10px}
summary{cursor:pointer;color:var(--accent);font-weight:600}
pre{background:#0f172a;color:#e2e8f0;padding:14px;border-radius:8px;overflow:auto;max-height:520px;font-size:12px;line-height:1.45}
.verdict{padding:10px 14px;border-radius:10px;margin-bottom:10px;font-weight:600}
.verdict.ok{background:var(--okbg);color:var(--ok)}.verdict.warn{background:var(--warnbg);color:var(--warn)}.verdict.bad{background:var(--badbg);color:var(--bad)}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:8px}
"#;

fn dl(rows: &[(&str, String)]) -> String {
    let mut s = String::from("<dl>");
    for (k, v) in rows {
        let _ = write!(s, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    }
    s.push_str("</dl>");
    s
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".into(),
        v => v.to_string(),
    }
}

fn stats(v: &[u64]) -> (u64, f64, u64) {
    let mut s = v.to_vec();
    s.sort_unstable();
    let med = if s.is_empty() {
        0.0
    } else if s.len() % 2 == 1 {
        s[s.len() / 2] as f64
    } else {
        (s[s.len() / 2 - 1] + s[s.len() / 2]) as f64 / 2.0
    };
    (
        s.first().copied().unwrap_or(0),
        med,
        s.last().copied().unwrap_or(0),
    )
}

/// The security verdict: (class, headline, detail).
fn verdict(f: &Facts) -> (&'static str, String, String) {
    let bad: Vec<_> = f.scan.iter().filter(|g| g.2 == "dangerous").collect();
    let unknown: Vec<_> = f.scan.iter().filter(|g| g.2 == "unknown").collect();
    let trusted: Vec<_> = f.scan.iter().filter(|g| g.2 == "trusted").collect();
    if !bad.is_empty() {
        return (
            "bad",
            "Refers to names that can run code".into(),
            format!(
                "Never load this file with pickle or joblib: {}.",
                bad.iter()
                    .map(|g| g.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if !unknown.is_empty() || !trusted.is_empty() {
        let names: Vec<&str> = unknown
            .iter()
            .chain(trusted.iter())
            .map(|g| g.0.as_str())
            .collect();
        return (
            "warn",
            "Needs explicit trust".into(),
            format!(
                "Loading needs trusted=[…] (or --trust) for: {}. Trust only code you know.",
                names.join(", ")
            ),
        );
    }
    (
        "ok",
        "No trust needed".into(),
        format!(
            "All {} names the file refers to are on skseal's default allow-list; nothing in the file is executed when it is loaded.",
            f.scan.len()
        ),
    )
}

fn probe_badge(f: &Facts) -> (&'static str, String) {
    match (&f.probe, &f.native_error) {
        (Some(p), _) if p.checked && p.passed => ("ok", "probe re-checked natively".into()),
        (Some(p), _) if p.checked => ("bad", "probe differs".into()),
        (Some(_), _) => ("warn", "probe not checked natively".into()),
        (None, _) if f.probe_note.is_some() => ("warn", "probe not readable natively".into()),
        (None, _) => ("warn", "no probe".into()),
    }
}

/// The HTML page.
pub fn html(f: &Facts) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let m = &f.metadata;
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"generator\" content=\"skseal {}\">\
<title>{} — model card</title><style>{CSS}</style></head><body><main>",
        esc(env!("CARGO_PKG_VERSION")),
        esc(&f.name)
    );
    // Hero
    let short = f.class.rsplit('.').next().unwrap_or(&f.class).to_string();
    let _ = write!(
        o,
        "<header class=\"hero\"><div class=\"kicker\">Model card · skseal</div><h1>{}</h1><p class=\"sub\">{} · {} · {}</p><div class=\"badges\">",
        esc(&f.name),
        esc(&short),
        esc(&f.file_name),
        esc(&human(f.file_size))
    );
    let (vc, vh, _) = verdict(f);
    let _ = write!(o, "<span class=\"badge {vc}\">{}</span>", esc(&vh));
    match &f.signer {
        Some(k) => {
            let _ = write!(o, "<span class=\"badge ok\">signed · key {}</span>", esc(k));
        }
        None => o.push_str("<span class=\"badge warn\">not signed</span>"),
    }
    let (pc, ph) = probe_badge(f);
    let _ = write!(o, "<span class=\"badge {pc}\">{}</span>", esc(&ph));
    match &f.native_error {
        None => o.push_str("<span class=\"badge\">native inference: yes</span>"),
        Some(_) => o.push_str("<span class=\"badge\">native inference: no</span>"),
    }
    o.push_str("</div></header>");

    // Identity + environment
    o.push_str("<section class=\"grid\"><div class=\"card\"><h2>Identity</h2>");
    let mut id_rows: Vec<(&str, String)> =
        vec![("estimator", format!("<code>{}</code>", esc(&f.class)))];
    if let Some(fc) = &f.final_class {
        id_rows.push(("final step", format!("<code>{}</code>", esc(fc))));
    }
    id_rows.push((
        "file",
        format!("{} ({})", esc(&f.file_name), esc(&human(f.file_size))),
    ));
    id_rows.push(("format", esc(&f.format)));
    id_rows.push((
        "fingerprint",
        f.fingerprint
            .as_ref()
            .map(|x| format!("<code>{}</code>", esc(x)))
            .unwrap_or_else(|| "—".into()),
    ));
    id_rows.push((
        "signature",
        match &f.signer {
            Some(k) => format!(
                "valid, by key ID <code>{}</code> (checked against the key in the file, not against a key you trust: use <code>skseal verify --key</code>)",
                esc(k)
            ),
            None => "none".into(),
        },
    ));
    if let Some(c) = m["created_utc"].as_str() {
        id_rows.push(("created", esc(c)));
    }
    if !f.methods.is_empty() {
        id_rows.push(("methods", esc(&f.methods.join(", "))));
    }
    o.push_str(&dl(&id_rows));
    o.push_str("</div><div class=\"card\"><h2>Environment</h2>");
    let mut env_rows: Vec<(String, String)> = Vec::new();
    if let Some(v) = m["skseal"].as_str() {
        env_rows.push(("skseal".into(), esc(v)));
    }
    if let Some(env) = m["environment"].as_object() {
        for (k, v) in env {
            env_rows.push((k.clone(), esc(&text_of(v))));
        }
    }
    if env_rows.is_empty() {
        o.push_str("<p class=\"note\">No environment recorded (legacy pickle/joblib files record none).</p>");
    } else {
        let rows: Vec<(&str, String)> = env_rows
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        o.push_str(&dl(&rows));
        o.push_str("<p class=\"note\">Library versions at save time. Loading under other versions re-checks the probe.</p>");
    }
    o.push_str("</div></section>");

    // User metadata and metrics
    let user = f.user();
    let metrics = f.user_metrics();
    if !user.is_empty() {
        o.push_str("<section class=\"card\"><h2>Metadata</h2>");
        if let Some(d) = user.get("description").and_then(Value::as_str) {
            let _ = write!(o, "<p>{}</p>", esc(d));
        }
        if !metrics.is_empty() {
            o.push_str("<h3>Recorded metrics</h3><div class=\"tiles\">");
            for (k, v) in &metrics {
                let _ = write!(
                    o,
                    "<div class=\"tile\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
                    esc(&fmt_metric(*v)),
                    esc(k)
                );
            }
            o.push_str("</div>");
        }
        o.push_str("<table><tr><th>key</th><th>value</th></tr>");
        for (k, v) in &user {
            let _ = write!(
                o,
                "<tr><td class=\"mono\">{}</td><td>{}</td></tr>",
                esc(k),
                esc(&clip(&text_of(v), 400))
            );
        }
        o.push_str("</table></section>");
    }

    // Features and classes
    o.push_str("<section class=\"card\"><h2>Features and classes</h2>");
    match (&f.features, f.n_features) {
        (Some(names), _) => {
            let _ = write!(o, "<h3>{} features</h3><div class=\"chips\">", names.len());
            for n in names.iter().take(500) {
                let _ = write!(o, "<span class=\"chip\">{}</span>", esc(n));
            }
            if names.len() > 500 {
                let _ = write!(
                    o,
                    "<span class=\"chip\">… {} more</span>",
                    names.len() - 500
                );
            }
            o.push_str("</div>");
        }
        (None, Some(n)) => {
            let _ = write!(
                o,
                "<p>{n} features (fitted without column names: columns are used by position).</p>"
            );
        }
        (None, None) => o.push_str("<p class=\"note\">The number of features is not recorded.</p>"),
    }
    match &f.classes {
        Some(c) => {
            let _ = write!(o, "<h3>{} classes</h3><div class=\"chips\">", c.len());
            for n in c.iter().take(200) {
                let _ = write!(o, "<span class=\"chip\">{}</span>", esc(n));
            }
            o.push_str("</div>");
        }
        None => o.push_str("<p class=\"note\">No classes: not a classifier.</p>"),
    }
    o.push_str("</section>");

    // Evaluation
    if let Some(ev) = &f.eval {
        o.push_str("<section class=\"card\" id=\"evaluation\"><h2>Evaluation</h2>");
        let _ = write!(
            o,
            "<p class=\"note\">On <b>{}</b> (target column <b>{}</b>), predicted by skseal's native inference (no Python; docs/NATIVE.md says how exact each model is).</p>",
            esc(f.data_name.as_deref().unwrap_or("")),
            esc(f.target.as_deref().unwrap_or(""))
        );
        for w in &f.warnings {
            let _ = write!(o, "<p class=\"verdict warn\">Warning: {}</p>", esc(w));
        }
        eval_html(&mut o, ev);
        o.push_str("</section>");
    }

    // Importances
    if let Some(imp) = &f.importances {
        o.push_str("<section class=\"card\" id=\"importances\"><h2>Feature importances</h2>");
        let mut order: Vec<usize> = (0..imp.values.len()).collect();
        order.sort_by(|&a, &b| imp.values[b].total_cmp(&imp.values[a]));
        let top: Vec<(String, f64)> = order
            .iter()
            .take(20)
            .map(|&i| (imp.names[i].clone(), imp.values[i]))
            .collect();
        let _ = write!(
            o,
            "<figure>{}<figcaption>{}{}</figcaption></figure>",
            svg::hbar("importances", "Feature importances", &top, "importance"),
            esc(&imp.what),
            if order.len() > 20 {
                format!(" — top 20 of {}", order.len())
            } else {
                String::new()
            }
        );
        o.push_str("</section>");
    }

    // Probe
    o.push_str("<section class=\"grid\"><div class=\"card\" id=\"probe\"><h2>Probe</h2>");
    match &f.probe {
        Some(p) => {
            let (c, h) = probe_badge(f);
            let _ = write!(o, "<div class=\"verdict {c}\">{}</div>", esc(&h));
            o.push_str(&dl(&[
                ("rows", format!("{} × {} columns", p.rows, p.cols)),
                ("outputs recorded", esc(&p.methods.join(", "))),
                ("re-run natively", esc(&p.report)),
            ]));
            o.push_str("<p class=\"note\">Rows and outputs stored at save time; <code>skseal.load(..., verify=True)</code> and <code>skseal serve</code> re-run them.</p>");
        }
        None => {
            let why = f.probe_note.clone().unwrap_or_else(|| {
                "This file has no probe. Save with skseal.dump(..., probe=X[:5]) so that a load can prove the model still predicts the same.".into()
            });
            let _ = write!(
                o,
                "<div class=\"verdict warn\">no probe checked</div><p class=\"note\">{}</p>",
                esc(&why)
            );
        }
    }
    if let Some(e) = &f.native_error {
        let _ = write!(
            o,
            "<h3>Native inference</h3><p class=\"note\">{}</p>",
            esc(e)
        );
    }
    o.push_str("</div>");

    // Security
    let (vc, vh, vd) = verdict(f);
    let _ = write!(
        o,
        "<div class=\"card\" id=\"security\"><h2>Security</h2><div class=\"verdict {vc}\">{}</div><p class=\"note\">{}</p>",
        esc(&vh),
        esc(&vd)
    );
    o.push_str("<details><summary>Names the file refers to</summary><table><tr><th>name</th><th>role</th><th>verdict</th></tr>");
    for (n, roles, v) in &f.scan {
        let _ = write!(
            o,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(n),
            esc(&roles.join(", ")),
            esc(v)
        );
    }
    o.push_str("</table></details></div></section>");

    // Hyperparameters
    if !f.params.is_empty() {
        let _ = write!(
            o,
            "<section class=\"card\" id=\"hyperparameters\"><h2>Hyperparameters</h2><details{}><summary>{} parameters</summary><table><tr><th>parameter</th><th>value</th></tr>",
            if f.params.len() <= 30 { " open" } else { "" },
            f.params.len()
        );
        for (k, v) in &f.params {
            let _ = write!(
                o,
                "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
                esc(k),
                esc(v)
            );
        }
        o.push_str("</table></details></section>");
    }

    // Structure
    o.push_str("<section class=\"card\" id=\"structure\"><h2>Structure</h2>");
    if let Some(t) = &f.trees {
        let (dmin, dmed, dmax) = stats(&t.depths);
        let (lmin, lmed, lmax) = stats(&t.leaves);
        let _ = write!(
            o,
            "<div class=\"tiles\"><div class=\"tile\"><div class=\"v\">{}</div><div class=\"k\">trees</div></div><div class=\"tile\"><div class=\"v\">{dmin} / {} / {dmax}</div><div class=\"k\">depth min / median / max</div></div><div class=\"tile\"><div class=\"v\">{lmin} / {} / {lmax}</div><div class=\"k\">leaves min / median / max</div></div><div class=\"tile\"><div class=\"v\">{}</div><div class=\"k\">nodes in all trees</div></div></div>",
            t.depths.len(),
            fmt_num(dmed),
            fmt_num(lmed),
            t.nodes
        );
        if t.depths.len() > 1 {
            let _ = write!(
                o,
                "<div class=\"plots\"><figure>{}<figcaption>Depth of each tree</figcaption></figure><figure>{}<figcaption>Leaves of each tree</figcaption></figure></div>",
                svg::histogram("depths", "Tree depths", &t.depths, "depth"),
                svg::histogram("leaves", "Leaves per tree", &t.leaves, "leaves")
            );
        }
    }
    if let Some(n) = &f.graph_note {
        let _ = write!(o, "<p class=\"note\">{}</p>", esc(n));
    }
    let _ = write!(
        o,
        "<details><summary>Object outline</summary><pre>{}</pre></details></section>",
        esc(f.outline.trim_end())
    );
    let _ = writeln!(
        o,
        "<footer>Made by <code>skseal card</code> {} from {} without running any code from the file.</footer></main></body></html>",
        esc(env!("CARGO_PKG_VERSION")),
        esc(&f.file_name)
    );
    o
}

fn fmt_metric(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e12 {
        format!("{v:.0}")
    } else if v.abs() >= 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.4}")
    }
}

fn tile(o: &mut String, v: String, k: &str) {
    let _ = write!(
        o,
        "<div class=\"tile\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
        esc(&v),
        esc(k)
    );
}

fn eval_html(o: &mut String, ev: &Evaluation) {
    match ev {
        Evaluation::Classification {
            classes,
            rows,
            accuracy,
            confusion,
            score_method,
            roc_auc,
            roc_auc_macro,
            average_precision_macro,
            roc,
            pr,
            ..
        } => {
            o.push_str("<div class=\"tiles\">");
            tile(o, rows.to_string(), "rows");
            tile(o, format!("{accuracy:.4}"), "accuracy");
            let binary = classes.len() == 2;
            if let Some(a) = roc_auc_macro {
                tile(
                    o,
                    format!("{a:.4}"),
                    if binary {
                        "ROC AUC"
                    } else {
                        "ROC AUC (one-vs-rest, macro)"
                    },
                );
            }
            if let Some(a) = average_precision_macro {
                tile(
                    o,
                    format!("{a:.4}"),
                    if binary {
                        "average precision"
                    } else {
                        "average precision (macro)"
                    },
                );
            }
            o.push_str("</div><div class=\"plots\">");
            let _ = write!(
                o,
                "<figure>{}<figcaption>Confusion matrix (rows: true class, columns: predicted)</figcaption></figure>",
                svg::heatmap("confusion", "Confusion matrix", classes, confusion)
            );
            let what = match score_method {
                Some(m) if binary => format!(
                    "positive class {} scored by {m}",
                    roc_auc.first().map(|x| x.0.as_str()).unwrap_or("")
                ),
                Some(m) => format!("one-vs-rest for each class, scored by {m}"),
                None => String::new(),
            };
            if !roc.is_empty() {
                let series: Vec<svg::Series> = roc
                    .iter()
                    .map(|c| svg::Series {
                        name: c.name.clone(),
                        points: c.points.clone(),
                    })
                    .collect();
                let _ = write!(
                    o,
                    "<figure>{}<figcaption>ROC curve: {}</figcaption></figure>",
                    svg::curves(
                        "roc",
                        "ROC curve",
                        &series,
                        "false positive rate",
                        "true positive rate",
                        true
                    ),
                    esc(&what)
                );
                let series: Vec<svg::Series> = pr
                    .iter()
                    .map(|c| svg::Series {
                        name: c.name.clone(),
                        points: c.points.clone(),
                    })
                    .collect();
                let _ = write!(
                    o,
                    "<figure>{}<figcaption>Precision-recall curve: {}</figcaption></figure>",
                    svg::curves(
                        "pr",
                        "Precision-recall curve",
                        &series,
                        "recall",
                        "precision",
                        false
                    ),
                    esc(&what)
                );
            } else {
                o.push_str("<p class=\"note\">No ROC or precision-recall curves: the model gives no scores natively, or the data hold one class only.</p>");
            }
            o.push_str("</div>");
        }
        Evaluation::Regression {
            rows,
            r2,
            mae,
            rmse,
            points,
        } => {
            o.push_str("<div class=\"tiles\">");
            tile(o, rows.to_string(), "rows");
            tile(o, format!("{r2:.4}"), "R²");
            tile(o, fmt_num(*mae), "mean absolute error");
            tile(o, fmt_num(*rmse), "root mean squared error");
            o.push_str("</div><div class=\"plots\">");
            let _ = write!(
                o,
                "<figure>{}<figcaption>Predicted vs actual (dashed: perfect prediction)</figcaption></figure>",
                svg::scatter("predicted", "Predicted vs actual", points, "actual", "predicted", svg::Reference::Identity)
            );
            let res: Vec<(f64, f64)> = points.iter().map(|&(a, p)| (p, a - p)).collect();
            let _ = write!(
                o,
                "<figure>{}<figcaption>Residuals (actual − predicted) vs predicted</figcaption></figure>",
                svg::scatter("residuals", "Residuals", &res, "predicted", "residual", svg::Reference::Zero)
            );
            o.push_str("</div>");
        }
    }
}

fn human(n: u64) -> String {
    skseal_core::inspect::human_bytes(n)
}

/// Escape text for Markdown: HTML entities for markup, backslashes for
/// Markdown's own characters, newlines as spaces (tables stay one line).
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A regressor by its (final) class name: scikit-learn's regressors are
/// named so, apart from the linear ones listed.
fn is_regressor(f: &Facts) -> bool {
    let c = f.final_class.as_deref().unwrap_or(&f.class);
    let name = c.rsplit('.').next().unwrap_or(c);
    name.ends_with("Regressor")
        || name.ends_with("Regression")
        || [
            "Ridge",
            "RidgeCV",
            "Lasso",
            "LassoCV",
            "ElasticNet",
            "ElasticNetCV",
            "Lars",
            "LassoLars",
            "SVR",
            "LinearSVR",
            "NuSVR",
            "BayesianRidge",
            "KernelRidge",
        ]
        .contains(&name)
}

/// A YAML scalar: a JSON string is valid YAML.
fn yaml(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// The Markdown card with Hugging Face Hub front matter.
pub fn markdown(f: &Facts) -> String {
    let mut o = String::new();
    let m = &f.metadata;
    let mut tags = vec!["sklearn".to_string(), "skseal".to_string()];
    match (&f.eval, f.is_classifier()) {
        (Some(Evaluation::Regression { .. }), _) => tags.push("tabular-regression".into()),
        (_, true) => tags.push("tabular-classification".into()),
        (_, false) if is_regressor(f) => tags.push("tabular-regression".into()),
        _ => {}
    }
    let mut metric_names: Vec<String> = Vec::new();
    match &f.eval {
        Some(Evaluation::Classification {
            roc_auc_macro,
            average_precision_macro,
            ..
        }) => {
            metric_names.push("accuracy".into());
            if roc_auc_macro.is_some() {
                metric_names.push("roc_auc".into());
            }
            if average_precision_macro.is_some() {
                metric_names.push("average_precision".into());
            }
        }
        Some(Evaluation::Regression { .. }) => {
            metric_names.extend(["r2", "mae", "rmse"].map(String::from));
        }
        None => {}
    }
    for (k, _) in f.user_metrics() {
        let k: String = k
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !k.is_empty() && !metric_names.contains(&k) {
            metric_names.push(k);
        }
    }
    o.push_str("---\nlibrary_name: sklearn\ntags:\n");
    for t in &tags {
        let _ = writeln!(o, "- {}", yaml(t));
    }
    if !metric_names.is_empty() {
        o.push_str("metrics:\n");
        for t in &metric_names {
            let _ = writeln!(o, "- {}", yaml(t));
        }
    }
    if let Some(l) = f.user().get("license").and_then(Value::as_str) {
        let _ = writeln!(o, "license: {}", yaml(l));
    }
    o.push_str("---\n\n");
    let _ = writeln!(o, "# {}\n", md(&f.name));
    if let Some(d) = f.user().get("description").and_then(Value::as_str) {
        let _ = writeln!(o, "{}\n", md(d));
    }
    let _ = writeln!(
        o,
        "A scikit-learn {} saved with skseal as {}: it loads without running code from the file.\n",
        md(f.class.rsplit('.').next().unwrap_or(&f.class)),
        md(&f.file_name)
    );
    o.push_str("## Model\n\n| | |\n|---|---|\n");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(o, "| {} | {} |", md(k), v);
    };
    row("estimator", md(&f.class));
    if let Some(fc) = &f.final_class {
        row("final step", md(fc));
    }
    row(
        "file",
        format!("{} ({})", md(&f.file_name), md(&human(f.file_size))),
    );
    row("format", md(&f.format));
    row(
        "fingerprint",
        f.fingerprint
            .as_deref()
            .map(md)
            .unwrap_or_else(|| "—".into()),
    );
    row(
        "signature",
        match &f.signer {
            Some(k) => format!(
                "valid, key ID {} (not checked against a trusted key)",
                md(k)
            ),
            None => "none".into(),
        },
    );
    if let Some(c) = m["created_utc"].as_str() {
        row("created", md(c));
    }
    if let Some(v) = m["skseal"].as_str() {
        row("skseal", md(v));
    }
    if let Some(env) = m["environment"].as_object() {
        for (k, v) in env {
            row(k, md(&text_of(v)));
        }
    }
    match &f.features {
        Some(n) => row("features", md(&clip(&n.join(", "), 2000))),
        None => {
            if let Some(n) = f.n_features {
                row("features", format!("{n} (no column names)"));
            }
        }
    }
    if let Some(c) = &f.classes {
        row("classes", md(&clip(&c.join(", "), 1000)));
    }
    o.push('\n');

    let metrics = f.user_metrics();
    if !metrics.is_empty() {
        o.push_str("## Recorded metrics\n\n| metric | value |\n|---|---|\n");
        for (k, v) in &metrics {
            let _ = writeln!(o, "| {} | {} |", md(k), md(&fmt_metric(*v)));
        }
        o.push('\n');
    }
    if let Some(ev) = &f.eval {
        let _ = writeln!(
            o,
            "## Evaluation\n\nOn {} (target {}), with skseal's native inference.\n",
            md(f.data_name.as_deref().unwrap_or("")),
            md(f.target.as_deref().unwrap_or(""))
        );
        for w in &f.warnings {
            let _ = writeln!(o, "> **Warning:** {}\n", md(w));
        }
        match ev {
            Evaluation::Classification {
                classes,
                rows,
                accuracy,
                confusion,
                roc_auc_macro,
                average_precision_macro,
                ..
            } => {
                o.push_str("| metric | value |\n|---|---|\n");
                let _ = writeln!(o, "| rows | {rows} |\n| accuracy | {accuracy:.4} |");
                if let Some(a) = roc_auc_macro {
                    let _ = writeln!(
                        o,
                        "| ROC AUC{} | {a:.4} |",
                        if classes.len() > 2 {
                            " (one-vs-rest, macro)"
                        } else {
                            ""
                        }
                    );
                }
                if let Some(a) = average_precision_macro {
                    let _ = writeln!(
                        o,
                        "| average precision{} | {a:.4} |",
                        if classes.len() > 2 { " (macro)" } else { "" }
                    );
                }
                o.push_str("\nConfusion matrix (rows: true class, columns: predicted):\n\n| |");
                for c in classes {
                    let _ = write!(o, " {} |", md(c));
                }
                o.push_str("\n|---|");
                o.push_str(&"---|".repeat(classes.len()));
                o.push('\n');
                for (c, r) in classes.iter().zip(confusion) {
                    let _ = write!(o, "| **{}** |", md(c));
                    for v in r {
                        let _ = write!(o, " {v} |");
                    }
                    o.push('\n');
                }
                o.push('\n');
            }
            Evaluation::Regression {
                rows,
                r2,
                mae,
                rmse,
                ..
            } => {
                let _ = writeln!(
                    o,
                    "| metric | value |\n|---|---|\n| rows | {rows} |\n| R² | {r2:.4} |\n| mean absolute error | {} |\n| root mean squared error | {} |\n",
                    md(&fmt_num(*mae)),
                    md(&fmt_num(*rmse))
                );
            }
        }
    }
    if let Some(imp) = &f.importances {
        let mut order: Vec<usize> = (0..imp.values.len()).collect();
        order.sort_by(|&a, &b| imp.values[b].total_cmp(&imp.values[a]));
        let _ = writeln!(
            o,
            "## Feature importances\n\n{}.\n\n| feature | importance |\n|---|---|",
            md(&imp.what)
        );
        for &i in order.iter().take(10) {
            let _ = writeln!(o, "| {} | {:.4} |", md(&imp.names[i]), imp.values[i]);
        }
        o.push('\n');
    }
    o.push_str("## Probe\n\n");
    match &f.probe {
        Some(p) => {
            let _ = writeln!(
                o,
                "{} rows recorded with {}; re-run natively: {}.\n",
                p.rows,
                md(&p.methods.join(", ")),
                md(&p.report)
            );
        }
        None => {
            let _ = writeln!(
                o,
                "{}\n",
                md(f.probe_note.as_deref().unwrap_or("No probe."))
            );
        }
    }
    let (_, vh, vd) = verdict(f);
    let _ = writeln!(o, "## Security\n\n**{}.** {}\n", md(&vh), md(&vd));
    if !f.params.is_empty() {
        o.push_str("## Hyperparameters\n\n<details>\n<summary>parameters</summary>\n\n| parameter | value |\n|---|---|\n");
        for (k, v) in &f.params {
            let _ = writeln!(o, "| {} | {} |", md(k), md(v));
        }
        o.push_str("\n</details>\n\n");
    }
    if let Some(t) = &f.trees {
        let (dmin, dmed, dmax) = stats(&t.depths);
        let (lmin, lmed, lmax) = stats(&t.leaves);
        let _ = writeln!(
            o,
            "## Structure\n\n{} tree(s); depth {dmin} / {} / {dmax} and leaves {lmin} / {} / {lmax} (min / median / max); {} nodes in all.\n",
            t.depths.len(),
            fmt_num(dmed),
            fmt_num(lmed),
            t.nodes
        );
    }
    let _ = writeln!(
        o,
        "## How to load\n\n```python\nimport skseal\n\nmodel = skseal.load({})\n```\n\nWithout Python: `skseal predict FILE --input rows.csv`.",
        Value::String(f.file_name.replace(['\n', '\r', '`'], "_")),
    );
    o
}

/// The facts and numbers as JSON.
pub fn summary(f: &Facts) -> Value {
    let stat = |v: &[u64]| {
        let (a, b, c) = stats(v);
        json!({"min": a, "median": num(b), "max": c})
    };
    json!({
        "name": f.name,
        "file": f.file_name,
        "format": f.format,
        "fingerprint": f.fingerprint,
        "signature": f.signature,
        "class": f.class,
        "final_estimator": f.final_class,
        "methods": f.methods,
        "n_features": f.n_features,
        "features": f.features,
        "classes": f.classes,
        "created_utc": f.metadata["created_utc"],
        "environment": f.metadata["environment"],
        "user": f.metadata["user"],
        "native": {"ok": f.native_error.is_none(), "error": f.native_error},
        "probe": probe_json(&f.probe, &f.probe_note),
        "security": {
            "verdict": verdict(f).0,
            "trusted": f.trusted,
            "names": f.scan.iter().map(|(n, r, v)| json!({"name": n, "roles": r, "verdict": v})).collect::<Vec<_>>(),
        },
        "hyperparameters": f.params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
        "trees": f.trees.as_ref().map(|t| json!({
            "count": t.depths.len(), "nodes": t.nodes,
            "depth": stat(&t.depths), "leaves": stat(&t.leaves),
        })),
        "importances": f.importances.as_ref().map(|i| json!({
            "what": i.what, "features": i.names,
            "values": i.values.iter().map(|&v| num(v)).collect::<Vec<_>>(),
        })),
        "evaluation": f.eval.as_ref().map(Evaluation::json),
        "warnings": f.warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes() {
        assert_eq!(md("<script>"), "&lt;script&gt;");
        assert_eq!(md("a|b_c\nd"), "a\\|b\\_c d");
        assert_eq!(md("[x](javascript:y)"), "\\[x\\](javascript:y)");
        assert_eq!(md("it's"), "it's");
    }

    #[test]
    fn yaml_strings_are_quoted() {
        assert_eq!(yaml("a\"b\n---"), "\"a\\\"b\\n---\"");
    }
}
