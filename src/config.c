/* config.c: loads global settings and the service definitions of a checks
 * directory; validates names, dependencies and file security. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confkey.h"
#include "probe.h"

#define DEF_MAX_SIZE (1024 * 1024) /* a definition larger than 1 MiB is refused */

void settings_init(settings *s)
{
    *s = (settings){
        .timeout = 5 * USEC_PER_SEC,
        .retries = 1,
        .deadline = 100 * USEC_PER_SEC,
        .parallel = 32,
        .restart_timeout = 30 * USEC_PER_SEC,
        .settle = 1 * USEC_PER_SEC,
        .restart_limit_count = 3,
        .restart_limit_within = 3600 * USEC_PER_SEC,
        .remind_every = 24 * 3600 * USEC_PER_SEC,
        .skip_if_load_above = -1,
    };
}

/* ---- YAML documents ---------------------------------------------------- */

typedef struct yaml_file {
    yaml_document_t doc;
    bool loaded;
} yaml_file;

/* Parses text into f->doc. On a syntax error records it and returns -1. */
static int yaml_load_text(yaml_file *f, const char *text, size_t len, conf_ctx *c)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        conf_error_at(c, 1, 1, "cannot initialise the YAML parser");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &f->doc)) {
        const char *problem = parser.problem ? parser.problem : "invalid YAML";
        if (parser.context)
            conf_error_at(c, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                          "YAML syntax error: %s %s", problem, parser.context);
        else
            conf_error_at(c, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                          "YAML syntax error: %s", problem);
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_parser_delete(&parser);
    f->loaded = true;
    c->doc = &f->doc;
    return 0;
}

static void yaml_file_free(yaml_file *f)
{
    if (f->loaded)
        yaml_document_delete(&f->doc);
    f->loaded = false;
}

/* ---- global settings --------------------------------------------------- */

typedef struct restart_limit_cfg {
    int count;
    usec_t within;
} restart_limit_cfg;

static int parse_restart_limit(conf_ctx *c, yaml_node_t *node, void *field)
{
    restart_limit_cfg *rl = field;
    static const conf_key keys[] = {
        {"count", CONF_INT, offsetof(restart_limit_cfg, count), NULL, 0, 1000000, NULL, NULL, 0},
        {"within", CONF_DURATION, offsetof(restart_limit_cfg, within), NULL, 0, 0, NULL, NULL, 0},
        CONF_END,
    };
    conf_table t = {keys, rl};
    return conf_map_parse(c, node, &t, 1, NULL) ? -1 : 0;
}

typedef struct settings_cfg {
    settings s;
    restart_limit_cfg rl;
    double load;
    bool load_set;
} settings_cfg;

static const conf_key settings_keys[] = {
    {"timeout", CONF_DURATION, offsetof(settings_cfg, s.timeout), NULL, 0, 0, NULL, NULL, 0},
    {"retries", CONF_INT, offsetof(settings_cfg, s.retries), NULL, 0, 100, NULL, NULL, 0},
    {"deadline", CONF_DURATION, offsetof(settings_cfg, s.deadline), NULL, 0, 0, NULL, NULL,
     offsetof(settings_cfg, s.deadline_set)},
    {"parallel", CONF_INT, offsetof(settings_cfg, s.parallel), NULL, 1, 4096, NULL, NULL, 0},
    {"restart-timeout", CONF_DURATION, offsetof(settings_cfg, s.restart_timeout), NULL, 0, 0, NULL, NULL, 0},
    {"settle", CONF_DURATION, offsetof(settings_cfg, s.settle), NULL, 0, 0, NULL, NULL, 0},
    {"restart-limit", CONF_CUSTOM, offsetof(settings_cfg, rl), NULL, 0, 0, parse_restart_limit, NULL, 0},
    {"remind-every", CONF_DURATION, offsetof(settings_cfg, s.remind_every), NULL, 0, 0, NULL, NULL, 0},
    {"skip-if-load-above", CONF_DOUBLE, offsetof(settings_cfg, load), NULL, 0, 0, NULL, NULL,
     offsetof(settings_cfg, load_set)},
    CONF_END,
};

