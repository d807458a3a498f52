"""Requests per second through gunicorn: a bare Flask "ok" page against Linli's pages.

    .venv/bin/python bench/throughput.py                      # this checkout
    .venv/bin/python bench/throughput.py --code /tmp/linli-main   # another checkout of the app

Both servers run gunicorn with the same workers and threads (gunicorn.conf.py of the checkout),
and neither replaces its workers while measured (--max-requests 0; see serve()). A round in which
wrk's connections all landed on one worker is done again (balanced()).
Linli serves a temp SQLite file, migrated and loaded with the demo (as tests/live.py does). Rounds
are interleaved (every page once per round) so that a change in the machine's load falls on
all pages alike; `wrk` (Debian's package) makes the load. Prints the median over the rounds of
requests/s, p50 and p99, and requests/s as a share of the bare page's; then the queue at a fixed
rate (100 req/s for 20 s, five times), open loop, with each run's p99 from the requests' due
times."""

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
BARE = """from flask import Flask

app = Flask(__name__)


@app.route("/ok")
def ok():
    return "ok"
"""
DISPATCHER, WORKER, PASSWORD = "13800000003", "13800000002", "linli-demo"
# One User-Agent for every request: Flask-Login marks a session no longer fresh when it changes,
# and the queue's ETag covers the session.
AGENT = "linli-throughput"


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app, cwd, env, workers, log):
    port = free_port()
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--config",
            str(env["LINLI_CODE"]) + "/gunicorn.conf.py",
            "--workers",
            str(workers),
            # No worker turnover while measuring: at thousands of requests a second the bare
            # page would end a worker every few seconds, and wrk's kept-alive connections then
            # all reconnect to the other one, halving the rate for the rest of the round. What a
            # new worker costs is measured apart (README).
            "--max-requests",
            "0",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            app,
        ],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn for {app} exited")
        try:
            with urllib.request.urlopen(base + ("/ok" if "bare" in app else "/healthz"), timeout=2):
                return process, base
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn for {app} did not answer")


