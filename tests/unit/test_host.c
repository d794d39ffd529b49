/* test_host.c: the json, nagios and prometheus formats with hostile bytes
 * (what a server may send ends up in a probe's detail), exact layouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "format.h"
#include "probe.h"

static settings st;

static char *capture_string(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    json_write_string(out, s);
    fclose(out);
    return buf;
}

static void expect_json(const char *in, const char *want)
{
    char *got = capture_string(in);
    if (strcmp(got, want)) {
        print_error("in: %s\ngot:  %s\nwant: %s\n", in ? in : "(null)", got, want);
        free(got);
        fail();
    }
    free(got);
}

static void test_json_strings(void **state)
{
    (void)state;
    expect_json(NULL, "null");
    expect_json("", "\"\"");
    expect_json("plain", "\"plain\"");
    expect_json("q\"b\\s/", "\"q\\\"b\\\\s/\"");
    expect_json("\n\r\t\x01\x1f\x7f", "\"\\n\\r\\t\\u0001\\u001f\\u007f\"");
    /* Valid UTF-8 passes; each invalid byte becomes U+FFFD. */
    expect_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    expect_json("\xff\xfe", "\"\\ufffd\\ufffd\"");
    expect_json("\xc3", "\"\\ufffd\"");                  /* truncated at the end */
    expect_json("\xc3(", "\"\\ufffd(\"");                /* bad continuation */
    expect_json("\xc0\xaf", "\"\\ufffd\\ufffd\"");       /* overlong '/' */
    expect_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* a surrogate */
    expect_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* above U+10FFFF */
    /* Every byte value, one at a time: never a raw control byte or invalid UTF-8 out. */
    for (int c = 1; c < 256; c++) {
        char in[2] = {(char)c, 0};
        char *got = capture_string(in);
        for (const unsigned char *p = (const unsigned char *)got; *p; p++)
            assert_true(*p >= 0x20 && *p < 0x80);
        free(got);
    }
}

typedef struct fixture {
    service *svc[3];
    run_result r;
} fixture;

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof *f);
    static const char *const names[] = {"disk", "exim4", "quiet"};
    static const char *const yaml[] = {
        "probes:\n  - { type: disk, path: /, name: \"it's = \\\"odd\\\" \\\\ |\" }\n",
        "probes:\n  - { type: tcp, port: 25 }\n",
        "probes:\n  - { type: load }\n",
    };
    f->r.host = xstrdup("host.example.org");
    f->r.started = 1444909835;
    f->r.finished = 1444909836;
    f->r.duration = 1234567;
    f->r.exit_status = 1;
    f->r.services = xcalloc(3, sizeof *f->r.services);
    f->r.n_services = 3;
    for (int i = 0; i < 3; i++) {
        f->svc[i] = service_load_string(yaml[i], "x.yaml", names[i], &st);
        assert_int_equal(f->svc[i]->errors.n, 0);
        service_result *sr = &f->r.services[i];
        sr->svc = f->svc[i];
        sr->n_probes = f->svc[i]->n_probes;
        sr->probes = xcalloc(sr->n_probes, sizeof(probe_result));
        sr->probed = true;
    }
    probe_result *d = &f->r.services[0].probes[0];
    d->status = PROBE_WARN;
    d->detail = xstrdup("space 85.0% used, warning at 80%");
    d->duration = 1500;
    d->value = (metric){.set = true, .value = 85.0, .uom = "%", .has_warn = true, .warn = 80, .has_crit = true,
                        .crit = 90, .has_min = true, .min = 0, .has_max = true, .max = 100};
    f->r.services[0].warning = xstrdup("it's: space 85.0% used");
    probe_result *e = &f->r.services[1].probes[0];
    e->status = PROBE_FAIL;
    e->detail = xstrdup("expected 220, got \"\x01\xff|\"");
    e->duration = 2 * USEC_PER_SEC;
    f->r.services[1].failed = true;
    f->r.services[1].reason = xstrdup("tcp 127.0.0.1:25: expected 220, got \"\x01\xff|\"");
    strv_push(&f->r.services[1].actions, xstrdup("restarted exim4.service"));
    f->r.services[1].restarts_total = 4;
    f->r.services[2].probes[0].value = (metric){.set = true, .value = 0.000001, .uom = ""};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    run_result_free(&f->r);
    for (int i = 0; i < 3; i++)
        service_free(f->svc[i]);
    free(f);
    return 0;
}

