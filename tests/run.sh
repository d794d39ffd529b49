#!/usr/bin/env bash
# Runs the test suites and ends with one line: "N passed, N failed, N skipped".
#   ASAN_BIN, PLAIN_BIN, TSAN_BIN: build directories (set by `make check`;
#   without TSAN_BIN, tests/cli/threads.bats skips, saying why).
#   Arguments: test files to run (tests/unit/test_x.c, tests/cli/x.bats...);
#   none: every unit test, then tests/cli/*.bats and tests/system/*.bats.
set -u
cd "$(dirname "$0")/.."
: "${ASAN_BIN:?run through make check}"
: "${PLAIN_BIN:?run through make check}"
export MONIT="$ASAN_BIN/symbiosis-monit" MONIT_PLAIN="$PLAIN_BIN/symbiosis-monit"
export MONIT_TSAN="${TSAN_BIN:+$TSAN_BIN/symbiosis-monit}"
export TSAN_OPTIONS="halt_on_error=0:exitcode=66"
export ASAN_OPTIONS="detect_leaks=1:exitcode=99:abort_on_error=0:print_summary=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98"
export LSAN_OPTIONS="exitcode=99"
export TOP="$PWD"

pass=0 fail=0 skip=0
failed_names=()

tally() { # reads TAP on stdin, echoes it, counts
    local name=$1 line seen=0
    while IFS= read -r line; do
        printf '%s\n' "$line"
        case "$line" in
        "not ok "*) fail=$((fail + 1)); seen=1; failed_names+=("$name: ${line#not ok }") ;;
        "ok "*"# skip"* | "ok "*"# SKIP"*) skip=$((skip + 1)); seen=1 ;;
        "ok "*) pass=$((pass + 1)); seen=1 ;;
        esac
    done
    return 0
}

run_unit() {
    local bin=$1 out rc
    out=$(mktemp)
    CMOCKA_MESSAGE_OUTPUT=TAP "$bin" >"$out" 2>&1
    rc=$?
    tally "$(basename "$bin")" <"$out"
    if [ $rc -ne 0 ] && ! grep -q '^not ok' "$out"; then
        fail=$((fail + 1))
        failed_names+=("$(basename "$bin"): exited $rc without a TAP failure (crash or sanitizer report)")
    fi
    rm -f "$out"
}

run_bats() {
    local f=$1 out rc
    out=$(mktemp)
    bats --tap "$f" >"$out" 2>&1
    rc=$?
    tally "$f" <"$out"
    if [ $rc -ne 0 ] && ! grep -q '^not ok' "$out"; then
        fail=$((fail + 1))
        failed_names+=("$f: bats exited $rc without a test failure")
    fi
    rm -f "$out"
}

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    files=(tests/unit/test_*.c tests/cli/*.bats tests/system/*.bats)
fi
for f in "${files[@]}"; do
    [ -e "$f" ] || continue
    echo "# === $f"
    case "$f" in
    tests/unit/*.c) run_unit "$ASAN_BIN/tests/$(basename "$f" .c)" ;;
    *.bats) run_bats "$f" ;;
    esac
done

if [ ${#failed_names[@]} -gt 0 ]; then
    echo "# Failures:"
    printf '#   %s\n' "${failed_names[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
