"""README, "Install into your own environment": a wheel built with maturin
installs into a new virtual environment and works there, away from the
repository (issue 20, item 6). The wheel is built with the dev profile to keep
the suite fast; the README's `--release` only changes optimisation."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys, numpy as np
import skseal, skseal.native
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
assert skseal.__file__.startswith(sys.argv[1]), skseal.__file__
X, y = load_iris(return_X_y=True)
m = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
skseal.dump(m, "m.skseal", probe=X[:5])
back = skseal.load("m.skseal")
native = skseal.native.load("m.skseal", verify=True)
assert np.array_equal(back.predict_proba(X), m.predict_proba(X))
assert np.array_equal(native.predict_proba(X), m.predict_proba(X))
print("installed", skseal.__version__)
"""


def test_a_built_wheel_works_in_a_fresh_environment(tmp_path: Path) -> None:
    maturin = Path(sys.executable).with_name("maturin")
    dist = tmp_path / "dist"
    r = subprocess.run([str(maturin), "build", "--profile", "dev", "--out", str(dist)],
                       cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    (wheel,) = dist.glob("skseal-*.whl")
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, timeout=300)
    py = env / "bin" / "python"
    r = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                        str(wheel)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    # numpy and scikit-learn come from the test environment (no network here);
    # a plain path line: that directory's own .pth files (the editable skseal
    # of the checkout) are not processed, so only the wheel provides skseal
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    work = tmp_path / "work"
    work.mkdir()
    r = subprocess.run([str(py), "-I", "-c", SCRIPT, str(env)], cwd=work, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.startswith("installed "), r.stdout
