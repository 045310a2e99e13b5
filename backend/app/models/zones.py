"""The IANA zone names `tz` accepts, and the canonical ones the OpenAPI document lists.

Both come from the data of the `tzdata` package (a dependency), never from this host's zone
database: the same names on every machine, and nothing that names the host's own zone
(`localtime`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from importlib import resources

# Zones of the tz database that name no place: `Factory` is the zone of a machine not yet set up.
_NOT_LISTED = frozenset({"Factory"})


@cache
def _tzdata() -> tuple[frozenset[str], frozenset[str]]:
    """Return the tz database's zone names and link names, from the tzdata package's tzdata.zi."""
    text = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text()
    zones = {line.split()[1] for line in text.splitlines() if line.startswith("Z ")}
    # "L TARGET NAME": NAME is another name of TARGET (US/Central, UTC, Etc/GMT+0).
    links = {line.split()[2] for line in text.splitlines() if line.startswith("L ")}
    return frozenset(zones), frozenset(links)


@cache
def iana_zones() -> frozenset[str]:
    """Return every name of the tz database, zones and links, spelled exactly."""
    zones, links = _tzdata()
    return zones | links


def _identifier(name: str) -> str:
    """Return what a client generator keeps of a name for an identifier: letters and digits."""
    return re.sub(r"[^A-Z0-9]", "", name.upper())


@cache
def listed_zones() -> tuple[str, ...]:
    """Return the canonical zone names, sorted, with no two that one identifier would stand for.

    Links are left out (`US/Central` is `America/Chicago`), and so is every group of zones whose
    names differ only in punctuation (`Etc/GMT+1` and `Etc/GMT-1` both become ETCGMT1).
    """
    zones, _ = _tzdata()
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for name in zones - _NOT_LISTED:
        groups[_identifier(name)].append(name)
    return tuple(sorted(name for group in groups.values() if len(group) == 1 for name in group))


@cache
def other_zone_names() -> tuple[str, ...]:
    """Return the names `tz` accepts besides the listed ones: links, and the zones left out."""
    return tuple(sorted(iana_zones() - set(listed_zones())))


def alternation(names: tuple[str, ...]) -> str:
    """Return a regular expression, valid in ECMA-262 and Python, matching exactly `names`."""
    # Zone names hold letters, digits and / _ - + only; of these only + is special outside a class.
    assert all(re.fullmatch(r"[A-Za-z0-9/_+-]+", name) for name in names)
    # (?!\n): Python's $ also matches before a final newline (ECMA-262's does not), and tools
    # that check the document in Python must not take "UTC\n" for a valid name.
    return "^(?:" + "|".join(name.replace("+", "\\+") for name in names) + ")$(?!\\n)"
