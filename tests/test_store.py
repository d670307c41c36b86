"""Storage on a real SQLite file and a real PostgreSQL database: schema, idempotent upserts,
links between runs, campaigns and posts."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from monitor.db import transaction
from monitor.models import Author, AuthorFollowers, Post, PostHashtag, PostMatch, PostMention
from monitor.parse import parse_page
from monitor.schema import current_revision, head_revision, table_names
from monitor.store import store_page
from tests import pages

WHEN = datetime(2026, 11, 18, 9, 30, tzinfo=timezone.utc)
TERMS = ("#InvestInPupilServices", "@NAHTnews")


def count(engine, model):
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def sample_page(likes=1, location="Leeds, UK"):
    alice = pages.user("11", "alice", location=location, followers=300)
    posts = [pages.post(WHEN, "11", "Roundtable with our MP today #InvestInPupilServices", seq=1,
                        tags=["InvestInPupilServices"], likes=likes),
             pages.post(WHEN + timedelta(minutes=5), "11", "Thanks @NAHTnews", seq=2, mentions=["NAHTnews"])]
    return pages.page(posts, [alice])


def test_migration_creates_schema(engine):
    assert current_revision(engine) == head_revision()
    assert {"posts", "authors", "author_followers", "post_hashtags", "post_mentions", "post_matches",
            "collection_runs", "run_posts", "run_events", "search_cursors", "region_corrections",
            "places"} <= set(table_names(engine))


def test_store_page_twice_keeps_one_row_per_post_and_updates_metrics(engine):
    now = datetime.now(timezone.utc)
    with transaction(engine) as s:
        first = store_page(s, parse_page(sample_page(likes=1), now), now, campaign="c", terms=TERMS)
    with transaction(engine) as s:
        second = store_page(s, parse_page(sample_page(likes=9), now), now, campaign="c", terms=TERMS)
    assert (first.new, first.updated) == (2, 0)
    assert (second.new, second.updated) == (0, 2)
    assert count(engine, Post) == 2
    assert count(engine, Author) == 1
    with transaction(engine) as s:
        likes = s.scalar(select(Post.like_count).where(Post.text.like("Roundtable%")))
        stored = s.scalar(select(Post.created_at).where(Post.text.like("Roundtable%")))
        uk_day = s.scalar(select(Post.created_date_uk).where(Post.text.like("Roundtable%")))
    assert likes == 9
    assert stored == WHEN  # UTC in, UTC out on both databases
    assert uk_day == date(2026, 11, 18)


def test_entities_and_matched_terms_are_stored(engine):
    now = datetime.now(timezone.utc)
    with transaction(engine) as s:
        store_page(s, parse_page(sample_page(), now), now, campaign="c", terms=TERMS)
    with transaction(engine) as s:
        assert set(s.scalars(select(PostHashtag.tag))) == {"investinpupilservices"}
        assert set(s.scalars(select(PostMention.username))) == {"nahtnews"}
        assert sorted(s.scalars(select(PostMatch.term))) == ["#InvestInPupilServices", "@NAHTnews"]


def test_same_post_from_two_campaigns_is_one_row_linked_to_both(engine):
    now = datetime.now(timezone.utc)
    for campaign in ("one", "two"):
        with transaction(engine) as s:
            store_page(s, parse_page(sample_page(), now), now, campaign=campaign, terms=TERMS)
    assert count(engine, Post) == 2
    with transaction(engine) as s:
        assert set(s.scalars(select(PostMatch.campaign))) == {"one", "two"}


def test_missing_author_gets_a_placeholder_then_real_data(engine):
    now = datetime.now(timezone.utc)
    orphan = pages.page([pages.post(WHEN, "77", "#InvestInPupilServices", tags=["InvestInPupilServices"])], [])
    with transaction(engine) as s:
        store_page(s, parse_page(orphan, now), now)
    with transaction(engine) as s:
        stub = s.get(Author, "77")
        assert (stub.username, stub.placeholder) == ("77", True)
        assert s.scalars(select(Author.id).where(Author.placeholder)).all() == ["77"]
    full = pages.page([pages.post(WHEN, "77", "#InvestInPupilServices", tags=["InvestInPupilServices"])],
                      [pages.user("77", "bob", followers=50)])
    with transaction(engine) as s:
        store_page(s, parse_page(full, now), now)
    with transaction(engine) as s:
        bob = s.get(Author, "77")
        assert (bob.username, bob.followers_count, bob.placeholder) == ("bob", 50, False)
        assert s.scalar(select(func.count()).select_from(AuthorFollowers)) == 1


def test_potential_reach_uses_followers_as_of_the_post(engine):
    now = datetime.now(timezone.utc)
    with transaction(engine) as s:
        store_page(s, parse_page(sample_page(), now), now)
    grown = sample_page()
    grown["includes"]["users"][0]["public_metrics"]["followers_count"] = 5000
    with transaction(engine) as s:
        store_page(s, parse_page(grown, now), now)
    with transaction(engine) as s:
        assert set(s.scalars(select(Post.author_followers))) == {300}
        assert s.get(Author, "11").followers_count == 5000


HOSTILE = [
    '<script>alert("x")</script> **bold** [link](javascript:alert(1)) =HYPERLINK("http://x","y")',
    "x" * 20000,
    "\u202eRTL override\u200b zero\u200dwidth \u05e9\u05dc\u05d5\u05dd مرحبا 🏴󠁧󠁢󠁷󠁬󠁳󠁿👩🏽‍🏫",
    "NUL\x00inside",
    "lone \ud800 surrogate",
]


def test_hostile_text_is_stored_intact_or_visibly_replaced(engine):
    now = datetime.now(timezone.utc)
    evil = pages.user("66", "evil", location=HOSTILE[0])
    evil["name"] = HOSTILE[3]
    posts = [pages.post(WHEN, "66", text + " #InvestInPupilServices", seq=i) for i, text in enumerate(HOSTILE)]
    with transaction(engine) as s:
        store_page(s, parse_page(pages.page(posts, [evil]), now), now)
    with transaction(engine) as s:
        stored = {p.id: p for p in s.scalars(select(Post))}
        author = s.get(Author, "66")
    for original in posts:
        row = stored[original["id"]]
        expected = original["text"].replace("\x00", "\ufffd").replace("\ud800", "\ufffd")
        assert row.text == expected
        assert row.raw["text"] == original["text"]  # the raw response keeps every character
    assert author.location == HOSTILE[0] and author.name == "NUL\ufffdinside"
