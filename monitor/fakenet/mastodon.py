"""Simulated Mastodon servers on loopback: the hashtag timeline GET /api/v1/timelines/tag/:hashtag, a status
by its local id (GET /api/v1/statuses/:id) and the server's description (GET /api/v2/instance) of several
servers of one small fediverse, in the API documentation's shapes (Status, Account, Status::Tag and
::Mention), newest first, `limit`/`max_id`/`since_id`/`min_id`, Link headers with the next and previous
pages, X-RateLimit-* headers (the reset as a time) and 429s, an optional token per server, and the same
switchable faults as the simulated X API.

Each person has a home server; each status reaches its home server and, by a fixed draw, some of the
others, so one status is on several servers under different local ids and one canonical `uri`. All the
servers are served by one listener, each under its own path: http://127.0.0.1:PORT/<domain> is a
server's base URL (`FakeMastodon.base_url_of(domain)`).

    with FakeMastodon(seed=3, domains=("school.social", "teachers.example")) as fm:
        fm.base_urls   # the servers' base URLs for a campaign's mastodon_servers
"""
from __future__ import annotations

import hashlib
import html
from datetime import datetime, timedelta, timezone
from typing import Callable
from urllib.parse import unquote

from monitor.fakex.clock import SimClock
from monitor.fakex.corpus import iso_time, to_ms
from monitor.fakex.faults import Fault
from monitor.fakex.http import Reply, json_reply
from monitor.networks import MASTODON, network_id

from .service import FakeService, Request
from .world import Person, Piece, World, WorldPost, add_post, build_world

TAG_PATH = "/api/v1/timelines/tag/"
STATUS_PATH = "/api/v1/statuses/"
INSTANCE_PATH = "/api/v2/instance"
RATE_LIMIT, RATE_WINDOW = 300, 300   # 300 requests in 5 minutes, as Mastodon's defaults
MAX_LIMIT, DEFAULT_LIMIT = 40, 20
REACH_SHARE = 0.6   # the chance a status reaches a server other than its author's
SEARCH_WINDOW = timedelta(days=7)
DEFAULT_START = datetime(2026, 11, 9, tzinfo=timezone.utc)
DEFAULT_DOMAINS = ("school.social", "teachers.example")


def _draw(*parts: str) -> float:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def local_id(domain: str, post: WorldPost) -> str:
    """The status's id on one server: its time in the high bits (ids sort by time), a per-server tail."""
    return str(post.ms << 16 | int(hashlib.md5(f"{domain}{post.key}".encode()).hexdigest()[:4], 16))


def _problem(status: int, message: str, headers: dict) -> Reply:
    return json_reply(status, {"error": message}, headers)


