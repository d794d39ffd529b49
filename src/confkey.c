/* confkey.c: YAML map → C struct conversion with precise error messages. */
#include "confkey.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <pthread.h>
#include <string.h>

/* msg with control characters escaped (\n, \r, \t, \xNN): a key or value
 * quoted in a message can hold any of them, and a message is one line. */
static char *conf_one_line(const char *msg)
{
    strbuf b = {0};
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p == '\n')
            sb_append(&b, "\\n");
        else if (*p == '\r')
            sb_append(&b, "\\r");
        else if (*p == '\t')
            sb_append(&b, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            sb_printf(&b, "\\x%02x", *p);
        else
            sb_appendn(&b, (const char *)p, 1);
    }
    return sb_steal(&b);
}

__attribute__((format(printf, 4, 0)))
static void conf_verror_at(conf_ctx *c, size_t line, size_t col, const char *fmt, va_list ap)
{
    char *msg = xvasprintf(fmt, ap);
    char *one = conf_one_line(msg);
    strv_push(c->errors, xasprintf("%s:%zu:%zu: %s", c->file, line, col, one));
    free(one);
    free(msg);
}

void conf_error_at(conf_ctx *c, size_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    conf_verror_at(c, line, col, fmt, ap);
    va_end(ap);
}

void conf_error(conf_ctx *c, const yaml_node_t *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (node)
        conf_verror_at(c, node->start_mark.line + 1, node->start_mark.column + 1, fmt, ap);
    else
        conf_verror_at(c, 1, 1, fmt, ap);
    va_end(ap);
}

const char *conf_scalar(yaml_node_t *node)
{
    if (!node || node->type != YAML_SCALAR_NODE)
        return NULL;
    return (const char *)node->data.scalar.value;
}

const char *conf_node_kind(const yaml_node_t *node)
{
    if (!node)
        return "nothing";
    switch (node->type) {
    case YAML_SCALAR_NODE:
        return "a scalar";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a map";
    default:
        return "nothing";
    }
}

static bool scalar_is_null(yaml_node_t *node)
{
    const char *s = conf_scalar(node);
    if (!s)
        return false;
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

yaml_node_t *conf_map_get(conf_ctx *c, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const char *k = conf_scalar(yaml_document_get_node(c->doc, p->key));
        if (k && !strcmp(k, key))
            return yaml_document_get_node(c->doc, p->value);
    }
    return NULL;
}

int conf_get_string(conf_ctx *c, yaml_node_t *node, char **ret)
{
    const char *s = conf_scalar(node);
    if (!s || scalar_is_null(node)) {
        conf_error(c, node, "expected a string, got %s", s ? "null" : conf_node_kind(node));
        return -1;
    }
    if (memchr(s, '\0', node->data.scalar.length) || strlen(s) != node->data.scalar.length) {
        conf_error(c, node, "a NUL byte is not allowed here");
        return -1;
    }
    free(*ret);
    *ret = xstrdup(s);
    return 0;
}

int conf_get_bool(conf_ctx *c, yaml_node_t *node, bool *ret)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
    const char *s = conf_scalar(node);
    if (s) {
        for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
            if (!strcmp(s, yes[i])) {
                *ret = true;
                return 0;
            }
        for (size_t i = 0; i < ARRAY_SIZE(no); i++)
            if (!strcmp(s, no[i])) {
                *ret = false;
                return 0;
            }
        conf_error(c, node, "expected true or false, got '%s'", s);
    } else
        conf_error(c, node, "expected true or false, got %s", conf_node_kind(node));
    return -1;
}

static int parse_long(const char *s, long *ret)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end)
        return -EINVAL;
    *ret = v;
    return 0;
}

