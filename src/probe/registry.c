/* registry.c: every probe kind, by type name. Adding a probe type: write
 * src/probe/TYPE.c defining `const probe_kind probe_TYPE`, add one line below. */
#include <string.h>

#include "probe.h"

extern const probe_kind probe_tcp, probe_unix, probe_file, probe_process, probe_http, probe_exec;
extern const probe_kind probe_disk, probe_load, probe_users, probe_ping, probe_dns;
extern const probe_kind probe_unit;
extern const probe_kind probe_systemd;
extern const probe_kind probe_smtp, probe_lmtp, probe_imap, probe_pop3, probe_sieve;
extern const probe_kind probe_mysql, probe_pgsql, probe_ldap, probe_consul, probe_patroni;
extern const probe_kind probe_ftp, probe_ssh, probe_xmpp, probe_spamd, probe_clamd, probe_zookeeper;

static const probe_kind *const kinds[] = {
    &probe_disk,
    &probe_load,
    &probe_users,
    &probe_ping,
    &probe_dns,
    &probe_tcp,
    &probe_unix,
    &probe_file,
    &probe_process, /* internal: pidfile/process keys of a service */
    &probe_http,
    &probe_exec,
    &probe_unit, /* internal: unit key of a service */
    &probe_systemd,
    &probe_smtp,
    &probe_lmtp,
    &probe_imap,
    &probe_pop3,
    &probe_sieve,
    &probe_mysql,
    &probe_pgsql,
    &probe_ldap,
    &probe_consul,
    &probe_patroni,
    &probe_ftp,
    &probe_ssh,
    &probe_xmpp,
    &probe_spamd,
    &probe_clamd,
    &probe_zookeeper,
};

const probe_kind *probe_kind_find(const char *type)
{
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (!strcmp(kinds[i]->type, type))
            return kinds[i];
    return NULL;
}

const probe_kind *const *probe_kinds(size_t *ret_n)
{
    *ret_n = ARRAY_SIZE(kinds);
    return kinds;
}
