/* journal.c: logs status changes and actions to the journal, or to syslog
 * where no journal listens. */
#include "journal.h"

#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <sys/uio.h>
#define SD_JOURNAL_SUPPRESS_LOCATION /* plain sd_journal_sendv(): see src/lib/systemd.c */
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
    bool sent = false;
    if (journal_running()) {
        char *fields[] = {
            xasprintf("MESSAGE=%s", msg),
            xasprintf("PRIORITY=%d", priority),
            xstrdup("SYSLOG_IDENTIFIER=symbiosis-monit"),
            xasprintf("SYMBIOSIS_SERVICE=%s", svc_name),
            xasprintf("SYMBIOSIS_STATUS=%s", status),
        };
        struct iovec iov[ARRAY_SIZE(fields)];
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
            iov[i] = (struct iovec){.iov_base = fields[i], .iov_len = strlen(fields[i])};
        sent = sd_journal_sendv(iov, (int)ARRAY_SIZE(iov)) >= 0;
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
            free(fields[i]);
    }
    if (!sent) {
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
