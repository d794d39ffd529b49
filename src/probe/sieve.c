/* sieve.c: the `sieve` probe (ManageSieve, RFC 5804): capability lines and an
 * "OK" greeting (STARTTLS, then the greeting again, when asked), LOGOUT; see
 * reply.c. */
#include "reply.h"

static const reply_proto sieve_proto = {
    REPLY_SIEVE, "OK", NULL, false, NULL, "STARTTLS", "OK", true, REPLY_AFTER_TLS_GREETING, "LOGOUT", "OK",
};

static void sieve_run(probe_run *run)
{
    reply_session_run(run, &sieve_proto);
}

const probe_kind probe_sieve = {
    .type = "sieve",
    .flags = PROBE_NET | PROBE_TLS | PROBE_STARTTLS,
    .default_port = 4190,
    .run = sieve_run,
};
