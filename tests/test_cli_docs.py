"""docs/CLI.md stays true: every subcommand clap knows is documented, and
every key of every `--json` document the CLI writes is named in the part of
the JSON section that describes that document."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

import skseal

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "target" / "debug" / "skseal"
DOC = (ROOT / "docs" / "CLI.md").read_text()
pytestmark = pytest.mark.skipif(not CLI.exists(), reason="CLI not built (scripts/setup.sh)")

# Subtrees whose keys are data, or are documented in another file: the
# file's metadata (docs/FORMAT.md) and alias names mapped to versions.
OPAQUE = {"metadata", "aliases"}


def run(*args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    """Run the CLI; the exit code must be one of `ok`."""
    r = subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "SKSEAL_STORE": "", "SKSEAL_STORE_ADMIN_KEY": ""})
    assert r.returncode in ok, (args, r.returncode, r.stdout, r.stderr)
    return r


def commands(*prefix: str) -> list[str]:
    """The subcommands clap lists in `skseal [PREFIX] --help`."""
    text = run(*prefix, "--help").stdout
    block = text.split("Commands:", 1)[1].split("\n\n", 1)[0]
    names = [line.split()[0] for line in block.splitlines() if line.strip()]
    return [n for n in names if n != "help"]


def section(title: str, level: int = 3) -> str:
    """The text of the section `title` at heading `level` (2: `##`), up to the
    next heading of the same or a higher level."""
    m = re.search(rf"^{'#' * level} {re.escape(title)}\n", DOC, re.M)
    assert m, f"docs/CLI.md has no section {title!r}"
    rest = DOC[m.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[: end.start()] if end else rest


def named(text: str) -> set[str]:
    """Every identifier inside a `code span` of `text`."""
    out: set[str] = set()
    for span in re.findall(r"`([^`]+)`", text):
        out.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span))
    return out


def keys(doc: Any, at: str = "") -> Iterator[str]:
    """Every object key of a JSON document (paths for messages)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield f"{at}.{k}"
            if k not in OPAQUE:
                yield from keys(v, f"{at}.{k}")
    elif isinstance(doc, list):
        for v in doc:
            yield from keys(v, f"{at}[]")


