/* util.c: allocation, strings and time helpers used everywhere. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static void oom(void)
{
    fputs("symbiosis-monit: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    char *r = strdup(s ? s : "");
    if (!r)
        oom();
    return r;
}

char *xstrndup(const char *s, size_t n)
{
    char *r = strndup(s, n);
    if (!r)
        oom();
    return r;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    char *r;
    if (vasprintf(&r, fmt, ap) < 0)
        oom();
    return r;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *r = xvasprintf(fmt, ap);
    va_end(ap);
    return r;
}

void sb_appendn(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_append(strbuf *b, const char *s)
{
    sb_appendn(b, s, strlen(s));
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    sb_append(b, s);
    free(s);
}

char *sb_steal(strbuf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sb_free(strbuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void strv_push(strv *a, char *owned)
{
    a->v = xrealloc(a->v, (a->n + 2) * sizeof(char *));
    a->v[a->n++] = owned;
    a->v[a->n] = NULL;
}

void strv_free(strv *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

char *strv_join(const strv *a, const char *sep)
{
    strbuf b = {0};
    for (size_t i = 0; i < a->n; i++) {
        if (i)
            sb_append(&b, sep);
        sb_append(&b, a->v[i]);
    }
    return sb_steal(&b);
}

usec_t now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (usec_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

usec_t now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (usec_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

usec_t usec_min(usec_t a, usec_t b)
{
    return a < b ? a : b;
}

void sleep_usec(usec_t u)
{
    if (u <= 0)
        return;
    struct timespec ts = {.tv_sec = u / USEC_PER_SEC, .tv_nsec = (u % USEC_PER_SEC) * 1000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

char *format_duration(usec_t u)
{
    if (u % (3600 * USEC_PER_SEC) == 0 && u >= 3600 * USEC_PER_SEC)
        return xasprintf("%lldh", (long long)(u / (3600 * USEC_PER_SEC)));
    if (u % (60 * USEC_PER_SEC) == 0 && u >= 60 * USEC_PER_SEC)
        return xasprintf("%lldm", (long long)(u / (60 * USEC_PER_SEC)));
    if (u % USEC_PER_SEC == 0)
        return xasprintf("%llds", (long long)(u / USEC_PER_SEC));
    if (u < USEC_PER_SEC)
        return xasprintf("%lldms", (long long)(u / USEC_PER_MSEC));
    return xasprintf("%.3gs", (double)u / USEC_PER_SEC);
}

char *format_iso8601(time_t t)
{
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return xstrdup("?");
    char buf[64], off[8];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(off, sizeof off, "%z", &tm); /* +0100 */
    if (strlen(off) != 5)
        return xasprintf("%s+00:00", buf);
    return xasprintf("%s%.3s:%s", buf, off, off + 3);
}

char *printable(const char *s, size_t n, size_t max)
{
    strbuf b = {0};
    size_t i;
    for (i = 0; i < n && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r')
            sb_append(&b, "\\r");
        else if (c == '\n')
            sb_append(&b, "\\n");
        else if (c == '\t')
            sb_append(&b, "\\t");
        else if (c == '"' || c == '\\')
            sb_printf(&b, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            sb_printf(&b, "\\x%02x", c);
        else
            sb_appendn(&b, (const char *)&c, 1);
    }
    if (i < n)
        sb_append(&b, "...");
    return sb_steal(&b);
}

char *strerror_lower(int err)
{
    char buf[128];
    char *s = xstrdup(strerror_r(err, buf, sizeof buf));
    if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
        s[0] = (char)(s[0] - 'A' + 'a');
    return s;
}

size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = xcalloc(lb + 1, sizeof *row);
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = prev + cost;
            if (row[j] + 1 < v)
                v = row[j] + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            prev = cur;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

int read_small_file(const char *path, size_t max, char **ret)
{
    /* O_NONBLOCK: a FIFO at path (a planted pidfile) must not hang the run
     * in open() or read(); only regular files are read. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int r = fstat(fd, &st) < 0 ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        close(fd);
        return r;
    }
    strbuf b = {0};
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int r = -errno;
            close(fd);
            sb_free(&b);
            return r;
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > max) {
            close(fd);
            sb_free(&b);
            return -EFBIG;
        }
        sb_appendn(&b, buf, (size_t)n);
    }
    close(fd);
    *ret = sb_steal(&b);
    return 0;
}

bool startswith(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool endswith(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}
