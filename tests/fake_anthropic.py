"""A fake Anthropic Messages API behind httpx2.MockTransport, for the real AsyncAnthropic client."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import httpx2

Answer = Callable[[list[str]], httpx2.Response | None]
_QUESTION = re.compile(r"^(\d+): (.*)$", re.MULTILINE)


def tool_answer_body(
    assignments: list[dict[str, Any]], *, stop_reason: str = "tool_use"
) -> dict[str, Any]:
    """Return the JSON of a Messages API response whose one tool call carries `assignments`."""
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": "fake",
        "content": [
            {
                "type": "tool_use",
                "id": "toolu_fake",
                "name": "assign_clusters",
                "input": {"assignments": assignments},
            }
        ],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


def tool_answer(
    assignments: list[dict[str, Any]], *, stop_reason: str = "tool_use"
) -> httpx2.Response:
    """Return a Messages API response whose one tool call carries `assignments`."""
    return httpx2.Response(200, json=tool_answer_body(assignments, stop_reason=stop_reason))


def all_in(cluster: int) -> Answer:
    """Return an answer that puts every question in `cluster` (unlike the local rules would)."""
    return lambda questions: tool_answer(
        [{"index": i, "cluster_id": cluster} for i in range(len(questions))]
    )


class FakeAnthropic:
    """Records every request and answers each with `answer(questions)`, after `delay` seconds."""

    def __init__(self, answer: Answer, *, delay: float = 0.0) -> None:
        self.answer = answer
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self.headers: list[httpx2.Headers] = []
        self.in_flight = 0
        self.max_in_flight = 0

    def questions(self, body: dict[str, Any]) -> list[str]:
        """Return the numbered questions of a request body, in order."""
        content = body["messages"][0]["content"]
        return [text for _, text in _QUESTION.findall(content)]

    @property
    def batches(self) -> list[list[str]]:
        """Return the questions of every request received."""
        return [self.questions(body) for body in self.requests]

    async def handle(self, request: httpx2.Request) -> httpx2.Response:
        """Serve one Messages API call."""
        body = json.loads(request.content)
        self.requests.append(body)
        self.headers.append(request.headers)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            response = self.answer(self.questions(body))
            assert response is not None
            return response
        finally:
            self.in_flight -= 1

    def client(self) -> httpx2.AsyncClient:
        """Return an HTTP client whose transport is this fake."""
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self.handle))
