/* ftp.c: the `ftp` probe: 220 greeting, NOOP answered 2xx, QUIT; implicit TLS,
 * or AUTH TLS (RFC 4217) right after the greeting and NOOP over TLS. The
 * session is reply.c's. */
#include "reply.h"

static const reply_proto ftp_proto = {
    REPLY_CODE, "220", "NOOP", false, "2", "AUTH TLS", "234", false, REPLY_AFTER_TLS_HELLO, "QUIT", "2", true,
};

static void ftp_run(probe_run *run)
{
    reply_session_run(run, &ftp_proto);
}

/* tls: implicit without a port: 990, IANA's ftps port. */
static int ftp_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    (void)c;
    (void)node;
    return reply_implicit_port(p, 990);
}

const probe_kind probe_ftp = {
    .type = "ftp",
    .flags = PROBE_NET | PROBE_TLS | PROBE_STARTTLS,
    .default_port = 21,
    .check = ftp_check,
    .run = ftp_run,
};
