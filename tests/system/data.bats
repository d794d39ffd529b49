#!/usr/bin/env bats
# Protocol probes for data services, against real servers on loopback:
# http (nginx with HTTPS: a valid, an expiring and an expired certificate),
# mysql (MariaDB), pgsql (PostgreSQL 15), ldap (OpenLDAP slapd).
# Consul and Patroni are not packaged in Debian 12, so they cannot run here:
# their HTTP APIs are MOCKED by tests/lib/fakeapi.py, answering as their
# documentation says. Hostile servers (silent, closing) are
# tests/lib/fakeserver.py. Ports 22000-22999.

load "$TOP/tests/lib/common"

# Ports.
P_TLS=22001 P_SOON=22002 P_OLD=22003 P_PLAIN=22004
P_MYSQL=22010 P_PG=22020 P_LDAP=22030 P_LDAPS=22031 P_CONSUL=22040 P_PATRONI=22050
P_SILENT=22060 P_CLOSE=22061 P_BANNER=22062 P_NOTHING=22099
SECRET='Sw0rdfish-n0t-in-any-0utput'

# A certificate for localhost valid from $2 to $3 (openssl ca dates), issued
# by itself: `openssl req -days` cannot make one in the past.
cert_dated() { # DIR NAME START END
    local dir=$1 name=$2 ca=$1/ca-$2
    mkdir -p "$ca"
    : >"$ca/index.txt"
    echo 01 >"$ca/serial"
    cat >"$ca/ca.cnf" <<EOC
[ca]
default_ca = d
[d]
database = $ca/index.txt
new_certs_dir = $ca
serial = $ca/serial
default_md = sha256
policy = p
copy_extensions = copy
[p]
commonName = supplied
EOC
    openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/$name.key" -out "$ca/req.csr" -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" >/dev/null 2>&1
    openssl ca -batch -config "$ca/ca.cnf" -selfsign -keyfile "$dir/$name.key" -in "$ca/req.csr" \
        -out "$dir/$name.crt" -startdate "$3" -enddate "$4" >/dev/null 2>&1
}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --clear-groups "$@"; else "$@"; fi
}

setup_file() {
    # Servers running as mysql and postgres need to reach their files.
    export S
    S=$(mktemp -d /tmp/monit-data.XXXXXX)
    chmod 755 "$S"
    echo "$S" >"$BATS_FILE_TMPDIR/servers-dir"

    # --- nginx: HTTPS with three certificates, and plain HTTP.
    make_cert "$S" good 365
    make_cert "$S" soon 2
    cert_dated "$S" old 20200101000000Z 20200201000000Z
    mkdir -p "$S/nginx-tmp"
    seq -f 'line %.0f' 1 300000 >"$S/big.txt" # 2.7 MB
    local tls_site='
        location = / { return 200 "hello from nginx\nsecond line\n"; }
        location = /teapot { return 418 "short and stout\n"; }
        location = /broken { return 503 "down\n"; }
        location = /moved { return 301 /; }
        location = /big { default_type text/plain; alias '"$S"'/big.txt; }
        location = /method {
            if ($request_method = POST) { return 201 "created by POST\n"; }
            if ($request_method = PUT) { return 204; }
            return 200 "method $request_method\n";
        }'
    cat >"$S/nginx.conf" <<EOC
user root;
daemon off;
pid $S/nginx.pid;
error_log $S/nginx-error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $S/nginx-tmp/body;
    proxy_temp_path $S/nginx-tmp/proxy;
    fastcgi_temp_path $S/nginx-tmp/fastcgi;
    uwsgi_temp_path $S/nginx-tmp/uwsgi;
    scgi_temp_path $S/nginx-tmp/scgi;
    server { listen 127.0.0.1:$P_TLS ssl; ssl_certificate $S/good.crt; ssl_certificate_key $S/good.key; $tls_site }
    server { listen 127.0.0.1:$P_SOON ssl; ssl_certificate $S/soon.crt; ssl_certificate_key $S/soon.key; $tls_site }
    server { listen 127.0.0.1:$P_OLD ssl; ssl_certificate $S/old.crt; ssl_certificate_key $S/old.key; $tls_site }
    server { listen 127.0.0.1:$P_PLAIN; $tls_site }
}
EOC
    bg nginx nginx -c "$S/nginx.conf" -p "$S" -e "$S/nginx-error.log"

    # --- MariaDB: a user with a password, socket and TCP.
    mariadb-install-db --no-defaults --user=mysql --datadir="$S/mysql" --auth-root-authentication-method=normal \
        --skip-test-db >"$S/install-db.log" 2>&1
    mkdir -p "$S/my"
    chown mysql "$S/my" 2>/dev/null || true
    bg mariadbd mariadbd --no-defaults --user=mysql --datadir="$S/mysql" --socket="$S/my/mysqld.sock" \
        --pid-file="$S/my/mysqld.pid" --port=$P_MYSQL --bind-address=127.0.0.1 --skip-name-resolve

    # --- PostgreSQL 15: trust on the socket, SCRAM over TCP.
    local pgbin=/usr/lib/postgresql/15/bin
    mkdir -p "$S/pg"
    chown postgres "$S/pg" 2>/dev/null || true
    as_postgres "$pgbin/initdb" -D "$S/pg/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        >"$S/initdb.log" 2>&1
    as_postgres "$pgbin/pg_ctl" -D "$S/pg/data" -l "$S/pg/log" \
        -o "-p $P_PG -k $S/pg -c listen_addresses=127.0.0.1" -w start >/dev/null

    # --- OpenLDAP.
    mkdir -p "$S/ldapdb"
    cat >"$S/slapd.conf" <<EOC
