/* options.c: command-line parsing and --help. */
#include "options.h"

#include <getopt.h>
#include <string.h>

#include "confkey.h"
#include "format.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: symbiosis-monit [OPTIONS] [CHECKS_DIR]\n"
            "\n"
            "Probes the services defined in CHECKS_DIR (default " DEFAULT_CHECKS_DIR "),\n"
            "restarts through systemd what failed, stops what is not needed, reports.\n"
            "\n"
            "  -n, --dry-run          probe and report; start, stop, restart nothing; write no state\n"
            "  -s, --service NAME     only this service (repeatable)\n"
            "  -q, --quiet            print the report only when it has news (for cron)\n"
            "  -v, --verbose          one line per probe, with its detail and time\n"
            "  -f, --format FMT       %s (default text)\n"
            "      --prometheus FILE  also write the results as a Prometheus textfile\n"
            "  -t, --check-config     validate every definition, print what is wrong, exit\n"
            "  -l, --list             list the services and their probes, probe nothing\n"
            "  -C, --config FILE      global settings (default " DEFAULT_CONFIG ")\n"
            "      --state FILE       state file (default " DEFAULT_STATE ")\n"
            "      --lock FILE        lock file (default " DEFAULT_LOCK ")\n"
            "      --deadline DUR     bound on the whole run (default 100s)\n"
            "  -F, --force            run although disabled, booting or loaded\n"
            "  -h, --help             show this help\n"
            "  -V, --version          show the version\n"
            "\n"
            "Exit status: 0 all passed, 1 a service failed, 2 usage or configuration\n"
            "error, 75 run skipped. With --format nagios: 0 OK, 1 WARNING, 2 CRITICAL,\n"
            "3 UNKNOWN.\n",
            formatter_names());
}

enum { OPT_PROMETHEUS = 256, OPT_STATE, OPT_LOCK, OPT_DEADLINE };

int options_parse(options *o, int argc, char **argv, int *ret_exit)
{
    static const struct option longopts[] = {
        {"dry-run", no_argument, NULL, 'n'},
        {"service", required_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"format", required_argument, NULL, 'f'},
        {"prometheus", required_argument, NULL, OPT_PROMETHEUS},
        {"check-config", no_argument, NULL, 't'},
        {"list", no_argument, NULL, 'l'},
        {"config", required_argument, NULL, 'C'},
        {"state", required_argument, NULL, OPT_STATE},
        {"lock", required_argument, NULL, OPT_LOCK},
        {"deadline", required_argument, NULL, OPT_DEADLINE},
        {"force", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    *o = (options){
        .checks_dir = DEFAULT_CHECKS_DIR,
        .config = DEFAULT_CONFIG,
        .state = DEFAULT_STATE,
        .lock = DEFAULT_LOCK,
        .format = "text",
    };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":ns:qvf:tlC:FhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            o->dry_run = true;
            break;
        case 's':
            strv_push(&o->services, xstrdup(optarg));
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'f':
            if (!formatter_find(optarg)) {
                fprintf(stderr, "symbiosis-monit: unknown format '%s' (expected %s)\n", optarg, formatter_names());
                *ret_exit = EXIT_USAGE;
                return -1;
            }
            o->format = optarg;
            break;
        case OPT_PROMETHEUS:
            o->prometheus = optarg;
            break;
        case 't':
            o->check_config = true;
            break;
        case 'l':
            o->list = true;
            break;
        case 'C':
            o->config = optarg;
            o->config_given = true;
            break;
        case OPT_STATE:
            o->state = optarg;
            break;
        case OPT_LOCK:
            o->lock = optarg;
            break;
        case OPT_DEADLINE:
            if (parse_duration(optarg, &o->deadline) < 0 || o->deadline <= 0) {
                fprintf(stderr, "symbiosis-monit: bad deadline '%s' (expected e.g. 100s or 2m)\n", optarg);
                *ret_exit = EXIT_USAGE;
                return -1;
            }
            o->deadline_given = true;
            break;
        case 'F':
            o->force = true;
            break;
        case 'h':
            usage(stdout);
            *ret_exit = EXIT_PASSED;
            return -1;
        case 'V':
            printf("symbiosis-monit %s\n", VERSION);
            *ret_exit = EXIT_PASSED;
            return -1;
        case ':':
            fprintf(stderr, "symbiosis-monit: option '%s' needs a value\n", argv[optind - 1]);
            fprintf(stderr, "Try 'symbiosis-monit --help'.\n");
            *ret_exit = EXIT_USAGE;
            return -1;
        default:
            fprintf(stderr, "symbiosis-monit: unknown option '%s'\n", argv[optind - 1]);
            fprintf(stderr, "Try 'symbiosis-monit --help'.\n");
            *ret_exit = EXIT_USAGE;
            return -1;
        }
    }
    if (optind < argc)
        o->checks_dir = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "symbiosis-monit: unexpected argument '%s' (only one CHECKS_DIR)\n", argv[optind]);
        *ret_exit = EXIT_USAGE;
        return -1;
    }
    return 0;
}

void options_free(options *o)
{
    strv_free(&o->services);
}
