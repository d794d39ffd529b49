/* probe.c: what every probe shares: parsing of the common keys, retries within
 * one timeout, and the single completion path that records the verdict. */
#include "probe.h"

#include <errno.h>
#include <string.h>

#include "config.h"

static const char *const tls_names[] = {"none", "implicit", NULL};
static const char *const tls_names_starttls[] = {"none", "implicit", "starttls", NULL};

static const conf_key common_keys[] = {
    {"name", CONF_STRING, offsetof(probe, name), NULL, 0, 0, NULL, NULL, 0},
    {"timeout", CONF_DURATION, offsetof(probe, timeout), NULL, 0, 0, NULL, NULL, 0},
    {"retries", CONF_INT, offsetof(probe, retries), NULL, 0, 100, NULL, NULL, 0},
    CONF_END,
};

static const conf_key net_keys[] = {
    {"host", CONF_STRING, offsetof(probe, host), NULL, 0, 0, NULL, NULL, 0},
    {"port", CONF_PORT, offsetof(probe, port), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

#define TLS_COMMON_KEYS                                                                          \
    {"verify", CONF_BOOL, offsetof(probe, verify), NULL, 0, 0, NULL, NULL, 0},                   \
        {"cert-days", CONF_INT, offsetof(probe, cert_days), NULL, 0, 100000, NULL, NULL, 0},     \
        {"cert-warn-days", CONF_INT, offsetof(probe, cert_warn_days), NULL, 0, 100000, NULL, NULL, 0}

static const conf_key tls_keys[] = {
    {"tls", CONF_ENUM, offsetof(probe, tls), tls_names, 0, 0, NULL, NULL, 0},
    TLS_COMMON_KEYS,
    CONF_END,
};

static const conf_key cert_keys[] = {
    TLS_COMMON_KEYS,
    CONF_END,
};

static const conf_key tls_keys_starttls[] = {
    {"tls", CONF_ENUM, offsetof(probe, tls), tls_names_starttls, 0, 0, NULL, NULL, 0},
    TLS_COMMON_KEYS,
    CONF_END,
};

static const char *const skip_type[] = {"type", NULL};

const char *probe_host(const probe *p)
{
    return p->host ? p->host : "localhost";
}

bool probe_uses_curl(const probe *p)
{
    return (p->kind->flags & PROBE_CURL) || p->tls != TLS_NONE;
}

const char *probe_host_display(const probe *p)
{
    /* localhost resolves to 127.0.0.1 first on Debian; the report says so. */
    return p->host ? p->host : "127.0.0.1";
}

int probe_port(const probe *p)
{
    return p->port ? p->port : p->kind->default_port;
}

static char *default_name(const probe *p)
{
    if (p->kind->default_name)
        return p->kind->default_name(p);
    if (p->kind->flags & PROBE_NET) {
        const char *h = probe_host_display(p);
        if (strchr(h, ':'))
            return xasprintf("%s [%s]:%d", p->kind->type, h, probe_port(p));
        return xasprintf("%s %s:%d", p->kind->type, h, probe_port(p));
    }
    return xstrdup(p->kind->type);
}

static probe *probe_alloc(const probe_kind *k, const service *svc, usec_t timeout, int retries)
{
    probe *p = xcalloc(1, sizeof *p);
    p->kind = k;
    p->service = svc;
    p->timeout = timeout;
    p->retries = (k->flags & PROBE_NO_RETRY) ? 0 : retries;
    p->cert_days = -1;
    p->cert_warn_days = -1;
    p->cfg = k->cfg_size ? xcalloc(1, k->cfg_size) : NULL;
    return p;
}

static const char *suggest_kind(const char *type)
{
    size_t n, best_d = SIZE_MAX;
    const char *best = NULL;
    const probe_kind *const *all = probe_kinds(&n);
    for (size_t i = 0; i < n; i++) {
        if (all[i]->flags & PROBE_INTERNAL)
            continue;
        size_t d = edit_distance(type, all[i]->type);
        if (d < best_d) {
            best_d = d;
            best = all[i]->type;
        }
    }
    return best_d <= 2 ? best : NULL;
}

probe *probe_parse(conf_ctx *c, yaml_node_t *node, const service *svc, usec_t timeout, int retries)
{
    size_t errors_before = c->errors->n;
    if (!node || node->type != YAML_MAPPING_NODE) {
        conf_error(c, node, "a probe must be a map with a 'type', got %s", conf_node_kind(node));
        return NULL;
    }
    yaml_node_t *tn = conf_map_get(c, node, "type");
    if (!tn) {
        conf_error(c, node, "probe has no 'type'");
        return NULL;
    }
    const char *type = conf_scalar(tn);
    const probe_kind *k = type ? probe_kind_find(type) : NULL;
    if (!k || (k->flags & PROBE_INTERNAL)) {
        const char *sug = type ? suggest_kind(type) : NULL;
        if (!type)
            conf_error(c, tn, "probe type must be a name, got %s", conf_node_kind(tn));
        else if (sug)
            conf_error(c, tn, "unknown probe type '%s', did you mean '%s'?", type, sug);
        else
            conf_error(c, tn, "unknown probe type '%s'", type);
        return NULL;
    }
    probe *p = probe_alloc(k, svc, timeout, retries);
    p->line = node->start_mark.line + 1;
    p->column = node->start_mark.column + 1;
    conf_table tables[5];
    size_t n = 0;
    tables[n++] = (conf_table){common_keys, p};
    if (k->flags & PROBE_NET)
        tables[n++] = (conf_table){net_keys, p};
    if (k->flags & PROBE_TLS)
        tables[n++] = (conf_table){(k->flags & PROBE_STARTTLS) ? tls_keys_starttls : tls_keys, p};
    else if (k->flags & PROBE_CERT)
        tables[n++] = (conf_table){cert_keys, p};
    if (k->keys)
        tables[n++] = (conf_table){k->keys, p->cfg};
    conf_map_parse(c, node, tables, n, skip_type);
    if ((k->flags & PROBE_NO_RETRY) && p->retries > 0)
        p->retries = 0;
    if (p->timeout <= 0) {
        yaml_node_t *t = conf_map_get(c, node, "timeout");
        if (t)
            conf_error(c, t, "timeout must be more than 0");
        p->timeout = timeout;
    }
    if (p->cert_days >= 0 && p->cert_warn_days >= 0 && p->cert_warn_days < p->cert_days)
        conf_error(c, conf_map_get(c, node, "cert-warn-days"),
                   "cert-warn-days (%d) is below cert-days (%d): the warning would never show",
                   p->cert_warn_days, p->cert_days);
    if (p->host && !*p->host)
        conf_error(c, conf_map_get(c, node, "host"), "host must not be empty");
    if (c->errors->n == errors_before && k->check)
        k->check(p, c, node);
    if (c->errors->n != errors_before) {
        probe_free(p);
        return NULL;
    }
    if (!p->name)
        p->name = default_name(p);
    return p;
}

probe *probe_new_internal(const probe_kind *kind, const service *svc, const char *name, usec_t timeout)
{
    probe *p = probe_alloc(kind, svc, timeout, 0);
    p->name = xstrdup(name);
    return p;
}

void probe_free(probe *p)
{
    if (!p)
        return;
    if (p->cfg) {
        conf_free_fields(p->kind->keys, p->cfg);
        if (p->kind->free_cfg)
            p->kind->free_cfg(p->cfg);
        free(p->cfg);
    }
    free(p->name);
    free(p->host);
    free(p);
}

/* ---- running ----------------------------------------------------------- */

#define RETRY_PAUSE (100 * USEC_PER_MSEC)

void probe_execute(const probe *p, usec_t run_deadline, usec_t batch_started, probe_result *r)
{
    usec_t start = now_mono();
    usec_t end = usec_min(start + p->timeout, run_deadline);
    probe_result_clear(r);
    for (int attempt = 0;; attempt++) {
        probe_result tmp = {0};
        probe_run run = {
            .probe = p, .deadline = end, .run_deadline = run_deadline, .batch_started = batch_started, .result = &tmp};
        if (now_mono() >= run_deadline) {
            probe_fail(&run, "run deadline reached");
        } else {
            p->kind->run(&run);
            if (!run.completed)
                probe_fail(&run, "probe ended without a verdict (a bug in the %s probe)", p->kind->type);
        }
        free(run.pending_warning);
        probe_result_clear(r);
        *r = tmp;
        r->attempts = attempt + 1;
        if (r->status != PROBE_FAIL || run.timed_out || attempt >= p->retries)
            break;
        usec_t left = end - now_mono();
        if (left <= RETRY_PAUSE)
            break;
        sleep_usec(RETRY_PAUSE);
    }
    r->duration = now_mono() - start;
}

__attribute__((format(printf, 3, 0)))
static void complete(probe_run *run, probe_status st, const char *fmt, va_list ap)
{
    if (run->completed)
        return;
    run->completed = true;
    run->result->status = st;
    free(run->result->detail);
    run->result->detail = fmt ? xvasprintf(fmt, ap) : NULL;
    /* One line, always, and no control character: a reason can quote what a
     * server sent (a MariaDB error message, say), and an escape sequence in
     * it would act on the terminal of the admin reading the report. */
    bool clean = true;
    for (char *s = run->result->detail; s && *s; s++) {
        if (*s == '\n' || *s == '\r' || *s == '\t')
            *s = ' ';
        else if ((unsigned char)*s < 0x20 || *s == 0x7f)
            clean = false;
    }
    if (!clean) {
        strbuf b = {0};
        for (const unsigned char *s = (const unsigned char *)run->result->detail; *s; s++) {
            if (*s < 0x20 || *s == 0x7f)
                sb_printf(&b, "\\x%02x", *s);
            else
                sb_appendn(&b, (const char *)s, 1);
        }
        free(run->result->detail);
        run->result->detail = sb_steal(&b);
    }
}

void probe_ok(probe_run *run, const char *fmt, ...)
{
    if (run->pending_warning && !run->completed) {
        run->completed = true;
        run->result->status = PROBE_WARN;
        free(run->result->detail);
        run->result->detail = run->pending_warning;
        run->pending_warning = NULL;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    complete(run, PROBE_OK, fmt, ap);
    va_end(ap);
}

void probe_warn(probe_run *run, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    complete(run, PROBE_WARN, fmt, ap);
    va_end(ap);
}

void probe_fail(probe_run *run, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    complete(run, PROBE_FAIL, fmt, ap);
    va_end(ap);
}

void probe_skip(probe_run *run, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    complete(run, PROBE_SKIPPED, fmt, ap);
    va_end(ap);
}

void probe_pending_warning(probe_run *run, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(run->pending_warning);
    run->pending_warning = xvasprintf(fmt, ap);
    va_end(ap);
}

void probe_timeout(probe_run *run, const char *while_doing)
{
    if (run->completed)
        return;
    run->timed_out = true;
    if (run->deadline >= run->run_deadline && now_mono() >= run->run_deadline - 10 * USEC_PER_MSEC) {
        probe_fail(run, "run deadline reached");
        return;
    }
    char *d = format_duration(run->probe->timeout);
    if (while_doing && *while_doing)
        probe_fail(run, "timed out after %s %s", d, while_doing);
    else
        probe_fail(run, "timed out after %s", d);
    free(d);
}

bool probe_timed_out(const probe_run *run)
{
    return run->timed_out;
}

void probe_set_metric(probe_run *run, const metric *m)
{
    run->result->value = *m;
    run->result->value.set = true;
}

bool probe_check_cert_expiry(probe_run *run, time_t not_after, const char *what)
{
    const probe *p = run->probe;
    time_t now = time(NULL);
    const char *sep = what ? ": " : "";
    what = what ? what : "";
    if (not_after <= 0)
        return false;
    if (not_after <= now) {
        char *when = format_iso8601(not_after);
        probe_fail(run, "%s%scertificate expired on %s", what, sep, when);
        free(when);
        return true;
    }
    long days = (long)((not_after - now) / 86400);
    if (p->cert_days >= 0 && days < p->cert_days) {
        probe_fail(run, "%s%scertificate expires in %ld day%s", what, sep, days, days == 1 ? "" : "s");
        return true;
    }
    if (p->cert_warn_days >= 0 && days < p->cert_warn_days)
        probe_pending_warning(run, "%s%scertificate expires in %ld day%s", what, sep, days, days == 1 ? "" : "s");
    return false;
}
