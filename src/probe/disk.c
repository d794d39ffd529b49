/* disk.c: the `disk` probe: used space and inodes of the filesystem holding a
 * path, against warning and critical thresholds (statvfs, as df computes them). */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/statvfs.h>

#include "probe.h"

typedef struct disk_cfg {
    char *path;
    double warn, crit, inodes_warn, inodes_crit;
    bool warn_set, crit_set, inodes_warn_set, inodes_crit_set;
    bool optional;
} disk_cfg;

/* Without thresholds a disk probe warns at 80% and fails at 90%; inodes follow
 * the space thresholds unless given, as running out of either stops writes. */
#define DISK_DEFAULT_WARN 80.0
#define DISK_DEFAULT_CRIT 90.0

static const conf_key disk_keys[] = {
    {"path", CONF_STRING, offsetof(disk_cfg, path), NULL, 0, 0, NULL, NULL, 0},
    {"warn", CONF_PERCENT, offsetof(disk_cfg, warn), NULL, 0, 0, NULL, NULL, offsetof(disk_cfg, warn_set)},
    {"crit", CONF_PERCENT, offsetof(disk_cfg, crit), NULL, 0, 0, NULL, NULL, offsetof(disk_cfg, crit_set)},
    {"inodes-warn", CONF_PERCENT, offsetof(disk_cfg, inodes_warn), NULL, 0, 0, NULL, NULL,
     offsetof(disk_cfg, inodes_warn_set)},
    {"inodes-crit", CONF_PERCENT, offsetof(disk_cfg, inodes_crit), NULL, 0, 0, NULL, NULL,
     offsetof(disk_cfg, inodes_crit_set)},
    {"optional", CONF_BOOL, offsetof(disk_cfg, optional), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static int disk_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    disk_cfg *cfg = p->cfg;
    if (!cfg->path || !*cfg->path) {
        conf_error(c, node, "disk probe needs a 'path'");
        return -1;
    }
    if (!cfg->warn_set)
        cfg->warn = cfg->crit_set && cfg->crit < DISK_DEFAULT_WARN ? cfg->crit : DISK_DEFAULT_WARN;
    if (!cfg->crit_set)
        cfg->crit = cfg->warn_set && cfg->warn > DISK_DEFAULT_CRIT ? cfg->warn : DISK_DEFAULT_CRIT;
    if (!cfg->inodes_warn_set)
        cfg->inodes_warn = cfg->warn;
    if (!cfg->inodes_crit_set)
        cfg->inodes_crit = cfg->crit;
    if (cfg->warn > cfg->crit) {
        conf_error(c, conf_map_get(c, node, "warn"), "warn (%g%%) is above crit (%g%%)", cfg->warn, cfg->crit);
        return -1;
    }
    if (cfg->inodes_warn > cfg->inodes_crit) {
        yaml_node_t *n = conf_map_get(c, node, "inodes-warn");
        conf_error(c, n ? n : node, "inodes-warn (%g%%) is above inodes-crit (%g%%)", cfg->inodes_warn,
                   cfg->inodes_crit);
        return -1;
    }
    return 0;
}

static char *disk_name(const probe *p)
{
    return xasprintf("disk %s", ((const disk_cfg *)p->cfg)->path);
}

/* "1.5 GiB": sizes as df -h shows them. */
static char *human_size(double bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t u = 0;
    while (bytes >= 1024 && u + 1 < ARRAY_SIZE(units)) {
        bytes /= 1024;
        u++;
    }
    return u ? xasprintf("%.1f %s", bytes, units[u]) : xasprintf("%.0f B", bytes);
}

/* Appends "what X% used, critical at Y%" to the list it crosses, if any. */
static void disk_grade(strv *crits, strv *warns, const char *what, double used, double warn, double crit)
{
    if (used >= crit)
        strv_push(crits, xasprintf("%s %.1f%% used, critical at %g%%", what, used, crit));
    else if (used >= warn)
        strv_push(warns, xasprintf("%s %.1f%% used, warning at %g%%", what, used, warn));
}

/* statvfs() on a hung network filesystem (NFS, CIFS, an automount whose
 * daemon is gone) blocks without bound: it runs in a thread of its own that
 * the probe leaves behind at its deadline. The job is freed by whichever of
 * the two lets go of it last. */
typedef struct disk_job {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int refs;
    bool done;
    int err;
    struct statvfs sv;
    char *path;
} disk_job;

static void disk_job_unref(disk_job *j)
{
    pthread_mutex_lock(&j->lock);
    bool last = --j->refs == 0;
    pthread_mutex_unlock(&j->lock);
    if (!last)
        return;
    pthread_cond_destroy(&j->cond);
    pthread_mutex_destroy(&j->lock);
    free(j->path);
    free(j);
}

static void *disk_worker(void *arg)
{
    disk_job *j = arg;
    struct statvfs sv;
    int r = statvfs(j->path, &sv);
    int e = r < 0 ? errno : 0;
    pthread_mutex_lock(&j->lock);
    j->sv = sv;
    j->err = e;
    j->done = true;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->lock);
    disk_job_unref(j);
    return NULL;
}

