/* state.c: the state file: a strict, bounded reader, the writer, and atomic
 * replacement that never follows a symbolic link. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"

#define STATE_HEADER "symbiosis-monit state 1"
#define STATE_END "end"
#define TIME_MAX ((int64_t)1 << 40) /* beyond any real clock; rejects nonsense */

static void entry_free(state_entry *e)
{
    free(e->name);
    free(e->restarts);
}

void state_free(state *s)
{
    for (size_t i = 0; i < s->n; i++)
        entry_free(&s->v[i]);
    free(s->v);
    free(s->on_disk);
    *s = (state){0};
}

state_entry *state_find(const state *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].name, name))
            return &s->v[i];
    return NULL;
}

state_entry *state_get(state *s, const char *name)
{
    state_entry *e = state_find(s, name);
    if (e)
        return e;
    s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    e = &s->v[s->n++];
    *e = (state_entry){.name = xstrdup(name)};
    return e;
}

void state_prune(state *s, bool (*is_kept)(const char *name, void *userdata), void *userdata)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (is_kept(s->v[i].name, userdata))
            s->v[k++] = s->v[i];
        else
            entry_free(&s->v[i]);
    }
    s->n = k;
}

size_t state_restarts_within(const state_entry *e, int64_t now, int64_t window)
{
    size_t n = 0;
    for (size_t i = 0; i < e->n_restarts; i++)
        if (e->restarts[i] > now - window && e->restarts[i] <= now)
            n++;
    return n;
}

void state_record_restart(state_entry *e, int64_t now, int64_t window)
{
    size_t k = 0;
    for (size_t i = 0; i < e->n_restarts; i++)
        if (e->restarts[i] > now - window)
            e->restarts[k++] = e->restarts[i];
    if (k >= STATE_MAX_RESTARTS) {
        memmove(e->restarts, e->restarts + (k - STATE_MAX_RESTARTS + 1),
                (STATE_MAX_RESTARTS - 1) * sizeof *e->restarts);
        k = STATE_MAX_RESTARTS - 1;
    }
    e->restarts = xrealloc(e->restarts, (k + 1) * sizeof *e->restarts);
    e->restarts[k++] = now;
    e->n_restarts = k;
    e->restarts_total++;
}

bool state_record_status(state *s, const char *name, bool failed, int64_t now)
{
    state_entry *e = state_find(s, name);
    bool changed = !e || !e->known || e->failed != failed;
    if (!e)
        e = state_get(s, name);
    e->known = true;
    if (changed) {
        e->failed = failed;
        e->since = now;
        e->reported = 0;
    }
    e->failures = failed ? (e->failures < UINT32_MAX ? e->failures + 1 : e->failures) : 0;
    return changed;
}

/* ---- reading ----------------------------------------------------------- */

typedef struct cursor {
    const char *p, *end; /* the rest of the line */
    size_t line;
    char **err;
} cursor;

static int fail_at(cursor *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail_at(cursor *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = xvasprintf(fmt, ap);
    va_end(ap);
    free(*c->err);
    *c->err = xasprintf("line %zu: %s", c->line, m);
    free(m);
    return -EINVAL;
}

/* Expects "key=" then returns the value up to the next space or the line's end. */
static int field(cursor *c, const char *key, const char **ret_v, size_t *ret_n)
{
    size_t kn = strlen(key);
    if ((size_t)(c->end - c->p) <= kn || memcmp(c->p, key, kn) || c->p[kn] != '=')
        return fail_at(c, "expected '%s='", key);
    const char *v = c->p + kn + 1, *e = v;
    while (e < c->end && *e != ' ')
        e++;
    if (e == v)
        return fail_at(c, "empty value for '%s'", key);
    *ret_v = v;
    *ret_n = (size_t)(e - v);
    c->p = e;
    if (c->p < c->end)
        c->p++; /* the single separating space */
    return 0;
}

/* A decimal number of at most 18 digits, no sign, within [0, max]. */
static int number(cursor *c, const char *key, const char *v, size_t n, uint64_t max, uint64_t *ret)
{
    if (n == 0 || n > 18)
        return fail_at(c, "bad number for '%s'", key);
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return fail_at(c, "bad number for '%s'", key);
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > max)
        return fail_at(c, "'%s' out of range", key);
    *ret = x;
    return 0;
}

static int number_field(cursor *c, const char *key, uint64_t max, uint64_t *ret)
{
    const char *v;
    size_t n;
    int r = field(c, key, &v, &n);
    return r < 0 ? r : number(c, key, v, n, max, ret);
}

