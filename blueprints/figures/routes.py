"""Figures pages: the dashboard of a street, community, grid or department, the cases behind a
figure, the monthly assessment (一网考核) and open data. Staff pages check the place
(scopes.may_see); open data is public."""

import itertools

from flask import (
    Blueprint,
    Response,
    abort,
    jsonify,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from blueprints.auth.models import User
from blueprints.core import features
from blueprints.core.access import PUBLIC, allow
from blueprints.core.roles import Role
from blueprints.figures import charts, dashboards, opendata, rates
from blueprints.figures.cli import tick, tick_figures
from blueprints.figures.facts import refresh_facts
from blueprints.figures.models import CaseFigure as F
from blueprints.figures.models import CaseFigureDay as R
from blueprints.figures.periods import (
    last_month,
    parse_month,
    parse_period,
    recent_months,
    this_month,
)
from blueprints.figures.scopes import STAFF, home_place, kind_of, place_or_404, street_of
from blueprints.orgs.models import STATES as FILING_STATES
from blueprints.reports.models import STATES, Report
from blueprints.reports.viewers import openable_by
from blueprints.util.exports import csv_pieces, csv_text
from blueprints.web.htmx import render
from extensions import db

bp = Blueprint("figures", __name__, url_prefix="/figures")
bp.cli.add_command(tick)
bp.record_once(features.home("figures/_home.html", order=70))
# Last: the figures read what every other loader made.
bp.record_once(features.demo(refresh_facts, order=90, bulky=False))
bp.record_once(features.tick("figures", tick_figures, every=60))

LEVEL_NAMES = {
    "community": _l("各社区"),
    "grid": _l("各网格"),
    "department": _l("各部门"),
    "category": _l("各类问题"),
}


@bp.app_template_global("pct")
def pct(value):
    """A percentage as the figures pages print it; a dash when there is nothing to divide by."""
    return "—" if value is None else f"{value}%"


@bp.context_processor
def figure_words():
    return {
        "rates_main": rates.MAIN_RATES,
        "rates_all": rates.RATES,
        "counts": rates.COUNTS,
        "count_definitions": [(rates.COUNTS[k], v) for k, v in rates.COUNT_DEFINITIONS.items()],
        "stages": rates.STAGES,
        "hours": rates.hours,
        "level_names": LEVEL_NAMES,
        "filing_states": FILING_STATES,
    }


# Who draws up the assessment: the street's command centre and reviewers, the community's reviewer.
ASSESSORS = (Role.ADMIN, Role.DISPATCHER, Role.STREET_REVIEWER, Role.COMMUNITY_REVIEWER)
PLACE_KINDS = "<any(street,community,grid,department):kind>/<int:ident>"


@bp.app_template_global()
def my_dashboard_url():
    """The home tile goes straight to the person's own dashboard (no redirect on the way)."""
    place = home_place() if current_user.is_authenticated else None
    return url_for("figures.show", kind=kind_of(place), ident=place.id) if place else None


@bp.route("/")
@allow(*STAFF)
def index():
    place = home_place()
    if place is None:
        abort(403)
    return redirect(url_for("figures.show", kind=kind_of(place), ident=place.id), 303)


@bp.route(f"/{PLACE_KINDS}")
@allow(*STAFF)
def show(kind, ident):
    place = place_or_404(kind, ident)
    period = parse_period(request.args)
    step = "month" if request.args.get("trend") == "month" else "week"
    street = street_of(place)
    mine = rates.totals(*period.where(), *dashboards.place_filter(place))
    whole = kind == "street"
    theirs = mine if whole else rates.totals(*period.where(), R.street_id == street.id)
    medians = rates.overall_medians(*period.where(), *dashboards.place_filter(place))
    rows = dashboards.trend(place, step)
    context = {
        "place": place,
        "kind": kind,
        "street": street,
        "period": period,
        "step": step,
        "mine": mine,
        "theirs": theirs,
        "charts": [(r, charts.rate_chart(rows, r.code, step)) for r in rates.MAIN_RATES],
        "medians": medians,
        "street_medians": medians
        if whole
        else rates.overall_medians(*period.where(), R.street_id == street.id),
        "breakdowns": dashboards.breakdowns(place, period),
        "months": recent_months(),
        "queue_ok": Role.DISPATCHER in current_user.roles or Role.ADMIN in current_user.roles,
        "assess_ok": bool(current_user.roles & set(ASSESSORS)),
    }
    if kind in ("street", "community"):
        context["filings"] = dashboards.filings(place, period)
        context["hours_table"] = dashboards.volunteer_hours(place)
    return render("figures/show.html", **context)


# What a figure's cases are: a measure -> the CaseFigure condition.
MEASURES = {
    "counted": F.counted == 1,
    "not_responded": (F.counted == 1) & (F.responded_on_time == 0),
    "accepted": F.accepted == 1,
    "handled": F.handled == 1,
    "late": (F.handle_due == 1) & (F.handled_on_time == 0),
    "overdue_open": F.overdue_open == 1,
    "unsatisfied": (F.rated == 1) & (F.satisfied == 0),
    "reopened": F.reopened == 1,
    "closed_unsatisfied": F.closed_unsatisfied == 1,
    "closed_no_answer": F.closed_no_answer == 1,
}
MEASURE_NAMES = {
    "counted": _l("提交的案件"),
    "not_responded": _l("没有按时受理的案件"),
    "accepted": _l("受理的案件"),
    "handled": _l("已办结的案件"),
    "late": _l("没有按期办结的案件"),
    "overdue_open": _l("超时未办的案件"),
    "unsatisfied": _l("评价不满意的案件"),
    "reopened": _l("重办过的案件"),
    "closed_unsatisfied": _l("两次不满意后结案的案件"),
    "closed_no_answer": _l("未回复结案的案件"),
}
CASE_FILTERS = ("grid", "department", "category", "worker")
CASES_SHOWN = 100


@bp.route(f"/{PLACE_KINDS}/cases")
@allow(*STAFF)
def cases(kind, ident):
    """The cases behind one figure that the viewer may open (a figure of a place counts cases
    they may not: a sensitive case in a neighbour's grid): reference, category, state and day,
    each a link to its case page."""
    place = place_or_404(kind, ident)
    period = parse_period(request.args)
    measure = request.args.get("measure", "counted")
    if measure not in MEASURES:
        abort(404)
    where = [
        *period.where(F),
        *dashboards.place_filter(place, F),
        MEASURES[measure],
        openable_by(current_user),
    ]
    for name in CASE_FILTERS:
        value = request.args.get(name, type=int)
        if value is not None:
            where.append(getattr(F, f"{name}_id") == value)
    found = db.session.execute(
        select(Report.ref, Report.state, F.day, F.category_id)
        .join(F, F.report_id == Report.id)
        .where(*where)
        .order_by(F.day.desc(), Report.id.desc())
        .limit(CASES_SHOWN + 1)
    ).all()
    categories = dashboards.names(dashboards.MODELS["category"], {r.category_id for r in found})
    return render(
        "figures/cases.html",
        place=place,
        kind=kind,
        period=period,
        measure=measure,
        rows=found[:CASES_SHOWN],
        more=len(found) > CASES_SHOWN,
        categories=categories,
        states=STATES,
        measure_names=MEASURE_NAMES,
    )


# ---- open data: public ----------------------------------------------------------------------


def open_month():
    """The month asked for, last month when none; only a month that is over is published (a
    month still running would tell today's cases one by one), and no month is made of one that
    cannot be read."""
    asked = request.args.get("month")
    period = parse_month(asked) if asked else last_month()
    if period is None or period.end > last_month().end:
        abort(404)
    return period


@bp.route("/open")
@allow(PUBLIC)
def open_data():
    period = open_month()
    per_category, sensitive, per_community = opendata.month_stats(period)
    return render(
        "figures/open.html",
        period=period,
        months=recent_months(13)[1:],
        per_category=per_category,
        sensitive=sensitive,
        per_community=per_community,
        schema=opendata.SCHEMA,
        licence=opendata.LICENCE,
        small=opendata.small,
        published_rate=opendata.published_rate,
        states=[s for s in STATES if s not in ("withdrawn", "merged")],
    )


def download_name(period, ext):
    return f"linli-cases-{period.start.strftime('%Y-%m')}.{ext}"


@bp.route("/open/cases.csv")
@allow(PUBLIC)
def open_csv():
    period = open_month()
    names = [name for name, _text in opendata.SCHEMA]
    rows = ([row.get(name, "") for name in names] for row in opendata.case_rows(period))
    pieces = csv_pieces(itertools.chain([names], rows))
    response = Response(stream_with_context(pieces), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename={download_name(period, 'csv')}"
    return response


@bp.route("/open/cases.json")
@allow(PUBLIC)
def open_json():
    period = open_month()
    body = {
        "month": period.start.strftime("%Y-%m"),
        "licence": "CC-BY-4.0",
        "schema": {name: str(text) for name, text in opendata.SCHEMA},
        "cases": list(opendata.case_rows(period)),
    }
    response = jsonify(body)
    response.headers["Content-Disposition"] = (
        f"attachment; filename={download_name(period, 'json')}"
    )
    return response


# ---- 一网考核: the monthly assessment of grid workers and departments ------------------------


def assessment_rows(place, period):
    """[(kind, who, Totals)] for the grid workers and departments the place's cases went to."""
    where = (*period.where(), *dashboards.place_filter(place))
    found = rates.by_each(("worker", "department"), *where)
    workers, departments = found["worker"], found["department"]
    people = dashboards.names(User, list(workers))
    offices = dashboards.names(dashboards.MODELS["department"], list(departments))
    rows = [("worker", people[k], t) for k, t in workers.items() if k in people]
    rows += [("department", offices[k], t) for k, t in departments.items() if k in offices]
    return rows


def late(t):
    return t["handle_due"] - t["handled_on_time"]


def unsatisfied(t):
    return t["rated"] - t["satisfied"]


@bp.route("/<any(street,community):kind>/<int:ident>/assessment")
@allow(*ASSESSORS)
def assessment(kind, ident):
    place = place_or_404(kind, ident)
    period = parse_month(request.args.get("month", "")) or this_month()
    return render(
        "figures/assessment.html",
        place=place,
        kind=kind,
        period=period,
        months=recent_months(),
        rows=assessment_rows(place, period),
        late=late,
        unsatisfied=unsatisfied,
    )


@bp.route("/<any(street,community):kind>/<int:ident>/assessment.csv")
@allow(*ASSESSORS)
def assessment_csv(kind, ident):
    place = place_or_404(kind, ident)
    period = parse_month(request.args.get("month", "")) or this_month()
    header = [
        ["month", "kind", "who", "cases", "late", "overdue_open", "response_pct", "solved_pct",
         "satisfied_pct", "on_time_pct", "rated", "unsatisfied"]
    ]  # fmt: skip
    rows = [
        [period.start.strftime("%Y-%m"), who_kind,
         who.display_name if who_kind == "worker" else who.name, t["counted"], late(t),
         t["overdue_open"], *(t.percent(r.code) for r in rates.MAIN_RATES), t["rated"],
         unsatisfied(t)]
        for who_kind, who, t in assessment_rows(place, period)
    ]  # fmt: skip
    response = Response(csv_text(header + rows), mimetype="text/csv")
    name = f"linli-assessment-{period.start.strftime('%Y-%m')}.csv"
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    response.headers["Cache-Control"] = "private, no-store"
    return response