int settings_load(settings *s, const char *path, bool must_exist, strv *errs)
{
    char *text = NULL;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    conf_ctx c = {.file = path, .errors = errs};
    int r = read_small_file(path, DEF_MAX_SIZE, &text);
    if (r == -ENOENT && !must_exist)
        return 0;
    if (r < 0) {
        strv_push(errs, xasprintf("%s: cannot read: %s", path, strerror(-r)));
        return -1;
    }
    UNUSED(base);
    yaml_file f = {0};
    size_t before = errs->n;
    if (yaml_load_text(&f, text, strlen(text), &c) == 0) {
        yaml_node_t *root = yaml_document_get_root_node(&f.doc);
        if (root && !(root->type == YAML_SCALAR_NODE && !*conf_scalar(root))) {
            settings_cfg cfg = {.s = *s,
                                .rl = {s->restart_limit_count, s->restart_limit_within},
                                .load = s->skip_if_load_above};
            conf_table t = {settings_keys, &cfg};
            conf_map_parse(&c, root, &t, 1, NULL);
            if (cfg.load_set && cfg.load < 0)
                conf_error(&c, conf_map_get(&c, root, "skip-if-load-above"),
                           "skip-if-load-above must not be negative");
            /* 0 would fail every probe at once ("timed out after 0s"). */
            if (cfg.s.timeout <= 0)
                conf_error(&c, conf_map_get(&c, root, "timeout"), "timeout must be more than 0");
            if (cfg.s.deadline <= 0)
                conf_error(&c, conf_map_get(&c, root, "deadline"), "deadline must be more than 0");
            if (errs->n == before) {
                *s = cfg.s;
                s->restart_limit_count = cfg.rl.count;
                s->restart_limit_within = cfg.rl.within;
                if (cfg.load_set)
                    s->skip_if_load_above = cfg.load;
            }
        }
    }
    yaml_file_free(&f);
    free(text);
    return errs->n == before ? 0 : -1;
}

/* ---- services ---------------------------------------------------------- */

static bool scalar_empty(yaml_node_t *n)
{
    const char *s = conf_scalar(n);
    return s && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (!*s || !strcmp(s, "~") || !strcmp(s, "null"));
}

bool service_name_valid(const char *name)
{
    if (!name || !*name)
        return false;
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
            return false;
    return true;
}

static const char *const unit_suffixes[] = {".service", ".socket", ".target", ".timer", ".mount",
                                            ".path", ".scope", ".slice", ".swap", ".device",
                                            ".automount", NULL};

static char *unit_normalize(const char *u)
{
    for (const char *const *s = unit_suffixes; *s; s++)
        if (endswith(u, *s))
            return xstrdup(u);
    return xasprintf("%s.service", u);
}

static int parse_needed(conf_ctx *c, yaml_node_t *node, void *field)
{
    service *svc = (service *)((char *)field - offsetof(service, needed));
    const char *s = conf_scalar(node);
    if (s) {
        if (!strcmp(s, "always")) {
            svc->needed = NEEDED_ALWAYS;
            return 0;
        }
        if (!strcmp(s, "never")) {
            svc->needed = NEEDED_NEVER;
            return 0;
        }
        conf_error(c, node, "bad value '%s' for 'needed': expected always, never or {if-exists: GLOB}", s);
        return -1;
    }
    if (node && node->type == YAML_MAPPING_NODE) {
        static const conf_key keys[] = {
            {"if-exists", CONF_STRLIST, offsetof(service, needed_globs), NULL, 0, 0, NULL, NULL, 0},
            CONF_END,
        };
        conf_table t = {keys, svc};
        if (conf_map_parse(c, node, &t, 1, NULL))
            return -1;
        if (svc->needed_globs.n == 0) {
            conf_error(c, node, "'needed' needs if-exists: GLOB or a list of globs");
            return -1;
        }
        svc->needed = NEEDED_IF_EXISTS;
        return 0;
    }
    conf_error(c, node, "expected always, never or {if-exists: GLOB} for 'needed', got %s", conf_node_kind(node));
    return -1;
}

