"""CPU time per request of Linli's pages, drawn in this process through Flask's test client.

    .venv/bin/python bench/cpu.py                          # this checkout
    .venv/bin/python bench/cpu.py --code /tmp/linli-before  # another checkout, e.g. before a change
    .venv/bin/python bench/cpu.py --profile queue          # and cProfile's top functions for one

Where throughput.py asks how many requests a served app answers (which other work on the machine
moves a lot), this asks how much CPU the app itself spends on one: the same demo database as
throughput.py (migrated and loaded in a temp dir), the demo dispatcher and grid worker signed in,
and each page drawn in batches, the least CPU time (time.process_time) of the batches counted.
Other work on a 2-core machine still slows it, but far less. The test client's own work (about
0.2 ms) is in every figure, the server's (gunicorn, the socket) in none."""

import argparse
import cProfile
import logging
import os
import pstats
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "linli-cpu"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", default=str(ROOT), help="the checkout of Linli to measure")
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--size", type=int, default=20, help="requests per batch")
    parser.add_argument("--profile", help="a page's name: print cProfile's top functions for it")
    args = parser.parse_args()
    code = Path(args.code).resolve()
    tmp = Path(tempfile.mkdtemp(prefix="linli_cpu_"))
    os.environ.update(
        DATABASE_URL=f"sqlite:///{tmp}/bench.db",
        SECRET_KEY="bench-cpu-" + "x" * 32,
        UPLOAD_FOLDER=str(tmp / "uploads"),
        LINLI_SMS_FILE=str(tmp / "sms.jsonl"),
        FLASK_APP="tests.live:make_app",
    )
    flask = Path(sys.executable).parent / "flask"
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([str(flask), *command], cwd=code, check=True, capture_output=True)
    sys.path.insert(0, str(code))
    os.chdir(code)
    from tests.live import make_app

    logging.disable(logging.INFO)  # the request log line goes nowhere, as in neither server
    app = make_app()
    with sqlite3.connect(tmp / "bench.db") as conn:
        ref = conn.execute("SELECT ref FROM report WHERE state = 'dispatched' LIMIT 1").fetchone()
    pages = pages_of(app, ref[0])
    print(
        f"\n{code} · least CPU of {args.batches} batches of {args.size} · "
        f"load {os.getloadavg()[0]:.1f}\n"
    )
    print("| page | status | CPU per request | bytes (gzip) |")
    print("|---|---|---|---|")
    for name, client, url, headers in pages:
        for _ in range(20):  # compile the templates and the SQL first
            answer = client.get(url, headers=headers)
        best = min(batch(client, url, headers, args.size) for _ in range(args.batches))
        print(f"| {name} | {answer.status_code} | {best:.2f} ms | {len(answer.data)} |")
        if name == args.profile:
            profile(client, url, headers)


def pages_of(app, ref):
    anonymous, dispatcher, worker = (signed_in(app, p) for p in ("", "13800000003", "13800000002"))
    pages = [
        ("/healthz", anonymous, "/healthz"),
        ("home", anonymous, "/"),
        ("queue", dispatcher, "/reports/queue"),
        ("tasks", worker, "/reports/tasks"),
        ("case", dispatcher, f"/reports/{ref}"),
    ]
    found = [(name, client, url, HEADERS) for name, client, url in pages]
    for name, client, url in (pages[2], pages[4]):
        # A tag fetched twice: the first request of a session may still change it.
        client.get(url, headers=HEADERS)
        tag = client.get(url, headers=HEADERS).headers["ETag"]
        found.append((f"{name}, If-None-Match", client, url, {**HEADERS, "If-None-Match": tag}))
    return found


def signed_in(app, phone):
    client = app.test_client()
    if phone:
        token = TOKEN.search(client.get("/auth/login").get_data(as_text=True))[1]
        data = {"csrf_token": token, "phone": phone, "password": "linli-demo"}
        assert client.post("/auth/login", data=data).status_code == 303
    return client


def batch(client, url, headers, size):
    start = time.process_time()
    for _ in range(size):
        client.get(url, headers=headers)
    return (time.process_time() - start) * 1000 / size


def profile(client, url, headers):
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        client.get(url, headers=headers)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
