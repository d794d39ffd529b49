/* systemd.c: the libsystemd functions the program calls (sd-bus, the
 * journal), loaded on first use (lazylib.h), with the library's own
 * prototypes. Where the library cannot be loaded, each fails with -ENOSYS
 * (or NULL), as libsystemd reports what it cannot do. */
#include <errno.h>
#include <stdarg.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>

#include "lazylib.h"

#define SD_FN(var, name) LAZYLIB_FN(LAZYLIB_SYSTEMD, var, name)

int sd_bus_open_system(sd_bus **ret)
{
    int (*f)(sd_bus **);
    return SD_FN(f, "sd_bus_open_system") ? f(ret) : -ENOSYS;
}

sd_bus *sd_bus_close_unref(sd_bus *bus)
{
    sd_bus *(*f)(sd_bus *);
    return SD_FN(f, "sd_bus_close_unref") ? f(bus) : NULL;
}

int sd_bus_set_method_call_timeout(sd_bus *bus, uint64_t usec)
{
    int (*f)(sd_bus *, uint64_t);
    return SD_FN(f, "sd_bus_set_method_call_timeout") ? f(bus, usec) : -ENOSYS;
}

int sd_bus_call(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error, sd_bus_message **reply)
{
    int (*f)(sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **);
    return SD_FN(f, "sd_bus_call") ? f(bus, m, usec, ret_error, reply) : -ENOSYS;
}

int sd_bus_call_method(sd_bus *bus, const char *destination, const char *path, const char *interface,
                       const char *member, sd_bus_error *ret_error, sd_bus_message **reply, const char *types, ...)
{
    int (*f)(sd_bus *, const char *, const char *, const char *, const char *, sd_bus_error *, sd_bus_message **,
             const char *, va_list);
    if (!SD_FN(f, "sd_bus_call_methodv"))
        return -ENOSYS;
    va_list ap;
    va_start(ap, types);
    int r = f(bus, destination, path, interface, member, ret_error, reply, types, ap);
    va_end(ap);
    return r;
}

int sd_bus_get_property_string(sd_bus *bus, const char *destination, const char *path, const char *interface,
                               const char *member, sd_bus_error *ret_error, char **ret)
{
    int (*f)(sd_bus *, const char *, const char *, const char *, const char *, sd_bus_error *, char **);
    return SD_FN(f, "sd_bus_get_property_string") ? f(bus, destination, path, interface, member, ret_error, ret)
                                                    : -ENOSYS;
}

int sd_bus_process(sd_bus *bus, sd_bus_message **r)
{
    int (*f)(sd_bus *, sd_bus_message **);
    return SD_FN(f, "sd_bus_process") ? f(bus, r) : -ENOSYS;
}

int sd_bus_wait(sd_bus *bus, uint64_t timeout_usec)
{
    int (*f)(sd_bus *, uint64_t);
    return SD_FN(f, "sd_bus_wait") ? f(bus, timeout_usec) : -ENOSYS;
}

int sd_bus_match_signal(sd_bus *bus, sd_bus_slot **ret, const char *sender, const char *path, const char *interface,
                        const char *member, sd_bus_message_handler_t callback, void *userdata)
{
    int (*f)(sd_bus *, sd_bus_slot **, const char *, const char *, const char *, const char *,
             sd_bus_message_handler_t, void *);
    return SD_FN(f, "sd_bus_match_signal") ? f(bus, ret, sender, path, interface, member, callback, userdata)
                                             : -ENOSYS;
}

sd_bus_slot *sd_bus_slot_unref(sd_bus_slot *slot)
{
    sd_bus_slot *(*f)(sd_bus_slot *);
    return SD_FN(f, "sd_bus_slot_unref") ? f(slot) : NULL;
}

int sd_bus_message_new_method_call(sd_bus *bus, sd_bus_message **m, const char *destination, const char *path,
                                   const char *interface, const char *member)
{
    int (*f)(sd_bus *, sd_bus_message **, const char *, const char *, const char *, const char *);
    return SD_FN(f, "sd_bus_message_new_method_call") ? f(bus, m, destination, path, interface, member) : -ENOSYS;
}

sd_bus_message *sd_bus_message_unref(sd_bus_message *m)
{
    sd_bus_message *(*f)(sd_bus_message *);
    return SD_FN(f, "sd_bus_message_unref") ? f(m) : NULL;
}

int sd_bus_message_append_strv(sd_bus_message *m, char **l)
{
    int (*f)(sd_bus_message *, char **);
    return SD_FN(f, "sd_bus_message_append_strv") ? f(m, l) : -ENOSYS;
}

int sd_bus_message_read(sd_bus_message *m, const char *types, ...)
{
    int (*f)(sd_bus_message *, const char *, va_list);
    if (!SD_FN(f, "sd_bus_message_readv"))
        return -ENOSYS;
    va_list ap;
    va_start(ap, types);
    int r = f(m, types, ap);
    va_end(ap);
    return r;
}

int sd_bus_message_enter_container(sd_bus_message *m, char type, const char *contents)
{
    int (*f)(sd_bus_message *, char, const char *);
    return SD_FN(f, "sd_bus_message_enter_container") ? f(m, type, contents) : -ENOSYS;
}

void sd_bus_error_free(sd_bus_error *e)
{
    void (*f)(sd_bus_error *);
    if (SD_FN(f, "sd_bus_error_free"))
        f(e);
}

int sd_bus_error_is_set(const sd_bus_error *e)
{
    int (*f)(const sd_bus_error *);
    return SD_FN(f, "sd_bus_error_is_set") ? f(e) : 0;
}

int(sd_journal_sendv)(const struct iovec *iov, int n)
{
    int (*f)(const struct iovec *, int);
    return SD_FN(f, "sd_journal_sendv") ? f(iov, n) : -ENOSYS;
}
