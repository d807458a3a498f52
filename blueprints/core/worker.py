"""What a queued job runs (core/jobs.py enqueues it as "blueprints.core.worker.job"). Nothing
imports this module: it is the one place below the app that makes an app, so the app and the
jobs never import each other."""

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
