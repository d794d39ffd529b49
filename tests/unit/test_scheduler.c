/* test_scheduler.c: the pool of probe threads: quick jobs are done by a few
 * threads, slow ones make it grow (never past `parallel`), every job runs
 * once, curl jobs go last, the run deadline cuts what is left. The probes are
 * a test kind whose run function sleeps and counts how many run at once: what
 * is tested is the scheduling, not a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "scheduler.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int running, peak;
static size_t order_seen[64], n_seen;

typedef struct sleepy_cfg {
    usec_t sleep;
    size_t id;
} sleepy_cfg;

static void sleepy_run(probe_run *run)
{
    const sleepy_cfg *cfg = run->probe->cfg;
    pthread_mutex_lock(&lock);
    if (++running > peak)
        peak = running;
    if (n_seen < 64)
        order_seen[n_seen++] = cfg->id;
    pthread_mutex_unlock(&lock);
    usec_t until = usec_min(now_mono() + cfg->sleep, run->deadline);
    while (now_mono() < until)
        sleep_usec(until - now_mono());
    pthread_mutex_lock(&lock);
    running--;
    pthread_mutex_unlock(&lock);
    probe_ok(run, "slept");
}

/* A probe stuck in a library call: it ignores its deadline. */
static void stuck_run(probe_run *run)
{
    const sleepy_cfg *cfg = run->probe->cfg;
    sleep_usec(cfg->sleep);
    probe_ok(run, "back at last");
}

static const probe_kind sleepy = {.type = "sleepy", .run = sleepy_run};
static const probe_kind stuck = {.type = "stuck", .run = stuck_run};
static const probe_kind sleepy_curl = {.type = "sleepy-curl", .flags = PROBE_CURL, .run = sleepy_run};

typedef struct batch {
    probe probes[64];
    sleepy_cfg cfgs[64];
    probe_result results[64];
    sched_job jobs[64];
    size_t n;
} batch;

static void batch_init(batch *b, size_t n, usec_t sleep)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        b->cfgs[i] = (sleepy_cfg){.sleep = sleep, .id = i};
        b->probes[i] = (probe){.kind = &sleepy, .name = "sleepy", .timeout = 10 * USEC_PER_SEC, .cfg = &b->cfgs[i]};
        b->jobs[i] = (sched_job){.probe = &b->probes[i], .result = &b->results[i]};
    }
    running = peak = 0;
    n_seen = 0;
}

static void batch_clear(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        probe_result_clear(&b->results[i]);
}

static void assert_all_passed(const batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        assert_int_equal(b->results[i].status, PROBE_OK);
        assert_int_equal(b->results[i].attempts, 1);
    }
}

static void test_quick_jobs_few_threads(void **unused)
{
    (void)unused;
    static batch b;
    batch_init(&b, 60, 100); /* 60 jobs of 0.1 ms */
    assert_int_equal(sched_run(b.jobs, b.n, 32, now_mono() + 10 * USEC_PER_SEC, NULL, NULL), 0);
    assert_all_passed(&b);
    assert_int_equal(n_seen, 60);
    /* A start of 4 drains them in ~1.5 ms: no reason to grow much (a slow,
     * loaded machine may double once or twice). */
    assert_true(peak <= 16);
    batch_clear(&b);
}

static void test_slow_jobs_grow_to_parallel(void **unused)
{
    (void)unused;
    static batch b;
    batch_init(&b, 24, 400 * USEC_PER_MSEC); /* 24 hung servers, say */
    usec_t t = now_mono();
    assert_int_equal(sched_run(b.jobs, b.n, 32, now_mono() + 10 * USEC_PER_SEC, NULL, NULL), 0);
    usec_t took = now_mono() - t;
    assert_all_passed(&b);
    assert_int_equal(peak, 24); /* all at once in the end */
    /* 4 at a time would take 6 x 0.4 s; growing takes a few ms. */
    assert_true(took < 1200 * USEC_PER_MSEC);
    batch_clear(&b);
}

static void test_never_past_parallel(void **unused)
{
    (void)unused;
    static batch b;
    batch_init(&b, 12, 50 * USEC_PER_MSEC);
    assert_int_equal(sched_run(b.jobs, b.n, 3, now_mono() + 10 * USEC_PER_SEC, NULL, NULL), 0);
    assert_all_passed(&b);
    assert_int_equal(peak, 3);
    batch_clear(&b);
}

static void test_curl_jobs_last(void **unused)
{
    (void)unused;
    static batch b;
    batch_init(&b, 10, 100);
    for (size_t i = 0; i < 10; i += 2)
        b.probes[i].kind = &sleepy_curl; /* 0, 2, 4, 6, 8 talk through libcurl */
    assert_int_equal(sched_run(b.jobs, b.n, 1, now_mono() + 10 * USEC_PER_SEC, NULL, NULL), 0);
    assert_all_passed(&b);
    const size_t want[] = {1, 3, 5, 7, 9, 0, 2, 4, 6, 8};
    assert_int_equal(n_seen, 10);
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(order_seen[i], want[i]);
    batch_clear(&b);
}

static void test_deadline_ends_probes(void **unused)
{
    (void)unused;
    static batch b;
    batch_init(&b, 8, 3 * USEC_PER_SEC);
    usec_t t = now_mono();
    size_t cut = sched_run(b.jobs, b.n, 32, now_mono() + 200 * USEC_PER_MSEC, NULL, NULL);
    usec_t took = now_mono() - t;
    /* Each probe stops at the run deadline on its own (run->deadline): none
     * needs cutting, and the batch ends right after the deadline. */
    assert_int_equal(cut, 0);
    assert_true(took < USEC_PER_SEC);
    assert_all_passed(&b);
    batch_clear(&b);
}

static void test_deadline_cuts_stuck_probes(void **unused)
{
    (void)unused;
    static batch b; /* static: the abandoned workers outlive the call */
    batch_init(&b, 6, 3 * USEC_PER_SEC);
    for (size_t i = 0; i < 3; i++)
        b.probes[i].kind = &stuck;
    usec_t t = now_mono();
    size_t cut = sched_run(b.jobs, b.n, 32, now_mono() + 200 * USEC_PER_MSEC, NULL, NULL);
    usec_t took = now_mono() - t;
    assert_int_equal(cut, 3);
    assert_true(took < 1500 * USEC_PER_MSEC); /* the deadline and the grace, not 3 s */
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(b.results[i].status, PROBE_FAIL);
        assert_string_equal(b.results[i].detail, "run deadline reached");
    }
    for (size_t i = 3; i < 6; i++)
        assert_int_equal(b.results[i].status, PROBE_OK);
    batch_clear(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quick_jobs_few_threads),
        cmocka_unit_test(test_slow_jobs_grow_to_parallel),
        cmocka_unit_test(test_never_past_parallel),
        cmocka_unit_test(test_curl_jobs_last),
        cmocka_unit_test(test_deadline_ends_probes),
        cmocka_unit_test(test_deadline_cuts_stuck_probes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
