"""Seeded generator of a realistic stream of NAHT campaign posts in X API v2 shape.

Same seed and arguments -> the same corpus, byte for byte. All randomness comes from one
`random.Random(seed)` and every step draws in a fixed order, so keep new draws at the end of a
step or the corpus of an existing seed changes.
"""
from __future__ import annotations

import bisect
import hashlib
import itertools
import random
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from monitor.snowflake import snowflake, snowflake_ms

from . import profiles
from .engagement import Growth, draw_engagement, metrics_at

UK_TIME = ZoneInfo("Europe/London")
DAY_MS = 86_400_000
HOUR_MS = 3_600_000

# Relative posting activity per UK local hour: quiet nights, peaks before school and in the evening.
HOUR_WEIGHTS = (1.0, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 6, 8, 6, 4, 4, 5, 4, 3, 4, 5, 6, 7, 8, 8, 6, 4, 2)
WEEKDAY_VOLUME, WEEKEND_VOLUME = 1.1, 0.75   # averages to 1.0 over a week
REPLY_SHARE, QUOTE_SHARE = 0.18, 0.07
NOISE_SHARE, MENTION_ONLY_SHARE = 0.04, 0.15
PLACE_SHARE, EDITED_SHARE = 0.01, 0.005
OFFICIAL_SHARE, BRANCH_SHARE = 0.03, 0.004     # of all posts
TAG_COUNT_CUM_WEIGHTS = (60, 90, 100)           # 1, 2 or 3 campaign tags in a post
# Posts over X's 280 characters (Premium accounts): `text` comes cut, ending in CUT_MARK, and the whole
# post in `note_tweet` with its own entities, only when tweet.fields asks for note_tweet. In half of them
# the campaign hashtags come only after the cut (X's search matches the whole text).
LONG_SHARE, LONG_TAGS_AFTER_CUT_SHARE = 0.03, 0.5
TEXT_LIMIT, CUT_MARK = 280, "\u2026"
ACTIVITY_BY_KIND = {kind: activity for kind, _share, activity in profiles.AUTHOR_KINDS}



