/* test_config.c: the definitions loader, its messages and value parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "config.h"
#include "confkey.h"
#include "probe.h"

static settings st;

static service *load(const char *yaml)
{
    return service_load_string(yaml, "/etc/symbiosis/monit.d/exim4.yaml", "exim4", &st);
}

/* Asserts the service has exactly one error, equal to want. */
static void expect_error(const char *yaml, const char *want)
{
    service *s = load(yaml);
    if (s->errors.n != 1 || strcmp(s->errors.v[0], want) != 0) {
        for (size_t i = 0; i < s->errors.n; i++)
            print_error("got: %s\n", s->errors.v[i]);
        print_error("want: %s\n", want);
        service_free(s);
        fail();
    }
    service_free(s);
}

static void test_durations(void **state)
{
    (void)state;
    usec_t u;
    assert_int_equal(parse_duration("250ms", &u), 0);
    assert_int_equal(u, 250 * USEC_PER_MSEC);
    assert_int_equal(parse_duration("5s", &u), 0);
    assert_int_equal(u, 5 * USEC_PER_SEC);
    assert_int_equal(parse_duration("2m", &u), 0);
    assert_int_equal(u, 120 * USEC_PER_SEC);
    assert_int_equal(parse_duration("1h", &u), 0);
    assert_int_equal(u, 3600 * USEC_PER_SEC);
    assert_int_equal(parse_duration("1.5s", &u), 0);
    assert_int_equal(u, 1500 * USEC_PER_MSEC);
    assert_int_equal(parse_duration("7", &u), 0); /* bare number: seconds */
    assert_int_equal(u, 7 * USEC_PER_SEC);
    assert_int_equal(parse_duration("5 s", &u), -EINVAL);
    assert_int_equal(parse_duration("5x", &u), -EINVAL);
    assert_int_equal(parse_duration("-1s", &u), -EINVAL);
    assert_int_equal(parse_duration("", &u), -EINVAL);
    assert_int_equal(parse_duration("1e30h", &u), -ERANGE);
}

static void test_percent_and_port(void **state)
{
    (void)state;
    double d;
    int port;
    assert_int_equal(parse_percent("80%", &d), 0);
    assert_true(d == 80.0);
    assert_int_equal(parse_percent("12.5", &d), 0);
    assert_true(d == 12.5);
    assert_int_equal(parse_percent("101%", &d), -ERANGE);
    assert_int_equal(parse_percent("80%%", &d), -EINVAL);
    assert_int_equal(parse_port("25", &port), 0);
    assert_int_equal(port, 25);
    assert_int_equal(parse_port("smtp", &port), 0); /* /etc/services */
    assert_int_equal(port, 25);
    assert_int_equal(parse_port("0", &port), -ERANGE);
    assert_int_equal(parse_port("65536", &port), -ERANGE);
    assert_int_equal(parse_port("no-such-service", &port), -EINVAL);
}

static void test_good_definition(void **state)
{
    (void)state;
    service *s = load("# exim\n"
                      "unit: exim4\n"
                      "pidfile: /run/exim4/exim.pid\n"
                      "process: exim4\n"
                      "description: mail\n"
                      "depends-on: [mysqld]\n"
                      "timeout: 2s\n"
                      "retries: 0\n"
                      "needed: { if-exists: [/srv/*/config/mail, /etc/mailname] }\n"
                      "probes:\n"
                      "  - { type: tcp, port: 25, expect: '^220 ' }\n"
                      "  - { type: tcp, port: 465, tls: implicit, name: smtps, timeout: 1s }\n"
                      "  - type: exec\n"
                      "    command: [/bin/true, 'a b']\n");
    for (size_t i = 0; i < s->errors.n; i++)
        print_error("%s\n", s->errors.v[i]);
    assert_int_equal(s->errors.n, 0);
    assert_string_equal(s->name, "exim4");
    assert_string_equal(s->unit, "exim4.service");
    assert_int_equal(s->needed, NEEDED_IF_EXISTS);
    assert_int_equal(s->needed_globs.n, 2);
    assert_int_equal(s->on_failure, ON_FAILURE_RESTART);
    assert_int_equal(s->depends_on.n, 1);
    assert_int_equal(s->timeout, 2 * USEC_PER_SEC);
    /* pidfile+process makes one implicit probe; "unit" too once registered. */
    size_t implicit = probe_kind_find("unit") ? 2 : 1;
    assert_int_equal(s->n_probes, implicit + 3);
    const probe *tcp = s->probes[implicit];
    assert_string_equal(tcp->name, "tcp 127.0.0.1:25");
    assert_int_equal(tcp->timeout, 2 * USEC_PER_SEC); /* inherited */
    assert_int_equal(tcp->retries, 0);
    assert_string_equal(s->probes[implicit + 1]->name, "smtps");
    assert_int_equal(s->probes[implicit + 1]->tls, TLS_IMPLICIT);
    assert_int_equal(s->probes[implicit + 1]->timeout, 1 * USEC_PER_SEC);
    assert_string_equal(s->probes[implicit + 2]->name, "exec true");
    service_free(s);
}

static void test_unknown_key_suggests(void **state)
{
    (void)state;
    expect_error("unit: exim4\n"
                 "probes:\n"
                 "  - type: tcp\n"
                 "    host: localhost\n"
                 "    prot: 25\n",
                 "exim4.yaml:5:5: unknown key 'prot', did you mean 'port'?");
    expect_error("unti: exim4\n", "exim4.yaml:1:1: unknown key 'unti', did you mean 'unit'?");
    expect_error("frobnicate: yes\n", "exim4.yaml:1:1: unknown key 'frobnicate'");
}

