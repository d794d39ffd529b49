/* mysql.c: the `mysql` probe: a real client login and ping with MariaDB
 * Connector/C, credentials read by the library from a defaults-file (never
 * by us, so secrets stay in the library), bounded by its timeouts. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>

#include "config.h"
#include "lazylib.h"
#include "probe.h"

#define MYSQL_DEBIAN_DEFAULTS "/etc/mysql/debian.cnf"

typedef struct mysql_cfg {
    char *socket;
    char *defaults_file;
} mysql_cfg;

static const conf_key mysql_keys[] = {
    {"socket", CONF_STRING, offsetof(mysql_cfg, socket), NULL, 0, 0, NULL, NULL, 0},
    {"defaults-file", CONF_STRING, offsetof(mysql_cfg, defaults_file), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static int mysql_probe_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    mysql_cfg *cfg = p->cfg;
    if (cfg->socket && (p->host || p->port)) {
        conf_error(c, conf_map_get(c, node, "socket"), "give either 'socket' or 'host'/'port', not both");
        return -1;
    }
    if (cfg->socket && cfg->socket[0] != '/') {
        conf_error(c, conf_map_get(c, node, "socket"), "socket '%s' must be an absolute path", cfg->socket);
        return -1;
    }
    if (cfg->defaults_file && cfg->defaults_file[0] != '/') {
        conf_error(c, conf_map_get(c, node, "defaults-file"), "defaults-file '%s' must be an absolute path",
                   cfg->defaults_file);
        return -1;
    }
    /* SPEC §3: as root, an insecure defaults-file refuses the definition, so
     * nothing is done to the unit on the strength of its secrets. A missing
     * file is a run-time failure (it may appear later). */
    const char *df = cfg->defaults_file ? cfg->defaults_file : MYSQL_DEBIAN_DEFAULTS;
    if (geteuid() == 0 && access(df, F_OK) == 0) {
        char *why = file_insecure_reason(df, false);
        if (why) {
            yaml_node_t *at = conf_map_get(c, node, "defaults-file");
            conf_error(c, at ? at : node, "%s", why);
            free(why);
            return -1;
        }
    }
    return 0;
}

static char *mysql_probe_name(const probe *p)
{
    const mysql_cfg *cfg = p->cfg;
    if (cfg->socket)
        return xasprintf("mysql %s", cfg->socket);
    if (p->host || p->port) {
        const char *h = probe_host_display(p);
        return strchr(h, ':') ? xasprintf("mysql [%s]:%d", h, probe_port(p))
                              : xasprintf("mysql %s:%d", h, probe_port(p));
    }
    return xstrdup("mysql " MARIADB_UNIX_ADDR);
}

/* strerror() with a lower-case first letter, as reasons read in a sentence. */
static char *mysql_probe_strerror(int err)
{
    char buf[128];
    char *s = xstrdup(strerror_r(err, buf, sizeof buf));
    if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
        s[0] = (char)(s[0] - 'A' + 'a');
    return s;
}

/* The defaults-file to read, or NULL. Completes the attempt and returns -1
 * when a file given explicitly cannot be used. */
static int mysql_probe_defaults(probe_run *run, const mysql_cfg *cfg, const char **ret)
{
    *ret = NULL;
    if (!cfg->defaults_file) {
        /* Debian's maintenance credentials, when we may read them. */
        if (access(MYSQL_DEBIAN_DEFAULTS, R_OK) == 0) {
            if (geteuid() == 0) {
                char *why = file_insecure_reason(MYSQL_DEBIAN_DEFAULTS, false);
                if (why) {
                    probe_fail(run, "%s", why);
                    free(why);
                    return -1;
                }
            }
            *ret = MYSQL_DEBIAN_DEFAULTS;
        }
        return 0;
    }
    if (access(cfg->defaults_file, R_OK) < 0) {
        char *e = mysql_probe_strerror(errno);
        probe_fail(run, "cannot read defaults-file %s: %s", cfg->defaults_file, e);
        free(e);
        return -1;
    }
    if (geteuid() == 0) {
        /* Checked again: the file may have changed since the definitions loaded. */
        char *why = file_insecure_reason(cfg->defaults_file, false);
        if (why) {
            probe_fail(run, "%s", why);
            free(why);
            return -1;
        }
    }
    *ret = cfg->defaults_file;
    return 0;
}

