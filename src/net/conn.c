/* conn.c: probe connections. Plain TCP and unix sockets are non-blocking
 * sockets waited on with poll(); implicit TLS goes through libcurl's
 * CONNECT_ONLY mode (curl_easy_send/recv), so no TLS code is written here. */
#include "net.h"
#include "lazylib.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static void conn_set_err(conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_set_err(conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(c->err);
    c->err = xvasprintf(fmt, ap);
    va_end(ap);
}

/* strerror() with a lower-case first letter, as reasons read in a sentence. */
static void conn_set_errno(conn *c, int err)
{
    free(c->err);
    c->err = strerror_lower(err);
}

static int conn_timeout(conn *c)
{
    c->timed_out = true;
    conn_set_err(c, "timed out");
    return -ETIMEDOUT;
}

/* Waits for events on fd until deadline. 1 ready, -ETIMEDOUT, -errno. */
static int wait_fd(int fd, short events, usec_t deadline)
{
    for (;;) {
        usec_t left = deadline - now_mono();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = events};
        int ms = (int)((left + 999) / 1000);
        int r = poll(&p, 1, ms);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r > 0)
            return 1;
    }
}

static int connect_addr(conn *c, const struct sockaddr *sa, socklen_t len, usec_t deadline)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;
        conn_set_errno(c, e);
        return -e;
    }
    if (connect(fd, sa, len) < 0) {
        if (errno != EINPROGRESS) {
            int e = errno;
            conn_set_errno(c, e);
            close(fd);
            return -e;
        }
        int r = wait_fd(fd, POLLOUT, deadline);
        if (r < 0) {
            close(fd);
            if (r == -ETIMEDOUT)
                return conn_timeout(c);
            conn_set_errno(c, -r);
            return r;
        }
        int err = 0;
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
            err = errno;
        if (err) {
            conn_set_errno(c, err);
            close(fd);
            return -err;
        }
    }
    c->fd = fd;
    return 0;
}

static void conn_init(conn *c)
{
    *c = (conn){.fd = -1};
}

static time_t parse_cert_time(const char *s)
{
    static const char *const formats[] = {"%Y-%m-%d %H:%M:%S", "%b %d %H:%M:%S %Y", NULL};
    while (*s == ' ')
        s++;
    for (size_t i = 0; formats[i]; i++) {
        struct tm tm = {0};
        const char *end = strptime(s, formats[i], &tm);
        if (end)
            return timegm(&tm);
    }
    return 0;
}

time_t net_cert_not_after(CURL *h)
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
        return 0;
    for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next)
        if (startswith(l->data, "Expire date:"))
            return parse_cert_time(l->data + strlen("Expire date:"));
    return 0;
}

/* STARTTLS: libcurl takes over our connected socket instead of opening one. */
static curl_socket_t tls_opensocket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    (void)purpose;
    (void)addr;
    curl_socket_t *handoff = clientp, fd = *handoff;
    *handoff = CURL_SOCKET_BAD; /* once: curl owns (and closes) it from here on */
    return fd;
}

static int tls_sockopt(void *clientp, curl_socket_t fd, curlsocktype purpose)
{
    (void)clientp;
    (void)fd;
    (void)purpose;
    return CURL_SOCKOPT_ALREADY_CONNECTED;
}