/* statvfs(path) by deadline: 0, a positive errno, or -ETIMEDOUT. */
static int disk_statvfs(const char *path, usec_t deadline, struct statvfs *ret)
{
    disk_job *j = xcalloc(1, sizeof *j);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the clock of now_mono() */
    pthread_cond_init(&j->cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&j->lock, NULL);
    j->path = xstrdup(path);
    j->refs = 2;
    pthread_attr_t ta;
    pthread_t t;
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    int r = pthread_create(&t, &ta, disk_worker, j);
    pthread_attr_destroy(&ta);
    if (r != 0) {
        j->refs = 1;
        disk_job_unref(j);
        return r;
    }
    struct timespec ts = {.tv_sec = deadline / USEC_PER_SEC, .tv_nsec = (long)(deadline % USEC_PER_SEC) * 1000};
    pthread_mutex_lock(&j->lock);
    for (int w = 0; !j->done && w != ETIMEDOUT;)
        w = pthread_cond_timedwait(&j->cond, &j->lock, &ts);
    bool done = j->done;
    if (done) {
        *ret = j->sv;
        r = j->err;
    }
    pthread_mutex_unlock(&j->lock);
    disk_job_unref(j);
    return done ? r : -ETIMEDOUT;
}

static void disk_run(probe_run *run)
{
    const disk_cfg *cfg = run->probe->cfg;
    struct statvfs sv;
    int r = disk_statvfs(cfg->path, run->deadline, &sv);
    if (r == -ETIMEDOUT) {
        char *what = xasprintf("reading the filesystem of %s (a hung network filesystem?)", cfg->path);
        probe_timeout(run, what);
        free(what);
        return;
    }
    if (r != 0) {
        int e = r;
        char buf[128];
        if (e == ENOENT && cfg->optional)
            probe_skip(run, "%s is not present (optional)", cfg->path);
        else
            probe_fail(run, "cannot read the filesystem of %s: %s", cfg->path, strerror_r(e, buf, sizeof buf));
        return;
    }
    double frsize = sv.f_frsize ? (double)sv.f_frsize : (double)sv.f_bsize;
    double used_blocks = (double)(sv.f_blocks - sv.f_bfree);
    double avail_blocks = (double)sv.f_bavail;
    /* As df: the share of what non-root users can have that is used. */
    double total = used_blocks + avail_blocks;
    double space = total > 0 ? used_blocks * 100.0 / total : 0.0;
    bool has_inodes = sv.f_files > 0; /* btrfs, vfat... report none */
    double inodes = has_inodes ? (double)(sv.f_files - sv.f_ffree) * 100.0 / (double)sv.f_files : 0.0;

    metric m = {.value = space, .uom = "%", .has_warn = true, .warn = cfg->warn, .has_crit = true,
                .crit = cfg->crit, .has_min = true, .min = 0, .has_max = true, .max = 100};
    probe_set_metric(run, &m);

    strv crits = {0}, warns = {0};
    disk_grade(&crits, &warns, "space", space, cfg->warn, cfg->crit);
    if (has_inodes)
        disk_grade(&crits, &warns, "inodes", inodes, cfg->inodes_warn, cfg->inodes_crit);
    _cleanup_free_ char *avail = human_size(avail_blocks * frsize);
    _cleanup_free_ char *size = human_size(total * frsize);
    _cleanup_free_ char *summary =
        has_inodes ? xasprintf("%.1f%% used, %s free of %s, inodes %.1f%% used", space, avail, size, inodes)
                   : xasprintf("%.1f%% used, %s free of %s", space, avail, size);
    if (crits.n) {
        _cleanup_free_ char *j = strv_join(&crits, "; ");
        probe_fail(run, "%s (%s free of %s)", j, avail, size);
    } else if (warns.n) {
        _cleanup_free_ char *j = strv_join(&warns, "; ");
        probe_warn(run, "%s (%s free of %s)", j, avail, size);
    } else {
        probe_ok(run, "%s", summary);
    }
    strv_free(&crits);
    strv_free(&warns);
}

const probe_kind probe_disk = {
    .type = "disk",
    .flags = PROBE_NO_RETRY,
    .cfg_size = sizeof(disk_cfg),
    .keys = disk_keys,
    .check = disk_check,
    .default_name = disk_name,
    .run = disk_run,
};