include /etc/ldap/schema/core.schema
pidfile $S/slapd.pid
argsfile $S/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile $S/soon.crt
TLSCertificateKeyFile $S/soon.key
database mdb
maxsize 10485760
suffix "dc=example,dc=com"
rootdn "cn=admin,dc=example,dc=com"
rootpw not-used
directory $S/ldapdb
EOC
    bg slapd slapd -d 0 -f "$S/slapd.conf" -h "ldap://127.0.0.1:$P_LDAP/ ldaps://127.0.0.1:$P_LDAPS/"

    # --- Mocks (see the top of the file) and hostile servers.
    echo '{}' >"$S/consul.json"
    echo '{"role": "primary", "state": "running"}' >"$S/patroni.json"
    bg consul "$PY" "$TOP/tests/lib/fakeapi.py" consul --port $P_CONSUL --state "$S/consul.json"
    bg patroni "$PY" "$TOP/tests/lib/fakeapi.py" patroni --port $P_PATRONI --state "$S/patroni.json"
    fake silent $P_SILENT
    fake close $P_CLOSE
    fake banner $P_BANNER

    local p
    for p in $P_TLS $P_SOON $P_OLD $P_PLAIN $P_MYSQL $P_PG $P_LDAP $P_LDAPS $P_CONSUL $P_PATRONI $P_SILENT $P_CLOSE $P_BANNER; do
        wait_port $p 30
    done
    wait_file "$S/my/mysqld.sock"
    mariadb --no-defaults -S "$S/my/mysqld.sock" -uroot <<EOS
CREATE USER 'monit'@'localhost' IDENTIFIED BY '$SECRET';
CREATE USER 'monit'@'127.0.0.1' IDENTIFIED BY '$SECRET';
EOS
    printf '[client]\nuser = monit\npassword = %s\n' "$SECRET" >"$S/good.cnf"
    printf '[client]\nuser = monit\npassword = wrong-%s\n' "$SECRET" >"$S/bad.cnf"
    chmod 600 "$S/good.cnf" "$S/bad.cnf"
}

teardown_file() {
    S=$(cat "$BATS_FILE_TMPDIR/servers-dir")
    as_postgres /usr/lib/postgresql/15/bin/pg_ctl -D "$S/pg/data" -m immediate stop >/dev/null 2>&1 || true
    stop_bg_all
    [ -f "$S/pg-holder.pid" ] && kill "$(cat "$S/pg-holder.pid")" 2>/dev/null
    rm -rf "$S"
}

setup() {
    S=$(cat "$BATS_FILE_TMPDIR/servers-dir")
    setup_checks
    # Other suites may load the machine: these runs must not skip for load.
    echo 'skip-if-load-above: 0' >"$BATS_TEST_TMPDIR/monit.yaml"
}

# Fails the test, showing the output, unless $output matches the ERE.
assert_output_matches() {
    if ! [[ "$output" =~ $1 ]]; then
        printf 'expected output to match: %s\n--- output ---\n%s\n' "$1" "$output" >&2
        return 1
    fi
}

# probe 'YAML MAP': one service "svc" with that one probe.
probe() {
    printf 'probes:\n  - %s\n' "$1" | def svc
}

