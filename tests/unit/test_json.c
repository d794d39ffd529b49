/* test_json.c: the bounded JSON reader (src/net/json.c) used by the consul and
 * patroni probes: values, escapes, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "json.h"
#include "util.h"

static json_value *parse_ok(const char *text)
{
    json_value *v = NULL;
    char *err = NULL;
    if (json_parse(text, strlen(text), &v, &err) != 0) {
        print_error("unexpected error: %s\n", err);
        free(err);
        fail();
    }
    return v;
}

static void expect_error(const char *text, size_t len, const char *want)
{
    json_value *v = NULL;
    char *err = NULL;
    assert_int_not_equal(json_parse(text, len, &v, &err), 0);
    assert_null(v);
    assert_non_null(err);
    if (strcmp(err, want) != 0) {
        print_error("got: %s\nwant: %s\n", err, want);
        free(err);
        fail();
    }
    free(err);
}

static void test_consul_checks(void **state)
{
    (void)state;
    json_value *v = parse_ok("{\"service:web\": {\"CheckID\": \"service:web\", \"Status\": \"critical\", "
                             "\"Output\": \"HTTP GET: 503\\nmore\", \"Interval\": 10, \"Definition\": {}, "
                             "\"ServiceTags\": [\"a\", \"b\"], \"Notes\": null, \"Enabled\": true}}");
    assert_int_equal(v->type, JSON_OBJECT);
    assert_int_equal(v->n, 1);
    assert_string_equal(v->keys[0], "service:web");
    const json_value *c = json_get(v, "service:web");
    assert_non_null(c);
    assert_string_equal(json_get_string(c, "Status"), "critical");
    assert_string_equal(json_get_string(c, "Output"), "HTTP GET: 503\nmore");
    assert_int_equal(json_get(c, "Interval")->type, JSON_NUMBER);
    assert_true(json_get(c, "Interval")->number == 10);
    assert_int_equal(json_get(c, "ServiceTags")->n, 2);
    assert_int_equal(json_get(c, "Notes")->type, JSON_NULL);
    assert_true(json_get(c, "Enabled")->boolean);
    assert_null(json_get(c, "Missing"));
    assert_null(json_get_string(c, "Interval")); /* not a string */
    assert_null(json_get(json_get(c, "ServiceTags"), "a")); /* not an object */
    json_free(v);
}

static void test_escapes(void **state)
{
    (void)state;
    json_value *v = parse_ok("\"a\\\"b\\\\c\\/d\\t\\u00e9\\u20ac\\ud83d\\ude00\\u0000x\\ud800y\"");
    assert_int_equal(v->type, JSON_STRING);
    /* é, €, 😀; \u0000 as a space; a lone surrogate as U+FFFD. */
    assert_string_equal(v->string, "a\"b\\c/d\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 x\xef\xbf\xbdy");
    json_free(v);
    v = parse_ok(" [ -1.5e3 , 0 , 2E-1 ] ");
    assert_true(v->items[0]->number == -1500);
    assert_true(v->items[2]->number == 0.2);
    json_free(v);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", 0, "at byte 0: the text ends where a value was expected");
    expect_error("{\"a\": 1,", 8, "at byte 8: unterminated object");
    expect_error("[1 2]", 5, "at byte 3: expected ',' or ']'");
    expect_error("{\"a\" 1}", 7, "at byte 5: expected ':'");
    expect_error("{1: 2}", 6, "at byte 1: expected a member name");
    expect_error("\"abc", 4, "at byte 4: unterminated string");
    expect_error("\"a\\qb\"", 6, "at byte 3: bad escape in string");
    expect_error("\"\\u12G4\"", 8, "at byte 6: bad \\u escape");
    expect_error("\"a\nb\"", 5, "at byte 2: control character in string");
    expect_error("tru", 3, "at byte 0: expected a value");
    expect_error("1.", 2, "at byte 2: bad number");
    expect_error("{} x", 4, "at byte 3: unexpected data after the value");
    /* The length bounds the read: "true" cut to "tr" is not true. */
    expect_error("true", 2, "at byte 0: expected a value");
    expect_error("\"ab\"", 3, "at byte 3: unterminated string");
}

static void test_depth(void **state)
{
    (void)state;
    char deep[200];
    memset(deep, '[', sizeof deep);
    expect_error(deep, sizeof deep, "at byte 65: nested too deeply");
    char ok[2 * JSON_MAX_DEPTH + 1];
    memset(ok, '[', JSON_MAX_DEPTH);
    memset(ok + JSON_MAX_DEPTH, ']', JSON_MAX_DEPTH);
    ok[2 * JSON_MAX_DEPTH] = '\0';
    json_free(parse_ok(ok));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_consul_checks),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
