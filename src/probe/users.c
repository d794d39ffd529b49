/* users.c: the `users` probe: logged-in sessions (utmp USER_PROCESS records,
 * as who(1) counts them) against warning and critical thresholds. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <utmpx.h>

#include "probe.h"

typedef struct users_cfg {
    int warn, crit;
    bool warn_set, crit_set;
} users_cfg;

static const conf_key users_keys[] = {
    {"warn", CONF_INT, offsetof(users_cfg, warn), NULL, 0, 1000000, NULL, NULL, offsetof(users_cfg, warn_set)},
    {"crit", CONF_INT, offsetof(users_cfg, crit), NULL, 0, 1000000, NULL, NULL, offsetof(users_cfg, crit_set)},
    CONF_END,
};

/* utmp is a few records per session; more than this is not a utmp file. */
#define USERS_UTMP_MAX (16 * 1024 * 1024)

static int users_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    const users_cfg *cfg = p->cfg;
    if (cfg->warn_set && cfg->crit_set && cfg->warn > cfg->crit) {
        conf_error(c, conf_map_get(c, node, "warn"), "warn (%d) is above crit (%d)", cfg->warn, cfg->crit);
        return -1;
    }
    return 0;
}

/* Reads the records of path directly: getutxent() is not thread-safe, and
 * probes run in parallel. Returns the count of USER_PROCESS records, names
 * of their users (distinct, in order) in *names; 0 records when the file is
 * absent (no one ever logged in since boot); negative errno otherwise. */
static int users_count(const char *path, strv *names, size_t *ret_n)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT) {
            *ret_n = 0;
            return 0;
        }
        return -errno;
    }
    size_t n = 0;
    struct utmpx u;
    for (size_t total = 0;; total += sizeof u) {
        if (total >= USERS_UTMP_MAX)
            return -EFBIG;
        size_t got = 0;
        while (got < sizeof u) {
            ssize_t r = read(fd, (char *)&u + got, sizeof u - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                return -errno;
            if (r == 0)
                break;
            got += (size_t)r;
        }
        if (got < sizeof u)
            break; /* end (a torn last record is ignored, as glibc does) */
        if (u.ut_type != USER_PROCESS || !u.ut_user[0]) /* as who(1) */
            continue;
        n++;
        char *user = xstrndup(u.ut_user, strnlen(u.ut_user, sizeof u.ut_user));
        bool seen = false;
        for (size_t i = 0; i < names->n && !seen; i++)
            seen = !strcmp(names->v[i], user);
        if (seen)
            free(user);
        else
            strv_push(names, user);
    }
    *ret_n = n;
    return 0;
}

static void users_run(probe_run *run)
{
    const users_cfg *cfg = run->probe->cfg;
    strv names = {0};
    size_t n = 0;
    int r = users_count(_PATH_UTMPX, &names, &n);
    if (r < 0) {
        char buf[128];
        probe_fail(run, "cannot read %s: %s", _PATH_UTMPX, strerror_r(-r, buf, sizeof buf));
        strv_free(&names);
        return;
    }
    metric m = {.value = (double)n, .uom = "", .has_warn = cfg->warn_set, .warn = cfg->warn,
                .has_crit = cfg->crit_set, .crit = cfg->crit, .has_min = true, .min = 0};
    probe_set_metric(run, &m);
    char *who = names.n ? strv_join(&names, ", ") : NULL;
    char *what = xasprintf("%zu logged-in session%s%s%s%s", n, n == 1 ? "" : "s", who ? " (" : "", who ? who : "",
                           who ? ")" : "");
    if (cfg->crit_set && n >= (size_t)cfg->crit)
        probe_fail(run, "%s, critical at %d", what, cfg->crit);
    else if (cfg->warn_set && n >= (size_t)cfg->warn)
        probe_warn(run, "%s, warning at %d", what, cfg->warn);
    else
        probe_ok(run, "%s", what);
    free(what);
    free(who);
    strv_free(&names);
}

const probe_kind probe_users = {
    .type = "users",
    .flags = PROBE_NO_RETRY,
    .cfg_size = sizeof(users_cfg),
    .keys = users_keys,
    .check = users_check,
    .run = users_run,
};