/* fd >= 0: a connected plain socket to upgrade (STARTTLS); else curl connects. */
static int open_tls(conn *c, const char *host, int port, int fd, bool verify, usec_t deadline)
{
    usec_t left = deadline - now_mono();
    if (left <= 0)
        return conn_timeout(c);
    char *url = strchr(host, ':') ? xasprintf("https://[%s]:%d/", host, port)
                                  : xasprintf("https://%s:%d/", host, port);
    char errbuf[CURL_ERROR_SIZE] = "";
    c->curl = curl_easy_init();
    if (!c->curl) {
        free(url);
        conn_set_err(c, "cannot initialise libcurl%s", lazylib_error_suffix(LAZYLIB_CURL));
        return -ENOMEM;
    }
    long ms = (long)((left + 999) / 1000);
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    curl_easy_setopt(c->curl, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "https");
    /* Not HTTP: an "h2, http/1.1" ALPN offer makes Exim 4.95+ refuse the handshake. */
    curl_easy_setopt(c->curl, CURLOPT_SSL_ENABLE_ALPN, 0L);
    curl_socket_t handoff = fd;
    if (fd >= 0) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
            curl_easy_setopt(c->curl, CURLOPT_IPRESOLVE,
                             ss.ss_family == AF_INET6 ? CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_V4);
        curl_easy_setopt(c->curl, CURLOPT_OPENSOCKETFUNCTION, tls_opensocket);
        curl_easy_setopt(c->curl, CURLOPT_OPENSOCKETDATA, &handoff);
        curl_easy_setopt(c->curl, CURLOPT_SOCKOPTFUNCTION, tls_sockopt);
    }
    CURLcode rc = curl_easy_perform(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
    free(url);
    if (fd >= 0 && handoff == CURL_SOCKET_BAD)
        c->fd = -1; /* curl closes it with its handle */
    if (rc != CURLE_OK) {
        long os_errno = 0;
        curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os_errno);
        if (rc == CURLE_OPERATION_TIMEDOUT)
            conn_timeout(c);
        else if (rc == CURLE_COULDNT_CONNECT && os_errno)
            conn_set_errno(c, (int)os_errno);
        else if (rc == CURLE_PEER_FAILED_VERIFICATION)
            conn_set_err(c, "certificate verification failed: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        else if (rc == CURLE_SSL_CONNECT_ERROR)
            conn_set_err(c, "TLS handshake failed: %s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        else
            conn_set_err(c, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        curl_easy_cleanup(c->curl);
        c->curl = NULL;
        return rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT : -EIO;
    }
    curl_socket_t s = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK || s == CURL_SOCKET_BAD) {
        conn_set_err(c, "libcurl gave no socket");
        curl_easy_cleanup(c->curl);
        c->curl = NULL;
        return -EIO;
    }
    c->fd = s;
    c->cert_not_after = net_cert_not_after(c->curl);
    return 0;
}

/* Addresses of a host name, shared by the probes of a run: a lookup costs a
 * netlink query (AI_ADDRCONFIG) and a read of /etc/hosts, most of the system
 * calls of a probe on loopback. Only successes are kept, for RESOLVE_TTL. */
#define RESOLVE_TTL (60 * USEC_PER_SEC)

typedef struct resolved {
    char *host;
    usec_t at;
    size_t n;
    struct sockaddr_storage *addrs; /* port 0 */
    socklen_t *lens;
    struct resolved *next;
} resolved;

static pthread_mutex_t resolve_lock = PTHREAD_MUTEX_INITIALIZER;
static resolved *resolve_cache;

/* The caller's own copy of an entry's addresses (it sets the port in them). */
static size_t resolved_copy(const resolved *r, struct sockaddr_storage **ret_addrs, socklen_t **ret_lens)
{
    *ret_addrs = xcalloc(r->n ? r->n : 1, sizeof **ret_addrs);
    *ret_lens = xcalloc(r->n ? r->n : 1, sizeof **ret_lens);
    memcpy(*ret_addrs, r->addrs, r->n * sizeof **ret_addrs);
    memcpy(*ret_lens, r->lens, r->n * sizeof **ret_lens);
    return r->n;
}

/* host's fresh cached addresses, or 0. */
static size_t resolve_cached(const char *host, struct sockaddr_storage **ret_addrs, socklen_t **ret_lens)
{
    size_t n = 0;
    pthread_mutex_lock(&resolve_lock);
    for (resolved *r = resolve_cache; r; r = r->next)
        if (r->n && !strcmp(r->host, host) && now_mono() - r->at < RESOLVE_TTL) {
            n = resolved_copy(r, ret_addrs, ret_lens);
            break;
        }
    pthread_mutex_unlock(&resolve_lock);
    return n;
}

/* Resolves host (not under the lock: a lookup may be slow) and caches it. */
static int resolve(const char *host, struct sockaddr_storage **ret_addrs, socklen_t **ret_lens, size_t *ret_n)
{
    if ((*ret_n = resolve_cached(host, ret_addrs, ret_lens)))
        return 0;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG}, *res = NULL;
    int r = getaddrinfo(host, NULL, &hints, &res);
    if (r == EAI_ADDRFAMILY || r == EAI_NONAME) {
        hints.ai_flags = 0; /* loopback-only hosts: AI_ADDRCONFIG hides ::1 */
        r = getaddrinfo(host, NULL, &hints, &res);
    }
    if (r != 0)
        return r;
    size_t n = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        n += ai->ai_addrlen <= sizeof(struct sockaddr_storage);
    resolved *e = xcalloc(1, sizeof *e);
    e->addrs = xcalloc(n ? n : 1, sizeof *e->addrs);
    e->lens = xcalloc(n ? n : 1, sizeof *e->lens);
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (ai->ai_addrlen <= sizeof(struct sockaddr_storage)) {
            memcpy(&e->addrs[e->n], ai->ai_addr, ai->ai_addrlen);
            e->lens[e->n++] = ai->ai_addrlen;
        }
    freeaddrinfo(res);
    *ret_n = resolved_copy(e, ret_addrs, ret_lens);
    e->host = xstrdup(host);
    e->at = now_mono();
    pthread_mutex_lock(&resolve_lock);
    e->next = resolve_cache;
    resolve_cache = e;
    pthread_mutex_unlock(&resolve_lock);
    return 0;
}