/* The library's message as a reason: a lower-case first letter, and a
 * trailing " (111)" errno number spelled out. */
static char *mysql_probe_reason(MYSQL *m)
{
    const char *e = mysql_error(m);
    char *s = xstrdup(e && *e ? e : "unknown error");
    if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
        s[0] = (char)(s[0] - 'A' + 'a');
    size_t n = strlen(s);
    char *open = n > 3 && s[n - 1] == ')' ? strrchr(s, '(') : NULL;
    if (open && open > s && open[-1] == ' ') {
        char *end;
        long err = strtol(open + 1, &end, 10);
        if (end == s + n - 1 && end > open + 1 && err == EINPROGRESS) {
            /* The library reports its non-blocking connect's errno, not the
             * real cause: drop it rather than mislead. */
            char *r = xstrndup(s, (size_t)(open - s - 1));
            free(s);
            return r;
        }
        if (end == s + n - 1 && end > open + 1 && err > 0 && err < 4096) {
            char *msg = mysql_probe_strerror((int)err);
            char *r = xasprintf("%.*s: %s", (int)(open - s - 1), s, msg);
            free(msg);
            free(s);
            return r;
        }
    }
    return s;
}

/* Waits for what the library asked for (MYSQL_WAIT_* in status) until the
 * deadline. Returns the events to hand to the *_cont call, 0 at the deadline,
 * or -errno. */
static int mysql_probe_wait(MYSQL *m, int status, usec_t deadline)
{
    struct pollfd pfd = {.fd = mysql_get_socket(m)};
    if (status & MYSQL_WAIT_READ)
        pfd.events |= POLLIN;
    if (status & MYSQL_WAIT_WRITE)
        pfd.events |= POLLOUT;
    if (status & MYSQL_WAIT_EXCEPT)
        pfd.events |= POLLPRI;
    for (;;) {
        usec_t now = now_mono();
        if (now >= deadline)
            return 0;
        usec_t wait = deadline - now;
        bool own_timeout = false;
        if (status & MYSQL_WAIT_TIMEOUT) {
            usec_t t = (usec_t)mysql_get_timeout_value_ms(m) * USEC_PER_MSEC;
            if (t < wait) {
                wait = t;
                own_timeout = true;
            }
        }
        int r = poll(&pfd, 1, (int)((wait + 999) / 1000));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0) {
            if (own_timeout)
                return MYSQL_WAIT_TIMEOUT;
            continue; /* the deadline is checked above */
        }
        int ev = 0;
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
            ev |= MYSQL_WAIT_READ;
        if (pfd.revents & (POLLOUT | POLLERR))
            ev |= MYSQL_WAIT_WRITE;
        if (pfd.revents & POLLPRI)
            ev |= MYSQL_WAIT_EXCEPT;
        return ev;
    }
}

/* Drives one non-blocking operation (connect or ping) to its end by the
 * deadline: status is what its *_start returned, cont() resumes it. Returns
 * true when it ended (its result is in the caller's variable), false at the
 * deadline or on a poll error (the attempt is then completed). */
typedef int (*mysql_probe_cont_fn)(MYSQL *m, void *ret, int events);

static bool mysql_probe_drive(probe_run *run, MYSQL *m, int status, mysql_probe_cont_fn cont, void *ret,
                              const char *doing)
{
    while (status) {
        int ev = mysql_probe_wait(m, status, run->deadline);
        if (ev == 0) {
            probe_timeout(run, doing);
            return false;
        }
        if (ev < 0) {
            char *e = mysql_probe_strerror(-ev);
            probe_fail(run, "cannot wait for the server: %s", e);
            free(e);
            return false;
        }
        status = cont(m, ret, ev);
    }
    return true;
}

