/* fuzz_format.c: the report formatters (text, brief, json, nagios,
 * prometheus) with any bytes in names, reasons, warnings, actions and probe
 * details, and any measured value (NaN, infinities). What the formatters
 * write is what cron mails, monitoring systems parse and node_exporter
 * reads: the properties are that it keeps its shape. JSON parses (with
 * src/net/json.c) and has every service and probe; the Nagios status line
 * has one '|' and no control character; every Prometheus line is a comment
 * or "name{labels} value"; text (fed what probe.c lets through: no control
 * character) has one line per service, and per probe with --verbose. */
#include <ctype.h>
#include <curl/curl.h>

#include "lazylib.h"
#include <math.h>

#include "config.h"
#include "format.h"
#include "fuzz.h"
#include "json.h"
#include "probe.h"

#define MAX_SERVICES 4
#define PROBES_PER_SERVICE 2

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    UNUSED(argc);
    UNUSED(argv);
    lazylib_load(LAZYLIB_CURL);
    return 0;
}

/* The input as fields separated by NUL bytes. */
typedef struct fields {
    const uint8_t *p, *end;
} fields;

static char *next_field(fields *f)
{
    const uint8_t *start = f->p;
    while (f->p < f->end && *f->p)
        f->p++;
    char *s = xstrndup((const char *)start, (size_t)(f->p - start));
    if (f->p < f->end)
        f->p++;
    return s;
}

static uint8_t next_byte(fields *f)
{
    return f->p < f->end ? *f->p++ : 0;
}

static double next_double(fields *f)
{
    double d = 0;
    if (f->end - f->p >= (ptrdiff_t)sizeof d) {
        memcpy(&d, f->p, sizeof d);
        f->p += sizeof d;
    }
    return d;
}

/* Control characters as '?', as upstream guarantees for the text report. */
static void sanitize(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

/* Output of one formatter as a string. */
static char *render(int (*write)(FILE *, const run_result *, const format_opts *), const run_result *r, bool verbose)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    format_opts o = {.verbose = verbose};
    write(f, r, &o);
    fclose(f);
    return buf;
}

static int prometheus_write(FILE *out, const run_result *r, const format_opts *o)
{
    UNUSED(o);
    return format_prometheus(out, r);
}

static size_t count_lines_starting(const char *text, const char *prefix)
{
    size_t n = 0, k = strlen(prefix);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, prefix, k))
            n++;
    return n;
}

static void check_json(const char *text, const run_result *r)
{
    json_value *v = NULL;
    char *err = NULL;
    FUZZ_ASSERT(json_parse(text, strlen(text), &v, &err) == 0, "JSON report does not parse: %s", err);
    const json_value *services = json_get(v, "services");
    FUZZ_ASSERT(services && services->type == JSON_ARRAY && services->n == r->n_services, "services lost");
    for (size_t i = 0; i < services->n; i++) {
        const json_value *probes = json_get(services->items[i], "probes");
        size_t ran = r->services[i].probed ? r->services[i].n_probes : 0; /* no result for probes not run */
        FUZZ_ASSERT(probes && probes->type == JSON_ARRAY && probes->n == ran, "probes lost");
        FUZZ_ASSERT(json_get_string(services->items[i], "name"), "a service without its name");
    }
    json_free(v);
}

static void check_text(const char *text, const run_result *r, bool verbose)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        FUZZ_ASSERT(*p == '\n' || (*p >= 0x20 && *p != 0x7f), "control character 0x%02x in the text report", *p);
    FUZZ_ASSERT(count_lines_starting(text, " * ") == r->n_services, "not one line per service");
    if (verbose) {
        size_t probes = 0;
        for (size_t i = 0; i < r->n_services; i++)
            probes += r->services[i].probed ? r->services[i].n_probes : 0;
        FUZZ_ASSERT(count_lines_starting(text, "     - ") == probes, "not one line per probe that ran");
    }
}

static void check_nagios(const char *text)
{
    const char *nl = strchr(text, '\n');
    size_t first = nl ? (size_t)(nl - text) : strlen(text);
    size_t bars = 0;
    for (size_t i = 0; i < first; i++)
        bars += text[i] == '|';
    FUZZ_ASSERT(bars == 1, "%zu '|' in the Nagios status line", bars);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        FUZZ_ASSERT(*p == '\n' || (*p >= 0x20 && *p != 0x7f), "control character in the Nagios output");
}

