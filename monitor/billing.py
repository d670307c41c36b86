"""What X bills, and how much a request can cost: the one home of the prices and the billing rule.

X's pay-per-use plan bills every resource a response returns (each post in `data`, each user in
`includes.users`), and a resource read twice in one UTC day is billed once (docs: x-api-v2.md). So the
collector records each billable read as it stores the response, in the same transaction: one row per
(network, resource kind, resource id, UTC day), the first read of the day keeping its price. The month's
spend is then a SUM over those rows (monitor.metrics.spend), exactly as X adds it up, and the budget
(monitor.budget) checks it before every request.

Posts in `includes.tweets` (the posts replied to or quoted) are not counted: the collector asks for them to
link replies and quotes, and X's pages do not say they are billed; the worst case of a request (below) is
100 posts and their 100 authors, as the issue that set the cap states it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.models import BilledRead

NETWORK_X = "x"
POST, USER = "post", "user"
# Why a resource was read: each is a row of the health page's spend table.
SEARCH, REFRESH, MENTIONS = "search", "refresh", "mentions"
PAGE_SIZE = 100   # posts in a full search page or lookup; each may bring its author


@dataclass(frozen=True)
class Prices:
    """US dollars a resource. Defaults are X's published pay-per-use prices; [x_api] in config.toml can
    change them (prices change; the Developer Console has the current ones)."""
    post_read: float = 0.005
    user_read: float = 0.010
    owned_read: float = 0.001   # "owned reads": your own account's data, such as its mentions timeline

    def worst_case(self, posts: int = PAGE_SIZE, users: int = PAGE_SIZE, owned: bool = False) -> float:
        """The most a request returning `posts` posts and `users` users can cost (none billed before today)."""
        if owned:
            return (posts + users) * self.owned_read
        return posts * self.post_read + users * self.user_read


DEFAULT_PRICES = Prices()
BILLING_RULE = "a resource read twice in one UTC day is billed once"


@dataclass(frozen=True)
class Reads:
    """The billable resources of one response."""
    post_ids: tuple[str, ...] = ()
    user_ids: tuple[str, ...] = ()


def reads_in(page: dict) -> Reads:
    """The posts in `data` and the users in `includes.users` of a raw API page."""
    posts = tuple(dict.fromkeys(str(p["id"]) for p in page.get("data") or () if isinstance(p, dict) and p.get("id")))
    users = tuple(dict.fromkeys(str(u["id"]) for u in (page.get("includes") or {}).get("users") or ()
                                if isinstance(u, dict) and u.get("id")))
    return Reads(posts, users)


def record_reads(session: Session, reads: Reads, at: datetime, via: str, prices: Prices, *,
                 owned: bool = False, network: str = NETWORK_X) -> None:
    """Record what a response read, inside the caller's transaction; a resource already read this UTC day
    keeps its first row (billed once)."""
    day = _utc_day(at)
    rows = [{"network": network, "resource": POST, "resource_id": i, "day": day, "via": via,
             "price_usd": prices.owned_read if owned else prices.post_read, "read_at": at} for i in reads.post_ids]
    rows += [{"network": network, "resource": USER, "resource_id": i, "day": day, "via": via,
              "price_usd": prices.owned_read if owned else prices.user_read, "read_at": at} for i in reads.user_ids]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(BilledRead.__table__)
    stmt = stmt.on_conflict_do_nothing(index_elements=["network", "resource", "resource_id", "day"])
    for start in range(0, len(rows), 500):
        session.execute(stmt, rows[start:start + 500])


def billed_today(session: Session, post_ids: Iterable[str], at: datetime, network: str = NETWORK_X) -> set[str]:
    """The posts among post_ids already read (so billed) this UTC day: reading them again costs nothing."""
    ids, found = list(post_ids), set()
    day = _utc_day(at)
    for start in range(0, len(ids), 500):
        found |= set(session.scalars(select(BilledRead.resource_id).where(
            BilledRead.network == network, BilledRead.resource == POST, BilledRead.day == day,
            BilledRead.resource_id.in_(ids[start:start + 500]))))
    return found


def _utc_day(at: datetime) -> date:
    return at.astimezone(timezone.utc).date()
