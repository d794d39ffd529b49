/* fuzz_json.c: the JSON reader that consul and patroni answers go through
 * (src/net/json.c). Properties: no crash, no leak, bounded nesting, an error
 * is one line. */
#include "fuzz.h"
#include "json.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    UNUSED(argc);
    UNUSED(argv);
    return 0;
}

static size_t depth(const json_value *v)
{
    size_t d = 0;
    for (size_t i = 0; (v->type == JSON_ARRAY || v->type == JSON_OBJECT) && i < v->n; i++) {
        size_t k = depth(v->items[i]);
        if (k > d)
            d = k;
    }
    return d + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_value *v = NULL;
    char *err = NULL;
    if (json_parse((const char *)data, size, &v, &err) < 0) {
        FUZZ_ASSERT(err && *err && !strchr(err, '\n'), "an error that is not one line");
        free(err);
        return 0;
    }
    FUZZ_ASSERT(v, "success without a value");
    FUZZ_ASSERT(depth(v) <= JSON_MAX_DEPTH + 1, "nesting beyond JSON_MAX_DEPTH");
    /* What the probes look up. */
    (void)json_get_string(v, "Status");
    (void)json_get_string(v, "role");
    if (v->type == JSON_ARRAY)
        for (size_t i = 0; i < v->n; i++) {
            (void)json_get_string(v->items[i], "Status");
            (void)json_get_string(v->items[i], "CheckID");
            (void)json_get(v->items[i], "ServiceName");
        }
    json_free(v);
    return 0;
}