static int parse_restarts(cursor *c, state_entry *e)
{
    const char *v;
    size_t n;
    int r = field(c, "restarts", &v, &n);
    if (r < 0)
        return r;
    if (n == 1 && v[0] == '-')
        return 0;
    const char *end = v + n;
    while (v < end) {
        const char *comma = memchr(v, ',', (size_t)(end - v));
        const char *item_end = comma ? comma : end;
        if (e->n_restarts >= STATE_MAX_RESTARTS)
            return fail_at(c, "more than %d restart times", STATE_MAX_RESTARTS);
        uint64_t t;
        r = number(c, "restarts", v, (size_t)(item_end - v), TIME_MAX, &t);
        if (r < 0)
            return r;
        e->restarts = xrealloc(e->restarts, (e->n_restarts + 1) * sizeof *e->restarts);
        e->restarts[e->n_restarts++] = (int64_t)t;
        if (comma && comma + 1 == end)
            return fail_at(c, "trailing ',' in 'restarts'");
        v = comma ? comma + 1 : end;
    }
    return 0;
}

static int parse_entry(cursor *c, const state *s, state_entry *e)
{
    const char *v;
    size_t n;
    uint64_t x;
    int r = field(c, "service", &v, &n);
    if (r < 0)
        return r;
    e->name = xstrndup(v, n);
    if (!service_name_valid(e->name))
        return fail_at(c, "bad service name");
    if (state_find(s, e->name))
        return fail_at(c, "service '%s' appears twice", e->name);
    if ((r = field(c, "status", &v, &n)) < 0)
        return r;
    if (n == 6 && !memcmp(v, "PASSED", 6))
        e->failed = false;
    else if (n == 6 && !memcmp(v, "FAILED", 6))
        e->failed = true;
    else
        return fail_at(c, "status must be PASSED or FAILED");
    if ((r = number_field(c, "since", TIME_MAX, &x)) < 0)
        return r;
    e->since = (int64_t)x;
    if ((r = number_field(c, "failures", UINT32_MAX, &x)) < 0)
        return r;
    e->failures = (uint32_t)x;
    if ((r = number_field(c, "reported", TIME_MAX, &x)) < 0)
        return r;
    e->reported = (int64_t)x;
    if ((r = number_field(c, "restarts-total", (uint64_t)1 << 62, &x)) < 0)
        return r;
    e->restarts_total = x;
    /* since=0: no status was ever recorded (an entry saved for a restart it
     * counted, by a run stopped before its results: remedy.h). */
    e->known = e->since != 0;
    if ((r = parse_restarts(c, e)) < 0)
        return r;
    if (c->p != c->end)
        return fail_at(c, "unexpected text after 'restarts'");
    /* A restart a sane writer never wrote: more recent ones than ever made. */
    if (e->n_restarts > e->restarts_total)
        return fail_at(c, "more recent restarts than restarts-total");
    return 0;
}

int state_parse(const char *buf, size_t len, state *ret, char **ret_err)
{
    state s = {0};
    char *err = NULL;
    cursor c = {.line = 0, .err = &err};
    const char *p = buf, *end = buf + len;
    bool header = false, ended = false;
    int r = 0;
    if (len > STATE_MAX_SIZE) {
        err = xasprintf("larger than %d bytes", STATE_MAX_SIZE);
        r = -EINVAL;
        goto fail;
    }
    if (memchr(buf, '\0', len)) {
        c.line = 1;
        for (const char *q = buf; *q; q++)
            c.line += *q == '\n';
        r = fail_at(&c, "NUL byte");
        goto fail;
    }
    while (p < end) {
        c.line++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            r = fail_at(&c, "cut short (no newline at the end)");
            goto fail;
        }
        if ((size_t)(nl - p) > STATE_MAX_LINE) {
            r = fail_at(&c, "line longer than %d bytes", STATE_MAX_LINE);
            goto fail;
        }
        c.p = p;
        c.end = nl;
        p = nl + 1;
        if (ended) {
            r = fail_at(&c, "text after 'end'");
            goto fail;
        }
        if (!header) {
            if ((size_t)(c.end - c.p) != strlen(STATE_HEADER) || memcmp(c.p, STATE_HEADER, strlen(STATE_HEADER))) {
                r = fail_at(&c, "not a symbiosis-monit state file (version 1)");
                goto fail;
            }
            header = true;
            continue;
        }
        if ((size_t)(c.end - c.p) == strlen(STATE_END) && !memcmp(c.p, STATE_END, strlen(STATE_END))) {
            ended = true;
            continue;
        }
        if (s.n >= STATE_MAX_ENTRIES) {
            r = fail_at(&c, "more than %d services", STATE_MAX_ENTRIES);
            goto fail;
        }
        state_entry e = {0};
        r = parse_entry(&c, &s, &e);
        if (r < 0) {
            entry_free(&e);
            goto fail;
        }
        s.v = xrealloc(s.v, (s.n + 1) * sizeof *s.v);
        s.v[s.n++] = e;
    }
    if (!ended) {
        c.line++;
        r = fail_at(&c, header ? "cut short (no 'end' line)" : "empty file");
        goto fail;
    }
    *ret = s;
    return 0;
fail:
    state_free(&s);
    if (ret_err) {
        free(*ret_err);
        *ret_err = err;
    } else
        free(err);
    return r;
}

