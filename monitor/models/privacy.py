"""Personal data: the record of people's requests (erasure, access), and the keys that stand in for what was
removed (monitor.privacy does the removing).

A removed post keeps a row with only what the figures need, under a new id that X never issued (so it
points at nothing on X) and without its author: `posts.anonymous_author` holds a random key instead, one
per author per removal, which the summary tables group by in place of the author id, so contributors and
potential reach still count those posts' author once. Neither key is derived from anything about the
person, so neither can be traced back.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base, UTCDateTime

# X ids are digits only: a key with a letter in it is never an X id. Both fit the 24 characters of
# posts.id and of the summary tables' author_id.
ANONYMOUS_PREFIX = "anon-"
REMOVED_POST_PREFIX = "removed-"


def anonymous_author_key() -> str:
    return ANONYMOUS_PREFIX + secrets.token_hex(8)


def removed_post_id() -> str:
    return REMOVED_POST_PREFIX + secrets.token_hex(8)


def is_anonymous(author_key: str | None) -> bool:
    return author_key is not None and author_key.startswith(ANONYMOUS_PREFIX)


class PrivacyRequest(Base):
    """A person's request answered with `campaign-monitor privacy forget|export` (or the health page): who
    asked for it and what it found, with a salted hash of the handle, never the handle itself."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))  # forget | export
    # HMAC-SHA256 of the lower-case handle, keyed with the privacy salt (environment or secrets file,
    # never the database): a later request for the same handle can be matched, the handle not read back.
    handle_hash: Mapped[str] = mapped_column(String(64), index=True)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    authors: Mapped[int] = mapped_column(Integer, default=0)      # accounts found under the handle
    posts: Mapped[int] = mapped_column(Integer, default=0)        # their posts removed (forget) or written (export)
    mentions: Mapped[int] = mapped_column(Integer, default=0)     # other people's posts that named them
