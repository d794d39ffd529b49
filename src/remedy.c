/* remedy.c: remediation over sd-bus: stop what is not needed, restart what
 * failed (dependencies first, within the restart limit), probe it again and
 * say in the report what was done and what came of it. */
#include "remedy.h"

#include <errno.h>
#include <string.h>

#include "bus.h"
#include "config.h"

#define REMEDY_CALL_TIMEOUT (10 * USEC_PER_SEC) /* one plain method call */

typedef struct remedy {
    run_ctx *ctx;
    state *st;
    const remedy_opts *o;
    sd_bus *bus;
    char *bus_err;
    bool bus_tried;
} remedy;

/* The bus, connected on first use; NULL with m->bus_err when it cannot be had.
 * Plain calls are bounded by REMEDY_CALL_TIMEOUT and the run's deadline. */
static sd_bus *remedy_bus(remedy *m)
{
    if (!m->bus_tried) {
        m->bus_tried = true;
        if (bus_open(REMEDY_CALL_TIMEOUT, &m->bus, &m->bus_err) < 0)
            m->bus = NULL;
    }
    if (m->bus) {
        usec_t left = m->ctx->run_deadline - now_mono();
        bus_set_timeout(m->bus, usec_min(REMEDY_CALL_TIMEOUT, left > USEC_PER_SEC ? left : USEC_PER_SEC));
    }
    return m->bus;
}

/* Appends "; text" to a service's reason and makes it FAILED. */
static void add_reason(service_result *sr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_reason(service_result *sr, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = xvasprintf(fmt, ap);
    va_end(ap);
    char *r = sr->reason ? xasprintf("%s; %s", sr->reason, text) : xstrdup(text);
    free(sr->reason);
    free(text);
    sr->reason = r;
    sr->failed = true;
}

static void set_note(service_result *sr, char *owned)
{
    free(sr->note);
    sr->note = owned;
}

static service_result *find_result(run_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->result.n_services; i++)
        if (!strcmp(ctx->result.services[i].svc->name, name))
            return &ctx->result.services[i];
    return NULL;
}

/* Runs one job on unit and awaits it. 0 when it is done; else -1 and *ret_why
 * (systemd's job result and the unit's own result, or what went wrong). */
static int run_job(remedy *m, const char *method, const char *unit, char **ret_why)
{
    sd_bus *bus = remedy_bus(m);
    if (!bus) {
        *ret_why = xstrdup(m->bus_err);
        return -1;
    }
    usec_t deadline = usec_min(now_mono() + m->ctx->settings->restart_timeout, m->ctx->run_deadline);
    char *result = NULL, *err = NULL;
    int r = bus_unit_job(bus, method, unit, deadline, &result, &err);
    if (r == -ETIMEDOUT) {
        char *d = format_duration(m->ctx->settings->restart_timeout);
        *ret_why = xasprintf("the job did not finish within %s", d);
        free(d);
        free(err);
        return -1;
    }
    if (r < 0) {
        *ret_why = err;
        return -1;
    }
    if (!strcmp(result, "done")) {
        free(result);
        return 0;
    }
    unit_state us = {0};
    if (bus_unit_state(remedy_bus(m), unit, &us, NULL) == 0 && us.result && strcmp(us.result, "success"))
        *ret_why = xasprintf("job %s, unit result %s", result, us.result);
    else
        *ret_why = xasprintf("job %s", result);
    unit_state_free(&us);
    free(result);
    return -1;
}

/* ---- not needed: stop ------------------------------------------------------ */

static bool unit_running(const unit_state *us)
{
    return unit_state_is_active(us) || !strcmp(us->active, "activating");
}