@test "defaults: names and ports of each kind" {
    cat <<EOF | def svc
probes:
  - { type: mysql }
  - { type: mysql, port: 3307 }
  - { type: pgsql }
  - { type: pgsql, socket: /run/postgresql/ }
  - { type: ldap }
  - { type: consul }
  - { type: consul, service: web }
  - { type: patroni }
  - { type: patroni, role: replica }
  - { type: http, url: 'http://localhost/' }
EOF
    run monit -l "$CHECKS"
    assert_status 0
    assert_output_has "  - mysql /run/mysqld/mysqld.sock (mysql, timeout 5s)"
    assert_output_has "  - mysql 127.0.0.1:3307 (mysql,"
    assert_output_has "  - pgsql 127.0.0.1:5432 (pgsql,"
    assert_output_has "  - pgsql /run/postgresql/.s.PGSQL.5432 (pgsql,"
    assert_output_has "  - ldap://localhost:389/ (ldap,"
    assert_output_has "  - consul (consul,"
    assert_output_has "  - consul service web (consul,"
    assert_output_has "  - patroni (patroni,"
    assert_output_has "  - patroni replica (patroni,"
    assert_output_has "  - http://localhost/ (http,"
}

# ---------------------------------------------------------------- http

@test "http: https with a valid certificate, status and body match" {
    probe "{ type: http, url: 'https://localhost:$P_TLS/', body: '^second line$', cert-days: 30 }"
    run monit -n -v "$CHECKS"
    assert_status 0
    assert_output_has "svc: PASSED"
    assert_output_has "https://localhost:$P_TLS/: ok, status 200"
}

@test "http: a body that does not match fails and says what was expected" {
    probe "{ type: http, url: 'http://127.0.0.1:$P_PLAIN/', body: 'goodbye' }"
    run monit -n "$CHECKS"
    assert_status 1
    assert_output_has "svc: FAILED: http://127.0.0.1:$P_PLAIN/: status 200, but no body line matched \"goodbye\""
}

@test "http: status codes and ranges" {
    cat <<EOF | def svc
probes:
  - { type: http, url: 'http://127.0.0.1:$P_PLAIN/teapot', status: [200, "400-499"], name: teapot-ok }
  - { type: http, url: 'http://127.0.0.1:$P_PLAIN/moved', name: moved-ok }
  - { type: http, url: 'http://127.0.0.1:$P_PLAIN/moved', status: 200, name: moved-not-200 }
  - { type: http, url: 'http://127.0.0.1:$P_PLAIN/teapot', name: teapot-default }
  - { type: http, url: 'https://127.0.0.1:$P_TLS/broken', status: ["500-502", 504], name: broken }
EOF
    run monit -n -v "$CHECKS"
    assert_status 1
    assert_output_has "teapot-ok: ok, status 418"
    assert_output_has "moved-ok: ok, status 301"
    assert_output_has "moved-not-200: status 301, expected 200"
    assert_output_has "teapot-default: status 418, expected 200-399"
    assert_output_has "broken: status 503, expected 500-502, 504"
}

@test "http: methods GET, HEAD, POST, PUT" {
    cat <<EOF | def svc
probes:
  - { type: http, url: 'http://127.0.0.1:$P_PLAIN/method', body: '^method GET$', name: get }
  - { type: http, url: 'http://127.0.0.1:$P_PLAIN/method', method: HEAD, name: head }
  - { type: http, url: 'http://127.0.0.1:$P_PLAIN/method', method: POST, status: 201, body: 'by POST', name: post }
  - { type: http, url: 'https://localhost:$P_TLS/method', method: PUT, status: 204, name: put }
  - { type: http, url: 'http://127.0.0.1:$P_PLAIN/method', method: DELETE, body: '^method DELETE$', name: delete }
EOF
    run monit -n -v "$CHECKS"
    assert_status 0
    assert_output_has "get: ok, status 200"
    assert_output_has "head: ok, status 200"
    assert_output_has "post: ok, status 201"
    assert_output_has "put: ok, status 204"
    assert_output_has "delete: ok, status 200"
}

@test "http: verify fails on a self-signed certificate, passes without" {
    cat <<EOF | def svc
probes:
  - { type: http, url: 'https://localhost:$P_TLS/', verify: true, name: verified }
  - { type: http, url: 'https://localhost:$P_TLS/', name: unverified }
EOF
    run monit -n -v "$CHECKS"
    assert_status 1
    assert_output_has "svc: FAILED: verified: certificate verification failed: SSL certificate problem: self-signed certificate"
    assert_output_has "unverified: ok, status 200"
}

@test "http: cert-days fails on a certificate that expires in 1 day" {
    probe "{ type: http, url: 'https://localhost:$P_SOON/', cert-days: 3 }"
    run monit -n "$CHECKS"
    assert_status 1
    assert_output_has "svc: FAILED: https://localhost:$P_SOON/: certificate expires in 1 day"
}

