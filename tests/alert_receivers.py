"""Real receivers on loopback for the alert tests: an SMTP server (aiosmtpd) and an HTTP webhook receiver
that can be told to fail. Shared helpers, not fixtures (tests/test_alerts.py wraps them)."""
from __future__ import annotations

import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpInbox:
    """aiosmtpd on 127.0.0.1: every message it accepts, parsed."""

    def __init__(self):
        self.messages = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def __enter__(self) -> "SmtpInbox":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records each POSTed JSON body; `fail_next` answers 500 that many times
    (`fail_always` every time)."""

    def __init__(self):
        self.bodies: list[dict] = []
        self.attempts = 0
        self.fail_next = 0
        self.fail_always = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                receiver.attempts += 1
                if receiver.fail_always or receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"receiver down")
                    return
                receiver.bodies.append(body)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
