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
    """moto's S3 server on 127.0.0.1 (stopped at the end of the session)."""
    port = _free_port()
    log = open(os.devnull, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
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
    cli("store", "alias", "iris", "production", "2", "-m", "promote", *st)
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
    assert skseal.load(pulled[0]).predict(X[:20]).tolist() == \
        skseal.load(models["b"]).predict(X[:20]).tolist()
    out = tmp_path / "explicit.skseal"
    cli("store", "pull", "iris@1", "-o", str(out), *st)
    assert out.read_bytes() == models["a"].read_bytes()
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


def test_python_api(store_uri: str, models: dict[str, Path]) -> None:
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
    assert st.verify()["ok"] is True
    with pytest.raises(skseal.errors.ModelNotFoundError, match="flowers@7"):
        st.pull_bytes("flowers@7")
    with pytest.raises(ValueError, match="an alias cannot be a number|model name"):
        st.move_alias("bad name", "production", 1)
    with pytest.raises(ValueError, match="mmap_mode needs a file"):
        skseal.load("flowers@1", store=st, mmap_mode="r")


def test_policy_refuses_unsigned_and_foreign_writes(store_uri: str,
                                                    models: dict[str, Path]) -> None:
    d = models["dir"]
    st = ["--store", store_uri]
    cli("store", "push", str(models["a"]), "iris", *st)  # before any policy
    cli("store", "policy", "set", "--key", str(d / "admin"), "--push", str(d / "ci.pub"),
        "--alias", str(d / "release.pub"), *st)
    pol = cli_json("store", "policy", "show", *st)["policy"]
    assert pol["seq"] == 1 and len(pol["push"]) == 1
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
skseal.store.open(sys.argv[1]).push(sys.argv[2], "big", message="killed?")
"""


def test_sigkill_during_push_leaves_no_partial_version(store_uri: str, tmp_path: Path) -> None:
    big = RandomForestClassifier(n_estimators=60, random_state=0).fit(
        np.repeat(X, 20, axis=0) + np.random.default_rng(0).normal(size=(3000, 4)),
        np.repeat(Y, 20))
    path = tmp_path / "big.skseal"
    skseal.dump(big, path)
    script = tmp_path / "push.py"
    script.write_text(KILLED_PUSH)
    t0 = time.monotonic()
    subprocess.run([sys.executable, str(script), store_uri, str(path)], check=True)
    full = time.monotonic() - t0
    rng = random.Random(7)
    st = skseal.store.open(store_uri)
    for _ in range(12):
        p = subprocess.Popen([sys.executable, str(script), store_uri, str(path)])
        time.sleep(rng.uniform(0.0, full))
        p.send_signal(signal.SIGKILL)
        p.wait()
        versions = st.versions("big")
        nums = [v["version"] for v in versions]
        assert nums == list(range(1, len(nums) + 1))
        for v in versions:  # every visible version is whole
            _, data = st.pull_bytes(f"big@{v['version']}")
            assert data == path.read_bytes()
    assert st.verify()["ok"]
    assert st.gc(grace_secs=0)["kept"] == 1


def test_ten_thousand_versions(models: dict[str, Path], tmp_path: Path) -> None:
    uri = str(tmp_path / "store")
    st = skseal.store.open(uri)
    data = models["small"].read_bytes()
    t0 = time.monotonic()
    for i in range(10_000):
        st.push(data, "many", message=str(i))
    push_s = time.monotonic() - t0
    t0 = time.monotonic()
    vs = st.versions("many")
    list_s = time.monotonic() - t0
    assert [v["version"] for v in vs] == list(range(1, 10_001))
    assert vs[-1]["message"] == "9999"
    r = cli_json("store", "list", "many", "--store", uri)
    assert len(r["versions"]) == 10_000
    assert st.resolve("many") == 10_000
    # one blob for 10,000 versions of the same bytes
    assert len(list((Path(uri) / "blobs").iterdir())) == 1
    print(f"10,000 pushes {push_s:.1f} s, listing {list_s:.2f} s")


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
