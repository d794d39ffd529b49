/* brief.c: one line for scripts and pagers. */
#include <errno.h>

#include "config.h"
#include "format.h"

int format_brief(FILE *out, const run_result *r, const format_opts *o)
{
    UNUSED(o);
    size_t failed = run_result_count_failed(r);
    if (!failed) {
        fprintf(out, "Symbiosis %s: all %zu tests passed\n", r->host, r->n_services);
    } else {
        fprintf(out, "Symbiosis %s: %zu of %zu tests failed: ", r->host, failed, r->n_services);
        bool first = true;
        for (size_t i = 0; i < r->n_services; i++)
            if (r->services[i].failed) {
                fprintf(out, "%s%s", first ? "" : ", ", r->services[i].svc->name);
                first = false;
            }
        fputc('\n', out);
    }
    return ferror(out) ? -EIO : 0;
}

