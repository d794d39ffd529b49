/* test_proto2.c: the xmpp probe's tag scanner on replies cut at every byte
 * (a server may send its stream header in pieces), and its verdicts. The
 * probes themselves are tested against real servers in tests/system/proto2.bats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

/* The scanner is static: include the file, renaming its exported kind so
 * that it does not clash with the library's copy. */
#define probe_xmpp probe_xmpp_under_test
#include "../../src/probe/xmpp.c"

typedef struct verdict {
    probe_status status;
    char *detail;
    size_t fed; /* bytes given when the scanner decided; 0: it never did */
} verdict;

/* Feeds reply one byte at a time (bytewise), as a slow server would send
 * it, or all at once. */
static verdict scan(const char *reply, bool bytewise)
{
    probe p = {.timeout = USEC_PER_SEC};
    probe_result res = {0};
    probe_run run = {.probe = &p, .result = &res};
    xmpp_scan x = {0};
    verdict v = {0};
    size_t n = strlen(reply);
    for (size_t len = bytewise ? 1 : n; len <= n; len++)
        if (xmpp_scan_tags(&run, &x, reply, len)) {
            v.fed = len;
            break;
        }
    /* Cut anywhere, a reply gets the verdict it gets at once (the detail
     * may quote less of it). */
    if (v.fed && bytewise) {
        probe_result whole = {0};
        probe_run run2 = {.probe = &p, .result = &whole};
        xmpp_scan x2 = {0};
        assert_int_equal(xmpp_scan_tags(&run2, &x2, reply, n), 1);
        assert_int_equal(whole.status, res.status);
        free(x2.from);
        probe_result_clear(&whole);
    }
    v.status = res.status;
    v.detail = res.detail ? xstrdup(res.detail) : NULL;
    free(x.from);
    probe_result_clear(&res);
    return v;
}

static void expect_at(const char *reply, bool bytewise, probe_status status, const char *detail)
{
    verdict v = scan(reply, bytewise);
    assert_true(v.fed > 0);
    assert_int_equal(v.status, status);
    assert_string_equal(v.detail, detail);
    free(v.detail);
}

static void expect(const char *reply, probe_status status, const char *detail)
{
    expect_at(reply, true, status, detail);
}

/* Prosody 0.12's reply, verbatim. */
static const char prosody_ok[] =
    "<?xml version='1.0'?><stream:stream id='53f4484f' version='1.0' "
    "xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' from='localhost' "
    "xml:lang='en'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
    "</starttls></stream:features>";

static const char prosody_unknown[] =
    "<?xml version='1.0'?><stream:stream id='4fb7905e' version='1.0' "
    "xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' from='nope.example' "
    "xml:lang='en'><stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
    "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>This server does not serve nope.example</text>"
    "</stream:error></stream:stream>";

static void test_prosody(void **state)
{
    (void)state;
    expect(prosody_ok, PROBE_OK, "stream opened by 'localhost'");
    expect(prosody_unknown, PROBE_FAIL, "stream error: host-unknown");
}

static void test_waits_for_features(void **state)
{
    (void)state;
    /* A 1.0 header alone is not a verdict: a stream error may follow it. */
    const char *hdr = "<stream:stream id=\"x\" version=\"1.0\" from=\"example.org\">";
    verdict v = scan(hdr, true);
    assert_int_equal(v.fed, 0);
    free(v.detail);
    /* Double quotes, whitespace and a comment between the elements. */
    expect("<stream:stream id=\"x\" version=\"1.0\" from=\"example.org\">\n  <!-- hi -->\n<stream:features/>",
           PROBE_OK, "stream opened by 'example.org'");
}

static void test_pre_1_0(void **state)
{
    (void)state;
    expect("<?xml version='1.0'?><stream:stream id='1' from='old.example' xmlns='jabber:client'>", PROBE_OK,
           "stream opened by 'old.example' (pre-1.0 XMPP)");
}

static void test_not_xmpp(void **state)
{
    (void)state;
    expect_at("220 mail.example ESMTP\r\n", false, PROBE_FAIL,
              "got \"220 mail.example ESMTP\\r\\n\", expected an XMPP stream header");
    /* Byte by byte, the first byte is enough to tell. */
    expect("220 mail.example ESMTP\r\n", PROBE_FAIL, "got \"2\", expected an XMPP stream header");
    expect("<html><body>", PROBE_FAIL, "got \"<html>\", expected an XMPP stream header");
    /* Our own header echoed back has no id. */
    expect("<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' "
           "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
           PROBE_FAIL, "stream header without an id: not from an XMPP server");
    /* A prefix only: "<stream:streams" is not the stream element. */
    expect("<stream:streamx id='1'>", PROBE_FAIL, "got \"<stream:streamx id='1'>\", expected an XMPP stream header");
}

static void test_errors(void **state)
{
    (void)state;
    expect("<stream:stream id='1' version='1.0'><stream:error><see-other-host "
           "xmlns='urn:ietf:params:xml:ns:xmpp-streams'>b.example</see-other-host></stream:error>",
           PROBE_FAIL, "stream error: see-other-host");
    expect("<stream:stream id='1' version='1.0'><stream:error></stream:error>", PROBE_FAIL,
           "stream error without a condition");
    expect("<stream:stream id='1' version='1.0'></stream:stream>", PROBE_FAIL, "the server closed the stream at once");
}

static void test_attr(void **state)
{
    (void)state;
    char *v = xmpp_attr("<a xid='no' id='yes'>", "id");
    assert_string_equal(v, "yes");
    free(v);
    v = xmpp_attr("<a id = \"sp\">", "id");
    assert_string_equal(v, "sp");
    free(v);
    assert_null(xmpp_attr("<a id=unquoted>", "id"));
    assert_null(xmpp_attr("<a id='open>", "id"));
    assert_null(xmpp_attr("<a>", "id"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prosody),        cmocka_unit_test(test_waits_for_features),
        cmocka_unit_test(test_pre_1_0),        cmocka_unit_test(test_not_xmpp),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_attr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
