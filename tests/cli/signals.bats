#!/usr/bin/env bats
# SIGTERM, SIGINT and SIGHUP in the middle of a run: probes and the commands
# of exec probes (whole process groups) stop, the previous state file stays
# byte for byte (but for a restart the run had made), the lock is free, and the exit status is 128 + the signal
# with a message on stderr; also while waiting for a systemd job (real
# systemd in a namespace, tests/lib/systemd.bash). Ports 26100-26199.

load "$TOP/tests/lib/common"
load "$TOP/tests/lib/systemd"

setup_file() {
    fake silent 26101
    wait_port 26101
}

teardown_file() {
    stop_bg_all
}

setup() {
    setup_checks
    echo "skip-if-load-above: 0" >"$BATS_TEST_TMPDIR/monit.yaml"
    MARKER="symbiosis-sigtest-$$-$RANDOM"
    cat >"$CHECKS/hung.yaml" <<EOF
timeout: 30s
probes:
  - { type: exec, command: [/bin/bash, -c, "(exec -a $MARKER-child sleep 40) & exec -a $MARKER sleep 41"] }
  - { type: tcp, port: 26101, expect: "^220" }
EOF
    chmod 644 "$CHECKS/hung.yaml"
    printf 'probes:\n  - { type: tcp, port: 26199, retries: 0 }\n' | def refused
    # A previous run's state, to be kept as it is.
    printf 'symbiosis-monit state 1\nservice=hung status=PASSED since=1700000000 failures=0 reported=1700000000 restarts-total=2 restarts=-\nend\n' \
        >"$BATS_TEST_TMPDIR/state"
    cp "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/state.before"
}

teardown() {
    pkill -KILL -f "$MARKER" 2>/dev/null || true
    sd_stop
}

# interrupt SIGNAL: starts a run, waits for its exec probe's command, sends
# the signal, and sets status, err (stderr) and took (seconds after the signal).
interrupt() {
    local sig=$1 pid i
    # A shell's background job starts with SIGINT ignored (and a run keeps
    # an ignored signal ignored): give it the default disposition back.
    env --default-signal="$sig" "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$BATS_TEST_TMPDIR/state" \
        -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
    pid=$!
    for ((i = 0; i < 200; i++)); do
        pgrep -f "^$MARKER-child" >/dev/null && break
        sleep 0.05
    done
    pgrep -f "^$MARKER-child" >/dev/null
    sleep 0.2 # the tcp probe is waiting too
    local t0=$EPOCHREALTIME
    kill -"$sig" "$pid"
    status=0
    wait "$pid" || status=$?
    took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    err=$(cat "$BATS_TEST_TMPDIR/err")
    output=$(cat "$BATS_TEST_TMPDIR/out")
}

# What every interrupted run leaves: no command, the state as it was, no
# temporary state file, a free lock, and no report.
left_clean() {
    sleep 0.1
    if pgrep -af "$MARKER"; then
        echo "the exec probe's commands survived" >&2
        return 1
    fi
    cmp "$BATS_TEST_TMPDIR/state" "$BATS_TEST_TMPDIR/state.before"
    [ -z "$(find "$BATS_TEST_TMPDIR" -name 'state.?*' ! -name state.before)" ]
    flock -n "$BATS_TEST_TMPDIR/lock" true
    [ -z "$output" ]
    awk -v t="$took" 'BEGIN { exit !(t < 2) }' || { echo "stopping took ${took}s" >&2; return 1; }
}

@test "SIGTERM mid-run: commands killed with their group, state kept, lock free, exit 143" {
    interrupt TERM
    [ "$status" -eq 143 ] || { echo "status $status: $err"; false; }
    [[ "$err" == *"symbiosis-monit: interrupted by SIGTERM; run stopped, 1 command killed, results not recorded"* ]] ||
        { echo "$err"; false; }
    left_clean
}

@test "SIGINT (Ctrl-C) mid-run: the same, exit 130" {
    interrupt INT
    [ "$status" -eq 130 ] || { echo "status $status: $err"; false; }
    [[ "$err" == *"interrupted by SIGINT"* ]]
    left_clean
}

@test "SIGHUP (the SSH session went away) mid-run: the same, exit 129" {
    interrupt HUP
    [ "$status" -eq 129 ] || { echo "status $status: $err"; false; }
    [[ "$err" == *"interrupted by SIGHUP"* ]]
    left_clean
}

@test "a run after an interrupted one goes on from the kept state" {
    interrupt TERM
    [ "$status" -eq 143 ]
    rm "$CHECKS/hung.yaml"
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * refused: FAILED"
    # The kept state was read (no corrupt-state warning) and is now replaced.
    assert_output_lacks "corrupt"
    grep -q '^service=refused status=FAILED' "$BATS_TEST_TMPDIR/state"
}

@test "under nohup SIGHUP stays ignored: the run completes" {
    printf 'timeout: 1s\nprobes:\n  - { type: tcp, port: 26101, expect: "^220" }\n' | def slowish
    rm "$CHECKS/hung.yaml"
    nohup "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" \
        "$CHECKS" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
    local pid=$!
    sleep 0.3
    kill -HUP "$pid"
    status=0
    wait "$pid" || status=$?
    [ "$status" -eq 1 ] || { cat "$BATS_TEST_TMPDIR/err"; false; }
    grep -q " \* slowish: FAILED: tcp 127.0.0.1:26101: timed out after 1s" "$BATS_TEST_TMPDIR/out"
}

@test "SIGTERM while waiting for a systemd start job: the run stops at once; the start is counted, nothing else recorded" {
    sd_init
    # Its start never ends: the run waits for the job (restart-timeout 60s).
    sd_unit hang.service <<'EOF'
[Service]
Type=oneshot
ExecStart=/bin/sleep 300
EOF
    sd_start
    printf 'restart-timeout: 60s\nskip-if-load-above: 0\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    rm "$CHECKS"/*.yaml
    echo "unit: hang" | def hang
    sd_exec "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$BATS_TEST_TMPDIR/state" \
        -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
    local ns=$! i pid=""
    for ((i = 0; i < 100; i++)); do
        [ "$(sd_ctl is-active hang.service)" = activating ] && break
        sleep 0.1
    done
    [ "$(sd_ctl is-active hang.service)" = activating ]
    # nsenter waits for the binary: signal the binary itself (its PID out here).
    pid=$(pgrep -n -f "^$MONIT --lock $BATS_TEST_TMPDIR/lock")
    local t0=$EPOCHREALTIME
    kill -TERM "$pid"
    status=0
    wait "$ns" || status=$?
    took=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
    sd_ctl stop hang.service
    [ "$status" -eq 143 ] || { cat "$BATS_TEST_TMPDIR/err"; false; }
    grep -q "interrupted by SIGTERM; run stopped, results not recorded" "$BATS_TEST_TMPDIR/err"
    # The start was counted (for restart-limit) and saved before the job was
    # sent; the previous state is otherwise as it was.
    # (No status: since=0, state.h.)
    grep -q "^service=hang status=PASSED since=0 failures=0 reported=0 restarts-total=1 restarts=[0-9]*$" \
        "$BATS_TEST_TMPDIR/state"
    [ "$(grep -v "^service=hang " "$BATS_TEST_TMPDIR/state")" = "$(cat "$BATS_TEST_TMPDIR/state.before")" ]
    awk -v t="$took" 'BEGIN { exit !(t < 2) }' || { echo "stopping took ${took}s" >&2; false; }
}
