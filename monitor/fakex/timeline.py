"""When the simulated X's posts appear (the daily rhythm in UK time, quieter weekends, event days, a
rising volume) and, with churn, when some are deleted and some authors turn protected.

Draws from the corpus's one generator in a fixed order (see monitor.fakex.generator).
"""
from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta

from .authors import Author
from .corpus import DAY_MS, HOUR_MS, UK_TIME, Corpus, to_ms

# Relative posting activity per UK local hour: quiet nights, peaks before school and in the evening.
HOUR_WEIGHTS = (1.0, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 6, 8, 6, 4, 4, 5, 4, 3, 4, 5, 6, 7, 8, 8, 6, 4, 2)
WEEKDAY_VOLUME, WEEKEND_VOLUME = 1.1, 0.75   # averages to 1.0 over a week


def _rising_volume(day: int, days: int, rising: float) -> float:
    """The volume of a day when it rises steadily over the span (1.0 on the first day)."""
    return 1.0 + rising * day / max(1, days - 1)


def post_times(rng: random.Random, start: datetime, days: int, posts_per_day: int, rising: float = 0.0,
               events: bool = True) -> list[int]:
    """Post times in ms, sorted: daily rhythm in UK time, quieter weekends, 2-3 event days (unless `events` is
    False: a world whose only spikes are the ones added to it, as the demo's campaign actions are)."""
    start_ms = to_ms(start)
    weekdays = [day for day in range(days) if (start + timedelta(days=day)).astimezone(UK_TIME).weekday() < 5]
    event_days = set(rng.sample(weekdays, k=min(len(weekdays), rng.choice((2, 3))))) if days >= 3 and events else set()
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


def schedule_churn(rng: random.Random, corpus: Corpus, authors: list[Author]) -> None:
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
