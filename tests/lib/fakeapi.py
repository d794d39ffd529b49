#!/usr/bin/python3
"""Stand-ins for HTTP APIs of servers that are not packaged in Debian 12, so
cannot run here for real: Consul's agent API and Patroni's REST API. They
answer as those servers' documentation says; the state they report is read
from a JSON file on every request, so a test changes it by rewriting the file.

  fakeapi.py consul  --port N --state FILE
      GET /v1/agent/checks -> 200 and FILE's content verbatim (a map of
      CheckID -> {Node, CheckID, Name, Status, Notes, Output, ServiceID,
      ServiceName, ...}, https://developer.hashicorp.com/consul/api-docs/agent/check).
      FILE may hold {"__status": 403, "__body": "..."} to answer that instead.
  fakeapi.py patroni --port N --state FILE
      FILE holds {"role": "primary"|"replica"|"standby_leader", "state": "running"|...};
      GET /health, /primary (/master, /read-write), /replica, /leader answer
      200 or 503 with Patroni's JSON status, per
      https://patroni.readthedocs.io/en/latest/rest_api.html
"""
import argparse, json, http.server, socketserver


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def answer(self, code, body, ctype="application/json"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def state(self):
        with open(self.server.args.state) as f:
            return f.read()

    def do_GET(self):
        if self.server.args.kind == "consul":
            self.consul()
        else:
            self.patroni()

    do_HEAD = do_GET

    def consul(self):
        if self.path.split("?")[0] != "/v1/agent/checks":
            self.answer(404, "404 page not found\n", "text/plain")
            return
        text = self.state()
        try:
            doc = json.loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and "__status" in doc:
            self.answer(doc["__status"], doc.get("__body", ""), "text/plain")
            return
        self.answer(200, text)

    def patroni(self):
        st = json.loads(self.state())
        role, running = st.get("role"), st.get("state") == "running"
        path = self.path.split("?")[0]
        if path == "/health":
            ok = running
        elif path in ("/primary", "/master", "/read-write"):
            ok = running and role in ("primary", "master")
        elif path == "/replica":
            ok = running and role == "replica"
        elif path == "/leader":
            ok = running and role in ("primary", "master", "standby_leader")
        else:
            self.answer(404, "")
            return
        body = {"state": st.get("state"), "role": role, "server_version": 150005,
                "xlog": {"location": 67108960}, "timeline": 1, "patroni": {"version": "3.0.2", "scope": "demo"}}
        self.answer(200 if ok else 503, json.dumps(body))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["consul", "patroni"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--state", required=True)
    args = ap.parse_args()
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.args = args
    srv.serve_forever()


if __name__ == "__main__":
    main()
