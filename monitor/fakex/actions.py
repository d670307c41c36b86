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

# How an action's follow-up posts spread over the 7 days from its day: most on the day, fading over the week.
FOLLOW_UP_FADE = (24, 14, 9, 6, 4, 3, 2)
# What an action adds over those 7 days, as a share of its area's usual posts in 7 days (its region's members;
# everyone's, national), whatever the corpus's size: a regional roundtable more than doubles its members'
# posting that week, well clear of a small region's week-to-week noise; a national action lifts every region
# by less, and by the same share, so it does not blur a regional action's effect measured beside it.
REGIONAL_LIFT, NATIONAL_LIFT = 1.5, 0.6

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
    """Add each action's follow-up posts to the corpus (by members of its region; anyone's, national), in
    proportion to how much those members posted before any action's; returns how many were added. Posts
    after the corpus's end are left out."""
    rng = random.Random(f"actions-{corpus.seed}")
    official = (corpus.mention or "").lower()
    members = {uid for uid, user in corpus.users.items()
               if user["username"].lower() != official and not user["username"].lower().startswith("naht")}
    # Each action's posters, once per post they made: drawn from this, a follow-up comes from an author as often
    # as they post, so a national action lifts every region by the same share and the regions' figures stay fair.
    posters = [[post["author_id"] for post in corpus.posts if post["author_id"] in members
                and (action.region is None or corpus.user_regions.get(post["author_id"]) == action.region)]
               for action in actions]
    added = 0
    for action, local in zip(actions, posters):
        week = 7 * len(local) / max(1, corpus.days) * (NATIONAL_LIFT if action.region is None else REGIONAL_LIFT)
        for offset, weight in enumerate(FOLLOW_UP_FADE):
            for _ in range(round(week * weight / sum(FOLLOW_UP_FADE))):
                added += _add_follow_up(corpus, rng, action, action.day(today) + timedelta(days=offset), offset, local)
    return added


def _add_follow_up(corpus: Corpus, rng: random.Random, action: SimulatedAction, day: date, offset: int,
                   posters: list[str]) -> int:
    """One post about the action on `day` by one of `posters`, in the hours after it on its own day; 1 if added
    (0: outside the corpus's span)."""
    hour = action.hour + rng.randint(0, 3) if offset == 0 else rng.randint(7, 22)
    moment = datetime.combine(day, time(min(hour, 23), rng.randrange(60), rng.randrange(60)), tzinfo=UK)
    if not corpus.start <= moment < corpus.start + timedelta(days=corpus.days):
        return 0
    tag = corpus.hashtags[0] if corpus.hashtags else "InvestInPupilServices"
    text = rng.choice(TEXTS).format(kind=action.kind.lower(), tag=tag)
    likes = rng.randint(1, 30)
    corpus.add_post(text, corpus.users[rng.choice(posters)], moment,
                    final_metrics=(rng.randint(0, 5), rng.randint(0, 4), likes, 0, rng.randint(0, 3),
                                   likes * rng.randint(20, 60)))
    return 1