static int parse_depends(conf_ctx *c, yaml_node_t *node, void *field)
{
    service *svc = (service *)((char *)field - offsetof(service, depends_on));
    yaml_node_t *items[256];
    size_t n = 0;
    if (node && node->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++) {
            if (n == ARRAY_SIZE(items)) {
                conf_error(c, node, "too many dependencies (at most %zu)", ARRAY_SIZE(items));
                return -1;
            }
            items[n++] = yaml_document_get_node(c->doc, *i);
        }
    } else
        items[n++] = node;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char *s = NULL;
        if (conf_get_string(c, items[i], &s) < 0) {
            bad = -1;
            continue;
        }
        if (!service_name_valid(s)) {
            conf_error(c, items[i], "bad service name '%s' in depends-on", s);
            free(s);
            bad = -1;
            continue;
        }
        svc->depends_pos = xrealloc(svc->depends_pos, (svc->depends_on.n + 1) * sizeof *svc->depends_pos);
        svc->depends_pos[svc->depends_on.n][0] = items[i]->start_mark.line + 1;
        svc->depends_pos[svc->depends_on.n][1] = items[i]->start_mark.column + 1;
        strv_push(&svc->depends_on, s);
    }
    return bad;
}

static const char *const on_failure_names[] = {"restart", "start", "report", NULL};

static const conf_key service_keys[] = {
    {"name", CONF_STRING, offsetof(service, name), NULL, 0, 0, NULL, NULL, 0},
    {"description", CONF_STRING, offsetof(service, description), NULL, 0, 0, NULL, NULL, 0},
    {"enabled", CONF_BOOL, offsetof(service, enabled), NULL, 0, 0, NULL, NULL, 0},
    {"unit", CONF_STRING, offsetof(service, unit), NULL, 0, 0, NULL, NULL, 0},
    {"pidfile", CONF_STRING, offsetof(service, pidfile), NULL, 0, 0, NULL, NULL, 0},
    {"process", CONF_STRING, offsetof(service, process), NULL, 0, 0, NULL, NULL, 0},
    {"needed", CONF_CUSTOM, offsetof(service, needed), NULL, 0, 0, parse_needed, NULL, 0},
    {"on-failure", CONF_ENUM, offsetof(service, on_failure), on_failure_names, 0, 0, NULL, NULL,
     offsetof(service, on_failure_set)},
    {"depends-on", CONF_CUSTOM, offsetof(service, depends_on), NULL, 0, 0, parse_depends, NULL, 0},
    {"timeout", CONF_DURATION, offsetof(service, timeout), NULL, 0, 0, NULL, NULL, 0},
    {"retries", CONF_INT, offsetof(service, retries), NULL, 0, 100, NULL, NULL, 0},
    CONF_END,
};

static const char *const service_skip[] = {"probes", NULL};

void service_free(service *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_probes; i++)
        probe_free(s->probes[i]);
    free(s->probes);
    free(s->name);
    free(s->file);
    free(s->description);
    free(s->unit);
    free(s->pidfile);
    free(s->process);
    strv_free(&s->needed_globs);
    strv_free(&s->depends_on);
    free(s->depends_pos);
    strv_free(&s->errors);
    free(s->insecure);
    free(s);
}

static void service_add_probe(service *s, probe *p)
{
    s->probes = xrealloc(s->probes, (s->n_probes + 1) * sizeof *s->probes);
    s->probes[s->n_probes++] = p;
}

/* The implicit probes of §3: unit active, pidfile alive, process exists. */
static void service_add_implicit(service *s)
{
    if (s->unit) {
        const probe_kind *k = probe_kind_find("unit");
        if (k) {
            char *label = xasprintf("unit %s", s->unit);
            service_add_probe(s, probe_new_internal(k, s, label, s->timeout));
            free(label);
        }
    }
    if (s->pidfile || s->process) {
        const probe_kind *k = probe_kind_find("process");
        char *label = s->pidfile ? xasprintf("pidfile %s", s->pidfile) : xasprintf("process %s", s->process);
        service_add_probe(s, probe_new_internal(k, s, label, s->timeout));
        free(label);
    }
}

