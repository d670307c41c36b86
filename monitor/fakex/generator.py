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

from monitor.snowflake import snowflake

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

    def metrics_at(self, post_id: str, now_ms: int) -> dict:
        facts = self.facts_by_id[post_id]
        return metrics_at(facts.final_metrics, facts.growth, max(0, now_ms - facts.ms) / HOUR_MS)

    def add_post(self, text: str, user: dict, at: datetime, final_metrics: tuple = (1, 1, 5, 0, 1, 200)) -> str:
        """Put a post of your own into the corpus (text exactly as given, hashtags taken from it) by `user`
        (an API v2 user dict with at least `id` and `username`; added or replaced), posted at `at`.
        For tests that need particular content; call it before the posts are searched. Returns the id."""
        ms = to_ms(at)
        low_bits = 0
        while str(snowflake(ms, low_bits)) in self.post_by_id:
            low_bits += 1
        id_int = snowflake(ms, low_bits)
        post_id = str(id_int)
        created_ms = ms - 400 * DAY_MS
        self.users[str(user["id"])] = {
            "name": user["username"], "created_at": iso_time(created_ms), "description": "", "protected": False,
            "verified": False, "verified_type": "none",
            "public_metrics": {"followers_count": 100, "following_count": 100, "tweet_count": 100,
                               "listed_count": 0, "like_count": 0}, **user, "id": str(user["id"])}
        self.user_regions.setdefault(str(user["id"]), None)
        tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)]
        post = {"id": post_id, "text": text, "author_id": str(user["id"]), "created_at": iso_time(ms), "lang": "en",
                "conversation_id": post_id, "edit_history_tweet_ids": [post_id], "possibly_sensitive": False,
                "reply_settings": "everyone"}
        if tags:
            post["entities"] = {"hashtags": tags}
        facts = PostFacts(id=post_id, id_int=id_int, ms=ms, author_id=str(user["id"]),
                          username=user["username"].lower(), hashtags=frozenset(t["tag"].lower() for t in tags),
                          mentions=frozenset(), text_lower=text.lower(), lang="en", is_reply=False, is_quote=False,
                          has_geo=False, final_metrics=tuple(final_metrics), growth=Growth())
        position = bisect.bisect_left(self.ids_ascending, id_int)   # posts stay oldest first
        self.ids_ascending.insert(position, id_int)
        self.posts.insert(position, post)
        self.facts.insert(position, facts)
        self.post_by_id[post_id] = post
        self.facts_by_id[post_id] = facts
        return post_id


_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")


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
        self._write_body(builder, author, welsh)
        text = builder.text()
        post = {"id": post_id, "text": text, "author_id": author.id, "created_at": iso_time(ms),
                "lang": "cy" if welsh else "en", "conversation_id": post_id,
                "edit_history_tweet_ids": [post_id], "possibly_sensitive": False,
                "reply_settings": "everyone"}
        entities = {}
        if builder.hashtags:
            entities["hashtags"] = builder.hashtags
        if builder.mentions:
            entities["mentions"] = builder.mentions
        if entities:
            post["entities"] = entities
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

    def _write_body(self, builder: _TextBuilder, author: Author, welsh: bool) -> None:
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
        if noise:
            for tag in self._noise_tags():
                builder.hashtag(tag)
            return
        if not mention_only:
            count = min(len(corpus.hashtags), rng.choices((1, 2, 3), cum_weights=TAG_COUNT_CUM_WEIGHTS)[0])
            for tag in rng.sample(corpus.hashtags, k=count):
                builder.hashtag(self._vary_case(tag))
        if rng.random() < 0.2:
            builder.hashtag(rng.choice(profiles.UNRELATED_TAGS))

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
        text = post["text"]
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
