#!/usr/bin/env bats
# What is shipped: the Symbiosis definitions and the Carbonio examples load;
# their units, PID files and programs are those of Debian 12's installed
# packages; the manual pages lint clean and agree with --help; the examples in
# the manual pages and the README load; the cron line; make install/uninstall.
# (The definitions against their running daemons: ship-daemons.bats. The demo:
# ship-demo.bats.) No servers: no ports.

load "$TOP/tests/lib/common"

# The shipped definitions copied to a private directory (root-owned, 644, as
# the insecure-file rule wants when the suite runs as root).
copy_defs() { # copy_defs DEST
    mkdir -p "$1"
    chmod 755 "$1"
    cp "$TOP"/etc/symbiosis/monit.d/*.yaml "$1/"
    chmod 644 "$1"/*.yaml
}

# The value of KEY in a shipped definition (flat "key: value" lines only).
def_value() { # def_value FILE KEY
    sed -n "s/^$2: *\([^ #]*\).*/\1/p" "$1"
}

@test "every shipped Symbiosis definition passes --check-config" {
    copy_defs "$BATS_TEST_TMPDIR/d"
    run "$MONIT" --check-config "$BATS_TEST_TMPDIR/d"
    assert_status 0
    assert_output_has "11 definitions in $BATS_TEST_TMPDIR/d: OK"
}

@test "the shipped definitions are the services of SPEC §8, with Debian 12's unit names" {
    copy_defs "$BATS_TEST_TMPDIR/d"
    run "$MONIT" --list "$BATS_TEST_TMPDIR/d"
    assert_status 0
    local pair
    for pair in apache2:apache2 cron:cron dovecot:dovecot exim4:exim4 incrond:incron mysqld:mariadb \
        prosody:prosody pure-ftpd:pure-ftpd spamassassin:spamd clamav-daemon:clamav-daemon sshd:ssh; do
        assert_output_has "${pair%%:*} (${pair#*:}.service)"
    done
    # The conditional ones, and only those.
    assert_output_has "prosody (prosody.service) [needed if /srv/*/config/xmpp exists"
    assert_output_has "spamassassin (spamd.service) [needed if /srv/*/config/antispam exists"
    assert_output_has "clamav-daemon (clamav-daemon.service) [needed if /srv/*/config/antivirus exists"
    [ "$(grep -c 'needed if' <<<"$output")" -eq 3 ]
}