def sign_in(base, phone):
    session = requests.Session()
    session.headers["User-Agent"] = AGENT
    token = TOKEN.search(session.get(base + "/auth/login", timeout=10).text)[1]
    answer = session.post(
        base + "/auth/login",
        data={"csrf_token": token, "phone": phone, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303, answer.status_code
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())


def wrk(url, seconds, connections, threads, headers=()):
    command = ["wrk", "--latency", f"-d{seconds}s", f"-c{connections}", f"-t{threads}"]
    for header in ("Accept-Encoding: gzip", f"User-Agent: {AGENT}", *headers):
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    statuses = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, latency(out, "50%"), latency(out, "99%"), int(statuses[1]) if statuses else 0


def fixed_rate(url, cookie, rate, seconds, tag=None, senders=64):
    """An open-loop run: a request falls due every 1/rate s whether or not the earlier ones
    came back, and each one's time is counted from when it fell due, not from when a free
    sender took it (so a server that falls behind shows its backlog, which a closed loop like
    wrk's hides). Returns (p99 in ms, requests that failed or were not 200/304)."""
    local = threading.local()

    def send(due):
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update(
                {"Cookie": cookie, "User-Agent": AGENT, "Accept-Encoding": "gzip"}
            )
            if tag:
                local.session.headers["If-None-Match"] = tag
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        try:
            ok = local.session.get(url, timeout=30).status_code in (200, 304)
        except requests.RequestException:
            ok = False
        return (time.perf_counter() - due) * 1000, ok

    start = time.perf_counter() + 0.5
    with ThreadPoolExecutor(senders) as pool:
        futures = []
        for i in range(int(rate * seconds)):
            due = start + i / rate
            # Hand each request over just before it falls due, as a client's clock would.
            wait = due - 0.05 - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            futures.append(pool.submit(send, due))
        done = [f.result() for f in futures]
    times = sorted(t for t, _ok in done)
    return times[int(len(times) * 0.99) - 1], sum(1 for _t, ok in done if not ok)


def worker_cpu(server):
    """CPU seconds used so far by each worker of a gunicorn master: {pid: seconds}."""
    master = server.pid
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        # Fields 14 and 15 of /proc/PID/stat (user and system time), counted after the name.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def balanced(server, run, tries=6):
    """run() (a wrk round) again until both workers did their share of it. gunicorn's workers
    race to accept wrk's connections, which are opened at once and kept alive: in about one
    round in three every connection lands on one worker, and the round measures one core
    whatever the page. Such a round (one worker under a quarter of the CPU) is done again.
    Returns (the round's figures, how many were done again)."""
    for again in range(tries):
        before = worker_cpu(server)
        found = run()
        spent = [seconds - before.get(pid, 0) for pid, seconds in worker_cpu(server).items()]
        if len(spent) < 2 or min(spent) >= 0.25 * sum(spent):
            return found, again
    return found, again


def warm(pages, times):
    """Each worker compiles a page's templates and SQL the first time it draws it (30 to 140
    ms): a server that has been up a while has done so, so the rounds start after."""
    for _name, page, headers in pages:
        sent = dict(h.split(": ", 1) for h in (h() if callable(h) else h for h in headers))
        for _ in range(times):
            requests.get(page, headers={**sent, "User-Agent": AGENT}, timeout=30)


def latency(out, pct):
    value, unit = re.search(rf"^\s+{re.escape(pct)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", default=str(ROOT), help="the checkout of Linli to serve")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=4, help="per page per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads")
    parser.add_argument("--rate", type=int, default=100, help="the open-loop run's requests/s")
    parser.add_argument("--rate-seconds", type=int, default=20)
    parser.add_argument("--rate-runs", type=int, default=5)
    args = parser.parse_args()
    code = Path(args.code).resolve()
    tmp = Path(tempfile.mkdtemp(prefix="linli_throughput_"))
    (tmp / "bare.py").write_text(BARE)
    database = tmp / "bench.db"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "LINLI_SMS_FILE": str(tmp / "sms.jsonl"),
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "FLASK_APP": "tests.live:make_app",
        "LINLI_CODE": str(code),
        "PYTHONPATH": str(code),
    }
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(
            [str(VENV_BIN / "flask"), *command], cwd=code, env=env, check=True, capture_output=True
        )
    with sqlite3.connect(database) as conn:
        ref = conn.execute("SELECT ref FROM report WHERE state = 'dispatched' LIMIT 1").fetchone()[
            0
        ]
        reports = conn.execute("SELECT count(*) FROM report").fetchone()[0]
    log = open(tmp / "gunicorn.log", "wb")  # noqa: SIM115 (open while the servers run)
    bare, bare_url = serve("bare:app", tmp, env, args.workers, log)
    linli, url = serve("tests.live:make_app()", code, env, args.workers, log)
    try:
        dispatcher = "Cookie: " + sign_in(url, DISPATCHER)
        worker = "Cookie: " + sign_in(url, WORKER)

        def fresh_tag(path):
            """A page's ETag now: it moves each minute, so it is asked for each round."""

            def ask():
                answer = requests.get(
                    url + path,
                    headers={"Cookie": dispatcher[8:], "User-Agent": AGENT},
                    timeout=10,
                )
                return f"If-None-Match: {answer.headers.get('ETag', '')}"

            return ask

        pages = [
            ("bare Flask /ok", bare_url + "/ok", ()),
            ("/healthz", url + "/healthz", ()),
            ("home page", url + "/", ()),
            ("queue (dispatcher)", url + "/reports/queue", (dispatcher,)),
            (
                "queue, If-None-Match",
                url + "/reports/queue",
                (dispatcher, fresh_tag("/reports/queue")),
            ),
            ("task list (grid worker)", url + "/reports/tasks", (worker,)),
            (f"case page {ref}", url + f"/reports/{ref}", (dispatcher,)),
            (
                "case page, If-None-Match",
                url + f"/reports/{ref}",
                (dispatcher, fresh_tag(f"/reports/{ref}")),
            ),
        ]
        warm(pages, 4 * args.workers)
        wrk_args = (args.seconds, args.connections, args.threads)
        results = {name: [] for name, _url, _headers in pages}
        load = os.getloadavg()[0]
        redone = dict.fromkeys(results, 0)
        for _round in range(args.rounds):
            for name, page, headers in pages:
                sent = [h() if callable(h) else h for h in headers]
                server = bare if page.startswith(bare_url) else linli
                found, again = balanced(server, lambda p=page, h=sent: wrk(p, *wrk_args, h))
                results[name].append(found)
                redone[name] += again
        # A screen polling the queue with htmx asks with the ETag it holds (the browser's cache
        # revalidates); one that has none, or whose tag the minute moved, gets the whole page.
        queue = url + "/reports/queue"
        steady = {
            "whole page": [
                fixed_rate(queue, dispatcher[8:], args.rate, args.rate_seconds)
                for _run in range(args.rate_runs)
            ],
            "If-None-Match": [
                fixed_rate(
                    queue,
                    dispatcher[8:],
                    args.rate,
                    args.rate_seconds,
                    fresh_tag("/reports/queue")()[len("If-None-Match: ") :],
                )
                for _run in range(args.rate_runs)
            ],
        }
    finally:
        for process in (bare, linli):
            process.terminate()
            process.wait(15)
        log.close()
    print(
        f"\n{code} · {reports} demo reports · gunicorn {args.workers} workers (gthread) · "
        f"wrk -c{args.connections} -t{args.threads} · {args.rounds} rounds of {args.seconds} s · "
        f"load {load:.1f} → {os.getloadavg()[0]:.1f}\n"
    )
    print("| page | requests/s | p50 | p99 | × bare | non-2xx/3xx | rounds redone |")
    print("|---|---|---|---|---|---|---|")
    bare_rps = statistics.median(r[0] for r in results["bare Flask /ok"])
    for name, runs in results.items():
        rps = statistics.median(r[0] for r in runs)
        p50 = statistics.median(r[1] for r in runs)
        p99 = statistics.median(r[2] for r in runs)
        bad = sum(r[3] for r in runs)
        print(
            f"| {name} | {rps:.0f} | {p50:.1f} ms | {p99:.1f} ms | {rps / bare_rps:.2f} | {bad} "
            f"| {redone[name]} |"
        )
    print(
        f"\nthe queue (dispatcher) at a steady {args.rate} req/s for {args.rate_seconds} s, "
        "open loop, p99 from each request's due time:\n"
    )
    print("| asked | p99 of each run | median | worst | failed or not 200/304 |")
    print("|---|---|---|---|---|")
    for name, runs in steady.items():
        p99s = sorted(p for p, _bad in runs)
        print(
            f"| {name} | {', '.join(f'{p:.0f}' for p, _bad in runs)} ms | "
            f"{statistics.median(p99s):.0f} ms | {p99s[-1]:.0f} ms | "
            f"{sum(bad for _p, bad in runs)} |"
        )


if __name__ == "__main__":
    main()
