"""A feature plugs itself in from its own package: its tiles on the home page, its demo data, its
background ticks, the sections it adds to another feature's page, its own error answers.

    bp.record_once(features.home("reports/_home.html", order=10))
    bp.record_once(features.demo(load_demo_reports, order=40))
    bp.record_once(features.tick("reports", tick_reports, every=60))
    bp.record_once(features.section("orgs.org", "rooms/_org_bookings.html", bookings_of_org, order=20))
    bp.record_once(features.error_answer(api_error))

The home page includes each feature's tiles in `order`; `flask demo load` runs the loaders in
their `order` (the places at 10, the accounts and categories at 20, a feature's own data after
what it needs; bulky ones only when asked for the full demo). An error answer takes the error
pages' place for the paths it speaks for (the Open311 API's JSON and XML). A tick is a function
`work(now=None) -> dict of counts` that the job runner (core/jobs.py) runs every `every` seconds,
and `flask jobs run NAME` runs once. A section is a template another feature's page includes
(see `sections`), given value(obj) for the page's object: the page's feature never imports the
section's. `command` adds a feature's command at the top of `flask` (`flask demo`)."""

from flask import current_app


def home(template, order):
    def register(state):
        state.app.extensions.setdefault("linli_home", []).append((order, template))

    return register


def demo(loader, order, bulky=True):
    def register(state):
        state.app.extensions.setdefault("linli_demo", []).append((order, loader, bulky))

    return register


def home_parts():
    return [template for _order, template in sorted(current_app.extensions.get("linli_home", []))]


def demo_loaders(full):
    found = sorted(current_app.extensions.get("linli_demo", []), key=lambda entry: entry[0])
    return [loader for _order, loader, bulky in found if full or not bulky]


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


def tick(name, work, every=60):
    def register(state):
        add_tick(state.app, name, work, every)

    return register


def add_tick(app, name, work, every):
    """A tick of the app's own, not a feature's (core/jobs.py registers the rate counters')."""
    ticks = app.extensions.setdefault("linli_ticks", {})
    if name in ticks:
        raise RuntimeError(f"Two ticks are named {name!r}.")
    ticks[name] = (work, every)


def ticks(app=None):
    """name -> (work, seconds between two runs), for every registered tick."""
    return dict((app or current_app).extensions.get("linli_ticks", {}))


def command(command):
    """A command of the feature's own at the top of `flask` (`flask demo`), not under its name."""

    def register(state):
        state.app.cli.add_command(command)

    return register


def section(page, template, value, order=50):
    """On `page` (the endpoint of another feature's page), include `template`, which finds
    value(obj) as `section` (obj being the page's object)."""

    def register(state):
        found = state.app.extensions.setdefault("linli_sections", {}).setdefault(page, [])
        found.append((order, template, value))

    return register


def sections(page, obj):
    """The sections other features add to `page` for `obj`, in order: [(template, value)]. The
    page includes each: {% for template, section in sections %}{% include template %}{% endfor %}"""
    found = sorted(current_app.extensions.get("linli_sections", {}).get(page, []))
    return [(template, value(obj)) for _order, template, value in found]
