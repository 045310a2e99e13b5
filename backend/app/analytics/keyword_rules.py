"""The local pain-point classifier: deterministic rules for pool-supply chatbot queries."""

from __future__ import annotations

import re
from collections.abc import Sequence

GENERAL, PUMPS, REPLACEMENT_PARTS, STOCK_BY_PART, DE_SUPPORT = range(5)

# Numbers that name an order, invoice, account, zip code or address are not part numbers.
_NOT_A_PART = re.compile(
    r"(?:order|invoice|inv|account|acct|po|zip|ticket|case|tracking|confirmation|phone)"
    r"\s*(?:number|no\.?|num)?\s*[#:]?\s*[a-z]*-?\d[\w-]*|near\s+\d{5}\b|\b\d{5}(?:-\d{4})?$"
)
# Sizes and quantities that look numeric but are not part numbers: 15x30, 1.5hp, 20,000, 48sqft.
_MEASURE = re.compile(
    r"^\d+(?:\.\d+)?(?:x\d+(?:\.\d+)?)+$|^\d+(?:\.\d+)?(?:hp|v|volt|gal|gpm|ft|sqft|in|psi|lbs?|k)$"
)
_TOKEN = re.compile(r"[a-z0-9][a-z0-9./-]*[a-z0-9]|[a-z0-9]")

_DE = re.compile(
    r"\bd\.?e\.?(?=\s*(?:filter|grid|grids|powder|tank|manifold|\d))|\bdiatomaceous|\bde\d{3,}"
)
_FILTER_CONTEXT = re.compile(
    r"\bfilter|\bgrids?\b|\bmanifold|\bbackwash|\bmultiport|\bstandpipe|\bfilter tank"
    r"|\bclamp band|\bsand\b"
)
_TECHNICAL = re.compile(
    r"\bassembl|\breassembl|\bput (?:it |them )?back together|\btake apart|\bdisassembl|\binstall"
    r"|\bmanifold|\bpressure|\bpsi\b|\bbackwash|\bbump|\bblow|\bpowder (?:in|into|back)|\bleak"
    r"|\bcrack|\bbroken|\btorn|\bhow (?:do|to|much|often|many)|\bwon'?t|\bnot (?:working|holding)"
    r"|\btroubleshoot|\bprecoat|\bpre-coat|\bair relief|\bbleed|\bclean(?:ing)? (?:the )?grids?"
    r"|\bstep by step|\binstructions|\bdiagram|\bproblem|\bissue\b|\bwhy (?:is|does)|\bclean"
    r"|\bmanual\b|\bnois|\bloud|\bprim(?:e|ing)\b|\bhumming|\btripping|\boverheat|\bkeeps"
)
# Orders, deliveries, returns and billing: general questions whatever product they mention.
_ORDER_OR_ACCOUNT = re.compile(
    r"\bmy order|\border (?:status|number|#)|\bstatus of (?:my |the )?order|\bdeliver|\btracking"
    r"|\bcancel|\brefund|\breturn (?:a|my|the|this|an)\b|\bwhere is my|\bshipped\b|\binvoice"
    r"|\bpayment|\bpay (?:my|with|by|online)|\bbilling|\bcharged|\bstatement|\baccount balance"
    r"|\bordered\b"
)
_REPLACEMENT = re.compile(
    r"\breplac|\bcartridge|\bo-?rings?\b|\bgaskets?\b|\bseals?\b|\bimpeller|\bdiffuser|\blaterals?"
    r"|\bgrids?\b|\bbaskets?\b|\blid\b|\bvalve|\bmultiport|\bspider|\bbulkhead|\bdrain plug"
    r"|\bfilter (?:element|media|sand)|\bnew (?:filter|grids?|cartridge|sand)|\bspare|\bparts? for"
    r"|\bwear|\bworn|\bmaintenance|\bfits?\b|\bcompatible|\bwork(?:s)? (?:with|on|as|for)|\bgauge"
    r"|\bequivalent|\bcross[- ]?reference|\bsame as|\bsubstitute|\brebuild kit|\bkit for"
)
_COMPATIBILITY = re.compile(
    r"\bfits?\b|\bcompatible|\bwork(?:s)? (?:with|on|as|for)|\breplac|\bequivalent"
    r"|\bgoes (?:on|in|with)\b"
    r"|\bcross[- ]?reference|\bsame as|\bsubstitute"
)
_STOCK = re.compile(
    r"\bstock\b|\bin-stock|\bavailab|\binventory|\bon hand|\bhow many|\bdo you have|\bhave any"
    r"|\bdo you carry|\bcarry\b|\bpick ?up|\bprice|\bcost|\bhow much|\bcheck\b|\blead time"
    r"|\bbackorder|\bback order|\bship|\bquantity|\bqty|\bany left|\bget (?:one|it|some)|\bsell\b"
    r"|\bquote|\blooking for|\bneed\b|\bwant\b|\bsource\b"
)
# Wanting a part, as opposed to making the one you have work.
_BUY_PART = re.compile(
    r"\breplac|\bnew\b|\bspare|\bbuy|\bpurchase|\bneed (?:a|an|the|new|to buy)\b|\bfits?\b"
    r"|\bcompatible|\bwhere can i (?:get|find|buy)|\bdo you (?:sell|have|carry|stock)"
)
_PUMP = re.compile(r"\bpumps?\b|\bvariable[- ]speed|\bvs pump|\bhorsepower|\b\d(?:\.\d+)?\s?hp\b")
_PUMP_PART = re.compile(
    r"\bpump (?:seal|lid|basket|impeller|motor|o-?ring|gasket|diffuser|shaft)|\bmotor seal"
)
_DISCOVERY = re.compile(
    r"\brecommend|\bsuggest|\bbest\b|\bwhich (?:pump|one|model|brand|size)|\boptions|\blooking for"
    r"|\bneed a new|\bshopping|\bcompare|\bversus|\bvs\.?\b|\bupgrade|\bdo you (?:sell|carry|have)"
    r"|\bwhat .{0,40}(?:do you|you guys) (?:have|carry|sell|offer)|\bshow me|\bwhat kind"
    r"|\bwhat size|\bright size|\bsizing|\benergy efficient|\bquietest"
)
_PRODUCT = re.compile(
    r"\bpumps?\b|\bheaters?\b|\bheat pumps?\b|\bchlorinators?\b"
    r"|\bsalt (?:system|cell|generator|chlorine)|\bcleaners?\b|\brobot|\bautomation"
    r"|\bfilters?\b|\blights?\b|\bcovers?\b|\bequipment"
)


