#!/usr/bin/env bats
# tests/system/proto2.bats: the ftp, ssh, xmpp, spamd, clamd and zookeeper
# probes against real servers on loopback (Pure-FTPd, OpenSSH, Prosody,
# SpamAssassin's spamd, clamd, ZooKeeper 3.8), and against fakeserver.py for
# what real servers will not do on demand: a wrong greeting, hanging up
# mid-dialogue, stalling after the greeting. Ports 21500-21999.

load "$TOP/tests/lib/common"

# Real: 21501 pure-ftpd (AUTH TLS offered), 21502 socat implicit-TLS front for
# it, 21509 pure-ftpd without TLS, 21503 sshd, 21504 prosody, 21505 spamd
# (and $D/spamd.sock), 21506 clamd (and $D/clamd.sock), 21507 ZooKeeper,
# 21508 a ZooKeeper peer without its quorum (21510-21513 its ensemble ports).
# Fakes: 2152x-2154x. Nothing listens on 21599.

start_ftp() {
    make_cert "$D" ftp 30
    cat "$D/ftp.crt" "$D/ftp.key" >"$D/ftp.pem"
    chmod 600 "$D/ftp.pem"
    bg pure-ftpd pure-ftpd -S 127.0.0.1,21501 -E -Y 1 -2 "$D/ftp.pem" -g "$D/ftp.pid"
    bg pure-ftpd-plain pure-ftpd -S 127.0.0.1,21509 -E -Y 0 -g "$D/ftp-plain.pid"
    # Pure-FTPd has no implicit TLS: a TLS terminator in front, as deployed.
    bg ftps socat "OPENSSL-LISTEN:21502,bind=127.0.0.1,reuseaddr,fork,cert=$D/ftp.pem,verify=0" \
        TCP:127.0.0.1:21501
}

start_sshd() {
    mkdir -p /run/sshd
    ssh-keygen -q -t ed25519 -N '' -f "$D/ssh_host_key"
    cat >"$D/sshd_config" <<EOF
Port 21503
ListenAddress 127.0.0.1
HostKey $D/ssh_host_key
PidFile $D/sshd.pid
UsePAM no
EOF
    bg sshd /usr/sbin/sshd -D -e -f "$D/sshd_config"
}

start_prosody() {
    mkdir -p "$D/xmpp/data"
    make_cert "$D/xmpp" localhost 30
    cat >"$D/xmpp/prosody.cfg.lua" <<EOF
pidfile = "$D/xmpp/prosody.pid"
data_path = "$D/xmpp/data"
certificates = "$D/xmpp"
daemonize = false
c2s_ports = { 21504 }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
http_ports = { }
https_ports = { }
c2s_direct_tls_ports = { }
modules_enabled = { "saslauth", "tls", "disco", "ping" }
modules_disabled = { "s2s" }
log = { { levels = { min = "info" }, to = "console" } }
authentication = "internal_hashed"
ssl = { key = "$D/xmpp/localhost.key", certificate = "$D/xmpp/localhost.crt" }
VirtualHost "localhost"
EOF
    chown -R prosody "$D/xmpp"
    bg prosody su prosody -s /bin/sh -c "exec prosody -F --config $D/xmpp/prosody.cfg.lua"
}

start_spamd() {
    bg spamd spamd -x -L -s stderr -u nobody --pidfile="$D/spamd.pid" -m 2 --min-children=1 \
        --listen=127.0.0.1:21505 --listen="$D/spamd.sock"
}

start_clamd() {
    # One signature: clamd loads it in a blink (the real database takes a minute).
    mkdir -p "$D/clamdb"
    echo 'Proto2.Test.Signature:0:*:70726f746f322d746573742d7369676e6174757265' >"$D/clamdb/test.ndb"
    cat >"$D/clamd.conf" <<EOF
Foreground yes
LogFile $D/clamd.log
TCPSocket 21506
TCPAddr 127.0.0.1
LocalSocket $D/clamd.sock
DatabaseDirectory $D/clamdb
PidFile $D/clamd.pid
EOF
    bg clamd clamd -c "$D/clamd.conf"
}

