"""A person's requests: erasure (forget) and access (export), each in one transaction and recorded with
who asked and a salted hash of the handle (never the handle). The CLI and the dashboard's health page
both call these.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from monitor.config import Config, privacy_salt
from monitor.db import transaction
from monitor.models import PrivacyRequest
from monitor.privacy.export import export_document
from monitor.privacy.redact import redact_references
from monitor.privacy.removal import FORGOTTEN, authors_by_handle, remove_authors
from monitor.privacy.storage import after_removal
from monitor.timeutil import utcnow

# A stored username is at most 50 characters (models: Author.username); X's own are 1-15 of these.
HANDLE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
REQUESTED_BY_MAX = 120


class RequestError(ValueError):
    """A request that cannot be answered as given (not a handle, no name of who asked)."""


def normalise_handle(handle: str) -> str:
    """'@NAHTnews', ' nahtnews ' -> 'nahtnews' (X handles ignore case)."""
    bare = (handle or "").strip().lstrip("@")
    if not HANDLE.match(bare):
        raise RequestError(f"{handle!r} is not an X handle such as @NAHTnews")
    return bare.lower()


def handle_hash(handle: str, salt: str) -> str:
    """HMAC-SHA256 of the handle keyed with the salt: the same handle always gives the same hash, and
    without the salt (outside the database) a list of handles cannot be checked against it."""
    return hmac.new(salt.encode("utf-8"), normalise_handle(handle).encode("utf-8"), hashlib.sha256).hexdigest()


def _requester(requested_by: str) -> str:
    who = (requested_by or "").strip()
    if not who:
        raise RequestError("say who asked for this (a name or e-mail): requests are recorded")
    return who[:REQUESTED_BY_MAX]


def _record(session: Session, kind: str, hashed: str, who: str, now: datetime, **counts) -> PrivacyRequest:
    request = PrivacyRequest(kind=kind, handle_hash=hashed, requested_by=who, requested_at=now, **counts)
    session.add(request)
    session.flush()
    return request


@dataclass(frozen=True)
class ForgetResult:
    request_id: int
    authors: int
    posts: int
    mentions: int
    residue_cleared: bool | None   # see storage.clear_residue


def forget(engine: Engine, config: Config, handle: str, requested_by: str, *,
           now: datetime | None = None) -> ForgetResult:
    """Erase everything stored about the account(s) under this handle, in one transaction: their profile,
    follower history and corrections, every post's personal fields (the posts stay counted, with no
    author), and their handle and ids in other people's posts; record the request. A handle with nothing
    stored is recorded too (the answer is "nothing held"). They are not blocked: a post of theirs found
    later is collected like any other."""
    bare, who = normalise_handle(handle), _requester(requested_by)
    hashed = handle_hash(bare, privacy_salt())   # fails before anything changes when the salt is not set
    now = now or utcnow()
    with transaction(engine) as s:
        authors = authors_by_handle(s, bare)
        mentions = redact_references(s, bare, authors)
        removed = remove_authors(s, [a.id for a in authors], FORGOTTEN, now)
        request = _record(s, "forget", hashed, who, now, authors=removed.authors, posts=removed.posts,
                          mentions=mentions)
    cleared = after_removal(engine, config, now, reindex=True)
    return ForgetResult(request.id, removed.authors, removed.posts, mentions, cleared)


@dataclass(frozen=True)
class ExportResult:
    request_id: int
    document: dict

    @property
    def authors(self) -> int:
        return len(self.document["accounts"])

    @property
    def posts(self) -> int:
        return sum(len(a["posts"]) for a in self.document["accounts"])


def export(engine: Engine, handle: str, requested_by: str, *, now: datetime | None = None) -> ExportResult:
    """Everything stored about the account(s) under this handle, as one JSON-ready document, read in
    the transaction that records the request."""
    bare, who = normalise_handle(handle), _requester(requested_by)
    hashed = handle_hash(bare, privacy_salt())
    now = now or utcnow()
    with transaction(engine) as s:
        earlier = list(s.execute(select(PrivacyRequest.kind, PrivacyRequest.requested_at)
                                 .where(PrivacyRequest.handle_hash == hashed).order_by(PrivacyRequest.id)))
        document = export_document(s, bare, authors_by_handle(s, bare), now, earlier)
        request = _record(s, "export", hashed, who, now, authors=len(document["accounts"]),
                          posts=sum(len(a["posts"]) for a in document["accounts"]),
                          mentions=len(document["mentioned_in"]))
    return ExportResult(request.id, document)