def part_numbers(text: str) -> list[str]:
    """Return the tokens of `text` shaped like part numbers (SP2610X15, R0357800, EC-40, 355029)."""
    cleaned = _NOT_A_PART.sub(" ", text.lower())
    found = []
    for token in _TOKEN.findall(cleaned):
        digits = sum(ch.isdigit() for ch in token)
        letters = sum(ch.isalpha() for ch in token)
        if digits < 2 or len(token) < 4 or _MEASURE.match(token):
            continue
        # Mixed letters and digits (a model or part code), or a long bare number (a SKU).
        if letters or (token.isdigit() and 6 <= len(token) <= 9) or re.fullmatch(r"\d+-\d+", token):
            found.append(token)
    return found


def _is_just_a_part_number(text: str, parts: list[str]) -> bool:
    """Return whether the query is little more than part numbers ("SPX3200?", "part EC-40")."""
    rest = text.lower()
    for part in parts:
        rest = rest.replace(part, " ")
    words = re.findall(r"[a-z]+", rest)
    return len(words) <= 2


def classify_text(text: str) -> int:
    """Return the pain-point cluster (0-4) of one pool-supply chatbot query."""
    lowered = text.lower()
    parts = part_numbers(lowered)
    de_context = bool(_DE.search(lowered))
    technical = bool(_TECHNICAL.search(lowered))
    replacement = bool(_REPLACEMENT.search(lowered))
    # "Which cartridge do I need for a C4030?" asks what fits that model.
    compatibility = bool(_COMPATIBILITY.search(lowered)) or bool(parts and "need for" in lowered)
    stock = bool(_STOCK.search(lowered))

    if _ORDER_OR_ACCOUNT.search(lowered) and not de_context:
        return GENERAL
    # DE filters: how they go together and why they misbehave; buying parts for one is cluster 2.
    if de_context and (technical or not (replacement or stock)):
        return DE_SUPPORT
    if technical and _FILTER_CONTEXT.search(lowered) and not _BUY_PART.search(lowered):
        return DE_SUPPORT
    # A part number with a stock, price or pickup question, or on its own: an inventory check.
    if parts and not compatibility and (stock or _is_just_a_part_number(lowered, parts)):
        return STOCK_BY_PART
    if replacement or compatibility or _PUMP_PART.search(lowered):
        return REPLACEMENT_PARTS
    discovery = bool(_DISCOVERY.search(lowered))
    if _PUMP.search(lowered) and technical and not discovery:
        # A pump that misbehaves is a general pool question, not a shopping one.
        return GENERAL
    if _PUMP.search(lowered) or (discovery and _PRODUCT.search(lowered)):
        return PUMPS
    if parts and stock:
        return STOCK_BY_PART
    return GENERAL


class KeywordClassifier:
    """Classify queries with local rules: no network, deterministic, fast."""

    name = "keyword"

    async def classify(self, texts: Sequence[str]) -> list[int]:
        """Return a cluster id (0-4) for each text."""
        return [classify_text(text) for text in texts]
