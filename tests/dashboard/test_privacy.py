"""The health page's personal-data section, run with Streamlit's AppTest against a copy of the seeded
database: the retention policy for everyone; erasure and access requests for signed-in staff only, doing
what the CLI does, and the forgotten account's posts gone from every list at once, the figures unchanged."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from monitor import metrics
from monitor.config import default_config
from monitor.db import transaction
from monitor.metrics import PostSearch
from monitor.models import Author, Post, PrivacyRequest
from monitor.privacy import handle_hash
from tests.dashboard.helpers import APP, apptest_table, seven_days

TIMEOUT = 60
SALT = "dashboard-test-salt-93a1f0c2"
STAFF = {"is_logged_in": True, "email": "dpo@naht.org.uk", "name": "Data Protection Officer"}


def health(user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if user is not None:
        at.user = dict(user)
    at.run()
    at.switch_page("views/health.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


@pytest.fixture
def db(writable_db, app_env, monkeypatch):
    monkeypatch.setenv("MONITOR_PRIVACY_SALT", SALT)
    return app_env(writable_db)


def busiest_author(db):
    """The seven days' top contributor: an account with posts on the pages."""
    return metrics.top_contributors(db.engine(), seven_days(), 1)[0]


def test_everyone_sees_the_policy_but_only_staff_the_forms(db):
    at = health({"is_logged_in": False})
    policy = default_config().privacy
    shown = " ".join(m.value for m in at.markdown)
    assert f"kept for {policy.raw_json_days:,} days" in shown
    assert f"not seen for {policy.author_inactive_days:,} days" in shown
    assert (f"daily deletion check, which also asks Bluesky and Mastodon for theirs (up to "
            f"{policy.deletion_check_posts_per_day:,} posts a day of each network, not read for "
            f"{policy.deletion_check_after_days:,} days") in shown
    assert any("Sign in to answer erasure and access requests" in i.value for i in at.info)
    assert not [b for b in at.button if b.label in ("Forget this account", "Prepare the export")]
    at = health(STAFF)
    assert {"Forget this account", "Prepare the export"} <= {b.label for b in at.button}


def test_staff_forget_an_account_and_its_posts_leave_every_list(db):
    author = busiest_author(db)
    engine, week = db.engine(), seven_days()
    before = metrics.kpis(engine, week)
    assert metrics.posts_page(engine, week, PostSearch(author=author.username)).total == author.posts
    with transaction(engine) as s:
        theirs = s.scalar(select(func.count()).select_from(Post).where(Post.author_id == author.author_id))

    at = health(STAFF)
    at.text_input(key="forget_handle").input(f"@{author.username}")
    button(at, "Forget this account").click().run()
    assert "Tick the box to confirm" in at.error[0].value   # not without the confirmation
    with transaction(engine) as s:
        assert s.get(Author, author.author_id) is not None

    at.text_input(key="forget_handle").input(f"@{author.username}")
    at.checkbox(key="forget_sure").check()
    button(at, "Forget this account").click().run()
    assert not at.exception and f"removed {theirs} posts" in at.success[0].value
    with transaction(engine) as s:
        assert s.get(Author, author.author_id) is None
        request = s.scalars(select(PrivacyRequest)).one()
    assert (request.kind, request.requested_by, request.handle_hash) == (
        "forget", "dpo@naht.org.uk", handle_hash(author.username, SALT))
    assert metrics.kpis(engine, week) == before          # still counted, with no author
    assert metrics.posts_page(engine, week, PostSearch(author=author.username)).total == 0
    assert author.author_id not in {c.author_id for c in metrics.top_contributors(engine, week, 50)}
    requests = apptest_table(at, "Asked by")
    assert requests.column("Request") == ["forget"] and requests.column("Asked by") == ["dpo@naht.org.uk"]


def test_staff_export_an_account(db):
    author = busiest_author(db)
    at = health(STAFF)
    at.text_input(key="export_handle").input(author.username.upper())
    button(at, "Prepare the export").click().run()
    assert not at.exception
    with transaction(db.engine()) as s:
        theirs = s.scalar(select(func.count()).select_from(Post).where(Post.author_id == author.author_id))
    assert f"1 account(s), {theirs} posts" in " ".join(c.value for c in at.caption)
    # The prepared file is what the download button serves (AppTest does not download)
    handle, document, *_ = at.session_state["privacy_export_file"]
    exported = json.loads(document)
    assert handle == author.username.lower() and exported["accounts"][0]["profile"]["id"] == author.author_id
    assert len(exported["accounts"][0]["posts"]) == theirs
    with transaction(db.engine()) as s:
        assert s.scalars(select(PrivacyRequest.kind)).all() == ["export"]


def test_a_request_without_the_salt_is_one_clear_error(db, monkeypatch):
    monkeypatch.delenv("MONITOR_PRIVACY_SALT")
    author = busiest_author(db)
    at = health(STAFF)
    at.text_input(key="forget_handle").input(f"@{author.username}")
    at.checkbox(key="forget_sure").check()
    button(at, "Forget this account").click().run()
    assert "MONITOR_PRIVACY_SALT" in at.error[0].value
    with transaction(db.engine()) as s:
        assert s.get(Author, author.author_id) is not None
