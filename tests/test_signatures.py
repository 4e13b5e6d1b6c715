"""Ed25519 signatures: dump(signing_key=...), load(public_key=...), and the
skseal keygen / sign / verify commands."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import skseal

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cli() -> Path:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed")
    subprocess.run(["cargo", "build", "--quiet", "-p", "skseal-cli"], cwd=ROOT, check=True)
    return ROOT / "target" / "debug" / "skseal"


@pytest.fixture(scope="module")
def keys(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    d = tmp_path_factory.mktemp("keys")
    for name in ("team", "other"):
        r = subprocess.run([str(cli), "keygen", str(d / name)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    assert (d / "team").stat().st_mode & 0o077 == 0, "private key must not be world-readable"
    return d / "team", d / "team.pub", d / "other.pub"


@pytest.fixture(scope="module")
def model() -> LogisticRegression:
    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=500).fit(X, y)


def test_signed_dump_loads_with_the_right_key(model: LogisticRegression, keys: tuple,
                                              tmp_path: Path) -> None:
    priv, pub, other = keys
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, signing_key=priv, compress=True)
    loaded = skseal.load(p, public_key=pub)
    assert np.array_equal(loaded.coef_, model.coef_)
    with pytest.raises(skseal.IntegrityError, match="signed by another key"):
        skseal.load(p, public_key=other)
    # raw 32-byte keys work too
    raw_pub = bytes.fromhex(pub.read_text().split()[-1])
    skseal.loads(p.read_bytes(), public_key=raw_pub)


def test_unsigned_file_is_refused_when_a_key_is_asked(model: LogisticRegression, keys: tuple,
                                                     tmp_path: Path) -> None:
    _, pub, _ = keys
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    with pytest.raises(skseal.IntegrityError, match="not signed"):
        skseal.load(p, public_key=pub)
    skseal.load(p)  # no key asked: fine


def test_content_changed_after_signing_is_refused(model: LogisticRegression, keys: tuple,
                                                  tmp_path: Path) -> None:
    priv, pub, _ = keys
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, signing_key=priv)
    data = bytearray(p.read_bytes())
    # change the last byte of the last array blob (just before the 104-byte trailer)
    data[-105] ^= 0x01
    with pytest.raises(skseal.IntegrityError):
        skseal.loads(bytes(data), public_key=pub)
    # an embedded signature is checked even when no key is asked
    with pytest.raises(skseal.IntegrityError):
        skseal.loads(bytes(data))


def test_cli_sign_and_verify(cli: Path, model: LogisticRegression, keys: tuple,
                             tmp_path: Path) -> None:
    priv, pub, other = keys
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, compress="lz4")
    r = subprocess.run([str(cli), "verify", str(p), "--key", str(pub)], capture_output=True,
                       text=True)
    assert r.returncode == 1 and "not signed" in r.stdout
    r = subprocess.run([str(cli), "sign", str(p), "--key", str(priv)], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(cli), "verify", str(p), "--key", str(pub)], capture_output=True,
                       text=True)
    assert r.returncode == 0 and "signature OK" in r.stdout, r.stdout
    assert skseal.load(p, public_key=pub).predict([[5.0, 3.0, 1.5, 0.2]])[0] == 0
    r = subprocess.run([str(cli), "verify", str(p), "--key", str(other)], capture_output=True,
                       text=True)
    assert r.returncode == 1 and "another key" in r.stdout
    # a damaged array is reported by index (for a pack of small arrays: the
    # members whose bytes changed)
    data = bytearray(p.read_bytes())
    info = skseal.inspect(p)
    blobs = [a for a in info["arrays"] if "pack" not in a] + info["packs"]
    big = max(blobs, key=lambda a: a["stored"])
    held = {big["index"]} if "dtype" in big else {
        a["index"] for a in info["arrays"] if a.get("pack") == big["index"]}
    data[big["offset"] + big["stored"] // 2] ^= 0xFF
    q = tmp_path / "damaged.skseal"
    q.write_bytes(bytes(data))
    r = subprocess.run([str(cli), "verify", str(q)], capture_output=True, text=True)
    damaged = {int(m) for line in r.stdout.splitlines() if "DAMAGED" in line
               for m in re.findall(r"array (\d+)\b", line)}
    assert r.returncode == 1 and damaged and damaged <= held, r.stdout


def test_mmap_load_with_a_key_checks_the_array_bytes(model: LogisticRegression, keys: tuple,
                                                     tmp_path: Path) -> None:
    priv, pub, _ = keys
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, signing_key=priv)
    info = skseal.inspect(p)
    assert info["signed"] is True
    big = max(info["arrays"], key=lambda a: a["stored"])
    data = bytearray(p.read_bytes())
    data[big["offset"]] ^= 0x01
    p.write_bytes(bytes(data))
    with pytest.raises(skseal.IntegrityError):
        skseal.load(p, mmap_mode="r", public_key=pub)
    # hex text works as a key too
    with pytest.raises(skseal.IntegrityError):
        skseal.load(p, public_key=pub.read_text().split()[-1])


def test_key_files_state_their_kind_and_cannot_be_swapped(cli: Path, model: LogisticRegression,
                                                          keys: tuple, tmp_path: Path) -> None:
    """Signing with the public key, or verifying with the secret key, is refused
    with a message naming the file (it used to print "signed")."""
    priv, pub, _ = keys
    assert priv.read_text().splitlines()[-1].startswith("skseal-secret-key-v1 ")
    assert pub.read_text().splitlines()[-1].startswith("skseal-public-key-v1 ")
    p = tmp_path / "m.skseal"
    skseal.dump(model, p)
    before = p.read_bytes()
    r = subprocess.run([str(cli), "sign", str(p), "--key", str(pub)], capture_output=True,
                       text=True)
    assert r.returncode != 0 and "signed" not in r.stdout
    assert f"{pub} is a public key" in r.stderr and "private key file" in r.stderr, r.stderr
    assert p.read_bytes() == before, "a refused sign must leave the file untouched"
    with pytest.raises(ValueError, match="is a public key"):
        skseal.dump(model, tmp_path / "x.skseal", signing_key=pub)
    assert not (tmp_path / "x.skseal").exists()
    subprocess.run([str(cli), "sign", str(p), "--key", str(priv)], check=True,
                   capture_output=True)
    r = subprocess.run([str(cli), "verify", str(p), "--key", str(priv)], capture_output=True,
                       text=True)
    assert r.returncode != 0 and f"{priv} is a secret (private) key" in r.stderr, r.stderr
    with pytest.raises(ValueError, match="is a secret"):
        skseal.load(p, public_key=priv)


def test_verify_without_a_key_names_the_signer_and_says_it_was_not_checked(
        cli: Path, model: LogisticRegression, keys: tuple, tmp_path: Path) -> None:
    priv, pub, _ = keys
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, signing_key=priv)
    key_id = pub.read_text().split()[-1][:16]
    r = subprocess.run([str(cli), "verify", str(p)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
    assert f"signed by key ID {key_id}" in r.stdout and "NOT checked" in r.stdout, r.stdout
    assert "signature OK" not in r.stdout
    r = subprocess.run([str(cli), "verify", str(p), "--key", str(pub)], capture_output=True,
                       text=True)
    assert f"signature OK: signed by the trusted key (key ID {key_id})" in r.stdout


def test_trusted_signer_over_damaged_arrays_is_not_signature_ok(
        cli: Path, model: LogisticRegression, keys: tuple, tmp_path: Path) -> None:
    """was: one flipped byte in a compressed pack, then the DAMAGED lines and
    "signature OK": the signature covers the digests, which the damaged
    arrays no longer match, so the file is not OK whoever signed it."""
    priv, pub, _ = keys
    p = tmp_path / "m.skseal"
    skseal.dump(model, p, signing_key=priv, compress=True)
    info = skseal.inspect(p)
    blob = max([a for a in info["arrays"] if "pack" not in a] + info["packs"],
               key=lambda a: a["stored"])
    data = bytearray(p.read_bytes())
    data[blob["offset"] + blob["stored"] // 2] ^= 0xFF
    p.write_bytes(bytes(data))
    key_id = pub.read_text().split()[-1][:16]
    r = subprocess.run([str(cli), "verify", str(p), "--key", str(pub)], capture_output=True,
                       text=True)
    assert r.returncode == 1, r.stdout
    assert "signature OK" not in r.stdout, r.stdout
    assert len([line for line in r.stdout.splitlines() if "DAMAGED" in line]) == 1, r.stdout
    last = r.stdout.splitlines()[-1]
    assert f"trusted key (key ID {key_id})" in last and "do not match" in last, last
    doc = json.loads(subprocess.run([str(cli), "verify", "--json", str(p), "--key", str(pub)],
                                    capture_output=True, text=True).stdout)
    assert doc["status"] == "damaged" and doc["signature"]["trusted_key_checked"] is True


def test_legacy_key_files_still_work_with_a_deprecation_note(
        cli: Path, model: LogisticRegression, tmp_path: Path) -> None:
    """Files written before kinds (64 hex digits) are read, with a note; a
    legacy secret key given as the public key is recognised."""
    r = subprocess.run([str(cli), "keygen", str(tmp_path / "k")], capture_output=True, text=True)
    assert r.returncode == 0
    seed = (tmp_path / "k").read_text().split()[-1]
    pk = (tmp_path / "k.pub").read_text().split()[-1]
    (tmp_path / "old.key").write_text(seed + "\n")
    (tmp_path / "old.key.pub").write_text(pk + "\n")
    p = tmp_path / "m.skseal"
    with pytest.warns(DeprecationWarning, match="without a kind"):
        skseal.dump(model, p, signing_key=tmp_path / "old.key")
    with pytest.warns(DeprecationWarning):
        skseal.load(p, public_key=tmp_path / "old.key.pub")
    r = subprocess.run([str(cli), "verify", str(p), "--key", str(tmp_path / "old.key.pub")],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "note:" in r.stderr and "without a kind" in r.stderr
    # a legacy .pub file never signs
    r = subprocess.run([str(cli), "sign", str(p), "--key", str(tmp_path / "old.key.pub")],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "is a public key" in r.stderr
    # the legacy secret key given to verify: recognised as the signer's private key
    r = subprocess.run([str(cli), "verify", str(p), "--key", str(tmp_path / "old.key")],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "private key of the signer" in r.stdout, r.stdout


def test_python_keygen(tmp_path: Path) -> None:
    key_id = skseal.keygen(tmp_path / "k")
    assert (tmp_path / "k.pub").read_text().split()[-1].startswith(key_id)
    with pytest.raises(ValueError, match="refusing to overwrite"):
        skseal.keygen(tmp_path / "k")
