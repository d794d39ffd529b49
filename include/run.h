/* run.h: one run: which services, probing them (in parallel), the result. */
#pragma once

#include "config.h"
#include "result.h"

typedef struct run_ctx {
    checks *checks;
    const settings *settings;
    usec_t run_deadline; /* monotonic */
    bool progress;       /* show a progress line on stderr (a terminal) */
    run_result result;   /* one entry per selected, enabled service, sorted */
    size_t cut;          /* probes abandoned at the deadline (threads may still run) */
} run_ctx;

/* Whether a service's `needed` condition holds on this host. */
bool service_needed(const service *s);

/* Fills ctx->result with the services to report: the enabled ones among
 * names (all when names is empty). Broken services are FAILED with their load
 * errors; insecure ones with their reason. Returns -ENOENT (and the name in
 * *ret_missing) when a name matches no service. */
int run_select(run_ctx *ctx, const strv *names, char **ret_missing);

/* Probes the given services in parallel (all needed, unbroken ones when
 * which is NULL) and summarises each. Used again after a restart. */
void run_probe(run_ctx *ctx, service_result *const *which, size_t n);

/* The host's fully qualified name (the canonical name of gethostname(), or
 * that name itself), looked up beside the probes: start, then wait at most
 * until deadline (monotonic); a lookup still hanging then gives the plain name. */
typedef struct fqdn_lookup fqdn_lookup;
fqdn_lookup *host_fqdn_start(void);
char *host_fqdn_wait(fqdn_lookup *l, usec_t deadline);

/* 0 when no service FAILED, else 1. */
int run_exit_status(const run_result *r);