char *state_format(const state *s)
{
    strbuf b = {0};
    sb_append(&b, STATE_HEADER "\n");
    for (size_t i = 0; i < s->n; i++) {
        const state_entry *e = &s->v[i];
        sb_printf(&b, "service=%s status=%s since=%" PRId64 " failures=%" PRIu32 " reported=%" PRId64
                      " restarts-total=%" PRIu64 " restarts=",
                  e->name, e->failed ? "FAILED" : "PASSED", e->since, e->failures, e->reported, e->restarts_total);
        if (!e->n_restarts)
            sb_append(&b, "-");
        for (size_t k = 0; k < e->n_restarts; k++)
            sb_printf(&b, "%s%" PRId64, k ? "," : "", e->restarts[k]);
        sb_append(&b, "\n");
    }
    sb_append(&b, STATE_END "\n");
    return sb_steal(&b);
}

/* ---- the file ------------------------------------------------------------ */

static bool is_link(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* Reads at most STATE_MAX_SIZE + 1 bytes of a regular file, never through a link. */
static int read_state_file(const char *path, char **ret, size_t *ret_len)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EBADFD;
    strbuf b = {0};
    char buf[8192];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int r = -errno;
            sb_free(&b);
            return r;
        }
        if (n == 0)
            break;
        sb_appendn(&b, buf, (size_t)n);
        if (b.len > STATE_MAX_SIZE)
            break; /* the parser says it is too large */
    }
    *ret_len = b.len;
    *ret = sb_steal(&b);
    return 0;
}

int state_load(const char *path, bool rename_corrupt, state *ret, char **ret_warning)
{
    *ret = (state){0};
    if (is_link(path))
        return -ELOOP;
    char *buf = NULL, *why = NULL;
    size_t len = 0;
    int r = read_state_file(path, &buf, &len);
    if (r == -ENOENT)
        return 0; /* a first run */
    if (r == -ELOOP)
        return r; /* became a link since lstat */
    char errbuf[128];
    if (r < 0)
        why = xasprintf("cannot read it: %s", r == -EBADFD ? "not a regular file" : strerror_r(-r, errbuf, sizeof errbuf));
    else if (state_parse(buf, len, ret, &why) < 0)
        *ret = (state){0};
    else if (buf && strlen(buf) == len) {
        ret->on_disk = buf;
        buf = NULL;
    }
    free(buf);
    if (!why)
        return 0;
    if (rename_corrupt) {
        char *aside = xasprintf("%s.corrupt", path);
        if (rename(path, aside) == 0)
            *ret_warning = xasprintf("state file %s is corrupt (%s); moved it to %s and starting afresh", path, why, aside);
        else
            *ret_warning = xasprintf("state file %s is corrupt (%s) and cannot be moved aside: %s; starting afresh",
                                     path, why, strerror_r(errno, errbuf, sizeof errbuf));
        free(aside);
    } else
        *ret_warning = xasprintf("state file %s is corrupt (%s); ignoring it", path, why);
    free(why);
    return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Temporary files of runs killed before their rename. Only regular files,
 * never a link's target, and only old ones: a writer holds its temporary file
 * for microseconds, but two runs given different locks may share a state. */
#define STALE_TEMP_AGE 60
static void remove_stale_temps(const char *path)
{
    char *pattern = xasprintf("%s.??????", path);
    glob_t g;
    if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            struct stat st;
            if (lstat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode) &&
                st.st_mtime < time(NULL) - STALE_TEMP_AGE && unlink(g.gl_pathv[i]) < 0 &&
                errno != ENOENT)
                break; /* cannot clean up now; the next run tries again */
        }
    }
    globfree(&g);
    free(pattern);
}

int state_save(const char *path, const state *s, char **ret_err)
{
    char errbuf[128];
    if (is_link(path)) {
        *ret_err = xasprintf("%s is a symbolic link; refusing to write through it", path);
        return -ELOOP;
    }
    char *text = state_format(s);
    if (s->on_disk && !strcmp(text, s->on_disk)) {
        free(text);
        return 0;
    }
    char *copy = xstrdup(path);
    char *dir = xstrdup(dirname(copy));
    free(copy);
    remove_stale_temps(path);
    char *tmp = xasprintf("%s.XXXXXX", path);
    int r = 0;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && mkdir(dir, 0755) == 0)
        fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        *ret_err = xasprintf("cannot create a temporary file next to %s: %s", path, strerror_r(-r, errbuf, sizeof errbuf));
        goto out;
    }
    r = write_all(fd, text, strlen(text));
    if (r == 0 && fchmod(fd, 0644) < 0)
        r = -errno;
    if (r == 0 && fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0) {
        *ret_err = xasprintf("cannot write state file %s: %s", path, strerror_r(-r, errbuf, sizeof errbuf));
        (void)unlink(tmp);
        goto out;
    }
    /* The rename itself is durable once the directory is synced. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) < 0) {
        r = -errno;
        *ret_err = xasprintf("cannot sync directory %s: %s", dir, strerror_r(-r, errbuf, sizeof errbuf));
    }
    if (dfd >= 0)
        close(dfd);
out:
    free(text);
    free(tmp);
    free(dir);
    return r;
}
