#!/usr/bin/env bats
# The foundation: definitions, the core probes against real servers on
# loopback (nginx, sshd, a TLS listener, unix sockets), parallel runs, the
# report, the lock, exit codes. Ports 20000-20999.

load "$TOP/tests/lib/common"
bats_require_minimum_version 1.5.0

setup_file() {
    export D="$BATS_FILE_TMPDIR"
    # nginx for http.
    mkdir -p "$D/www" "$D/nginx-tmp"
    echo "hello from nginx" >"$D/www/index.html"
    cat >"$D/nginx.conf" <<EOC
user root;
daemon off;
pid $D/nginx.pid;
error_log $D/nginx-error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $D/nginx-tmp/body;
    proxy_temp_path $D/nginx-tmp/proxy;
    fastcgi_temp_path $D/nginx-tmp/fastcgi;
    uwsgi_temp_path $D/nginx-tmp/uwsgi;
    scgi_temp_path $D/nginx-tmp/scgi;
    server {
        listen 127.0.0.1:20080;
        root $D/www;
        location /broken { return 503; }
        location /moved { return 301 /; }
    }
}
EOC
    bg nginx nginx -c "$D/nginx.conf" -p "$D" -e "$D/nginx-error.log"
    # A real sshd, for a tcp dialogue.
    mkdir -p /run/sshd
    ssh-keygen -q -t ed25519 -N '' -f "$D/hostkey"
    cat >"$D/sshd_config" <<EOC
Port 20022
ListenAddress 127.0.0.1
HostKey $D/hostkey
PidFile $D/sshd.pid
UsePAM no
EOC
    bg sshd /usr/sbin/sshd -D -e -f "$D/sshd_config"
    # Banner servers: right, wrong, silent, closing, TLS.
    make_cert "$D" good 365
    make_cert "$D" soon 2
    fake banner 20001 --banner "220 test.example ESMTP ready"
    fake banner 20002 --banner "554 go away"
    fake silent 20003
    fake close 20004
    fake banner 20005 --banner "220 tls ready" --tls "$D/good.crt" "$D/good.key"
    fake banner 20006 --banner "220 tls soon" --tls "$D/soon.crt" "$D/soon.key"
    fake reset 20007
    for p in $(seq 20010 20019); do fake silent "$p"; done
    bg unix "$PY" "$FAKESERVER" banner --unix "$D/banner.sock" --banner "OK unix ready"
    for p in 20080 20022 20001 20002 20003 20004 20005 20006 20007 20019; do wait_port "$p"; done
    wait_file "$D/banner.sock"
}

teardown_file() {
    stop_bg_all
}

setup() {
    setup_checks
}

@test "--help and --version exit 0; a bad option exits 2" {
    run "$MONIT" --help
    assert_status 0
    assert_output_has "Usage: symbiosis-monit [OPTIONS] [CHECKS_DIR]"
    assert_output_has "--check-config"
    run "$MONIT" --version
    assert_status 0
    [[ "$output" =~ ^symbiosis-monit\ [0-9]+\.[0-9]+ ]]
    run "$MONIT" --frobnicate
    assert_status 2
    assert_output_has "unknown option '--frobnicate'"
    run "$MONIT" --format yaml
    assert_status 2
    assert_output_has "unknown format 'yaml'"
    run "$MONIT" --deadline soon
    assert_status 2
}

@test "a missing or empty checks directory exits 2" {
    run monit "$BATS_TEST_TMPDIR/nope"
    assert_status 2
    assert_output_has "cannot read checks directory"
    touch "$CHECKS/README" "$CHECKS/old.yaml.dpkg-old" "$CHECKS/.hidden.yaml" "$CHECKS/Bad.yaml"
    run monit "$CHECKS"
    assert_status 2
    assert_output_has "no definitions"
}

@test "tcp: a right banner passes, a wrong one fails with what was seen" {
    def good <<'EOF'
probes:
  - { type: tcp, port: 20001, expect: '^220 ' }
EOF
    def wrong <<'EOF'
probes:
  - { type: tcp, host: 127.0.0.1, port: 20002, expect: '^220 ', timeout: 1s }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * good: PASSED"
    assert_output_has ' * wrong: FAILED: tcp 127.0.0.1:20002: banner "554 go away", expected "^220 " (no match within 1s)'
}

