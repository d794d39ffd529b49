/* fuzz_probe.c: every network probe kind's reply parsing, whole: a server in
 * this process (127.0.0.1, a port in 26900-26999, TCP and UDP) answers each
 * connection with the input's bytes and ends the stream, and one probe,
 * made by the real loader from a definition, runs against it. The first
 * byte picks the probe; HTTP kinds marked so get the bytes as the body of a
 * 200 answer; dns gets them as the UDP answer (its ID patched to match);
 * pidfile and exec (a command printing them) get them as a file's contents.
 *
 * Properties: no crash, no leak, the attempt ends within its timeout, the
 * result has a detail of one line without control characters. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "lazylib.h"
#include <mysql.h>

#include "config.h"
#include "fuzz.h"
#include "probe.h"

#define PORT_FIRST 26900
#define PORT_LAST 26999
#define TIMEOUT_S 2
#define MAX_SERVED (256 * 1024)

enum { RAW, HTTP_BODY, UDP, AS_FILE };

typedef struct target {
    int how;
    const char *yaml; /* with {PORT} and {FILE} (the helper file) */
} target;

static const target targets[] = {
    {RAW, "probes: [{type: smtp, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: smtp, host: 127.0.0.1, port: {PORT}, tls: starttls}]"},
    {RAW, "probes: [{type: lmtp, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: imap, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: imap, host: 127.0.0.1, port: {PORT}, tls: starttls}]"},
    {RAW, "probes: [{type: pop3, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: pop3, host: 127.0.0.1, port: {PORT}, tls: starttls}]"},
    {RAW, "probes: [{type: sieve, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: sieve, host: 127.0.0.1, port: {PORT}, tls: starttls}]"},
    {RAW, "probes: [{type: ftp, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: ftp, host: 127.0.0.1, port: {PORT}, tls: starttls}]"},
    {RAW, "probes: [{type: ssh, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: xmpp, host: 127.0.0.1, port: {PORT}, domain: example.org}]"},
    {RAW, "probes: [{type: spamd, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: clamd, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: zookeeper, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: pgsql, host: 127.0.0.1, port: {PORT}}]"},
    {RAW, "probes: [{type: tcp, host: 127.0.0.1, port: {PORT}, dialogue: "
          "[{expect: '^220 '}, {send: \"EHLO x\\r\\n\"}, {expect: '^250 '}]}]"},
    {RAW, "probes: [{type: http, url: 'http://127.0.0.1:{PORT}/', body: 'ok$'}]"},
    {HTTP_BODY, "probes: [{type: http, url: 'http://127.0.0.1:{PORT}/x', body: '^[a-z]+ ok'}]"},
    {HTTP_BODY, "probes: [{type: consul, url: 'http://127.0.0.1:{PORT}'}]"},
    {HTTP_BODY, "probes: [{type: consul, url: 'http://127.0.0.1:{PORT}', service: web}]"},
    {HTTP_BODY, "probes: [{type: patroni, url: 'http://127.0.0.1:{PORT}', role: primary}]"},
    {RAW, "probes: [{type: ldap, url: 'ldap://127.0.0.1:{PORT}/'}]"},
    {RAW, "probes: [{type: mysql, host: 127.0.0.1, port: {PORT}, defaults-file: {FILE}}]"},
    {UDP, "probes: [{type: dns, name: svc.test, server: '127.0.0.1:{PORT}', expect: [127.0.0.7]}]"},
    {UDP, "probes: [{type: dns, name: svc.test, server: '127.0.0.1:{PORT}', record: MX}]"},
    {UDP, "probes: [{type: dns, name: svc.test, server: '127.0.0.1:{PORT}', record: TXT, expect: [x]}]"},
    {UDP, "probes: [{type: dns, name: svc.test, server: '127.0.0.1:{PORT}', record: SOA}]"},
    {UDP, "probes: [{type: dns, name: svc.test, server: '127.0.0.1:{PORT}', record: SRV}]"},
    {UDP, "probes: [{type: dns, name: svc.test, server: '127.0.0.1:{PORT}', record: AAAA}]"},
    {UDP, "probes: [{type: dns, name: 127.0.0.7, server: '127.0.0.1:{PORT}', record: PTR}]"},
    {AS_FILE, "pidfile: {FILE}\nprocess: fuzz_probe\n"},
    {AS_FILE, "probes: [{type: exec, command: [/bin/cat, '{FILE}']}]"}, /* a command's output */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t served[MAX_SERVED];
static size_t served_len;
static int port;
static char defaults_file[64];

static void *tcp_server(void *arg)
{
    int ls = (int)(intptr_t)arg;
    static uint8_t buf[MAX_SERVED];
    for (;;) {
        int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&lock);
        size_t n = served_len;
        memcpy(buf, served, n);
        pthread_mutex_unlock(&lock);
        struct timeval tv = {.tv_sec = TIMEOUT_S + 1};
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        size_t off = 0;
        while (off < n) {
            ssize_t w = send(fd, buf + off, n - off, MSG_NOSIGNAL);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        shutdown(fd, SHUT_WR);
        char sink[4096];
        while (recv(fd, sink, sizeof sink, 0) > 0)
            ;
        close(fd);
    }
    return NULL;
}

static void *udp_server(void *arg)
{
    int fd = (int)(intptr_t)arg;
    static uint8_t buf[65507];
    for (;;) {
        uint8_t q[512];
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t got = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        if (got < 0)
            continue;
        pthread_mutex_lock(&lock);
        size_t n = served_len < sizeof buf ? served_len : sizeof buf;
        memcpy(buf, served, n);
        pthread_mutex_unlock(&lock);
        /* An answer the probe takes for its own (at least a header, the
         * query's ID, QR set), so that every input reaches the parser. */
        if (n < 12) {
            memset(buf + n, 0, 12 - n);
            n = 12;
        }
        if (got >= 2)
            memcpy(buf, q, 2);
        buf[2] |= 0x80;
        (void)sendto(fd, buf, n, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

static void start(void *(*fn)(void *), int fd)
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, (void *)(intptr_t)fd) != 0)
        abort();
    pthread_detach(t);
}

static void remove_defaults_file(void)
{
    unlink(defaults_file);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    UNUSED(argc);
    UNUSED(argv);
    if (lazylib_load(LAZYLIB_CURL) < 0 || mysql_library_init(0, NULL, NULL) != 0)
        abort();
    for (port = PORT_FIRST; port <= PORT_LAST; port++) {
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int one = 1;
        (void)setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(t, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(t, 64) == 0 &&
            bind(u, (struct sockaddr *)&sa, sizeof sa) == 0) {
            start(tcp_server, t);
            start(udp_server, u);
            break;
        }
        close(t);
        close(u);
    }
    if (port > PORT_LAST) {
        fprintf(stderr, "fuzz_probe: no free port in %d-%d\n", PORT_FIRST, PORT_LAST);
        abort();
    }
    /* The mysql probe's credentials: a root-only file, as the rules want. */
    snprintf(defaults_file, sizeof defaults_file, "/tmp/fuzz_probe-%d.cnf", (int)getpid());
    FILE *f = fopen(defaults_file, "w");
    if (!f || fprintf(f, "[client]\nuser = fuzz\npassword = fuzz-secret\n") < 0 || fclose(f) != 0)
        abort();
    chmod(defaults_file, 0600);
    atexit(remove_defaults_file);
    return 0;
}

static void serve(const uint8_t *data, size_t size, int how)
{
    pthread_mutex_lock(&lock);
    served_len = 0;
    if (how == HTTP_BODY) {
        int n = snprintf((char *)served, 256,
                         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n\r\n", size);
        served_len = (size_t)n;
    }
    if (size > MAX_SERVED - served_len)
        size = MAX_SERVED - served_len;
    memcpy(served + served_len, data, size);
    served_len += size;
    pthread_mutex_unlock(&lock);
}

/* s with every `what` replaced by `with`. */
static char *subst(const char *s, const char *what, const char *with)
{
    strbuf b = {0};
    const char *p;
    while ((p = strstr(s, what))) {
        sb_appendn(&b, s, (size_t)(p - s));
        sb_append(&b, with);
        s = p + strlen(what);
    }
    sb_append(&b, s);
    return sb_steal(&b);
}

static void check_detail(const char *d)
{
    if (!d)
        return;
    for (const unsigned char *p = (const unsigned char *)d; *p; p++)
        FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f, "a control character (0x%02x) in a detail: %s", *p, d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const target *t = &targets[data[0] % ARRAY_SIZE(targets)];
    data++, size--;
    char *file = NULL;
    int fd = -1;
    if (t->how == AS_FILE)
        fd = fuzz_file(data, size, &file);
    else
        serve(data, size, t->how);
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    char *y1 = subst(t->yaml, "{PORT}", portstr);
    char *yaml = subst(y1, "{FILE}", file ? file : defaults_file);
    free(y1);
    settings st;
    settings_init(&st);
    st.timeout = TIMEOUT_S * USEC_PER_SEC;
    st.retries = 0;
    service *s = service_load_string(yaml, "fuzz.yaml", "fuzz", &st);
    FUZZ_ASSERT(!service_broken(s), "the definition does not load: %s", s->errors.n ? s->errors.v[0] : "?");
    for (size_t i = 0; i < s->n_probes; i++) {
        probe_result r = {0};
        usec_t start = now_mono();
        probe_execute(s->probes[i], start + 30 * USEC_PER_SEC, now_mono(), &r);
        usec_t took = now_mono() - start;
        FUZZ_ASSERT(took <= (TIMEOUT_S + 1) * USEC_PER_SEC, "%s took %.2fs", s->probes[i]->name, took / 1e6);
        check_detail(r.detail);
        FUZZ_ASSERT(!r.detail || !strstr(r.detail, "fuzz-secret"), "the password shows: %s", r.detail);
        probe_result_clear(&r);
    }
    service_free(s);
    free(yaml);
    if (fd >= 0)
        close(fd);
    free(file);
    return 0;
}
