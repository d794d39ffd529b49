/* dns.c: the `dns` probe: one query (A, AAAA, MX, TXT...) to a chosen server
 * or to the system resolver's servers (resolv.conf), built and parsed with the
 * resolver library, sent over our own socket so the probe's deadline holds
 * whatever the server does; the answers may be required to hold one of a list. */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <strings.h>
#include <sys/socket.h>

#include "net.h"

/* Record types by name; the index in dns_type_names is the index here. */
static const char *const dns_type_names[] = {"A", "AAAA", "MX", "TXT", "CNAME", "NS", "PTR", "SOA", "SRV", NULL};
static const int dns_types[] = {ns_t_a, ns_t_aaaa, ns_t_mx, ns_t_txt, ns_t_cname, ns_t_ns, ns_t_ptr, ns_t_soa, ns_t_srv};
enum { DNS_PTR = 6 };

#define DNS_PACKET_MAX 65536

typedef struct dns_cfg {
    char *name;
    char *server;
    int record;
    strv expect;
    /* Made by dns_check(): */
    char *qname;       /* the name queried (a reverse name for PTR of an address) */
    char *server_host; /* NULL: the system resolver */
    int server_port;
} dns_cfg;

static const conf_key dns_keys[] = {
    {"server", CONF_STRING, offsetof(dns_cfg, server), NULL, 0, 0, NULL, NULL, 0},
    {"record", CONF_ENUM, offsetof(dns_cfg, record), dns_type_names, 0, 0, NULL, NULL, 0},
    {"expect", CONF_STRLIST, offsetof(dns_cfg, expect), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

/* "HOST", "HOST:PORT", "[V6]:PORT" or a bare IPv6 address. */
static int dns_parse_server(const char *s, char **ret_host, int *ret_port)
{
    const char *colon = strrchr(s, ':');
    int port = 53;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end == s + 1 || (end[1] && end[1] != ':'))
            return -EINVAL;
        if (end[1] == ':' && (!end[2] || parse_port(end + 2, &port) < 0))
            return -EINVAL;
        *ret_host = xstrndup(s + 1, (size_t)(end - s - 1));
    } else if (colon && strchr(s, ':') == colon) {
        if (colon == s || !colon[1] || parse_port(colon + 1, &port) < 0)
            return -EINVAL;
        *ret_host = xstrndup(s, (size_t)(colon - s));
    } else {
        *ret_host = xstrdup(s); /* a name, an IPv4 address, or a bare IPv6 address */
    }
    *ret_port = port;
    return 0;
}

/* 192.0.2.1 -> 1.2.0.192.in-addr.arpa; IPv6 likewise under ip6.arpa. */
static char *dns_reverse_name(const char *addr)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, addr, &a4) == 1) {
        const uint8_t *b = (const uint8_t *)&a4;
        return xasprintf("%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
    }
    if (inet_pton(AF_INET6, addr, &a6) == 1) {
        strbuf sb = {0};
        for (int i = 15; i >= 0; i--)
            sb_printf(&sb, "%x.%x.", a6.s6_addr[i] & 0xf, a6.s6_addr[i] >> 4);
        sb_append(&sb, "ip6.arpa");
        return sb_steal(&sb);
    }
    return NULL;
}

static int dns_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    dns_cfg *cfg = p->cfg;
    /* SPEC §3 gives dns its own `name`, the name to resolve: it is the
     * common label key, parsed first, so take it from there; the label is
     * then the default one. */
    cfg->name = p->name;
    p->name = NULL;
    if (!cfg->name || !*cfg->name) {
        conf_error(c, node, "dns probe needs a 'name' to resolve");
        return -1;
    }
    if (cfg->server && dns_parse_server(cfg->server, &cfg->server_host, &cfg->server_port) < 0) {
        conf_error(c, conf_map_get(c, node, "server"),
                   "bad server '%s': expected HOST, HOST:PORT or [IPV6]:PORT", cfg->server);
        return -1;
    }
    cfg->qname = cfg->record == DNS_PTR ? dns_reverse_name(cfg->name) : NULL;
    if (!cfg->qname)
        cfg->qname = xstrdup(cfg->name);
    return 0;
}

static void dns_free_cfg(void *p)
{
    dns_cfg *cfg = p;
    free(cfg->name);
    free(cfg->qname);
    free(cfg->server_host);
}

/* "dns NAME TYPE [@SERVER] [= EXPECTED]": unique enough, as `name` cannot
 * be a label here. */
