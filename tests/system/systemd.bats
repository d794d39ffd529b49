#!/usr/bin/env bats
# systemd.bats: remediation against real systemd (PID 1 of a namespace, see
# tests/lib/systemd.bash) with real services as units: an SMTP server
# (aiosmtpd), nginx, a small Python HTTP daemon, units that fail for real. The
# binary under test runs inside the namespace and talks to systemd over the
# system bus. Ports 24000-24999.
#
# LeakSanitizer works inside the namespace here (we are root; nsenter keeps
# ptrace possible; the first test proves it), so the ASan binary runs with
# the suite's default options.

load "$TOP/tests/lib/common"
load "$TOP/tests/lib/systemd"
bats_require_minimum_version 1.5.0

SMTP_PORT=24025
WEB_PORT=24080
EXTRA_PORT=24081

setup_file() {
    sd_init
    local d=$SD_DIR
    mkdir -p "$d/nginx"
    cat >"$d/nginx/nginx.conf" <<EOF
daemon off;
pid $d/nginx/nginx.pid;
error_log $d/nginx/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $d/nginx/body;
    proxy_temp_path $d/nginx/proxy;
    fastcgi_temp_path $d/nginx/fastcgi;
    uwsgi_temp_path $d/nginx/uwsgi;
    scgi_temp_path $d/nginx/scgi;
    server { listen 127.0.0.1:$WEB_PORT; location / { return 200 "ok\n"; } }
}
EOF
    sd_unit smtp.service <<EOF
[Service]
ExecStart=/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:$SMTP_PORT
EOF
    sd_unit web.service <<EOF
[Service]
ExecStart=/usr/sbin/nginx -c $d/nginx/nginx.conf -p $d/nginx -e $d/nginx/error.log
EOF
    sd_unit extra.service <<EOF
[Service]
ExecStart=/usr/bin/python3 -m http.server --bind 127.0.0.1 $EXTRA_PORT
EOF
    # Fails on every start: the job fails and the unit's result is exit-code.
    sd_unit broken.service <<'EOF'
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'echo "cannot start" >&2; exit 3'
EOF
    # A database that starts only once $SD_DIR/db-ok exists, and its client.
    sd_unit db.service <<EOF
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/test -e $d/db-ok
EOF
    sd_unit app.service <<'EOF'
[Service]
ExecStart=/bin/sleep infinity
EOF
    sd_unit masked.service <<'EOF'
[Service]
ExecStart=/bin/sleep infinity
EOF
    sd_unit quiet.service <<'EOF'
[Service]
ExecStart=/bin/sleep infinity
EOF
    # Two starts a minute at most: the third hits systemd's own start limit.
    sd_unit flap.service <<'EOF'
[Unit]
StartLimitIntervalSec=1h
StartLimitBurst=2
[Service]
ExecStart=/bin/sleep infinity
EOF
    sd_unit burst.service <<'EOF'
[Unit]
StartLimitIntervalSec=1h
StartLimitBurst=2
[Service]
ExecStart=/bin/sleep infinity
EOF
    # Its start never ends: the job outlives any restart-timeout.
    sd_unit hang.service <<'EOF'
[Service]
Type=oneshot
ExecStart=/bin/sleep 300
EOF
    sd_start
    sd_ctl start smtp.service web.service
    wait_port "$SMTP_PORT"
    wait_port "$WEB_PORT"
}

teardown_file() {
    sd_stop
}

setup() {
    setup_checks
    # The machine running the suites is often loaded: the load precondition
    # has its own test below.
    printf 'restart-timeout: 10s\nskip-if-load-above: 0\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    STATE="$BATS_TEST_TMPDIR/state"
}

# Ends the dpkg lock holder and unmounts the private /var/lib/dpkg, if any.
release_dpkg() {
    local holder
    if [ -f "$BATS_TEST_TMPDIR/holder.pid" ]; then
        holder=$(cat "$BATS_TEST_TMPDIR/holder.pid")
        # Its PID inside the namespace, as it printed it.
        holder=$(sed -n 's/^locked //p' "$BATS_TEST_TMPDIR/holder.out")
        [ -z "$holder" ] || sd_exec kill -KILL "$holder" 2>/dev/null || true
        wait "$(cat "$BATS_TEST_TMPDIR/holder.pid")" 2>/dev/null || true
        rm -f "$BATS_TEST_TMPDIR/holder.pid"
    fi
    if [ -f "$BATS_TEST_TMPDIR/dpkg.mounted" ]; then
        sd_exec umount /var/lib/dpkg
        rm -f "$BATS_TEST_TMPDIR/dpkg.mounted"
    fi
}