class FakeMastodon(FakeService):
    def __init__(self, seed: int = 7, start: datetime = DEFAULT_START, days: int = 14, posts_per_day: int = 200,
                 hashtags=("InvestInPupilServices", "PupilAndFamilyServices", "FundOurSchools"),
                 domains=DEFAULT_DOMAINS, tokens: dict[str, str] | None = None, host: str = "127.0.0.1",
                 port: int = 0, clock: Callable[[], datetime] | None = None, churn: bool = False):
        super().__init__(clock if clock is not None else SimClock(start), host, port,
                         rate_limits=dict.fromkeys(domains, (RATE_LIMIT, RATE_WINDOW)))
        self.world: World = build_world(seed + 101, start, days, posts_per_day, hashtags, "NAHTnews", churn)
        self.domains = tuple(domains)
        self.tokens = dict(tokens or {})   # domain -> the token it requires (absent: public timeline)
        self._deleted: set[str] = set()

    # --- the small fediverse ------------------------------------------------------------------

    def home(self, person_key: str) -> str:
        return self.domains[int(_draw("home", person_key) * len(self.domains)) % len(self.domains)]

    def reaches(self, post: WorldPost, domain: str) -> bool:
        return domain == self.home(post.author) or _draw("reach", post.key, domain) < REACH_SHARE

    def base_url_of(self, domain: str) -> str:
        return f"{self.base_url}/{domain}"

    @property
    def base_urls(self) -> tuple[str, ...]:
        return tuple(self.base_url_of(d) for d in self.domains)

    def uri_of(self, post: WorldPost) -> str:
        person = self.world.people[post.author]
        return f"https://{self.home(post.author)}/users/{person.username.lower()}/statuses/" \
               f"{local_id(self.home(post.author), post)}"

    def post_id(self, post: WorldPost) -> str:
        return network_id(MASTODON, self.uri_of(post))

    def queries(self, hashtags=None) -> list[str]:
        tags = hashtags if hashtags is not None else self.world.corpus.hashtags
        return [f"{base} #{tag}" for base in self.base_urls for tag in tags]

    @property
    def default_query(self) -> str:
        return self.queries()[0]

    def now(self) -> datetime:
        return self.clock()

    def timeline(self, domain: str, tag: str, now_ms: int) -> list[WorldPost]:
        """The tag's statuses on one server, newest first."""
        wanted = tag.lower()
        found = [p for p in self.world.posts if p.ms <= now_ms and wanted in p.hashtags and p.key not in self._deleted
                 and self.reaches(p, domain)]
        return sorted(found, key=lambda p: int(local_id(domain, p)), reverse=True)

    def visible_ids(self, query: str | None = None) -> set[str]:
        now_ms, since = to_ms(self.clock()), to_ms(self.clock() - SEARCH_WINDOW)
        found = set()
        for q in [query] if query else self.queries():
            base, _, tag = q.rpartition(" #")
            domain = base.rsplit("/", 1)[-1]
            found |= {self.post_id(p) for p in self.timeline(domain, tag, now_ms) if p.ms >= since}
        return found

    def delete_post(self, key: str) -> None:
        self._deleted.add(key)

    def add_post(self, text: str, username: str, at: datetime | None = None, bio: str = "",
                 followers: int = 100) -> str:
        pieces = [Piece("hashtag", w, w[1:]) if w.startswith("#") and len(w) > 1 else Piece("text", w)
                  for w in text.split(" ")]
        spaced = []
        for i, piece in enumerate(pieces):
            spaced += ([Piece("text", " ")] if i else []) + [piece]
        person = Person(f"test-{username}", username, username.title(), bio, followers, 10, 10,
                        "2020-01-01T00:00:00.000Z", None)
        return self.post_id(add_post(self.world, spaced, person, to_ms(at or self.clock() - timedelta(minutes=1))))

    # --- rendering -----------------------------------------------------------------------------

    def _account(self, domain: str, key: str) -> dict:
        person = self.world.people[key]
        home, user = self.home(key), person.username.lower()
        return {"id": str(int(hashlib.md5(f"{domain}{key}".encode()).hexdigest()[:12], 16)), "username": user,
                "acct": user if home == domain else f"{user}@{home}", "display_name": person.name,
                "locked": False, "bot": False, "discoverable": True, "group": False,
                "created_at": person.created_at, "note": f"<p>{html.escape(person.bio)}</p>" if person.bio else "",
                "url": f"https://{home}/@{user}", "uri": f"https://{home}/users/{user}",
                "avatar": f"https://{home}/avatars/{user}.png", "avatar_static": f"https://{home}/avatars/{user}.png",
                "header": f"https://{home}/headers/original/missing.png",
                "header_static": f"https://{home}/headers/original/missing.png",
                "followers_count": person.followers, "following_count": person.following,
                "statuses_count": person.posts_count, "last_status_at": person.created_at[:10], "emojis": [],
                "fields": []}

    def _content(self, domain: str, post: WorldPost) -> tuple[str, list[dict], list[dict]]:
        parts, tags, mentions = [], {}, {}
        for piece in post.pieces:
            if piece.kind == "hashtag":
                tags[piece.value.lower()] = {"name": piece.value.lower(), "url": f"https://{domain}/tags/{piece.value}"}
                parts.append(f'<a href="https://{domain}/tags/{html.escape(piece.value)}" class="mention hashtag" '
                             f'rel="tag">#<span>{html.escape(piece.value)}</span></a>')
            elif piece.kind == "mention" and piece.value in self.world.people:
                account = self._account(domain, piece.value)
                mentions[account["acct"]] = {"id": account["id"], "username": account["username"],
                                             "url": account["url"], "acct": account["acct"]}
                parts.append(f'<span class="h-card"><a href="{account["url"]}" class="u-url mention">'
                             f'@<span>{html.escape(account["username"])}</span></a></span>')
            else:
                parts.append(html.escape(piece.text).replace("\n", "<br>"))
        return f"<p>{''.join(parts)}</p>", list(tags.values()), list(mentions.values())

    def _status(self, domain: str, post: WorldPost, now_ms: int, nested: bool = False) -> dict:
        content, tags, mentions = self._content(domain, post)
        home, user = self.home(post.author), self.world.people[post.author].username.lower()
        home_id = local_id(home, post)
        reblogs, replies, likes, quotes, _bookmarks = post.metrics_at(now_ms)
        parent = self.world.by_key.get(post.reply_to) if post.reply_to else None
        status = {
            "id": local_id(domain, post), "created_at": iso_time(post.ms),
            "in_reply_to_id": local_id(domain, parent) if parent else None,
            "in_reply_to_account_id": self._account(domain, parent.author)["id"] if parent else None,
            "sensitive": False, "spoiler_text": "", "visibility": "public", "language": post.lang,
            "uri": f"https://{home}/users/{user}/statuses/{home_id}", "url": f"https://{home}/@{user}/{home_id}",
            "replies_count": replies, "reblogs_count": reblogs, "favourites_count": likes, "quotes_count": quotes,
            "edited_at": None, "content": content, "reblog": None, "application": None,
            "account": self._account(domain, post.author), "media_attachments": [], "mentions": mentions,
            "tags": tags, "emojis": [], "card": None, "poll": None, "quote": None}
        quoted = self.world.by_key.get(post.quote_of) if post.quote_of else None
        if quoted is not None and not nested:
            status["quote"] = {"state": "accepted", "quoted_status": self._status(domain, quoted, now_ms, True)}
        return status

    def _one_status(self, domain: str, wanted: str) -> Reply:
        """GET /api/v1/statuses/:id: a status this server has under that local id; 404 for one deleted (the
        deletion reached every server) or never there."""
        now_ms = to_ms(self.clock())
        posted_ms = int(wanted) >> 16 if wanted.isdigit() else -1   # a local id holds its time (local_id)
        found = next((p for p in self.world.posts if p.ms == posted_ms and p.ms <= now_ms
                      and local_id(domain, p) == wanted and p.key not in self._deleted and self.reaches(p, domain)),
                     None)
        if found is None:
            return _problem(404, "Record not found", {})
        return json_reply(200, self._status(domain, found, now_ms), served_ids=[self.post_id(found)])

    # --- the endpoints -------------------------------------------------------------------------

    def _domain(self, path: str) -> tuple[str | None, str]:
        head, _, rest = path.lstrip("/").partition("/")
        return (head, "/" + rest) if head in self.domains else (None, path)

    def limited_path(self, path: str) -> str | None:
        return self._domain(path)[0]

    def rate_headers(self, raw: dict) -> dict:
        reset = datetime.fromtimestamp(int(raw.get("x-rate-limit-reset", "0")), timezone.utc)
        return {"X-RateLimit-Limit": raw.get("x-rate-limit-limit", "0"),
                "X-RateLimit-Remaining": raw.get("x-rate-limit-remaining", "0"),
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.000Z")}

    def rate_limited_reply(self, headers: dict) -> Reply:
        return _problem(429, "Too many requests", headers)

    def error_reply(self, fault: Fault, headers: dict, now: datetime) -> Reply:
        if fault.kind == "rate_limit":
            headers = {**headers, "X-RateLimit-Remaining": "0"}
            headers.pop("X-RateLimit-Reset", None)
            if fault.reset_in is not None:
                headers["X-RateLimit-Reset"] = (now + timedelta(seconds=fault.reset_in)).strftime(
                    "%Y-%m-%dT%H:%M:%S.000Z")
            return self.rate_limited_reply(headers)
        if fault.kind == "unauthorized":
            return _problem(401, "The access token is invalid", headers)
        if fault.kind == "forbidden":
            return _problem(403, "This action is not allowed", headers)
        status = fault.status or 500
        if status == 400:
            return _problem(400, "Invalid request (injected fault)", headers)
        return _problem(status, "We're sorry, but something went wrong on our end.", headers)

    def answer(self, request: Request, fault: Fault | None) -> Reply:
        domain, path = self._domain(request.path)
        if domain is None or request.method != "GET":
            return _problem(404, "Record not found", {})
        if path == INSTANCE_PATH:
            return json_reply(200, {"domain": domain, "title": domain, "version": "4.3.0"})
        required = self.tokens.get(domain)
        if required and request.headers.get("authorization") != f"Bearer {required}":
            return _problem(401, "The access token is invalid", {})
        if path.startswith(STATUS_PATH):
            return self._one_status(domain, path[len(STATUS_PATH):])
        if not path.startswith(TAG_PATH):
            return _problem(404, "Record not found", {})
        try:
            limit = min(MAX_LIMIT, max(1, int(request.one("limit", str(DEFAULT_LIMIT)))))
        except ValueError:
            return _problem(400, "limit must be a number", {})
        tag = unquote(path[len(TAG_PATH):])
        now_ms = to_ms(self.clock())
        found = self.timeline(domain, tag, now_ms)
        bounds = {name: int(v) for name in ("max_id", "since_id", "min_id")
                  if (v := request.one(name)) and v.isdigit()}
        found = [p for p in found if ("max_id" not in bounds or int(local_id(domain, p)) < bounds["max_id"])
                 and ("since_id" not in bounds or int(local_id(domain, p)) > bounds["since_id"])
                 and ("min_id" not in bounds or int(local_id(domain, p)) > bounds["min_id"])]
        # min_id pages forward from the cursor (the oldest after it first); the rest newest first.
        page = list(reversed(found))[:limit][::-1] if "min_id" in bounds else found[:limit]
        if fault is not None and fault.kind == "duplicate" and page:
            previous = bounds.get("max_id")
            repeated = next((p for p in self.world.posts if previous and int(local_id(domain, p)) == previous), None)
            page = ([repeated or page[0]] + page)[:max(len(page), 2)]
        if fault is not None and fault.kind == "out_of_order":
            page = list(reversed(page))
        statuses = [self._status(domain, p, now_ms) for p in page]
        if fault is not None and fault.kind == "missing_author" and statuses:
            statuses[0]["account"] = {}
        headers = {}
        if page:
            ids = sorted(int(local_id(domain, p)) for p in page)
            base = f"{self.base_url_of(domain)}/api/v1/timelines/tag/{tag}?limit={limit}"
            headers["Link"] = f'<{base}&max_id={ids[0]}>; rel="next", <{base}&min_id={ids[-1]}>; rel="prev"'
        served = [self.post_id(p) for i, p in enumerate(page) if statuses[i].get("account")]
        return json_reply(200, statuses, headers, served_ids=served)
