#!/usr/bin/env bash
# Fuzz skseal-core with cargo-fuzz (libFuzzer) on the STABLE toolchain.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]        (default 60)
#
# Targets (fuzz/fuzz_targets/): container, pickle, graph_json, container_structured,
# native (bytes to a built native model, then every method on a few rows), boosters
# (LightGBM text, XGBoost UBJSON/JSON, CatBoost CBM framing: the first byte picks).
# Exits non-zero if any target finds a crash, panic, timeout or OOM; the input
# is saved under fuzz/artifacts/<target>/ (cargo fuzz prints the command that
# reproduces it). Known reproducers live in fuzz/regressions/<target>/.
#
# Environment:
#   FUZZ_JOBS=N          fuzzers run at once (default: 2, or 1 on a 1-core machine)
#   FUZZ_SANITIZER=S     cargo fuzz --sanitizer (default "none": skseal-core is safe
#                        Rust and runs ~8x faster without ASan; use "address" to
#                        also check the C/unsafe dependencies: zstd-sys, libbz2-rs-sys)
#   FUZZ_TARGETS="a b"   subset of targets
#   FUZZ_SEED=N          libFuzzer -seed (CI uses a fixed seed, so its run is reproducible)
#
# stable rustc accepts cargo-fuzz's -Z flags with RUSTC_BOOTSTRAP=1 (set below).
# Inputs libFuzzer finds go to fuzz/work/<target>/ (git-ignored); the seed
# corpora in fuzz/corpus/<target>/ are only read.
#
# Long run (one target; repeat per target, at most one per core):
#   cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none container_structured \
#       work/container_structured corpus/container_structured -- \
#       -runs=10000000 -max_len=8192 -rss_limit_mb=2048 -timeout=10
# Replay a corpus or a reproducer (no fuzzing):
#   cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none <target> <dir-or-file> -- -runs=0
# Minimize a crash:
#   cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz tmin -s none <target> artifacts/<target>/crash-...
set -euo pipefail

SECS="${1:-60}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FUZZ="$ROOT/fuzz"
SAN="${FUZZ_SANITIZER:-none}"
CORES="$(nproc 2>/dev/null || echo 1)"
JOBS="${FUZZ_JOBS:-$(( CORES >= 2 ? 2 : 1 ))}"
TARGETS=(${FUZZ_TARGETS:-container pickle graph_json container_structured native boosters})
export RUSTC_BOOTSTRAP=1
# one input decodes on one thread: rayon hand-offs only slow the fuzzers down
export RAYON_NUM_THREADS="${RAYON_NUM_THREADS:-1}"

max_len() {
    case "$1" in
        container) echo 16384 ;;            # seeds are 0.7-2.5 KB
        pickle) echo 16384 ;;               # seeds up to 1.4 KB
        graph_json) echo 16384 ;;
        boosters) echo 16384 ;;            # fixtures 3-13 KB
        container_structured) echo 8192 ;;  # bytes for `arbitrary`, not a file
        *) echo 4096 ;;
    esac
}

dict() {
    case "$1" in
        graph_json) echo "-dict=$FUZZ/dict/graph_json.dict" ;;
        pickle) echo "-dict=$FUZZ/dict/pickle.dict" ;;
    esac
}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
echo "== $(cargo fuzz --version); $(rustc --version); sanitizer=$SAN; ${SECS}s per target; $JOBS at a time"

cd "$FUZZ"
start=$(date +%s)
echo "== building ${TARGETS[*]}"
for t in "${TARGETS[@]}"; do
    cargo fuzz build -s "$SAN" "$t"
done
built=$(date +%s)

LOGS="$FUZZ/work/logs"
mkdir -p "$LOGS"
run_one() {
    local t="$1"
    mkdir -p "work/$t"
    # shellcheck disable=SC2046
    cargo fuzz run -s "$SAN" "$t" "work/$t" "corpus/$t" -- \
        -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 \
        -max_len="$(max_len "$t")" $(dict "$t") ${FUZZ_SEED:+-seed=$FUZZ_SEED} -print_final_stats=1 \
        >"$LOGS/$t.log" 2>&1
}

declare -A RC
for t in "${TARGETS[@]}"; do
    rm -f "$LOGS/$t.rc"
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        sleep 1
    done
    echo "== fuzzing $t for ${SECS}s (log: fuzz/work/logs/$t.log)"
    ( set +e; run_one "$t"; echo $? >"$LOGS/$t.rc" ) &
done
wait
end=$(date +%s)
for t in "${TARGETS[@]}"; do
    RC[$t]="$(cat "$LOGS/$t.rc" 2>/dev/null || echo missing)"
done

echo
printf '%-22s %6s %12s %9s %8s %8s %s\n' target result executions exec/s cov ft corpus
fail=0
for t in "${TARGETS[@]}"; do
    log="$LOGS/$t.log"
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
    ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*' || true)
    corp=$(grep -o 'corp: [0-9]*/[0-9A-Za-z]*' <<<"$last" | cut -d' ' -f2 || true)
    res=ok
    if [ "${RC[$t]}" != 0 ]; then
        res="FAIL(${RC[$t]})"
        fail=1
    fi
    printf '%-22s %6s %12s %9s %8s %8s %s\n' "$t" "$res" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
done
echo "build $((built - start))s, fuzzing $((end - built))s, total $((end - start))s"
if [ "$fail" != 0 ]; then
    for t in "${TARGETS[@]}"; do
        if [ "${RC[$t]}" != 0 ]; then
            echo
            echo "== $t failed; end of its log:"
            grep -vE '^#[0-9]+' "$LOGS/$t.log" | tail -40
        fi
    done
    exit 1
fi
