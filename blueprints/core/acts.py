"""The one action URL of every flow: a step taken from an object's page, answered the same way
whichever flow it belongs to (blueprints/core/workflow.py says how a flow joins the core).

    taken             303 to the object's page (htmx: that page itself), "已完成：<step>"
    refused           422: the page again, the reason by the step's form, what was typed kept
    lost a race       409: the page as it is now, and why (a stale version, a state moved on)
    GET (a reload)    303 to the object's page

A flow whose steps need nothing but the form's fields names its parts; one that reads more (a
photo, a return's reasons) subclasses and overrides `inputs`, `context` or `dropped`. Either
way `route` puts the one action URL on the feature's blueprint:

    STEPS = ActView(FLOW, load=booking_or_404, page=booking_page, url=booking_url)
    STEPS.route(bp, "/bookings/<int:booking_id>/act/<action>", SIGNED_IN)
"""

from typing import NamedTuple

from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core.access import allow
from blueprints.core.errors import Conflict, Refused
from blueprints.web.htmx import advance
from extensions import db, limiter

# Form fields that are not a step's answers (and would clash with Flow.apply's own arguments).
NOT_GIVEN = frozenset({"csrf_token", "self", "obj", "action", "actor", "version", "context"})


class StepError(NamedTuple):
    """A refused step, for its page: which step's form it belongs by, why, and which field."""

    action: str
    message: str
    field: str | None = None


class ActView:
    """A flow's action URL: its flow, how to load an object, where its page is, how to draw it,
    and (when a step needs more than form fields) how to read the step's inputs. The parts
    are given by name, or written as the methods of a subclass."""

    flow = None

    def __init__(self, flow=None, *, load=None, url=None, page=None):
        self.flow = flow or self.flow
        for name, part in (("load", load), ("url", url), ("page", page)):
            if part is not None:
                setattr(self, name, part)

    def route(self, bp, rule, *audience, endpoint="act"):
        """The action URL `rule` (ending in `<action>`) on the feature's blueprint, open to
        @allow's `audience`, at most 60 steps a minute from one person."""

        def act(action, **values):
            return self.answer(action, **values)

        # The limiter tells views apart by module and name: each flow's its own.
        act.__module__, act.__name__, act.__qualname__ = bp.import_name, endpoint, endpoint
        view = allow(*audience)(limiter.limit("60/minute", methods=["POST"])(act))
        bp.add_url_rule(rule, endpoint, view, methods=["GET", "POST"])

    def load(self, **values):
        """The object the URL names, or abort(404) / abort(403) for one this person may not
        open."""
        raise NotImplementedError

    def url(self, obj):
        """The object's page."""
        raise NotImplementedError

    def page(self, obj, status, error=None, typed=None):
        """The object's page as a response: `error` a StepError, `typed` the form as sent."""
        raise NotImplementedError

    def context(self, _obj):
        """What the flow's relations need to know of this request (a tracking code held)."""
        return {}

    def inputs(self, _obj, _action):
        """The step's answers, read once the person may take it: the form's fields as typed."""
        return {k: v for k, v in request.form.items() if k not in NOT_GIVEN}

    def dropped(self, given):
        """The step was not taken: undo what reading its inputs stored (an uploaded photo)."""

    def answer(self, action, **values):
        obj = self.load(**values)
        if request.method != "POST":
            return redirect(self.url(obj), 303)
        before = obj.state
        version = request.form.get("version")
        context = self.context(obj)
        given = {}
        try:
            # Whether this person may take this step is asked before any work is done for it.
            self.flow.check(obj, action, current_user, version, context)
            given = self.inputs(obj, action)
            self.flow.apply(obj, action, current_user, version, context, **given)
        except Conflict as e:
            self.undo(given)
            flash(str(e), "error")
            return self.page(self.load(**values), 409)
        except Refused as e:
            self.undo(given)
            error = StepError(action, str(e), e.field)
            return self.page(self.load(**values), 422, error=error, typed=request.form)
        flash(_("已完成：%(step)s", step=self.flow.transitions[(before, action)].label), "success")
        return advance(self.url(obj))

    def undo(self, given):
        db.session.rollback()
        self.dropped(given)
