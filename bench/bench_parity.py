"""Parity report: native results vs scikit-learn under every BLAS / SIMD
configuration this machine can run, written between markers in
docs/NATIVE.md. Not a timed benchmark: it counts rows compared and rows
bitwise equal per model family (tests/parity_worker.py does the work, in a
fresh interpreter per configuration).

    .venv/bin/python bench/bench_parity.py [--scale 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from test_machines import CONFIGS  # noqa: E402

BEGIN, END = "<!-- parity:begin -->", "<!-- parity:end -->"


def run(config: dict[str, str], scale: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENBLAS_", "NPY_", "OMP_"))}
    env.update(config)
    cli = REPO / "target" / "debug" / "skseal"
    args = [sys.executable, str(REPO / "tests" / "parity_worker.py"), str(scale)]
    if cli.exists():
        args.append(str(cli))
    r = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "NATIVE.md")
    a = ap.parse_args()
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    avx512 = " avx512f " in Path("/proc/cpuinfo").read_text().replace("\n", " ")
    lines = [
        BEGIN,
        "",
        f"Measured by `bench/bench_parity.py --scale {a.scale}` on {cpu} "
        f"({'AVX-512' if avx512 else 'AVX2, no AVX-512'}), {os.cpu_count()} CPUs, "
        f"{platform.python_version()}; rows compared / rows bitwise equal / rows that a "
        "bitwise claim got wrong; 'bound' is the worst bounded difference in units of the "
        "documented bound (<= 1 holds).",
        "",
    ]
    for config in CONFIGS:
        out = run(config, a.scale)
        name = ", ".join(f"{k}={v}" for k, v in config.items()) or "default"
        core, threads = out["numpy_blas"]
        lines += [
            f"**{name}** (numpy's OpenBLAS: {core}, {threads} threads; numpy SVML: "
            f"{'yes' if out['numpy_svml'] else 'no'})",
            "",
            "| family | claim | rows | bitwise equal | wrong claims | bound |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for fam, t in out["families"].items():
            claim = "; ".join(c.split(":")[0] for c in t["claims"])
            lines.append(
                f"| {fam} | {claim} | {t['rows']:,} | {t['equal']:,} | {t['broken']} | "
                f"{t['worst_bound']:.3f} |"
            )
        lines.append("")
        print(name, "done", flush=True)
    lines.append(END)
    text = a.out.read_text()
    block = "\n".join(lines)
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n## Parity on this machine\n\n" + block + "\n"
    a.out.write_text(text)


if __name__ == "__main__":
    main()
