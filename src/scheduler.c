/* scheduler.c: a pool of worker threads that runs probes, at most `parallel` at
 * once. Probes bound themselves by their deadlines; the pool adds a last
 * guard: past the run deadline (and a short grace) unfinished jobs are marked
 * failed and their threads abandoned, so a probe stuck in a library call cannot hang a run.
 *
 * Threads cost (a stack, a clone, their exit: ~70 us of CPU each here), and
 * most probes of a healthy host finish in well under a millisecond, so the
 * pool starts small and doubles, up to `parallel`, while jobs wait and either
 * none finished for RAMP_AFTER (hung servers) or, at the mean duration so far,
 * the waiting ones would take the workers longer than DRAIN_TARGET. A batch of
 * hung servers costs a few milliseconds of ramping, never a probe's timeout.
 * Jobs that talk through libcurl are taken last, and the library starts
 * loading (lazylib.h) once the first workers run: they need not wait for it,
 * and pthread_create() would (the loader's lock). The pool does not grow
 * while it loads. */
#include "scheduler.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "fdlimit.h"
#include "lazylib.h"

#define GRACE (500 * USEC_PER_MSEC)
#define RAMP_AFTER (2 * USEC_PER_MSEC)
#define DRAIN_TARGET (2 * USEC_PER_MSEC)
#define RAMP_CHECK USEC_PER_MSEC

typedef struct pool {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* signalled when a job finishes */
    sched_job *jobs;
    size_t *order; /* the order in which jobs are taken: indexes into jobs */
    size_t n, next, done;
    usec_t busy; /* the durations of the finished jobs, summed */
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
        free(p->order);
        free(p);
    }
}

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->abandoned && p->next < p->n) {
        size_t i = p->order[p->next++];
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
        p->busy += r.duration;
        pthread_cond_broadcast(&p->cond);
    }
    p->workers_alive--;
    pthread_cond_broadcast(&p->cond);
    pool_unref(p);
    return NULL;
}

/* Whether more workers may start: jobs wait, and libcurl is not loading
 * (pthread_create() would wait for it, and a curl job's worker too). */
static bool pool_may_grow(const pool *p)
{
    return p->next < p->n && !lazylib_loading(LAZYLIB_CURL);
}

static void timespec_from_mono(usec_t mono, struct timespec *ts)
{
    /* The condition variable uses CLOCK_MONOTONIC (see below). */
    ts->tv_sec = mono / USEC_PER_SEC;
    ts->tv_nsec = (mono % USEC_PER_SEC) * 1000;
}

/* Starts up to count more workers; called and returns with p->lock held
 * (released while creating: workers take jobs as soon as they exist). */
static void start_workers(pool *p, const pthread_attr_t *attr, pthread_t *threads, size_t *started, size_t count)
{
    for (size_t k = 0; k < count && (k == 0 || p->next < p->n); k++) {
        p->refs++;
        p->workers_alive++;
        pthread_mutex_unlock(&p->lock);
        int created = pthread_create(&threads[*started], attr, worker, p);
        pthread_mutex_lock(&p->lock);
        if (created != 0) {
            p->refs--;
            p->workers_alive--;
            return; /* the ones running go on; a later stall tries again */
        }
        (*started)++;
    }
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
    p->order = xcalloc(n, sizeof *p->order);
    size_t k = 0, curl_jobs = 0;
    for (int late = 0; late < 2; late++)
        for (size_t i = 0; i < n; i++)
            if (probe_uses_curl(jobs[i].probe) == (bool)late) {
                p->order[k++] = i;
                curl_jobs += late;
            }
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
    pthread_mutex_lock(&p->lock);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t first = cpus > 2 ? 2 * (size_t)cpus : 4;
    start_workers(p, &attr, threads, &started_threads, first < want ? first : want);
    if (curl_jobs && started_threads > 0)
        lazylib_preload(LAZYLIB_CURL);
    if (started_threads == 0) {
        /* No thread at all: run inline. */
        pthread_mutex_unlock(&p->lock);
        for (size_t j = 0; j < n; j++)
            probe_execute(jobs[j].probe, run_deadline, p->started, jobs[j].result);
        pthread_mutex_lock(&p->lock);
        p->done = n;
        p->next = n;
        for (size_t j = 0; j < n; j++)
            p->finished[j] = true;
    }

    usec_t started = now_mono();
    size_t reported = 0, done_before = p->done;
    usec_t give_up = run_deadline + GRACE, moved = started, grown = started;
    while (p->done < n && p->workers_alive > 0) {
        struct timespec ts;
        usec_t wake = give_up;
        if (progress)
            wake = usec_min(wake, now_mono() + 100 * USEC_PER_MSEC);
        if (started_threads < want && p->next < n)
            wake = usec_min(wake, now_mono() + RAMP_CHECK);
        timespec_from_mono(wake, &ts);
        pthread_cond_timedwait(&p->cond, &p->lock, &ts);
        usec_t now = now_mono();
        bool stalled = p->done == done_before && now >= moved + RAMP_AFTER;
        bool slow = p->done > 0 && (n - p->next) * (p->busy / p->done) > DRAIN_TARGET * started_threads;
        if (p->done != done_before || !pool_may_grow(p)) {
            done_before = p->done;
            moved = now;
        }
        if (started_threads < want && pool_may_grow(p) && (stalled || slow) && now >= grown + RAMP_CHECK) {
            /* Double the pool. */
            size_t more = started_threads;
            if (more > want - started_threads)
                more = want - started_threads;
            if (more > n - p->next)
                more = n - p->next;
            start_workers(p, &attr, threads, &started_threads, more);
            moved = grown = now;
        }
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
    pthread_attr_destroy(&attr);
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
