/* pingpong.h: probe kinds that send one request and await one reply line,
 * over TCP or a unix socket (`path`): spamd and clamd. */
#pragma once

#include "net.h"

typedef struct pingpong_cfg {
    char *path; /* unix socket; NULL: host and port */
} pingpong_cfg;

/* The kind's keys (`path`), check (path excludes host/port) and name. */
extern const conf_key pingpong_keys[];
int pingpong_check(probe *p, conf_ctx *c, yaml_node_t *node);
char *pingpong_name(const probe *p);

/* Sends request and completes the attempt: ok ("PONG") when a line matches
 * reply_re (POSIX ERE), else a failure naming expected. */
void pingpong_run(probe_run *run, const char *request, const char *reply_re, const char *expected);
