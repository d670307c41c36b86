"""Regions applied to stored data: per author and per post, known accounts, audited corrections
that inference never overwrites, and recompute when aliases or known accounts change."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

import monitor.regions
from monitor.attribution import (
    Attributor,
    correct_author,
    latest_corrections,
    recompute_all,
    recompute_if_stale,
    stale_authors,
)
from monitor.cli import main
from monitor.db import transaction
from monitor.models import Author, Post, RegionCorrection
from monitor.parse import parse_page
from monitor.regions import KnownAccount
from monitor.store import store_page
from tests import pages

WHEN = datetime(2026, 11, 18, 9, 30, tzinfo=timezone.utc)
PLACE = {"id": "p1", "full_name": "Cardiff, Wales", "name": "Cardiff", "country_code": "GB", "place_type": "city"}


def store(engine, config, page_dict):
    now = datetime.now(timezone.utc)
    page = parse_page(page_dict, now)
    with transaction(engine) as s:
        Attributor(config).attribute_page(page, latest_corrections(s, page.authors))
        store_page(s, page, now)


def leeds_page(extra_posts=()):
    author = pages.user("21", "headteacher_kate", location="Leeds, UK")
    posts = [pages.post(WHEN, "21", "#InvestInPupilServices roundtable", seq=1),
             pages.post(WHEN + timedelta(hours=1), "21", "At the Senedd #FundOurSchools", seq=2, place_id="p1"),
             *extra_posts]
    return pages.page(posts, [author], places=[PLACE])


def regions_of(engine):
    with transaction(engine) as s:
        author = s.get(Author, "21")
        posts = {p.text.split()[0]: (p.region, p.region_evidence) for p in s.scalars(select(Post))}
    return author, posts


def test_author_from_profile_and_post_from_its_place(engine, config):
    store(engine, config, leeds_page())
    author, posts = regions_of(engine)
    assert (author.region, author.branch, author.region_evidence) == ("Yorkshire and The Humber", "Leeds",
                                                                       "profile_location")
    assert "Leeds" in author.region_detail
    assert posts["#InvestInPupilServices"] == ("Yorkshire and The Humber", "profile_location")
    assert posts["At"] == ("Wales", "place")


def test_known_account_beats_profile(engine, config):
    cfg = replace(config, known_accounts=(KnownAccount("HeadTeacher_Kate", "London", "Camden"),))
    store(engine, cfg, leeds_page())
    author, posts = regions_of(engine)
    assert (author.region, author.branch, author.region_evidence) == ("London", "Camden", "known_account")
    assert set(posts.values()) == {("London", "known_account")}


def test_correction_is_audited_applied_at_once_and_survives_new_pages(engine, config):
    store(engine, config, leeds_page())
    correct_author(engine, config, "21", "North West", branch="Salford", corrected_by="lead@naht", note="moved")
    author, posts = regions_of(engine)
    assert (author.region, author.branch, author.region_evidence) == ("North West", "Salford", "correction")
    assert all(region == "North West" for region, _ in posts.values())  # correction beats a post's place
    later = pages.post(WHEN + timedelta(days=1), "21", "Later #FundOurSchools", seq=3)
    store(engine, config, leeds_page([later]))  # inference runs again on the new page
    author, posts = regions_of(engine)
    assert author.region == "North West" and posts["Later"] == ("North West", "correction")
    with transaction(engine) as s:
        audit = s.scalars(select(RegionCorrection)).one()
    assert (audit.corrected_by, audit.note, audit.region) == ("lead@naht", "moved", "North West")
    assert audit.corrected_at is not None


def test_correction_rejects_unknown_region(engine, config):
    store(engine, config, leeds_page())
    with pytest.raises(ValueError, match="region must be one of"):
        correct_author(engine, config, "21", "Narnia", corrected_by="x")


def test_known_account_change_makes_authors_stale_and_recompute_applies_it(engine, config):
    store(engine, config, leeds_page())
    assert stale_authors(engine, config) == 0
    cfg = replace(config, known_accounts=(KnownAccount("headteacher_kate", "South West"),))
    assert stale_authors(engine, cfg) == 1
    authors, posts = recompute_all(engine, cfg)
    assert (authors, posts) == (1, 2)
    author, post_regions = regions_of(engine)
    assert author.region == "South West"
    assert set(post_regions.values()) == {("South West", "known_account")}
    assert stale_authors(engine, cfg) == 0


def test_a_gazetteer_upgrade_re_attributes_stored_posts_by_itself(engine, config, monkeypatch):
    """As after upgrading from a gazetteer that knew no shire districts: the stored author and posts
    say Unknown under the old version; the collector's start (recompute_if_stale) puts them right."""
    author = pages.user("31", "erewash_head", location="Erewash")
    posts = [pages.post(WHEN, "31", f"Roundtable {n} #FundOurSchools", seq=10 + n) for n in range(3)]
    store(engine, config, pages.page(posts, [author]))
    with transaction(engine) as s:
        s.execute(update(Author).where(Author.id == "31").values(region="Unknown", branch=None,
                                                                  region_version="before-upgrade"))
        s.execute(update(Post).where(Post.author_id == "31").values(region="Unknown", branch=None))
    assert stale_authors(engine, config) == 1
    assert recompute_if_stale(engine, config) == (1, 3)
    with transaction(engine) as s:
        stored = s.get(Author, "31")
        assert (stored.region, stored.branch) == ("East Midlands", "Derbyshire")
        assert {(p.region, p.branch) for p in s.scalars(select(Post).where(Post.author_id == "31"))} == {
            ("East Midlands", "Derbyshire")}
    assert recompute_if_stale(engine, config) is None  # nothing stale is left
    # Whatever changes the gazetteer's version (its code, curated files or source packages) does it again.
    monkeypatch.setattr(monitor.regions, "gazetteer_version", lambda: "a-newer-gazetteer")
    assert stale_authors(engine, config) == 1
    assert recompute_if_stale(engine, config) == (1, 3)


