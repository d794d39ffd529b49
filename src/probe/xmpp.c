/* xmpp.c: the `xmpp` probe: send a client stream header for `domain`; pass
 * when the server opens its stream back (and, for XMPP 1.0, goes on with its
 * features); a <stream:error> fails naming its condition (host-unknown...). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net.h"

typedef struct xmpp_cfg {
    char *domain;
} xmpp_cfg;

static const conf_key xmpp_keys[] = {
    {"domain", CONF_STRING, offsetof(xmpp_cfg, domain), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static bool xmpp_domain_ok(const char *d)
{
    if (!*d)
        return false;
    for (const char *s = d; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

static bool xmpp_is_address(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* The domain defaults to the host name (not an address), else localhost. */
static int xmpp_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    xmpp_cfg *cfg = p->cfg;
    if (cfg->domain && !xmpp_domain_ok(cfg->domain)) {
        conf_error(c, conf_map_get(c, node, "domain"), "bad domain '%s': expected a name such as example.org",
                   cfg->domain);
        return -1;
    }
    if (!cfg->domain)
        cfg->domain = xstrdup(p->host && !xmpp_is_address(p->host) && xmpp_domain_ok(p->host) ? p->host
                                                                                             : "localhost");
    return 0;
}

/* The value of attribute name in tag (a NUL-terminated "<x a='v' ...>"), or NULL. */
static char *xmpp_attr(const char *tag, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = tag; (s = strstr(s, name)); s += n) {
        if (s == tag || !(s[-1] == ' ' || s[-1] == '\t' || s[-1] == '\r' || s[-1] == '\n'))
            continue;
        const char *v = s + n;
        while (*v == ' ')
            v++;
        if (*v++ != '=')
            continue;
        while (*v == ' ')
            v++;
        char q = *v++;
        if (q != '\'' && q != '"')
            continue;
        const char *end = strchr(v, q);
        if (!end)
            return NULL;
        return printable(v, (size_t)(end - v), 80);
    }
    return NULL;
}

/* The element name of a tag: "<host-unknown xmlns=.../>" gives host-unknown. */
static char *xmpp_element(const char *tag)
{
    const char *s = tag + 1;
    return printable(s, strcspn(s, " \t\r\n/>"), 60);
}

typedef enum xmpp_state { XS_HEADER, XS_FEATURES, XS_ERROR } xmpp_state;

typedef struct xmpp_scan {
    xmpp_state state;
    size_t pos; /* of the first byte not yet looked at */
    char *from; /* the server's stream header's from, if any */
} xmpp_scan;

/* Looks at the complete tags received. Returns 1 when it completed the
 * attempt, 0 when it needs more bytes. */
