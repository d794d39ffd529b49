/* test_mail.c: mail protocol replies (reply.c) read from a socket pair: where
 * a reply ends in each style, what counts as success, capability lookup,
 * and the bounds (64 KiB, deadline). The sessions themselves are tested
 * against real servers in tests/system/mail.bats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "reply.h"

typedef struct pair {
    conn c;
    int peer;
} pair;

/* A conn reading what the test writes to the peer end (closed when eof). */
static void pair_open(pair *p, const char *data, bool eof)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    p->c = (conn){.fd = sv[0]};
    p->peer = sv[1];
    size_t n = strlen(data);
    assert_int_equal(write(p->peer, data, n), (ssize_t)n);
    if (eof) {
        close(p->peer);
        p->peer = -1;
    }
}

static void pair_close(pair *p)
{
    conn_close(&p->c);
    if (p->peer >= 0)
        close(p->peer);
}

static int read_reply(pair *p, reply_style style, const char *tag, reply *r)
{
    return reply_read(&p->c, style, tag, now_mono() + 2 * USEC_PER_SEC, r);
}

static void test_code_multiline(void **state)
{
    (void)state;
    pair p;
    reply r = {0};
    pair_open(&p, "250-mail.test Hello\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n250 HELP\r\n221 next\r\n", false);
    assert_int_equal(read_reply(&p, REPLY_CODE, NULL, &r), 1);
    assert_int_equal(r.lines.n, 4);
    assert_int_equal(r.code, 250);
    assert_string_equal(reply_last(&r), "250 HELP");
    assert_true(reply_is(&r, REPLY_CODE, NULL, "2"));
    assert_true(reply_is(&r, REPLY_CODE, NULL, "250"));
    assert_false(reply_is(&r, REPLY_CODE, NULL, "220"));
    assert_true(reply_offers(&r, REPLY_CODE, "starttls"));
    assert_false(reply_offers(&r, REPLY_CODE, "52428800")); /* a parameter, not a keyword */
    reply_free(&r);
    /* The next reply is still there. */
    assert_int_equal(read_reply(&p, REPLY_CODE, NULL, &r), 1);
    assert_int_equal(r.code, 221);
    reply_free(&r);
    pair_close(&p);
}

static void test_code_not_smtp(void **state)
{
    (void)state;
    pair p;
    reply r = {0};
    pair_open(&p, "* OK IMAP ready\r\n", false);
    assert_int_equal(read_reply(&p, REPLY_CODE, NULL, &r), 1);
    assert_int_equal(r.code, 0);
    assert_false(reply_is(&r, REPLY_CODE, NULL, "220"));
    assert_false(reply_is(&r, REPLY_CODE, NULL, "2"));
    reply_free(&r);
    pair_close(&p);
}

static void test_code_closed_midway(void **state)
{
    (void)state;
    pair p;
    reply r = {0};
    pair_open(&p, "220-first line\r\n220-second", true);
    assert_int_equal(read_reply(&p, REPLY_CODE, NULL, &r), 0);
    assert_int_equal(r.lines.n, 2); /* the unterminated rest counts, but is not final */
    reply_free(&r);
    pair_close(&p);
}

static void test_tagged(void **state)
{
    (void)state;
    pair p;
    reply r = {0};
    pair_open(&p,
              "* CAPABILITY IMAP4rev1 SASL-IR STARTTLS AUTH=PLAIN\r\n"
              "a10 OK not ours\r\n"
              "a1 ok Capability completed.\r\n",
              false);
    assert_int_equal(read_reply(&p, REPLY_TAGGED, "a1", &r), 1);
    assert_int_equal(r.lines.n, 3); /* "a10" is another tag */
    assert_true(reply_is(&r, REPLY_TAGGED, "a1", "OK"));
    assert_false(reply_is(&r, REPLY_TAGGED, "a1", "NO"));
    assert_true(reply_offers(&r, REPLY_TAGGED, "STARTTLS"));
    assert_false(reply_offers(&r, REPLY_TAGGED, "AUTH"));
    reply_free(&r);
    pair_close(&p);
}

static void test_tagged_bad(void **state)
{
    (void)state;
    pair p;
    reply r = {0};
    pair_open(&p, "a2 BAD Error in IMAP command\r\n", false);
    assert_int_equal(read_reply(&p, REPLY_TAGGED, "a2", &r), 1);
    assert_false(reply_is(&r, REPLY_TAGGED, "a2", "OK"));
    reply_free(&r);
    pair_close(&p);
}

