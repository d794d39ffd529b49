/* remedy.h: remediation (SPEC §4): restart or start the units of FAILED
 * services in dependency order and probe them again; stop the active units of
 * services that are not needed. Amends the results; counts restarts in the
 * state. */
#pragma once

#include "run.h"
#include "state.h"

typedef struct remedy_opts {
    bool dry_run;          /* say what would be done, touch nothing */
    const char *hold;      /* touch nothing, and say why ("package manager is running"); NULL: go ahead */
    /* Where the state is saved as soon as a restart or start is counted,
     * before the job is sent: a run stopped while it waits for the job (a
     * signal, a kill) still leaves the restart counted for restart-limit.
     * NULL: only the caller saves. */
    const char *state_path;
} remedy_opts;

void remedy_run(run_ctx *ctx, state *st, const remedy_opts *o);
