//! Plots as inline SVG, written with a small builder.
//!
//! Why a builder and not a plotting crate: the card must be one file with no
//! external assets, every string from the model file must be escaped by code
//! we can test, and the plots needed are few and simple (bars, a heat map,
//! curves, scatter plots, histograms). `plotters`' SVG backend would bring a
//! font stack to measure text and emit its own markup we would then have to
//! audit for escaping; ~300 lines here do the job with no dependency.

use std::fmt::Write as _;

/// Escape text for HTML and SVG (element content and quoted attributes).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab/newline have no business in a page.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Shorten a label to `n` characters (with an ellipsis).
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Colours of series (colour-blind friendly, Okabe-Ito order).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
];

const FONT: &str = "font-family=\"system-ui,-apple-system,Segoe UI,Roboto,sans-serif\"";

/// A number for an SVG attribute (finite, short).
fn n(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A tick label.
pub fn fmt_num(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-3..1e5).contains(&a) {
        return format!("{x:.2e}");
    }
    let s = if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// About `want` round tick values covering [lo, hi].
pub fn ticks(lo: f64, hi: f64, want: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / want.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil();
    let mut out = Vec::new();
    for i in 0..50 {
        let t = (first + i as f64) * step;
        if t > hi + step * 1e-9 {
            break;
        }
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
    }
    out
}

/// A plot canvas: SVG text plus the data-to-pixel mapping of its axes.
struct Frame {
    out: String,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    left: f64,
    top: f64,
    pw: f64,
    ph: f64,
}

impl Frame {
    fn px(&self, x: f64) -> f64 {
        self.left + (x - self.x0) / (self.x1 - self.x0) * self.pw
    }
    fn py(&self, y: f64) -> f64 {
        self.top + self.ph - (y - self.y0) / (self.y1 - self.y0) * self.ph
    }
}

fn open(kind: &str, title: &str, w: f64, h: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" data-plot=\"{}\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\" {FONT} font-size=\"12\"><title>{}</title>",
        esc(kind),
        n(w),
        n(h),
        n(w),
        n(h),
        esc(title),
        esc(title)
    )
}

/// Padded range of values (never empty).
fn range(vals: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 * hi.abs().max(1.0) {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = (hi - lo) * 0.04;
    (lo - pad, hi + pad)
}

/// Axes with ticks, grid and labels.
#[allow(clippy::too_many_arguments)]
fn axes(
    kind: &str,
    title: &str,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    xticks: Vec<f64>,
    (xlabel, ylabel): (&str, &str),
    w: f64,
    h: f64,
) -> Frame {
    let (left, top, right, bottom) = (62.0, 16.0, 16.0, 46.0);
    let mut f = Frame {
        out: open(kind, title, w, h),
        x0,
        x1,
        y0,
        y1,
        left,
        top,
        pw: w - left - right,
        ph: h - top - bottom,
    };
    let _ = write!(
        f.out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fbfcfe\" stroke=\"#cfd6e4\"/>",
        n(left),
        n(top),
        n(f.pw),
        n(f.ph)
    );
    for t in xticks {
        let x = f.px(t);
        let _ = write!(
            f.out,
            "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#e6eaf2\"/><text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\" fill=\"#4a5568\">{4}</text>",
            n(x),
            n(top),
            n(top + f.ph),
            n(top + f.ph + 16.0),
            esc(&fmt_num(t))
        );
    }
    for t in ticks(y0, y1, 5) {
        let y = f.py(t);
        let _ = write!(
            f.out,
            "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#e6eaf2\"/><text x=\"{3}\" y=\"{4}\" text-anchor=\"end\" fill=\"#4a5568\">{5}</text>",
            n(left),
            n(left + f.pw),
            n(y),
            n(left - 6.0),
            n(y + 4.0),
            esc(&fmt_num(t))
        );
    }
    let _ = write!(
        f.out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#1a202c\">{}</text><text transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\" fill=\"#1a202c\">{}</text>",
        n(left + f.pw / 2.0),
        n(h - 8.0),
        esc(xlabel),
        n(top + f.ph / 2.0),
        esc(ylabel)
    );
    f
}

/// Horizontal bars, largest first (feature importances).
pub fn hbar(kind: &str, title: &str, bars: &[(String, f64)], xlabel: &str) -> String {
    let w = 560.0;
    let label_w = 170.0;
    let row = 22.0;
    let h = 40.0 + row * bars.len() as f64;
    let max = bars
        .iter()
        .map(|b| b.1)
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    let pw = w - label_w - 70.0;
    let mut out = open(kind, title, w, h);
    for (i, (label, v)) in bars.iter().enumerate() {
        let y = 8.0 + row * i as f64;
        let bw = (v.max(0.0) / max * pw).max(0.5);
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1a202c\">{}<title>{}</title></text><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"2\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" fill=\"#4a5568\">{}</text>",
            n(label_w - 8.0),
            n(y + 15.0),
            esc(&clip(label, 24)),
            esc(label),
            n(label_w),
            n(y + 3.0),
            n(bw),
            n(row - 6.0),
            PALETTE[0],
            n(label_w + bw + 6.0),
            n(y + 15.0),
            esc(&fmt_num(*v))
        );
    }
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#1a202c\">{}</text></svg>",
        n(label_w + pw / 2.0),
        n(h - 8.0),
        esc(xlabel)
    );
    out
}

