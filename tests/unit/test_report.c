/* test_report.c: the text and brief reports, with time and host injected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "config.h"
#include "format.h"
#include "probe.h"

static settings st;

/* 2015-10-15T12:50:35+01:00, the manual's example. */
#define STARTED ((time_t)1444909835)

typedef struct fixture {
    service *svc[4];
    run_result r;
} fixture;

static int setup(void **state)
{
    fixture *f = xcalloc(1, sizeof *f);
    static const char *const names[] = {"apache2", "dovecot", "exim4", "spamassassin"};
    f->r.host = xstrdup("symbiosis-test.default.uk0.bigv.io");
    f->r.started = STARTED;
    f->r.finished = STARTED + 1;
    f->r.services = xcalloc(4, sizeof *f->r.services);
    f->r.n_services = 4;
    for (int i = 0; i < 4; i++) {
        f->svc[i] = service_load_string("probes:\n  - { type: tcp, port: 143 }\n", "x.yaml", names[i], &st);
        f->r.services[i].svc = f->svc[i];
        f->r.services[i].n_probes = f->svc[i]->n_probes;
        f->r.services[i].probes = xcalloc(f->svc[i]->n_probes, sizeof(probe_result));
    }
    f->r.services[1].note = xstrdup("restarted dovecot.service after: imap 127.0.0.1:143: connection refused");
    f->r.services[2].failed = true;
    f->r.services[2].reason = xstrdup("smtp 127.0.0.1:25: connection refused; restart of exim4.service failed: ...");
    f->r.services[3].note = xstrdup("not needed; stopped");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 4; i++)
        service_free(f->svc[i]);
    run_result_free(&f->r);
    free(f);
    return 0;
}

static char *render(int (*fn)(FILE *, const run_result *, const format_opts *), const run_result *r, bool verbose)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    format_opts o = {.verbose = verbose};
    assert_int_equal(fn(out, r, &o), 0);
    fclose(out);
    return buf;
}

static void test_text_report(void **state)
{
    fixture *f = *state;
    char *got = render(format_text, &f->r, false);
    const char *want =
        "= Symbiosis service test report ========================================\n"
        "\n"
        " Tests conducted on symbiosis-test.default.uk0.bigv.io.\n"
        " Tests started at 2015-10-15T12:50:35+01:00.\n"
        "\n"
        " * apache2: PASSED\n"
        " * dovecot: PASSED (restarted dovecot.service after: imap 127.0.0.1:143: connection refused)\n"
        " * exim4: FAILED: smtp 127.0.0.1:25: connection refused; restart of exim4.service failed: ...\n"
        " * spamassassin: PASSED (not needed; stopped)\n"
        "\n"
        " Tests finished at 2015-10-15T12:50:36+01:00.\n"
        "\n"
        "= End of service test report ===========================================\n";
    assert_string_equal(got, want);
    /* The rules are 72 columns. */
    assert_int_equal(strchr(got, '\n') - got, 72);
    free(got);
}

static void test_warning_and_verbose(void **state)
{
    fixture *f = *state;
    service_result *sr = &f->r.services[0];
    sr->probes[0].status = PROBE_WARN;
    sr->probes[0].detail = xstrdup("certificate expires in 3 days");
    sr->probes[0].duration = 2500; /* 2.5 ms */
    service_result_summarize(sr);
    sr->probed = true;
    char *got = render(format_text, &f->r, true);
    assert_non_null(strstr(got, " * apache2: PASSED (warning: tcp 127.0.0.1:143: certificate expires in 3 days)\n"));
    assert_non_null(strstr(got, "     - tcp 127.0.0.1:143: warning, certificate expires in 3 days (2ms)\n"));
    free(got);
}

static void test_brief(void **state)
{
    fixture *f = *state;
    char *got = render(format_brief, &f->r, false);
    assert_string_equal(got, "Symbiosis symbiosis-test.default.uk0.bigv.io: 1 of 4 tests failed: exim4\n");
    free(got);
    f->r.services[2].failed = false;
    got = render(format_brief, &f->r, false);
    assert_string_equal(got, "Symbiosis symbiosis-test.default.uk0.bigv.io: all 4 tests passed\n");
    free(got);
}

static void test_iso8601_offsets(void **state)
{
    (void)state;
    char *s = format_iso8601(STARTED);
    assert_string_equal(s, "2015-10-15T12:50:35+01:00");
    free(s);
    setenv("TZ", "UTC", 1);
    tzset();
    s = format_iso8601(STARTED);
    assert_string_equal(s, "2015-10-15T11:50:35+00:00"); /* never Z */
    free(s);
    setenv("TZ", "Asia/Kolkata", 1);
    tzset();
    s = format_iso8601(STARTED);
    assert_string_equal(s, "2015-10-15T17:20:35+05:30");
    free(s);
    setenv("TZ", "Europe/London", 1);
    tzset();
}

int main(void)
{
    setenv("TZ", "Europe/London", 1);
    tzset();
    settings_init(&st);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warning_and_verbose, setup, teardown),
        cmocka_unit_test_setup_teardown(test_brief, setup, teardown),
        cmocka_unit_test(test_iso8601_offsets),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
