/* exec.c: the `exec` probe: runs a command (argv, never a shell) in its own
 * process group; exit 0 passes; its first output line is the reason. At the
 * timeout the whole group gets SIGTERM, then SIGKILL. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>

#include "net.h"
#include "signals.h"

extern char **environ;

typedef struct exec_cfg {
    strv command;
} exec_cfg;

static int parse_command(conf_ctx *c, yaml_node_t *node, void *field)
{
    if (!node || node->type != YAML_SEQUENCE_NODE) {
        const char *s = conf_scalar(node);
        if (s && strpbrk(s, " \t")) {
            conf_error(c, node, "'command' must be a list of arguments, e.g. [\"/usr/lib/nagios/plugins/check_x\", "
                                "\"-w\", \"5\"] (no shell is used)");
            return -1;
        }
    }
    if (conf_get_strlist(c, node, field) < 0)
        return -1;
    if (((strv *)field)->n == 0) {
        conf_error(c, node, "'command' must not be empty");
        return -1;
    }
    return 0;
}

static void free_command(void *field)
{
    strv_free(field);
}

static const conf_key exec_keys[] = {
    {"command", CONF_CUSTOM, offsetof(exec_cfg, command), NULL, 0, 0, parse_command, free_command, 0},
    CONF_END,
};

static int exec_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    if (!((exec_cfg *)p->cfg)->command.n) {
        conf_error(c, node, "exec probe needs a 'command'");
        return -1;
    }
    return 0;
}

static char *exec_name(const probe *p)
{
    const char *cmd = ((const exec_cfg *)p->cfg)->command.v[0];
    const char *b = strrchr(cmd, '/');
    return xasprintf("exec %s", b ? b + 1 : cmd);
}

static void kill_group(pid_t pid, int pidfd)
{
    kill(-pid, SIGTERM);
    struct pollfd pf = {.fd = pidfd, .events = POLLIN};
    if (pidfd < 0 || poll(&pf, 1, 200) <= 0)
        kill(-pid, SIGKILL);
    else
        kill(-pid, SIGKILL); /* the leader left; its group may not have */
}

static char *first_line(const char *out, size_t n)
{
    size_t l = 0;
    while (l < n && out[l] != '\n')
        l++;
    if (l > 0 && out[l - 1] == '\r')
        l--;
    return printable(out, l, 512);
}

static void exec_run(probe_run *run)
{
    const exec_cfg *cfg = run->probe->cfg;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        probe_fail(run, "cannot create a pipe: %s", strerror(errno));
        return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    posix_spawnattr_setpgroup(&attr, 0);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    const char *prog = cfg->command.v[0];
    signals_spawn_begin(); /* a stop signal kills the group: see signals.h */
    int r = strchr(prog, '/') ? posix_spawn(&pid, prog, &fa, &attr, cfg->command.v, environ)
                              : posix_spawnp(&pid, prog, &fa, &attr, cfg->command.v, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    signals_spawn_end(r == 0 ? pid : 0);
    close(pipefd[1]);
    if (r != 0) {
        close(pipefd[0]);
        char *e = strerror_lower(r);
        probe_fail(run, "cannot run %s: %s", prog, e);
        free(e);
        return;
    }
    int pidfd = pidfd_open(pid, 0);
    strbuf out = {0};
    bool exited = false, timed_out = false, pipe_open = true;
    int status = 0;
    while (!exited) {
        usec_t left = run->deadline - now_mono();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pf[2] = {{.fd = pipe_open ? pipefd[0] : -1, .events = POLLIN},
                               {.fd = pidfd, .events = POLLIN}};
        int ms = (int)((left + 999) / 1000);
        if (pidfd < 0 && ms > 20)
            ms = 20; /* no pidfd: look at the child now and then */
        int n = poll(pf, 2, ms);
        if (n < 0 && errno != EINTR)
            break;
        if (pipe_open && (pf[0].revents & (POLLIN | POLLHUP))) {
            char buf[4096];
            ssize_t got = read(pipefd[0], buf, sizeof buf);
            if (got > 0 && out.len < NET_READ_MAX)
                sb_appendn(&out, buf, (size_t)got);
            else if (got == 0)
                pipe_open = false;
        }
        if (waitpid(pid, &status, WNOHANG) == pid)
            exited = true;
    }
    if (exited) {
        /* Take what is already in the pipe; do not wait for grandchildren. */
        fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
        char buf[4096];
        ssize_t got;
        while (out.len < NET_READ_MAX && (got = read(pipefd[0], buf, sizeof buf)) > 0)
            sb_appendn(&out, buf, (size_t)got);
        kill(-pid, SIGKILL); /* leftovers of its group */
    } else {
        kill_group(pid, pidfd);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    signals_untrack(pid);
    close(pipefd[0]);
    if (pidfd >= 0)
        close(pidfd);
    char *line = first_line(out.s ? out.s : "", out.len);
    sb_free(&out);
    if (timed_out) {
        probe_timeout(run, "(killed with its process group)");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        probe_ok(run, "%s", *line ? line : "exit status 0");
    } else if (WIFEXITED(status)) {
        if (*line)
            probe_fail(run, "%s", line);
        else
            probe_fail(run, "exit status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        probe_fail(run, "killed by signal %d%s%s", WTERMSIG(status), *line ? ": " : "", line);
    } else
        probe_fail(run, "ended abnormally");
    free(line);
}

const probe_kind probe_exec = {
    .type = "exec",
    .cfg_size = sizeof(exec_cfg),
    .keys = exec_keys,
    .check = exec_check,
    .default_name = exec_name,
    .run = exec_run,
};
