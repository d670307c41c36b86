"""Seeded generator of a realistic stream of NAHT campaign posts in X API v2 shape.

Same seed and arguments -> the same corpus, byte for byte. All randomness comes from one
`random.Random(seed)` and every step draws in a fixed order, so keep new draws at the end of a
step or the corpus of an existing seed changes.
"""
from __future__ import annotations

import random
from datetime import datetime

from .authors import UserFactory, author_count, make_places
from .corpus import DAY_MS, HOUR_MS, UK_TIME, Corpus, PostFacts, as_served, iso_time, to_ms, whole_text
from .posts import PostFactory
from .timeline import post_times, schedule_churn

# Where each part lives: corpus (the world and how a post is served), timeline (when posts appear and go),
# authors (accounts and places), posts (texts, entities, engagement). These names stay importable here.
__all__ = ["build_corpus", "Corpus", "PostFacts", "as_served", "whole_text", "iso_time", "to_ms",
           "DAY_MS", "HOUR_MS", "UK_TIME"]


def build_corpus(seed: int, start: datetime, days: int, posts_per_day: int,
                 hashtags=("InvestInPupilServices", "PupilAndFamilyServices", "FundOurSchools"),
                 mention: str | None = "NAHTnews", churn: bool = False, rising: float = 0.0,
                 events: bool = True) -> Corpus:
    """`rising`: the daily volume grows steadily by this much over the span (1.0: the last day twice the first);
    `events`: False for no random event days (monitor.fakex.timeline.post_times)."""
    rng = random.Random(seed)
    corpus = Corpus(seed=seed, start=start, days=days, hashtags=tuple(hashtags), mention=mention)
    times = post_times(rng, start, days, posts_per_day, rising, events)
    authors = UserFactory(rng, corpus).make_all(n_ordinary=author_count(len(times)))
    corpus.places = make_places()
    PostFactory(rng, corpus, authors).make_all(times)
    if churn:
        schedule_churn(rng, corpus, authors)
    return corpus
