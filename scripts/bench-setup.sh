#!/usr/bin/env bash
# Set-up for the benchmarks under bench/ (not needed by the tests): the
# release build of the extension and CLI (scripts/setup.sh with
# SKSEAL_RELEASE=1), the pinned benchmark dependencies (requirements/bench.txt:
# ONNX Runtime, skl2onnx, treelite, FastAPI and uvicorn, ...), Debian's wrk and
# the oha load generator (bench/bench_serve.py; its load drivers are in bench/serve_load.py). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null

SKSEAL_RELEASE=1 bash scripts/setup.sh

stamp=.venv/.skseal-bench-reqs
want=$(sha256sum requirements/bench.txt | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing pinned benchmark dependencies (requirements/bench.txt)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/bench.txt
  echo "$want" > "$stamp"
fi

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing wrk (apt-get install wrk)"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else
    echo "    wrk is missing (Debian: apt-get install wrk); bench/bench_serve.py needs it"
  fi
fi

OHA_VERSION=$(sed -n 's/^OHA_VERSION = "\(.*\)"$/\1/p' bench/serve_load.py)
if ! command -v oha >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/oha" ]; then
  echo "==> building oha $OHA_VERSION (cargo install; a few minutes)"
  cargo install --quiet --locked oha --version "$OHA_VERSION"
fi
echo "==> benchmark set-up done"