static int xmpp_scan_tags(probe_run *run, xmpp_scan *x, const char *buf, size_t len)
{
    for (;;) {
        while (x->pos < len && strchr(" \t\r\n", buf[x->pos]))
            x->pos++;
        if (x->pos >= len)
            return 0;
        if (buf[x->pos] != '<') {
            if (x->state == XS_HEADER) {
                char *got = printable(buf + x->pos, len - x->pos, 80);
                probe_fail(run, "got \"%s\", expected an XMPP stream header", got);
                free(got);
                return 1;
            }
            const char *lt = memchr(buf + x->pos, '<', len - x->pos);
            if (!lt) { /* character data (a stream error's text): skip it */
                x->pos = len;
                return 0;
            }
            x->pos = (size_t)(lt - buf);
        }
        const char *gt = memchr(buf + x->pos, '>', len - x->pos);
        if (!gt)
            return 0;
        char *tag = xstrndup(buf + x->pos, (size_t)(gt - buf) - x->pos + 1);
        x->pos = (size_t)(gt - buf) + 1;
        if (startswith(tag, "<?") || startswith(tag, "<!")) {
            free(tag);
            continue;
        }
        int done = 1;
        if (x->state == XS_HEADER) {
            if (startswith(tag, "<stream:stream") && strchr(" \t\r\n>", tag[14])) {
                char *id = xmpp_attr(tag, "id"), *version = xmpp_attr(tag, "version");
                x->from = xmpp_attr(tag, "from");
                if (!id)
                    probe_fail(run, "stream header without an id: not from an XMPP server");
                else if (!version || strcmp(version, "1.0"))
                    probe_ok(run, "stream opened by '%s' (pre-1.0 XMPP)", x->from ? x->from : "?");
                else {
                    x->state = XS_FEATURES; /* a stream error may still follow */
                    done = 0;
                }
                free(id);
                free(version);
            } else {
                char *got = printable(tag, strlen(tag), 80);
                probe_fail(run, "got \"%s\", expected an XMPP stream header", got);
                free(got);
            }
        } else if (x->state == XS_FEATURES) {
            if (startswith(tag, "<stream:error")) {
                x->state = XS_ERROR;
                done = 0;
            } else if (startswith(tag, "</stream:stream"))
                probe_fail(run, "the server closed the stream at once");
            else
                probe_ok(run, "stream opened by '%s'", x->from ? x->from : "?");
        } else { /* XS_ERROR: the first child names the condition */
            char *name = xmpp_element(tag);
            if (name[0] == '/' || !name[0])
                probe_fail(run, "stream error without a condition");
            else
                probe_fail(run, "stream error: %s", name);
            free(name);
        }
        free(tag);
        if (done)
            return 1;
    }
}

static void xmpp_run(probe_run *run)
{
    const probe *p = run->probe;
    const xmpp_cfg *cfg = p->cfg;
    conn c;
    strbuf b = {0};
    xmpp_scan x = {0};
    if (conn_open_tcp(&c, probe_host(p), probe_port(p), false, false, run->deadline) < 0) {
        conn_fail(run, &c, NULL);
        goto out;
    }
    char *header = xasprintf("<?xml version='1.0'?><stream:stream to='%s' xmlns='jabber:client' "
                             "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
                             cfg->domain);
    int w = conn_write_str(&c, header, run->deadline);
    free(header);
    if (w < 0) {
        conn_fail(run, &c, "sending the stream header");
        goto out;
    }
    for (;;) {
        char tmp[2048];
        ssize_t n = conn_read_some(&c, tmp, sizeof tmp, run->deadline);
        const char *what = x.state == XS_HEADER ? "stream header" : "stream features";
        if (n > 0) {
            sb_appendn(&b, tmp, (size_t)n);
            if (xmpp_scan_tags(run, &x, b.s, b.len))
                break;
            continue;
        }
        if (n == 0 && x.state == XS_HEADER && b.len == 0)
            probe_fail(run, "connection closed before the stream header");
        else if (n == 0 && x.state == XS_HEADER) {
            char *got = printable(b.s, b.len, 80);
            probe_fail(run, "got \"%s\", expected an XMPP stream header", got);
            free(got);
        } else if (n == 0)
            probe_fail(run, "connection closed after the stream header, before the %s",
                       x.state == XS_ERROR ? "stream error's condition" : "stream features");
        else if (n == -EMSGSIZE)
            probe_fail(run, "no %s in the first 64 KiB", what);
        else {
            char *doing = xasprintf("waiting for the %s", what);
            conn_fail(run, &c, doing);
            free(doing);
        }
        break;
    }
    /* Be polite: close our stream. Nothing to do if that fails. */
    if (c.fd >= 0 && !c.eof && !c.timed_out && conn_write_str(&c, "</stream:stream>", run->deadline) < 0) {
        /* closing anyway */
    }
out:
    free(x.from);
    sb_free(&b);
    conn_close(&c);
}

const probe_kind probe_xmpp = {
    .type = "xmpp",
    .flags = PROBE_NET,
    .default_port = 5222,
    .cfg_size = sizeof(xmpp_cfg),
    .keys = xmpp_keys,
    .check = xmpp_check,
    .run = xmpp_run,
};
