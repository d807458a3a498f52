"""Every route, filled with forged values, as a stranger and as the admin: never a server error.

A plain sweep, not random: each rule of the URL map gets every forged value in each of its URL
variables, its query string and (for POST) its form, with a valid CSRF token so the view itself
runs. It stays well under 30 s and fails the same way every time."""

import re
from urllib.parse import quote

import pytest

from app import create_app
from tests.conftest import TOKEN, login
from tests.people import ADMIN

FORGED_INTS = [str(2**64), str(2**63), "-1", "0", "²", "٣", "1" * 30]
FORGED_TEXT = [
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "²",
    "٣٣",
    "长" * 3000,
    "\u202e\u200b名字\ufeff",
    "\x01\x1b[31m\x7f\x85",
    "/\t/evil.example",
    "/\r\n/evil.example",
    "9999-12-31T23:59:59-14:00",
    "nan",
    "user:99999999999999999999",
    "dept:²",
    "[[[[[[[[[[",
]
FIELDS = [
    # query strings
    "next", "page", "q", "grid", "category", "after", "state", "urgency", "overdue", "ref",
    "start_date", "end_date", "service_request_id", "service_code", "status", "jurisdiction_id",
    # forms
    "phone", "password", "new_password", "confirm", "code", "name", "name_zh", "name_en",
    "description", "address", "lat", "lng", "long", "key", "version", "assignee", "helpers",
    "hours", "reason", "note", "rating", "comment", "sure", "checked", "lang", "size", "role",
    "place", "street_id", "community_id", "grid_id", "questions", "icon", "group", "day",
    "kind", "mode", "remember", "api_key", "address_id", "address_string", "internal", "last4",
    "attribute[blocked_by]", "hours_accept", "handle_workdays", "urgency", "csrf_token_x",
]  # fmt: skip
VARIABLE = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def rules():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted(rule.methods & {"GET", "POST"})
    )


def fill(rule, converter_value, text_value):
    def one(match):
        converter = match.group(1) or "default"
        if converter == "int":
            return quote(converter_value, safe="")
        if converter == "any":
            return "json"
        return quote(text_value, safe="")

    return VARIABLE.sub(one, rule)


def token_of(client):
    return TOKEN.search(client.get("/auth/login").get_data(as_text=True)).group(1)


@pytest.mark.parametrize(("rule", "method"), rules())
def test_no_route_answers_a_server_error(app, demo, rule, method):
    stranger = app.test_client()
    admin = app.test_client()
    login(admin, ADMIN)
    # Signing out would leave the admin a stranger for the rest of the sweep.
    clients = (stranger,) if rule == "/auth/logout" else (stranger, admin)
    tokens = {client: token_of(client) for client in clients}
    failures = []
    for i, text in enumerate(FORGED_TEXT):
        number = FORGED_INTS[i % len(FORGED_INTS)]
        path = fill(rule, number, text)
        # Every page echoes its query in the language form: a long value once, not in each field.
        values = {name: text[:300] for name in FIELDS}
        values["page"] = values["grid"] = values["version"] = number
        for client in clients:
            if method == "GET":
                response = client.get(path, query_string=values)
            else:
                form = {**values, "csrf_token": tokens[client]}
                response = client.post(path, query_string={"next": text}, data=form, csrf=False)
            if response.status_code >= 500:
                failures.append((method, path[:80], text[:40], response.status_code))
            response.close()
    assert failures == []