@test "http: cert-warn-days warns and passes" {
    probe "{ type: http, url: 'https://localhost:$P_SOON/', cert-days: 1, cert-warn-days: 3 }"
    run monit -n "$CHECKS"
    assert_status 0
    assert_output_has "svc: PASSED (warning: https://localhost:$P_SOON/: certificate expires in 1 day)"
}

@test "http: an expired certificate always fails" {
    cat <<EOF | def svc
probes:
  - { type: http, url: 'https://localhost:$P_OLD/', name: plain }
  - { type: http, url: 'https://localhost:$P_OLD/', verify: true, name: verified }
EOF
    run monit -n -v "$CHECKS"
    assert_status 1
    assert_output_has "plain: failed, certificate expired on 2020-02-01T"
    assert_output_has "verified: failed, certificate verification failed: SSL certificate problem: "
}

@test "http: a plain server on a TLS port fails clearly" {
    probe "{ type: http, url: 'https://127.0.0.1:$P_PLAIN/' }"
    run monit -n "$CHECKS"
    assert_status 1
    assert_output_has "svc: FAILED: https://127.0.0.1:$P_PLAIN/: TLS handshake failed: the server answered in plain text, not TLS"
}

@test "http: a server that stalls times out in time; one that closes fails" {
    cat <<EOF | def svc
probes:
  - { type: http, url: 'http://127.0.0.1:$P_SILENT/', timeout: 1s, name: stall }
  - { type: http, url: 'https://127.0.0.1:$P_SILENT/', timeout: 1s, name: stall-tls }
  - { type: http, url: 'http://127.0.0.1:$P_CLOSE/', name: close }
  - { type: http, url: 'http://127.0.0.1:$P_NOTHING/', name: refused }
  - { type: http, url: 'http://127.0.0.1:$P_BANNER/', name: not-http }
EOF
    local t0=$SECONDS
    run monit -n -v "$CHECKS"
    assert_status 1
    [ $((SECONDS - t0)) -le 4 ] || { echo "took $((SECONDS - t0))s"; false; }
    assert_output_has "stall: failed, timed out after 1s"
    assert_output_has "stall-tls: failed, timed out after 1s"
    # The fake server closes at once: a FIN or, if our request was already in, a reset.
    assert_output_matches "close: failed, the server (closed the connection without answering|reset the connection)"
    assert_output_has "refused: failed, connection refused"
    assert_output_has "not-http: failed, not an HTTP answer"
}

@test "http: a large body is read only up to 64 KiB" {
    cat <<EOF | def svc
probes:
  - { type: http, url: 'http://127.0.0.1:$P_PLAIN/big', body: '^line 5000$', name: early }
  - { type: http, url: 'http://127.0.0.1:$P_PLAIN/big', body: '^line 299999$', name: late }
EOF
    run monit -n -v "$CHECKS"
    assert_status 1
    assert_output_has "early: ok, status 200"
    assert_output_has "late: failed, status 200, but no body line matched \"^line 299999\$\" in the first 64 KiB"
}

@test "http: bad keys name file, line and column" {
    cat <<EOF | def svc
probes:
  - { type: http, url: 'http://127.0.0.1/', status: [200, "500-400"] }
  - { type: http, url: 'http://127.0.0.1/', method: get }
  - { type: http, url: 'ftp://127.0.0.1/' }
EOF
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "svc.yaml:2:59: bad status '500-400': codes run from 100 to 599"
    assert_output_has "svc.yaml:3:53: bad method 'get': expected GET, HEAD, POST..."
    assert_output_has "svc.yaml:4:24: url 'ftp://127.0.0.1/' must start with http:// or https://"
}

# ---------------------------------------------------------------- mysql

@test "mysql: login and ping over the socket and over TCP" {
    cat <<EOF | def svc
probes:
  - { type: mysql, socket: $S/my/mysqld.sock, defaults-file: $S/good.cnf }
  - { type: mysql, host: 127.0.0.1, port: $P_MYSQL, defaults-file: $S/good.cnf }
EOF
    run monit -n -v "$CHECKS"
    assert_status 0
    assert_output_has "mysql $S/my/mysqld.sock: ok, logged in as monit, server 10."
    assert_output_has "mysql 127.0.0.1:$P_MYSQL: ok, logged in as monit, server 10."
}

