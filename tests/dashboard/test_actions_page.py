"""Campaign actions on the dashboard (AppTest, in process, on a copy of the seeded database): recorded through
the Actions page's form with the recorder's name, listed with their effect, marked on the overview's timeline,
counted in the map's tooltip and listed on their region's page; a shared address opens the same view."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from monitor import metrics
from monitor.actions import ActionInput, add_action
from monitor.config import default_config
from monitor.timeutil import uk_today
from tests.dashboard.helpers import APP, apptest_table
from tests.seed import CAMPAIGN

TIMEOUT = 60


def run_page(page: str, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def html(at: AppTest) -> str:
    return "".join(element.proto.body for element in at.get("html"))


@pytest.fixture
def db(writable_db, app_env):
    return app_env(writable_db)


def test_an_action_recorded_on_the_actions_page_is_listed_with_who_recorded_it(db):
    at = run_page("views/actions.py")
    at.selectbox(key="actions_add_kind").set_value("School visit")
    at.text_input(key="actions_add_title").input("Visit to Hillside Primary")
    at.selectbox(key="actions_add_region").set_value("London")
    at.button[[b.label for b in at.button].index("Save action")].click().run()
    assert "name or email" in at.error[0].value           # recorded with a name: nothing saved without one
    with db.engine().connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM actions")).scalar() == 0
    at.text_input(key="actions_add_by").input("lead@naht.org.uk")
    at.button[[b.label for b in at.button].index("Save action")].click().run()
    assert not at.exception and "Action #1 saved" in at.success[0].value
    with db.engine().connect() as conn:
        assert tuple(conn.execute(text("SELECT kind, title, region, day, recorded_by FROM actions")).one()) == \
            ("School visit", "Visit to Hillside Primary", "London", str(uk_today()), "lead@naht.org.uk")
    listed = apptest_table(at, "Effect on posts")
    assert listed.column("Action") == ["Visit to Hillside Primary"]
    assert "not over yet" in listed.column("Effect on posts")[0]   # today's action: its 7 days have not ended


def test_the_overview_marks_actions_and_the_map_counts_them(db):
    day = uk_today() - timedelta(days=3)
    for title, region in (("Roundtable", "London"), ("Letters", "London"), ("Radio", None)):
        add_action(db.engine(), default_config(), CAMPAIGN, ActionInput(day, "Media", title, region), "tester")
    at = run_page("views/overview.py")
    page = html(at)
    assert page.count('class="cm-mark"') == 3
    assert f'title="{day:%a %d %b %Y} · Media · Roundtable (London)"' in page
    assert "London: " in page and "2 campaign actions in the period." in page
    assert "1 national campaign action in the period" in " ".join(c.value for c in at.caption)


def test_a_region_page_lists_its_actions_and_the_actions_page_opens_from_a_link(db):
    engine = db.engine()
    day = uk_today() - timedelta(days=10)
    add_action(engine, default_config(), CAMPAIGN, ActionInput(day, "MP roundtable", "Roundtable", "London"), "a")
    add_action(engine, default_config(), CAMPAIGN, ActionInput(day, "Media", "Elsewhere", "Wales"), "a")
    query = {"region": "London", "period": "30d"}
    region = run_page("views/region.py", query)
    listed = apptest_table(region, "Effect on posts")
    assert listed.column("Action") == ["Roundtable"]
    effect = metrics.effects(engine, metrics.Filters(CAMPAIGN, day, day, region="London"))[0]
    assert listed.column("Posts in the area, before → after")[0].startswith(
        f"{effect.area.before.posts:,} → {effect.area.after.posts:,}")
    page = run_page("views/actions.py", query)
    assert apptest_table(page, "Effect on posts").column("Action") == ["Roundtable"]
    assert page.query_params["region"] == ["London"] or page.query_params["region"] == "London"


def test_an_action_removed_from_the_page_leaves_the_list_and_keeps_its_history(db):
    action_id = add_action(db.engine(), default_config(), CAMPAIGN,
                           ActionInput(uk_today() - timedelta(days=2), "Media", "Entered twice", "London"), "ann")
    at = run_page("views/actions.py")
    at.selectbox(key="actions_page_open").set_value(action_id).run()
    assert [t.column("Change") for t in [apptest_table(at, "Change")]] == [["added"]]
    at.text_input(key=f"actions_page_remove_reason_{action_id}").input("a duplicate")
    at.text_input(key="actions_page_remove_by").input("bob")
    at.button(key=f"actions_page_remove_{action_id}").click().run()
    assert not at.exception and f"Action #{action_id} removed" in at.success[0].value
    assert "No campaign actions recorded in this period" in at.info[0].value
    assert [(v.change, v.saved_by, v.reason) for v in metrics.action_history(db.engine(), action_id)] == \
        [("added", "ann", None), ("removed", "bob", "a duplicate")]
