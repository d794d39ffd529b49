# tests/lib/common.bash: helpers for the command-line and system suites.
# In a .bats file:  load "$TOP/tests/lib/common"
# Each suite uses its own port range (see tests/README.md) so that suites can
# run side by side.

: "${MONIT:?run the suites through make check (or tests/run.sh)}"
FAKESERVER="$TOP/tests/lib/fakeserver.py"
PY=/usr/bin/python3

# A private checks directory for this test: $CHECKS.
setup_checks() {
    CHECKS="$BATS_TEST_TMPDIR/checks"
    mkdir -p "$CHECKS"
    chmod 755 "$CHECKS"
}

# def NAME: writes stdin to $CHECKS/NAME.yaml (mode 644).
def() {
    cat >"$CHECKS/$1.yaml"
    chmod 644 "$CHECKS/$1.yaml"
}

# monit ARGS...: the binary under test with a private lock, state and settings.
# Use as `run monit "$CHECKS"`; `run --separate-stderr monit ...` to split.
# Without a settings file of the test's own, load never skips a run: the test
# machine is busy with the suites' servers (SPEC §5's default would skip).
# MONIT_BIN=... runs another build the same way (tests/cli/threads.bats).
monit() {
    [ -e "$BATS_TEST_TMPDIR/monit.yaml" ] || echo "skip-if-load-above: 0" >"$BATS_TEST_TMPDIR/monit.yaml"
    "${MONIT_BIN:-$MONIT}" --lock "$BATS_TEST_TMPDIR/lock" --state "$BATS_TEST_TMPDIR/state" \
        -C "$BATS_TEST_TMPDIR/monit.yaml" "$@"
}

# The plain (non-sanitizer) build under valgrind; fails on any error or leak.
monit_valgrind() {
    [ -e "$BATS_TEST_TMPDIR/monit.yaml" ] || echo "skip-if-load-above: 0" >"$BATS_TEST_TMPDIR/monit.yaml"
    valgrind -q --keep-debuginfo=yes --suppressions="$TOP/tests/valgrind.supp" --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
        --show-leak-kinds=definite,indirect,possible "$MONIT_PLAIN" --lock "$BATS_TEST_TMPDIR/lock" \
        --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" "$@"
}

# wait_port PORT [SECONDS]: until something listens on 127.0.0.1:PORT.
wait_port() {
    local port=$1 limit=${2:-20} i
    for ((i = 0; i < limit * 20; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "nothing listens on port $port after ${limit}s" >&2
    return 1
}

# wait_file PATH [SECONDS]
wait_file() {
    local path=$1 limit=${2:-20} i
    for ((i = 0; i < limit * 20; i++)); do
        [ -e "$path" ] && return 0
        sleep 0.05
    done
    echo "$path did not appear after ${limit}s" >&2
    return 1
}

# bg NAME CMD...: starts a background process, remembered for stop_bg_all.
bg() {
    local name=$1
    shift
    "$@" >"$BATS_FILE_TMPDIR/$name.log" 2>&1 &
    echo $! >>"$BATS_FILE_TMPDIR/pids"
}

# fake MODE PORT [ARGS...]: a fakeserver.py in the background.
fake() {
    local mode=$1 port=$2
    shift 2
    bg "fake-$mode-$port" "$PY" "$FAKESERVER" "$mode" --port "$port" "$@"
}

stop_bg_all() {
    [ -f "$BATS_FILE_TMPDIR/pids" ] || return 0
    local pid
    while read -r pid; do
        kill "$pid" 2>/dev/null
    done <"$BATS_FILE_TMPDIR/pids"
    sleep 0.1
    while read -r pid; do
        kill -9 "$pid" 2>/dev/null
    done <"$BATS_FILE_TMPDIR/pids"
    rm -f "$BATS_FILE_TMPDIR/pids"
}

# A self-signed certificate valid for DAYS days (negative: already expired
# is not possible with openssl req; use cert_expiring with a small number).
make_cert() { # make_cert DIR NAME DAYS
    local dir=$1 name=$2 days=$3
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/$name.key" -out "$dir/$name.crt" \
        -days "$days" -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        >/dev/null 2>&1
}

# Fails the test, showing the output, unless $output contains the string.
assert_output_has() {
    if [[ "$output" != *"$1"* ]]; then
        printf 'expected output to contain: %s\n--- output ---\n%s\n' "$1" "$output" >&2
        return 1
    fi
}

assert_output_lacks() {
    if [[ "$output" == *"$1"* ]]; then
        printf 'expected output NOT to contain: %s\n--- output ---\n%s\n' "$1" "$output" >&2
        return 1
    fi
}

assert_status() {
    if [ "$status" -ne "$1" ]; then
        printf 'expected exit status %s, got %s\n--- output ---\n%s\n' "$1" "$status" "$output" >&2
        return 1
    fi
}

# The report line of one service (" * NAME: ...").
service_line() {
    printf '%s\n' "$output" | grep -E "^ \* $1: " || true
}
