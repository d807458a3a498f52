"""Counters that must hold across every worker: tried against a real gunicorn with four workers
and no Redis (the counters live in the app's database), from many addresses at once."""

import re

import pytest
from sqlalchemy import create_engine, text

from tests.live import at_once, browser, live_gunicorn, post
from tests.people import DISPATCHER, GRID_WORKER, RESIDENT

pytestmark = pytest.mark.slow  # see pyproject.toml

SPELLINGS = [RESIDENT, "+86 138-0000-0001", "138 0000 0001", "0086 13800000001"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_gunicorn(
        tmp_path_factory.mktemp("limits"), workers=4, env={"PROXY_COUNT": "1"}
    ) as running:
        yield running


def address(i):
    return f"10.{i // 250}.{i % 250}.9"


def test_wrong_logins_for_one_phone_count_once_across_workers_and_spellings(server):
    clients = [browser(server, address(i)) for i in range(20)]
    answers = at_once(
        20,
        lambda i: post(
            clients[i], server, "/auth/login", phone=SPELLINGS[i % 4], password="not-the-one"
        ),
    )
    statuses = sorted(a.status_code for a in answers)
    assert 500 not in statuses
    assert statuses.count(422) == 5, statuses
    assert statuses.count(429) == 15, statuses
    late = post(
        browser(server, address(99)),
        server,
        "/auth/login",
        phone=RESIDENT,
        password="linli-demo",
    )
    assert late.status_code == 429
    assert "您试了太多次" in late.text
    assert RESIDENT not in server.log()
    assert "0000-0001" not in server.log()


def test_twenty_parallel_wrong_codes_get_five_checks(server):
    asker = browser(server, address(120))
    assert post(asker, server, "/auth/reset", phone=GRID_WORKER).status_code == 303
    code = next(t for p, t in server.sms() if p == GRID_WORKER)
    real = re.search(r"\d{6}", code)[0]
    wrong = "000000" if real != "000000" else "111111"
    clients = []
    for i in range(20):
        client = browser(server, address(130 + i))
        client.cookies.update(asker.cookies)
        client.token = asker.token
        clients.append(client)
    answers = at_once(
        20,
        lambda i: post(clients[i], server, "/auth/reset/code", code=wrong, password="taken over!"),
    )
    bodies = [a.text for a in answers]
    assert all(a.status_code == 422 for a in answers), [a.status_code for a in answers]
    assert sum("验证码不对" in b for b in bodies) == 5
    assert sum("验证码已失效" in b for b in bodies) == 15
    engine = create_engine(server.database)
    try:
        with engine.connect() as conn:
            attempts = conn.execute(
                text("SELECT attempts FROM reset_code WHERE phone = '13800000002' AND used = false")
            ).scalar_one()
    finally:
        engine.dispose()
    assert attempts == 5
    late = post(asker, server, "/auth/reset/code", code=real, password="taken over!")
    assert "验证码已失效" in late.text


def test_one_phone_gets_three_texts_however_the_requests_spell_it(server):
    target = DISPATCHER
    spellings = [target, "+86 138-0000-0003", "138 0000 0003", "(138)00000003"]
    answers = at_once(
        12,
        lambda i: post(
            browser(server, address(200 + i)), server, "/auth/reset", phone=spellings[i % 4]
        ),
    )
    assert all(a.status_code in (303, 429) for a in answers)
    assert len([p for p, _t in server.sms() if p == target]) == 3


def test_an_unreachable_redis_is_a_warning_not_an_outage(tmp_path):
    with live_gunicorn(tmp_path, workers=2, env={"REDIS_URL": "redis://127.0.0.1:9/0"}) as down:
        client = browser(down)
        wrong = post(client, down, "/auth/login", phone=RESIDENT, password="not-the-one")
        assert wrong.status_code == 422
        assert "手机号或密码不对" in wrong.text
        assert (
            post(client, down, "/auth/login", phone=RESIDENT, password="linli-demo").status_code
            == 303
        )
        assert "falling back to in-memory storage" in down.log()
