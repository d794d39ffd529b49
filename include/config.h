/* config.h: global settings and service definitions, loaded from YAML. */
#pragma once

#include "util.h"

struct probe;

typedef struct settings {
    usec_t timeout;          /* default probe timeout (5s) */
    int retries;             /* default extra attempts (1) */
    usec_t deadline;         /* whole run (100s) */
    int parallel;            /* probes at once (32) */
    usec_t restart_timeout;  /* wait for a restart job (30s) */
    usec_t settle;           /* pause before re-probing (1s) */
    int restart_limit_count; /* 3 */
    usec_t restart_limit_within; /* 1h */
    usec_t remind_every;     /* 24h */
    double skip_if_load_above; /* <0: twice the CPU count; 0: never */
    bool deadline_set;       /* given in the file (the command line wins) */
} settings;

void settings_init(settings *s);
/* Loads path into s. A missing file is fine when !must_exist. Errors are
 * appended to errs as "file:line:col: message". Returns 0, or -1 on errors. */
int settings_load(settings *s, const char *path, bool must_exist, strv *errs);

typedef enum needed_mode { NEEDED_ALWAYS, NEEDED_NEVER, NEEDED_IF_EXISTS } needed_mode;
typedef enum on_failure_mode { ON_FAILURE_RESTART, ON_FAILURE_START, ON_FAILURE_REPORT } on_failure_mode;

typedef struct service {
    char *name;
    char *file;  /* path of its definition */
    char *description;
    bool enabled;
    char *unit;  /* with ".service" added when it had no suffix */
    char *pidfile;
    char *process;
    needed_mode needed;
    strv needed_globs;
    on_failure_mode on_failure;
    bool on_failure_set;
    strv depends_on;
    size_t (*depends_pos)[2]; /* line, column of each depends-on item */
    usec_t timeout;
    int retries;
    struct probe **probes; /* implicit probes first */
    size_t n_probes;
    strv errors;  /* load errors ("file:line:col: ..."); non-empty = broken */
    char *insecure; /* "insecure: ... is world-writable"; refused */
} service;

static inline bool service_broken(const service *s) { return s->errors.n > 0 || s->insecure; }

typedef struct checks {
    char *dir;
    service **v; /* sorted by name; broken ones included */
    size_t n;
    char *insecure; /* the directory or settings file is insecure: everything FAILED */
} checks;

/* Loads every definition in dir. Returns 0, or -ENOENT when dir is missing,
 * -ENODATA when it holds no definition; broken files become broken services. */
int checks_load(checks *c, const char *dir, const settings *s, bool enforce_owner);
void checks_free(checks *c);
service *checks_find(const checks *c, const char *name);
size_t checks_count_errors(const checks *c);

/* Loads one definition from a file or from a string (for tests). */
service *service_load_file(const char *path, const char *name, const settings *s);
service *service_load_string(const char *text, const char *file, const char *name, const settings *s);
void service_free(service *s);

/* Insecure-file rules of SPEC §3. Returns NULL when fine, else a reason. */
char *file_insecure_reason(const char *path, bool is_dir);

bool service_name_valid(const char *name);