static void check_prometheus(const char *text)
{
    for (const char *l = text; *l;) {
        const char *nl = strchr(l, '\n');
        FUZZ_ASSERT(nl, "a Prometheus line without its newline");
        if (*l != '#') {
            FUZZ_ASSERT(!strncmp(l, "symbiosis_monit_", 16), "a Prometheus line that is no metric");
            const char *sp = nl;
            while (sp > l && sp[-1] != ' ')
                sp--;
            FUZZ_ASSERT(sp > l, "a metric without a value");
            /* The value: a number, NaN or ±Inf. */
            char *end;
            char *val = xstrndup(sp, (size_t)(nl - sp));
            double d = strtod(val, &end);
            UNUSED(d);
            FUZZ_ASSERT(*val && !*end, "metric value '%s'", val);
            free(val);
        }
        l = nl + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fields f = {data, data + size};
    settings st;
    settings_init(&st);
    size_t n = 1 + next_byte(&f) % MAX_SERVICES;
    run_result r = {.host = xstrdup("host.example"), .started = 1700000000, .finished = 1700000001, .duration = 1234567};
    r.services = xcalloc(n, sizeof *r.services);
    service **svcs = xcalloc(n, sizeof *svcs);
    for (size_t i = 0; i < n; i++) {
        service *s = service_load_string("probes: [{type: tcp, port: 1}, {type: tcp, port: 2}]", "f.yaml", "f", &st);
        FUZZ_ASSERT(!service_broken(s) && s->n_probes == PROBES_PER_SERVICE, "the template does not load");
        free(s->name);
        s->name = next_field(&f);
        svcs[i] = s;
        service_result *sr = &r.services[r.n_services++];
        uint8_t flags = next_byte(&f);
        sr->svc = s;
        sr->failed = flags & 1;
        sr->reason = sr->failed ? next_field(&f) : NULL;
        sr->warning = flags & 2 ? next_field(&f) : NULL;
        sr->note = flags & 4 ? next_field(&f) : NULL;
        if (flags & 8)
            strv_push(&sr->actions, next_field(&f));
        sr->probed = flags & 16;
        sr->restarts_total = next_byte(&f);
        sr->n_probes = s->n_probes;
        sr->probes = xcalloc(sr->n_probes, sizeof *sr->probes);
        for (size_t j = 0; j < sr->n_probes; j++) {
            free(s->probes[j]->name);
            s->probes[j]->name = next_field(&f);
            probe_result *pr = &sr->probes[j];
            uint8_t pf = next_byte(&f);
            pr->status = (probe_status)(pf % _PROBE_STATUS_MAX);
            pr->detail = pf & 0x10 ? next_field(&f) : NULL;
            pr->duration = next_byte(&f) * 1000;
            pr->attempts = 1 + (pf >> 5);
            if (pf & 0x08) {
                pr->value.set = true;
                pr->value.value = next_double(&f);
                pr->value.uom = "%";
                pr->value.has_warn = pf & 0x40;
                pr->value.warn = next_double(&f);
            }
        }
    }
    r.exit_status = run_result_count_failed(&r) ? 1 : 0;

    /* JSON, Nagios and Prometheus escape whatever they are given. */
    char *text = render(format_json, &r, true);
    check_json(text, &r);
    free(text);
    text = render(format_nagios, &r, false);
    check_nagios(text);
    free(text);
    text = render(prometheus_write, &r, false);
    check_prometheus(text);
    free(text);

    /* The text report prints reasons as they are: what reaches it has no
     * control character (probe.c escapes details, the loader its errors). */
    for (size_t i = 0; i < n; i++) {
        service_result *sr = &r.services[i];
        sanitize(svcs[i]->name);
        sanitize(sr->reason);
        sanitize(sr->warning);
        sanitize(sr->note);
        for (size_t k = 0; k < sr->actions.n; k++)
            sanitize(sr->actions.v[k]);
        for (size_t j = 0; j < sr->n_probes; j++) {
            sanitize(svcs[i]->probes[j]->name);
            sanitize(sr->probes[j].detail);
        }
    }
    text = render(format_text, &r, false);
    check_text(text, &r, false);
    free(text);
    text = render(format_text, &r, true);
    check_text(text, &r, true);
    free(text);
    text = render(format_brief, &r, false);
    FUZZ_ASSERT(strchr(text, '\n') == text + strlen(text) - 1, "brief is not one line");
    free(text);

    for (size_t i = 0; i < n; i++)
        service_free(svcs[i]);
    free(svcs);
    run_result_free(&r);
    return 0;
}
