#!/usr/bin/env bash
# Lighthouse (mobile, its default) on five screens of a live Linli: the home page, the report
# form, an activity page, the organization directory and a group's certificate (as its
# officer). Prints performance, accessibility, best practices and SEO; the aim is 100 on each.
#
#   bash bench/lighthouse.sh            # reports go to a temp dir, named at the end
#
# It starts its own gunicorn on a temporary database with the demo data (tests/live.py), drives
# Debian's Chromium (CHROME_PATH=/usr/bin/chromium), and installs the pinned Lighthouse with npm
# into bench/.lighthouse/ when it is missing. Lighthouse 12.2.3: 13 wants Node 22, the machines
# have Node 20.
set -euo pipefail

cd "$(dirname "$0")/.."
LIGHTHOUSE_VERSION=12.2.3
HERE=bench/.lighthouse
BIN="$HERE/node_modules/.bin/lighthouse"

if ! command -v npm >/dev/null; then
  echo "npm is missing: apt-get install nodejs npm" >&2
  exit 1
fi
if [ ! -x "$BIN" ] || [ "$("$BIN" --version)" != "$LIGHTHOUSE_VERSION" ]; then
  mkdir -p "$HERE"
  [ -f "$HERE/package.json" ] || echo '{"private": true}' >"$HERE/package.json"
  (cd "$HERE" && npm install --save-exact --no-audit --no-fund "lighthouse@$LIGHTHOUSE_VERSION" >/dev/null)
fi
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
export LIGHTHOUSE_BIN="$PWD/$BIN"

exec .venv/bin/python - <<'PYTHON'
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.getcwd())

from sqlalchemy import create_engine, text

from tests.live import browser, live_gunicorn, post

CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
OFFICER = "13800000005"  # the choir's officer (blueprints/orgs/demo.py)

out = Path(tempfile.mkdtemp(prefix="linli-lighthouse-"))
with live_gunicorn(out, workers=2) as server:
    engine = create_engine(server.database)
    with engine.connect() as conn:
        activity = conn.execute(
            text("SELECT id FROM activity WHERE title = '社区助老送餐'")
        ).scalar_one()
        choir = conn.execute(text("SELECT id FROM org WHERE name = '桃花社区夕阳红合唱队'")).scalar_one()
    engine.dispose()
    officer = browser(server)
    answer = post(officer, server, "/auth/login", phone=OFFICER, password="linli-demo")
    assert answer.status_code == 303, answer.status_code
    cookie = "; ".join(f"{c.name}={c.value}" for c in officer.cookies)
    screens = [
        ("home", "/", None),
        ("report form", "/reports/new", None),
        ("activity", f"/volunteers/activities/{activity}", None),
        ("org directory", "/orgs/", None),
        ("certificate", f"/orgs/{choir}/certificate", cookie),
    ]
    rows = []
    for name, path, session in screens:
        report = out / f"{name.replace(' ', '-')}.json"
        command = [
            os.environ["LIGHTHOUSE_BIN"],
            server.url + path,
            "--quiet",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ]
        if session:
            command.append("--extra-headers=" + json.dumps({"Cookie": session}))
        subprocess.run(command, check=True)
        result = json.loads(report.read_text())
        if result.get("runtimeError"):
            print(f"{name}: {result['runtimeError']}", file=sys.stderr)
        scores = {c: result["categories"][c]["score"] for c in CATEGORIES}
        failed = [
            audit["id"]
            for audit in result["audits"].values()
            if audit.get("score") is not None
            and audit["score"] < 1
            and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
        ]
        rows.append((name, path, scores, result["lighthouseVersion"], failed))

print(f"\nLighthouse {rows[0][3]}, mobile (emulated Moto G Power, simulated slow 4G); reports in {out}")
print(f"{'screen':<15}{'perf':>6}{'a11y':>6}{'best':>6}{'seo':>6}  below 1")
for name, path, scores, _version, failed in rows:
    cells = "".join(f"{round(scores[c] * 100):>6}" for c in CATEGORIES)
    print(f"{name:<15}{cells}  {', '.join(failed) or '-'}")
PYTHON
