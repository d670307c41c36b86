"""Turn Bluesky search results into the same rows monitor.parse makes of X's pages (no database, no network).

Input is one page as monitor.sources.bluesky assembles it from two AT Protocol answers:

    {"posts": [app.bsky.feed.defs#postView, ...],      # app.bsky.feed.searchPosts
     "cursor": "...",                                  # the next page's cursor, absent on the last page
     "profiles": [app.bsky.actor.defs#profileViewDetailed, ...]}   # app.bsky.actor.getProfiles

A post's text, time, reply, quote embed, language, hashtags and mentions are in its record (the
app.bsky.feed.post lexicon); facets index the text by UTF-8 bytes. Follower counts are only in the
detailed profile, which is why the source reads profiles too. Bluesky gives no impression counts.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from monitor.networks import BLUESKY, bluesky_post_link, network_id, profile_link
from monitor.parse import LANG, MENTION, TAG, UNATTRIBUTED, USERNAME, ParsedPage, clean_text, fitted
from monitor.timeutil import parse_api_time, uk_local

TAG_FEATURE = "app.bsky.richtext.facet#tag"
MENTION_FEATURE = "app.bsky.richtext.facet#mention"
QUOTE_EMBEDS = ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia")


def post_id(uri: str) -> str:
    return network_id(BLUESKY, uri)


def author_id(did: str) -> str:
    return network_id(BLUESKY, did)


def did_of(uri: str) -> str:
    """The repository (the author's DID) an AT URI names: at://<did>/<collection>/<rkey>."""
    return uri.removeprefix("at://").split("/", 1)[0]


def marker(moment: datetime) -> str:
    """A time as the cursor keeps it (24 characters, milliseconds, UTC): `since` of the next poll."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def sort_time(view: dict) -> datetime:
    """Bluesky orders and filters search by `sortAt`: the earlier of the record's createdAt (which a client
    may set to anything) and indexedAt (when the network first saw the post)."""
    times = [parse_api_time(t) for t in ((view.get("record") or {}).get("createdAt"), view.get("indexedAt")) if t]
    if not times:
        raise ValueError(f"post {view.get('uri')!r} has neither createdAt nor indexedAt")
    return min(times)


def parse_author(profile: dict, now: datetime) -> dict:
    did, handle = str(profile["did"]), profile.get("handle") or str(profile["did"])
    verified = ((profile.get("verification") or {}).get("verifiedStatus") == "valid")
    return {
        "id": author_id(did), "network": BLUESKY, "native_id": did, "url": profile_link(BLUESKY, handle),
        "username": fitted(handle, USERNAME), "name": clean_text(profile.get("displayName")), "location": None,
        "description": clean_text(profile.get("description")),
        "followers_count": int(profile.get("followersCount") or 0),
        "following_count": int(profile.get("followsCount") or 0),
        "tweet_count": int(profile.get("postsCount") or 0), "listed_count": 0,
        "verified": verified, "verified_type": "bluesky" if verified else None, "protected": False,
        "created_at": parse_api_time(profile["createdAt"]) if profile.get("createdAt") else None,
        "raw": profile, "placeholder": False, "first_seen_at": now, "last_seen_at": now,
        **UNATTRIBUTED, "region_detail": None, "region_version": None,
    }


def _facet_features(record: dict):
    """(feature, text of its byte slice) of every facet of a record."""
    data = (record.get("text") or "").encode("utf-8")
    for facet in record.get("facets") or []:
        index = facet.get("index") or {}
        try:
            piece = data[int(index["byteStart"]):int(index["byteEnd"])].decode("utf-8", errors="replace")
        except (KeyError, TypeError, ValueError):
            piece = ""
        for feature in facet.get("features") or []:
            if isinstance(feature, dict):
                yield feature, piece


def hashtags(record: dict) -> list[str]:
    tags = {f.get("tag") for f, _ in _facet_features(record) if f.get("$type") == TAG_FEATURE}
    tags |= set(record.get("tags") or [])
    return sorted({fitted(t.lstrip("#").lower(), TAG) for t in tags if isinstance(t, str) and t.strip("#")})


def mentions(record: dict) -> list[tuple[str, str | None]]:
    """(handle as written, lower case, no '@'; the mentioned author's id) of each mention facet."""
    found: dict[str, str | None] = {}
    for feature, piece in _facet_features(record):
        if feature.get("$type") == MENTION_FEATURE and feature.get("did"):
            handle = piece.strip().lstrip("@").lower() or str(feature["did"])
            found.setdefault(fitted(handle, MENTION), author_id(str(feature["did"])))
    return sorted(found.items())


def _quoted_uri(record: dict) -> str | None:
    embed = record.get("embed") or {}
    if embed.get("$type") == "app.bsky.embed.record":
        return (embed.get("record") or {}).get("uri")
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        return ((embed.get("record") or {}).get("record") or {}).get("uri")
    return None


def parse_post(view: dict, authors: dict[str, dict], now: datetime) -> dict:
    record = view.get("record") or {}
    uri = str(view["uri"])
    created = sort_time(view)
    local = uk_local(created)
    reply = record.get("reply") or {}
    parent, root = (reply.get("parent") or {}).get("uri"), (reply.get("root") or {}).get("uri")
    quoted = _quoted_uri(record)
    kind = "reply" if parent else "quote" if quoted else "original"
    referenced = parent or quoted
    did = str((view.get("author") or {}).get("did") or did_of(uri))
    author = authors.get(author_id(did))
    langs = record.get("langs") or []
    return {
        "id": post_id(uri), "network": BLUESKY, "native_id": uri,
        "url": bluesky_post_link((view.get("author") or {}).get("handle"), uri),
        "author_id": author_id(did), "created_at": created, "created_date_uk": local.date(),
        "created_hour_uk": local.hour, "text": clean_text(record.get("text")) or "",
        "lang": fitted(langs[0], LANG) if langs and isinstance(langs[0], str) else None, "kind": kind,
        "conversation_id": post_id(root) if root else post_id(uri),
        "in_reply_to_user_id": author_id(did_of(parent)) if parent else None,
        "referenced_post_id": post_id(referenced) if referenced else None, "place_id": None,
        "author_followers": author["followers_count"] if author else 0,
        "like_count": int(view.get("likeCount") or 0), "repost_count": int(view.get("repostCount") or 0),
        "reply_count": int(view.get("replyCount") or 0), "quote_count": int(view.get("quoteCount") or 0),
        "bookmark_count": int(view.get("bookmarkCount") or 0),
        "impression_count": 0,   # Bluesky gives none: shown as "not given" (monitor.networks)
        "metrics_updated_at": now, "raw": view, "first_seen_at": now, "last_seen_at": now, "withheld": None,
        **UNATTRIBUTED,
    }


def parse_page(page: dict[str, Any], now: datetime | None = None) -> ParsedPage:
    """Parse one assembled page. Raises ValueError when it is not a search answer at all."""
    if not isinstance(page, dict) or not isinstance(page.get("posts"), list):
        raise ValueError("not an app.bsky.feed.searchPosts answer (no posts list)")
    now = now or datetime.now(timezone.utc)
    out = ParsedPage()
    for profile in page.get("profiles") or []:
        if isinstance(profile, dict) and profile.get("did"):
            row = parse_author(profile, now)
            out.authors[row["id"]] = row
    views = {str(v["uri"]): v for v in page["posts"] if isinstance(v, dict) and v.get("uri")}
    for view in views.values():
        basic = view.get("author") or {}
        if basic.get("did") and author_id(str(basic["did"])) not in out.authors:
            # getProfiles left the author out (deleted, suspended): what the post itself says of them.
            out.authors[author_id(str(basic["did"]))] = parse_author(basic, now)
    newest = None
    for view in views.values():
        row = parse_post(view, out.authors, now)
        out.posts.append(row)
        record = view.get("record") or {}
        out.hashtags += [(row["id"], t) for t in hashtags(record)]
        out.mentions += [(row["id"], u, uid) for u, uid in mentions(record)]
        newest = max(newest, row["created_at"]) if newest else row["created_at"]
    out.newest_id = marker(newest) if newest else None
    out.next_token = page.get("cursor") if views and page.get("cursor") else None
    out.result_count = len(out.posts)
    return out
