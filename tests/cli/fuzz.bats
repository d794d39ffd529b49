#!/usr/bin/env bats
# The fuzz targets (tests/fuzz/fuzz_*.c): built with clang's libFuzzer, ASan
# and UBSan, each replays its seed corpus and the inputs of every crash found
# so far (tests/fuzz/regressions/), then fuzzes for a few seconds. `make fuzz`
# runs them longer (FUZZ_SECONDS). fuzz_probe's server listens on a port in
# 26900-26999.

load "$TOP/tests/lib/common"

FUZZ_SECS=${FUZZ_CHECK_SECONDS:-4}
# Leaks inside system libraries that are not ours to fix: see lsan.supp.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$TOP/tests/fuzz/lsan.supp:print_suppressions=0"

setup_file() {
    command -v clang >/dev/null || return 0 # each test says why it skips
    export FUZZ_DIR="$(dirname "$ASAN_BIN")/fuzz"
    make -C "$TOP" --no-print-directory -j2 O="$(dirname "$ASAN_BIN")" fuzz-build >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
        echo failed >"$BATS_FILE_TMPDIR/build.failed"
}

need_build() {
    command -v clang >/dev/null || skip "clang is not installed (tests/packages.txt lists clang and libclang-rt-14-dev)"
    if [ -e "$BATS_FILE_TMPDIR/build.failed" ]; then
        tail -30 "$BATS_FILE_TMPDIR/build.log" >&2
        return 1
    fi
}

# fuzz TARGET MIN_EXECUTIONS: replays, fuzzes FUZZ_SECS, asserts no crash and
# that the target really ran (at least MIN executions).
fuzz() {
    need_build
    run bash "$TOP/tests/fuzz/run.sh" "$FUZZ_DIR" "$FUZZ_SECS" "$1"
    echo "$output"
    assert_status 0
    local runs
    runs=$(printf '%s\n' "$output" | sed -n "s/^$1: \([0-9]*\) executions.*/\1/p")
    [ -n "$runs" ] && [ "$runs" -ge "$2" ]
}

@test "fuzz targets build with clang, libFuzzer, ASan and UBSan" {
    need_build
    for t in fuzz_config fuzz_state fuzz_json fuzz_reply fuzz_probe fuzz_format; do
        [ -x "$FUZZ_DIR/$t" ]
    done
}

@test "regressions replay clean: every input that once crashed a target" {
    need_build
    local n=0 t f
    for d in "$TOP"/tests/fuzz/regressions/*/; do
        t=$(basename "$d")
        for f in "$d"*; do
            [ -f "$f" ] || continue
            run "$FUZZ_DIR/$t" "$f"
            [ "$status" -eq 0 ] || { echo "$t $f: $output" | tail -30; false; }
            n=$((n + 1))
        done
    done
    [ "$n" -ge 1 ]
}

@test "fuzz_config: the definitions and settings loaders" {
    fuzz fuzz_config 1000
}

@test "fuzz_state: the state file reader, with a round trip" {
    fuzz fuzz_state 10000
}

@test "fuzz_json: the JSON reader of consul and patroni answers" {
    fuzz fuzz_json 10000
}

@test "fuzz_reply: the line reader and mail reply parser" {
    fuzz fuzz_reply 10000
}

@test "fuzz_probe: every network probe kind against a server sending the input" {
    fuzz fuzz_probe 100
}

@test "fuzz_format: the report formatters keep their shape with any strings" {
    fuzz fuzz_format 1000
}