static void service_parse_root(service *s, conf_ctx *c, yaml_node_t *root, const settings *st)
{
    if (!root || (root->type == YAML_SCALAR_NODE && scalar_empty(root)))
        return; /* an empty file: a service with nothing to check */
    conf_table t = {service_keys, s};
    char *file_name = s->name;
    s->name = NULL;
    conf_map_parse(c, root, &t, 1, service_skip);
    if (s->name) {
        if (!service_name_valid(s->name)) {
            conf_error(c, conf_map_get(c, root, "name"),
                       "bad service name '%s': use lower-case letters, digits, '_', '.' and '-'", s->name);
            free(s->name);
            s->name = file_name;
        } else
            free(file_name);
    } else
        s->name = file_name;
    if (s->unit) {
        char *u = unit_normalize(s->unit);
        free(s->unit);
        s->unit = u;
        if (!*s->unit || strchr(s->unit, '/'))
            conf_error(c, conf_map_get(c, root, "unit"), "bad unit name '%s'", s->unit);
    }
    if (s->on_failure_set && s->on_failure != ON_FAILURE_REPORT && !s->unit)
        conf_error(c, conf_map_get(c, root, "on-failure"), "on-failure: %s needs a unit",
                   on_failure_names[s->on_failure]);
    if (!s->on_failure_set && !s->unit)
        s->on_failure = ON_FAILURE_REPORT;
    if (s->timeout <= 0) {
        yaml_node_t *tn = conf_map_get(c, root, "timeout");
        usec_t zero;
        if (tn && parse_duration(conf_scalar(tn), &zero) == 0) /* given, and 0 (not a bad value) */
            conf_error(c, tn, "timeout must be more than 0");
        s->timeout = st->timeout;
    }
    if (s->retries < 0)
        s->retries = st->retries;

    service_add_implicit(s);

    yaml_node_t *probes = conf_map_get(c, root, "probes");
    if (!probes || (probes->type == YAML_SCALAR_NODE && scalar_empty(probes)))
        return;
    if (probes->type != YAML_SEQUENCE_NODE) {
        conf_error(c, probes, "'probes' must be a list, got %s", conf_node_kind(probes));
        return;
    }
    for (yaml_node_item_t *i = probes->data.sequence.items.start; i < probes->data.sequence.items.top; i++) {
        probe *p = probe_parse(c, yaml_document_get_node(c->doc, *i), s, s->timeout, s->retries);
        if (p)
            service_add_probe(s, p);
    }
    /* Labels must be unique inside a service: they key the state and metrics. */
    for (size_t b = 1; b < s->n_probes; b++)
        for (size_t a = 0; a < b; a++)
            if (!strcmp(s->probes[a]->name, s->probes[b]->name)) {
                /* Each later probe once, however many share its name. */
                conf_error_at(c, s->probes[b]->line, s->probes[b]->column,
                              "two probes are named '%s'; give one a distinct 'name'", s->probes[b]->name);
                break;
            }
}

service *service_load_string(const char *text, const char *file, const char *name, const settings *st)
{
    service *s = xcalloc(1, sizeof *s);
    s->name = xstrdup(name);
    s->file = xstrdup(file);
    s->enabled = true;
    s->retries = -1;
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    conf_ctx c = {.file = base, .errors = &s->errors};
    yaml_file f = {0};
    if (strlen(text) > DEF_MAX_SIZE)
        conf_error_at(&c, 1, 1, "file is larger than %d bytes", DEF_MAX_SIZE);
    else if (yaml_load_text(&f, text, strlen(text), &c) == 0)
        service_parse_root(s, &c, yaml_document_get_root_node(&f.doc), st);
    if (!s->timeout)
        s->timeout = st->timeout;
    if (s->retries < 0)
        s->retries = st->retries;
    yaml_file_free(&f);
    return s;
}

