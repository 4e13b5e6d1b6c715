"""The model store (docs/STORE.md), against a folder and against a real
S3-protocol server (moto's server mode) started here on loopback.

Every verb of `skseal store` and of `skseal.store`; 1,000 alias moves from 8
concurrent processes with none lost; pushes killed with SIGKILL never leave
a visible partial version; tampered blobs, forged history and untrusted keys
are refused with clear errors; a 10,000-version listing; serving an alias
and following its moves."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

import skseal
import skseal.native
import skseal.store

ROOT = Path(__file__).resolve().parent.parent
CLI = ROOT / "target" / "debug" / "skseal"
pytestmark = pytest.mark.skipif(not CLI.exists(), reason="CLI not built (scripts/setup.sh)")

X, Y = load_iris(return_X_y=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[dict[str, str]]:
    """moto's S3 server on 127.0.0.1 (stopped at the end of the session), with
    S3's atomic conditional writes (tests/moto_s3_server.py)."""
    port = _free_port()
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).parent / "moto_s3_server.py"), "127.0.0.1",
         str(port)],
        stdout=log, stderr=log,
    )
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "skseal-test",
        "AWS_SECRET_ACCESS_KEY": "skseal-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
    try:
        end = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > end or proc.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


_bucket_n = 0


@pytest.fixture(params=["folder", "s3"])
def store_uri(request: pytest.FixtureRequest, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh, empty store of each kind; S3 variables set for this process
    and the subprocesses it starts."""
    if request.param == "folder":
        return str(tmp_path / "store")
    import boto3

    env = request.getfixturevalue("s3_server")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    global _bucket_n
    _bucket_n += 1
    bucket = f"models-{_bucket_n}"
    boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                 aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                 aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"]).create_bucket(Bucket=bucket)
    return f"s3://{bucket}/team/prefix"


def cli(*args: str, check: bool = True, **kw: Any) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=300, **kw)
    if check:
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r


def cli_json(*args: str) -> Any:
    return json.loads(cli(*args, "--json").stdout)


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("models")
    a = RandomForestClassifier(n_estimators=4, random_state=0).fit(X, Y)
    b = RandomForestClassifier(n_estimators=4, max_depth=3, random_state=1).fit(X, Y)
    skseal.dump(a, d / "a.skseal", metadata={"accuracy": 0.91}, probe=X[:5])
    skseal.dump(b, d / "b.skseal", metadata={"accuracy": 0.95}, probe=X[:5])
    joblib.dump(b, d / "b.joblib")
    lr = LogisticRegression(max_iter=300).fit(X, Y)
    skseal.dump(lr, d / "small.skseal")
    for name in ("ci", "release", "admin", "intruder"):
        cli("keygen", str(d / name))
    return {"a": d / "a.skseal", "b": d / "b.skseal", "b_joblib": d / "b.joblib",
            "small": d / "small.skseal", "dir": d}


def test_every_verb(store_uri: str, models: dict[str, Path], tmp_path: Path) -> None:
    st = ["--store", store_uri]
    r = cli_json("store", "push", str(models["a"]), "iris", "-m", "first", "--alias",
                 "production", *st)
    assert r["version"] == 1 and r["name"] == "iris"
    r = cli_json("store", "push", str(models["b"]), "iris", "-m", "deeper",
                 "--key", str(models["dir"] / "ci"), *st)
    assert r["version"] == 2 and r["pushed_by"]["key_id"]
    # a joblib file is converted on push, never unpickled
    r = cli_json("store", "push", str(models["b_joblib"]), "iris", "-m", "legacy", *st)
    assert r["version"] == 3 and r["source"]["converted"] is True
    assert r["source"]["format"] == "joblib"
    listing = cli_json("store", "list", *st)
    assert listing["models"] == [{"name": "iris", "latest": 3, "aliases": {"production": 1}}]
    versions = cli_json("store", "list", "iris", *st)["versions"]
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert [v["message"] for v in versions] == ["first", "deeper", "legacy"]
    # alias moves and history
    a = cli_json("store", "alias", "iris", "production", "2", "-m", "promote", *st)
    assert a["schema_version"] == 1
    assert (a["alias"], a["seq"], a["from"], a["to"], a["message"]) == \
        ("production", 2, 1, 2, "promote")
    assert a["by"]["key_id"] is None and a["at"].endswith("Z")
    cli("store", "alias", "iris", "staging", "3", *st)
    hist = cli_json("store", "history", "iris", "--alias", "production", *st)["history"]
    assert [(h["from"], h["to"], h["message"]) for h in hist] == [
        (None, 1, "first"), (1, 2, "promote")]
    both = cli_json("store", "history", "iris", *st)["history"]
    assert {h["alias"] for h in both} == {"production", "staging"}
    # show: record, metadata, signer, aliases
    show = cli_json("store", "show", "iris@production", *st)
    assert show["version"] == 2 and show["aliases"] == ["production"]
    assert show["metadata"]["user"] == {"accuracy": 0.95}
    assert show["signature"] == {"status": "valid", "key_id": show["pushed_by"]["key_id"],
                                 "trusted_key_checked": False}
    assert show["command"] == "store show"
    assert show["metadata"]["estimator"]["class"].endswith("RandomForestClassifier")
    assert show["schema_version"] == 1
    # diff: metrics, hyperparameters, arrays
    d = cli_json("store", "diff", "iris@1", "iris@2", *st)
    assert {"path": "user.accuracy", "a": 0.91, "b": 0.95} in d["metrics"]
    assert {"path": "max_depth", "a": None, "b": 3} in d["hyperparameters"]
    changed = {c["path"] for c in d["arrays"]["changed"]}
    assert "estimators_[0].tree_.nodes" in changed
    same = cli_json("store", "diff", "iris@2", "iris@3", *st)
    # the converted joblib file holds the same model (the .skseal one also has a probe)
    assert same["arrays"]["changed"] == [] and same["hyperparameters"] == []
    # pull: versioned file name by default, bytes identical to what was pushed
    r = cli("store", "pull", "iris@production", *st, cwd=tmp_path)
    pulled = list(tmp_path.glob("iris_v2_*.skseal"))
    assert len(pulled) == 1 and "digests and signatures checked" in r.stdout
    pulled_pred = skseal.load(models["b"]).predict(X[:20]).tolist()
    assert skseal.load(pulled[0]).predict(X[:20]).tolist() == pulled_pred
    out = tmp_path / "explicit.skseal"
    cli("store", "pull", "iris@1", "-o", str(out), *st)
    assert out.read_bytes() == models["a"].read_bytes()
    out2 = tmp_path / "as-json.skseal"
    p = cli_json("store", "pull", "iris@staging", "-o", str(out2), *st)
    assert p["schema_version"] == 1 and p["path"] == str(out2)
    assert (p["name"], p["version"], p["message"]) == ("iris", 3, "legacy")
    assert p["source"]["format"] == "joblib" and p["estimator"].endswith("RandomForestClassifier")
    assert skseal.load(out2).predict(X[:20]).tolist() == pulled_pred
    # verify and gc
    v = cli_json("store", "verify", *st)
    assert v["ok"] is True and v["versions"] == 3 and v["moves"] == 3
    g = cli_json("store", "gc", "--grace-secs", "0", *st)
    assert g["removed"] == [] and g["kept"] == 3
    # bad references are clear errors, as JSON under --json
    r = cli("store", "pull", "iris@nope", *st, "--json", check=False)
    assert r.returncode == 2 and "iris@nope: not found" in json.loads(r.stdout)["error"]
    r = cli("store", "alias", "iris", "production", "9", *st, check=False)
    assert r.returncode == 2 and "iris@9: not found" in r.stderr


def test_python_api(store_uri: str, models: dict[str, Path], tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    st = skseal.store.open(store_uri)
    rec = st.push(models["a"], "flowers", message="py", alias="production",
                  key=models["dir"] / "ci")
    assert rec["version"] == 1
    st.push(models["b"].read_bytes(), "flowers", message="bytes")
    assert st.names() == ["flowers"]
    assert [v["version"] for v in st.versions("flowers")] == [1, 2]
    assert st.aliases("flowers") == {"production": 1}
    m = skseal.load("flowers@production", store=store_uri)
    ref = skseal.load(models["a"])
    assert np.array_equal(m.predict_proba(X), ref.predict_proba(X))
    nm = skseal.native.load("flowers@production", store=st)
    assert np.array_equal(nm.predict_proba(X), ref.predict_proba(X))
    st.move_alias("flowers", "production", 2, message="roll forward")
    assert st.resolve("flowers@production") == 2
    assert [e["to"] for e in st.history("flowers", "production")] == [1, 2]
    st.move_alias("flowers", "candidate", 1)
    # without an alias: every alias's moves, alias after alias, as the CLI gives them
    every = st.history("flowers")
    assert [(e["alias"], e["seq"], e["to"]) for e in every] == [
        ("candidate", 1, 1), ("production", 1, 1), ("production", 2, 2)]
    fields = ("alias", "seq", "from", "to", "at", "message")
    assert [[e[f] for f in fields] for e in every] == [
        [e[f] for f in fields]
        for e in cli_json("store", "history", "flowers", "--store", store_uri)["history"]]
    with pytest.raises(skseal.errors.ModelNotFoundError, match="flowers@nope"):
        st.history("flowers", "nope")
    assert st.verify()["ok"] is True
    # show, diff
    shown = st.show("flowers@production")
    assert shown["version"] == 2 and shown["aliases"] == ["production"]
    assert shown["metadata"]["user"] == {"accuracy": 0.95} and shown["message"] == "bytes"
    assert shown["pushed_by"]["key_id"] is None and shown["signature"] == {"status": "not signed"}
    first = st.show("flowers@1")
    assert first["pushed_by"]["key_id"] is not None
    assert first["signature"] == {"status": "valid", "key_id": first["pushed_by"]["key_id"],
                                  "trusted_key_checked": False}
    d = st.diff("flowers@1", "flowers@2")
    assert {"path": "user.accuracy", "a": 0.91, "b": 0.95} in d["metrics"]
    assert {"path": "max_depth", "a": None, "b": 3} in d["hyperparameters"]
    # pull to a path, and to the default name in the current folder
    out = tmp_path / "out.skseal"
    assert st.pull("flowers@2", out) == str(out)
    assert out.read_bytes() == models["b"].read_bytes()
    monkeypatch.chdir(tmp_path)
    default = st.pull("flowers@1")
    assert default.startswith("flowers_v1_") and default.endswith(".skseal")
    assert st.pull_bytes("flowers@1")[1] == (tmp_path / default).read_bytes()
    # gc: nothing unreferenced here
    assert st.gc(grace_secs=0) == {"removed": [], "kept": 2, "skipped_recent": 0}
    with pytest.raises(skseal.errors.ModelNotFoundError, match="flowers@7"):
        st.pull_bytes("flowers@7")
    with pytest.raises(ValueError, match="an alias cannot be a number|model name"):
        st.move_alias("bad name", "production", 1)
    with pytest.raises(ValueError, match="mmap_mode needs a file"):
        skseal.load("flowers@1", store=st, mmap_mode="r")
    # policy, set_policy
    d_ = models["dir"]
    assert st.policy() is None
    pol = st.set_policy(key=d_ / "admin", push=[d_ / "ci.pub"], alias=[d_ / "release.pub"])
    assert pol["seq"] == 1 and st.policy() == pol
    assert len(pol["admins"]) == 1 and len(pol["push"]) == 1 and len(pol["alias"]) == 1
    with pytest.raises(skseal.errors.StorePolicyError, match="push with --key"):
        st.push(models["a"], "flowers")
    assert st.push(models["a"], "flowers", key=d_ / "ci")["version"] == 3
    with pytest.raises(ValueError, match="needs key="):
        st.set_policy(key=None)  # type: ignore[arg-type]


def test_policy_refuses_unsigned_and_foreign_writes(store_uri: str,
                                                    models: dict[str, Path]) -> None:
    d = models["dir"]
    st = ["--store", store_uri]
    cli("store", "push", str(models["a"]), "iris", *st)  # before any policy
    set_ = cli_json("store", "policy", "set", "--key", str(d / "admin"), "--push",
                    str(d / "ci.pub"), "--alias", str(d / "release.pub"), *st)
    assert set_["schema_version"] == 1 and set_["policy"]["seq"] == 1
    pol = cli_json("store", "policy", "show", *st)["policy"]
    assert pol == set_["policy"]
    assert pol["seq"] == 1 and len(pol["push"]) == 1 and pol["prev"] is None
    # unsigned push, push by an untrusted key, alias move by a pusher: refused
    r = cli("store", "push", str(models["b"]), "iris", *st, check=False)
    assert r.returncode == 2 and "push with --key" in r.stderr
    r = cli("store", "push", str(models["b"]), "iris", "--key", str(d / "intruder"), *st,
            check=False)
    assert r.returncode == 2 and "is not allowed to push" in r.stderr
    r = cli_json("store", "push", str(models["b"]), "iris", "--key", str(d / "ci"), *st)
    assert r["version"] == 2
    r = cli("store", "alias", "iris", "production", "2", "--key", str(d / "ci"), *st,
            check=False)
    assert r.returncode == 2 and "not allowed to move aliases" in r.stderr
    cli("store", "alias", "iris", "production", "2", "--key", str(d / "release"), *st)
    # version 1 was pushed unsigned before the policy: the policy now refuses it
    r = cli("store", "pull", "iris@1", *st, check=False)
    assert r.returncode == 2 and "not signed" in r.stderr
    cli("store", "pull", "iris@production", "-o", os.devnull, *st)
    # only an admin changes the policy; a pinned admin key must root it
    r = cli("store", "policy", "set", "--key", str(d / "intruder"), "--push",
            str(d / "intruder.pub"), *st, check=False)
    assert r.returncode == 2 and "not an admin" in r.stderr
    r = cli("store", "pull", "iris@production", "-o", os.devnull, "--admin-key",
            str(d / "intruder.pub"), *st, check=False)
    assert r.returncode == 2 and "not in the pinned admin key" in r.stderr
    cli("store", "pull", "iris@production", "-o", os.devnull, "--admin-key",
        str(d / "admin.pub"), *st)
    with pytest.raises(skseal.errors.StorePolicyError, match="not allowed to push"):
        skseal.store.open(store_uri).push(models["a"], "iris", key=d / "release")


def test_record_written_around_push_by_a_foreign_key_is_refused(
        store_uri: str, models: dict[str, Path], tmp_path: Path) -> None:
    """A writer with storage credentials but no allowed key writes a version
    record (validly signed by its own key) and its blob straight to the
    store, bypassing push: every read refuses it."""
    d = models["dir"]
    st = skseal.store.open(store_uri)
    st.set_policy(key=d / "admin", push=[d / "ci.pub"], alias=[d / "release.pub"])
    st.push(models["a"], "iris", key=d / "ci", message="ok")
    st.move_alias("iris", "production", 1, key=d / "release")
    # the forged version 2, made in a scratch store with no policy
    scratch = skseal.store.open(tmp_path / "scratch")
    scratch.push(models["a"], "iris", key=d / "intruder")
    forged = scratch.push(models["b"], "iris", key=d / "intruder", message="forged")
    assert forged["version"] == 2
    src, dst = _objects(str(tmp_path / "scratch")), _objects(store_uri)
    blob = f"blobs/{forged['blob']}.skseal"
    dst.write(blob, src.read(blob))
    dst.write("models/iris/versions/000000000002.json",
              src.read("models/iris/versions/000000000002.json"))
    foreign = "which the store policy does not allow to push"
    with pytest.raises(skseal.errors.StorePolicyError, match=foreign):
        st.pull_bytes("iris@2")
    with pytest.raises(skseal.errors.StorePolicyError, match=foreign):
        st.pull_bytes("iris")  # the latest version is the forged one
    with pytest.raises(skseal.errors.StorePolicyError, match=foreign):
        st.versions("iris")
    with pytest.raises(skseal.errors.StorePolicyError, match=foreign):
        skseal.load("iris@2", store=store_uri)
    with pytest.raises(skseal.errors.StorePolicyError, match=foreign):
        st.move_alias("iris", "production", 2, key=d / "release")
    r = cli("store", "pull", "iris@2", "-o", str(tmp_path / "x.skseal"), "--store", store_uri,
            check=False)
    assert r.returncode == 2 and foreign in r.stderr and not (tmp_path / "x.skseal").exists()
    r = cli("store", "show", "iris@2", "--store", store_uri, check=False)
    assert r.returncode == 2 and foreign in r.stderr
    v = cli("store", "verify", "--store", store_uri, "--json", check=False)
    assert v.returncode == 1
    rep = json.loads(v.stdout)
    assert rep["ok"] is False and any(foreign in p for p in rep["problems"]), rep
    # the signed version and the alias still read
    rec, _ = st.pull_bytes("iris@production")
    assert (rec["version"], rec["message"]) == (1, "ok")


def test_gc_removes_an_unreferenced_blob(store_uri: str, models: dict[str, Path]) -> None:
    """The blob a killed push leaves (written, no record) is kept while
    recent, then removed; referenced blobs never are."""
    import blake3

    st = skseal.store.open(store_uri)
    st.push(models["a"], "iris")
    raw = _objects(store_uri)
    orphan = models["b"].read_bytes()
    key = f"blobs/{blake3.blake3(orphan).hexdigest()}.skseal"
    raw.write(key, orphan)
    kept = f"blobs/{st.versions('iris')[0]['blob']}.skseal"
    assert st.gc() == {"removed": [], "kept": 1, "skipped_recent": 1}  # within the hour
    g = cli_json("store", "gc", "--grace-secs", "0", "--dry-run", "--store", store_uri)
    assert g["removed"] == [key] and g["dry_run"] is True and g["kept"] == 1
    assert key in raw.keys()
    g = cli_json("store", "gc", "--grace-secs", "0", "--store", store_uri)
    assert g["removed"] == [key] and g["dry_run"] is False and g["kept"] == 1
    assert [k for k in raw.keys() if k.startswith("blobs/")] == [kept]
    assert st.gc(grace_secs=0)["removed"] == []
    assert st.verify()["ok"] and st.pull_bytes("iris@1")[1] == models["a"].read_bytes()
    if not store_uri.startswith("s3://"):
        # an hour-old orphan goes with the default grace period
        raw.write(key, orphan)
        old = time.time() - 7200
        os.utime(Path(store_uri) / key, (old, old))
        assert st.gc() == {"removed": [key], "kept": 1, "skipped_recent": 0}


def test_push_a_pickle_file(store_uri: str, models: dict[str, Path], tmp_path: Path) -> None:
    """A .pkl file is converted on push (read by the VM, never unpickled)."""
    import pickle

    model = RandomForestClassifier(n_estimators=3, random_state=2).fit(X, Y)
    pkl = tmp_path / "forest.pkl"
    pkl.write_bytes(pickle.dumps(model, protocol=5))
    r = cli_json("store", "push", str(pkl), "pickled", "-m", "from pkl", "--store", store_uri)
    assert r["version"] == 1 and r["source"]["converted"] is True
    assert r["source"]["format"] == "pickle" and r["source"]["file"] == "forest.pkl"
    st = skseal.store.open(store_uri)
    rec = st.push(pkl, "pickled")
    assert rec["version"] == 2 and rec["source"]["format"] == "pickle"
    assert rec["fingerprint"] == r["fingerprint"]
    loaded = skseal.load("pickled@2", store=st)
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    # a pickle that would run code is refused, and nothing is stored
    evil = tmp_path / "evil.pkl"
    evil.write_bytes(pickle.dumps(os.system))
    r = cli("store", "push", str(evil), "pickled", "--store", store_uri, check=False)
    assert r.returncode == 2 and "posix.system" in r.stderr, r.stderr
    assert [v["version"] for v in st.versions("pickled")] == [1, 2]


def _objects(store_uri: str) -> ObjectAccess:
    return ObjectAccess(store_uri)


class ObjectAccess:
    """Raw read/write of a store's objects, as an attacker with write access would."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        if uri.startswith("s3://"):
            import boto3

            bucket, _, prefix = uri[5:].partition("/")
            self.bucket, self.prefix = bucket, prefix.strip("/") + "/"
            self.s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                                   region_name="us-east-1")

    def keys(self) -> list[str]:
        if self.uri.startswith("s3://"):
            out = []
            for page in self.s3.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=self.prefix):
                out += [o["Key"][len(self.prefix):] for o in page.get("Contents", [])]
            return sorted(out)
        root = Path(self.uri)
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

    def read(self, key: str) -> bytes:
        if self.uri.startswith("s3://"):
            return bytes(self.s3.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"]
                         .read())
        return (Path(self.uri) / key).read_bytes()

    def write(self, key: str, data: bytes) -> None:
        if self.uri.startswith("s3://"):
            self.s3.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)
        else:
            (Path(self.uri) / key).write_bytes(data)


