"""Residents on 2G: ten photos arriving at 50 kbps each, at once, against gunicorn served as
`make run` serves it (gunicorn.conf.py). Every photo is stored, and /healthz keeps answering
within a second the whole time."""

import io
import os
import re
import runpy
import socket
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from tests.live import TOKEN, live_gunicorn

CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
UPLOADERS = 10
BYTES_PER_SECOND = 50_000 // 8  # a 50 kbps uplink
CHUNK = 625  # a tenth of a second's worth


def phone_photo():
    """A JPEG of about 110 KB (noise does not compress): 17-18 s at 50 kbps."""
    noise = Image.frombytes("RGB", (240, 180), os.urandom(240 * 180 * 3)).resize((480, 360))
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def ready_for_photos(server):
    """A resident's session that has answered the first two steps; returns it and its token."""
    session = requests.Session()
    page = session.get(server.url + "/reports/new", timeout=10).text
    category = re.search(r'name="category" value="(\d+)"', page)[1]
    session.post(
        server.url + "/reports/new",
        data={"category": category, "csrf_token": TOKEN.search(page)[1]},
        timeout=10,
    )
    page = session.get(server.url + "/reports/new/details", timeout=10).text
    grid = re.search(r'<option value="([1-9]\d*)"', page)[1]
    session.post(
        server.url + "/reports/new/details",
        data={
            "description": "楼下垃圾三天没人清",
            "grid": grid,
            "address": "3栋",
            "csrf_token": TOKEN.search(page)[1],
        },
        timeout=10,
    )
    page = session.get(server.url + "/reports/new/photos", timeout=10).text
    assert "拍张照片" in page
    return session, TOKEN.search(page)[1]


def multipart(token, photo):
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="photos"; filename="IMG.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + photo
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return boundary, body


def slow_post(url, path, cookies, token, photo):
    """POSTs the photo over a raw socket at 50 kbps; returns the status line's code and the
    response's head."""
    boundary, body = multipart(token, photo)
    address = urlsplit(url)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nCookie: {cookies}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=60) as sock:
        sock.sendall(head.encode())
        started = time.monotonic()
        for sent in range(0, len(body), CHUNK):
            sock.sendall(body[sent : sent + CHUNK])
            time.sleep(max(0.0, started + (sent + CHUNK) / BYTES_PER_SECOND - time.monotonic()))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1]) if answer else 0
    return status, answer.split(b"\r\n\r\n", 1)[0].decode(errors="replace")


@pytest.mark.slow
def test_ten_slow_uploads_are_all_stored_and_the_site_keeps_answering(tmp_path):
    # The served settings, with the worker timeout cut to 8 s: each upload takes ~17 s, so a
    # worker that waited on a body itself would be killed mid-upload (as sync workers were at
    # 30 s by a 200 KB photo), and this test would take twice as long to show it.
    served = ("--config", str(CONFIG), "--timeout", "8")
    with live_gunicorn(tmp_path, workers=2, args=served) as server:
        residents = [ready_for_photos(server) for _ in range(UPLOADERS)]
        photo = phone_photo()
        assert 90_000 < len(photo) < 150_000
        answers = [None] * UPLOADERS
        health = []
        uploading = threading.Event()
        uploading.set()
        barrier = threading.Barrier(UPLOADERS)

        def upload(i):
            session, token = residents[i]
            cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
            barrier.wait()
            try:
                answers[i] = slow_post(server.url, "/reports/new/photos", cookies, token, photo)
            except OSError as e:
                answers[i] = (0, repr(e))

        def watch_health():
            time.sleep(1)  # the uploads are under way
            while uploading.is_set():
                started = time.monotonic()
                try:
                    status = requests.get(server.url + "/healthz", timeout=5).status_code
                except requests.RequestException as e:
                    status = repr(e)
                health.append((status, time.monotonic() - started))
                time.sleep(0.5)

        threads = [threading.Thread(target=upload, args=(i,)) for i in range(UPLOADERS)]
        watcher = threading.Thread(target=watch_health)
        for t in threads:
            t.start()
        watcher.start()
        for t in threads:
            t.join(90)
        uploading.clear()
        watcher.join(10)

        assert [a[0] for a in answers] == [303] * UPLOADERS, (answers, server.log()[-2000:])
        assert all("/reports/new/check" in a[1] for a in answers)
        assert len(health) >= 20, health  # asked every half second through ~17 s of uploads
        slow = [h for h in health if h[0] != 200 or h[1] >= 1.0]
        assert not slow, slow
        for session, _ in residents:
            page = session.get(server.url + "/reports/new/photos", timeout=10).text
            assert "已上传 1 张" in page


def test_workers_come_from_the_cores_unless_web_concurrency_says(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    served = runpy.run_path(str(CONFIG))
    assert served["workers"] == 2 * served["cores"]() >= 2
    assert served["worker_class"] == "gthread"
    assert served["max_requests"] > 0 < served["max_requests_jitter"] < served["max_requests"]
    assert served["accesslog"] is None  # the app's own line is the access log
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(CONFIG))["workers"] == 3
