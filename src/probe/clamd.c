/* clamd.c: the `clamd` probe: "nPING" answered "PONG", over TCP (3310) or a
 * unix socket (`path`). The n prefix asks clamd for a newline-ended reply. */
#include "pingpong.h"

static void clamd_run(probe_run *run)
{
    pingpong_run(run, "nPING\n", "^PONG$", "PONG");
}

const probe_kind probe_clamd = {
    .type = "clamd",
    .flags = PROBE_NET,
    .default_port = 3310,
    .cfg_size = sizeof(pingpong_cfg),
    .keys = pingpong_keys,
    .check = pingpong_check,
    .default_name = pingpong_name,
    .run = clamd_run,
};
