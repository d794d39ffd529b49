/* run.c: selects the services of a run and probes them through the scheduler. */
#include "run.h"

#include <errno.h>
#include <glob.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "probe.h"
#include "scheduler.h"

bool service_needed(const service *s)
{
    switch (s->needed) {
    case NEEDED_ALWAYS:
        return true;
    case NEEDED_NEVER:
        return false;
    case NEEDED_IF_EXISTS:
        for (size_t i = 0; i < s->needed_globs.n; i++) {
            glob_t g;
            int r = glob(s->needed_globs.v[i], GLOB_NOSORT, NULL, &g);
            size_t found = r == 0 ? g.gl_pathc : 0;
            globfree(&g);
            if (found)
                return true;
        }
        return false;
    }
    return true;
}

int run_select(run_ctx *ctx, const strv *names, char **ret_missing)
{
    checks *c = ctx->checks;
    for (size_t i = 0; names && i < names->n; i++)
        if (!checks_find(c, names->v[i])) {
            *ret_missing = xstrdup(names->v[i]);
            return -ENOENT;
        }
    run_result *r = &ctx->result;
    r->services = xcalloc(c->n ? c->n : 1, sizeof *r->services);
    for (size_t i = 0; i < c->n; i++) {
        service *s = c->v[i];
        bool want = !names || names->n == 0;
        for (size_t k = 0; !want && k < names->n; k++)
            want = !strcmp(names->v[k], s->name);
        if (!want || (!s->enabled && !service_broken(s)))
            continue;
        service_result *sr = &r->services[r->n_services++];
        sr->svc = s;
        sr->n_probes = s->n_probes;
        sr->probes = xcalloc(s->n_probes ? s->n_probes : 1, sizeof *sr->probes);
        if (c->insecure) {
            sr->failed = true;
            sr->reason = xstrdup(c->insecure);
        } else if (s->insecure) {
            sr->failed = true;
            sr->reason = xstrdup(s->insecure);
        } else if (s->errors.n) {
            sr->failed = true;
            sr->reason = strv_join(&s->errors, "; ");
        } else if (!service_needed(s))
            sr->note = xstrdup("not needed");
    }
    return 0;
}

typedef struct progress_ctx {
    service_result *const *which;
    size_t n;
    const size_t *first_job; /* per service: index of its first job */
    usec_t started;
    bool shown;
} progress_ctx;

static void on_progress(const bool *finished, size_t done, size_t total, void *userdata)
{
    progress_ctx *pc = userdata;
    if (now_mono() - pc->started < USEC_PER_SEC)
        return;
    size_t services_done = 0;
    for (size_t i = 0; i < pc->n; i++) {
        bool all = true;
        for (size_t j = 0; j < pc->which[i]->n_probes; j++)
            all = all && finished[pc->first_job[i] + j];
        services_done += all;
    }
    fprintf(stderr, "\rsymbiosis-monit: %zu of %zu services done (%zu of %zu probes)\033[K", services_done, pc->n,
            done, total);
    fflush(stderr);
    pc->shown = true;
}

void run_probe(run_ctx *ctx, service_result *const *which, size_t n)
{
    service_result **all = NULL;
    if (!which) {
        all = xcalloc(ctx->result.n_services ? ctx->result.n_services : 1, sizeof *all);
        n = 0;
        for (size_t i = 0; i < ctx->result.n_services; i++) {
            service_result *sr = &ctx->result.services[i];
            if (sr->failed || sr->note)
                continue;
            all[n++] = sr;
        }
        which = all;
    }
    size_t n_jobs = 0;
    for (size_t i = 0; i < n; i++)
        n_jobs += which[i]->n_probes;
    sched_job *jobs = xcalloc(n_jobs ? n_jobs : 1, sizeof *jobs);
    size_t *first = xcalloc(n ? n : 1, sizeof *first);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        first[i] = k;
        for (size_t j = 0; j < which[i]->n_probes; j++) {
            probe_result_clear(&which[i]->probes[j]);
            jobs[k++] = (sched_job){.probe = which[i]->svc->probes[j], .result = &which[i]->probes[j]};
        }
    }
    progress_ctx pc = {.which = which, .n = n, .first_job = first, .started = now_mono()};
    size_t cut = sched_run(jobs, n_jobs, ctx->settings->parallel, ctx->run_deadline,
                           ctx->progress ? on_progress : NULL, &pc);
    if (pc.shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    ctx->cut += cut;
    if (cut)
        ctx->result.deadline_hit = true;
    for (size_t i = 0; i < n; i++) {
        which[i]->probed = true;
        service_result_summarize(which[i]);
    }
    free(first);
    free(jobs);
    free(all);
}

char *host_fqdn(void)
{
    char name[256];
    if (gethostname(name, sizeof name) < 0)
        return xstrdup("localhost");
    name[sizeof name - 1] = '\0';
    struct addrinfo hints = {.ai_flags = AI_CANONNAME, .ai_socktype = SOCK_DGRAM}, *res = NULL;
    if (getaddrinfo(name, NULL, &hints, &res) == 0 && res && res->ai_canonname && *res->ai_canonname) {
        char *r = xstrdup(res->ai_canonname);
        freeaddrinfo(res);
        return r;
    }
    if (res)
        freeaddrinfo(res);
    return xstrdup(name);
}

int run_exit_status(const run_result *r)
{
    return run_result_count_failed(r) ? 1 : 0;
}
