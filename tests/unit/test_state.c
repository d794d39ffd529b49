/* test_state.c: the state file: the strict reader (what it accepts, what it
 * rejects and with which line), the writer's round trip, restart windows,
 * status changes, and the file rules: links refused with the target left
 * alone, corrupt files moved aside, atomic replacement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "state.h"

#define GOOD                                                                                                   \
    "symbiosis-monit state 1\n"                                                                                \
    "service=exim4 status=FAILED since=1700000000 failures=3 reported=1700000060 restarts-total=4 "            \
    "restarts=1700000000,1700000120\n"                                                                         \
    "service=apache2 status=PASSED since=1690000000 failures=0 reported=0 restarts-total=0 restarts=-\n"        \
    "end\n"

static void test_parse_good(void **unused)
{
    (void)unused;
    state s;
    char *err = NULL;
    assert_int_equal(state_parse(GOOD, strlen(GOOD), &s, &err), 0);
    assert_null(err);
    assert_int_equal(s.n, 2);
    state_entry *e = state_find(&s, "exim4");
    assert_non_null(e);
    assert_true(e->failed);
    assert_int_equal(e->since, 1700000000);
    assert_int_equal(e->failures, 3);
    assert_int_equal(e->reported, 1700000060);
    assert_int_equal(e->restarts_total, 4);
    assert_int_equal(e->n_restarts, 2);
    assert_int_equal(e->restarts[1], 1700000120);
    e = state_find(&s, "apache2");
    assert_false(e->failed);
    assert_int_equal(e->n_restarts, 0);
    /* The writer writes what the reader read. */
    char *text = state_format(&s);
    assert_string_equal(text, GOOD);
    free(text);
    state_free(&s);
}

static void test_parse_empty_state(void **unused)
{
    (void)unused;
    const char *t = "symbiosis-monit state 1\nend\n";
    state s;
    assert_int_equal(state_parse(t, strlen(t), &s, NULL), 0);
    assert_int_equal(s.n, 0);
    state_free(&s);
}

/* Rejected, with this message. */
static void expect_bad(const char *text, size_t len, const char *want)
{
    state s = {.n = 12345}; /* untouched on error */
    char *err = NULL;
    assert_int_equal(state_parse(text, len, &s, &err), -EINVAL);
    assert_int_equal(s.n, 12345);
    assert_non_null(err);
    if (strcmp(err, want)) {
        print_error("got: %s\nwant: %s\n", err, want);
        free(err);
        fail();
    }
    free(err);
}

#define BAD(text, want) expect_bad(text, strlen(text), want)
#define HDR "symbiosis-monit state 1\n"
#define LINE "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=0 restarts=-\n"

static void test_parse_bad(void **unused)
{
    (void)unused;
    BAD("", "line 1: empty file");
    BAD("garbage\n", "line 1: not a symbiosis-monit state file (version 1)");
    BAD("symbiosis-monit state 2\nend\n", "line 1: not a symbiosis-monit state file (version 1)");
    BAD(HDR, "line 2: cut short (no 'end' line)");
    BAD(HDR LINE, "line 3: cut short (no 'end' line)");
    BAD(HDR "service=a status=PASSED since=1 failu", "line 2: cut short (no newline at the end)");
    BAD(HDR "end", "line 2: cut short (no newline at the end)");
    BAD(HDR "end\n" LINE, "line 3: text after 'end'");
    BAD(HDR LINE LINE "end\n", "line 3: service 'a' appears twice");
    BAD(HDR "service=A status=PASSED since=1 failures=0 reported=0 restarts-total=0 restarts=-\nend\n",
        "line 2: bad service name");
    BAD(HDR "service=a status=OK since=1 failures=0 reported=0 restarts-total=0 restarts=-\nend\n",
        "line 2: status must be PASSED or FAILED");
    BAD(HDR "service=a status=PASSED since=-1 failures=0 reported=0 restarts-total=0 restarts=-\nend\n",
        "line 2: bad number for 'since'");
    BAD(HDR "service=a status=PASSED since=1 failures=4294967296 reported=0 restarts-total=0 restarts=-\nend\n",
        "line 2: 'failures' out of range");
    BAD(HDR "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=0 restarts=-\nend\n"
            "x\n",
        "line 4: text after 'end'");
    BAD(HDR "service=a status=PASSED failures=0 since=1 reported=0 restarts-total=0 restarts=-\nend\n",
        "line 2: expected 'since='");
    BAD(HDR "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=0\nend\n",
        "line 2: expected 'restarts='");
    BAD(HDR "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=0 restarts=- x=1\nend\n",
        "line 2: unexpected text after 'restarts'");
    BAD(HDR "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=0  restarts=-\nend\n",
        "line 2: expected 'restarts='");
    BAD(HDR "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=2 restarts=1,\nend\n",
        "line 2: trailing ',' in 'restarts'");
    BAD(HDR "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=2 restarts=1,,2\nend\n",
        "line 2: bad number for 'restarts'");
    BAD(HDR "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=1 restarts=1,2\nend\n",
        "line 2: more recent restarts than restarts-total");
    BAD(HDR "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=0 restarts=99999999999999999999\nend\n",
        "line 2: bad number for 'restarts'");
    BAD(HDR "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=0 restarts=-\r\nend\n",
        "line 2: bad number for 'restarts'");
    expect_bad(HDR "service=a\0\nend\n", sizeof(HDR "service=a\0\nend\n") - 1, "line 2: NUL byte");
}

