#!/usr/bin/env bats
# Host probes (disk, load, users, ping, dns) and the outputs for external
# monitors (json, nagios, --prometheus), against real things: a tmpfs of known
# size, real ICMP on loopback, dnsmasq, node_exporter's textfile collector.
# Ports 23000-23999: dnsmasq 23053, silent UDP 23055, node_exporter 23100.

load "$TOP/tests/lib/common"
bats_require_minimum_version 1.5.0

DNS_PORT=23053
SILENT_PORT=23055
NODE_PORT=23100
PGR=/proc/sys/net/ipv4/ping_group_range

setup_file() {
    export D="$BATS_FILE_TMPDIR"
    cp "$PGR" "$D/ping_group_range.saved"
    # dnsmasq: svc.test answers 127.0.0.7 (and an MX, a TXT); nx.test does not exist.
    bg dnsmasq dnsmasq -k --port=$DNS_PORT --listen-address=127.0.0.1,::1 --bind-interfaces --no-resolv \
        --no-hosts --conf-file=/dev/null --pid-file= --address=/svc.test/127.0.0.7 --address=/nx.test/ \
        --mx-host=svc.test,mail.svc.test,10 --txt-record=svc.test,"v=spf1 -all" \
        --txt-record=big.svc.test,"$(printf 'a%.0s' $(seq 250))","$(printf 'b%.0s' $(seq 250))","$(printf 'c%.0s' $(seq 250))"
    # A DNS "server" that reads queries and never answers.
    bg silent "$PY" -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', $SILENT_PORT))
while True:
    s.recv(4096)
"
    mkdir -p "$D/prom"
    bg node prometheus-node-exporter --collector.disable-defaults --collector.textfile \
        --collector.textfile.directory="$D/prom" --web.listen-address=127.0.0.1:$NODE_PORT
    wait_port $NODE_PORT
    for _ in $(seq 100); do
        dig_ok=$("$PY" - <<EOF
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.1)
s.sendto(bytes.fromhex('123401000001000000000000037777770373766304746573740000010001'), ('127.0.0.1', $DNS_PORT))
try:
    print(len(s.recv(512)) > 0)
except Exception:
    print(False)
EOF
)
        [ "$dig_ok" = True ] && break
        sleep 0.05
    done
}

teardown_file() {
    # The autofs daemon first, and wait for it to let go of its mount.
    if [ -f "$D/autofs.pid" ]; then
        kill "$(cat "$D/autofs.pid")" 2>/dev/null
        for _ in $(seq 100); do grep -q " $D/hang autofs " /proc/mounts || break; sleep 0.05; done
    fi
    stop_bg_all
    [ -f "$D/ping_group_range.saved" ] && cat "$D/ping_group_range.saved" >"$PGR"
    # (The autofs mount of the hung-filesystem test is its daemon's to remove:
    # an umount from here would trigger it and wait.)
    for m in "$D"/tmpfs-*; do
        grep -q " $m " /proc/mounts && umount "$m"
    done
    for ns in hostmon-noroute hostmon-drop hostmon-dns; do
        ip netns del $ns 2>/dev/null || true
    done
    true
}

setup() {
    setup_checks
    # Builds and other suites load this machine: never skip a run for that.
    echo "skip-if-load-above: 0" >"$BATS_TEST_TMPDIR/monit.yaml"
}

# A tmpfs of SIZE with NR inodes at $D/tmpfs-NAME: tmpfs_at NAME SIZE NR
tmpfs_at() {
    local m="$D/tmpfs-$1"
    mkdir -p "$m"
    mountpoint -q "$m" && umount "$m"
    mount -t tmpfs -o "size=$2,nr_inodes=$3" tmpfs "$m"
    echo "$m"
}

# --- disk --------------------------------------------------------------

@test "disk: a tmpfs filled to 75% warns at 75%, fails at 75% crit, passes at 80%" {
    m=$(tmpfs_at space 4M 1000)
    fallocate -l 3M "$m/fill"
    # What df sees, as a cross-check of the fixture.
    [ "$(df --output=pcent "$m" | tail -1 | tr -d ' %')" = 75 ]
    def warn <<EOF
probes: [{ type: disk, path: $m, warn: 75%, crit: 90% }]
EOF
    def crit <<EOF
probes: [{ type: disk, path: $m, warn: 50%, crit: 75% }]
EOF
    def fine <<EOF
probes: [{ type: disk, path: $m, warn: 80%, crit: 90% }]
EOF
    run monit "$CHECKS"
    assert_status 1
    [[ "$(service_line warn)" == " * warn: PASSED (warning: disk $m: space 75.0% used, warning at 75% (1.0 MiB free of 4.0 MiB))" ]]
    [[ "$(service_line crit)" == " * crit: FAILED: disk $m: space 75.0% used, critical at 75% (1.0 MiB free of 4.0 MiB)" ]]
    [[ "$(service_line fine)" == " * fine: PASSED" ]]
    # The measured value reaches the formatters.
    run monit -f json "$CHECKS"
    [ "$(jq -r '.services[] | select(.name=="fine") | .probes[0].value' <<<"$output")" = 75 ]
    [ "$(jq -r '.services[] | select(.name=="fine") | .probes[0].unit' <<<"$output")" = "%" ]
}

