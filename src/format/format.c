/* format.c: the table of report formats. Adding one: a file here, a line below. */
#include <stdio.h>
#include <string.h>

#include "format.h"

static const formatter formatters[] = {
    {"text", format_text, NULL},
    {"brief", format_brief, NULL},
    {"json", format_json, NULL},
    {"nagios", format_nagios, nagios_exit_status},
};

const formatter *formatter_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(formatters); i++)
        if (!strcmp(formatters[i].name, name))
            return &formatters[i];
    return NULL;
}

const char *formatter_names(void)
{
    static char names[256];
    if (!names[0]) {
        strbuf b = {0};
        for (size_t i = 0; i < ARRAY_SIZE(formatters); i++)
            sb_printf(&b, "%s%s", i ? ", " : "", formatters[i].name);
        snprintf(names, sizeof names, "%s", b.s);
        sb_free(&b);
    }
    return names;
}
