"""Posts as CSV: one column set and one row builder for every posts download (the explorer's CSV and the
weekly report's CSV), the MPs list's columns, and one writer for every CSV the monitor makes, as
datasette's one CSV streamer serves every view.

UTF-8 with a byte-order mark, so Excel shows emoji and accents rightly when the file is double-clicked;
CRLF line ends. Times are given twice, UK local and UTC, as ISO text: a CSV has no date type, and the
25-hour Sunday of October has two 01:30s that only the UTC column tells apart. Regions are NAHT's
display names, with the key in `region_key`. Every text cell is made spreadsheet-safe (monitor.safety):
text from a network never runs as a formula. A post removed for privacy (deleted or made private on its
network, or erased on request: monitor.privacy) is never in one. Each post names its network (X,
Bluesky, Mastodon) and links to its page there; impressions are 'not given' where the network counts
none.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable, Mapping, Sequence

from monitor.metrics import MpRow, PostRow
from monitor.networks import NOT_GIVEN
from monitor.networks import label as network_label
from monitor.safety import neutralise
from monitor.timeutil import uk_local

POST_COLUMNS = ("post_id", "network", "url", "created_at_uk", "created_at_utc", "date_uk", "username", "author_name",
                "kind", "region", "region_key", "branch", "text", "likes", "reposts", "replies", "quotes", "bookmarks",
                "impressions", "engagements", "author_followers")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def post_values(post: PostRow, region_names: Mapping[str, str] | None = None) -> dict:
    """One post as a CSV row (POST_COLUMNS), before spreadsheet safety; region_names maps a region key to
    its display name."""
    return {"post_id": post.id, "network": network_label(post.network), "url": post.url,
            "created_at_uk": uk_local(post.created_at).strftime(TIME_FORMAT),
            "created_at_utc": post.created_at.strftime(TIME_FORMAT),
            "date_uk": post.created_date_uk.isoformat(), "username": post.username or "",
            "author_name": post.author_name or "", "kind": post.kind,
            "region": (region_names or {}).get(post.region, post.region), "region_key": post.region,
            "branch": post.branch or "", "text": post.text, "likes": post.likes, "reposts": post.reposts,
            "replies": post.replies, "quotes": post.quotes, "bookmarks": post.bookmarks,
            "impressions": shown_impressions(post), "engagements": post.engagements,
            "author_followers": post.author_followers}


def shown_impressions(post: PostRow) -> int | str:
    """The post's impressions, or 'not given' where its network counts none (a 0 would say nobody saw it)."""
    given = post.impressions_given
    return NOT_GIVEN if given is None else given


def post_rows(posts: Iterable[PostRow], region_names: Mapping[str, str] | None = None) -> list[dict]:
    """Posts as spreadsheet-safe CSV rows."""
    return [{k: neutralise(v) for k, v in post_values(p, region_names).items()} for p in posts]


def csv_bytes(columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    """Rows (dicts keyed by column) as a CSV file's bytes, spreadsheet-safe."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: neutralise(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8-sig")


def posts_csv(posts: Iterable[PostRow], region_names: Mapping[str, str] | None = None) -> bytes:
    """Posts as a CSV file's bytes, one row a post in the order given."""
    return csv_bytes(POST_COLUMNS, (post_values(p, region_names) for p in posts))


# The MPs list (`campaign-monitor mps list --format csv`, the MPs page's download): one row an MP.
MP_COLUMNS = ("member_id", "name", "party", "constituency", "region", "status", "posts_by_mp", "posts_mentioning",
              "members_mentioning", "last_activity")


def mp_values(mp: MpRow) -> dict:
    """One MP as a CSV row (MP_COLUMNS); last_activity in UK time, empty when none in the period."""
    last = uk_local(mp.last_activity).strftime(TIME_FORMAT) if mp.last_activity else ""
    return {"member_id": mp.member_id, "name": mp.name, "party": mp.party, "constituency": mp.constituency,
            "region": mp.region, "status": mp.status, "posts_by_mp": mp.posts_by_mp,
            "posts_mentioning": mp.posts_mentioning, "members_mentioning": mp.members_mentioning,
            "last_activity": last}


def mps_csv(mps: Iterable[MpRow]) -> bytes:
    return csv_bytes(MP_COLUMNS, (mp_values(m) for m in mps))
