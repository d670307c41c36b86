"""The value types of region attribution (the interface other modules code against)."""
from __future__ import annotations

from dataclasses import dataclass

EVIDENCE_KINDS = ("known_account", "correction", "place", "profile_location", "none")


@dataclass(frozen=True)
class Evidence:
    username: str | None = None  # X handle without @
    profile_location: str | None = None
    place: dict | None = None  # API v2 place object: full_name, name, country_code, place_type
    correction: str | None = None  # region key from a manual correction
    correction_branch: str | None = None


@dataclass(frozen=True)
class KnownAccount:
    username: str
    region: str
    branch: str | None = None


@dataclass(frozen=True)
class Attribution:
    region: str  # a REGIONS key or "Unknown"
    branch: str | None  # upper-tier authority when known ("Leeds", "Cardiff", "Nottinghamshire")
    evidence: str  # one of EVIDENCE_KINDS
    confidence: float  # 0..1
    detail: str  # what matched, for people
    district: str | None = None  # the local authority district, when the evidence names one
