#!/usr/bin/python3
"""servers.py: the benchmark's loopback servers in one process (asyncio), so
that hundreds of ports do not cost hundreds of processes on a small machine.

  servers.py --banner FIRST-LAST [--silent FIRST-LAST] [--pidfile F]

banner: send "220 bench ready", answer QUIT with "221 bye" and close, close
        at end of stream (an SMTP-like greeting, what check_tcp -e 220 reads)
silent: accept and never answer (a hung server), until the client hangs up
It prints "ready" on standard output once every port listens.
"""
import argparse, asyncio, os, resource, sys

BANNER = b"220 bench ready\r\n"


async def banner(reader, writer):
    try:
        writer.write(BANNER)
        await writer.drain()
        while True:
            line = await reader.readline()
            if not line:
                break
            if line.strip().upper() == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
    except OSError:
        pass
    finally:
        writer.close()


async def silent(reader, writer):
    try:
        while await reader.read(4096):
            pass
    except OSError:
        pass
    finally:
        writer.close()


def port_range(s):
    a, _, b = s.partition("-")
    return range(int(a), int(b or a) + 1)


async def serve(args):
    servers = []
    for handler, ports in ((banner, args.banner), (silent, args.silent)):
        for port in ports or ():
            servers.append(await asyncio.start_server(handler, "127.0.0.1", port, backlog=1024,
                                                      reuse_address=True))
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    print("ready", flush=True)
    await asyncio.Event().wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--banner", type=port_range)
    ap.add_argument("--silent", type=port_range)
    ap.add_argument("--pidfile")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
