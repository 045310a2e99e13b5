"""The local pain-point classifier: a text's cues, then the first rule of a decision list.

A text becomes the set of cues it shows (`text_cues.py`); the first rule of `RULES` whose
condition holds picks the cluster. The decision depends on the set alone, so it is made once per
set and remembered. docs/metrics.md lists the rules with an example per cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend.app.analytics.pain_points.text_cues import cue_bits
from backend.app.analytics.pain_points.text_cues_batch import clusters_batch
from backend.app.analytics.pain_points.trade_vocabulary import Cue

GENERAL, PUMPS, REPLACEMENT_PARTS, STOCK_BY_PART, DE_SUPPORT = range(5)


@dataclass(frozen=True)
class Rule:
    """One line of the decision list: when the text shows every cue of `all_of`, at least one
    cue of `any_of` (if given) and no cue of `none_of`, it is in `cluster`."""

    cluster: int
    reason: str
    all_of: Cue = Cue.NONE
    any_of: Cue = Cue.NONE
    none_of: Cue = Cue.NONE

    def holds(self, cues: int) -> bool:
        """Return whether the rule applies to a text showing `cues` (a Cue bit set)."""
        return (
            cues & self.all_of == self.all_of
            and (not self.any_of or bool(cues & self.any_of))
            and not cues & self.none_of
        )


C = Cue
_CODE = C.PART_NUMBER | C.CARTRIDGE_CODE
_HANDS_ON = C.HOW | C.MALFUNCTION | C.DAMAGE
RULES: tuple[Rule, ...] = (
    Rule(
        PUMPS,
        "Pumps compared or recommended, not a part of one.",
        all_of=C.PUMP,
        any_of=C.DISCOVERY | C.CHOICE,
        none_of=C.FIT | C.REPLACE | C.DAMAGE | C.STOCK | C.MALFUNCTION | C.BUY,
    ),
    Rule(
        DE_SUPPORT,
        "Whether a DE filter can still run, or why it does what it does: technical support.",
        any_of=C.DE | C.DE_PART,
        all_of=C.DIAGNOSE,
        none_of=C.STOCK | C.BUY | C.CARRY,
    ),
    Rule(
        REPLACEMENT_PARTS,
        "A part for some equipment, wanted or broken, not being fitted or fixed.",
        any_of=C.PART | C.DE_PART,
        all_of=C.FOR,
        none_of=C.HOW | C.ASSEMBLY | C.MALFUNCTION | C.DIAGNOSE | C.STOCK | C.ORDER,
    ),
    Rule(
        STOCK_BY_PART,
        "A coded item with a stock, price, lead-time, transfer or pickup question.",
        all_of=C.STOCK,
        any_of=_CODE | C.BARE_NUMBER,
        none_of=C.FIT | C.DISCOVERY,
    ),
    Rule(
        GENERAL,
        "Orders, invoices, payments, returns and accounts are general, whatever they name.",
        all_of=C.ORDER,
        none_of=C.DE | C.DE_PART,
    ),
    Rule(
        DE_SUPPORT,
        "A DE filter and something to do or something wrong with it, no part wanted.",
        all_of=C.DE,
        any_of=_HANDS_ON | C.DIAGNOSE,
        none_of=C.BUY | C.REPLACE | C.FIT | C.CARRY | C.STOCK,
    ),
    Rule(
        STOCK_BY_PART,
        "A coded item asked for in other words (got any, do you have, need 4 of).",
        any_of=_CODE,
        all_of=C.ASK,
        none_of=C.FIT | C.REPLACE | C.DISCOVERY | _HANDS_ON,
    ),
    Rule(
        DE_SUPPORT,
        "DE filter internals being put together, cleaned or misbehaving.",
        all_of=C.DE_PART,
        any_of=_HANDS_ON | C.DIAGNOSE,
        none_of=C.BUY | C.REPLACE | C.FIT | C.CARRY,
    ),
    Rule(
        DE_SUPPORT,
        "A DE filter named with no part, stock or purchase in sight.",
        all_of=C.DE,
        none_of=C.BUY | C.REPLACE | C.PART | C.FIT | C.CARRY | C.SHOPPING,
    ),
    Rule(
        DE_SUPPORT,
        "A filter taken apart or put back together: DE filter assembly.",
        all_of=C.FILTER | C.ASSEMBLY,
        none_of=C.BUY | C.REPLACE | C.STOCK | C.PART,
    ),
    Rule(
        REPLACEMENT_PARTS,
        "DE powder or another filter aid bought: a consumable.",
        all_of=C.DE,
        any_of=C.BUY | C.CARRY | C.SHOPPING,
        none_of=_HANDS_ON | C.DE_PART | C.EQUIPMENT | C.ASSEMBLY,
    ),
    Rule(REPLACEMENT_PARTS, "A cartridge cross-reference code.", all_of=C.CARTRIDGE_CODE),
    Rule(
        REPLACEMENT_PARTS,
        "Which part fits some equipment: a replacement part.",
        any_of=C.PART | C.DE_PART,
        none_of=C.STOCK | C.DIAGNOSE,
        all_of=C.FIT,
    ),
    Rule(
        GENERAL,
        "Why a part misbehaves, or how to look after it: a general question.",
        all_of=C.PART,
        any_of=C.DIAGNOSE,
        none_of=C.BUY | C.REPLACE | C.FIT | C.STOCK,
    ),
    Rule(
        GENERAL,
        "Cleaning or running a part that is not broken: a general question.",
        all_of=C.PART,
        any_of=C.HOW | C.MALFUNCTION,
        none_of=C.BUY | C.REPLACE | C.FIT | C.FOR | C.DAMAGE | C.ASK | C.CARRY | C.STOCK,
    ),
    Rule(
        REPLACEMENT_PARTS,
        "A part or DE internals wanted, replaced, fitted or broken: a replacement part.",
        any_of=C.PART | C.DE_PART,
        none_of=C.DISCOVERY,
    ),
    Rule(
        REPLACEMENT_PARTS,
        "What fits or replaces something, with no shopping around: a replacement part.",
        any_of=C.REPLACE | C.FIT,
        none_of=C.DISCOVERY | C.SHOPPING,
    ),
    Rule(
        GENERAL,
        "A pump that misbehaves is a general question, not a shopping one.",
        all_of=C.PUMP,
        any_of=_HANDS_ON | C.DIAGNOSE,
        none_of=C.DISCOVERY | C.SHOPPING | C.BUY | C.CARRY | C.CHOICE,
    ),
    Rule(PUMPS, "A pump, or choosing one: product discovery.", all_of=C.PUMP),
    Rule(
        PUMPS,
        "Choosing between pieces of other equipment: product discovery.",
        all_of=C.EQUIPMENT | C.DISCOVERY,
    ),
    Rule(
        PUMPS,
        "Shopping for other equipment, nothing wrong with it: product discovery.",
        all_of=C.EQUIPMENT,
        any_of=C.SHOPPING | C.CARRY | C.BUY,
        none_of=C.MALFUNCTION | C.DIAGNOSE | C.DAMAGE | C.HOW,
    ),
    Rule(
        PUMPS,
        "Equipment for some pool, yard or job, nothing wrong with it: product discovery.",
        all_of=C.EQUIPMENT | C.FOR,
        none_of=_HANDS_ON | C.DIAGNOSE | C.ORDER | C.STOCK | C.ASSEMBLY,
    ),
    Rule(
        PUMPS,
        "One piece of equipment or another, with nothing wrong: a comparison.",
        all_of=C.EQUIPMENT | C.CHOICE,
        none_of=_HANDS_ON | C.DIAGNOSE,
    ),
    Rule(PUMPS, "Comparing coded models.", all_of=C.PART_NUMBER | C.DISCOVERY),
    Rule(
        PUMPS,
        "Comparing or recommending anything, with nothing to fix: product discovery.",
        all_of=C.DISCOVERY,
        none_of=_HANDS_ON | C.DIAGNOSE | C.CARE | C.STORE | C.ORDER,
    ),
    Rule(
        STOCK_BY_PART,
        "A part number with little else: an inventory check.",
        any_of=_CODE,
        none_of=_HANDS_ON | C.DIAGNOSE,
    ),
    Rule(GENERAL, "Everything else: hours, branches, care, chit-chat.", all_of=Cue.NONE),
)


# `RULES` as plain ints, as `decide` reads them: Cue (IntFlag) arithmetic costs a microsecond an
# operation, and a year of free text shows a new cue set in one text in 37, each read against up
# to 27 rules (a sixth of labelling's time went there).
_PLAIN_RULES = tuple(
    (rule.cluster, int(rule.all_of), int(rule.any_of), int(rule.none_of)) for rule in RULES
)


# The decision for each cue set seen so far: a few thousand sets cover any templated log, some
# tens of thousands a year of free text.
_DECISIONS: dict[int, int] = {}


def decide(cues: int) -> int:
    """Return the cluster of the first rule that holds for a text showing `cues`."""
    cluster = _DECISIONS.get(cues)
    if cluster is None:
        # `Rule.holds` inline: a call a rule would cost as much as the test itself.
        cluster = _DECISIONS[cues] = next(
            ruled
            for ruled, all_of, any_of, none_of in _PLAIN_RULES
            if cues & all_of == all_of and (not any_of or cues & any_of) and not cues & none_of
        )
    return cluster


def classify_text(text: str) -> int:
    """Return the pain-point cluster (0-4) of one query."""
    cues = cue_bits(text)
    # The remembered decision without a call to `decide`: a call costs as much as the lookup.
    cluster = _DECISIONS.get(cues)
    return decide(cues) if cluster is None else cluster


def cluster_bytes(texts: Sequence[str]) -> bytes:
    """Return the pain-point cluster of each query, a byte each (run in worker processes too)."""
    return clusters_batch(texts, decide)


def classify_batch(texts: Sequence[str]) -> list[int]:
    """Return the pain-point clusters of many queries: `[classify_text(t) for t in texts]`."""
    return list(cluster_bytes(texts))


class KeywordClassifier:
    """Classify queries with local rules: no network, deterministic, a few microseconds each."""

    name = "keyword"

    @staticmethod
    def label(text: str) -> int:
        """Return the cluster id (0-4) of one text."""
        return classify_text(text)
