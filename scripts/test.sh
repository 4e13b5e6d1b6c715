#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite: Rust (fmt, clippy, tests) and Python (ruff, pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --quiet --all-targets -- -D warnings
echo "==> cargo test"
cargo test --quiet --workspace
echo "==> ruff"
.venv/bin/ruff check python tests scripts bench examples
echo "==> pytest"
.venv/bin/python -m pytest tests -q -p no:cacheprovider "$@"
