/* fetch.c: one bounded libcurl transfer for the URL-based probes (http,
 * consul, patroni, ldap): deadline, size bound, no proxy, certificate expiry,
 * and curl's errors turned into one-line reasons. */
#include "fetch.h"
#include "lazylib.h"
#include "net.h"

#include <string.h>

#include <curl/curl.h>

typedef struct sink {
    strbuf b;
    size_t max;
    bool truncated;
} sink;

static size_t fetch_on_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    sink *s = userdata;
    size_t n = size * nmemb;
    if (s->b.len + n > s->max) {
        sb_appendn(&s->b, data, s->max - s->b.len);
        s->truncated = true;
        return 0; /* stops the transfer: reads are bounded */
    }
    sb_appendn(&s->b, data, n);
    return n;
}

/* curl's messages start with a capital; reasons read as sentences after "NAME: ". */
static char *fetch_lower_first(const char *s)
{
    char *r = xstrdup(s);
    if (r[0] >= 'A' && r[0] <= 'Z' && !(r[1] >= 'A' && r[1] <= 'Z'))
        r[0] = (char)(r[0] - 'A' + 'a');
    return r;
}

static void fetch_fail(probe_run *run, CURL *h, CURLcode rc, char *errbuf)
{
    size_t n = strlen(errbuf);
    while (n > 0 && (errbuf[n - 1] == ' ' || errbuf[n - 1] == '\n'))
        errbuf[--n] = '\0';
    const char *msg = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    long os_errno = 0;
    if (curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK)
        os_errno = 0;
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        probe_timeout(run, NULL);
        return;
    case CURLE_COULDNT_CONNECT:
        if (os_errno) {
            char buf[128];
            char *s = fetch_lower_first(strerror_r((int)os_errno, buf, sizeof buf));
            probe_fail(run, "%s", s);
            free(s);
            return;
        }
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
        probe_fail(run, "certificate verification failed: %s", msg);
        return;
    case CURLE_SSL_CONNECT_ERROR:
        if (strstr(msg, "wrong version number") || strstr(msg, "packet length too long") ||
            strstr(msg, "record layer failure"))
            probe_fail(run, "TLS handshake failed: the server answered in plain text, not TLS (%s)", msg);
        else
            probe_fail(run, "TLS handshake failed: %s", msg);
        return;
    case CURLE_RECV_ERROR:
        if (strstr(msg, "reset by peer")) {
            probe_fail(run, "the server reset the connection");
            return;
        }
        break;
    case CURLE_LDAP_SEARCH_FAILED:
    case CURLE_LDAP_CANNOT_BIND: {
        /* "LDAP remote: search failed No such object" -> "search failed: no such object" */
        const char *m = startswith(msg, "LDAP remote: ") ? msg + strlen("LDAP remote: ") : msg;
        const char *what = rc == CURLE_LDAP_SEARCH_FAILED ? "search failed" : "bind failed";
        if (startswith(m, what))
            m += strlen(what);
        while (*m == ' ' || *m == ':')
            m++;
        char *rest = fetch_lower_first(m);
        probe_fail(run, "LDAP %s%s%s", what, *rest ? ": " : "", rest);
        free(rest);
        return;
    }
    case CURLE_GOT_NOTHING:
        probe_fail(run, "the server closed the connection without answering");
        return;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
        if (strstr(msg, "HTTP/0.9")) {
            probe_fail(run, "not an HTTP answer");
            return;
        }
        break;
    default:
        break;
    }
    char *s = fetch_lower_first(msg);
    probe_fail(run, "%s", s);
    free(s);
}