@test "tcp: refused, closed at once, reset, and a server that never answers" {
    def svc <<'EOF'
timeout: 1s
probes:
  - { type: tcp, port: 20999, name: refused }
  - { type: tcp, port: 20004, expect: '^220', name: closes }
  - { type: tcp, port: 20007, expect: '^220', name: resets }
  - { type: tcp, port: 20003, expect: '^220', name: silent }
EOF
    SECONDS=0
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "refused: connection refused"
    assert_output_has "closes: connection closed before the banner"
    [[ "$output" =~ resets:\ (connection\ closed\ before\ the\ banner|([a-z ]+: )?connection\ reset\ by\ peer) ]] || { echo "$output"; false; }
    assert_output_has "silent: timed out after 1s while waiting for the banner"
    [ "$SECONDS" -lt 5 ]
}

@test "tcp: a dialogue with a real sshd" {
    def ssh <<'EOF'
probes:
  - type: tcp
    port: 20022
    dialogue:
      - expect: '^SSH-2\.0-OpenSSH'
      - send: "SSH-2.0-symbiosis-monit-test\r\n"
EOF
    def notssh <<'EOF'
probes:
  - { type: tcp, port: 20022, expect: '^220 ', timeout: 1s, retries: 0 }
EOF
    run monit -v "$CHECKS"
    assert_output_has " * ssh: PASSED"
    assert_output_has "dialogue completed"
    assert_output_has ' * notssh: FAILED: tcp 127.0.0.1:20022: '
    assert_output_has 'SSH-2.0-OpenSSH'
}

@test "tcp with implicit TLS: handshake, banner, certificate expiry, plain server on a TLS port" {
    def tls <<'EOF'
probes:
  - { type: tcp, port: 20005, tls: implicit, expect: '^220 tls ready', cert-days: 30 }
EOF
    def soon <<'EOF'
probes:
  - { type: tcp, port: 20006, tls: implicit, cert-days: 30 }
EOF
    def soonwarn <<'EOF'
probes:
  - { type: tcp, port: 20006, tls: implicit, cert-warn-days: 30, expect: '^220' }
EOF
    def plain <<'EOF'
probes:
  - { type: tcp, port: 20001, tls: implicit, timeout: 2s, retries: 0 }
EOF
    def verify <<'EOF'
probes:
  - { type: tcp, port: 20005, tls: implicit, verify: true, retries: 0 }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * tls: PASSED"
    [[ "$output" =~ \*\ soon:\ FAILED:\ tcp\ 127.0.0.1:20006:\ certificate\ expires\ in\ [12]\ days? ]]
    [[ "$output" =~ \*\ soonwarn:\ PASSED\ \(warning:\ tcp\ 127.0.0.1:20006:\ certificate\ expires\ in\ [12]\ days?\) ]]
    assert_output_has " * plain: FAILED: tcp 127.0.0.1:20001: TLS handshake failed"
    assert_output_has " * verify: FAILED: tcp 127.0.0.1:20005: certificate verification failed"
}

@test "unix: a socket that answers, a missing one, a file that is no socket" {
    cat >"$CHECKS/u.yaml" <<EOF
probes:
  - { type: unix, path: $BATS_FILE_TMPDIR/banner.sock, expect: '^OK unix' }
  - { type: unix, path: $BATS_FILE_TMPDIR/missing.sock, retries: 0 }
  - { type: unix, path: /etc/passwd, retries: 0 }
EOF
    chmod 644 "$CHECKS/u.yaml"
    run monit -v "$CHECKS"
    assert_status 1
    assert_output_has "unix $BATS_FILE_TMPDIR/banner.sock: ok, dialogue completed"
    assert_output_has "unix $BATS_FILE_TMPDIR/missing.sock: no such file or directory"
    assert_output_has "unix /etc/passwd: connection refused"
}

