"""A simulated Bluesky PDS on loopback: sign-in (com.atproto.server.createSession, refreshSession), search
(app.bsky.feed.searchPosts: latest first, `since`/`until`, `mentions`, cursor pages), profiles
(app.bsky.actor.getProfiles, 25 a call) and posts by AT URI (app.bsky.feed.getPosts, 25 a call: the deletion
check), in the lexicons' shapes, with rate-limit headers, 429s, expiring access tokens on the simulation
clock and the same switchable faults as the simulated X API. Its identifiers and cursors: .atproto.

    with FakeBluesky(seed=3, handle="monitor.bsky.social", app_password="app-pass") as fb:
        fb.base_url   # point monitor.sources.bluesky at it
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from datetime import datetime, timedelta, timezone
from typing import Callable

from monitor.fakex.clock import SimClock
from monitor.fakex.corpus import iso_time, to_ms
from monitor.fakex.faults import Fault
from monitor.fakex.http import Reply, json_reply
from monitor.networks import BLUESKY, network_id

from .atproto import cid_for, decode_cursor, did_for, encode_cursor, tid, time_param
from .service import FakeService, Request
from .world import Person, Piece, World, WorldPost, add_post, build_world

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
PROFILES = "/xrpc/app.bsky.actor.getProfiles"
GET_POSTS = "/xrpc/app.bsky.feed.getPosts"
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "/xrpc/com.atproto.server.refreshSession"
RATE_WINDOW = 300   # seconds: Bluesky's limits are per 5 minutes
RATE_LIMITS = {SEARCH: (3000, RATE_WINDOW), PROFILES: (3000, RATE_WINDOW), GET_POSTS: (3000, RATE_WINDOW),
               CREATE_SESSION: (30, RATE_WINDOW), REFRESH_SESSION: (300, RATE_WINDOW)}
ACCESS_TTL = timedelta(hours=2)
REFRESH_TTL = timedelta(days=60)
MAX_LIMIT, MAX_ACTORS, MAX_URIS = 100, 25, 25
SEARCH_WINDOW = timedelta(days=7)   # what the collector's first poll reaches: visible_ids' default
DEFAULT_START = datetime(2026, 11, 9, tzinfo=timezone.utc)


def _xrpc_error(status: int, name: str, message: str, headers: dict) -> Reply:
    return json_reply(status, {"error": name, "message": message}, headers)


class FakeBluesky(FakeService):
    rate_limits = RATE_LIMITS

    def __init__(self, seed: int = 7, start: datetime = DEFAULT_START, days: int = 14, posts_per_day: int = 200,
                 hashtags=("InvestInPupilServices", "PupilAndFamilyServices", "FundOurSchools"),
                 mention: str | None = "nahtnews.bsky.social", handle: str = "monitor.bsky.social",
                 app_password: str | None = "test-app-password", host: str = "127.0.0.1", port: int = 0,
                 clock: Callable[[], datetime] | None = None, churn: bool = False, rate_limits: dict | None = None):
        super().__init__(clock if clock is not None else SimClock(start), host, port, rate_limits=rate_limits)
        # The campaign account is the corpus's official one, under its Bluesky handle.
        self.world: World = build_world(seed, start, days, posts_per_day, hashtags,
                                        "NAHTnews" if mention else None, churn)
        self.mention_handle = mention
        self.account = (handle, app_password)
        self.logins = 0
        self.refreshes = 0
        self._tokens: dict[str, tuple[str, datetime]] = {}   # token -> (kind, expires at on the clock)
        self._token_lock = threading.Lock()
        self._deleted: set[str] = set()
        self._by_did = {did_for(k): k for k in self.world.people}

    # --- identities --------------------------------------------------------------------------

    def handle_of(self, key: str) -> str:
        if key == self.world.official and self.mention_handle:
            return self.mention_handle
        return f"{self.world.people[key].username.lower()}.bsky.social"

    def uri_of(self, post: WorldPost) -> str:
        return f"at://{did_for(post.author)}/app.bsky.feed.post/{tid(post.ms, post.key)}"

    def post_id(self, post: WorldPost) -> str:
        """The id the monitor stores this post under."""
        return network_id(BLUESKY, self.uri_of(post))

    # --- what tests look at and change --------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def queries(self, hashtags=None, mentions=None) -> list[str]:
        tags = hashtags if hashtags is not None else self.world.corpus.hashtags
        accounts = mentions if mentions is not None else ([self.mention_handle] if self.mention_handle else [])
        return [f"#{t}" for t in tags] + [f"@{m}" for m in accounts]

    def matching(self, query: str, since_ms: int | None, until_ms: int, mentions: str | None = None) -> list[WorldPost]:
        """Posts a search finds, newest first."""
        check = self._matcher(query, mentions)
        found = [p for p in self.world.posts if p.ms <= until_ms and (since_ms is None or p.ms >= since_ms)
                 and p.key not in self._deleted and check(p)]
        return sorted(found, key=lambda p: (p.ms, p.key), reverse=True)

    def visible_ids(self, query: str | None = None) -> set[str]:
        """The ids of the posts a collector should hold after polling `query` (every campaign query if None)."""
        now_ms = to_ms(self.clock())
        since = to_ms(self.clock() - SEARCH_WINDOW)
        queries = [query] if query else self.queries()
        return {self.post_id(p) for q in queries
                for p in self.matching(q, since, now_ms, q[1:] if q.startswith("@") else None)}

    @property
    def default_query(self) -> str:
        return self.queries()[0]

    def delete_post(self, key: str) -> None:
        self._deleted.add(key)

    def add_post(self, text: str, username: str, at: datetime | None = None, bio: str = "",
                 followers: int = 100) -> str:
        """A post of a test's own by a new person `username` (its hashtags taken from the text); the
        monitor's id of it."""
        pieces = [Piece("hashtag", w, w[1:]) if w.startswith("#") and len(w) > 1 else Piece("text", w)
                  for w in _words(text)]
        person = Person(f"test-{username}", username, username.title(), bio, followers, 10, 10,
                        "2020-01-01T00:00:00.000Z", None)
        self._by_did[did_for(person.key)] = person.key
        post = add_post(self.world, pieces, person, to_ms(at or self.clock() - timedelta(minutes=1)))
        return self.post_id(post)

    # --- rendering -----------------------------------------------------------------------------

    def _text_and_facets(self, post: WorldPost) -> tuple[str, list[dict]]:
        text, facets = b"", []
        for piece in post.pieces:
            if piece.kind == "mention" and piece.value in self.world.people:
                written = ("@" + self.handle_of(piece.value)).encode()
                facets.append({"index": {"byteStart": len(text), "byteEnd": len(text) + len(written)},
                               "features": [{"$type": "app.bsky.richtext.facet#mention",
                                             "did": did_for(piece.value)}]})
            elif piece.kind == "hashtag":
                written = piece.text.encode()
                facets.append({"index": {"byteStart": len(text), "byteEnd": len(text) + len(written)},
                               "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": piece.value}]})
            else:
                written = piece.text.encode()
            text += written
        return text.decode(), facets

    def _basic(self, key: str) -> dict:
        person = self.world.people[key]
        return {"did": did_for(key), "handle": self.handle_of(key), "displayName": person.name,
                "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did_for(key)}/{cid_for(key)}@jpeg",
                "associated": {"chat": {"allowIncoming": "following"}}, "labels": [],
                "createdAt": person.created_at}

    def _profile(self, key: str) -> dict:
        person = self.world.people[key]
        return {**self._basic(key), "description": person.bio, "followersCount": person.followers,
                "followsCount": person.following, "postsCount": person.posts_count,
                "indexedAt": person.created_at}

    def _ref(self, key: str) -> dict:
        target = self.world.by_key[key]
        return {"uri": self.uri_of(target), "cid": cid_for(self.uri_of(target))}

    def _view(self, post: WorldPost, now_ms: int) -> dict:
        text, facets = self._text_and_facets(post)
        created = iso_time(post.ms)
        record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created, "langs": [post.lang]}
        if facets:
            record["facets"] = facets
        if post.reply_to in self.world.by_key:
            record["reply"] = {"root": self._ref(post.root if post.root in self.world.by_key else post.reply_to),
                               "parent": self._ref(post.reply_to)}
        view = {"uri": self.uri_of(post), "cid": cid_for(self.uri_of(post)), "author": self._basic(post.author),
                "record": record}
        if post.quote_of in self.world.by_key:
            record["embed"] = {"$type": "app.bsky.embed.record", "record": self._ref(post.quote_of)}
            quoted = self.world.by_key[post.quote_of]
            view["embed"] = {"$type": "app.bsky.embed.record#view", "record": {
                "$type": "app.bsky.embed.record#viewRecord", **self._ref(post.quote_of),
                "author": self._basic(quoted.author), "value": {"$type": "app.bsky.feed.post", "text": "",
                                                                 "createdAt": iso_time(quoted.ms)},
                "indexedAt": iso_time(quoted.ms)}}
        reposts, replies, likes, quotes, bookmarks = post.metrics_at(now_ms)
        view.update({"bookmarkCount": bookmarks, "replyCount": replies, "repostCount": reposts, "likeCount": likes,
                     "quoteCount": quotes, "indexedAt": created, "labels": []})
        return view

    # --- the endpoints -------------------------------------------------------------------------

    def limited_path(self, path: str) -> str | None:
        return path if path in RATE_LIMITS else None

    def rate_headers(self, raw: dict) -> dict:
        limit = raw.get("x-rate-limit-limit", "0")
        return {"ratelimit-limit": limit, "ratelimit-remaining": raw.get("x-rate-limit-remaining", "0"),
                "ratelimit-reset": raw.get("x-rate-limit-reset", "0"), "ratelimit-policy": f"{limit};w={RATE_WINDOW}"}

    def rate_limited_reply(self, headers: dict) -> Reply:
        return _xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)

    def error_reply(self, fault: Fault, headers: dict, now: datetime) -> Reply:
        if fault.kind == "rate_limit":
            headers = {**headers, "ratelimit-remaining": "0"}
            headers.pop("ratelimit-reset", None)
            if fault.reset_in is not None:
                headers["ratelimit-reset"] = str(int(now.timestamp() + fault.reset_in))
            return self.rate_limited_reply(headers)
        if fault.kind == "unauthorized":
            return _xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password", headers)
        if fault.kind == "forbidden":
            return _xrpc_error(403, "AccountTakedown", "Account has been suspended", headers)
        status = fault.status or 500
        if status == 400:
            return _xrpc_error(400, "InvalidRequest", "Error: injected fault", headers)
        return _xrpc_error(status, "InternalServerError", "Internal Server Error", headers)

    def answer(self, request: Request, fault: Fault | None) -> Reply:
        if request.method == "POST" and request.path == CREATE_SESSION:
            return self._create_session(request)
        if request.method == "POST" and request.path == REFRESH_SESSION:
            return self._refresh_session(request)
        if request.method != "GET" or request.path not in (SEARCH, PROFILES, GET_POSTS):
            return _xrpc_error(404, "MethodNotImplemented", "Method Not Implemented", {})
        refused = self._check_access(request)
        if refused is not None:
            return refused
        if request.path == SEARCH:
            return self._search(request, fault)
        if request.path == GET_POSTS:
            return self._posts(request)
        return self._profiles(request, fault)

    # sign-in
    def _issue(self, kind: str, ttl: timedelta) -> str:
        now = self.clock()
        claims = {"scope": f"com.atproto.{kind}", "sub": did_for("monitor-account"), "iat": int(now.timestamp()),
                  "exp": int((now + ttl).timestamp()), "jti": hashlib.sha1(f"{kind}{now}{len(self._tokens)}".encode())
                  .hexdigest()}
        token = ".".join(base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
                         for part in ({"typ": "at+jwt", "alg": "ES256K"}, claims)) + ".c2lnbmF0dXJl"
        with self._token_lock:
            self._tokens[token] = (kind, now + ttl)
        return token

    def _session_body(self) -> dict:
        return {"accessJwt": self._issue("access", ACCESS_TTL), "refreshJwt": self._issue("refresh", REFRESH_TTL),
                "handle": self.account[0], "did": did_for("monitor-account"), "active": True}

    def _create_session(self, request: Request) -> Reply:
        body = request.body or {}
        handle, password = self.account
        if body.get("identifier") != handle or (password is not None and body.get("password") != password):
            return _xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password", {})
        self.logins += 1
        return json_reply(200, self._session_body())

    def _bearer(self, request: Request) -> str:
        return (request.headers.get("authorization") or "").removeprefix("Bearer ").strip()

    def _refresh_session(self, request: Request) -> Reply:
        token = self._bearer(request)
        with self._token_lock:
            kind, expires = self._tokens.get(token, (None, None))
        if kind != "refresh":
            return _xrpc_error(400, "InvalidToken", "Token could not be verified", {})
        if expires <= self.clock():
            return _xrpc_error(400, "ExpiredToken", "Token has expired", {})
        with self._token_lock:
            del self._tokens[token]   # a refresh token is used once
        self.refreshes += 1
        return json_reply(200, self._session_body())

    def _check_access(self, request: Request) -> Reply | None:
        token = self._bearer(request)
        with self._token_lock:
            kind, expires = self._tokens.get(token, (None, None))
        if kind != "access":
            return _xrpc_error(401, "AuthenticationRequired", "Authentication Required", {})
        if expires <= self.clock():
            return _xrpc_error(400, "ExpiredToken", "Token has expired", {})
        return None

    def expire_sessions(self) -> None:
        """Every access token expires now (as after two hours): the next request must refresh."""
        with self._token_lock:
            for token, (kind, _expires) in list(self._tokens.items()):
                if kind == "access":
                    self._tokens[token] = (kind, self.clock() - timedelta(seconds=1))

    # search
    def _matcher(self, query: str, mentions: str | None):
        if query.startswith("#"):
            tag = query[1:].lower()
            return lambda p: tag in p.hashtags
        if mentions:
            handle = mentions.lstrip("@").lower()
            return lambda p: any(self.handle_of(m) == handle for m in p.mentions if m in self.world.people)
        words = query.lower()
        return lambda p: words in "".join(piece.text for piece in p.pieces).lower()

    def _search(self, request: Request, fault: Fault | None) -> Reply:
        query = (request.one("q") or "").strip()
        if not query:
            return _xrpc_error(400, "InvalidRequest", "Error: Params must have the property \"q\"", {})
        try:
            limit = int(request.one("limit", "25"))
            since = time_param(request.one("since"))
            until = time_param(request.one("until"))
        except ValueError as e:
            return _xrpc_error(400, "InvalidRequest", f"Error: {e}", {})
        if not 1 <= limit <= MAX_LIMIT:
            return _xrpc_error(400, "InvalidRequest", f"Error: limit must be between 1 and {MAX_LIMIT}", {})
        now_ms = to_ms(self.clock())
        until_ms = min(now_ms, to_ms(until) - 1) if until else now_ms
        found = self.matching(query, to_ms(since) if since else None, until_ms, request.one("mentions"))
        after = decode_cursor(request.one("cursor"), query)
        if after is not None:
            found = [p for p in found if (p.ms, p.key) < after]
        page, more = found[:limit], len(found) > limit
        if fault is not None and fault.kind == "duplicate" and page:
            repeated = next((p for p in self.world.posts if (p.ms, p.key) == after), None) if after else None
            page = ([repeated or page[0]] + page)[:max(len(page), 2)]
            more = True
        if fault is not None and fault.kind == "out_of_order":
            page = list(reversed(page))
        body: dict = {"posts": [self._view(p, now_ms) for p in page]}
        if more and page:
            last = min(page, key=lambda p: (p.ms, p.key))
            body["cursor"] = encode_cursor(last, query)
        return json_reply(200, body, served_ids=[self.post_id(p) for p in page])

    def _profiles(self, request: Request, fault: Fault | None) -> Reply:
        actors = request.params.get("actors") or []
        if not actors or len(actors) > MAX_ACTORS:
            return _xrpc_error(400, "InvalidRequest", f"Error: actors must hold 1 to {MAX_ACTORS} items", {})
        keys = [self._by_did.get(a) or self._by_handle(a) for a in actors]
        keys = [k for k in dict.fromkeys(keys) if k in self.world.people]
        if fault is not None and fault.kind == "missing_author" and keys:
            # Always the same one of them (the first in a fixed order), so that under a lasting fault at least
            # one author is never answered for, whatever the day's corpus puts on which page.
            keys.remove(min(keys))
        if fault is not None and fault.kind == "no_includes":
            keys = []
        return json_reply(200, {"profiles": [self._profile(k) for k in keys]},
                          served_authors=[network_id(BLUESKY, did_for(k)) for k in keys])

    def _posts(self, request: Request) -> Reply:
        """app.bsky.feed.getPosts: the views of the posts still there, in the order asked; a deleted one (or
        one not yet posted on the clock) is left out, as the AppView leaves it out."""
        uris = request.params.get("uris") or []
        if not uris or len(uris) > MAX_URIS:
            return _xrpc_error(400, "InvalidRequest", f"Error: uris must hold 1 to {MAX_URIS} items", {})
        now_ms = to_ms(self.clock())
        by_uri = {self.uri_of(p): p for p in self.world.posts}
        found = [by_uri[u] for u in dict.fromkeys(uris) if u in by_uri]
        found = [p for p in found if p.key not in self._deleted and p.ms <= now_ms]
        return json_reply(200, {"posts": [self._view(p, now_ms) for p in found]},
                          served_ids=[self.post_id(p) for p in found])

    def _by_handle(self, actor: str) -> str | None:
        return next((k for k in self.world.people if self.handle_of(k) == actor.lower()), None)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"(\s+)", text) if w]
