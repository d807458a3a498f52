"""With REDIS_URL set, rate limits live in Redis, so several app instances share them."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

redis = pytest.importorskip("redis")
pytestmark = pytest.mark.slow  # see pyproject.toml
ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")

# Runs in its own process: Flask-Limiter keeps one storage per process.
SCRIPT = """
import json, sys
from app import create_app
from extensions import db

app = create_app(
    {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_KEY_PREFIX": sys.argv[1]}
)
with app.app_context():
    db.create_all()
statuses = []
for _ in range(7):
    client = app.test_client()  # a new client each time: no shared cookies
    app.config["WTF_CSRF_ENABLED"] = False
    r = client.post("/auth/login", data={"phone": "13800000001", "password": "wrong-one"})
    statuses.append(r.status_code)
print(json.dumps(statuses))
"""


def test_login_limit_is_shared_through_redis():
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Redis server")
    prefix = f"linli-test-{uuid.uuid4().hex}"
    env = {**os.environ, "REDIS_URL": REDIS_URL}
    env.pop("DATABASE_URL", None)
    runs = []
    for _ in range(2):  # two processes stand for two app instances
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT, prefix],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    assert runs[0][:5] == [422] * 5
    assert runs[0][5:] == [429, 429]
    assert runs[1] == [429] * 7, "the second instance sees the first one's count"
    keys = server.keys(f"*{prefix}*")
    assert keys, "the counters live in Redis"
    server.delete(*keys)