static int mysql_probe_connect_cont(MYSQL *m, void *ret, int events)
{
    return mysql_real_connect_cont((MYSQL **)ret, m, events);
}

static int mysql_probe_ping_cont(MYSQL *m, void *ret, int events)
{
    return mysql_ping_cont((int *)ret, m, events);
}

static void mysql_probe_run(probe_run *run)
{
    const probe *p = run->probe;
    const mysql_cfg *cfg = p->cfg;
    const char *defaults = NULL;
    if (mysql_probe_defaults(run, cfg, &defaults) < 0)
        return;
    usec_t left = run->deadline - now_mono();
    if (left <= 0) {
        probe_timeout(run, NULL);
        return;
    }
    if (mysql_thread_init() != 0) {
        const char *why = lazylib_error_suffix(LAZYLIB_MARIADB);
        probe_fail(run, "cannot initialise the MariaDB client library%s", *why ? why : " for this thread");
        return;
    }
    MYSQL *m = mysql_init(NULL);
    if (!m) {
        probe_fail(run, "cannot initialise the MariaDB client library");
        mysql_thread_end();
        return;
    }
    /* The library's own timeouts count whole seconds; the deadline is kept
     * by driving its non-blocking interface with poll() here. */
    unsigned secs = (unsigned)((left + USEC_PER_SEC - 1) / USEC_PER_SEC);
    unsigned protocol = cfg->socket ? MYSQL_PROTOCOL_SOCKET : (p->host || p->port) ? MYSQL_PROTOCOL_TCP : 0;
    int bad = mysql_optionsv(m, MYSQL_OPT_NONBLOCK, (size_t)0) | mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &secs) |
              mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &secs) | mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &secs);
    if (protocol)
        bad |= mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &protocol);
    if (defaults)
        bad |= mysql_optionsv(m, MYSQL_READ_DEFAULT_FILE, defaults) |
               mysql_optionsv(m, MYSQL_READ_DEFAULT_GROUP, "client");
    if (bad) {
        probe_fail(run, "the MariaDB client library refused an option: %s", mysql_error(m));
        goto out;
    }
    const char *host = cfg->socket ? "localhost" : p->host || p->port ? probe_host(p) : NULL;
    unsigned port = cfg->socket ? 0 : (unsigned)(p->host || p->port ? probe_port(p) : 0);
    MYSQL *connected = NULL;
    int status = mysql_real_connect_start(&connected, m, host, NULL, NULL, NULL, port, cfg->socket, 0);
    if (!mysql_probe_drive(run, m, status, mysql_probe_connect_cont, &connected, "logging in"))
        goto out;
    if (!connected) {
        char *why = mysql_probe_reason(m);
        probe_fail(run, "%s", why);
        free(why);
        goto out;
    }
    int pinged = 0;
    status = mysql_ping_start(&pinged, m);
    if (!mysql_probe_drive(run, m, status, mysql_probe_ping_cont, &pinged, "waiting for the answer to a ping"))
        goto out;
    if (pinged != 0) {
        char *why = mysql_probe_reason(m);
        probe_fail(run, "ping failed: %s", why);
        free(why);
        goto out;
    }
    probe_ok(run, "logged in as %s, server %s", m->user ? m->user : "?", mysql_get_server_info(m));
out:
    mysql_close(m);
    mysql_thread_end();
}

const probe_kind probe_mysql = {
    .type = "mysql",
    .flags = PROBE_NET,
    .default_port = 3306,
    .cfg_size = sizeof(mysql_cfg),
    .keys = mysql_keys,
    .check = mysql_probe_check,
    .default_name = mysql_probe_name,
    .run = mysql_probe_run,
};