static void stop_not_needed(remedy *m, service_result *sr)
{
    const service *s = sr->svc;
    if (!s->unit || sr->failed || sr->probed || !sr->note || service_broken(s) || m->ctx->checks->insecure)
        return;
    sd_bus *bus = remedy_bus(m);
    if (!bus)
        return; /* no systemd: no unit of it runs */
    unit_state us = {0};
    char *err = NULL;
    if (bus_unit_state(bus, s->unit, &us, &err) < 0) {
        add_reason(sr, "not needed, but the state of %s is unknown: %s", s->unit, err);
        free(err);
        return;
    }
    if (!unit_running(&us)) {
        unit_state_free(&us);
        return;
    }
    unit_state_free(&us);
    char *why = NULL;
    if (m->o->hold)
        set_note(sr, xasprintf("not needed; not stopped: %s", m->o->hold));
    else if (m->o->dry_run)
        set_note(sr, xasprintf("not needed; would stop %s", s->unit));
    else if (run_job(m, "StopUnit", s->unit, &why) == 0) {
        set_note(sr, xstrdup("not needed; stopped"));
        strv_push(&sr->actions, xasprintf("stopped %s", s->unit));
    } else {
        add_reason(sr, "not needed, but stop of %s failed: %s", s->unit, why);
        strv_push(&sr->actions, xasprintf("stop of %s failed: %s", s->unit, why));
    }
    free(why);
}

/* ---- failed: restart --------------------------------------------------------- */

static bool wants_restart(const run_ctx *ctx, const service_result *sr)
{
    const service *s = sr->svc;
    return sr->failed && sr->probed && s->unit && s->on_failure != ON_FAILURE_REPORT && !service_broken(s) &&
           !ctx->checks->insecure;
}

/* Decides and, when it may, makes the restart (or start) job. Returns true
 * when the job is done and the service should be probed again; *ret_verb is
 * "restarted" or "started". Otherwise the reason says why not. */
static bool try_restart(remedy *m, service_result *sr, const char **ret_verb)
{
    const service *s = sr->svc;
    const settings *set = m->ctx->settings;
    for (size_t i = 0; i < s->depends_on.n; i++) {
        const service_result *dep = find_result(m->ctx, s->depends_on.v[i]);
        if (dep && dep->failed) {
            add_reason(sr, "not restarted: depends on %s, which failed", s->depends_on.v[i]);
            return false;
        }
    }
    if (m->o->hold) {
        add_reason(sr, "not restarted: %s", m->o->hold);
        return false;
    }
    if (now_mono() >= m->ctx->run_deadline) {
        add_reason(sr, "not restarted: run deadline reached");
        return false;
    }
    sd_bus *bus = remedy_bus(m);
    if (!bus) {
        add_reason(sr, "not restarted: %s", m->bus_err);
        return false;
    }
    unit_state us = {0};
    char *err = NULL;
    if (bus_unit_state(bus, s->unit, &us, &err) < 0) {
        add_reason(sr, "not restarted: %s", err);
        free(err);
        return false;
    }
    bool ok = false;
    int64_t now = (int64_t)time(NULL);
    int64_t within = set->restart_limit_within / USEC_PER_SEC;
    state_entry *e = state_get(m->st, s->name);
    bool start = s->on_failure == ON_FAILURE_START || !strcmp(us.active, "inactive");
    bool limit_hit = us.result && !strcmp(us.result, "start-limit-hit");
    /* A failed unit is reset first, not only when its Result says the start
     * limit was hit: a unit that failed otherwise (Result "signal") can have
     * its start limit used up all the same, and systemd would then refuse the
     * restart while its Result still says "signal". Our own restart-limit
     * guards against flapping. */
    bool reset = limit_hit || !strcmp(us.active, "failed");
    const char *verb = start ? "start" : "restart";
    char *why = NULL;
    if (unit_state_is_masked(&us))
        add_reason(sr, "not restarted: unit is masked");
    else if (!strcmp(us.load, "not-found"))
        add_reason(sr, "not restarted: no unit %s", s->unit);
    else if (state_restarts_within(e, now, within) >= (size_t)(set->restart_limit_count > 0 ? set->restart_limit_count : 0)) {
        char *d = format_duration(set->restart_limit_within);
        add_reason(sr, "not restarted: restart limit reached (%d in %s)", set->restart_limit_count, d);
        free(d);
    } else if (m->o->dry_run)
        add_reason(sr, "would %s %s", verb, s->unit);
    else if (reset && bus_reset_failed(bus, s->unit, &err) < 0) {
        add_reason(sr, "not restarted: %s", err);
        free(err);
    } else {
        if (limit_hit)
            strv_push(&sr->actions, xasprintf("reset the start limit of %s", s->unit));
        state_record_restart(e, now, within);
        char *serr = NULL;
        if (m->o->state_path && state_save(m->o->state_path, m->st, &serr) < 0) {
            /* The run goes on; the save at its end will say so again if need be. */
            free(serr);
        }
        if (run_job(m, start ? "StartUnit" : "RestartUnit", s->unit, &why) == 0) {
            *ret_verb = start ? "started" : "restarted";
            strv_push(&sr->actions, xasprintf("%s %s", *ret_verb, s->unit));
            ok = true;
        } else {
            add_reason(sr, "%s of %s failed: %s", verb, s->unit, why);
            strv_push(&sr->actions, xasprintf("%s of %s failed: %s", verb, s->unit, why));
        }
        free(why);
    }
    unit_state_free(&us);
    return ok;
}

