"""The posts explorer finds exactly the posts a plain reading of every stored post finds, on SQLite and
PostgreSQL: text search (any case, % and _ as plain characters), the author filter (an exact handle in
any case; display names only when asked), their combinations, and every page of the newest-first
order with its total (posts_page reads only the days that hold the page: it must never skip a post)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from monitor import exports, metrics
from monitor.db import transaction
from monitor.metrics import Filters, PostSearch
from monitor.metrics import explorer as explorer_module
from monitor.models import Author, Post, PostMatch
from monitor.timeutil import uk_today
from tests.seed import seed_realistic


@pytest.fixture
def explorer(engine, config):
    """A few hundred posts over a week (the simulated API's corpus, stored by the real store path)."""
    seeded = seed_realistic(engine, config, days=6, posts_per_day=50)
    return engine, Filters(seeded["campaign"], uk_today() - timedelta(days=6), uk_today())


def window_posts(engine, filters: Filters) -> list[dict]:
    """Every post of the campaign in the window, newest first, read plainly (no search in SQL)."""
    matched = select(PostMatch.post_id).where(PostMatch.campaign == filters.campaign)
    with transaction(engine) as s:
        rows = s.execute(select(Post.id, Post.created_at, Post.text, Post.kind, Author.username, Author.name)
                         .outerjoin(Author, Author.id == Post.author_id)
                         .where(Post.id.in_(matched), Post.created_date_uk >= filters.from_date,
                                Post.created_date_uk <= filters.to_date)).all()
    posts = [{"id": r[0], "created_at": r[1], "text": r[2], "kind": r[3], "username": r[4] or "", "name": r[5] or ""}
             for r in rows]
    return sorted(posts, key=lambda p: (p["created_at"], int(p["id"])), reverse=True)


def every_page(engine, filters: Filters, search: PostSearch, size: int) -> tuple[list[str], set[int]]:
    """The ids of all pages in order, and the totals the pages reported."""
    ids, totals, offset = [], set(), 0
    while True:
        page = metrics.posts_page(engine, filters, search, limit=size, offset=offset)
        totals.add(page.total)
        if not page.rows:
            return ids, totals
        ids += [r.id for r in page.rows]
        offset += size


def found(engine, filters: Filters, search: PostSearch) -> list[str]:
    page = metrics.posts_page(engine, filters, search, limit=10_000)
    assert page.total == len(page.rows)
    return [r.id for r in page.rows]


def test_text_search_finds_what_a_plain_scan_finds(explorer):
    engine, f = explorer
    posts = window_posts(engine, f)
    common = posts[0]["text"].split()[0]
    rare = posts[len(posts) // 2]["text"][3:15]
    for needle in (common, common.upper(), rare, rare.swapcase(), "100%", "a_b", "#", "zzzz no such text"):
        want = [p["id"] for p in posts if needle.lower() in p["text"].lower()]
        assert found(engine, f, PostSearch(text=needle)) == want, needle
    assert found(engine, f, PostSearch(text=rare)), "the rare needle is taken from a stored post"


def test_author_filter_matches_the_handle_exactly_in_any_case(explorer):
    engine, f = explorer
    posts = window_posts(engine, f)
    handle = posts[0]["username"]
    want = [p["id"] for p in posts if p["username"].lower() == handle.lower()]
    for typed in (handle, handle.upper(), f"@{handle.lower()}", f" @{handle} "):
        assert found(engine, f, PostSearch(author=typed)) == want, typed
    # A part of a handle is not a handle.
    assert found(engine, f, PostSearch(author=handle[:-1])) == [p["id"] for p in posts
                                                                 if p["username"].lower() == handle[:-1].lower()]


def test_author_names_are_searched_only_when_asked(explorer):
    engine, f = explorer
    posts = window_posts(engine, f)
    part = "naht"  # NAHT's own account, its branches and staff carry it in their display names
    by_name = [p["id"] for p in posts if part in p["name"].lower() or p["username"].lower() == part]
    assert len({p["username"] for p in posts if part in p["name"].lower()}) > 1
    assert found(engine, f, PostSearch(author=part.upper(), author_names=True)) == by_name
    assert found(engine, f, PostSearch(author=part)) == [p["id"] for p in posts if p["username"].lower() == part]


def test_filters_combine(explorer):
    engine, f = explorer
    posts = window_posts(engine, f)
    handle = posts[0]["username"]
    word = posts[0]["text"].split()[-1]
    for search, keep in [
        (PostSearch(author=handle, kind="original"), lambda p: p["username"] == handle and p["kind"] == "original"),
        (PostSearch(author=handle, text=word), lambda p: p["username"] == handle and word.lower() in p["text"].lower()),
        (PostSearch(text=word, kind="reply"), lambda p: p["kind"] == "reply" and word.lower() in p["text"].lower()),
    ]:
        assert found(engine, f, search) == [p["id"] for p in posts if keep(p)], search


@pytest.mark.parametrize("size", [1, 7, 50])
@pytest.mark.parametrize("text_ids_max", [explorer_module.TEXT_IDS_MAX, 3])
def test_every_page_in_order_with_the_same_total(explorer, size, text_ids_max, monkeypatch):
    """Pages read only the days that hold them: together they are every match, newest first, once.
    A text with few matches is read by id, one with more than TEXT_IDS_MAX like the other filters:
    with a bound of 3, this small set takes the second way too."""
    monkeypatch.setattr(explorer_module, "TEXT_IDS_MAX", text_ids_max)
    engine, f = explorer
    posts = window_posts(engine, f)
    handle = posts[0]["username"]
    for search, keep in [(PostSearch(), lambda p: True),
                         (PostSearch(kind="reply"), lambda p: p["kind"] == "reply"),
                         (PostSearch(author=handle), lambda p: p["username"] == handle),
                         (PostSearch(text="a"), lambda p: "a" in p["text"].lower()),
                         (PostSearch(text="A", author=handle),
                          lambda p: p["username"] == handle and "a" in p["text"].lower())]:
        want = [p["id"] for p in posts if keep(p)]
        ids, totals = every_page(engine, f, search, size)
        assert ids == want and totals == {len(want)}, search
    assert metrics.posts_page(engine, f, limit=size, offset=len(posts) + 5).rows == []


def test_csv_holds_the_searched_posts(explorer):
    engine, f = explorer
    posts = window_posts(engine, f)
    handle = posts[0]["username"]
    rows = exports.post_rows(metrics.posts_for_download(engine, f, PostSearch(author=handle.upper())))
    assert [r["url"] for r in rows] == [metrics.post_url(handle, p["id"]) for p in posts if p["username"] == handle]
