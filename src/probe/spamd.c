/* spamd.c: the `spamd` probe: "PING SPAMC/1.5" answered "SPAMD/1.x 0 PONG",
 * over TCP (783) or a unix socket (`path`). */
#include "pingpong.h"

static void spamd_run(probe_run *run)
{
    /* Protocol 1.5 wants headers after the request line: none, then a blank line. */
    pingpong_run(run, "PING SPAMC/1.5\r\n\r\n", "^SPAMD/1\\.[0-9]+ 0 PONG", "SPAMD/1.x 0 PONG");
}

const probe_kind probe_spamd = {
    .type = "spamd",
    .flags = PROBE_NET,
    .default_port = 783,
    .cfg_size = sizeof(pingpong_cfg),
    .keys = pingpong_keys,
    .check = pingpong_check,
    .default_name = pingpong_name,
    .run = spamd_run,
};
