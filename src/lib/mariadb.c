/* mariadb.c: the MariaDB Connector/C functions the program calls, loaded on
 * first use (lazylib.h), with the library's own prototypes. Where the library
 * cannot be loaded, each fails the way it reports failure itself. */
#include <stdarg.h>
#include <stddef.h>

#include <mysql.h>

#include "lazylib.h"

#define MARIADB_FN(var, name) LAZYLIB_FN(LAZYLIB_MARIADB, var, name)

int STDCALL mysql_server_init(int argc, char **argv, char **groups)
{
    int (*f)(int, char **, char **);
    return MARIADB_FN(f, "mysql_server_init") ? f(argc, argv, groups) : 1;
}

void STDCALL mysql_server_end(void)
{
    void (*f)(void);
    if (MARIADB_FN(f, "mysql_server_end"))
        f();
}

my_bool STDCALL mysql_thread_init(void)
{
    my_bool (*f)(void);
    return MARIADB_FN(f, "mysql_thread_init") ? f() : 1;
}

void STDCALL mysql_thread_end(void)
{
    void (*f)(void);
    if (MARIADB_FN(f, "mysql_thread_end"))
        f();
}

MYSQL *STDCALL mysql_init(MYSQL *m)
{
    MYSQL *(*f)(MYSQL *);
    return MARIADB_FN(f, "mysql_init") ? f(m) : NULL;
}

void STDCALL mysql_close(MYSQL *m)
{
    void (*f)(MYSQL *);
    if (MARIADB_FN(f, "mysql_close"))
        f(m);
}

const char *STDCALL mysql_error(MYSQL *m)
{
    const char *(*f)(MYSQL *);
    return MARIADB_FN(f, "mysql_error") ? f(m) : lazylib_error(LAZYLIB_MARIADB);
}

char *STDCALL mysql_get_server_info(MYSQL *m)
{
    char *(*f)(MYSQL *);
    return MARIADB_FN(f, "mysql_get_server_info") ? f(m) : NULL;
}

my_socket STDCALL mysql_get_socket(MYSQL *m)
{
    my_socket (*f)(MYSQL *);
    return MARIADB_FN(f, "mysql_get_socket") ? f(m) : -1;
}

unsigned int STDCALL mysql_get_timeout_value_ms(const MYSQL *m)
{
    unsigned int (*f)(const MYSQL *);
    return MARIADB_FN(f, "mysql_get_timeout_value_ms") ? f(m) : 0;
}

/* Forwards exactly one argument after the option: every option the program
 * sets (src/probe/mysql.c) takes one, a pointer or a value that fits one. */
int mysql_optionsv(MYSQL *m, enum mysql_option option, ...)
{
    int (*f)(MYSQL *, enum mysql_option, ...);
    if (!MARIADB_FN(f, "mysql_optionsv"))
        return 1;
    va_list ap;
    va_start(ap, option);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return f(m, option, arg);
}

int STDCALL mysql_real_connect_start(MYSQL **ret, MYSQL *m, const char *host, const char *user, const char *passwd,
                                     const char *db, unsigned int port, const char *unix_socket,
                                     unsigned long clientflag)
{
    int (*f)(MYSQL **, MYSQL *, const char *, const char *, const char *, const char *, unsigned int, const char *,
             unsigned long);
    if (MARIADB_FN(f, "mysql_real_connect_start"))
        return f(ret, m, host, user, passwd, db, port, unix_socket, clientflag);
    *ret = NULL;
    return 0;
}

int STDCALL mysql_real_connect_cont(MYSQL **ret, MYSQL *m, int status)
{
    int (*f)(MYSQL **, MYSQL *, int);
    if (MARIADB_FN(f, "mysql_real_connect_cont"))
        return f(ret, m, status);
    *ret = NULL;
    return 0;
}

int STDCALL mysql_ping_start(int *ret, MYSQL *m)
{
    int (*f)(int *, MYSQL *);
    if (MARIADB_FN(f, "mysql_ping_start"))
        return f(ret, m);
    *ret = 1;
    return 0;
}

int STDCALL mysql_ping_cont(int *ret, MYSQL *m, int status)
{
    int (*f)(int *, MYSQL *, int);
    if (MARIADB_FN(f, "mysql_ping_cont"))
        return f(ret, m, status);
    *ret = 1;
    return 0;
}