@test "mysql: wrong credentials fail with the server's reason" {
    cat <<EOF | def svc
probes:
  - { type: mysql, socket: $S/my/mysqld.sock, defaults-file: $S/bad.cnf }
  - { type: mysql, host: 127.0.0.1, port: $P_MYSQL, defaults-file: $S/bad.cnf }
EOF
    run monit -n "$CHECKS"
    assert_status 1
    assert_output_has "mysql $S/my/mysqld.sock: access denied for user 'monit'@'localhost' (using password: YES)"
    assert_output_has "mysql 127.0.0.1:$P_MYSQL: access denied for user 'monit'@'127.0.0.1' (using password: YES)"
}

@test "mysql: the password from the defaults-file appears in no output" {
    cat <<EOF | def svc
probes:
  - { type: mysql, socket: $S/my/mysqld.sock, defaults-file: $S/good.cnf, name: good }
  - { type: mysql, socket: $S/my/mysqld.sock, defaults-file: $S/bad.cnf, name: bad }
  - { type: mysql, host: 127.0.0.1, port: $P_SILENT, defaults-file: $S/good.cnf, timeout: 1s, name: stall }
EOF
    local all="" f
    for f in text json brief nagios; do
        run monit -n -v -f $f "$CHECKS"
        all+="$output"
    done
    run monit -v -l "$CHECKS"
    all+="$output"
    run monit -t "$CHECKS"
    all+="$output"
    run monit -v "$CHECKS" # not a dry run: writes the state file
    all+="$output"
    [ -f "$BATS_TEST_TMPDIR/state" ] && all+=$(cat "$BATS_TEST_TMPDIR/state")
    output=$all
    assert_output_has "bad: access denied"
    assert_output_has "good: ok"
    assert_output_lacks "$SECRET"
    assert_output_lacks "Sw0rdfish"
}

@test "mysql: an insecure defaults-file is refused" {
    [ "$(id -u)" = 0 ] || skip "the insecure-file rule applies when run as root"
    cp "$S/good.cnf" "$BATS_TEST_TMPDIR/open.cnf"
    chmod 666 "$BATS_TEST_TMPDIR/open.cnf"
    probe "{ type: mysql, socket: $S/my/mysqld.sock, defaults-file: $BATS_TEST_TMPDIR/open.cnf }"
    run monit -n "$CHECKS"
    assert_status 1
    assert_output_has "svc: FAILED: "
    assert_output_has "insecure: $BATS_TEST_TMPDIR/open.cnf is world-writable"
    chmod 620 "$BATS_TEST_TMPDIR/open.cnf"
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "insecure: $BATS_TEST_TMPDIR/open.cnf is group-writable"
    chmod 600 "$BATS_TEST_TMPDIR/open.cnf"
    chown nobody "$BATS_TEST_TMPDIR/open.cnf"
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "is owned by uid $(id -u nobody), not root"
}

@test "mysql: a missing defaults-file or socket fails clearly" {
    cat <<EOF | def svc
probes:
  - { type: mysql, socket: $S/my/mysqld.sock, defaults-file: $S/nowhere.cnf, name: nofile }
  - { type: mysql, socket: $S/nosuch.sock, defaults-file: $S/good.cnf, name: nosock }
  - { type: mysql, host: 127.0.0.1, port: $P_NOTHING, defaults-file: $S/good.cnf, name: refused }
EOF
    run monit -n -v "$CHECKS"
    assert_status 1
    assert_output_has "nofile: failed, cannot read defaults-file $S/nowhere.cnf: no such file or directory"
    assert_output_has "nosock: failed, can't connect to local server through socket '$S/nosuch.sock': no such file or directory"
    assert_output_has "refused: failed, can't connect to server on '127.0.0.1': connection refused"
}

@test "mysql: a server that stalls times out in time; one that closes fails" {
    cat <<EOF | def svc
probes:
  - { type: mysql, host: 127.0.0.1, port: $P_SILENT, defaults-file: $S/good.cnf, timeout: 2s, name: stall }
  - { type: mysql, host: 127.0.0.1, port: $P_CLOSE, defaults-file: $S/good.cnf, name: close }
  - { type: mysql, host: 127.0.0.1, port: $P_BANNER, defaults-file: $S/good.cnf, timeout: 2s, name: not-mysql }
EOF
    local t0=$SECONDS
    run monit -n -v "$CHECKS"
    assert_status 1
    [ $((SECONDS - t0)) -le 5 ] || { echo "took $((SECONDS - t0))s"; false; }
    assert_output_has "stall: failed, timed out after 2s"
    assert_output_has "close: failed, lost connection"
    assert_output_has "not-mysql: failed,"
}

@test "mysql: socket together with host is a configuration error" {
    probe "{ type: mysql, socket: /run/mysqld/mysqld.sock, host: 127.0.0.1 }"
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "svc.yaml:2:28: give either 'socket' or 'host'/'port', not both"
}

