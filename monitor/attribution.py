"""Apply monitor.regions to stored rows: on every stored page, on a correction, on a recompute.

monitor.regions decides (pure functions over evidence); this module gathers the evidence from
the config (known accounts) and the database (corrections, places) and writes the answer on the
author and on each of their posts. A post can differ from its author when it carries a place.
"""
from __future__ import annotations

import hashlib
from typing import Callable, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from monitor import regions
from monitor.config import Config
from monitor.db import transaction
from monitor.models import Author, Place, Post, RegionCorrection
from monitor.networks import X
from monitor.parse import ParsedPage
from monitor.regions.bio import read_bio
from monitor.summary import lock, resync_authors
from monitor.timeutil import utcnow

REGION_FIELDS = ("region", "branch", "region_evidence", "region_confidence")
# An author whose profile retention removed (monitor.privacy.retention) has no location left to read:
# a recompute would move their posts to Unknown, so their attribution stays as it was.
RECOMPUTABLE = (Author.profile_removed_at.is_(None),)
BATCH = 1000


def attribution_version(gazetteer_version: str, config: Config) -> str:
    """What an attribution depended on: the gazetteer and aliases, the known accounts and which
    counties' branches follow their districts.

    Stored on each author; when it differs from the current one, the stored regions are stale, and
    `run` re-attributes them at start (recompute_if_stale): an upgrade that changes the gazetteer
    re-attributes every stored post by itself.
    """
    known = sorted((k.username.lower(), k.region, k.branch or "") for k in config.known_accounts)
    basis = f"{gazetteer_version}|{known}"
    if config.district_branches:  # absent, the version is what it was before the setting existed
        basis += f"|{sorted(config.district_branches)}"
    return hashlib.sha1(basis.encode()).hexdigest()[:16]


class Attributor:
    def __init__(self, config: Config):
        self.known = {k.username.lower(): k for k in config.known_accounts}
        self.district_branches = frozenset(config.district_branches)
        self.version = attribution_version(regions.gazetteer_version(), config)

    def evidence(self, author: dict | None, place: dict | None, correction: RegionCorrection | None):
        return regions.Evidence(
            username=(author or {}).get("username"),
            profile_location=(author or {}).get("location"),
            place=place,
            correction=correction.region if correction else None,
            correction_branch=correction.branch if correction else None,
        )

    def decide(self, author: dict | None, place: dict | None, correction) -> dict:
        result = regions.attribute(self.evidence(author, place, correction), self.known, self.district_branches)
        if result.region == regions.UNKNOWN and result.evidence == "none" and _reads_bio(author):
            # Bluesky and Mastodon profiles have no location: an explicit place in the bio, read strictly.

            result = read_bio(author.get("description"), author.get("name"))
        return {"region": result.region, "branch": result.branch, "region_evidence": result.evidence,
                "region_confidence": result.confidence, "_detail": result.detail}

    def attribute_page(self, page: ParsedPage, corrections: dict[str, RegionCorrection] | None = None) -> None:
        """Fill the region columns of every author and post row of a parsed page, in place."""
        corrections = corrections or {}
        version = self.version
        for author in page.authors.values():
            decided = self.decide(author, None, corrections.get(author["id"]))
            author["region_detail"] = decided.pop("_detail")
            author["region_version"] = version
            author.update(decided)
        for post in page.posts:
            author = page.authors.get(post["author_id"] or "")
            place = (page.places.get(post["place_id"]) or {}).get("raw") if post["place_id"] else None
            decided = self.decide(author, place, corrections.get(post["author_id"] or ""))
            decided.pop("_detail")
            post.update(decided)


def _reads_bio(author: dict | None) -> bool:
    """Profiles without a location field: the networks other than X."""
    return bool(author) and author.get("network", X) != X


def latest_corrections(session: Session, author_ids: Iterable[str]) -> dict[str, RegionCorrection]:
    """The newest correction per author (older ones stay as the audit trail)."""
    ids = list(set(author_ids))
    if not ids:
        return {}
    newest = (select(RegionCorrection.author_id, func.max(RegionCorrection.id).label("id"))
              .where(RegionCorrection.author_id.in_(ids)).group_by(RegionCorrection.author_id).subquery())
    rows = session.scalars(select(RegionCorrection).join(newest, RegionCorrection.id == newest.c.id))
    return {c.author_id: c for c in rows}