int conn_open_tcp(conn *c, const char *host, int port, bool tls, bool verify, usec_t deadline)
{
    conn_init(c);
    if (tls)
        return open_tls(c, host, port, -1, verify, deadline);
    struct sockaddr_storage *addrs = NULL;
    socklen_t *lens = NULL;
    size_t n = 0;
    int r = resolve(host, &addrs, &lens, &n);
    if (r != 0) {
        conn_set_err(c, "cannot resolve %s: %s", host, gai_strerror(r));
        return -EHOSTUNREACH;
    }
    int last = -ECONNREFUSED;
    for (size_t i = 0; i < n; i++) {
        struct sockaddr_storage *sa = &addrs[i];
        if (sa->ss_family == AF_INET)
            ((struct sockaddr_in *)sa)->sin_port = htons((uint16_t)port);
        else if (sa->ss_family == AF_INET6)
            ((struct sockaddr_in6 *)sa)->sin6_port = htons((uint16_t)port);
        last = connect_addr(c, (struct sockaddr *)sa, lens[i], deadline);
        if (last == 0 || last == -ETIMEDOUT)
            break;
    }
    free(addrs);
    free(lens);
    return last;
}

int conn_starttls(conn *c, const char *host, int port, bool verify, usec_t deadline)
{
    if (c->curl || c->fd < 0) {
        conn_set_err(c, c->curl ? "TLS is already on" : "not connected");
        return -EINVAL;
    }
    if (c->len > 0) {
        /* Plain text queued behind the go-ahead would be taken as TLS data. */
        conn_set_err(c, "the server sent data before the TLS handshake");
        return -EPROTO;
    }
    return open_tls(c, host, port, c->fd, verify, deadline);
}

int conn_open_unix(conn *c, const char *path, usec_t deadline)
{
    conn_init(c);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        conn_set_err(c, "socket path too long");
        return -ENAMETOOLONG;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    return connect_addr(c, (struct sockaddr *)&sa, sizeof sa, deadline);
}

void conn_close(conn *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl); /* closes its socket */
    else if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    free(c->line);
    free(c->err);
    conn_init(c);
}

/* After a send or receive that failed with errno set: 0 to try again (EINTR,
 * or EAGAIN once fd is ready), else the error, recorded in c->err. */
static int io_again(conn *c, short events, usec_t deadline)
{
    if (errno == EINTR)
        return 0;
    if (errno != EAGAIN) {
        int e = errno;
        conn_set_errno(c, e);
        return -e;
    }
    int r = wait_fd(c->fd, events, deadline);
    if (r == -ETIMEDOUT)
        return conn_timeout(c);
    if (r < 0) {
        conn_set_errno(c, -r);
        return r;
    }
    return 0;
}

int conn_write(conn *c, const void *data, size_t n, usec_t deadline)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w;
        if (c->curl) {
            size_t sent = 0;
            CURLcode rc = curl_easy_send(c->curl, p, n, &sent);
            if (rc == CURLE_AGAIN)
                w = -1, errno = EAGAIN;
            else if (rc != CURLE_OK) {
                conn_set_err(c, "send failed: %s", curl_easy_strerror(rc));
                return -EIO;
            } else
                w = (ssize_t)sent;
        } else
            w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            int r = io_again(c, POLLOUT, deadline);
            if (r < 0)
                return r;
            continue;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int conn_write_str(conn *c, const char *s, usec_t deadline)
{
    return conn_write(c, s, strlen(s), deadline);
}

