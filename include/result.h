/* result.h: the result model. Probes fill it, remediation amends it, formatters
 * read it. Nothing here knows how a probe works or how a report looks. */
#pragma once

#include "util.h"

typedef enum probe_status {
    PROBE_OK,      /* passed */
    PROBE_WARN,    /* passed, but a warning threshold was crossed */
    PROBE_FAIL,    /* the service is down or a critical threshold was crossed */
    PROBE_SKIPPED, /* not run (optional path missing, service not needed) */
    _PROBE_STATUS_MAX
} probe_status;

const char *probe_status_to_string(probe_status s); /* "ok", "warning", ... */

/* A measured value, for Nagios performance data, JSON and Prometheus. */
typedef struct metric {
    bool set;
    double value;
    const char *uom; /* "", "%", "s", "ms"... static string */
    bool has_warn, has_crit, has_min, has_max;
    double warn, crit, min, max;
} metric;

typedef struct probe_result {
    probe_status status;
    char *detail;    /* one line: why it failed, or what it saw; may be NULL */
    usec_t duration; /* monotonic, all attempts */
    int attempts;
    metric value;
} probe_result;

void probe_result_clear(probe_result *r);

struct service;

typedef struct service_result {
    const struct service *svc;
    bool failed;
    char *reason;  /* FAILED: why; NULL when PASSED */
    char *warning; /* PASSED with a warning; NULL otherwise */
    strv actions;  /* "restarted exim4.service", "stopped spamd.service"... */
    char *note;    /* PASSED with a note, e.g. "not needed; stopped" */
    probe_result *probes; /* one per svc->probes[i] */
    size_t n_probes;
    bool probed; /* probes ran (false for a broken or not-needed service) */
    unsigned restarts_total; /* restarts and starts ever recorded (state file) */
    bool status_changed;     /* differs from the state file's last status */
} service_result;

typedef struct run_result {
    char *host;            /* fully qualified */
    time_t started, finished;
    usec_t duration;       /* monotonic, whole run */
    service_result *services; /* sorted by name */
    size_t n_services;
    int exit_status;
    bool deadline_hit;
} run_result;

/* Sets failed/reason/warning from the probe results ("NAME: detail; ..."). */
void service_result_summarize(service_result *sr);
void service_result_free(service_result *sr);
void run_result_free(run_result *r);
size_t run_result_count_failed(const run_result *r);