static void test_parse_bounds(void **unused)
{
    (void)unused;
    /* A line longer than STATE_MAX_LINE. */
    strbuf b = {0};
    sb_append(&b, HDR "service=");
    for (int i = 0; i < STATE_MAX_LINE; i++)
        sb_append(&b, "a");
    sb_append(&b, " status=PASSED\nend\n");
    expect_bad(b.s, b.len, "line 2: line longer than 4096 bytes");
    sb_free(&b);
    /* More restart times than kept. */
    sb_append(&b, HDR "service=a status=PASSED since=1 failures=0 reported=0 restarts-total=100 restarts=1");
    for (int i = 0; i < STATE_MAX_RESTARTS; i++)
        sb_append(&b, ",1");
    sb_append(&b, "\nend\n");
    expect_bad(b.s, b.len, "line 2: more than 64 restart times");
    sb_free(&b);
    /* A file larger than the bound is refused before it is read through. */
    char *big = xcalloc(STATE_MAX_SIZE + 2, 1);
    memset(big, 'x', STATE_MAX_SIZE + 1);
    expect_bad(big, STATE_MAX_SIZE + 1, "larger than 1048576 bytes");
    free(big);
}

static void test_restart_window(void **unused)
{
    (void)unused;
    state s = {0};
    state_entry *e = state_get(&s, "exim4");
    state_record_restart(e, 1000, 3600);
    state_record_restart(e, 2000, 3600);
    state_record_restart(e, 3000, 3600);
    assert_int_equal(state_restarts_within(e, 3000, 3600), 3);
    assert_int_equal(state_restarts_within(e, 5700, 3600), 1); /* 1000 and 2000 left the window */
    /* Recording forgets what left the window, and keeps at most 64. */
    state_record_restart(e, 6000, 3600);
    assert_int_equal(e->n_restarts, 2);
    for (int i = 0; i < 100; i++)
        state_record_restart(e, 6000 + i, 3600);
    assert_int_equal(e->n_restarts, STATE_MAX_RESTARTS);
    assert_int_equal(e->restarts[STATE_MAX_RESTARTS - 1], 6099);
    assert_int_equal(e->restarts_total, 104);
    state_free(&s);
}

static void test_record_status(void **unused)
{
    (void)unused;
    state s = {0};
    assert_true(state_record_status(&s, "exim4", true, 100)); /* a first run is a change */
    assert_false(state_record_status(&s, "exim4", true, 200));
    state_entry *e = state_find(&s, "exim4");
    assert_int_equal(e->since, 100);
    assert_int_equal(e->failures, 2);
    assert_true(state_record_status(&s, "exim4", false, 300));
    assert_int_equal(e->since, 300);
    assert_int_equal(e->failures, 0);
    /* An entry made for a restart count before any status is still new. */
    state_get(&s, "dovecot");
    assert_true(state_record_status(&s, "dovecot", false, 300));
    state_free(&s);
}

