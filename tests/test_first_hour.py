"""Issue 20: the surprises of a first hour with skseal (a joblib user following
the iris RandomForest tutorial), each reproduced and shown fixed: predict
input that cannot silently go wrong, messages a person can act on, one JSON
schema, a quiet exit on a closed pipe, and Python warnings that say one thing
once."""

from __future__ import annotations

import errno
import json
import os
import pickle
import shutil
import subprocess
import warnings
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from test_errors import SkFile

import skseal

ROOT = Path(__file__).resolve().parents[1]


def run(cli: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(cli), *args], capture_output=True, text=True, timeout=120,
                          input=stdin)


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return X, y


@pytest.fixture(scope="module")
def forest(tmp_path_factory: pytest.TempPathFactory,
           iris: tuple[np.ndarray, np.ndarray]) -> tuple[RandomForestClassifier, Path]:
    """The tutorial's model, fitted on numpy arrays (no feature names)."""
    X, y = iris
    model = RandomForestClassifier(n_estimators=200, random_state=0).fit(X, y)
    p = tmp_path_factory.mktemp("forest") / "rf.skseal"
    skseal.dump(model, p)
    return model, p


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory,
          iris: tuple[np.ndarray, np.ndarray]) -> tuple[RandomForestClassifier, Path]:
    """Fitted on a DataFrame with string labels."""
    X, y = iris
    df = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    labels = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(df, labels)
    p = tmp_path_factory.mktemp("named") / "named.skseal"
    skseal.dump(model, p)
    return model, p


def _csv_rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().splitlines()]


# ------------------------------------------------------------ closed pipe


