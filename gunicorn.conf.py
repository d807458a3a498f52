"""How gunicorn serves Linli. `make run` loads this file, and so do the live tests (tests/live.py
runs gunicorn from this folder, where gunicorn finds ./gunicorn.conf.py by itself).

Residents send photos over 2G: 200 KB at 50 kbps takes half a minute. A sync worker reads that
body itself, is killed at its 30 s timeout, and two such uploads hold every worker. A threaded
worker (gthread) gives each connection a thread of its own: the worker's heartbeat keeps going
while a thread waits on a slow body, and the other threads keep answering everyone else.
Behind nginx with request buffering (README, "Deploying"), slow bodies never reach gunicorn."""

import os


def cores():
    """The cores this process may run on (a container's cpuset, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "app:create_app()"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# Two processes a core: one worker's threads take turns on the GIL, so a second keeps the core
# busy while the first waits on it. WEB_CONCURRENCY (as Heroku and others set it) overrides.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * cores())
worker_class = "gthread"
# Threads per worker: this many slow uploads in one worker still leave the site answering.
# The app's database pool has a connection for each (app.py, SQLALCHEMY_ENGINE_OPTIONS).
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# Seconds a worker's main loop may be silent before it is restarted; with threads this bounds a
# stuck worker, not a slow request.
timeout = 30
graceful_timeout = 30
# Kept-alive connections wait in the worker's poller, not in a thread.
keepalive = 5
# A worker is replaced after about this many requests: whatever it leaked (memory, a stuck
# connection) goes with it. The jitter keeps the workers from all restarting at once. A new
# worker costs about a second of CPU to start, and its first pages compile their templates and
# SQL (30 to 140 ms each): at 1000 requests that came to about a millisecond a request, as much
# as drawing the queue, so the turnover is kept to a few times an hour at a busy centre's rate.
max_requests = 20000
max_requests_jitter = 2000
# The app writes one line per request itself (blueprints/web/responses.py: path without the query,
# account, network); gunicorn's access log would be a second, with the query string.
accesslog = None
errorlog = "-"


def on_starting(server):
    """The threads as finally set (--threads included), for the workers' database pool."""
    os.environ["GUNICORN_THREADS"] = str(server.cfg.threads)
