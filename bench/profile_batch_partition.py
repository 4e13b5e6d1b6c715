"""Where the time of one batch-scoring partition goes (docs/BENCHMARKS.md,
"Batch scoring"): scikit-learn's and skseal.native's predict_proba on one
partition of bench_batch.py's data (125,000 rows, one thread), and cProfile's
split of skseal's time. Run with a release build:
``.venv/bin/python bench/profile_batch_partition.py``.
"""

from __future__ import annotations

import os

# One thread for skseal too: its rayon pool would otherwise use every core.
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_batch  # noqa: E402

import skseal  # noqa: E402
import skseal.native  # noqa: E402
from skseal import native as nat  # noqa: E402

ROWS = 125_000  # one partition of the benchmark (2,000,000 / 16)


def main() -> None:
    for name, (model, data) in bench_batch.models().items():
        X = data(ROWS, 1)
        m = skseal.native.loads(skseal.dumps(model))
        for label, f in (("scikit-learn", model.predict_proba),
                         ("skseal.native", m.predict_proba)):
            f(X)
            t = time.perf_counter()
            f(X)
            dt = time.perf_counter() - t
            print(f"{name:20} {label:14} {ROWS / dt:12,.0f} rows/s")
        t = time.perf_counter()
        inp = nat._input(X)
        t1 = time.perf_counter() - t
        t = time.perf_counter()
        m._m.run("predict_proba", inp)
        t2 = time.perf_counter() - t
        print(f"{name:20} native: input conversion {t1 * 1e3:.1f} ms, Rust run {t2 * 1e3:.1f} ms")
        pr = cProfile.Profile()
        pr.enable()
        m.predict_proba(X)
        pr.disable()
        s = io.StringIO()
        pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(6)
        print(s.getvalue())


if __name__ == "__main__":
    main()