teardown() {
    release_dpkg
}

# The binary inside the namespace, with this test's lock, state and settings.
nmonit() {
    sd_exec "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$STATE" -C "$BATS_TEST_TMPDIR/monit.yaml" "$@"
}

smtp_greets() {
    local line
    exec 5<>"/dev/tcp/127.0.0.1/$SMTP_PORT" || return 1
    IFS= read -r -t 5 line <&5
    exec 5<&-
    [[ "$line" == 220* ]]
}

def_smtp() {
    def smtp <<EOF
unit: smtp
probes:
  - { type: tcp, port: $SMTP_PORT, expect: "^220 " }
EOF
}

# A unit's start count: systemd's monotonic time of its last start.
started_at() {
    sd_prop "$1" ExecMainStartTimestampMonotonic
}

@test "LeakSanitizer works inside the namespace (so the runs below would show a leak)" {
    printf '#include <stdlib.h>\nint main(void) { void *volatile p = malloc(77); p = 0; return 0; }\n' \
        >"$BATS_TEST_TMPDIR/leak.c"
    cc -fsanitize=address -g -o "$BATS_TEST_TMPDIR/leak" "$BATS_TEST_TMPDIR/leak.c"
    run sd_exec "$BATS_TEST_TMPDIR/leak"
    [ "$status" -eq 99 ] # ASAN_OPTIONS/LSAN_OPTIONS of tests/run.sh: exitcode=99
    assert_output_has "LeakSanitizer: detected memory leaks"
    assert_output_has "77 byte(s) leaked"
}

@test "a killed main process: the next run restarts the unit, and the service answers again" {
    def_smtp
    sd_ctl kill -s KILL smtp.service
    sd_wait_state smtp.service failed
    run nmonit "$CHECKS"
    assert_status 0
    assert_output_has " * smtp: PASSED (restarted smtp.service after: unit smtp.service: failed (result: signal); tcp 127.0.0.1:$SMTP_PORT: connection refused)"
    [ "$(sd_ctl is-active smtp.service)" = active ]
    smtp_greets
    grep -q '^service=smtp status=PASSED .* restarts-total=1 ' "$STATE"
}

