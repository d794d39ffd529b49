/* ldap.c: the `ldap` probe: an anonymous search of the root DSE through
 * libcurl's LDAP support (ldap://host:port/?namingContexts?base?(objectClass=*)). */
#include <string.h>

#include "fetch.h"

#define LDAP_MAX_ANSWER (64 * 1024)
/* A base search of the root DSE for its naming contexts, which every server
 * answers to anonymous clients unless it forbids anonymous reads. */
#define LDAP_ROOT_DSE_QUERY "?namingContexts?base?(objectClass=*)"

typedef struct ldap_cfg {
    char *url;
} ldap_cfg;

static const conf_key ldap_keys[] = {
    {"url", CONF_STRING, offsetof(ldap_cfg, url), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static int ldap_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    ldap_cfg *cfg = p->cfg;
    if (!cfg->url) {
        cfg->url = xstrdup("ldap://localhost:389/");
    } else if (!startswith(cfg->url, "ldap://") && !startswith(cfg->url, "ldaps://")) {
        conf_error(c, conf_map_get(c, node, "url"), "url '%s' must start with ldap:// or ldaps://", cfg->url);
        return -1;
    }
    return 0;
}

static char *ldap_name(const probe *p)
{
    return xstrdup(((const ldap_cfg *)p->cfg)->url);
}

/* The URL searched: the configured one with the root-DSE query added when it
 * has none of its own. */
static char *ldap_search_url(const char *url)
{
    if (strchr(url, '?'))
        return xstrdup(url);
    const char *hostpart = strstr(url, "://") + 3;
    if (!strchr(hostpart, '/'))
        return xasprintf("%s/%s", url, LDAP_ROOT_DSE_QUERY);
    return xasprintf("%s%s", url, LDAP_ROOT_DSE_QUERY);
}

/* "namingContexts: dc=example,dc=com" from libcurl's LDIF-like output. */
static char *ldap_contexts(const char *body)
{
    strbuf b = {0};
    for (const char *l = body; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        while (*l == '\t' || *l == ' ')
            l++;
        if (startswith(l, "namingContexts:")) {
            const char *v = l + strlen("namingContexts:");
            while (*v == ' ')
                v++;
            char *one = fetch_first_line(v, 200);
            sb_append(&b, b.len ? ", " : "namingContexts: ");
            sb_append(&b, one);
            free(one);
        }
    }
    return b.len ? sb_steal(&b) : NULL;
}

static void ldap_run(probe_run *run)
{
    const probe *p = run->probe;
    const ldap_cfg *cfg = p->cfg;
    char *url = ldap_search_url(cfg->url);
    fetch_req req = {.url = url, .protocols = "ldap,ldaps", .verify = p->verify, .max_body = LDAP_MAX_ANSWER};
    fetch_resp resp;
    if (fetch_url(run, &req, &resp) == 0) {
        char *ctx = ldap_contexts(resp.body);
        probe_ok(run, "%s", ctx ? ctx : "anonymous search answered");
        free(ctx);
        fetch_resp_free(&resp);
    }
    free(url);
}

const probe_kind probe_ldap = {
    .type = "ldap",
    .flags = PROBE_CERT | PROBE_CURL,
    .cfg_size = sizeof(ldap_cfg),
    .keys = ldap_keys,
    .check = ldap_check,
    .default_name = ldap_name,
    .run = ldap_run,
};
