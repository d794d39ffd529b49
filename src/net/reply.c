/* reply.c: mail protocol replies (multi-line codes, tagged, single-line) and
 * the greeting/hello/STARTTLS/quit session that the mail probes share. */
#include "reply.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#define SHOW_MAX 120 /* bytes of a received line quoted in a reason */

/* Whether line, the word's length in, ends the word (no letter or digit next). */
static bool word_at(const char *line, const char *word)
{
    size_t n = strlen(word);
    return strncasecmp(line, word, n) == 0 && !isalnum((unsigned char)line[n]);
}

static bool three_digits(const char *l)
{
    return isdigit((unsigned char)l[0]) && isdigit((unsigned char)l[1]) && isdigit((unsigned char)l[2]);
}

/* Whether line ends a reply of this style; sets *code for REPLY_CODE. */
static bool reply_final(reply_style style, const char *tag, const char *line, int *code)
{
    switch (style) {
    case REPLY_CODE:
        if (!three_digits(line)) {
            *code = 0; /* not SMTP at all: the caller shows the line */
            return true;
        }
        *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        return line[3] != '-';
    case REPLY_TAGGED:
        return !tag || word_at(line, tag);
    case REPLY_SIEVE: /* capability lines are quoted strings; anything else ends it */
        return line[0] != '"';
    case REPLY_LINE:
        break;
    }
    return true;
}

int reply_read(conn *c, reply_style style, const char *tag, usec_t deadline, reply *r)
{
    for (;;) {
        const char *line;
        int k = conn_read_line(c, deadline, &line);
        if (k <= 0)
            return k;
        strv_push(&r->lines, xstrdup(line));
        /* RFC 959 4.2: inside a multi-line reply a line need not start with
         * the code (FTP banners, FEAT); only "DDD " ends it. */
        if (style == REPLY_CODE && r->lines.n > 1 && !three_digits(line))
            continue;
        if (reply_final(style, tag, line, &r->code))
            return 1;
    }
}

const char *reply_last(const reply *r)
{
    return r->lines.n ? r->lines.v[r->lines.n - 1] : "";
}

bool reply_is(const reply *r, reply_style style, const char *tag, const char *expect)
{
    const char *last = reply_last(r);
    if (style == REPLY_CODE) {
        int want = atoi(expect);
        return strlen(expect) == 1 ? r->code / 100 == want : r->code == want;
    }
    if (style == REPLY_TAGGED && tag) {
        if (!word_at(last, tag))
            return false;
        last += strlen(tag);
        while (*last == ' ')
            last++;
    }
    return word_at(last, expect);
}

bool reply_offers(const reply *r, reply_style style, const char *word)
{
    static const char seps[] = " \t\"[]()";
    for (size_t i = 0; i < r->lines.n; i++) {
        const char *l = r->lines.v[i];
        if (style == REPLY_CODE) /* "250-STARTTLS": the keyword after the code */
            l += three_digits(l) && l[3] ? 4 : strlen(l);
        for (;;) {
            l += strspn(l, seps);
            size_t n = strcspn(l, seps);
            if (!n)
                break;
            if (n == strlen(word) && strncasecmp(l, word, n) == 0)
                return true;
            if (style == REPLY_CODE || style == REPLY_SIEVE)
                break; /* only the first word is a keyword */
            l += n;
        }
    }
    return false;
}

void reply_free(reply *r)
{
    strv_free(&r->lines);
    r->code = 0;
}

/* ---- the session ------------------------------------------------------- */

typedef struct session {
    probe_run *run;
    const reply_proto *proto;
    conn c;
    unsigned tags;
    bool offered;   /* STARTTLS listed in the greeting or hello reply */
    char *greeting; /* its final line, printable: the detail of a pass */
} session;

/* "220" and "2xx" bare, words quoted, as reasons show them. */
static char *show_expect(const reply_proto *proto, const char *expect)
{
    if (proto->style == REPLY_CODE)
        return strlen(expect) == 1 ? xasprintf("%sxx", expect) : xstrdup(expect);
    return xasprintf("\"%s\"", expect);
}

static char *show_line(const char *line)
{
    return printable(line, strlen(line), SHOW_MAX);
}

/* A failed read (k <= 0) as a reason. what: "the greeting" or "EHLO". */
static void session_read_failed(session *s, int k, const reply *r, const char *what, bool greeting)
{
    probe_run *run = s->run;
    if (k == 0) {
        if (!r->lines.n) {
            probe_fail(run, "connection closed %s %s", greeting ? "before" : "during", what);
        } else {
            char *l = show_line(reply_last(r));
            probe_fail(run, "connection closed during %s after \"%s\"", what, l);
            free(l);
        }
    } else if (k == -ETIMEDOUT) {
        char *w = greeting ? xasprintf("while waiting for %s", what)
                           : xasprintf("while waiting for the %s reply", what);
        probe_timeout(run, w);
        free(w);
    } else if (k == -EMSGSIZE) {
        probe_fail(run, "more than %d KiB received without the end of %s%s%s", NET_READ_MAX / 1024,
                   greeting ? "" : "the ", what, greeting ? "" : " reply");
    } else {
        probe_fail(run, "%s during %s", s->c.err ? s->c.err : "receive failed", what);
    }
}