start_zookeeper() {
    # ZooKeeper 3.5+ always adds srvr to the whitelist (zkServer.sh needs it):
    # a list without it still answers srvr; see the "whitelist" tests below.
    mkdir -p "$D/zk"
    cat >"$D/zoo.cfg" <<EOF
tickTime=2000
dataDir=$D/zk
clientPort=21507
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=stat
EOF
    bg zookeeper java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -cp /usr/share/java/zookeeper.jar:/etc/zookeeper/conf_example \
        org.apache.zookeeper.server.quorum.QuorumPeerMain "$D/zoo.cfg"
    # One peer of a two-server ensemble, the other never started: no quorum.
    mkdir -p "$D/zkq"
    echo 1 >"$D/zkq/myid"
    cat >"$D/zkq.cfg" <<EOF
tickTime=2000
initLimit=5
syncLimit=2
dataDir=$D/zkq
clientPort=21508
clientPortAddress=127.0.0.1
admin.enableServer=false
server.1=127.0.0.1:21510:21511
server.2=127.0.0.1:21512:21513
EOF
    bg zookeeper-noquorum java -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -cp /usr/share/java/zookeeper.jar:/etc/zookeeper/conf_example \
        org.apache.zookeeper.server.quorum.QuorumPeerMain "$D/zkq.cfg"
}

# wait_zookeeper PORT TEXT: until srvr's answer has TEXT (Java starts slowly).
wait_zookeeper() {
    local i reply
    for ((i = 0; i < 300; i++)); do
        reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf srvr >&3 && timeout 1 cat <&3) 2>/dev/null)
        [[ "$reply" == *"$2"* ]] && return 0
        sleep 0.1
    done
    echo "ZooKeeper on $1 did not answer srvr with '$2' within 30s" >&2
    return 1
}

# stop_pidfile FILE: TERM the daemon named in FILE and wait (spamd and
# prosody must reap their children themselves; a KILL would orphan them).
stop_pidfile() {
    local pid i
    [ -s "$1" ] || return 0
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
}

setup_file() {
    # Prosody runs as its own user: it must reach $D (the bats directory is 700).
    export D
    D=$(mktemp -d /tmp/monit-proto2.XXXXXX)
    chmod 755 "$D"
    start_zookeeper # first: the slowest to get ready
    start_ftp
    start_sshd
    start_prosody
    start_spamd
    start_clamd
    fake banner 21520 --banner "SSH-2.0-OpenSSH_9.2p1"
    fake banner 21521 --banner "421 Too many connections (50) from this IP"
    fake hangup 21522 --banner "220 fake ready"
    # RFC 959: lines inside a multi-line reply need not carry the code.
    fake mute 21523 --banner "220-fake ready\r\n  a line without the code\r\n220 more to say"
    fake banner 21524 --banner "SSH-1.5-OldServer"
    fake banner 21525 --banner "Welcome to the bastion\r\nSSH-2.0-Fake_1.0"
    fake banner 21526 --banner "220 ftp.example.org FTP ready"
    fake silent 21527
    fake close 21528
    fake mute 21529 --banner "<?xml version='1.0'?><stream:stream id='s1' version='1.0' from='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    fake hangup 21530 --banner "SPAMD/1.5 76 Bad header line: (EOF)"
    fake hangup 21531 --banner "UNKNOWN COMMAND"
    fake banner 21532 --banner "srvr is not executed because it is not in the whitelist."
    fake say 21540 --banner "220 ftp.example.org FTP ready"
    fake say 21541 --banner "<?xml version='1.0'?><stream:stream id='s2' version='1.0' from='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    fake say 21542 --banner "Zookeeper version: 3.8.0-abc, built on 2024-12-29\nLatency min/avg/max: 0/0.0/0"
    local p
    for p in 21501 21502 21509 21503 21504 21506 $(seq 21520 21532) 21540 21541 21542; do
        wait_port "$p" || return 1
    done
    wait_file "$D/spamd.sock" 30 || return 1
    wait_port 21505 || return 1
    wait_file "$D/clamd.sock" || return 1
    wait_zookeeper 21507 "Mode: " || return 1
    wait_zookeeper 21508 "not currently serving requests" || return 1
}

teardown_file() {
    stop_pidfile "$D/spamd.pid"
    stop_pidfile "$D/xmpp/prosody.pid"
    stop_pidfile "$D/sshd.pid"
    stop_pidfile "$D/ftp.pid"
    stop_pidfile "$D/ftp-plain.pid"
    stop_bg_all
    rm -rf "$D"
}

