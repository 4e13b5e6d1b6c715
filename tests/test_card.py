"""Model cards (`skseal card`, `skseal.card`): the numbers against
scikit-learn's, the content of the HTML and Markdown cards, escaping of
hostile names, and the page rendered in a headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skseal

ROOT = Path(__file__).resolve().parents[1]


def run(cli: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI and capture its output."""
    return subprocess.run([str(cli), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def iris(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The classic tutorial: an iris RandomForest, held-out rows as a CSV."""
    d = tmp_path_factory.mktemp("iris")
    data = load_iris(as_frame=True)
    X = data.data
    y = pd.Series(np.asarray(data.target_names)[data.target], name="species")
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    rf = RandomForestClassifier(n_estimators=60, max_depth=4, random_state=0).fit(Xtr, ytr)
    model = d / "iris.skseal"
    skseal.dump(
        rf,
        model,
        metadata={"accuracy": 0.95, "description": "Iris species from flower measurements"},
        probe=Xte[:5],
    )
    csv = d / "test.csv"
    Xte.assign(species=yte).to_csv(csv, index=False)
    return {"dir": d, "model": model, "csv": csv, "est": rf, "X": Xte, "y": yte}


def test_iris_forest_numbers_match_sklearn(iris: dict[str, Any]) -> None:
    rf, X, y = iris["est"], iris["X"], iris["y"]
    card = skseal.card(iris["model"], data=iris["csv"], target="species")
    s = card.summary
    assert s["class"] == "sklearn.ensemble._forest.RandomForestClassifier"
    assert s["classes"] == list(rf.classes_)
    assert s["features"] == list(X.columns)
    # feature_importances_, computed from the trees as scikit-learn does: bit for bit
    assert s["importances"]["values"] == rf.feature_importances_.tolist()
    ev = s["evaluation"]
    assert ev["kind"] == "classification" and ev["rows"] == len(y)
    cm = confusion_matrix(y, rf.predict(X), labels=rf.classes_)
    assert ev["confusion_matrix"] == cm.tolist()
    assert ev["accuracy"] == pytest.approx((rf.predict(X) == y).mean(), abs=1e-15)
    proba = rf.predict_proba(X)
    for j, c in enumerate(rf.classes_):
        row = ev["roc_auc"][j]
        assert row["class"] == c
        assert row["auc"] == roc_auc_score(y == c, proba[:, j])
        assert ev["average_precision"][j]["ap"] == average_precision_score(y == c, proba[:, j])
    assert ev["roc_auc_macro"] == pytest.approx(
        roc_auc_score(y, proba, multi_class="ovr"), rel=1e-15
    )
    trees = s["trees"]
    assert trees["count"] == 60
    assert trees["depth"]["max"] == max(t.get_depth() for t in rf.estimators_)
    assert trees["leaves"]["min"] == min(t.get_n_leaves() for t in rf.estimators_)
    assert s["probe"]["checked"] and s["probe"]["passed"] and s["probe"]["rows"] == 5
    assert s["security"]["verdict"] == "ok"
    assert s["hyperparameters"]["n_estimators"] == "60"
    assert s["hyperparameters"]["max_depth"] == "4"
    assert "estimator_params" not in s["hyperparameters"]


def test_iris_cli_writes_html_and_markdown(cli: Path, iris: dict[str, Any]) -> None:
    out, md = iris["dir"] / "card.html", iris["dir"] / "README.md"
    r = run(cli, "card", str(iris["model"]), "--data", str(iris["csv"]), "--target", "species",
            "-o", str(out), "--markdown", str(md))
    assert r.returncode == 0, r.stderr
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    # self-contained: no external resource of any kind
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "<link" not in html and "<script" not in html
    for plot in ("confusion", "roc", "pr", "importances", "depths", "leaves"):
        assert f'data-plot="{plot}"' in html, plot
    for text in ("Identity", "Environment", "scikit-learn", "Probe", "Security",
                 "Hyperparameters", "Structure", "<details", "petal length (cm)", "versicolor",
                 "No trust needed", "not signed", "Iris species from flower measurements"):
        assert text in html, text
    # the outline shows one tree of the forest and counts the rest
    assert "list of 60 × sklearn.tree._classes.DecisionTreeClassifier" in html
    assert "… 59 more DecisionTreeClassifier" in html
    assert html.count("sklearn.tree._tree.Tree(") == 1
    m = md.read_text()
    front = m.split("---\n")[1]
    assert "library_name: sklearn" in front
    assert '- "tabular-classification"' in front
    assert '- "accuracy"' in front and '- "roc_auc"' in front
    assert "## Evaluation" in m and "| **setosa** |" in m
    # the same Rust code as skseal.card
    assert skseal.card(iris["model"], data=iris["csv"], target="species").markdown == m


def test_binary_pipeline_card(tmp_path: Path) -> None:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=1)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(Xtr, ytr)
    model = tmp_path / "bc.skseal"
    skseal.dump(pipe, model, probe=Xte[:4])
    card = skseal.card(model, data=Xte.assign(label=yte), target="label")
    s = card.summary
    assert s["final_estimator"] == "sklearn.linear_model._logistic.LogisticRegression"
    ev = s["evaluation"]
    proba = pipe.predict_proba(Xte)[:, 1]
    # binary: the positive class (classes_[1]) only, as scikit-learn scores it
    assert [r["class"] for r in ev["roc_auc"]] == ["1"]
    assert ev["roc_auc_macro"] == roc_auc_score(yte, proba)
    assert ev["average_precision_macro"] == average_precision_score(yte, proba)
    assert ev["confusion_matrix"] == confusion_matrix(yte, pipe.predict(Xte)).tolist()
    coef = np.abs(pipe[-1].coef_[0])
    assert s["importances"]["values"] == coef.tolist()
    assert s["hyperparameters"]["logisticregression__max_iter"] == "2000"
    assert s["hyperparameters"]["standardscaler"] == "StandardScaler()"
    assert 'data-plot="roc"' in card.html and "positive class 1" in card.html


def test_regressor_card(cli: Path, tmp_path: Path) -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0)
    gb = GradientBoostingRegressor(n_estimators=40, random_state=0).fit(Xtr, ytr)
    model = tmp_path / "gb.skseal"
    skseal.dump(gb, model, metadata={"metrics": {"r2": 0.41}}, probe=Xte[:3])
    csv = tmp_path / "test.csv"
    Xte.assign(progression=yte).to_csv(csv, index=False)
    out = tmp_path / "gb.html"
    r = run(cli, "card", str(model), "--data", str(csv), "--target", "progression", "-o", str(out))
    assert r.returncode == 0, r.stderr
    html = out.read_text()
    assert 'data-plot="predicted"' in html and 'data-plot="residuals"' in html
    assert 'data-plot="confusion"' not in html
    s = skseal.card(model, data=csv, target="progression").summary
    ev = s["evaluation"]
    pred = gb.predict(Xte)
    assert ev["kind"] == "regression" and ev["rows"] == len(yte)
    assert ev["r2"] == pytest.approx(r2_score(yte, pred), rel=1e-12)
    assert ev["mae"] == pytest.approx(mean_absolute_error(yte, pred), rel=1e-12)
    assert ev["rmse"] == pytest.approx(float(np.sqrt(np.mean((yte - pred) ** 2))), rel=1e-12)
    assert s["importances"]["values"] == gb.feature_importances_.tolist()
    assert s["trees"]["count"] == 40
    assert s["user"]["metrics"] == {"r2": 0.41}
    assert '- "tabular-regression"' in skseal.card(model).markdown


def test_hostile_names_are_escaped(tmp_path: Path) -> None:
    bad = "<script>alert(1)</script>"
    img = "</style><img src=x onerror=alert(2)>"
    X = pd.DataFrame({bad: [0.0, 1.0, 2.0, 3.0], img: [1.0, 0.0, 1.0, 0.0]})
    y = np.array(["<b>a</b>", "b|`x`", "<b>a</b>", "b|`x`"], dtype=object)
    rf = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    model = tmp_path / "bad.skseal"
    meta = {"description": "<iframe src=//evil>", bad: "</details>"}
    skseal.dump(rf, model, metadata=meta, probe=X)
    card = skseal.card(model, data=X.assign(t=y), target="t")
    low = card.html.lower()
    for tag in ("<script", "<img", "<iframe"):
        assert tag not in low, tag
    assert low.count("</style>") == 1  # the page's own
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card.html
    assert card.html.count("</details>") == card.html.count("<details")
    # no script can run even if an escape were missed
    assert "Content-Security-Policy" in card.html and "default-src 'none'" in card.html
    md = card.markdown.lower()
    for tag in ("<script", "<img", "<iframe", "<b>"):
        assert tag not in md, tag


def test_cli_errors_name_the_problem(cli: Path, iris: dict[str, Any], tmp_path: Path) -> None:
    r = run(cli, "card", str(iris["model"]), "--data", str(iris["csv"]))
    assert r.returncode == 2 and "--target" in r.stderr
    r = run(cli, "card", str(iris["model"]), "--data", str(iris["csv"]), "--target", "nope",
            "-o", str(tmp_path / "x.html"))
    assert r.returncode == 2 and '"nope"' in r.stderr and "species" in r.stderr
    assert not (tmp_path / "x.html").exists()
    missing = tmp_path / "missing.skseal"
    r = run(cli, "card", str(missing))
    assert r.returncode == 2 and str(missing) in r.stderr
    with pytest.raises(FileNotFoundError, match="missing.skseal"):
        skseal.card(missing)
    with pytest.raises(ValueError, match="together"):
        skseal.card(iris["model"], data=iris["csv"])


def test_signed_file_shows_the_key(cli: Path, iris: dict[str, Any], tmp_path: Path) -> None:
    key = tmp_path / "team.key"
    assert run(cli, "keygen", str(key)).returncode == 0
    model = tmp_path / "signed.skseal"
    shutil.copy(iris["model"], model)
    r = run(cli, "sign", str(model), "--key", str(key))
    assert r.returncode == 0, r.stderr
    s = skseal.card(model).summary
    sig = s["signature"]
    assert sig["status"] == "valid" and sig["trusted_key_checked"] is False
    assert re.fullmatch(r"[0-9a-f]{16}", sig["key_id"])
    assert sig["key_id"] in skseal.card(model).html
    # the same object as in inspect and verify (docs/CLI.md)
    assert skseal.inspect(model)["signature"] == sig
    v = json.loads(run(cli, "verify", str(model), "--json").stdout)
    assert v["signature"] == sig


# ---------------------------------------------------------------- Chromium

def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _png_pixels(data: bytes, max_rows: int) -> tuple[int, int, list[bytes]]:
    """Decode the first `max_rows` rows of an 8-bit RGB/RGBA PNG (stdlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = bpp = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for r in range(min(height, max_rows)):
        f = raw[r * (stride + 1)]
        line = bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev, strict=True))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, bpp, rows


def test_card_renders_in_headless_chromium(iris: dict[str, Any], tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "chromium is not installed (scripts/setup.sh installs Debian's package as root)"
        )
    page = tmp_path / "card.html"
    skseal.card(iris["model"], data=iris["csv"], target="species", output=page)
    shot = tmp_path / "card.png"
    env = {**os.environ, "HOME": str(tmp_path)}

    def common(run: str) -> list[str]:
        # One profile per run: a browser process of the previous run still
        # holding its profile lock makes the next run hand its page to it and
        # print nothing (seen once in CI as an empty --dump-dom).
        return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", f"--user-data-dir={tmp_path / f'profile-{run}'}"]

    subprocess.run([*common("shot"), f"--screenshot={shot}", "--window-size=1200,3000",
                    page.as_uri()], capture_output=True, timeout=180, env=env, check=False)
    assert shot.exists() and shot.stat().st_size > 20_000, "no screenshot written"
    width, bpp, rows = _png_pixels(shot.read_bytes(), max_rows=1400)
    assert width == 1200
    colours: set[bytes] = set()
    non_bg = 0
    for line in rows[::4]:
        for i in range(0, len(line), bpp * 3):
            px = line[i:i + 3]
            colours.add(px)
            non_bg += px not in (b"\xff\xff\xff", b"\xf4\xf6\xfb")
    assert len(colours) > 100, f"only {len(colours)} colours: a blank page?"
    assert non_bg > 0.2 * (len(rows[::4]) * width / 3)
    for attempt in range(2):  # a second try only when the browser printed no page at all
        run = subprocess.run([*common(f"dom{attempt}"), "--dump-dom", page.as_uri()],
                             capture_output=True, text=True, timeout=180, env=env, check=False)
        dom = run.stdout
        if "<html" in dom:
            break
    assert "<html" in dom, f"no page printed (exit {run.returncode}): {run.stderr[-2000:]}"
    for plot in ("confusion", "roc", "pr", "importances", "depths", "leaves"):
        assert re.search(rf'<svg[^>]*data-plot="{plot}"', dom), plot
    assert dom.count("<circle") == 0 and dom.count("<polyline") >= 6
    assert json.dumps("Model card")[1:-1] in dom


def test_card_of_a_model_native_inference_cannot_run(tmp_path: Path) -> None:
    """A legacy joblib file of a model without native inference still gets a
    card (identity, security, hyperparameters); evaluation says why not."""
    import joblib
    from sklearn.semi_supervised import LabelSpreading

    X, y = load_iris(return_X_y=True)
    path = tmp_path / "ls.joblib"
    joblib.dump(LabelSpreading(alpha=0.3).fit(X, y), path)
    card = skseal.card(path)
    s = card.summary
    assert s["native"]["ok"] is False and "LabelSpreading" in s["native"]["error"]
    assert s["fingerprint"] is None and s["signature"] is None
    assert s["format"].startswith("pickle / joblib")
    assert s["hyperparameters"]["alpha"] == "0.3"
    assert "native inference: no" in card.html
    csv = tmp_path / "d.csv"
    pd.DataFrame(X, columns=list("abcd")).assign(y=y).to_csv(csv, index=False)
    with pytest.raises(ValueError, match="cannot be evaluated"):
        skseal.card(path, data=csv, target="y")


def test_dataframe_data_is_named_as_such(iris: dict[str, Any]) -> None:
    card = skseal.card(iris["model"], data=iris["X"].assign(species=iris["y"]), target="species")
    assert f"a DataFrame of {len(iris['y'])} rows" in card.html
    assert "skseal-card-" not in card.html


# ----------------------------------------------- evaluation data, as predict reads it


@pytest.fixture(scope="module")
def unnamed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An iris forest fitted on a numpy array (no feature names)."""
    d = tmp_path_factory.mktemp("unnamed")
    X, y = load_iris(return_X_y=True)
    rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    skseal.dump(rf, d / "m.skseal")
    return {"dir": d, "model": d / "m.skseal", "X": X, "y": y, "est": rf}


def test_named_columns_for_a_model_without_names_warn_as_predict(
        cli: Path, unnamed: dict[str, Any]) -> None:
    d, model, X, y = unnamed["dir"], unnamed["model"], unnamed["X"], unnamed["y"]
    named = d / "named.csv"
    # was: reordered columns used by position without a word
    pd.DataFrame(X[:, ::-1], columns=["pw", "pl", "sw", "sl"]).assign(
        species=y).to_csv(named, index=False)
    r = run(cli, "card", str(model), "--data", str(named), "--target", "species",
            "-o", str(d / "c.html"))
    assert r.returncode == 0, r.stderr
    # the warning of skseal predict (one rule, Model::by_position), naming the data
    features = d / "features.csv"
    pd.DataFrame(X[:, ::-1], columns=["pw", "pl", "sw", "sl"]).to_csv(features, index=False)
    p = run(cli, "predict", str(model), "--input", str(features))
    assert p.returncode == 0, p.stderr
    said = p.stderr.strip().removeprefix("skseal: warning: ")
    assert "fitted without feature names" in said and "pw, pl, sw, sl" in said
    assert r.stderr.strip() == f"skseal: warning: evaluation data named.csv: {said}"
    with pytest.warns(UserWarning, match="fitted without feature names") as caught:
        card = skseal.card(model, data=named, target="species")
    assert len(caught) == 1
    assert card.summary["warnings"] == [f"evaluation data named.csv: {said}"]
    assert "Warning:" in card.html and "pw, pl, sw, sl" in card.html
    assert "**Warning:**" in card.markdown
    # by position, as scikit-learn would use a numpy array: the reversed columns' accuracy
    acc = float(np.mean(unnamed["est"].predict(X[:, ::-1]) == y))
    assert card.summary["evaluation"]["accuracy"] == acc
    # pandas' default header (0, 1, 2, 3) names positions: no warning
    positional = d / "positional.csv"
    pd.DataFrame(X).assign(species=y).to_csv(positional, index=False)
    r = run(cli, "card", str(model), "--data", str(positional), "--target", "species",
            "-o", str(d / "c.html"))
    assert r.returncode == 0 and "warning" not in r.stderr, r.stderr
    assert skseal.card(model, data=positional, target="species").summary["warnings"] == []


def test_a_header_of_numbers_is_refused_as_predict_refuses_it(
        cli: Path, unnamed: dict[str, Any]) -> None:
    d, model, X, y = unnamed["dir"], unnamed["model"], unnamed["X"], unnamed["y"]
    rows = d / "rows.csv"
    np.savetxt(rows, np.column_stack([X, y]), delimiter=",", fmt="%.17g")
    last = f"{y[0]:.17g}"
    # was: the first row taken as the header, its last number as the target column
    r = run(cli, "card", str(model), "--data", str(rows), "--target", last,
            "-o", str(d / "r.html"))
    assert r.returncode == 2 and "all numbers" in r.stderr and "header" in r.stderr
    assert "rows.csv" in r.stderr and not (d / "r.html").exists()
    with pytest.raises(ValueError, match="all numbers"):
        skseal.card(model, data=rows, target=last)
    p = run(cli, "predict", str(model), "--input", str(rows))
    assert p.returncode == 2 and "all numbers" in p.stderr


def test_card_no_header_as_predict(
        cli: Path, unnamed: dict[str, Any], iris: dict[str, Any]) -> None:
    """Data without a header row: columns by number, the target by number."""
    d, model, X, y = unnamed["dir"], unnamed["model"], unnamed["X"], unnamed["y"]
    rows = d / "noheader.csv"
    np.savetxt(rows, np.column_stack([X, y]), delimiter=",", fmt="%.17g")
    acc = float(np.mean(unnamed["est"].predict(X) == y))
    r = run(cli, "card", str(model), "--data", str(rows), "--target", "4", "--no-header",
            "-o", str(d / "nh.html"), "--markdown", str(d / "nh.md"))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    card = skseal.card(model, data=rows, target=4, no_header=True)
    assert card.summary["evaluation"]["accuracy"] == acc
    assert card.summary["warnings"] == []
    # every row is data: 150 rows evaluated, not 149 (the first is not a header)
    assert sum(map(sum, card.summary["evaluation"]["confusion_matrix"])) == len(y)
    # the target given by a name where there are no names: the numbers to use
    r = run(cli, "card", str(model), "--data", str(rows), "--target", "species",
            "--no-header", "-o", str(d / "nh.html"))
    assert r.returncode == 2 and "column number from 0 to 4" in r.stderr, r.stderr
    with pytest.raises(ValueError, match="column number from 0 to 4"):
        skseal.card(model, data=rows, target="species", no_header=True)
    # a model fitted with feature names: its names are given to the columns in order
    Xte, yte = iris["X"], iris["y"]
    plain = d / "iris_noheader.csv"
    Xte.assign(species=yte).to_csv(plain, index=False, header=False)
    named = skseal.card(iris["model"], data=iris["csv"], target="species").summary
    bare = skseal.card(iris["model"], data=plain, target="4", no_header=True).summary
    assert bare["evaluation"] == named["evaluation"]
    # predict reads the same file the same way (its --no-header, the model's names)
    feats = d / "iris_features.csv"
    Xte.to_csv(feats, index=False, header=False)
    p = run(cli, "predict", str(iris["model"]), "--input", str(feats), "--no-header")
    assert p.returncode == 0, p.stderr
    assert p.stdout.split()[1:] == list(iris["est"].predict(Xte))
    # a short row is named by its number, in predict and the card alike
    ragged = d / "ragged.csv"
    ragged.write_text("5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4\n")
    r = run(cli, "card", str(model), "--data", str(ragged), "--target", "4", "--no-header",
            "-o", str(d / "rg.html"))
    assert r.returncode == 2 and "row 2: 3 fields, the first row has 5" in r.stderr, r.stderr
    p = run(cli, "predict", str(model), "--input", str(ragged), "--no-header")
    assert p.returncode == 2 and "row 2: 3 fields, the first row has 5" in p.stderr, p.stderr
    # --no-header needs --data
    r = run(cli, "card", str(model), "--no-header")
    assert r.returncode == 2 and "--data" in r.stderr


def test_card_delimiter_as_predict(cli: Path, iris: dict[str, Any], tmp_path: Path) -> None:
    frame = iris["X"].assign(species=iris["y"])
    semi = tmp_path / "semi.csv"
    frame.to_csv(semi, index=False, sep=";")
    expected = skseal.card(iris["model"], data=iris["csv"], target="species").summary
    assert expected["warnings"] == []
    # without --delimiter: one column named "sepal length (cm);...", and the hint
    r = run(cli, "card", str(iris["model"]), "--data", str(semi), "--target", "species",
            "-o", str(tmp_path / "c.html"))
    assert r.returncode == 2 and "--delimiter" in r.stderr, r.stderr
    r = run(cli, "card", str(iris["model"]), "--data", str(semi), "--target", "species",
            "--delimiter", ";", "-o", str(tmp_path / "c.html"), "--markdown",
            str(tmp_path / "c.md"))
    assert r.returncode == 0 and r.stderr == "", r.stderr
    card = skseal.card(iris["model"], data=semi, target="species", delimiter=";")
    assert card.summary["evaluation"] == expected["evaluation"]
    # a .tsv file is tab-separated unless told otherwise, as for predict
    tsv = tmp_path / "data.tsv"
    frame.to_csv(tsv, index=False, sep="\t")
    r = run(cli, "card", str(iris["model"]), "--data", str(tsv), "--target", "species",
            "-o", str(tmp_path / "t.html"))
    assert r.returncode == 0, r.stderr
    tab = skseal.card(iris["model"], data=tsv, target="species").summary
    assert tab["evaluation"] == expected["evaluation"]
    with pytest.raises(ValueError, match="one character"):
        skseal.card(iris["model"], data=semi, target="species", delimiter=";;")
    r = run(cli, "card", str(iris["model"]), "--delimiter", ";")
    assert r.returncode == 2 and "--data" in r.stderr
