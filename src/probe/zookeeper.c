/* zookeeper.c: the `zookeeper` probe: the four-letter command "srvr" answered
 * with a "Mode:" line (standalone, leader, follower...). */
#include <errno.h>
#include <string.h>

#include "net.h"

static void zookeeper_run(probe_run *run)
{
    const probe *p = run->probe;
    conn c;
    char *first = NULL, *version = NULL;
    if (conn_open_tcp(&c, probe_host(p), probe_port(p), false, false, run->deadline) < 0) {
        conn_fail(run, &c, NULL);
        goto out;
    }
    if (conn_write_str(&c, "srvr", run->deadline) < 0) {
        conn_fail(run, &c, "sending srvr");
        goto out;
    }
    for (;;) {
        const char *line;
        int r = conn_read_line(&c, run->deadline, &line);
        if (r == 1) {
            if (!first)
                first = printable(line, strlen(line), 120);
            if (strstr(line, "not in the whitelist")) {
                probe_fail(run, "srvr is not whitelisted (4lw.commands.whitelist)");
                goto out;
            }
            if (strstr(line, "not currently serving requests")) {
                probe_fail(run, "not currently serving requests (starting up, or no quorum)");
                goto out;
            }
            if (startswith(line, "Zookeeper version: ") && !version) {
                const char *v = line + strlen("Zookeeper version: ");
                version = printable(v, strcspn(v, "-, "), 40);
            }
            if (startswith(line, "Mode: ")) {
                char *mode = printable(line + 6, strlen(line + 6), 40);
                if (version)
                    probe_ok(run, "mode %s, version %s", mode, version);
                else
                    probe_ok(run, "mode %s", mode);
                free(mode);
                goto out;
            }
            continue;
        }
        if (r == 0 && first)
            probe_fail(run, "srvr answered \"%s\", expected a Mode: line", first);
        else if (r == 0)
            probe_fail(run, "connection closed before the srvr reply");
        else if (r == -EMSGSIZE)
            probe_fail(run, "no Mode: line in the first 64 KiB");
        else
            conn_fail(run, &c, "waiting for the srvr reply");
        goto out;
    }
out:
    free(first);
    free(version);
    conn_close(&c);
}

const probe_kind probe_zookeeper = {
    .type = "zookeeper",
    .flags = PROBE_NET,
    .default_port = 2181,
    .run = zookeeper_run,
};
