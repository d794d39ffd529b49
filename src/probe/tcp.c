/* tcp.c: the `tcp` probe: connect (optionally with implicit TLS), then an
 * optional send/expect dialogue. */
#include <string.h>

#include "net.h"

typedef struct tcp_cfg {
    dialogue dialogue;
} tcp_cfg;

static const conf_key tcp_keys[] = {
    {"dialogue", CONF_CUSTOM, offsetof(tcp_cfg, dialogue), NULL, 0, 0, dialogue_parse, dialogue_free, 0},
    {"expect", CONF_CUSTOM, offsetof(tcp_cfg, dialogue), NULL, 0, 0, dialogue_parse_expect, NULL, 0},
    CONF_END,
};

static int tcp_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    if (!p->port) {
        conf_error(c, node, "tcp probe needs a 'port'");
        return -1;
    }
    return 0;
}

static void tcp_run(probe_run *run)
{
    const probe *p = run->probe;
    const tcp_cfg *cfg = p->cfg;
    conn c;
    if (conn_open_tcp(&c, probe_host(p), probe_port(p), p->tls == TLS_IMPLICIT, p->verify, run->deadline) < 0) {
        conn_fail(run, &c, NULL);
        conn_close(&c);
        return;
    }
    if (p->tls == TLS_IMPLICIT && probe_check_cert_expiry(run, c.cert_not_after, NULL)) {
        conn_close(&c);
        return;
    }
    if (dialogue_run(run, &c, &cfg->dialogue) == 0)
        probe_ok(run, cfg->dialogue.n ? "dialogue completed" : "connected");
    conn_close(&c);
}

const probe_kind probe_tcp = {
    .type = "tcp",
    .flags = PROBE_NET | PROBE_TLS,
    .cfg_size = sizeof(tcp_cfg),
    .keys = tcp_keys,
    .check = tcp_check,
    .run = tcp_run,
};
