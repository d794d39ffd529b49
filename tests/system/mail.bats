#!/usr/bin/env bats
# tests/system/mail.bats: the smtp, lmtp, imap, pop3 and sieve probes against
# real Exim 4 and Dovecot on loopback (plain, implicit TLS, STARTTLS), and
# against fakeserver.py for what real servers will not do on demand: a wrong
# greeting, hanging up mid-dialogue, stalling after the greeting.
# Ports 21000-21499.

load "$TOP/tests/lib/common"

# Exim: 21025 plain (STARTTLS offered), 21465 implicit TLS, 21026 no STARTTLS.
# Dovecot: 21143 imap, 21993 imaps, 21110 pop3, 21995 pop3s, 21419 sieve, 21024 lmtp.
# Fakes: 212xx. Nothing listens on 21299.

start_exim() {
    mkdir -p "$D/exim/spool" "$D/exim/log"
    chown -R Debian-exim "$D/exim"
    cat >"$D/exim.conf" <<EOF
primary_hostname = mail.test
exim_user = Debian-exim
exim_group = Debian-exim
spool_directory = $D/exim/spool
log_file_path = $D/exim/log/%slog
pid_file_path = $D/exim/exim.pid
local_interfaces = 127.0.0.1
daemon_smtp_ports = 21025 : 21465 : 21026
tls_on_connect_ports = 21465
tls_certificate = $D/cert.crt
tls_privatekey = $D/cert.key
tls_advertise_hosts = \${if eq{\$received_port}{21026}{}{*}}
rfc1413_query_timeout = 0s
EOF
    bg exim /usr/sbin/exim4 -C "$D/exim.conf" -bdf
}

start_dovecot() {
    mkdir -p "$D/dovecot/run" "$D/dovecot/state" "$D/dovecot/home"
    cat >"$D/dovecot.conf" <<EOF
base_dir = $D/dovecot/run
state_dir = $D/dovecot/state
log_path = $D/dovecot/dovecot.log
protocols = imap pop3 sieve lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <$D/cert.crt
ssl_key = <$D/cert.key
mail_location = maildir:$D/dovecot/home/%u/Maildir
passdb {
  driver = static
  args = password=not-used
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$D/dovecot/home/%u
}
service imap-login {
  inet_listener imap {
    port = 21143
  }
  inet_listener imaps {
    port = 21993
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 21110
  }
  inet_listener pop3s {
    port = 21995
    ssl = yes
  }
}
service managesieve-login {
  inet_listener sieve {
    port = 21419
  }
}
service lmtp {
  inet_listener lmtp {
    port = 21024
  }
}
EOF
    bg dovecot /usr/sbin/dovecot -F -c "$D/dovecot.conf"
}

setup_file() {
    # Dovecot's unprivileged login processes must reach base_dir: not under
    # the bats temporary directory (mode 700).
    export D
    D=$(mktemp -d /tmp/monit-mail.XXXXXX)
    chmod 755 "$D"
    make_cert "$D" cert 30
    chmod 644 "$D/cert.key"
    start_exim
    start_dovecot
    fake banner 21201 --banner "554 go away"
    fake banner 21202 --banner "* BYE server shutting down"
    fake banner 21203 --banner "-ERR not now"
    fake banner 21204 --banner 'BYE "too many connections"'
    fake hangup 21205 --banner "220 fake ready"
    fake hangup 21206 --banner "* OK fake ready"
    fake hangup 21207 --banner "+OK fake ready"
    fake mute 21208 --banner "220 fake ready"
    fake mute 21209 --banner "* OK fake ready"
    fake mute 21210 --banner '"STARTTLS"\r\nOK "fake ready"'
    fake silent 21211
    fake close 21212
    fake big 21214
    # A greeting of 5000 continuation lines (73 KiB) before its last line.
    fake banner 21215 --banner "$(printf '220-continued\\r\\n%.0s' $(seq 5000))220 end"
    # Pipelined replies: a STARTTLS go-ahead with plain text queued behind it.
    fake banner 21213 --banner '220 fake\r\n250-fake\r\n250 STARTTLS\r\n220 go ahead\r\n250 injected'
    local p
    for p in 21025 21465 21026 21143 21993 21110 21995 21419 21024 $(seq 21201 21215); do
        wait_port "$p" || return 1
    done
}

teardown_file() {
    stop_bg_all
    rm -rf "$D"
}

setup() {
    setup_checks
    # Parallel suites load the machine: never skip a run for load here.
    echo "skip-if-load-above: 0" >"$BATS_TEST_TMPDIR/monit.yaml"
}

