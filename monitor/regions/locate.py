"""Mentions -> region.

mentions.py finds the names in a string; here they are resolved together:
- a mention that only reads as abroad ("Ontario", "Dubai", a flag) makes the whole string Unknown;
  Europe, the world and Earth are neutral ("Leeds, Europe" is Leeds);
- a weak mention (an everyday word, a place name inside a phrase) counts only when another mention
  in the same region supports it;
- the regions of all mentions are intersected: "Wales, Rotherham" keeps the village of Wales,
  "Leeds / London" keeps nothing and is Unknown;
- what remains must be one region, or one region that outweighs the others by far
  ("Newport" alone is the city in Wales, "Bangor" alone stays Unknown).
A wrong region is worse than Unknown, so every doubtful step ends in Unknown.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .gazetteer import get_tables
from .mentions import SMALL_PLACE, Mention, find_mentions
from .model import Attribution
from .names import REGIONS, UNKNOWN
from .tables import Entry, Tables

# A name's best region must outweigh the next by this factor to be chosen alone.
DOMINANCE = 5.0
# A foreign namesake this much bigger makes the bare name foreign ("Perth", "Boston").
FOREIGN_DOMINANCE = 5.0


@dataclass
class Reading:
    """One mention, read as regions and foreign weight."""

    mention: Mention
    regions: dict[str, Entry] = field(default_factory=dict)  # region -> best entry
    foreign: Entry | None = None

    @property
    def uk_weight(self) -> float:
        return max((e.weight for e in self.regions.values()), default=0.0)

    @property
    def is_context(self) -> bool:
        return bool(self.regions) and all(e.kind == "context" for e in self.regions.values())

    @property
    def foreign_dominant(self) -> bool:
        if self.foreign is None:
            return False
        return not self.regions or self.foreign.weight > FOREIGN_DOMINANCE * self.uk_weight


def read_mention(mention: Mention) -> Reading:
    reading = Reading(mention)
    if any(entry.kind == "none" for entry in mention.entries):
        return reading  # a curated "names nothing" overrules the tiny place of that name
    for entry in mention.entries:
        if entry.kind == "foreign":
            if reading.foreign is None or entry.weight > reading.foreign.weight:
                reading.foreign = entry
            continue
        for region in entry.regions:
            best = reading.regions.get(region)
            if best is None or entry.weight > best.weight:
                reading.regions[region] = entry
    return reading


def resolve(text: str, tables: Tables | None = None) -> Attribution:
    tables = tables or get_tables()
    readings = [r for r in map(read_mention, find_mentions(text, tables)) if r.regions or r.foreign]
    if not readings:
        return _unknown("no place found")
    # A foreign reading counts even inside a phrase ("Paris Hilton fan, Leeds" stays Unknown).
    uk_readings = [r for r in readings if r.regions and not r.foreign_dominant and not r.mention.weak]
    for reading in readings:
        if reading.foreign_dominant and not _rescued(reading, uk_readings):
            return _unknown(f"abroad: '{reading.mention.text}' -> {reading.foreign.label}")
    strong = [r for r in readings if r.regions and not r.mention.weak]
    weak = [r for r in readings if r.regions and r.mention.weak]
    placed = strong + [r for r in weak if _supported(r, strong)]
    if not placed:
        if weak:
            return _unknown(f"'{weak[0].mention.text}': {weak[0].mention.weak}, and nothing else in the "
                            "string supports it (a county, a postcode, 'UK', another place in its region)")
        return _unknown("no place found")
    return _choose_region(placed)


def _supported(weak: Reading, strong: list[Reading]) -> bool:
    """A weak mention counts when another one shares a region with it: 'Wool, Dorset', 'Eye, UK'.
    A country or nation alone supports an everyday word ('Eye, UK'), not a phrase ('Yorkshire Tea, UK')."""
    in_phrase = weak.mention.weak.startswith("inside a phrase")
    return any(set(other.regions) & set(weak.regions) and (not other.is_context or not in_phrase)
               for other in strong)


def _rescued(reading: Reading, uk_readings: list[Reading]) -> bool:
    """'Perth, Scotland': a name mostly foreign, pinned to the UK by another mention."""
    if not reading.regions:
        return False
    for other in uk_readings:
        if other is reading:
            continue
        if not other.is_context and set(other.regions) & set(reading.regions):
            return True
        if other.is_context and reading.mention.how == "name" and not _curated_abroad(reading):
            # "Perth, UK": the country alone pins the UK reading too.
            return True
    return False


def _curated_abroad(reading: Reading) -> bool:
    """'Ireland' is the Republic first: 'UK & Ireland' names both, not Northern Ireland."""
    return all(entry.kind == "alias" for entry in reading.regions.values())


def _choose_region(readings: list[Reading]) -> Attribution:
    shared = set(REGIONS)
    for reading in readings:
        shared &= set(reading.regions)
    if not shared:
        names = "; ".join(f"'{r.mention.text}' -> {'/'.join(sorted(r.regions))}" for r in readings)
        return _unknown(f"places in different regions: {names}")
    scores = {region: min(r.regions[region].weight for r in readings) for region in shared}
    ranked = sorted(scores, key=scores.get, reverse=True)
    best = ranked[0]
    if len(ranked) > 1 and scores[best] < DOMINANCE * scores[ranked[1]]:
        names = ", ".join(ranked)
        return _unknown(f"ambiguous: '{' / '.join(r.mention.text for r in readings)}' could be {names}")
    if all(r.is_context for r in readings):
        return _unknown(f"'{readings[0].mention.text}' names no single region")
    # contested: namesakes in other regions survived the intersection and lost on weight.
    return _attribution(best, readings, contested=len(ranked) > 1)


def _attribution(region: str, readings: list[Reading], contested: bool) -> Attribution:
    chosen = [r.regions[region] for r in readings]
    specific = [e for e in chosen if e.kind != "context"]
    branch = next((e.branch for e in specific if e.branch), None)
    # Any reading of the chosen names in that region and branch may know the district (the
    # authority's own entry from pycountry does not).
    district = next((e.district for r in readings for e in r.mention.entries
                     if e.district and region in e.regions and e.branch == branch), None)
    confidence = _confidence(specific, readings, contested)
    steps = [f"'{r.mention.text}' -> {r.regions[region].label}" for r in readings
             if r.regions[region].kind != "context"]
    detail = "; ".join(steps) + f" -> {region}"
    if contested:
        detail += " (outweighs namesakes elsewhere)"
    return Attribution(region, branch, "profile_location", confidence, detail, district)


def _confidence(entries: list[Entry], readings: list[Reading], contested: bool) -> float:
    best = entries[0]
    if best.kind in ("alias", "admin", "postcode"):
        score = 0.95
    elif best.weight >= 50_000:
        score = 0.9
    elif best.weight >= SMALL_PLACE:
        score = 0.8
    else:
        score = 0.65
    if best.kind == "postcode":
        score *= min(r.mention.share for r in readings if r.mention.how == "postcode")
    if not all(r.mention.whole for r in readings):
        score -= 0.1  # found inside a longer phrase
    if contested:
        score -= 0.15
    if len(entries) > 1:
        score += 0.03  # two names that agree
    return round(max(0.05, min(score, 0.99)), 2)


def _unknown(detail: str) -> Attribution:
    return Attribution(UNKNOWN, None, "none", 0.0, detail)
