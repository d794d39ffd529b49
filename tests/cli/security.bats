#!/usr/bin/env bats
# Security (SPEC §3, §7): the insecure-file cases foundation.bats and
# data.bats do not cover, exec arguments taken literally, no secret of a
# defaults-file in any output even with hostile servers or a broken file,
# and lock and state paths planted by another user in a world-writable
# directory. Most cases need root (the rules apply to root runs). Ports
# 26300-26399.

load "$TOP/tests/lib/common"
bats_require_minimum_version 1.5.0

SECRET="Pa55-Sw0rd-$$-q7Zk"

setup_file() {
    fake banner 26301 --banner "220 secure.test ready"
    fake garbage 26304
    fake reset 26305
    fake banner 26306 --banner "\\x0a\\x00\\x00\\x00"
    for p in 26301 26304 26305 26306; do wait_port "$p"; done
}

teardown_file() {
    stop_bg_all
}

setup() {
    setup_checks
    echo "skip-if-load-above: 0" >"$BATS_TEST_TMPDIR/monit.yaml"
    printf 'probes:\n  - { type: tcp, port: 26301, expect: "^220 " }\n' | def good
}

need_root() {
    [ "$(id -u)" = 0 ] || skip "needs root: the insecure-file rules apply to root runs"
}

# public_dir: $pub, a world-writable sticky directory like /run/lock that
# nobody can reach (the test's own directory is private to root).
public_dir() {
    pub=$(mktemp -d /tmp/symbiosis-security.XXXXXX)
    chmod 1777 "$pub"
    echo "$pub" >"$BATS_TEST_TMPDIR/pubdir"
}

teardown() {
    if [ -f "$BATS_TEST_TMPDIR/pubdir" ]; then
        rm -rf "$(cat "$BATS_TEST_TMPDIR/pubdir")"
    fi
}

