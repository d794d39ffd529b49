/* fuzz_state.c: the state file reader (state_parse) on arbitrary bytes.
 * Properties: no crash, no leak, an error is one line, and what parses
 * survives a round trip (format, parse again, format: the same text). */
#include "fuzz.h"
#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    UNUSED(argc);
    UNUSED(argv);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    state s = {0};
    char *err = NULL;
    if (state_parse((const char *)data, size, &s, &err) < 0) {
        FUZZ_ASSERT(err && *err && !strchr(err, '\n'), "an error that is not one line");
        FUZZ_ASSERT(s.n == 0 && s.v == NULL, "state touched on error");
        free(err);
        return 0;
    }
    FUZZ_ASSERT(!err, "an error with success");
    char *text = state_format(&s);
    state again = {0};
    char *err2 = NULL;
    int r = state_parse(text, strlen(text), &again, &err2);
    FUZZ_ASSERT(r == 0, "the writer's own text does not parse: %s", err2 ? err2 : "?");
    FUZZ_ASSERT(again.n == s.n, "%zu entries became %zu", s.n, again.n);
    char *text2 = state_format(&again);
    FUZZ_ASSERT(!strcmp(text, text2), "round trip changed the text");
    free(text2);
    free(text);
    state_free(&again);
    state_free(&s);
    return 0;
}