@test "smtp passes against Exim: plain, implicit TLS, STARTTLS (multi-line EHLO)" {
    def exim4 <<'EOF'
probes:
  - { type: smtp, port: 21025 }
  - { type: smtp, port: 21465, tls: implicit }
  - { type: smtp, port: 21025, tls: starttls, name: submission }
EOF
    run monit -v "$CHECKS"
    assert_status 0
    assert_output_has " * exim4: PASSED"
    assert_output_has "smtp 127.0.0.1:21025: ok, 220 mail.test ESMTP Exim 4"
    assert_output_has "smtp 127.0.0.1:21465: ok, 220 mail.test ESMTP Exim"
    assert_output_has "(TLS)"
    assert_output_has "(STARTTLS)"
}

@test "imap, pop3, sieve and lmtp pass against Dovecot, plain and TLS" {
    def dovecot <<'EOF'
probes:
  - { type: imap, port: 21143 }
  - { type: imap, port: 21143, tls: starttls, name: imap-starttls }
  - { type: imap, port: 21993, tls: implicit }
  - { type: pop3, port: 21110 }
  - { type: pop3, port: 21110, tls: starttls, name: pop3-stls }
  - { type: pop3, port: 21995, tls: implicit }
  - { type: sieve, port: 21419 }
  - { type: sieve, port: 21419, tls: starttls, name: sieve-starttls }
  - { type: lmtp, port: 21024 }
  - { type: lmtp, port: 21024, tls: starttls, name: lmtp-starttls }
EOF
    run monit -v "$CHECKS"
    assert_status 0
    assert_output_has " * dovecot: PASSED"
    assert_output_has "imap-starttls: ok, * OK [CAPABILITY"
    assert_output_has "Dovecot (Debian) ready. (STARTTLS)"
    assert_output_has "pop3 127.0.0.1:21995: ok, +OK Dovecot (Debian) ready. (TLS)"
    assert_output_has "sieve-starttls: ok, OK"
    assert_output_has "lmtp-starttls: ok, 220 "
    [ "$(printf '%s\n' "$output" | grep -c ': ok, ')" -eq 10 ]
}

@test "smtp STARTTLS that the server does not offer fails" {
    def exim4 <<'EOF'
probes:
  - { type: smtp, port: 21026, tls: starttls }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * exim4: FAILED: smtp 127.0.0.1:21026: STARTTLS not offered"
}

@test "lmtp against an SMTP server fails on LHLO" {
    def exim4 <<'EOF'
probes:
  - { type: lmtp, port: 21025 }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has 'lmtp 127.0.0.1:21025: LHLO answered "500 unrecognized command"'
}

@test "a protocol's probe against another protocol's port fails on the greeting" {
    def dovecot <<'EOF'
probes:
  - { type: pop3, port: 21143 }
  - { type: sieve, port: 21110 }
  - { type: smtp, port: 21419 }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has 'pop3 127.0.0.1:21143: greeting "* OK [CAPABILITY'
    assert_output_has 'expected "+OK"'
    assert_output_has 'sieve 127.0.0.1:21110: greeting "+OK Dovecot (Debian) ready.", expected "OK"'
    assert_output_has 'smtp 127.0.0.1:21419: greeting "\"IMPLEMENTATION\" \"Dovecot'
    assert_output_has ', expected 220'
}

@test "wrong greetings fail with the greeting quoted" {
    def mail <<'EOF'
probes:
  - { type: smtp, port: 21201 }
  - { type: imap, port: 21202 }
  - { type: pop3, port: 21203 }
  - { type: sieve, port: 21204 }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has 'smtp 127.0.0.1:21201: greeting "554 go away", expected 220'
    assert_output_has 'imap 127.0.0.1:21202: greeting "* BYE server shutting down", expected "* OK"'
    assert_output_has 'pop3 127.0.0.1:21203: greeting "-ERR not now", expected "+OK"'
    assert_output_has 'sieve 127.0.0.1:21204: greeting "BYE \"too many connections\"", expected "OK"'
}

@test "a server hanging up mid-dialogue fails with the step" {
    def mail <<'EOF'
probes:
  - { type: smtp, port: 21205 }
  - { type: imap, port: 21206 }
  - { type: pop3, port: 21207 }
  - { type: smtp, port: 21212, name: closed-at-once }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "smtp 127.0.0.1:21205: connection closed during EHLO"
    assert_output_has "imap 127.0.0.1:21206: connection closed during CAPABILITY"
    assert_output_has "pop3 127.0.0.1:21207: connection closed during QUIT"
    assert_output_has "closed-at-once: connection closed before the greeting"
}

