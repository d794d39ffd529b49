/* ping.c: the `ping` probe: ICMP echo over IPv4 or IPv6 (a datagram socket
 * where net.ipv4.ping_group_range allows it, else a raw socket as root),
 * round-trip time and loss against warning and critical thresholds. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

#include "probe.h"

#define PING_COUNT_DEFAULT 3
#define PING_COUNT_MAX 100
/* Echo requests are this far apart (ping's minimum for users), and closer
 * when the timeout asks for it. */
#define PING_INTERVAL (200 * USEC_PER_MSEC)

typedef struct ping_limits {
    usec_t rtt;
    double loss;
    bool rtt_set, loss_set;
} ping_limits;

typedef struct ping_cfg {
    char *host;
    int count;
    bool count_set;
    ping_limits warn, crit;
} ping_cfg;

static const conf_key limit_keys[] = {
    {"rtt", CONF_DURATION, offsetof(ping_limits, rtt), NULL, 0, 0, NULL, NULL, offsetof(ping_limits, rtt_set)},
    {"loss", CONF_PERCENT, offsetof(ping_limits, loss), NULL, 0, 0, NULL, NULL, offsetof(ping_limits, loss_set)},
    CONF_END,
};

/* `{rtt: 100ms, loss: 20%}`, either key optional. */
static int parse_limits(conf_ctx *c, yaml_node_t *node, void *field)
{
    ping_limits *l = field;
    if (!node || node->type != YAML_MAPPING_NODE) {
        conf_error(c, node, "expected a map such as {rtt: 100ms, loss: 20%%}, got %s", conf_node_kind(node));
        return -1;
    }
    conf_table t = {limit_keys, l};
    if (conf_map_parse(c, node, &t, 1, NULL))
        return -1;
    if (!l->rtt_set && !l->loss_set) {
        conf_error(c, node, "give 'rtt', 'loss' or both, such as {rtt: 100ms, loss: 20%%}");
        return -1;
    }
    return 0;
}

static const conf_key ping_keys[] = {
    {"host", CONF_STRING, offsetof(ping_cfg, host), NULL, 0, 0, NULL, NULL, 0},
    {"count", CONF_INT, offsetof(ping_cfg, count), NULL, 1, PING_COUNT_MAX, NULL, NULL, offsetof(ping_cfg, count_set)},
    {"warn", CONF_CUSTOM, offsetof(ping_cfg, warn), NULL, 0, 0, parse_limits, NULL, 0},
    {"crit", CONF_CUSTOM, offsetof(ping_cfg, crit), NULL, 0, 0, parse_limits, NULL, 0},
    CONF_END,
};

static int ping_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    ping_cfg *cfg = p->cfg;
    if (!cfg->count_set)
        cfg->count = PING_COUNT_DEFAULT;
    if (cfg->host && !*cfg->host) {
        conf_error(c, conf_map_get(c, node, "host"), "host must not be empty");
        return -1;
    }
    if (cfg->warn.rtt_set && cfg->crit.rtt_set && cfg->warn.rtt > cfg->crit.rtt) {
        conf_error(c, conf_map_get(c, node, "warn"), "warn rtt is above crit rtt: the warning would never show");
        return -1;
    }
    if (cfg->warn.loss_set && cfg->crit.loss_set && cfg->warn.loss > cfg->crit.loss) {
        conf_error(c, conf_map_get(c, node, "warn"), "warn loss is above crit loss: the warning would never show");
        return -1;
    }
    return 0;
}

static const char *ping_host(const ping_cfg *cfg)
{
    return cfg->host ? cfg->host : "localhost";
}

static char *ping_name(const probe *p)
{
    return xasprintf("ping %s", ping_host(p->cfg));
}

/* The echo request: type, code, checksum, id, sequence, then our token. */
typedef struct ping_packet {
    uint8_t type, code;
    uint16_t cksum, id, seq;
    uint64_t token;
    uint8_t pad[8];
} __attribute__((packed)) ping_packet;

