/* state.h: the state file (SPEC §7): per service, the last status, since
 * when, consecutive failures, recent restart times, when it was last
 * reported. A line-based text format, parsed strictly and bounded:
 *
 *   symbiosis-monit state 1
 *   service=exim4 status=FAILED since=1700000000 failures=3 reported=1700000000 restarts-total=4 restarts=1700000000,1700000120
 *   end
 *
 * Times are wall-clock seconds since the epoch; `restarts=-` when none. The
 * keys come in this order, each once; the `end` line guards against a cut
 * file. */
#pragma once

#include "util.h"

#define STATE_MAX_SIZE (1024 * 1024) /* bytes in a state file */
#define STATE_MAX_LINE 4096          /* bytes in one line */
#define STATE_MAX_ENTRIES 10000      /* services */
#define STATE_MAX_RESTARTS 64        /* restart times kept per service */

typedef struct state_entry {
    char *name;
    bool failed;              /* last status */
    int64_t since;            /* when that status began */
    uint32_t failures;        /* consecutive FAILED runs */
    int64_t reported;         /* when it was last printed; 0: never */
    uint64_t restarts_total;  /* restarts and starts ever made */
    int64_t *restarts;        /* recent restart times, oldest first */
    size_t n_restarts;
    bool known;               /* status loaded or recorded (not a fresh entry; written as since=0) */
} state_entry;

typedef struct state {
    state_entry *v;
    size_t n;
    char *on_disk; /* the file's text as state_load() read it (when it parsed) */
} state;

/* Parses a state file's bytes (any bytes: it is a fuzz target). 0 and *ret,
 * or -EINVAL with *ret_err ("line 3: ..."); *ret is untouched on error. */
int state_parse(const char *buf, size_t len, state *ret, char **ret_err);
/* The file's text. */
char *state_format(const state *s);

/* Loads path into *ret (empty when there is no file). A symbolic link at path
 * is -ELOOP (nothing touched). An unreadable or corrupt file is renamed to
 * PATH.corrupt when rename_corrupt (else left alone), *ret is empty and
 * *ret_warning says what happened; that still returns 0. */
int state_load(const char *path, bool rename_corrupt, state *ret, char **ret_warning);
/* Replaces path atomically: a temporary file in the same directory, fsync,
 * rename, fsync of the directory. -ELOOP when path is a symbolic link.
 * Nothing is written when the text is what state_load() read: a run that
 * saw nothing new (most cron runs) costs the disk nothing. */
int state_save(const char *path, const state *s, char **ret_err);

state_entry *state_find(const state *s, const char *name);
state_entry *state_get(state *s, const char *name); /* adds a fresh entry when absent */
/* Drops entries whose name is_kept() rejects. */
void state_prune(state *s, bool (*is_kept)(const char *name, void *userdata), void *userdata);

/* Restart times within window (seconds) before now. */
size_t state_restarts_within(const state_entry *e, int64_t now, int64_t window);
/* Records a restart at now; forgets times older than window and beyond
 * STATE_MAX_RESTARTS. */
void state_record_restart(state_entry *e, int64_t now, int64_t window);
/* Records this run's status at now: since and failures follow it. Returns
 * true when it differs from the recorded one (or there was none). */
bool state_record_status(state *s, const char *name, bool failed, int64_t now);

void state_free(state *s);
