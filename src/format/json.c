/* json.c: the report as one JSON object (SPEC §6), any byte escaped so that
 * the output is valid JSON (and valid UTF-8) whatever a server sent. */
#include <errno.h>
#include <math.h>

#include "config.h"
#include "format.h"
#include "probe.h"

size_t json_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, min = 0x10000;
    else
        return 0;
    unsigned cp = c & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void json_write_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc((int)c, out);
            p++;
        } else if (c == '\n') {
            fputs("\\n", out), p++;
        } else if (c == '\r') {
            fputs("\\r", out), p++;
        } else if (c == '\t') {
            fputs("\\t", out), p++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c), p++;
        } else {
            size_t n = json_utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", out); /* not UTF-8: the replacement character */
                p++;
            } else {
                fwrite(p, 1, n, out);
                p += n;
            }
        }
    }
    fputc('"', out);
}

static void json_number(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.17g", v);
    else
        fputs("null", out);
}

static void json_probe(FILE *out, const probe *p, const probe_result *pr)
{
    fputs("{\"name\": ", out);
    json_write_string(out, p->name);
    fputs(", \"type\": ", out);
    json_write_string(out, p->kind->type);
    fputs(", \"status\": ", out);
    json_write_string(out, probe_status_to_string(pr->status));
    fputs(", \"detail\": ", out);
    json_write_string(out, pr->detail);
    fprintf(out, ", \"duration_seconds\": %.6f, \"value\": ", (double)pr->duration / USEC_PER_SEC);
    if (pr->value.set)
        json_number(out, pr->value.value);
    else
        fputs("null", out);
    fputs(", \"unit\": ", out);
    json_write_string(out, pr->value.set ? pr->value.uom : NULL);
    fputc('}', out);
}

static void json_service(FILE *out, const service_result *sr)
{
    fputs("    {\"name\": ", out);
    json_write_string(out, sr->svc->name);
    fprintf(out, ", \"status\": \"%s\", \"reason\": ", sr->failed ? "FAILED" : "PASSED");
    json_write_string(out, sr->failed ? (sr->reason ? sr->reason : "failed") : NULL);
    fputs(", \"warning\": ", out);
    json_write_string(out, sr->warning);
    fputs(", \"note\": ", out);
    json_write_string(out, sr->note);
    fputs(", \"actions\": [", out);
    for (size_t j = 0; j < sr->actions.n; j++) {
        if (j)
            fputs(", ", out);
        json_write_string(out, sr->actions.v[j]);
    }
    fputs("], \"probes\": [", out);
    /* Probes that did not run (a broken or not-needed service) have no result. */
    for (size_t j = 0; sr->probed && j < sr->n_probes; j++) {
        fputs(j ? ",\n        " : "\n        ", out);
        json_probe(out, sr->svc->probes[j], &sr->probes[j]);
    }
    fputs(sr->probed && sr->n_probes ? "\n    ]}" : "]}", out);
}

int format_json(FILE *out, const run_result *r, const format_opts *o)
{
    UNUSED(o);
    char *start = format_iso8601(r->started), *end = format_iso8601(r->finished);
    fputs("{\n  \"host\": ", out);
    json_write_string(out, r->host);
    fputs(",\n  \"started\": ", out);
    json_write_string(out, start);
    fputs(",\n  \"finished\": ", out);
    json_write_string(out, end);
    fprintf(out, ",\n  \"exit_status\": %d,\n  \"services\": [", r->exit_status);
    for (size_t i = 0; i < r->n_services; i++) {
        fputs(i ? ",\n" : "\n", out);
        json_service(out, &r->services[i]);
    }
    fputs(r->n_services ? "\n  ]\n}\n" : "]\n}\n", out);
    free(start);
    free(end);
    return ferror(out) ? -EIO : 0;
}
