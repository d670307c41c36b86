"""Attribute posts to NAHT regions, correctly or openly Unknown.

Evidence, strongest first (docs/regions.md): a known account, a manual correction, the post's
place, the author's profile location; otherwise Unknown. A wrong region is worse than Unknown.

    from monitor.regions import attribute, Evidence, locate, explain
    attribute(Evidence(username="naht_leeds", profile_location="Notts"), known_accounts)

Importing this package is cheap: the gazetteer is built or loaded, and its version computed, on
first use. clear_caches() forgets all of it.
"""
from __future__ import annotations

import functools
from collections.abc import Collection, Mapping

from . import gazetteer
from .curated import two_tier_counties
from .gazetteer import gazetteer_version, get_tables
from .locate import read_mention, resolve
from .mentions import find_mentions
from .model import EVIDENCE_KINDS, Attribution, Evidence, KnownAccount
from .names import DEFAULT_DISPLAY_NAMES, NATIONAL, REGIONS, UNKNOWN
from .text import norm
from .tiles import TILE_GRID

__all__ = [
    "attribute", "locate", "explain", "clear_caches", "Evidence", "KnownAccount", "Attribution", "REGIONS",
    "UNKNOWN", "NATIONAL", "DEFAULT_DISPLAY_NAMES", "TILE_GRID", "GAZETTEER_VERSION", "gazetteer_version",
    "EVIDENCE_KINDS", "known_accounts_by_handle", "two_tier_counties",
]

VALID_KEYS = set(REGIONS) | {NATIONAL, UNKNOWN}
LOCATE_CACHE_SIZE = 200_000


def __getattr__(name: str):
    # GAZETTEER_VERSION is computed on first use, not at import.
    if name == "GAZETTEER_VERSION":
        return gazetteer_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.lru_cache(maxsize=LOCATE_CACHE_SIZE)
def locate(text: str) -> Attribution:
    """Region of a free-text profile location (cached: bios repeat a lot)."""
    if not text or not text.strip():
        return Attribution(UNKNOWN, None, "none", 0.0, "no location given")
    return resolve(text, get_tables())


def clear_caches() -> None:
    """Forget every cache: locate()'s answers, normalised words, the gazetteer tables in memory,
    its word list and its version."""
    locate.cache_clear()
    norm.cache_clear()
    gazetteer.clear_memory()


def known_accounts_by_handle(accounts: Mapping[str, KnownAccount] | None) -> dict[str, KnownAccount]:
    """Handles match case-insensitively and with or without '@'."""
    return {_handle(name): account for name, account in (accounts or {}).items()}


def _handle(name: str) -> str:
    return name.strip().lstrip("@").lower()


def attribute(evidence: Evidence, known_accounts: Mapping[str, KnownAccount] | None = None,
              district_branches: Collection[str] = ()) -> Attribution:
    """The region and branch of a post. A branch is the upper-tier authority (a county for a shire
    district), or the district itself in the counties named in district_branches, where NAHT's
    branches follow districts (`[regions] district_branches`)."""
    for step in (_from_known_account, _from_correction, _from_place, _from_profile):
        result = step(evidence, known_accounts)
        if result is not None:
            return _branch_rule(result, district_branches)
    return Attribution(UNKNOWN, None, "none", 0.0, "no evidence places this post")


def _branch_rule(result: Attribution, district_branches: Collection[str]) -> Attribution:
    if result.district and result.branch in district_branches and result.evidence in ("place", "profile_location"):
        return Attribution(result.region, result.district, result.evidence, result.confidence, result.detail,
                           result.district)
    return result


def _from_known_account(evidence: Evidence, known_accounts) -> Attribution | None:
    if not evidence.username or not known_accounts:
        return None
    handle = _handle(evidence.username)
    account = known_accounts.get(evidence.username) or known_accounts.get(handle)
    if account is None:
        account = known_accounts_by_handle(known_accounts).get(handle)
    if account is None or account.region not in VALID_KEYS:
        return None
    return Attribution(account.region, account.branch, "known_account", 1.0,
                       f"@{evidence.username} is a known account of {account.region}")


def _from_correction(evidence: Evidence, _known) -> Attribution | None:
    if not evidence.correction:
        return None
    if evidence.correction not in VALID_KEYS:
        raise ValueError(f"correction names no region: {evidence.correction!r}")
    return Attribution(evidence.correction, evidence.correction_branch, "correction", 1.0,
                       f"manual correction to {evidence.correction}")


def _from_place(evidence: Evidence, _known) -> Attribution | None:
    """The post's geo place. Abroad, or only 'United Kingdom', falls through to the profile."""
    place = evidence.place or {}
    if not place or (place.get("country_code") or "GB").upper() != "GB":
        return None
    text = place.get("full_name") or place.get("name") or ""
    found = locate(text)
    if found.region == UNKNOWN:
        return None
    confidence = min(0.99, found.confidence + 0.03)
    return Attribution(found.region, found.branch, "place", confidence, f"post place: {found.detail}", found.district)


def _from_profile(evidence: Evidence, _known) -> Attribution | None:
    if not evidence.profile_location:
        return None
    found = locate(evidence.profile_location)
    return found if found.region != UNKNOWN else Attribution(UNKNOWN, None, "none", 0.0, found.detail)


def explain(text: str) -> str:
    """Multi-line explanation, for `campaign-monitor regions explain TEXT`: the answer, and for each
    word the gazetteer knows, whether it was taken as a place and why."""
    result = locate(text)
    tables = get_tables()
    lines = [
        f"location:   {text!r}",
        f"region:     {result.region} ({DEFAULT_DISPLAY_NAMES.get(result.region, result.region)})",
        f"branch:     {result.branch or '-'}" + (f" (district {result.district})" if result.district
                                                  and result.district != result.branch else ""),
        f"evidence:   {result.evidence}",
        f"confidence: {result.confidence:.2f}",
        f"because:    {result.detail}",
    ]
    mentions = find_mentions(text, tables)
    lines.append("names found:" if mentions else "names found: none the gazetteer knows")
    for mention in mentions:
        lines += _explain_mention(mention)
    lines.append(f"gazetteer:  {gazetteer_version()}")
    return "\n".join(lines)


def _explain_mention(mention) -> list[str]:
    scope = "whole segment" if mention.whole else "inside a phrase"
    qualifier = f", qualified by '{mention.qualifier}'" if mention.qualifier else ""
    reading = read_mention(mention)
    if mention.entries and not reading.regions and not reading.foreign:
        verdict = "not taken: names no region (true of a UK place too)"
    elif not mention.entries:
        verdict = "not taken: no reading fits here"
    elif reading.foreign_dominant:
        verdict = f"taken: reads as abroad ({reading.foreign.label}) unless another name pins it to the UK"
    elif mention.weak:
        verdict = f"taken only with support: {mention.weak}"
    else:
        verdict = "taken"
    out = [f"  '{mention.text}' ({mention.how}, {scope}{qualifier}): {verdict}"]
    out += [f"      {_reading(entry)}" for entry in sorted(mention.entries, key=lambda e: -e.weight)[:6]]
    out += [f"      not {_reading(entry)}: {why}" for entry, why in mention.dropped[:6]]
    return out


def _reading(entry) -> str:
    where = "abroad" if entry.kind == "foreign" else "/".join(entry.regions) or "nowhere"
    return f"{entry.label} [{entry.kind}] -> {where}"