@test "file: exists and is of its kind" {
    cat >"$CHECKS/f.yaml" <<EOF
probes:
  - { type: file, path: $BATS_FILE_TMPDIR/banner.sock, kind: socket }
  - { type: file, path: /etc, kind: dir }
  - { type: file, path: /etc/passwd, kind: socket, retries: 0 }
  - { type: file, path: /nonexistent/x, retries: 0 }
EOF
    chmod 644 "$CHECKS/f.yaml"
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "file /etc/passwd: is a regular file, expected a socket"
    assert_output_has "file /nonexistent/x: no such file or directory"
    assert_output_lacks "banner.sock: is"
    assert_output_lacks "file /etc:"
}

@test "pidfile and process: alive, dead, wrong program, no such process" {
    sleep 300 &
    local sleeper=$!
    echo "$sleeper" >"$BATS_TEST_TMPDIR/good.pid"
    echo 999999 >"$BATS_TEST_TMPDIR/dead.pid"
    echo "garbage" >"$BATS_TEST_TMPDIR/bad.pid"
    printf 'pidfile: %s\nprocess: sleep\n' "$BATS_TEST_TMPDIR/good.pid" | def alive
    printf 'pidfile: %s\n' "$BATS_TEST_TMPDIR/dead.pid" | def dead
    printf 'pidfile: %s\n' "$BATS_TEST_TMPDIR/bad.pid" | def garbage
    printf 'pidfile: %s\nprocess: nginx\n' "$BATS_TEST_TMPDIR/good.pid" | def wrongprog
    printf 'process: sshd\n' | def procok
    printf 'process: no-such-daemon-x\n' | def procmissing
    run monit "$CHECKS"
    kill "$sleeper"
    assert_status 1
    assert_output_has " * alive: PASSED"
    assert_output_has " * dead: FAILED: pidfile $BATS_TEST_TMPDIR/dead.pid: PID 999999 is not running"
    assert_output_has " * garbage: FAILED: pidfile $BATS_TEST_TMPDIR/bad.pid: does not hold a PID (\"garbage\\n\")"
    assert_output_has " * wrongprog: FAILED: pidfile $BATS_TEST_TMPDIR/good.pid: PID $sleeper is sleep, not nginx"
    assert_output_has " * procok: PASSED"
    assert_output_has " * procmissing: FAILED: process no-such-daemon-x: no such process is running"
}

@test "http against nginx: status, ranges, body, refused" {
    def web <<'EOF'
probes:
  - { type: http, url: "http://127.0.0.1:20080/", body: "hello from" }
  - { type: http, url: "http://127.0.0.1:20080/moved" }
  - { type: http, url: "http://127.0.0.1:20080/broken", status: [200, "500-599"], name: broken-ok }
EOF
    def bad <<'EOF'
probes:
  - { type: http, url: "http://127.0.0.1:20080/broken", retries: 0 }
  - { type: http, url: "http://127.0.0.1:20080/", body: "^goodbye", retries: 0 }
  - { type: http, url: "http://127.0.0.1:20998/", retries: 0 }
  - { type: http, url: "http://127.0.0.1:20003/", timeout: 1s }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * web: PASSED"
    assert_output_has "http://127.0.0.1:20080/broken: status 503, expected 200-399"
    assert_output_has 'http://127.0.0.1:20080/: status 200, but no body line matched "^goodbye"'
    assert_output_has "http://127.0.0.1:20998/: connection refused"
    assert_output_has "http://127.0.0.1:20003/: timed out after 1s"
}

@test "exec: exit status, first output line, no shell, killed with its group at the timeout" {
    local marker="symbiosis-test-$$-$RANDOM"
    cat >"$CHECKS/x.yaml" <<EOF
probes:
  - { type: exec, command: [/bin/echo, "all good"], name: good }
  - { type: exec, command: [/bin/sh, -c, "echo 'disk is full'; exit 2"], name: bad, retries: 0 }
  - { type: exec, command: [/bin/echo, "\$(touch $BATS_TEST_TMPDIR/pwned); x"], name: literal }
  - { type: exec, command: [/bin/bash, -c, "(exec -a $marker-child sleep 30) & exec -a $marker sleep 31"], name: hung, timeout: 1s }
  - { type: exec, command: [/nonexistent/plugin], name: missing, retries: 0 }
EOF
    chmod 644 "$CHECKS/x.yaml"
    run monit -v "$CHECKS"
    assert_status 1
    assert_output_has "good: ok, all good"
    assert_output_has "bad: disk is full"
    assert_output_has "literal: ok, \$(touch $BATS_TEST_TMPDIR/pwned); x"
    [ ! -e "$BATS_TEST_TMPDIR/pwned" ]
    assert_output_has "hung: timed out after 1s (killed with its process group)"
    assert_output_has "missing: cannot run /nonexistent/plugin: no such file or directory"
    sleep 0.3
    ! pgrep -f "$marker"
}

