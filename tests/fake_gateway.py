"""A local SMS gateway that speaks the HTTP sender's contract (blueprints/notices/gateway.py), for
tests to make fail, stall and recover:

    with FakeGateway(plan=["500", "timeout", "ok"]) as gateway:
        ... SMS_GATEWAY_URL = gateway.url ...
        gateway.seen       # every request, in order: (message_id, payload)
        gateway.delivered  # message_id -> payload, each message once

Each request takes the next answer of `plan` ("ok", "500", "400", "timeout": the message is
taken and sent, but the answer comes too late); once the plan runs out every answer is "ok". Like
a real gateway it sends a message_id once: a repeated one is answered 200 and not sent again."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = "fake-gateway-key"


class FakeGateway:
    def __init__(self, plan=(), stall=2.0):
        self.plan = list(plan)
        self.stall = stall
        self.seen = []
        self.delivered = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def seen_ids(self):
        return [message_id for message_id, _payload in self.seen]

    def take(self, payload, authorised):
        """The answer to one request; records what arrived and what was sent."""
        with self.lock:
            self.seen.append((payload.get("message_id"), payload))
            if not authorised:
                return "401"
            answer = self.plan.pop(0) if self.plan else "ok"
            if answer in ("ok", "timeout"):
                self.delivered.setdefault(payload["message_id"], payload)
            return answer

    def handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(body)
                authorised = self.headers.get(
                    "Authorization"
                ) == f"Bearer {KEY}" and self.headers.get("Idempotency-Key") == payload.get(
                    "message_id"
                )
                answer = gateway.take(payload, authorised)
                if answer == "timeout":
                    time.sleep(gateway.stall)
                    answer = "ok"
                status = 200 if answer == "ok" else int(answer)
                reply = json.dumps({"status": status}).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the sender stopped waiting

            def log_message(self, *args):
                pass

        return Handler
