"""The trace a request's log lines belong to: its span's, or the one its headers name.

With tracing on, the request's span (which continues an incoming `traceparent`); with it off,
`traceparent` or else Cloud Run's `X-Cloud-Trace-Context`, read strictly: a header of any other
shape names no trace, so that nothing a client sends reaches a log line but hex digits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from opentelemetry import trace

# version-trace_id-parent_id-flags (W3C Trace Context), lower-case hex.
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
# TRACE_ID/SPAN_ID;o=OPTIONS, the span id in decimal; all but the trace id optional.
_CLOUD_TRACE = re.compile(r"([0-9a-fA-F]{32})(?:/([0-9]{1,20}))?(?:;o=([0-9]))?")
_NO_TRACE = "0" * 32
_NO_SPAN = "0" * 16
_SAMPLED = 0x01


@dataclass(frozen=True)
class LogTrace:
    """A trace id (32 hex digits), a span id (16, if known), and whether the trace is sampled."""

    trace_id: str
    span_id: str | None
    sampled: bool

    def fields(self, project: str | None) -> dict[str, object]:
        """Return the log line's fields: Cloud Logging's own when the project is known."""
        if project is None:
            fields: dict[str, object] = {"trace_id": self.trace_id, "trace_sampled": self.sampled}
            if self.span_id is not None:
                fields["span_id"] = self.span_id
            return fields
        fields = {
            "logging.googleapis.com/trace": f"projects/{project}/traces/{self.trace_id}",
            "logging.googleapis.com/trace_sampled": self.sampled,
        }
        if self.span_id is not None:
            fields["logging.googleapis.com/spanId"] = self.span_id
        return fields


def _traceparent(value: str) -> LogTrace | None:
    match = _TRACEPARENT.fullmatch(value.strip())
    if match is None:
        return None
    version, trace_id, span_id, flags = match.groups()
    if version == "ff" or trace_id == _NO_TRACE or span_id == _NO_SPAN:
        return None
    return LogTrace(trace_id, span_id, bool(int(flags, 16) & _SAMPLED))


def _cloud_trace(value: str) -> LogTrace | None:
    match = _CLOUD_TRACE.fullmatch(value.strip())
    if match is None or match.group(1) == _NO_TRACE:
        return None
    trace_id, span, options = match.groups()
    span_id = f"{int(span):016x}" if span is not None and 0 < int(span) < 2**64 else None
    return LogTrace(trace_id.lower(), span_id, options == "1")


def request_trace(headers: Mapping[str, str]) -> LogTrace | None:
    """Return the trace of the request now running (its span, else its headers'), if any."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        return LogTrace(
            f"{context.trace_id:032x}", f"{context.span_id:016x}", context.trace_flags.sampled
        )
    parent = headers.get("traceparent")
    found = _traceparent(parent) if parent is not None else None
    cloud = headers.get("x-cloud-trace-context")
    if found is None and cloud is not None:
        found = _cloud_trace(cloud)
    return found