@test "disk: inodes of a tmpfs with nr_inodes=8 warn and fail on their own thresholds" {
    m=$(tmpfs_at inodes 4M 8)
    touch "$m/a" "$m/b" "$m/c" "$m/d" "$m/e" # 5 files + the root: 6 of 8 = 75%
    [ "$(df --output=ipcent "$m" | tail -1 | tr -d ' %')" = 75 ]
    def iw <<EOF
probes: [{ type: disk, path: $m, warn: 99%, crit: 100%, inodes-warn: 75%, inodes-crit: 90% }]
EOF
    def ic <<EOF
probes: [{ type: disk, path: $m, warn: 99%, crit: 100%, inodes-warn: 50%, inodes-crit: 75% }]
EOF
    run monit -v "$CHECKS"
    assert_status 1
    [[ "$(service_line iw)" == *"PASSED (warning: disk $m: inodes 75.0% used, warning at 75%"* ]]
    [[ "$(service_line ic)" == *"FAILED: disk $m: inodes 75.0% used, critical at 75%"* ]]
}

@test "disk: a missing optional path is skipped, a missing required one fails" {
    def opt <<EOF
probes: [{ type: disk, path: $D/nowhere, optional: true }]
EOF
    def req <<EOF
probes: [{ type: disk, path: $D/nowhere }]
EOF
    run monit -v "$CHECKS"
    assert_status 1
    [[ "$(service_line opt)" == " * opt: PASSED" ]]
    assert_output_has "disk $D/nowhere: skipped, $D/nowhere is not present (optional)"
    [[ "$(service_line req)" == *"FAILED: disk $D/nowhere: cannot read the filesystem of $D/nowhere: No such file or directory" ]]
}

