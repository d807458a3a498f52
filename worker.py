"""What a queued job runs: blueprints/core/jobs.py enqueues it as "worker.job", a dotted path,
and nothing imports this module. It sits beside app.py, above it, because it may have to make
the app: from inside blueprints/core it would make the layer below the app import the app."""

from flask import has_app_context

from app import create_app
from blueprints.core import jobs

_app = None


def job(name):
    """`jobs.run_queued(name)` in the app the worker made (`flask jobs worker`), or in one made
    here for a worker started some other way (`rq worker`)."""
    global _app
    if has_app_context():
        return jobs.run_queued(name)
    if _app is None:
        _app = create_app()
    with _app.app_context():
        return jobs.run_queued(name)
