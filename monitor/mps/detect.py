"""Which stored posts involve an MP, kept in step by the store path like the summary tables.

For every stored post, one post_mps row per (post, MP, kind):
- BY_MP: the author is an MP. An author is an MP when their X user id is the MP's x_user_id, or, while
  the MP's account is not known yet, when their handle is the MP's; the first such post teaches the
  MP's x_user_id, so a handle renamed later keeps matching, and a handle someone else takes over later
  does not.
- REPLY_QUOTE: an MP's reply to or quote of another post (campaign_post_id): it counts in a campaign
  when that post matched the campaign, whichever of the two was stored first.
- MENTION: the post mentions the MP (by the mention's user id, or by handle as above). An MP
  mentioning themselves is not a mention.

store_page calls detect_page for each page, after its posts and mentions and in the same transaction.
Whatever changes who an MP is (a register load, a handle correction) calls redetect for those MPs;
a post found deleted on X leaves the MP figures at once (forget_posts, from the metrics refresh).
is_mp_author is the one definition of "this author is an MP" every figure uses.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import String, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.models import BY_MP, MENTION, MP, REPLY_QUOTE, Post, PostMention, PostMP
from monitor.parse import ParsedPage

CHUNK = 500  # ids per statement: well under SQLite's bound-parameter limit
REFERRING_KINDS = ("reply", "quote")  # posts.kind of a post that refers to another


def is_mp_author(author_id):
    """SQL: the author (a column or value holding an X user id) is a sitting MP of the register."""
    return author_id.in_(select(MP.x_user_id).where(MP.sitting.is_(True), MP.x_user_id.is_not(None)))


@dataclass
class MpIndex:
    """The sitting MPs with an X handle or account, as the store path matches them."""
    by_id: dict[str, int]                       # x_user_id -> member_id
    by_handle: dict[str, int]                   # lower(x_username) -> member_id
    account: dict[int, str | None]              # member_id -> x_user_id (None: not known yet)

    def author(self, user_id: str | None, username: str | None) -> int | None:
        """The MP this account is: by id, else by handle while the MP's own account is not known."""
        if user_id and user_id in self.by_id:
            return self.by_id[user_id]
        member = self.by_handle.get((username or "").lower())
        if member is not None and (user_id is None or self.account[member] is None):
            return member
        return None

    def learn(self, member: int, user_id: str) -> None:
        self.account[member] = user_id
        self.by_id[user_id] = member


def mp_index(session: Session) -> MpIndex:
    """Every sitting MP with an X handle or account (about 220 rows). Read whole for every page: 0.6 ms,
    where asking only about the page's authors and mentions (two IN lists of ~200 values) took 4.7 ms."""
    index = MpIndex({}, {}, {})
    stmt = select(MP.member_id, MP.x_username, MP.x_user_id).where(
        MP.sitting.is_(True), or_(MP.x_username.is_not(None), MP.x_user_id.is_not(None)))
    for member, handle, user_id in session.execute(stmt):
        index.account[member] = user_id
        if user_id:
            index.by_id[user_id] = member
        if handle:
            index.by_handle[handle.lower()] = member
    return index


@functools.lru_cache(maxsize=4)
def _insert_statement(dialect: str):
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(PostMP.__table__)
    return stmt.on_conflict_do_nothing(index_elements=["post_id", "member_id", "kind"])


def _row(post: dict, member: int, kind: str, campaign_post_id: str) -> dict:
    return {"post_id": post["id"], "member_id": member, "kind": kind, "campaign_post_id": campaign_post_id,
            "day": post["created_date_uk"], "created_at": post["created_at"], "author_id": post["author_id"]}


def page_rows(page: ParsedPage, index: MpIndex) -> tuple[list[dict], dict[int, str]]:
    """The post_mps rows of a parsed page, and the MPs whose X account the page showed for the first time."""
    learned: dict[int, str] = {}
    author_member: dict[str, int | None] = {}
    for author_id, author in page.authors.items():
        member = index.author(author_id, author["username"])
        if member is not None and index.account[member] is None:
            learned[member] = author_id
            index.learn(member, author_id)
        author_member[author_id] = member
    rows: dict[tuple, dict] = {}
    posts = {p["id"]: p for p in page.posts}
    for post in page.posts:
        member = author_member.get(post["author_id"]) if post["author_id"] else None
        if member is None and post["author_id"] in index.by_id:   # a placeholder author we know by id
            member = index.by_id[post["author_id"]]
        if member is None:
            continue
        rows[(post["id"], member, BY_MP)] = _row(post, member, BY_MP, post["id"])
        if post["kind"] in REFERRING_KINDS and post["referenced_post_id"]:
            rows[(post["id"], member, REPLY_QUOTE)] = _row(post, member, REPLY_QUOTE, post["referenced_post_id"])
    for post_id, username, user_id in page.mentions:
        member = index.author(user_id, username)
        post = posts.get(post_id)
        if member is None or post is None or (post["author_id"] and index.by_id.get(post["author_id"]) == member):
            continue
        rows[(post_id, member, MENTION)] = _row(post, member, MENTION, post_id)
    return list(rows.values()), learned


