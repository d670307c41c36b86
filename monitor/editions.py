"""Edited posts: each post counts once, as its latest version.

On X an edit is a new post with its own id, and every version lists the ids of the versions up to it in
`edit_history_tweet_ids`, oldest first (search serves the latest; a lookup by an older id serves that
version). A campaign post the collector stored and its author then edited would be stored twice, and
counted twice. So once a later version is stored, each earlier one names it in `posts.superseded_by`,
stops being refreshed and loses its campaign matches: no figure, page, export or summary slice counts or
shows it, and its row and raw JSON stay as they were. The latest version is matched, counted and shown
like any post.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from monitor.models import Post, PostMatch

CHUNK = 500  # ids per statement: well under SQLite's bound-parameter limit


def versions(raw: dict) -> list[str]:
    """The ids of a post's versions as X listed them with it, oldest first (just its own id if none)."""
    history = raw.get("edit_history_tweet_ids")
    ids = [str(i) for i in history if isinstance(i, (str, int))] if isinstance(history, list) else []
    own = str(raw.get("id"))
    return ids if own in ids else ids + [own]


def latest_versions(histories: Iterable[list[str]], stored: set[str]) -> dict[str, str]:
    """earlier version id -> the latest stored version, over edit histories (each oldest first). Later
    versions have larger ids (a snowflake id grows with time), so the latest is the largest stored."""
    latest: dict[str, str] = {}
    for history in histories:
        kept = [i for i in history if i in stored]
        if len(kept) < 2:
            continue
        newest = max(kept, key=int)
        for version in kept:
            if version != newest and int(newest) > int(latest.get(version, "0")):
                latest[version] = newest
    return latest


def _ids_in(column, ids: list[str]):
    for i in range(0, len(ids), CHUNK):
        yield column.in_(ids[i:i + CHUNK])


def stored_among(session: Session, ids: Iterable[str]) -> set[str]:
    ids = sorted(set(ids))
    return {i for condition in _ids_in(Post.id, ids) for i in session.scalars(select(Post.id).where(condition))}


def supersede(session: Session, latest: dict[str, str]) -> set[str]:
    """Mark the earlier versions (earlier id -> latest stored id) superseded and drop their campaign
    matches; returns the ids whose matches may have gone (their summary slices must be aggregated
    again, in the same transaction)."""
    for earlier, newest in latest.items():
        session.execute(update(Post).where(Post.id == earlier)
                        .values(superseded_by=newest, next_refresh_at=None))
    ids = sorted(latest)
    for condition in _ids_in(PostMatch.post_id, ids):
        session.execute(delete(PostMatch).where(condition))
    return set(ids)


def supersede_page(session: Session, rows: list[dict]) -> set[str]:
    """After a page's posts are written: every stored earlier version of an edited post among them, or
    of one they are earlier versions of, superseded by the latest stored (see supersede)."""
    histories = [h for h in (versions(row["raw"]) for row in rows) if len(h) > 1]
    if not histories:
        return set()
    stored = stored_among(session, {i for h in histories for i in h})
    return supersede(session, latest_versions(histories, stored))