static char *dns_name(const probe *p)
{
    const dns_cfg *cfg = p->cfg;
    strbuf b = {0};
    sb_printf(&b, "dns %s %s", cfg->name, dns_type_names[cfg->record]);
    if (cfg->server)
        sb_printf(&b, " @%s", cfg->server);
    if (cfg->expect.n) {
        char *e = strv_join(&cfg->expect, ",");
        sb_printf(&b, " = %s", e);
        free(e);
    }
    return sb_steal(&b);
}

typedef struct dns_server {
    struct sockaddr_storage sa;
    socklen_t len;
    char text[INET6_ADDRSTRLEN + 8]; /* "127.0.0.1:53", "[::1]:53" */
} dns_server;

static void dns_server_set(dns_server *s, const struct sockaddr *sa, socklen_t len)
{
    char a[INET6_ADDRSTRLEN] = "?";
    memcpy(&s->sa, sa, len);
    s->len = len;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        snprintf(s->text, sizeof s->text, "[%s]:%u", a, ntohs(s6->sin6_port));
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        snprintf(s->text, sizeof s->text, "%s:%u", a, ntohs(s4->sin_port));
    }
}

/* The servers to ask: the chosen one, or resolv.conf's. */
static int dns_servers(const dns_cfg *cfg, const struct __res_state *res, dns_server *out, size_t *ret_n,
                       char *err, size_t errlen)
{
    size_t n = 0;
    if (cfg->server_host) {
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV};
        struct addrinfo *ai = NULL;
        char port[8];
        snprintf(port, sizeof port, "%d", cfg->server_port);
        int r = getaddrinfo(cfg->server_host, port, &hints, &ai);
        if (r != 0) {
            snprintf(err, errlen, "cannot resolve the server %s: %s", cfg->server_host, gai_strerror(r));
            return -1;
        }
        for (struct addrinfo *a = ai; a && n < MAXNS; a = a->ai_next)
            dns_server_set(&out[n++], a->ai_addr, a->ai_addrlen);
        freeaddrinfo(ai);
    } else {
        for (int i = 0; i < res->nscount && i < MAXNS; i++) {
            if (res->_u._ext.nsaddrs[i]) /* glibc keeps IPv6 servers here */
                dns_server_set(&out[n++], (const struct sockaddr *)res->_u._ext.nsaddrs[i],
                               sizeof(struct sockaddr_in6));
            else if (res->nsaddr_list[i].sin_family == AF_INET)
                dns_server_set(&out[n++], (const struct sockaddr *)&res->nsaddr_list[i],
                               sizeof(struct sockaddr_in));
        }
        if (!n) {
            snprintf(err, errlen, "no name server in /etc/resolv.conf");
            return -1;
        }
    }
    *ret_n = n;
    return 0;
}

/* A reply over TCP, after a truncated one over UDP (RFC 1035 4.2.2 framing). */
static int dns_query_tcp(const dns_server *s, const uint8_t *q, int qlen, uint8_t *ans, usec_t deadline,
                         char *err, size_t errlen)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port;
    if (s->sa.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&s->sa)->sin6_addr, host, sizeof host);
        port = ntohs(((const struct sockaddr_in6 *)&s->sa)->sin6_port);
    } else {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)&s->sa)->sin_addr, host, sizeof host);
        port = ntohs(((const struct sockaddr_in *)&s->sa)->sin_port);
    }
    conn c;
    uint8_t lenbuf[2] = {(uint8_t)(qlen >> 8), (uint8_t)qlen};
    int r = conn_open_tcp(&c, host, port, false, false, deadline);
    if (r == 0 && (r = conn_write(&c, lenbuf, 2, deadline)) == 0)
        r = conn_write(&c, q, (size_t)qlen, deadline);
    size_t want = 2, got = 0;
    uint8_t hdr[2];
    while (r == 0 && got < want) {
        uint8_t *dst = want == 2 && got < 2 ? hdr + got : ans + got - 2;
        size_t room = want == 2 ? 2 - got : want - got;
        ssize_t n = conn_read_some(&c, dst, room, deadline);
        if (n <= 0) {
            r = n < 0 ? (int)n : -ECONNRESET;
            if (n == 0)
                snprintf(err, errlen, "%s closed the TCP connection before its answer", s->text);
            break;
        }
        got += (size_t)n;
        if (want == 2 && got == 2) {
            want = 2 + ((size_t)hdr[0] << 8 | hdr[1]);
            if (want < 2 + HFIXEDSZ) {
                snprintf(err, errlen, "%s sent a %zu-byte answer over TCP", s->text, want - 2);
                r = -EBADMSG;
            }
        }
    }
    if (r < 0 && c.err)
        snprintf(err, errlen, "%s over TCP: %s", s->text, c.err);
    if (r == -ETIMEDOUT || c.timed_out)
        r = -ETIMEDOUT;
    conn_close(&c);
    return r < 0 ? r : (int)(want - 2);
}

