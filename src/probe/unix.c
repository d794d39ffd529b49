/* unix.c: the `unix` probe: a stream socket at a path accepts a connection,
 * and an optional dialogue holds. */
#include "net.h"

typedef struct unix_cfg {
    char *path;
    dialogue dialogue;
} unix_cfg;

static const conf_key unix_keys[] = {
    {"path", CONF_STRING, offsetof(unix_cfg, path), NULL, 0, 0, NULL, NULL, 0},
    {"dialogue", CONF_CUSTOM, offsetof(unix_cfg, dialogue), NULL, 0, 0, dialogue_parse, dialogue_free, 0},
    {"expect", CONF_CUSTOM, offsetof(unix_cfg, dialogue), NULL, 0, 0, dialogue_parse_expect, NULL, 0},
    CONF_END,
};

static int unix_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    unix_cfg *cfg = p->cfg;
    if (!cfg->path) {
        conf_error(c, node, "unix probe needs a 'path'");
        return -1;
    }
    return 0;
}

static char *unix_name(const probe *p)
{
    return xasprintf("unix %s", ((const unix_cfg *)p->cfg)->path);
}

static void unix_run(probe_run *run)
{
    const unix_cfg *cfg = run->probe->cfg;
    conn c;
    if (conn_open_unix(&c, cfg->path, run->deadline) < 0) {
        conn_fail(run, &c, NULL);
        conn_close(&c);
        return;
    }
    if (dialogue_run(run, &c, &cfg->dialogue) == 0)
        probe_ok(run, cfg->dialogue.n ? "dialogue completed" : "connected");
    conn_close(&c);
}

const probe_kind probe_unix = {
    .type = "unix",
    .cfg_size = sizeof(unix_cfg),
    .keys = unix_keys,
    .check = unix_check,
    .default_name = unix_name,
    .run = unix_run,
};