@test "each definition's unit, PID file and program come from the installed Debian package" {
    local f unit pidfile process src pkg problems=()
    for f in "$TOP"/etc/symbiosis/monit.d/*.yaml; do
        unit=$(def_value "$f" unit)
        pidfile=$(def_value "$f" pidfile)
        process=$(def_value "$f" process)
        # The unit: the package's own, or generated from its init script.
        if [ -f "/lib/systemd/system/$unit" ]; then
            src=/lib/systemd/system/$unit
        elif [ -f "/etc/init.d/${unit%.service}" ]; then
            src=/etc/init.d/${unit%.service}
        else
            problems+=("${f##*/}: no unit $unit and no /etc/init.d/${unit%.service}")
            continue
        fi
        pkg=$(dpkg -S "$src" 2>/dev/null | cut -d: -f1)
        if [ -z "$pkg" ]; then
            problems+=("${f##*/}: $src belongs to no package")
            continue
        fi
        # The PID file's name appears in that package's files or in the
        # program itself (its compiled-in default).
        if [ -n "$pidfile" ]; then
            local files
            files=$( (dpkg -L "$pkg"; [ -z "$process" ] || command -v "$process") |
                while read -r p; do [ -f "$p" ] && echo "$p"; done)
            # shellcheck disable=SC2086
            if ! grep -qsF "${pidfile##*/}" $files; then
                problems+=("${f##*/}: ${pidfile##*/} is named nowhere in $pkg or $process")
            fi
        fi
        if [ -n "$process" ] && [ ! -x "/usr/sbin/$process" ] && [ ! -x "/usr/bin/$process" ]; then
            problems+=("${f##*/}: no program $process in /usr/sbin or /usr/bin")
        fi
    done
    if [ ${#problems[@]} -gt 0 ]; then
        printf '%s\n' "${problems[@]}" >&2
        return 1
    fi
}

@test "every Carbonio example role passes --check-config" {
    local roles=("$TOP"/etc/symbiosis/examples/carbonio/*/)
    if [ ! -d "${roles[0]}" ]; then
        skip "no etc/symbiosis/examples/carbonio/*/ in this tree yet"
    fi
    local r bad=0
    for r in "${roles[@]}"; do
        local d="$BATS_TEST_TMPDIR/$(basename "$r")"
        mkdir -p "$d" && chmod 755 "$d"
        cp "$r"/*.y*ml "$d/" && chmod 644 "$d"/*
        run "$MONIT" --check-config "$d"
        if [ "$status" -ne 0 ]; then
            printf '%s:\n%s\n' "$r" "$output" >&2
            bad=1
        fi
    done
    [ "$bad" -eq 0 ]
}

@test "the manual pages lint clean (mandoc -T lint)" {
    run mandoc -T lint "$TOP/man/symbiosis-monit.8" "$TOP/man/symbiosis-monit.d.5"
    assert_status 0
    [ -z "$output" ]
}

@test "--help and symbiosis-monit(8) list the same options, and the README names them all" {
    run "$MONIT" --help
    assert_status 0
    local help man
    help=$(grep -E '^ +-' <<<"$output" | sed -E 's/^ +((-[A-Za-z], )?--[a-z-]+).*/\1/' |
        grep -oE -- '--?[A-Za-z][a-z-]*' | sort -u)
    man=$(sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$TOP/man/symbiosis-monit.8" | grep -A1 '^\.TP' |
        grep -v -e '^\.TP' -e '^--' | sed 's/\\-/-/g' | grep -oE -- '(^| )--?[A-Za-z][a-z-]*' |
        tr -d ' ' | sort -u)
    [ -n "$help" ] && [ -n "$man" ]
    if [ "$help" != "$man" ]; then
        diff <(echo "$help") <(echo "$man") >&2 || true
        echo "(< --help, > symbiosis-monit.8)" >&2
        return 1
    fi
    local o
    for o in $(grep -- '^--' <<<"$help"); do
        grep -qF -- "\`$o" "$TOP/README.md" || grep -qF -- "/$o" "$TOP/README.md" || {
            echo "README.md does not name $o" >&2
            return 1
        }
    done
}

# The probe types of SPEC §3.
SPEC_TYPES="tcp unix file smtp lmtp imap pop3 ftp ssh xmpp sieve spamd clamd zookeeper http mysql
pgsql ldap consul patroni systemd disk load users ping dns exec"

@test "symbiosis-monit.d(5) and the README document every probe type" {
    local t types
    # The registered kinds (less the internal ones) and SPEC's list.
    types=$( (grep -oE '^ *&probe_[a-z0-9_]+,' "$TOP/src/probe/registry.c" | grep -v internal |
        sed -E 's/ *&probe_([a-z0-9_]+),/\1/'; echo $SPEC_TYPES | tr ' ' '\n') | sort -u)
    local section
    section=$(sed -n '/^\.SH PROBE TYPES/,/^\.SH EXAMPLES/p' "$TOP/man/symbiosis-monit.d.5")
    for t in $types; do
        # Skip the kinds registry.c marks internal (unit, process).
        if grep -qE "&probe_$t, */\* internal" "$TOP/src/probe/registry.c"; then continue; fi
        grep -A1 '^\.TP' <<<"$section" | grep -E '^\.BR? ' | grep -qE "[ \"]$t( |\"|$)" || {
            echo "symbiosis-monit.d.5 does not document type $t" >&2
            return 1
        }
        grep -qE "type: $t[,}]" "$TOP/README.md" || {
            echo "README.md has no example of type $t" >&2
            return 1
        }
    done
}

@test "symbiosis-monit.d(5) documents every key the services and the probe kinds accept" {
    local keys k missing=()
    # The declarative key tables (confkey.h): the probe kinds' and a service's.
    keys=$( (grep -ohE '^\s*\{"[a-z-]+", CONF_' "$TOP"/src/probe/*.c
        grep -oE '^\s*\{"[a-z-]+", CONF_[A-Z]+, offsetof\(service,' "$TOP/src/config.c") |
        grep -oE '"[a-z-]+"' | tr -d '"' | sort -u)
    [ "$(wc -w <<<"$keys")" -ge 40 ]
    local man
    man=$(sed 's/\\-/-/g' "$TOP/man/symbiosis-monit.d.5")
    for k in $keys; do
        grep -qE "^\.(B|BR|BI|RB) (.* )?\"?\{?$k\b" <<<"$man" || missing+=("$k")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "symbiosis-monit.d.5 does not document: ${missing[*]}" >&2
        return 1
    fi
}

@test "the examples in symbiosis-monit.d(5) pass --check-config" {
    local d="$BATS_TEST_TMPDIR/d"
    copy_defs "$d" # shop.yaml depends on mysqld
    awk -v dir="$d" '
        /^# \/etc\/symbiosis\/monit\.d\/[a-z0-9.-]+\.yaml$/ { f = dir "/" substr($2, 24); next }
        /^\.fi/ { f = ""; next }
        f != "" { print > f }
    ' "$TOP/man/symbiosis-monit.d.5"
    local n
    n=$(ls "$d" | wc -l)
    [ "$n" -ge 13 ] # 11 shipped, shop and host new, exim4 and spamassassin replaced
    sed -i -e 's/\\-/-/g' -e 's/\\e/\\/g' "$d"/*.yaml
    chmod 644 "$d"/*.yaml
    grep -q 'expect: "^\\\\+PONG"' "$d/shop.yaml"
    run "$MONIT" --check-config "$d"
    assert_status 0
}

@test "the README's definition, probe and settings examples pass --check-config" {
    local d="$BATS_TEST_TMPDIR/d"
    copy_defs "$d"
    # Each ```yaml block: a file named by its first comment, the probe list,
    # the settings.
    awk -v dir="$d" '
        /^```yaml$/ { n++; inb = 1; f = dir "/readme" n ".yaml"; next }
        /^```$/ { inb = 0; next }
        inb { print > f }
    ' "$TOP/README.md"
    [ -f "$d/readme1.yaml" ] && [ -f "$d/readme2.yaml" ] && [ -f "$d/readme3.yaml" ]
    grep -q '^timeout: 5s' "$d/readme3.yaml"
    mv "$d/readme3.yaml" "$BATS_TEST_TMPDIR/settings.yaml"
    chmod 644 "$d"/*.yaml "$BATS_TEST_TMPDIR/settings.yaml"
    run "$MONIT" --check-config -C "$BATS_TEST_TMPDIR/settings.yaml" "$d"
    assert_status 0
    assert_output_has "13 definitions"
    # The probe list really holds one probe of each type.
    run "$MONIT" --list -C "$BATS_TEST_TMPDIR/settings.yaml" -s readme2 "$d"
    assert_status 0
    local t
    for t in $SPEC_TYPES; do
        assert_output_has "($t, timeout"
    done
}

@test "cron runs it every two minutes as root with --quiet, and says nothing once the binary is gone" {
    local f="$TOP/cron.d/symbiosis-monit" line
    line=$(grep -vE '^[[:space:]]*(#|$)|^[A-Z]+=' "$f")
    [ "$(wc -l <<<"$line")" -eq 1 ]
    read -r m h dom mon dow user cmd <<<"$line"
    [ "$m $h $dom $mon $dow $user" = "*/2 * * * * root" ]
    [ "$cmd" = "[ -x /usr/sbin/symbiosis-monit ] && /usr/sbin/symbiosis-monit --quiet" ]
    [ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = '\n' ] # cron ignores an unterminated last line
    # As cron runs it (sh -c), with the binary removed: no output, so no mail.
    run sh -c "${cmd//\/usr\/sbin\/symbiosis-monit/$BATS_TEST_TMPDIR/gone}"
    [ -z "$output" ]
    # With a binary there, a run that has nothing to say prints nothing.
    setup_checks
    def root <<<'probes: [{ type: file, path: /, kind: dir }]'
    # (A busy test machine must not make it skip: skip-if-load-above: 0.)
    echo 'skip-if-load-above: 0' >"$BATS_TEST_TMPDIR/monit.yaml"
    chmod 644 "$BATS_TEST_TMPDIR/monit.yaml"
    cat >"$BATS_TEST_TMPDIR/symbiosis-monit" <<EOF
#!/bin/sh
exec "$MONIT" --lock "$BATS_TEST_TMPDIR/lock" --state "$BATS_TEST_TMPDIR/state" \\
    -C "$BATS_TEST_TMPDIR/monit.yaml" "\$@" "$CHECKS"
EOF
    chmod 755 "$BATS_TEST_TMPDIR/symbiosis-monit"
    run sh -c "${cmd//\/usr\/sbin\/symbiosis-monit/$BATS_TEST_TMPDIR/symbiosis-monit}" # a first run
    run sh -c "${cmd//\/usr\/sbin\/symbiosis-monit/$BATS_TEST_TMPDIR/symbiosis-monit}"
    assert_status 0
    [ -z "$output" ]
}

@test "make install DESTDIR=... puts every file in place, keeps an existing definition; uninstall removes them" {
    local d="$BATS_TEST_TMPDIR/root"
    mkdir -p "$d/etc/symbiosis/monit.d"
    echo "# the admin's own" >"$d/etc/symbiosis/monit.d/sshd.yaml"
    # The plain build stands in for the default one (-o: do not rebuild it).
    run make -s -C "$TOP" install DESTDIR="$d" BIN="$MONIT_PLAIN" -o "$MONIT_PLAIN"
    assert_status 0
    assert_output_has "keeping existing $d/etc/symbiosis/monit.d/sshd.yaml"
    [ -x "$d/usr/sbin/symbiosis-monit" ]
    "$d/usr/sbin/symbiosis-monit" --version | grep -q '^symbiosis-monit '
    [ "$(cat "$d/etc/symbiosis/monit.d/sshd.yaml")" = "# the admin's own" ]
    local f
    for f in "$TOP"/etc/symbiosis/monit.d/*.yaml; do
        [ "${f##*/}" = sshd.yaml ] && continue
        cmp "$f" "$d/etc/symbiosis/monit.d/${f##*/}"
        [ "$(stat -c %a "$d/etc/symbiosis/monit.d/${f##*/}")" = 644 ]
    done
    cmp "$TOP/cron.d/symbiosis-monit" "$d/etc/cron.d/symbiosis-monit"
    cmp "$TOP/man/symbiosis-monit.8" "$d/usr/share/man/man8/symbiosis-monit.8"
    cmp "$TOP/man/symbiosis-monit.d.5" "$d/usr/share/man/man5/symbiosis-monit.d.5"
    [ -f "$d/usr/share/doc/symbiosis-monit/README.md" ] && [ -f "$d/usr/share/doc/symbiosis-monit/LICENSE" ]
    [ -d "$d/var/lib/symbiosis" ]
    local ex
    for ex in "$TOP"/etc/symbiosis/examples/*/README "$TOP"/etc/symbiosis/examples/*/*/*.yaml; do
        [ -e "$ex" ] || continue
        cmp "$ex" "$d/usr/share/doc/symbiosis-monit/examples/${ex#"$TOP"/etc/symbiosis/examples/}"
    done
    # A second install changes nothing that exists.
    echo "# edited" >>"$d/etc/symbiosis/monit.d/exim4.yaml"
    run make -s -C "$TOP" install DESTDIR="$d" BIN="$MONIT_PLAIN" -o "$MONIT_PLAIN"
    assert_status 0
    tail -1 "$d/etc/symbiosis/monit.d/exim4.yaml" | grep -q '^# edited$'

    run make -s -C "$TOP" uninstall DESTDIR="$d"
    assert_status 0
    assert_output_has "keeping changed $d/etc/symbiosis/monit.d/exim4.yaml"
    # Only the two files the admin changed are left.
    run find "$d" -type f
    [ "$(sort <<<"$output")" = "$(printf '%s\n' "$d/etc/symbiosis/monit.d/exim4.yaml" \
        "$d/etc/symbiosis/monit.d/sshd.yaml" | sort)" ]
    [ ! -e "$d/var/lib/symbiosis" ] && [ ! -e "$d/usr/share/doc/symbiosis-monit" ]
}

@test "make install honours PREFIX: the binary in PREFIX/sbin, the cron line follows it" {
    local d="$BATS_TEST_TMPDIR/root"
    run make -s -C "$TOP" install DESTDIR="$d" PREFIX=/usr/local BIN="$MONIT_PLAIN" -o "$MONIT_PLAIN"
    assert_status 0
    [ -x "$d/usr/local/sbin/symbiosis-monit" ] && [ ! -e "$d/usr/sbin" ]
    [ -f "$d/usr/local/share/man/man8/symbiosis-monit.8" ]
    grep -qF '[ -x /usr/local/sbin/symbiosis-monit ] && /usr/local/sbin/symbiosis-monit --quiet' \
        "$d/etc/cron.d/symbiosis-monit"
    run make -s -C "$TOP" uninstall DESTDIR="$d" PREFIX=/usr/local
    assert_status 0
    run find "$d" -type f
    [ -z "$output" ]
}

@test "LICENSE is MIT with the project's copyright line" {
    grep -q '^MIT License$' "$TOP/LICENSE"
    grep -q '^Copyright (c) 2026 The symbiosis-monit developers$' "$TOP/LICENSE"
}
