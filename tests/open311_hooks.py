"""Schemathesis hooks for tests/test_open311_contract.py (loaded through SCHEMATHESIS_HOOKS).

A generated api_key is never a real one, so every POST would stop at the 403; the demo key lets
the fuzzer reach the rest of the filing rules."""

import schemathesis


@schemathesis.hook
def map_body(ctx, body):
    if isinstance(body, dict) and isinstance(body.get("api_key"), str):
        body["api_key"] = "linli-demo-key"
    return body
