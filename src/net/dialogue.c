/* dialogue.c: send/expect dialogues (the `dialogue` key) and line matching. */
#include <errno.h>
#include <string.h>

#include "net.h"

void dialogue_free(void *field)
{
    dialogue *d = field;
    for (size_t i = 0; i < d->n; i++) {
        free(d->steps[i].send);
        conf_regex_free(&d->steps[i].expect);
    }
    free(d->steps);
    d->steps = NULL;
    d->n = 0;
}

static dialogue_step *dialogue_add(dialogue *d)
{
    d->steps = xrealloc(d->steps, (d->n + 1) * sizeof *d->steps);
    dialogue_step *s = &d->steps[d->n++];
    *s = (dialogue_step){0};
    return s;
}

int dialogue_parse_expect(conf_ctx *c, yaml_node_t *node, void *field)
{
    dialogue *d = field;
    conf_regex re = {0};
    if (conf_get_regex(c, node, &re) < 0)
        return -1;
    /* The shorthand goes first: a banner is awaited before anything else. */
    d->steps = xrealloc(d->steps, (d->n + 1) * sizeof *d->steps);
    memmove(d->steps + 1, d->steps, d->n * sizeof *d->steps);
    d->steps[0] = (dialogue_step){.expect = re};
    d->n++;
    return 0;
}

int dialogue_parse(conf_ctx *c, yaml_node_t *node, void *field)
{
    dialogue *d = field;
    if (!node || node->type != YAML_SEQUENCE_NODE) {
        conf_error(c, node, "'dialogue' must be a list of {send: STRING} and {expect: REGEX}, got %s",
                   conf_node_kind(node));
        return -1;
    }
    int bad = 0;
    for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
        yaml_node_t *step = yaml_document_get_node(c->doc, *i);
        if (!step || step->type != YAML_MAPPING_NODE ||
            step->data.mapping.pairs.top - step->data.mapping.pairs.start != 1) {
            conf_error(c, step, "a dialogue step must be {send: STRING} or {expect: REGEX}");
            bad = -1;
            continue;
        }
        yaml_node_pair_t *p = step->data.mapping.pairs.start;
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        const char *key = conf_scalar(k);
        if (key && !strcmp(key, "send")) {
            const char *s = conf_scalar(v);
            if (!s) {
                conf_error(c, v, "'send' needs a string, got %s", conf_node_kind(v));
                bad = -1;
                continue;
            }
            dialogue_step *st = dialogue_add(d);
            st->send_len = v->data.scalar.length;
            st->send = xmalloc(st->send_len + 1);
            memcpy(st->send, s, st->send_len + 1);
        } else if (key && !strcmp(key, "expect")) {
            conf_regex re = {0};
            if (conf_get_regex(c, v, &re) < 0) {
                bad = -1;
                continue;
            }
            dialogue_add(d)->expect = re;
        } else {
            size_t ds = key ? edit_distance(key, "send") : 99, de = key ? edit_distance(key, "expect") : 99;
            if (ds <= 2 || de <= 2)
                conf_error(c, k, "unknown dialogue step '%s', did you mean '%s'?", key, ds <= de ? "send" : "expect");
            else
                conf_error(c, k, "unknown dialogue step '%s': expected send or expect", key ? key : "?");
            bad = -1;
        }
    }
    return bad;
}

int conn_expect(probe_run *run, conn *c, const regex_t *re, const char *re_src, const char *what)
{
    char *last = NULL;
    for (;;) {
        const char *line;
        int r = conn_read_line(c, run->deadline, &line);
        if (r == 1) {
            if (regexec(re, line, 0, NULL, 0) == 0) {
                free(last);
                return 0;
            }
            free(last);
            last = printable(line, strlen(line), 120);
            continue;
        }
        if (r == 0) {
            if (last)
                probe_fail(run, "%s \"%s\", expected \"%s\"", what, last, re_src);
            else
                probe_fail(run, "connection closed before the %s", what);
        } else if (r == -EMSGSIZE)
            probe_fail(run, "no match for \"%s\" in the first 64 KiB", re_src);
        else if (c->timed_out && last) {
            /* Lines came, none matched: the mismatch is the news. */
            char *d = format_duration(run->probe->timeout);
            if (now_mono() >= run->run_deadline)
                probe_fail(run, "run deadline reached; %s \"%s\", expected \"%s\"", what, last, re_src);
            else
                probe_fail(run, "%s \"%s\", expected \"%s\" (no match within %s)", what, last, re_src, d);
            free(d);
        } else if (c->timed_out) {
            char *w = xasprintf("while waiting for the %s", what);
            probe_timeout(run, w);
            free(w);
        } else {
            char *w = xasprintf("waiting for the %s", what);
            conn_fail(run, c, w);
            free(w);
        }
        free(last);
        return -1;
    }
}

int dialogue_run(probe_run *run, conn *c, const dialogue *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const dialogue_step *s = &d->steps[i];
        if (s->send) {
            if (conn_write(c, s->send, s->send_len, run->deadline) < 0) {
                conn_fail(run, c, "sending");
                return -1;
            }
        } else {
            const char *what = i == 0 ? "banner" : "reply";
            if (conn_expect(run, c, s->expect.re, s->expect.source, what) < 0)
                return -1;
        }
    }
    return 0;
}
