"""What the LLM classifier asks Claude, and its one error: nothing here loads the SDK.

The service imports this module whatever the settings; the SDK (about 70 MB and 1.5 s to
import) only where an API key asks for Claude.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from backend.app.models.pain_points import PAIN_POINT_CLUSTERS

if TYPE_CHECKING:
    from anthropic.types import ToolParam

TOOL_NAME = "assign_clusters"

SYSTEM_PROMPT = (
    "You classify questions that customers typed into the support chatbot of a pool and "
    "landscape supply distributor. Put every question into exactly one of these clusters:\n"
    + "\n".join(f"{i}: {name}" for i, name in enumerate(PAIN_POINT_CLUSTERS))
    + "\n\nGuidance: 1 is choosing or discovering products (pumps, heaters, cleaners, "
    "chlorinators); 2 is buying a replacement part or consumable for equipment the customer "
    "owns (cartridges, o-rings, grids, laterals, valves, baskets) or asking what fits; 3 is "
    "asking about stock, price or pickup of a specific part number; 4 is assembling, "
    "cleaning or troubleshooting a DE (or other) filter; 0 is everything else (branch hours "
    "and locations, orders, deliveries, billing, water chemistry, greetings, off-topic).\n"
    f"Answer only by calling the {TOOL_NAME} tool, with one assignment for every numbered "
    "question."
)

ASSIGN_TOOL: ToolParam = {
    "name": TOOL_NAME,
    "description": "Record the cluster of every numbered question.",
    "input_schema": {
        "type": "object",
        "properties": {
            "assignments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "index": {"type": "integer", "description": "The question's number."},
                        "cluster_id": {"type": "integer", "enum": [0, 1, 2, 3, 4]},
                    },
                    "required": ["index", "cluster_id"],
                },
            }
        },
        "required": ["assignments"],
    },
}


# Names the prompt and tool in shared labels and cache keys: a new prompt classifies afresh.
PROMPT_VERSION = hashlib.sha256(
    json.dumps([SYSTEM_PROMPT, ASSIGN_TOOL], sort_keys=True).encode()
).hexdigest()[:12]


class ClassificationError(Exception):
    """The classifier could not answer a batch; the reason is safe to show to a client."""