static uint16_t ping_checksum(const void *data, size_t n)
{
    const uint8_t *b = data;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1)
        sum += (uint32_t)b[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

typedef struct ping_state {
    int fd;
    bool raw, v6;
    uint16_t id; /* raw sockets see every reply: ours carry this id */
    uint64_t token;
    struct sockaddr_storage to;
    socklen_t to_len;
    usec_t *sent;   /* per sequence number; 0: not sent */
    bool *got;
    int received;
    usec_t rtt_sum, rtt_min, rtt_max;
} ping_state;

/* A datagram socket first (no privilege needed where ping_group_range allows
 * it), a raw one otherwise. */
static int ping_open(ping_state *s, char *err, size_t errlen)
{
    int family = s->v6 ? AF_INET6 : AF_INET, proto = s->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
    s->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (s->fd >= 0)
        return 0;
    int dgram_err = errno;
    s->fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (s->fd >= 0) {
        s->raw = true;
        return 0;
    }
    int raw_err = errno;
    char b1[64], b2[64];
    snprintf(err, errlen,
             "cannot open an ICMP socket: datagram socket: %s (see net.ipv4.ping_group_range); raw socket: %s "
             "(needs root)",
             strerror_r(dgram_err, b1, sizeof b1), strerror_r(raw_err, b2, sizeof b2));
    return -1;
}

static int ping_send(ping_state *s, int seq)
{
    ping_packet pk = {.type = s->v6 ? 128 : 8, .id = htons(s->id), .seq = htons((uint16_t)seq), .token = s->token};
    if (!s->v6)
        pk.cksum = ping_checksum(&pk, sizeof pk); /* ICMPv6: the kernel does it */
    s->sent[seq] = now_mono();
    if (sendto(s->fd, &pk, sizeof pk, 0, (struct sockaddr *)&s->to, s->to_len) < 0)
        return -errno;
    return 0;
}

static bool same_host(const ping_state *s, const struct sockaddr_storage *from)
{
    if (s->v6)
        return from->ss_family == AF_INET6 &&
               !memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
                       &((const struct sockaddr_in6 *)&s->to)->sin6_addr, sizeof(struct in6_addr));
    return from->ss_family == AF_INET &&
           ((const struct sockaddr_in *)from)->sin_addr.s_addr == ((const struct sockaddr_in *)&s->to)->sin_addr.s_addr;
}

/* Reads what is queued; counts our echo replies. */
static void ping_receive(ping_state *s, int count)
{
    uint8_t buf[1024];
    for (;;) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(s->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return; /* EAGAIN, or an error queued for a datagram we sent */
        usec_t now = now_mono();
        const uint8_t *p = buf;
        size_t len = (size_t)n;
        if (s->raw && !s->v6) { /* raw IPv4 delivers the IP header too */
            size_t ihl = len ? (size_t)(p[0] & 0x0f) * 4 : 0;
            if (ihl < 20 || ihl > len)
                continue;
            p += ihl;
            len -= ihl;
        }
        ping_packet pk;
        if (len < sizeof pk || !same_host(s, &from))
            continue;
        memcpy(&pk, p, sizeof pk);
        if (pk.type != (s->v6 ? 129 : 0) || pk.code != 0 || pk.token != s->token)
            continue;
        if (s->raw && ntohs(pk.id) != s->id)
            continue;
        int seq = ntohs(pk.seq);
        if (seq >= count || !s->sent[seq] || s->got[seq])
            continue;
        s->got[seq] = true;
        usec_t rtt = now - s->sent[seq];
        s->received++;
        s->rtt_sum += rtt;
        if (s->received == 1 || rtt < s->rtt_min)
            s->rtt_min = rtt;
        if (rtt > s->rtt_max)
            s->rtt_max = rtt;
    }
}

static int ping_resolve(ping_state *s, const char *host, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *res = NULL;
    int r = getaddrinfo(host, NULL, &hints, &res);
    if (r != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(r));
        return -1;
    }
    memcpy(&s->to, res->ai_addr, res->ai_addrlen);
    s->to_len = res->ai_addrlen;
    s->v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

static double ms(usec_t u)
{
    return (double)u / USEC_PER_MSEC;
}

/* "rtt 12.3ms at or above 10ms" / "40% loss at or above 20%" for what crosses l. */
static char *ping_crossed(const ping_limits *l, usec_t avg, double loss, const char *level)
{
    strv parts = {0};
    if (l->loss_set && loss >= l->loss)
        strv_push(&parts, xasprintf("%.0f%% loss at or above %s %g%%", loss, level, l->loss));
    if (l->rtt_set && avg >= l->rtt)
        strv_push(&parts, xasprintf("rtt %.3fms at or above %s %.3gms", ms(avg), level, ms(l->rtt)));
    char *r = parts.n ? strv_join(&parts, ", ") : NULL;
    strv_free(&parts);
    return r;
}