@test "a broken definition beside good ones: that service FAILED, the others checked" {
    def good <<'EOF'
probes:
  - { type: tcp, port: 20001 }
EOF
    def exim4 <<'EOF'
unit: exim4
probes:
  - type: tcp
    host: localhost
    prot: 25
EOF
    printf 'probes: [ { type: tcp, port: 20001 }\n' | def syntax
    def cyc1 <<'EOF'
depends-on: [cyc2]
EOF
    def cyc2 <<'EOF'
depends-on: cyc1
EOF
    printf 'name: good\n' | def zdup
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * good: PASSED"
    assert_output_has " * exim4: FAILED: exim4.yaml:5:5: unknown key 'prot', did you mean 'port'?"
    assert_output_has " * syntax: FAILED: syntax.yaml:2:1: YAML syntax error"
    assert_output_has " * cyc1: FAILED: cyc1.yaml:1:14: dependency cycle: cyc1 -> cyc2 -> cyc1"
    assert_output_has " * cyc2: FAILED: cyc2.yaml:1:13: dependency cycle: cyc1 -> cyc2 -> cyc1"
    assert_output_has " * zdup.yaml: FAILED: zdup.yaml:1:1: duplicate service name 'good' (already defined in good.yaml)"
    run monit --check-config "$CHECKS"
    assert_status 2
    assert_output_has "exim4.yaml:5:5: unknown key 'prot', did you mean 'port'?"
    assert_output_has "5 errors in $CHECKS"
    rm "$CHECKS"/{exim4,syntax,cyc1,cyc2,zdup}.yaml
    run monit --check-config "$CHECKS"
    assert_status 0
    assert_output_has "1 definition in $CHECKS: OK"
}

@test "insecure definitions, directory and settings are refused when root" {
    [ "$(id -u)" = 0 ] || skip "needs root: the insecure-file rules apply to root runs"
    def good <<'EOF'
probes:
  - { type: tcp, port: 20001 }
EOF
    def ww <<'EOF'
probes:
  - { type: exec, command: [/bin/true] }
EOF
    def gw <<'EOF'
probes: []
EOF
    def owned <<'EOF'
probes: []
EOF
    chmod o+w "$CHECKS/ww.yaml"
    chmod g+w "$CHECKS/gw.yaml"
    chown nobody "$CHECKS/owned.yaml"
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * good: PASSED"
    assert_output_has " * ww: FAILED: insecure: $CHECKS/ww.yaml is world-writable"
    assert_output_has " * gw: FAILED: insecure: $CHECKS/gw.yaml is group-writable"
    assert_output_has " * owned: FAILED: insecure: $CHECKS/owned.yaml is owned by uid $(id -u nobody), not root"
    rm "$CHECKS"/{ww,gw,owned}.yaml
    chmod o+w "$CHECKS"
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * good: FAILED: insecure: $CHECKS is world-writable"
    chmod o-w "$CHECKS"
    printf 'timeout: 1s\nskip-if-load-above: 0\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    chmod 666 "$BATS_TEST_TMPDIR/monit.yaml"
    run monit --force "$CHECKS" # insecure settings are not read: no load setting

    assert_status 1
    assert_output_has " * good: FAILED: insecure: $BATS_TEST_TMPDIR/monit.yaml is world-writable"
}

@test "the lock: a second run exits 75 naming the PID; a symlinked lock is refused" {
    def good <<'EOF'
probes:
  - { type: tcp, port: 20001 }
EOF
    local lock="$BATS_TEST_TMPDIR/lock"
    echo 4242 >"$lock"
    exec 9>>"$lock"
    flock -n 9
    run monit "$CHECKS"
    assert_status 75
    assert_output_has "another run (PID 4242) holds the lock $lock"
    run monit --quiet "$CHECKS"
    assert_status 75
    [ -z "$output" ]
    exec 9>&-
    run monit "$CHECKS"
    assert_status 0
    [ "$(cat "$lock")" != 4242 ]
    rm -f "$lock"
    echo precious >"$BATS_TEST_TMPDIR/target"
    ln -s "$BATS_TEST_TMPDIR/target" "$lock"
    run monit "$CHECKS"
    assert_status 2
    assert_output_has "is a symbolic link"
    [ "$(cat "$BATS_TEST_TMPDIR/target")" = precious ]
}