/// A confusion matrix as a heat map (rows: true class; columns: predicted).
pub fn heatmap(kind: &str, title: &str, labels: &[String], m: &[Vec<u64>]) -> String {
    let k = labels.len();
    let cell = (300.0 / k.max(1) as f64).clamp(18.0, 56.0);
    let longest = labels
        .iter()
        .map(|l| clip(l, 16).chars().count())
        .max()
        .unwrap_or(0);
    // Column labels upright when they fit under their cell, else slanted.
    let upright = (longest as f64) * 7.5 <= cell;
    let left = (longest as f64 * 7.5 + 40.0).clamp(60.0, 160.0);
    let top = 20.0;
    let w = left + cell * k as f64 + 20.0;
    let h = top
        + cell * k as f64
        + if upright {
            50.0
        } else {
            40.0 + longest as f64 * 5.5
        };
    let max = m.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let mut out = open(kind, title, w, h);
    let show_numbers = cell >= 26.0;
    for (i, row) in m.iter().enumerate() {
        let total: u64 = row.iter().sum();
        for (j, &c) in row.iter().enumerate() {
            let t = c as f64 / max;
            // white -> blue
            let r = (255.0 - t * (255.0 - 0.0)) as u8;
            let g = (255.0 - t * (255.0 - 0x72 as f64)) as u8;
            let b = (255.0 - t * (255.0 - 0xB2 as f64)) as u8;
            let x = left + cell * j as f64;
            let y = top + cell * i as f64;
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"rgb({r},{g},{b})\" stroke=\"#ffffff\"><title>true {} / predicted {}: {c} of {total}</title></rect>",
                n(x),
                n(y),
                n(cell),
                n(cell),
                esc(&labels[i]),
                esc(&labels[j]),
            );
            if show_numbers {
                let _ = write!(
                    out,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{c}</text>",
                    n(x + cell / 2.0),
                    n(y + cell / 2.0 + 4.0),
                    if t > 0.55 { "#ffffff" } else { "#1a202c" }
                );
            }
        }
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1a202c\">{}</text>",
            n(left - 6.0),
            n(top + cell * i as f64 + cell / 2.0 + 4.0),
            esc(&clip(&labels[i], 16))
        );
    }
    for (j, l) in labels.iter().enumerate() {
        let x = left + cell * j as f64 + cell / 2.0;
        let y = top + cell * k as f64 + 8.0;
        if upright {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#1a202c\">{}</text>",
                n(x),
                n(y + 8.0),
                esc(&clip(l, 16))
            );
        } else {
            let _ = write!(
                out,
                "<text transform=\"translate({} {}) rotate(40)\" fill=\"#1a202c\">{}</text>",
                n(x - 3.0),
                n(y + 4.0),
                esc(&clip(l, 16))
            );
        }
    }
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#1a202c\">predicted class</text><text transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\" fill=\"#1a202c\">true class</text></svg>",
        n(left + cell * k as f64 / 2.0),
        n(h - 8.0),
        n(top + cell * k as f64 / 2.0)
    );
    out
}