@test "disk: a filesystem that hangs (an automount whose daemon never answers) is bounded by the timeout" {
    # A direct autofs mount whose "daemon" never answers: any lookup from
    # another process group waits, as on a dead NFS server. The daemon lets
    # go (catatonic mode fails the waiters, then it unmounts, from its own
    # process group so that nothing triggers) on SIGTERM, or by itself after
    # 30s whatever happens to this test.
    mkdir -p "$D/hang"
    bg autofs "$PY" -c '
import fcntl, os, signal, subprocess, sys, time
mp, ready = sys.argv[1], sys.argv[2]
r, w = os.pipe()
os.setpgid(0, 0)
subprocess.run(["mount", "-t", "autofs", "-o", "fd=%d,pgrp=%d,minproto=5,maxproto=5,direct" % (w, os.getpgrp()),
                "symbiosis-hang", mp], pass_fds=(w,), check=True)
def release(*_):
    fd = os.open(mp, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.ioctl(fd, 0x9362)  # AUTOFS_IOC_CATATONIC
    os.close(fd)
    subprocess.run(["umount", mp])
    os._exit(0)
signal.signal(signal.SIGTERM, release)
open(ready, "w").close()
time.sleep(30)
release()
' "$D/hang" "$BATS_TEST_TMPDIR/autofs-ready"
    hang_pid=$(tail -1 "$BATS_FILE_TMPDIR/pids")
    echo "$hang_pid" >"$D/autofs.pid"
    wait_file "$BATS_TEST_TMPDIR/autofs-ready" 5
    def hung <<EOF
probes: [{ type: disk, path: $D/hang, timeout: 500ms }]
EOF
    def other <<'EOF'
probes: [{ type: disk, path: / }]
EOF
    start=$(date +%s%N)
    # LeakSanitizer cannot stop a thread that waits in the kernel for the
    # filesystem (it would wait with it), so leak checking is off for this
    # run only; the valgrind test covers leaks. The KILL bound keeps a bug
    # here from hanging the suite.
    run env ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" timeout -s KILL 20 "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" \
        --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS"
    took=$((($(date +%s%N) - start) / 1000000))
    kill "$hang_pid"
    for _ in $(seq 100); do grep -q " $D/hang autofs " /proc/mounts || break; sleep 0.05; done
    assert_status 1
    [[ "$(service_line hung)" == " * hung: FAILED: disk $D/hang: timed out after 500ms reading the filesystem of $D/hang (a hung network filesystem?)" ]]
    [[ "$(service_line other)" == " * other: PASSED"* ]]
    [ "$took" -lt 3000 ] || { echo "took ${took}ms with a 500ms timeout" >&2; false; }
    ! grep -q " $D/hang autofs " /proc/mounts
}

@test "disk: thresholds are validated with file:line:col" {
    def bad <<'EOF'
probes:
  - { type: disk, path: /, warn: 95%, crit: 90% }
  - { type: disk, path: /, crit: 120%, name: two }
  - { type: disk }
EOF
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "bad.yaml:2:34: warn (95%) is above crit (90%)"
    assert_output_has "bad.yaml:3:34: percentage '120%' is out of range"
    assert_output_has "bad.yaml:4:5: disk probe needs a 'path'"
}

# --- load --------------------------------------------------------------

@test "load: thresholds against the real load: warn 0 warns, crit 0 fails, high ones pass" {
    def lw <<'EOF'
probes: [{ type: load, warn: 0, crit: [1000, 1000, 1000] }]
EOF
    def lc <<'EOF'
probes: [{ type: load, warn: [0, 0, 0], crit: [0, 1000, 1000] }]
EOF
    def lok <<'EOF'
probes: [{ type: load, warn: [1000, 1000, 1000], per-cpu: true }]
EOF
    run monit -v "$CHECKS"
    assert_status 1
    [[ "$(service_line lw)" == " * lw: PASSED (warning: load: 1min load "*" at or above warning 0, 5min load "*", 15min load "*")" ]]
    [[ "$(service_line lc)" == " * lc: FAILED: load: 1min load "*" at or above critical 0" ]]
    [[ "$(service_line lok)" == " * lok: PASSED" ]]
    ncpu=$(nproc)
    assert_output_has "per CPU ($ncpu CPUs)"
    # The 1-minute value is what /proc/loadavg said (per CPU for lok), within rounding.
    run monit -f json -s lw "$CHECKS"
    v=$(jq -r '.services[0].probes[0].value' <<<"$output")
    read -r l1 _ </proc/loadavg
    "$PY" -c "import sys; a, b = float('$v'), float('$l1'); sys.exit(0 if abs(a - b) < 1.0 else 1)"
}

@test "load: bad thresholds are errors with positions" {
    def bad <<'EOF'
probes:
  - { type: load, warn: [1, 2] }
  - { type: load, warn: 5, crit: 4, name: b }
  - { type: load, warn: -1, name: c }
EOF
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "bad.yaml:2:25: expected three load averages [1min, 5min, 15min], got 2"
    assert_output_has "bad.yaml:3:25: warn (5) is above crit (4) for the 1min load"
    assert_output_has "bad.yaml:4:25: a load threshold cannot be negative"
}

# --- users -------------------------------------------------------------

# Runs the binary where /run/utmp is a file this test wrote (utmpdump -r):
# a private mount namespace with its own /run, so the host's is untouched.
monit_with_utmp() {
    local text=$1
    shift
    # An empty text: no utmp file at all.
    utmpdump -r <"$text" >"$BATS_TEST_TMPDIR/utmp" 2>/dev/null
    unshare --mount --propagation private sh -c '
        mount -t tmpfs tmpfs /run && { [ ! -s "$1" ] || cp "$1" /run/utmp; } && shift && exec "$@"' \
        sh "$BATS_TEST_TMPDIR/utmp" \
        "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" "$@"
}

@test "users: counts USER_PROCESS records of utmp, warns and fails at the thresholds" {
    cat >"$BATS_TEST_TMPDIR/utmp.txt" <<'EOF'
[7] [01234] [ts/0] [alice   ] [pts/0       ] [192.0.2.1           ] [192.0.2.1      ] [2026-11-21T10:00:00,000000+00:00]
[7] [01235] [ts/1] [bob     ] [pts/1       ] [                    ] [0.0.0.0        ] [2026-11-21T10:00:00,000000+00:00]
[8] [01236] [ts/2] [carol   ] [pts/2       ] [                    ] [0.0.0.0        ] [2026-11-21T10:00:00,000000+00:00]
[6] [01237] [tty1] [LOGIN   ] [tty1        ] [                    ] [0.0.0.0        ] [2026-11-21T10:00:00,000000+00:00]
[7] [01238] [ts/3] [alice   ] [pts/3       ] [                    ] [0.0.0.0        ] [2026-11-21T10:00:00,000000+00:00]
EOF
    def uw <<'EOF'
probes: [{ type: users, warn: 3, crit: 5 }]
EOF
    def uc <<'EOF'
probes: [{ type: users, warn: 1, crit: 3 }]
EOF
    def uok <<'EOF'
probes: [{ type: users, warn: 4 }]
EOF
    run monit_with_utmp "$BATS_TEST_TMPDIR/utmp.txt" -v "$CHECKS"
    assert_status 1
    [[ "$(service_line uw)" == " * uw: PASSED (warning: users: 3 logged-in sessions (alice, bob), warning at 3)" ]]
    [[ "$(service_line uc)" == " * uc: FAILED: users: 3 logged-in sessions (alice, bob), critical at 3" ]]
    [[ "$(service_line uok)" == " * uok: PASSED" ]]
    assert_output_has "users: ok, 3 logged-in sessions (alice, bob)"
}

@test "users: no utmp at all is no session" {
    def u <<'EOF'
probes: [{ type: users, warn: 1 }]
EOF
    : >"$BATS_TEST_TMPDIR/empty.txt"
    run monit_with_utmp "$BATS_TEST_TMPDIR/empty.txt" -v "$CHECKS"
    assert_status 0
    assert_output_has "users: ok, 0 logged-in sessions"
}

# --- ping --------------------------------------------------------------

@test "ping: 127.0.0.1 and ::1 over raw sockets as root (ping_group_range closed)" {
    echo "1 0" >"$PGR"
    def p4 <<'EOF'
probes: [{ type: ping, host: 127.0.0.1, warn: {rtt: 100ms, loss: 20%}, crit: {rtt: 500ms, loss: 60%} }]
EOF
    def p6 <<'EOF'
probes: [{ type: ping, host: "::1", count: 5 }]
EOF
    run monit -v "$CHECKS"
    cat "$D/ping_group_range.saved" >"$PGR"
    assert_status 0
    assert_output_has "ping 127.0.0.1: ok, 3/3 replies from 127.0.0.1, rtt min/avg/max"
    assert_output_has "0% loss (raw socket)"
    assert_output_has "ping ::1: ok, 5/5 replies from ::1"
    run monit -f json "$CHECKS"
    [ "$(jq -r '.services[] | select(.name=="p4") | .probes[0].unit' <<<"$output")" = ms ]
    jq -e '.services[] | select(.name=="p6") | .probes[0].value >= 0' <<<"$output"
}

@test "ping: datagram sockets where ping_group_range allows them" {
    echo "0 2147483647" >"$PGR"
    def p4 <<'EOF'
probes: [{ type: ping, host: 127.0.0.1 }]
EOF
    def p6 <<'EOF'
probes: [{ type: ping, host: "::1" }]
EOF
    run monit -v "$CHECKS"
    cat "$D/ping_group_range.saved" >"$PGR"
    assert_status 0
    assert_output_has "ping 127.0.0.1: ok, 3/3 replies from 127.0.0.1"
    assert_output_has "ping ::1: ok, 3/3 replies from ::1"
    [ "$(grep -c '(datagram socket)' <<<"$output")" = 2 ]
}

# The binary as user nobody (a world-readable copy of the checks, a
# writable directory for lock and state).
monit_as_nobody() {
    local t
    t=$(mktemp -d /tmp/host-nobody.XXXXXX)
    chmod 755 "$t"
    mkdir "$t/checks" "$t/rw"
    chmod 777 "$t/rw"
    cp "$CHECKS"/*.yaml "$t/checks/"
    cp "$BATS_TEST_TMPDIR/monit.yaml" "$t/monit.yaml"
    chmod 644 "$t"/checks/*.yaml "$t/monit.yaml"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$MONIT" --lock "$t/rw/lock" --state "$t/rw/state" \
        -C "$t/monit.yaml" "$@" "$t/checks"
    local rc=$?
    rm -rf "$t"
    return $rc
}

@test "ping: as an unprivileged user, datagram sockets where allowed, a clear failure where not" {
    def p <<'EOF'
probes: [{ type: ping, host: 127.0.0.1 }]
EOF
    echo "1 0" >"$PGR"
    run monit_as_nobody -v
    assert_status 1
    assert_output_has "p: FAILED: ping 127.0.0.1: cannot open an ICMP socket: datagram socket: Permission denied (see net.ipv4.ping_group_range); raw socket: Operation not permitted (needs root)"
    echo "0 2147483647" >"$PGR"
    run monit_as_nobody -v
    cat "$D/ping_group_range.saved" >"$PGR"
    assert_status 0
    assert_output_has "ping 127.0.0.1: ok, 3/3 replies from 127.0.0.1"
    assert_output_has "(datagram socket)"
}

@test "ping: thresholds reached: rtt 0ms warns, loss 0% fails" {
    def pw <<'EOF'
probes: [{ type: ping, host: 127.0.0.1, warn: {rtt: 0ms} }]
EOF
    def pc <<'EOF'
probes: [{ type: ping, host: 127.0.0.1, crit: {loss: 0%} }]
EOF
    run monit "$CHECKS"
    assert_status 1
    [[ "$(service_line pw)" == " * pw: PASSED (warning: ping 127.0.0.1: rtt "*"ms at or above warning 0ms: 3/3 replies"* ]]
    [[ "$(service_line pc)" == " * pc: FAILED: ping 127.0.0.1: 0% loss at or above critical 0%: 3/3 replies"* ]]
}

@test "ping: no route in an empty network namespace fails at once" {
    ip netns add hostmon-noroute
    def p <<'EOF'
probes: [{ type: ping, host: 198.51.100.2, timeout: 2s }]
EOF
    run ip netns exec hostmon-noroute "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$BATS_TEST_TMPDIR/state" \
        -C "$BATS_TEST_TMPDIR/monit.yaml" -v "$CHECKS"
    ip netns del hostmon-noroute
    assert_status 1
    assert_output_has "p: FAILED: ping 198.51.100.2: cannot send an echo request to 198.51.100.2: Network is unreachable"
}

@test "ping: replies that never come are bounded by the timeout" {
    # A namespace whose route leads into a veth pair that answers nothing
    # (a static neighbour entry, so not even ARP is waited for).
    ip netns add hostmon-drop
    ip netns exec hostmon-drop sh -e -c '
        ip link set lo up
        ip link add v0 type veth peer name v1
        ip addr add 198.51.100.1/24 dev v0
        ip link set v0 up; ip link set v1 up
        ip neigh add 198.51.100.2 lladdr 02:00:00:00:00:02 dev v0'
    def p <<'EOF'
probes: [{ type: ping, host: 198.51.100.2, timeout: 1s, count: 2 }]
EOF
    start=$(date +%s%N)
    run ip netns exec hostmon-drop "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$BATS_TEST_TMPDIR/state" \
        -C "$BATS_TEST_TMPDIR/monit.yaml" -v "$CHECKS"
    took=$((($(date +%s%N) - start) / 1000000))
    ip netns del hostmon-drop
    assert_status 1
    assert_output_has "p: FAILED: ping 198.51.100.2: no reply from 198.51.100.2: 2 sent, 100% loss"
    [ "$took" -lt 3000 ] || { echo "took ${took}ms, timeout was 1s" >&2; false; }
    [ "$took" -ge 900 ]
}

@test "ping: bad thresholds and counts are errors with positions" {
    def bad <<'EOF'
probes:
  - { type: ping, host: 127.0.0.1, warn: {rtt: 1s}, crit: {rtt: 100ms} }
  - { type: ping, host: 127.0.0.1, warn: {rt: 1s}, name: b }
  - { type: ping, host: 127.0.0.1, count: 0, name: c }
  - { type: ping, host: 127.0.0.1, crit: 5, name: d }
EOF
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "bad.yaml:2:42: warn rtt is above crit rtt"
    assert_output_has "bad.yaml:3:43: unknown key 'rt', did you mean 'rtt'?"
    assert_output_has "bad.yaml:4:43: 0 is out of range (1 to 100)"
    assert_output_has "bad.yaml:5:42: expected a map such as {rtt: 100ms, loss: 20%}, got"
}

# --- dns ---------------------------------------------------------------

@test "dns: answers from dnsmasq: A, expected, MX, TXT, over IPv4 and IPv6" {
    def ok <<EOF
probes:
  - { type: dns, name: www.svc.test, server: 127.0.0.1:$DNS_PORT }
  - { type: dns, name: www.svc.test, server: "[::1]:$DNS_PORT", expect: [127.0.0.9, 127.0.0.7] }
  - { type: dns, name: svc.test, record: MX, server: 127.0.0.1:$DNS_PORT, expect: mail.svc.test }
  - { type: dns, name: svc.test, record: TXT, server: 127.0.0.1:$DNS_PORT, expect: "v=spf1 -all" }
EOF
    run monit -v "$CHECKS"
    assert_status 0
    assert_output_has "dns www.svc.test A @127.0.0.1:$DNS_PORT: ok, www.svc.test A 127.0.0.7 (from 127.0.0.1:$DNS_PORT in"
    assert_output_has "ok, www.svc.test A 127.0.0.7 (from [::1]:$DNS_PORT in"
    assert_output_has "ok, svc.test MX 10 mail.svc.test (from"
    assert_output_has "ok, svc.test TXT v=spf1 -all (from"
}

@test "dns: an answer too big for UDP is asked again over TCP" {
    def big <<EOF
probes: [{ type: dns, name: big.svc.test, record: TXT, server: 127.0.0.1:$DNS_PORT }]
EOF
    run monit -v "$CHECKS"
    assert_status 0
    want="ok, big.svc.test TXT $(printf 'a%.0s' $(seq 250))$(printf 'b%.0s' $(seq 250))$(printf 'c%.0s' $(seq 250)) (from 127.0.0.1:$DNS_PORT over TCP in"
    assert_output_has "$want"
}

@test "dns: wrong answer, NXDOMAIN, no server, a server that never answers" {
    def wrong <<EOF
probes: [{ type: dns, name: www.svc.test, server: 127.0.0.1:$DNS_PORT, expect: 127.0.0.8 }]
EOF
    def nx <<EOF
probes: [{ type: dns, name: host.nx.test, server: 127.0.0.1:$DNS_PORT }]
EOF
    def noserver <<'EOF'
probes: [{ type: dns, name: www.svc.test, server: "127.0.0.1:23054" }]
EOF
    def silent <<EOF
probes: [{ type: dns, name: www.svc.test, server: 127.0.0.1:$SILENT_PORT, timeout: 700ms }]
EOF
    start=$(date +%s%N)
    run monit "$CHECKS"
    took=$((($(date +%s%N) - start) / 1000000))
    assert_status 1
    [[ "$(service_line wrong)" == " * wrong: FAILED: dns www.svc.test A @127.0.0.1:$DNS_PORT = 127.0.0.8: www.svc.test A is 127.0.0.7, expected 127.0.0.8 (from 127.0.0.1:$DNS_PORT)" ]]
    [[ "$(service_line nx)" == " * nx: FAILED: dns host.nx.test A @127.0.0.1:$DNS_PORT: host.nx.test: no such domain (NXDOMAIN from 127.0.0.1:$DNS_PORT)" ]]
    [[ "$(service_line noserver)" == *"FAILED: dns www.svc.test A @127.0.0.1:23054: 127.0.0.1:23054: connection refused (no DNS server there)" ]]
    [[ "$(service_line silent)" == " * silent: FAILED: dns www.svc.test A @127.0.0.1:$SILENT_PORT: timed out after 700ms waiting for an answer from 127.0.0.1:$SILENT_PORT" ]]
    [ "$took" -lt 2500 ] || { echo "took ${took}ms with a 700ms timeout" >&2; false; }
}

@test "dns: the system resolver (resolv.conf) in a namespace with its own dnsmasq on port 53" {
    ip netns add hostmon-dns
    printf 'nameserver 127.0.0.1\n' >"$BATS_TEST_TMPDIR/resolv.conf"
    def sys <<'EOF'
probes:
  - { type: dns, name: www.svc.test, expect: 127.0.0.7 }
  - { type: dns, name: 127.0.0.7, record: PTR }
EOF
    run ip netns exec hostmon-dns sh -c '
        ip link set lo up
        mount --bind "$1" /etc/resolv.conf
        dnsmasq --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
            --conf-file=/dev/null --pid-file="$2/dnsmasq.pid" --address=/svc.test/127.0.0.7 \
            --ptr-record=7.0.0.127.in-addr.arpa,www.svc.test
        d=$2
        for i in $(seq 50); do [ -s "$d/dnsmasq.pid" ] && break; sleep 0.05; done
        shift 2
        "$@"; rc=$?
        kill "$(cat "$d/dnsmasq.pid")"
        exit $rc' sh "$BATS_TEST_TMPDIR/resolv.conf" "$BATS_TEST_TMPDIR" \
        "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$BATS_TEST_TMPDIR/state" -C "$BATS_TEST_TMPDIR/monit.yaml" \
        -v "$CHECKS"
    ip netns del hostmon-dns
    assert_status 0
    assert_output_has "dns www.svc.test A = 127.0.0.7: ok, www.svc.test A 127.0.0.7 (from 127.0.0.1:53 in"
    assert_output_has "dns 127.0.0.7 PTR: ok, 7.0.0.127.in-addr.arpa PTR www.svc.test (from 127.0.0.1:53"
}

@test "dns: bad server and missing name are errors with positions" {
    def bad <<'EOF'
probes:
  - { type: dns, server: 127.0.0.1 }
  - { type: dns, name: a.test, server: "[::1:53" }
  - { type: dns, name: a.test, record: AXFR }
EOF
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "bad.yaml:2:5: dns probe needs a 'name' to resolve"
    assert_output_has "bad.yaml:3:40: bad server '[::1:53': expected HOST, HOST:PORT or [IPV6]:PORT"
    assert_output_has "bad.yaml:4:40: bad value 'AXFR' for 'record'"
}

# --- outputs -----------------------------------------------------------

# Three services: one passes, one warns (load warn 0), one fails, with a
# probe label that needs escaping everywhere.
three_services() {
    def good <<'EOF'
probes: [{ type: disk, path: /, warn: 100%, crit: 100%, name: "root \"fs\" \\ ' = | tab\there é" }]
EOF
    def warned <<'EOF'
probes: [{ type: load, warn: 0 }]
EOF
    def broken <<'EOF'
probes: [{ type: tcp, port: 23099, timeout: 1s }]
EOF
}

@test "json: one object that a real parser reads, nulls where there is none" {
    three_services
    run --separate-stderr monit -f json "$CHECKS"
    assert_status 1
    # jq parses it (fails the test on a syntax error) and so does Python's.
    /usr/bin/python3 -m json.tool <<<"$output" >/dev/null
    [ "$(jq -r '.exit_status' <<<"$output")" = 1 ]
    [ "$(jq -r '.host | length > 0' <<<"$output")" = true ]
    [[ "$(jq -r '.started' <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9]{2}:[0-9]{2}$ ]]
    [ "$(jq -c '[.services[].name]' <<<"$output")" = '["broken","good","warned"]' ]
    [ "$(jq -c '[.services[].status]' <<<"$output")" = '["FAILED","PASSED","PASSED"]' ]
    [ "$(jq -r '.services[1].reason, .services[1].warning' <<<"$output")" = $'null\nnull' ]
    [ "$(jq -r '.services[0].reason' <<<"$output")" = "tcp 127.0.0.1:23099: connection refused" ]
    [[ "$(jq -r '.services[2].warning' <<<"$output")" == "load: 1min load "* ]]
    # The label round-trips byte for byte through the escaping.
    [ "$(jq -r '.services[1].probes[0].name' <<<"$output")" = "root \"fs\" \\ ' = | tab	here é" ]
    [ "$(jq -r '.services[1].probes[0].type' <<<"$output")" = disk ]
    [ "$(jq -r '.services[0].probes[0].value' <<<"$output")" = null ]
    [ "$(jq -r '.services[0].probes[0].status' <<<"$output")" = failed ]
    jq -e '.services[1].probes[0].value >= 0 and .services[1].probes[0].value <= 100' <<<"$output"
    jq -e '.services[0].probes[0].duration_seconds | type == "number"' <<<"$output"
    jq -e '.services[0].actions == []' <<<"$output"
}

# Parses plugin output per the Nagios plugin API; prints "state|perf label count".
nagios_parse() {
    "$PY" - "$1" <<'EOF'
import re, sys
out = sys.argv[1]
first, *rest = out.split("\n")
m = re.fullmatch(r"SYMBIOSIS-MONIT (OK|WARNING|CRITICAL|UNKNOWN) - ([^|]*) \| (.*)", first)
assert m, "bad status line: %r" % first
item = re.compile(r"('(?:[^'=]|'')+'|[^'= ]+)=(-?[0-9.]+)(s|ms|us|%|B|KB|MB|TB|c)?;(-?[0-9.]*);(-?[0-9.]*);(-?[0-9.]*);?(-?[0-9.]*)$")
labels = []
for tok in re.findall(r"'(?:[^']|'')*'=\S*|\S+=\S*", m.group(3)):
    im = item.match(tok)
    assert im, "bad performance data item: %r" % tok
    labels.append(im.group(1))
assert labels[-1] == "'time'", labels
print(m.group(1))
print("\n".join(labels))
EOF
}

@test "nagios: OK, WARNING and CRITICAL runs, with performance data per the plugin API" {
    three_services
    rm "$CHECKS/warned.yaml" "$CHECKS/broken.yaml"
    run monit -f nagios "$CHECKS"
    assert_status 0
    [[ "$output" == "SYMBIOSIS-MONIT OK - all 1 service passed | 'good'=1;;;0;1 'good/root \"fs\" \\ '' _ "?" tab"*"here é'="*"%;100;100;0;100 'time'="*"s;;;0" ]]
    run nagios_parse "$output"
    [ "${lines[0]}" = OK ]

    three_services
    rm "$CHECKS/broken.yaml"
    run monit -f nagios "$CHECKS"
    assert_status 1
    [[ "${lines[0]}" == "SYMBIOSIS-MONIT WARNING - 1 of 2 services with warnings: warned | "* ]]
    [[ "${lines[1]}" == "warned: PASSED (warning: load: 1min load "* ]]
    [[ "${lines[0]}" == *" 'warned/load'="*";0;;0;"* ]]
    run nagios_parse "$output"
    [ "${lines[0]}" = WARNING ]

    three_services
    run monit -f nagios "$CHECKS"
    assert_status 2
    [[ "${lines[0]}" == "SYMBIOSIS-MONIT CRITICAL - 1 of 3 services failed: broken | 'broken'=0;;;0;1 'good'=1;;;0;1 'warned'=1;;;0;1 "* ]]
    [ "${lines[1]}" = "broken: FAILED: tcp 127.0.0.1:23099: connection refused" ]
    run nagios_parse "$output"
    [ "${lines[0]}" = CRITICAL ]
}

@test "nagios: no service to check is UNKNOWN (3)" {
    def off <<'EOF'
enabled: false
probes: [{ type: load }]
EOF
    run monit -f nagios "$CHECKS"
    assert_status 3
    [[ "$output" == "SYMBIOSIS-MONIT UNKNOWN - no services checked | 'time'="* ]]
}

@test "prometheus: a textfile node_exporter reads without a scrape error" {
    three_services
    run monit --prometheus "$D/prom/symbiosis.prom" "$CHECKS"
    assert_status 1
    [ "$(stat -c %a "$D/prom/symbiosis.prom")" = 644 ]
    # Nothing but the file itself is left in the directory (the temporary file was renamed).
    [ "$(ls -A "$D/prom")" = symbiosis.prom ]
    metrics=$(curl -sf "http://127.0.0.1:$NODE_PORT/metrics")
    grep -Fx 'node_textfile_scrape_error 0' <<<"$metrics"
    grep -Fx 'symbiosis_monit_service_up{service="broken"} 0' <<<"$metrics"
    grep -Fx 'symbiosis_monit_service_up{service="good"} 1' <<<"$metrics"
    grep -Fx 'symbiosis_monit_probe_success{probe="tcp 127.0.0.1:23099",service="broken"} 0' <<<"$metrics"
    grep -Fx 'symbiosis_monit_restarts_total{service="warned"} 0' <<<"$metrics"
    grep -E '^symbiosis_monit_probe_duration_seconds\{probe="load",service="warned"\} [0-9.e+-]+$' <<<"$metrics"
    grep -E '^symbiosis_monit_probe_value\{probe="load",service="warned"\} [0-9.e+-]+$' <<<"$metrics"
    # The label that needed escaping came through the exposition parser intact.
    grep -F 'symbiosis_monit_probe_value{probe="root \"fs\" \\ '"'"' = | tab	here é",service="good"}' <<<"$metrics"
    grep -E '^symbiosis_monit_last_run_timestamp_seconds [0-9.e+]+$' <<<"$metrics"
    for m in service_up probe_success probe_duration_seconds probe_value restarts_total last_run_timestamp_seconds; do
        grep -q "^# HELP symbiosis_monit_$m " <<<"$metrics"
        grep -q "^# TYPE symbiosis_monit_$m " <<<"$metrics"
    done
}

@test "prometheus: an unwritable directory is reported, the report still printed" {
    def l <<'EOF'
probes: [{ type: load }]
EOF
    run --separate-stderr monit --prometheus "$D/no/such/dir/x.prom" "$CHECKS"
    assert_status 0
    [[ "$stderr" == "symbiosis-monit: cannot write $D/no/such/dir/x.prom: No such file or directory" ]]
    assert_output_has " * l: PASSED"
}

@test "host probes and formatters run clean under valgrind" {
    [ -x "$MONIT_PLAIN" ] || skip "no plain build (run through make check)"
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    m=$(tmpfs_at vg 4M 100)
    def h <<EOF
probes:
  - { type: disk, path: $m }
  - { type: load, warn: 0 }
  - { type: users }
  - { type: ping, host: 127.0.0.1, count: 1 }
  - { type: dns, name: www.svc.test, server: 127.0.0.1:$DNS_PORT, expect: 127.0.0.7 }
  - { type: dns, name: host.nx.test, server: 127.0.0.1:$DNS_PORT }
EOF
    for f in json nagios; do
        run monit_valgrind -f $f --prometheus "$D/prom/vg.prom" "$CHECKS"
        # 1 (json) and 2 (nagios): the nx.test probe fails; 97 is valgrind's.
        [ "$status" -eq $([ $f = json ] && echo 1 || echo 2) ] || { echo "status $status: $output" >&2; false; }
        assert_output_has "host.nx.test"
    done
}

# --- shipped examples ----------------------------------------------------

@test "carbonio examples: every role directory loads with --check-config, and all of them together" {
    ex="$TOP/etc/symbiosis/examples/carbonio"
    # Copies, as an admin installs them: a checkout made under umask 002 has
    # group-writable files, which a run as root refuses as insecure.
    for role in mta proxy mailstore mesh-directory event-streaming all-nodes; do
        [ -d "$ex/$role" ]
        mkdir -m 755 "$BATS_TEST_TMPDIR/$role"
        cp "$ex/$role"/*.yaml "$BATS_TEST_TMPDIR/$role/"
        chmod 644 "$BATS_TEST_TMPDIR/$role"/*.yaml
        run monit --check-config "$BATS_TEST_TMPDIR/$role"
        [ "$status" -eq 0 ] || { echo "$role: $output" >&2; false; }
        [[ "$output" == *" definitions in $BATS_TEST_TMPDIR/$role: OK" ]]
    done
    # A single-server installation has every role: the names must not collide.
    cp "$ex"/*/*.yaml "$CHECKS/"
    chmod 644 "$CHECKS"/*.yaml
    run monit --check-config "$CHECKS"
    assert_status 0
    [ "$output" = "26 definitions in $CHECKS: OK" ]
    # Every port and path of the guide is there.
    run monit --list "$CHECKS"
    for port in 25 465 587 7026 3310 10024 8465 143 993 110 995 7025 7110 7143 8730 8736 7995 7993 5432 8300 \
        9308 7072 2181 22; do
        assert_output_has ":$port "
    done
    for url in http://localhost:80/ https://localhost:443/ http://localhost:8080/ https://localhost:7071/ \
        ldap://localhost:389/ http://127.0.0.1:8500 http://127.0.0.1:8008; do
        grep -rqF "url: \"$url\"" "$ex" || { echo "no probe has url $url" >&2; false; }
    done
    for path in /run/carbonio/clamd.socket /run/carbonio/mysql.sock /opt /var/lib /var/log /opt/zextras/store \
        /opt/zextras/backup /opt/zextras/incoming /opt/zextras/cache; do
        assert_output_has "$path ("
    done
    for kind in "(load," "(users," "(ping," "(dns," "(systemd,"; do
        assert_output_has "$kind"
    done
}