/* The verdict once the replies are in. */
static void ping_judge(probe_run *run, const ping_cfg *cfg, const ping_state *s, int sent, const char *addr)
{
    double loss = (double)(sent - s->received) * 100.0 / sent;
    const char *how = s->raw ? "raw socket" : "datagram socket";
    if (!s->received) {
        probe_fail(run, "no reply from %s: %d sent, 100%% loss (%s)", addr, sent, how);
        return;
    }
    usec_t avg = s->rtt_sum / s->received;
    metric m = {.value = ms(avg), .uom = "ms", .has_warn = cfg->warn.rtt_set, .warn = ms(cfg->warn.rtt),
                .has_crit = cfg->crit.rtt_set, .crit = ms(cfg->crit.rtt), .has_min = true, .min = 0};
    probe_set_metric(run, &m);
    _cleanup_free_ char *seen = xasprintf("%d/%d replies from %s, rtt min/avg/max %.3f/%.3f/%.3f ms, %.0f%% loss (%s)",
                                          s->received, sent, addr, ms(s->rtt_min), ms(avg), ms(s->rtt_max), loss, how);
    _cleanup_free_ char *crit = ping_crossed(&cfg->crit, avg, loss, "critical");
    _cleanup_free_ char *warn = crit ? NULL : ping_crossed(&cfg->warn, avg, loss, "warning");
    if (crit)
        probe_fail(run, "%s: %s", crit, seen);
    else if (warn)
        probe_warn(run, "%s: %s", warn, seen);
    else
        probe_ok(run, "%s", seen);
}

static void ping_run(probe_run *run)
{
    const ping_cfg *cfg = run->probe->cfg;
    static atomic_uint next_id;
    char err[256], addr[INET6_ADDRSTRLEN] = "?";
    ping_state s = {.fd = -1};
    if (ping_resolve(&s, ping_host(cfg), err, sizeof err) < 0 || ping_open(&s, err, sizeof err) < 0) {
        probe_fail(run, "%s", err);
        goto out;
    }
    if (s.v6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&s.to)->sin6_addr, addr, sizeof addr);
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&s.to)->sin_addr, addr, sizeof addr);
    s.id = (uint16_t)(((unsigned)getpid() << 4) ^ atomic_fetch_add(&next_id, 1));
    s.token = ((uint64_t)now_wall() << 16) ^ (uint64_t)now_mono() ^ ((uint64_t)s.id << 48);
    s.sent = xcalloc((size_t)cfg->count, sizeof *s.sent);
    s.got = xcalloc((size_t)cfg->count, sizeof *s.got);

    usec_t start = now_mono();
    usec_t interval = usec_min(PING_INTERVAL, (run->deadline - start) / (cfg->count + 1));
    int sent = 0;
    while (s.received < cfg->count) {
        usec_t now = now_mono();
        if (now >= run->deadline)
            break;
        if (sent < cfg->count && now >= start + sent * interval) {
            int r = ping_send(&s, sent);
            if (r < 0) {
                char buf[128];
                probe_fail(run, "cannot send an echo request to %s: %s", addr, strerror_r(-r, buf, sizeof buf));
                goto out;
            }
            sent++;
            continue;
        }
        usec_t until = sent < cfg->count ? usec_min(start + sent * interval, run->deadline) : run->deadline;
        struct pollfd pf = {.fd = s.fd, .events = POLLIN};
        usec_t wait = until - now;
        int r = poll(&pf, 1, (int)((wait + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
        if (r < 0 && errno != EINTR) {
            char buf[128];
            probe_fail(run, "waiting for replies from %s: %s", addr, strerror_r(errno, buf, sizeof buf));
            goto out;
        }
        if (r > 0)
            ping_receive(&s, cfg->count);
    }
    if (sent == 0) {
        probe_timeout(run, "before the first echo request");
        goto out;
    }
    ping_judge(run, cfg, &s, sent, addr);
out:
    if (s.fd >= 0)
        close(s.fd);
    free(s.sent);
    free(s.got);
}

const probe_kind probe_ping = {
    .type = "ping",
    .flags = PROBE_NO_RETRY,
    .cfg_size = sizeof(ping_cfg),
    .keys = ping_keys,
    .check = ping_check,
    .default_name = ping_name,
    .run = ping_run,
};