int conf_get_int(conf_ctx *c, yaml_node_t *node, long min, long max, int *ret)
{
    const char *s = conf_scalar(node);
    long v;
    if (!s || parse_long(s, &v) < 0) {
        if (s)
            conf_error(c, node, "expected a whole number, got '%s'", s);
        else
            conf_error(c, node, "expected a whole number, got %s", conf_node_kind(node));
        return -1;
    }
    if (!(min == 0 && max == 0)) {
        if (v < min || v > max) {
            conf_error(c, node, "%ld is out of range (%ld to %ld)", v, min, max);
            return -1;
        }
    } else if (v < INT_MIN || v > INT_MAX) {
        conf_error(c, node, "%ld is out of range", v);
        return -1;
    }
    *ret = (int)v;
    return 0;
}

int parse_port(const char *s, int *ret)
{
    long v;
    if (parse_long(s, &v) == 0) {
        if (v < 1 || v > 65535)
            return -ERANGE;
        *ret = (int)v;
        return 0;
    }
    struct servent se, *res = NULL;
    char buf[1024];
    if (getservbyname_r(s, "tcp", &se, buf, sizeof buf, &res) == 0 && res) {
        *ret = ntohs((uint16_t)res->s_port);
        return 0;
    }
    return -EINVAL;
}

int conf_get_port(conf_ctx *c, yaml_node_t *node, int *ret)
{
    const char *s = conf_scalar(node);
    if (!s) {
        conf_error(c, node, "expected a port number or service name, got %s", conf_node_kind(node));
        return -1;
    }
    int r = parse_port(s, ret);
    if (r == -ERANGE) {
        conf_error(c, node, "port %s is out of range (1 to 65535)", s);
        return -1;
    }
    if (r < 0) {
        conf_error(c, node, "unknown port '%s' (not a number nor a name in /etc/services)", s);
        return -1;
    }
    return 0;
}

int parse_duration(const char *s, usec_t *ret)
{
    char *end;
    if (!s || !*s)
        return -EINVAL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v) || v < 0)
        return -EINVAL;
    double mult;
    if (!*end || !strcmp(end, "s"))
        mult = 1e6;
    else if (!strcmp(end, "ms"))
        mult = 1e3;
    else if (!strcmp(end, "m") || !strcmp(end, "min"))
        mult = 60e6;
    else if (!strcmp(end, "h"))
        mult = 3600e6;
    else if (!strcmp(end, "d"))
        mult = 86400e6;
    else
        return -EINVAL;
    double u = v * mult;
    if (u > 1e15)
        return -ERANGE;
    *ret = (usec_t)llround(u);
    return 0;
}

int conf_get_duration(conf_ctx *c, yaml_node_t *node, usec_t *ret)
{
    const char *s = conf_scalar(node);
    int r = s ? parse_duration(s, ret) : -EINVAL;
    if (r == -ERANGE) {
        conf_error(c, node, "duration '%s' is too long", s);
        return -1;
    }
    if (r < 0) {
        if (s)
            conf_error(c, node, "bad duration '%s': expected a number and a unit, like 250ms, 5s, 2m or 1h", s);
        else
            conf_error(c, node, "expected a duration such as 5s, got %s", conf_node_kind(node));
        return -1;
    }
    return 0;
}

int parse_percent(const char *s, double *ret)
{
    char *end;
    if (!s || !*s)
        return -EINVAL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v))
        return -EINVAL;
    if (*end == '%')
        end++;
    if (*end)
        return -EINVAL;
    if (v < 0 || v > 100)
        return -ERANGE;
    *ret = v;
    return 0;
}

int conf_get_percent(conf_ctx *c, yaml_node_t *node, double *ret)
{
    const char *s = conf_scalar(node);
    int r = s ? parse_percent(s, ret) : -EINVAL;
    if (r == -ERANGE) {
        conf_error(c, node, "percentage '%s' is out of range (0%% to 100%%)", s);
        return -1;
    }
    if (r < 0) {
        if (s)
            conf_error(c, node, "bad percentage '%s': expected a number and %%, like 80%%", s);
        else
            conf_error(c, node, "expected a percentage such as 80%%, got %s", conf_node_kind(node));
        return -1;
    }
    return 0;
}

