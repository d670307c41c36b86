"""Long posts and edited posts, the way X sends them, through every path a user relies on.

A post over 280 characters (X Premium: many MPs, organisations and heads) comes with `text` cut, ending
in "…", and the whole post in `note_tweet` with its own entities, only when tweet.fields asks for it.
The whole post is the post: matched on its whole text, counted, searched, shown and exported whole. An
edited post counts once, as its latest version. On SQLite and PostgreSQL: collection from the simulated
API over HTTP, the importer, migration 0011 over a database stored before the change, `db upgrade`.
"""
from __future__ import annotations

import csv
import importlib
import io
import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import column, func, insert, inspect, select, table

from monitor import exports, metrics
from monitor.collector import Collector
from monitor.config import Campaign
from monitor.db import make_engine, transaction
from monitor.fakex import FakeX, SimClock
from monitor.importer import import_jsonl
from monitor.metrics import Filters, PostSearch
from monitor.models import Author, CollectionRun, MaintenanceTask, Post, PostHashtag, PostMatch, PostMention, RunPost
from monitor.parse import parse_page
from monitor.refresh import refresh_metrics
from monitor.rematch import TASK, upgrade_and_rematch
from monitor.reports import build_weekly_report, render
from monitor.schema import upgrade
from monitor.sources.x import XSource
from monitor.store import store_page
from monitor.timeutil import uk_local
from tests import pages
from tests.helpers import TOKEN
from tests.summary_checks import assert_all_figures, assert_in_step

CAMPAIGN = Campaign(name="ipfs", title="IPFS", hashtags=("InvestInPupilServices", "PupilAndFamilyServices",
                                                          "FundOurSchools"), mentions=("NAHTnews",))
CUT = "\u2026"
# 330 characters; the campaign hashtag only in the last 50, past X's 280.
LONG = ("Last term we referred 31 children for specialist support and most of them are still waiting for a "
        "first appointment. Our school nurse covers four schools and our educational psychologist visits "
        "once a term, so the gaps fall on teachers who are not trained for it.\n\nPlease write to your MP "
        "with the template letter today. #InvestInPupilServices")
AFTER_CUT = "template letter today"
HEAD = {"id": "5001", "username": "longformhead", "name": "A Head", "location": "Leeds"}


def test_the_long_text_puts_the_term_after_the_cut():
    assert len(LONG) > 300 and "#" not in LONG[:285] and AFTER_CUT not in LONG[:285]


# --- the parser, on a page shaped as X sends it ---------------------------------------------------

def _tags(text: str) -> list[dict]:
    return [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in re.finditer(r"#(\w+)", text)]


def long_page(when: datetime, text: str = LONG, with_note: bool = True) -> dict:
    """A search page holding one long post the way X sends it: `text` cut to its first 277 characters
    plus "…" with the entities found in that, and (when asked for) the whole in note_tweet with its own."""
    post = pages.post(when, HEAD["id"], text[:277] + CUT, seq=7)
    post["entities"] = {"hashtags": _tags(text[:277])}
    if with_note:
        post["note_tweet"] = {"text": text, "entities": {"hashtags": _tags(text)}}
    return pages.page([post], [pages.user(HEAD["id"], HEAD["username"])])


def test_the_parser_takes_the_whole_text_and_its_entities():
    when = datetime(2026, 11, 17, 9, tzinfo=timezone.utc)
    parsed = parse_page(long_page(when))
    [post] = parsed.posts
    assert post["text"] == LONG
    assert [t for _, t in parsed.hashtags] == ["investinpupilservices"]
    assert "note_tweet" in post["raw"] and post["raw"]["text"].endswith(CUT), "raw keeps text as X sent it"
    without = parse_page(long_page(when, with_note=False))
    assert without.posts[0]["text"] == LONG[:277] + CUT and without.hashtags == []


def test_a_hashtag_the_cut_runs_through_is_taken_whole_from_note_tweet_not_as_the_piece():
    text = "Our pupils deserve better. " * 10 + "#FundOurSchools and it is time the budget said so, loudly."
    assert text.index("#FundOurSchools") < 277 < text.index("#FundOurSchools") + 15
    page = long_page(datetime(2026, 11, 17, 9, tzinfo=timezone.utc), text)
    assert page["data"][0]["entities"]["hashtags"][0]["tag"] != "FundOurSchools"   # the broken piece
    parsed = parse_page(page)
    assert [t for _, t in parsed.hashtags] == ["fundourschools"]


