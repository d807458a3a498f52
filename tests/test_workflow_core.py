"""The workflow core's plumbing, on the real Report model: the columns every flow's model mixes
in, deadlines written as data, and the one act view every flow's action URL answers with."""

import json
from datetime import timedelta

import pytest
from flask import abort, get_flashed_messages, make_response
from flask_login import login_user
from sqlalchemy import String

from blueprints.core.acts import ActView, StepError
from blueprints.core.roles import Role
from blueprints.core.workflow import Due, Flow, start_clock, step
from blueprints.reports.models import Report, ReportEvent
from blueprints.reports.models import ReportState as S
from blueprints.util.times import utcnow
from extensions import db
from tests.factories import create_report
from tests.people import DISPATCHER, RESIDENT, person


class LookFlow(Flow):
    """A tiny flow over reports: a dispatcher looks at a new one (and says what they saw)."""

    model = Report
    open_states = (S.SUBMITTED, S.ACCEPTED)
    transitions = {
        (S.SUBMITTED, "look"): step(S.ACCEPTED, {Role.DISPATCHER}, {"note"}, "look"),
        (S.ACCEPTED, "close"): step(S.CLOSED, {Role.DISPATCHER}, (), "close"),
    }
    needs = {"note": "say what you saw"}
    deadlines = {
        S.ACCEPTED: Due(hours=5),
        S.SUBMITTED: lambda report, start: start + timedelta(minutes=len(report.description)),
    }

    def __init__(self):
        self.entries = []

    def place_of(self, report):
        return report.grid

    def record(self, report, action, actor, before, after, note="", public=True, detail=None):
        db.session.add(
            ReportEvent.step(action, actor, before, after, note, public, detail, report=report)
        )

    def on_entry(self, report, action, before):
        self.entries.append((report.state, action, before))


class LookView(ActView):
    """The tiny flow's action URL: a page that says what it was given."""

    flow = LookFlow()

    def load(self, ref):
        report = db.session.scalar(db.select(Report).where(Report.ref == ref))
        if report is None:
            abort(404)
        return report

    def url(self, report):
        return f"/looked/{report.ref}"

    def page(self, report, status, error=None, typed=None):
        said = {"state": report.state, "error": error, "typed": dict(typed or {})}
        said["flashed"] = get_flashed_messages()
        return make_response(json.dumps(said, ensure_ascii=False), status)


@pytest.fixture
def new_case(app, demo, ctx):
    return create_report()


def answer(app, report, action, method="POST", who=DISPATCHER, **form):
    view = LookView()
    form.setdefault("version", str(report.version))
    with app.test_request_context(f"/look/{report.ref}/{action}", method=method, data=form):
        login_user(person(who))
        response = view.answer(action, ref=report.ref)
        return response.status_code, response.headers.get("Location"), response.get_data(True)


# ---- the columns -------------------------------------------------------------------------


def test_the_mixin_keeps_the_columns_and_the_flow_names_its_first_state(ctx):
    columns = Report.__table__.c
    assert isinstance(columns.state.type, String)
    assert columns.state.type.length == 20
    assert columns.state.default.arg == S.SUBMITTED == Report.initial_state
    assert columns.version.default.arg == 1
    assert columns.reminded_for.type.length == columns.overdue_for.type.length == 20
    assert columns.deadline_at.nullable
    assert Report.__mapper__.version_id_col is columns.version


# ---- deadlines as data -----------------------------------------------------------------------


def test_entering_a_state_starts_its_clock_from_the_table(app, new_case):
    flow = LookView.flow
    flow.entries.clear()
    new_case.reminded_for = new_case.overdue_for = S.SUBMITTED
    db.session.commit()
    before = utcnow()
    flow.apply(new_case, "look", person(DISPATCHER), note="seen")
    db.session.expire_all()
    stored = db.session.get(Report, new_case.id)
    assert stored.state == S.ACCEPTED
    assert before + timedelta(hours=5) <= stored.deadline_at <= utcnow() + timedelta(hours=5)
    assert (stored.reminded_for, stored.overdue_for) == ("", "")
    assert flow.entries == [(S.ACCEPTED, "look", S.SUBMITTED)]  # the flow's own entry hook
    flow.apply(stored, "close", person(DISPATCHER))
    assert db.session.get(Report, new_case.id).deadline_at is None  # no clock in this state