static char *render(int (*fn)(FILE *, const run_result *, const format_opts *), const run_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    format_opts o = {0};
    assert_int_equal(fn(out, r, &o), 0);
    fclose(out);
    return buf;
}

static void assert_has(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        print_error("expected to find:\n%s\nin:\n%s\n", needle, hay);
        fail();
    }
}

static void test_json_report(void **state)
{
    fixture *f = *state;
    char *got = render(format_json, &f->r);
    assert_has(got, "\"host\": \"host.example.org\"");
    assert_has(got, "\"exit_status\": 1");
    assert_has(got, "{\"name\": \"it's = \\\"odd\\\" \\\\ |\", \"type\": \"disk\", \"status\": \"warning\", "
                    "\"detail\": \"space 85.0% used, warning at 80%\", \"duration_seconds\": 0.001500, "
                    "\"value\": 85, \"unit\": \"%\"}");
    assert_has(got, "{\"name\": \"exim4\", \"status\": \"FAILED\", \"reason\": \"tcp 127.0.0.1:25: expected 220, "
                    "got \\\"\\u0001\\ufffd|\\\"\", \"warning\": null, \"note\": null, \"actions\": "
                    "[\"restarted exim4.service\"]");
    assert_has(got, "\"value\": null, \"unit\": null}");
    assert_has(got, "{\"name\": \"disk\", \"status\": \"PASSED\", \"reason\": null, \"warning\": \"it's: space");
    free(got);
}

static void test_nagios_report(void **state)
{
    fixture *f = *state;
    char *got = render(format_nagios, &f->r);
    const char *want =
        "SYMBIOSIS-MONIT CRITICAL - 1 of 3 services failed: exim4 | 'disk'=1;;;0;1 'exim4'=0;;;0;1 "
        "'quiet'=1;;;0;1 'disk/it''s _ \"odd\" \\  '=85%;80;90;0;100 'quiet/load'=0.000001;;;; 'time'=1.234567s;;;0\n"
        "exim4: FAILED: tcp 127.0.0.1:25: expected 220, got \" \xff/\"\n"
        "disk: PASSED (warning: it's: space 85.0% used)\n";
    if (strcmp(got, want)) {
        print_error("got:\n%s\nwant:\n%s\n", got, want);
        fail();
    }
    assert_int_equal(nagios_exit_status(&f->r), 2);
    f->r.services[1].failed = false;
    assert_int_equal(nagios_exit_status(&f->r), 1);
    free(f->r.services[0].warning);
    f->r.services[0].warning = NULL;
    assert_int_equal(nagios_exit_status(&f->r), 0);
    f->r.n_services = 0;
    assert_int_equal(nagios_exit_status(&f->r), 3);
    f->r.n_services = 3;
    free(got);
}

static void test_prometheus(void **state)
{
    fixture *f = *state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(format_prometheus(out, &f->r), 0);
    fclose(out);
    assert_has(buf, "# TYPE symbiosis_monit_service_up gauge\nsymbiosis_monit_service_up{service=\"disk\"} 1\n"
                    "symbiosis_monit_service_up{service=\"exim4\"} 0\n");
    assert_has(buf, "symbiosis_monit_probe_value{service=\"disk\",probe=\"it's = \\\"odd\\\" \\\\ |\"} 85\n");
    assert_has(buf, "symbiosis_monit_probe_success{service=\"exim4\",probe=\"tcp 127.0.0.1:25\"} 0\n");
    assert_has(buf, "symbiosis_monit_probe_duration_seconds{service=\"exim4\",probe=\"tcp 127.0.0.1:25\"} 2\n");
    assert_has(buf, "# TYPE symbiosis_monit_restarts_total counter\n");
    assert_has(buf, "symbiosis_monit_restarts_total{service=\"exim4\"} 4\n");
    assert_has(buf, "symbiosis_monit_last_run_timestamp_seconds 1444909836\n");
    free(buf);

    /* The file: written whole, mode 0644, no temporary file left. */
    char dir[] = "/tmp/test_host.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = xasprintf("%s/m.prom", dir);
    assert_int_equal(format_prometheus_file(path, &f->r), 0);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0644);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* fails if anything else was left */
    free(path);
    char *missing = xasprintf("%s/gone/m.prom", dir);
    assert_int_equal(format_prometheus_file(missing, &f->r), -ENOENT);
    free(missing);
}

int main(void)
{
    settings_init(&st);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_strings),
        cmocka_unit_test_setup_teardown(test_json_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nagios_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prometheus, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
