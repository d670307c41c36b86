"""What an access request returns: everything stored about a person, as one JSON-ready document.

Every column of their author row and of every row that refers to it (follower history, region
corrections, and any table a later revision adds), every column of each of their posts and of every row
that refers to a post (hashtags, mentions, campaign matches, run links...), the summary slices their
posts are counted in, the ids of other people's posts that name them (not those posts' text: that is
other people's data), and the dates of earlier requests under the same handle.
"""
from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from monitor.metrics.filters import post_url
from monitor.metrics.sql import contains
from monitor.models import Author, DaySummary, Post, PostMention
from monitor.privacy.redact import Redactor
from monitor.privacy.removal import referring_columns
from monitor.reports import write_atomically

FORMAT_VERSION = 1
CHUNK = 500
NOTICE = ("Everything the NAHT campaign monitor stores about this X account: its public profile as collected, "
          "its posts that used a campaign hashtag or mention, what was worked out from them (region, branch), "
          "and other people's posts that name it. Times are UTC.")


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(mapping) -> dict:
    return {k: jsonable(v) for k, v in mapping.items()}


def _referring_rows(session: Session, table_name: str, ids: list[str], leave: tuple[str, ...] = ()) -> dict:
    """{table: {id: [rows]}} of every table with a foreign key to `table_name`, for these ids (the
    referring column is left out of each row: it is the id)."""
    found: dict[str, dict[str, list[dict]]] = {}
    for table, column in referring_columns(table_name, leave=leave):
        by_id = found.setdefault(table.name, {})
        for i in range(0, len(ids), CHUNK):
            for r in session.execute(select(table).where(column.in_(ids[i:i + CHUNK]))).mappings():
                row = _row(r)
                by_id.setdefault(row.pop(column.name), []).append(row)
    return found


def _posts(session: Session, author_id: str) -> list[dict]:
    posts = [_row(r) for r in session.execute(select(Post.__table__).where(Post.author_id == author_id)
                                              .order_by(Post.created_at)).mappings()]
    ids = [p["id"] for p in posts]
    related = _referring_rows(session, "posts", ids)
    for post in posts:
        post["url"] = post_url(None, post["id"])
        for table, by_id in related.items():
            post[table] = by_id.get(post["id"], [])
    return posts


def _account(session: Session, author: Author) -> dict:
    profile = _row(session.execute(select(Author.__table__).where(Author.id == author.id)).mappings().one())
    related = {table: by_id.get(author.id, [])
               for table, by_id in _referring_rows(session, "authors", [author.id], leave=("posts",)).items()}
    summary = [_row(r) for r in session.execute(select(DaySummary.__table__).where(DaySummary.author_id == author.id)
                                                .order_by(DaySummary.day, DaySummary.campaign)).mappings()]
    return {"profile": profile, **related, "posts": _posts(session, author.id), "summary_days": summary}


def _mentioned_in(session: Session, handle: str, author_ids: list[str]) -> list[dict]:
    """Other people's posts that mention them (a mention row, or @handle in the text)."""
    mentions = select(PostMention.post_id).where(or_(PostMention.username == handle,
                                                     PostMention.user_id.in_(author_ids)))
    others = or_(Post.author_id.is_(None), Post.author_id.not_in(author_ids))
    redactor = Redactor([handle], [])
    rows = session.execute(select(Post.id, Post.created_at, Post.text, Post.id.in_(mentions))
                           .where(or_(Post.id.in_(mentions), contains(session, Post.text, "@" + handle)), others,
                                  Post.removed_at.is_(None)).order_by(Post.created_at))
    return [{"post_id": post_id, "created_at": jsonable(created), "url": post_url(None, post_id)}
            for post_id, created, text, mentioned in rows if mentioned or redactor.names(text)]


def export_document(session: Session, handle: str, authors: list[Author], now: datetime, earlier: list) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "handle": f"@{handle}",
        "generated_at": now.isoformat(),
        "notice": NOTICE,
        "accounts": [_account(session, a) for a in authors],
        "mentioned_in": _mentioned_in(session, handle, [a.id for a in authors]),
        "earlier_requests": [{"kind": kind, "requested_at": jsonable(at)} for kind, at in earlier],
    }


def export_json(document: dict) -> bytes:
    """The document as UTF-8 JSON, indented for a person to read."""
    return json.dumps(document, indent=2, ensure_ascii=False, default=jsonable).encode("utf-8")


def write_export(path: str | os.PathLike, document: dict) -> Path:
    """Write the JSON file readable by its owner only (it is personal data), atomically."""
    return write_atomically(path, export_json(document), mode=0o600)
