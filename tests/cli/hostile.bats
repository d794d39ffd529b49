#!/usr/bin/env bats
# Hostile and broken servers never hang a run and never blow its memory: an
# endless line, a 10 MB banner, one byte a second, binary garbage, a reset
# after accept, a half-closed connection, TLS garbage on a TLS port, a server
# that never reads, and one that takes a thousand connections and never
# answers. Each scenario costs at most its probes' timeout, and the peak RSS
# (/usr/bin/time -f %M, the plain build: ASan's shadow memory would swamp
# the measure) stays under 64 MB. These behaviours cannot be had from a
# real server on demand: tests/lib/fakeserver.py plays them. Ports 26000-26099.

load "$TOP/tests/lib/common"

RSS_MAX_KB=65536

setup_file() {
    fake endless 26001
    fake big 26002
    fake slow 26003 --banner "220 slowly but surely"
    fake garbage 26004
    fake reset 26005
    fake halfclose 26006 --banner "220 half a gree"
    fake tlsgarbage 26007
    fake silent 26008
    fake noread 26009 --banner "220 not listening"
    fake close 26010
    # A MariaDB error packet whose message carries terminal escape sequences.
    fake banner 26011 --banner ',\x00\x00\x00\xffi\x04Host is blocked \x1b[2J\x1b[31mESCAPED\x07 go away'
    for p in 26001 26002 26003 26004 26005 26006 26007 26008 26009 26010 26011; do wait_port "$p"; done
}

teardown_file() {
    stop_bg_all
}

setup() {
    setup_checks
    echo "skip-if-load-above: 0" >"$BATS_TEST_TMPDIR/monit.yaml"
}

# measured ARGS...: the plain build under /usr/bin/time; sets status, output,
# RSS_KB and ELAPSED (seconds, decimal).
measured() {
    run /usr/bin/time -f '%M %e' -o "$BATS_TEST_TMPDIR/time" "$MONIT_PLAIN" --lock "$BATS_TEST_TMPDIR/lock" \
        --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" "$@"
    read -r RSS_KB ELAPSED < <(tail -1 "$BATS_TEST_TMPDIR/time")
    echo "peak RSS ${RSS_KB} KB, ${ELAPSED}s" >&3
}

# within SECONDS: the measured run took at most that long.
within() {
    awk -v e="$ELAPSED" -v m="$1" 'BEGIN { exit !(e <= m) }' || {
        echo "took ${ELAPSED}s, more than $1s" >&2
        printf '%s\n' "$output" >&2
        return 1
    }
}

bounded_memory() {
    [ "$RSS_KB" -lt "$RSS_MAX_KB" ] || {
        echo "peak RSS ${RSS_KB} KB, over ${RSS_MAX_KB} KB" >&2
        return 1
    }
}

# No control character but newline in the report: what a server sent is
# escaped before it is shown.
printable_report() {
    if printf '%s' "$output" | tr -d '\n' | LC_ALL=C grep -q '[[:cntrl:]]'; then
        echo "control characters in the report:" >&2
        printf '%s\n' "$output" | cat -A | head -20 >&2
        return 1
    fi
}

@test "an endless line without a newline: stops at 64 KiB, at once" {
    def endless <<'EOF'
timeout: 3s
retries: 0
probes:
  - { type: tcp, port: 26001, expect: '^220 ', name: tcp }
  - { type: smtp, port: 26001, name: smtp }
  - { type: ssh, port: 26001, name: ssh }
  - { type: zookeeper, port: 26001, name: zk }
  - { type: http, url: "http://127.0.0.1:26001/", name: http }
EOF
    measured -v "$CHECKS"
    assert_status 1
    assert_output_has 'tcp: failed, no match for "^220 " in the first 64 KiB'
    # A reply line is judged on its first 4 KiB: not a 220.
    assert_output_has 'smtp: failed, greeting "AAAAAAAA'
    assert_output_has '...", expected 220'
    assert_output_has "tcp: failed, no match"
    assert_output_has "ssh: failed, no SSH identification in the first 64 KiB"
    assert_output_has "zk: failed, no Mode: line in the first 64 KiB"
    assert_output_lacks "http: ok"
    within 3.5
    bounded_memory
    printable_report
}

@test "a 10 MB banner line: matched on its first 4 KiB, memory bounded" {
    def big <<'EOF'
timeout: 3s
retries: 0
probes:
  - { type: tcp, port: 26002, expect: '^B{4096}$', name: whole-4k }
  - { type: tcp, port: 26002, expect: '^220 ', name: tcp }
  - { type: imap, port: 26002, name: imap }
  - { type: http, url: "http://127.0.0.1:26002/", name: http }
EOF
    measured -v "$CHECKS"
    assert_status 1
    assert_output_has "whole-4k: ok"
    assert_output_has 'tcp: failed, no match for "^220 " in the first 64 KiB'
    assert_output_has 'imap: failed, greeting "BBBBBBBB'
    assert_output_has '...", expected "* OK"'
    assert_output_lacks "http: ok"
    within 3.5
    bounded_memory
    printable_report
}