/* Receives what is there (waiting up to deadline). >0 bytes, 0 EOF, <0 error. */
static ssize_t recv_some(conn *c, char *out, size_t max, usec_t deadline)
{
    for (;;) {
        ssize_t n;
        if (c->curl) {
            size_t got = 0;
            CURLcode rc = curl_easy_recv(c->curl, out, max, &got);
            if (rc == CURLE_AGAIN)
                n = -1, errno = EAGAIN;
            else if (rc != CURLE_OK) {
                conn_set_err(c, "receive failed: %s", curl_easy_strerror(rc));
                return -EIO;
            } else
                n = (ssize_t)got;
        } else
            n = recv(c->fd, out, max, 0);
        if (n >= 0)
            return n;
        int r = io_again(c, POLLIN, deadline);
        if (r < 0)
            return r;
    }
}

ssize_t conn_read_some(conn *c, void *out, size_t max, usec_t deadline)
{
    if (c->len > 0) {
        size_t n = c->len < max ? c->len : max;
        memcpy(out, c->buf, n);
        memmove(c->buf, c->buf + n, c->len - n);
        c->len -= n;
        return (ssize_t)n;
    }
    if (c->eof)
        return 0;
    if (c->total >= NET_READ_MAX) {
        conn_set_err(c, "no match in the first 64 KiB");
        return -EMSGSIZE;
    }
    if (max > NET_READ_MAX - c->total)
        max = NET_READ_MAX - c->total;
    ssize_t n = recv_some(c, out, max, deadline);
    if (n > 0)
        c->total += (size_t)n;
    if (n == 0)
        c->eof = true;
    return n;
}

static void set_line(conn *c, size_t n, size_t consume)
{
    size_t keep = n < NET_LINE_MAX ? n : NET_LINE_MAX;
    free(c->line);
    /* Not xstrndup(): it would stop at a NUL and the loop below overrun. */
    c->line = xmalloc(keep + 1);
    memcpy(c->line, c->buf, keep);
    c->line[keep] = '\0';
    /* Drop a trailing CR, and NULs that would cut the line short. */
    size_t l = keep;
    if (l > 0 && c->line[l - 1] == '\r')
        c->line[--l] = '\0';
    for (size_t i = 0; i < l; i++)
        if (c->line[i] == '\0')
            c->line[i] = ' ';
    memmove(c->buf, c->buf + consume, c->len - consume);
    c->len -= consume;
}

int conn_read_line(conn *c, usec_t deadline, const char **ret_line)
{
    for (;;) {
        char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
        if (c->discarding) {
            if (nl) {
                size_t skip = (size_t)(nl - c->buf) + 1;
                memmove(c->buf, c->buf + skip, c->len - skip);
                c->len -= skip;
                c->discarding = false;
                continue;
            }
            c->len = 0;
        } else if (nl) {
            size_t n = (size_t)(nl - c->buf);
            set_line(c, n, n + 1);
            *ret_line = c->line;
            return 1;
        } else if (c->len >= NET_LINE_MAX) {
            /* An over-long line: matched on its first 4 KiB, the rest dropped. */
            set_line(c, NET_LINE_MAX, NET_LINE_MAX);
            c->discarding = true;
            *ret_line = c->line;
            return 1;
        }
        if (c->eof) {
            if (c->len > 0 && !c->discarding) {
                set_line(c, c->len, c->len);
                *ret_line = c->line;
                return 1;
            }
            return 0;
        }
        if (c->total >= NET_READ_MAX) {
            conn_set_err(c, "no match in the first 64 KiB");
            return -EMSGSIZE;
        }
        if (c->cap < NET_LINE_MAX + 1) {
            c->cap = NET_LINE_MAX + 1;
            c->buf = xrealloc(c->buf, c->cap);
        }
        size_t room = NET_LINE_MAX - c->len;
        if (room > NET_READ_MAX - c->total)
            room = NET_READ_MAX - c->total;
        ssize_t n = recv_some(c, c->buf + c->len, room, deadline);
        if (n < 0)
            return (int)n;
        if (n == 0)
            c->eof = true;
        c->len += (size_t)n;
        c->total += (size_t)n;
    }
}

void conn_fail(probe_run *run, conn *c, const char *doing)
{
    if (c->timed_out) {
        char *w = doing ? xasprintf("while %s", doing) : NULL;
        probe_timeout(run, w);
        free(w);
    } else if (doing && c->err)
        probe_fail(run, "%s: %s", doing, c->err);
    else
        probe_fail(run, "%s", c->err ? c->err : "connection failed");
}
