"""Turn one Mastodon server's hashtag timeline page into the same rows monitor.parse makes of X's pages.

Input is the page as monitor.sources.mastodon assembles it: {"server": base URL, "statuses": [Status...],
"next_max_id": ..., "last": bool}. A status seen on two servers has two local ids but one `uri` (its
ActivityPub id): the post id is made from the uri (monitor.networks), so it is one post whichever
server it came from. An account is identified the same way, by its actor `uri` (or profile `url`), and
named by its full acct (user@domain). Status text is sanitised HTML: it is read as plain text here.
Mastodon gives no impression counts.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from monitor.networks import MASTODON, network_id
from monitor.parse import LANG, MENTION, TAG, UNATTRIBUTED, USERNAME, ParsedPage, clean_text, fitted
from monitor.timeutil import parse_api_time, uk_local


class _Text(HTMLParser):
    """Mastodon's sanitised HTML (p, br, span, a) as plain text: paragraphs as blank lines, and the
    'invisible' parts of shortened links kept, so a link reads whole."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(content: str | None) -> str:
    if not content:
        return ""
    if "<" not in content:
        return html.unescape(content)
    reader = _Text()
    reader.feed(content)
    reader.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(reader.parts)).strip()


def host_of(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").lower()


def full_acct(account: dict) -> str:
    """user@domain: a local account's acct has no domain; its profile URL's host is its server."""
    acct = str(account.get("acct") or account.get("username") or "")
    if "@" not in acct:
        host = host_of(account.get("url") or account.get("uri"))
        acct = f"{acct}@{host}" if host else acct
    return acct.lower()


def account_native_id(account: dict) -> str:
    return str(account.get("uri") or account.get("url") or full_acct(account))


def parse_author(account: dict, now: datetime) -> dict:
    native = account_native_id(account)
    return {
        "id": network_id(MASTODON, native), "network": MASTODON, "native_id": native, "url": account.get("url"),
        "username": fitted(full_acct(account), USERNAME),
        "name": clean_text(account.get("display_name") or account.get("username")), "location": None,
        "description": clean_text(plain_text(account.get("note"))),
        "followers_count": int(account.get("followers_count") or 0),
        "following_count": int(account.get("following_count") or 0),
        "tweet_count": int(account.get("statuses_count") or 0), "listed_count": 0,
        "verified": False, "verified_type": "bot" if account.get("bot") else None,
        "protected": bool(account.get("locked", False)),
        "created_at": parse_api_time(account["created_at"]) if account.get("created_at") else None,
        "raw": account, "placeholder": False, "first_seen_at": now, "last_seen_at": now,
        **UNATTRIBUTED, "region_detail": None, "region_version": None,
    }


def _quoted(status: dict) -> dict | None:
    quote = status.get("quote") or {}
    if quote.get("state") in (None, "accepted") and isinstance(quote.get("quoted_status"), dict):
        return quote["quoted_status"]
    return None


def parse_post(status: dict, authors: dict[str, dict], now: datetime) -> dict:
    uri = str(status["uri"])
    created = parse_api_time(status["created_at"])
    local = uk_local(created)
    quoted = _quoted(status)
    kind = "reply" if status.get("in_reply_to_id") else "quote" if quoted else "original"
    author = authors.get(network_id(MASTODON, account_native_id(status.get("account") or {})))
    text = plain_text(status.get("content"))
    if status.get("spoiler_text"):
        text = f"[{status['spoiler_text']}] {text}"   # the content warning stays with the text it hides
    return {
        "id": network_id(MASTODON, uri), "network": MASTODON, "native_id": uri, "url": status.get("url") or uri,
        "author_id": author["id"] if author else None, "created_at": created, "created_date_uk": local.date(),
        "created_hour_uk": local.hour, "text": clean_text(text) or "",
        "lang": fitted(status.get("language"), LANG), "kind": kind,
        # A reply names its parent by the server's local id only: kept in raw, not as a link.
        "conversation_id": None, "in_reply_to_user_id": None,
        "referenced_post_id": network_id(MASTODON, str(quoted["uri"])) if quoted and quoted.get("uri") else None,
        "place_id": None, "author_followers": author["followers_count"] if author else 0,
        "like_count": int(status.get("favourites_count") or 0), "repost_count": int(status.get("reblogs_count") or 0),
        "reply_count": int(status.get("replies_count") or 0), "quote_count": int(status.get("quotes_count") or 0),
        "bookmark_count": 0,
        "impression_count": 0,   # Mastodon gives none: shown as "not given" (monitor.networks)
        "metrics_updated_at": now, "raw": status, "first_seen_at": now, "last_seen_at": now, "withheld": None,
        **UNATTRIBUTED,
    }


def status_id_key(status_id: str) -> tuple[int, str]:
    """Mastodon ids are integers as strings ('not guaranteed to be a number'): longer is newer, then text."""
    return len(status_id), status_id


def parse_page(page: dict[str, Any], now: datetime | None = None) -> ParsedPage:
    """Parse one assembled page. Raises ValueError when it is not a timeline answer."""
    if not isinstance(page, dict) or not isinstance(page.get("statuses"), list):
        raise ValueError("not a Mastodon timeline answer (no list of statuses)")
    now = now or datetime.now(timezone.utc)
    out = ParsedPage()
    statuses = {}
    for status in page["statuses"]:
        if not isinstance(status, dict) or not status.get("uri") or not status.get("id"):
            continue
        if status.get("reblog"):
            out.reposts_skipped += 1   # a boost is not a campaign post (tag timelines do not list them)
            continue
        statuses[str(status["uri"])] = status
    for status in statuses.values():
        account = status.get("account")
        if isinstance(account, dict) and (account.get("uri") or account.get("url") or account.get("acct")):
            row = parse_author(account, now)
            out.authors[row["id"]] = row
    for status in statuses.values():
        row = parse_post(status, out.authors, now)
        if row["author_id"] is None:
            raise ValueError(f"status {status.get('id')!r} has no account")
        out.posts.append(row)
        out.hashtags += [(row["id"], fitted(t["name"].lower(), TAG)) for t in _unique_tags(status)]
        out.mentions += [(row["id"], fitted(full_acct(m), MENTION), None) for m in _unique_mentions(status)]
    ids = [str(s["id"]) for s in page["statuses"] if isinstance(s, dict) and s.get("id")]
    out.newest_id = max(ids, key=status_id_key) if ids else None
    out.next_token = None if page.get("last") or not ids else page.get("next_max_id")
    out.result_count = len(out.posts)
    return out


def _unique_tags(status: dict) -> list[dict]:
    seen = {}
    for tag in status.get("tags") or []:
        if isinstance(tag, dict) and tag.get("name"):
            seen.setdefault(str(tag["name"]).lower(), tag)
    return list(seen.values())


def _unique_mentions(status: dict) -> list[dict]:
    seen = {}
    for mention in status.get("mentions") or []:
        if isinstance(mention, dict) and (mention.get("acct") or mention.get("username")):
            seen.setdefault(full_acct(mention), mention)
    return list(seen.values())
