# tests/lib/systemd.bash: real systemd as PID 1 of a private PID + mount
# namespace, with your own units, for tests and demos (ENVIRONMENT.md).
#
# Only one namespaced systemd may run at a time (they share the host's cgroup
# tree): sd_start waits for /tmp/symbiosis-systemd-ns.lock and sd_stop
# releases it. Works in bats (setup_file/teardown_file) and in plain bash; in
# a script, `trap sd_stop EXIT` so that a killed script leaves no systemd.
#
#   sd_init                 makes $SD_DIR (scratch) and $SD_UNITS (unit dir);
#                           call first, then write your units
#   sd_unit NAME            writes stdin to $SD_UNITS/NAME; "[Unit]
#                           DefaultDependencies=no" is added at the top, so
#                           start the text at [Service] (or another section;
#                           a further [Unit] section adds to it)
#   (SD_PID changes with sd_restart; sd_exec and _sd_pid find the current one.)
#   sd_start                takes the lock, starts systemd (dbus, journald
#                           with volatile storage, your units installed but
#                           not started, except those named in $SD_WANTS:
#                           they join the boot transaction), waits until the
#                           bus answers; exports SD_PID (PID 1 of the
#                           namespace, as seen from outside)
#   sd_exec CMD...          runs CMD inside the namespace (nsenter -m -p):
#                           systemctl, busctl, journalctl, the binary...
#   sd_ctl ARGS...          sd_exec systemctl ARGS...
#   sd_wait_state UNIT STATE [SECONDS]
#                           until `systemctl is-active UNIT` says STATE
#   sd_prop UNIT PROP       one property's value (systemctl show -P)
#   sd_stop                 kills the namespace, removes the cgroups its
#                           units left in the host's tree, releases the lock
#                           (in the process that took it); safe to call twice
#                           or without sd_start
#   sd_restart              a fresh systemd in place of the running one (the
#                           lock stays held): for a test (a bats subprocess)
#                           that needs a new boot, e.g. with other $SD_WANTS
#
# The network namespace is the host's: services in it listen on the host's
# 127.0.0.1. Mask with `sd_ctl mask --runtime UNIT` (/run/systemd/system
# comes first in the unit path).

SD_LOCK_FILE=/tmp/symbiosis-systemd-ns.lock

sd_init() {
    SD_DIR=${SD_DIR:-$(mktemp -d "${BATS_FILE_TMPDIR:-/tmp}/sd.XXXXXX")}
    SD_UNITS="$SD_DIR/units"
    mkdir -p "$SD_UNITS"
    export SD_DIR SD_UNITS
}

sd_unit() {
    local name=$1
    { printf '[Unit]\nDefaultDependencies=no\n'; cat; } >"$SD_UNITS/$name"
}

# The units every namespace needs: a target, the system bus, a journal.
_sd_base_units() {
    sd_unit min.target <<EOF
Wants=dbus.socket dbus.service journal.socket journal.service ${SD_WANTS:-}
EOF
    sd_unit dbus.socket <<'EOF'
[Socket]
ListenStream=/run/dbus/system_bus_socket
EOF
    sd_unit dbus.service <<'EOF'
Requires=dbus.socket
[Service]
ExecStart=/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --nosyslog
EOF
    sd_unit journal.socket <<'EOF'
[Socket]
ListenStream=/run/systemd/journal/stdout
ListenDatagram=/run/systemd/journal/socket
ListenDatagram=/run/systemd/journal/dev-log
SocketMode=0666
PassCredentials=yes
PassSecurity=yes
Service=journal.service
EOF
    sd_unit journal.service <<'EOF'
Requires=journal.socket
[Service]
Type=notify
Sockets=journal.socket
ExecStart=/lib/systemd/systemd-journald
EOF
}

# Top-level cgroup directories, one "controller/name" a line.
_sd_cgroups() {
    local d
    for d in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
        find "$d" -mindepth 1 -maxdepth 1 -type d 2>/dev/null
    done | sort -u
}

sd_start() {
    [ -n "${SD_UNITS:-}" ] || sd_init
    # The lock is the open file description's: a process that inherited it
    # (a bats test from setup_file) holds it already and must not wait for it.
    if [ -z "${SD_LOCK_FD:-}" ] || [ "$(readlink "/proc/$BASHPID/fd/$SD_LOCK_FD" 2>/dev/null)" != "$SD_LOCK_FILE" ]; then
        exec {SD_LOCK_FD}>>"$SD_LOCK_FILE"
        if ! flock -w 600 "$SD_LOCK_FD"; then
            echo "sd_start: another namespaced systemd held $SD_LOCK_FILE for 10 minutes" >&2
            exec {SD_LOCK_FD}>&-
            SD_LOCK_FD=
            return 1
        fi
        SD_LOCK_OWNER=$BASHPID
        export SD_LOCK_FD SD_LOCK_OWNER
    fi
    _sd_boot
}

