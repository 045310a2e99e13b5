"""Generated rows with every edge case the KPIs define, for the differential test against the peer.

Seeded, so every run inserts the same rows. Beside realistic demo traffic (backend.demo), these
rows add what the demo generator does not make: rows without a session (NULL and ''), anonymous
rows (NULL and '' user_id) inside users' sessions, sessions shared by two users, sessions that
cross midnight and the window's edges, feedback in odd spellings, every enum label and NULL, and
inputs that are blank, padded or differ only in case and inner whitespace.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from tests.fixture_rows import Row

EDGE_START = datetime(2025, 10, 1)
EDGE_DAYS = 20
LABELS = [
    None,
    "product_catalog",
    "compatible_parts",
    "pricing_inventory",
    "invoice_payment",
    "product_manuals",
    "orders",
    "general_conversation",
    "tutorial_videos",
    "out_of_scope",
    "nearest_branch",
    "Product Catalog",
    "PRODUCT-CATALOG",
    "Compatible Parts",
    "Pricing / Inventory",
    "warranty_claims",
    "other",
]
FEEDBACK = [None, None, None, "", "positive", " Positive ", "NEGATIVE", "negative ", "neutral"]
INPUTS = [
    None,
    "",
    "  \t\n ",
    "What are your hours on Saturday?",
    "  what are your HOURS   on saturday?\n",
    "Which pump would you recommend for a 20,000 gallon pool?",
    "I need a replacement cartridge for a Pentair CCP520",
    "Do you have SPX3200 in stock?",
    "do you have spx3200 in stock?",
    "Is R0357800 available?",
    "How do I reassemble the DE filter grids?",
    "Where is my order?",
    "Hi",
]
USERS = [None, "", "edge-u1", "edge-u2", "edge-u3", "edge-u4", "edge-u5", "edge-u6"]
ENVIRONMENTS = ["production", "production", "staging", "dev"]


def edge_rows(count: int = 1_000, seed: int = 7) -> list[Row]:
    """Return about `count` rows in sessions of 1 to 8 messages over EDGE_DAYS days."""
    rng = random.Random(seed)
    rows: list[Row] = []
    session = 0
    while len(rows) < count:
        session += 1
        kind = rng.random()
        # 5% of "sessions" are rows without one, NULL or empty.
        session_id: str | None = f"edge-s{session}"
        if kind < 0.03:
            session_id = None
        elif kind < 0.05:
            session_id = ""
        user = rng.choice(USERS)
        # A few sessions straddle local and UTC midnight: start them late in the day.
        start = EDGE_START + timedelta(days=rng.randrange(EDGE_DAYS), seconds=rng.randrange(86_400))
        environment = rng.choice(ENVIRONMENTS)
        for message in range(1 + int(8 * rng.random() ** 2)):
            # 10% of messages are by someone else: a second user or an anonymous row.
            author = rng.choice(USERS) if rng.random() < 0.1 else user
            rows.append(
                Row(
                    start + timedelta(minutes=7 * message, seconds=rng.randrange(60)),
                    author,
                    session_id,
                    user_feedback=rng.choice(FEEDBACK),
                    environment=environment,
                    query_category=rng.choice(LABELS),
                    input=rng.choice(INPUTS),
                )
            )
    return rows