int conf_get_double(conf_ctx *c, yaml_node_t *node, double *ret)
{
    const char *s = conf_scalar(node);
    char *end;
    if (s) {
        errno = 0;
        double v = strtod(s, &end);
        if (!errno && end != s && !*end && isfinite(v)) {
            *ret = v;
            return 0;
        }
        conf_error(c, node, "expected a number, got '%s'", s);
    } else
        conf_error(c, node, "expected a number, got %s", conf_node_kind(node));
    return -1;
}

/* Compiled expressions are shared by source: regexec() keeps a cache of DFA
 * states in each regex_t (some KiB once used), so a thousand probes that all
 * expect "^220" would otherwise hold a thousand copies. regexec() is
 * thread-safe on a shared regex_t. */
typedef struct regex_entry {
    char *source;
    regex_t re;
    size_t refs;
    struct regex_entry *next;
} regex_entry;

static pthread_mutex_t regex_lock = PTHREAD_MUTEX_INITIALIZER;
static regex_entry *regex_entries;

/* A compiled src (a new reference), or NULL with regcomp's message in msg. */
static const regex_t *regex_acquire(const char *src, char *msg, size_t msg_size)
{
    pthread_mutex_lock(&regex_lock);
    regex_entry *e = regex_entries;
    while (e && strcmp(e->source, src))
        e = e->next;
    if (e)
        e->refs++;
    else {
        e = xcalloc(1, sizeof *e);
        int r = regcomp(&e->re, src, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
            regerror(r, &e->re, msg, msg_size);
            free(e);
            e = NULL;
        } else {
            e->source = xstrdup(src);
            e->refs = 1;
            e->next = regex_entries;
            regex_entries = e;
        }
    }
    pthread_mutex_unlock(&regex_lock);
    return e ? &e->re : NULL;
}

static void regex_release(const regex_t *re)
{
    pthread_mutex_lock(&regex_lock);
    for (regex_entry **p = &regex_entries; *p; p = &(*p)->next) {
        regex_entry *e = *p;
        if (&e->re != re)
            continue;
        if (--e->refs == 0) {
            *p = e->next;
            regfree(&e->re);
            free(e->source);
            free(e);
        }
        break;
    }
    pthread_mutex_unlock(&regex_lock);
}

void conf_regex_free(conf_regex *r)
{
    if (r->compiled)
        regex_release(r->re);
    free(r->source);
    r->source = NULL;
    r->re = NULL;
    r->compiled = false;
}

int conf_get_regex(conf_ctx *c, yaml_node_t *node, conf_regex *ret)
{
    char *src = NULL;
    if (conf_get_string(c, node, &src) < 0)
        return -1;
    conf_regex_free(ret);
    char msg[256];
    const regex_t *re = regex_acquire(src, msg, sizeof msg);
    if (!re) {
        conf_error(c, node, "bad regular expression '%s': %s", src, msg);
        free(src);
        return -1;
    }
    ret->source = src;
    ret->re = re;
    ret->compiled = true;
    return 0;
}

int conf_get_strlist(conf_ctx *c, yaml_node_t *node, strv *ret)
{
    strv_free(ret);
    if (node && node->type == YAML_SEQUENCE_NODE) {
        int bad = 0;
        for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
            char *s = NULL;
            if (conf_get_string(c, yaml_document_get_node(c->doc, *i), &s) < 0) {
                bad = -1;
                continue;
            }
            strv_push(ret, s);
        }
        return bad;
    }
    char *s = NULL;
    if (conf_get_string(c, node, &s) < 0)
        return -1;
    strv_push(ret, s);
    return 0;
}

static const conf_key *find_key(const conf_table *tables, size_t n, const char *name, void **ret_base)
{
    for (size_t t = 0; t < n; t++)
        for (const conf_key *k = tables[t].keys; k && k->name; k++)
            if (!strcmp(k->name, name)) {
                *ret_base = tables[t].base;
                return k;
            }
    return NULL;
}

static const char *suggest(const conf_table *tables, size_t n, const char *const *skip, const char *name)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t t = 0; t < n; t++)
        for (const conf_key *k = tables[t].keys; k && k->name; k++) {
            size_t d = edit_distance(name, k->name);
            if (d < best_d) {
                best_d = d;
                best = k->name;
            }
        }
    for (const char *const *s = skip; s && *s; s++) {
        size_t d = edit_distance(name, *s);
        if (d < best_d) {
            best_d = d;
            best = *s;
        }
    }
    size_t len = strlen(name);
    size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    return best_d <= limit ? best : NULL;
}

