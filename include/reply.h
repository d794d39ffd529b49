/* reply.h: replies of line-based mail protocols (SMTP/LMTP "250-" codes, POP3
 * "+OK", IMAP tagged, ManageSieve "OK") and the session the mail probes share:
 * greeting, hello, optional STARTTLS, quit, described by a reply_proto table. */
#pragma once

#include "net.h"

typedef enum reply_style {
    REPLY_CODE,   /* "250-..." lines continue, "250 ..." ends (SMTP, LMTP, FTP) */
    REPLY_LINE,   /* one line (POP3, the IMAP greeting) */
    REPLY_TAGGED, /* untagged "* ..." lines, then one starting with the tag (IMAP) */
    REPLY_SIEVE,  /* quoted capability lines, then OK, NO or BYE (ManageSieve) */
} reply_style;

typedef struct reply {
    strv lines; /* every line of the reply, as received (CR LF removed) */
    int code;   /* REPLY_CODE: the final line's 3-digit code; 0 when it had none */
} reply;

/* Reads one reply. tag: REPLY_TAGGED's tag ("a1"). Returns 1 when complete,
 * 0 when the connection closed first (r holds what came), or the negative
 * errno of conn_read_line (text in c->err). */
int reply_read(conn *c, reply_style style, const char *tag, usec_t deadline, reply *r);
/* The final line, or "" for an empty reply. */
const char *reply_last(const reply *r);
/* Whether the final line says expect: for REPLY_CODE a code ("220") or a class
 * ("2"); else a word such as "+OK", "* OK" or "OK" (case-insensitive, a whole
 * word; after the tag for REPLY_TAGGED). */
bool reply_is(const reply *r, reply_style style, const char *tag, const char *expect);
/* Whether some line lists word as a capability (EHLO keyword, IMAP
 * CAPABILITY atom, ManageSieve "STARTTLS" line). Case-insensitive. */
bool reply_offers(const reply *r, reply_style style, const char *word);
void reply_free(reply *r);

/* What the session runs: a table row per protocol. */
typedef enum reply_after_tls {
    REPLY_AFTER_TLS_NOTHING,  /* go on (POP3) */
    REPLY_AFTER_TLS_HELLO,    /* send the hello again (SMTP EHLO, IMAP CAPABILITY) */
    REPLY_AFTER_TLS_GREETING, /* the server greets again (ManageSieve) */
} reply_after_tls;

typedef struct reply_proto {
    reply_style style;
    const char *greeting;    /* expected greeting: "220", "* OK", "+OK", "OK" */
    const char *hello;       /* "EHLO", "LHLO", "CAPABILITY"; NULL: none */
    bool hello_host;         /* hello takes this host's name as argument */
    const char *hello_ok;    /* "2", "OK" */
    const char *starttls;    /* "STARTTLS", "STLS" */
    const char *starttls_ok; /* "220", "OK", "+OK" */
    bool starttls_listed;    /* greeting or hello reply must list starttls */
    reply_after_tls after_tls;
    const char *quit;    /* "QUIT", "LOGOUT" */
    const char *quit_ok; /* "2", "OK", "+OK" */
    bool hello_tls_only; /* with STARTTLS, no hello before it (FTP: a server
                          * that requires TLS may refuse NOOP in the clear) */
} reply_proto;

/* For a kind's check(): with tls: implicit and no port, use the protocol's
 * TLS port (465, 993, 995) rather than its plain default. Returns 0. */
int reply_implicit_port(probe *p, int port);

/* Runs the session against run->probe's host, port and tls, and completes
 * the attempt: ok with the greeting as detail, or one line saying what went
 * wrong (`greeting "554 go away", expected 220`, `EHLO answered "500 ..."`,
 * `STARTTLS not offered`, `connection closed during EHLO`, ...). */
void reply_session_run(probe_run *run, const reply_proto *proto);
