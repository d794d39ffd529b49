#!/usr/bin/python3
"""bench.py: symbiosis-monit against what admins use instead, side by side in
one run, on real servers on loopback. See bench/README.md.

  bench.py --bin PATH [--runs N] [--scenarios healthy,degraded,scale] [--keep]

Tools, each run in turn within every round (so that load on the machine falls
on all of them alike):
  symbiosis-monit     the binary under test, as cron runs it (state, lock)
  plugins-seq         a shell script running monitoring-plugins one after another
  plugins-16          the same commands, 16 at a time (xargs -P 16)
  monit-expect        `monit -c FILE validate` with banner expect and HTTP tests
  monit-connect       the same with connect-only tests (HEALTHY, SCALE)
Each run is measured with wait4(): wall time, CPU time (user + system, with
every child), peak memory (the largest resident set of the process tree).
"""
import argparse, json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGINS = "/usr/lib/nagios/plugins"
TIMEOUT = 2  # seconds, every probe of every tool
BANNER_PORTS = range(27000, 27200)
SILENT_PORTS = range(27200, 27210)
HTTP_PORT = 27500
HOST = "localhost"
TOOLS = ["symbiosis-monit", "plugins-seq", "plugins-16", "monit-expect", "monit-connect"]


# ---------------------------------------------------------------- scenarios
# A scenario is a list of services; a service is a name and a list of probes;
# a probe is one of ("banner", port), ("silent", port), ("http", port),
# ("disk", path), ("load",), ("users",), ("process", name). Each tool's
# configuration is generated from the same list.

def scenario_healthy(disks):
    svcs = [("banner%02d" % i, [("banner", BANNER_PORTS[i])]) for i in range(20)]
    svcs += [("web%02d" % i, [("http", HTTP_PORT)]) for i in range(20)]
    svcs.append(("disks", [("disk", d) for d in disks]))
    svcs.append(("load", [("load",)]))
    svcs.append(("users", [("users",)]))
    svcs += [("proc-%s" % p, [("process", p)]) for p in ("nginx", "python3", "sleep")]
    return svcs


def scenario_degraded(disks):
    return scenario_healthy(disks) + [("hung%02d" % i, [("silent", SILENT_PORTS[i])]) for i in range(10)]


def scenario_scale(disks):
    """1,000 probes over 300 services: two banners and one web page each, and
    a disk on the first hundred."""
    svcs = []
    n = len(BANNER_PORTS)
    for i in range(300):
        probes = [("banner", BANNER_PORTS[(2 * i) % n]), ("banner", BANNER_PORTS[(2 * i + 1) % n]),
                  ("http", HTTP_PORT)]
        if i < 100:
            probes.append(("disk", disks[i % len(disks)]))
        svcs.append(("svc%03d" % i, probes))
    return svcs


SCENARIOS = {
    "healthy": (scenario_healthy, 0, "HEALTHY"),
    "degraded": (scenario_degraded, 10, "DEGRADED"),
    "scale": (scenario_scale, 0, "SCALE"),
}


def count_probes(svcs):
    return sum(len(p) for _, p in svcs)


# ---------------------------------------------------------------- configurations

def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def gen_symbiosis(d, svcs):
    checks = os.path.join(d, "monit.d")
    os.makedirs(checks)
    for name, probes in svcs:
        lines, extra = [], []
        for p in probes:
            if p[0] in ("banner", "silent"):
                lines.append('  - { type: tcp, port: %d, expect: "^220" }' % p[1])
            elif p[0] == "http":
                lines.append('  - { type: http, url: "http://%s:%d/" }' % (HOST, p[1]))
            elif p[0] == "disk":
                lines.append("  - { type: disk, path: %s, warn: 95%%, crit: 98%% }" % p[1])
            elif p[0] == "load":
                lines.append("  - { type: load, warn: [100, 100, 100], crit: [200, 200, 200] }")
            elif p[0] == "users":
                lines.append("  - { type: users, warn: 100, crit: 200 }")
            elif p[0] == "process":
                extra.append("process: %s" % p[1])
        text = "".join(x + "\n" for x in extra) + ("probes:\n" + "\n".join(lines) + "\n" if lines else "probes: []\n")
        write(os.path.join(checks, name + ".yaml"), text)
    settings = os.path.join(d, "monit.yaml")
    # The machine is shared and loaded: never skip for load.
    write(settings, "timeout: %ds\nskip-if-load-above: 0\n" % TIMEOUT)
    return checks, settings