char *file_insecure_reason(const char *path, bool is_dir)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return xasprintf("insecure: cannot stat %s: %s", path, strerror(errno));
    if (S_ISLNK(st.st_mode)) {
        /* A link is as safe as its owner and its target. */
        if (st.st_uid != 0)
            return xasprintf("insecure: %s is a symbolic link owned by uid %u", path, (unsigned)st.st_uid);
        if (stat(path, &st) < 0)
            return xasprintf("insecure: cannot stat %s: %s", path, strerror(errno));
    }
    if (is_dir && !S_ISDIR(st.st_mode))
        return xasprintf("insecure: %s is not a directory", path);
    if (st.st_uid != 0)
        return xasprintf("insecure: %s is owned by uid %u, not root", path, (unsigned)st.st_uid);
    if (st.st_mode & S_IWOTH)
        return xasprintf("insecure: %s is world-writable", path);
    if (st.st_mode & S_IWGRP)
        return xasprintf("insecure: %s is group-writable", path);
    return NULL;
}

service *service_load_file(const char *path, const char *name, const settings *st)
{
    char *text = NULL;
    int r = read_small_file(path, DEF_MAX_SIZE, &text);
    if (r < 0) {
        service *s = xcalloc(1, sizeof *s);
        s->name = xstrdup(name);
        s->file = xstrdup(path);
        s->enabled = true;
        s->timeout = st->timeout;
        s->retries = st->retries;
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        if (r == -EFBIG)
            strv_push(&s->errors, xasprintf("%s:1:1: file is larger than %d bytes", base, DEF_MAX_SIZE));
        else
            strv_push(&s->errors, xasprintf("%s:1:1: cannot read: %s", base, strerror(-r)));
        return s;
    }
    service *s = service_load_string(text, path, name, st);
    free(text);
    return s;
}

/* ---- the checks directory ---------------------------------------------- */

static bool def_file_name(const char *fn, char **ret_name)
{
    const char *dot = strrchr(fn, '.');
    if (fn[0] == '.' || !dot || (strcmp(dot, ".yaml") && strcmp(dot, ".yml")))
        return false;
    char *name = xstrndup(fn, (size_t)(dot - fn));
    if (!service_name_valid(name)) {
        free(name);
        return false;
    }
    *ret_name = name;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_service(const void *a, const void *b)
{
    const service *x = *(service *const *)a, *y = *(service *const *)b;
    int r = strcmp(x->name, y->name);
    return r ? r : strcmp(x->file, y->file);
}

service *checks_find(const checks *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->v[i]->name, name))
            return c->v[i];
    return NULL;
}

static const char *file_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Marks every service on a dependency cycle. Colour: 0 new, 1 on stack, 2 done. */
static void find_cycles(checks *c, size_t i, int *colour, size_t *stack, size_t depth)
{
    service *s = c->v[i];
    colour[i] = 1;
    stack[depth] = i;
    for (size_t d = 0; d < s->depends_on.n; d++) {
        service *t = checks_find(c, s->depends_on.v[d]);
        if (!t || service_broken(t))
            continue;
        size_t j = 0;
        while (c->v[j] != t)
            j++;
        if (colour[j] == 1) {
            /* Cycle: stack from j's position to depth. */
            size_t from = depth;
            while (stack[from] != j)
                from--;
            strbuf path = {0};
            for (size_t k = from; k <= depth; k++)
                sb_printf(&path, "%s -> ", c->v[stack[k]]->name);
            sb_append(&path, c->v[j]->name);
            for (size_t k = from; k <= depth; k++) {
                service *m = c->v[stack[k]];
                bool have = false;
                for (size_t e = 0; e < m->errors.n; e++)
                    if (strstr(m->errors.v[e], "dependency cycle"))
                        have = true;
                if (!have)
                    strv_push(&m->errors, xasprintf("%s:%zu:%zu: dependency cycle: %s", file_base(m->file),
                                                    m->depends_pos ? m->depends_pos[0][0] : 1,
                                                    m->depends_pos ? m->depends_pos[0][1] : 1, path.s));
            }
            sb_free(&path);
        } else if (colour[j] == 0)
            find_cycles(c, j, colour, stack, depth + 1);
    }
    colour[i] = 2;
}

