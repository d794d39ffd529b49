/* fuzz_reply.c: the line reader of connections (conn_read_line) and the mail
 * reply parser (reply_read, reply_is, reply_offers) on what a server could
 * send, fed through a socket pair. The first byte picks the reply style and
 * how the reader is driven. Properties: no crash, no leak, lines bounded by
 * NET_LINE_MAX without LF (a line's own CR LF removed: "x\r\r\n" is "x\r"),
 * at most NET_READ_MAX read. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "reply.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    UNUSED(argc);
    UNUSED(argv);
    return 0;
}

/* A conn reading data then end of stream. */
static int feed(conn *c, const uint8_t *data, size_t size)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    int big = 1 << 20;
    (void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    (void)fcntl(sv[1], F_SETFL, O_NONBLOCK);
    size_t off = 0;
    while (off < size) { /* what does not fit is cut: the reader sees less */
        ssize_t n = send(sv[1], data + off, size - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    shutdown(sv[1], SHUT_WR);
    close(sv[1]);
    (void)fcntl(sv[0], F_SETFL, O_NONBLOCK);
    *c = (conn){.fd = sv[0]};
    return 0;
}

static void check_line(const char *line)
{
    size_t n = strlen(line);
    FUZZ_ASSERT(n <= NET_LINE_MAX, "a line of %zu bytes", n);
    FUZZ_ASSERT(!strchr(line, '\n'), "a line with LF");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++, size--;
    conn c;
    if (feed(&c, data, size) < 0)
        return 0;
    usec_t deadline = now_mono() + 5 * USEC_PER_SEC;
    if (mode & 0x80) {
        /* Plain lines, as the tcp, ssh and zookeeper probes read them. */
        const char *line;
        int r;
        size_t lines = 0;
        while ((r = conn_read_line(&c, deadline, &line)) == 1) {
            check_line(line);
            lines++;
        }
        FUZZ_ASSERT(r == 0 || r == -EMSGSIZE, "read ended with %d (%s)", r, c.err ? c.err : "");
        FUZZ_ASSERT(c.total <= NET_READ_MAX, "read %zu bytes", c.total);
        if (r == -EMSGSIZE)
            FUZZ_ASSERT(c.err && !strchr(c.err, '\n'), "no one-line error");
    } else {
        static const reply_style styles[] = {REPLY_CODE, REPLY_LINE, REPLY_TAGGED, REPLY_SIEVE};
        reply_style style = styles[mode & 3];
        const char *tag = (mode & 4) ? "a1" : NULL;
        for (int i = 0; i < 8; i++) {
            reply r = {0};
            int k = reply_read(&c, style, tag, deadline, &r);
            for (size_t j = 0; j < r.lines.n; j++)
                check_line(r.lines.v[j]);
            FUZZ_ASSERT(r.code >= 0 && r.code <= 999, "code %d", r.code);
            (void)reply_last(&r);
            (void)reply_is(&r, style, tag, "220");
            (void)reply_is(&r, style, tag, "2");
            (void)reply_is(&r, style, tag, "OK");
            (void)reply_is(&r, style, tag, "+OK");
            (void)reply_offers(&r, style, "STARTTLS");
            (void)reply_offers(&r, style, "STLS");
            reply_free(&r);
            if (k <= 0)
                break;
        }
    }
    conn_close(&c);
    return 0;
}