static void test_line_words(void **state)
{
    (void)state;
    pair p;
    reply r = {0};
    pair_open(&p, "+OKAY not quite\r\n+OK fine\r\n* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n", false);
    assert_int_equal(read_reply(&p, REPLY_LINE, NULL, &r), 1);
    assert_false(reply_is(&r, REPLY_LINE, NULL, "+OK"));
    reply_free(&r);
    assert_int_equal(read_reply(&p, REPLY_LINE, NULL, &r), 1);
    assert_true(reply_is(&r, REPLY_LINE, NULL, "+OK"));
    reply_free(&r);
    assert_int_equal(read_reply(&p, REPLY_LINE, NULL, &r), 1);
    assert_true(reply_is(&r, REPLY_LINE, NULL, "* OK"));
    assert_true(reply_offers(&r, REPLY_LINE, "STARTTLS")); /* in the greeting's response code */
    reply_free(&r);
    pair_close(&p);
}

static void test_sieve(void **state)
{
    (void)state;
    pair p;
    reply r = {0};
    pair_open(&p,
              "\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n"
              "\"SIEVE\" \"fileinto STARTTLS-lookalike\"\r\n"
              "\"STARTTLS\"\r\n"
              "OK \"Dovecot ready.\"\r\n"
              "NO \"later\"\r\n",
              false);
    assert_int_equal(read_reply(&p, REPLY_SIEVE, NULL, &r), 1);
    assert_int_equal(r.lines.n, 4);
    assert_true(reply_is(&r, REPLY_SIEVE, NULL, "OK"));
    assert_true(reply_offers(&r, REPLY_SIEVE, "STARTTLS"));
    assert_false(reply_offers(&r, REPLY_SIEVE, "fileinto")); /* a value, not a capability name */
    reply_free(&r);
    assert_int_equal(read_reply(&p, REPLY_SIEVE, NULL, &r), 1);
    assert_false(reply_is(&r, REPLY_SIEVE, NULL, "OK"));
    reply_free(&r);
    pair_close(&p);
}

static void test_sieve_not_sieve(void **state)
{
    (void)state;
    pair p;
    reply r = {0};
    /* Another protocol's greeting ends the reply at once instead of waiting. */
    pair_open(&p, "+OK Dovecot ready.\r\n", false);
    assert_int_equal(read_reply(&p, REPLY_SIEVE, NULL, &r), 1);
    assert_false(reply_is(&r, REPLY_SIEVE, NULL, "OK"));
    reply_free(&r);
    pair_close(&p);
}

static void test_bounded(void **state)
{
    (void)state;
    /* A reply that never ends: continuation lines past 64 KiB. */
    strbuf b = {0};
    while (b.len < NET_READ_MAX + 4096)
        sb_append(&b, "250-continuing without end\r\n");
    pair p;
    reply r = {0};
    pair_open(&p, b.s, false);
    sb_free(&b);
    assert_int_equal(read_reply(&p, REPLY_CODE, NULL, &r), -EMSGSIZE);
    assert_true(r.lines.n > 1000);
    reply_free(&r);
    pair_close(&p);
}

static void test_deadline(void **state)
{
    (void)state;
    pair p;
    reply r = {0};
    pair_open(&p, "250-more to come\r\n", false);
    usec_t t0 = now_mono();
    assert_int_equal(reply_read(&p.c, REPLY_CODE, NULL, t0 + 100 * USEC_PER_MSEC, &r), -ETIMEDOUT);
    usec_t took = now_mono() - t0;
    assert_true(took >= 90 * USEC_PER_MSEC && took < 1000 * USEC_PER_MSEC);
    assert_int_equal(r.lines.n, 1);
    reply_free(&r);
    pair_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_multiline), cmocka_unit_test(test_code_not_smtp),
        cmocka_unit_test(test_code_closed_midway), cmocka_unit_test(test_tagged),
        cmocka_unit_test(test_tagged_bad), cmocka_unit_test(test_line_words),
        cmocka_unit_test(test_sieve), cmocka_unit_test(test_sieve_not_sieve),
        cmocka_unit_test(test_bounded), cmocka_unit_test(test_deadline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
