#!/usr/bin/env bash
# Sets everything up, then runs the whole test suite: Rust (fmt, clippy, tests) and Python (ruff, pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
# Nothing here reads the terminal: stdin is /dev/null, so a tool that reads it
# (cargo feeds `rustc -` from an inherited stdin when probing the target) never
# sees whatever the caller's stdin carries.
exec </dev/null
bash scripts/setup.sh
echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --quiet --all-targets -- -D warnings
echo "==> cargo test"
cargo test --quiet --workspace
echo "==> ruff"
.venv/bin/ruff check python tests scripts bench examples
echo "==> allow-list and library profiles up to date"
.venv/bin/python scripts/gen_allowlist.py --check
.venv/bin/python scripts/gen_profiles.py --check
echo "==> pytest"
.venv/bin/python -m pytest tests -q -p no:cacheprovider "$@"
