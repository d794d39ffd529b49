/* nagios.c: the report as a Nagios plugin's output: one status line with
 * performance data, one line per failed (or warning) service, exit 0-3. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "config.h"
#include "format.h"
#include "probe.h"

enum { NAGIOS_OK, NAGIOS_WARNING, NAGIOS_CRITICAL, NAGIOS_UNKNOWN };
static const char *const nagios_states[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

static size_t count_warned(const run_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_services; i++)
        if (!r->services[i].failed && r->services[i].warning)
            n++;
    return n;
}

int nagios_exit_status(const run_result *r)
{
    if (!r->n_services)
        return NAGIOS_UNKNOWN;
    if (run_result_count_failed(r))
        return NAGIOS_CRITICAL;
    return count_warned(r) ? NAGIOS_WARNING : NAGIOS_OK;
}

/* Plugin output text must not hold '|' (it starts the performance data), a
 * line break or another control character. */
static void nagios_text(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p == '|' ? '/' : (*p < 0x20 || *p == 0x7f) ? ' ' : *p, out);
}

/* A label in single quotes; a quote inside is doubled, '=' is not allowed. */
static void nagios_label(FILE *out, const char *a, const char *b)
{
    fputc('\'', out);
    for (int k = 0; k < 2; k++) {
        const char *s = k ? b : a;
        if (k && b)
            fputc('/', out);
        for (; s && *s; s++) {
            if (*s == '\'')
                fputs("''", out);
            else
                fputc(*s == '=' ? '_' : ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '|') ? ' ' : *s, out);
        }
    }
    fputc('\'', out);
}

/* A number as the plugin API wants it: digits, sign, point; no exponent. */
static void nagios_number(FILE *out, double v)
{
    if (!isfinite(v))
        return;
    char buf[64];
    snprintf(buf, sizeof buf, "%.6f", v);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
    fputs(strcmp(buf, "-0") ? buf : "0", out);
}

static void nagios_opt(FILE *out, bool has, double v)
{
    fputc(';', out);
    if (has)
        nagios_number(out, v);
}

static void nagios_metric(FILE *out, const char *svc, const char *probe_name, const metric *m)
{
    if (!isfinite(m->value))
        return;
    fputc(' ', out);
    nagios_label(out, svc, probe_name);
    fputc('=', out);
    nagios_number(out, m->value);
    fputs(m->uom ? m->uom : "", out);
    nagios_opt(out, m->has_warn, m->warn);
    nagios_opt(out, m->has_crit, m->crit);
    nagios_opt(out, m->has_min, m->min);
    nagios_opt(out, m->has_max, m->max);
}

static void nagios_list(FILE *out, const run_result *r, bool failed)
{
    bool first = true;
    for (size_t i = 0; i < r->n_services; i++) {
        const service_result *sr = &r->services[i];
        if (failed ? !sr->failed : (sr->failed || !sr->warning))
            continue;
        fputs(first ? "" : ", ", out);
        nagios_text(out, sr->svc->name);
        first = false;
    }
}

int format_nagios(FILE *out, const run_result *r, const format_opts *o)
{
    UNUSED(o);
    int st = nagios_exit_status(r);
    size_t failed = run_result_count_failed(r), warned = count_warned(r), n = r->n_services;
    fprintf(out, "SYMBIOSIS-MONIT %s - ", nagios_states[st]);
    if (st == NAGIOS_UNKNOWN) {
        fputs("no services checked", out);
    } else if (st == NAGIOS_CRITICAL) {
        fprintf(out, "%zu of %zu service%s failed: ", failed, n, n == 1 ? "" : "s");
        nagios_list(out, r, true);
    } else if (st == NAGIOS_WARNING) {
        fprintf(out, "%zu of %zu service%s with warnings: ", warned, n, n == 1 ? "" : "s");
        nagios_list(out, r, false);
    } else {
        fprintf(out, "all %zu service%s passed", n, n == 1 ? "" : "s");
    }
    fputs(" |", out);
    for (size_t i = 0; i < n; i++) {
        const service_result *sr = &r->services[i];
        fputc(' ', out);
        nagios_label(out, sr->svc->name, NULL);
        fprintf(out, "=%d;;;0;1", sr->failed ? 0 : 1);
    }
    for (size_t i = 0; i < n; i++) {
        const service_result *sr = &r->services[i];
        for (size_t j = 0; sr->probed && j < sr->n_probes; j++)
            if (sr->probes[j].value.set)
                nagios_metric(out, sr->svc->name, sr->svc->probes[j]->name, &sr->probes[j].value);
    }
    fputs(" 'time'=", out);
    nagios_number(out, (double)r->duration / USEC_PER_SEC);
    fputs("s;;;0\n", out);
    /* Long text: the failed services, then those with warnings. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            const service_result *sr = &r->services[i];
            if (pass == 0 ? !sr->failed : (sr->failed || !sr->warning))
                continue;
            char *line = format_service_line(sr);
            nagios_text(out, line);
            fputc('\n', out);
            free(line);
        }
    return ferror(out) ? -EIO : 0;
}
