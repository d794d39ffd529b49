/* format.h: report formatters. They read only the result model. */
#pragma once

#include <stdio.h>

#include "result.h"

typedef struct format_opts {
    bool verbose;
} format_opts;

typedef struct formatter {
    const char *name; /* "text", "brief", "json", "nagios" */
    int (*write)(FILE *out, const run_result *r, const format_opts *o);
    /* Exit status for this format; NULL: r->exit_status. */
    int (*exit_status)(const run_result *r);
} formatter;

const formatter *formatter_find(const char *name);
const char *formatter_names(void); /* "text, brief, ..." for messages */

int format_text(FILE *out, const run_result *r, const format_opts *o);
int format_brief(FILE *out, const run_result *r, const format_opts *o);
int format_json(FILE *out, const run_result *r, const format_opts *o);
int format_nagios(FILE *out, const run_result *r, const format_opts *o);
int nagios_exit_status(const run_result *r); /* 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN */

/* The Prometheus textfile (node_exporter) form; _file writes it atomically
 * (temporary file in the same directory, fsync, rename). 0 or negative errno. */
int format_prometheus(FILE *out, const run_result *r);
int format_prometheus_file(const char *path, const run_result *r);

/* JSON strings: s escaped (NULL: null), invalid UTF-8 as U+FFFD. */
void json_write_string(FILE *out, const char *s);
/* Length of the valid UTF-8 sequence at s (NUL-terminated), 0 if invalid. */
size_t json_utf8_len(const unsigned char *s);

/* "NAME: PASSED (...)" or "NAME: FAILED: reason": the service part of a line. */
char *format_service_line(const service_result *sr);
