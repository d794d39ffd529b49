#!/usr/bin/python3
"""servers.py: the benchmark's loopback servers in one process, so that
hundreds of ports do not cost hundreds of processes on a small machine.

  servers.py --banner FIRST-LAST [--silent FIRST-LAST] [--pidfile F]

banner: send "220 bench ready" at once, answer QUIT with "221 bye" and close,
        close at end of stream (an SMTP-like greeting, what check_tcp -e 220 reads)
silent: accept and never answer (a hung server), until the client hangs up
It prints "ready" on standard output once every port listens.

A bare selectors loop rather than asyncio: a tool that opens 20 connections
at once must not wait on the server's own overhead (asyncio's streams cost
a few hundred microseconds a connection, which made the last banner of a
parallel batch arrive ~6 ms late on a loaded machine).
"""
import argparse, os, resource, selectors, socket, sys

BANNER = b"220 bench ready\r\n"


def port_range(s):
    a, _, b = s.partition("-")
    return range(int(a), int(b or a) + 1)


def close(sel, conn):
    try:
        sel.unregister(conn)
    except (KeyError, ValueError):
        pass
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--banner", type=port_range)
    ap.add_argument("--silent", type=port_range)
    ap.add_argument("--pidfile")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sel = selectors.DefaultSelector()
    for mode, ports in (("banner", args.banner), ("silent", args.silent)):
        for port in ports or ():
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen(1024)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, ("listen", mode))
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            kind, mode = key.data
            if kind == "listen":
                while True:
                    try:
                        conn, _ = key.fileobj.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        break
                    conn.setblocking(False)
                    if mode == "banner":
                        try:
                            conn.send(BANNER)
                        except OSError:
                            conn.close()
                            continue
                    sel.register(conn, selectors.EVENT_READ, ("conn", mode))
                continue
            conn = key.fileobj
            try:
                data = conn.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                close(sel, conn)
            elif mode == "banner" and b"QUIT" in data.upper():
                try:
                    conn.send(b"221 bye\r\n")
                except OSError:
                    pass
                close(sel, conn)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
