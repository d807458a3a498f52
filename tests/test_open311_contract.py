"""The Open311 API keeps the contract of its own OpenAPI document, checked by a fuzzer.

Schemathesis reads /open311/openapi.json from a live server and sends examples, boundary cases
(the coverage phase), random requests and chains of them, undeclared methods (TRACE) and
schema-violating input. Every answer must be documented: its status code, content type, schema
and headers; no 5xx; schema-violating input refused. A fixed seed and few examples per operation
keep it quick and repeatable.

positive_data_acceptance is left out on purpose: some rules span several parameters and no
schema can state them (start_date before end_date and at most 90 days apart; a location by
lat/long, address_id or address_string), so a schema-valid request may rightly get a 400."""

import os
import subprocess
import sys
from pathlib import Path

from tests.live import ROOT, live_gunicorn

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "unsupported_method",
    "missing_required_header",
]


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
                ",".join(CHECKS),
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
