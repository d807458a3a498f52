"""Open311 requests and services, built on the grid-reporting services (same intake, same rules)."""

import hashlib
import json
from dataclasses import asdict
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import select, update

from blueprints.open311.formats import stamp
from blueprints.open311.models import ApiKey, hash_key
from blueprints.places.models import Community, Grid
from blueprints.places.services import nearest_grid
from blueprints.reports import intake
from blueprints.reports.models import (
    OPEN_STATES,
    Category,
    Report,
    ReportState,
    resident_words,
)
from blueprints.util.times import utcnow
from blueprints.web.links import public_url
from extensions import db

MAX_DAYS = 90
MAX_RESULTS = 1000
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


class ApiError(Exception):
    def __init__(self, status, description):
        super().__init__(description)
        self.status = status
        self.description = description


def find_key(raw):
    if not raw:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))
    return key if key and key.revoked_at is None else None


# ---- services ----------------------------------------------------------------------------


def public_categories():
    return db.session.scalars(
        select(Category)
        .where(Category.active, Category.sensitive.is_(False))
        .order_by(Category.group, Category.code)
    ).all()


def category_by_code(code):
    category = db.session.scalar(select(Category).where(Category.code == code))
    if category is None or category.sensitive or not category.active:
        return None
    return category


def service_json(category):
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.name_zh} / {category.name_en}",
        "metadata": bool(category.question_list),
        "type": "realtime",
        "keywords": ",".join([category.code, category.name_zh, category.name_en]),
        "group": str(category.group_label),
    }


def definition_json(category):
    attributes = []
    for order, question in enumerate(category.question_list, start=1):
        attributes.append(
            {
                "variable": True,
                "code": question["code"],
                "datatype": question["datatype"],
                "required": bool(question.get("required")),
                "datatype_description": question.get("datatype_description", ""),
                "order": order,
                "description": question["description"],
                "values": [
                    {"key": v["key"], "name": v["name"]} for v in question.get("values", [])
                ],
            }
        )
    return {"service_code": category.code, "attributes": attributes}


# ---- requests ----------------------------------------------------------------------------


def status_of(state):
    return "open" if state in OPEN_STATES else ReportState.CLOSED


def agency(report):
    if report.department:
        return str(report.department)
    if report.assignee_id:
        return f"{report.grid.name}网格员"
    return f"{report.grid.community.street.name}指挥中心"


def public_photo(report):
    for photo in report.photos:
        if photo.fit_for_public:
            return public_url(url_for("reports.photo", photo_id=photo.id))
    return None


def request_json(report):
    """A report as Open311 shows it: never a name, phone, e-mail or device id."""
    return {
        "service_request_id": report.ref,
        "status": status_of(report.state),
        "status_notes": resident_words(report.state, report),
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": agency(report),
        "service_notice": "",
        "requested_datetime": stamp(report.created_at),
        "updated_datetime": stamp(report.updated_at),
        "expected_datetime": stamp(report.deadline_at) if report.is_open else None,
        "address": report.address,
        "address_id": report.grid.code,
        "zipcode": "",
        "lat": report.lat,
        "long": report.lng,
        "media_url": public_photo(report),
    }


def parse_time(value, name):
    """A naive UTC time from ISO 8601; the ends of time (year 1, year 9999) are clamped, not errors."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"{name} must be an ISO 8601 date-time") from None
    offset = moment.utcoffset()
    moment = moment.replace(tzinfo=None)
    return shift(moment, -offset) if offset else moment


def shift(moment, delta):
    try:
        return moment + delta
    except OverflowError:
        return datetime.max if delta > timedelta(0) else datetime.min


def given_time(args, name):
    """None when absent; present but empty is not a date-time."""
    value = args.get(name)
    return None if value is None else parse_time(value, name)


def date_window(args):
    end = given_time(args, "end_date")
    start = given_time(args, "start_date")
    if start and end and start > end:
        raise ApiError(400, "start_date must be before end_date")
    if start and end and end - start > timedelta(days=MAX_DAYS):
        raise ApiError(400, f"start_date and end_date may be at most {MAX_DAYS} days apart")
    if start and not end:
        end = shift(start, timedelta(days=MAX_DAYS))
    if end and not start:
        start = shift(end, -timedelta(days=MAX_DAYS))
    if not start:
        end = utcnow()
        start = end - timedelta(days=MAX_DAYS)
    return start, end


def public_reports():
    return (
        select(Report).join(Category).where(Category.sensitive.is_(False), Report.ref.is_not(None))
    )


def find_request(ref):
    return db.session.scalar(public_reports().where(Report.ref == ref))


# ---- filing ------------------------------------------------------------------------------


def locate(lat, lng, address_id="", address=""):
    """The grid a request is for, and the point to keep: a grid code, else the nearest grid to
    the point, else a community and grid named in the address."""
    if address_id:
        grid = db.session.scalar(select(Grid).where(Grid.code == address_id, Grid.active))
        if grid is None:
            raise ApiError(400, "address_id is not a known grid code")
        return grid, None, None
    if lat is not None:
        grid = nearest_grid(lat, lng)
        if grid is None:
            raise ApiError(400, "no grid can be found for this location; send address_id")
        return grid, lat, lng
    if address:
        grids = db.session.scalars(select(Grid).join(Community).where(Grid.active)).all()
        for grid in grids:
            if grid.community.name in address and grid.name in address:
                return grid, None, None
        raise ApiError(400, "address_string does not name a community and grid; send address_id")
    raise ApiError(400, "a location is required: lat and long, address_string or address_id")


def create_request(data: intake.ReportAnswers, key: ApiKey, client_ids=("", "")) -> Report:
    """A report from an Open311 POST's answers (read by blueprints/open311/inputs.py)."""
    # A client that retries the same POST gets the same request back, as the web form does.
    fingerprint = json.dumps(
        [key.id, asdict(data), *client_ids],
        sort_keys=True,
        ensure_ascii=False,
    )
    submission = "o311-" + hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
    report = intake.submit_report(submission, data, source="open311")
    if report.api_key_id is None:
        # The same POST sent several times at once gets the one report back in each answer, and
        # each marks it as this key's: in SQL, so the answers do not race on the version column.
        db.session.execute(
            update(Report)
            .where(Report.id == report.id, Report.api_key_id.is_(None))
            .values(api_key_id=key.id)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return report


def find_by_token(token):
    return db.session.scalar(public_reports().where(Report.submission_key == token))


def search_keys():
    return db.session.scalars(
        select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())
    ).all()


def issue_key(name, actor):
    key, raw = ApiKey.issue(name, created_by=actor)
    db.session.add(key)
    db.session.commit()
    return raw


def revoke_key(key):
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
