/* text.c: the report of the Symbiosis manual (72 columns). */
#include <errno.h>
#include <string.h>

#include "config.h"
#include "format.h"
#include "probe.h"

#define WIDTH 72

static void rule(FILE *out, const char *title)
{
    int n = fprintf(out, "= %s ", title);
    for (; n < WIDTH; n++)
        fputc('=', out);
    fputc('\n', out);
}

char *format_service_line(const service_result *sr)
{
    const char *name = sr->svc->name;
    if (sr->failed)
        return xasprintf("%s: FAILED: %s", name, sr->reason ? sr->reason : "failed");
    strv parts = {0};
    if (sr->note)
        strv_push(&parts, xstrdup(sr->note));
    if (sr->warning)
        strv_push(&parts, xasprintf("warning: %s", sr->warning));
    char *r;
    if (parts.n) {
        char *j = strv_join(&parts, "; ");
        r = xasprintf("%s: PASSED (%s)", name, j);
        free(j);
    } else
        r = xasprintf("%s: PASSED", name);
    strv_free(&parts);
    return r;
}

static void probe_line(FILE *out, const probe *p, const probe_result *pr)
{
    char *d = format_duration(pr->duration < USEC_PER_MSEC ? pr->duration : pr->duration / USEC_PER_MSEC * USEC_PER_MSEC);
    if (pr->duration < USEC_PER_MSEC) {
        free(d);
        d = xasprintf("%.2fms", (double)pr->duration / USEC_PER_MSEC);
    }
    fprintf(out, "     - %s: %s%s%s (%s", p->name, probe_status_to_string(pr->status), pr->detail ? ", " : "",
            pr->detail ? pr->detail : "", d);
    if (pr->attempts > 1)
        fprintf(out, ", %d attempts", pr->attempts);
    fputs(")\n", out);
    free(d);
}

int format_text(FILE *out, const run_result *r, const format_opts *o)
{
    char *start = format_iso8601(r->started), *end = format_iso8601(r->finished);
    rule(out, "Symbiosis service test report");
    fprintf(out, "\n Tests conducted on %s.\n Tests started at %s.\n\n", r->host, start);
    for (size_t i = 0; i < r->n_services; i++) {
        const service_result *sr = &r->services[i];
        char *line = format_service_line(sr);
        fprintf(out, " * %s\n", line);
        free(line);
        if (o && o->verbose && sr->probed)
            for (size_t j = 0; j < sr->n_probes; j++)
                probe_line(out, sr->svc->probes[j], &sr->probes[j]);
        if (o && o->verbose)
            for (size_t j = 0; j < sr->actions.n; j++)
                fprintf(out, "     > %s\n", sr->actions.v[j]);
    }
    fprintf(out, "\n Tests finished at %s.\n\n", end);
    rule(out, "End of service test report");
    free(start);
    free(end);
    return ferror(out) ? -EIO : 0;
}

