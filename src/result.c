/* result.c: the result model's small operations. */
#include "result.h"

#include <string.h>

#include "config.h"
#include "probe.h"

static const char *const status_names[_PROBE_STATUS_MAX] = {
    [PROBE_OK] = "ok",
    [PROBE_WARN] = "warning",
    [PROBE_FAIL] = "failed",
    [PROBE_SKIPPED] = "skipped",
};

const char *probe_status_to_string(probe_status s)
{
    return s < _PROBE_STATUS_MAX ? status_names[s] : "?";
}

void probe_result_clear(probe_result *r)
{
    free(r->detail);
    *r = (probe_result){0};
}

void service_result_summarize(service_result *sr)
{
    strv fails = {0}, warns = {0};
    for (size_t i = 0; i < sr->n_probes; i++) {
        const probe_result *pr = &sr->probes[i];
        const char *name = sr->svc->probes[i]->name;
        const char *detail = pr->detail ? pr->detail : probe_status_to_string(pr->status);
        if (pr->status == PROBE_FAIL)
            strv_push(&fails, xasprintf("%s: %s", name, detail));
        else if (pr->status == PROBE_WARN)
            strv_push(&warns, xasprintf("%s: %s", name, detail));
    }
    free(sr->reason);
    free(sr->warning);
    sr->reason = sr->warning = NULL;
    sr->failed = fails.n > 0;
    if (fails.n)
        sr->reason = strv_join(&fails, "; ");
    if (warns.n)
        sr->warning = strv_join(&warns, "; ");
    strv_free(&fails);
    strv_free(&warns);
}

void service_result_free(service_result *sr)
{
    for (size_t i = 0; i < sr->n_probes; i++)
        probe_result_clear(&sr->probes[i]);
    free(sr->probes);
    free(sr->reason);
    free(sr->warning);
    free(sr->note);
    strv_free(&sr->actions);
    *sr = (service_result){0};
}

void run_result_free(run_result *r)
{
    for (size_t i = 0; i < r->n_services; i++)
        service_result_free(&r->services[i]);
    free(r->services);
    free(r->host);
    *r = (run_result){0};
}

size_t run_result_count_failed(const run_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_services; i++)
        if (r->services[i].failed)
            n++;
    return n;
}