@test "a 'disabled' file skips the run with 75; --force runs anyway" {
    def good <<'EOF'
probes:
  - { type: tcp, port: 20001 }
EOF
    touch "$CHECKS/disabled"
    run monit "$CHECKS"
    assert_status 75
    assert_output_has "disabled by $CHECKS/disabled"
    run monit -q "$CHECKS"
    assert_status 75
    [ -z "$output" ]
    run monit --force "$CHECKS"
    assert_status 0
    assert_output_has " * good: PASSED"
}

@test "--service, --list, --format brief, --verbose, enabled: false" {
    def a <<'EOF'
probes:
  - { type: tcp, port: 20001 }
EOF
    def b <<'EOF'
probes:
  - { type: tcp, port: 20999, retries: 0 }
EOF
    def c <<'EOF'
enabled: false
probes:
  - { type: tcp, port: 20999 }
EOF
    run monit -s a "$CHECKS"
    assert_status 0
    assert_output_has " * a: PASSED"
    assert_output_lacks " * b:"
    run monit --service nope "$CHECKS"
    assert_status 2
    assert_output_has "no service named 'nope'"
    run monit "$CHECKS"
    assert_status 1
    assert_output_lacks " * c:"
    run monit -f brief "$CHECKS"
    assert_status 1
    [[ "$output" =~ ^Symbiosis\ [^\ ]+:\ 1\ of\ 2\ tests\ failed:\ b$ ]]
    run monit -f brief -s a "$CHECKS"
    [[ "$output" =~ ^Symbiosis\ [^\ ]+:\ all\ 1\ tests\ passed$ ]]
    run monit -l "$CHECKS"
    assert_status 0
    assert_output_has "c [disabled]"
    assert_output_has "  - tcp 127.0.0.1:20001 (tcp, timeout 5s)"
    run monit -v "$CHECKS"
    [[ "$output" =~ \ \ \ \ \ -\ tcp\ 127.0.0.1:20999:\ failed,\ connection\ refused\ \([0-9.]+m?s\) ]]
}

@test "the report: 72-column rules, FQDN, ISO 8601 times with offset, sorted" {
    def zz <<'EOF'
probes:
  - { type: tcp, port: 20001 }
EOF
    def aa <<'EOF'
probes:
  - { type: tcp, port: 20001 }
EOF
    run monit "$CHECKS"
    assert_status 0
    local first last
    first=$(printf '%s\n' "$output" | head -1)
    last=$(printf '%s\n' "$output" | tail -1)
    [ "${#first}" -eq 72 ]
    [ "${#last}" -eq 72 ]
    [ "$first" = "= Symbiosis service test report ========================================" ]
    [ "$last" = "= End of service test report ===========================================" ]
    local fqdn
    fqdn=$(hostname -f 2>/dev/null || hostname)
    assert_output_has " Tests conducted on $fqdn."
    [[ "$output" =~ Tests\ started\ at\ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}\. ]]
    [[ "$output" =~ Tests\ finished\ at\ [0-9-]{10}T[0-9:]{8}[+-][0-9]{2}:[0-9]{2}\. ]]
    [ "$(printf '%s\n' "$output" | grep -n '^ \* ' | cut -d: -f1 | tr '\n' ' ')" = "6 7 " ]
    [ "$(printf '%s\n' "$output" | grep '^ \* ' | head -1)" = " * aa: PASSED" ]
    TZ=Asia/Kolkata run monit "$CHECKS"
    assert_output_has "+05:30."
}