def plugin_commands(svcs):
    cmds = []
    for _, probes in svcs:
        for p in probes:
            if p[0] in ("banner", "silent"):
                cmds.append("%s/check_tcp -H %s -p %d -e 220 -t %d" % (PLUGINS, HOST, p[1], TIMEOUT))
            elif p[0] == "http":
                cmds.append("%s/check_http -H %s -p %d -u / -t %d" % (PLUGINS, HOST, p[1], TIMEOUT))
            elif p[0] == "disk":
                cmds.append("%s/check_disk -w 5%% -c 2%% -p %s" % (PLUGINS, p[1]))
            elif p[0] == "load":
                cmds.append("%s/check_load -w 100,100,100 -c 200,200,200" % PLUGINS)
            elif p[0] == "users":
                cmds.append("%s/check_users -w 100 -c 200" % PLUGINS)
            elif p[0] == "process":
                cmds.append("%s/check_procs -C %s -c 1:" % (PLUGINS, p[1]))
    return cmds


def gen_plugins(d, svcs):
    cmds = plugin_commands(svcs)
    seq = os.path.join(d, "plugins.sh")
    write(seq, "#!/bin/sh\n# Every check one after another, as a cron script would.\n" + "\n".join(cmds) + "\n", 0o755)
    lst = os.path.join(d, "plugins.list")
    write(lst, "\n".join(cmds) + "\n")
    return seq, lst


def gen_monit(d, svcs, connect_only):
    """A monit control file doing the same checks (monit has no logged-in
    users test: that one probe is left out)."""
    tag = "connect" if connect_only else "expect"
    base = os.path.join(d, "monit-" + tag)
    os.makedirs(base)
    out = ["set daemon 60",
           "set logfile %s/monit.log" % base,
           "set idfile %s/monit.id" % base,
           "set statefile %s/monit.state" % base,
           "set pidfile %s/monit.pid" % base, ""]
    n_fs = n_proc = 0
    for name, probes in svcs:
        ports = [p for p in probes if p[0] in ("banner", "silent", "http")]
        if ports:
            out.append("check host %s with address %s" % (name, HOST))
            for p in ports:
                if connect_only:
                    out.append("  if failed port %d with timeout %d seconds then alert" % (p[1], TIMEOUT))
                elif p[0] == "http":
                    out.append('  if failed port %d protocol http request "/" with timeout %d seconds then alert'
                               % (p[1], TIMEOUT))
                else:
                    out.append('  if failed port %d expect "^220" with timeout %d seconds then alert' % (p[1], TIMEOUT))
        for p in probes:
            if p[0] == "disk":
                n_fs += 1
                out.append("check filesystem fs%03d with path %s" % (n_fs, p[1]))
                out.append("  if space usage > 98% then alert")
            elif p[0] == "load":
                out.append("check system benchhost")
                out.append("  if loadavg (1min) > 200 then alert")
            elif p[0] == "process":
                n_proc += 1
                out.append('check process %s matching "%s"' % (name, p[1]))
    rc = os.path.join(base, "monitrc")
    write(rc, "\n".join(out) + "\n", 0o600)
    return rc, os.path.join(base, "monit.log")


# ---------------------------------------------------------------- servers