def detect_page(session: Session, page: ParsedPage) -> None:
    """Record which posts of a stored page involve MPs (called by store_page, inside its transaction,
    after the page's posts and mentions are written)."""
    if not page.posts:
        return
    index = mp_index(session)
    if not index.account:
        return
    rows, learned = page_rows(page, index)
    for member, user_id in learned.items():
        session.execute(update(MP).where(MP.member_id == member, MP.x_user_id.is_(None)).values(x_user_id=user_id))
        _drop_other_accounts_mentions(session, member, user_id)
    if rows:
        statement = _insert_statement(session.get_bind().dialect.name)
        for i in range(0, len(rows), CHUNK):
            session.execute(statement, rows[i:i + CHUNK])


def _drop_other_accounts_mentions(session: Session, member: int, user_id: str) -> None:
    """Now that the MP's account is known, mentions matched by their handle alone that X gave another
    account's id were someone else's (an old holder of the handle): they go."""
    handle = select(func.lower(MP.x_username)).where(MP.member_id == member).scalar_subquery()
    others = select(PostMention.post_id).where(PostMention.username == handle, PostMention.user_id.is_not(None),
                                               PostMention.user_id != user_id)
    session.execute(delete(PostMP).where(PostMP.member_id == member, PostMP.kind == MENTION,
                                         PostMP.post_id.in_(others)))


# --- from the stored posts -------------------------------------------------------------------

def _select_rows(kind: str, source, member, post, campaign_post_id, *conditions):
    columns = [post.id, member.member_id, literal(kind, String), campaign_post_id, post.created_date_uk,
               post.created_at, post.author_id]
    # A post gone from X (deleted, or its author now protected) involves no one (forget_posts).
    return select(*columns).select_from(source).where(post.unavailable_reason.is_(None), *conditions)


def rebuild_selects(member_ids: list[int]) -> list:
    """SELECTs of every post_mps row of these MPs (sitting ones), from posts and post_mentions."""
    m, p, pm = MP, Post, PostMention
    chosen = [m.member_id.in_(member_ids), m.sitting.is_(True)]
    by_author = p.__table__.join(m.__table__, p.author_id == m.x_user_id)
    not_self = or_(m.x_user_id.is_(None), p.author_id.is_(None), p.author_id != m.x_user_id)
    by_id = pm.__table__.join(m.__table__, pm.user_id == m.x_user_id).join(p.__table__, p.id == pm.post_id)
    by_handle = (pm.__table__.join(m.__table__, pm.username == func.lower(m.x_username))
                 .join(p.__table__, p.id == pm.post_id))
    return [
        _select_rows(BY_MP, by_author, m, p, p.id, *chosen),
        _select_rows(REPLY_QUOTE, by_author, m, p, p.referenced_post_id, *chosen, p.kind.in_(REFERRING_KINDS),
                     p.referenced_post_id.is_not(None)),
        _select_rows(MENTION, by_id, m, p, p.id, *chosen, not_self),
        _select_rows(MENTION, by_handle, m, p, p.id, *chosen, not_self,
                     or_(m.x_user_id.is_(None), pm.user_id.is_(None), pm.user_id == m.x_user_id)),
    ]


def redetect(session: Session, member_ids: Iterable[int]) -> None:
    """Find again, from every stored post, the posts by and mentioning these MPs (after their handles or
    account changed, or they joined or left the register). The caller holds the store lock."""
    ids = sorted(set(member_ids))
    dialect = session.get_bind().dialect.name
    table = PostMP.__table__
    columns = ["post_id", "member_id", "kind", "campaign_post_id", "day", "created_at", "author_id"]
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        session.execute(delete(PostMP).where(PostMP.member_id.in_(chunk)))
        for rows in rebuild_selects(chunk):
            stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).from_select(columns, rows)
            session.execute(stmt.on_conflict_do_nothing(index_elements=["post_id", "member_id", "kind"]))


def forget_posts(session: Session, post_ids: Iterable[str]) -> None:
    """Posts gone from X (deleted or protected) no longer involve anyone: their MP rows go."""
    ids = sorted(set(post_ids))
    for i in range(0, len(ids), CHUNK):
        session.execute(delete(PostMP).where(PostMP.post_id.in_(ids[i:i + CHUNK])))


def rebuild_all(session: Session) -> None:
    """Every post_mps row again (bulk loads, and a check that nothing drifted)."""
    session.execute(delete(PostMP))
    redetect(session, list(session.scalars(select(MP.member_id))))

