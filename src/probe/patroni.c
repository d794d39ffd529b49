/* patroni.c: the `patroni` probe: Patroni's REST API health endpoint for a
 * role (/health, /primary, /replica, /leader) must answer 200. */
#include <string.h>

#include "fetch.h"
#include "json.h"

#define PATRONI_MAX_ANSWER (64 * 1024)

typedef enum patroni_role { ROLE_ANY, ROLE_PRIMARY, ROLE_REPLICA, ROLE_LEADER } patroni_role;

static const char *const patroni_roles[] = {"any", "primary", "replica", "leader", NULL};
/* Patroni's endpoint for each role, in the order above. */
static const char *const patroni_paths[] = {"/health", "/primary", "/replica", "/leader"};

typedef struct patroni_cfg {
    char *url;
    int role; /* patroni_role */
} patroni_cfg;

static const conf_key patroni_keys[] = {
    {"url", CONF_STRING, offsetof(patroni_cfg, url), NULL, 0, 0, NULL, NULL, 0},
    {"role", CONF_ENUM, offsetof(patroni_cfg, role), patroni_roles, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static int patroni_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    patroni_cfg *cfg = p->cfg;
    return fetch_check_api_url(c, node, &cfg->url, "http://127.0.0.1:8008");
}

static char *patroni_name(const probe *p)
{
    const patroni_cfg *cfg = p->cfg;
    return cfg->role == ROLE_ANY ? xstrdup("patroni") : xasprintf("patroni %s", patroni_roles[cfg->role]);
}

/* "role replica, state running" from Patroni's JSON answer, or NULL. */
static char *patroni_describe(const fetch_resp *resp)
{
    json_value *v = NULL;
    char *err = NULL;
    if (json_parse(resp->body, resp->len, &v, &err) < 0) {
        free(err);
        return NULL;
    }
    const char *role = json_get_string(v, "role");
    const char *state = json_get_string(v, "state");
    char *r = NULL;
    if (role || state) {
        char *pr = role ? fetch_first_line(role, 40) : NULL;
        char *ps = state ? fetch_first_line(state, 40) : NULL;
        r = xasprintf("%s%s%s%s%s", pr ? "role " : "", pr ? pr : "", pr && ps ? ", " : "", ps ? "state " : "",
                      ps ? ps : "");
        free(pr);
        free(ps);
    }
    json_free(v);
    return r;
}

static void patroni_run(probe_run *run)
{
    const probe *p = run->probe;
    const patroni_cfg *cfg = p->cfg;
    const char *path = patroni_paths[cfg->role];
    char *url = fetch_join(cfg->url, path);
    fetch_req req = {.url = url, .protocols = "http,https", .verify = p->verify, .max_body = PATRONI_MAX_ANSWER};
    fetch_resp resp;
    if (fetch_url(run, &req, &resp) < 0) {
        free(url);
        return;
    }
    char *what = resp.truncated ? NULL : patroni_describe(&resp);
    if (resp.code == 200)
        probe_ok(run, "%s", what ? what : "status 200");
    else if (cfg->role == ROLE_ANY)
        probe_fail(run, "not healthy: %s answered status %ld%s%s%s", path, resp.code, what ? " (" : "",
                   what ? what : "", what ? ")" : "");
    else
        probe_fail(run, "not %s: %s answered status %ld%s%s%s", patroni_roles[cfg->role], path, resp.code,
                   what ? " (" : "", what ? what : "", what ? ")" : "");
    free(what);
    fetch_resp_free(&resp);
    free(url);
}

const probe_kind probe_patroni = {
    .type = "patroni",
    .flags = PROBE_CERT | PROBE_CURL,
    .cfg_size = sizeof(patroni_cfg),
    .keys = patroni_keys,
    .check = patroni_check,
    .default_name = patroni_name,
    .run = patroni_run,
};