/* Whether every dependency of sr that awaits its own restart is settled. */
static bool deps_settled(run_ctx *ctx, const service_result *sr, const bool *pending)
{
    for (size_t i = 0; i < sr->svc->depends_on.n; i++) {
        const service_result *dep = find_result(ctx, sr->svc->depends_on.v[i]);
        if (dep && pending[dep - ctx->result.services])
            return false;
    }
    return true;
}

/* Restarts one dependency level: those whose dependencies are settled. */
static void restart_level(remedy *m, bool *pending, const bool *ready)
{
    run_ctx *ctx = m->ctx;
    size_t n = ctx->result.n_services, nb = 0;
    service_result **batch = xcalloc(n, sizeof *batch);
    char **before = xcalloc(n, sizeof *before);
    const char **verbs = xcalloc(n, sizeof *verbs);
    for (size_t i = 0; i < n; i++) {
        if (!ready[i])
            continue;
        pending[i] = false;
        service_result *sr = &ctx->result.services[i];
        char *reason = xstrdup(sr->reason);
        if (try_restart(m, sr, &verbs[nb])) {
            before[nb] = reason;
            batch[nb++] = sr;
        } else
            free(reason);
    }
    if (nb) {
        sleep_usec(usec_min(ctx->settings->settle, ctx->run_deadline - now_mono()));
        run_probe(ctx, batch, nb);
        for (size_t k = 0; k < nb; k++) {
            service_result *sr = batch[k];
            if (!sr->failed)
                set_note(sr, xasprintf("%s %s after: %s", verbs[k], sr->svc->unit, before[k]));
            else
                add_reason(sr, "%s %s, but it still fails", verbs[k], sr->svc->unit);
            free(before[k]);
        }
    }
    free(batch);
    free(before);
    free(verbs);
}

void remedy_run(run_ctx *ctx, state *st, const remedy_opts *o)
{
    remedy m = {.ctx = ctx, .st = st, .o = o};
    size_t n = ctx->result.n_services;
    for (size_t i = 0; i < n; i++)
        stop_not_needed(&m, &ctx->result.services[i]);

    bool *pending = xcalloc(n, sizeof *pending), *ready = xcalloc(n, sizeof *ready);
    for (size_t i = 0; i < n; i++)
        pending[i] = wants_restart(ctx, &ctx->result.services[i]);
    for (;;) {
        size_t n_ready = 0, n_pending = 0;
        for (size_t i = 0; i < n; i++) {
            ready[i] = pending[i] && deps_settled(ctx, &ctx->result.services[i], pending);
            n_ready += ready[i];
            n_pending += pending[i];
        }
        if (!n_pending)
            break;
        if (!n_ready) /* a cycle, which the loader rejects: take them all */
            memcpy(ready, pending, n * sizeof *ready);
        restart_level(&m, pending, ready);
    }
    free(pending);
    free(ready);
    bus_close(m.bus);
    free(m.bus_err);
}
