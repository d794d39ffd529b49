/* consul.c: the `consul` probe: the local agent's checks (GET /v1/agent/checks)
 * must hold no critical one, for the whole agent or for one service. */
#include <string.h>

#include "fetch.h"
#include "json.h"

#define CONSUL_MAX_ANSWER (1024 * 1024) /* the checks of a busy agent, with room */
#define CONSUL_MAX_NAMED 5              /* checks named in a reason; then "and N more" */
#define CONSUL_OUTPUT_MAX 100           /* bytes of a check's output shown */

typedef struct consul_cfg {
    char *url;
    char *service;
} consul_cfg;

static const conf_key consul_keys[] = {
    {"url", CONF_STRING, offsetof(consul_cfg, url), NULL, 0, 0, NULL, NULL, 0},
    {"service", CONF_STRING, offsetof(consul_cfg, service), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static int consul_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    consul_cfg *cfg = p->cfg;
    if (fetch_check_api_url(c, node, &cfg->url, "http://127.0.0.1:8500") < 0)
        return -1;
    if (cfg->service && !*cfg->service) {
        conf_error(c, conf_map_get(c, node, "service"), "service must not be empty");
        return -1;
    }
    return 0;
}

static char *consul_name(const probe *p)
{
    const consul_cfg *cfg = p->cfg;
    return cfg->service ? xasprintf("consul service %s", cfg->service) : xstrdup("consul");
}

/* Appends "ID (first line of output)" to the list of one status. */
static void consul_note(strbuf *b, size_t *count, const json_value *check, const char *id)
{
    (*count)++;
    if (*count > CONSUL_MAX_NAMED)
        return;
    if (*count > 1)
        sb_append(b, ", ");
    const char *cid = json_get_string(check, "CheckID");
    sb_append(b, cid ? cid : id);
    const char *out = json_get_string(check, "Output");
    if (out) {
        while (*out == ' ' || *out == '\n' || *out == '\r' || *out == '\t')
            out++;
    }
    if (out && *out) {
        char *line = fetch_first_line(out, CONSUL_OUTPUT_MAX);
        sb_printf(b, " (%s)", line);
        free(line);
    }
}

static void consul_more(strbuf *b, size_t count)
{
    if (count > CONSUL_MAX_NAMED)
        sb_printf(b, " and %zu more", count - CONSUL_MAX_NAMED);
}

static void consul_run(probe_run *run)
{
    const probe *p = run->probe;
    const consul_cfg *cfg = p->cfg;
    char *url = fetch_join(cfg->url, "/v1/agent/checks");
    fetch_req req = {.url = url, .protocols = "http,https", .verify = p->verify, .max_body = CONSUL_MAX_ANSWER};
    fetch_resp resp;
    json_value *root = NULL;
    char *err = NULL;
    if (fetch_url(run, &req, &resp) < 0)
        goto out;
    if (resp.code != 200) {
        char *line = fetch_first_line(resp.body, 100);
        probe_fail(run, "status %ld from /v1/agent/checks%s%s", resp.code, *line ? ": " : "", line);
        free(line);
        goto out;
    }
    if (resp.truncated) {
        probe_fail(run, "the answer of /v1/agent/checks is larger than 1 MiB");
        goto out;
    }
    if (json_parse(resp.body, resp.len, &root, &err) < 0) {
        probe_fail(run, "/v1/agent/checks did not answer JSON: %s", err);
        goto out;
    }
    if (root->type != JSON_OBJECT) {
        probe_fail(run, "/v1/agent/checks answered JSON that is not a map of checks");
        goto out;
    }
    strbuf crit = {0}, warn = {0};
    size_t n_crit = 0, n_warn = 0, n_seen = 0;
    for (size_t i = 0; i < root->n; i++) {
        const json_value *check = root->items[i];
        if (cfg->service) {
            const char *sn = json_get_string(check, "ServiceName");
            const char *sid = json_get_string(check, "ServiceID");
            if (!(sn && !strcmp(sn, cfg->service)) && !(sid && !strcmp(sid, cfg->service)))
                continue;
        }
        n_seen++;
        const char *status = json_get_string(check, "Status");
        if (status && !strcmp(status, "critical"))
            consul_note(&crit, &n_crit, check, root->keys[i]);
        else if (status && !strcmp(status, "warning"))
            consul_note(&warn, &n_warn, check, root->keys[i]);
        else if (!status || strcmp(status, "passing")) {
            /* An unknown status is not a pass: say what it was. */
            consul_note(&crit, &n_crit, check, root->keys[i]);
            sb_printf(&crit, " [status %s]", status ? status : "missing");
        }
    }
    consul_more(&crit, n_crit);
    consul_more(&warn, n_warn);
    if (n_crit && n_warn)
        probe_fail(run, "critical: %s; warning: %s", crit.s, warn.s);
    else if (n_crit)
        probe_fail(run, "critical: %s", crit.s);
    else if (n_warn)
        probe_warn(run, "warning: %s", warn.s);
    else if (cfg->service && !n_seen)
        probe_fail(run, "no check of service '%s' on this agent", cfg->service);
    else
        probe_ok(run, "%zu check%s passing", n_seen, n_seen == 1 ? "" : "s");
    sb_free(&crit);
    sb_free(&warn);
out:
    json_free(root);
    free(err);
    fetch_resp_free(&resp);
    free(url);
}

const probe_kind probe_consul = {
    .type = "consul",
    .flags = PROBE_CERT | PROBE_CURL,
    .cfg_size = sizeof(consul_cfg),
    .keys = consul_keys,
    .check = consul_check,
    .default_name = consul_name,
    .run = consul_run,
};
