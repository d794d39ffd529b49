/* imap.c: the `imap` probe: "* OK" greeting, CAPABILITY answered OK
 * (STARTTLS and CAPABILITY again when asked), LOGOUT; see reply.c. */
#include "reply.h"

static const reply_proto imap_proto = {
    REPLY_TAGGED, "* OK", "CAPABILITY", false, "OK", "STARTTLS", "OK", true, REPLY_AFTER_TLS_HELLO, "LOGOUT", "OK",
};

/* tls: implicit without a port: 993, imaps. */
static int imap_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    (void)c;
    (void)node;
    return reply_implicit_port(p, 993);
}

static void imap_run(probe_run *run)
{
    reply_session_run(run, &imap_proto);
}

const probe_kind probe_imap = {
    .type = "imap",
    .flags = PROBE_NET | PROBE_TLS | PROBE_STARTTLS,
    .default_port = 143,
    .check = imap_check,
    .run = imap_run,
};
