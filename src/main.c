/* main.c: symbiosis-monit's flow: options, settings, definitions,
 * preconditions, the lock, probing, the report and the exit status. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mysql.h>

#include "config.h"
#include "format.h"
#include "journal.h"
#include "lazylib.h"
#include "lock.h"
#include "options.h"
#include "precond.h"
#include "probe.h"
#include "remedy.h"
#include "run.h"
#include "signals.h"
#include "state.h"

static int check_config(const checks *c, const strv *settings_errors, const char *settings_insecure)
{
    size_t errors = settings_errors->n + (settings_insecure ? 1 : 0) + (c->insecure ? 1 : 0);
    for (size_t i = 0; i < settings_errors->n; i++)
        printf("%s\n", settings_errors->v[i]);
    if (settings_insecure)
        printf("%s\n", settings_insecure);
    if (c->insecure)
        printf("%s\n", c->insecure);
    for (size_t i = 0; i < c->n; i++) {
        const service *s = c->v[i];
        if (s->insecure) {
            printf("%s\n", s->insecure);
            errors++;
        }
        for (size_t k = 0; k < s->errors.n; k++)
            printf("%s\n", s->errors.v[k]);
        errors += s->errors.n;
    }
    if (errors) {
        printf("%zu error%s in %s\n", errors, errors == 1 ? "" : "s", c->dir);
        return EXIT_USAGE;
    }
    printf("%zu definition%s in %s: OK\n", c->n, c->n == 1 ? "" : "s", c->dir);
    return EXIT_PASSED;
}

static void list_services(const checks *c, const strv *names)
{
    for (size_t i = 0; i < c->n; i++) {
        const service *s = c->v[i];
        bool want = names->n == 0;
        for (size_t k = 0; !want && k < names->n; k++)
            want = !strcmp(names->v[k], s->name);
        if (!want)
            continue;
        printf("%s", s->name);
        if (s->unit)
            printf(" (%s)", s->unit);
        if (!s->enabled)
            printf(" [disabled]");
        if (service_broken(s))
            printf(" [broken: %s]", s->insecure ? s->insecure : s->errors.v[0]);
        if (s->needed == NEEDED_NEVER)
            printf(" [never needed]");
        else if (s->needed == NEEDED_IF_EXISTS)
            printf(" [needed if %s exists: %s]", s->needed_globs.v[0], service_needed(s) ? "yes" : "no");
        putchar('\n');
        for (size_t j = 0; j < s->n_probes; j++) {
            char *t = format_duration(s->probes[j]->timeout);
            printf("  - %s (%s, timeout %s)\n", s->probes[j]->name, s->probes[j]->kind->type, t);
            free(t);
        }
    }
}

/* Whether any definition has a probe of this type. */
static bool uses_kind(const checks *c, const char *type)
{
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->v[i]->n_probes; j++)
            if (!strcmp(c->v[i]->probes[j]->kind->type, type))
                return true;
    return false;
}

/* Whether any probe talks through libcurl (probe.h). */
static bool uses_curl(const checks *c)
{
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->v[i]->n_probes; j++)
            if (probe_uses_curl(c->v[i]->probes[j]))
                return true;
    return false;
}

static bool path_exists(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    struct stat st;
    bool r = lstat(p, &st) == 0;
    free(p);
    return r;
}

/* The preconditions of §5 that come after the lock: 0 to go on, else the exit
 * status. The package manager's lock does not skip the run: *ret_hold then
 * says why nothing may be restarted or stopped. */
static int check_preconditions(const options *o, const settings *st, char **ret_hold)
{
    char *why = NULL;
    if (o->force)
        return 0;
    if (precond_booting(&why) || precond_load_too_high(st->skip_if_load_above, &why)) {
        if (!o->quiet)
            fprintf(stderr, "symbiosis-monit: %s; not running (--force runs anyway)\n", why);
        free(why);
        return EXIT_SKIPPED;
    }
    if (precond_package_manager_busy(&why)) {
        free(why);
        *ret_hold = xstrdup("package manager is running");
    }
    return 0;
}

static bool keep_in_state(const char *name, void *userdata)
{
    return checks_find(userdata, name) != NULL;
}

/* Records this run's statuses in the state; fills status_changed and
 * restarts_total. Returns whether the run has news for --quiet (§6): a
 * status changed (a first run counts), an action was taken, or a FAILED
 * service was last reported longer ago than remind-every. */
static bool record_state(state *sf, const checks *c, run_result *r, const settings *st)
{
    int64_t now = (int64_t)r->finished;
    bool news = false;
    state_prune(sf, keep_in_state, (void *)c);
    for (size_t i = 0; i < r->n_services; i++) {
        service_result *sr = &r->services[i];
        const state_entry *before = state_find(sf, sr->svc->name);
        bool remind = sr->failed && before && before->known && before->failed &&
                      now - before->reported >= st->remind_every / USEC_PER_SEC;
        sr->status_changed = state_record_status(sf, sr->svc->name, sr->failed, now);
        sr->restarts_total = (unsigned)state_find(sf, sr->svc->name)->restarts_total;
        news = news || sr->status_changed || sr->actions.n > 0 || remind;
    }
    return news;
}

