/* lazylib.h: libcurl, the MariaDB client and libsystemd, loaded when first
 * used rather than when the program starts.
 *
 * Linking them costs every run the mapping and relocation of ~40 shared
 * libraries (about 5 ms of a 20 ms run; see bench/README.md), although most
 * runs need only some of them: a host without MariaDB never needs its client,
 * a run with nothing to restart never talks to systemd. So the program is not
 * linked with them; src/lib/ defines each function it calls, with the
 * library's own prototype, and the first call dlopen()s the library (once,
 * thread-safely) and calls through. Callers keep using the libraries' plain
 * API and headers.
 *
 * A library that cannot be loaded makes its functions fail the way the
 * library itself reports failure (NULL, an error code, -ENOSYS), and
 * lazylib_error() says why; the first failure is also printed once on
 * standard error. */
#pragma once

#include <stdbool.h>

typedef enum lazylib_id { LAZYLIB_CURL, LAZYLIB_MARIADB, LAZYLIB_SYSTEMD, _LAZYLIB_MAX } lazylib_id;

/* Loads the library now (libcurl: and runs curl_global_init()); 0 or -1.
 * Safe from any thread; every later call is a load of an atomic flag. */
int lazylib_load(lazylib_id id);
/* Whether it has been loaded (without loading it). */
bool lazylib_loaded(lazylib_id id);
/* Why loading failed, or NULL (it is tried first if it was not yet). */
const char *lazylib_error(lazylib_id id);
/* The same as ": WHY", or "" when loading did not fail: for a message that
 * goes on, "cannot initialise libcurl%s". */
const char *lazylib_error_suffix(lazylib_id id);

/* Loads the library in a thread of its own, so that the time it takes
 * (libcurl: ~5 ms of CPU here) overlaps the probes that do not need it.
 * Callers of its functions simply wait for it (lazylib_load's once). A no-op
 * when already loaded or started. While it loads, glibc's pthread_create()
 * waits for it too (both take the loader's TLS lock): start the threads you
 * need first (scheduler.c does). */
void lazylib_preload(lazylib_id id);
/* Whether a preload of the library is under way. */
bool lazylib_loading(lazylib_id id);

/* The address of a function of the library, loading it first; NULL when
 * either fails. For src/lib/ only. */
void *lazylib_sym(lazylib_id id, const char *name);

/* lazylib_sym() remembered in *cache, so that a function called in a loop
 * is looked up once (dlsym() takes the loader's lock). */
static inline void *lazylib_fn(lazylib_id id, const char *name, void **cache)
{
    void *p = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (!p) {
        p = lazylib_sym(id, name);
        __atomic_store_n(cache, p, __ATOMIC_RELEASE);
    }
    return p;
}

/* In src/lib/: sets the function pointer var to the library's function
 * name; evaluates to it (NULL when it cannot be had). */
#define LAZYLIB_FN(id, var, name)                                                                                     \
    __extension__({                                                                                                   \
        static void *lazylib_cache_;                                                                                  \
        *(void **)&(var) = lazylib_fn(id, name, &lazylib_cache_);                                                     \
        (var);                                                                                                        \
    })

/* At exit: curl_global_cleanup() if libcurl was loaded (the preload thread
 * joined first), then mysql_library_end() if the MariaDB client was. The
 * libraries stay mapped: nothing is unloaded. */
void lazylib_cleanup(void);