static char *tmpdir(void)
{
    char *d = xstrdup("/tmp/test_state.XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static char *slurp(const char *path)
{
    char *s = NULL;
    assert_int_equal(read_small_file(path, 1 << 20, &s), 0);
    return s;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_file_round_trip_and_links(void **unused)
{
    (void)unused;
    char *d = tmpdir();
    char *path = xasprintf("%s/monit.state", d), *target = xasprintf("%s/target", d);
    state s = {0}, t;
    char *warn = NULL, *err = NULL;
    /* No file: a first run. */
    assert_int_equal(state_load(path, true, &t, &warn), 0);
    assert_int_equal(t.n, 0);
    assert_null(warn);
    state_record_status(&s, "exim4", true, 100);
    assert_int_equal(state_save(path, &s, &err), 0);
    assert_int_equal(state_load(path, true, &t, &warn), 0);
    assert_null(warn);
    assert_int_equal(t.n, 1);
    assert_true(state_find(&t, "exim4")->failed);
    state_free(&t);
    /* A stale temporary file of a killed run is cleaned up. */
    char *stale = xasprintf("%s.Ab12Cd", path);
    spit(stale, "half");
    assert_int_equal(state_save(path, &s, &err), 0);
    assert_int_equal(access(stale, F_OK), 0); /* new: perhaps another writer's */
    struct timespec old[2] = {{.tv_sec = time(NULL) - 120}, {.tv_sec = time(NULL) - 120}};
    assert_int_equal(utimensat(AT_FDCWD, stale, old, 0), 0);
    assert_int_equal(state_save(path, &s, &err), 0);
    assert_int_equal(access(stale, F_OK), -1);
    /* A link at the path: refused both ways, the target untouched. */
    assert_int_equal(unlink(path), 0);
    spit(target, "precious\n");
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(state_load(path, true, &t, &warn), -ELOOP);
    assert_int_equal(state_save(path, &s, &err), -ELOOP);
    assert_non_null(strstr(err, "symbolic link"));
    free(err);
    char *kept = slurp(target);
    assert_string_equal(kept, "precious\n");
    free(kept);
    assert_int_equal(unlink(path), 0);
    /* Corrupt: moved aside (not with rename_corrupt false), a first run. */
    spit(path, "symbiosis-monit state 1\nservice=exim4 status=FAI");
    assert_int_equal(state_load(path, false, &t, &warn), 0);
    assert_non_null(strstr(warn, "corrupt"));
    assert_int_equal(access(path, F_OK), 0);
    free(warn);
    warn = NULL;
    assert_int_equal(state_load(path, true, &t, &warn), 0);
    assert_int_equal(t.n, 0);
    assert_non_null(strstr(warn, "line 2: cut short"));
    assert_non_null(strstr(warn, "monit.state.corrupt"));
    free(warn);
    char *aside = xasprintf("%s.corrupt", path);
    char *moved = slurp(aside);
    assert_string_equal(moved, "symbiosis-monit state 1\nservice=exim4 status=FAI");
    free(moved);
    assert_int_equal(access(path, F_OK), -1);
    /* A directory at the path is unreadable as a state file: moved aside too. */
    assert_int_equal(mkdir(path, 0755), 0);
    warn = NULL;
    assert_int_equal(state_load(path, true, &t, &warn), 0);
    assert_non_null(strstr(warn, "not a regular file"));
    free(warn);
    state_free(&s);
    char *cmd = xasprintf("rm -rf '%s'", d);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(aside);
    free(stale);
    free(path);
    free(target);
    free(d);
}

static void test_entry_without_status(void **unused)
{
    (void)unused;
    /* What a run stopped while it waited for a restart job leaves: the
     * restart counted, no status recorded yet. */
    const char *text = "symbiosis-monit state 1\n"
                       "service=hang status=PASSED since=0 failures=0 reported=0 restarts-total=1 restarts=1700000000\n"
                       "end\n";
    state s;
    char *err = NULL;
    assert_int_equal(state_parse(text, strlen(text), &s, &err), 0);
    state_entry *e = state_find(&s, "hang");
    assert_non_null(e);
    assert_false(e->known);
    assert_int_equal(e->restarts_total, 1);
    /* The next status recorded is a change (news for --quiet), whichever it is. */
    assert_true(state_record_status(&s, "hang", false, 1700000100));
    state_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_without_status),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_empty_state),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_parse_bounds),
        cmocka_unit_test(test_restart_window),
        cmocka_unit_test(test_record_status),
        cmocka_unit_test(test_file_round_trip_and_links),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
