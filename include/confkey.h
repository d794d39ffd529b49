/* confkey.h: declarative parsing of YAML maps into C structs.
 *
 * A module describes the keys it accepts as a table of conf_key; conf_map_parse()
 * walks a YAML mapping, rejects unknown keys (suggesting a near one), converts each
 * value and records errors as "file:line:col: message" with 1-based positions of
 * the offending key or value. Probe kinds use this for their own keys. */
#pragma once

#include <regex.h>
#include <yaml.h>

#include "util.h"

typedef struct conf_ctx {
    yaml_document_t *doc;
    const char *file; /* shown in messages: the file's base name */
    strv *errors;
} conf_ctx;

typedef enum conf_type {
    CONF_STRING,   /* char *                                   */
    CONF_BOOL,     /* bool                                     */
    CONF_INT,      /* int, within [min, max]                   */
    CONF_PORT,     /* int: number or /etc/services name        */
    CONF_DURATION, /* usec_t: 250ms, 5s, 2m, 1h (bare = seconds) */
    CONF_PERCENT,  /* double: 80% (bare number accepted)        */
    CONF_DOUBLE,   /* double                                   */
    CONF_REGEX,    /* conf_regex                               */
    CONF_STRLIST,  /* strv: a string or a list of strings      */
    CONF_ENUM,     /* int: index into names                    */
    CONF_CUSTOM,   /* parse() does it                          */
} conf_type;

typedef struct conf_regex {
    char *source;
    const regex_t *re; /* shared by every conf_regex of the same source */
    bool compiled;
} conf_regex;

typedef struct conf_key conf_key;
struct conf_key {
    const char *name;
    conf_type type;
    size_t offset;             /* of the field in the target struct */
    const char *const *names;  /* CONF_ENUM: NULL-terminated */
    long min, max;             /* CONF_INT (both 0: no bounds) */
    /* CONF_CUSTOM: parse node into field; return 0 or -1 after conf_error(). */
    int (*parse)(conf_ctx *c, yaml_node_t *node, void *field);
    void (*free)(void *field); /* CONF_CUSTOM: release what parse() made */
    size_t set_offset;         /* if nonzero: a bool set to true when given */
};

#define CONF_END {NULL, 0, 0, NULL, 0, 0, NULL, NULL, 0}

/* Records an error at node (may be NULL: line 1). */
void conf_error(conf_ctx *c, const yaml_node_t *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void conf_error_at(conf_ctx *c, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parses mapping node into target. Keys found in any of the tables (tables is
 * NULL-terminated; each entry pairs with a base pointer) are accepted; others
 * are errors, with a suggestion among all accepted names. skip lists keys the
 * caller handles itself (NULL-terminated, may be NULL). Returns number of errors. */
typedef struct conf_table {
    const conf_key *keys;
    void *base;
} conf_table;
int conf_map_parse(conf_ctx *c, yaml_node_t *map, const conf_table *tables, size_t n_tables,
                   const char *const *skip);

/* Frees what conf_map_parse allocated in base for these keys. */
void conf_free_fields(const conf_key *keys, void *base);

/* Single-value converters, usable from custom parsers. Each returns 0 or -1
 * after recording an error at node. */
int conf_get_string(conf_ctx *c, yaml_node_t *node, char **ret);
int conf_get_bool(conf_ctx *c, yaml_node_t *node, bool *ret);
int conf_get_int(conf_ctx *c, yaml_node_t *node, long min, long max, int *ret);
int conf_get_port(conf_ctx *c, yaml_node_t *node, int *ret);
int conf_get_duration(conf_ctx *c, yaml_node_t *node, usec_t *ret);
int conf_get_percent(conf_ctx *c, yaml_node_t *node, double *ret);
int conf_get_double(conf_ctx *c, yaml_node_t *node, double *ret);
int conf_get_regex(conf_ctx *c, yaml_node_t *node, conf_regex *ret);
int conf_get_strlist(conf_ctx *c, yaml_node_t *node, strv *ret);
void conf_regex_free(conf_regex *r);

/* Pure value parsers (no YAML), exposed for unit tests. 0 or -EINVAL. */
int parse_duration(const char *s, usec_t *ret);
int parse_percent(const char *s, double *ret);
int parse_port(const char *s, int *ret);

/* Scalar text of a node, or NULL when it is not a scalar. */
const char *conf_scalar(yaml_node_t *node);
/* Looks up key in a mapping node; NULL if absent. */
yaml_node_t *conf_map_get(conf_ctx *c, yaml_node_t *map, const char *key);
const char *conf_node_kind(const yaml_node_t *node); /* "a list", "a map", ... */
