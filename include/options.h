/* options.h: the command line (SPEC §2). */
#pragma once

#include "util.h"

#define DEFAULT_CHECKS_DIR "/etc/symbiosis/monit.d"
#define DEFAULT_CONFIG "/etc/symbiosis/monit.yaml"
#define DEFAULT_STATE "/var/lib/symbiosis/monit.state"
#define DEFAULT_LOCK "/run/lock/symbiosis-monit.lock"

/* Exit statuses. */
enum {
    EXIT_PASSED = 0,
    EXIT_FAILED = 1,
    EXIT_USAGE = 2,
    EXIT_SKIPPED = 75, /* EX_TEMPFAIL */
};

typedef struct options {
    const char *checks_dir;
    const char *config;
    bool config_given;
    const char *state;
    const char *lock;
    const char *format;
    const char *prometheus;
    strv services;
    usec_t deadline;
    bool deadline_given;
    bool dry_run, quiet, verbose, check_config, list, force;
} options;

/* Parses argv. Returns -1 to exit with *ret_exit (help, version, errors). */
int options_parse(options *o, int argc, char **argv, int *ret_exit);
void options_free(options *o);