# assert_output_matches ERE
assert_output_matches() {
    if ! grep -qE -- "$1" <<<"$output"; then
        printf 'expected output to match: %s\n--- output ---\n%s\n' "$1" "$output" >&2
        return 1
    fi
}

setup() {
    setup_checks
    # A busy test machine must not make the run skip (exit 75).
    echo 'skip-if-load-above: 0' >"$BATS_TEST_TMPDIR/monit.yaml"
}

# ---- ftp -------------------------------------------------------------------

@test "ftp passes against Pure-FTPd: plain (multi-line 220), AUTH TLS, implicit TLS" {
    def pure-ftpd <<'EOF'
probes:
  - { type: ftp, port: 21501 }
  - { type: ftp, port: 21501, tls: starttls, name: auth-tls }
  - { type: ftp, port: 21502, tls: implicit }
EOF
    run monit -v "$CHECKS"
    assert_status 0
    assert_output_has " * pure-ftpd: PASSED"
    assert_output_has "ftp 127.0.0.1:21501: ok, 220 You will be disconnected after"
    assert_output_has "auth-tls: ok, 220 "
    assert_output_has "inactivity. (STARTTLS)"
    assert_output_has "ftp 127.0.0.1:21502: ok, 220 "
    assert_output_has "inactivity. (TLS)"
}

@test "ftp AUTH TLS against a server without TLS fails on AUTH TLS, sent first" {
    def pure-ftpd <<'EOF'
probes:
  - { type: ftp, port: 21509, tls: starttls }
  - { type: ftp, port: 21526, tls: starttls, name: echo }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has 'ftp 127.0.0.1:21509: AUTH TLS answered "500 '
    # An echoing fake shows the first command after the greeting: AUTH TLS,
    # not NOOP (a server requiring TLS may refuse NOOP in the clear).
    assert_output_has 'echo: AUTH TLS answered "AUTH TLS"'
}

@test "ftp TLS certificates: cert-days fails, cert-warn-days warns, verify refuses self-signed" {
    def pure-ftpd <<'EOF'
probes:
  - { type: ftp, port: 21502, tls: implicit, cert-days: 40 }
  - { type: ftp, port: 21501, tls: starttls, verify: true }
EOF
    def ftp-warn <<'EOF'
probes:
  - { type: ftp, port: 21501, tls: starttls, cert-warn-days: 40 }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "ftp 127.0.0.1:21502: certificate expires in 29 days"
    assert_output_has "ftp 127.0.0.1:21501: AUTH TLS: certificate verification failed"
    assert_output_has " * ftp-warn: PASSED (warning: ftp 127.0.0.1:21501: certificate expires in 29 days)"
}

@test "ftp: wrong greetings fail with the greeting quoted" {
    def ftp <<'EOF'
probes:
  - { type: ftp, port: 21520 }
  - { type: ftp, port: 21521 }
  - { type: ftp, port: 21503, name: sshd }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has 'ftp 127.0.0.1:21520: greeting "SSH-2.0-OpenSSH_9.2p1", expected 220'
    assert_output_has 'ftp 127.0.0.1:21521: greeting "421 Too many connections (50) from this IP", expected 220'
    assert_output_has 'sshd: greeting "SSH-2.0-OpenSSH_9.2p1 Debian'
}

@test "ftp: hanging up mid-dialogue, stalling after a multi-line greeting, refused, TLS to a plain port" {
    def ftp <<'EOF'
timeout: 1s
probes:
  - { type: ftp, port: 21522 }
  - { type: ftp, port: 21523 }
  - { type: ftp, port: 21599 }
  - { type: ftp, port: 21501, tls: implicit, name: tls-to-plain }
EOF
    local t0=$SECONDS
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "ftp 127.0.0.1:21522: connection closed during NOOP"
    assert_output_has "ftp 127.0.0.1:21523: timed out after 1s while waiting for the NOOP reply"
    assert_output_has "ftp 127.0.0.1:21599: connection refused"
    assert_output_has "tls-to-plain: TLS handshake failed"
    [ $((SECONDS - t0)) -le 3 ]
}

# ---- ssh -------------------------------------------------------------------

