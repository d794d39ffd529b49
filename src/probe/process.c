/* process.c: the implicit probe of a service's `pidfile` and `process` keys:
 * the PID in the pidfile is alive (and is that program), or such a process
 * exists. A program matches by comm, by the base name of its executable or of
 * its argv[0]. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <string.h>

#include "config.h"
#include "probe.h"

static char *proc_read(pid_t pid, const char *what, size_t max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
    char *s = NULL;
    if (read_small_file(path, max, &s) < 0)
        return NULL;
    return s;
}

static const char *base_name(const char *s)
{
    const char *b = strrchr(s, '/');
    return b ? b + 1 : s;
}

/* Whether pid runs program name. Sets *ret_comm to its comm for messages. */
static bool process_is(pid_t pid, const char *name, char **ret_comm)
{
    bool match = false;
    char *comm = proc_read(pid, "comm", 256);
    if (comm) {
        comm[strcspn(comm, "\n")] = '\0';
        /* comm is cut at 15 characters. */
        if (!strcmp(comm, name) || (strlen(comm) == 15 && !strncmp(comm, name, 15)))
            match = true;
    }
    if (!match) {
        char path[64], exe[PATH_MAX];
        snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
        ssize_t n = readlink(path, exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = '\0';
            char *del = strstr(exe, " (deleted)");
            if (del)
                *del = '\0';
            match = !strcmp(base_name(exe), name);
        }
    }
    if (!match) {
        char *cmdline = proc_read(pid, "cmdline", 64 * 1024);
        if (cmdline) {
            /* argv[0] ends at the first NUL; some daemons rewrite it with spaces. */
            char *arg0 = cmdline;
            arg0[strcspn(arg0, " :")] = '\0';
            match = *arg0 && !strcmp(base_name(arg0), name);
            free(cmdline);
        }
    }
    if (ret_comm)
        *ret_comm = comm;
    else
        free(comm);
    return match;
}

static bool pid_alive(pid_t pid)
{
    if (kill(pid, 0) == 0 || errno == EPERM) {
        /* A zombie is not alive for our purpose. */
        char *stat = proc_read(pid, "stat", 4096);
        if (stat) {
            char *rp = strrchr(stat, ')');
            bool zombie = rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
            free(stat);
            return !zombie;
        }
        return true;
    }
    return false;
}

static void check_pidfile(probe_run *run, const service *s)
{
    char *text = NULL;
    int r = read_small_file(s->pidfile, 4096, &text);
    if (r < 0) {
        char *e = strerror_lower(-r);
        probe_fail(run, "cannot read: %s", e);
        free(e);
        return;
    }
    char *p = text, *end;
    while (isspace((unsigned char)*p))
        p++;
    errno = 0;
    long pid = strtol(p, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || end == p || *end || pid <= 0 || pid > INT_MAX) {
        char *shown = printable(text, strlen(text), 40);
        probe_fail(run, "does not hold a PID (\"%s\")", shown);
        free(shown);
        free(text);
        return;
    }
    free(text);
    if (!pid_alive((pid_t)pid)) {
        probe_fail(run, "PID %ld is not running", pid);
        return;
    }
    if (s->process) {
        char *comm = NULL;
        if (!process_is((pid_t)pid, s->process, &comm)) {
            probe_fail(run, "PID %ld is %s, not %s", pid, comm ? comm : "another program", s->process);
            free(comm);
            return;
        }
        free(comm);
    }
    probe_ok(run, "PID %ld is running", pid);
}

static void check_process(probe_run *run, const service *s)
{
    DIR *d = opendir("/proc");
    if (!d) {
        char *e = strerror_lower(errno);
        probe_fail(run, "cannot read /proc: %s", e);
        free(e);
        return;
    }
    struct dirent *de;
    long found = 0;
    size_t count = 0;
    while ((de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        if (process_is((pid_t)pid, s->process, NULL) && pid_alive((pid_t)pid)) {
            if (!found)
                found = pid;
            count++;
        }
    }
    closedir(d);
    if (!found)
        probe_fail(run, "no such process is running");
    else
        probe_ok(run, "%zu running (PID %ld)", count, found);
}

static void process_run(probe_run *run)
{
    const service *s = run->probe->service;
    if (s->pidfile)
        check_pidfile(run, s);
    else
        check_process(run, s);
}

const probe_kind probe_process = {
    .type = "process",
    .flags = PROBE_INTERNAL,
    .run = process_run,
};