# ---------------------------------------------------------------- pgsql

@test "pgsql: TCP gets an authentication request, the socket an answer" {
    cat <<EOF | def svc
probes:
  - { type: pgsql, host: 127.0.0.1, port: $P_PG }
  - { type: pgsql, socket: $S/pg, port: $P_PG }
EOF
    run monit -n -v "$CHECKS"
    assert_status 0
    assert_output_has "pgsql 127.0.0.1:$P_PG: ok, server asks for SASL (SCRAM) authentication"
    assert_output_has "pgsql $S/pg/.s.PGSQL.$P_PG: ok, server answered: role \"symbiosis-monit\" does not exist (SQLSTATE 28000)"
}

@test "pgsql: not PostgreSQL, closed, stalled, refused, no socket" {
    cat <<EOF | def svc
probes:
  - { type: pgsql, port: $P_BANNER, name: banner }
  - { type: pgsql, port: $P_CLOSE, name: close }
  - { type: pgsql, port: $P_SILENT, timeout: 1s, name: stall }
  - { type: pgsql, port: $P_NOTHING, name: refused }
  - { type: pgsql, socket: $S, port: $P_PG, name: nosock }
EOF
    local t0=$SECONDS
    run monit -n -v "$CHECKS"
    assert_status 1
    [ $((SECONDS - t0)) -le 4 ] || { echo "took $((SECONDS - t0))s"; false; }
    assert_output_has "banner: failed, not a PostgreSQL answer: \"220 fake ready\""
    assert_output_matches "close: failed, (the server closed the connection without answering|waiting for the answer: connection reset by peer)"
    assert_output_has "stall: failed, timed out after 1s while waiting for the answer"
    assert_output_has "refused: failed, connection refused"
    assert_output_has "nosock: failed, no such file or directory"
}

# ---------------------------------------------------------------- ldap

@test "ldap: an anonymous root-DSE search passes" {
    probe "{ type: ldap, url: 'ldap://127.0.0.1:$P_LDAP/' }"
    run monit -n -v "$CHECKS"
    assert_status 0
    assert_output_has "ldap://127.0.0.1:$P_LDAP/: ok, namingContexts: dc=example,dc=com"
}

@test "ldap: a search the server refuses, a stall, a close, a refusal" {
    cat <<EOF | def svc
probes:
  - { type: ldap, url: 'ldap://127.0.0.1:$P_LDAP/dc=nowhere,dc=org?cn?base?(objectClass=*)', name: nobase }
  - { type: ldap, url: 'ldap://127.0.0.1:$P_SILENT', timeout: 1s, name: stall }
  - { type: ldap, url: 'ldap://127.0.0.1:$P_CLOSE/', name: close }
  - { type: ldap, url: 'ldap://127.0.0.1:$P_NOTHING/', name: refused }
EOF
    local t0=$SECONDS
    run monit -n -v "$CHECKS"
    assert_status 1
    [ $((SECONDS - t0)) -le 4 ] || { echo "took $((SECONDS - t0))s"; false; }
    assert_output_has "nobase: failed, LDAP search failed: no such object"
    assert_output_has "stall: failed, timed out after 1s"
    assert_output_has "close: failed, "
    assert_output_has "refused: failed, connection refused"
}

@test "ldap: ldaps with the certificate checks every TLS kind has" {
    cat <<EOF | def svc
probes:
  - { type: ldap, url: 'ldaps://localhost:$P_LDAPS/', cert-days: 3, name: days }
  - { type: ldap, url: 'ldaps://localhost:$P_LDAPS/', cert-warn-days: 3, name: warn }
  - { type: ldap, url: 'ldaps://localhost:$P_LDAPS/', verify: true, name: verify }
  - { type: ldap, url: 'ldaps://127.0.0.1:$P_LDAP/', name: plain-on-tls }
EOF
    run monit -n -v "$CHECKS"
    assert_status 1
    assert_output_has "days: failed, certificate expires in 1 day"
    assert_output_has "warn: warning, certificate expires in 1 day"
    assert_output_has "verify: failed, certificate verification failed: SSL certificate problem: self-signed certificate"
    assert_output_has "plain-on-tls: failed, TLS handshake failed: "
}

# ---------------------------------------------------------------- consul (mocked: not packaged)

consul_checks() { # writes the mock agent's checks
    cat >"$S/consul.json"
}

