"""A local fake of the Messages API over real HTTP, for the real AsyncAnthropic client."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fake_anthropic import tool_answer_body

_QUESTION = re.compile(r"^(\d+): ", re.MULTILINE)


class FakeLLMServer(ThreadingHTTPServer):
    """Answers POST /v1/messages: a 500 while `failing`, else every question in cluster 4."""

    failing = True
    calls = 0
    texts = 0  # questions received, over every call

    @property
    def url(self) -> str:
        """Return the base URL to give the client (LLM_BASE_URL)."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeLLMServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.calls += 1
        questions = _QUESTION.findall(body["messages"][0]["content"])
        self.server.texts += len(questions)
        if self.server.failing:
            self._reply(500, {"type": "error", "error": {"type": "api_error", "message": "down"}})
            return
        assignments = [{"index": i, "cluster_id": 4} for i in range(len(questions))]
        self._reply(200, tool_answer_body(assignments))

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        # The SDK would otherwise retry a 500 on its own: count only the service's calls.
        self.send_header("x-should-retry", "false")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the test output is not the place for request lines."""


@contextmanager
def fake_llm_server() -> Iterator[FakeLLMServer]:
    """Serve the fake on a free port of 127.0.0.1 in a thread; stop it afterwards."""
    server = FakeLLMServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
