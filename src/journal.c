/* journal.c: logs status changes and actions to the journal, or to syslog
 * where no journal listens. */
#include "journal.h"

#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "config.h"
#include "format.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static bool journal_running(void)
{
    struct stat st;
    return stat(JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
}

void journal_log(const char *svc_name, const char *status, int priority, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (!journal_running() ||
        sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", priority, "SYSLOG_IDENTIFIER=symbiosis-monit",
                        "SYMBIOSIS_SERVICE=%s", svc_name, "SYMBIOSIS_STATUS=%s", status, NULL) < 0) {
        openlog("symbiosis-monit", LOG_PID, LOG_DAEMON);
        syslog(priority, "%s", msg);
        closelog();
    }
    free(msg);
}

void journal_report(const run_result *r)
{
    for (size_t i = 0; i < r->n_services; i++) {
        const service_result *sr = &r->services[i];
        const char *status = sr->failed ? "FAILED" : "PASSED";
        for (size_t k = 0; k < sr->actions.n; k++)
            journal_log(sr->svc->name, status, LOG_NOTICE, "%s: %s", sr->svc->name, sr->actions.v[k]);
        if (sr->status_changed) {
            char *line = format_service_line(sr);
            journal_log(sr->svc->name, status, sr->failed ? LOG_ERR : LOG_INFO, "%s", line);
            free(line);
        }
    }
}