static void test_bad_values(void **state)
{
    (void)state;
    expect_error("timeout: 5 seconds\n",
                 "exim4.yaml:1:10: bad duration '5 seconds': expected a number and a unit, like 250ms, 5s, 2m or 1h");
    expect_error("timeout: 0s\n", "exim4.yaml:1:10: timeout must be more than 0");
    expect_error("enabled: maybe\n", "exim4.yaml:1:10: expected true or false, got 'maybe'");
    expect_error("retries: [1]\n", "exim4.yaml:1:10: expected a whole number, got a list");
    expect_error("on-failure: reboot\nunit: x\n",
                 "exim4.yaml:1:13: bad value 'reboot' for 'on-failure': expected one of restart, start, report");
    expect_error("probes:\n  - { type: tcp, port: 70000 }\n",
                 "exim4.yaml:2:24: port 70000 is out of range (1 to 65535)");
    expect_error("probes:\n  - { type: tcp }\n", "exim4.yaml:2:5: tcp probe needs a 'port'");
    expect_error("probes:\n  - { type: tcp, port: 1, tls: starttls }\n",
                 "exim4.yaml:2:32: bad value 'starttls' for 'tls': expected one of none, implicit");
    expect_error("probes:\n  - { type: tcp, port: 1, expect: '(' }\n",
                 "exim4.yaml:2:35: bad regular expression '(': Unmatched ( or \\(");
    expect_error("probes:\n  - { port: 1 }\n", "exim4.yaml:2:5: probe has no 'type'");
    expect_error("probes: {type: tcp}\n", "exim4.yaml:1:9: 'probes' must be a list, got a map");
    expect_error("needed: sometimes\n",
                 "exim4.yaml:1:9: bad value 'sometimes' for 'needed': expected always, never or {if-exists: GLOB}");
    expect_error("name: Exim\n",
                 "exim4.yaml:1:7: bad service name 'Exim': use lower-case letters, digits, '_', '.' and '-'");
    expect_error("on-failure: restart\n", "exim4.yaml:1:13: on-failure: restart needs a unit");
    expect_error("unit: a\nunit: b\n", "exim4.yaml:2:1: duplicate key 'unit'");
    expect_error("probes:\n  - { type: exec, command: 'check_disk -w 5' }\n",
                 "exim4.yaml:2:28: 'command' must be a list of arguments, e.g. "
                 "[\"/usr/lib/nagios/plugins/check_x\", \"-w\", \"5\"] (no shell is used)");
    expect_error("probes:\n  - { type: tcp, port: 1 }\n  - { type: tcp, port: 1 }\n",
                 "exim4.yaml:3:5: two probes are named 'tcp 127.0.0.1:1'; give one a distinct 'name'");
    /* Three alike: the two later ones, once each. */
    service *s = load("probes:\n  - { type: tcp, port: 1 }\n  - { type: tcp, port: 1 }\n  - { type: tcp, port: 1 }\n");
    assert_int_equal(s->errors.n, 2);
    assert_string_equal(s->errors.v[1], "exim4.yaml:4:5: two probes are named 'tcp 127.0.0.1:1'; give one a distinct 'name'");
    service_free(s);
    expect_error("probes:\n  - { type: tcp, port: 1, dialogue: [{sned: x}] }\n",
                 "exim4.yaml:2:39: unknown dialogue step 'sned', did you mean 'send'?");
}

static void test_yaml_syntax_error(void **state)
{
    (void)state;
    service *s = load("unit: exim4\nprobes:\n  - { type: tcp, port: 25\n");
    assert_int_equal(s->errors.n, 1);
    assert_non_null(strstr(s->errors.v[0], "YAML syntax error"));
    assert_true(startswith(s->errors.v[0], "exim4.yaml:4:1: ") || startswith(s->errors.v[0], "exim4.yaml:3:"));
    service_free(s);
}

static void test_unknown_probe_type(void **state)
{
    (void)state;
    expect_error("probes:\n  - { type: tpc, port: 1 }\n",
                 "exim4.yaml:2:13: unknown probe type 'tpc', did you mean 'tcp'?");
    /* Internal kinds cannot be named. */
    expect_error("probes:\n  - { type: process }\n", "exim4.yaml:2:13: unknown probe type 'process'");
}

static void test_empty_file(void **state)
{
    (void)state;
    service *s = load("# nothing yet\n");
    assert_int_equal(s->errors.n, 0);
    assert_int_equal(s->n_probes, 0);
    assert_true(s->enabled);
    service_free(s);
}

static void test_dialogue(void **state)
{
    (void)state;
    service *s = load("probes:\n"
                      "  - type: tcp\n"
                      "    port: 22\n"
                      "    dialogue:\n"
                      "      - expect: '^SSH-2\\.0-'\n"
                      "      - send: \"QUIT\\r\\n\"\n");
    assert_int_equal(s->errors.n, 0);
    assert_int_equal(s->n_probes, 1);
    service_free(s);
}

int main(void)
{
    settings_init(&st);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_percent_and_port),
        cmocka_unit_test(test_good_definition),
        cmocka_unit_test(test_unknown_key_suggests),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_yaml_syntax_error),
        cmocka_unit_test(test_unknown_probe_type),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_dialogue),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
