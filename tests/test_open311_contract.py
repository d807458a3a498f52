"""The Open311 API keeps the contract of its own OpenAPI document, checked by a fuzzer.

Schemathesis reads /open311/openapi.json from a live server and sends examples, boundary cases
(the coverage phase), random requests and chains of them, undeclared methods (TRACE) and
schema-violating input, and runs every check on each answer: its status code, content type,
schema and headers documented; no 5xx; schema-violating input refused; schema-valid input
accepted (the rules no schema can state, tests/open311_hooks.py names). A fixed seed and few
examples per operation keep it quick and repeatable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import ROOT, live_gunicorn

pytestmark = pytest.mark.slow  # see pyproject.toml


def test_the_api_answers_as_its_openapi_document_says(tmp_path):
    # The fuzzer sends hundreds of reads from one address: a 429 there would hide what it probes
    # (tests/test_open311_pages.py tests the limit itself).
    with live_gunicorn(tmp_path, workers=2, env={"OPEN311_READ_LIMIT": "100000/minute"}) as server:
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                server.url + "/open311/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                "30",
                "--seed",
                "311",
                "--workers",
                "1",
                "--generation-database",
                "none",
                "--no-color",
                "--report-dir",
                str(tmp_path / "report"),
            ],
            cwd=tmp_path,  # schemathesis keeps a cache folder where it runs
            env={
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "SCHEMATHESIS_HOOKS": "tests.open311_hooks",
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "passed" in run.stdout, run.stdout[-3000:]
    assert "failures" not in run.stdout.lower(), run.stdout[-3000:]
