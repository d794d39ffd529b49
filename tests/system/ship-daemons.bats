#!/usr/bin/env bats
# The shipped Symbiosis definitions against the real daemons of Debian 12's
# packages, each run as a unit with Debian's unit name under real systemd in a
# namespace (tests/lib/systemd.bash). The namespace has its own /run, so the
# definitions' real PID files and sockets (/run/sshd.pid, /run/mysqld/mysqld.sock,
# /run/clamav/clamd.ctl...) are used as shipped; only the TCP ports are moved
# into this suite's range 25000-25999 (ship_ports_sed), and /srv is a tmpfs in
# the namespace for the /srv/*/config/... conditions. Each definition must
# PASS with its daemon running and FAIL, with a clear reason, once it stops.

load "$TOP/tests/lib/common"
load "$TOP/tests/lib/systemd"
load "$TOP/tests/system/ship-services"

UNITS="apache2 cron incron dovecot exim4 mariadb prosody pure-ftpd spamd clamav-daemon ssh"

setup_file() {
    # The daemons' users (mysql, prosody, Debian-exim) must reach their files,
    # which a bats temporary directory (mode 700) does not allow.
    SHIP=$(mktemp -d /tmp/ship-daemons.XXXXXX)
    chmod 755 "$SHIP"
    export SHIP
    sd_init
    ship_write_units "$SHIP"
    # The definitions, as shipped but for the ports.
    mkdir -p "$SHIP/checks"
    chmod 755 "$SHIP/checks" # whatever the umask: as root, a group-writable one is refused
    local f
    for f in "$TOP"/etc/symbiosis/monit.d/*.yaml; do
        sed -f <(ship_ports_sed) "$f" >"$SHIP/checks/${f##*/}"
    done
    chmod 644 "$SHIP/checks"/*.yaml
    # A busy test machine must not make runs skip.
    echo 'skip-if-load-above: 0' >"$SHIP/monit.yaml"
    chmod 644 "$SHIP/monit.yaml"
    sd_start
    sd_exec mount -t tmpfs tmpfs /srv
    sd_exec mkdir -p /srv/example.com/config
    sd_exec touch /srv/example.com/config/xmpp /srv/example.com/config/antispam \
        /srv/example.com/config/antivirus
    # shellcheck disable=SC2086
    sd_ctl start $UNITS
    local p
    for p in 25080 25143 25993 25110 25995 25190 25025 25465 25587 25222 25021 25783 25022; do
        wait_port "$p" 30
    done
    sd_exec sh -c 'for i in $(seq 200); do [ -S /run/clamav/clamd.ctl ] && [ -S /run/mysqld/mysqld.sock ] &&
        [ -s /run/incrond.pid ] && [ -s /run/crond.pid ] && exit 0; sleep 0.1; done; exit 1'
}

teardown_file() {
    sd_stop
    # shellcheck disable=SC2046
    ship_remove_cgroups $(printf '%s.service ' $UNITS)
    [ -z "${SHIP:-}" ] || rm -rf "$SHIP"
}

# The binary under test inside the namespace, on the adjusted definitions.
monit_ns() {
    sd_exec "$MONIT" --lock "$SHIP/lock" --state "$SHIP/state" -C "$SHIP/monit.yaml" "$@" "$SHIP/checks"
}

# ship_check SERVICE UNIT REASON...: PASSED while UNIT runs; FAILED, naming
# the stopped unit and each REASON, once it is stopped (dry runs: nothing is
# restarted). The unit is started again afterwards, and passes again.
ship_check() {
    local svc=$1 unit=$2 r
    shift 2
    run monit_ns --dry-run --verbose -s "$svc"
    assert_status 0
    [[ "$(service_line "$svc")" == " * $svc: PASSED" ]] || {
        echo "$output" >&2
        return 1
    }
    sd_ctl stop "$unit"
    run monit_ns --dry-run -s "$svc"
    assert_status 1
    assert_output_has " * $svc: FAILED: unit $unit: inactive (dead)"
    for r in "$@"; do
        [[ "$(service_line "$svc")" =~ $r ]] || {
            printf 'the reason does not match /%s/:\n%s\n' "$r" "$(service_line "$svc")" >&2
            return 1
        }
    done
    # Started again, it passes again (spamd, clamd take a few seconds).
    sd_ctl start "$unit"
    ship_wait_pass "$svc"
}

# ship_wait_pass SERVICE: until a dry run passes it (30s at most).
ship_wait_pass() {
    local i
    for ((i = 0; i < 150; i++)); do
        monit_ns --dry-run -s "$1" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    monit_ns --dry-run -s "$1" >&2
    return 1
}

@test "apache2: HTTP on its port while apache2.service runs; connection refused once stopped" {
    ship_check apache2 apache2.service "pidfile /run/apache2/apache2.pid: " \
        "http://localhost:25080/: connection refused"
}

@test "cron: /run/crond.pid is a live cron while cron.service runs; a dead PID once stopped" {
    ship_check cron cron.service "pidfile /run/crond.pid: (PID [0-9]+ is not running|cannot read)"
}

@test "incrond: /run/incrond.pid is a live incrond while incron.service runs" {
    ship_check incrond incron.service "pidfile /run/incrond.pid: "
}

@test "dovecot: IMAP, IMAPS, POP3, POP3S and ManageSieve; each refused once dovecot.service stops" {
    ship_check dovecot dovecot.service "imap 127.0.0.1:25143: connection refused" \
        "imap 127.0.0.1:25993: connection refused" "pop3 127.0.0.1:25110: connection refused" \
        "pop3 127.0.0.1:25995: connection refused" "sieve 127.0.0.1:25190: connection refused"
}

@test "exim4: SMTP, SMTPS and submission with STARTTLS; refused once exim4.service stops" {
    ship_check exim4 exim4.service "pidfile /run/exim4/exim.pid: " \
        "smtp 127.0.0.1:25025: connection refused" "smtp 127.0.0.1:25465: connection refused" \
        "smtp 127.0.0.1:25587: connection refused"
}

@test "mysqld: a real login over /run/mysqld/mysqld.sock with debian.cnf; no socket once mariadb.service stops" {
    run monit_ns --dry-run --verbose -s mysqld
    assert_output_has "logged in as root"
    ship_check mysqld mariadb.service "pidfile /run/mysqld/mysqld.pid: " \
        "mysql /run/mysqld/mysqld.sock: .*(No such file|connect)"
}

@test "prosody (xmpp flag present): a stream opened back; refused once prosody.service stops" {
    ship_check prosody prosody.service "xmpp 127.0.0.1:25222: connection refused"
}

@test "pure-ftpd: FTP greeting and NOOP; refused once pure-ftpd.service stops" {
    ship_check pure-ftpd pure-ftpd.service "ftp 127.0.0.1:25021: connection refused"
}

@test "spamassassin (antispam flag present): spamd answers PONG; refused once spamd.service stops" {
    ship_check spamassassin spamd.service "spamd 127.0.0.1:25783: connection refused"
}

@test "clamav-daemon (antivirus flag present): clamd answers PONG on its socket; gone once stopped" {
    ship_check clamav-daemon clamav-daemon.service "process clamd: " "clamd /run/clamav/clamd.ctl: "
}

@test "sshd: the SSH identification while ssh.service runs; refused once stopped" {
    ship_check sshd ssh.service "pidfile /run/sshd.pid: " "ssh 127.0.0.1:25022: connection refused"
}

@test "every shipped service PASSES at once, in one run of the whole directory" {
    run monit_ns --dry-run
    assert_status 0
    [ "$(grep -c ': PASSED' <<<"$output")" -eq 11 ] || {
        echo "$output" >&2
        return 1
    }
}

@test "a run over every shipped definition is clean under valgrind (no error, no leak)" {
    run sd_exec valgrind -q --keep-debuginfo=yes --suppressions="$TOP/tests/valgrind.supp" --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
        --show-leak-kinds=definite,indirect,possible "$MONIT_PLAIN" --lock "$SHIP/lock" --state "$SHIP/state" \
        -C "$SHIP/monit.yaml" --dry-run "$SHIP/checks"
    assert_status 0
    [ "$(grep -c ': PASSED' <<<"$output")" -eq 11 ]
}

@test "a killed sshd is restarted through ssh.service and PASSES again" {
    local pid
    pid=$(sd_prop ssh.service MainPID)
    [ "$pid" -gt 0 ]
    sd_exec kill -KILL "$pid"
    sd_wait_state ssh.service failed
    run monit_ns -s sshd
    assert_status 0
    assert_output_has " * sshd: PASSED (restarted ssh.service after: "
    [ "$(sd_ctl is-active ssh.service)" = active ]
    [ "$(sd_prop ssh.service MainPID)" != "$pid" ]
}

@test "spamassassin without any /srv/*/config/antispam is not needed: spamd.service is stopped" {
    sd_exec rm /srv/example.com/config/antispam
    run monit_ns -s spamassassin
    assert_status 0
    assert_output_has " * spamassassin: PASSED (not needed; stopped)"
    [ "$(sd_ctl is-active spamd.service)" = inactive ]
    sd_exec touch /srv/example.com/config/antispam
}
