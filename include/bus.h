/* bus.h: systemd over sd-bus: unit state, jobs (restart, start, stop) awaited
 * through JobRemoved, failed units, the manager's state. Every call is bounded;
 * nothing here prints. Errors are negative errno with a one-line *ret_err. */
#pragma once

#include <systemd/sd-bus.h>

#include "util.h"

typedef struct unit_state {
    char *active;     /* ActiveState: "active", "failed", "inactive", ... */
    char *sub;        /* SubState: "running", "dead", "auto-restart", ... */
    char *load;       /* LoadState: "loaded", "masked", "not-found", ... */
    char *file_state; /* UnitFileState: "enabled", "masked", "static", "" ... */
    char *result;     /* Service Result: "success", "exit-code", "start-limit-hit"; NULL for non-services */
} unit_state;

void unit_state_free(unit_state *s);
bool unit_state_is_active(const unit_state *s); /* active or reloading */
bool unit_state_is_masked(const unit_state *s);

/* Connects to the system bus; every method call on it is bounded by timeout. */
int bus_open(usec_t timeout, sd_bus **ret_bus, char **ret_err);
void bus_close(sd_bus *bus);
/* Bounds the method calls that follow. */
void bus_set_timeout(sd_bus *bus, usec_t timeout);

/* LoadUnit, then its states. */
int bus_unit_state(sd_bus *bus, const char *unit, unit_state *ret, char **ret_err);

/* "RestartUnit", "StartUnit" or "StopUnit" in mode "replace", waiting for the
 * job's JobRemoved up to deadline (monotonic). 0 and *ret_result (the job's
 * result: "done", "failed", "timeout", ...) when the job ended; -ETIMEDOUT
 * when it did not end in time; other errors with *ret_err. */
int bus_unit_job(sd_bus *bus, const char *method, const char *unit, usec_t deadline, char **ret_result,
                 char **ret_err);

int bus_reset_failed(sd_bus *bus, const char *unit, char **ret_err);

/* Names of every failed unit on the host, sorted. */
int bus_failed_units(sd_bus *bus, strv *ret, char **ret_err);

/* The manager's SystemState: "initializing", "starting", "running", ... */
int bus_system_state(sd_bus *bus, char **ret, char **ret_err);

/* For the unit and systemd probe kinds (src/probe/unit.c). */
struct probe_run;
/* Completes the attempt with the unit's state: ok when active, else why not. */
void unit_probe_check(struct probe_run *run, const char *unit);
/* The bus within the attempt's deadline; NULL after completing it as failed. */
sd_bus *unit_probe_bus(struct probe_run *run);
/* Completes the attempt from a failed bus call (r, its message err). */
void unit_probe_bus_fail(struct probe_run *run, int r, const char *err);