/* One exchange with one server over UDP, until deadline. Returns the answer's
 * length, -ETIMEDOUT, or another negative errno with err set. */
static int dns_query_udp(const dns_server *s, const uint8_t *q, int qlen, uint8_t *ans, usec_t deadline,
                         bool *ret_tcp, char *err, size_t errlen)
{
    char buf[128];
    _cleanup_close_ int fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&s->sa, s->len) < 0 || send(fd, q, (size_t)qlen, 0) < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", s->text, strerror_r(e, buf, sizeof buf));
        return -e;
    }
    for (;;) {
        usec_t now = now_mono();
        if (now >= deadline)
            return -ETIMEDOUT;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int r = poll(&pf, 1, (int)((deadline - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
        if (r <= 0)
            continue;
        ssize_t n = recv(fd, ans, DNS_PACKET_MAX, 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            int e = errno;
            if (e == ECONNREFUSED)
                snprintf(err, errlen, "%s: connection refused (no DNS server there)", s->text);
            else
                snprintf(err, errlen, "%s: %s", s->text, strerror_r(e, buf, sizeof buf));
            return -e;
        }
        /* Not ours (a late answer to another query, a spoof): keep waiting. */
        if (n < HFIXEDSZ || ans[0] != q[0] || ans[1] != q[1] || !(ans[2] & 0x80))
            continue;
        if (ans[2] & 0x02) { /* TC: truncated, ask again over TCP */
            *ret_tcp = true;
            return dns_query_tcp(s, q, qlen, ans, deadline, err, errlen);
        }
        return (int)n;
    }
}

/* One answer record as text: "127.0.0.7", "10 mx.example.org", ... */
static char *dns_rr_text(const ns_msg *msg, const ns_rr *rr)
{
    const uint8_t *d = ns_rr_rdata(*rr);
    size_t len = ns_rr_rdlen(*rr);
    char a[INET6_ADDRSTRLEN], n1[NS_MAXDNAME], n2[NS_MAXDNAME];
    const uint8_t *base = ns_msg_base(*msg), *end = ns_msg_end(*msg);
    switch (ns_rr_type(*rr)) {
    case ns_t_a:
        return len == 4 && inet_ntop(AF_INET, d, a, sizeof a) ? xstrdup(a) : NULL;
    case ns_t_aaaa:
        return len == 16 && inet_ntop(AF_INET6, d, a, sizeof a) ? xstrdup(a) : NULL;
    case ns_t_cname:
    case ns_t_ns:
    case ns_t_ptr:
        return dn_expand(base, end, d, n1, sizeof n1) > 0 ? xstrdup(n1) : NULL;
    case ns_t_mx:
        if (len < 3 || dn_expand(base, end, d + 2, n1, sizeof n1) < 0)
            return NULL;
        return xasprintf("%u %s", (unsigned)(d[0] << 8 | d[1]), n1);
    case ns_t_srv:
        if (len < 7 || dn_expand(base, end, d + 6, n1, sizeof n1) < 0)
            return NULL;
        return xasprintf("%u %u %u %s", (unsigned)(d[0] << 8 | d[1]), (unsigned)(d[2] << 8 | d[3]),
                         (unsigned)(d[4] << 8 | d[5]), n1);
    case ns_t_soa: {
        int l1 = dn_expand(base, end, d, n1, sizeof n1);
        if (l1 < 0 || dn_expand(base, end, d + l1, n2, sizeof n2) < 0)
            return NULL;
        return xasprintf("%s %s", n1, n2);
    }
    case ns_t_txt: { /* character-strings, joined */
        strbuf b = {0};
        for (size_t i = 0; i < len;) {
            size_t l = d[i++];
            if (l > len - i)
                l = len - i;
            char *p = printable((const char *)d + i, l, 512);
            sb_append(&b, p);
            free(p);
            i += l;
        }
        return sb_steal(&b);
    }
    default:
        return NULL;
    }
}

/* An answer as given, or (MX, SRV) its host part, equal to an expected one,
 * case and a final dot aside. */
static bool dns_matches(const char *answer, const char *want)
{
    size_t la = strlen(answer), lw = strlen(want);
    if (lw && want[lw - 1] == '.')
        lw--;
    if (la == lw && !strncasecmp(answer, want, lw))
        return true;
    const char *sp = strrchr(answer, ' ');
    return sp && strlen(sp + 1) == lw && !strncasecmp(sp + 1, want, lw);
}

static const char *dns_rcode_name(int rcode)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
    return rcode >= 0 && (size_t)rcode < ARRAY_SIZE(names) ? names[rcode] : "an error";
}

/* Judges the answer. */
static void dns_verdict(probe_run *run, const dns_cfg *cfg, const uint8_t *ans, int len, const dns_server *s,
                        bool tcp, usec_t took)
{
    const char *type = dns_type_names[cfg->record];
    ns_msg msg;
    if (ns_initparse(ans, len, &msg) < 0) {
        probe_fail(run, "%s sent an answer that does not parse", s->text);
        return;
    }
    int rcode = ns_msg_getflag(msg, ns_f_rcode);
    if (rcode == ns_r_nxdomain) {
        probe_fail(run, "%s: no such domain (NXDOMAIN from %s)", cfg->qname, s->text);
        return;
    }
    if (rcode != ns_r_noerror) {
        probe_fail(run, "%s answered %s (rcode %d) for %s %s", s->text, dns_rcode_name(rcode), rcode, cfg->qname,
                   type);
        return;
    }
    metric m = {.value = (double)took / USEC_PER_SEC, .uom = "s", .has_min = true, .min = 0};
    probe_set_metric(run, &m);
    strv answers = {0};
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
            break;
        if ((int)ns_rr_type(rr) != dns_types[cfg->record] || ns_rr_class(rr) != ns_c_in)
            continue;
        char *t = dns_rr_text(&msg, &rr);
        if (t)
            strv_push(&answers, t);
    }
    _cleanup_free_ char *list = strv_join(&answers, ", ");
    _cleanup_free_ char *ms = xasprintf("%sin %.1fms", tcp ? "over TCP " : "", (double)took / USEC_PER_MSEC);
    if (!answers.n) {
        probe_fail(run, "%s has no %s record (answer from %s)", cfg->qname, type, s->text);
    } else if (cfg->expect.n) {
        bool found = false;
        for (size_t i = 0; i < answers.n && !found; i++)
            for (size_t k = 0; k < cfg->expect.n && !found; k++)
                found = dns_matches(answers.v[i], cfg->expect.v[k]);
        _cleanup_free_ char *want = strv_join(&cfg->expect, ", ");
        if (found)
            probe_ok(run, "%s %s %s (from %s %s)", cfg->qname, type, list, s->text, ms);
        else
            probe_fail(run, "%s %s is %s, expected %s%s (from %s)", cfg->qname, type, list,
                       cfg->expect.n > 1 ? "one of " : "", want, s->text);
    } else {
        probe_ok(run, "%s %s %s (from %s %s)", cfg->qname, type, list, s->text, ms);
    }
    strv_free(&answers);
}