@test "a server stalling after (or before) its greeting is cut at the timeout" {
    def mail <<'EOF'
timeout: 1s
probes:
  - { type: smtp, port: 21208 }
  - { type: imap, port: 21209 }
  - { type: sieve, port: 21210, tls: starttls }
  - { type: pop3, port: 21211 }
  - { type: imap, port: 21211, tls: implicit }
EOF
    local t0=$SECONDS
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "smtp 127.0.0.1:21208: timed out after 1s while waiting for the EHLO reply"
    assert_output_has "imap 127.0.0.1:21209: timed out after 1s while waiting for the CAPABILITY reply"
    assert_output_has "sieve 127.0.0.1:21210: timed out after 1s while waiting for the STARTTLS reply"
    assert_output_has "pop3 127.0.0.1:21211: timed out after 1s while waiting for the greeting"
    assert_output_has "imap 127.0.0.1:21211: timed out after 1s while connecting with TLS"
    # In parallel, each bounded by its 1s: well under the 5s they would take in a row.
    [ $((SECONDS - t0)) -le 3 ]
}

@test "the run deadline cuts a stalled mail probe with a long timeout" {
    def mail <<'EOF'
probes:
  - { type: smtp, port: 21208, timeout: 60s }
EOF
    local t0=$SECONDS
    run monit --deadline 2s "$CHECKS"
    assert_status 1
    assert_output_has "smtp 127.0.0.1:21208: run deadline reached"
    [ $((SECONDS - t0)) -le 4 ]
}

@test "a 10 MB banner line fails at once, quoted in short; an endless greeting stops at 64 KiB" {
    def mail <<'EOF'
probes:
  - { type: smtp, port: 21214 }
  - { type: sieve, port: 21214 }
  - { type: smtp, port: 21215 }
EOF
    local t0=$SECONDS
    run monit "$CHECKS"
    assert_status 1
    assert_output_has 'smtp 127.0.0.1:21214: greeting "BBBBBBBBBB'
    assert_output_has 'BBB...", expected 220'
    assert_output_has 'BBB...", expected "OK"'
    assert_output_has "smtp 127.0.0.1:21215: more than 64 KiB received without the end of the greeting"
    [ ${#output} -lt 2000 ]
    [ $((SECONDS - t0)) -le 3 ]
}

@test "refused port, and TLS spoken to a plain port, fail clearly" {
    def mail <<'EOF'
probes:
  - { type: imap, port: 21299 }
  - { type: smtp, port: 21025, tls: implicit }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "imap 127.0.0.1:21299: connection refused"
    assert_output_has "smtp 127.0.0.1:21025: TLS handshake failed"
}

@test "plain text queued behind the STARTTLS go-ahead is refused" {
    def mail <<'EOF'
probes:
  - { type: smtp, port: 21213, tls: starttls }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "smtp 127.0.0.1:21213: STARTTLS: the server sent data before the TLS handshake"
}

@test "certificates: cert-days fails, cert-warn-days warns, verify refuses a self-signed one (implicit and STARTTLS)" {
    def exim4 <<'EOF'
probes:
  - { type: smtp, port: 21465, tls: implicit, cert-days: 40 }
  - { type: smtp, port: 21025, tls: starttls, verify: true }
EOF
    def dovecot <<'EOF'
probes:
  - { type: imap, port: 21143, tls: starttls, cert-warn-days: 40 }
  - { type: pop3, port: 21995, tls: implicit, cert-days: 20, cert-warn-days: 25 }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "smtp 127.0.0.1:21465: certificate expires in 29 days"
    assert_output_has "smtp 127.0.0.1:21025: STARTTLS: certificate verification failed"
    assert_output_has " * dovecot: PASSED (warning: imap 127.0.0.1:21143: certificate expires in 29 days)"
}

@test "a tls value that is not none, implicit or starttls is a config error with its position" {
    def exim4 <<'EOF'
probes:
  - { type: smtp, port: 21025, tls: startls }
EOF
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "exim4.yaml:2:37:"
    assert_output_has "startls"
}

@test "tls: implicit without a port means the protocol's TLS port (465, 993, 995)" {
    def mail <<'EOF'
probes:
  - { type: smtp, tls: implicit }
  - { type: imap, tls: implicit }
  - { type: pop3, tls: implicit }
  - { type: pop3, tls: starttls }
  - { type: lmtp }
  - { type: sieve }
EOF
    run monit -l "$CHECKS"
    assert_status 0
    assert_output_has "smtp 127.0.0.1:465 "
    assert_output_has "imap 127.0.0.1:993 "
    assert_output_has "pop3 127.0.0.1:995 "
    assert_output_has "pop3 127.0.0.1:110 "
    assert_output_has "lmtp 127.0.0.1:24 "
    assert_output_has "sieve 127.0.0.1:4190 "
}

@test "STARTTLS session is clean under valgrind (socket handed to libcurl)" {
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    def dovecot <<'EOF'
probes:
  - { type: imap, port: 21143, tls: starttls }
  - { type: smtp, port: 21025, tls: starttls, name: exim }
  - { type: pop3, port: 21207 }
EOF
    run monit_valgrind "$CHECKS"
    [ "$status" -ne 97 ] || { echo "$output"; false; }
    assert_status 1
    assert_output_has "pop3 127.0.0.1:21207: connection closed during QUIT"
}
