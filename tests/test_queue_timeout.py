"""A request that waited too long behind the proxy is answered 503 with Retry-After, before any
work; without the proxy, or without a usable stamp, it is served as usual."""

import time

import pytest

from blueprints.web import queue_timeout


def stamp(seconds_ago):
    return {"X-Request-Start": f"t={time.time() - seconds_ago:.3f}"}


@pytest.fixture
def proxied(app, monkeypatch):
    monkeypatch.setitem(app.config, "PROXY_COUNT", 1)
    monkeypatch.setitem(app.config, "QUEUE_TIMEOUT_SECONDS", 10)


def test_a_stale_request_is_refused_with_retry_after(app, client, proxied):
    response = client.get("/", headers=stamp(11))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.mimetype == "text/plain"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.get_data(as_text=True) == "现在来办事的人太多，请等几秒钟再试一次。"
    client.set_cookie("lang", "en")
    english = client.get("/", headers=stamp(11)).get_data(as_text=True)
    assert english.startswith("Too many people")


def test_a_stale_post_is_refused_before_its_form_is_read(app, client, proxied):
    """No CSRF check, no rate limit, no login: the 503 comes first."""
    answer = client.post("/auth/login", data={"phone": "1"}, csrf=False, headers=stamp(30))
    assert answer.status_code == 503


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "t=",
        "t=soon",
        "t=nan",
        "t=inf",
        "banana",
        # A stable id: each xdist worker collects the tests itself, and they must agree.
        pytest.param(f"t={time.time() + 3600:.3f}", id="t=an-hour-ahead"),
    ],
)
def test_a_fresh_missing_or_malformed_stamp_is_served(app, client, proxied, header):
    headers = {"X-Request-Start": header} if header is not None else {}
    assert client.get("/", headers=headers).status_code == 200
    assert client.get("/", headers=stamp(2)).status_code == 200


def test_the_stamp_in_nginx_form_and_bare(app):
    now = 1_700_000_100.5
    assert queue_timeout.seconds_waited("t=1700000000.500", now) == pytest.approx(100)
    assert queue_timeout.seconds_waited("1700000000.5", now) == pytest.approx(100)
    assert queue_timeout.seconds_waited("t=abc", now) is None


def test_health_checks_are_answered_however_late(app, client, proxied):
    assert client.get("/healthz", headers=stamp(60)).status_code == 200
    assert client.get("/readyz", headers=stamp(60)).status_code == 200


def test_without_the_proxy_the_stamp_is_not_trusted(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PROXY_COUNT", 0)
    assert client.get("/", headers=stamp(60)).status_code == 200


def test_a_limit_of_zero_serves_everything(app, client, proxied, monkeypatch):
    monkeypatch.setitem(app.config, "QUEUE_TIMEOUT_SECONDS", 0)
    assert client.get("/", headers=stamp(60)).status_code == 200
