"""Who wrote a post: NAHT's own accounts, MPs, or members and the public. One home for the classes of
author every figure can be limited to, and for the SQL that picks each class's posts.

- *NAHT accounts*: the config's known accounts (the national account and the branches; the built-in
  defaults know @NAHTnews), matched on their handle in any case.
- *MPs*: the sitting MPs of the register whose X account is known (monitor.mps.detect learns it from
  their handle), by that account's id, so a renamed handle stays an MP's.
- *Members and public*: every other author, and posts whose author is not stored.

A class is a key in AUTHOR_CLASSES, a selectable of its author ids in `_class_ids`, and one of the
NAMED_CLASSES that *members and public* leaves out.

Every figure is summed over rows keyed by author_id (the summary tables, posts), so a class is a
condition on that column: `author_id IN (the class's ids)`, the ids read on ix_authors_username_lower
(a handful of look-ups), never a join to every author.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import false, func, or_, select

from monitor.config import Config
from monitor.models import MP, Author

ALL = "all"
MEMBERS = "members"
NAHT = "naht"
MPS = "mps"

# The control's choices, in the order shown, and what each is called on a page.
AUTHOR_CLASSES: dict[str, str] = {
    ALL: "All authors",
    MEMBERS: "Members and public",
    NAHT: "NAHT accounts",
    MPS: "MPs",
}
# The classes that are somebody's own accounts: members and public are the authors in none of them.
NAMED_CLASSES = (NAHT, MPS)


@dataclass(frozen=True)
class Audience:
    """Which authors a figure counts: one of AUTHOR_CLASSES, with the handles that define NAHT's accounts
    (from the config, so the figures need no config of their own)."""
    key: str = ALL
    naht_handles: tuple[str, ...] = ()   # lower case, without '@'

    def __post_init__(self):
        if self.key not in AUTHOR_CLASSES:
            raise ValueError(f"authors must be one of {', '.join(AUTHOR_CLASSES)}, got {self.key!r}")

    @property
    def label(self) -> str:
        return AUTHOR_CLASSES[self.key]

    def only(self, key: str) -> "Audience":
        """The same definitions, limited to another class."""
        return Audience(key, self.naht_handles)


def naht_handles(config: Config) -> tuple[str, ...]:
    """NAHT's own accounts: the config's known accounts, lower case."""
    return tuple(sorted({k.username.strip().lstrip("@").lower() for k in config.known_accounts}))


def audience(config: Config, key: str = ALL) -> Audience:
    return Audience(key, naht_handles(config))


def _class_ids(audience: Audience, key: str):
    """A selectable of the author ids of one named class (None: the class has no member)."""
    if key == NAHT:
        if not audience.naht_handles:
            return None
        return select(Author.id).where(func.lower(Author.username).in_(audience.naht_handles))
    if key == MPS:
        return select(MP.x_user_id).where(MP.sitting.is_(True), MP.x_user_id.is_not(None))
    raise ValueError(f"no such class of author: {key!r}")


def author_conditions(column, audience: Audience) -> list:
    """WHERE conditions on an author_id column (posts or a summary table) for the audience."""
    if audience.key == ALL:
        return []
    if audience.key in NAMED_CLASSES:
        ids = _class_ids(audience, audience.key)
        return [false()] if ids is None else [column.in_(ids)]
    # Members and public: in no named class. A post whose author is not stored (NULL) is nobody's own.
    named = [ids for key in NAMED_CLASSES if (ids := _class_ids(audience, key)) is not None]
    if not named:
        return []
    return [or_(column.is_(None), ~or_(*[column.in_(ids) for ids in named]))]