@test "consul (mock): passing checks pass, a critical one fails naming it" {
    consul_checks <<'EOF'
{
  "serfHealth": {"Node": "web1", "CheckID": "serfHealth", "Name": "Serf Health Status", "Status": "passing",
                 "Notes": "", "Output": "Agent alive and reachable", "ServiceID": "", "ServiceName": ""},
  "service:web": {"Node": "web1", "CheckID": "service:web", "Name": "Service 'web' check", "Status": "passing",
                  "Output": "HTTP GET http://127.0.0.1:8080/health: 200 OK Output: ok", "ServiceID": "web", "ServiceName": "web"}
}
EOF
    probe "{ type: consul, url: 'http://127.0.0.1:$P_CONSUL' }"
    run monit -n -v "$CHECKS"
    assert_status 0
    assert_output_has "consul: ok, 2 checks passing"

    consul_checks <<'EOF'
{
  "serfHealth": {"Node": "web1", "CheckID": "serfHealth", "Name": "Serf Health Status", "Status": "passing",
                 "Output": "Agent alive and reachable", "ServiceID": "", "ServiceName": ""},
  "service:web": {"Node": "web1", "CheckID": "service:web", "Name": "Service 'web' check", "Status": "critical",
                  "Output": "HTTP GET http://127.0.0.1:8080/health: 503 Service Unavailable Output: down\nmore",
                  "ServiceID": "web", "ServiceName": "web"},
  "service:db": {"Node": "web1", "CheckID": "service:db", "Name": "Service 'db' check", "Status": "passing",
                 "Output": "TCP connect 127.0.0.1:5432: Success", "ServiceID": "db", "ServiceName": "db"}
}
EOF
    run monit -n "$CHECKS"
    assert_status 1
    assert_output_has "svc: FAILED: consul: critical: service:web (HTTP GET http://127.0.0.1:8080/health: 503 Service Unavailable Output: down)"
}

@test "consul (mock): a service's checks only; warnings warn; unknown service fails" {
    consul_checks <<'EOF'
{
  "service:web": {"CheckID": "service:web", "Status": "critical", "Output": "dead", "ServiceID": "web", "ServiceName": "web"},
  "service:db": {"CheckID": "service:db", "Status": "passing", "Output": "", "ServiceID": "db", "ServiceName": "db"},
  "service:mq": {"CheckID": "service:mq", "Status": "warning", "Output": "queue long", "ServiceID": "mq", "ServiceName": "mq"}
}
EOF
    cat <<EOF | def svc
probes:
  - { type: consul, url: 'http://127.0.0.1:$P_CONSUL/', service: db }
  - { type: consul, url: 'http://127.0.0.1:$P_CONSUL/', service: mq }
EOF
    run monit -n -v "$CHECKS"
    assert_status 0
    assert_output_has "consul service db: ok, 1 check passing"
    assert_output_has "svc: PASSED (warning: consul service mq: warning: service:mq (queue long))"
    probe "{ type: consul, url: 'http://127.0.0.1:$P_CONSUL/', service: nosuch }"
    run monit -n "$CHECKS"
    assert_status 1
    assert_output_has "consul service nosuch: no check of service 'nosuch' on this agent"
}

@test "consul (mock): bad JSON, a refused token, a stall, a refusal" {
    cat <<EOF | def svc
probes:
  - { type: consul, url: 'http://127.0.0.1:$P_CONSUL', name: answer }
  - { type: consul, url: 'http://127.0.0.1:$P_SILENT', timeout: 1s, name: stall }
  - { type: consul, url: 'http://127.0.0.1:$P_NOTHING', name: refused }
EOF
    echo '{"service:web": {"Status": "passing",' | consul_checks
    run monit -n -v "$CHECKS"
    assert_status 1
    assert_output_has "answer: failed, /v1/agent/checks did not answer JSON: at byte 38: unterminated object"
    assert_output_has "stall: failed, timed out after 1s"
    assert_output_has "refused: failed, connection refused"
    echo '{"__status": 403, "__body": "Permission denied: token with AccessorID lacks permission"}' | consul_checks
    run monit -n -v "$CHECKS"
    assert_output_has "answer: failed, status 403 from /v1/agent/checks: Permission denied: token with AccessorID lacks permission"
}

# ---------------------------------------------------------------- patroni (mocked: not packaged)

