/* fuzz_config.c: the definitions loader (service_load_string) and the
 * settings loader on arbitrary bytes. Properties: no crash, no leak, and
 * every error names the file, line and column on one line. */
#include <ctype.h>
#include <curl/curl.h>

#include "lazylib.h"

#include "config.h"
#include "fuzz.h"
#include "probe.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    UNUSED(argc);
    UNUSED(argv);
    lazylib_load(LAZYLIB_CURL);
    return 0;
}

/* "fuzz.yaml:12:3: ..." on one line, line and column from 1. */
static void check_error(const char *file, const char *e)
{
    size_t n = strlen(file);
    FUZZ_ASSERT(strncmp(e, file, n) == 0 && e[n] == ':', "error without its file: %s", e);
    const char *p = e + n + 1;
    for (int field = 0; field < 2; field++) {
        FUZZ_ASSERT(isdigit((unsigned char)*p) && *p != '0', "error without line:col: %s", e);
        while (isdigit((unsigned char)*p))
            p++;
        FUZZ_ASSERT(*p == ':', "error without line:col: %s", e);
        p++;
    }
    FUZZ_ASSERT(*p == ' ' && p[1], "error without a message: %s", e);
    FUZZ_ASSERT(!strchr(e, '\n'), "error of more than one line: %s", e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    settings st;
    settings_init(&st);
    service *s = service_load_string(text, "/etc/symbiosis/monit.d/fuzz.yaml", "fuzz", &st);
    for (size_t i = 0; i < s->errors.n; i++)
        check_error("fuzz.yaml", s->errors.v[i]);
    if (!service_broken(s)) {
        FUZZ_ASSERT(s->name && service_name_valid(s->name), "a loaded service with a bad name");
        for (size_t i = 0; i < s->n_probes; i++)
            FUZZ_ASSERT(s->probes[i]->name && *s->probes[i]->name && s->probes[i]->timeout > 0,
                        "probe %zu without a name or timeout", i);
    }
    service_free(s);

    /* The same bytes as a settings file. */
    char *path = NULL;
    int fd = fuzz_file(data, size, &path);
    if (fd >= 0) {
        strv errs = {0};
        settings_load(&st, path, true, &errs);
        for (size_t i = 0; i < errs.n; i++) {
            /* Errors name the path itself; a read error has no position. */
            if (!strstr(errs.v[i], ": cannot read:"))
                check_error(path, errs.v[i]);
        }
        FUZZ_ASSERT(st.parallel > 0 && st.deadline > 0 && st.timeout > 0, "settings accepted out of range");
        strv_free(&errs);
        close(fd);
        free(path);
    }
    free(text);
    return 0;
}
