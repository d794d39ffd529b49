/* util.h: small helpers shared by every module: allocation, strings, time. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Microseconds. Monotonic unless a name says wall. */
typedef int64_t usec_t;
#define USEC_PER_MSEC ((usec_t)1000)
#define USEC_PER_SEC ((usec_t)1000000)
#define USEC_INFINITY INT64_MAX

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x) ((void)(x))

/* Allocation that cannot fail: on exhaustion print and abort, as a checker that
 * cannot allocate a few bytes has nothing better to do. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Cleanup attributes (gnu11): free at scope exit. */
static inline void freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ __attribute__((cleanup(freep)))
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
#define _cleanup_close_ __attribute__((cleanup(closep)))

/* Growable string. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;
void sb_append(strbuf *b, const char *s);
void sb_appendn(strbuf *b, const char *s, size_t n);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sb_steal(strbuf *b); /* returns the string ("" when empty), resets b */
void sb_free(strbuf *b);

/* Growable array of owned strings. */
typedef struct strv {
    char **v;
    size_t n;
} strv;
void strv_push(strv *a, char *owned);
void strv_free(strv *a);
char *strv_join(const strv *a, const char *sep);

/* Time. */
usec_t now_mono(void);
usec_t now_wall(void);
usec_t usec_min(usec_t a, usec_t b);
/* "1.5s", "250ms", "2m": a short human form. */
char *format_duration(usec_t u);
/* ISO 8601 local time with a numeric offset (+01:00, never Z). */
char *format_iso8601(time_t t);
void sleep_usec(usec_t u);

/* Printable, one-line copy of received bytes: control characters escaped,
 * at most max bytes shown (then "..."). */
char *printable(const char *s, size_t n, size_t max);

/* strerror() as a phrase in a sentence: "no such file or directory". */
char *strerror_lower(int err);

/* Levenshtein distance, for "did you mean". */
size_t edit_distance(const char *a, const char *b);

/* Read a small text file (at most max bytes) into a NUL-terminated string.
 * -EFBIG when larger; -EINVAL when it is not a regular file (a FIFO), -EISDIR. */
int read_small_file(const char *path, size_t max, char **ret);

bool startswith(const char *s, const char *prefix);
bool endswith(const char *s, const char *suffix);
