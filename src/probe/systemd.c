/* systemd.c: the `systemd` probe: a named unit is active, or (failed-units:
 * true) no unit on the host is in the failed state. */
#include <string.h>

#include "bus.h"
#include "probe.h"

typedef struct systemd_cfg {
    char *unit;
    bool failed_units;
} systemd_cfg;

static const conf_key systemd_keys[] = {
    {"unit", CONF_STRING, offsetof(systemd_cfg, unit), NULL, 0, 0, NULL, NULL, 0},
    {"failed-units", CONF_BOOL, offsetof(systemd_cfg, failed_units), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static int systemd_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    systemd_cfg *cfg = p->cfg;
    if (!cfg->unit == !cfg->failed_units) {
        conf_error(c, node, "systemd probe needs either 'unit' or 'failed-units: true'");
        return -1;
    }
    if (cfg->unit && (!*cfg->unit || strchr(cfg->unit, '/'))) {
        conf_error(c, conf_map_get(c, node, "unit"), "bad unit name '%s'", cfg->unit);
        return -1;
    }
    if (cfg->unit && !strchr(cfg->unit, '.')) {
        char *u = xasprintf("%s.service", cfg->unit);
        free(cfg->unit);
        cfg->unit = u;
    }
    return 0;
}

static char *systemd_name(const probe *p)
{
    const systemd_cfg *cfg = p->cfg;
    return cfg->unit ? xasprintf("systemd %s", cfg->unit) : xstrdup("systemd failed-units");
}

static void check_failed_units(probe_run *run)
{
    sd_bus *bus = unit_probe_bus(run);
    if (!bus)
        return;
    char *err = NULL;
    strv failed = {0};
    int r = bus_failed_units(bus, &failed, &err);
    if (r < 0)
        unit_probe_bus_fail(run, r, err);
    else if (failed.n == 0)
        probe_ok(run, "no failed units");
    else {
        char *names = strv_join(&failed, ", ");
        probe_fail(run, "%zu failed unit%s: %s", failed.n, failed.n == 1 ? "" : "s", names);
        free(names);
    }
    strv_free(&failed);
    free(err);
    bus_close(bus);
}

static void systemd_run(probe_run *run)
{
    const systemd_cfg *cfg = run->probe->cfg;
    if (cfg->unit)
        unit_probe_check(run, cfg->unit);
    else
        check_failed_units(run);
}

const probe_kind probe_systemd = {
    .type = "systemd",
    .cfg_size = sizeof(systemd_cfg),
    .keys = systemd_keys,
    .check = systemd_check,
    .default_name = systemd_name,
    .run = systemd_run,
};