/// One curve of a line plot.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Curves on the unit square (ROC, precision-recall), with a legend.
pub fn curves(
    kind: &str,
    title: &str,
    series: &[Series],
    xlabel: &str,
    ylabel: &str,
    diagonal: bool,
) -> String {
    let (w, h) = (340.0, 320.0);
    let mut f = axes(
        kind,
        title,
        (0.0, 1.0),
        (0.0, 1.02),
        ticks(0.0, 1.0, 6),
        (xlabel, ylabel),
        w,
        h,
    );
    if diagonal {
        let _ = write!(
            f.out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#a0aec0\" stroke-dasharray=\"4 4\"/>",
            n(f.px(0.0)),
            n(f.py(0.0)),
            n(f.px(1.0)),
            n(f.py(1.0))
        );
    }
    for (i, s) in series.iter().enumerate() {
        let pts: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{},{}", n(f.px(x)), n(f.py(y))))
            .collect();
        let _ = write!(
            f.out,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"{}\"><title>{}</title></polyline>",
            PALETTE[i % PALETTE.len()],
            pts.join(" "),
            esc(&s.name)
        );
    }
    // Legend, bottom right inside the plot.
    let lx = if diagonal {
        f.left + f.pw - 150.0
    } else {
        f.left + 10.0
    };
    let shown = series.len().min(10);
    let ly = f.top + f.ph - 8.0 - 16.0 * shown as f64;
    for (i, s) in series.iter().take(shown).enumerate() {
        let y = ly + 16.0 * i as f64;
        let _ = write!(
            f.out,
            "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"3\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" fill=\"#1a202c\" font-size=\"11\">{}</text>",
            n(lx),
            n(y + 6.0),
            PALETTE[i % PALETTE.len()],
            n(lx + 16.0),
            n(y + 10.0),
            esc(&clip(&s.name, 22))
        );
    }
    f.out.push_str("</svg>");
    f.out
}

/// The reference line of a scatter plot.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// y = x (predicted vs actual)
    Identity,
    /// y = 0 (residuals)
    Zero,
}

/// A scatter plot with a reference line.
pub fn scatter(
    kind: &str,
    title: &str,
    pts: &[(f64, f64)],
    xlabel: &str,
    ylabel: &str,
    reference: Reference,
) -> String {
    let (w, h) = (420.0, 360.0);
    let (xr, yr) = if reference == Reference::Identity {
        let r = range(pts.iter().flat_map(|p| [p.0, p.1]));
        (r, r)
    } else {
        let xr = range(pts.iter().map(|p| p.0));
        let m = pts
            .iter()
            .map(|p| p.1.abs())
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let m = if m > 0.0 { m * 1.08 } else { 1.0 };
        (xr, (-m, m))
    };
    let mut f = axes(
        kind,
        title,
        xr,
        yr,
        ticks(xr.0, xr.1, 6),
        (xlabel, ylabel),
        w,
        h,
    );
    let (a, b) = match reference {
        Reference::Identity => ((xr.0, xr.0), (xr.1, xr.1)),
        Reference::Zero => ((xr.0, 0.0), (xr.1, 0.0)),
    };
    let _ = write!(
        f.out,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#a0aec0\" stroke-dasharray=\"4 4\"/>",
        n(f.px(a.0)),
        n(f.py(a.1)),
        n(f.px(b.0)),
        n(f.py(b.1))
    );
    f.out.push_str(&format!(
        "<g fill=\"{}\" fill-opacity=\"0.55\">",
        PALETTE[0]
    ));
    for &(x, y) in pts.iter().filter(|p| p.0.is_finite() && p.1.is_finite()) {
        let _ = write!(
            f.out,
            "<circle cx=\"{}\" cy=\"{}\" r=\"2.6\"/>",
            n(f.px(x)),
            n(f.py(y))
        );
    }
    f.out.push_str("</g></svg>");
    f.out
}