@test "one byte a second: the probe's timeout ends it" {
    def slow <<'EOF'
timeout: 2s
retries: 1
probes:
  - { type: tcp, port: 26003, expect: '^220 slowly', name: tcp }
  - { type: smtp, port: 26003, name: smtp }
  - { type: pop3, port: 26003, name: pop3 }
EOF
    measured -v "$CHECKS"
    assert_status 1
    assert_output_has "tcp: failed, timed out after 2s while waiting for the banner"
    assert_output_has "smtp: failed, timed out after 2s while waiting for the greeting"
    assert_output_has "pop3: failed, timed out after 2s while waiting for the greeting"
    within 3.5
    bounded_memory
}

@test "binary garbage: one printable line says what came" {
    def garbage <<'EOF'
timeout: 2s
retries: 0
probes:
  - { type: tcp, port: 26004, expect: '^220 ', name: tcp }
  - { type: smtp, port: 26004, name: smtp }
  - { type: imap, port: 26004, name: imap }
  - { type: sieve, port: 26004, name: sieve }
  - { type: ftp, port: 26004, name: ftp }
  - { type: ssh, port: 26004, name: ssh }
  - { type: xmpp, port: 26004, name: xmpp }
  - { type: pgsql, port: 26004, name: pgsql }
  - { type: zookeeper, port: 26004, name: zk }
  - { type: spamd, port: 26004, name: spamd }
  - { type: mysql, port: 26004, host: 127.0.0.1, name: mysql, defaults-file: /nonexistent/my.cnf }
  - { type: http, url: "http://127.0.0.1:26004/", name: http }
  - { type: ldap, url: "ldap://127.0.0.1:26004/", name: ldap }
EOF
    measured -v "$CHECKS"
    assert_status 1
    # Every probe failed, none passed.
    [ "$(printf '%s\n' "$output" | grep -cE '^     - [a-z]+: failed')" -eq 13 ] || { echo "$output"; false; }
    within 3.5
    bounded_memory
    printable_report
}

@test "a reset right after accept, and a close: failures, not hangs" {
    def reset <<'EOF'
timeout: 2s
retries: 0
probes:
  - { type: tcp, port: 26005, expect: '^220', name: tcp }
  - { type: smtp, port: 26005, name: smtp }
  - { type: smtp, port: 26005, tls: implicit, name: smtps }
  - { type: http, url: "http://127.0.0.1:26005/", name: http }
  - { type: mysql, port: 26005, host: 127.0.0.1, name: mysql, defaults-file: /nonexistent/my.cnf }
  - { type: pgsql, port: 26005, name: pgsql }
  - { type: tcp, port: 26010, expect: '^220', name: closed }
  - { type: dns, name: svc.test, server: "127.0.0.1:26099" }
EOF
    measured -v "$CHECKS"
    assert_status 1
    [ "$(printf '%s\n' "$output" | grep -cE '^     - .*: failed')" -eq 8 ] || { echo "$output"; false; }
    assert_output_has "closed: failed, connection closed before the banner"
    assert_output_lacks "timed out"
    within 3
    bounded_memory
}

@test "a half-closed connection: what came is judged at the end of the stream" {
    def half <<'EOF'
timeout: 2s
retries: 0
probes:
  - { type: tcp, port: 26006, expect: '^220 half', name: tcp }
  - { type: smtp, port: 26006, name: smtp }
  - { type: ssh, port: 26006, name: ssh }
EOF
    measured -v "$CHECKS"
    assert_status 1
    assert_output_has "tcp: ok"
    assert_output_has "smtp: failed, connection closed during EHLO"
    assert_output_has 'ssh: failed, banner "220 half a gree", expected SSH-2.0-'
    within 2.5
    bounded_memory
}

@test "TLS garbage on a TLS port: the handshake fails within the timeout" {
    def tls <<'EOF'
timeout: 2s
retries: 0
probes:
  - { type: tcp, port: 26007, tls: implicit, name: tcp }
  - { type: smtp, port: 26007, tls: implicit, name: smtps }
  - { type: imap, port: 26007, tls: implicit, name: imaps }
  - { type: http, url: "https://127.0.0.1:26007/", name: https }
  - { type: ldap, url: "ldaps://127.0.0.1:26007/", name: ldaps }
EOF
    measured -v "$CHECKS"
    assert_status 1
    [ "$(printf '%s\n' "$output" | grep -cE '^     - [a-z]+: failed')" -eq 5 ] || { echo "$output"; false; }
    assert_output_has "tcp: failed, TLS handshake failed"
    within 3
    bounded_memory
    printable_report
}

