/* net.h: connections for probes: TCP (plain, or implicit TLS through libcurl),
 * unix stream sockets; bounded line reads; send/expect dialogues. Every call
 * takes a monotonic deadline and returns by it. */
#pragma once

#include <curl/curl.h>

#include "confkey.h"
#include "probe.h"

#define NET_LINE_MAX 4096          /* a longer line is matched on its first 4 KiB */
#define NET_READ_MAX (64 * 1024)   /* a probe that read this much without a match fails */

typedef struct conn {
    int fd;       /* plain socket, or curl's active socket; -1 when closed */
    CURL *curl;   /* TLS (CONNECT_ONLY handle), else NULL */
    char *buf;    /* received, not yet consumed */
    char *line;   /* the last line returned by conn_read_line() */
    bool discarding; /* dropping the rest of an over-long line */
    size_t len, cap;
    size_t total; /* bytes received over the connection's life */
    bool eof;
    char *err;    /* last error, one line ("connection refused") */
    bool timed_out;
    time_t cert_not_after; /* TLS: peer certificate's notAfter, 0 if unknown */
} conn;

/* Connects to host:port (tls implicit: TLS handshake through libcurl, with
 * certificate verification when verify). 0, or negative errno with c->err. */
int conn_open_tcp(conn *c, const char *host, int port, bool tls, bool verify, usec_t deadline);
/* Upgrades a plain TCP conn to TLS (after the protocol's STARTTLS go-ahead):
 * libcurl takes over the socket for the handshake and later I/O; sets
 * cert_not_after. host and port as given to conn_open_tcp (the name is
 * verified when verify). 0, or negative errno with c->err. */
int conn_starttls(conn *c, const char *host, int port, bool verify, usec_t deadline);
int conn_open_unix(conn *c, const char *path, usec_t deadline);
void conn_close(conn *c);

/* The peer certificate's notAfter from a libcurl handle made with
 * CURLOPT_CERTINFO (wall seconds), or 0 when unknown. */
time_t net_cert_not_after(CURL *h);

int conn_write(conn *c, const void *data, size_t n, usec_t deadline);
int conn_write_str(conn *c, const char *s, usec_t deadline);
/* Reads one line (CR LF / LF removed, truncated to NET_LINE_MAX). Returns 1 and
 * *ret_line (owned by c, valid until the next call), 0 at end of stream,
 * -ETIMEDOUT, -EMSGSIZE (NET_READ_MAX read), or another negative errno; the
 * error text is in c->err. */
int conn_read_line(conn *c, usec_t deadline, const char **ret_line);
/* Reads at most max bytes (whatever arrives first). Returns count, 0 at EOF. */
ssize_t conn_read_some(conn *c, void *out, size_t max, usec_t deadline);

/* Completes the attempt as failed from a conn error: "timed out" becomes
 * probe_timeout(), others probe_fail("... : err"). doing: "connecting". */
void conn_fail(probe_run *run, conn *c, const char *doing);

/* Send/expect dialogue, the `dialogue` key of tcp and unix probes. */
typedef struct dialogue_step {
    char *send;       /* bytes to send (YAML string), or NULL */
    size_t send_len;
    conf_regex expect; /* when !send */
} dialogue_step;

typedef struct dialogue {
    dialogue_step *steps;
    size_t n;
} dialogue;

/* conf_key parser/free for a `dialogue` list; also `expect` shorthand. */
int dialogue_parse(conf_ctx *c, yaml_node_t *node, void *field);
int dialogue_parse_expect(conf_ctx *c, yaml_node_t *node, void *field);
void dialogue_free(void *field);

/* Runs the dialogue; on failure completes the attempt and returns -1. */
int dialogue_run(probe_run *run, conn *c, const dialogue *d);

/* Waits for one line matching re; on failure completes the attempt with
 * "expected ..., got ..." and returns -1. what names it ("greeting"). */
int conn_expect(probe_run *run, conn *c, const regex_t *re, const char *re_src, const char *what);
