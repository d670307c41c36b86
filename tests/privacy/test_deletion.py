"""A post deleted (or an account made private) on X disappears from every table, list, export and stored
report at the next metrics refresh, while every total of the period stays as it was; nothing of it is
left in the database's files. On SQLite and PostgreSQL, through the simulated API over real HTTP."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from monitor import exports, metrics
from monitor.db import transaction
from monitor.metrics import Filters, PostSearch
from monitor.models import Author, CollectionRun, DaySummary, Post, PostMatch, RunEvent, RunPost, SearchCursor
from monitor.privacy import clear_residue
from monitor.refresh import refresh_metrics
from monitor.reports import FORMATS, build_weekly_report, filename, render, write_atomically
from monitor.snowflake import last_id_of_ms, snowflake_ms
from monitor.summary import rebuild
from monitor.timeutil import uk_local
from tests.privacy.helpers import (
    ALL,
    FUND,
    bytes_holding,
    figures,
    person,
    postgres_files,
    postgres_tuples_holding,
    readable,
    rows_holding,
    say,
    sqlite_files,
    start_world,
    text_holding,
)


def summary_rows(engine) -> list:
    with transaction(engine) as s:
        return sorted(tuple(r) for r in s.execute(select(DaySummary.campaign, DaySummary.day, DaySummary.author_id,
                                                         DaySummary.region, DaySummary.posts, DaySummary.impressions,
                                                         DaySummary.engagements, DaySummary.min_followers)))


def database_files(engine) -> dict | None:
    return sqlite_files(engine) if engine.dialect.name == "sqlite" else postgres_files(engine)


def with_keeper_counted_twice(before: dict, engine, keeper, kept: str, keeper_days: set) -> dict:
    """The figures after the keeper's second post is removed; keeper_days: the UK days of their two posts."""
    followers = keeper.user["public_metrics"]["followers_count"]
    with transaction(engine) as s:
        region = s.get(Post, kept).region
    want = {c: dict(f) for c, f in before.items()}
    f = want[ALL.name]   # the keeper's posts carry ALL's hashtag only
    f["kpis"] = replace(f["kpis"], contributors=f["kpis"].contributors + 1,
                        potential_reach=f["kpis"].potential_reach + followers)
    f["regions"] = [(key, replace(k, contributors=k.contributors + 1, potential_reach=k.potential_reach + followers)
                     if key == region else k) for key, k in f["regions"]]
    if len(keeper_days) == 1:   # both on one UK day (not either side of midnight): that day's reach too
        f["days"] = [(d, posts, reach + followers if d in keeper_days else reach) for d, posts, reach in f["days"]]
    return want


@pytest.fixture
def world(engine, config, tmp_path):
    w = start_world(engine, config, reports_folder=str(tmp_path / "reports"))
    yield w
    w.fake.stop()


