/* bus.c: sd-bus helpers: reading unit state, running unit jobs and awaiting
 * their JobRemoved signal with a bound, listing failed units. */
#include "bus.h"
#include "lazylib.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket" /* sd_bus_open_system()'s default */
#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_SERVICE "org.freedesktop.systemd1.Service"

static inline void bus_errorp(sd_bus_error *e) { sd_bus_error_free(e); }
#define _cleanup_bus_error_ __attribute__((cleanup(bus_errorp)))
static inline void bus_messagep(sd_bus_message **m) { sd_bus_message_unref(*m); }
#define _cleanup_bus_message_ __attribute__((cleanup(bus_messagep)))

/* One line for an sd-bus failure: the D-Bus error's message, else errno's. */
static char *bus_err_text(const char *what, const sd_bus_error *e, int r)
{
    char buf[128];
    if (e && sd_bus_error_is_set(e) && e->message)
        return xasprintf("%s: %s", what, e->message);
    return xasprintf("%s: %s", what, strerror_r(r < 0 ? -r : r, buf, sizeof buf));
}

static void set_err(char **ret_err, char *msg)
{
    if (ret_err) {
        free(*ret_err);
        *ret_err = msg;
    } else
        free(msg);
}

void unit_state_free(unit_state *s)
{
    free(s->active);
    free(s->sub);
    free(s->load);
    free(s->file_state);
    free(s->result);
    *s = (unit_state){0};
}

bool unit_state_is_active(const unit_state *s)
{
    return s->active && (!strcmp(s->active, "active") || !strcmp(s->active, "reloading"));
}

bool unit_state_is_masked(const unit_state *s)
{
    return (s->load && !strcmp(s->load, "masked")) ||
           (s->file_state && startswith(s->file_state, "masked"));
}

void bus_set_timeout(sd_bus *bus, usec_t timeout)
{
    /* sd-bus takes 0 as "its default" (25s): never pass it. */
    (void)sd_bus_set_method_call_timeout(bus, (uint64_t)(timeout > 1000 ? timeout : 1000));
}

int bus_open(usec_t timeout, sd_bus **ret_bus, char **ret_err)
{
    sd_bus *bus = NULL;
    int r;
    /* Where there is no system bus, say so without loading libsystemd
     * (lazylib.h) to find out: sd_bus_open_system() would fail with the
     * same -ENOENT. */
    if (!getenv("DBUS_SYSTEM_BUS_ADDRESS") && access(SYSTEM_BUS_SOCKET, F_OK) < 0)
        r = -errno;
    else if (lazylib_load(LAZYLIB_SYSTEMD) < 0) {
        set_err(ret_err, xasprintf("cannot connect to the system bus: %s", lazylib_error(LAZYLIB_SYSTEMD)));
        return -ENOSYS;
    } else
        r = sd_bus_open_system(&bus);
    if (r < 0) {
        set_err(ret_err, bus_err_text("cannot connect to the system bus", NULL, r));
        return r;
    }
    bus_set_timeout(bus, timeout);
    *ret_bus = bus;
    return 0;
}

void bus_close(sd_bus *bus)
{
    /* Not sd_bus_flush_close_unref(): flushing waits without a bound on a bus
     * that stopped reading. Every call we make has had its answer already. */
    if (bus)
        sd_bus_close_unref(bus);
}

static int unit_path(sd_bus *bus, const char *unit, char **ret_path, char **ret_err)
{
    _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
    _cleanup_bus_message_ sd_bus_message *reply = NULL;
    int r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "LoadUnit", &e, &reply, "s", unit);
    if (r < 0) {
        set_err(ret_err, bus_err_text("LoadUnit", &e, r));
        return r;
    }
    const char *path;
    r = sd_bus_message_read(reply, "o", &path);
    if (r < 0) {
        set_err(ret_err, bus_err_text("LoadUnit reply", NULL, r));
        return r;
    }
    *ret_path = xstrdup(path);
    return 0;
}

static int get_string(sd_bus *bus, const char *path, const char *iface, const char *prop, char **ret,
                      char **ret_err)
{
    _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
    char *v = NULL;
    int r = sd_bus_get_property_string(bus, SD_DEST, path, iface, prop, &e, &v);
    if (r < 0) {
        char *what = xasprintf("reading %s", prop);
        set_err(ret_err, bus_err_text(what, &e, r));
        free(what);
        return r;
    }
    *ret = v;
    return 0;
}

int bus_unit_state(sd_bus *bus, const char *unit, unit_state *ret, char **ret_err)
{
    _cleanup_free_ char *path = NULL;
    int r = unit_path(bus, unit, &path, ret_err);
    if (r < 0)
        return r;
    unit_state s = {0};
    static const struct {
        const char *name;
        size_t offset;
    } props[] = {
        {"ActiveState", offsetof(unit_state, active)},
        {"SubState", offsetof(unit_state, sub)},
        {"LoadState", offsetof(unit_state, load)},
        {"UnitFileState", offsetof(unit_state, file_state)},
    };
    for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
        r = get_string(bus, path, SD_UNIT, props[i].name, (char **)((char *)&s + props[i].offset), ret_err);
        if (r < 0) {
            unit_state_free(&s);
            return r;
        }
    }
    if (endswith(unit, ".service") && get_string(bus, path, SD_SERVICE, "Result", &s.result, NULL) < 0)
        s.result = NULL; /* a unit that is not loaded has no Service interface */
    *ret = s;
    return 0;
}