def test_every_subcommand_is_documented() -> None:
    top = commands()
    assert {"inspect", "scan", "verify", "store", "card", "predict"} <= set(top)
    table = DOC.split("\n## ", 1)[0]
    headings = re.findall(r"^## (.+)$", DOC, re.M)
    for c in top:
        assert f"[`{c}`](#" in table, f"{c} missing from the command table of docs/CLI.md"
        assert any(c in re.split(r",\s*", h) for h in headings), f"no section for {c}"
    verbs = section("store", 2)
    store = commands("store")
    assert {"push", "pull", "show", "policy"} <= set(store)
    for v in store:
        assert re.search(rf"^\| `{v}\b", verbs, re.M), f"store {v} missing from docs/CLI.md"
    for v in commands("store", "policy"):
        assert f"`policy {v}" in verbs, f"store policy {v} missing from docs/CLI.md"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Models of every kind the documents describe: signed, compressed
    (packs), damaged, legacy, flagged, refused, unreadable."""
    d = tmp_path_factory.mktemp("clidocs")
    X, y = load_iris(return_X_y=True)
    a = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    b = RandomForestClassifier(n_estimators=3, max_depth=2, random_state=1).fit(X, y)
    skseal.dump(a, d / "a.skseal", metadata={"accuracy": 0.9}, probe=X[:3])
    skseal.dump(b, d / "b.skseal", compress="zstd")
    skseal.dump(b, d / "damaged.skseal", compress="zstd")
    raw = bytearray((d / "damaged.skseal").read_bytes())
    raw[-40] ^= 0xFF
    (d / "damaged.skseal").write_bytes(bytes(raw))
    joblib.dump(a, d / "a.joblib")
    (d / "evil.pkl").write_bytes(pickle.dumps(1) + b"cos\nsystem\n(S'echo'\ntR.")
    (d / "text.pkl").write_text("hello\n")
    run("keygen", str(d / "k"))
    run("sign", str(d / "a.skseal"), "--key", str(d / "k"))
    return {p.name: p for p in d.iterdir()} | {"dir": d}


def documents(files: dict[str, Path]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(what, the part of docs/CLI.md that documents it, the document)."""
    common = section("JSON output (schema version 1)", 2).split("\n### ", 1)[0]
    shared = common + section("Shared names")
    f = {k: str(v) for k, v in files.items()}

    def js(*args: str, ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
        return json.loads(run(*args, "--json", ok=ok).stdout)

    yield "inspect", shared + section("inspect"), js("inspect", f["a.skseal"])
    yield "inspect packs", shared + section("inspect"), js("inspect", f["b.skseal"])
    yield "inspect legacy", shared + section("inspect"), js("inspect", f["a.joblib"])
    yield "scan", shared + section("scan"), js(
        "scan", f["a.skseal"], f["a.joblib"], f["evil.pkl"], f["text.pkl"], ok=(1, 2))
    yield "verify", shared + section("verify"), js("verify", f["a.skseal"])
    yield "verify --key", shared + section("verify"), js(
        "verify", f["a.skseal"], "--key", f["k"] + ".pub")
    yield "verify wrong key", shared + section("verify"), js(
        "verify", f["a.skseal"], "--key", f["k"], ok=(1, 2))
    yield "verify damaged", shared + section("verify"), js(
        "verify", f["damaged.skseal"], ok=(1,))
    failures = common + section("Failures")
    yield "inspect failure", failures, js("inspect", f["dir"] + "/nope", ok=(2,))
    yield "verify failure", failures, js("verify", f["text.pkl"], ok=(2,))

    store = section("store")

    st = ("--store", f["dir"] + "/store")

    def row(name: str) -> str:
        rows = "\n".join(line for line in store.splitlines()
                         if re.match(rf"\| `(policy )?{name}\b", line))
        assert rows, f"no row for store {name} in the JSON section"
        for other in re.findall(r"as for `(\w+)`", rows):
            rows += "\n" + row(other)
        return rows

    def verb(name: str, *args: str, ok: tuple[int, ...] = (0,)) -> tuple[str, str, Any]:
        rows = row(name)
        head = store.split("\n|", 1)[0]
        doc = js("store", *args, *st, ok=ok)
        assert doc["command"] == "store " + " ".join(args[: 2 if args[0] == "policy" else 1])
        return f"store {name}", shared + head + rows, doc

    yield verb("push", "push", f["a.skseal"], "iris", "--alias", "prod", "--key", f["k"])
    yield verb("push", "push", f["a.joblib"], "iris", "-m", "legacy")
    yield verb("push", "push", f["b.skseal"], "iris")
    yield verb("pull", "pull", "iris@1", "-o", f["dir"] + "/pulled.skseal")
    yield verb("list", "list")
    yield verb("list", "list", "iris")
    yield verb("show", "show", "iris@prod")
    yield verb("diff", "diff", "iris@1", "iris@3")
    yield verb("alias", "alias", "iris", "prod", "2", "-m", "promote")
    yield verb("history", "history", "iris")
    yield verb("verify", "verify")
    yield verb("gc", "gc", "--dry-run")
    yield verb("policy", "policy", "show")
    yield verb("policy", "policy", "set", "--key", f["k"])
    yield verb("policy", "policy", "show")
    failed = js("store", "show", "nope@1", *st, ok=(2,))
    assert failed["command"] == "store show"
    yield "store failure", failures, failed


def test_every_json_key_is_documented(files: dict[str, Path]) -> None:
    seen: set[str] = set()
    missing = []
    for what, text, doc in documents(files):
        assert doc["schema_version"] == 1 and doc["command"], what
        ok = named(text)
        for path in keys(doc):
            seen.add(path)
            if path.rsplit(".", 1)[1] not in ok:
                missing.append(f"{what}: {path}")
    assert not missing, "not in docs/CLI.md:\n" + "\n".join(sorted(set(missing)))
    # the documents exercised what the docs describe
    for p in (".signature.key_id", ".signature.trusted_key_checked", ".damage[].paths",
              ".packs[].arrays", ".files[].refused", ".files[].error", ".error",
              ".arrays.changed[].path", ".policy.admins"):
        assert p in seen, p


def test_one_signature_object(files: dict[str, Path]) -> None:
    """inspect, verify and store show name the signer the same way."""
    f = {k: str(v) for k, v in files.items()}

    def js(*args: str) -> dict[str, Any]:
        return json.loads(run(*args, "--json").stdout)

    signed = js("inspect", f["a.skseal"])["signature"]
    assert signed["status"] == "valid" and len(signed["key_id"]) == 16
    assert signed["trusted_key_checked"] is False
    assert js("verify", f["a.skseal"])["signature"] == signed
    assert js("verify", f["a.skseal"], "--key", f["k"] + ".pub")["signature"] == {
        **signed, "trusted_key_checked": True}
    assert skseal.inspect(files["a.skseal"])["signature"] == signed
    assert skseal.inspect(files["a.skseal"].read_bytes())["signature"] == signed
    with open(files["a.skseal"], "rb") as fh:
        assert skseal.inspect(fh)["signature"] == signed
    st = ("--store", f["dir"] + "/sigstore")
    js("store", "push", f["a.skseal"], "m", *st)
    assert js("store", "show", "m", *st)["signature"] == signed
    unsigned = {"status": "not signed"}
    assert js("inspect", f["b.skseal"])["signature"] == unsigned
    assert js("verify", f["b.skseal"])["signature"] == unsigned
    assert skseal.inspect(files["b.skseal"])["signature"] == unsigned


def test_readme_quick_start_is_two_commands_and_tells_the_first_hour() -> None:
    """README (issue 20): the quick start is still exactly two commands, each
    a script of the repository that sets itself up; installing into one's own
    environment, joblib's calls mapped to skseal's and the version-drift story
    are told."""
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S)
    assert block, "no bash block in the quick start"
    lines = [ln.split("#", 1)[0].strip() for ln in block.group(1).splitlines()]
    cmds = [ln for ln in lines if ln]
    assert cmds == ["./scripts/demo.sh", "./scripts/test.sh"], cmds
    for c in cmds:
        script = ROOT / c
        assert script.is_file() and os.access(script, os.X_OK), c
        assert "scripts/setup.sh" in script.read_text(), f"{c} does not set itself up"
    assert "exactly two commands" in quick
    heads = re.findall(r"^## (.+)$", readme, re.M)
    for h in ("Install into your own environment", "From joblib to skseal",
              "When scikit-learn versions differ"):
        assert h in heads, h
    table = readme.split("\n## From joblib to skseal\n", 1)[1].split("\n## ", 1)[0]
    for call in ("joblib.dump(", "joblib.load(", "compress=", "mmap_mode=", "skseal.convert("):
        assert call in table, call
    drift = readme.split("\n## When scikit-learn versions differ\n", 1)[1].split("\n## ", 1)[0]
    for word in ("InconsistentVersionWarning", "VersionMismatchWarning", "on_version_mismatch",
                 "probe", "joblib"):
        assert word in drift, word
