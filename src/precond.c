/* precond.c: whether this run should go ahead (booting, load) and whether it
 * may touch units (the package manager's lock). */
#include "precond.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "bus.h"

bool precond_booting(char **ret_why)
{
    struct stat st;
    if (lstat("/run/nologin", &st) == 0) {
        *ret_why = xstrdup("the system is booting (/run/nologin exists)");
        return true;
    }
    sd_bus *bus = NULL;
    char *state = NULL;
    bool booting = false;
    /* No bus, no systemd as init: nothing is booting that we could wait for. */
    if (bus_open(2 * USEC_PER_SEC, &bus, NULL) == 0 && bus_system_state(bus, &state, NULL) == 0 &&
        (!strcmp(state, "initializing") || !strcmp(state, "starting"))) {
        *ret_why = xasprintf("the system is booting (systemd is %s)", state);
        booting = true;
    }
    free(state);
    bus_close(bus);
    return booting;
}

bool precond_load_too_high(double limit, char **ret_why)
{
    if (limit < 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        limit = 2.0 * (double)(cpus > 0 ? cpus : 1);
    }
    if (limit == 0)
        return false;
    double load[1];
    if (getloadavg(load, 1) != 1)
        return false; /* unknown load: do not skip the checks for it */
    if (load[0] <= limit)
        return false;
    *ret_why = xasprintf("load %.2f is above %.2f", load[0], limit);
    return true;
}

int precond_file_locked(const char *path, pid_t *ret_pid)
{
    /* F_GETLK needs no write access and takes no lock, so this never gets in
     * dpkg's way; it sees classic and open-file-description locks alike. */
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_GETLK, &fl) < 0)
        return -errno;
    if (fl.l_type == F_UNLCK)
        return 0;
    *ret_pid = fl.l_pid;
    return 1;
}

bool precond_package_manager_busy(char **ret_why)
{
    static const char *const locks[] = PRECOND_DPKG_LOCKS;
    for (size_t i = 0; i < ARRAY_SIZE(locks); i++) {
        pid_t pid = 0;
        if (precond_file_locked(locks[i], &pid) == 1) {
            if (pid > 0)
                *ret_why = xasprintf("%s is held by PID %d", locks[i], (int)pid);
            else
                *ret_why = xasprintf("%s is held", locks[i]);
            return true;
        }
    }
    return false;
}