def _read_then_close(cli: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str]:
    """`skseal ... | head -1`: read one line, close the pipe, collect the exit."""
    p = subprocess.Popen([str(cli), *args], stdin=subprocess.PIPE if stdin else None,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if stdin is not None and p.stdin is not None:
        p.stdin.write(stdin)
        p.stdin.close()
    assert p.stdout is not None and p.stderr is not None
    p.stdout.readline()
    p.stdout.close()
    code = p.wait(timeout=120)
    return code, p.stderr.read().decode()


def test_closed_pipe_ends_quietly(cli: Path, forest: tuple[object, Path],
                                  tmp_path: Path) -> None:
    # was: "failed printing to stdout: Broken pipe", exit 101 (then 2 as an internal error)
    _, path = forest
    code, err = _read_then_close(cli, "inspect", str(path))
    assert (code, err) == (0, "")
    code, err = _read_then_close(cli, "inspect", "--json", str(path))
    assert (code, err) == (0, "")
    rows = b"\n".join(b"[5.1, 3.5, 1.4, 0.2]" for _ in range(200_000)) + b"\n"
    code, err = _read_then_close(cli, "predict", str(path), "--input", "-", stdin=rows)
    assert (code, err) == (0, "")


def test_closed_pipe_keeps_the_verdict_of_verify_and_scan(
        cli: Path, compressed_forest: Path, tmp_path: Path) -> None:
    """`skseal verify damaged.skseal | head -1` (or `scan`) under `set -o
    pipefail`: the exit code is the answer, so a closed pipe stops the output,
    not the check (it used to exit 0, "intact", at the first line)."""
    info = skseal.inspect(compressed_forest)
    data = bytearray(compressed_forest.read_bytes())
    pack = info["packs"][0]
    data[pack["offset"] + pack["stored"] // 2] ^= 0xFF
    bad = tmp_path / "bad.skseal"
    bad.write_bytes(bytes(data))
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(compressed_forest, folder / "a.skseal")
    (folder / "z.pkl").write_bytes(b"cos\nsystem\n(S'echo'\ntR.")

    def closed(*args: str) -> tuple[int, str]:
        # the reader is gone before the first line: every write fails
        r, w = os.pipe()
        os.close(r)
        try:
            p = subprocess.run([str(cli), *args], stdout=w, stderr=subprocess.PIPE,
                               timeout=120)
        finally:
            os.close(w)
        return p.returncode, p.stderr.decode()

    assert closed("verify", str(bad)) == (1, "")
    assert closed("verify", "--json", str(bad)) == (1, "")
    assert closed("verify", str(compressed_forest)) == (0, "")
    assert closed("scan", str(folder)) == (1, "")
    assert closed("scan", "--json", str(folder)) == (1, "")
    # inspect has no verdict: a closed pipe still ends it quietly
    assert closed("inspect", str(compressed_forest)) == (0, "")


# --------------------------------------------------------- predict input


def test_headerless_csv_is_refused_then_read_with_no_header(
        cli: Path, forest: tuple[RandomForestClassifier, Path], tmp_path: Path,
        iris: tuple[np.ndarray, np.ndarray]) -> None:
    model, path = forest
    X, _ = iris
    inp = tmp_path / "rows.csv"
    np.savetxt(inp, X[:3], delimiter=",", fmt="%.17g")
    # was: the first row taken as the header, 3 rows in, 2 predictions out, exit 0
    r = run(cli, "predict", str(path), "--input", str(inp))
    assert r.returncode == 2 and r.stdout == ""
    assert "all numbers" in r.stderr and "--no-header" in r.stderr
    r = run(cli, "predict", str(path), "--input", str(inp), "--no-header")
    assert r.returncode == 0, r.stderr
    assert _csv_rows(r.stdout)[1:] == [[str(v)] for v in model.predict(X[:3])]
    assert "warning" not in r.stderr
    # pandas' default header (0, 1, 2, 3) is a header, not data
    pd.DataFrame(X[:3]).to_csv(inp, index=False)
    r = run(cli, "predict", str(path), "--input", str(inp))
    assert r.returncode == 0 and len(_csv_rows(r.stdout)) == 4, r.stderr


def test_named_columns_for_a_model_without_names_warn(
        cli: Path, forest: tuple[RandomForestClassifier, Path], tmp_path: Path,
        iris: tuple[np.ndarray, np.ndarray]) -> None:
    _, path = forest
    X, _ = iris
    inp = tmp_path / "rows.csv"
    # reordered columns: used by position (as scikit-learn does with numpy input), but said
    pd.DataFrame(X[:3, ::-1], columns=["pw", "pl", "sw", "sl"]).to_csv(inp, index=False)
    r = run(cli, "predict", str(path), "--input", str(inp))
    assert r.returncode == 0, r.stderr
    assert "fitted without feature names" in r.stderr and "pw, pl, sw, sl" in r.stderr


def test_jsonl_objects_keep_their_key_order(
        cli: Path, tmp_path: Path) -> None:
    # eleven columns: sorted keys would put x10 before x2
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 11))
    model = LogisticRegression().fit(X, X[:, 2] > 0)
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    lines = "".join(json.dumps({f"x{j}": float(v) for j, v in enumerate(row)}) + "\n"
                    for row in X[:10])
    r = run(cli, "predict", str(p), "--input", "-", "--method", "decision_function",
            stdin=lines)
    assert r.returncode == 0, r.stderr
    got = [json.loads(s) for s in r.stdout.splitlines()]
    assert np.array_equal(np.array(got), model.decision_function(X[:10]))


