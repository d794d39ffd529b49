/* pgsql.c: the `pgsql` probe: a PostgreSQL protocol 3.0 StartupMessage; an
 * authentication request or an ordinary error means the server is up, while
 * "starting up"/"shutting down" (SQLSTATE class 57P) means it is not. */
#include <errno.h>
#include <string.h>

#include "fetch.h"
#include "net.h"

#define PGSQL_USER "symbiosis-monit"
#define PGSQL_MAX_MESSAGE 8192 /* an ErrorResponse is a few hundred bytes */
#define PGSQL_MAX_SKIPPED 64   /* notices, parameter statuses... before the answer */

typedef struct pgsql_cfg {
    char *socket; /* directory holding .s.PGSQL.PORT */
} pgsql_cfg;

static const conf_key pgsql_keys[] = {
    {"socket", CONF_STRING, offsetof(pgsql_cfg, socket), NULL, 0, 0, NULL, NULL, 0},
    CONF_END,
};

static int pgsql_check(probe *p, conf_ctx *c, yaml_node_t *node)
{
    pgsql_cfg *cfg = p->cfg;
    if (cfg->socket && p->host) {
        conf_error(c, conf_map_get(c, node, "socket"), "give either 'socket' or 'host', not both");
        return -1;
    }
    if (cfg->socket && cfg->socket[0] != '/') {
        conf_error(c, conf_map_get(c, node, "socket"),
                   "socket '%s' must be an absolute directory (the one holding .s.PGSQL.%d)", cfg->socket,
                   probe_port(p));
        return -1;
    }
    return 0;
}

static char *pgsql_socket_path(const probe *p)
{
    const pgsql_cfg *cfg = p->cfg;
    size_t n = strlen(cfg->socket);
    while (n > 1 && cfg->socket[n - 1] == '/')
        n--;
    return xasprintf("%.*s/.s.PGSQL.%d", (int)n, cfg->socket, probe_port(p));
}

static char *pgsql_name(const probe *p)
{
    const pgsql_cfg *cfg = p->cfg;
    if (cfg->socket) {
        char *path = pgsql_socket_path(p);
        char *r = xasprintf("pgsql %s", path);
        free(path);
        return r;
    }
    const char *h = probe_host_display(p);
    return strchr(h, ':') ? xasprintf("pgsql [%s]:%d", h, probe_port(p)) : xasprintf("pgsql %s:%d", h, probe_port(p));
}

static void pgsql_put32(strbuf *b, uint32_t v)
{
    char be[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
    sb_appendn(b, be, 4);
}

static uint32_t pgsql_get32(const unsigned char *s)
{
    return (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | (uint32_t)s[3];
}

/* Reads exactly n bytes. 1 done, 0 end of stream first (*ret_got says how
 * much came), <0 error in c->err. */
static int pgsql_read_full(conn *c, unsigned char *out, size_t n, usec_t deadline, size_t *ret_got)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = conn_read_some(c, out + got, n - got, deadline);
        if (r < 0)
            return (int)r;
        if (r == 0) {
            *ret_got = got;
            return 0;
        }
        got += (size_t)r;
    }
    *ret_got = got;
    return 1;
}

static const char *pgsql_auth_method(uint32_t code)
{
    switch (code) {
    case 2: return "Kerberos";
    case 3: return "password";
    case 5: return "MD5 password";
    case 7: return "GSSAPI";
    case 9: return "SSPI";
    case 10: return "SASL (SCRAM)";
    default: return NULL;
    }
}

/* Fields of an ErrorResponse body: type byte, C string; ends with a 0 byte. */
static void pgsql_error_fields(const unsigned char *body, size_t len, char **ret_code, char **ret_msg)
{
    size_t i = 0;
    *ret_code = *ret_msg = NULL;
    while (i < len && body[i]) {
        char type = (char)body[i++];
        const unsigned char *end = memchr(body + i, '\0', len - i);
        size_t n = end ? (size_t)(end - (body + i)) : len - i;
        if (type == 'C' && !*ret_code)
            *ret_code = fetch_first_line((const char *)body + i, n < 5 ? n : 5);
        else if (type == 'M' && !*ret_msg)
            *ret_msg = fetch_first_line((const char *)body + i, n < 300 ? n : 300);
        i += n + 1;
    }
}

static void pgsql_answer_error(probe_run *run, const unsigned char *body, size_t len)
{
    char *code, *msg;
    pgsql_error_fields(body, len, &code, &msg);
    const char *m = msg ? msg : "an error without a message";
    /* Class 57P: operator intervention; 57P03 is "cannot connect now"
     * (starting up, shutting down, in recovery without hot standby). */
    if (code && startswith(code, "57P"))
        probe_fail(run, "%s (SQLSTATE %s)", m, code);
    else
        probe_ok(run, "server answered: %s%s%s%s", m, code ? " (SQLSTATE " : "", code ? code : "", code ? ")" : "");
    free(code);
    free(msg);
}

/* Shows the start of what a server that is not PostgreSQL said: its first
 * line, from the 5 bytes read and whatever else came with them. */