class Servers:
    def __init__(self, d):
        self.d = d
        self.procs = []

    def start(self):
        p = subprocess.Popen([sys.executable, os.path.join(HERE, "servers.py"),
                              "--banner", "%d-%d" % (BANNER_PORTS[0], BANNER_PORTS[-1]),
                              "--silent", "%d-%d" % (SILENT_PORTS[0], SILENT_PORTS[-1])],
                             stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        if p.stdout.readline().strip() != "ready":
            raise SystemExit("bench: servers.py did not start")
        www = os.path.join(self.d, "www")
        tmp = os.path.join(self.d, "nginx-tmp")
        os.makedirs(www)
        os.makedirs(tmp)
        write(os.path.join(www, "index.html"), "hello from the benchmark\n")
        conf = os.path.join(self.d, "nginx.conf")
        write(conf, """user root;
daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {t}/body;
    proxy_temp_path {t}/proxy;
    fastcgi_temp_path {t}/fastcgi;
    uwsgi_temp_path {t}/uwsgi;
    scgi_temp_path {t}/scgi;
    server {{ listen 127.0.0.1:{port} backlog=1024; root {w}; }}
}}
""".format(d=self.d, t=tmp, w=www, port=HTTP_PORT))
        self.procs.append(subprocess.Popen(["nginx", "-c", conf, "-p", self.d, "-e",
                                            os.path.join(self.d, "nginx-error.log")]))
        # A process for the third process check.
        self.procs.append(subprocess.Popen(["sleep", "1000000"]))
        wait_port(HTTP_PORT)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def wait_port(port, limit=10.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("bench: nothing listens on port %d" % port)


# ---------------------------------------------------------------- measuring

MEASURE = None  # the compiled measure.c


def measure(argv, out_path):
    """Runs argv under measure.c with stdout to out_path; returns wall
    seconds, CPU seconds, peak RSS in KiB and the exit status."""
    res = out_path + ".measure"
    with open(out_path, "wb") as out:
        subprocess.run([MEASURE, res] + argv, stdout=out, stderr=subprocess.DEVNULL, check=True)
    with open(res) as f:
        wall, cpu, rss, status = f.read().split()
    return float(wall), float(cpu), int(rss), int(status)


PLUGIN_OK = re.compile(r"^(\S+ )?OK\b")


def failures_symbiosis(out_path, _):
    with open(out_path) as f:
        r = json.load(f)
    return sum(1 for s in r["services"] if s["status"] != "PASSED"), len(r["services"])


def failures_symbiosis_quiet(_, __):
    return None, None  # --quiet prints nothing when nothing changed: the exit status tells


def failures_plugins(out_path, _):
    with open(out_path, errors="replace") as f:
        lines = [ln for ln in f.read().splitlines() if ln.strip()]
    return sum(1 for ln in lines if not PLUGIN_OK.match(ln)), len(lines)


def failures_monit(_, log):
    with open(log, errors="replace") as f:
        failed = set(re.findall(r"error\s*:\s*'([^']+)'", f.read()))
    return len(failed), None


class Tool:
    def __init__(self, name, argv, check, log=None, first=None):
        """first: (argv, check) for the warm-up run, when it differs."""
        self.name, self.argv, self.check, self.log, self.first = name, argv, check, log, first
        self.runs = []
        self.failed = None
        self.once = False

    def run_once(self, out_path, first=False):
        argv, check = self.first if first and self.first else (self.argv, self.check)
        if self.log:
            open(self.log, "w").close()
        wall, cpu, rss, status = measure(argv, out_path)
        failed, total = check(out_path, self.log)
        return wall, cpu, rss, status, failed, total


def build_tools(d, binary, svcs, key, slow=False):
    checks, settings = gen_symbiosis(d, svcs)
    seq, lst = gen_plugins(d, svcs)
    common = ["-C", settings, "--state", os.path.join(d, "state"), "--lock", os.path.join(d, "lock")]
    tools = [
        # As cron runs it (--quiet); the first run reports in JSON, to check it.
        Tool("symbiosis-monit", [binary, "--quiet"] + common + [checks], failures_symbiosis_quiet,
             first=([binary, "-f", "json"] + common + [checks], failures_symbiosis)),
        Tool("plugins-seq", ["/bin/sh", seq], failures_plugins),
        Tool("plugins-16", [shutil.which("xargs"), "-P", "16", "-L", "1", "-a", lst, "/usr/bin/env"], failures_plugins),
    ]
    rc, log = gen_monit(d, svcs, False)
    if key != "scale" or slow:  # 600 banners x 200 ms of waiting: two minutes a run
        tools.append(Tool("monit-expect", [shutil.which("monit"), "-c", rc, "validate"], failures_monit, log))
    if key != "degraded":  # connect-only cannot see a hung server: no use there
        rc, log = gen_monit(d, svcs, True)
        tools.append(Tool("monit-connect", [shutil.which("monit"), "-c", rc, "validate"], failures_monit, log))
    return tools


# ---------------------------------------------------------------- report

def fmt_ms(s):
    if s < 0.01:
        return "%8.2f ms" % (s * 1000)
    return "%8.1f ms" % (s * 1000) if s < 10 else "%8.2f s " % s


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


SLOW = 10.0  # seconds: a tool whose first run takes longer runs only once


def run_scenario(key, d, binary, runs, disks, results, slow):
    gen, want_failed, title = SCENARIOS[key]
    svcs = gen(disks)
    n = count_probes(svcs)
    sd = os.path.join(d, key)
    os.makedirs(sd)
    tools = build_tools(sd, binary, svcs, key, slow)
    out_path = os.path.join(sd, "out")
    load_before = loadavg()

    def record(t, wall, cpu, rss, status, failed, total):
        t.runs.append((wall, cpu, rss))
        if failed is None and status != (1 if want_failed else 0):
            t.failed = "exit status %d; see %s" % (status, sd)
        elif failed is not None and failed != want_failed:
            t.failed = "%d failed, expected %d (exit %d); see %s" % (failed, want_failed, status, sd)

    for t in tools:
        # Warm-up (page cache, first-run state, monit's id); a slow tool's
        # first run is its only one: a few ms of cold cache do not matter there.
        res = t.run_once(out_path, first=True)
        t.once = res[0] > SLOW
        record(t, *res)  # checks its outcome
        if not t.once:
            t.runs.pop()  # a warm-up, not a measurement
    for r in range(runs):
        order = tools[r % len(tools):] + tools[:r % len(tools)]
        for t in order:
            if t.once:
                continue
            record(t, *t.run_once(out_path))
    med = {}
    print()
    print("%s: %d probes over %d services, %d runs (1 for a tool slower than %.0f s), load average %s -> %s"
          % (title, n, len(svcs), runs, SLOW, load_before, loadavg()))
    if key == "scale" and not slow:
        print("  (monit-expect left out: it waits 200 ms after each of 600 banners; --slow includes it)")
    print("  %-18s %11s %11s %10s %14s" % ("tool (median)", "wall", "CPU", "peak RSS", "CPU/probe"))
    for t in tools:
        wall = statistics.median(x[0] for x in t.runs)
        cpu = statistics.median(x[1] for x in t.runs)
        rss = statistics.median(x[2] for x in t.runs)
        med[t.name] = (wall, cpu, rss)
        print("  %-18s %11s %11s %7.1f MB %11.3f ms%s" % (t.name, fmt_ms(wall), fmt_ms(cpu), rss / 1024,
                                                          cpu * 1000 / n, "   WRONG: " + t.failed if t.failed else ""))
    me = med["symbiosis-monit"]
    print("  ratios (other / symbiosis-monit): " + ", ".join(
        "%s wall %.1fx CPU %.1fx" % (k, v[0] / me[0], v[1] / me[1] if me[1] else float("inf"))
        for k, v in med.items() if k != "symbiosis-monit"))
    results[key] = {"probes": n, "services": len(svcs), "runs": runs, "median": med,
                    "wrong": {t.name: t.failed for t in tools if t.failed}}


def targets(results):
    print()
    print("Targets (same machine, same run):")
    rows = []
    if "healthy" in results:
        m = results["healthy"]["median"]
        me = m["symbiosis-monit"]
        rows.append(("HEALTHY wall <= 1/20 of plugins-seq", me[0], m["plugins-seq"][0] / 20))
        rows.append(("HEALTHY wall <= 1/2 of monit-connect", me[0], m["monit-connect"][0] / 2))
        rows.append(("HEALTHY CPU per probe < 0.2 ms", me[1] / results["healthy"]["probes"], 0.0002))
        floor = results.get("floor", {})
        startup, curl = floor.get("symbiosis-monit --version"), floor.get("loading libcurl (dlopen, init)")
        if startup and curl:  # for reading the one above, not a target
            true = floor["/bin/true"]
            rows.append(("  (less start-up and loading libcurl)",
                         (me[1] - startup[1] - (curl[1] - true[1])) / results["healthy"]["probes"], 0.0002))
    if "degraded" in results:
        me = results["degraded"]["median"]["symbiosis-monit"]
        rows.append(("DEGRADED wall <= timeout + 0.1 s", me[0], TIMEOUT + 0.1))
    if "scale" in results:
        me = results["scale"]["median"]["symbiosis-monit"]
        rows.append(("SCALE wall < 2 s", me[0], 2.0))
        rows.append(("SCALE peak memory < 20 MB", me[2] / 1024, 20.0))
        rows.append(("  (SCALE CPU per probe)", me[1] / results["scale"]["probes"], 0.0002))
    for what, got, limit in rows:
        unit = (lambda v: "%.1f MB" % v) if "MB" in what else (lambda v: fmt_ms(v).strip())
        print("  %-40s %12s  limit %10s  %s" % (what, unit(got), unit(limit), "met" if got <= limit else "MISSED"))


# ---------------------------------------------------------------- main

def mount_disks(d):
    """Five filesystems for the five disk checks: / and four tmpfs in a
    private mount namespace (monit checks only mount points). Without root,
    / five times."""
    if os.environ.get("BENCH_NS") != "1":
        return ["/"] * 5
    disks = ["/"]
    for name in ("var", "home", "srv", "boot"):
        p = os.path.join(d, "fs", name)
        os.makedirs(p)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "bench-" + name, p], check=True)
        disks.append(p)
    return disks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--runs", type=int, default=7, help="measured runs per tool (HEALTHY; fewer for the slow ones)")
    ap.add_argument("--scenarios", default="healthy,degraded,scale")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--slow", action="store_true", help="also run monit-expect on SCALE (two minutes a run)")
    ap.add_argument("--json", help="also write the medians here")
    ap.add_argument("--serve", action="store_true",
                    help="only start the servers and write every configuration, then wait (for profiling)")
    args = ap.parse_args()
    if os.geteuid() == 0 and os.environ.get("BENCH_NS") is None and shutil.which("unshare"):
        env = dict(os.environ, BENCH_NS="1")
        os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable,
                               os.path.abspath(__file__)] + sys.argv[1:], env)
    need = [pkg for path, pkg in (("/usr/sbin/nginx", "nginx-light"), ("/usr/bin/monit", "monit"),
                                  (PLUGINS + "/check_tcp", "monitoring-plugins-basic")) if not os.access(path, os.X_OK)]
    if need and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends"] + need, check=True)
    elif need:
        raise SystemExit("bench: missing; as root: apt-get install %s" % " ".join(need))
    binary = os.path.abspath(args.bin)
    d = tempfile.mkdtemp(prefix="symbiosis-bench.")
    global MEASURE
    MEASURE = os.path.join(d, "measure")
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-Wall", "-Wextra", "-Werror", "-o", MEASURE,
                    os.path.join(HERE, "measure.c")], check=True)
    loadcurl = os.path.join(d, "loadcurl")
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-Wall", "-Wextra", "-Werror", "-o", loadcurl,
                    os.path.join(HERE, "loadcurl.c"), "-ldl"], check=True)
    servers = Servers(d)
    results = {}
    try:
        disks = mount_disks(d)
        servers.start()
        print("symbiosis-monit benchmark, %s, %d CPUs, load average %s, %s"
              % (time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), os.cpu_count(), loadavg(), binary))
        print("every probe: %d s timeout; wall, CPU (user+system, children included) and peak RSS from wait4()"
              % TIMEOUT)
        for what, argv in (("/bin/true", ["/bin/true"]), ("symbiosis-monit --version", [binary, "--version"]),
                           ("loading libcurl (dlopen, init)", [loadcurl])):
            runs = [measure(argv, os.path.join(d, "floor.out")) for _ in range(9)]
            med = [statistics.median(x[i] for x in runs) for i in range(3)]
            results.setdefault("floor", {})[what] = med
            print("floor: %-30s wall %5.1f ms, CPU %5.1f ms, peak RSS %5.1f MB"
                  % (what, med[0] * 1000, med[1] * 1000, med[2] / 1024))
        if args.serve:
            for key in args.scenarios.split(","):
                sd = os.path.join(d, key)
                os.makedirs(sd)
                for t in build_tools(sd, binary, SCENARIOS[key][0](disks), key, True):
                    print("%s %s: %s" % (key, t.name, " ".join(t.argv)))
            print("serving; stop with SIGTERM or ^C", flush=True)
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            try:
                signal.pause()
            except KeyboardInterrupt:
                pass
            return
        for key in args.scenarios.split(","):
            runs = args.runs if key == "healthy" else max(3, args.runs // 2)
            run_scenario(key, d, binary, runs, disks, results, args.slow)
        targets(results)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
    finally:
        servers.stop()
        if os.environ.get("BENCH_NS") == "1":
            for name in ("var", "home", "srv", "boot"):
                subprocess.run(["umount", os.path.join(d, "fs", name)], stderr=subprocess.DEVNULL)
        if args.keep:
            print("work directory kept: %s" % d)
        else:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
