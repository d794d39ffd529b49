/* prometheus.c: the results in node_exporter's textfile format, written to a
 * temporary file in the target's directory and renamed over it. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "format.h"
#include "probe.h"

/* A label value: backslash, quote and newline escaped; what is not UTF-8
 * becomes U+FFFD (the exposition format requires UTF-8). */
static void prom_label_value(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p == '\\' || *p == '"') {
            fputc('\\', out);
            fputc(*p++, out);
        } else if (*p == '\n') {
            fputs("\\n", out);
            p++;
        } else {
            size_t n = json_utf8_len(p);
            if (n == 0) {
                fputs("\xef\xbf\xbd", out);
                p++;
            } else {
                fwrite(p, 1, n, out);
                p += n;
            }
        }
    }
    fputc('"', out);
}

static void prom_header(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_labels(FILE *out, const char *name, const char *svc, const char *probe_name)
{
    fprintf(out, "%s{service=", name);
    prom_label_value(out, svc);
    if (probe_name) {
        fputs(",probe=", out);
        prom_label_value(out, probe_name);
    }
    fputs("} ", out);
}

static void prom_value(FILE *out, double v)
{
    if (isnan(v))
        fputs("NaN\n", out);
    else if (isinf(v))
        fputs(v > 0 ? "+Inf\n" : "-Inf\n", out);
    else
        fprintf(out, "%.17g\n", v);
}

typedef enum prom_probe_metric { PROM_SUCCESS, PROM_DURATION, PROM_VALUE } prom_probe_metric;

static void prom_probes(FILE *out, const run_result *r, prom_probe_metric which)
{
    for (size_t i = 0; i < r->n_services; i++) {
        const service_result *sr = &r->services[i];
        for (size_t j = 0; sr->probed && j < sr->n_probes; j++) {
            const probe_result *pr = &sr->probes[j];
            if (pr->status == PROBE_SKIPPED || (which == PROM_VALUE && !pr->value.set))
                continue;
            prom_labels(out,
                        which == PROM_SUCCESS    ? "symbiosis_monit_probe_success"
                        : which == PROM_DURATION ? "symbiosis_monit_probe_duration_seconds"
                                                 : "symbiosis_monit_probe_value",
                        sr->svc->name, sr->svc->probes[j]->name);
            if (which == PROM_SUCCESS)
                prom_value(out, pr->status == PROBE_FAIL ? 0 : 1);
            else if (which == PROM_DURATION)
                prom_value(out, (double)pr->duration / USEC_PER_SEC);
            else
                prom_value(out, pr->value.value);
        }
    }
}

int format_prometheus(FILE *out, const run_result *r)
{
    prom_header(out, "symbiosis_monit_service_up", "gauge", "Whether the service PASSED (1) or FAILED (0) in the last run.");
    for (size_t i = 0; i < r->n_services; i++) {
        prom_labels(out, "symbiosis_monit_service_up", r->services[i].svc->name, NULL);
        prom_value(out, r->services[i].failed ? 0 : 1);
    }
    prom_header(out, "symbiosis_monit_probe_success", "gauge",
                "Whether the probe passed (1, warnings included) or failed (0) in the last run.");
    prom_probes(out, r, PROM_SUCCESS);
    prom_header(out, "symbiosis_monit_probe_duration_seconds", "gauge",
                "How long the probe took in the last run, all attempts.");
    prom_probes(out, r, PROM_DURATION);
    prom_header(out, "symbiosis_monit_probe_value", "gauge",
                "The value a measuring probe saw: disk used percent, load average, sessions, ping rtt in ms, "
                "DNS answer time in seconds.");
    prom_probes(out, r, PROM_VALUE);
    prom_header(out, "symbiosis_monit_restarts_total", "counter", "Restarts and starts of the service's unit.");
    for (size_t i = 0; i < r->n_services; i++) {
        prom_labels(out, "symbiosis_monit_restarts_total", r->services[i].svc->name, NULL);
        prom_value(out, r->services[i].restarts_total);
    }
    prom_header(out, "symbiosis_monit_last_run_timestamp_seconds", "gauge", "When the last run finished.");
    fprintf(out, "symbiosis_monit_last_run_timestamp_seconds %lld\n", (long long)r->finished);
    prom_header(out, "symbiosis_monit_last_run_duration_seconds", "gauge", "How long the last run took.");
    fputs("symbiosis_monit_last_run_duration_seconds ", out);
    prom_value(out, (double)r->duration / USEC_PER_SEC);
    return ferror(out) ? -EIO : 0;
}

int format_prometheus_file(const char *path, const run_result *r)
{
    const char *slash = strrchr(path, '/');
    _cleanup_free_ char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
    const char *base = slash ? slash + 1 : path;
    if (!*base)
        return -EISDIR;
    /* A dot file without .prom: the textfile collector never reads it half-written. */
    _cleanup_free_ char *tmp = xasprintf("%s/.%s.XXXXXX", *dir ? dir : "/", base);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int ret = 0;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        ret = -errno;
        close(fd);
        unlink(tmp);
        return ret;
    }
    if (fchmod(fd, 0644) < 0)
        ret = -errno;
    if (!ret)
        ret = format_prometheus(f, r);
    if (!ret && fflush(f) != 0)
        ret = -errno;
    if (!ret && fsync(fd) < 0)
        ret = -errno;
    if (fclose(f) != 0 && !ret)
        ret = -errno;
    if (!ret && rename(tmp, path) < 0)
        ret = -errno;
    if (ret)
        unlink(tmp);
    return ret;
}
