/* fdlimit.h: probes at once within the file-descriptor limit. Cron starts
 * jobs with a soft RLIMIT_NOFILE of 1024; a large `parallel` would make
 * probes fail with "too many open files" instead of waiting their turn. */
#pragma once

#include <stddef.h>

#define FDLIMIT_PER_PROBE 4 /* a socket, curl's wakeup pair, a pipe and pidfd... */
#define FDLIMIT_RESERVE 64  /* stdio, the lock, sd-bus, libraries */

/* want, or fewer when the limit would not hold that many probes' descriptors
 * (after raising the soft limit towards the hard one); at least 1. */
size_t fdlimit_parallel(size_t want);
