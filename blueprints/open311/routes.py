"""Open311 GeoReport v2 and Service Discovery (http://wiki.open311.org/GeoReport_v2).

GET  /open311/discovery.{fmt}
GET  /open311/v2/services.{fmt}                  non-sensitive categories
GET  /open311/v2/services/<code>.{fmt}           a service definition: the category's questions
POST /open311/v2/requests.{fmt}                  file a report (api_key required)
GET  /open311/v2/requests.{fmt}                  find reports (at most 90 days), in keyset pages
GET  /open311/v2/requests/<id>.{fmt}             one report, as a list of one
GET  /open311/v2/tokens/<token>.{fmt}            the request id behind a token
GET  /open311/v2/servicerequestupdates.{fmt}     FixMyStreet's updates extension, in keyset pages
GET  /open311/openapi.json                        an OpenAPI document of all of the above
Admin pages: /open311/keys (issue, revoke).

The public GETs share one rate limit per client address (OPEN311_READ_LIMIT); a list's next
page is in its `Link: <…>; rel="next"` header (blueprints/open311/lists.py).
"""

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.core import features
from blueprints.core.access import PUBLIC, allow
from blueprints.core.roles import Role
from blueprints.open311 import inputs, lists, services
from blueprints.open311.demo import load_demo_key
from blueprints.open311.formats import answer, error, error_for_path
from blueprints.open311.models import ApiKey, hash_key
from blueprints.open311.openapi import document
from blueprints.open311.services import ApiError
from blueprints.web.htmx import render
from blueprints.web.links import public_url
from extensions import csrf, db, limiter

bp = Blueprint("open311", __name__, url_prefix="/open311")
bp.record_once(features.home("open311/_home.html", order=70))
bp.record_once(features.error_answer(error_for_path))
bp.record_once(features.demo(load_demo_key, order=20, bulky=False))

FMT = "<any(json,xml):fmt>"

# One budget per client address for every public read (the address nginx saw: ProxyFix with
# PROXY_COUNT). Set in OPEN311_READ_LIMIT; see app.py for why the default fits.
reads = limiter.shared_limit(lambda: current_app.config["OPEN311_READ_LIMIT"], scope="open311-read")


def jurisdiction_ok():
    given = request.values.get("jurisdiction_id")
    return not given or given == current_app.config["OPEN311_JURISDICTION"]


@bp.errorhandler(ApiError)
def api_error(e):
    return error((request.view_args or {}).get("fmt", "json"), e.status, e.description)


@bp.before_request
def check_jurisdiction():
    if request.view_args and "fmt" in request.view_args and not jurisdiction_ok():
        return error(request.view_args["fmt"], 404, "jurisdiction_id not found")


@bp.route(f"/discovery.{FMT}")
@allow(PUBLIC)
def discovery(fmt):
    endpoint = public_url(url_for("open311.services_list", fmt="json")).rsplit("/", 1)[0]
    return answer(
        fmt,
        "discovery",
        {
            "changeset": "2026-11-26T00:00:00+08:00",
            "contact": current_app.config["OPEN311_CONTACT"],
            "key_service": public_url(url_for("open311.keys")),
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": endpoint,
                    "changeset": "2026-11-26T00:00:00+08:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@bp.route(f"/v2/services.{FMT}")
@allow(PUBLIC)
@reads
def services_list(fmt):
    return answer(fmt, "services", [services.service_json(c) for c in services.public_categories()])


@bp.route(f"/v2/services/<code>.{FMT}")
@allow(PUBLIC)
@reads
def service_definition(code, fmt):
    category = services.category_by_code(code)
    if category is None:
        return error(fmt, 404, "service_code not found")
    return answer(fmt, "service_definition", services.definition_json(category))


def key_of_request():
    return "o311:" + hash_key(request.values.get("api_key", ""))[:16]


# The API authenticates by api_key, not by a session: other systems post here without a form.
@bp.route(f"/v2/requests.{FMT}", methods=["POST"])
@csrf.exempt
@allow(PUBLIC)
@limiter.limit("20/minute;1000/day", key_func=key_of_request)
def create(fmt):
    key = services.find_key(request.values.get("api_key", ""))
    if key is None:
        return error(fmt, 403, "api_key is missing, wrong or revoked")
    answers = inputs.request_answers(request.values)
    ids = (request.values.get("device_id", ""), request.values.get("account_id", ""))
    report = services.create_request(answers, key, ids)
    created = {
        "service_request_id": report.ref,
        "token": report.submission_key,
        "service_notice": _("已收到，编号 %(ref)s", ref=report.grouped_ref),
        "account_id": None,
    }
    return answer(fmt, "service_requests", [created])


@bp.route(f"/v2/requests.{FMT}")
@allow(PUBLIC)
@reads
def requests_list(fmt):
    rows, after = lists.find_requests(request.args)
    response = answer(fmt, "service_requests", [services.request_json(r) for r in rows])
    return with_next(response, "open311.requests_list", fmt, after)


@bp.route(f"/v2/requests/<ref>.{FMT}")
@allow(PUBLIC)
@reads
def request_one(ref, fmt):
    report = services.find_request(ref)
    if report is None:
        return error(fmt, 404, "service_request_id not found")
    return answer(fmt, "service_requests", [services.request_json(report)])


@bp.route(f"/v2/tokens/<token>.{FMT}")
@allow(PUBLIC)
@reads
def token(token, fmt):
    report = services.find_by_token(token)
    if report is None:
        return error(fmt, 404, "token not found")
    return answer(fmt, "service_requests", [{"service_request_id": report.ref, "token": token}])


@bp.route(f"/v2/servicerequestupdates.{FMT}")
@allow(PUBLIC)
@reads
def updates(fmt):
    items, after = lists.find_updates(request.args)
    response = answer(fmt, "service_request_updates", items)
    return with_next(response, "open311.updates", fmt, after)


def with_next(response, endpoint, fmt, after):
    """The next page's address in an RFC 8288 Link header, on the configured public address
    (never the Host header); the cursor carries the query, so only the page size travels beside it."""
    if after:
        size = {"page_size": request.args["page_size"]} if "page_size" in request.args else {}
        url = public_url(url_for(endpoint, fmt=fmt, after=after, **size))
        response.headers["Link"] = f'<{url}>; rel="next"'
    return response


@bp.route("/openapi.json")
@allow(PUBLIC)
def openapi():
    return document(public_url(url_for("open311.services_list", fmt="json")).rsplit("/", 2)[0])


# ---- admin: API keys -----------------------------------------------------------------------


@bp.route("/keys", methods=["GET", "POST"])
@allow(Role.ADMIN)
def keys():
    issued = None
    error_text = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        if not name or len(name) > 60:
            error_text = _("请填写客户端名称（不超过60个字）。")
        else:
            issued = services.issue_key(name, current_user)
    return render(
        "open311/keys.html",
        status=422 if error_text else 200,
        keys=services.search_keys(),
        issued=issued,
        error=error_text,
        typed=request.form.get("name", ""),
    )


@bp.route("/keys/<int:key_id>/revoke", methods=["POST"])
@allow(Role.ADMIN)
def revoke(key_id):
    key = db.session.get(ApiKey, key_id) or abort(404)
    if request.form.get("sure") != "yes":
        flash(_("请勾选“确定停用”。停用后，用这个密钥的系统就不能再提交反映了。"), "error")
        return redirect(url_for("open311.keys"), 303)
    services.revoke_key(key)
    flash(_("已停用这个密钥。"), "success")
    return redirect(url_for("open311.keys"), 303)
