/* probe.h: the interface every probe kind implements, and the probe instance.
 *
 * A kind lives in src/probe/KIND.c and is one const probe_kind; the registry
 * (src/probe/registry.c) lists them. To add a probe type: write the file, add
 * one line to the registry. Kinds parse their own keys (a conf_key table) and
 * run with a deadline; they never print, they only call probe_ok/warn/fail. */
#pragma once

#include "confkey.h"
#include "result.h"

struct service;
struct probe;

typedef enum tls_mode { TLS_NONE, TLS_IMPLICIT, TLS_STARTTLS } tls_mode;

enum {
    PROBE_NET = 1 << 0,      /* takes host and port */
    PROBE_TLS = 1 << 1,      /* takes tls (none/implicit), verify, cert-days... */
    PROBE_STARTTLS = 1 << 2, /* tls may also be starttls */
    PROBE_INTERNAL = 1 << 3, /* made by the loader only (implicit probes) */
    PROBE_NO_RETRY = 1 << 4, /* measuring kinds: retries make no sense */
    PROBE_CERT = 1 << 5,     /* takes verify, cert-days, cert-warn-days (no tls key) */
    PROBE_CURL = 1 << 6,     /* always talks through libcurl (fetch.h); TLS does too */
};

/* The context of one attempt. */
typedef struct probe_run {
    const struct probe *probe;
    usec_t deadline;     /* monotonic: min(attempt start + timeout, run deadline) */
    usec_t run_deadline; /* monotonic: the whole run's */
    /* Monotonic: when the scheduler began the batch this probe is part of.
     * Probes of one batch may share what they read of the host (process.c's
     * look at /proc); a later batch (the re-probe after a restart) looks
     * again. */
    usec_t batch_started;
    probe_result *result;
    /* Private to probe.c: */
    bool completed;
    bool timed_out;
    char *pending_warning; /* turns a later probe_ok() into a warning */
} probe_run;

typedef struct probe_kind {
    const char *type;     /* "smtp" */
    unsigned flags;       /* PROBE_* */
    int default_port;     /* for PROBE_NET */
    size_t cfg_size;      /* kind's own config struct, zeroed before parsing */
    const conf_key *keys; /* kind's own keys, CONF_END-terminated; may be NULL */
    /* After keys are parsed: defaults and cross-key checks. Return 0 or -1 after
     * conf_error(c, node, ...). node is the probe's mapping. May be NULL. */
    int (*check)(struct probe *p, conf_ctx *c, yaml_node_t *node);
    /* The default label, e.g. "smtp 127.0.0.1:465". NULL: "TYPE HOST:PORT"
     * for network kinds, else "TYPE". */
    char *(*default_name)(const struct probe *p);
    /* One attempt. Must return by run->deadline and end with one of the
     * probe_ok/warn/fail/skip calls. */
    void (*run)(probe_run *run);
    /* Frees what check() added to cfg beyond the conf_key fields. May be NULL. */
    void (*free_cfg)(void *cfg);
} probe_kind;

typedef struct probe {
    const probe_kind *kind;
    char *name;
    usec_t timeout;
    int retries;
    /* Common network keys (PROBE_NET / PROBE_TLS). */
    char *host;      /* NULL: localhost */
    int port;        /* 0: kind's default */
    tls_mode tls;
    bool verify;
    int cert_days;      /* -1: not checked */
    int cert_warn_days; /* -1: not checked */
    void *cfg;          /* kind's own, cfg_size bytes */
    const struct service *service;
    size_t line, column; /* of the probe in its file */
} probe;

/* Registry. */
const probe_kind *probe_kind_find(const char *type);
const probe_kind *const *probe_kinds(size_t *ret_n); /* all, including internal */

/* Loader API. */
probe *probe_parse(conf_ctx *c, yaml_node_t *node, const struct service *svc, usec_t timeout,
                   int retries);
probe *probe_new_internal(const probe_kind *kind, const struct service *svc, const char *name,
                          usec_t timeout);
void probe_free(probe *p);

/* Host to connect to and its display form ("127.0.0.1" for the default). */
const char *probe_host(const probe *p);
const char *probe_host_display(const probe *p);
int probe_port(const probe *p);
/* Whether the probe talks through libcurl (PROBE_CURL kinds, and TLS). */
bool probe_uses_curl(const probe *p);

/* Runs the probe with its retries (attempts share the probe's timeout: a retry
 * is made only while time is left, never after an attempt that timed out) and
 * fills r. The run deadline bounds it too. Thread-safe. */
void probe_execute(const probe *p, usec_t run_deadline, usec_t batch_started, probe_result *r);

/* Completion: exactly one per attempt. detail is printf-style, one line. */
void probe_ok(probe_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void probe_warn(probe_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void probe_fail(probe_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void probe_skip(probe_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A timed-out attempt: says "timed out after 5s while ..." or "run deadline
 * reached" as appropriate; not retried. */
void probe_timeout(probe_run *run, const char *while_doing);
bool probe_timed_out(const probe_run *run); /* set by probe_timeout() */
/* Attach a measured value (Nagios/JSON/Prometheus). */
void probe_set_metric(probe_run *run, const metric *m);

/* Certificate expiry check shared by every TLS-capable kind: given the
 * certificate's notAfter (wall seconds), completes the attempt as a failure
 * when it expired or cert-days says so and returns true; a cert-warn-days
 * warning is left pending (see probe_pending_warning) and false returned, so
 * the caller goes on with its dialogue. */
bool probe_check_cert_expiry(probe_run *run, time_t not_after, const char *what);
/* Records a warning that a later probe_ok() reports (the probe goes on). */
void probe_pending_warning(probe_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
