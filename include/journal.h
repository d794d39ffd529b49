/* journal.h: status changes and actions to the journal (or syslog where no
 * journal runs), identifier symbiosis-monit, with SYMBIOSIS_SERVICE= and
 * SYMBIOSIS_STATUS= fields. */
#pragma once

#include "result.h"

/* One entry. status: "PASSED" or "FAILED". */
void journal_log(const char *svc_name, const char *status, int priority, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Every status change (service_result.status_changed) and action of a run. */
void journal_report(const run_result *r);
