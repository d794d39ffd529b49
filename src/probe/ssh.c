/* ssh.c: the `ssh` probe: the server's identification line is SSH-2.0-... or
 * SSH-1.99-... (RFC 4253 4.2; other lines may come before it). */
#include <errno.h>
#include <string.h>

#include "net.h"

static void ssh_run(probe_run *run)
{
    const probe *p = run->probe;
    conn c;
    char *other = NULL; /* the first line before the identification */
    if (conn_open_tcp(&c, probe_host(p), probe_port(p), false, false, run->deadline) < 0) {
        conn_fail(run, &c, NULL);
        goto out;
    }
    for (;;) {
        const char *line;
        int r = conn_read_line(&c, run->deadline, &line);
        if (r == 1 && startswith(line, "SSH-")) {
            char *id = printable(line, strlen(line), 120);
            if (startswith(line, "SSH-2.0-") || startswith(line, "SSH-1.99-")) {
                /* Answer in kind, as clients do: sshd then logs a plain
                 * "Connection closed [preauth]" rather than a failed key
                 * exchange. Nothing is lost if it cannot be sent. */
                if (conn_write_str(&c, "SSH-2.0-symbiosis_monit_" VERSION "\r\n", run->deadline) < 0) {
                    /* the verdict stands */
                }
                probe_ok(run, "%s", id);
            } else
                probe_fail(run, "banner \"%s\", expected SSH-2.0-", id);
            free(id);
            goto out;
        }
        if (r == 1) {
            if (!other)
                other = printable(line, strlen(line), 120);
            continue;
        }
        if (r == 0 && other)
            probe_fail(run, "banner \"%s\", expected SSH-2.0-", other);
        else if (r == 0)
            probe_fail(run, "connection closed before the SSH identification");
        else if (r == -EMSGSIZE)
            probe_fail(run, "no SSH identification in the first 64 KiB");
        else if (c.timed_out && other) {
            char *w = xasprintf("while waiting for the SSH identification (banner \"%s\", expected SSH-2.0-)", other);
            probe_timeout(run, w);
            free(w);
        } else
            conn_fail(run, &c, "waiting for the SSH identification");
        goto out;
    }
out:
    free(other);
    conn_close(&c);
}

const probe_kind probe_ssh = {
    .type = "ssh",
    .flags = PROBE_NET,
    .default_port = 22,
    .run = ssh_run,
};
