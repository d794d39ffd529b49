/* scheduler.h: runs probes in parallel, at most `parallel` at once, the whole batch
 * bounded by the run deadline. */
#pragma once

#include "probe.h"

typedef struct sched_job {
    const probe *probe;
    probe_result *result;
} sched_job;

/* Called from the calling thread, with the pool locked: keep it short.
 * finished[i] tells whether jobs[i] is done. */
typedef void (*sched_progress_fn)(const bool *finished, size_t done, size_t total, void *userdata);

/* Runs every job; returns when all are done, or shortly after run_deadline,
 * when the unfinished ones are marked failed ("run deadline reached").
 * Returns the number of jobs cut short by the deadline. */
size_t sched_run(sched_job *jobs, size_t n, int parallel, usec_t run_deadline,
                 sched_progress_fn progress, void *userdata);