@test "patroni (mock): each role's endpoint" {
    echo '{"role": "primary", "state": "running"}' >"$S/patroni.json"
    cat <<EOF | def svc
probes:
  - { type: patroni, url: 'http://127.0.0.1:$P_PATRONI' }
  - { type: patroni, url: 'http://127.0.0.1:$P_PATRONI', role: primary }
  - { type: patroni, url: 'http://127.0.0.1:$P_PATRONI/', role: leader }
  - { type: patroni, url: 'http://127.0.0.1:$P_PATRONI', role: replica }
EOF
    run monit -n -v "$CHECKS"
    assert_status 1
    assert_output_has "patroni: ok, role primary, state running"
    assert_output_has "patroni primary: ok, role primary, state running"
    assert_output_has "patroni leader: ok, role primary, state running"
    assert_output_has "svc: FAILED: patroni replica: not replica: /replica answered status 503 (role primary, state running)"

    echo '{"role": "replica", "state": "stopped"}' >"$S/patroni.json"
    run monit -n -v "$CHECKS"
    assert_output_has "patroni: failed, not healthy: /health answered status 503 (role replica, state stopped)"
    assert_output_has "patroni replica: failed, not replica: /replica answered status 503 (role replica, state stopped)"
}

@test "patroni: a bad role names its place; a stall times out" {
    probe "{ type: patroni, role: master }"
    run monit -t "$CHECKS"
    assert_status 2
    assert_output_has "svc.yaml:2:28: bad value 'master' for 'role': expected one of any, primary, replica, leader"
    probe "{ type: patroni, url: 'http://127.0.0.1:$P_SILENT', timeout: 1s }"
    run monit -n "$CHECKS"
    assert_status 1
    assert_output_has "patroni: timed out after 1s"
}

@test "every kind under valgrind: no leak, no invalid access" {
    echo '{"serfHealth": {"CheckID": "serfHealth", "Status": "passing", "Output": "alive"}}' >"$S/consul.json"
    echo '{"role": "primary", "state": "running"}' >"$S/patroni.json"
    cat <<EOF | def svc
probes:
  - { type: mysql, socket: $S/my/mysqld.sock, defaults-file: $S/good.cnf, timeout: 20s }
  - { type: mysql, host: 127.0.0.1, port: $P_MYSQL, defaults-file: $S/bad.cnf, timeout: 20s, retries: 0 }
  - { type: pgsql, host: 127.0.0.1, port: $P_PG, timeout: 20s }
  - { type: ldap, url: 'ldap://127.0.0.1:$P_LDAP/', timeout: 20s }
  - { type: http, url: 'https://localhost:$P_SOON/', body: nginx, cert-warn-days: 5, timeout: 20s }
  - { type: consul, url: 'http://127.0.0.1:$P_CONSUL', timeout: 20s }
  - { type: patroni, url: 'http://127.0.0.1:$P_PATRONI', role: replica, timeout: 20s }
  - { type: mysql, host: 127.0.0.1, port: $P_SILENT, defaults-file: $S/good.cnf, timeout: 1s }
EOF
    run monit_valgrind -n -v "$CHECKS"
    assert_status 1 # the bad credentials, the replica and the stall; 97 would be valgrind's
    assert_output_has "mysql $S/my/mysqld.sock: ok, logged in as monit"
    assert_output_has "access denied for user 'monit'@'127.0.0.1'"
    assert_output_has "pgsql 127.0.0.1:$P_PG: ok"
    assert_output_has "ldap://127.0.0.1:$P_LDAP/: ok"
    assert_output_has "https://localhost:$P_SOON/: warning, certificate expires in 1 day"
    assert_output_has "consul: ok, 1 check passing"
    assert_output_has "patroni replica: failed, not replica"
    assert_output_has "timed out after 1s logging in"
}

# ---------------------------------------------------------------- last: stops PostgreSQL

@test "pgsql: a server shutting down fails with its reason" {
    # A smart shutdown waits for sessions to end and refuses new ones meanwhile.
    as_postgres psql -h "$S/pg" -p $P_PG -U postgres -c 'SELECT pg_sleep(60)' >/dev/null 2>&1 &
    echo $! >"$S/pg-holder.pid"
    local i
    for ((i = 0; i < 50; i++)); do
        as_postgres psql -h "$S/pg" -p $P_PG -U postgres -tAc \
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'" 2>/dev/null | grep -qx 1 && break
        sleep 0.1
    done
    as_postgres /usr/lib/postgresql/15/bin/pg_ctl -D "$S/pg/data" -m smart -W stop >/dev/null
    sleep 0.3
    probe "{ type: pgsql, host: 127.0.0.1, port: $P_PG }"
    run monit -n "$CHECKS"
    kill "$(cat "$S/pg-holder.pid")" 2>/dev/null || true
    assert_status 1
    assert_output_has "svc: FAILED: pgsql 127.0.0.1:$P_PG: the database system is shutting down (SQLSTATE 57P03)"
}