def test_a_clock_may_depend_on_the_object(new_case):
    start = utcnow()
    start_clock(new_case, LookFlow.deadlines, now=start)
    assert new_case.deadline_at == start + timedelta(minutes=len(new_case.description))
    monday = start.replace(year=2026, month=11, day=30, hour=1, minute=0)
    assert Due(workdays=4)(new_case, monday).date().isoformat() == "2026-12-04"


# ---- the one act view --------------------------------------------------------------------------


def test_a_step_taken_goes_to_the_page_with_its_name(app, new_case):
    status, location, _body = answer(app, new_case, "look", note="a lamp is out")
    assert (status, location) == (303, f"/looked/{new_case.ref}")
    db.session.expire_all()
    assert db.session.get(Report, new_case.id).state == S.ACCEPTED


def test_a_refused_step_is_422_on_the_page_with_what_was_typed(app, new_case):
    status, location, body = answer(app, new_case, "look", note="", extra="kept")
    assert (status, location) == (422, None)
    said = json.loads(body)
    assert StepError(*said["error"]) == StepError("look", "say what you saw", "note")
    assert said["typed"]["extra"] == "kept"
    assert said["state"] == S.SUBMITTED


def test_someone_not_allowed_is_refused_not_told_of_a_race(app, new_case):
    status, _location, body = answer(app, new_case, "look", who=RESIDENT, note="mine")
    assert status == 422
    assert json.loads(body)["error"] == ["look", "您不能对这件事做这个操作。", None]


def test_a_lost_race_is_409_with_the_fresh_page_and_why(app, new_case):
    stale = str(new_case.version)
    LookView.flow.apply(new_case, "look", person(DISPATCHER), note="first")
    status, location, body = answer(app, new_case, "close", version=stale)
    assert (status, location) == (409, None)
    said = json.loads(body)
    assert said["state"] == S.ACCEPTED
    assert said["error"] is None
    assert said["flashed"] == ["这件事刚被别人处理过，页面已更新，请看最新情况后再操作。"]


def test_a_step_the_state_has_moved_past_is_409(app, new_case):
    status, _location, body = answer(app, new_case, "close")
    assert status == 409
    assert "这件事的状态已经变了" in body


def test_a_get_of_an_action_url_goes_to_the_page(app, new_case):
    status, location, _body = answer(app, new_case, "look", method="GET")
    assert (status, location) == (303, f"/looked/{new_case.ref}")
    assert db.session.get(Report, new_case.id).state == S.SUBMITTED


# ---- the report case page on it, over HTTP ------------------------------------------------------


def test_reloading_a_refused_step_shows_the_case_not_405(client, new_case, login_as):
    login_as(DISPATCHER)
    url = f"/reports/{new_case.ref}/act/merge"
    refused = client.post(url, data={"version": new_case.version, "target": "999999999999"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "没有找到可以并入的案件" in page
    assert 'value="999999999999"' in page  # what was typed is kept
    reload = client.get(url)
    assert reload.status_code == 303
    assert reload.headers["Location"] == f"/reports/{new_case.ref}"
    assert client.get("/reports/000000000000/act/merge").status_code == 404


def test_the_case_page_steps_answer_409_to_a_stale_form(client, new_case, login_as):
    login_as(DISPATCHER)
    old = new_case.version
    url = f"/reports/{new_case.ref}/act/accept"
    assert client.post(url, data={"version": old, "urgency": "normal"}).status_code == 303
    stale = client.post(url, data={"version": old, "urgency": "urgent"})
    assert stale.status_code == 409
    assert "这件事的状态已经变了" in stale.get_data(as_text=True)
