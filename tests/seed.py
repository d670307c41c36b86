"""Seeded databases built through the real store path (parse_page -> Attributor -> store_page).

- `seed_small`: a dozen posts whose every figure is worked out by hand in SMALL (used by test_metrics).
- `seed_realistic`: a few thousand posts from the simulated API's corpus (monitor.fakex), with
  collection runs that include a gap and a failed run (used by the dashboard tests).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

from monitor.attribution import Attributor, latest_corrections
from monitor.config import Campaign, Config
from monitor.db import transaction
from monitor.models import CollectionRun
from monitor.parse import parse_page
from monitor.regions import KnownAccount
from monitor.store import store_page
from tests import pages

CAMPAIGN = "invest-in-pupil-and-family-services"
TERMS = ("#InvestInPupilServices", "@NAHTnews")
OTHER_CAMPAIGN = "other-campaign"
OTHER_TERMS = ("#SomethingElse",)


def store_api_page(engine, config: Config, page: dict, now: datetime, campaign: str, terms, run_id=None):
    """Store one API response page exactly as the collector does."""
    parsed = parse_page(page, now)
    attributor = Attributor(config)
    with transaction(engine) as s:
        attributor.attribute_page(parsed, latest_corrections(s, parsed.authors))
        return store_page(s, parsed, now, run_id=run_id, campaign=campaign, terms=terms)


def add_run(engine, campaign: str, started_at: datetime, status: str = "completed", *, minutes: float = 1,
            requests: int = 1, posts_read: int = 0, posts_new: int = 0, rate_limit_waits: int = 0,
            errors: int = 0, error: str | None = None, kind: str = "search",
            interval_minutes: float | None = None) -> int:
    with transaction(engine) as s:
        run = CollectionRun(campaign=campaign, kind=kind, query="(#InvestInPupilServices OR @NAHTnews)",
                            started_at=started_at, ended_at=started_at + timedelta(minutes=minutes),
                            status=status, requests=requests, posts_read=posts_read, posts_new=posts_new,
                            rate_limit_waits=rate_limit_waits, errors=errors, error=error,
                            interval_minutes=interval_minutes)
        s.add(run)
        s.flush()
        return run.id


# --- the small hand-computed set -------------------------------------------------------------

def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


@dataclass(frozen=True)
class SmallSet:
    """What seed_small stores, and the figures a person works out from it (November: UK time = UTC)."""
    week: tuple[date, date] = (date(2026, 11, 16), date(2026, 11, 22))
    previous_week: tuple[date, date] = (date(2026, 11, 9), date(2026, 11, 15))
    # This week: P1 alice original, P2 alice reply, P3 bob quote (matches two terms), P4 carol
    # original (Unknown region), P5 dave original (Scotland, 23:30 on Sunday). Not counted: P6 bob
    # (no campaign term), P7 (other campaign only), P10 carol (the Monday after).
    posts = 5
    originals, replies, quotes = 3, 1, 1
    contributors = 4
    # alice posted with 300 then 320 followers: MIN -> 300; bob 1000, carol 50, dave 200.
    potential_reach = 300 + 1000 + 50 + 200
    impressions = 200 + 40 + 999 + 80 + 0
    engagements = 5 + 1 + (2 + 3 + 10 + 1 + 4) + 2 + 0
    unknown_posts = 1
    # Previous week: P8 alice (280 followers, 3 likes), P9 bob (990 followers, 1 like).
    previous_posts = 2
    previous_reach = 280 + 990
    previous_impressions = 120 + 40
    previous_engagements = 3 + 1


SMALL = SmallSet()
KNOWN = (KnownAccount("alice", "London"), KnownAccount("bob", "North West", "Manchester"),
         KnownAccount("dave", "Scotland"))


def small_config(config: Config) -> Config:
    """The test config with the small set's known accounts and both campaigns."""
    campaign = Campaign(CAMPAIGN, "Invest in Pupil and Family Services", ("InvestInPupilServices",), ("NAHTnews",))
    other = Campaign(OTHER_CAMPAIGN, "Other", ("SomethingElse",), ())
    return replace(config, campaigns=(campaign, other), known_accounts=KNOWN)


def _users(followers: dict[str, int]) -> list[dict]:
    ids = {"alice": "11", "bob": "12", "carol": "13", "dave": "14"}
    locations = {"alice": "Camden", "bob": "Salford", "carol": "somewhere over the rainbow", "dave": "Glasgow"}
    return [pages.user(ids[name], name, location=locations[name], followers=count)
            for name, count in followers.items()]


