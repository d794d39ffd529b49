/* main.c: symbiosis-monit's flow: options, settings, definitions,
 * preconditions, the lock, probing, the report and the exit status. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "format.h"
#include "lock.h"
#include "options.h"
#include "probe.h"
#include "run.h"

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

static bool path_exists(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name);
    struct stat st;
    bool r = lstat(p, &st) == 0;
    free(p);
    return r;
}

int main(int argc, char **argv)
{
    options o;
    int ex = EXIT_USAGE;
    if (options_parse(&o, argc, argv, &ex) < 0) {
        options_free(&o);
        return ex;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "symbiosis-monit: cannot initialise libcurl\n");
        options_free(&o);
        return EXIT_FAILED;
    }
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
    if (r < 0) {
        fprintf(stderr, "symbiosis-monit: cannot open lock file %s: %s\n", o.lock, strerror(-r));
        ex = EXIT_USAGE;
        goto out_checks;
    }

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
        lock_release(lock_fd);
        ex = EXIT_USAGE;
        goto out_checks;
    }
    ctx.result.host = host_fqdn();
    run_probe(&ctx, NULL, 0);

    ctx.result.finished = time(NULL);
    ctx.result.duration = now_mono() - start;
    ctx.result.exit_status = run_exit_status(&ctx.result);

    const formatter *f = formatter_find(o.format);
    bool show = !o.quiet || run_result_count_failed(&ctx.result) > 0 || settings_errors.n > 0 ||
                ctx.result.deadline_hit;
    if (show) {
        format_opts fo = {.verbose = o.verbose};
        f->write(stdout, &ctx.result, &fo);
    }
    if (fflush(stdout) != 0)
        fprintf(stderr, "symbiosis-monit: cannot write the report: %s\n", strerror(errno));
    if (o.prometheus && (r = format_prometheus_file(o.prometheus, &ctx.result)) < 0)
        fprintf(stderr, "symbiosis-monit: cannot write %s: %s\n", o.prometheus, strerror(-r));
    ex = f->exit_status ? f->exit_status(&ctx.result) : ctx.result.exit_status;
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
    curl_global_cleanup();
    return ex;
}
