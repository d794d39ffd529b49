/* http.c: the `http` probe through libcurl: status (codes and ranges), an
 * optional body regular expression, certificate checks for https. */
#include <errno.h>
#include <string.h>

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

typedef struct body_buf {
    strbuf b;
    bool keep;      /* a body expression is to be matched */
    bool truncated; /* stopped at NET_READ_MAX */
} body_buf;

static size_t on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    body_buf *bb = userdata;
    size_t n = size * nmemb;
    if (bb->b.len + n > NET_READ_MAX) {
        if (bb->keep)
            sb_appendn(&bb->b, data, NET_READ_MAX - bb->b.len);
        bb->truncated = true;
        return 0; /* stop: bounded reads */
    }
    if (bb->keep)
        sb_appendn(&bb->b, data, n);
    else
        bb->b.len += n; /* count only */
    return n;
}

static bool body_matches(const http_cfg *cfg, char *body)
{
    char *save = NULL;
    for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        if (l > NET_LINE_MAX)
            line[NET_LINE_MAX] = '\0';
        if (regexec(&cfg->body.re, line, 0, NULL, 0) == 0)
            return true;
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

static void http_fail_curl(probe_run *run, CURL *h, CURLcode rc, const char *errbuf)
{
    long os_errno = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        probe_timeout(run, NULL);
    } else if (rc == CURLE_COULDNT_CONNECT && os_errno) {
        char buf[128];
        char *s = xstrdup(strerror_r((int)os_errno, buf, sizeof buf));
        if (s[0] >= 'A' && s[0] <= 'Z')
            s[0] = (char)(s[0] - 'A' + 'a');
        probe_fail(run, "%s", s);
        free(s);
    } else if (rc == CURLE_PEER_FAILED_VERIFICATION) {
        probe_fail(run, "certificate verification failed: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else if (rc == CURLE_SSL_CONNECT_ERROR) {
        probe_fail(run, "TLS handshake failed: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else {
        probe_fail(run, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
}

static time_t cert_not_after(CURL *h)
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
        return 0;
    for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next)
        if (startswith(l->data, "Expire date:")) {
            const char *s = l->data + strlen("Expire date:");
            while (*s == ' ')
                s++;
            struct tm tm = {0};
            if (strptime(s, "%Y-%m-%d %H:%M:%S", &tm) || strptime(s, "%b %d %H:%M:%S %Y", &tm))
                return timegm(&tm);
        }
    return 0;
}

static void http_run(probe_run *run)
{
    const probe *p = run->probe;
    const http_cfg *cfg = p->cfg;
    usec_t left = run->deadline - now_mono();
    if (left <= 0) {
        probe_timeout(run, NULL);
        return;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        probe_fail(run, "cannot initialise libcurl");
        return;
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    body_buf bb = {.keep = cfg->body.compiled};
    bool https = startswith(cfg->url, "https://");
    long ms = (long)((left + 999) / 1000);
    curl_easy_setopt(h, CURLOPT_URL, cfg->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &bb);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "symbiosis-monit/" VERSION);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, p->verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, p->verify ? 2L : 0L);
    if (https)
        curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
    if (cfg->method && !strcmp(cfg->method, "HEAD"))
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (cfg->method && strcmp(cfg->method, "GET"))
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, cfg->method);
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_WRITE_ERROR && bb.truncated)
        rc = CURLE_OK; /* we stopped reading at 64 KiB on purpose */
    if (rc != CURLE_OK) {
        http_fail_curl(run, h, rc, errbuf);
        goto out;
    }
    if (https && probe_check_cert_expiry(run, cert_not_after(h), NULL))
        goto out;
    if (!status_ok(cfg, code)) {
        char *exp = status_expected(cfg);
        probe_fail(run, "status %ld, expected %s", code, exp);
        free(exp);
        goto out;
    }
    if (cfg->body.compiled) {
        if (!bb.b.s || !body_matches(cfg, bb.b.s)) {
            probe_fail(run, "status %ld, but no body line matched \"%s\"%s", code, cfg->body.source,
                       bb.truncated ? " in the first 64 KiB" : "");
            goto out;
        }
    }
    probe_ok(run, "status %ld", code);
out:
    if (bb.keep)
        sb_free(&bb.b);
    curl_easy_cleanup(h);
}

const probe_kind probe_http = {
    .type = "http",
    .flags = PROBE_CERT,
    .cfg_size = sizeof(http_cfg),
    .keys = http_keys,
    .check = http_check,
    .default_name = http_name,
    .run = http_run,
};
