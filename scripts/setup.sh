#!/usr/bin/env bash
# Idempotent setup: a virtualenv in .venv with the pinned test dependencies,
# the skseal extension built into it (maturin develop), and the CLI binary.
# Safe to run repeatedly; re-installs only when requirements change.
set -euo pipefail
cd "$(dirname "$0")/.."
# Nothing here reads the terminal: stdin is /dev/null, so a tool that reads it
# (cargo feeds `rustc -` from an inherited stdin when probing the target) never
# sees whatever the caller's stdin carries.
exec </dev/null

# A Java runtime for the Spark tests (tests/test_spark.py): Debian's, installed
# only when there is no java and we may install (root); otherwise those tests
# skip and say why.
if ! command -v java >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing a Java runtime for Spark (apt-get install default-jre-headless)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.skseal-reqs
want=$(cat requirements/test.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing pinned Python dependencies (requirements/test.txt)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/test.txt
  echo "$want" > "$stamp"
fi
# Debian's chromium renders the model card in tests/test_card.py (skipped
# without it). Installed only as root and only when missing: a no-op otherwise.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing chromium (renders the model card in tests/test_card.py)"
  if ! apt-get install -y -qq chromium >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq chromium >/dev/null 2>&1 \
      || echo "    chromium could not be installed; the card rendering test will be skipped"
  fi
fi
echo "==> building the skseal extension (maturin develop)"
.venv/bin/maturin develop --quiet ${SKSEAL_RELEASE:+--release} 2>&1 | grep -v "^$" | tail -n 2
echo "==> building the skseal CLI"
cargo build --quiet -p skseal-cli ${SKSEAL_RELEASE:+--release}