@test "probes run in parallel: ten servers that never answer cost one timeout" {
    for p in $(seq 20010 20019); do
        printf 'probes:\n  - { type: tcp, port: %s, expect: "^220", timeout: 2s }\n' "$p" | def "hung$p"
    done
    SECONDS=0
    run monit "$CHECKS"
    local took=$SECONDS
    assert_status 1
    [ "$(printf '%s\n' "$output" | grep -c 'timed out after 2s while waiting for the banner')" -eq 10 ]
    # Sequential would take 20 s; parallel about 2 (bench/ measures it precisely).
    [ "$took" -lt 8 ]
}

@test "--deadline bounds the whole run; cut probes say so" {
    def slow <<'EOF'
timeout: 30s
probes:
  - { type: tcp, port: 20010, expect: "^220", name: p1 }
  - { type: tcp, port: 20011, expect: "^220", name: p2 }
EOF
    SECONDS=0
    run monit --deadline 1s "$CHECKS"
    assert_status 1
    [ "$SECONDS" -lt 5 ]
    assert_output_has "p1: run deadline reached"
    assert_output_has "p2: run deadline reached"
    assert_output_has "= End of service test report"
}

@test "settings file: defaults for probes; a broken one is reported and defaults used" {
    def a <<'EOF'
probes:
  - { type: tcp, port: 20010, expect: "^220" }
EOF
    printf 'timeout: 1s\nretries: 0\nparallel: 2\nskip-if-load-above: 0\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    SECONDS=0
    run monit "$CHECKS"
    assert_output_has "timed out after 1s"
    [ "$SECONDS" -lt 4 ]
    printf 'timeout: 1s\nparalel: 2\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    run monit --force -s a --deadline 2s "$CHECKS"
    assert_output_has "monit.yaml:2:1: unknown key 'paralel', did you mean 'parallel'? (using defaults)"
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "unknown key 'paralel'"
}

@test "retries: a failed probe is tried again, a timed-out one is not" {
    def r <<'EOF'
timeout: 1s
probes:
  - { type: tcp, port: 20999, name: refused, retries: 2 }
  - { type: tcp, port: 20010, expect: "^220", name: hung, retries: 2 }
EOF
    run monit -v "$CHECKS"
    assert_output_has "refused: failed, connection refused"
    assert_output_has "3 attempts"
    [[ "$output" =~ hung:\ failed,\ timed\ out\ after\ 1s\ while\ waiting\ for\ the\ banner\ \([0-9.]+m?s\) ]]
}

@test "a progress line on a terminal, erased before the report" {
    command -v script >/dev/null || skip "script(1) from bsdutils is needed to give the run a terminal"
    def slow <<'EOF'
probes:
  - { type: tcp, port: 20010, expect: "^220", timeout: 2s }
EOF
    def fast <<'EOF'
probes:
  - { type: tcp, port: 20001 }
EOF
    echo "skip-if-load-above: 0" >"$BATS_TEST_TMPDIR/monit.yaml"
    run script -qec "$MONIT --lock $BATS_TEST_TMPDIR/lock --state $BATS_TEST_TMPDIR/state -C $BATS_TEST_TMPDIR/monit.yaml $CHECKS" /dev/null
    assert_output_has "symbiosis-monit: 1 of 2 services done"
    assert_output_has $'\r\033[K= Symbiosis service test report'
    # Not on a pipe.
    run monit "$CHECKS"
    assert_output_lacks "services done"
}

@test "valgrind: a mixed run is clean (no errors, no leaks)" {
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    cat >"$CHECKS/mix.yaml" <<EOF
pidfile: $BATS_FILE_TMPDIR/sshd.pid
process: sshd
probes:
  - { type: tcp, port: 20001, expect: '^220' }
  - { type: tcp, port: 20999, retries: 0 }
  - { type: tcp, port: 20005, tls: implicit, cert-warn-days: 1000 }
  - { type: http, url: "http://127.0.0.1:20080/", body: hello }
  - { type: unix, path: $BATS_FILE_TMPDIR/banner.sock, expect: '^OK' }
  - { type: exec, command: [/bin/echo, hi] }
  - { type: file, path: /etc/passwd }
EOF
    chmod 644 "$CHECKS/mix.yaml"
    printf 'prot: 1\n' | def broken
    run monit_valgrind -v "$CHECKS"
    assert_status 1
    assert_output_has "tcp 127.0.0.1:20001: ok"
    assert_output_has "certificate expires in"
    run monit_valgrind --check-config "$CHECKS"
    assert_status 2
}