def iso_time(ms: int) -> str:
    """The API's created_at format: whole seconds, '.000Z'."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ms // 1000))


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


# --- corpus --------------------------------------------------------------------------------

@dataclass(slots=True)
class PostFacts:
    """What search needs about a post, precomputed (lower-case strings), plus its metric curve."""

    id: str
    id_int: int
    ms: int
    author_id: str
    username: str
    hashtags: frozenset
    mentions: frozenset
    text_lower: str
    lang: str
    is_reply: bool
    is_quote: bool
    has_geo: bool
    final_metrics: tuple   # retweet, reply, like, quote, bookmark, impression counts when fully grown
    growth: Growth         # how they grow with age (monitor.fakex.engagement)


@dataclass
class Corpus:
    """The generated world. `posts`, `users`, `places` hold plain dicts in API v2 shape.

    Post dicts carry no `public_metrics`: those grow with age and are computed per response
    (`metrics_at`). `user_regions` is the ground-truth region of each author's profile
    location (None where a careful human would say Unknown), for scoring attribution.
    """

    seed: int
    start: datetime
    days: int
    hashtags: tuple
    mention: str | None
    posts: list[dict] = field(default_factory=list)          # oldest first
    users: dict[str, dict] = field(default_factory=dict)
    places: dict[str, dict] = field(default_factory=dict)
    facts: list[PostFacts] = field(default_factory=list)     # parallel to posts
    ids_ascending: list[int] = field(default_factory=list)   # parallel to posts
    post_by_id: dict[str, dict] = field(default_factory=dict)
    facts_by_id: dict[str, PostFacts] = field(default_factory=dict)
    user_regions: dict[str, str | None] = field(default_factory=dict)
    scheduled_deletions: dict[str, int] = field(default_factory=dict)    # post id -> ms
    scheduled_protections: dict[str, int] = field(default_factory=dict)  # user id -> ms
    edit_chains: dict[str, list] = field(default_factory=dict)    # post id -> [(ms, version id)] of its edits
    replaced_from_ms: dict[str, int] = field(default_factory=dict)  # post id -> ms a newer version appeared

    def metrics_at(self, post_id: str, now_ms: int) -> dict:
        facts = self.facts_by_id[post_id]
        return metrics_at(facts.final_metrics, facts.growth, max(0, now_ms - facts.ms) / HOUR_MS)

    def add_post(self, text: str, user: dict, at: datetime, final_metrics: tuple = (1, 1, 5, 0, 1, 200),
                 reply_to: str | None = None, quote_of: str | None = None) -> str:
        """Put a post of your own into the corpus (text exactly as given; its hashtags, and its mentions of
        users the corpus knows, taken from it) by `user` (an API v2 user dict with at least `id` and
        `username`; added or replaced), posted at `at`, optionally a reply to or a quote of a post of the
        corpus. A text over TEXT_LIMIT characters is served as X serves a long post (as_served).
        For tests that need particular content; call it before the posts are searched. Returns the id."""
        self.users[str(user["id"])] = {
            "name": user["username"], "created_at": iso_time(to_ms(at) - 400 * DAY_MS), "description": "",
            "protected": False, "verified": False, "verified_type": "none",
            "public_metrics": {"followers_count": 100, "following_count": 100, "tweet_count": 100,
                               "listed_count": 0, "like_count": 0}, **user, "id": str(user["id"])}
        self.user_regions.setdefault(str(user["id"]), None)
        post_id = self._free_id(to_ms(at))
        post = {"id": post_id, "author_id": str(user["id"]), "created_at": iso_time(to_ms(at)), "lang": "en",
                "conversation_id": post_id, "edit_history_tweet_ids": [post_id], "possibly_sensitive": False,
                "reply_settings": "everyone"}
        if reply_to:
            parent = self.post_by_id[reply_to]
            post.update(conversation_id=parent["conversation_id"], in_reply_to_user_id=parent["author_id"],
                        referenced_tweets=[{"type": "replied_to", "id": reply_to}])
        elif quote_of:
            post["referenced_tweets"] = [{"type": "quoted", "id": quote_of}]
        self._insert(post, text, final_metrics)
        return post_id

    def edit_post(self, post_id: str, text: str, at: datetime) -> str:
        """The author edits a post at `at`: as on X, the edit is a new post with its own id, and every
        version's edit_history_tweet_ids lists the versions up to now, oldest first (see edit_history).
        From `at` on, search finds the new version only; a lookup by an older id still returns that
        version. Returns the new version's id."""
        old = self.post_by_id[post_id]
        ms = to_ms(at)
        new_id = self._free_id(ms)
        chain = self.edit_chains.setdefault(post_id, [(self.facts_by_id[post_id].ms, post_id)])
        chain.append((ms, new_id))
        self.edit_chains[new_id] = chain
        self.replaced_from_ms[post_id] = ms
        post = {key: value for key, value in old.items() if key not in ("text", "entities", "note_tweet")}
        post.update(id=new_id, created_at=iso_time(ms), edit_history_tweet_ids=[i for _, i in chain])
        if post.get("conversation_id") == post_id:
            post["conversation_id"] = new_id
        self._insert(post, text, self.facts_by_id[post_id].final_metrics)
        return new_id

    def edit_history(self, post: dict, now_ms: int) -> list[str]:
        """The post's versions as X lists them at now_ms: every version made by then, oldest first."""
        chain = self.edit_chains.get(post["id"])
        if chain is None:
            return post["edit_history_tweet_ids"]
        return [version for ms, version in chain if ms <= now_ms or version == post["id"]]

    def is_replaced(self, post_id: str, now_ms: int) -> bool:
        """Whether a newer version of the post exists at now_ms (search no longer finds this one)."""
        return self.replaced_from_ms.get(post_id, now_ms + 1) <= now_ms

    def _free_id(self, ms: int) -> str:
        low_bits = 0
        while str(snowflake(ms, low_bits)) in self.post_by_id:
            low_bits += 1
        return str(snowflake(ms, low_bits))

    def _insert(self, post: dict, text: str, final_metrics: tuple) -> None:
        """Add a post of a test's own (text and entities from `text`) where its id belongs: oldest first."""
        users_by_name = {u["username"].lower(): u for u in self.users.values()}
        tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)]
        mentions = [{"start": m.start(), "end": m.end(), "username": users_by_name[m.group(1).lower()]["username"],
                     "id": users_by_name[m.group(1).lower()]["id"]}
                    for m in _MENTION.finditer(text) if m.group(1).lower() in users_by_name]
        as_served(post, text, tags, mentions)
        id_int = int(post["id"])
        kind = (post.get("referenced_tweets") or [{}])[0].get("type")
        facts = PostFacts(id=post["id"], id_int=id_int, ms=snowflake_ms(id_int), author_id=post["author_id"],
                          username=self.users[post["author_id"]]["username"].lower(),
                          hashtags=frozenset(t["tag"].lower() for t in tags),
                          mentions=frozenset(m["username"].lower() for m in mentions), text_lower=text.lower(),
                          lang=post["lang"], is_reply=kind == "replied_to", is_quote=kind == "quoted",
                          has_geo="geo" in post, final_metrics=tuple(final_metrics), growth=Growth())
        position = bisect.bisect_left(self.ids_ascending, id_int)   # posts stay oldest first
        self.ids_ascending.insert(position, id_int)
        self.posts.insert(position, post)
        self.facts.insert(position, facts)
        self.post_by_id[post["id"]] = post
        self.facts_by_id[post["id"]] = facts


