"""The LLM pain-point classifier: one batch of texts per call to Claude, through AsyncAnthropic."""

from __future__ import annotations

from collections.abc import Sequence

import anthropic
from anthropic import AsyncAnthropic
from anthropic.types import Message

from backend.app.analytics.pain_points.llm_prompt import (
    ASSIGN_TOOL,
    PROMPT_VERSION,
    SYSTEM_PROMPT,
    TOOL_NAME,
    ClassificationError,
)
from backend.app.models.pain_points import PAIN_POINT_CLUSTERS

__all__ = [
    "ASSIGN_TOOL",
    "PROMPT_VERSION",
    "SYSTEM_PROMPT",
    "TOOL_NAME",
    "ClassificationError",
    "LLMClassifier",
]


def _describe(error: anthropic.APIError) -> str:
    """Return a short reason for an API failure, without any request or response content."""
    if isinstance(error, anthropic.APITimeoutError):
        return "LLM request timed out"
    if isinstance(error, anthropic.APIConnectionError):
        return "LLM API unreachable"
    if isinstance(error, anthropic.RateLimitError):
        return "LLM API rate limit (HTTP 429)"
    if isinstance(error, anthropic.APIStatusError):
        return f"LLM API error (HTTP {error.status_code})"
    return "LLM API error"


def parse_assignments(message: Message, count: int) -> list[int] | None:
    """Return the cluster of each of `count` texts from a tool-use answer, or None if malformed."""
    for block in message.content:
        if block.type != "tool_use" or block.name != TOOL_NAME:
            continue
        assignments = block.input.get("assignments") if isinstance(block.input, dict) else None
        if not isinstance(assignments, list):
            return None
        labels: dict[int, int] = {}
        for item in assignments:
            if not isinstance(item, dict):
                return None
            index, cluster = item.get("index"), item.get("cluster_id")
            # `type(...) is int` refuses booleans and floats, which JSON would let through.
            if type(index) is not int or type(cluster) is not int:
                return None
            if not (0 <= index < count and 0 <= cluster < len(PAIN_POINT_CLUSTERS)):
                return None
            if index in labels:
                return None
            labels[index] = cluster
        return [labels[i] for i in range(count)] if len(labels) == count else None
    return None


class LLMClassifier:
    """Classify one batch of texts per call to a Claude model, as deterministically as it allows."""

    def __init__(self, client: AsyncAnthropic, *, model: str, max_text_chars: int) -> None:
        self.client = client
        self.name = model
        self.max_text_chars = max_text_chars

    def prompt(self, texts: Sequence[str]) -> str:
        """Return the user message: the texts numbered from 0, each cut to max_text_chars."""
        lines = [
            f"{i}: {' '.join(text[: self.max_text_chars].split())}" for i, text in enumerate(texts)
        ]
        return "Questions:\n" + "\n".join(lines)

    async def classify(self, texts: Sequence[str]) -> list[int]:
        """Return a cluster id per text; retry a malformed answer once, then raise."""
        if not texts:
            return []
        for _attempt in range(2):
            try:
                # No temperature: API version 2026-10-21 (SDK 2.x) rejects sampling parameters.
                # A forced tool call with thinking off is the most deterministic request left.
                message = await self.client.messages.create(
                    model=self.name,
                    max_tokens=200 + 25 * len(texts),
                    system=SYSTEM_PROMPT,
                    tools=[ASSIGN_TOOL],
                    tool_choice={"type": "tool", "name": TOOL_NAME},
                    thinking={"type": "disabled"},
                    messages=[{"role": "user", "content": self.prompt(texts)}],
                )
            except anthropic.APIError as error:
                raise ClassificationError(_describe(error)) from None
            if message.stop_reason == "refusal":
                raise ClassificationError("LLM refused the request")
            labels = parse_assignments(message, len(texts))
            if labels is not None:
                return labels
        raise ClassificationError("LLM answer malformed twice")