# For the resolver tests: one definition, and a resolv.conf and nsswitch.conf
# that send host lookups to 127.0.0.1:53 (to bind over /etc's in a private
# mount and network namespace).
private_resolver_files() {
    command -v unshare >/dev/null || skip "unshare(1) is needed for a private network and /etc/resolv.conf"
    def a <<'EOF'
probes:
  - { type: exec, command: [/bin/true] }
EOF
    echo "nameserver 127.0.0.1" >"$BATS_TEST_TMPDIR/resolv.conf"
    printf 'hosts: files dns\n' >"$BATS_TEST_TMPDIR/nsswitch.conf"
    echo "skip-if-load-above: 0" >"$BATS_TEST_TMPDIR/monit.yaml"
}

@test "a resolver that never answers delays the report by a second at most, never the deadline" {
    private_resolver_files
    # A private network where 127.0.0.1:53 swallows queries; a host name that
    # /etc/hosts does not know, so the lookup of its full name goes to DNS.
    SECONDS=0
    run unshare --net --mount --uts sh -c '
        ip link set lo up
        hostname hang-test-host
        mount --bind "$1/resolv.conf" /etc/resolv.conf
        mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf
        /usr/bin/python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((\"127.0.0.1\", 53))
time.sleep(60)" &
        sleep 0.3
        "$2" --lock "$1/lock" --state "$1/state" -C "$1/monit.yaml" "$3"
        rc=$?
        kill $!
        exit $rc' sh "$BATS_TEST_TMPDIR" "$MONIT" "$CHECKS"
    assert_status 0
    assert_output_has " Tests conducted on hang-test-host."
    assert_output_has " * a: PASSED"
    [ "$SECONDS" -lt 5 ]
}

@test "--quiet: the host's full name is looked up only for a report that is shown" {
    private_resolver_files
    # As above, a DNS server that never answers, and that counts the queries
    # it gets: a first --quiet run is news (a report, so a lookup); a second
    # one has nothing to say, and must not ask.
    cat >"$BATS_TEST_TMPDIR/dns.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
s.settimeout(60)
while True:
    s.recvfrom(512)
    with open(sys.argv[1], "a") as f:
        f.write("query\n")
EOF
    run unshare --net --mount --uts sh -c '
        ip link set lo up
        hostname quiet-test-host
        mount --bind "$1/resolv.conf" /etc/resolv.conf
        mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf
        /usr/bin/python3 "$1/dns.py" "$1/queries" &
        sleep 0.3
        "$2" -q --lock "$1/lock" --state "$1/state" -C "$1/monit.yaml" "$3"
        echo "first: $? $(cat "$1/queries" 2>/dev/null | wc -l) queries"
        rm -f "$1/queries"
        "$2" -q --lock "$1/lock" --state "$1/state" -C "$1/monit.yaml" "$3"
        echo "second: $? $(cat "$1/queries" 2>/dev/null | wc -l) queries"
        kill $!' sh "$BATS_TEST_TMPDIR" "$MONIT" "$CHECKS"
    assert_output_has " Tests conducted on quiet-test-host."
    assert_output_has " * a: PASSED"
    [[ "$output" =~ "first: 0 "[1-9] ]] # it asked
    assert_output_has "second: 0 0 queries"
    [ "$(grep -c "Tests conducted" <<<"$output")" = 1 ]
}

@test "libcurl, the MariaDB client and libsystemd are loaded only by a run that uses them" {
    def banner <<'EOF2'
probes:
  - { type: tcp, port: 20001, expect: "^220 " }
EOF2
    # LD_DEBUG=libs makes the dynamic loader name every library it loads
    # (an assignment before a function call reaches the commands it runs).
    LD_DEBUG=libs run --separate-stderr monit "$CHECKS"
    assert_status 0
    assert_output_has " * banner: PASSED"
    grep -q "calling init: .*libyaml" <<<"$stderr" # the loader does report
    [ "$(grep -cE "libcurl|libmariadb|libsystemd" <<<"$stderr")" = 0 ]
    def web <<'EOF2'
probes:
  - { type: http, url: "http://127.0.0.1:20080/", body: "hello from nginx" }
EOF2
    LD_DEBUG=libs run --separate-stderr monit "$CHECKS"
    assert_status 0
    assert_output_has " * web: PASSED"
    grep -q "calling init: .*libcurl" <<<"$stderr"
    [ "$(grep -cE "libmariadb|libsystemd" <<<"$stderr")" = 0 ]
}

@test "a libcurl that cannot be loaded: the probes that need it fail and say why, the others run" {
    # A broken libcurl.so.4 first on the library path.
    mkdir "$BATS_TEST_TMPDIR/lib"
    echo "not a library" >"$BATS_TEST_TMPDIR/lib/libcurl.so.4"
    def banner <<'EOF2'
probes:
  - { type: tcp, port: 20001, expect: "^220 " }
EOF2
    def web <<'EOF2'
probes:
  - { type: http, url: "http://127.0.0.1:20080/" }
EOF2
    LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/lib" run --separate-stderr monit "$CHECKS"
    assert_status 1
    assert_output_has " * banner: PASSED"
    assert_output_has " * web: FAILED: http://127.0.0.1:20080/: cannot initialise libcurl: cannot load libcurl.so.4: "
    grep -q "symbiosis-monit: cannot load libcurl.so.4: .*libcurl.so.4" <<<"$stderr"
    [ "$(grep -c "cannot load libcurl" <<<"$stderr")" = 1 ] # said once
}

@test "a run that saw nothing new leaves the state file as it was; a change replaces it" {
    def banner <<'EOF2'
probes:
  - { type: tcp, port: 20001, expect: "^220 " }
EOF2
    run monit -q "$CHECKS"
    assert_status 0
    local first; first=$(stat -c %i "$BATS_TEST_TMPDIR/state")
    run monit -q "$CHECKS"
    assert_status 0
    [ "$(stat -c %i "$BATS_TEST_TMPDIR/state")" = "$first" ] # not replaced
    def banner <<'EOF2'
probes:
  - { type: tcp, port: 20002, expect: "^220 ", retries: 0 }
EOF2
    run monit -q "$CHECKS"
    assert_status 1
    [ "$(stat -c %i "$BATS_TEST_TMPDIR/state")" != "$first" ] # replaced: FAILED since now
    grep -q "service=banner status=FAILED" "$BATS_TEST_TMPDIR/state"
}

@test "a MariaDB client or libsystemd that cannot be loaded fails only what needs it, with the reason" {
    mkdir "$BATS_TEST_TMPDIR/lib"
    echo "not a library" >"$BATS_TEST_TMPDIR/lib/libmariadb.so.3"
    echo "not a library" >"$BATS_TEST_TMPDIR/lib/libsystemd.so.0"
    def banner <<'EOF2'
probes:
  - { type: tcp, port: 20001, expect: "^220 " }
EOF2
    def db <<'EOF2'
probes:
  - { type: mysql, socket: /nonexistent/mysqld.sock }
EOF2
    def units <<'EOF2'
probes:
  - { type: systemd, failed-units: true }
EOF2
    # A system bus to talk to: a socket that is there (the probe must get as
    # far as loading libsystemd to find it cannot).
    mkdir -p "$BATS_TEST_TMPDIR/bus"
    "$PY" -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(30)' \
        "$BATS_TEST_TMPDIR/bus/socket" &
    local bus=$!
    wait_file "$BATS_TEST_TMPDIR/bus/socket"
    LD_LIBRARY_PATH="$BATS_TEST_TMPDIR/lib" DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BATS_TEST_TMPDIR/bus/socket" \
        run --separate-stderr monit "$CHECKS"
    kill "$bus"
    assert_status 1
    assert_output_has " * banner: PASSED"
    assert_output_has " * db: FAILED: mysql /nonexistent/mysqld.sock: cannot initialise the MariaDB client library: cannot load libmariadb.so.3: "
    assert_output_has " * units: FAILED: systemd failed-units: cannot connect to the system bus: cannot load libsystemd.so.0: "
    grep -q "symbiosis-monit: cannot load libmariadb.so.3: " <<<"$stderr"
    grep -q "symbiosis-monit: cannot load libsystemd.so.0: " <<<"$stderr"
}
