/* lazylib.c: loads libcurl, the MariaDB client and libsystemd on first use
 * (see lazylib.h). */
#include "lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <curl/curl.h>

#ifndef CURL_SONAME
#define CURL_SONAME "libcurl.so.4"
#endif
#ifndef MARIADB_SONAME
#define MARIADB_SONAME "libmariadb.so.3"
#endif
#ifndef SYSTEMD_SONAME
#define SYSTEMD_SONAME "libsystemd.so.0"
#endif

typedef struct lazylib {
    const char *soname;
    pthread_once_t once;
    atomic_bool loaded;
    atomic_bool failed;
    void *handle;
    const char *error; /* set once, under the once */
} lazylib;

static lazylib libs[_LAZYLIB_MAX] = {
    [LAZYLIB_CURL] = {.soname = CURL_SONAME, .once = PTHREAD_ONCE_INIT},
    [LAZYLIB_MARIADB] = {.soname = MARIADB_SONAME, .once = PTHREAD_ONCE_INIT},
    [LAZYLIB_SYSTEMD] = {.soname = SYSTEMD_SONAME, .once = PTHREAD_ONCE_INIT},
};

/* ": cannot load ...": lazylib_error() is the text after the ": ". */
static char error_buf[_LAZYLIB_MAX][512];

static void fail(lazylib_id id, const char *what)
{
    snprintf(error_buf[id], sizeof error_buf[id], ": cannot load %s: %s", libs[id].soname,
             what ? what : "unknown error");
    libs[id].error = error_buf[id] + 2;
    atomic_store(&libs[id].failed, true);
    fprintf(stderr, "symbiosis-monit: %s\n", libs[id].error);
}

static void load(lazylib_id id)
{
    lazylib *l = &libs[id];
    /* RTLD_LOCAL: the symbols stay out of the global scope, where the
     * program's own definitions of the same names (src/lib/) live.
     * RTLD_LAZY: functions of the library's dependencies are bound when
     * first called, as at program start (about half of libcurl's ~35 objects are
     * not linked with -z now, and most of their functions are never called). */
    l->handle = dlopen(l->soname, RTLD_LAZY | RTLD_LOCAL);
    if (!l->handle) {
        fail(id, dlerror());
        return;
    }
    if (id == LAZYLIB_CURL) {
        /* Before any other curl call, once (lazylib.h). */
        CURLcode (*init)(long) = NULL;
        *(void **)&init = dlsym(l->handle, "curl_global_init");
        if (!init || init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            fail(id, "curl_global_init() failed");
            return; /* the handle stays: unloading libraries with threads about is asking for trouble */
        }
    }
    atomic_store(&l->loaded, true);
}

static void load_curl(void) { load(LAZYLIB_CURL); }
static void load_mariadb(void) { load(LAZYLIB_MARIADB); }
static void load_systemd(void) { load(LAZYLIB_SYSTEMD); }
static void (*const loaders[_LAZYLIB_MAX])(void) = {load_curl, load_mariadb, load_systemd};

int lazylib_load(lazylib_id id)
{
    if (atomic_load(&libs[id].loaded))
        return 0;
    pthread_once(&libs[id].once, loaders[id]);
    return atomic_load(&libs[id].loaded) ? 0 : -1;
}

bool lazylib_loaded(lazylib_id id)
{
    return atomic_load(&libs[id].loaded);
}

const char *lazylib_error(lazylib_id id)
{
    /* Through the once: error is written inside it, and read safely after. */
    lazylib_load(id);
    return libs[id].error;
}

const char *lazylib_error_suffix(lazylib_id id)
{
    const char *e = lazylib_error(id);
    return e ? e - 2 : "";
}

void *lazylib_sym(lazylib_id id, const char *name)
{
    if (lazylib_load(id) < 0)
        return NULL;
    return dlsym(libs[id].handle, name);
}

static pthread_t preloader;
static bool preloading; /* a preloader thread was started (and not joined) */
static atomic_int preload_id = -1;

static void *preload_thread(void *arg)
{
    lazylib_load((lazylib_id)(long)arg);
    return NULL;
}

void lazylib_preload(lazylib_id id)
{
    /* Called from one thread only (the scheduler's caller). */
    if (preloading || lazylib_loaded(id))
        return;
    if (pthread_create(&preloader, NULL, preload_thread, (void *)(long)id) == 0) {
        preloading = true;
        atomic_store(&preload_id, (int)id);
    }
    /* else: the first caller loads it, as without a preload */
}

bool lazylib_loading(lazylib_id id)
{
    return atomic_load(&preload_id) == (int)id && !lazylib_loaded(id) && !atomic_load(&libs[id].failed);
}

void lazylib_cleanup(void)
{
    if (preloading) {
        pthread_join(preloader, NULL);
        preloading = false;
    }
    if (lazylib_loaded(LAZYLIB_CURL)) {
        void (*cleanup)(void) = NULL;
        *(void **)&cleanup = dlsym(libs[LAZYLIB_CURL].handle, "curl_global_cleanup");
        if (cleanup)
            cleanup();
    }
    if (lazylib_loaded(LAZYLIB_MARIADB)) {
        void (*end)(void) = NULL; /* mysql_library_end() */
        *(void **)&end = dlsym(libs[LAZYLIB_MARIADB].handle, "mysql_server_end");
        if (end)
            end();
    }
}
