/* loadcurl.c: what loading libcurl costs symbiosis-monit, alone: dlopen() of
 * libcurl.so.4 (with its ~35 dependencies) and curl_global_init(), as
 * src/lib/lazylib.c does. bench.py measures it as a floor. */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    const char *soname = argc > 1 ? argv[1] : "libcurl.so.4";
    void *h = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "loadcurl: %s\n", dlerror());
        return 1;
    }
    int (*init)(long) = NULL;
    *(void **)&init = dlsym(h, "curl_global_init");
    return init && init(3 /* CURL_GLOBAL_DEFAULT */) == 0 ? 0 : 1;
}
