#!/usr/bin/env bats
# `make demo` (demo/demo.sh) runs to the end within a time bound against real
# nginx, Exim and MariaDB under a namespaced systemd, shows what the README
# says it shows, and leaves nothing behind: no process, no scratch directory,
# no cgroup of its units. Ports 25125, 25180, 25587 (in this suite's range).

load "$TOP/tests/lib/common"

demo_processes() {
    pgrep -af -- '/tmp/symbiosis-demo\.' || true
    ls -d /tmp/symbiosis-demo.* 2>/dev/null || true
}

demo_cgroups() {
    find /sys/fs/cgroup -type d -path '*/system.slice/*' \
        \( -name nginx.service -o -name exim4.service -o -name mariadb.service \) 2>/dev/null || true
}

@test "make demo runs to the end in under 3 minutes and leaves nothing running" {
    [ -z "$(demo_processes)" ] || skip "an earlier demo is running or was killed: $(demo_processes)"
    # The sanitizer build stands in for the default one (-o: do not rebuild it).
    run timeout -k 10 180 make -s -C "$TOP" demo BIN="$MONIT" -o "$MONIT"
    assert_status 0
    assert_output_has "Starting a real systemd as PID 1 of a throwaway namespace"
    # The first run passes, with a real login and a real request.
    assert_output_has "logged in as root"
    assert_output_has "http://localhost:25180/: ok, status 200"
    # The killed nginx is restarted.
    assert_output_has " * web: PASSED (restarted nginx.service after: unit nginx.service: failed"
    # --format brief.
    assert_output_has ": all 3 tests passed"
    # --quiet: silent, then the masked mail server reported once, then its recovery.
    assert_output_has "$(printf '$ symbiosis-monit --quiet\n    (nothing printed)\n    (exit status 0)')"
    assert_output_has " * mail: FAILED: unit exim4.service: masked"
    assert_output_has "$(printf '$ symbiosis-monit --quiet\n    (nothing printed)\n    (exit status 1)')"
    assert_output_has " * mail: PASSED (started exim4.service after: "
    # The journal has the actions.
    assert_output_has "symbiosis-monit["
    assert_output_has "web: restarted nginx.service"
    assert_output_has "no process left"
    assert_output_has "Demo finished."
    run demo_processes
    [ -z "$output" ]
    run demo_cgroups
    [ -z "$output" ]
}
