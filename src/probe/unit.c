/* unit.c: the implicit probe of a service's `unit` key: the systemd unit is
 * active, read over sd-bus (LoadUnit, then its states). */
#include <errno.h>
#include <string.h>

#include "bus.h"
#include "config.h"
#include "probe.h"

/* "failed (result: exit-code)", "inactive (dead)", "masked, inactive (dead)". */
static char *describe(const unit_state *s)
{
    strbuf b = {0};
    if (unit_state_is_masked(s))
        sb_append(&b, "masked, ");
    sb_append(&b, s->active);
    if (s->sub && *s->sub && strcmp(s->sub, s->active))
        sb_printf(&b, " (%s)", s->sub);
    if (s->result && *s->result && strcmp(s->result, "success"))
        sb_printf(&b, " (result: %s)", s->result);
    return sb_steal(&b);
}

sd_bus *unit_probe_bus(probe_run *run)
{
    usec_t left = run->deadline - now_mono();
    if (left <= 0) {
        probe_timeout(run, "connecting to the system bus");
        return NULL;
    }
    sd_bus *bus = NULL;
    char *err = NULL;
    if (bus_open(left, &bus, &err) < 0) {
        probe_fail(run, "%s", err);
        free(err);
        return NULL;
    }
    return bus;
}

void unit_probe_bus_fail(probe_run *run, int r, const char *err)
{
    if (r == -ETIMEDOUT)
        probe_timeout(run, "asking systemd");
    else
        probe_fail(run, "%s", err ? err : "systemd did not answer");
}

void unit_probe_check(probe_run *run, const char *unit)
{
    sd_bus *bus = unit_probe_bus(run);
    if (!bus)
        return;
    char *err = NULL;
    unit_state st = {0};
    int r = bus_unit_state(bus, unit, &st, &err);
    if (r < 0)
        unit_probe_bus_fail(run, r, err);
    else if (!strcmp(st.load, "not-found"))
        probe_fail(run, "no such unit");
    else {
        char *d = describe(&st);
        if (unit_state_is_active(&st) && !unit_state_is_masked(&st))
            probe_ok(run, "%s", d);
        else
            probe_fail(run, "%s", d);
        free(d);
    }
    unit_state_free(&st);
    free(err);
    bus_close(bus);
}

static void unit_run(probe_run *run)
{
    unit_probe_check(run, run->probe->service->unit);
}

const probe_kind probe_unit = {
    .type = "unit",
    .flags = PROBE_INTERNAL,
    .run = unit_run,
};
