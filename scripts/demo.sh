#!/usr/bin/env bash
# Sets everything up, then runs the demo (examples/demo.py).
set -euo pipefail
cd "$(dirname "$0")/.."
# Nothing here reads the terminal: stdin is /dev/null, so a tool that reads it
# (cargo feeds `rustc -` from an inherited stdin when probing the target) never
# sees whatever the caller's stdin carries.
exec </dev/null
bash scripts/setup.sh
exec .venv/bin/python examples/demo.py
