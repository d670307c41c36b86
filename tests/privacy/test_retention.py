"""Retention by default, over simulated months: raw API responses go after [privacy] raw_json_days, an
author not seen for author_inactive_days loses their profile, removals flagged before this version are
finished; the figures never change, and an author seen again is stored afresh. On SQLite and
PostgreSQL; the nightly job sits beside the collector's jobs."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from monitor import metrics
from monitor.attribution import correct_author, recompute_all
from monitor.config import ConfigError, Privacy, parse_config
from monitor.db import transaction
from monitor.models import Author, AuthorFollowers, CollectionRun, Post, RegionCorrection, RunEvent
from monitor.privacy import run_retention
from monitor.regions import KnownAccount
from tests.privacy.helpers import figures, person, rows_holding, say, start_world


@pytest.fixture
def world(engine, config, tmp_path):
    w = start_world(engine, config, posts_per_day=60, reports_folder=str(tmp_path / "reports"))
    yield w
    w.fake.stop()


def raw_kept(engine) -> tuple[int, int]:
    with transaction(engine) as s:
        return (s.scalar(select(func.count()).select_from(Post).where(Post.raw_dropped_at.is_(None))),
                s.scalar(select(func.count()).select_from(Author).where(Author.raw_dropped_at.is_(None))))


def test_retention_over_a_hundred_days_then_four_hundred(world):
    engine, clock = world.engine, world.clock
    regular = person("Regular", "900000000000000401", "Bristol")
    say(world.fake, regular, "First letter #InvestInPupilServices", clock() - timedelta(hours=5))
    world.collect()
    correct_author(engine, world.config, regular.user["id"], "South West", corrected_by="lead@naht.org.uk")
    stored = raw_kept(engine)
    before = figures(engine)
    start = clock()

    # 50 days on: everything is younger than 90 days, nothing goes
    summary = run_retention(engine, world.config, now=start + timedelta(days=50))
    assert (summary.posts_raw_dropped, summary.authors_raw_dropped, summary.profiles_removed) == (0, 0, 0)
    assert raw_kept(engine) == stored

    # 100 days on, the regular posts again: every other raw response is over 90 days old and goes
    clock.advance(timedelta(days=100))
    say(world.fake, regular, "Still at it #InvestInPupilServices", clock() - timedelta(hours=1))
    world.collect()
    collected = figures(engine)
    summary = run_retention(engine, world.config, now=clock())
    assert figures(engine) == collected   # retention never changes a figure
    assert summary.posts_raw_dropped == stored[0] and summary.authors_raw_dropped == stored[1] - 1
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Post).where(Post.raw_dropped_at.is_(None))) == 1
        fresh = s.get(Author, regular.user["id"])
        assert fresh.raw_dropped_at is None and fresh.raw["location"] == regular.user["location"]
        old = s.scalars(select(Post).where(Post.raw_dropped_at.is_not(None))).all()
        assert all(p.raw == {} and p.text for p in old)   # parsed columns kept
        run = s.get(CollectionRun, summary.run_id)
        assert (run.kind, run.status) == ("retention", "completed")
        event = s.scalars(select(RunEvent.detail).where(RunEvent.run_id == run.id, RunEvent.kind == "retention")).one()
        assert f"raw JSON dropped from {stored[0]:,} posts" in event
    assert metrics.last_retention_run(engine).detail == event
    assert raw_kept(engine) == (1, 1)

    # 401 days after the first collection: every author but the regular (seen at day 100) loses their profile
    summary = run_retention(engine, world.config, now=start + timedelta(days=401))
    with transaction(engine) as s:
        authors = s.scalar(select(func.count()).select_from(Author))
        assert summary.profiles_removed == authors - 1
        inactive = s.scalars(select(Author).where(Author.profile_removed_at.is_not(None))).all()
        assert all(a.name is None and a.location is None and a.description is None and a.raw == {}
                   and a.followers_count == 0 and a.username for a in inactive)
        assert s.scalar(select(func.count()).select_from(AuthorFollowers)
                        .where(AuthorFollowers.author_id != regular.user["id"])) == 0
        assert s.scalar(select(func.count()).select_from(RegionCorrection)) == 1   # staff's work is kept
        regions = dict(s.execute(select(Post.id, Post.region)).all())
    # ...and their posts keep the regions their profiles gave, through a recompute that reads profiles
    # (known accounts changed: every author with a profile is read again)
    recompute_all(engine, replace(world.config, known_accounts=(KnownAccount("NAHTnews", "London"),)))
    with transaction(engine) as s:
        assert dict(s.execute(select(Post.id, Post.region)).all()) == regions
    assert figures(engine) == collected
    assert {c: f["kpis"].posts for c, f in collected.items()} == {c: f["kpis"].posts + (c == "ipfs")
                                                                  for c, f in before.items()}
    # A run cut short is continued by the next: nothing left to do is nothing done
    again = run_retention(engine, world.config, now=start + timedelta(days=401))
    assert (again.posts_raw_dropped, again.authors_raw_dropped, again.profiles_removed) == (0, 0, 0)


def test_retention_finishes_removals_flagged_before_this_version(world):
    engine, clock = world.engine, world.clock
    flagged = person("Flagged", "900000000000000501")
    # Over a day back, so that the corpus has newer posts whatever the hour: the newest post's id is the
    # search's marker (collection_runs.newest_id, search_cursors.since_id), which a removal leaves as it is
    # (docs/privacy.md, What is left where). Two hours back, it was the newest after midnight UTC.
    say(world.fake, flagged, "Old style flag #InvestInPupilServices", clock() - timedelta(hours=30))
    world.collect()
    before = figures(engine)
    with transaction(engine) as s:   # as the metrics refresh left it before this version: flagged, kept
        s.execute(update(Post).where(Post.id == flagged.post_ids[0])
                  .values(deleted=True, unavailable_reason="deleted", next_refresh_at=None))
    summary = run_retention(engine, world.config, now=clock())
    assert (summary.posts_removed, summary.authors_removed) == (1, 1)
    assert rows_holding(engine, flagged.needles) == {}
    assert figures(engine) == before


@pytest.mark.parametrize("table, message", [
    ({"raw_json_days": 0}, "privacy.raw_json_days: expected a whole number of days >= 1, got 0"),
    ({"author_inactive_days": "400"}, "privacy.author_inactive_days: expected a whole number of days >= 1, got '400'"),
    ({"raw_json_days": True}, "privacy.raw_json_days: expected a whole number of days >= 1"),
    ({"keep_forever": 1}, "privacy.keep_forever: expected one of author_inactive_days, deletion_check_after_days, "
                          "deletion_check_posts_per_day, raw_json_days (unknown key)"),
    ({"deletion_check_posts_per_day": -1},
     "privacy.deletion_check_posts_per_day: expected a whole number of posts >= 0 (0 turns the check off), got -1"),
    ({"deletion_check_after_days": 0},
     "privacy.deletion_check_after_days: expected a whole number of days >= 1, got 0"),
    ({"salt": "abc"}, "privacy.salt: expected no secret here"),
])
def test_privacy_settings_are_checked(table, message):
    data = {"campaigns": [{"name": "c", "hashtags": ["Tag"]}], "privacy": table}
    with pytest.raises(ConfigError) as raised:
        parse_config(data, "config.toml")
    assert str(raised.value).startswith(f"config.toml: {message}")


def test_privacy_settings_default_and_read():
    base = {"campaigns": [{"name": "c", "hashtags": ["Tag"]}]}
    assert parse_config(base, "c.toml").privacy == Privacy(90, 400)
    assert parse_config({**base, "privacy": {"raw_json_days": 30, "author_inactive_days": 200}},
                        "c.toml").privacy == Privacy(30, 200)
    checks = {"deletion_check_posts_per_day": 0, "deletion_check_after_days": 14}
    assert parse_config({**base, "privacy": checks}, "c.toml").privacy == Privacy(90, 400, 0, 14)