_sd_boot() {
    _sd_base_units
    _sd_cgroups >"$SD_DIR/cgroups.before"
    # Storage=volatile: the journal stays in the namespace's /run, never in
    # the host's /var/log/journal.
    SD_UNITS="$SD_UNITS" unshare --pid --fork --mount --uts --propagation private --mount-proc sh -c '
        mount -t tmpfs tmpfs /run
        mkdir -p /run/dbus /run/systemd/system /run/systemd/journald.conf.d /run/lock
        printf "[Journal]\nStorage=volatile\n" >/run/systemd/journald.conf.d/volatile.conf
        SYSTEMD_UNIT_PATH=/run/systemd/system:$SD_UNITS container=unshare \
            exec /lib/systemd/systemd --system --unit=min.target' \
        >"$SD_DIR/systemd.log" 2>&1 </dev/null 3>&- {SD_LOCK_FD}>&- &
    local unshare_pid=$! i
    echo "$unshare_pid" >"$SD_DIR/unshare.pid"
    SD_PID=
    for ((i = 0; i < 100; i++)); do
        SD_PID=$(pgrep -P "$unshare_pid" 2>/dev/null | head -n1)
        [ -n "$SD_PID" ] && break
        sleep 0.05
    done
    if [ -z "$SD_PID" ]; then
        echo "sd_start: systemd did not start; its log:" >&2
        cat "$SD_DIR/systemd.log" >&2
        sd_stop
        return 1
    fi
    export SD_PID
    echo "$SD_PID" >"$SD_DIR/systemd.pid"
    for ((i = 0; i < 200; i++)); do
        if sd_exec busctl --system --timeout=1 get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
            org.freedesktop.systemd1.Manager SystemState >/dev/null 2>&1 &&
            [ "$(sd_ctl is-active journal.service 2>/dev/null)" = active ]; then
            return 0
        fi
        sleep 0.05
    done
    echo "sd_start: the system bus did not answer in 10s; systemd's log:" >&2
    cat "$SD_DIR/systemd.log" >&2
    sd_stop
    return 1
}

# The current PID 1 from $SD_DIR: after an sd_restart in one bats test, the
# next test's inherited $SD_PID is stale.
_sd_pid() {
    local pid=
    [ -n "${SD_DIR:-}" ] && [ -r "$SD_DIR/systemd.pid" ] && read -r pid <"$SD_DIR/systemd.pid"
    SD_PID=${pid:-${SD_PID:-}}
}

# The lock's descriptor is closed for the command: something left running in
# the background must not hold the lock after sd_stop.
sd_exec() {
    _sd_pid
    if [ -n "${SD_LOCK_FD:-}" ]; then
        nsenter -t "$SD_PID" -m -p "$@" {SD_LOCK_FD}>&-
    else
        nsenter -t "$SD_PID" -m -p "$@"
    fi
}

sd_ctl() {
    sd_exec systemctl "$@"
}

sd_prop() {
    sd_ctl show -P "$2" "$1"
}

sd_wait_state() {
    local unit=$1 want=$2 limit=${3:-10} i
    for ((i = 0; i < limit * 20; i++)); do
        [ "$(sd_ctl is-active "$unit" 2>/dev/null)" = "$want" ] && return 0
        sleep 0.05
    done
    echo "$unit is $(sd_ctl is-active "$unit" 2>/dev/null), not $want, after ${limit}s" >&2
    return 1
}

sd_restart() {
    _sd_kill
    _sd_boot
}

sd_stop() {
    _sd_kill
    if [ -n "${SD_LOCK_FD:-}" ] && [ "${SD_LOCK_OWNER:-}" = "$BASHPID" ]; then
        exec {SD_LOCK_FD}>&-
        SD_LOCK_FD=
        SD_LOCK_OWNER=
    fi
    return 0
}

_sd_kill() {
    local pid unshare_pid i
    _sd_pid
    pid=$SD_PID
    unshare_pid=$(cat "${SD_DIR:-/nonexistent}/unshare.pid" 2>/dev/null)
    # Killing PID 1 of the namespace kills every process in it.
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        [ -n "$unshare_pid" ] && kill -0 "$unshare_pid" 2>/dev/null || break
        sleep 0.05
    done
    if [ -n "${SD_DIR:-}" ] && [ -f "$SD_DIR/cgroups.before" ]; then
        # The cgroups systemd made (init.scope, system.slice...), deepest first.
        local d
        for ((i = 0; i < 20; i++)); do
            _sd_cgroups | comm -13 "$SD_DIR/cgroups.before" - >"$SD_DIR/cgroups.new"
            [ -s "$SD_DIR/cgroups.new" ] || break
            while read -r d; do
                find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
            done <"$SD_DIR/cgroups.new"
            sleep 0.05
        done
        rm -f "$SD_DIR/cgroups.before"
    fi
    SD_PID=
    rm -f "${SD_DIR:-/nonexistent}/systemd.pid" "${SD_DIR:-/nonexistent}/unshare.pid"
    return 0
}
