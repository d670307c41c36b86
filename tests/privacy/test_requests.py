"""A person's requests, through the command line as staff run them: `privacy export @handle` writes
everything stored about them, `privacy forget @handle --by PERSON` erases it in one transaction (their
posts in two campaigns stay counted, with no author), both recorded with a salted hash of the handle;
nothing of theirs is left in the database's files or the exports; posting again, they are collected
afresh. On SQLite and PostgreSQL."""
from __future__ import annotations

import json
import os
import stat
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from monitor import exports, metrics
from monitor.alerts.engine import record
from monitor.alerts.rules import Occurrence
from monitor.attribution import correct_author
from monitor.db import transaction
from monitor.metrics import Filters
from monitor.models import Author, AuthorFollowers, Post, PostMatch, PrivacyRequest, RegionCorrection
from monitor.privacy import clear_residue, export, forget, handle_hash
from monitor.reports import FORMATS, build_weekly_report, render
from monitor.timeutil import uk_local
from tests.helpers import cli, cli_env, write_config
from tests.privacy.helpers import (
    ALL,
    FUND,
    SALT,
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


@pytest.fixture
def world(engine, config, tmp_path):
    w = start_world(engine, config, reports_folder=str(tmp_path / "reports"))
    yield w
    w.fake.stop()


def run_cli(world, tmp_path, *args, salt: str | None = SALT) -> subprocess.CompletedProcess:
    config_path = write_config(tmp_path, world.engine.url.render_as_string(hide_password=False), world.fake.base_url)
    env = cli_env()
    env.pop("MONITOR_PRIVACY_SALT", None)
    if salt:
        env["MONITOR_PRIVACY_SALT"] = salt
    return subprocess.run(cli(config_path, *args), env=env, capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)


def seed_people(world):
    """The person to forget, posting in both campaigns (corrected by staff), and a friend naming them."""
    clock, fake = world.clock, world.fake
    jo = person("Forgot", "900000000000000301", "Sheffield")
    friend = person("Friend", "900000000000000302", "York")
    say(fake, jo, "Roundtable booked #InvestInPupilServices #FundOurSchools", clock() - timedelta(hours=26))
    say(fake, jo, "Letter sent to my MP #InvestInPupilServices", clock() - timedelta(hours=3))
    say(fake, friend, f"Great letter from @{jo.handle} #InvestInPupilServices", clock() - timedelta(hours=2))
    world.collect()
    correct_author(world.engine, world.config, jo.user["id"], "Wales", corrected_by="lead@naht.org.uk")
    # The daily digest, as it is recorded, listing one of their posts among the top posts
    top = f"    @{jo.handle}: 12 engagements, 300 impressions {metrics.post_url(jo.handle, jo.post_ids[0])}"
    record(world.engine, world.config, [Occurrence("digest:test", "digest", "info", "Yesterday", top)], clock())
    return jo, friend


def test_export_then_forget_an_author_with_posts_in_two_campaigns(world, tmp_path):
    engine = world.engine
    jo, friend = seed_people(world)
    before = figures(engine)

    # Access: the JSON file holds their profile, history, correction, both posts with both campaigns'
    # matches, and the friend's post that names them; readable by its owner only
    done = run_cli(world, tmp_path, "privacy", "export", f"@{jo.handle.upper()}", "--out", "jo.json",
                   "--by", "dpo@naht.org.uk")
    assert done.returncode == 0, done.stderr
    path = tmp_path / "jo.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    document = json.loads(path.read_text(encoding="utf-8"))
    (account,) = document["accounts"]
    assert account["profile"]["username"] == jo.handle and account["profile"]["location"] == jo.user["location"]
    assert account["profile"]["raw"]["description"] == jo.user["description"]
    assert [c["region"] for c in account["region_corrections"]] == ["Wales"]
    assert account["author_followers"] and account["summary_days"]
    assert sorted(p["text"] for p in account["posts"]) == sorted(jo.texts)
    matched = {p["text"]: sorted({m["campaign"] for m in p["post_matches"]}) for p in account["posts"]}
    assert matched[jo.texts[0]] == sorted([ALL.name, FUND.name]) and matched[jo.texts[1]] == [ALL.name]
    assert all(p["region"] == "Wales" for p in account["posts"])
    assert [m["post_id"] for m in document["mentioned_in"]] == friend.post_ids
    assert friend.texts[0] not in path.read_text(encoding="utf-8")   # the friend's words are the friend's

    # Erasure, in one transaction
    done = run_cli(world, tmp_path, "privacy", "forget", f"@{jo.handle}", "--by", "dpo@naht.org.uk")
    assert done.returncode == 0, done.stderr
    assert "erased 1 account(s), removed 2 posts" in done.stdout and "from 1 other posts" in done.stdout
    assert figures(engine) == before    # every total, contributors and reach too: their posts went together
    with transaction(engine) as s:
        requests = s.execute(select(PrivacyRequest.kind, PrivacyRequest.handle_hash, PrivacyRequest.requested_by,
                                    PrivacyRequest.posts).order_by(PrivacyRequest.id)).all()
        assert [tuple(r) for r in requests] == [("export", handle_hash(jo.handle, SALT), "dpo@naht.org.uk", 2),
                                                ("forget", handle_hash(jo.handle, SALT), "dpo@naht.org.uk", 2)]
        assert s.get(Author, jo.user["id"]) is None
        for model in (AuthorFollowers, RegionCorrection):
            assert s.scalar(select(func.count()).select_from(model).where(model.author_id == jo.user["id"])) == 0
        removed = s.scalars(select(Post).where(Post.unavailable_reason == "forgotten")).all()
        assert len(removed) == 2 and len({p.anonymous_author for p in removed}) == 1
        assert {p.region for p in removed} == {"Wales"}   # still counted where they were
        # both campaigns' matches kept: ipfs by two of its terms and fund by one, then ipfs by one
        assert s.scalar(select(func.count()).select_from(PostMatch)
                        .where(PostMatch.post_id.in_([p.id for p in removed]))) == 4
        assert s.get(Post, friend.post_ids[0]).text == "Great letter from @[erased] #InvestInPupilServices " + \
            friend.tokens[0]

    # Nothing of theirs in any row, export or database file
    assert rows_holding(engine, jo.needles) == {}
    days = sorted({uk_local(world.clock() - timedelta(hours=h)).date() for h in (26, 3)})
    period = Filters(ALL.name, days[0], days[-1])
    csv_text = exports.posts_csv(metrics.posts_for_download(engine, period)).decode("utf-8-sig")
    assert text_holding(csv_text, jo.needles) == []
    for day in days:
        year, week, _ = day.isocalendar()
        report = build_weekly_report(engine, world.config, year, week, campaign=ALL.name)
        assert report.removed_posts >= 1
        for fmt in FORMATS:
            assert text_holding(readable(fmt, render(report, fmt), tmp_path), jo.words) == [], fmt
    if engine.dialect.name == "sqlite":
        # The command emptied the write-ahead log unless a reader held it (on a busy machine the log is left
        # to the next removal or the nightly run, as clear_residue says): emptied now, nothing is left.
        assert clear_residue(engine)
        assert bytes_holding(sqlite_files(engine), jo.needles) == {}
    else:
        tuples = postgres_tuples_holding(engine, jo.needles)
        if tuples is not None:   # not root on the server's machine: the rows were checked above
            assert tuples == {}
            assert clear_residue(engine, full=True)
            assert bytes_holding(postgres_files(engine), jo.needles) == {}

    # Posting again, they are collected afresh: not blocked, nothing old linked back to them
    # (later than every generated post: the search asks only for posts newer than the newest it has)
    world.clock.advance(timedelta(minutes=15))
    new = say(world.fake, jo, "Back again #InvestInPupilServices", world.clock() - timedelta(minutes=10))
    world.collect()
    with transaction(engine) as s:
        author = s.get(Author, jo.user["id"])
        assert author is not None and author.username == jo.handle and author.region_evidence != "correction"
        assert s.scalars(select(Post.id).where(Post.author_id == jo.user["id"])).all() == [new]
        assert s.scalar(select(func.count()).select_from(Post).where(Post.unavailable_reason == "forgotten")) == 2


def test_forget_needs_the_salt_and_says_so_changing_nothing(world, tmp_path):
    jo, _ = seed_people(world)
    done = run_cli(world, tmp_path, "privacy", "forget", f"@{jo.handle}", "--by", "dpo@naht.org.uk", salt=None)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "MONITOR_PRIVACY_SALT" in line and line.startswith("error: ")
    done = run_cli(world, tmp_path, "privacy", "forget", f"@{jo.handle}", "--by", "dpo", salt="short")
    assert done.returncode == 2 and "at least 16 characters" in done.stderr
    with transaction(world.engine) as s:
        assert s.get(Author, jo.user["id"]) is not None
        assert s.scalar(select(func.count()).select_from(PrivacyRequest)) == 0


def test_requests_need_a_handle_and_who_asked(world, tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_PRIVACY_SALT", SALT)
    done = run_cli(world, tmp_path, "privacy", "forget", "not a handle", "--by", "dpo")
    assert done.returncode == 2 and "is not an X handle" in done.stderr
    done = run_cli(world, tmp_path, "privacy", "forget", "@someone", "--by", "  ")
    assert done.returncode == 2 and "say who asked" in done.stderr
    # A handle with nothing stored: answered and recorded all the same
    result = forget(world.engine, world.config, "@NobodyStoredHere", requested_by="dpo")
    assert (result.authors, result.posts, result.mentions) == (0, 0, 0)
    assert export(world.engine, "@NobodyStoredHere", requested_by="dpo").document["accounts"] == []
    with transaction(world.engine) as s:
        assert s.scalars(select(PrivacyRequest.kind).order_by(PrivacyRequest.id)).all() == ["forget", "export"]
