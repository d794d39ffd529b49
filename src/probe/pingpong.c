/* pingpong.c: one request, one expected reply line, over TCP or a unix socket;
 * what the spamd and clamd probes share. */
#include "pingpong.h"

#include <regex.h>

const conf_key pingpong_keys[] = {
    {"path", CONF_STRING, offsetof(pingpong_cfg, path), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

int pingpong_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    const pingpong_cfg *cfg = p->cfg;
    if (cfg->path && (p->port || p->host)) {
        conf_error(c, conf_map_get(c, node, "path"), "give either 'path' or 'host'/'port', not both");
        return -1;
    }
    if (cfg->path && cfg->path[0] != '/') {
        conf_error(c, conf_map_get(c, node, "path"), "path '%s' must be absolute", cfg->path);
        return -1;
    }
    return 0;
}

char *pingpong_name(const probe *p)
{
    const pingpong_cfg *cfg = p->cfg;
    if (cfg->path)
        return xasprintf("%s %s", p->kind->type, cfg->path);
    return xasprintf("%s %s:%d", p->kind->type, probe_host_display(p), probe_port(p));
}

void pingpong_run(probe_run *run, const char *request, const char *reply_re, const char *expected)
{
    const probe *p = run->probe;
    const pingpong_cfg *cfg = p->cfg;
    conn c;
    regex_t re;
    if (regcomp(&re, reply_re, REG_EXTENDED | REG_NOSUB) != 0) {
        probe_fail(run, "cannot compile \"%s\" (a bug in the %s probe)", reply_re, p->kind->type);
        return;
    }
    int r = cfg->path ? conn_open_unix(&c, cfg->path, run->deadline)
                      : conn_open_tcp(&c, probe_host(p), probe_port(p), false, false, run->deadline);
    if (r < 0) {
        conn_fail(run, &c, NULL);
        goto out;
    }
    if (conn_write_str(&c, request, run->deadline) < 0) {
        conn_fail(run, &c, "sending PING");
        goto out;
    }
    if (conn_expect(run, &c, &re, expected, "PING reply") == 0)
        probe_ok(run, "PONG");
out:
    regfree(&re);
    conn_close(&c);
}
