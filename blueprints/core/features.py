"""A feature plugs itself in from its own package: its tiles on the home page and its demo data.

    bp.record_once(features.home("reports/_home.html", order=10))
    bp.record_once(features.demo(load_demo_reports))
    bp.record_once(features.error_answer(api_error))

The home page includes each feature's tiles in `order`; `flask demo load` runs each loader after
the places, accounts and categories exist (bulky ones only when asked for the full demo). An
error answer takes the error pages' place for the paths it speaks for (the Open311 API's JSON
and XML)."""

from flask import current_app


def home(template, order):
    def register(state):
        state.app.extensions.setdefault("linli_home", []).append((order, template))

    return register


def demo(loader, bulky=True):
    def register(state):
        state.app.extensions.setdefault("linli_demo", []).append((loader, bulky))

    return register


def home_parts():
    return [template for _order, template in sorted(current_app.extensions.get("linli_home", []))]


def demo_loaders(full):
    return [
        loader
        for loader, bulky in current_app.extensions.get("linli_demo", [])
        if full or not bulky
    ]


def error_answer(answer):
    """answer(path, code, description): the feature's own error response for a path it serves
    in its own format, else None (the friendly page)."""

    def register(state):
        state.app.extensions.setdefault("linli_error_answers", []).append(answer)

    return register


def error_answer_for(path, code, description):
    for answer in current_app.extensions.get("linli_error_answers", []):
        response = answer(path, code, description)
        if response is not None:
            return response
    return None