def test_tampering_is_refused(store_uri: str, models: dict[str, Path]) -> None:
    d = models["dir"]
    st = skseal.store.open(store_uri)
    st.push(models["a"], "iris", key=d / "ci", alias="production")
    st.push(models["b"], "iris", key=d / "ci")
    st.move_alias("iris", "production", 2, key=d / "release", message="promote")
    st.move_alias("iris", "production", 1, key=d / "release", message="roll back")
    raw = _objects(store_uri)
    # 1. a blob changed in place: pull and verify refuse it, naming it
    blob = next(k for k in raw.keys() if k.startswith("blobs/")
                and json.loads(raw.read("models/iris/versions/000000000001.json"))["blob"] in k)
    data = bytearray(raw.read(blob))
    data[len(data) // 2] ^= 0x40
    raw.write(blob, bytes(data))
    with pytest.raises(skseal.IntegrityError, match="the blob was changed"):
        st.pull_bytes("iris@1")
    r = cli("store", "verify", "--store", store_uri, check=False)
    assert r.returncode == 1 and "PROBLEM: iris@1" in r.stdout and "blob was changed" in r.stdout
    # the other version, whose blob is intact, still pulls
    assert st.pull_bytes("iris@2")[1] == skseal.store.open(store_uri).pull_bytes("iris@2")[1]
    # 2. a forged history entry (the signed 'to' rewritten): refused
    key = "models/iris/aliases/production/000000000002.json"
    entry = json.loads(raw.read(key))
    entry["to"] = 1
    raw.write(key, json.dumps(entry).encode())
    with pytest.raises(skseal.IntegrityError, match="changed after signing"):
        st.history("iris", "production")
    r = cli("store", "history", "iris", "--store", store_uri, check=False)
    assert r.returncode == 2 and "history entry 2 of iris@production" in r.stderr


def test_forged_entry_that_does_not_chain(store_uri: str, models: dict[str, Path]) -> None:
    """A history entry replaced by another validly signed entry (same key,
    e.g. a stolen alias key replaying an old move) breaks the hash chain."""
    d = models["dir"]
    st = skseal.store.open(store_uri)
    st.push(models["a"], "iris", key=d / "ci")
    st.push(models["b"], "iris", key=d / "ci")
    for v in (1, 2, 1):
        st.move_alias("iris", "production", v, key=d / "release")
    raw = _objects(store_uri)
    # copy entry 3 (a valid signed 2->1 move) over entry 2: signature fine, chain broken
    e2 = json.loads(raw.read("models/iris/aliases/production/000000000002.json"))
    e3 = json.loads(raw.read("models/iris/aliases/production/000000000003.json"))
    assert e2["signature"] != e3["signature"]
    raw.write("models/iris/aliases/production/000000000002.json",
              raw.read("models/iris/aliases/production/000000000003.json"))
    with pytest.raises(skseal.IntegrityError, match="stored as entry 2"):
        st.history("iris", "production")


MOVER = """
import sys, skseal.store
st = skseal.store.open(sys.argv[1])
who, n = int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    st.move_alias("iris", "production", 1 + (who + i) % 2, message=f"p{who}-{i}")
"""


def test_concurrent_alias_moves_lose_nothing(store_uri: str, models: dict[str, Path],
                                             tmp_path: Path) -> None:
    st = skseal.store.open(store_uri)
    st.push(models["a"], "iris")
    st.push(models["b"], "iris")
    script = tmp_path / "mover.py"
    script.write_text(MOVER)
    procs = [subprocess.Popen([sys.executable, str(script), store_uri, str(w), "125"],
                              stderr=subprocess.PIPE, text=True) for w in range(8)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    hist = st.history("iris", "production")  # every link and from/to checked
    assert len(hist) == 1000
    assert [h["seq"] for h in hist] == list(range(1, 1001))
    got = sorted(h["message"] for h in hist)
    assert got == sorted(f"p{w}-{i}" for w in range(8) for i in range(125))
    assert st.resolve("iris@production") == hist[-1]["to"]


KILLED_PUSH = """
import sys, skseal.store
st = skseal.store.open(sys.argv[1])
data = open(sys.argv[2], "rb").read()
print("pushing", flush=True)
st.push(data, "big", message=sys.argv[3])
print("pushed", flush=True)
"""


def _push_child(script: Path, store_uri: str, path: Path, message: str
                ) -> subprocess.Popen[str]:
    """A child that pushes ``path`` and says "pushing" just before the push
    starts (after its imports) and "pushed" once it returned."""
    p = subprocess.Popen([sys.executable, str(script), store_uri, str(path), message],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None
    line = p.stdout.readline()  # blocks through the child's imports (~2 s)
    assert line == "pushing\n", line
    return p


def test_sigkill_during_push_leaves_no_partial_version(store_uri: str, tmp_path: Path) -> None:
    """Each killed push writes a new blob (distinct bytes, ~11 MB), the kill
    lands at a random point of the push itself (the child says when the push
    starts), some kills must interrupt a push, and afterwards every visible
    version and object is whole."""
    import blake3

    big = RandomForestClassifier(n_estimators=120, random_state=0).fit(
        np.repeat(X, 20, axis=0) + np.random.default_rng(0).normal(size=(3000, 4)),
        np.repeat(Y, 20))
    script = tmp_path / "push.py"
    script.write_text(KILLED_PUSH)
    wanted: dict[str, str] = {}  # message -> BLAKE3 of the bytes pushed with it

    def model_file(tag: str) -> Path:
        path = tmp_path / f"{tag}.skseal"
        skseal.dump(big, path, metadata={"push": tag})  # distinct bytes: a new blob
        wanted[tag] = blake3.blake3(path.read_bytes()).hexdigest()
        return path

    # how long a push takes from "pushing" to "pushed" (a whole, unkilled push)
    durations = []
    for i in range(2):
        path = model_file(f"whole-{i}")
        p = _push_child(script, store_uri, path, f"whole-{i}")
        t0 = time.monotonic()
        assert p.stdout is not None and p.stdout.readline() == "pushed\n"
        durations.append(time.monotonic() - t0)
        assert p.wait(timeout=60) == 0
        path.unlink()
    push_s = max(durations)
    rng = random.Random(7)
    interrupted = 0
    kills = 12
    for i in range(kills):
        path = model_file(f"kill-{i}")
        p = _push_child(script, store_uri, path, f"kill-{i}")
        time.sleep(rng.uniform(0.0, push_s))
        p.send_signal(signal.SIGKILL)
        rest = p.communicate(timeout=60)[0]
        # died by SIGKILL before reporting completion: the kill cut the push
        if p.returncode == -signal.SIGKILL and "pushed" not in rest:
            interrupted += 1
        path.unlink()
    assert interrupted >= 3, (interrupted, push_s)
    st = skseal.store.open(store_uri)
    versions = st.versions("big")
    nums = [v["version"] for v in versions]
    assert nums == list(range(1, len(nums) + 1))
    assert len(nums) <= 2 + kills
    for v in versions:  # every visible version is whole and the one pushed
        rec, data = st.pull_bytes(f"big@{v['version']}")
        assert blake3.blake3(data).hexdigest() == rec["blob"] == wanted[rec["message"]]
    assert {"whole-0", "whole-1"} <= {v["message"] for v in versions}
    # no half-written object: every record is whole JSON, every blob is the
    # whole file its name says (a folder's staged files, "<key>#<n>", are
    # never listed by the store; they are left for the administrator)
    raw = _objects(store_uri)
    keys = [k for k in raw.keys() if "#" not in k]
    blobs = [k for k in keys if k.startswith("blobs/")]
    assert len(blobs) >= len(versions)
    for k in blobs:
        h = blake3.blake3(raw.read(k)).hexdigest()
        assert k == f"blobs/{h}.skseal" and h in wanted.values(), k
    for k in keys:
        if k.startswith("models/big/versions/") and k.endswith(".json"):
            assert json.loads(raw.read(k))["name"] == "big"
    assert st.verify()["ok"]
    print(f"push {push_s:.3f} s; {interrupted}/{kills} kills cut a push; "
          f"{len(versions) - 2} killed pushes completed, "
          f"{len(blobs) - len(versions)} left an unreferenced blob")
    # the unreferenced blobs of killed pushes are gc's to remove
    g = st.gc(grace_secs=0)
    assert g["kept"] == len(versions) and len(g["removed"]) == len(blobs) - len(versions)
    assert all("#" not in k for k in g["removed"])
    # and the name still takes pushes
    path = model_file("after")
    rec = st.push(path, "big", message="after")
    assert rec["version"] == len(versions) + 1
    assert blake3.blake3(st.pull_bytes("big")[1]).hexdigest() == wanted["after"]
    assert st.verify()["ok"]


# Pushes through `push` before the listing. On a folder all 10,000 versions
# are pushed (~42 s). On moto's S3 server a push of the same bytes costs ~57 ms
# (measured: 200 pushes in 11.4 s on the 2-core CI machine; it writes the blob
# again for gc's grace period, STORE.md), so 10,000 would take ~570 s: there the
# first 200 are pushed and versions 201-10,000 are written straight to the
# bucket as the records a push writes (copies of version 200, renumbered; the
# store has no policy, so unsigned records are valid), with the hint a push
# leaves. The listing itself (~10,000 GETs, ~46 s on moto) is what is tested.
TEN_K_PUSHED = {"folder": 10_000, "s3": 200}


def test_ten_thousand_versions(store_uri: str, models: dict[str, Path]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    st = skseal.store.open(store_uri)
    data = models["small"].read_bytes()
    pushed = TEN_K_PUSHED["s3" if store_uri.startswith("s3://") else "folder"]
    t0 = time.monotonic()
    for i in range(pushed):
        st.push(data, "many", message=str(i))
    push_s = time.monotonic() - t0
    raw = _objects(store_uri)
    if pushed < 10_000:
        last = json.loads(raw.read(f"models/many/versions/{pushed:012}.json"))

        def write(n: int) -> None:
            raw.write(f"models/many/versions/{n:012}.json",
                      json.dumps(dict(last, version=n, message=str(n - 1)),
                                 separators=(",", ":")).encode())

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(write, range(pushed + 1, 10_001)))
        raw.write("models/many/versions.head", b"10000\n")
    t0 = time.monotonic()
    vs = st.versions("many")
    list_s = time.monotonic() - t0
    assert [v["version"] for v in vs] == list(range(1, 10_001))
    assert [v["message"] for v in vs] == [str(i) for i in range(10_000)]
    assert {v["name"] for v in vs} == {"many"}
    assert len({v["fingerprint"] for v in vs}) == 1
    r = cli_json("store", "list", "many", "--store", store_uri)
    assert [v["version"] for v in r["versions"]] == list(range(1, 10_001))
    assert r["versions"][-1]["message"] == "9999"
    assert st.resolve("many") == 10_000
    assert st.pull_bytes("many@10000")[1] == data
    # one blob for 10,000 versions of the same bytes
    assert [k for k in raw.keys() if k.startswith("blobs/")] == \
        [f"blobs/{vs[0]['blob']}.skseal"]
    print(f"{pushed} pushes {push_s:.1f} s, listing 10,000 {list_s:.2f} s")


def test_serve_follows_an_alias(store_uri: str, models: dict[str, Path]) -> None:
    from test_serve import Server

    st = skseal.store.open(store_uri)
    st.push(models["a"], "iris", alias="production")
    st.push(models["b"], "iris")
    srv = Server("--store", store_uri, "--reload-ms", "100", "iris@production")
    try:
        srv.wait_ready()
        body = {"inputs": [{"name": "x", "shape": [150, 4], "datatype": "FP64",
                            "data": X.ravel().tolist()}],
                "parameters": {"method": "predict_proba"}}

        def proba() -> np.ndarray:
            code, out = srv.post("/v2/models/iris/infer", body)
            assert code == 200, out
            return np.array(out["outputs"][0]["data"]).reshape(150, 3)

        assert np.array_equal(proba(), skseal.load(models["a"]).predict_proba(X))
        st.move_alias("iris", "production", 2, message="promote")
        want = skseal.load(models["b"]).predict_proba(X)
        end = time.monotonic() + 30
        while not np.array_equal(proba(), want):
            assert time.monotonic() < end, srv.events
            time.sleep(0.1)
        assert any(e.get("event") == "reloaded" for e in srv.events)
    finally:
        assert srv.stop() == 0


def _readme_workflow() -> list[str]:
    """The command lines of README.md's team workflow (its first bash block
    after the "From `fit` to a served" heading)."""
    text = (ROOT / "README.md").read_text()
    after = text[text.index("### From `fit` to a served"):]
    block = after[after.index("```bash\n") + len("```bash\n"):]
    return [line for line in block[:block.index("```")].splitlines() if line.strip()]


def test_readme_team_workflow_runs_in_order(models: dict[str, Path], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command of the README's team workflow, in order, against a
    temporary folder store (`python train.py` fits a new model each time;
    `skseal serve` is started and asked for a prediction)."""
    import shlex

    from test_serve import Server

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SKSEAL_STORE", str(tmp_path / "store"))
    trained: list[RandomForestClassifier] = []
    ran = []
    for line in _readme_workflow():
        tokens = shlex.split(line, comments=True)
        commands: list[list[str]] = [[]]
        for t in tokens:
            if t == "&&":
                commands.append([])
            else:
                commands[-1].append(t)
        for args in commands:
            if not args:
                continue
            ran.append(args[:3])
            if args[0] == "export":
                assert args[1].startswith("SKSEAL_STORE="), args  # set above, to a folder
            elif args[:2] == ["python", "train.py"]:
                m = RandomForestClassifier(n_estimators=5, max_depth=2 + len(trained),
                                           random_state=len(trained)).fit(X, Y)
                skseal.dump(m, "churn.skseal", probe=X[:5])
                trained.append(m)
            elif args[:2] == ["skseal", "serve"]:
                srv = Server(*args[2:])
                try:
                    srv.wait_ready()
                    code, out = srv.post("/invocations", {"instances": X[:10].tolist()})
                    assert code == 200, out
                    assert out["predictions"] == trained[-1].predict(X[:10]).tolist()
                finally:
                    assert srv.stop() == 0
            else:
                assert args[0] == "skseal", args
                cli(*args[1:])
    assert len(trained) == 2 and ["skseal", "serve", "--admin-key"] in ran
    st = skseal.store.open(tmp_path / "store", admin_key=tmp_path / "admin.key.pub")
    assert [(e["from"], e["to"]) for e in st.history("churn", "production")] == \
        [(None, 1), (1, 2)]
    assert st.verify()["ok"]


def test_blobs_are_keyed_by_bytes_not_fingerprint(store_uri: str,
                                                  models: dict[str, Path]) -> None:
    """docs/STORE.md "Blobs": one blob per distinct file, shared by the same
    bytes pushed again; the same model unsigned and signed is two blobs with
    one fingerprint (a pull returns exactly the bytes checked on push)."""
    st = skseal.store.open(store_uri)
    plain = st.push(models["a"], "iris")
    signed = st.push(models["a"], "iris", key=models["dir"] / "ci")
    again = st.push(models["a"], "iris")
    assert plain["fingerprint"] == signed["fingerprint"] == again["fingerprint"]
    assert plain["blob"] != signed["blob"] and plain["blob"] == again["blob"]
    blobs = [k for k in _objects(store_uri).keys() if k.startswith("blobs/")]
    assert sorted(blobs) == sorted({f"blobs/{r['blob']}.skseal" for r in (plain, signed)})
    assert st.pull_bytes("iris@3")[1] == models["a"].read_bytes()
    assert st.pull_bytes("iris@2")[1] != models["a"].read_bytes()