@test "a stopped nginx is started (StartUnit) and serves again" {
    def web <<EOF
unit: web
probes:
  - { type: http, url: "http://127.0.0.1:$WEB_PORT/" }
EOF
    sd_ctl stop web.service
    run nmonit "$CHECKS"
    assert_status 0
    assert_output_has " * web: PASSED (started web.service after: unit web.service: inactive (dead);"
    [ "$(curl -s "http://127.0.0.1:$WEB_PORT/")" = ok ]
}

@test "a unit that always fails: FAILED with systemd's result, then the restart limit stops the attempts" {
    printf 'restart-limit: { count: 2, within: 1h }\nskip-if-load-above: 0\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    echo "unit: broken" | def broken
    run nmonit "$CHECKS"
    assert_status 1
    assert_output_has " * broken: FAILED: unit broken.service: inactive (dead); start of broken.service failed: job failed, unit result exit-code"
    run nmonit "$CHECKS"
    assert_status 1
    assert_output_has "restart of broken.service failed: job failed, unit result exit-code"
    local before
    before=$(started_at broken.service)
    run nmonit "$CHECKS"
    assert_status 1
    assert_output_has "not restarted: restart limit reached (2 in 1h)"
    assert_output_lacks "restart of broken.service failed"
    [ "$(started_at broken.service)" = "$before" ] # no attempt was made
    grep -q '^service=broken status=FAILED .* failures=3 .* restarts-total=2 ' "$STATE"
}

@test "a masked unit is never started" {
    echo "unit: masked" | def masked
    sd_ctl start masked.service
    sd_ctl stop masked.service
    sd_ctl mask --runtime masked.service
    local before
    before=$(started_at masked.service)
    run nmonit "$CHECKS"
    sd_ctl unmask --runtime masked.service
    assert_status 1
    assert_output_has " * masked: FAILED: unit masked.service: masked, inactive (dead); not restarted: unit is masked"
    [ "$(sd_ctl is-active masked.service)" = inactive ]
    [ "$(started_at masked.service)" = "$before" ]
}

@test "a service that is not needed: its active unit is stopped; an inactive one is left alone" {
    def extra <<EOF
unit: extra
needed: { if-exists: $BATS_TEST_TMPDIR/no-such-*/antispam }
probes:
  - { type: tcp, port: $EXTRA_PORT }
EOF
    sd_ctl start extra.service
    wait_port "$EXTRA_PORT"
    run nmonit -n "$CHECKS"
    assert_output_has " * extra: PASSED (not needed; would stop extra.service)"
    [ "$(sd_ctl is-active extra.service)" = active ]
    run nmonit "$CHECKS"
    assert_status 0
    assert_output_has " * extra: PASSED (not needed; stopped)"
    [ "$(sd_ctl is-active extra.service)" = inactive ]
    run nmonit "$CHECKS"
    assert_status 0
    assert_output_has " * extra: PASSED (not needed)"
    # Once needed, it is started like any failed service.
    mkdir -p "$BATS_TEST_TMPDIR/no-such-x" && touch "$BATS_TEST_TMPDIR/no-such-x/antispam"
    run nmonit "$CHECKS"
    assert_status 0
    assert_output_has " * extra: PASSED (started extra.service after: "
}

@test "dependency order: a dependent of a failing service is not restarted, and is once it recovers" {
    echo "unit: db" | def db
    printf 'unit: app\ndepends-on: [db]\n' | def app
    rm -f "$SD_DIR/db-ok"
    sd_ctl start app.service
    sd_ctl kill -s KILL app.service
    sd_wait_state app.service failed
    local before
    before=$(started_at app.service)
    run nmonit "$CHECKS"
    assert_status 1
    assert_output_has " * app: FAILED: unit app.service: failed (result: signal); not restarted: depends on db, which failed"
    assert_output_has " * db: FAILED: "
    [ "$(started_at app.service)" = "$before" ]
    [ "$(sd_ctl is-active app.service)" = failed ]
    # The database comes back: it is started first, then its client.
    touch "$SD_DIR/db-ok"
    run nmonit "$CHECKS"
    assert_status 0
    assert_output_has " * db: PASSED (restarted db.service after: "
    assert_output_has " * app: PASSED (restarted app.service after: "
    [ "$(sd_prop db.service ActiveEnterTimestampMonotonic)" -lt "$(started_at app.service)" ]
}

@test "a unit that hit systemd's own start limit is reset and restarted" {
    echo "unit: flap" | def flap
    sd_ctl start flap.service
    sd_ctl restart flap.service
    run sd_ctl restart flap.service # the third start in the interval is refused
    [ "$status" -ne 0 ]
    [ "$(sd_prop flap.service Result)" = start-limit-hit ]
    run nmonit -v "$CHECKS"
    assert_status 0
    assert_output_has " * flap: PASSED (restarted flap.service after: unit flap.service: failed (result: start-limit-hit))"
    assert_output_has "> reset the start limit of flap.service"
    [ "$(sd_ctl is-active flap.service)" = active ]
}

@test "on the bus: the JobRemoved match is in place before RestartUnit is called (busctl monitor)" {
    def_smtp
    sd_ctl start smtp.service
    sd_ctl kill -s KILL smtp.service
    sd_wait_state smtp.service failed
    _sd_pid
    # busctl ends by itself (timeout): nothing to hunt down afterwards.
    sd_exec timeout 4 busctl --system monitor --json=short >"$BATS_TEST_TMPDIR/bus.json" 2>/dev/null 3>&- &
    local mon=$!
    sleep 0.5
    run nmonit "$CHECKS"
    wait "$mon" || true
    assert_status 0
    # For the client that called RestartUnit: its AddMatch for JobRemoved came first.
    "$PY" - "$BATS_TEST_TMPDIR/bus.json" <<'EOF'
import json, sys
events = []
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("type") == "method_call":
        data = m.get("payload", {}).get("data") or []
        events.append((m.get("sender"), m.get("member"), data))
restarts = [i for i, e in enumerate(events) if e[1] == "RestartUnit" and e[2][:2] == ["smtp.service", "replace"]]
assert len(restarts) == 1, "RestartUnit(smtp.service, replace) calls: %d" % len(restarts)
sender = events[restarts[0]][0]
matches = [i for i, e in enumerate(events[:restarts[0]])
           if e[0] == sender and e[1] == "AddMatch" and "member='JobRemoved'" in e[2][0]]
assert matches, "no JobRemoved match before RestartUnit"
EOF
}

@test "a start job that does not end: the wait is bounded by restart-timeout, and the report says so" {
    printf 'restart-timeout: 1s\nskip-if-load-above: 0\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    echo "unit: hang" | def hang
    local t0=$SECONDS
    run nmonit "$CHECKS"
    local took=$((SECONDS - t0))
    sd_ctl stop hang.service # cancels the start job
    assert_status 1
    assert_output_has " * hang: FAILED: unit hang.service: inactive (dead); start of hang.service failed: the job did not finish within 1s"
    [ "$took" -le 4 ]
}

@test "an insecure definition: its unit is not touched" {
    def_smtp
    chmod 666 "$CHECKS/smtp.yaml"
    sd_ctl start smtp.service
    sd_ctl kill -s KILL smtp.service
    sd_wait_state smtp.service failed
    run nmonit "$CHECKS"
    assert_status 1
    assert_output_has " * smtp: FAILED: insecure: $CHECKS/smtp.yaml is world-writable"
    [ "$(sd_ctl is-active smtp.service || true)" = failed ]
    sd_ctl start smtp.service
}

@test "a unit killed after using up its start limit (Result still 'signal') is reset and restarted" {
    echo "unit: burst" | def burst
    sd_ctl start burst.service
    sd_ctl restart burst.service # two starts: the limit is used up
    sd_ctl kill -s KILL burst.service
    sd_wait_state burst.service failed
    [ "$(sd_prop burst.service Result)" = signal ]
    run sd_ctl start burst.service # what a plain restart would meet
    [ "$status" -ne 0 ]
    sd_ctl kill -s KILL burst.service 2>/dev/null || true
    [ "$(sd_ctl is-active burst.service || true)" = failed ]
    run nmonit "$CHECKS"
    assert_status 0
    assert_output_has " * burst: PASSED (restarted burst.service after: unit burst.service: failed (result: "
    [ "$(sd_ctl is-active burst.service)" = active ]
}

@test "the package manager's lock held (fcntl, as dpkg takes it): nothing restarted, the reason says why" {
    def_smtp
    # A private /var/lib/dpkg inside the namespace: the host's dpkg is untouched.
    mkdir -p "$BATS_TEST_TMPDIR/dpkg"
    touch "$BATS_TEST_TMPDIR/dpkg/lock-frontend" "$BATS_TEST_TMPDIR/dpkg/lock"
    sd_exec mount --bind "$BATS_TEST_TMPDIR/dpkg" /var/lib/dpkg
    touch "$BATS_TEST_TMPDIR/dpkg.mounted"
    sd_exec "$PY" -c 'import fcntl, os, time
f = open("/var/lib/dpkg/lock-frontend", "r+")
fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
print("locked", os.getpid(), flush=True)
time.sleep(60)' >"$BATS_TEST_TMPDIR/holder.out" 3>&- &
    echo $! >"$BATS_TEST_TMPDIR/holder.pid"
    wait_file "$BATS_TEST_TMPDIR/holder.out"
    for _ in $(seq 50); do grep -q locked "$BATS_TEST_TMPDIR/holder.out" && break; sleep 0.1; done
    sd_ctl kill -s KILL smtp.service
    sd_wait_state smtp.service failed
    run nmonit "$CHECKS"
    local held_status=$status held_output=$output active_then
    active_then=$(sd_ctl is-active smtp.service || true)
    # --force overrides it.
    run nmonit --force "$CHECKS"
    local forced_output=$output
    release_dpkg
    status=$held_status output=$held_output
    assert_status 1
    assert_output_has " * smtp: FAILED: unit smtp.service: failed (result: signal); tcp 127.0.0.1:$SMTP_PORT: connection refused; not restarted: package manager is running"
    [ "$active_then" = failed ]
    output=$forced_output
    assert_output_has " * smtp: PASSED (restarted smtp.service after: "
    smtp_greets
}

@test "--quiet: the first failure prints, the same failure again prints nothing, the recovery prints" {
    printf 'unit: quiet\non-failure: report\n' | def quiet
    sd_ctl start quiet.service
    run nmonit -q "$CHECKS"
    assert_status 0
    assert_output_has " * quiet: PASSED" # a first run is news
    run nmonit -q "$CHECKS"
    assert_status 0
    [ -z "$output" ]
    sd_ctl stop quiet.service
    run nmonit -q "$CHECKS"
    assert_status 1
    assert_output_has " * quiet: FAILED: unit quiet.service: inactive (dead)"
    run nmonit -q "$CHECKS"
    assert_status 1
    [ -z "$output" ] # stdout and stderr: bats' run captures both
    sd_ctl start quiet.service
    run nmonit -q "$CHECKS"
    assert_status 0
    assert_output_has " * quiet: PASSED"
    run nmonit -q "$CHECKS"
    [ -z "$output" ]
}

@test "--quiet reminds of a failure last reported longer ago than remind-every" {
    # The state counts whole seconds: with remind-every 1s, a second run a
    # few milliseconds after the first could fall past a second's boundary
    # and be "a second later". 3s leaves the second run two seconds of room.
    printf 'remind-every: 3s\nskip-if-load-above: 0\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    printf 'unit: quiet\non-failure: report\n' | def quiet
    sd_ctl stop quiet.service
    run nmonit -q "$CHECKS"
    assert_output_has " * quiet: FAILED"
    run nmonit -q "$CHECKS"
    [ -z "$output" ]
    sleep 3.1
    run nmonit -q "$CHECKS"
    assert_output_has " * quiet: FAILED"
}

@test "--dry-run: says what it would do, leaves the units and the state as they were" {
    def_smtp
    sd_ctl start smtp.service
    wait_port "$SMTP_PORT"
    run nmonit "$CHECKS"
    assert_status 0
    cp "$STATE" "$BATS_TEST_TMPDIR/before.state"
    sd_ctl kill -s KILL smtp.service
    sd_wait_state smtp.service failed
    run nmonit --dry-run "$CHECKS"
    assert_status 1
    assert_output_has " * smtp: FAILED: unit smtp.service: failed (result: signal); tcp 127.0.0.1:$SMTP_PORT: connection refused; would restart smtp.service"
    [ "$(sd_ctl is-active smtp.service)" = failed ]
    cmp "$STATE" "$BATS_TEST_TMPDIR/before.state"
    [ -z "$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'state.??????')" ] # no temporary file either
    run nmonit "$CHECKS"
    assert_output_has "restarted smtp.service"
}

@test "status changes and actions go to the journal with the service and its status" {
    def_smtp
    sd_ctl start smtp.service
    sd_ctl kill -s KILL smtp.service
    sd_wait_state smtp.service failed
    run nmonit "$CHECKS"
    assert_status 0
    local j
    j=$(sd_exec journalctl --no-pager -o verbose -t symbiosis-monit SYMBIOSIS_SERVICE=smtp)
    [[ "$j" == *"MESSAGE=smtp: restarted smtp.service"* ]]
    [[ "$j" == *"SYMBIOSIS_STATUS=PASSED"* ]]
    [[ "$j" == *"SYSLOG_IDENTIFIER=symbiosis-monit"* ]]
}

@test "without a journal, status changes and actions go to syslog (/dev/log)" {
    def_smtp
    sd_ctl start smtp.service
    sd_ctl kill -s KILL smtp.service
    sd_wait_state smtp.service failed
    # A mount namespace of its own inside the systemd one: the journal's socket
    # hidden, a private /dev (with /dev/null) where a listener plays syslogd.
    # The host's /dev is never touched.
    cat >"$BATS_TEST_TMPDIR/syslog.sh" <<EOF
set -e
mount -t tmpfs tmpfs /run/systemd/journal
touch "$BATS_TEST_TMPDIR/null"
mount --bind /dev/null "$BATS_TEST_TMPDIR/null"
mount -t tmpfs tmpfs /dev
touch /dev/null
mount --bind "$BATS_TEST_TMPDIR/null" /dev/null
$PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(5)
out = open(sys.argv[1], "w")
try:
    while True:
        out.write(s.recv(8192).decode(errors="replace") + "\\n")
        out.flush()
except socket.timeout:
    pass
' "$BATS_TEST_TMPDIR/syslog.out" &
listener=\$!
for i in \$(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
"$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$STATE" -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS"
sleep 0.2
kill \$listener
wait \$listener || true
EOF
    run sd_exec unshare --mount --propagation private sh "$BATS_TEST_TMPDIR/syslog.sh"
    assert_status 0
    assert_output_has " * smtp: PASSED (restarted smtp.service after: "
    grep -E '^<29>.* symbiosis-monit\[[0-9]+\]: smtp: restarted smtp.service$' "$BATS_TEST_TMPDIR/syslog.out"
}

@test "the systemd probe: a named unit, and failed-units naming every failed unit" {
    def units <<EOF
probes:
  - { type: systemd, unit: web }
  - { type: systemd, failed-units: true }
EOF
    sd_ctl start web.service
    sd_ctl reset-failed
    run nmonit -v "$CHECKS"
    assert_status 0
    assert_output_has "- systemd web.service: ok, active (running)"
    assert_output_has "- systemd failed-units: ok, no failed units"
    sd_ctl start broken.service || true
    sd_ctl start app.service && sd_ctl kill -s KILL app.service && sd_wait_state app.service failed
    run nmonit "$CHECKS"
    assert_status 1
    assert_output_has " * units: FAILED: systemd failed-units: 2 failed units: app.service, broken.service"
    sd_ctl reset-failed
}

@test "booting (/run/nologin): exit 75 without probing; --force runs anyway" {
    def_smtp
    sd_ctl start smtp.service
    sd_exec touch /run/nologin
    run nmonit "$CHECKS"
    local st=$status out=$output
    run nmonit -q "$CHECKS"
    local quiet_out=$output
    run nmonit --force "$CHECKS"
    sd_exec rm -f /run/nologin
    [ "$st" -eq 75 ]
    [[ "$out" == *"the system is booting (/run/nologin exists)"* ]]
    [ -z "$quiet_out" ]
    assert_status 0
    assert_output_has " * smtp: PASSED"
}

@test "booting (systemd's SystemState is initializing/starting): exit 75; --force runs anyway" {
    def_smtp
    # A new systemd whose boot transaction waits for a start that never ends.
    # (Without a basic.target, systemd calls that "initializing".)
    SD_WANTS=hang.service sd_restart
    local sys_state st out forced
    sys_state=$(sd_exec busctl --system get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
        org.freedesktop.systemd1.Manager SystemState)
    run nmonit "$CHECKS"
    st=$status out=$output
    run nmonit --force "$CHECKS"
    forced=$output
    # Back to the namespace the other tests expect, before any assertion.
    sd_restart
    sd_ctl start smtp.service web.service
    wait_port "$SMTP_PORT"
    [[ "$sys_state" == 's "initializing"' || "$sys_state" == 's "starting"' ]]
    [ "$st" -eq 75 ]
    [[ "$out" =~ "the system is booting (systemd is "(initializing|starting)"); not running" ]]
    [[ "$forced" == *" * smtp: "* ]]
    # And once booted, it runs.
    run nmonit "$CHECKS"
    assert_status 0
}

@test "load above skip-if-load-above: exit 75" {
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    if awk "BEGIN { exit !($load < 0.02) }"; then
        skip "the 1-minute load is $load: too low to set a threshold under it"
    fi
    printf 'skip-if-load-above: 0.01\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    def_smtp
    run nmonit "$CHECKS"
    assert_status 75
    assert_output_has "is above 0.01; not running"
    run nmonit --force "$CHECKS"
    assert_status 0
}

@test "the state file: garbage and a cut file are moved aside with a warning; the run goes on as a first run" {
    def_smtp
    sd_ctl start smtp.service
    printf 'garbage\x00\xff\n' >"$STATE"
    run --separate-stderr nmonit -q "$CHECKS"
    assert_status 0
    [[ "$stderr" == *"state file $STATE is corrupt (line 1: NUL byte); moved it to $STATE.corrupt and starting afresh"* ]]
    assert_output_has " * smtp: PASSED" # a warning about the run is news
    cmp "$STATE.corrupt" <(printf 'garbage\x00\xff\n')
    head -n1 "$STATE" | grep -qx 'symbiosis-monit state 1'
    # Cut short: everything but its last bytes.
    head -c -4 "$STATE" >"$STATE.cut" && mv "$STATE.cut" "$STATE"
    run --separate-stderr nmonit "$CHECKS"
    assert_status 0
    [[ "$stderr" == *"is corrupt (line 3: cut short"* ]]
    tail -n1 "$STATE" | grep -qx end
}

@test "the state file is never followed through a symbolic link (exit 2, target untouched)" {
    def_smtp
    echo precious >"$BATS_TEST_TMPDIR/target"
    ln -s "$BATS_TEST_TMPDIR/target" "$STATE"
    run nmonit "$CHECKS"
    assert_status 2
    assert_output_has "state file $STATE is a symbolic link"
    run nmonit --dry-run "$CHECKS"
    assert_status 2
    [ "$(cat "$BATS_TEST_TMPDIR/target")" = precious ]
    [ -L "$STATE" ]
}

@test "the state file survives kill -9 of the binary at any moment" {
    def_smtp
    echo "unit: broken" | def broken # a job and a state write on every run
    # A run that lasts a while, so that a random moment falls inside it.
    printf 'probes:\n  - { type: exec, command: [/bin/sleep, "0.2"] }\n' | def slow
    printf 'settle: 50ms\nrestart-limit: { count: 1000, within: 1h }\nskip-if-load-above: 0\n' >"$BATS_TEST_TMPDIR/monit.yaml"
    sd_ctl start smtp.service
    # Kill at a random moment inside one run's duration (in ms).
    local t0 ms r i pid child kills=0
    t0=${EPOCHREALTIME/./}
    nmonit "$CHECKS" >/dev/null 2>&1 || true
    ms=$(((${EPOCHREALTIME/./} - t0) / 1000 + 1))
    for i in $(seq 25); do
        # nsenter itself (not a function's subshell), so that its child is the binary.
        _sd_pid
        nsenter -t "$SD_PID" -m -p "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$STATE" \
            -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS" >/dev/null 2>&1 3>&- {SD_LOCK_FD}>&- &
        pid=$!
        r=$((RANDOM % ms))
        sleep "$(printf '%d.%03d' $((r / 1000)) $((r % 1000)))"
        # nsenter forks the binary into the namespace: kill the binary itself.
        for _ in $(seq 20); do
            child=$(pgrep -P "$pid" | head -n1)
            [ -n "$child" ] && [ "$(readlink "/proc/$child/exe")" = "$MONIT" ] && break
            child=
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.01
        done
        if [ -n "$child" ] && kill -KILL "$child" 2>/dev/null; then kills=$((kills + 1)); fi
        wait "$pid" 2>/dev/null || true
        if [ -e "$STATE" ]; then
            head -n1 "$STATE" | grep -qx 'symbiosis-monit state 1'
            tail -n1 "$STATE" | grep -qx end
        fi
    done
    echo "# killed $kills of 25 runs (a run takes ${ms}ms)" >&3
    [ "$kills" -ge 15 ]
    run --separate-stderr nmonit "$CHECKS"
    [ "$status" -eq 1 ]
    [[ "$stderr" != *corrupt* ]]
    [ ! -e "$STATE.corrupt" ]
    # Temporary files of killed runs are removed by a later whole run once
    # they are a minute old (younger ones may be another writer's).
    echo "# $(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'state.??????' | wc -l) temporary files left by the kills" >&3
    find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'state.??????' -exec touch -d '2 minutes ago' {} +
    run nmonit "$CHECKS"
    [ -z "$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'state.??????')" ]
}

@test "valgrind: a run that restarts a unit, logs to the journal and writes the state is clean" {
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    def_smtp
    echo "unit: broken" | def broken
    sd_ctl start smtp.service
    sd_ctl kill -s KILL smtp.service
    sd_wait_state smtp.service failed
    run sd_exec valgrind -q --keep-debuginfo=yes --suppressions="$TOP/tests/valgrind.supp" --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
        --show-leak-kinds=definite,indirect,possible "$MONIT_PLAIN" --lock "$BATS_TEST_TMPDIR/lock" --state "$STATE" \
        -C "$BATS_TEST_TMPDIR/monit.yaml" "$CHECKS"
    assert_status 1 # broken fails; 97 would be a valgrind error
    assert_output_has " * smtp: PASSED (restarted smtp.service after: "
    assert_output_has "of broken.service failed: job failed, unit result exit-code"
    grep -q '^service=smtp status=PASSED' "$STATE"
}
