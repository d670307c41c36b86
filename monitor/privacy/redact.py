"""Other people's posts and profiles that name a person being forgotten: the person's handle, account id and
post ids are erased from them (text, raw JSON, mention rows, reply and quote links), the rest of those
posts stays as it was. Runs before the person's own posts are removed, while their ids still say which
posts are theirs.

A display name written out in someone else's words ("thanks to Jo Bloggs") cannot be found reliably and
is left; docs/privacy.md says so.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from monitor.metrics.sql import contains
from monitor.models import Alert, Author, Post, PostMention, RunEvent
from monitor.summary import lock, resync_posts

ERASED = "[erased]"


class Redactor:
    """Erases one person's handles and ids from text and from JSON values."""

    def __init__(self, handles: Iterable[str], ids: Iterable[str]):
        self.handles = {h.lower() for h in handles}
        self.ids = set(ids)
        names = "|".join(re.escape(h) for h in sorted(self.handles, key=len, reverse=True))
        # @handle as X writes it: not inside a longer handle or an e-mail address.
        self.pattern = re.compile(rf"(?<![\w@])@({names})(?!\w)", re.IGNORECASE) if names else None
        self.id_pattern = (re.compile(r"(?<!\d)(" + "|".join(sorted(map(re.escape, self.ids))) + r")(?!\d)")
                           if self.ids else None)

    def names(self, value: str | None) -> bool:
        """Whether a text names the person as X writes a mention (@handle)."""
        return bool(value and self.pattern and self.pattern.search(value))

    def text(self, value: str | None) -> str | None:
        if not value:
            return value
        if self.pattern:
            value = self.pattern.sub("@" + ERASED, value)
        if self.id_pattern:
            value = self.id_pattern.sub(ERASED, value)
        return value

    def json(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, str):
            if value in self.ids or value.lower() in self.handles:
                return ERASED
            return self.text(value)
        return value


def redact_references(session: Session, handle: str, authors: list[Author]) -> int:
    """Erase this person (the handle, and the authors stored under it) from every other post, profile and
    run event that names them; returns how many posts were changed. The changed posts' summary slices
    are aggregated again (their mention rows went). A person never collected as an author can still be
    named in other people's posts: the handle (and the account id mention rows give it) are enough."""
    lock(session)
    handles = {handle.lower()} | {a.username.lower() for a in authors}
    mentioned_ids = session.scalars(select(PostMention.user_id).where(
        PostMention.username.in_(handles), PostMention.user_id.is_not(None)).distinct())
    author_ids = sorted({a.id for a in authors} | set(mentioned_ids))
    theirs = select(Post.id).where(Post.author_id.in_(author_ids))
    their_post_ids = set(session.scalars(theirs))
    redactor = Redactor(handles, set(author_ids) | their_post_ids)
    changed = _redact_posts(session, author_ids, handles, theirs, redactor)
    _redact_profiles(session, author_ids, handles, redactor)
    _redact_run_events(session, author_ids, handles, redactor)
    _redact_alerts(session, author_ids, handles, redactor)
    resync_posts(session, changed)
    return len(changed)


def _redact_posts(session: Session, author_ids: list[str], handles: set[str], theirs, redactor: Redactor) -> list[str]:
    mentioned = select(PostMention.post_id).where(or_(PostMention.username.in_(handles),
                                                      PostMention.user_id.in_(author_ids)))
    naming = or_(Post.id.in_(mentioned), Post.in_reply_to_user_id.in_(author_ids),
                 Post.referenced_post_id.in_(theirs), Post.conversation_id.in_(theirs),
                 *(contains(session, Post.text, "@" + h) for h in handles))
    others = or_(Post.author_id.is_(None), Post.author_id.not_in(author_ids))
    rows = session.execute(select(Post.id, Post.text, Post.raw, Post.in_reply_to_user_id, Post.referenced_post_id,
                                  Post.conversation_id).where(naming, others, Post.removed_at.is_(None))).all()
    changed = []
    for post_id, text, raw, reply_to, referenced, conversation in rows:
        values = {"text": redactor.text(text), "raw": redactor.json(raw),
                  "in_reply_to_user_id": None if reply_to in redactor.ids else reply_to,
                  "referenced_post_id": None if referenced in redactor.ids else referenced,
                  "conversation_id": None if conversation in redactor.ids else conversation}
        session.execute(update(Post).where(Post.id == post_id).values(**values))
        changed.append(post_id)
    for i in range(0, len(changed), 500):
        session.execute(delete(PostMention).where(
            PostMention.post_id.in_(changed[i:i + 500]),
            or_(PostMention.username.in_(handles), PostMention.user_id.in_(author_ids))))
    return changed


def _redact_profiles(session: Session, author_ids: list[str], handles: set[str], redactor: Redactor) -> None:
    """Other accounts' profiles ("working with @jo") that name them."""
    naming = or_(*(contains(session, Author.description, "@" + h) for h in handles))
    for author in session.scalars(select(Author).where(naming, Author.id.not_in(author_ids))):
        author.description = redactor.text(author.description)
        author.raw = redactor.json(author.raw)


def _redact_run_events(session: Session, author_ids: list[str], handles: set[str], redactor: Redactor) -> None:
    """The collector's record of partial errors can quote an account ("Could not find user ...")."""
    naming = or_(*(contains(session, RunEvent.detail, h) for h in handles | set(author_ids)))
    for event in session.scalars(select(RunEvent).where(naming)):
        redacted = redactor.text(event.detail)
        for handle in handles:
            redacted = re.sub(rf"(?<!\w){re.escape(handle)}(?!\w)", ERASED, redacted, flags=re.IGNORECASE)
        event.detail = redacted


def _redact_alerts(session: Session, author_ids: list[str], handles: set[str], redactor: Redactor) -> None:
    """Alerts keep what they said (the daily digest lists the top posts: "@jo: ... x.com/jo/status/1")."""
    naming = or_(*(contains(session, column, h) for column in (Alert.title, Alert.body) for h in handles),
                 *(contains(session, Alert.body, i) for i in author_ids))
    for alert in session.scalars(select(Alert).where(naming)):
        for field in ("title", "body"):
            redacted = redactor.text(getattr(alert, field))
            for handle in handles:   # also in a post's URL, x.com/jo/status/...
                redacted = re.sub(rf"(?<!\w){re.escape(handle)}(?!\w)", ERASED, redacted, flags=re.IGNORECASE)
            setattr(alert, field, redacted)
