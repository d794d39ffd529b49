# tests/system/ship-services.bash: the daemons of the shipped Symbiosis
# definitions, as systemd units with Debian 12's unit names, for ship.bats.
# Each daemon runs from Debian's own package with a small test configuration:
# its PID file, sockets and /run directories are the real ones (the namespaced
# systemd has its own /run), its TCP ports are moved into this suite's range
# 25000-25999 (ship_ports_sed rewrites the definitions to match), and its data
# and logs live under $SD.

# ship_ports_sed: sed script that moves the shipped definitions' ports.
ship_ports_sed() {
    local p
    for p in 21:25021 22:25022 25:25025 110:25110 143:25143 465:25465 587:25587 783:25783 \
        993:25993 995:25995 4190:25190 5222:25222; do
        printf 's/\\bport: %s\\b/port: %s/\n' "${p%:*}" "${p#*:}"
    done
    printf 's|http://localhost/|http://localhost:25080/|\n'
}

# ship_write_units SD: configurations under SD (a directory that the daemons'
# own users can traverse), units through sd_unit (tests/lib/systemd.bash).
ship_write_units() {
    local sd=$1
    mkdir -p "$sd"
    chmod 755 "$sd"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$sd/tls.key" -out "$sd/tls.crt" -days 30 \
        -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
    chmod 644 "$sd/tls.key" "$sd/tls.crt"

    # apache2: /run/apache2/apache2.pid, program apache2.
    mkdir -p "$sd/www" && echo ok >"$sd/www/index.html"
    cat >"$sd/apache2.conf" <<EOT
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
ServerName localhost
Listen 127.0.0.1:25080
PidFile /run/apache2/apache2.pid
Mutex file:/run/apache2
ErrorLog $sd/apache2-error.log
DocumentRoot $sd/www
EOT
    ship_unit apache2 "/bin/mkdir -p /run/apache2" "/usr/sbin/apache2 -f $sd/apache2.conf -DFOREGROUND"

    # cron: "cron -f" writes /run/crond.pid; crond.reboot keeps the host's
    # @reboot jobs from running.
    ship_unit cron "/bin/touch /run/crond.reboot" "/usr/sbin/cron -f"

    # incron: forks, /run/incrond.pid.
    ship_unit incron "" "/usr/sbin/incrond" "Type=forking
PIDFile=/run/incrond.pid"

    # dovecot: base_dir /run/dovecot holds master.pid.
    mkdir -p "$sd/dovecot-state"
    cat >"$sd/dovecot.conf" <<EOT
base_dir = /run/dovecot
state_dir = $sd/dovecot-state
log_path = $sd/dovecot.log
protocols = imap pop3 sieve
listen = 127.0.0.1
ssl = yes
ssl_cert = <$sd/tls.crt
ssl_key = <$sd/tls.key
mail_location = maildir:$sd/mail/%u
passdb {
  driver = static
  args = password=unused
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$sd/mail/%u
}
service imap-login {
  inet_listener imap {
    port = 25143
  }
  inet_listener imaps {
    port = 25993
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 25110
  }
  inet_listener pop3s {
    port = 25995
    ssl = yes
  }
}
service managesieve-login {
  inet_listener sieve {
    port = 25190
  }
}
EOT
    ship_unit dovecot "" "/usr/sbin/dovecot -F -c $sd/dovecot.conf"

    # exim4: listens on 25025, 25465 (TLS on connect), 25587; /run/exim4/exim.pid.
    mkdir -p "$sd/exim-spool" "$sd/exim-log" && chown Debian-exim: "$sd/exim-spool" "$sd/exim-log"
    cat >"$sd/exim.conf" <<EOT
primary_hostname = localhost
daemon_smtp_ports = 25025 : 25465 : 25587
tls_on_connect_ports = 25465
local_interfaces = 127.0.0.1
spool_directory = $sd/exim-spool
log_file_path = $sd/exim-log/%slog
keep_environment =
pid_file_path = /run/exim4/exim.pid
exim_user = Debian-exim
exim_group = Debian-exim
tls_advertise_hosts = *
tls_certificate = $sd/tls.crt
tls_privatekey = $sd/tls.key
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_rcpt:
  deny
begin routers
begin transports
EOT
    ship_unit exim4 "/usr/bin/install -d -o Debian-exim -g Debian-exim /run/exim4" \
        "/usr/sbin/exim4 -C $sd/exim.conf -bdf -oP /run/exim4/exim.pid"

    # mariadb: socket only (no TCP); /run/mysqld/mysqld.pid, program mariadbd.
    # root logs in over the socket (unix_socket), as /etc/mysql/debian.cnf expects.
    mariadb-install-db --no-defaults --user=mysql --datadir="$sd/mysql" \
        --auth-root-authentication-method=socket --skip-test-db >"$sd/mariadb-install.log" 2>&1
    ship_unit mariadb "/usr/bin/install -d -o mysql -g mysql /run/mysqld" \
        "/usr/sbin/mariadbd --no-defaults --user=mysql --datadir=$sd/mysql --socket=/run/mysqld/mysqld.sock --pid-file=/run/mysqld/mysqld.pid --skip-networking --log-error=$sd/mariadb.log"

    # prosody: c2s on 25222 only (no s2s, no http); /run/prosody/prosody.pid.
    mkdir -p "$sd/prosody-data" && chown prosody: "$sd/prosody-data"
    cat >"$sd/prosody.cfg.lua" <<EOT
pidfile = "/run/prosody/prosody.pid"
data_path = "$sd/prosody-data"
interfaces = { "127.0.0.1" }
c2s_ports = { 25222 }
c2s_direct_tls_ports = { }
modules_enabled = { "saslauth", "tls", "disco", "posix" }
modules_disabled = { "s2s" }
log = { info = "$sd/prosody.log" }
certificate = "$sd/tls.crt"
ssl = { certificate = "$sd/tls.crt", key = "$sd/tls.key" }
VirtualHost "localhost"
EOT
    chmod 644 "$sd/prosody.cfg.lua"
    ship_unit prosody "+/usr/bin/install -d -o prosody -g prosody /run/prosody" \
        "/usr/bin/prosody -F --config $sd/prosody.cfg.lua" "User=prosody"

    # pure-ftpd: 25021; /run/pure-ftpd/pure-ftpd.pid.
    ship_unit pure-ftpd "/bin/mkdir -p /run/pure-ftpd" \
        "/usr/sbin/pure-ftpd -S 127.0.0.1,25021 -E -g /run/pure-ftpd/pure-ftpd.pid"

    # spamd: 25783; /run/spamd.pid.
    ship_unit spamd "" \
        "/usr/sbin/spamd --pidfile=/run/spamd.pid --listen=127.0.0.1:25783 --max-children=1 --syslog=stderr"

    # clamav-daemon: the socket /run/clamav/clamd.ctl, a one-signature database.
    mkdir -p "$sd/clamdb"
    echo '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature' >"$sd/clamdb/test.hdb"
    cat >"$sd/clamd.conf" <<EOT
LocalSocket /run/clamav/clamd.ctl
LocalSocketMode 666
DatabaseDirectory $sd/clamdb
Foreground yes
LogFile $sd/clamd.log
EOT
    ship_unit clamav-daemon "/bin/mkdir -p /run/clamav" "/usr/sbin/clamd -c $sd/clamd.conf"

    # ssh: 25022; /run/sshd.pid, program sshd.
    ssh-keygen -q -t ed25519 -N '' -f "$sd/ssh_host_ed25519_key"
    cat >"$sd/sshd_config" <<EOT
Port 25022
ListenAddress 127.0.0.1
HostKey $sd/ssh_host_ed25519_key
PidFile /run/sshd.pid
UsePAM no
EOT
    ship_unit ssh "/bin/mkdir -p /run/sshd" "/usr/sbin/sshd -D -e -f $sd/sshd_config"
}

# ship_unit NAME PRESTART EXEC [EXTRA]: NAME.service through sd_unit.
ship_unit() {
    local name=$1 pre=$2 exec=$3 extra=${4:-}
    {
        printf 'Description=%s (symbiosis-monit test)\n\n[Service]\n' "$name"
        [ -z "$pre" ] || printf 'ExecStartPre=%s\n' "$pre"
        printf 'ExecStart=%s\n' "$exec"
        [ -z "$extra" ] || printf '%s\n' "$extra"
    } | sd_unit "$name.service"
}

# ship_remove_cgroups UNIT...: the empty cgroups of these units under any
# system.slice of the host's tree. sd_stop removes the top-level cgroups its
# systemd made, but not units' cgroups under a system.slice that was there
# before it (left by another suite, say).
ship_remove_cgroups() {
    local u d
    for u in "$@"; do
        for d in /sys/fs/cgroup/*/system.slice/"$u" /sys/fs/cgroup/system.slice/"$u"; do
            [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
    done
    return 0
}