def test_a_long_replys_leading_mention_is_kept_when_note_tweet_does_not_repeat_it():
    when = datetime(2026, 11, 17, 9, tzinfo=timezone.utc)
    page = long_page(when)
    post = page["data"][0]
    post["text"] = "@NAHTnews " + post["text"]
    post["entities"]["mentions"] = [{"start": 0, "end": 9, "username": "NAHTnews", "id": "16"}]
    post["referenced_tweets"] = [{"type": "replied_to", "id": "1"}]
    parsed = parse_page(page)
    assert parsed.mentions == [(post["id"], "nahtnews", "16")]
    assert [t for _, t in parsed.hashtags] == ["investinpupilservices"]
    assert parsed.posts[0]["kind"] == "reply"


# --- collection from the simulated X API ----------------------------------------------------------

@pytest.fixture
def fake():
    now = datetime.now(timezone.utc).replace(microsecond=0)
    fx = FakeX(seed=23, start=now - timedelta(days=2), days=2, posts_per_day=120, bearer_token=TOKEN,
               clock=SimClock(now))
    fx.start()
    yield fx
    fx.stop()


def collector_for(engine, config, fx):
    cfg = replace(config, api_base_url=fx.base_url, campaigns=(CAMPAIGN,))
    source = XSource(TOKEN, fx.base_url, timeout=5.0)
    return cfg, source, Collector(engine, cfg, source, clock=fx.clock)


def stored(engine, post_id: str) -> Post:
    with transaction(engine) as s:
        return s.get(Post, post_id)


def matched_campaigns(engine, post_id: str) -> set[tuple[str, str]]:
    with transaction(engine) as s:
        return set(s.execute(select(PostMatch.campaign, PostMatch.term).where(PostMatch.post_id == post_id)))


def window(fx) -> Filters:
    today = uk_local(fx.now()).date()
    return Filters(CAMPAIGN.name, today - timedelta(days=3), today)


def test_a_long_post_with_its_term_after_the_cut_is_collected_whole_matched_and_counted(engine, config, fake):
    parent, quoted = fake.corpus.posts[-40], fake.corpus.posts[-30]
    parent_author = fake.corpus.users[parent["author_id"]]["username"]
    long_id = fake.add_post(LONG, HEAD)
    reply_text = f"@{parent_author} " + LONG
    reply_id = fake.add_post(reply_text, HEAD, reply_to=parent["id"])
    quote_text = "Exactly this. " + LONG
    quote_id = fake.add_post(quote_text, HEAD, quote_of=quoted["id"])
    cfg, source, collector = collector_for(engine, config, fake)
    [summary] = collector.collect_campaign(CAMPAIGN)
    assert summary.status == "completed"

    searches = [r for r in fake.requests if r["path"] == "/2/tweets/search/recent"]
    assert searches and all("note_tweet" in r["params"]["tweet.fields"].split(",") for r in searches)
    for post_id, text, kind in ((long_id, LONG, "original"), (reply_id, reply_text, "reply"),
                                (quote_id, quote_text, "quote")):
        post = stored(engine, post_id)
        assert (post.text, post.kind) == (text, kind)
        assert matched_campaigns(engine, post_id) == {(CAMPAIGN.name, "#InvestInPupilServices")}
    with transaction(engine) as s:
        every = set(s.scalars(select(Post.id)))
        matched = set(s.scalars(select(PostMatch.post_id).distinct()))
        long_posts = [p for p in s.scalars(select(Post)) if "note_tweet" in p.raw]
        tags = set(s.execute(select(PostHashtag.post_id, PostHashtag.tag)))
    # every long post X served came whole, the feed's own (how many depends on the hour: the corpus is
    # drawn around now) as well as the three above
    served_long = {i for i in fake.served_ids if "note_tweet" in fake.corpus.post_by_id[i]}
    assert {p.id for p in long_posts} == served_long and len(served_long) >= 3
    assert all(p.text == p.raw["note_tweet"]["text"] and not p.text.endswith(CUT) for p in long_posts)
    assert every == matched == fake.served_ids, "X found each on its whole text; so does the matching"
    assert (long_id, "investinpupilservices") in tags

    f = window(fake)
    assert metrics.kpis(engine, f).posts == len(every)
    assert_in_step(engine)
    assert_all_figures(engine, campaigns=(CAMPAIGN.name,))

    # The explorer finds it by words after the cut and shows it whole; its CSV download holds it whole.
    page = metrics.posts_page(engine, f, PostSearch(text=AFTER_CUT))
    assert {r.id: r.text for r in page.rows} == {long_id: LONG, reply_id: reply_text, quote_id: quote_text}
    download = exports.post_rows(metrics.posts_for_download(engine, f, PostSearch(text=AFTER_CUT)))
    assert {r["text"] for r in download} == {
        LONG, "'" + reply_text, quote_text}   # a text starting with @ is neutralised with a leading quote

    # The weekly report's XLSX and CSV carry it whole.
    year, week, _ = uk_local(fake.now() - timedelta(minutes=1)).isocalendar()
    report = build_weekly_report(engine, cfg, year, week, campaign=CAMPAIGN.name, now=fake.now())
    posts_sheet = load_workbook(io.BytesIO(render(report, "xlsx")))["Posts"]
    rows = list(posts_sheet.iter_rows(values_only=True))
    texts = {r[rows[0].index("Post ID")]: r[rows[0].index("Text")] for r in rows[1:]}
    # the workbook keeps text as written (a cell typed as text: nothing runs as a formula, no quote added)
    assert texts[long_id] == LONG and texts[quote_id] == quote_text and texts[reply_id] == reply_text
    csv_rows = {r["post_id"]: r["text"] for r in csv.DictReader(io.StringIO(render(report, "csv").decode("utf-8-sig")))}
    assert csv_rows[long_id] == LONG and csv_rows[quote_id] == quote_text

    # The metrics refresh reads public metrics only (monitor.refresh): the whole text stays as stored.
    fake.clock.advance(timedelta(hours=2))
    # (the full schedule: whether a read two hours on is worth taking under the selective one depends on the hour)
    everything_due = replace(cfg.metrics_refresh, window_minutes=0, selective=False)
    refreshed = refresh_metrics(engine, replace(cfg, metrics_refresh=everything_due), source, clock=fake.clock)
    lookups = [r for r in fake.requests if r["path"] == "/2/tweets"]
    assert refreshed.refreshed and lookups
    assert stored(engine, long_id).text == LONG
    assert_in_step(engine)