static void dns_run(probe_run *run)
{
    const dns_cfg *cfg = run->probe->cfg;
    char err[512] = "";
    uint8_t query[NS_PACKETSZ];
    uint8_t *ans = NULL;
    dns_server servers[MAXNS];
    size_t n = 0;
    struct __res_state *res = xcalloc(1, sizeof *res);
    bool inited = res_ninit(res) == 0;
    if (!inited) {
        probe_fail(run, "cannot initialise the resolver library");
        goto out;
    }
    if (dns_servers(cfg, res, servers, &n, err, sizeof err) < 0) {
        probe_fail(run, "%s", err);
        goto out;
    }
    int qlen = res_nmkquery(res, ns_o_query, cfg->qname, ns_c_in, dns_types[cfg->record], NULL, 0, NULL, query,
                            sizeof query);
    if (qlen < 0) {
        probe_fail(run, "cannot build a query for '%s' (not a valid domain name?)", cfg->qname);
        goto out;
    }
    ans = xmalloc(DNS_PACKET_MAX);
    /* Each server gets an equal share of the time left. */
    for (size_t i = 0; i < n; i++) {
        usec_t start = now_mono();
        usec_t until = i + 1 == n ? run->deadline : start + (run->deadline - start) / (usec_t)(n - i);
        bool tcp = false;
        int len = dns_query_udp(&servers[i], query, qlen, ans, until, &tcp, err, sizeof err);
        if (len > 0) {
            dns_verdict(run, cfg, ans, len, &servers[i], tcp, now_mono() - start);
            goto out;
        }
        if (len == -ETIMEDOUT)
            snprintf(err, sizeof err, "no answer from %s", servers[i].text);
    }
    if (now_mono() >= run->deadline) {
        char *what = xasprintf("waiting for an answer from %s", n == 1 ? servers[0].text : "the name servers");
        probe_timeout(run, what);
        free(what);
    } else {
        probe_fail(run, "%s", err);
    }
out:
    free(ans);
    if (inited)
        res_nclose(res);
    free(res);
}

const probe_kind probe_dns = {
    .type = "dns",
    .cfg_size = sizeof(dns_cfg),
    .keys = dns_keys,
    .check = dns_check,
    .default_name = dns_name,
    .run = dns_run,
    .free_cfg = dns_free_cfg,
};
