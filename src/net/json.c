/* json.c: a small recursive-descent JSON reader with a depth bound; every read
 * checks the end of input, so any byte string is safe to feed it. */
#include "json.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct json_parser {
    const char *s;
    size_t len, pos;
    char *err;
} json_parser;

static int json_error(json_parser *p, const char *what)
{
    if (!p->err)
        p->err = xasprintf("at byte %zu: %s", p->pos, what);
    return -EINVAL;
}

static void json_skip_ws(json_parser *p)
{
    while (p->pos < p->len &&
           (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static bool json_literal(json_parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return false;
    p->pos += n;
    return true;
}

static int json_hex4(json_parser *p, unsigned *ret)
{
    if (p->len - p->pos < 4)
        return json_error(p, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return json_error(p, "bad \\u escape");
    }
    *ret = v;
    return 0;
}

static void json_put_utf8(strbuf *b, unsigned cp)
{
    char out[4];
    size_t n;
    if (cp == 0) {
        out[0] = ' ';
        n = 1;
    } else if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        out[0] = (char)(0xf0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    sb_appendn(b, out, n);
}

/* At the opening quote. */
static int json_string(json_parser *p, char **ret)
{
    strbuf b = {0};
    p->pos++;
    for (;;) {
        if (p->pos >= p->len) {
            sb_free(&b);
            return json_error(p, "unterminated string");
        }
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            sb_free(&b);
            return json_error(p, "control character in string");
        }
        if (c != '\\') {
            /* Copy a run of plain bytes at once. */
            size_t start = p->pos;
            while (p->pos < p->len && p->s[p->pos] != '"' && p->s[p->pos] != '\\' &&
                   (unsigned char)p->s[p->pos] >= 0x20)
                p->pos++;
            sb_appendn(&b, p->s + start, p->pos - start);
            continue;
        }
        p->pos++;
        if (p->pos >= p->len) {
            sb_free(&b);
            return json_error(p, "unterminated string");
        }
        char e = p->s[p->pos++];
        unsigned cp;
        switch (e) {
        case '"': sb_append(&b, "\""); break;
        case '\\': sb_append(&b, "\\"); break;
        case '/': sb_append(&b, "/"); break;
        case 'b': sb_append(&b, "\b"); break;
        case 'f': sb_append(&b, "\f"); break;
        case 'n': sb_append(&b, "\n"); break;
        case 'r': sb_append(&b, "\r"); break;
        case 't': sb_append(&b, "\t"); break;
        case 'u':
            if (json_hex4(p, &cp) < 0) {
                sb_free(&b);
                return -EINVAL;
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (p->len - p->pos >= 6 && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
                    p->pos += 2;
                    if (json_hex4(p, &lo) < 0) {
                        sb_free(&b);
                        return -EINVAL;
                    }
                    if (lo >= 0xdc00 && lo <= 0xdfff)
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    else
                        cp = 0xfffd;
                } else {
                    cp = 0xfffd;
                }
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                cp = 0xfffd;
            }
            json_put_utf8(&b, cp);
            break;
        default:
            sb_free(&b);
            p->pos--; /* point at the bad character */
            return json_error(p, "bad escape in string");
        }
    }
    *ret = sb_steal(&b);
    return 0;
}

static int json_number(json_parser *p, double *ret)
{
    size_t start = p->pos;
    if (p->pos < p->len && p->s[p->pos] == '-')
        p->pos++;
    size_t digits = p->pos;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    if (p->pos == digits)
        return json_error(p, "expected a value");
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        size_t frac = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            p->pos++;
        if (p->pos == frac)
            return json_error(p, "bad number");
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        size_t exp = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            p->pos++;
        if (p->pos == exp)
            return json_error(p, "bad number");
    }
    /* strtod needs a terminated copy: the input need not be terminated. */
    char *copy = xstrndup(p->s + start, p->pos - start);
    *ret = strtod(copy, NULL);
    free(copy);
    return 0;
}

static int json_value_parse(json_parser *p, int depth, json_value **ret);

static void json_push(json_value *v, char *key, json_value *item)
{
    v->items = xrealloc(v->items, (v->n + 1) * sizeof *v->items);
    if (v->type == JSON_OBJECT)
        v->keys = xrealloc(v->keys, (v->n + 1) * sizeof *v->keys);
    v->items[v->n] = item;
    if (v->type == JSON_OBJECT)
        v->keys[v->n] = key;
    v->n++;
}

/* At '[' or '{'. */
static int json_container(json_parser *p, int depth, json_value *v)
{
    bool object = v->type == JSON_OBJECT;
    char close = object ? '}' : ']';
    p->pos++;
    json_skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        json_skip_ws(p);
        if (p->pos >= p->len)
            return json_error(p, object ? "unterminated object" : "unterminated array");
        if (object) {
            if (p->s[p->pos] != '"')
                return json_error(p, "expected a member name");
            if (json_string(p, &key) < 0)
                return -EINVAL;
            json_skip_ws(p);
            if (p->pos >= p->len) {
                free(key);
                return json_error(p, "unterminated object");
            }
            if (p->s[p->pos] != ':') {
                free(key);
                return json_error(p, "expected ':'");
            }
            p->pos++;
        }
        json_value *item = NULL;
        if (json_value_parse(p, depth + 1, &item) < 0) {
            free(key);
            return -EINVAL;
        }
        json_push(v, key, item);
        json_skip_ws(p);
        if (p->pos >= p->len)
            return json_error(p, object ? "unterminated object" : "unterminated array");
        char c = p->s[p->pos++];
        if (c == close)
            return 0;
        if (c != ',') {
            p->pos--;
            return json_error(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
}

static int json_value_parse(json_parser *p, int depth, json_value **ret)
{
    if (depth > JSON_MAX_DEPTH)
        return json_error(p, "nested too deeply");
    json_skip_ws(p);
    if (p->pos >= p->len)
        return json_error(p, "the text ends where a value was expected");
    json_value *v = xcalloc(1, sizeof *v);
    int r = 0;
    char c = p->s[p->pos];
    if (c == '{' || c == '[') {
        v->type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
        r = json_container(p, depth, v);
    } else if (c == '"') {
        v->type = JSON_STRING;
        r = json_string(p, &v->string);
    } else if (json_literal(p, "true")) {
        v->type = JSON_BOOL;
        v->boolean = true;
    } else if (json_literal(p, "false")) {
        v->type = JSON_BOOL;
    } else if (json_literal(p, "null")) {
        v->type = JSON_NULL;
    } else {
        v->type = JSON_NUMBER;
        r = json_number(p, &v->number);
    }
    if (r < 0) {
        json_free(v);
        return r;
    }
    *ret = v;
    return 0;
}

int json_parse(const char *text, size_t len, json_value **ret, char **ret_err)
{
    json_parser p = {.s = text, .len = len};
    json_value *v = NULL;
    if (json_value_parse(&p, 0, &v) == 0) {
        json_skip_ws(&p);
        if (p.pos == p.len) {
            *ret = v;
            return 0;
        }
        json_error(&p, "unexpected data after the value");
        json_free(v);
    }
    *ret_err = p.err ? p.err : xstrdup("invalid JSON");
    return -EINVAL;
}

void json_free(json_value *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        json_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    free(v);
}

const json_value *json_get(const json_value *v, const char *key)
{
    if (!v || v->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->keys[i], key))
            return v->items[i];
    return NULL;
}

const char *json_get_string(const json_value *v, const char *key)
{
    const json_value *s = json_get(v, key);
    return s && s->type == JSON_STRING ? s->string : NULL;
}