def test_delimiter_keep_and_labelled_probabilities(
        cli: Path, named: tuple[RandomForestClassifier, Path], tmp_path: Path,
        iris: tuple[np.ndarray, np.ndarray]) -> None:
    model, path = named
    X, _ = iris
    df = pd.DataFrame(X[:4], columns=["sl", "sw", "pl", "pw"])
    df.insert(0, "id", ["a1", "a2", "a3", "a4"])
    inp = tmp_path / "rows.csv"
    df.to_csv(inp, index=False, sep=";")
    # without --delimiter: one column named "id;sl;sw;pl;pw", and a hint
    r = run(cli, "predict", str(path), "--input", str(inp))
    assert r.returncode == 2 and "--delimiter" in r.stderr
    r = run(cli, "predict", str(path), "--input", str(inp), "--delimiter", ";",
            "--keep", "id", "--method", "predict_proba")
    assert r.returncode == 0, r.stderr
    rows = [line.split(";") for line in r.stdout.strip().splitlines()]
    assert rows[0] == ["id", "setosa", "versicolor", "virginica"]
    assert [row[0] for row in rows[1:]] == ["a1", "a2", "a3", "a4"]
    want = model.predict_proba(df.drop(columns="id"))
    assert np.array_equal(np.array([[float(v) for v in row[1:]] for row in rows[1:]]), want)
    # JSON lines on stdin, detected without --format; labels as keys; ids kept
    lines = "".join(json.dumps(rec) + "\n" for rec in df.to_dict("records"))
    r = run(cli, "predict", str(path), "--input", "-", "--keep", "id",
            "--method", "predict_proba", stdin=lines)
    assert r.returncode == 0, r.stderr
    out = [json.loads(s) for s in r.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a1", "a2", "a3", "a4"]
    assert [[o[c] for c in model.classes_] for o in out] == want.tolist()
    # --format selects the reader explicitly
    r = run(cli, "predict", str(path), "--input", "-", "--format", "jsonl", stdin=lines)
    assert r.returncode == 2 and "id" in r.stderr  # id is not a feature without --keep
    r = run(cli, "predict", str(path), "--input", str(inp), "--delimiter", ";",
            "--keep", "nope")
    assert r.returncode == 2 and "no such column" in r.stderr


def test_numeric_class_labels_name_their_columns(
        cli: Path, forest: tuple[RandomForestClassifier, Path], tmp_path: Path,
        iris: tuple[np.ndarray, np.ndarray]) -> None:
    _, path = forest
    X, _ = iris
    inp = tmp_path / "rows.jsonl"
    inp.write_text("".join(json.dumps(list(row)) + "\n" for row in X[:2]))
    r = run(cli, "predict", str(path), "--input", str(inp), "--method", "predict_proba",
            "--output-format", "csv")
    assert r.returncode == 0, r.stderr
    # a header of numbers ("0,1,2") would read back as a data row
    assert _csv_rows(r.stdout)[0] == ["predict_proba_0", "predict_proba_1", "predict_proba_2"]
    r = run(cli, "predict", str(path), "--input", str(inp), "--method", "predict_proba")
    assert set(json.loads(r.stdout.splitlines()[0])) == {
        "predict_proba_0", "predict_proba_1", "predict_proba_2"}


# --------------------------------------------------------------- messages


@pytest.fixture(scope="module")
def compressed_forest(tmp_path_factory: pytest.TempPathFactory,
                      forest: tuple[RandomForestClassifier, Path]) -> Path:
    model, _ = forest
    p = tmp_path_factory.mktemp("z") / "rfz.skseal"
    skseal.dump(model, p, compress=True)
    return p


def test_verify_reports_a_damaged_pack_once(cli: Path, compressed_forest: Path,
                                            tmp_path: Path) -> None:
    info = skseal.inspect(compressed_forest)
    assert info["packs"], "the forest's small arrays are packed"
    pack = info["packs"][0]
    data = bytearray(compressed_forest.read_bytes())
    data[pack["offset"] + pack["stored"] // 2] ^= 0xFF
    bad = tmp_path / "bad.skseal"
    bad.write_bytes(bytes(data))
    r = run(cli, "verify", str(bad))
    assert r.returncode == 1
    damaged = [line for line in r.stdout.splitlines() if "DAMAGED" in line]
    assert len(damaged) == 1 and damaged[0].strip().startswith("pack 0 (")
    r = run(cli, "verify", "--json", str(bad))
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 1 and doc["command"] == "verify"
    assert doc["status"] == "damaged" and len(doc["damage"]) == 1
    assert doc["damage"][0]["region"] == "pack 0"
    assert all(p.startswith("estimators_[") for p in doc["damage"][0]["paths"])


def test_damaged_array_is_named_by_its_place_and_numpy_dtype(
        cli: Path, forest: tuple[object, Path], tmp_path: Path) -> None:
    _, path = forest
    info = skseal.inspect(path)
    f = SkFile.parse(path.read_bytes())
    i = f.structs_with("left_child")[114]
    data = bytearray(path.read_bytes())
    data[info["arrays"][i]["offset"] + 3] ^= 1
    bad = tmp_path / "bad.skseal"
    bad.write_bytes(bytes(data))
    r = run(cli, "verify", str(bad))
    assert r.returncode == 1
    [line] = [ln for ln in r.stdout.splitlines() if "DAMAGED" in ln]
    assert line.strip().startswith("estimators_[114].tree_.nodes: DAMAGED")
    assert "('left_child', '<i8')" in line and "Struct {" not in line
    with pytest.raises(skseal.IntegrityError, match=r"\('left_child', '<i8'\)") as ei:
        skseal.load(bad)
    msg = str(ei.value)
    assert "Simple(" not in msg
    # the file, and the place in the model
    assert msg.startswith(f"{bad}: ") and f"array {i} at estimators_[114].tree_.nodes (" in msg
    assert info["arrays"][i]["path"] == "estimators_[114].tree_.nodes"
    inp = tmp_path / "rows.csv"
    inp.write_text("5.1,3.5,1.4,0.2\n")
    r = run(cli, "predict", str(bad), "--input", str(inp), "--no-header")
    assert r.returncode == 2 and str(bad) in r.stderr
    assert f"array {i} at estimators_[114].tree_.nodes (" in r.stderr


def test_text_file_is_not_a_pickle(cli: Path, tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("hello world\nthis is not a model\n")
    # was: "malformed pickle at byte 0 (BINGET): memo key 101 was never stored"
    want = "not a skseal, pickle or joblib file (it looks like text)"
    with pytest.raises(skseal.FormatError, match=want.replace("(", r"\(").replace(")", r"\)")):
        skseal.load(p)
    # skseal.inspect too, naming the file (was: "FormatError: not a skseal file ...
    # malformed pickle at byte 0 (BINGET): memo key 101 was never stored")
    with pytest.raises(skseal.FormatError) as ei:
        skseal.inspect(p)
    assert str(ei.value).startswith(f"{p}: {want}") and "BINGET" not in str(ei.value)
    b = tmp_path / "noise.bin"
    b.write_bytes(b"\x01\x02\x03\x04garbage")
    for call in (skseal.load, skseal.inspect):
        with pytest.raises(skseal.FormatError) as ei:
            call(b)
        assert str(ei.value) == (f"{b}: not a skseal, pickle or joblib file (it starts with "
                                 "bytes 0102030467617262); nothing was run"), call
    for args in (("inspect", str(p)), ("convert", str(p), str(tmp_path / "o.skseal")),
                 ("scan", str(p))):
        r = run(cli, *args)
        assert r.returncode == 2 and want in r.stdout + r.stderr, (args, r.stdout, r.stderr)
        assert "BINGET" not in r.stdout + r.stderr


def test_missing_folder_names_the_path(tmp_path: Path) -> None:
    model = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    dest = tmp_path / "no" / "such" / "m.skseal"
    # was: "FileNotFoundError: No such file or directory (os error 2)"
    with pytest.raises(FileNotFoundError) as ei:
        skseal.dump(model, dest)
    assert ei.value.filename == str(dest) and "does not exist" in str(ei.value)
    # the errno of the OS, not Rust's "(os error 2)" and "[Errno 0]"
    assert ei.value.errno == errno.ENOENT
    assert "os error" not in str(ei.value) and "[Errno 0]" not in str(ei.value), str(ei.value)
    with pytest.raises(FileNotFoundError) as ei:
        skseal.convert(tmp_path / "missing.joblib", tmp_path / "out.skseal")
    assert ei.value.filename == str(tmp_path / "missing.joblib")
    assert ei.value.errno == errno.ENOENT and "os error" not in str(ei.value), str(ei.value)


def test_cli_io_errors_name_the_file_in_plain_words(cli: Path, forest: tuple[object, Path],
                                                   tmp_path: Path) -> None:
    """was: "cannot open m.skseal: No such file or directory (os error 2)",
    Rust's rendering of an I/O error, in text and in --json failures."""
    _, path = forest
    missing = tmp_path / "nope" / "m.skseal"
    for args in (("inspect", str(missing)), ("verify", str(missing)),
                 ("convert", str(missing), str(tmp_path / "o.skseal")),
                 ("predict", str(path), "--input", str(missing)),
                 ("card", str(missing)), ("scan", str(missing)),
                 ("inspect", "--json", str(missing)), ("verify", "--json", str(missing)),
                 ("scan", "--json", str(missing))):
        r = run(cli, *args)
        said = r.stdout + r.stderr
        assert r.returncode == 2 and str(missing) in said, (args, said)
        assert "No such file or directory" in said and "os error" not in said, (args, said)


# ---------------------------------------------------- versions, compress, mmap


def _fake_version() -> str:
    """A version string as long as the installed one, and different."""
    v = sklearn.__version__
    return ("0." + "0" * len(v))[: len(v) - 1] + "1"


def test_one_version_message_not_one_per_estimator(forest: tuple[object, Path],
                                                   tmp_path: Path) -> None:
    _, path = forest
    fake = _fake_version()
    text = json.dumps(SkFile.parse(path.read_bytes()).header)
    f = SkFile.parse(path.read_bytes())
    f.header = json.loads(text.replace(f'"{sklearn.__version__}"', f'"{fake}"'))
    old = tmp_path / "old.skseal"
    old.write_bytes(f.to_bytes())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        skseal.load(old)
    # was: 201 InconsistentVersionWarnings (forest + 200 trees) and skseal's own
    kinds = [w.category.__name__ for w in caught]
    assert kinds == ["VersionMismatchWarning"], kinds[:5]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        skseal.load(old, on_version_mismatch="ignore")
    assert caught == []


def test_loads_in_threads_leave_warnings_alone(forest: tuple[object, Path]) -> None:
    """Silencing scikit-learn's warnings swaps process-wide state: loads in
    threads must not leave a recorder behind (every later warning lost)."""
    from concurrent.futures import ThreadPoolExecutor

    _, path = forest
    before = (warnings.showwarning, list(warnings.filters))
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda _: skseal.load(path), range(16)))
    assert (warnings.showwarning, list(warnings.filters)) == before


def test_on_version_mismatch_applies_to_joblib_files(tmp_path: Path) -> None:
    X, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    p = tmp_path / "m.joblib"
    joblib.dump(model, p)
    v, fake = sklearn.__version__.encode(), _fake_version().encode()
    p.write_bytes(p.read_bytes().replace(b"\x8c" + bytes([len(v)]) + v,
                                         b"\x8c" + bytes([len(fake)]) + fake))
    with pytest.raises(skseal.VersionMismatchError, match=_fake_version()):
        skseal.load(p, on_version_mismatch="error")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = skseal.load(p)
    assert [w.category.__name__ for w in caught] == ["VersionMismatchWarning"]
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        skseal.load(p, on_version_mismatch="ignore")
    assert caught == []
    # a file of the installed version: nothing to say
    joblib.dump(model, p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        skseal.load(p, on_version_mismatch="error")


def test_settings_that_do_nothing_say_so(forest: tuple[RandomForestClassifier, Path],
                                         compressed_forest: Path, tmp_path: Path) -> None:
    model, path = forest
    with pytest.warns(UserWarning, match="lz4 has no compression levels"):
        skseal.dump(model, tmp_path / "l.skseal", compress=("lz4", 3))
    with pytest.warns(UserWarning, match="are compressed, so they are decompressed"):
        skseal.load(compressed_forest, mmap_mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        skseal.load(path, mmap_mode="r")  # uncompressed: mapped, nothing to say
    jb = tmp_path / "m.joblib"
    joblib.dump(model, jb)
    with pytest.warns(UserWarning, match="no effect on a joblib file"):
        skseal.load(jb, mmap_mode="r")


# ------------------------------------------------------------- ergonomics


def test_one_json_schema_and_json_failures(cli: Path, forest: tuple[object, Path],
                                           tmp_path: Path) -> None:
    model, path = forest
    jb = tmp_path / "m.joblib"
    joblib.dump(model, jb, compress=3)
    docs = {}
    for cmd in (("inspect", "--json", str(path)), ("scan", "--json", str(path)),
                ("verify", "--json", str(path)), ("inspect", "--json", str(jb))):
        r = run(cli, *cmd)
        assert r.returncode == 0, (cmd, r.stderr)
        doc = json.loads(r.stdout)
        assert doc["schema_version"] == 1 and doc["command"] == cmd[0]
        docs[(cmd[0], Path(cmd[-1]).suffix)] = doc
    # the same names for the same things
    skinspect, legacy = docs[("inspect", ".skseal")], docs[("inspect", ".joblib")]
    scan = docs[("scan", ".skseal")]["files"][0]
    assert skinspect["format"] == "skseal" and legacy["format"] == "joblib"
    assert legacy["compression"] == "zlib" and isinstance(legacy["joblib_arrays"], list)
    for g in skinspect["globals"] + legacy["globals"] + scan["globals"]:
        assert isinstance(g["roles"], list) and "uses" not in g
    assert docs[("verify", ".skseal")]["status"] == "intact"
    # failures under --json are JSON too, on stdout, exit 2
    missing = tmp_path / "nope" / "m.skseal"
    for cmd in ("inspect", "verify"):
        r = run(cli, cmd, "--json", str(missing))
        assert r.returncode == 2
        doc = json.loads(r.stdout)
        assert doc["status"] == "error" and str(missing) in doc["error"]


def test_inspect_summary_and_legacy_files(cli: Path, forest: tuple[object, Path],
                                          tmp_path: Path) -> None:
    model, path = forest
    full = run(cli, "inspect", str(path)).stdout
    summary = run(cli, "inspect", "--summary", str(path)).stdout
    assert summary.strip() and len(summary.splitlines()) < 15 < len(full.splitlines())
    assert full.startswith(summary.rstrip("\n"))
    # 200 trees: the first in full, then one line (was 12 trees in full, 394 lines)
    assert "[1..199] 199 more sklearn.tree._classes.DecisionTreeClassifier, each structured " \
        "like [0]" in full
    assert len(full.splitlines()) < 120
    jb = tmp_path / "m.joblib"
    joblib.dump(model, jb)
    # was: "not a skseal file" from the CLI, while skseal.inspect read it
    r = run(cli, "inspect", str(jb))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("joblib file") and "RandomForestClassifier" in r.stdout
    pk = tmp_path / "m.pkl"
    pk.write_bytes(pickle.dumps(model, protocol=5))
    r = run(cli, "inspect", str(pk))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("pickle file") and "RandomForestClassifier" in r.stdout
    r = run(cli, "inspect", "--json", str(pk))
    doc = json.loads(r.stdout)
    assert (doc["schema_version"], doc["command"], doc["format"]) == (1, "inspect", "pickle")


def test_shell_completions(cli: Path) -> None:
    for shell, marker in (("bash", "_skseal()"), ("zsh", "#compdef skseal"),
                          ("fish", "complete -c skseal")):
        r = run(cli, "completions", shell)
        assert r.returncode == 0 and marker in r.stdout, shell
        assert "predict" in r.stdout and "no-header" in r.stdout


@pytest.fixture(scope="module")
def big_forest(tmp_path_factory: pytest.TempPathFactory,
               iris: tuple[np.ndarray, np.ndarray]) -> Path:
    """A model file large enough (over 4 MiB) for store push/pull progress."""
    X, y = iris
    big = RandomForestClassifier(n_estimators=120, random_state=0).fit(
        np.repeat(X, 20, axis=0) + np.random.default_rng(0).normal(size=(3000, 4)),
        np.repeat(y, 20))
    p = tmp_path_factory.mktemp("big") / "big.skseal"
    skseal.dump(big, p)
    assert p.stat().st_size >= 4 << 20
    return p


def _on_terminal(cli: Path, *args: str) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal: (exit code, what the
    terminal showed)."""
    import pty

    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([str(cli), *args], stdout=subprocess.DEVNULL, stderr=slave,
                             env=dict(os.environ, TERM="xterm"))
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        return p.wait(timeout=120), shown.decode(errors="replace")
    finally:
        os.close(master)


def test_store_progress_on_a_terminal_only(cli: Path, big_forest: Path,
                                           tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    out = str(tmp_path / "pulled.skseal")
    code, shown = _on_terminal(cli, "store", "push", str(big_forest), "big", "--store", store)
    assert code == 0 and "big.skseal" in shown and "to big:" in shown, shown
    code, shown = _on_terminal(cli, "store", "pull", "big@1", "-o", out, "--store", store)
    assert code == 0 and "pull big@1" in shown, shown
    # small files: no progress even on a terminal
    small = tmp_path / "small.skseal"
    skseal.dump(LogisticRegression(max_iter=300).fit(*load_iris(return_X_y=True)), small)
    code, shown = _on_terminal(cli, "store", "push", str(small), "small", "--store", store)
    assert code == 0 and shown == "", shown


def test_scan_and_convert_progress_on_a_terminal_only(
        cli: Path, forest: tuple[RandomForestClassifier, Path], tmp_path: Path) -> None:
    model, path = forest
    folder = tmp_path / "models"
    folder.mkdir()
    for i in range(3):
        shutil.copy(path, folder / f"m{i}.skseal")
    code, shown = _on_terminal(cli, "scan", str(folder))
    assert code == 0 and "scan [" in shown and "3/3" in shown, shown
    code, shown = _on_terminal(cli, "scan", "--quiet", str(folder))
    assert code == 0 and shown == "", shown
    jb = tmp_path / "m.joblib"
    joblib.dump(model, jb)
    code, shown = _on_terminal(cli, "convert", str(jb), str(tmp_path / "t.skseal"))
    # (long paths are cut to the terminal's width)
    assert code == 0 and "checking " in shown and "writing " in shown, shown
    code, shown = _on_terminal(cli, "convert", "--quiet", str(jb), str(tmp_path / "q.skseal"))
    assert code == 0 and shown == "", shown
    # piped: the result on stdout, nothing on stderr
    r = run(cli, "convert", str(jb), str(tmp_path / "p.skseal"))
    assert r.returncode == 0 and r.stderr == "" and r.stdout.startswith("wrote "), r.stderr


def test_no_progress_output_when_piped(cli: Path, forest: tuple[object, Path],
                                       big_forest: Path, tmp_path: Path) -> None:
    _, path = forest
    for i in range(3):
        shutil.copy(path, tmp_path / f"m{i}.skseal")
    r = run(cli, "scan", str(tmp_path))
    assert r.returncode == 0 and r.stderr == ""
    r = run(cli, "convert", str(tmp_path / "nope.joblib"), str(tmp_path / "o.skseal"))
    assert r.returncode == 2 and r.stderr.startswith("skseal: error:")
    env = dict(os.environ, TERM="xterm")
    r = subprocess.run([str(cli), "scan", "--quiet", str(tmp_path)], capture_output=True,
                       text=True, timeout=120, env=env)
    assert r.returncode == 0 and r.stderr == ""
    # store push and pull of a file large enough for progress on a terminal
    store = str(tmp_path / "store")
    r = run(cli, "store", "push", str(big_forest), "big", "--store", store)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = run(cli, "store", "pull", "big@1", "-o", str(tmp_path / "p.skseal"), "--store", store)
    assert r.returncode == 0 and r.stderr == "", r.stderr


def test_wrong_column_count_names_input_model_and_fix(cli: Path, forest: tuple[object, Path],
                                                      tmp_path: Path) -> None:
    """was: "bad input: X has 2 features, but RandomForestClassifier is
    expecting 4 features as input", naming neither file."""
    _, model = forest
    two = tmp_path / "two.csv"
    two.write_text("a,b\n5.1,3.5\n")
    r = run(cli, "predict", str(model), "--input", str(two))
    assert r.returncode == 2 and r.stdout == ""
    err = r.stderr.splitlines()[-1]
    assert err.startswith(f"skseal: error: {two} does not fit the model {model}: X has 2 "
                          "features, but RandomForestClassifier is expecting 4"), err
    assert f"skseal inspect {model}" in err and "--delimiter" in err