def test_a_deleted_post_is_gone_everywhere_and_the_totals_stay(world, tmp_path):
    engine, fake, clock = world.engine, world.fake, world.clock
    gone = person("Gone", "900000000000000101")           # posts once, then deletes it
    keeper = person("Keeper", "900000000000000102")       # deletes one of two posts: stays an author
    deleted = say(fake, gone, "Our roundtable with the MP #InvestInPupilServices #FundOurSchools @NAHTnews",
                  clock() - timedelta(hours=3), (40, 9, 400, 3, 2, 9000))  # a top post of the week
    keeper_times = (clock() - timedelta(hours=5), clock() - timedelta(hours=4))
    kept = say(fake, keeper, "Wrote to my MP today #InvestInPupilServices", keeper_times[0])
    say(fake, keeper, "Second thoughts #InvestInPupilServices", keeper_times[1])
    world.collect()
    day = uk_local(clock() - timedelta(hours=3)).date()
    year, week, _ = day.isocalendar()
    week_filters = Filters(ALL.name, day - timedelta(days=day.weekday()), day + timedelta(days=6 - day.weekday()))
    assert deleted in {p.id for p in metrics.top_posts(engine, week_filters, 10)}
    # The week's reports as the Monday job stores them, before the deletion
    folder = tmp_path / "reports"
    stored = build_weekly_report(engine, world.config, year, week, campaign=ALL.name)
    for fmt in FORMATS:
        write_atomically(folder / filename(ALL.name, year, week, None, fmt), render(stored, fmt))
    before = figures(engine)
    files = database_files(engine)
    if files is not None:   # the search below sees what is there: the deleted post's text, its author
        assert {n for found in bytes_holding(files, [gone.tokens[0], gone.handle]).values() for n in found} == {
            gone.tokens[0], gone.handle}

    fake.delete_post(deleted)
    fake.delete_post(keeper.post_ids[1])
    world.make_all_due()   # at the same simulated time: the other posts' metrics are read unchanged
    summary = refresh_metrics(engine, world.config, world.source, clock=clock)
    assert summary.status == "completed" and summary.removed_posts == 2 and summary.removed_authors == 1

    # Every total a person reads is what it was, in both campaigns, per day, hour, region and branch; but
    # where the keeper's two posts are counted together, their author is no longer known to be one
    # person: one contributor more, with their followers (the help page says so)
    assert figures(engine) == with_keeper_counted_twice(
        before, engine, keeper, kept, {uk_local(t).date() for t in keeper_times})
    # ...and the summary is what aggregating the posts again gives (the upkeep cannot undo the removal)
    with transaction(engine) as s:
        upkept = summary_rows(engine)
        rebuild(s)
    assert summary_rows(engine) == upkept

    # Nothing about the deleted post, or about its author (no post of theirs is left), in any row
    keeper_gone = [keeper.texts[1], keeper.tokens[1], keeper.post_ids[1]]
    assert rows_holding(engine, gone.needles + keeper_gone) == {}
    with transaction(engine) as s:
        assert s.get(Author, keeper.user["id"]) is not None      # the other author keeps their profile
        assert s.get(Post, kept).text == keeper.texts[0]
        removed = s.scalars(select(Post).where(Post.removed_at.is_not(None))).all()
        assert len(removed) == 2 and {p.unavailable_reason for p in removed} == {"deleted"}
        assert all(p.author_id is None and p.text == "" and p.raw == {} for p in removed)
        # still matched to both campaigns, so still counted in both
        assert s.scalar(select(func.count()).select_from(PostMatch)
                        .where(PostMatch.post_id.in_([p.id for p in removed]), PostMatch.campaign == FUND.name)) == 1
        assert "removed 2 posts and 1 authors" in s.scalars(select(RunEvent.detail)
                                                            .where(RunEvent.kind == "removal")).one()

    # No list shows it: top posts, the explorer and its total, the CSV download
    assert deleted not in {p.id for p in metrics.top_posts(engine, week_filters, 10)}
    page = metrics.posts_page(engine, week_filters, limit=1000)
    assert page.total == len(page.rows) == metrics.kpis(engine, week_filters).posts - 2
    assert not {p.id for p in page.rows} & {deleted, keeper.post_ids[1]}
    for search in (PostSearch(text=gone.tokens[0]), PostSearch(author=gone.handle), PostSearch(kind="original"),
                   PostSearch(hashtag="fundourschools")):
        found = metrics.posts_page(engine, week_filters, search, limit=1000)
        assert found.total == len(found.rows) and deleted not in {p.id for p in found.rows}
    csv_text = exports.posts_csv(metrics.posts_for_download(engine, week_filters)).decode("utf-8-sig")
    assert text_holding(csv_text, gone.needles + keeper_gone) == []

    # The weekly report, built now and as stored by the Monday job (written again), lists it nowhere and
    # says how many posts of the week were removed; its figures are those of before
    report = build_weekly_report(engine, world.config, year, week, campaign=ALL.name)
    now_k, then_k = report.kpis.current, stored.kpis.current
    assert report.removed_posts == 2 and now_k.posts == then_k.posts and now_k.engagements == then_k.engagements
    assert (now_k.impressions, now_k.contributors) == (then_k.impressions, then_k.contributors + 1)  # the keeper
    for fmt in FORMATS:
        shown = readable(fmt, (folder / filename(ALL.name, year, week, None, fmt)).read_bytes(), tmp_path)
        assert text_holding(shown, gone.words + keeper_gone[1:]) == [], fmt
        assert text_holding(readable(fmt, render(report, fmt), tmp_path), gone.words + keeper_gone[1:]) == []
        if fmt != "csv":
            assert "2 posts of this week were removed" in " ".join(shown.split()), fmt

    # Nor in the database's files. SQLite: its file and write-ahead log, byte for byte.
    gone_for_good = gone.needles + keeper_gone
    if engine.dialect.name == "sqlite":
        assert bytes_holding(sqlite_files(engine), gone_for_good) == {}
        return
    # PostgreSQL: no row version in any table page, live or dead (VACUUM ran after the removal), nor in
    # the planner's samples; the bytes VACUUM freed stay in the pages until reused, so the table files
    # are searched after `privacy compact` (VACUUM FULL)
    tuples = postgres_tuples_holding(engine, gone_for_good)
    if tuples is None:
        pytest.skip("PostgreSQL's pages cannot be read here (not root on the server's machine): rows checked only")
    assert tuples == {}
    assert clear_residue(engine, full=True)
    assert bytes_holding(postgres_files(engine), gone_for_good) == {}


