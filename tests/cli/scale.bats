#!/usr/bin/env bats
# Scale: 300 services and 1,000 probes in one run, healthy, refused and hung
# mixed, finish inside the deadline with every result right and memory
# bounded (peak RSS of the plain build under 64 MB; /usr/bin/time -f %M).
# The servers are tests/lib/fakeserver.py (a banner server and one that
# never answers): a thousand connections on demand. Ports 26200-26299.

load "$TOP/tests/lib/common"
bats_require_minimum_version 1.5.0

RSS_MAX_KB=65536

setup_file() {
    fake banner 26201 --banner "220 scale.test ESMTP ready"
    fake silent 26202
    wait_port 26201
    wait_port 26202
    local d="$BATS_FILE_TMPDIR/checks" i
    mkdir -p "$d"
    chmod 755 "$d"
    # 200 healthy services of 3 probes; 50 with a refused port among 4; 50
    # with a hung server among 4: 300 services, 1,000 probes.
    for i in $(seq -w 1 200); do
        {
            echo "probes:"
            echo "  - { type: tcp, port: 26201, expect: '^220 scale', name: a }"
            echo "  - { type: tcp, port: 26201, expect: 'ESMTP', name: b }"
            echo "  - { type: tcp, host: 127.0.0.1, port: 26201, name: c }"
        } >"$d/ok$i.yaml"
    done
    for i in $(seq -w 1 50); do
        {
            echo "retries: 0"
            echo "probes:"
            echo "  - { type: tcp, port: 26201, expect: '^220 ', name: a }"
            echo "  - { type: tcp, port: 26201, name: b }"
            echo "  - { type: tcp, port: 26201, name: c }"
            echo "  - { type: tcp, port: 26299, name: refused }"
        } >"$d/refused$i.yaml"
        {
            echo "timeout: 1s"
            echo "probes:"
            echo "  - { type: tcp, port: 26201, expect: '^220 ', name: a }"
            echo "  - { type: tcp, port: 26201, name: b }"
            echo "  - { type: tcp, port: 26201, name: c }"
            echo "  - { type: tcp, port: 26202, expect: '^220', name: hung }"
        } >"$d/hung$i.yaml"
    done
    chmod 644 "$d"/*.yaml
    export SCALE="$d"
}

teardown_file() {
    stop_bg_all
}

setup() {
    echo "skip-if-load-above: 0" >"$BATS_TEST_TMPDIR/monit.yaml"
}

measured() {
    run /usr/bin/time -f '%M %e' -o "$BATS_TEST_TMPDIR/time" "$MONIT_PLAIN" --lock "$BATS_TEST_TMPDIR/lock" \
        --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" "$@"
    read -r RSS_KB ELAPSED < <(tail -1 "$BATS_TEST_TMPDIR/time")
    echo "peak RSS ${RSS_KB} KB, ${ELAPSED}s" >&3
}

# The report of the mixed run is right, service by service.
mixed_results_right() {
    [ "$(printf '%s\n' "$output" | grep -cE '^ \* ok[0-9]+: PASSED$')" -eq 200 ]
    [ "$(printf '%s\n' "$output" | grep -cE '^ \* refused[0-9]+: FAILED: refused: connection refused$')" -eq 50 ]
    [ "$(printf '%s\n' "$output" | grep -cE '^ \* hung[0-9]+: FAILED: hung: timed out after 1s while waiting for the banner$')" -eq 50 ]
    [ "$(printf '%s\n' "$output" | grep -c '^ \* ')" -eq 300 ]
}

@test "300 services, 1,000 probes (healthy, refused, hung): right results inside the deadline, bounded memory" {
    measured --deadline 30s "$SCALE"
    assert_status 1
    mixed_results_right || { printf '%s\n' "$output" | grep -vE 'PASSED$' | head -20; false; }
    awk -v e="$ELAPSED" 'BEGIN { exit !(e < 30) }'
    [ "$RSS_KB" -lt "$RSS_MAX_KB" ] || { echo "peak RSS $RSS_KB KB" >&2; false; }
}

@test "the same run in JSON: 1,000 probe results, 900 ok, 100 failed" {
    command -v jq >/dev/null || skip "jq is not installed"
    run --separate-stderr monit -f json --deadline 30s "$SCALE"
    assert_status 1
    printf '%s' "$output" >"$BATS_TEST_TMPDIR/out.json"
    [ "$(jq '.services | length' "$BATS_TEST_TMPDIR/out.json")" -eq 300 ]
    [ "$(jq '[.services[].probes[]] | length' "$BATS_TEST_TMPDIR/out.json")" -eq 1000 ]
    [ "$(jq '[.services[].probes[] | select(.status == "ok")] | length' "$BATS_TEST_TMPDIR/out.json")" -eq 900 ]
    [ "$(jq '[.services[] | select(.status == "FAILED")] | length' "$BATS_TEST_TMPDIR/out.json")" -eq 100 ]
}

@test "a deadline shorter than the hung probes: the run ends on time and says which were cut" {
    # 1,000 probes of which 50 hang for 5 s, 32 at a time: beyond a 2 s deadline.
    sed -i 's/^timeout: 1s$/timeout: 5s/' "$SCALE"/hung*.yaml
    measured --deadline 2s "$SCALE"
    sed -i 's/^timeout: 5s$/timeout: 1s/' "$SCALE"/hung*.yaml
    assert_status 1
    awk -v e="$ELAPSED" 'BEGIN { exit !(e < 3.5) }' || { echo "took ${ELAPSED}s" >&2; false; }
    # Every service is reported; every hung probe says the deadline cut it;
    # what did not get its turn says so too, and nothing else went wrong.
    [ "$(printf '%s\n' "$output" | grep -c '^ \* ')" -eq 300 ]
    [ "$(printf '%s\n' "$output" | grep -cE '^ \* hung[0-9]+: FAILED: .*hung: run deadline reached')" -eq 50 ]
    ! printf '%s\n' "$output" | grep -E '^ \* ok[0-9]+: FAILED' | grep -vE '^ \* ok[0-9]+: FAILED: ([abc]: run deadline reached(; )?)+$'
    assert_output_has "= End of service test report"
    [ "$RSS_KB" -lt "$RSS_MAX_KB" ]
}
