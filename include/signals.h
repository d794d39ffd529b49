/* signals.h: SIGTERM, SIGINT and SIGHUP stop a run cleanly: commands that exec
 * probes started are killed with their process groups, the run's results are
 * not recorded (the state file keeps what it had, and the restarts the run had
 * already counted: remedy.h), the lock goes with the process,
 * and the exit status is 128 + the signal's number with a message on stderr.
 *
 * A signal ignored when the run starts (nohup, a background job) stays
 * ignored. The signals are blocked in every thread and taken by one thread of ours
 * (sigwait), so nothing runs in a signal handler and no probe has to look at
 * a flag: probes bound themselves by their deadlines, and the run is ended
 * from that thread with _exit(). SIGPIPE is ignored: a peer that hangs up is
 * an error on the socket, never the end of the run. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Call once from main() before any other thread exists. 0 or negative errno
 * (then the default actions stay in force, and the run goes on). */
int signals_install(void);
/* At the end of main(): ends the thread (the signals stay blocked, so one that
 * comes after waits for the exit and is lost with it). */
void signals_uninstall(void);

/* Around the start of a child process group (exec probes): begin before
 * posix_spawn, end after it with the child's PID (0 when it failed). A stop
 * that comes meanwhile waits for end, so no group is started unseen; a
 * tracked group is killed with SIGKILL when the run is stopped. untrack once
 * the child is reaped. */
void signals_spawn_begin(void);
void signals_spawn_end(pid_t pgid);
void signals_untrack(pid_t pgid);

/* From here on the run is committing its results (state file, journal,
 * report): a stop signal waits for signals_commit_end() (at most a few
 * seconds), so that a state file that says a run was reported is never left
 * behind without the report. */
void signals_commit_begin(void);
void signals_commit_end(void);

/* The signal that stopped the run, or 0 (for tests). */
int signals_received(void);