static int parse_value(conf_ctx *c, const conf_key *k, yaml_node_t *v, void *field)
{
    switch (k->type) {
    case CONF_STRING:
        return conf_get_string(c, v, field);
    case CONF_BOOL:
        return conf_get_bool(c, v, field);
    case CONF_INT:
        return conf_get_int(c, v, k->min, k->max, field);
    case CONF_PORT:
        return conf_get_port(c, v, field);
    case CONF_DURATION:
        return conf_get_duration(c, v, field);
    case CONF_PERCENT:
        return conf_get_percent(c, v, field);
    case CONF_DOUBLE:
        return conf_get_double(c, v, field);
    case CONF_REGEX:
        return conf_get_regex(c, v, field);
    case CONF_STRLIST:
        return conf_get_strlist(c, v, field);
    case CONF_ENUM: {
        const char *s = conf_scalar(v);
        if (s)
            for (int i = 0; k->names[i]; i++)
                if (!strcmp(s, k->names[i])) {
                    *(int *)field = i;
                    return 0;
                }
        strbuf b = {0};
        for (int i = 0; k->names[i]; i++)
            sb_printf(&b, "%s%s", i ? ", " : "", k->names[i]);
        if (s)
            conf_error(c, v, "bad value '%s' for '%s': expected one of %s", s, k->name, b.s);
        else
            conf_error(c, v, "expected one of %s for '%s', got %s", b.s, k->name, conf_node_kind(v));
        sb_free(&b);
        return -1;
    }
    case CONF_CUSTOM:
        return k->parse(c, v, field);
    }
    return -1;
}

int conf_map_parse(conf_ctx *c, yaml_node_t *map, const conf_table *tables, size_t n_tables,
                   const char *const *skip)
{
    int errors = 0;
    if (!map || map->type != YAML_MAPPING_NODE) {
        conf_error(c, map, "expected a map of keys, got %s", conf_node_kind(map));
        return 1;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(c->doc, p->value);
        const char *name = conf_scalar(kn);
        if (!name) {
            conf_error(c, kn, "a key must be a plain name, got %s", conf_node_kind(kn));
            errors++;
            continue;
        }
        /* Duplicate keys: YAML forbids them, libyaml does not check. */
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
            const char *prev = conf_scalar(yaml_document_get_node(c->doc, q->key));
            if (prev && !strcmp(prev, name)) {
                conf_error(c, kn, "duplicate key '%s'", name);
                errors++;
                break;
            }
        }
        bool skipped = false;
        for (const char *const *s = skip; s && *s; s++)
            if (!strcmp(*s, name))
                skipped = true;
        if (skipped)
            continue;
        void *base;
        const conf_key *k = find_key(tables, n_tables, name, &base);
        if (!k) {
            const char *sug = suggest(tables, n_tables, skip, name);
            if (sug)
                conf_error(c, kn, "unknown key '%s', did you mean '%s'?", name, sug);
            else
                conf_error(c, kn, "unknown key '%s'", name);
            errors++;
            continue;
        }
        if (parse_value(c, k, vn, (char *)base + k->offset) < 0) {
            errors++;
            continue;
        }
        if (k->set_offset)
            *(bool *)((char *)base + k->set_offset) = true;
    }
    return errors;
}

void conf_free_fields(const conf_key *keys, void *base)
{
    for (const conf_key *k = keys; k && k->name; k++) {
        void *field = (char *)base + k->offset;
        switch (k->type) {
        case CONF_STRING:
            free(*(char **)field);
            *(char **)field = NULL;
            break;
        case CONF_REGEX:
            conf_regex_free(field);
            break;
        case CONF_STRLIST:
            strv_free(field);
            break;
        case CONF_CUSTOM:
            if (k->free)
                k->free(field);
            break;
        default:
            break;
        }
    }
}