int fetch_url(probe_run *run, const fetch_req *req, fetch_resp *ret)
{
    *ret = (fetch_resp){0};
    usec_t left = run->deadline - now_mono();
    if (left <= 0) {
        probe_timeout(run, NULL);
        return -1;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        probe_fail(run, "cannot initialise libcurl%s", lazylib_error_suffix(LAZYLIB_CURL));
        return -1;
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    sink s = {.max = req->max_body};
    bool tls = startswith(req->url, "https://") || startswith(req->url, "ldaps://");
    long ms = (long)((left + 999) / 1000);
    CURLcode rc = CURLE_OK;
    /* Each option is set while the previous ones took. */
#define SETOPT(opt, val) (rc == CURLE_OK ? (rc = curl_easy_setopt(h, opt, val)) : rc)
    SETOPT(CURLOPT_URL, req->url);
    SETOPT(CURLOPT_PROTOCOLS_STR, req->protocols);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_TIMEOUT_MS, ms);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, ms);
    SETOPT(CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(CURLOPT_WRITEFUNCTION, fetch_on_data);
    SETOPT(CURLOPT_WRITEDATA, &s);
    SETOPT(CURLOPT_USERAGENT, "symbiosis-monit/" VERSION);
    /* Local services are probed directly, whatever http_proxy says. */
    SETOPT(CURLOPT_PROXY, "");
    SETOPT(CURLOPT_NOPROXY, "*");
    SETOPT(CURLOPT_SSL_VERIFYPEER, req->verify ? 1L : 0L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, req->verify ? 2L : 0L);
    if (tls)
        SETOPT(CURLOPT_CERTINFO, 1L);
    if (req->method && !strcmp(req->method, "HEAD")) {
        SETOPT(CURLOPT_NOBODY, 1L);
    } else if (req->method && !strcmp(req->method, "POST")) {
        /* An empty body with Content-Length: 0, which servers accept. */
        SETOPT(CURLOPT_POSTFIELDS, "");
        SETOPT(CURLOPT_POSTFIELDSIZE, 0L);
    } else if (req->method && strcmp(req->method, "GET")) {
        SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
    }
#undef SETOPT
    if (rc != CURLE_OK) {
        probe_fail(run, "libcurl cannot fetch %s: %s", req->url, curl_easy_strerror(rc));
        curl_easy_cleanup(h);
        return -1;
    }
    rc = curl_easy_perform(h);
    if (rc == CURLE_WRITE_ERROR && s.truncated)
        rc = CURLE_OK; /* we stopped reading on purpose */
    if (rc != CURLE_OK) {
        fetch_fail(run, h, rc, errbuf);
        sb_free(&s.b);
        curl_easy_cleanup(h);
        return -1;
    }
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &ret->code) != CURLE_OK)
        ret->code = 0;
    if (tls)
        ret->cert_not_after = net_cert_not_after(h);
    curl_easy_cleanup(h);
    ret->len = s.b.len;
    ret->body = sb_steal(&s.b);
    for (size_t i = 0; i < ret->len; i++)
        if (ret->body[i] == '\0')
            ret->body[i] = ' ';
    ret->truncated = s.truncated;
    if (tls && probe_check_cert_expiry(run, ret->cert_not_after, NULL)) {
        fetch_resp_free(ret);
        return -1;
    }
    return 0;
}

void fetch_resp_free(fetch_resp *r)
{
    free(r->body);
    *r = (fetch_resp){0};
}

char *fetch_first_line(const char *s, size_t max)
{
    size_t n = strcspn(s, "\r\n");
    size_t keep = n < max ? n : max;
    while (keep < n && keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
        keep--; /* do not cut a UTF-8 sequence */
    char *r = xmalloc(keep + 4);
    /* Other control characters become spaces: the reason stays one clean line. */
    for (size_t i = 0; i < keep; i++)
        r[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
    strcpy(r + keep, keep < n ? "..." : "");
    return r;
}

char *fetch_join(const char *base, const char *path)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return xasprintf("%.*s%s", (int)n, base, path);
}

int fetch_check_api_url(conf_ctx *c, yaml_node_t *node, char **url, const char *def)
{
    if (!*url) {
        *url = xstrdup(def);
        return 0;
    }
    if (!startswith(*url, "http://") && !startswith(*url, "https://")) {
        conf_error(c, conf_map_get(c, node, "url"), "url '%s' must start with http:// or https://", *url);
        return -1;
    }
    if (strchr(*url, '?')) {
        conf_error(c, conf_map_get(c, node, "url"), "url '%s' must be the server's address, without a query", *url);
        return -1;
    }
    return 0;
}