@test "a server that never reads: a large send is cut at the timeout" {
    # 8 MB to send (one 128 KiB string, repeated by YAML aliases): more than
    # the socket buffers on both sides hold, so the write itself blocks.
    /usr/bin/python3 -c '
import sys
w = sys.stdout.write
w("timeout: 2s\nretries: 0\nprobes:\n  - type: tcp\n    port: 26009\n    dialogue:\n")
w("      - expect: \"^220 \"\n      - send: &big \"" + "x" * (128 * 1024) + "\"\n")
w("      - send: *big\n" * 63)
w("      - expect: \"^250\"\n")
' | def noread
    measured -v "$CHECKS"
    assert_status 1
    assert_output_has "failed, timed out after 2s while sending"
    within 3
    bounded_memory
}

@test "a thousand connections to a server that never answers: one timeout, bounded memory" {
    [ "$(ulimit -n)" -ge 1100 ] || skip "needs 1100 file descriptors, ulimit -n is $(ulimit -n)"
    printf 'skip-if-load-above: 0\nparallel: 250\ntimeout: 1s\nretries: 0\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    local s p
    for s in $(seq 1 10); do
        {
            echo "probes:"
            for p in $(seq 1 100); do echo "  - { type: tcp, port: 26008, expect: '^220', name: p$p }"; done
        } | def "hung$s"
    done
    measured "$CHECKS"
    assert_status 1
    [ "$(printf '%s\n' "$output" | grep -c ': FAILED: ')" -eq 10 ]
    # 1000 probes, 250 at a time, 1 s each: about 4 s.
    within 8
    bounded_memory
}

@test "every hostile server at once under ASan/UBSan and valgrind: clean" {
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    def all <<'EOF'
timeout: 2s
retries: 0
probes:
  - { type: tcp, port: 26001, expect: '^220 ' }
  - { type: smtp, port: 26002 }
  - { type: tcp, port: 26003, expect: '^220 ' }
  - { type: imap, port: 26004 }
  - { type: pgsql, port: 26004 }
  - { type: xmpp, port: 26004 }
  - { type: smtp, port: 26005 }
  - { type: smtp, port: 26006 }
  - { type: tcp, port: 26007, tls: implicit }
  - { type: http, url: "https://127.0.0.1:26007/" }
  - { type: tcp, port: 26008, expect: '^220' }
EOF
    run monit -v "$CHECKS"
    assert_status 1
    [ "$(printf '%s\n' "$output" | grep -cE '^     - .*: failed')" -eq 11 ] || { echo "$output"; false; }
    run monit_valgrind -v "$CHECKS"
    assert_status 1
    [ "$(printf '%s\n' "$output" | grep -cE '^     - .*: failed')" -eq 11 ] || { echo "$output"; false; }
}

@test "a FIFO planted as a pidfile or a definition: refused at once, no hang" {
    mkfifo "$BATS_TEST_TMPDIR/daemon.pid"
    printf 'pidfile: %s\n' "$BATS_TEST_TMPDIR/daemon.pid" | def planted
    mkfifo "$CHECKS/fifo.yaml"
    measured "$CHECKS"
    assert_status 1
    assert_output_has " * planted: FAILED: pidfile $BATS_TEST_TMPDIR/daemon.pid: cannot read: invalid argument"
    assert_output_has " * fifo: FAILED: fifo.yaml:1:1: cannot read"
    within 2
}

@test "a low file-descriptor limit and a large parallel: probes wait their turn, none fails for want of descriptors" {
    # Cron starts jobs with 1024 descriptors; 128 here with parallel 250
    # and 200 probes: without a cap, dozens failed at once ("cannot resolve
    # localhost: System error", that is EMFILE).
    printf 'skip-if-load-above: 0\nparallel: 250\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    {
        echo "probes:"
        for p in $(seq 1 200); do echo "  - { type: tcp, port: 26008, expect: '^220', name: p$p, timeout: 300ms }"; done
    } | def many
    run bash -c 'ulimit -Sn 128 -Hn 128 && exec "$@"' sh "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" \
        --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" -v "$CHECKS"
    assert_status 1
    [ "$(printf '%s\n' "$output" | grep -c 'failed, timed out after 300ms while waiting for the banner')" -eq 200 ] ||
        { printf '%s\n' "$output" | grep -v 'timed out' | head; false; }
}

@test "a server's error text with terminal escape sequences: shown escaped, never sent to the terminal" {
    printf '[client]\nuser = monitor\npassword = x\n' >"$BATS_TEST_TMPDIR/my.cnf"
    chmod 600 "$BATS_TEST_TMPDIR/my.cnf"
    printf 'probes:\n  - { type: mysql, host: 127.0.0.1, port: 26011, defaults-file: %s, retries: 0 }\n' \
        "$BATS_TEST_TMPDIR/my.cnf" | def db
    run monit "$CHECKS"
    assert_status 1
    assert_output_has ' * db: FAILED: mysql 127.0.0.1:26011: host is blocked \x1b[2J\x1b[31mESCAPED\x07 go away'
    printable_report
}
