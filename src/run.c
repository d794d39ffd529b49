/* run.c: selects the services of a run and probes them through the scheduler. */
#include "run.h"

#include <errno.h>
#include <glob.h>
#include <pthread.h>
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

/* The lookup runs in its own thread, beside the probes: a resolver that
 * hangs must not hold the run past its deadline. */
struct fqdn_lookup {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    char name[256];
    char *result; /* set by the thread */
    bool done;
    bool abandoned; /* the waiter left: the thread frees the lookup */
};

static void fqdn_lookup_free(fqdn_lookup *l)
{
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->cond);
    free(l->result);
    free(l);
}

static void *fqdn_thread(void *arg)
{
    fqdn_lookup *l = arg;
    struct addrinfo hints = {.ai_flags = AI_CANONNAME, .ai_socktype = SOCK_DGRAM}, *res = NULL;
    char *r = NULL;
    if (getaddrinfo(l->name, NULL, &hints, &res) == 0 && res && res->ai_canonname && *res->ai_canonname)
        r = xstrdup(res->ai_canonname);
    if (res)
        freeaddrinfo(res);
    pthread_mutex_lock(&l->lock);
    l->result = r;
    l->done = true;
    bool abandoned = l->abandoned;
    pthread_cond_signal(&l->cond);
    pthread_mutex_unlock(&l->lock);
    if (abandoned)
        fqdn_lookup_free(l);
    return NULL;
}

fqdn_lookup *host_fqdn_start(void)
{
    fqdn_lookup *l = xcalloc(1, sizeof *l);
    pthread_mutex_init(&l->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (gethostname(l->name, sizeof l->name) < 0)
        snprintf(l->name, sizeof l->name, "localhost");
    l->name[sizeof l->name - 1] = '\0';
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, fqdn_thread, l) != 0)
        l->done = true; /* no thread: the plain host name will do */
    pthread_attr_destroy(&attr);
    return l;
}

char *host_fqdn_wait(fqdn_lookup *l, usec_t deadline)
{
    pthread_mutex_lock(&l->lock);
    while (!l->done) {
        struct timespec ts = {.tv_sec = deadline / USEC_PER_SEC, .tv_nsec = (deadline % USEC_PER_SEC) * 1000};
        if (pthread_cond_timedwait(&l->cond, &l->lock, &ts) != 0 && now_mono() >= deadline)
            break;
    }
    char *r = xstrdup(l->result ? l->result : l->name);
    bool done = l->done;
    l->abandoned = !done;
    pthread_mutex_unlock(&l->lock);
    if (done)
        fqdn_lookup_free(l);
    return r;
}

int run_exit_status(const run_result *r)
{
    return run_result_count_failed(r) ? 1 : 0;
}