def test_district_branches_change_the_branch_and_make_authors_stale(engine, config):
    author = pages.user("32", "clacton_head", location="Clacton-on-Sea, Essex")
    store(engine, config, pages.page([pages.post(WHEN, "32", "Hello #FundOurSchools", seq=20)], [author]))
    with transaction(engine) as s:
        assert s.get(Author, "32").branch == "Essex"
    districts = replace(config, district_branches=("Essex",))
    assert stale_authors(engine, districts) == 1
    recompute_if_stale(engine, districts)
    with transaction(engine) as s:
        assert s.get(Author, "32").branch == "Tendring"
        assert {p.branch for p in s.scalars(select(Post).where(Post.author_id == "32"))} == {"Tendring"}


def test_regions_cli_correct_recompute_explain(sqlite_url, config, monkeypatch):
    monkeypatch.setenv("MONITOR_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    from monitor.db import make_engine
    engine = make_engine(sqlite_url)
    store(engine, config, leeds_page())
    result = runner.invoke(main, ["regions", "correct", "@HeadTeacher_Kate", "Wales", "--by", "cymru-lead"])
    assert result.exit_code == 0, result.output
    assert regions_of(engine)[0].region == "Wales"
    result = runner.invoke(main, ["regions", "correct", "nobody", "Wales", "--by", "x"])
    assert result.exit_code != 0 and "no stored author @nobody" in result.output
    result = runner.invoke(main, ["regions", "recompute", "--no-progress"])
    assert result.exit_code == 0 and "re-attributed 1 authors and 2 posts" in result.output
    assert regions_of(engine)[0].region == "Wales"  # the correction still stands after recompute
    result = runner.invoke(main, ["regions", "explain", "Notts"])
    assert "East Midlands" in result.output and "evidence:   profile_location" in result.output
