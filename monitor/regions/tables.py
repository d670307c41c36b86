"""What the gazetteer holds: every reading of every name (Entry), the postcode districts, and the
weights that order the readings of one name. The builders in curated, authorities, postcodes, places,
abroad and everyday fill a Tables; gazetteer builds, caches and serves it; mentions and locate read it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from .text import norm

# Weights order candidates of one name: curated names and authorities beat any town's population.
CONTEXT_WEIGHT = 1e9  # UK / England / Britain: a filter, never a choice on its own
ALIAS_WEIGHT = 1e8
ADMIN_WEIGHT = 1e8
FOREIGN_COUNTRY_WEIGHT = 1e9
FOREIGN_SUBDIVISION_WEIGHT = 10_000.0  # a state or province abroad: beats only a UK hamlet
MIN_PLACE_WEIGHT = 500.0


class Entry(NamedTuple):
    """One reading of a name. regions is empty for a foreign entry."""

    kind: str  # alias | context | admin | place | foreign
    label: str  # what matched, for explanations
    regions: tuple[str, ...]
    branch: str | None
    weight: float
    match: str = "any"  # any | whole | capital | dir | upper
    district: str | None = None  # the local authority district, when known (a branch candidate)


class PostcodeDistrict(NamedTuple):
    region: str  # a region key, or ABROAD (Channel Islands, Isle of Man)
    branch: str | None  # upper-tier authority
    district: str | None
    share: float  # share of the postcode district's postcodes in that region


@dataclass
class Tables:
    version: str
    names: dict[str, list[Entry]] = field(default_factory=dict)
    postcode_districts: dict[str, PostcodeDistrict] = field(default_factory=dict)
    postcode_areas: set[str] = field(default_factory=set)
    common_words: set[str] = field(default_factory=set)  # keys that are also everyday English words
    max_words: int = 1
    # first word -> the most words of a name starting with it: the matcher tries no longer keys
    # (most words start no name at all, "new" starts "new south wales")
    first_words: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, entry: Entry) -> None:
        key = norm(name)
        if not key:
            return
        entries = self.names.setdefault(key, [])
        same = (entry.kind, entry.regions, entry.branch, entry.match, entry.district)
        for index, old in enumerate(entries):
            if (old.kind, old.regions, old.branch, old.match, old.district) == same:
                if entry.weight > old.weight:
                    entries[index] = entry
                return
        entries.append(entry)
        words = key.count(" ") + 1
        self.max_words = max(self.max_words, words)
        first = key.partition(" ")[0]
        self.first_words[first] = max(self.first_words.get(first, 0), words)
