/* process.c: the implicit probe of a service's `pidfile` and `process` keys:
 * the PID in the pidfile is alive (and is that program), or such a process
 * exists. A program matches by comm, by the base name of its executable or of
 * its argv[0]. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
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

/* The start of /proc/PID/WHAT in one read(): a scan makes three of these per
 * process, and on a busy host the system calls are most of its cost. Returns
 * the bytes read or -1. */
static ssize_t proc_read_head(pid_t pid, const char *what, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -1;
    ssize_t n;
    do
        n = read(fd, buf, size);
    while (n < 0 && errno == EINTR);
    close(fd);
    return n;
}

static const char *base_name(const char *s)
{
    const char *b = strrchr(s, '/');
    return b ? b + 1 : s;
}

/* What a program is known by: comm, the base name of its executable, the base
 * name of its argv[0] (each NULL where unreadable). */
typedef struct proc_info {
    pid_t pid;
    char *comm, *exe, *arg0;
} proc_info;

static void proc_info_clear(proc_info *pi)
{
    free(pi->comm);
    free(pi->exe);
    free(pi->arg0);
    *pi = (proc_info){0};
}

static void proc_info_read(pid_t pid, proc_info *ret)
{
    *ret = (proc_info){.pid = pid};
    char buf[4096];
    ssize_t n = proc_read_head(pid, "comm", buf, 257);
    if (n >= 0 && n <= 256) {
        ret->comm = xstrndup(buf, (size_t)n);
        ret->comm[strcspn(ret->comm, "\n")] = '\0';
    }
    char path[64], exe[PATH_MAX];
    snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
    n = readlink(path, exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *del = strstr(exe, " (deleted)");
        if (del)
            *del = '\0';
        ret->exe = xstrdup(base_name(exe));
    }
    /* argv[0] ends at the first NUL; some daemons rewrite it with spaces. */
    n = proc_read_head(pid, "cmdline", buf, sizeof buf);
    size_t len = 0;
    while (n > 0 && len < (size_t)n && buf[len] != '\0' && buf[len] != ' ' && buf[len] != ':')
        len++;
    char *arg0 = NULL;
    if (n > 0 && len == sizeof buf) {
        /* A longer argv[0] than one read gave: read it all. */
        arg0 = proc_read(pid, "cmdline", 64 * 1024);
        if (arg0)
            arg0[strcspn(arg0, " :")] = '\0';
    } else if (n > 0)
        arg0 = xstrndup(buf, len);
    if (arg0 && *arg0)
        ret->arg0 = xstrdup(base_name(arg0));
    free(arg0);
}

static bool proc_info_is(const proc_info *pi, const char *name)
{
    /* comm is cut at 15 characters. */
    if (pi->comm && (!strcmp(pi->comm, name) || (strlen(pi->comm) == 15 && !strncmp(pi->comm, name, 15))))
        return true;
    return (pi->exe && !strcmp(pi->exe, name)) || (pi->arg0 && !strcmp(pi->arg0, name));
}

/* Whether pid runs program name. Sets *ret_comm to its comm for messages. */
static bool process_is(pid_t pid, const char *name, char **ret_comm)
{
    proc_info pi;
    proc_info_read(pid, &pi);
    bool match = proc_info_is(&pi, name);
    if (ret_comm) {
        *ret_comm = pi.comm;
        pi.comm = NULL;
    }
    proc_info_clear(&pi);
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

/* One look at /proc, shared by the process probes of a batch (probe.h):
 * each scan reads three files per process, which is most of a run's system
 * time on a busy host. A probe uses the last scan only if it began after the
 * probe's batch did, so the re-probe after a restart (a batch of its own)
 * always looks again. The last scan is kept until the next one. */
static struct {
    pthread_mutex_t lock;
    proc_info *v;
    size_t n;
    usec_t began; /* monotonic; 0: none yet */
} proc_scan = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Called with proc_scan.lock held. */
static int proc_scan_refresh(void)
{
    usec_t began = now_mono();
    proc_scan.began = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    for (size_t i = 0; i < proc_scan.n; i++)
        proc_info_clear(&proc_scan.v[i]);
    proc_scan.n = 0;
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || pid > INT_MAX)
            continue;
        if (proc_scan.n == cap) {
            cap = cap ? 2 * cap : 256;
            proc_scan.v = xrealloc(proc_scan.v, cap * sizeof *proc_scan.v);
        }
        proc_info_read((pid_t)pid, &proc_scan.v[proc_scan.n++]);
    }
    closedir(d);
    proc_scan.began = began;
    return 0;
}

static void check_process(probe_run *run, const service *s)
{
    long found = 0;
    size_t count = 0;
    pthread_mutex_lock(&proc_scan.lock);
    int r = proc_scan.began && proc_scan.began >= run->batch_started ? 0 : proc_scan_refresh();
    for (size_t i = 0; r == 0 && i < proc_scan.n; i++) {
        const proc_info *pi = &proc_scan.v[i];
        if (proc_info_is(pi, s->process) && pid_alive(pi->pid)) {
            if (!found)
                found = pi->pid;
            count++;
        }
    }
    pthread_mutex_unlock(&proc_scan.lock);
    if (r < 0) {
        char *e = strerror_lower(-r);
        probe_fail(run, "cannot read /proc: %s", e);
        free(e);
    } else if (!found)
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
