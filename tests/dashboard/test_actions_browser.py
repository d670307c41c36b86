"""A region lead records a campaign action in real Chromium: through the region page's form, sees its mark on
the region's timeline (its title the tooltip), edits it, and reads the edit history."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.dashboard.helpers import choose, open_page, wait_until_idle

pytestmark = pytest.mark.browser


def stored(db) -> list[tuple]:
    with db.engine().connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT title, region, recorded_by, updated_by FROM actions"))]


def form(page, button: str):
    """The Streamlit form holding this submit button."""
    return page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name=button))


def test_add_an_action_see_its_mark_edit_it_and_see_the_history(page, own_server, own_db):
    open_page(page, own_server, "region?region=London")
    page.get_by_text("Record an action in this region").click()
    add = form(page, "Save action")
    choose(page, "Kind", "MP roundtable")
    add.get_by_label("Title").fill("Roundtable with Camden heads")
    add.get_by_label("Recorded by (your name or email)").fill("London lead")
    add.get_by_role("button", name="Save action").click()
    wait_until_idle(page)
    assert page.get_by_text("saved: Roundtable with Camden heads, recorded as London lead").count() == 1
    assert stored(own_db)[-1] == ("Roundtable with Camden heads", "London", "London lead", "London lead")
    action_id = len(stored(own_db))

    mark = page.locator(".cm-plot .cm-mark").filter(has=page.locator("i"))
    assert mark.count() == 1
    title = mark.first.get_attribute("title")
    assert "MP roundtable · Roundtable with Camden heads (London)" in title
    mark.first.hover()   # the mark is a hover target of its own, over the bars

    choose(page, "Action to open", f"#{action_id} {title}")
    edit = form(page, "Save changes")
    edit.get_by_label("Title").fill("Roundtable with Camden and Islington heads")
    assert edit.get_by_label("Recorded by (your name or email)").input_value() == "London lead"   # remembered
    edit.get_by_label("Recorded by (your name or email)").fill("Deputy lead")
    edit.get_by_role("button", name="Save changes").click()
    wait_until_idle(page)
    assert page.get_by_text(f"Action #{action_id} changed, recorded as Deputy lead.").count() == 1
    assert stored(own_db)[-1] == ("Roundtable with Camden and Islington heads", "London", "London lead",
                                  "Deputy lead")
    assert "Camden and Islington heads (London)" in page.locator(".cm-plot .cm-mark").first.get_attribute("title")

    choose(page, "Action to open", f"#{action_id} {title.replace('Camden heads', 'Camden and Islington heads')}")
    history = page.get_by_role("region", name=f"history_{action_id}")
    rows = history.locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split("\t")[:3] == ["1", "added", "London lead"]
    assert "Roundtable with Camden heads" in rows.nth(0).inner_text()
    assert rows.nth(1).inner_text().split("\t")[:3] == ["2", "edited", "Deputy lead"]
    assert "Roundtable with Camden and Islington heads" in rows.nth(1).inner_text()