def author_row(a: Author) -> dict:
    return {"id": a.id, "username": a.username, "location": a.location, "network": a.network,
            "description": a.description, "name": a.name}


def reattribute_authors(session: Session, attributor: Attributor, authors: list[Author]) -> int:
    """Recompute and write the region of these authors and of all their posts; returns posts updated."""
    lock(session)   # before the authors' and posts' rows change: see summary.lock
    corrections = latest_corrections(session, (a.id for a in authors))
    version = attributor.version
    by_id = {a.id: a for a in authors}
    for a in authors:
        decided = attributor.decide(author_row(a), None, corrections.get(a.id))
        a.region_detail = decided.pop("_detail")
        a.region_version = version
        for k, v in decided.items():
            setattr(a, k, v)
    posts = session.execute(select(Post.id, Post.author_id, Place.raw).outerjoin(Place, Post.place_id == Place.id)
                            .where(Post.author_id.in_(list(by_id)))).all()
    updates = []
    for post_id, author_id, place_raw in posts:
        decided = attributor.decide(author_row(by_id[author_id]), place_raw, corrections.get(author_id))
        decided.pop("_detail")
        updates.append({"id": post_id, **decided})
    if updates:
        session.execute(update(Post), updates)
        resync_authors(session, {author_id for _, author_id, _ in posts})  # their posts moved region
    return len(updates)


def correct_author(engine: Engine, config: Config, author_id: str, region: str, *, branch: str | None = None,
                   corrected_by: str, note: str | None = None) -> RegionCorrection:
    """Record a person's correction (audited) and apply it at once to the author and their posts."""
    if region not in regions.REGIONS:
        raise ValueError(f"region must be one of {', '.join(regions.REGIONS)}, got {region!r}")
    with transaction(engine) as s:
        author = s.get(Author, author_id)
        if author is None:
            raise ValueError(f"no stored author with id {author_id!r}")
        correction = RegionCorrection(author_id=author_id, region=region, branch=branch, corrected_by=corrected_by,
                                      corrected_at=utcnow(), note=note)
        s.add(correction)
        s.flush()
        reattribute_authors(s, Attributor(config), [author])
    return correction


def author_id_for_handle(engine: Engine, handle: str) -> str | None:
    """The stored author with this X handle, in any case, with or without '@' (ix_authors_username_lower)."""
    with transaction(engine) as s:
        return s.scalar(select(Author.id).where(func.lower(Author.username) == handle.strip().lstrip("@").lower()))


def correct_handle(engine: Engine, config: Config, handle: str, region: str, *, branch: str | None = None,
                   corrected_by: str, note: str | None = None) -> RegionCorrection:
    """correct_author for the stored author with this handle (ValueError when none is stored)."""
    author_id = author_id_for_handle(engine, handle)
    if author_id is None:
        raise ValueError(f"no stored author @{handle.strip().lstrip('@')}")
    return correct_author(engine, config, author_id, region, branch=branch, corrected_by=corrected_by, note=note)


def recompute_all(engine: Engine, config: Config, progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Re-attribute every stored author and post (after a gazetteer, alias or known-account change)."""
    attributor = Attributor(config)
    authors_done = posts_done = 0
    last_id = ""
    while True:
        with transaction(engine) as s:
            batch = list(s.scalars(select(Author).where(Author.id > last_id, *RECOMPUTABLE)
                                   .order_by(Author.id).limit(BATCH)))
            if not batch:
                break
            posts_done += reattribute_authors(s, attributor, batch)
        last_id = batch[-1].id
        authors_done += len(batch)
        if progress:
            progress(len(batch))
    return authors_done, posts_done


def count_authors(engine: Engine) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(Author).where(*RECOMPUTABLE)) or 0


def stale_authors(engine: Engine, config: Config) -> int:
    """Authors attributed under another gazetteer or other known accounts than the current ones."""
    version = Attributor(config).version
    with transaction(engine) as s:
        # Placeholders for authors a page left out carry no version: they have no evidence to re-read.
        return s.scalar(select(func.count()).select_from(Author).where(
            Author.region_version.is_not(None), Author.region_version != version)) or 0


def recompute_if_stale(engine: Engine, config: Config) -> tuple[int, int] | None:
    """Called when the collector starts: a changed alias list or known account applies to old posts too."""
    if stale_authors(engine, config) == 0:
        return None
    return recompute_all(engine, config)