# as_nobody CMD...: runs a command as the unprivileged user nobody.
as_nobody() {
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

@test "insecure: a group-writable or foreign checks directory fails every service" {
    need_root
    chmod g+w "$CHECKS"
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * good: FAILED: insecure: $CHECKS is group-writable"
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "insecure: $CHECKS is group-writable"
    chmod g-w "$CHECKS"
    chown nobody "$CHECKS"
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * good: FAILED: insecure: $CHECKS is owned by uid $(id -u nobody), not root"
    chown root "$CHECKS"
    run monit "$CHECKS"
    assert_status 0
}

@test "insecure: a group-writable or foreign settings file fails every service" {
    need_root
    printf 'skip-if-load-above: 0\ntimeout: 1s\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    chmod 664 "$BATS_TEST_TMPDIR/monit.yaml"
    run monit --force "$CHECKS" # an insecure settings file is not read: no load setting
    assert_status 1
    assert_output_has " * good: FAILED: insecure: $BATS_TEST_TMPDIR/monit.yaml is group-writable"
    chmod 644 "$BATS_TEST_TMPDIR/monit.yaml"
    chown nobody "$BATS_TEST_TMPDIR/monit.yaml"
    run monit --force "$CHECKS"
    assert_status 1
    assert_output_has " * good: FAILED: insecure: $BATS_TEST_TMPDIR/monit.yaml is owned by uid $(id -u nobody), not root"
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "is owned by uid $(id -u nobody), not root"
}

@test "insecure: a definition that is another user's link, or a link to another user's file" {
    need_root
    local theirs="$BATS_TEST_TMPDIR/theirs"
    mkdir -m 755 "$theirs"
    printf 'probes:\n  - { type: exec, command: [/bin/true] }\n' >"$theirs/x.yaml"
    chmod 644 "$theirs/x.yaml"
    chown nobody "$theirs/x.yaml"
    ln -s "$theirs/x.yaml" "$CHECKS/linked.yaml"      # root's link to their file
    ln -s /etc/hostname "$CHECKS/planted.yaml"          # their link (to anything)
    chown -h nobody "$CHECKS/planted.yaml"
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * good: PASSED"
    assert_output_has " * linked: FAILED: insecure: $CHECKS/linked.yaml is owned by uid $(id -u nobody), not root"
    assert_output_has " * planted: FAILED: insecure: $CHECKS/planted.yaml is a symbolic link owned by uid $(id -u nobody)"
}

@test "exec: shell metacharacters, variables and globs are arguments, never a shell" {
    local d="$BATS_TEST_TMPDIR"
    cat >"$CHECKS/x.yaml" <<EOF
probes:
  - type: exec
    name: meta
    command: [/bin/echo, "a; touch $d/semi", "\`touch $d/tick\`", "\$(touch $d/dollar)", "|", "touch", "$d/pipe", "&&", ">", "$d/redir", "\$HOME", "*"]
  - { type: exec, name: spaced, command: ["touch $d/spaced"], retries: 0 }
EOF
    chmod 644 "$CHECKS/x.yaml"
    run monit -v "$CHECKS"
    assert_status 1
    assert_output_has "meta: ok, a; touch $d/semi \`touch $d/tick\` \$(touch $d/dollar) | touch $d/pipe && > $d/redir \$HOME *"
    assert_output_has "spaced: failed, cannot run touch $d/spaced: no such file or directory"
    for f in semi tick dollar pipe redir spaced; do
        [ ! -e "$d/$f" ] || { echo "$d/$f was created: a shell ran" >&2; false; }
    done
    # A command line as one string is refused: it would need a shell.
    printf 'probes:\n  - { type: exec, command: "touch %s/string" }\n' "$d" | def str
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "str.yaml:2:"
    assert_output_has ": 'command' must be a list of arguments"
    [ ! -e "$d/string" ]
}

@test "no secret of a defaults-file in any output: hostile servers, a broken file, every format" {
    local cnf="$BATS_TEST_TMPDIR/my.cnf" broken="$BATS_TEST_TMPDIR/broken.cnf"
    printf '[client]\nuser = monitor-%s\npassword = %s\n' "$SECRET" "$SECRET" >"$cnf"
    # A line outside any group and one without '=': the library complains.
    printf '%s\n[client]\npassword %s\n!include %s\n' "$SECRET" "$SECRET" "/nonexistent/$SECRET" >"$broken"
    chmod 600 "$cnf" "$broken"
    cat >"$CHECKS/db.yaml" <<EOF
timeout: 2s
retries: 0
probes:
  - { type: mysql, host: 127.0.0.1, port: 26304, defaults-file: $cnf, name: garbage }
  - { type: mysql, host: 127.0.0.1, port: 26305, defaults-file: $cnf, name: reset }
  - { type: mysql, host: 127.0.0.1, port: 26306, defaults-file: $cnf, name: tiny }
  - { type: mysql, host: 127.0.0.1, port: 26399, defaults-file: $cnf, name: refused }
  - { type: mysql, host: 127.0.0.1, port: 26301, defaults-file: $cnf, name: smtp }
  - { type: mysql, host: 127.0.0.1, port: 26304, defaults-file: $broken, name: broken }
EOF
    chmod 644 "$CHECKS/db.yaml"
    local all="" f
    for f in text json brief nagios; do
        run --separate-stderr monit -v -f "$f" --prometheus "$BATS_TEST_TMPDIR/metrics.prom" "$CHECKS"
        [ "$status" -eq 1 ] || [ "$f" = nagios ]
        all+="$output$stderr$(cat "$BATS_TEST_TMPDIR/metrics.prom")"
    done
    run monit -l -v "$CHECKS"
    all+="$output"
    run monit -t "$CHECKS"
    all+="$output"
    all+=$(cat "$BATS_TEST_TMPDIR/state")
    output=$all
    assert_output_has "garbage: failed"
    assert_output_has "broken: failed"
    assert_output_has 'symbiosis_monit_probe_success{service="db",probe="garbage"} 0'
    assert_output_lacks "$SECRET"
    assert_output_lacks "q7Zk"
}

@test "lock and state links planted by another user in a world-writable directory: refused, targets untouched" {
    need_root
    public_dir
    echo precious >"$BATS_TEST_TMPDIR/target"
    as_nobody ln -s "$BATS_TEST_TMPDIR/target" "$pub/lock"
    as_nobody ln -s "$BATS_TEST_TMPDIR/target" "$pub/state"
    as_nobody ln -s "$BATS_TEST_TMPDIR/created-by-us" "$pub/dangling"
    run "$MONIT" --lock "$pub/lock" --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS"
    assert_status 2
    assert_output_has "lock file $pub/lock is a symbolic link; refusing to use it"
    run "$MONIT" --lock "$pub/dangling" --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS"
    assert_status 2
    [ ! -e "$BATS_TEST_TMPDIR/created-by-us" ]
    run "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$pub/state" -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS"
    assert_status 2
    assert_output_has "state file $pub/state is a symbolic link; refusing to use it"
    run "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$pub/dangling" -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS"
    assert_status 2
    [ ! -e "$BATS_TEST_TMPDIR/created-by-us" ]
    [ "$(cat "$BATS_TEST_TMPDIR/target")" = precious ]
    [ "$(stat -c %U "$BATS_TEST_TMPDIR/target")" = root ]
}

@test "a lock file planted by another user is refused: it could hold it forever" {
    need_root
    public_dir
    as_nobody sh -c "echo 1 >'$pub/lock'"
    run "$MONIT" --lock "$pub/lock" --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS"
    assert_status 2
    assert_output_has "lock file $pub/lock belongs to another user; refusing to use it"
    [ "$(cat "$pub/lock")" = 1 ]
    # A FIFO or a directory there is refused as well, without hanging.
    rm -f "$pub/lock"
    mkfifo "$pub/lock"
    run timeout 5 "$MONIT" --lock "$pub/lock" --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS"
    assert_status 2
    assert_output_has "is not a regular file"
}
