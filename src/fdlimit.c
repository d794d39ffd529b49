/* fdlimit.c: caps the probes run at once by the file-descriptor limit. */
#include "fdlimit.h"

#include <sys/resource.h>

size_t fdlimit_parallel(size_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return want;
    rlim_t need = (rlim_t)want * FDLIMIT_PER_PROBE + FDLIMIT_RESERVE;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        /* Raise the soft limit as far as needed and allowed. */
        struct rlimit raised = rl;
        raised.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return want;
    size_t fit = rl.rlim_cur > FDLIMIT_RESERVE ? (size_t)(rl.rlim_cur - FDLIMIT_RESERVE) / FDLIMIT_PER_PROBE : 0;
    return fit > 0 ? fit : 1;
}