@test "ssh passes against OpenSSH and shows its identification" {
    def sshd <<'EOF'
probes:
  - { type: ssh, port: 21503 }
EOF
    local log="$BATS_FILE_TMPDIR/sshd.log" before
    before=$(grep -c kex_exchange_identification "$log" || true)
    run monit -v "$CHECKS"
    assert_status 0
    assert_output_has " * sshd: PASSED"
    assert_output_has "ssh 127.0.0.1:21503: ok, SSH-2.0-OpenSSH_"
    # The probe sends its own identification: sshd logs a plain close, not
    # a failed key exchange (as it does for wait_port's bare connection).
    sleep 0.2
    [ "$(grep -c kex_exchange_identification "$log" || true)" -eq "$before" ]
    grep -q 'Connection closed by 127.0.0.1 port [0-9]* \[preauth\]' "$log"
}

@test "ssh accepts other lines before the identification (RFC 4253 4.2)" {
    def sshd <<'EOF'
probes:
  - { type: ssh, port: 21525 }
EOF
    run monit -v "$CHECKS"
    assert_status 0
    assert_output_has "ssh 127.0.0.1:21525: ok, SSH-2.0-Fake_1.0"
}

@test "ssh: a wrong banner fails naming it" {
    def sshd <<'EOF'
timeout: 1s
probes:
  - { type: ssh, port: 21524 }
  - { type: ssh, port: 21540 }
  - { type: ssh, port: 21526, name: ftp-holding }
  - { type: ssh, port: 21501, name: pure-ftpd }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has 'ssh 127.0.0.1:21524: banner "SSH-1.5-OldServer", expected SSH-2.0-'
    assert_output_has 'ssh 127.0.0.1:21540: banner "220 ftp.example.org FTP ready", expected SSH-2.0-'
    assert_output_has 'ftp-holding: timed out after 1s while waiting for the SSH identification (banner "220 ftp.example.org FTP ready", expected SSH-2.0-)'
    assert_output_has 'pure-ftpd: timed out after 1s while waiting for the SSH identification (banner "220---------- Welcome to Pure-FTPd'
}

@test "ssh: closed at once, silent (bounded by the timeout), refused" {
    def sshd <<'EOF'
timeout: 1s
probes:
  - { type: ssh, port: 21528 }
  - { type: ssh, port: 21527 }
  - { type: ssh, port: 21599 }
EOF
    local t0=$SECONDS
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "ssh 127.0.0.1:21528: connection closed before the SSH identification"
    assert_output_has "ssh 127.0.0.1:21527: timed out after 1s while waiting for the SSH identification"
    assert_output_has "ssh 127.0.0.1:21599: connection refused"
    [ $((SECONDS - t0)) -le 3 ]
}

# ---- xmpp ------------------------------------------------------------------

@test "xmpp passes against Prosody (domain defaults to localhost, or the host name)" {
    def prosody <<'EOF'
probes:
  - { type: xmpp, port: 21504 }
  - { type: xmpp, host: localhost, port: 21504, name: by-name }
  - { type: xmpp, port: 21504, domain: localhost, name: by-domain }
EOF
    run monit -v "$CHECKS"
    assert_status 0
    assert_output_has " * prosody: PASSED"
    assert_output_has "xmpp 127.0.0.1:21504: ok, stream opened by 'localhost'"
    assert_output_has "by-name: ok, stream opened by 'localhost'"
    assert_output_has "by-domain: ok, stream opened by 'localhost'"
}

@test "xmpp: a domain Prosody does not serve fails with host-unknown" {
    def prosody <<'EOF'
probes:
  - { type: xmpp, port: 21504, domain: chat.example.org }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * prosody: FAILED: xmpp 127.0.0.1:21504: stream error: host-unknown"
}

@test "xmpp: not XMPP, closed mid-dialogue, stalled after the header, silent, refused" {
    def prosody <<'EOF'
timeout: 1s
probes:
  - { type: xmpp, port: 21526 }
  - { type: xmpp, port: 21541 }
  - { type: xmpp, port: 21529 }
  - { type: xmpp, port: 21527 }
  - { type: xmpp, port: 21528 }
  - { type: xmpp, port: 21599 }
EOF
    local t0=$SECONDS
    run monit "$CHECKS"
    assert_status 1
    assert_output_has 'xmpp 127.0.0.1:21526: got "220 ftp.example.org FTP ready\r\n", expected an XMPP stream header'
    assert_output_has "xmpp 127.0.0.1:21541: connection closed after the stream header, before the stream features"
    assert_output_has "xmpp 127.0.0.1:21529: timed out after 1s while waiting for the stream features"
    assert_output_has "xmpp 127.0.0.1:21527: timed out after 1s while waiting for the stream header"
    # Closed before reading our header: a FIN, or a reset if it came after our write.
    assert_output_matches "xmpp 127.0.0.1:21528: (connection closed before the stream header|waiting for the stream header: connection reset by peer)"
    assert_output_has "xmpp 127.0.0.1:21599: connection refused"
    [ $((SECONDS - t0)) -le 3 ]
}

