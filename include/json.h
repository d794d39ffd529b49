/* json.h: a small, bounded JSON reader (RFC 8259) for probes that read JSON
 * answers (consul, patroni). It builds a tree; input size is the caller's
 * bound, nesting is limited to JSON_MAX_DEPTH. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 64

typedef enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value json_value;
struct json_value {
    json_type type;
    bool boolean;        /* JSON_BOOL */
    double number;       /* JSON_NUMBER */
    char *string;        /* JSON_STRING: UTF-8, NUL-terminated (a \u0000 becomes a space) */
    size_t n;            /* JSON_ARRAY, JSON_OBJECT: number of items */
    json_value **items;  /* JSON_ARRAY, JSON_OBJECT: the values */
    char **keys;         /* JSON_OBJECT: the keys, in order (duplicates kept) */
};

/* Parses len bytes of text. 0 and *ret, or -EINVAL and *ret_err (one line:
 * "at byte 12: expected ':'"; free it). */
int json_parse(const char *text, size_t len, json_value **ret, char **ret_err);
void json_free(json_value *v);

/* The first member named key of an object; NULL when v is not an object or
 * has no such member. */
const json_value *json_get(const json_value *v, const char *key);
/* Its string value, or NULL when absent or not a string. */
const char *json_get_string(const json_value *v, const char *key);
