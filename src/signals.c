/* signals.c: stopping a run on SIGTERM, SIGINT or SIGHUP from one thread that
 * waits for them (see signals.h for the contract). */
#include "signals.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define COMMIT_WAIT (5 * USEC_PER_SEC) /* for the results to be recorded */
#define TERM_GRACE (200 * USEC_PER_MSEC) /* between SIGTERM and SIGKILL */

static pthread_mutex_t sig_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sig_cond = PTHREAD_COND_INITIALIZER; /* spawning or committing ended */
static pid_t *groups;           /* tracked process groups */
static size_t n_groups, cap_groups;
static unsigned spawning;       /* posix_spawn calls under way */
static bool committing;
static volatile sig_atomic_t received;
static sigset_t stop_set;
static pthread_t sig_thread;
static bool sig_thread_started;

static const char *signals_name(int sig)
{
    switch (sig) {
    case SIGTERM:
        return "SIGTERM";
    case SIGINT:
        return "SIGINT";
    case SIGHUP:
        return "SIGHUP";
    }
    return "a signal";
}

/* Waits on sig_cond (lock held) while *flag (or *count) holds, at most wait.
 * The condition variable keeps the default clock (it works without
 * signals_install() too, in unit tests); a wall-clock step only stretches or
 * shortens this short bound. */
static void signals_wait_while(const bool *flag, const unsigned *count, usec_t wait)
{
    usec_t until = now_wall() + wait;
    struct timespec ts = {.tv_sec = until / USEC_PER_SEC, .tv_nsec = (until % USEC_PER_SEC) * 1000};
    while (flag ? *flag : *count > 0)
        if (pthread_cond_timedwait(&sig_cond, &sig_lock, &ts) == ETIMEDOUT)
            break;
}

/* Kills every tracked group (SIGTERM, a short grace, SIGKILL); lock held. */
static size_t signals_kill_groups(void)
{
    size_t n = 0;
    for (size_t i = 0; i < n_groups; i++)
        if (kill(-groups[i], SIGTERM) == 0)
            n++;
    if (n) {
        sleep_usec(TERM_GRACE);
        for (size_t i = 0; i < n_groups; i++)
            (void)kill(-groups[i], SIGKILL); /* ESRCH: the group is gone already */
    }
    return n;
}

/* Ends the run; returns only when the results were recorded meanwhile. */
static void signals_stop(int sig)
{
    pthread_mutex_lock(&sig_lock);
    received = sig;
    if (committing) {
        signals_wait_while(&committing, NULL, COMMIT_WAIT);
        if (!committing) {
            pthread_mutex_unlock(&sig_lock);
            fprintf(stderr, "symbiosis-monit: %s came after the results were recorded; the run is complete\n",
                    signals_name(sig));
            return;
        }
    }
    /* No group is started unseen: wait for posix_spawn calls under way. The
     * lock stays held from here to _exit(), so no new one begins. */
    signals_wait_while(NULL, &spawning, USEC_PER_SEC);
    size_t killed = signals_kill_groups();
    char msg[256];
    int len;
    if (committing)
        len = snprintf(msg, sizeof msg, "symbiosis-monit: interrupted by %s while recording the results\n",
                       signals_name(sig));
    else if (killed)
        len = snprintf(msg, sizeof msg,
                       "symbiosis-monit: interrupted by %s; run stopped, %zu command%s killed, results not recorded\n",
                       signals_name(sig), killed, killed == 1 ? "" : "s");
    else
        len = snprintf(msg, sizeof msg, "symbiosis-monit: interrupted by %s; run stopped, results not recorded\n",
                       signals_name(sig));
    /* stdout may hold half a report: it is dropped with _exit(). */
    if (len > 0 && write(STDERR_FILENO, msg, (size_t)len) < 0) {
        /* Nowhere left to say it; the exit status still does. */
    }
    _exit(128 + sig);
}

static void *signals_thread(void *arg)
{
    UNUSED(arg);
    for (;;) {
        int sig = 0;
        /* Only here may signals_uninstall() cancel it: not while it stops
         * the run (which holds sig_lock and ends in _exit()). */
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        int r = sigwait(&stop_set, &sig);
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        if (r == 0)
            signals_stop(sig);
    }
    return NULL;
}

int signals_install(void)
{
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    if (sigaction(SIGPIPE, &ign, NULL) < 0)
        return -errno;
    /* A signal ignored when we start (nohup, a shell's background job) stays
     * ignored, as the one who started us wanted. */
    sigemptyset(&stop_set);
    static const int stops[] = {SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < ARRAY_SIZE(stops); i++) {
        struct sigaction old_action;
        if (sigaction(stops[i], NULL, &old_action) == 0 && old_action.sa_handler == SIG_IGN)
            continue;
        sigaddset(&stop_set, stops[i]);
    }
    /* Blocked here, so in every thread created after: only ours takes them. */
    sigset_t old;
    int r = pthread_sigmask(SIG_BLOCK, &stop_set, &old);
    if (r != 0)
        return -r;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    r = pthread_create(&sig_thread, &attr, signals_thread, NULL);
    pthread_attr_destroy(&attr);
    if (r != 0) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return -r;
    }
    sig_thread_started = true;
    return 0;
}

void signals_uninstall(void)
{
    if (!sig_thread_started)
        return;
    /* A signal that comes now is taken as before: the thread disables its
     * cancellation first, stops the run and never returns here. */
    if (pthread_cancel(sig_thread) == 0)
        pthread_join(sig_thread, NULL);
    sig_thread_started = false;
}

void signals_spawn_begin(void)
{
    pthread_mutex_lock(&sig_lock);
    spawning++;
    pthread_mutex_unlock(&sig_lock);
}

void signals_spawn_end(pid_t pgid)
{
    pthread_mutex_lock(&sig_lock);
    if (pgid > 0) {
        if (n_groups == cap_groups) {
            cap_groups = cap_groups ? 2 * cap_groups : 16;
            groups = xrealloc(groups, cap_groups * sizeof *groups);
        }
        groups[n_groups++] = pgid;
    }
    spawning--;
    pthread_cond_broadcast(&sig_cond);
    pthread_mutex_unlock(&sig_lock);
}

void signals_untrack(pid_t pgid)
{
    pthread_mutex_lock(&sig_lock);
    for (size_t i = 0; i < n_groups; i++)
        if (groups[i] == pgid) {
            groups[i] = groups[--n_groups];
            break;
        }
    if (n_groups == 0) {
        free(groups);
        groups = NULL;
        cap_groups = 0;
    }
    pthread_mutex_unlock(&sig_lock);
}

void signals_commit_begin(void)
{
    pthread_mutex_lock(&sig_lock);
    committing = true;
    pthread_mutex_unlock(&sig_lock);
}

void signals_commit_end(void)
{
    pthread_mutex_lock(&sig_lock);
    committing = false;
    pthread_cond_broadcast(&sig_cond);
    pthread_mutex_unlock(&sig_lock);
}

int signals_received(void)
{
    return received;
}
