/* fetch.h: one bounded URL transfer through libcurl for probes that speak a
 * protocol libcurl knows (http, https, ldap, ldaps): http, consul, patroni,
 * ldap. The transfer ends by the attempt's deadline; failures complete the
 * attempt with a one-line reason. */
#pragma once

#include <time.h>

#include "probe.h"

typedef struct fetch_req {
    const char *url;
    const char *protocols; /* CURLOPT_PROTOCOLS_STR, e.g. "http,https" */
    const char *method;    /* NULL or "GET": GET; "HEAD": no body; others sent as is */
    bool verify;           /* certificate chain and name */
    size_t max_body;       /* bytes kept; reading stops there (truncated) */
} fetch_req;

typedef struct fetch_resp {
    long code;             /* HTTP status; 0 for other protocols */
    char *body;            /* NUL-terminated (NULs inside replaced by spaces); never NULL after success */
    size_t len;
    bool truncated;        /* the answer was longer than max_body */
    time_t cert_not_after; /* TLS: the peer certificate's notAfter, 0 if unknown */
} fetch_resp;

/* Performs the transfer. On success returns 0 and fills ret (free it with
 * fetch_resp_free); a TLS certificate's expiry is checked (cert-days fails,
 * cert-warn-days leaves a pending warning). On failure completes the attempt
 * (probe_fail or probe_timeout) and returns -1; ret is then empty. */
int fetch_url(probe_run *run, const fetch_req *req, fetch_resp *ret);
void fetch_resp_free(fetch_resp *r);

/* Checks the `url` key of a probe of an HTTP API (consul, patroni): *url
 * defaults to def; it must be http:// or https:// without a query. 0, or -1
 * after conf_error(). node is the probe's mapping. */
int fetch_check_api_url(conf_ctx *c, yaml_node_t *node, char **url, const char *def);

/* base (without its trailing '/') followed by path ("/health"). */
char *fetch_join(const char *base, const char *path);

/* The first line of s, at most max bytes ("..." added when cut), other
 * control characters as spaces: a piece of a server's answer for a reason. */
char *fetch_first_line(const char *s, size_t max);
