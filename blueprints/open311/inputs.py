"""An Open311 POST read into the answers a report is made from, as the web form's steps read
theirs: the same length rules, the same category questions. Every problem is an ApiError that
tells the client what to send instead."""

import re

from blueprints.open311.services import ApiError, category_by_code, locate
from blueprints.reports.forms import answers_of, questions_form
from blueprints.reports.intake import ReportAnswers
from blueprints.reports.models import ADDRESS_MAX, DESCRIPTION_MAX, DESCRIPTION_MIN, NAME_MAX
from blueprints.util.phones import is_mobile, normalize_phone


def coordinates(form):
    """lat and long, both or neither, checked even when address_id names the place."""
    lat, lng = form.get("lat"), form.get("long")
    if not (lat or lng):
        return None, None
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ApiError(400, "lat and long must both be decimal degrees") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):  # NaN fails too
        raise ApiError(400, "lat and long are out of range (-90..90, -180..180)")
    return lat, lng


def request_answers(form) -> ReportAnswers:
    category = category_by_code(form.get("service_code", ""))
    if category is None:
        raise ApiError(400, "service_code is missing or unknown")
    description = re.sub(r"\s+", " ", form.get("description", "")).strip()
    if len(description) < DESCRIPTION_MIN:
        raise ApiError(400, f"description is required (at least {DESCRIPTION_MIN} characters)")
    if len(description) > DESCRIPTION_MAX:
        raise ApiError(400, f"description may be at most {DESCRIPTION_MAX} characters")
    lat, lng = coordinates(form)
    grid, lat, lng = locate(lat, lng, form.get("address_id", ""), form.get("address_string", ""))
    phone = normalize_phone(form.get("phone", "")) or ""
    if phone and not is_mobile(phone):
        raise ApiError(400, "phone must be an 11-digit mainland mobile number")
    questions = questions_form(category, formdata=form)
    if not questions.validate():
        field = next(f for f in questions if f.errors)
        raise ApiError(400, f"{field.name}: {field.errors[0]}")
    name = " ".join(p for p in (form.get("first_name", ""), form.get("last_name", "")) if p)
    return ReportAnswers(
        category_id=category.id,
        grid_id=grid.id,
        description=description,
        address=form.get("address_string", "")[:ADDRESS_MAX],
        lat=lat,
        lng=lng,
        phone=phone,
        name=name[:NAME_MAX],
        answers=answers_of(questions),
    )