def test_a_protected_account_is_removed_with_all_its_posts(world):
    engine, fake, clock = world.engine, world.fake, world.clock
    hidden = person("Hidden", "900000000000000201", "Cardiff")
    for hours in (30, 20, 2):
        say(fake, hidden, "Cuts bite here #InvestInPupilServices", clock() - timedelta(hours=hours))
    world.collect()
    before = figures(engine)
    with transaction(engine) as s:   # only the young post is refreshed: the account's older ones go too
        s.execute(update(Post).where(Post.id.in_(hidden.post_ids[:2])).values(next_refresh_at=None))
    fake.protect_author(hidden.user["id"])
    world.make_all_due()
    summary = refresh_metrics(engine, world.config, world.source, clock=clock)
    assert summary.removed_posts == 3 and summary.removed_authors == 1
    assert figures(engine) == before   # contributors and reach too: the account's posts went together
    assert rows_holding(engine, hidden.needles) == {}
    with transaction(engine) as s:
        keys = set(s.scalars(select(Post.anonymous_author).where(Post.unavailable_reason == "protected")))
    assert len(keys) == 1


def test_a_deleted_post_that_was_a_search_marker_leaves_no_id_and_the_next_search_starts_where_it_would(world):
    engine, fake, clock = world.engine, world.fake, world.clock
    marker = person("Marker", "900000000000000301")
    clock.advance(timedelta(minutes=10))   # after every simulated post: this one is the newest of its search
    newest = say(fake, marker, "The newest #FundOurSchools", clock() - timedelta(minutes=1))
    world.collect()
    assert _fund_cursor(engine) == newest   # it is the marker, as the next search's since_id

    fake.delete_post(newest)
    world.make_all_due()
    assert refresh_metrics(engine, world.config, world.source, clock=clock).removed_posts == 1
    assert rows_holding(engine, [newest]) == {}
    blurred = _fund_cursor(engine)
    assert blurred == last_id_of_ms(newest) and snowflake_ms(blurred) == snowflake_ms(newest)

    clock.advance(timedelta(minutes=15))
    later = say(fake, marker, "A later one #FundOurSchools", clock() - timedelta(minutes=5))
    world.collect()
    with transaction(engine) as s:
        run = s.scalars(select(CollectionRun).where(CollectionRun.campaign == FUND.name, CollectionRun.kind == "search")
                        .order_by(CollectionRun.id.desc())).first()
        found = set(s.scalars(select(RunPost.post_id).where(RunPost.run_id == run.id)))
    assert run.status == "completed" and run.since_id == blurred and found == {later}
    assert _fund_cursor(engine) == later


def _fund_cursor(engine) -> str | None:
    with transaction(engine) as s:
        return s.scalar(select(SearchCursor.since_id).where(SearchCursor.network == "x",
                                                            SearchCursor.campaign == FUND.name))
