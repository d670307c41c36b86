"""Every page and filter of the dashboard, run in-process with Streamlit's AppTest against seeded
databases; the figures shown are checked against the database."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from monitor import metrics
from monitor.config import default_config
from monitor.db import make_engine, transaction
from monitor.metrics import Filters, PostSearch
from monitor.schema import upgrade
from monitor.timeutil import uk_today
from tests.dashboard.helpers import APP, SeededDb, apptest_table, apptest_tables
from tests.seed import CAMPAIGN, add_run, seed_small

TIMEOUT = 60


def run_page(page: str | None = None, query: dict | None = None, **session) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    for key, value in session.items():
        at.session_state[key] = value
    if page:  # the page's address opened directly, as a link does
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at: AppTest, column: str):
    """The first table on the page with this column (tests/dashboard/helpers.Table)."""
    return apptest_table(at, column)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def seven_days() -> Filters:
    return Filters(CAMPAIGN, *metrics.preset_range("7 days", uk_today()))


def count_posts_sql(db: SeededDb, start, end, region=None) -> int:
    """An independent count of the campaign's distinct posts, written out in SQL."""
    sql = ("SELECT COUNT(DISTINCT p.id) FROM posts p JOIN post_matches m ON m.post_id = p.id "
           "WHERE m.campaign = :c AND p.created_date_uk BETWEEN :a AND :b" + (" AND p.region = :r" if region else ""))
    with db.engine().connect() as conn:
        return conn.execute(text(sql), {"c": CAMPAIGN, "a": start, "b": end, "r": region}).scalar()


@pytest.fixture
def seeded(seeded_db, app_env) -> SeededDb:
    return app_env(seeded_db)


# --- overview --------------------------------------------------------------------------------

def test_overview_kpis_match_the_database(seeded):
    at = run_page()
    f = seven_days()
    expected = metrics.kpis_with_change(seeded.engine(), f)
    assert metric(at, "Posts") == f"{count_posts_sql(seeded, f.from_date, f.to_date):,}"
    assert metric(at, "Posts") == f"{expected.current.posts:,}"
    assert metric(at, "Contributors") == f"{expected.current.contributors:,}"
    assert metric(at, "Potential reach") == f"{expected.current.potential_reach:,}"
    assert metric(at, "Impressions") == f"{expected.current.impressions:,}"
    assert metric(at, "Engagements") == f"{expected.current.engagements:,}"
    assert metric(at, "Unknown share") == f"{expected.current.unknown_share:.0%}"
    posts_card = next(m for m in at.metric if m.label == "Posts")
    assert posts_card.delta == f"{expected.change('posts'):+.0%}"


def test_overview_region_table_lists_every_region(seeded):
    at = run_page()
    shown = table(at, "Share of posts")
    expected = metrics.regions_table(seeded.engine(), seven_days())
    regions = shown.column("Region")
    assert len(regions) == 14 and {"Scotland", "National (NAHT)", "Unknown"} <= set(regions)
    assert shown.ints("Posts") == [r.kpis.posts for r in expected]
    assert sum(shown.ints("Posts")) == metrics.kpis(seeded.engine(), seven_days()).posts
    assert [h.split("region=")[1].split("&")[0] for h in shown.hrefs("Region")][:2] == ["North+East", "North+West"]


def test_overview_period_filter_today(seeded):
    at = run_page()
    at.selectbox(key="period").set_value("Today").run()
    today = uk_today()
    assert metric(at, "Posts") == f"{count_posts_sql(seeded, today, today):,}"
    assert at.query_params["period"] == "today" and "from" not in at.query_params  # a bookmark stays "today"


def test_overview_custom_period(seeded):
    start, end = uk_today() - timedelta(days=10), uk_today() - timedelta(days=8)
    at = run_page()
    at.selectbox(key="period").set_value("Custom").run()
    at.date_input(key="custom_dates").set_value((start, end)).run()
    assert metric(at, "Posts") == f"{count_posts_sql(seeded, start, end):,}"


def test_overview_timeline_by_hour_and_top_tables(seeded):
    at = run_page()
    at.segmented_control(key="overview_by").set_value("Hour").run()
    assert not at.exception
    top = table(at, "Post")
    expected = metrics.top_posts(seeded.engine(), seven_days(), 10)
    assert top.ints("Engagements") == [p.engagements for p in expected]
    assert top.hrefs("Link") == [p.url for p in expected]
    contributors = table(at, "Profile")
    expected_contributors = metrics.top_contributors(seeded.engine(), seven_days(), 10)
    assert contributors.column("Author") == [f"@{c.username}" for c in expected_contributors]


