/* http.c: the `http` probe through libcurl: status (codes and ranges), an
 * optional body regular expression, certificate checks for https. */
#include <string.h>

#include "fetch.h"
#include "net.h"

typedef struct status_range {
    int lo, hi;
} status_range;

typedef struct http_cfg {
    char *url;
    char *method;
    status_range *status;
    size_t n_status;
    conf_regex body;
} http_cfg;

static int parse_one_status(conf_ctx *c, yaml_node_t *n, status_range *ret)
{
    const char *s = conf_scalar(n);
    int lo, hi, used = 0;
    if (s && sscanf(s, "%d-%d%n", &lo, &hi, &used) == 2 && !s[used]) {
    } else if (s && sscanf(s, "%d%n", &lo, &used) == 1 && !s[used]) {
        hi = lo;
    } else {
        conf_error(c, n, "bad status '%s': expected a code such as 200 or a range such as \"400-499\"",
                   s ? s : conf_node_kind(n));
        return -1;
    }
    if (lo < 100 || hi > 599 || lo > hi) {
        conf_error(c, n, "bad status '%s': codes run from 100 to 599", s);
        return -1;
    }
    *ret = (status_range){lo, hi};
    return 0;
}

static int parse_status(conf_ctx *c, yaml_node_t *node, void *field)
{
    http_cfg *cfg = (http_cfg *)((char *)field - offsetof(http_cfg, status));
    free(cfg->status);
    cfg->status = NULL;
    cfg->n_status = 0;
    if (node && node->type == YAML_SEQUENCE_NODE) {
        size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
        cfg->status = xcalloc(n, sizeof *cfg->status);
        for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++)
            if (parse_one_status(c, yaml_document_get_node(c->doc, *i), &cfg->status[cfg->n_status++]) < 0)
                return -1;
        if (!n) {
            conf_error(c, node, "'status' must list at least one code");
            return -1;
        }
        return 0;
    }
    cfg->status = xcalloc(1, sizeof *cfg->status);
    cfg->n_status = 1;
    return parse_one_status(c, node, cfg->status);
}

static void free_status(void *field)
{
    status_range **s = field;
    free(*s);
    *s = NULL;
}

static const conf_key http_keys[] = {
    {"url", CONF_STRING, offsetof(http_cfg, url), NULL, 0, 0, NULL, NULL, 0},
    {"method", CONF_STRING, offsetof(http_cfg, method), NULL, 0, 0, NULL, NULL, 0},
    {"status", CONF_CUSTOM, offsetof(http_cfg, status), NULL, 0, 0, parse_status, free_status, 0},
    {"body", CONF_REGEX, offsetof(http_cfg, body), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static int http_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    http_cfg *cfg = p->cfg;
    if (!cfg->url) {
        conf_error(c, node, "http probe needs a 'url'");
        return -1;
    }
    if (!startswith(cfg->url, "http://") && !startswith(cfg->url, "https://")) {
        conf_error(c, conf_map_get(c, node, "url"), "url '%s' must start with http:// or https://", cfg->url);
        return -1;
    }
    if (cfg->method) {
        for (const char *m = cfg->method; *m; m++)
            if (!(*m >= 'A' && *m <= 'Z')) {
                conf_error(c, conf_map_get(c, node, "method"), "bad method '%s': expected GET, HEAD, POST...",
                           cfg->method);
                return -1;
            }
    }
    return 0;
}

static char *http_name(const probe *p)
{
    return xstrdup(((const http_cfg *)p->cfg)->url);
}

/* Whether a line of body (CR LF removed, first 4 KiB) matches; body is cut
 * into lines in place. Empty lines count, so "^$" can match. */
static bool body_matches(const http_cfg *cfg, char *body)
{
    for (char *line = body; line;) {
        char *nl = strchr(line, '\n');
        char *next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        if (l > NET_LINE_MAX)
            line[NET_LINE_MAX] = '\0';
        if (regexec(cfg->body.re, line, 0, NULL, 0) == 0)
            return true;
        line = next && *next ? next : NULL;
    }
    return false;
}

static bool status_ok(const http_cfg *cfg, long code)
{
    if (!cfg->n_status)
        return code >= 200 && code <= 399;
    for (size_t i = 0; i < cfg->n_status; i++)
        if (code >= cfg->status[i].lo && code <= cfg->status[i].hi)
            return true;
    return false;
}

static char *status_expected(const http_cfg *cfg)
{
    if (!cfg->n_status)
        return xstrdup("200-399");
    strbuf b = {0};
    for (size_t i = 0; i < cfg->n_status; i++) {
        if (i)
            sb_append(&b, ", ");
        if (cfg->status[i].lo == cfg->status[i].hi)
            sb_printf(&b, "%d", cfg->status[i].lo);
        else
            sb_printf(&b, "%d-%d", cfg->status[i].lo, cfg->status[i].hi);
    }
    return sb_steal(&b);
}

static void http_run(probe_run *run)
{
    const probe *p = run->probe;
    const http_cfg *cfg = p->cfg;
    fetch_req req = {
        .url = cfg->url,
        .protocols = "http,https",
        .method = cfg->method,
        .verify = p->verify,
        .max_body = NET_READ_MAX,
    };
    fetch_resp resp;
    if (fetch_url(run, &req, &resp) < 0)
        return;
    if (!status_ok(cfg, resp.code)) {
        char *exp = status_expected(cfg);
        probe_fail(run, "status %ld, expected %s", resp.code, exp);
        free(exp);
    } else if (cfg->body.compiled && !body_matches(cfg, resp.body)) {
        probe_fail(run, "status %ld, but no body line matched \"%s\"%s", resp.code, cfg->body.source,
                   resp.truncated ? " in the first 64 KiB" : "");
    } else {
        probe_ok(run, "status %ld", resp.code);
    }
    fetch_resp_free(&resp);
}

const probe_kind probe_http = {
    .type = "http",
    .flags = PROBE_CERT | PROBE_CURL,
    .cfg_size = sizeof(http_cfg),
    .keys = http_keys,
    .check = http_check,
    .default_name = http_name,
    .run = http_run,
};