def test_an_edited_post_counts_once_as_its_latest_version(engine, config, fake):
    first = fake.add_post("Roundtable with our MP tonight #FundOurSchools", HEAD,
                          at=fake.now() - timedelta(minutes=10))
    cfg, source, collector = collector_for(engine, config, fake)
    collector.collect_campaign(CAMPAIGN)
    f = window(fake)
    before = metrics.kpis(engine, f).posts
    fake.clock.advance(timedelta(minutes=15))
    latest = fake.edit_post(first, "Roundtable with our MP tonight: 40 heads came #FundOurSchools",
                            at=fake.now() - timedelta(minutes=14))
    collector.collect_campaign(CAMPAIGN)
    assert stored(engine, latest).text == "Roundtable with our MP tonight: 40 heads came #FundOurSchools"
    assert stored(engine, first).superseded_by == latest and stored(engine, first).next_refresh_at is None
    assert matched_campaigns(engine, first) == set()
    assert metrics.kpis(engine, f).posts == before, "the edit is the same post: still counted once"
    shown = metrics.posts_page(engine, f, PostSearch(text="Roundtable with our MP")).rows
    assert [r.id for r in shown] == [latest]
    assert_in_step(engine)
    # The refresh reads the earlier version no more; a later store of it (an old archive) adds no match.
    again = parse_page({"data": [fake.corpus.post_by_id[first] | {"edit_history_tweet_ids": [first]}],
                        "includes": {"users": [fake.corpus.users[HEAD["id"]]]}})
    with transaction(engine) as s:
        store_page(s, again, fake.now(), campaign=CAMPAIGN.name, terms=CAMPAIGN.terms)
    assert matched_campaigns(engine, first) == set() and metrics.kpis(engine, f).posts == before
    assert_in_step(engine)


