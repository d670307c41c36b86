"""Attribute posts to NAHT regions, correctly or openly Unknown.

Evidence, strongest first (docs/regions.md): a known account, a manual correction, the post's
place, the author's profile location; otherwise Unknown. A wrong region is worse than Unknown.

    from monitor.regions import attribute, Evidence, locate, explain
    attribute(Evidence(username="naht_leeds", profile_location="Notts"), known_accounts)
"""
from __future__ import annotations

import functools
from collections.abc import Mapping

from .gazetteer import GAZETTEER_VERSION, get_tables
from .locate import resolve
from .model import EVIDENCE_KINDS, Attribution, Evidence, KnownAccount
from .names import DEFAULT_DISPLAY_NAMES, NATIONAL, REGIONS, UNKNOWN
from .tiles import TILE_GRID

__all__ = [
    "attribute", "locate", "explain", "Evidence", "KnownAccount", "Attribution", "REGIONS", "UNKNOWN", "NATIONAL",
    "DEFAULT_DISPLAY_NAMES", "TILE_GRID", "GAZETTEER_VERSION", "EVIDENCE_KINDS", "known_accounts_by_handle",
]

VALID_KEYS = set(REGIONS) | {NATIONAL, UNKNOWN}
LOCATE_CACHE_SIZE = 200_000


@functools.lru_cache(maxsize=LOCATE_CACHE_SIZE)
def locate(text: str) -> Attribution:
    """Region of a free-text profile location (cached: bios repeat a lot)."""
    if not text or not text.strip():
        return Attribution(UNKNOWN, None, "none", 0.0, "no location given")
    return resolve(text, get_tables())


def known_accounts_by_handle(accounts: Mapping[str, KnownAccount] | None) -> dict[str, KnownAccount]:
    """Handles match case-insensitively and with or without '@'."""
    return {_handle(name): account for name, account in (accounts or {}).items()}


def _handle(name: str) -> str:
    return name.strip().lstrip("@").lower()


def attribute(evidence: Evidence, known_accounts: Mapping[str, KnownAccount] | None = None) -> Attribution:
    for step in (_from_known_account, _from_correction, _from_place, _from_profile):
        result = step(evidence, known_accounts)
        if result is not None:
            return result
    return Attribution(UNKNOWN, None, "none", 0.0, "no evidence places this post")


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
    return Attribution(found.region, found.branch, "place", confidence, f"post place: {found.detail}")


def _from_profile(evidence: Evidence, _known) -> Attribution | None:
    if not evidence.profile_location:
        return None
    found = locate(evidence.profile_location)
    return found if found.region != UNKNOWN else Attribution(UNKNOWN, None, "none", 0.0, found.detail)


def explain(text: str) -> str:
    """Multi-line explanation, for `campaign-monitor regions explain TEXT`."""
    from .locate import find_mentions

    result = locate(text)
    tables = get_tables()
    lines = [
        f"location:   {text!r}",
        f"region:     {result.region} ({DEFAULT_DISPLAY_NAMES.get(result.region, result.region)})",
        f"branch:     {result.branch or '-'}",
        f"evidence:   {result.evidence}",
        f"confidence: {result.confidence:.2f}",
        f"because:    {result.detail}",
    ]
    mentions = find_mentions(text, tables)
    if mentions:
        lines.append("names found:")
    for mention in mentions:
        readings = ", ".join(sorted({_reading(e) for e in mention.entries}))
        scope = "whole segment" if mention.whole else "inside a phrase"
        lines.append(f"  '{mention.text}' ({mention.how}, {scope}): {readings}")
    lines.append(f"gazetteer:  {GAZETTEER_VERSION}")
    return "\n".join(lines)


def _reading(entry) -> str:
    where = "abroad" if entry.kind == "foreign" else "/".join(entry.regions)
    return f"{entry.label} [{entry.kind}] -> {where}"
