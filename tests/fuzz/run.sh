#!/usr/bin/env bash
# Runs libFuzzer targets: each replays its seed corpus (tests/fuzz/corpus/T)
# and its regressions (tests/fuzz/regressions/T), then fuzzes for SECONDS.
#   tests/fuzz/run.sh BUILD_DIR SECONDS TARGET...
# New inputs go to BUILD_DIR/corpus/T (the repository's corpus is left as it
# is), crashes to BUILD_DIR/crashes/T-*. Prints one line per target with the
# executions run and the crashes found; exits 1 when any target crashed.
set -u
cd "$(dirname "$0")/../.."
dir=$1 secs=$2
shift 2
# Leaks inside system libraries that are not ours to fix: see lsan.supp.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
status=0 total_runs=0 total_crashes=0
for t in "$@"; do
    bin="$dir/$t"
    [ -x "$bin" ] || { echo "$t: not built ($bin)"; status=1; continue; }
    mkdir -p "$dir/corpus/$t" "$dir/crashes" "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"
    log="$dir/$t.log"
    # -timeout: one input taking 10 s is a hang (probes have 2 s); rss bound
    # guards against unbounded reads.
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
        -artifact_prefix="$dir/crashes/$t-" "$dir/corpus/$t" "tests/fuzz/corpus/$t" \
        "tests/fuzz/regressions/$t" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    runs=${runs:-0}
    crashes=0
    if [ $rc -ne 0 ]; then
        crashes=1
        status=1
        echo "$t: CRASH (exit $rc) after $runs executions; input in $dir/crashes/, log $log:"
        grep -E 'ERROR|SUMMARY|property failed|#[0-9]+ 0x' "$log" | head -20 | sed 's/^/    /'
    else
        echo "$t: $runs executions in ${secs}s, 0 crashes"
    fi
    total_runs=$((total_runs + runs))
    total_crashes=$((total_crashes + crashes))
done
echo "fuzz: $total_runs executions, $total_crashes crashing targets"
exit $status