def test_an_edited_post_deleted_on_x_takes_its_earlier_versions_and_their_text_with_it(engine, config, fake):
    first = fake.add_post("Roundtable at Hollybrook tonight #FundOurSchools", HEAD,
                          at=fake.now() - timedelta(minutes=10))
    cfg, source, collector = collector_for(engine, config, fake)
    collector.collect_campaign(CAMPAIGN)
    fake.clock.advance(timedelta(minutes=15))
    latest = fake.edit_post(first, "Roundtable at Hollybrook tonight: 40 heads #FundOurSchools",
                            at=fake.now() - timedelta(minutes=14))
    collector.collect_campaign(CAMPAIGN)
    f = window(fake)
    before = metrics.kpis(engine, f)
    fake.delete_post(latest)
    with transaction(engine) as s:
        s.execute(Post.__table__.update().where(Post.id == latest)
                  .values(next_refresh_at=fake.now() - timedelta(days=1)))
    assert refresh_metrics(engine, cfg, source, clock=fake.clock).removed_posts == 2
    with transaction(engine) as s:
        texts = s.scalars(select(Post.text).where(Post.text.like("%Hollybrook%"))).all()
        assert texts == [] and s.get(Post, first) is None and s.get(Post, latest) is None
    after = metrics.kpis(engine, f)   # (the refresh has read other posts' metrics too)
    assert (after.posts, after.contributors, after.potential_reach) == \
        (before.posts, before.contributors, before.potential_reach), "the deleted post stays counted, once"
    assert_in_step(engine)


def test_the_shared_edit_samples_count_each_post_once_as_its_latest_version(sqlite_engine, config, shared_samples,
                                                                            tmp_path):
    """edited.jsonl serves the latest version in `data` and both versions in includes (each with the whole
    history); quoted_edit.jsonl quotes the first version. Given a campaign tag, and the first version
    stored as a lookup of its own id would give it, each post counts once and shows its latest text."""
    tag = " #FundOurSchools"
    lines = []
    for name in ("edited", "quoted_edit"):
        for line in (shared_samples / f"{name}.jsonl").read_text().splitlines():
            page = json.loads(line)
            versions = {p["id"]: p for p in page["includes"].get("tweets", [])}
            page["data"] = [dict(p, text=p["text"] + tag) for p in page["data"]]
            if name == "edited":   # the first version too, as GET /2/tweets?ids=<its id> returns it
                first = versions["1576994746135764992"]
                page["data"].append(dict(first, text=first["text"] + tag))
            lines.append(json.dumps(page))
    path = tmp_path / "edits.jsonl"
    path.write_text("\n".join(lines) + "\n")
    cfg = replace(config, campaigns=(Campaign("fund", "Fund", ("FundOurSchools",), ()),))
    report = import_jsonl(sqlite_engine, cfg, path, progress=False)
    assert report.earlier_versions == 1 and "1 posts are earlier versions of edited posts" in report.describe()
    with transaction(sqlite_engine) as s:
        counted = set(s.scalars(select(PostMatch.post_id).distinct()))
        first = s.get(Post, "1576994746135764992")
    assert counted == {"1576994789110992896", "1576995594388000768"}
    assert first.superseded_by == "1576994789110992896"
    days = Filters("fund", first.created_date_uk, first.created_date_uk)
    rows = metrics.posts_page(sqlite_engine, days).rows
    assert {r.id: r.text for r in rows} == {"1576994789110992896": "hey :) https://t.co/rnwEIoNuqd" + tag,
                                            "1576995594388000768": "@wongmjane Test \nhttps://t.co/rBFwqjVr6B" + tag}
    assert metrics.kpis(sqlite_engine, days).posts == 2
    assert_in_step(sqlite_engine)


# --- the importer ---------------------------------------------------------------------------------

def test_the_importer_stores_a_twarc2_long_post_whole_and_matched(engine, config, tmp_path):
    """The issue's case: a recorded-shape page with one long post whose hashtag comes after the cut."""
    when = datetime(2026, 11, 17, 9, tzinfo=timezone.utc)
    page = long_page(when)
    page["__twarc"] = {"url": "https://api.twitter.com/2/tweets/search/recent?tweet.fields=note_tweet",
                       "version": "2.14.0", "retrieved_at": "2026-11-17T10:00:00+00:00"}
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(page) + "\n")
    cfg = replace(config, campaigns=(CAMPAIGN,))
    report = import_jsonl(engine, cfg, path, progress=False)
    assert report.posts_new == 1 and report.unmatched_posts == 0
    assert "no configured campaign term" not in report.describe()
    post_id = page["data"][0]["id"]
    assert stored(engine, post_id).text == LONG
    assert matched_campaigns(engine, post_id) == {(CAMPAIGN.name, "#InvestInPupilServices")}
    day = Filters(CAMPAIGN.name, when.date(), when.date())
    assert metrics.kpis(engine, day).posts == 1
    # An archive captured without note_tweet, imported later, does not cut the stored post short again.
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps(long_page(when, with_note=False)) + "\n")
    import_jsonl(engine, cfg, old, progress=False)
    assert stored(engine, post_id).text == LONG and "note_tweet" in stored(engine, post_id).raw
    assert metrics.kpis(engine, day).posts == 1
    assert_in_step(engine)


