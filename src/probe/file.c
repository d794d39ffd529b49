/* file.c: the `file` probe: a path exists and is of the expected kind
 * (socket-file presence checks of the monitoring guides). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "probe.h"

typedef enum file_kind { FILE_ANY, FILE_FILE, FILE_DIR, FILE_SOCKET } file_kind;
static const char *const file_kind_names[] = {"any", "file", "dir", "socket", NULL};

typedef struct file_cfg {
    char *path;
    int kind;
} file_cfg;

static const conf_key file_keys[] = {
    {"path", CONF_STRING, offsetof(file_cfg, path), NULL, 0, 0, NULL, NULL, 0},
    {"kind", CONF_ENUM, offsetof(file_cfg, kind), file_kind_names, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static int file_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    if (!((file_cfg *)p->cfg)->path) {
        conf_error(c, node, "file probe needs a 'path'");
        return -1;
    }
    return 0;
}

static char *file_name(const probe *p)
{
    return xasprintf("file %s", ((const file_cfg *)p->cfg)->path);
}

static const char *describe(mode_t m)
{
    if (S_ISREG(m))
        return "a regular file";
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m) || S_ISBLK(m))
        return "a device";
    return "of another kind";
}

static void file_run(probe_run *run)
{
    const file_cfg *cfg = run->probe->cfg;
    struct stat st;
    if (stat(cfg->path, &st) < 0) {
        char *e = strerror_lower(errno);
        probe_fail(run, "%s", e);
        free(e);
        return;
    }
    bool good = cfg->kind == FILE_ANY || (cfg->kind == FILE_FILE && S_ISREG(st.st_mode)) ||
                (cfg->kind == FILE_DIR && S_ISDIR(st.st_mode)) ||
                (cfg->kind == FILE_SOCKET && S_ISSOCK(st.st_mode));
    static const char *const want[] = {"anything", "a regular file", "a directory", "a socket"};
    if (!good)
        probe_fail(run, "is %s, expected %s", describe(st.st_mode), want[cfg->kind]);
    else
        probe_ok(run, "exists, %s", describe(st.st_mode));
}

const probe_kind probe_file = {
    .type = "file",
    .cfg_size = sizeof(file_cfg),
    .keys = file_keys,
    .check = file_check,
    .default_name = file_name,
    .run = file_run,
};
