"""X's snowflake ids: a post's id holds the milliseconds since X's epoch in its high bits (x-api-v2.md),
so an id can be made for a time (the simulated API, test pages, generated databases) and a time read
from an id (a post whose created_at is missing)."""
from __future__ import annotations

from datetime import datetime, timezone

X_EPOCH_MS = 1288834974657   # 2010-11-04 01:42:54.657 UTC
TIME_SHIFT = 22              # the low 22 bits are worker and sequence numbers


def snowflake(ms: int, low_bits: int = 0) -> int:
    """The id of a post made `ms` milliseconds after the Unix epoch, `low_bits` its worker and sequence."""
    return ((ms - X_EPOCH_MS) << TIME_SHIFT) | low_bits


def snowflake_at(when: datetime, low_bits: int = 0) -> str:
    """The id (as X writes it, text) of a post made at an aware datetime."""
    return str(snowflake(int(when.timestamp() * 1000), low_bits))


def snowflake_ms(post_id: int | str) -> int:
    """Milliseconds since the Unix epoch at which the post was made."""
    return (int(post_id) >> TIME_SHIFT) + X_EPOCH_MS


def snowflake_time(post_id: int | str) -> datetime:
    """When the post was made, aware UTC."""
    return datetime.fromtimestamp(snowflake_ms(post_id) / 1000, timezone.utc)


def last_id_of_ms(post_id: int | str) -> str:
    """The highest id X could give in the millisecond this post was made. As a search's since_id it asks
    for every post of a later millisecond, as the post's own id did, and it names no post (the privacy
    removal puts it in place of a removed post's id)."""
    return str(snowflake(snowflake_ms(post_id) + 1) - 1)