def seed_small(engine, config: Config) -> None:
    config = small_config(config)
    now = utc(23, 12)
    tag = ["InvestInPupilServices"]
    first = pages.page([
        pages.post(utc(16, 9), "11", "Roundtable with our MP #InvestInPupilServices", seq=1, tags=tag, likes=5),
        pages.post(utc(18, 11), "12", "Quoting this #InvestInPupilServices @NAHTnews", seq=3, tags=tag,
                   mentions=["NAHTnews"], refs=[{"type": "quoted", "id": "1"}]),
        pages.post(utc(20, 12), "13", "**bold** <b>html</b> #InvestInPupilServices", seq=4, tags=tag, likes=2),
        pages.post(utc(22, 23, 30), "14", "Late on Sunday #InvestInPupilServices", seq=5, tags=tag, likes=0),
        pages.post(utc(19, 8), "12", "Nothing to do with it #Weather", seq=6, tags=["Weather"]),
        pages.post(utc(12, 9), "11", "Last week #InvestInPupilServices", seq=8, tags=tag, likes=3),
        pages.post(utc(15, 9), "12", "Also last week @NAHTnews", seq=9, mentions=["NAHTnews"], likes=1),
        pages.post(utc(23, 9), "13", "Next Monday #InvestInPupilServices", seq=10, tags=tag, likes=1),
    ], _users({"alice": 300, "bob": 1000, "carol": 50, "dave": 200}))
    # P3's metrics use every engagement kind and its own impression count.
    first["data"][1]["public_metrics"] = {"retweet_count": 2, "reply_count": 3, "like_count": 10,
                                          "quote_count": 1, "bookmark_count": 4, "impression_count": 999}
    # The previous week's posts were first seen with smaller follower counts.
    store_api_page(engine, config, pages.page(first["data"][5:7], _users({"alice": 280, "bob": 990})),
                   now, CAMPAIGN, TERMS)
    store_api_page(engine, config, pages.page(first["data"][:5] + first["data"][7:], first["includes"]["users"]),
                   now, CAMPAIGN, TERMS)
    later = pages.page([pages.post(utc(18, 10), "11", "@NAHTnews thanks for this", seq=2, mentions=["NAHTnews"],
                                   refs=[{"type": "replied_to", "id": "1"}])], _users({"alice": 320}))
    store_api_page(engine, config, later, now, CAMPAIGN, TERMS)
    other = pages.page([pages.post(utc(17, 9), "12", "Different campaign #SomethingElse", seq=7,
                                   tags=["SomethingElse"])], _users({"bob": 1000}))
    store_api_page(engine, config, other, now, OTHER_CAMPAIGN, OTHER_TERMS)


# --- a realistic database from the simulated API's corpus ------------------------------------

def seed_realistic(engine, config: Config, *, now: datetime | None = None, days: int = 21,
                   posts_per_day: int = 150, seed: int = 7, mps: bool = True) -> dict:
    """Store a fakex corpus of the `days` before `now` page by page, plus search runs every interval over
    the last 2 days, up to `now` (so collection looks healthy), with a 2-hour gap and one failed run.
    With mps, the corpus has the register's MPs on X posting and being mentioned (monitor.fakex.mps)."""
    from monitor.fakex.generator import build_corpus
    from monitor.fakex.mps import add_mp_activity

    campaign = config.campaigns[0]
    now = now or datetime.now(timezone.utc)
    start = now - timedelta(days=days)
    corpus = build_corpus(seed, start, days, posts_per_day, hashtags=campaign.hashtags,
                          mention=campaign.mentions[0] if campaign.mentions else None)
    if mps:
        add_mp_activity(corpus)
    now_ms = int(now.timestamp() * 1000)
    for i in range(0, len(corpus.posts), 100):
        chunk = corpus.posts[i:i + 100]
        posts = [dict(p, public_metrics=corpus.metrics_at(p["id"], now_ms)) for p in chunk]
        users = list({p["author_id"]: corpus.users[p["author_id"]] for p in chunk}.values())
        places = [corpus.places[p["geo"]["place_id"]] for p in chunk if (p.get("geo") or {}).get("place_id")]
        store_api_page(engine, config, pages.page(posts, users, places), now, campaign.name, campaign.terms)
    gap_start, failed_at = _seed_runs(engine, campaign.name, now, config.interval_minutes)
    return {"campaign": campaign.name, "now": now, "posts": len(corpus.posts), "gap_start": gap_start,
            "failed_at": failed_at}


def _seed_runs(engine, campaign: str, end: datetime, interval_minutes: float):
    """Runs every interval over the 2 days before `end`, skipping 2 hours 20 hours ago; one failed run 6 hours ago."""
    step = timedelta(minutes=interval_minutes)
    end = end.replace(second=0, microsecond=0)
    gap_start = end - timedelta(hours=20)
    failed_at = end - timedelta(hours=6)
    at = end - timedelta(days=2)
    while at <= end:
        if not gap_start <= at < gap_start + timedelta(hours=2):
            failed = abs((at - failed_at).total_seconds()) < 1
            add_run(engine, campaign, at, "failed" if failed else "completed", posts_read=40, posts_new=12,
                    requests=2, rate_limit_waits=1 if at.hour == 9 and at.minute < interval_minutes else 0,
                    errors=1 if failed else 0, error="HTTP 503 from X" if failed else None)
        at += step
    return gap_start, failed_at
