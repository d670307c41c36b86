"""Campaign actions in the simulated world: a few roundtables, letters and visits, each followed by the
activity people make after one (members of the action's region posting about it for some days), so the
demo's effect figures have something to find (monitor.metrics.actions).

Added to a corpus built by monitor.fakex.generator, with a random generator of its own seeded from the
corpus's seed: the corpus's own posts stay as they were, and the same seed gives the same bumps.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .corpus import UK_TIME as UK
from .corpus import Corpus

# Extra campaign posts on each day from the action's day: most on the day, fading over the week.
BUMP_POSTS = (24, 14, 9, 6, 4, 3, 2)
NATIONAL_SCALE = 3   # a national action moves every region: three times the posts, from anyone

TEXTS = (
    "Brilliant {kind} today: thank you to everyone who came. #{tag}",
    "Still thinking about yesterday's {kind}. Our MPs heard what pupils and families need. #{tag}",
    "After the {kind}: write to your MP too, the template letter takes five minutes. #{tag}",
    "Our school joined the {kind}. Pupil and family services can't wait. #{tag}",
    "Follow-up from the {kind}: the waiting lists are the story. #{tag}",
)


@dataclass(frozen=True)
class SimulatedAction:
    """An action the demo records (monitor.demo), and its place in the simulated world."""
    days_ago: int            # its UK day: this many days before the demo starts
    kind: str                # one of the default [actions] kinds
    title: str
    region: str | None       # None: national
    hour: int = 18

    def day(self, today: date) -> date:
        return today - timedelta(days=self.days_ago)


# Two measured regional actions, a national one, and one whose days after are still running.
DEMO_ACTIONS = (
    SimulatedAction(12, "MP roundtable", "Roundtable with Leeds MPs on pupil services", "Yorkshire and The Humber"),
    SimulatedAction(9, "Letter-writing", "Letter-writing evening in Camden", "London", hour=19),
    SimulatedAction(8, "Media", "NAHT on national radio about waiting lists", None, hour=8),
    SimulatedAction(2, "School visit", "MP visit to a Salford primary", "North West", hour=10),
)


def add_action_bumps(corpus: Corpus, actions: tuple[SimulatedAction, ...], today: date) -> int:
    """Add each action's follow-up posts to the corpus (by members of its region; anyone's, national);
    returns how many were added. Posts after the corpus's end are left out."""
    rng = random.Random(f"actions-{corpus.seed}")
    tag = corpus.hashtags[0] if corpus.hashtags else "InvestInPupilServices"
    official = (corpus.mention or "").lower()
    members = [uid for uid, user in corpus.users.items()
               if user["username"].lower() != official and not user["username"].lower().startswith("naht")]
    end = corpus.start + timedelta(days=corpus.days)
    added = 0
    for action in actions:
        local = [uid for uid in members if action.region is None or corpus.user_regions.get(uid) == action.region]
        if not local:
            continue
        for offset, count in enumerate(BUMP_POSTS):
            day = action.day(today) + timedelta(days=offset)
            for _ in range(count * (NATIONAL_SCALE if action.region is None else 1)):
                hour = action.hour + rng.randint(0, 3) if offset == 0 else rng.randint(7, 22)
                moment = datetime.combine(day, time(min(hour, 23), rng.randrange(60), rng.randrange(60)), tzinfo=UK)
                if not corpus.start <= moment < end:
                    continue
                text = rng.choice(TEXTS).format(kind=action.kind.lower(), tag=tag)
                likes = rng.randint(1, 30)
                corpus.add_post(text, corpus.users[rng.choice(local)], moment,
                                final_metrics=(rng.randint(0, 5), rng.randint(0, 4), likes, 0, rng.randint(0, 3),
                                               likes * rng.randint(20, 60)))
                added += 1
    return added
