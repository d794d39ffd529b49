/* precond.h: the preconditions of a run (SPEC §5) besides the disabled flag
 * and the run lock: booting, load, the package manager's lock. */
#pragma once

#include <sys/types.h>

#include "util.h"

/* The package manager's locks, in the order they are checked. */
#define PRECOND_DPKG_LOCKS {"/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock"}

/* True while the system boots: /run/nologin exists or systemd's SystemState is
 * "initializing" or "starting". *ret_why says which. */
bool precond_booting(char **ret_why);

/* True when the 1-minute load is above limit (<0: twice the CPU count; 0:
 * never). *ret_why: "load 7.20 is above 4.00". */
bool precond_load_too_high(double limit, char **ret_why);

/* Whether a process holds a write lock (fcntl, as dpkg and apt take it) on
 * path: 1 and *ret_pid (-1 for an open-file-description lock), 0 when not,
 * negative errno when path cannot be opened (-ENOENT: no such file). */
int precond_file_locked(const char *path, pid_t *ret_pid);

/* True when the package manager holds one of its locks; *ret_why names it. */
bool precond_package_manager_busy(char **ret_why);