/* Logs the run and writes the state (not with --dry-run). */
static void save_state(const options *o, state *sf, const run_result *r, bool shown)
{
    if (o->dry_run)
        return;
    for (size_t i = 0; shown && i < r->n_services; i++)
        state_get(sf, r->services[i].svc->name)->reported = (int64_t)r->finished;
    journal_report(r);
    char *err = NULL;
    if (state_save(o->state, sf, &err) < 0) {
        fprintf(stderr, "symbiosis-monit: %s\n", err);
        free(err);
    }
}

int main(int argc, char **argv)
{
    options o;
    int ex = EXIT_USAGE;
    if (options_parse(&o, argc, argv, &ex) < 0) {
        options_free(&o);
        return ex;
    }
    /* Before any thread: SIGTERM/SIGINT/SIGHUP stop the run (signals.h). */
    if (signals_install() < 0)
        fprintf(stderr, "symbiosis-monit: cannot set up signal handling; a signal will end the run abruptly\n");
    bool root = geteuid() == 0;
    settings st;
    settings_init(&st);
    strv settings_errors = {0};
    char *settings_insecure = NULL;
    if (root && access(o.config, F_OK) == 0)
        settings_insecure = file_insecure_reason(o.config, false);
    if (!settings_insecure)
        settings_load(&st, o.config, false, &settings_errors); /* absent is fine */
    if (o.deadline_given)
        st.deadline = o.deadline;

    checks c;
    int r = checks_load(&c, o.checks_dir, &st, root);
    if (r < 0) {
        if (r == -ENODATA)
            fprintf(stderr, "symbiosis-monit: no definitions (NAME.yaml) in %s\n", o.checks_dir);
        else
            fprintf(stderr, "symbiosis-monit: cannot read checks directory %s: %s\n", o.checks_dir, strerror(-r));
        ex = EXIT_USAGE;
        goto out_checks;
    }
    if (settings_insecure && !c.insecure)
        c.insecure = xstrdup(settings_insecure);

    if (o.check_config) {
        ex = check_config(&c, &settings_errors, settings_insecure);
        goto out_checks;
    }
    if (o.list) {
        for (size_t i = 0; i < o.services.n; i++)
            if (!checks_find(&c, o.services.v[i])) {
                fprintf(stderr, "symbiosis-monit: no service named '%s' in %s\n", o.services.v[i], o.checks_dir);
                ex = EXIT_USAGE;
                goto out_checks;
            }
        list_services(&c, &o.services);
        ex = EXIT_PASSED;
        goto out_checks;
    }
    /* libcurl and the MariaDB client are loaded when first used (lazylib.h);
     * the scheduler starts loading libcurl beside the probes that do not
     * need it. The MariaDB client library is thread-safe only after
     * mysql_library_init(), so it is initialised here, before any probe
     * thread, and after libcurl: the other order leaks OpenSSL's per-thread
     * random state of every probe thread that used TLS (seen with
     * LeakSanitizer). mysql_library_init() also looks the "mysql" service up
     * through NSS and /etc/services: only runs with a mysql probe pay for it. */
    if (uses_kind(&c, "mysql")) {
        /* A library that cannot be loaded fails only the probes that need
         * it, with the reason (lazylib.h); the run goes on. */
        if (uses_curl(&c))
            (void)lazylib_load(LAZYLIB_CURL);
        if (lazylib_load(LAZYLIB_MARIADB) == 0 && mysql_library_init(0, NULL, NULL) != 0) {
            fprintf(stderr, "symbiosis-monit: cannot initialise the MariaDB client library\n");
            ex = EXIT_FAILED;
            goto out_checks;
        }
    }
    /* Settings errors do not stop the checks: defaults are used, and the
     * admin is told (a warning about the run itself). */
    for (size_t i = 0; i < settings_errors.n; i++)
        fprintf(stderr, "symbiosis-monit: %s (using defaults)\n", settings_errors.v[i]);

    if (path_exists(o.checks_dir, "disabled") && !o.force) {
        if (!o.quiet)
            fprintf(stderr, "symbiosis-monit: disabled by %s/disabled; not running\n", o.checks_dir);
        ex = EXIT_SKIPPED;
        goto out_checks;
    }

    int lock_fd = -1;
    pid_t holder = 0;
    r = lock_acquire(o.lock, &lock_fd, &holder);
    if (r == -EWOULDBLOCK) {
        if (!o.quiet) {
            if (holder > 0)
                fprintf(stderr, "symbiosis-monit: another run (PID %d) holds the lock %s; not running\n",
                        (int)holder, o.lock);
            else
                fprintf(stderr, "symbiosis-monit: another run holds the lock %s; not running\n", o.lock);
        }
        ex = EXIT_SKIPPED;
        goto out_checks;
    }
    if (r == -ELOOP) {
        fprintf(stderr, "symbiosis-monit: lock file %s is a symbolic link; refusing to use it\n", o.lock);
        ex = EXIT_USAGE;
        goto out_checks;
    }
    if (r == -EPERM || r == -EINVAL) {
        fprintf(stderr, "symbiosis-monit: lock file %s %s; refusing to use it\n", o.lock,
                r == -EPERM ? "belongs to another user" : "is not a regular file");
        ex = EXIT_USAGE;
        goto out_checks;
    }
    if (r < 0) {
        fprintf(stderr, "symbiosis-monit: cannot open lock file %s: %s\n", o.lock, strerror(-r));
        ex = EXIT_USAGE;
        goto out_checks;
    }

    char *hold = NULL, *state_warning = NULL;
    state sf;
    ex = check_preconditions(&o, &st, &hold);
    if (ex == 0 && state_load(o.state, !o.dry_run, &sf, &state_warning) < 0) {
        fprintf(stderr, "symbiosis-monit: state file %s is a symbolic link; refusing to use it\n", o.state);
        free(hold);
        ex = EXIT_USAGE;
    }
    if (ex != 0) {
        lock_release(lock_fd);
        goto out_checks;
    }
    if (state_warning)
        fprintf(stderr, "symbiosis-monit: %s\n", state_warning);

    run_ctx ctx = {.checks = &c, .settings = &st};
    usec_t start = now_mono();
    ctx.run_deadline = start + st.deadline;
    ctx.progress = isatty(STDERR_FILENO);
    ctx.result.started = time(NULL);
    char *missing = NULL;
    if (run_select(&ctx, &o.services, &missing) < 0) {
        fprintf(stderr, "symbiosis-monit: no service named '%s' in %s\n", missing, o.checks_dir);
        free(missing);
        run_result_free(&ctx.result);
        state_free(&sf);
        free(hold);
        free(state_warning);
        lock_release(lock_fd);
        ex = EXIT_USAGE;
        goto out_checks;
    }
    /* The host's full name is for the report only: looked up beside the
     * probes when a report is sure to be shown, else only once it is (most
     * --quiet runs show none, and need not ask a resolver anything). A hung
     * resolver costs at most a second past the probes, never the deadline. */
    fqdn_lookup *fqdn = o.quiet ? NULL : host_fqdn_start();
    run_probe(&ctx, NULL, 0);
    if (fqdn)
        ctx.result.host = host_fqdn_wait(fqdn, usec_min(ctx.run_deadline, now_mono() + USEC_PER_SEC));
    remedy_opts ro = {.dry_run = o.dry_run, .hold = hold, .state_path = o.dry_run ? NULL : o.state};
    remedy_run(&ctx, &sf, &ro);

    ctx.result.finished = time(NULL);
    ctx.result.duration = now_mono() - start;
    ctx.result.exit_status = run_exit_status(&ctx.result);

    const formatter *f = formatter_find(o.format);
    bool news = record_state(&sf, &c, &ctx.result, &st);
    bool show = !o.quiet || news || state_warning || settings_errors.n > 0 || ctx.result.deadline_hit;
    if (show && !ctx.result.host)
        ctx.result.host = host_fqdn_wait(host_fqdn_start(), usec_min(ctx.run_deadline, now_mono() + USEC_PER_SEC));
    signals_commit_begin(); /* a stop signal now waits for the report */
    save_state(&o, &sf, &ctx.result, show);
    state_free(&sf);
    free(hold);
    free(state_warning);
    if (show) {
        format_opts fo = {.verbose = o.verbose};
        f->write(stdout, &ctx.result, &fo);
    }
    if (fflush(stdout) != 0 && errno != EPIPE) /* `| head` closing early is no news */
        fprintf(stderr, "symbiosis-monit: cannot write the report: %s\n", strerror(errno));
    if (o.prometheus && (r = format_prometheus_file(o.prometheus, &ctx.result)) < 0)
        fprintf(stderr, "symbiosis-monit: cannot write %s: %s\n", o.prometheus, strerror(-r));
    ex = f->exit_status ? f->exit_status(&ctx.result) : ctx.result.exit_status;
    signals_commit_end();
    lock_release(lock_fd);
    if (ctx.cut) {
        /* Abandoned probe threads may still read the definitions: leave them
         * to the exit. */
        _exit(ex);
    }
    run_result_free(&ctx.result);

out_checks:
    checks_free(&c);
    strv_free(&settings_errors);
    free(settings_insecure);
    options_free(&o);
    lazylib_cleanup();
    signals_uninstall();
    return ex;
}
