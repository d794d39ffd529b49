/* pop3.c: the `pop3` probe: "+OK" greeting (STLS when asked), QUIT answered
 * "+OK"; see reply.c. */
#include "reply.h"

/* No hello: POP3 has no capability step a probe needs; STLS says for itself. */
static const reply_proto pop3_proto = {
    REPLY_LINE, "+OK", NULL, false, NULL, "STLS", "+OK", false, REPLY_AFTER_TLS_NOTHING, "QUIT", "+OK",
};

/* tls: implicit without a port: 995, pop3s. */
static int pop3_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    (void)c;
    (void)node;
    return reply_implicit_port(p, 995);
}

static void pop3_run(probe_run *run)
{
    reply_session_run(run, &pop3_proto);
}

const probe_kind probe_pop3 = {
    .type = "pop3",
    .flags = PROBE_NET | PROBE_TLS | PROBE_STARTTLS,
    .default_port = 110,
    .check = pop3_check,
    .run = pop3_run,
};
