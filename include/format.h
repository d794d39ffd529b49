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

/* "NAME: PASSED (...)" or "NAME: FAILED: reason": the service part of a line. */
char *format_service_line(const service_result *sr);