static void pgsql_not_postgres(probe_run *run, conn *c, const unsigned char *hdr, size_t got)
{
    char more[80];
    memcpy(more, hdr, got);
    ssize_t n = conn_read_some(c, more + got, sizeof more - got, usec_min(run->deadline, now_mono() + 50 * USEC_PER_MSEC));
    size_t total = got + (n > 0 ? (size_t)n : 0);
    size_t line = 0;
    while (line < total && more[line] != '\r' && more[line] != '\n')
        line++;
    char *shown = printable(more, line, 60);
    probe_fail(run, "not a PostgreSQL answer: \"%s\"", shown);
    free(shown);
}

static void pgsql_run(probe_run *run)
{
    const probe *p = run->probe;
    const pgsql_cfg *cfg = p->cfg;
    conn c;
    int r;
    if (cfg->socket) {
        char *path = pgsql_socket_path(p);
        r = conn_open_unix(&c, path, run->deadline);
        free(path);
    } else {
        r = conn_open_tcp(&c, probe_host(p), probe_port(p), false, false, run->deadline);
    }
    if (r < 0) {
        conn_fail(run, &c, NULL);
        conn_close(&c);
        return;
    }
    /* StartupMessage: length, protocol 3.0, name/value pairs, a final 0. */
    static const char params[] = "user\0" PGSQL_USER "\0database\0" PGSQL_USER "\0application_name\0" PGSQL_USER "\0";
    strbuf msg = {0};
    pgsql_put32(&msg, (uint32_t)(8 + sizeof params));
    pgsql_put32(&msg, 3u << 16);
    sb_appendn(&msg, params, sizeof params); /* includes the terminating 0 */
    r = conn_write(&c, msg.s, msg.len, run->deadline);
    sb_free(&msg);
    if (r < 0) {
        conn_fail(run, &c, "sending the startup message");
        conn_close(&c);
        return;
    }
    unsigned char *body = NULL;
    bool authenticated = false; /* AuthenticationOk came: wait for ReadyForQuery */
    for (int skipped = 0;; skipped++) {
        unsigned char hdr[5];
        size_t got = 0;
        free(body);
        body = NULL;
        if (skipped > PGSQL_MAX_SKIPPED) {
            probe_fail(run, "no answer to the startup message after %d other messages", skipped);
            break;
        }
        r = pgsql_read_full(&c, hdr, sizeof hdr, run->deadline, &got);
        if (r < 0) {
            conn_fail(run, &c, "waiting for the answer");
            break;
        }
        if (r == 0) {
            if (got == 0 && !authenticated)
                probe_fail(run, "the server closed the connection without answering");
            else
                probe_fail(run, "the server closed the connection in the middle of its answer");
            break;
        }
        uint32_t len = pgsql_get32(hdr + 1);
        char type = (char)hdr[0];
        bool known = type == 'R' || type == 'E' || type == 'N' || type == 'v' ||
                     (authenticated && (type == 'S' || type == 'K' || type == 'Z'));
        if (!known || len < 4 || len > PGSQL_MAX_MESSAGE) {
            pgsql_not_postgres(run, &c, hdr, got);
            break;
        }
        size_t blen = len - 4;
        body = xmalloc(blen + 1);
        r = pgsql_read_full(&c, body, blen, run->deadline, &got);
        if (r < 0) {
            conn_fail(run, &c, "reading the answer");
            break;
        }
        if (r == 0) {
            probe_fail(run, "the server closed the connection in the middle of its answer");
            break;
        }
        if (type == 'E') {
            body[blen] = '\0'; /* a last field without its terminator stays bounded */
            pgsql_answer_error(run, body, blen);
            break;
        }
        if (type == 'Z') {
            /* Logged in without a password: leave politely with a Terminate. */
            static const char terminate[] = {'X', 0, 0, 0, 4};
            if (conn_write(&c, terminate, sizeof terminate, run->deadline) < 0) {
                /* It answered; a failed goodbye changes nothing. */
            }
            probe_ok(run, "server accepted the login (trust)");
            break;
        }
        if (type == 'R' && !authenticated) {
            uint32_t code = blen >= 4 ? pgsql_get32(body) : UINT32_MAX;
            const char *method = pgsql_auth_method(code);
            if (code == 0) {
                authenticated = true; /* the server may still refuse: read on */
                continue;
            }
            if (method)
                probe_ok(run, "server asks for %s authentication", method);
            else if (code == UINT32_MAX)
                probe_fail(run, "not a PostgreSQL answer: a short authentication request");
            else
                probe_ok(run, "server asks for authentication (method %u)", (unsigned)code);
            break;
        }
        /* A notice, a parameter status, a key, a protocol negotiation: the
         * answer follows. */
    }
    free(body);
    conn_close(&c);
}

const probe_kind probe_pgsql = {
    .type = "pgsql",
    .flags = PROBE_NET,
    .default_port = 5432,
    .cfg_size = sizeof(pgsql_cfg),
    .keys = pgsql_keys,
    .check = pgsql_check,
    .default_name = pgsql_name,
    .run = pgsql_run,
};