typedef struct job_wait {
    const char *path; /* the job we wait for; NULL until the call returned */
    char *result;     /* set by on_job_removed */
    strv early;       /* "path result" of jobs removed before path was known */
} job_wait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
    UNUSED(ret_error);
    job_wait *w = userdata;
    uint32_t id;
    const char *path, *unit, *result;
    if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
        return 0;
    if (w->path) {
        if (!w->result && !strcmp(path, w->path))
            w->result = xstrdup(result);
    } else
        strv_push(&w->early, xasprintf("%s %s", path, result));
    return 0;
}

int bus_unit_job(sd_bus *bus, const char *method, const char *unit, usec_t deadline, char **ret_result,
                 char **ret_err)
{
    _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
    _cleanup_bus_message_ sd_bus_message *reply = NULL;
    sd_bus_slot *slot = NULL;
    job_wait w = {0};
    char *job = NULL;
    int r;

    usec_t left = deadline - now_mono();
    if (left <= 0) {
        set_err(ret_err, xstrdup("no time left"));
        return -ETIMEDOUT;
    }
    bus_set_timeout(bus, left);
    /* Watch for the job's end before it can end: match first, then call. */
    r = sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, &w);
    if (r < 0) {
        set_err(ret_err, bus_err_text("watching jobs", NULL, r));
        goto out;
    }
    /* No Subscribe: systemd sends JobRemoved to the client that queued the
     * job, and a subscription would bring every unit's changes to us. */
    left = deadline - now_mono();
    bus_set_timeout(bus, left > 0 ? left : 1);
    r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, method, &e, &reply, "ss", unit, "replace");
    if (r < 0) {
        set_err(ret_err, bus_err_text(method, &e, r));
        goto out;
    }
    const char *p;
    r = sd_bus_message_read(reply, "o", &p);
    if (r < 0) {
        set_err(ret_err, bus_err_text(method, NULL, r));
        goto out;
    }
    job = xstrdup(p);
    w.path = job;
    for (size_t i = 0; i < w.early.n && !w.result; i++) {
        size_t n = strlen(job);
        if (!strncmp(w.early.v[i], job, n) && w.early.v[i][n] == ' ')
            w.result = xstrdup(w.early.v[i] + n + 1);
    }
    while (!w.result) {
        r = sd_bus_process(bus, NULL);
        if (r < 0) {
            set_err(ret_err, bus_err_text("waiting for the job", NULL, r));
            goto out;
        }
        if (r > 0)
            continue;
        left = deadline - now_mono();
        if (left <= 0) {
            set_err(ret_err, xstrdup("the job did not finish in time"));
            r = -ETIMEDOUT;
            goto out;
        }
        r = sd_bus_wait(bus, (uint64_t)left);
        if (r < 0 && r != -EINTR) {
            set_err(ret_err, bus_err_text("waiting for the job", NULL, r));
            goto out;
        }
    }
    *ret_result = w.result;
    w.result = NULL;
    r = 0;
out:
    sd_bus_slot_unref(slot);
    free(w.result);
    strv_free(&w.early);
    free(job);
    return r;
}

int bus_reset_failed(sd_bus *bus, const char *unit, char **ret_err)
{
    _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
    int r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", &e, NULL, "s", unit);
    if (r < 0)
        set_err(ret_err, bus_err_text("ResetFailedUnit", &e, r));
    return r < 0 ? r : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int bus_failed_units(sd_bus *bus, strv *ret, char **ret_err)
{
    _cleanup_bus_error_ sd_bus_error e = SD_BUS_ERROR_NULL;
    _cleanup_bus_message_ sd_bus_message *call = NULL, *reply = NULL;
    int r = sd_bus_message_new_method_call(bus, &call, SD_DEST, SD_PATH, SD_MANAGER, "ListUnitsFiltered");
    if (r >= 0)
        r = sd_bus_message_append_strv(call, (char *[]){(char *)"failed", NULL});
    if (r >= 0)
        r = sd_bus_call(bus, call, 0, &e, &reply);
    if (r < 0) {
        set_err(ret_err, bus_err_text("ListUnitsFiltered", &e, r));
        return r;
    }
    strv v = {0};
    r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
    while (r >= 0) {
        const char *name, *desc, *load, *active, *sub, *follow, *job_type;
        const char *path, *job_path;
        uint32_t job_id;
        r = sd_bus_message_read(reply, "(ssssssouso)", &name, &desc, &load, &active, &sub, &follow, &path, &job_id,
                                &job_type, &job_path);
        if (r <= 0)
            break;
        if (!strcmp(active, "failed"))
            strv_push(&v, xstrdup(name));
    }
    if (r < 0) {
        strv_free(&v);
        set_err(ret_err, bus_err_text("ListUnitsFiltered reply", NULL, r));
        return r;
    }
    if (v.n)
        qsort(v.v, v.n, sizeof *v.v, cmp_str);
    *ret = v;
    return 0;
}

int bus_system_state(sd_bus *bus, char **ret, char **ret_err)
{
    return get_string(bus, SD_PATH, SD_MANAGER, "SystemState", ret, ret_err);
}