_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")


def as_served(post: dict, text: str, hashtags: list[dict], mentions: list[dict]) -> None:
    """Give `post` its text and entities the way X serves them: whole up to TEXT_LIMIT characters; a longer
    post cut at a space before the limit and ending in CUT_MARK, with the entities that lie wholly in what
    is left, and the whole post in `note_tweet` with all of its entities."""
    entities = {name: found for name, found in (("hashtags", hashtags), ("mentions", mentions)) if found}
    post.pop("note_tweet", None)
    if len(text) <= TEXT_LIMIT:
        post["text"] = text
    else:
        space = max(text.rfind(" ", 0, TEXT_LIMIT), text.rfind("\n", 0, TEXT_LIMIT))
        kept = text[:space if space > 0 else TEXT_LIMIT - len(CUT_MARK)].rstrip()
        post["text"] = kept + CUT_MARK
        post["note_tweet"] = {"text": text, "entities": entities} if entities else {"text": text}
        entities = {name: [e for e in found if e["end"] <= len(kept)] for name, found in entities.items()}
        entities = {name: found for name, found in entities.items() if found}
    if entities:
        post["entities"] = entities
    else:
        post.pop("entities", None)


def whole_text(post: dict) -> str:
    return (post.get("note_tweet") or {}).get("text") or post["text"]


def build_corpus(seed: int, start: datetime, days: int, posts_per_day: int,
                 hashtags=("InvestInPupilServices", "PupilAndFamilyServices", "FundOurSchools"),
                 mention: str | None = "NAHTnews", churn: bool = False, rising: float = 0.0) -> Corpus:
    """`rising`: the daily volume grows steadily by this much over the span (1.0: the last day twice the first)."""
    rng = random.Random(seed)
    corpus = Corpus(seed=seed, start=start, days=days, hashtags=tuple(hashtags), mention=mention)
    post_times = _post_times(rng, start, days, posts_per_day, rising)
    authors = _UserFactory(rng, corpus).make_all(n_ordinary=_author_count(len(post_times)))
    corpus.places = _make_places()
    _PostFactory(rng, corpus, authors).make_all(post_times)
    if churn:
        _schedule_churn(rng, corpus, authors)
    return corpus