def test_campaign_filter_switches_campaign(seeded, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text(f'''
[[campaigns]]
name = "{CAMPAIGN}"
title = "Invest in Pupil and Family Services"
hashtags = ["InvestInPupilServices", "PupilAndFamilyServices", "FundOurSchools"]
mentions = ["NAHTnews"]

[[campaigns]]
name = "pay-campaign"
title = "Fair Pay"
hashtags = ["FairPayForHeads"]
''')
    monkeypatch.setenv("MONITOR_CONFIG", str(config))
    at = run_page()
    assert metric(at, "Posts") != "0"
    at.selectbox(key="campaign").set_value("pay-campaign").run()
    assert metric(at, "Posts") == "0" and at.title[0].value == "Fair Pay"


# --- region page -----------------------------------------------------------------------------

def test_region_page_from_a_shared_url(seeded):
    f = seven_days()
    query = {"region": "London", "from": f.from_date.isoformat(), "to": f.to_date.isoformat()}
    at = run_page("views/region.py", query=query)
    assert at.selectbox(key="region_key").value == "London"
    assert metric(at, "Posts") == f"{count_posts_sql(seeded, f.from_date, f.to_date, 'London'):,}"
    accounts = table(at, "Evidence")
    expected = metrics.region_accounts(seeded.engine(), replace(f, region="London"))
    assert accounts.column("Author") == [f"@{a.username}" for a in expected]
    # An author placed in London has the evidence that placed them; one with no evidence of their own is
    # listed because a post of theirs carried a London place.
    assert accounts.column("Evidence") == [a.evidence for a in expected]
    assert all(a.evidence in {"known_account", "correction", "place", "profile_location"}
               for a in expected if a.region == "London")


def test_region_page_custom_dates_from_url_and_region_change(seeded):
    start, end = uk_today() - timedelta(days=13), uk_today() - timedelta(days=7)
    at = run_page("views/region.py", query={"region": "Scotland", "from": start.isoformat(), "to": end.isoformat()})
    assert at.selectbox(key="period").value == "Custom"
    assert metric(at, "Posts") == f"{count_posts_sql(seeded, start, end, 'Scotland'):,}"
    at.selectbox(key="region_key").set_value("Unknown").run()
    assert metric(at, "Posts") == f"{count_posts_sql(seeded, start, end, 'Unknown'):,}"
    assert at.query_params["region"] == "Unknown"


def test_region_page_branch_filter(seeded):
    f = replace(seven_days(), region="London")
    branches = [r for r in metrics.branches_table(seeded.engine(), f) if r.key]
    at = run_page("views/region.py", query={"region": "London"})
    at.selectbox(key="branch_name").set_value(branches[0].key).run()
    assert metric(at, "Posts") == f"{branches[0].kpis.posts:,}"
    assert at.query_params["branch"] == branches[0].key


def test_region_lead_corrects_an_author(writable_db, app_env):
    db = app_env(writable_db)
    f = replace(seven_days(), region="London")
    before = metrics.kpis(db.engine(), f).posts
    author = metrics.region_accounts(db.engine(), f)[0]
    at = run_page("views/region.py", query={"region": "London"})
    at.selectbox(key="correct_author").set_value(f"@{author.username}")
    at.selectbox(key="correct_region").set_value("Wales")
    at.text_input(key="correct_by").input("lead@naht.org.uk")
    at.button[[b.label for b in at.button].index("Save correction")].click().run()
    assert not at.exception and "Correction saved" in at.success[0].value
    assert metric(at, "Posts") == f"{before - author.posts:,}"  # applied at once, no stale cache
    with db.engine().connect() as conn:
        row = conn.execute(text("SELECT region, corrected_by FROM region_corrections")).one()
    assert tuple(row) == ("Wales", "lead@naht.org.uk")


def test_correction_needs_a_name(writable_db, app_env):
    db = app_env(writable_db)
    author = metrics.region_accounts(db.engine(), replace(seven_days(), region="London"))[0]
    at = run_page("views/region.py", query={"region": "London"})
    at.selectbox(key="correct_author").set_value(f"@{author.username}")
    at.selectbox(key="correct_region").set_value("Wales")
    at.button[[b.label for b in at.button].index("Save correction")].click().run()
    assert "name or email" in at.error[0].value
    with writable_db.engine().connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM region_corrections")).scalar() == 0


# --- posts explorer --------------------------------------------------------------------------

def caption_total(at: AppTest) -> int:
    line = next(c.value for c in at.caption if "posts match" in c.value)
    return int(line.split(" posts match")[0].replace(",", ""))


@pytest.mark.parametrize("widget, value, search, region", [
    ("search_text", "waiting list", PostSearch(text="waiting list"), None),
    ("search_author", "@NAHTnews", PostSearch(author="NAHTnews"), None),
    ("search_hashtag", "#FundOurSchools", PostSearch(hashtag="FundOurSchools"), None),
    ("search_kind", "reply", PostSearch(kind="reply"), None),
    ("search_region", "North East", PostSearch(), "North East"),
])
def test_posts_explorer_filters(seeded, widget, value, search, region):
    at = run_page("views/posts.py")
    element = at.selectbox(key=widget) if widget in ("search_kind", "search_region") else at.text_input(key=widget)
    element.set_value(value).run()
    expected = metrics.posts_page(seeded.engine(), replace(seven_days(), region=region), search, limit=50)
    assert 0 < expected.total < metrics.kpis(seeded.engine(), seven_days()).posts
    assert caption_total(at) == expected.total
    shown = table(at, "Post")
    assert shown.hrefs("Link") == [r.url for r in expected.rows]


def test_posts_explorer_searches_display_names_only_when_ticked(seeded):
    at = run_page("views/posts.py")
    at.text_input(key="search_author").set_value("naht").run()
    assert caption_total(at) == 0  # no account's handle is exactly "naht"
    at.checkbox(key="search_author_names").check().run()
    expected = metrics.posts_page(seeded.engine(), seven_days(), PostSearch(author="naht", author_names=True), limit=50)
    assert caption_total(at) == expected.total > 0  # NAHT's branches and staff carry it in their names
    assert table(at, "Post").hrefs("Link") == [r.url for r in expected.rows]


def test_posts_explorer_paging(seeded):
    at = run_page("views/posts.py")
    at.button(key="page_next").click().run()
    expected = metrics.posts_page(seeded.engine(), seven_days(), limit=50, offset=50)
    assert table(at, "Post").hrefs("Link") == [r.url for r in expected.rows]
    assert at.query_params["page"] == "2"


def test_posts_explorer_shows_long_posts_whole(seeded):
    """The seeded feed's long posts come from X cut at 280 characters, the whole in note_tweet: the
    explorer finds them by words past the cut and its table holds each whole."""
    at = run_page("views/posts.py")
    at.text_input(key="search_text").set_value("template letter").run()
    expected = metrics.posts_page(seeded.engine(), seven_days(), PostSearch(text="template letter"), limit=50)
    assert expected.total > 0 and all(len(r.text) > 280 for r in expected.rows)
    assert any(r.text.lower().index("template letter") > 280 for r in expected.rows), "found past the cut"
    assert table(at, "Post").column("Post") == [r.text for r in expected.rows]   # each cell holds the whole


# --- health and help -------------------------------------------------------------------------

def test_health_page_shows_runs_usage_and_gaps(seeded):
    at = run_page("views/health.py")
    usage = metrics.api_usage_this_month(seeded.engine(), default_config())
    assert metric(at, "Requests") == f"{usage.requests:,}"
    assert metric(at, "Posts read") == f"{usage.posts_read:,}"
    assert metric(at, "Billed this month") == f"${metrics.spend_usd(seeded.engine()):,.2f}"
    states = table(at, "State")
    assert states.column("State") == ["ok"]
    gaps = table(at, "What")
    assert sorted(gaps.column("What")) == ["failed run", "no successful run"]
    runs = [int(r) for r in table(at, "Run").column("Run")]
    assert len(runs) == 30 and runs == sorted(runs, reverse=True)
    assert not at.warning and not at.error  # collection is healthy: no banner


@pytest.mark.parametrize("page, query", [(None, None), ("views/region.py", {"region": "London"}),
                                         ("views/posts.py", None), ("views/health.py", None)])
def test_every_table_shows_its_counts_with_thousands_separators(seeded, page, query):
    # figures here reach the millions: 12345678 is hard to read, 12,345,678 is not; run ids stay as they are.
    at = run_page(page, query=query)
    counts = [(t.name, column, value) for t in apptest_tables(at) for column in t.columns if column != "Run"
              for value in t.column(column) if re.fullmatch(r"[\d,]+", value)]
    assert counts  # every page has a table of counts
    assert [c for c in counts if not re.fullmatch(r"\d{1,3}(,\d{3})*", c[2])] == []
    assert any(len(value) > 3 for _, _, value in counts) or page == "views/health.py"  # some reach thousands


def bill(engine, posts: int, users: int = 0, at: datetime | None = None) -> None:
    """Record that X billed this many posts and users today (monitor.billing), as the collector does."""
    from monitor.billing import SEARCH, Reads, record_reads

    with transaction(engine) as s:
        record_reads(s, Reads(tuple(str(i) for i in range(posts)), tuple(str(i) for i in range(users))),
                     at or datetime.now(timezone.utc), SEARCH, default_config().prices)


def test_far_over_budget_reads_as_times_the_budget(tmp_path, app_env):
    db = make_db(tmp_path, app_env)
    bill(db.engine(), 250_000)   # $1,250 against the default $100
    at = run_page("views/health.py")
    spent = metrics.spend_this_month(db.engine(), 100.0, 0.8)
    assert spent.share > 10
    assert [p.proto.text for p in at.get("progress")] == [
        f"{spent.share:,.0f} times the monthly budget of ${spent.budget_usd:,.0f}"]
    assert "reached the budget" in at.error[0].value   # the banner on every page
    assert "paused until" in at.error[-1].value


def test_budget_pause_banner_on_every_page_and_spend_on_health(tmp_path, app_env):
    db = make_db(tmp_path, app_env)
    bill(db.engine(), 20_000, 1_000)   # $100 + $10: at the budget
    for page in (None, "views/posts.py", "views/health.py"):
        at = run_page(page)
        assert "Collection is paused" in at.error[0].value and "$110.00" in at.error[0].value
        assert not at.warning or all("is stale" not in w.value for w in at.warning)
    spent = table(at, "Read by")
    assert spent.ints("Billed reads") == [20_000, 1_000]
    assert [float(v.replace(",", "").lstrip("$")) for v in spent.column("Dollars")] == [100.0, 10.0]
    assert metric(at, "Billed this month") == "$110.00"


def make_db(tmp_path, app_env, name="db.db") -> SeededDb:
    db = SeededDb(tmp_path / name, {})
    engine = make_engine(db.url)
    upgrade(engine)
    return app_env(db)


def test_banner_when_collection_is_stale(tmp_path, app_env):
    db = make_db(tmp_path, app_env)
    add_run(db.engine(), CAMPAIGN, datetime.now(timezone.utc) - timedelta(hours=3))
    at = run_page()
    assert "is stale" in at.warning[0].value


def test_banner_when_collection_is_failing(tmp_path, app_env):
    db = make_db(tmp_path, app_env)
    add_run(db.engine(), CAMPAIGN, datetime.now(timezone.utc) - timedelta(minutes=20))
    add_run(db.engine(), CAMPAIGN, datetime.now(timezone.utc) - timedelta(minutes=5), "failed",
            error="**HTTP 401** <script>x</script>")
    at = run_page("views/health.py")
    assert "is failing" in at.error[0].value
    assert "**HTTP 401** <script>x</script>" in [c.value for c in at.code]  # the API's message, as plain text


def test_missing_schema_is_one_clear_message(tmp_path, app_env):
    app_env(SeededDb(tmp_path / "never-migrated.db", {}))
    at = run_page()
    assert "campaign-monitor db upgrade" in at.error[0].value


def test_help_page_shows_every_definition(seeded):
    at = run_page("views/help.py")
    shown = [m.value for m in at.markdown]
    for definition in metrics.DEFINITIONS:
        assert definition.text in shown


def test_empty_database_shows_zeros_not_errors(tmp_path, app_env):
    make_db(tmp_path, app_env)
    for page in (None, "views/region.py", "views/posts.py", "views/health.py"):
        at = run_page(page)
        assert not at.exception


# --- untrusted text --------------------------------------------------------------------------

def test_post_text_is_never_rendered_as_markdown(tmp_path, app_env, config):
    """A post saying '**bold** <b>html</b>' appears as a table cell, in no markdown element."""
    db = make_db(tmp_path, app_env)
    seed_small(db.engine(), config)
    start, end = "2026-11-16", "2026-11-22"
    at = run_page(query={"from": start, "to": end})
    cells = table(at, "Post").column("Post")
    assert "**bold** <b>html</b> #InvestInPupilServices" in cells
    rendered = [e.value for kind in ("markdown", "caption", "title", "header", "subheader", "success", "info")
                for e in getattr(at, kind)]
    assert not any("**bold**" in value or "<b>" in value for value in rendered)
    bodies = [element.proto.body for element in at.get("html")]
    assert not any("<b>html</b>" in body for body in bodies)   # escaped: &lt;b&gt;html&lt;/b&gt;
    assert any("&lt;b&gt;html&lt;/b&gt;" in body for body in bodies)