@test "xmpp: a domain that is not a name is a config error with its position" {
    def prosody <<'EOF'
probes:
  - { type: xmpp, domain: "a'b" }
EOF
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "prosody.yaml:2:27: bad domain 'a'b'"
}

# ---- spamd and clamd -------------------------------------------------------

@test "spamd passes over TCP and its unix socket; clamd likewise" {
    cat >"$CHECKS/spamassassin.yaml" <<EOF
probes:
  - { type: spamd, port: 21505 }
  - { type: spamd, path: $D/spamd.sock }
EOF
    cat >"$CHECKS/clamav-daemon.yaml" <<EOF
probes:
  - { type: clamd, port: 21506 }
  - { type: clamd, path: $D/clamd.sock }
EOF
    chmod 644 "$CHECKS"/*.yaml
    run monit -v "$CHECKS"
    assert_status 0
    assert_output_has " * clamav-daemon: PASSED"
    assert_output_has " * spamassassin: PASSED"
    assert_output_has "spamd 127.0.0.1:21505: ok, PONG"
    assert_output_has "spamd $D/spamd.sock: ok, PONG"
    assert_output_has "clamd 127.0.0.1:21506: ok, PONG"
    assert_output_has "clamd $D/clamd.sock: ok, PONG"
}

@test "spamd and clamd: wrong replies, the other's port, closed, silent, missing socket" {
    cat >"$CHECKS/spam.yaml" <<EOF
timeout: 1s
probes:
  - { type: spamd, port: 21530 }
  - { type: spamd, port: 21506, name: clamd-port }
  - { type: spamd, port: 21528 }
  - { type: spamd, port: 21527 }
  - { type: spamd, path: $D/nothing.sock }
EOF
    cat >"$CHECKS/clam.yaml" <<EOF
timeout: 1s
probes:
  - { type: clamd, port: 21531 }
  - { type: clamd, port: 21505, name: spamd-port }
  - { type: clamd, port: 21599 }
  - { type: clamd, path: $D/nothing.sock }
EOF
    chmod 644 "$CHECKS"/*.yaml
    local t0=$SECONDS
    run monit "$CHECKS"
    assert_status 1
    assert_output_has 'spamd 127.0.0.1:21530: PING reply "SPAMD/1.5 76 Bad header line: (EOF)", expected "SPAMD/1.x 0 PONG"'
    assert_output_has 'clamd-port: PING reply "UNKNOWN COMMAND", expected "SPAMD/1.x 0 PONG"'
    assert_output_matches "spamd 127.0.0.1:21528: (connection closed before the PING reply|waiting for the PING reply: connection reset by peer)"
    assert_output_has "spamd 127.0.0.1:21527: timed out after 1s while waiting for the PING reply"
    assert_output_has "spamd $D/nothing.sock: no such file or directory"
    assert_output_has 'clamd 127.0.0.1:21531: PING reply "UNKNOWN COMMAND", expected "PONG"'
    assert_output_has 'spamd-port: PING reply "SPAMD/1.0 76 Bad header line: nPING", expected "PONG"'
    assert_output_has "clamd 127.0.0.1:21599: connection refused"
    assert_output_has "clamd $D/nothing.sock: no such file or directory"
    [ $((SECONDS - t0)) -le 3 ]
}

@test "spamd/clamd: path with port (or host) is a config error; a relative path too" {
    def spam <<'EOF'
probes:
  - { type: spamd, port: 783, path: /run/spamd.sock }
EOF
    def clam <<'EOF'
probes:
  - { type: clamd, host: localhost, path: /run/clamav/clamd.ctl }
  - { type: clamd, path: clamd.ctl }
EOF
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "spam.yaml:2:37: give either 'path' or 'host'/'port', not both"
    assert_output_has "clam.yaml:2:43: give either 'path' or 'host'/'port', not both"
    assert_output_has "clam.yaml:3:26: path 'clamd.ctl' must be absolute"
}

# ---- zookeeper -------------------------------------------------------------

@test "zookeeper passes against ZooKeeper 3.8 with its mode; srvr works although the whitelist omits it" {
    def zookeeper <<'EOF'
probes:
  - { type: zookeeper, port: 21507 }
EOF
    run monit -v "$CHECKS"
    assert_status 0
    assert_output_has "zookeeper 127.0.0.1:21507: ok, mode standalone, version 3.8.0"
    grep -q '^4lw.commands.whitelist=stat$' "$D/zoo.cfg"
}

@test "zookeeper without a quorum fails: not serving requests" {
    def zookeeper <<'EOF'
probes:
  - { type: zookeeper, port: 21508 }
EOF
    run monit "$CHECKS"
    assert_status 1
    assert_output_has " * zookeeper: FAILED: zookeeper 127.0.0.1:21508: not currently serving requests (starting up, or no quorum)"
}

@test "zookeeper: srvr not whitelisted, cut short, silent, refused" {
    # Fake: ZooKeeper 3.5+ always whitelists srvr, so only an older server
    # (3.4.10+ with a whitelist) says this; the text is ZooKeeper's own.
    def zookeeper <<'EOF'
timeout: 1s
probes:
  - { type: zookeeper, port: 21532 }
  - { type: zookeeper, port: 21542 }
  - { type: zookeeper, port: 21527 }
  - { type: zookeeper, port: 21599 }
EOF
    local t0=$SECONDS
    run monit "$CHECKS"
    assert_status 1
    assert_output_has "zookeeper 127.0.0.1:21532: srvr is not whitelisted (4lw.commands.whitelist)"
    assert_output_has 'zookeeper 127.0.0.1:21542: srvr answered "Zookeeper version: 3.8.0-abc, built on 2024-12-29", expected a Mode: line'
    assert_output_has "zookeeper 127.0.0.1:21527: timed out after 1s while waiting for the srvr reply"
    assert_output_has "zookeeper 127.0.0.1:21599: connection refused"
    [ $((SECONDS - t0)) -le 3 ]
}

# ---- all together ----------------------------------------------------------

@test "default ports and names: --list shows them (ftp with tls: implicit is 990)" {
    def defaults <<'EOF'
probes:
  - { type: ftp }
  - { type: ftp, tls: implicit }
  - { type: ftp, tls: starttls, name: ftp-auth-tls }
  - { type: ssh }
  - { type: xmpp }
  - { type: spamd }
  - { type: spamd, path: /run/spamd.sock }
  - { type: clamd }
  - { type: clamd, path: /run/clamav/clamd.ctl }
  - { type: zookeeper }
EOF
    run monit -l "$CHECKS"
    assert_status 0
    local want
    for want in "ftp 127.0.0.1:21 " "ftp 127.0.0.1:990 " "ftp-auth-tls " "ssh 127.0.0.1:22 " \
        "xmpp 127.0.0.1:5222 " "spamd 127.0.0.1:783 " "spamd /run/spamd.sock " "clamd 127.0.0.1:3310 " \
        "clamd /run/clamav/clamd.ctl " "zookeeper 127.0.0.1:2181 "; do
        assert_output_has "$want"
    done
}

@test "every kind against its real server is clean under valgrind" {
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    cat >"$CHECKS/all.yaml" <<EOF
probes:
  - { type: ftp, port: 21501, tls: starttls }
  - { type: ftp, port: 21502, tls: implicit }
  - { type: ssh, port: 21503 }
  - { type: xmpp, port: 21504 }
  - { type: spamd, path: $D/spamd.sock }
  - { type: clamd, port: 21506 }
  - { type: zookeeper, port: 21507 }
  - { type: xmpp, port: 21504, domain: chat.example.org, name: unknown-domain }
EOF
    chmod 644 "$CHECKS/all.yaml"
    run monit_valgrind -v "$CHECKS"
    [ "$status" -ne 97 ] || { echo "$output"; false; }
    assert_status 1
    assert_output_has "unknown-domain: failed, stream error: host-unknown"
    [ "$(printf '%s\n' "$output" | grep -c ': ok, ')" -eq 7 ]
}