# --- migration 0011 over a database stored before the change --------------------------------------

def _as_stored_then(conn, model, row: dict):
    """An insert of `row` into the model's table as the database has it now (at 0010: the columns later
    revisions add are not there yet), with the model's column types, and the values for it."""
    present = {c["name"] for c in inspect(conn).get_columns(model.__tablename__)}
    columns = [column(c.name, c.type) for c in model.__table__.c if c.name in present and c.name in row]
    return insert(table(model.__tablename__, *columns)), [{c.name: row[c.name] for c in columns}]


def _run_as_stored_then(conn, row: dict) -> int:
    """A collection run inserted as the table was at 0010; its id."""
    statement, values = _as_stored_then(conn, CollectionRun, row)
    return conn.execute(statement.returning(column("id")), values).scalar_one()


def summary_as_at_0010(engine) -> None:
    """The summary tables aggregated from posts by revision 0011's own SQL, written for the schema of
    then (today's monitor.summary reads columns later revisions add)."""
    revision = importlib.import_module("monitor.migrations.versions.0011_long_posts_and_edits")
    walk = "CROSS JOIN" if engine.dialect.name == "sqlite" else "JOIN"
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TEMPORARY TABLE resync_slices (day DATE NOT NULL, author_id VARCHAR(24))")
        conn.exec_driver_sql("INSERT INTO resync_slices SELECT DISTINCT created_date_uk, author_id FROM posts")
        for in_slices, same_slice in revision.SLICE_KINDS:
            for name in revision.SUMMARY_TABLES:
                conn.exec_driver_sql(f"DELETE FROM {name} WHERE {in_slices}")
            for statement in revision.FILL:
                conn.exec_driver_sql(statement.format(walk=walk, same_slice=same_slice))
        conn.exec_driver_sql("DROP TABLE resync_slices")


def store_as_before(engine, page: dict, now: datetime, matched_terms: list[str], run_id: int) -> dict:
    """Store one post as the code before 0011 did: the cut `text` and the hashtags of that, its campaign
    matches as given, raw as X sent it; through the tables as they were at 0010."""
    parsed = parse_page(page, now)
    [row] = parsed.posts
    row = dict(row, text=row["raw"]["text"], next_refresh_at=None, region="Unknown")
    cut_tags = sorted({h["tag"].lower() for h in (row["raw"].get("entities") or {}).get("hashtags", [])})
    author = next(iter(parsed.authors.values()))
    with engine.begin() as conn:
        if conn.execute(select(Author.__table__.c.id).where(Author.__table__.c.id == author["id"])).first() is None:
            conn.execute(*_as_stored_then(conn, Author, author))
        conn.execute(*_as_stored_then(conn, Post, row))
        if cut_tags:
            conn.execute(insert(PostHashtag.__table__), [{"post_id": row["id"], "tag": t} for t in cut_tags])
        if parsed.mentions:
            conn.execute(insert(PostMention.__table__), [{"post_id": p, "username": u, "user_id": i}
                                                         for p, u, i in parsed.mentions])
        if matched_terms:
            conn.execute(insert(PostMatch.__table__), [{"post_id": row["id"], "campaign": CAMPAIGN.name, "term": t}
                                                       for t in matched_terms])
        conn.execute(insert(RunPost.__table__), [{"run_id": run_id, "post_id": row["id"]}])
    return row


