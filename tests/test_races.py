"""Requests that arrive together, against a real gunicorn with several workers: whoever loses a
race reads a message, never a bare 500, and nothing is stored twice or half."""

import re

import pytest
import requests

from blueprints.auth.demo import DEMO_PASSWORD
from tests.live import TOKEN, at_once, live_gunicorn
from tests.people import DISPATCHER

pytestmark = pytest.mark.slow  # see pyproject.toml

HX = {"HX-Request": "true", "HX-Request-Type": "partial"}
AT_ONCE = 6


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_gunicorn(tmp_path_factory.mktemp("races"), workers=4) as running:
        yield running


def signed_in(server, phone):
    """A session signed in through the real form."""
    session = requests.Session()
    page = session.get(server.url + "/auth/login", timeout=10).text
    response = session.post(
        server.url + "/auth/login",
        data={"phone": phone, "password": DEMO_PASSWORD, "csrf_token": TOKEN.search(page)[1]},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 303, response.text[:300]
    return session


def submitted_case(server, dispatcher):
    """A submitted case in the dispatcher's queue, and the version its page shows."""
    queue = dispatcher.get(server.url + "/reports/queue?state=submitted", timeout=10).text
    refs = re.findall(r'href="/reports/(\d{12})"', queue)
    for ref in refs:
        page = dispatcher.get(f"{server.url}/reports/{ref}", timeout=10).text
        if 'id="act-accept"' in page:
            version = re.search(r'name="version" value="(\d+)"', page)[1]
            return ref, version, TOKEN.search(page)[1]
    raise AssertionError("no submitted case in the demo")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_dispatchers_accepting_one_case_at_once_one_wins_the_rest_are_told(server, htmx):
    first = signed_in(server, DISPATCHER)
    ref, version, token = submitted_case(server, first)
    sessions = []
    for _ in range(AT_ONCE):
        session = requests.Session()
        session.cookies.update(first.cookies)
        sessions.append(session)

    def accept(i):
        return sessions[i].post(
            f"{server.url}/reports/{ref}/act/accept",
            data={"csrf_token": token, "version": version, "urgency": "normal"},
            headers=HX if htmx else {},
            timeout=30,
        )

    answers = at_once(AT_ONCE, accept)
    assert all(isinstance(a, requests.Response) for a in answers), answers
    statuses = [a.status_code for a in answers]
    assert not [s for s in statuses if s >= 500], (statuses, server.log()[-3000:])
    won = [a for a in answers if "已完成：受理" in a.text]
    lost = [a for a in answers if a not in won]
    assert len(won) == 1, statuses
    for answer in lost:
        assert "请看最新情况" in answer.text
        assert answer.status_code == 409
        assert not answer.history  # the case as it is now, in the answer itself
    page = first.get(f"{server.url}/reports/{ref}", timeout=10).text
    timeline = page.split("办理经过", 1)[1]
    assert timeline.count("<strong>受理</strong>") == 1


def test_ten_identical_open311_posts_make_one_request(server):
    body = {
        "api_key": "linli-demo-key",
        "service_code": "garbage",
        "address_id": "G01",
        "description": "同一个客户端重试了十次：楼下垃圾三天没人清",
    }

    def post(i):
        return requests.post(server.url + "/open311/v2/requests.json", data=body, timeout=30)

    answers = at_once(10, post)
    assert all(isinstance(a, requests.Response) for a in answers), answers
    statuses = [a.status_code for a in answers]
    assert statuses == [200] * 10, (statuses, [a.text[:200] for a in answers])
    ids = {a.json()[0]["service_request_id"] for a in answers}
    assert len(ids) == 1
    listed = requests.get(
        server.url + "/open311/v2/requests.json?service_code=garbage", timeout=10
    ).json()
    mine = [r for r in listed if r["description"] == body["description"]]
    assert [r["service_request_id"] for r in mine] == list(ids)
