/* curl.c: the libcurl functions the program calls, loaded on first use
 * (lazylib.h). Each has libcurl's own prototype; the parentheses around the
 * names keep curl.h's type-checking macros out of the way. */
#include <stdarg.h>

#include <curl/curl.h>

#include "lazylib.h"

#define CURL_FN(var, name) LAZYLIB_FN(LAZYLIB_CURL, var, name)

CURL *(curl_easy_init)(void)
{
    CURL *(*f)(void);
    return CURL_FN(f, "curl_easy_init") ? f() : NULL;
}

void(curl_easy_cleanup)(CURL *h)
{
    void (*f)(CURL *);
    if (CURL_FN(f, "curl_easy_cleanup"))
        f(h);
}

CURLcode(curl_easy_perform)(CURL *h)
{
    CURLcode (*f)(CURL *);
    return CURL_FN(f, "curl_easy_perform") ? f(h) : CURLE_FAILED_INIT;
}

CURLcode(curl_easy_recv)(CURL *h, void *buf, size_t n, size_t *got)
{
    CURLcode (*f)(CURL *, void *, size_t, size_t *);
    return CURL_FN(f, "curl_easy_recv") ? f(h, buf, n, got) : CURLE_FAILED_INIT;
}

CURLcode(curl_easy_send)(CURL *h, const void *buf, size_t n, size_t *sent)
{
    CURLcode (*f)(CURL *, const void *, size_t, size_t *);
    return CURL_FN(f, "curl_easy_send") ? f(h, buf, n, sent) : CURLE_FAILED_INIT;
}

const char *(curl_easy_strerror)(CURLcode code)
{
    const char *(*f)(CURLcode);
    return CURL_FN(f, "curl_easy_strerror") ? f(code) : "libcurl is not available";
}

/* The variadic two take exactly one argument after the option, of a type the
 * option's number says (CURLOPTTYPE_*, curl.h); on the way through it is
 * read with that type and passed on with it. */
CURLcode(curl_easy_setopt)(CURL *h, CURLoption opt, ...)
{
    CURLcode (*f)(CURL *, CURLoption, ...);
    if (!CURL_FN(f, "curl_easy_setopt"))
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, opt);
    CURLcode r;
    if (opt < CURLOPTTYPE_OBJECTPOINT) {
        long v = va_arg(ap, long);
        r = f(h, opt, v);
    } else if (opt < CURLOPTTYPE_FUNCTIONPOINT || opt >= CURLOPTTYPE_BLOB) {
        void *v = va_arg(ap, void *);
        r = f(h, opt, v);
    } else if (opt < CURLOPTTYPE_OFF_T) {
        void (*v)(void) = va_arg(ap, void (*)(void));
        r = f(h, opt, v);
    } else {
        curl_off_t v = va_arg(ap, curl_off_t);
        r = f(h, opt, v);
    }
    va_end(ap);
    return r;
}

CURLcode(curl_easy_getinfo)(CURL *h, CURLINFO info, ...)
{
    va_list ap;
    va_start(ap, info);
    void *out = va_arg(ap, void *); /* every CURLINFO takes a pointer */
    va_end(ap);
    CURLcode (*f)(CURL *, CURLINFO, ...);
    return CURL_FN(f, "curl_easy_getinfo") ? f(h, info, out) : CURLE_FAILED_INIT;
}