def test_migration_0011_recovers_long_posts_and_edits_stored_before_it(db_url, config):
    now = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    engine = make_engine(db_url)
    cfg = replace(config, campaigns=(CAMPAIGN,))
    try:
        upgrade(engine, "0010")
        with engine.begin() as conn:
            run_id = _run_as_stored_then(conn, {
                "campaign": "*", "kind": "import", "query": "import old.jsonl", "started_at": now,
                "status": "completed", "pages": 1, "requests": 0, "posts_read": 4, "posts_new": 4,
                "posts_updated": 0, "rate_limit_waits": 0, "rate_limit_wait_seconds": 0.0, "errors": 0,
                "resumes": 0})
        when = datetime(2026, 11, 17, 9, tzinfo=timezone.utc)
        long_post = store_as_before(engine, long_page(when), now, [], run_id)
        short = pages.page([pages.post(when, HEAD["id"], "Short and tagged #InvestInPupilServices", seq=1,
                                       tags=["InvestInPupilServices"])], [pages.user(HEAD["id"], HEAD["username"])])
        store_as_before(engine, short, now, ["#InvestInPupilServices"], run_id)
        # An edited post stored twice before: both versions matched, so counted twice.
        first = pages.post(when, HEAD["id"], "Roundtable tonight #FundOurSchools", seq=2, tags=["FundOurSchools"])
        latest = pages.post(when + timedelta(minutes=5), HEAD["id"], "Roundtable tonight, 40 came #FundOurSchools",
                            seq=3, tags=["FundOurSchools"])
        latest["edit_history_tweet_ids"] = [first["id"], latest["id"]]
        users = [pages.user(HEAD["id"], HEAD["username"])]
        store_as_before(engine, pages.page([first], users), now, ["#FundOurSchools"], run_id)
        store_as_before(engine, pages.page([latest], users), now, ["#FundOurSchools"], run_id)
        summary_as_at_0010(engine)
        day = Filters(CAMPAIGN.name, when.date(), when.date())
        assert metrics.kpis(engine, day).posts == 3, "before: the long post missing, the edited one twice"

        upgrade(engine)   # the migration alone: whole text, entities, one count per edit, summary in step
        assert stored(engine, long_post["id"]).text == LONG
        with transaction(engine) as s:
            assert ("investinpupilservices" in set(s.scalars(select(PostHashtag.tag)
                                                             .where(PostHashtag.post_id == long_post["id"]))))
            assert s.get(MaintenanceTask, TASK) is not None, "the re-match waits for the config"
        assert stored(engine, first["id"]).superseded_by == latest["id"]
        assert metrics.kpis(engine, day).posts == 2
        assert_in_step(engine)

        report = upgrade_and_rematch(engine, cfg)   # what `db upgrade` and `run` do
        assert (report.checked, report.matched) == (1, 1)
        assert matched_campaigns(engine, long_post["id"]) == {(CAMPAIGN.name, "#InvestInPupilServices")}
        assert metrics.kpis(engine, day).posts == 3, "the long post counted, the edited post once"
        assert [r.text for r in metrics.posts_page(engine, day, PostSearch(text=AFTER_CUT)).rows] == [LONG]
        assert_in_step(engine)
        with transaction(engine) as s:
            assert s.get(MaintenanceTask, TASK) is None
        assert upgrade_and_rematch(engine, cfg) is None, "done once"
    finally:
        engine.dispose()


def test_db_upgrade_matches_the_recovered_posts_with_the_config(tmp_path):
    db = tmp_path / "m.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{db}"\n[[campaigns]]\nname = "ipfs"\n'
                      'hashtags = ["InvestInPupilServices"]\n')
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, "0010")
    now = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    with engine.begin() as conn:
        run_id = _run_as_stored_then(conn, {
            "campaign": "ipfs", "kind": "search", "query": "(#InvestInPupilServices) -is:retweet", "started_at": now,
            "status": "completed", "pages": 1, "requests": 1, "posts_read": 1, "posts_new": 1, "posts_updated": 0,
            "rate_limit_waits": 0, "rate_limit_wait_seconds": 0.0, "errors": 0, "resumes": 0})
    post = store_as_before(engine, long_page(datetime(2026, 11, 17, 9, tzinfo=timezone.utc)), now, [], run_id)
    engine.dispose()
    result = subprocess.run([sys.executable, "-m", "monitor.cli", "--config", str(config), "db", "upgrade"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "1 of the 1 posts with no campaign match now match their campaign" in result.stdout
    engine = make_engine(f"sqlite:///{db}")
    assert matched_campaigns(engine, post["id"]) == {("ipfs", "#InvestInPupilServices")}
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(MaintenanceTask)) == 0
    engine.dispose()
