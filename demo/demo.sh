#!/usr/bin/env bash
# demo/demo.sh: the tour behind `sudo make demo`. Starts a real systemd in a
# throwaway PID + mount namespace (tests/lib/systemd.bash) with three real
# services as units — nginx, Exim and MariaDB, from Debian's packages —, runs
# symbiosis-monit against them, breaks them, shows the restarts, --format brief
# and --quiet, and removes everything again: nothing is left running, and the
# cgroups systemd made are removed.
#
#   demo.sh PATH-TO-symbiosis-monit
#
# The services listen on 127.0.0.1:25180 (HTTP), 25125 (SMTP) and 25587
# (submission); their PID files and sockets are the usual ones under /run,
# which is the namespace's own. Nothing of the host's is touched.
set -u

BIN=${1:?usage: demo.sh PATH-TO-symbiosis-monit}
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

if [ -t 1 ]; then
    B=$'\e[1m' C=$'\e[36m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'
else
    B='' C='' G='' R='' N=''
fi
step() { printf '\n%s==> %s%s\n' "$B" "$*" "$N"; }
say() { printf '    %s\n' "$*"; }
die() {
    printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "this needs root (namespaces, systemd, daemons): run 'sudo make demo'"
[ -x "$BIN" ] || die "no binary at $BIN"

# --- the packages ----------------------------------------------------------
need=()
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
[ -x /usr/sbin/exim4 ] || need+=(exim4-daemon-light)
[ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v openssl >/dev/null || need+=(openssl)
command -v dbus-daemon >/dev/null || need+=(dbus)
[ -x /lib/systemd/systemd ] || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
    step "Installing what the demo runs: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
        die "could not install ${need[*]}"
fi

# The cgroups of the demo's units in the host's tree: systemd in the namespace
# makes them; sd_stop removes what it made, and remove_unit_cgroups the rest
# (when system.slice was there before, say). rmdir removes only empty ones.
unit_cgroups() {
    find /sys/fs/cgroup -type d \( -name nginx.service -o -name exim4.service -o -name mariadb.service \) \
        -path '*/system.slice/*' 2>/dev/null
}
remove_unit_cgroups() {
    local d
    for d in $(unit_cgroups); do
        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
}
remove_unit_cgroups # left by an earlier run that was killed
[ -z "$(unit_cgroups)" ] || die "cgroups of nginx, exim4 or mariadb units are in use: is another demo running?"

# --- a scratch directory, the services' configurations, the units ---------
DIR=$(mktemp -d /tmp/symbiosis-demo.XXXXXX)
chmod 755 "$DIR" # the daemons' own users read their files here
export SD_DIR="$DIR/systemd"
# shellcheck source=../tests/lib/systemd.bash
. "$TOP/tests/lib/systemd.bash"


cleanup() {
    local rc=$?
    trap '' PIPE INT TERM HUP # finish cleaning up, whatever happens to the terminal
    step "Cleaning up"
    local pid1=${SD_PID:-}
    sd_stop
    remove_unit_cgroups
    local left cg
    left=$(pgrep -f -- "$DIR" || true)
    if [ -n "$pid1" ] && kill -0 "$pid1" 2>/dev/null; then left="$left systemd($pid1)"; fi
    cg=$(unit_cgroups)
    rm -rf "$DIR"
    if [ -n "$left" ]; then
        printf '%s    still running: %s%s\n' "$R" "$left" "$N"
        rc=1
    else
        say "systemd and every service in its namespace are gone (no process left)."
    fi
    if [ -n "$cg" ]; then
        printf '%s    cgroups left behind:\n%s%s\n' "$R" "$cg" "$N"
        rc=1
    else
        say "the cgroups systemd made are removed."
    fi
    [ $rc -eq 0 ] && printf '\n%sDemo finished.%s Next: README.md, man 8 symbiosis-monit, sudo make check.\n' "$G" "$N"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
trap 'exit 141' PIPE # `make demo | head` still cleans up

sd_init
fill() { sed "s|@DIR@|$DIR|g" "$1"; }
for u in "$HERE"/units/*.service; do
    fill "$u" | sd_unit "$(basename "$u")"
done
fill "$HERE/conf/nginx.conf" >"$DIR/nginx.conf"
fill "$HERE/conf/exim.conf" >"$DIR/exim.conf"
mkdir -p "$DIR/www" "$DIR/nginx-tmp" "$DIR/exim-spool" "$DIR/exim-log" "$DIR/monit.d"
echo "Hello from the demo" >"$DIR/www/index.html"
chown Debian-exim: "$DIR/exim-spool" "$DIR/exim-log"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$DIR/tls.key" -out "$DIR/tls.crt" -days 90 \
    -subj "/CN=localhost" >/dev/null 2>&1 || die "openssl could not make a certificate"
chmod 644 "$DIR/tls.key"
mariadb-install-db --no-defaults --user=mysql --datadir="$DIR/mysql" --auth-root-authentication-method=socket \
    --skip-test-db >"$DIR/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: see $DIR/mariadb-install.log"
cp "$HERE"/monit.d/*.yaml "$DIR/monit.d/"
cp "$HERE/monit.yaml" "$DIR/monit.yaml"
chmod 755 "$DIR/monit.d" # as root, a group-writable one is refused (umask 002)
chmod 644 "$DIR/monit.d"/*.yaml "$DIR/monit.yaml"

# --- systemd ---------------------------------------------------------------
step "Starting a real systemd as PID 1 of a throwaway namespace"
sd_start || die "systemd did not start"
say "systemd runs as PID $SD_PID (PID 1 inside), with its own /run and system bus."
sd_ctl start nginx.service exim4.service mariadb.service || die "the services did not start"
for i in $(seq 100); do
    (exec 3<>/dev/tcp/127.0.0.1/25180) 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/25125) 2>/dev/null &&
        sd_exec test -S /run/mysqld/mysqld.sock && break
    sleep 0.1
done
sd_ctl --no-pager list-units nginx.service exim4.service mariadb.service | sed -n '1,4p' | sed 's/^/    /'

# symbiosis-monit inside the namespace, on the demo's definitions. Each run
# has its state and lock in the scratch directory; the settings say not to
# skip on a busy machine.
monit() {
    printf '\n    %s$ symbiosis-monit %s%s\n' "$C" "$*" "$N"
    sd_exec "$BIN" --lock "$DIR/lock" --state "$DIR/state" -C "$DIR/monit.yaml" "$@" "$DIR/monit.d" \
        >"$DIR/out" 2>&1
    local rc=$?
    if [ -s "$DIR/out" ]; then
        sed 's/^/    /' "$DIR/out"
    else
        say "(nothing printed)"
    fi
    say "(exit status $rc)"
    return $rc
}

step "The definitions: one YAML file per service (demo/monit.d/)"
sed 's/^/    /' "$DIR/monit.d/mail.yaml"
monit --list

step "First run: every service is probed as a client would"
monit --verbose || die "the first run should pass"

step "Breaking the web server: kill -9 nginx"
pid=$(sd_prop nginx.service MainPID)
sd_exec kill -KILL "$pid"
sd_wait_state nginx.service failed 10 >/dev/null 2>&1
say "nginx (PID $pid) is dead; systemd says nginx.service is $(sd_ctl is-active nginx.service)."
monit || die "the web server should have been restarted"
say "nginx.service is $(sd_ctl is-active nginx.service) again, PID $(sd_prop nginx.service MainPID)."

step "--format brief: one line, for scripts and chat"
monit --format brief

step "--quiet, as cron runs it every two minutes: silent when nothing changed"
monit --quiet
say "No output, so cron sends no mail."

step "Breaking the mail server for good: stop exim4 and mask its unit"
sd_ctl stop exim4.service
sd_ctl mask --runtime exim4.service >/dev/null 2>&1
say "A masked unit is never touched, so the failure stays; --quiet reports it once:"
monit --quiet
monit --quiet
say "The second run printed nothing: the failure was already reported (a reminder comes after 24h)."

step "Repairing it: unmask exim4; the next run starts it and reports the recovery"
sd_ctl unmask --runtime exim4.service >/dev/null 2>&1
monit --quiet || die "the mail server should have been started"

step "Everything it did is in the journal (journalctl -t symbiosis-monit)"
sd_exec journalctl --no-pager -o short-iso -t symbiosis-monit 2>/dev/null | sed 's/^/    /' | tail -n 12

exit 0