int checks_load(checks *c, const char *dir, const settings *st, bool enforce_owner)
{
    *c = (checks){.dir = xstrdup(dir)};
    DIR *d = opendir(dir);
    if (!d)
        return -errno;
    strv files = {0};
    struct dirent *de;
    while ((de = readdir(d))) {
        char *name;
        if (!def_file_name(de->d_name, &name))
            continue;
        free(name);
        strv_push(&files, xstrdup(de->d_name));
    }
    closedir(d);
    if (files.n == 0) {
        strv_free(&files);
        return -ENODATA;
    }
    qsort(files.v, files.n, sizeof *files.v, cmp_str);

    if (enforce_owner)
        c->insecure = file_insecure_reason(dir, true);

    c->v = xcalloc(files.n, sizeof *c->v);
    for (size_t i = 0; i < files.n; i++) {
        char *name;
        def_file_name(files.v[i], &name);
        char *path = xasprintf("%s/%s", dir, files.v[i]);
        char *insecure = enforce_owner ? file_insecure_reason(path, false) : NULL;
        service *s;
        if (insecure) {
            /* Not even parsed: its content is not to be trusted. */
            s = xcalloc(1, sizeof *s);
            s->name = name;
            s->file = path;
            s->enabled = true;
            s->timeout = st->timeout;
            s->retries = st->retries;
            s->insecure = insecure;
        } else {
            s = service_load_file(path, name, st);
            free(name);
            free(path);
        }
        /* Duplicate names: the later file (in name order) fails. */
        for (size_t j = 0; j < c->n; j++)
            if (!strcmp(c->v[j]->name, s->name)) {
                strv_push(&s->errors, xasprintf("%s:1:1: duplicate service name '%s' (already defined in %s)",
                                                file_base(s->file), s->name, file_base(c->v[j]->file)));
                free(s->name);
                s->name = xstrdup(file_base(s->file));
                break;
            }
        c->v[c->n++] = s;
    }
    strv_free(&files);

    /* Dependencies must name real services. */
    for (size_t i = 0; i < c->n; i++) {
        service *s = c->v[i];
        for (size_t k = 0; k < s->depends_on.n; k++) {
            if (!strcmp(s->depends_on.v[k], s->name))
                strv_push(&s->errors, xasprintf("%s:%zu:%zu: '%s' cannot depend on itself", file_base(s->file),
                                                s->depends_pos[k][0], s->depends_pos[k][1], s->name));
            else if (!checks_find(c, s->depends_on.v[k]))
                strv_push(&s->errors, xasprintf("%s:%zu:%zu: unknown dependency '%s'", file_base(s->file),
                                                s->depends_pos[k][0], s->depends_pos[k][1], s->depends_on.v[k]));
        }
    }
    int *colour = xcalloc(c->n, sizeof *colour);
    size_t *stack = xcalloc(c->n + 1, sizeof *stack);
    for (size_t i = 0; i < c->n; i++)
        if (!colour[i] && !service_broken(c->v[i]))
            find_cycles(c, i, colour, stack, 0);
    free(colour);
    free(stack);

    qsort(c->v, c->n, sizeof *c->v, cmp_service);
    return 0;
}

void checks_free(checks *c)
{
    for (size_t i = 0; i < c->n; i++)
        service_free(c->v[i]);
    free(c->v);
    free(c->dir);
    free(c->insecure);
    *c = (checks){0};
}

size_t checks_count_errors(const checks *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += c->v[i]->errors.n + (c->v[i]->insecure ? 1 : 0);
    return n + (c->insecure ? 1 : 0);
}
