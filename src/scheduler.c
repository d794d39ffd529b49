/* scheduler.c: a pool of worker threads that runs probes, at most `parallel` at
 * once. Probes bound themselves by their deadlines; the pool adds a last
 * guard: past the run deadline (and a short grace) unfinished jobs are marked
 * failed and their threads abandoned, so a probe stuck in a library call cannot hang a run. */
#include "scheduler.h"

#include <pthread.h>
#include <string.h>

#include "fdlimit.h"

#define GRACE (500 * USEC_PER_MSEC)

typedef struct pool {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* signalled when a job finishes */
    sched_job *jobs;
    size_t n, next, done;
    bool *finished;  /* per job */
    bool abandoned;  /* the caller gave up waiting */
    usec_t run_deadline;
    usec_t started; /* monotonic: the batch's (probe_run.batch_started) */
    size_t workers_alive;
    size_t refs; /* caller + workers; the last one frees */
} pool;

static void pool_unref(pool *p)
{
    /* Called with the lock held; unlocks. */
    bool last = --p->refs == 0;
    pthread_mutex_unlock(&p->lock);
    if (last) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->cond);
        free(p->finished);
        free(p);
    }
}

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->abandoned && p->next < p->n) {
        size_t i = p->next++;
        const probe *pr = p->jobs[i].probe;
        pthread_mutex_unlock(&p->lock);

        probe_result r = {0};
        probe_execute(pr, p->run_deadline, p->started, &r);

        pthread_mutex_lock(&p->lock);
        if (p->abandoned) {
            probe_result_clear(&r);
            break;
        }
        *p->jobs[i].result = r;
        p->finished[i] = true;
        p->done++;
        pthread_cond_broadcast(&p->cond);
    }
    p->workers_alive--;
    pthread_cond_broadcast(&p->cond);
    pool_unref(p);
    return NULL;
}

static void timespec_from_mono(usec_t mono, struct timespec *ts)
{
    /* The condition variable uses CLOCK_MONOTONIC (see below). */
    ts->tv_sec = mono / USEC_PER_SEC;
    ts->tv_nsec = (mono % USEC_PER_SEC) * 1000;
}

size_t sched_run(sched_job *jobs, size_t n, int parallel, usec_t run_deadline, sched_progress_fn progress,
                 void *userdata)
{
    if (n == 0)
        return 0;
    pool *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &ca);
    pthread_condattr_destroy(&ca);
    p->jobs = jobs;
    p->n = n;
    p->finished = xcalloc(n, sizeof *p->finished);
    p->run_deadline = run_deadline;
    p->started = now_mono();
    p->refs = 1;

    size_t want = parallel > 0 ? (size_t)parallel : 1;
    if (want > n)
        want = n;
    want = fdlimit_parallel(want); /* within RLIMIT_NOFILE: see fdlimit.h */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t *threads = xcalloc(want, sizeof *threads);
    size_t started_threads = 0;
    /* Workers take jobs as soon as they exist (the lock is not held while
     * creating them), and no more are started once every job is taken: a
     * batch of quick probes does not pay for `parallel` threads. */
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < want && (i == 0 || p->next < n); i++) {
        p->refs++;
        p->workers_alive++;
        pthread_mutex_unlock(&p->lock);
        int created = pthread_create(&threads[i], &attr, worker, p);
        pthread_mutex_lock(&p->lock);
        if (created != 0) {
            p->refs--;
            p->workers_alive--;
            if (p->workers_alive == 0 && i == 0) {
                /* No thread at all: run inline. */
                pthread_mutex_unlock(&p->lock);
                for (size_t j = 0; j < n; j++)
                    probe_execute(jobs[j].probe, run_deadline, p->started, jobs[j].result);
                pthread_mutex_lock(&p->lock);
                p->done = n;
                for (size_t j = 0; j < n; j++)
                    p->finished[j] = true;
            }
            break;
        }
        started_threads++;
    }
    pthread_attr_destroy(&attr);

    usec_t started = now_mono();
    size_t reported = 0;
    usec_t give_up = run_deadline + GRACE;
    while (p->done < n && p->workers_alive > 0) {
        struct timespec ts;
        usec_t wake = give_up;
        if (progress)
            wake = usec_min(wake, now_mono() + 100 * USEC_PER_MSEC);
        timespec_from_mono(wake, &ts);
        pthread_cond_timedwait(&p->cond, &p->lock, &ts);
        if (progress) {
            reported = p->done;
            progress(p->finished, p->done, n, userdata);
        }
        if (now_mono() >= give_up)
            break;
    }
    size_t cut = 0;
    bool abandon = p->done < n;
    if (p->done < n) {
        p->abandoned = true;
        for (size_t i = 0; i < n; i++)
            if (!p->finished[i]) {
                probe_result_clear(jobs[i].result);
                jobs[i].result->status = PROBE_FAIL;
                jobs[i].result->detail = xstrdup("run deadline reached");
                jobs[i].result->duration = now_mono() - started;
                cut++;
            }
    }
    if (progress && reported != n) {
        for (size_t i = 0; i < n; i++)
            p->finished[i] = true; /* for the caller's count; workers no longer look */
        progress(p->finished, n, n, userdata);
    }
    pool_unref(p);
    /* Join finished workers, so that their thread-local state (OpenSSL's
     * error queues...) is released before we go on; abandoned ones are
     * detached and left to the process exit. */
    for (size_t i = 0; i < started_threads; i++) {
        if (abandon)
            pthread_detach(threads[i]);
        else
            pthread_join(threads[i], NULL);
    }
    free(threads);
    return cut;
}
