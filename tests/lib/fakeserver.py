#!/usr/bin/python3
"""A small scriptable server for tests: behaviours that real servers cannot be
made to show on demand (a hung server, a reset, garbage, a 10 MB banner...).
Where a real server can be had (nginx, sshd, exim, dovecot...), tests use it.

  fakeserver.py MODE (--port N [--host H] | --unix PATH) [--banner TEXT]
                [--tls CERT KEY] [--pidfile F]

MODE: banner   send the banner, then answer QUIT with "221 bye" and close;
               other lines are echoed back
      silent   accept and never send anything (hold the connection)
      close    accept and close at once
      reset    accept and reset (RST)
      garbage  send binary garbage, then hold
      endless  send 'A' forever without a newline
      slow     send the banner one byte a second
      big      send a 10 MB banner line, then hold
      echo     echo every line back
      tlsgarbage  (plain socket) answer a TLS hello with garbage
      mute     send the banner, then read and never answer (stuck after greeting)
      hangup   send the banner, close when the first line arrives
      say      send the banner and end the stream (the reply, then hang up)
      halfclose  send part of the banner (no newline), end our side of the
               stream, but keep reading until the client closes
      noread   send the banner, then never read (the client's writes fill
               the socket buffers) and never close
"""
import argparse, os, random, socket, ssl, sys, threading, time


def handle(conn, args):
    try:
        mode = args.mode
        banner = (args.banner or "220 fake ready").encode().decode("unicode_escape").encode("latin-1")
        if mode == "close":
            conn.close()
            return
        if mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            conn.close()
            return
        if mode == "silent":
            while conn.recv(4096):
                pass
            return
        if mode == "garbage":
            conn.sendall(bytes(random.getrandbits(8) for _ in range(4096)))
            while conn.recv(4096):
                pass
            return
        if mode == "tlsgarbage":
            conn.recv(4096)
            conn.sendall(b"\x15\x03\x01garbage-not-tls\r\n" * 10)
            while conn.recv(4096):
                pass
            return
        if mode == "endless":
            chunk = b"A" * 65536
            while True:
                conn.sendall(chunk)
        if mode == "big":
            conn.sendall(b"B" * (10 * 1024 * 1024) + b"\r\n")
            while conn.recv(4096):
                pass
            return
        if mode == "slow":
            for b in banner + b"\r\n":
                conn.sendall(bytes([b]))
                time.sleep(1)
            while conn.recv(4096):
                pass
            return
        if mode == "say":
            conn.sendall(banner + b"\r\n")
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(2)  # drain the request: a close with it unread is a reset
            while conn.recv(4096):
                pass
            return
        if mode == "halfclose":
            conn.sendall(banner)
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(4096):
                pass
            return
        if mode == "noread":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            conn.sendall(banner + b"\r\n")
            time.sleep(3600)
            return
        if mode in ("mute", "hangup"):
            conn.sendall(banner + b"\r\n")
            for line in conn.makefile("rb"):
                if mode == "hangup":
                    break
            return
        if mode == "banner":
            conn.sendall(banner + b"\r\n")
        f = conn.makefile("rb")
        for line in f:
            if mode == "banner" and line.strip().upper() == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                break
            conn.sendall(line)
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode")
    ap.add_argument("--port", type=int)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--unix")
    ap.add_argument("--banner")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--pidfile")
    args = ap.parse_args()
    if args.unix:
        try:
            os.unlink(args.unix)
        except FileNotFoundError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(args.unix)
    else:
        fam = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((args.host, args.port))
    s.listen(4096)
    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    while True:
        conn, _ = s.accept()
        if ctx:
            try:
                conn.settimeout(10)
                conn = ctx.wrap_socket(conn, server_side=True)
                conn.settimeout(None)
            except (OSError, ssl.SSLError):
                conn.close()
                continue
        threading.Thread(target=handle, args=(conn, args), daemon=True).start()


if __name__ == "__main__":
    main()