/* Reads the greeting and checks it. 0 or -1 (attempt completed). */
static int session_greeting(session *s)
{
    const reply_proto *proto = s->proto;
    reply_style style = proto->style == REPLY_TAGGED ? REPLY_LINE : proto->style;
    reply r = {0};
    int k = reply_read(&s->c, style, NULL, s->run->deadline, &r);
    int ret = -1;
    if (k <= 0) {
        session_read_failed(s, k, &r, "the greeting", true);
    } else if (!reply_is(&r, style, NULL, proto->greeting)) {
        char *l = show_line(reply_last(&r)), *e = show_expect(proto, proto->greeting);
        probe_fail(s->run, "greeting \"%s\", expected %s", l, e);
        free(l);
        free(e);
    } else {
        s->offered = s->offered || reply_offers(&r, style, proto->starttls);
        if (!s->greeting) /* the first: ManageSieve greets again after STARTTLS */
            s->greeting = show_line(reply_last(&r));
        ret = 0;
    }
    reply_free(&r);
    return ret;
}

/* The host name for EHLO/LHLO: this host's, when it is a valid name. */
static char *hello_name(void)
{
    char h[256] = "";
    if (gethostname(h, sizeof h - 1) < 0 || !h[0] || strspn(h, "abcdefghijklmnopqrstuvwxyz"
                                                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != strlen(h))
        return xstrdup("localhost");
    return xstrdup(h);
}

/* Sends cmd (with the host name when arg) and checks the reply. 0 or -1. */
static int session_command(session *s, const char *cmd, bool arg, const char *ok)
{
    const reply_proto *proto = s->proto;
    probe_run *run = s->run;
    char tag[16] = "";
    if (proto->style == REPLY_TAGGED)
        snprintf(tag, sizeof tag, "a%u", ++s->tags);
    char *name = arg ? hello_name() : NULL;
    char *line = xasprintf("%s%s%s%s%s\r\n", tag, tag[0] ? " " : "", cmd, name ? " " : "", name ? name : "");
    free(name);
    int w = conn_write_str(&s->c, line, run->deadline);
    free(line);
    if (w < 0) {
        if (w == -EPIPE || w == -ECONNRESET)
            probe_fail(run, "connection closed during %s", cmd);
        else if (w == -ETIMEDOUT) {
            char *wh = xasprintf("while sending %s", cmd);
            probe_timeout(run, wh);
            free(wh);
        } else
            probe_fail(run, "sending %s: %s", cmd, s->c.err ? s->c.err : "send failed");
        return -1;
    }
    reply r = {0};
    int ret = -1;
    int k = reply_read(&s->c, proto->style, tag[0] ? tag : NULL, run->deadline, &r);
    if (k <= 0) {
        session_read_failed(s, k, &r, cmd, false);
    } else if (!reply_is(&r, proto->style, tag[0] ? tag : NULL, ok)) {
        char *l = show_line(reply_last(&r));
        probe_fail(run, "%s answered \"%s\"", cmd, l);
        free(l);
    } else {
        s->offered = s->offered || reply_offers(&r, proto->style, proto->starttls);
        ret = 0;
    }
    reply_free(&r);
    return ret;
}

static int session_hello(session *s)
{
    const reply_proto *proto = s->proto;
    return proto->hello ? session_command(s, proto->hello, proto->hello_host, proto->hello_ok) : 0;
}

/* STARTTLS: the command, the handshake through libcurl, the certificate. */
static int session_starttls(session *s)
{
    const reply_proto *proto = s->proto;
    probe_run *run = s->run;
    const probe *p = run->probe;
    if (proto->starttls_listed && !s->offered) {
        probe_fail(run, "%s not offered", proto->starttls);
        return -1;
    }
    if (session_command(s, proto->starttls, false, proto->starttls_ok) < 0)
        return -1;
    if (conn_starttls(&s->c, probe_host(p), probe_port(p), p->verify, run->deadline) < 0) {
        if (s->c.timed_out)
            probe_timeout(run, "during the TLS handshake after STARTTLS");
        else
            probe_fail(run, "%s: %s", proto->starttls, s->c.err ? s->c.err : "TLS handshake failed");
        return -1;
    }
    if (probe_check_cert_expiry(run, s->c.cert_not_after, NULL))
        return -1;
    switch (proto->after_tls) {
    case REPLY_AFTER_TLS_HELLO:
        return session_hello(s);
    case REPLY_AFTER_TLS_GREETING:
        return session_greeting(s);
    case REPLY_AFTER_TLS_NOTHING:
        break;
    }
    return 0;
}

int reply_implicit_port(probe *p, int port)
{
    if (!p->port && p->tls == TLS_IMPLICIT)
        p->port = port;
    return 0;
}

void reply_session_run(probe_run *run, const reply_proto *proto)
{
    const probe *p = run->probe;
    session s = {.run = run, .proto = proto};
    if (conn_open_tcp(&s.c, probe_host(p), probe_port(p), p->tls == TLS_IMPLICIT, p->verify, run->deadline) < 0) {
        if (s.c.timed_out)
            probe_timeout(run, p->tls == TLS_IMPLICIT ? "while connecting with TLS" : "while connecting");
        else
            probe_fail(run, "%s", s.c.err ? s.c.err : "connection failed");
        goto out;
    }
    if (p->tls == TLS_IMPLICIT && probe_check_cert_expiry(run, s.c.cert_not_after, NULL))
        goto out;
    if (session_greeting(&s) < 0)
        goto out;
    if (!(p->tls == TLS_STARTTLS && proto->hello_tls_only) && session_hello(&s) < 0)
        goto out;
    if (p->tls == TLS_STARTTLS && session_starttls(&s) < 0)
        goto out;
    if (session_command(&s, proto->quit, false, proto->quit_ok) < 0)
        goto out;
    probe_ok(run, "%s%s", s.greeting, p->tls == TLS_STARTTLS ? " (STARTTLS)" : p->tls == TLS_IMPLICIT ? " (TLS)" : "");
out:
    free(s.greeting);
    conn_close(&s.c);
}