def _author_count(total_posts: int) -> int:
    return max(300, min(6000, total_posts // 3))


def _rising_volume(day: int, days: int, rising: float) -> float:
    """The volume of a day when it rises steadily over the span (1.0 on the first day)."""
    return 1.0 + rising * day / max(1, days - 1)


def _post_times(rng: random.Random, start: datetime, days: int, posts_per_day: int, rising: float = 0.0) -> list[int]:
    """Post times in ms, sorted: daily rhythm in UK time, quieter weekends, 2-3 event days."""
    start_ms = to_ms(start)
    weekdays = [day for day in range(days) if (start + timedelta(days=day)).astimezone(UK_TIME).weekday() < 5]
    event_days = set(rng.sample(weekdays, k=min(len(weekdays), rng.choice((2, 3))))) if days >= 3 else set()
    cumulative_hour_weights = list(itertools.accumulate(HOUR_WEIGHTS))
    times: list[int] = []
    for day in range(days):
        local_start = (start + timedelta(days=day)).astimezone(UK_TIME)
        volume = WEEKDAY_VOLUME if local_start.weekday() < 5 else WEEKEND_VOLUME
        if day in event_days:
            volume *= rng.uniform(3.0, 5.0)
        count = round(posts_per_day * volume * _rising_volume(day, days, rising) * rng.uniform(0.85, 1.15))
        into_hour_ms = (local_start.minute * 60 + local_start.second) * 1000
        day_ms = start_ms + day * DAY_MS
        for local_hour in rng.choices(range(24), cum_weights=cumulative_hour_weights, k=count):
            offset = ((local_hour - local_start.hour) % 24) * HOUR_MS - into_hour_ms + rng.randrange(HOUR_MS)
            times.append(day_ms + offset % DAY_MS)
    times.sort()
    return times


def _make_places() -> dict[str, dict]:
    places = {}
    for name, full_name, country, code, lon, lat, _region in profiles.PLACES:
        place_id = hashlib.md5(full_name.encode()).hexdigest()[:16]
        places[place_id] = {
            "id": place_id, "full_name": full_name, "name": name, "country": country,
            "country_code": code, "place_type": "city",
            "geo": {"type": "Feature", "bbox": [round(lon - 0.12, 6), round(lat - 0.07, 6),
                                                 round(lon + 0.12, 6), round(lat + 0.07, 6)],
                    "properties": {}},
        }
    return places


# --- users ---------------------------------------------------------------------------------

@dataclass(slots=True)
class Author:
    id: str
    username: str
    kind: str
    followers: int
    region: str | None
    activity: float


class _UserFactory:
    def __init__(self, rng: random.Random, corpus: Corpus):
        self.rng = rng
        self.corpus = corpus
        self.usernames: set[str] = set()
        self.user_ids: set[str] = set()
        regions = list(profiles.LOCATIONS_BY_REGION)
        self.regions = regions
        self.region_weights = [profiles.LOCATIONS_BY_REGION[region][0] for region in regions]

    def make_all(self, n_ordinary: int) -> list[Author]:
        authors = []
        if self.corpus.mention:
            authors.append(self._official())
        authors += [self._branch(town, location, region) for town, location, region in profiles.TOWNS_FOR_BRANCHES]
        kinds = [kind for kind, _share, _activity in profiles.AUTHOR_KINDS]
        shares = [share for _kind, share, _activity in profiles.AUTHOR_KINDS]
        for kind in self.rng.choices(kinds, weights=shares, k=n_ordinary):
            authors.append(self._ordinary(kind))
        self._make_a_few_famous(authors)
        return authors

    def _official(self) -> Author:
        return self._add(name="NAHT", username=self.corpus.mention, kind="official",
                         followers=self.rng.randint(55_000, 70_000), location="UK", region=None,
                         description="The union for school leaders. #NAHT", verified_type="business",
                         activity=60.0, created_year=2009)

    def _branch(self, town: str, location: str, region: str) -> Author:
        username = f"NAHT{town.replace(' ', '')}"[:15]
        return self._add(name=f"NAHT {town} Branch", username=username, kind="branch",
                         followers=self.rng.randint(150, 2500), location=location, region=region,
                         description=f"NAHT branch for school leaders in {town}.", verified_type="none",
                         activity=6.0, created_year=self.rng.randint(2011, 2020))

    def _ordinary(self, kind: str) -> Author:
        rng = self.rng
        region = rng.choices(self.regions, weights=self.region_weights)[0]
        location = rng.choice(profiles.LOCATIONS_BY_REGION[region][1])
        first, last = rng.choice(profiles.FIRST_NAMES), rng.choice(profiles.LAST_NAMES)
        name = {"mp": f"{first} {last} MP", "staff": f"{first} {last} (NAHT)"}.get(kind, f"{first} {last}")
        if kind in ("teacher", "head") and rng.random() < 0.15:
            name = f"{rng.choice(('Mrs', 'Mr', 'Ms', 'Dr'))} {last} {rng.choice(('🍎', '📚', '', ''))}".strip()
        town = location.split(",")[0] if location else "the North"
        description = rng.choice(profiles.DESCRIPTIONS[kind]).format(town=town)
        verified_type = self._verified_type(kind)
        activity = ACTIVITY_BY_KIND[kind]
        # Pareto: most accounts have a few hundred followers, a handful very many.
        followers = min(int(rng.paretovariate(1.2) * 60), 150_000)
        return self._add(name=name, username=self._username(first, last), kind=kind, followers=followers,
                         location=location, region=region, description=description,
                         verified_type=verified_type, activity=activity,
                         created_year=rng.randint(2008, 2025))

    def _verified_type(self, kind: str) -> str:
        roll = self.rng.random()
        if kind == "mp" and roll < 0.5:
            return "government"
        if kind in ("journalist", "mp") and roll < 0.8:
            return "blue"
        return "blue" if roll < 0.04 else "none"

    def _make_a_few_famous(self, authors: list[Author]) -> None:
        """National journalists and MPs with 100k+ followers: they dominate potential reach."""
        notable = [a for a in authors if a.kind in ("journalist", "mp")]
        for author in notable[:3]:
            author.followers = self.rng.randint(100_000, 900_000)
            self.corpus.users[author.id]["public_metrics"]["followers_count"] = author.followers

    def _username(self, first: str, last: str) -> str:
        rng = self.rng
        def plain(text: str) -> str:
            return "".join(ch for ch in text if ch.isascii() and ch.isalnum())

        while True:
            style = rng.randrange(4)
            base = [plain(first) + plain(last), plain(first)[0] + plain(last),
                    plain(last) + rng.choice(("Teach", "Head", "Edu", "UK")),
                    plain(first) + "_" + plain(last)][style]
            candidate = (base[:11] + str(rng.randint(1, 999)) if rng.random() < 0.6 else base)[:15]
            if candidate.lower() not in self.usernames:
                return candidate

    def _user_id(self, created_ms: int) -> str:
        # Accounts made before 2014 have short sequential ids; later ones are snowflakes.
        while True:
            if created_ms < 1_388_534_400_000:
                candidate = str(self.rng.randint(10_000_000, 2_300_000_000))
            else:
                candidate = str(snowflake(created_ms, self.rng.getrandbits(22)))
            if candidate not in self.user_ids:
                return candidate

    def _add(self, *, name, username, kind, followers, location, region, description,
             verified_type, activity, created_year) -> Author:
        rng = self.rng
        created_ms = to_ms(datetime(created_year, 1, 1, tzinfo=timezone.utc)) + rng.randrange(364 * DAY_MS)
        user_id = self._user_id(created_ms)
        self.user_ids.add(user_id)
        self.usernames.add(username.lower())
        user = {
            "id": user_id, "name": name, "username": username, "created_at": iso_time(created_ms),
            "description": description, "protected": False,
            "verified": verified_type != "none", "verified_type": verified_type,
            "profile_image_url": f"https://pbs.twimg.com/profile_images/{rng.getrandbits(60)}/avatar_normal.jpg",
            "public_metrics": {"followers_count": followers, "following_count": rng.randint(20, 3000),
                               "tweet_count": rng.randint(50, 60_000), "listed_count": followers // 200,
                               "like_count": rng.randint(0, 90_000)},
        }
        if location:   # the API omits the field when a profile has no location
            user["location"] = location
        self.corpus.users[user_id] = user
        self.corpus.user_regions[user_id] = region
        return Author(user_id, username, kind, followers, region, activity)


# --- posts ---------------------------------------------------------------------------------

class _TextBuilder:
    """Builds a post's text and its entities with the right start/end offsets."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.hashtags: list[dict] = []
        self.mentions: list[dict] = []

    def add(self, piece: str) -> None:
        if piece:
            self.parts.append(piece)
            self.length += len(piece)

    def space(self) -> None:
        if self.parts and not self.parts[-1].endswith((" ", "\n")):
            self.add(" ")

    def mention(self, username: str, user_id: str) -> None:
        start = self.length
        self.add("@" + username)
        self.mentions.append({"start": start, "end": self.length, "username": username, "id": user_id})

    def hashtag(self, tag: str) -> None:
        self.space()
        start = self.length
        self.add("#" + tag)
        self.hashtags.append({"start": start, "end": self.length, "tag": tag})

    def text(self) -> str:
        return "".join(self.parts)


class _PostFactory:
    def __init__(self, rng: random.Random, corpus: Corpus, authors: list[Author]):
        self.rng = rng
        self.corpus = corpus
        self.authors = authors
        self.official = authors[0] if corpus.mention else None
        self.notables = [a for a in authors if a.kind in ("journalist", "mp")] or authors
        self.place_ids_by_region: dict[str | None, list[str]] = {}
        for place_id, place_row in zip(corpus.places, profiles.PLACES):
            self.place_ids_by_region.setdefault(place_row[6], []).append(place_id)
        self.all_place_ids = list(corpus.places)

    def make_all(self, post_times: list[int]) -> None:
        rng = self.rng
        weights = self._activity_weights()
        posters = rng.choices(self.authors, cum_weights=list(itertools.accumulate(weights)), k=len(post_times))
        ids = self._ids(post_times)
        for index, (post_id, ms, author) in enumerate(zip(ids, post_times, posters)):
            self._make_post(index, post_id, ms, author)

    def _activity_weights(self) -> list[float]:
        """Zipf-like by a random rank: a few authors post many times, most once or twice.

        The official account and the branches get fixed shares, as real campaign accounts do.
        """
        ranks = list(range(1, len(self.authors) + 1))
        self.rng.shuffle(ranks)
        weights = [author.activity / rank ** 0.8 for rank, author in zip(ranks, self.authors)]
        total = sum(weights)
        for position, author in enumerate(self.authors):
            if author.kind == "official":
                weights[position] = total * OFFICIAL_SHARE
            elif author.kind == "branch":
                weights[position] = total * BRANCH_SHARE
        return weights

    def _ids(self, post_times: list[int]) -> list[int]:
        seen: set[int] = set()
        ids = []
        for ms in post_times:
            post_id = snowflake(ms, self.rng.getrandbits(22))
            while post_id in seen:
                post_id = snowflake(ms, self.rng.getrandbits(22))
            seen.add(post_id)
            ids.append(post_id)
        return sorted(ids)   # same ms order as post_times; ties broken by the low bits

    def _make_post(self, index: int, id_int: int, ms: int, author: Author) -> None:
        rng = self.rng
        corpus = self.corpus
        post_id = str(id_int)
        roll = rng.random()
        parent = corpus.posts[index - 1 - min(index - 1, int(rng.expovariate(1 / 40)))] if index else None
        is_reply = parent is not None and roll < REPLY_SHARE
        is_quote = parent is not None and REPLY_SHARE <= roll < REPLY_SHARE + QUOTE_SHARE
        welsh = rng.random() < (0.35 if author.region == profiles.WELSH_REGION else 0.01)
        builder = _TextBuilder()
        if is_reply:
            parent_author = corpus.users[parent["author_id"]]
            builder.mention(parent_author["username"], parent_author["id"])
            builder.add(" ")
        self._write_body(builder, author, welsh, self._long_form(post_id))
        text = builder.text()
        post = {"id": post_id, "text": text, "author_id": author.id, "created_at": iso_time(ms),
                "lang": "cy" if welsh else "en", "conversation_id": post_id,
                "edit_history_tweet_ids": [post_id], "possibly_sensitive": False,
                "reply_settings": "everyone"}
        as_served(post, text, builder.hashtags, builder.mentions)
        if is_reply:
            post["conversation_id"] = parent["conversation_id"]
            post["in_reply_to_user_id"] = parent["author_id"]
            post["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
        elif is_quote:
            post["referenced_tweets"] = [{"type": "quoted", "id": parent["id"]}]
        has_geo = rng.random() < PLACE_SHARE
        if has_geo:
            post["geo"] = {"place_id": self._place_for(author)}
        if rng.random() < EDITED_SHARE:
            original = snowflake(ms - rng.randint(30_000, 600_000), rng.getrandbits(22))
            post["edit_history_tweet_ids"] = [str(original), post_id]
        self._store(post, id_int, ms, author, builder, has_geo)

    def _long_form(self, post_id: str) -> tuple[random.Random, bool] | None:
        """(the post's own generator, whether its campaign hashtags come after the cut) for a long post,
        else None. Drawn from a generator of the post's own, not self.rng: the rest of the corpus of a
        seed stays as it was before there were long posts."""
        own = random.Random(f"{self.corpus.seed}:long:{post_id}")
        if own.random() >= LONG_SHARE:
            return None
        return own, own.random() < LONG_TAGS_AFTER_CUT_SHARE

    @staticmethod
    def _lengthen(builder: _TextBuilder, own: random.Random, welsh: bool, at_least: int) -> None:
        """A second paragraph of considered sentences until the text holds at least `at_least` characters."""
        pool = profiles.LONG_CY_SENTENCES if welsh else profiles.LONG_EN_SENTENCES
        sentences = itertools.cycle(own.sample(pool, k=len(pool)))   # no sentence twice in a row
        builder.add("\n\n")
        while builder.length < at_least:
            builder.space()
            builder.add(next(sentences).format(n=own.randint(3, 40)))

    def _write_body(self, builder: _TextBuilder, author: Author, welsh: bool,
                    long_form: tuple[random.Random, bool] | None = None) -> None:
        rng = self.rng
        corpus = self.corpus
        style = rng.random()
        noise = style < NOISE_SHARE
        mention_only = not noise and self.official and style < NOISE_SHARE + MENTION_ONLY_SHARE
        with_mention = mention_only or (not noise and self.official and rng.random() < 0.35)
        if author is self.official:
            mention_only, with_mention = False, False   # the union does not mention itself
        if with_mention and rng.random() < 0.5:
            target = self.official if rng.random() < 0.85 else rng.choice(self.notables)
            before, after = rng.choice(profiles.MENTION_LEADS).split("{at}")
            builder.add(before)
            builder.mention(target.username, target.id)
            builder.add(after + " ")
            with_mention = target is not self.official   # the official still needs mentioning
        sentence = rng.choice(profiles.CY_SENTENCES if welsh else profiles.EN_SENTENCES)
        builder.add(sentence.format(n=rng.randint(3, 40)))
        if with_mention:
            builder.add(" ")
            builder.mention(self.official.username, self.official.id)
        own, tags_after_cut = long_form or (None, False)
        if own and tags_after_cut:
            self._lengthen(builder, own, welsh, TEXT_LIMIT + 1)
        if noise:
            for tag in self._noise_tags():
                builder.hashtag(tag)
        else:
            if not mention_only:
                count = min(len(corpus.hashtags), rng.choices((1, 2, 3), cum_weights=TAG_COUNT_CUM_WEIGHTS)[0])
                for tag in rng.sample(corpus.hashtags, k=count):
                    builder.hashtag(self._vary_case(tag))
            if rng.random() < 0.2:
                builder.hashtag(rng.choice(profiles.UNRELATED_TAGS))
        if own and not tags_after_cut:
            self._lengthen(builder, own, welsh, own.randint(TEXT_LIMIT + 20, 3 * TEXT_LIMIT))

    def _noise_tags(self) -> list[str]:
        """Unrelated tags, sometimes a near miss of a campaign tag that must not match it."""
        rng = self.rng
        tags = [rng.choice(profiles.UNRELATED_TAGS)]
        if self.corpus.hashtags and rng.random() < 0.5:
            tags.append(rng.choice(self.corpus.hashtags) + rng.choice(profiles.NEAR_MISS_SUFFIXES))
        return tags

    def _vary_case(self, tag: str) -> str:
        roll = self.rng.random()
        return tag.lower() if roll < 0.1 else tag.upper() if roll < 0.13 else tag

    def _place_for(self, author: Author) -> str:
        local = self.place_ids_by_region.get(author.region)
        if local and self.rng.random() < 0.8:
            return self.rng.choice(local)
        return self.rng.choice(self.all_place_ids)

    def _store(self, post: dict, id_int: int, ms: int, author: Author, builder: _TextBuilder,
               has_geo: bool) -> None:
        final_metrics, growth = draw_engagement(self.corpus.seed, post["id"], author.followers)
        text = whole_text(post)   # X's search matches the whole of a long post
        facts = PostFacts(
            id=post["id"], id_int=id_int, ms=ms, author_id=author.id, username=author.username.lower(),
            hashtags=frozenset(h["tag"].lower() for h in builder.hashtags),
            mentions=frozenset(m["username"].lower() for m in builder.mentions),
            text_lower=text.lower(), lang=post["lang"],
            is_reply="in_reply_to_user_id" in post,
            is_quote=post.get("referenced_tweets", [{}])[0].get("type") == "quoted",
            has_geo=has_geo, final_metrics=final_metrics, growth=growth)
        corpus = self.corpus
        corpus.posts.append(post)
        corpus.facts.append(facts)
        corpus.ids_ascending.append(id_int)
        corpus.post_by_id[post["id"]] = post
        corpus.facts_by_id[post["id"]] = facts


def _schedule_churn(rng: random.Random, corpus: Corpus, authors: list[Author]) -> None:
    """A handful of posts deleted and authors gone protected, at fixed times after posting."""
    if not corpus.posts:
        return
    for post in rng.sample(corpus.posts, k=min(len(corpus.posts), max(3, len(corpus.posts) // 200))):
        created_ms = corpus.facts_by_id[post["id"]].ms
        corpus.scheduled_deletions[post["id"]] = created_ms + rng.randint(HOUR_MS, 72 * HOUR_MS)
    ordinary = [a for a in authors if a.kind not in ("official", "branch")]
    span_ms = corpus.days * DAY_MS
    for author in rng.sample(ordinary, k=min(len(ordinary), max(2, len(ordinary) // 150))):
        corpus.scheduled_protections[author.id] = to_ms(corpus.start) + int(span_ms * rng.uniform(0.2, 0.9))
