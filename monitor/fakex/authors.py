"""The simulated X's accounts: the official campaign account, the branches, and ordinary authors of each
kind (teachers, heads, parents, journalists, MPs, ...) with their profiles, locations and followers; and
the places posts can be tagged with.

Draws from the corpus's one generator in a fixed order (see monitor.fakex.generator).
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime, timezone

from monitor.snowflake import snowflake

from . import profiles
from .corpus import DAY_MS, Corpus, iso_time, to_ms

ACTIVITY_BY_KIND = {kind: activity for kind, _share, activity in profiles.AUTHOR_KINDS}


def author_count(total_posts: int) -> int:
    return max(300, min(6000, total_posts // 3))

def make_places() -> dict[str, dict]:
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


@dataclass(slots=True)
class Author:
    id: str
    username: str
    kind: str
    followers: int
    region: str | None
    activity: float


class UserFactory:
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
