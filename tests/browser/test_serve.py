"""The browser tests' server: a browser that drops a connection mid-answer (it often does, on
leaving a page) leaves no file open behind it, so no ResourceWarning reaches a test."""

import gc
import socket
import struct
import threading
import time
import warnings

import pytest

from app import create_app
from tests.browser.conftest import serve


def drop(url, path):
    """Ask for `path` and reset the connection as soon as the answer starts."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        conn.recv(100)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.fixture(autouse=True)
def _fresh_limits_and_sms():
    """In place of the browser tests' reset of the shared limiter (tests/browser/conftest.py):
    it needs the app whose storage the limiter holds, and this test makes its own app, with
    its limits in memory, and sends no texts. It runs with the fast tests, after apps of every
    kind."""


def answering():
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


def test_a_dropped_connection_leaves_no_file_open():
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with serve(app) as url:
            for _ in range(10):
                drop(url, "/static/vendor/htmx-4.0.1.min.js")
            deadline = time.monotonic() + 30
            while answering() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not answering()
        gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []
