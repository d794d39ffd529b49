/* smtp.c: the `smtp` and `lmtp` probes: 220 greeting, EHLO/LHLO answered 2xx
 * (STARTTLS and the hello again when asked), QUIT; see reply.c. */
#include "reply.h"

/* SMTP and LMTP differ only in the hello verb. */
static const reply_proto smtp_protos[] = {
    {REPLY_CODE, "220", "EHLO", true, "2", "STARTTLS", "220", true, REPLY_AFTER_TLS_HELLO, "QUIT", "2"},
    {REPLY_CODE, "220", "LHLO", true, "2", "STARTTLS", "220", true, REPLY_AFTER_TLS_HELLO, "QUIT", "2"},
};

static void smtp_run(probe_run *run)
{
    reply_session_run(run, &smtp_protos[0]);
}

/* tls: implicit without a port: 465, submissions (RFC 8314). */
static int smtp_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    (void)c;
    (void)node;
    return reply_implicit_port(p, 465);
}

static void lmtp_run(probe_run *run)
{
    reply_session_run(run, &smtp_protos[1]);
}

const probe_kind probe_smtp = {
    .type = "smtp",
    .flags = PROBE_NET | PROBE_TLS | PROBE_STARTTLS,
    .default_port = 25,
    .check = smtp_check,
    .run = smtp_run,
};

const probe_kind probe_lmtp = {
    .type = "lmtp",
    .flags = PROBE_NET | PROBE_TLS | PROBE_STARTTLS,
    .default_port = 24,
    .run = lmtp_run,
};
