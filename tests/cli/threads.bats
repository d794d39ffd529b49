#!/usr/bin/env bats
# The program's threads under ThreadSanitizer (the build make check makes in
# $(O)/tsan): the scheduler's pool growing and shrinking its job queue,
# libcurl loaded in a thread of its own beside the probes (lazylib.h), the
# shared /proc scan and host resolutions, the disk probes' helper threads, a
# run deadline that abandons stuck work. Every run must end without a report
# of a data race. Ports 26500-26599.

load "$TOP/tests/lib/common"
bats_require_minimum_version 1.5.0

setup_file() {
    export D="$BATS_FILE_TMPDIR"
    make_cert "$D" good 365
    for p in 26500 26501 26502 26503 26504 26505; do fake banner "$p" --banner "220 ready $p"; done
    for p in 26510 26511 26512 26513; do fake silent "$p"; done
    fake say 26520 --banner 'HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n'
    fake say 26521 --banner 'HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n' --tls "$D/good.crt" "$D/good.key"
    for p in 26500 26501 26502 26503 26504 26505 26510 26511 26512 26513 26520 26521; do wait_port "$p"; done
}

teardown_file() {
    stop_bg_all
}

setup() {
    [ -n "${MONIT_TSAN:-}" ] || skip "no ThreadSanitizer build (make check makes one; TSAN_BIN for tests/run.sh)"
    setup_checks
}

# tmonit ARGS...: the ThreadSanitizer build, as monit runs the usual one.
tmonit() {
    MONIT_BIN="$MONIT_TSAN" monit "$@"
}

assert_no_race() {
    if grep -q "ThreadSanitizer" <<<"$stderr"; then
        echo "$stderr" | head -60
        return 1
    fi
}

@test "ThreadSanitizer: banners, HTTP and HTTPS beside libcurl's loading, disks, processes, exec: no race" {
    for p in 26500 26501 26502 26503 26504 26505; do
        printf 'probes:\n  - { type: tcp, port: %s, expect: "^220 ready" }\n' "$p" | def "banner$p"
    done
    for i in 1 2; do
        printf 'probes:\n  - { type: http, url: "http://127.0.0.1:26520/", body: hello }\n' | def "web$i"
        printf 'probes:\n  - { type: http, url: "https://127.0.0.1:26521/", verify: false, body: hello }\n' | def "tls$i"
    done
    printf 'probes:\n  - { type: disk, path: /, warn: 99%%, crit: 100%% }\n  - { type: disk, path: /tmp, warn: 99%%, crit: 100%% }\n' | def disks
    printf 'process: bash\nprobes: []\n' | def proc1
    printf 'process: python3\nprobes: []\n' | def proc2
    printf 'probes:\n  - { type: exec, command: [/bin/true] }\n' | def exec
    run --separate-stderr tmonit "$CHECKS"
    assert_no_race
    assert_status 0
    assert_output_has " * web1: PASSED"
    assert_output_has " * tls2: PASSED"
    assert_output_has " * proc2: PASSED"
}

@test "ThreadSanitizer: hung servers make the pool grow; a run deadline abandons stuck work: no race" {
    for p in 26510 26511 26512 26513; do
        printf 'probes:\n  - { type: tcp, port: %s, expect: "^220", timeout: 1s, retries: 0 }\n' "$p" | def "hung$p"
    done
    for p in 26500 26501 26502 26503 26504 26505; do
        printf 'probes:\n  - { type: tcp, port: %s, expect: "^220 ready" }\n' "$p" | def "banner$p"
    done
    printf 'probes:\n  - { type: http, url: "http://127.0.0.1:26520/" }\n' | def web
    printf 'skip-if-load-above: 0\nparallel: 8\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    run --separate-stderr tmonit "$CHECKS"
    assert_no_race
    assert_status 1
    assert_output_has " * hung26513: FAILED: tcp 127.0.0.1:26513: timed out after 1s"
    assert_output_has " * banner26505: PASSED"
    assert_output_has " * web: PASSED"
    # The deadline comes before the hung servers' timeout: their probes are cut.
    for p in 26510 26511 26512 26513; do
        printf 'probes:\n  - { type: tcp, port: %s, expect: "^220", timeout: 10s, retries: 0 }\n' "$p" | def "hung$p"
    done
    run --separate-stderr tmonit --deadline 1s "$CHECKS"
    assert_no_race
    assert_status 1
    assert_output_has " * banner26500: PASSED"
    assert_output_has "hung26510: FAILED"
}