/// Counts of integer values (tree depths, leaves per tree) as columns.
pub fn histogram(kind: &str, title: &str, values: &[u64], xlabel: &str) -> String {
    let (w, h) = (420.0, 240.0);
    let lo = values.iter().copied().min().unwrap_or(0);
    let hi = values.iter().copied().max().unwrap_or(0);
    // At most 30 bins of equal integer width.
    let width = ((hi - lo) / 30 + 1).max(1);
    let bins = ((hi - lo) / width + 1) as usize;
    let mut counts = vec![0u64; bins];
    for &v in values {
        counts[((v - lo) / width) as usize] += 1;
    }
    let cmax = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let x0 = lo as f64 - 0.5 * width as f64;
    // At least 7 bins wide, so that one or two values do not fill the plot.
    let pad = (7usize.saturating_sub(bins)) as f64 * width as f64 / 2.0;
    let (ax0, ax1) = (x0 - pad, x0 + (bins as u64 * width) as f64 + pad);
    // Integer data: integer ticks only.
    let mut xt: Vec<f64> = ticks(ax0, ax1, 6)
        .into_iter()
        .filter(|t| t.fract() == 0.0 && *t >= 0.0)
        .collect();
    if xt.len() < 2 {
        xt = (0..bins).map(|i| (lo + i as u64 * width) as f64).collect();
    }
    let mut f = axes(
        kind,
        title,
        (ax0, ax1),
        (0.0, cmax * 1.1),
        xt,
        (xlabel, "trees"),
        w,
        h,
    );
    for (i, &c) in counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let a = x0 + (i as u64 * width) as f64;
        let b = a + width as f64;
        let from = lo + i as u64 * width;
        let span = if width == 1 {
            from.to_string()
        } else {
            format!("{from}–{}", from + width - 1)
        };
        let _ = write!(
            f.out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#ffffff\"><title>{}: {c} tree(s)</title></rect>",
            n(f.px(a)),
            n(f.py(c as f64)),
            n((f.px(b) - f.px(a)).max(1.0)),
            n(f.py(0.0) - f.py(c as f64)),
            PALETTE[2],
            esc(&span)
        );
    }
    f.out.push_str("</svg>");
    f.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(esc("a\u{0}b"), "a\u{fffd}b");
    }

    #[test]
    fn plots_escape_labels() {
        let bad = "<script>x</script>".to_string();
        let s = hbar("imp", "t", &[(bad.clone(), 1.0)], "x");
        assert!(!s.contains("<script>"));
        let s = heatmap(
            "cm",
            "t",
            &[bad.clone(), "b".into()],
            &[vec![1, 2], vec![3, 4]],
        );
        assert!(!s.contains("<script>"));
        let s = curves(
            "roc",
            "t",
            &[Series {
                name: bad,
                points: vec![(0.0, 0.0), (1.0, 1.0)],
            }],
            "x",
            "y",
            true,
        );
        assert!(!s.contains("<script>"));
    }

    #[test]
    fn ticks_are_round() {
        let t: Vec<String> = ticks(0.0, 1.0, 5).into_iter().map(fmt_num).collect();
        assert_eq!(t, ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        assert_eq!(ticks(3.0, 3.0, 5), vec![3.0]);
        let t: Vec<String> = ticks(-12.0, 88.0, 5).into_iter().map(fmt_num).collect();
        assert_eq!(t, ["0", "20", "40", "60", "80"]);
    }

    #[test]
    fn histogram_bins_cover_values() {
        let s = histogram("h", "t", &[1, 2, 2, 3, 100], "depth");
        assert!(s.starts_with("<svg"));
        assert!(s.ends_with("</svg>"));
        let s = histogram("h", "t", &[], "depth");
        assert!(s.ends_with("</svg>"));
    }
}
