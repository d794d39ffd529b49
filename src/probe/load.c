/* load.c: the `load` probe: the 1, 5 and 15 minute load averages, optionally
 * per CPU, against warning and critical thresholds. */
#include <errno.h>
#include <string.h>

#include "probe.h"

typedef struct load_limits {
    bool set;
    double v[3]; /* 1, 5, 15 minutes */
} load_limits;

typedef struct load_cfg {
    load_limits warn, crit;
    bool per_cpu;
} load_cfg;

static const char *const load_periods[3] = {"1min", "5min", "15min"};

/* `[1min, 5min, 15min]`, or one number for all three. */
static int parse_limits(conf_ctx *c, yaml_node_t *node, void *field)
{
    load_limits *l = field;
    if (node && node->type == YAML_SEQUENCE_NODE) {
        size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
        if (n != 3) {
            conf_error(c, node, "expected three load averages [1min, 5min, 15min], got %zu", n);
            return -1;
        }
        for (size_t i = 0; i < 3; i++) {
            yaml_node_t *item = yaml_document_get_node(c->doc, node->data.sequence.items.start[i]);
            if (conf_get_double(c, item, &l->v[i]) < 0)
                return -1;
            if (l->v[i] < 0) {
                conf_error(c, item, "a load threshold cannot be negative");
                return -1;
            }
        }
    } else {
        double v;
        if (conf_get_double(c, node, &v) < 0)
            return -1;
        if (v < 0) {
            conf_error(c, node, "a load threshold cannot be negative");
            return -1;
        }
        l->v[0] = l->v[1] = l->v[2] = v;
    }
    l->set = true;
    return 0;
}

static const conf_key load_keys[] = {
    {"warn", CONF_CUSTOM, offsetof(load_cfg, warn), NULL, 0, 0, parse_limits, NULL, 0},
    {"crit", CONF_CUSTOM, offsetof(load_cfg, crit), NULL, 0, 0, parse_limits, NULL, 0},
    {"per-cpu", CONF_BOOL, offsetof(load_cfg, per_cpu), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static int load_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    const load_cfg *cfg = p->cfg;
    if (!cfg->warn.set || !cfg->crit.set)
        return 0;
    for (int i = 0; i < 3; i++)
        if (cfg->warn.v[i] > cfg->crit.v[i]) {
            conf_error(c, conf_map_get(c, node, "warn"), "warn (%g) is above crit (%g) for the %s load",
                       cfg->warn.v[i], cfg->crit.v[i], load_periods[i]);
            return -1;
        }
    return 0;
}

/* Appends "5min load 3.20 reached 3" for each average at or above l. */
static void load_grade(strv *out, const double *avg, const load_limits *l, const char *level)
{
    if (!l->set)
        return;
    for (int i = 0; i < 3; i++)
        if (avg[i] >= l->v[i])
            strv_push(out, xasprintf("%s load %.2f at or above %s %g", load_periods[i], avg[i], level, l->v[i]));
}

static void load_run(probe_run *run)
{
    const load_cfg *cfg = run->probe->cfg;
    double avg[3];
    if (getloadavg(avg, 3) != 3) {
        probe_fail(run, "cannot read the load averages from /proc/loadavg");
        return;
    }
    long cpus = 1;
    if (cfg->per_cpu) {
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
        if (cpus < 1)
            cpus = 1;
        for (int i = 0; i < 3; i++)
            avg[i] /= (double)cpus;
    }
    metric m = {.value = avg[0], .uom = "", .has_warn = cfg->warn.set, .warn = cfg->warn.v[0],
                .has_crit = cfg->crit.set, .crit = cfg->crit.v[0], .has_min = true, .min = 0};
    probe_set_metric(run, &m);

    char *per = cfg->per_cpu ? xasprintf(" per CPU (%ld CPUs)", cpus) : xstrdup("");
    strv crits = {0}, warns = {0};
    load_grade(&crits, avg, &cfg->crit, "critical");
    if (!crits.n)
        load_grade(&warns, avg, &cfg->warn, "warning");
    if (crits.n) {
        char *j = strv_join(&crits, ", ");
        probe_fail(run, "%s%s", j, per);
        free(j);
    } else if (warns.n) {
        char *j = strv_join(&warns, ", ");
        probe_warn(run, "%s%s", j, per);
        free(j);
    } else {
        probe_ok(run, "load %.2f, %.2f, %.2f%s", avg[0], avg[1], avg[2], per);
    }
    strv_free(&crits);
    strv_free(&warns);
    free(per);
}

const probe_kind probe_load = {
    .type = "load",
    .flags = PROBE_NO_RETRY,
    .cfg_size = sizeof(load_cfg),
    .keys = load_keys,
    .check = load_check,
    .run = load_run,
};
