"""The simulated X API v2, driven through real tweepy over loopback HTTP."""
from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import tweepy
from requests.adapters import HTTPAdapter

from monitor.fakex import FakeX, Fault, SimClock, snowflake_ms
from monitor.fakex.generator import build_corpus, iso_time
from monitor.fakex.query import parse_query

API_HOST = "https://api.twitter.com"
TOKEN = "test-token"
START = datetime(2026, 11, 9, tzinfo=timezone.utc)
NOW = START + timedelta(days=8, hours=10)          # day 1 has left the 7-day window
SEARCH = "/2/tweets/search/recent"
TWEET_FIELDS = ["created_at", "lang", "public_metrics", "geo", "entities", "conversation_id",
                "referenced_tweets", "author_id", "in_reply_to_user_id", "edit_history_tweet_ids"]
EXPANSIONS = ["author_id", "geo.place_id", "referenced_tweets.id"]
USER_FIELDS = ["created_at", "location", "public_metrics", "verified", "verified_type", "description"]
PLACE_FIELDS = ["full_name", "country", "country_code", "place_type", "geo", "name", "id"]
FULL_FIELDS = {"tweet_fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user_fields": USER_FIELDS,
                   "place_fields": PLACE_FIELDS}
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class _RewriteToFake(HTTPAdapter):
    """tweepy hard-codes https://api.twitter.com: send those requests to the fake instead."""

    def __init__(self, base_url: str, timeout: float = 10.0):
        super().__init__()
        self.base_url = base_url
        self.timeout = timeout

    def send(self, request, **kwargs):
        request.url = self.base_url + request.url[len(API_HOST):]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def client_for(fx: FakeX, token: str = TOKEN, return_type=dict, timeout: float = 10.0) -> tweepy.Client:
    client = tweepy.Client(bearer_token=token, return_type=return_type)
    client.session.mount(API_HOST, _RewriteToFake(fx.base_url, timeout))
    return client


@pytest.fixture
def fx():
    with FakeX(seed=7, start=START, days=14, posts_per_day=200, bearer_token=TOKEN) as fake:
        fake.clock.set(NOW)
        yield fake


@pytest.fixture
def client(fx):
    return client_for(fx)


def search(client, query, **params):
    return client.search_recent_tweets(query, **{"max_results": 100, **FULL_FIELDS, **params})


def all_pages(client, query, **params) -> list[dict]:
    return list(tweepy.Paginator(client.search_recent_tweets, query, max_results=100, **{**FULL_FIELDS, **params}))


def page_ids(pages) -> list[str]:
    return [post["id"] for page in pages for post in page.get("data", [])]


def error_body(error: tweepy.HTTPException) -> dict:
    return error.response.json()


# --- search: coverage, order, bounds ---------------------------------------------------------

def test_pagination_covers_exactly_the_visible_posts_newest_first(fx, client):
    pages = all_pages(client, fx.default_query)
    ids = page_ids(pages)
    assert len(ids) == len(set(ids)), "a post came back twice"
    assert set(ids) == fx.visible_ids() and len(ids) > 500
    assert [int(i) for i in ids] == sorted((int(i) for i in ids), reverse=True)
    assert fx.served_ids == set(ids)
    oldest_allowed = NOW - timedelta(days=7)
    assert all(oldest_allowed.timestamp() * 1000 <= snowflake_ms(i) <= NOW.timestamp() * 1000 for i in ids)
    assert all(len(page["data"]) == 100 for page in pages[:-1])
    assert "next_token" not in pages[-1]["meta"]
    for page in pages:
        meta = page["meta"]
        assert meta["result_count"] == len(page["data"])
        assert (meta["newest_id"], meta["oldest_id"]) == (page["data"][0]["id"], page["data"][-1]["id"])


def test_posts_appear_as_the_clock_moves(fx, client):
    before = fx.visible_ids()
    fx.clock.advance(timedelta(hours=3))
    after = fx.visible_ids()
    appeared = after - before
    assert appeared and all(int(new) > max(int(old) for old in before) for new in appeared)
    assert set(page_ids(all_pages(client, fx.default_query))) == after


def test_pages_carry_authors_places_and_referenced_posts(fx, client):
    pages = all_pages(client, fx.default_query)
    posts = [post for page in pages for post in page["data"]]
    assert any("geo" in post for post in posts), "about 1% of posts carry a place"
    assert any(ref["type"] == "quoted" for post in posts for ref in post.get("referenced_tweets", []))
    for page in pages:
        users = {user["id"]: user for user in page["includes"]["users"]}
        places = {place["id"] for place in page["includes"].get("places", [])}
        included_posts = {post["id"] for post in page["includes"].get("tweets", [])}
        for post in page["data"]:
            assert post["author_id"] in users
            assert set(post) >= {"id", "text", "author_id", "created_at", "lang", "conversation_id",
                                 "public_metrics", "edit_history_tweet_ids"}
            assert set(post["public_metrics"]) == {"retweet_count", "reply_count", "like_count", "quote_count",
                                                   "bookmark_count", "impression_count"}
            if "geo" in post:
                assert post["geo"]["place_id"] in places
            for reference in post.get("referenced_tweets", []):
                assert reference["id"] in included_posts
        for user in users.values():
            assert {"id", "name", "username", "created_at", "public_metrics", "verified", "verified_type",
                    "description"} <= set(user)
    place = next(p for page in pages for p in page["includes"].get("places", []))
    assert set(place) == {"id", "full_name", "name", "country", "country_code", "place_type", "geo"}


def test_default_fields_only_when_none_are_asked_for(fx, client):
    page = client.search_recent_tweets(fx.default_query, max_results=10)
    assert all(set(post) == {"id", "text", "edit_history_tweet_ids"} for post in page["data"])
    assert "includes" not in page


# --- long posts and edits, the way X sends them ----------------------------------------------

def test_long_posts_come_cut_with_the_whole_in_note_tweet_only_when_asked_for(fx, client):
    with_note = all_pages(client, fx.default_query, tweet_fields=TWEET_FIELDS + ["note_tweet"])
    posts = [post for page in with_note for post in page["data"]]
    long_posts = [post for post in posts if "note_tweet" in post]
    assert 0.01 < len(long_posts) / len(posts) < 0.06, "a few percent of the feed is long posts"
    campaign_tags = {tag.lower() for tag in fx.corpus.hashtags}
    for post in long_posts:
        whole, cut = post["note_tweet"]["text"], post["text"]
        assert len(whole) > 280 and len(cut) <= 280 and cut.endswith("\u2026")
        assert whole.startswith(cut[:-1])
        for name, mark, key in (("hashtags", "#", "tag"), ("mentions", "@", "username")):
            for entity in post.get("entities", {}).get(name, []):   # the cut text's entities lie in it
                assert entity["end"] < len(cut) and cut[entity["start"]:entity["end"]] == mark + entity[key]
            for entity in post["note_tweet"].get("entities", {}).get(name, []):
                assert whole[entity["start"]:entity["end"]] == mark + entity[key]
    def cut_tags(post):
        return {h["tag"].lower() for h in post.get("entities", {}).get("hashtags", [])}

    def cut_mentions(post):
        return {m["username"].lower() for m in post.get("entities", {}).get("mentions", [])}

    only_after_cut = [post for post in long_posts
                      if not (cut_tags(post) & campaign_tags) and "nahtnews" not in cut_mentions(post)]
    assert only_after_cut, "some long posts carry the campaign term only after the cut, and search finds them"
    assert all(_tags(post) & campaign_tags for post in only_after_cut)
    without_note = all_pages(client, fx.default_query)   # tweet.fields without note_tweet
    served = {post["id"]: post for page in without_note for post in page["data"]}
    assert not any("note_tweet" in post for post in served.values())
    assert {post["id"]: post["text"] for post in long_posts} == {p["id"]: served[p["id"]]["text"] for p in long_posts}


def test_a_long_post_of_a_test_own_is_served_like_xs(fx, client):
    user = {"id": "4242", "username": "headwrites", "location": "Leeds"}
    text = "A considered post about our pupils. " * 9 + "#InvestInPupilServices"
    post_id = fx.add_post(text, user)
    [post] = client.get_tweets([post_id], tweet_fields=TWEET_FIELDS + ["note_tweet"])["data"]
    assert post["note_tweet"]["text"] == text and post["text"].endswith("\u2026") and len(post["text"]) <= 280
    assert post["note_tweet"]["entities"]["hashtags"][0]["tag"] == "InvestInPupilServices"
    assert "hashtags" not in post.get("entities", {})
    assert post_id in set(page_ids(all_pages(client, "#InvestInPupilServices")))


def test_an_edit_is_a_new_post_and_search_finds_only_the_latest(fx, client):
    user = {"id": "4343", "username": "editor", "location": "Leeds"}
    first = fx.add_post("Roundtable tonight #FundOurSchools", user, at=NOW - timedelta(minutes=20))
    assert first in set(page_ids(all_pages(client, "#FundOurSchools")))
    fx.clock.set(NOW - timedelta(minutes=12))
    assert client.get_tweets([first])["data"][0]["edit_history_tweet_ids"] == [first]
    latest = fx.edit_post(first, "Roundtable tonight with our MP #FundOurSchools", at=NOW - timedelta(minutes=10))
    fx.clock.set(NOW)
    found = set(page_ids(all_pages(client, "#FundOurSchools")))
    assert latest in found and first not in found
    both = {p["id"]: p for p in client.get_tweets([first, latest])["data"]}
    assert both[first]["edit_history_tweet_ids"] == both[latest]["edit_history_tweet_ids"] == [first, latest]
    assert both[first]["text"] == "Roundtable tonight #FundOurSchools"
    assert both[latest]["text"] == "Roundtable tonight with our MP #FundOurSchools"


def test_since_id_is_exclusive(fx, client):
    visible = sorted(fx.visible_ids(), key=int)
    since_id = visible[len(visible) // 2]
    ids = page_ids(all_pages(client, fx.default_query, since_id=since_id))
    assert set(ids) == {i for i in visible if int(i) > int(since_id)}
    assert since_id not in ids


def test_start_time_is_inclusive_and_end_time_exclusive(fx, client):
    visible = sorted(fx.visible_ids(), key=int)
    pivot = fx.corpus.post_by_id[visible[len(visible) // 3]]
    pivot_time = datetime.fromisoformat(pivot["created_at"].replace("Z", "+00:00"))
    pivot_second_ms = pivot_time.timestamp() * 1000
    after = set(page_ids(all_pages(client, fx.default_query, start_time=pivot_time)))
    assert pivot["id"] in after
    assert after == {i for i in visible if snowflake_ms(i) >= pivot_second_ms}
    before = set(page_ids(all_pages(client, fx.default_query, end_time=pivot_time)))
    assert pivot["id"] not in before
    assert before == {i for i in visible if snowflake_ms(i) < pivot_second_ms}


def test_since_id_and_start_time_together_are_refused(fx, client):
    some_id = next(iter(fx.visible_ids()))
    with pytest.raises(tweepy.BadRequest) as refused:
        search(client, fx.default_query, since_id=some_id, start_time=NOW - timedelta(days=1))
    assert error_body(refused.value)["type"].endswith("/problems/invalid-request")


def test_since_id_older_than_seven_days_is_refused_like_the_real_api(fx, client):
    old_post = fx.corpus.posts[0]   # created on day 1, 8 days before NOW
    with pytest.raises(tweepy.BadRequest) as refused:
        search(client, fx.default_query, since_id=old_post["id"])
    assert "since_id" in error_body(refused.value)["errors"][0]["message"]
    with pytest.raises(tweepy.BadRequest):
        search(client, fx.default_query, start_time=NOW - timedelta(days=7, hours=1))
    page = search(client, fx.default_query, start_time=NOW - timedelta(days=7) + timedelta(minutes=5))
    assert page["meta"]["result_count"] == 100


def test_end_time_must_be_in_the_past(fx, client):
    with pytest.raises(tweepy.BadRequest) as refused:
        search(client, fx.default_query, end_time=NOW)
    assert "10 seconds" in error_body(refused.value)["errors"][0]["message"]


@pytest.mark.parametrize("max_results", [9, 101, "ten"])
def test_max_results_outside_10_to_100_is_a_400(fx, client, max_results):
    with pytest.raises(tweepy.BadRequest) as refused:
        search(client, fx.default_query, max_results=max_results)
    body = error_body(refused.value)
    assert body["title"] == "Invalid Request"
    assert body["errors"][0]["parameters"] == {"max_results": [str(max_results)]}
    assert "between 10 and 100" in body["errors"][0]["message"]


def test_max_results_sets_the_page_size(fx, client):
    assert search(client, fx.default_query, max_results=10)["meta"]["result_count"] == 10
    assert client.search_recent_tweets(fx.default_query)["meta"]["result_count"] == 10   # the API default


def test_queries_over_512_characters_are_refused(fx, client):
    padding_tag = "#" + "a" * 100
    query = "(#FundOurSchools OR " + " OR ".join([padding_tag] * 4)
    query += " OR #" + "b" * (512 - len(query) - len(" OR #)")) + ")"
    assert len(query) == 512
    assert search(client, query)["meta"]["result_count"] > 0
    with pytest.raises(tweepy.BadRequest) as refused:
        search(client, query[:-1] + "b)")
    assert "512" in error_body(refused.value)["errors"][0]["message"]


def test_unparseable_query_is_a_400(fx, client):
    for query in ("(#FundOurSchools OR @NAHTnews", "#FundOurSchools OR", "-is:retweet", "is:nonsense #a"):
        with pytest.raises(tweepy.BadRequest):
            search(client, query)


def test_unknown_parameter_is_a_400(fx):
    response = requests.get(fx.base_url + SEARCH, params={"query": "#a", "colour": "red"},
                            headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert response.status_code == 400
    assert "colour" in response.json()["errors"][0]["message"]


# --- query evaluation ----------------------------------------------------------------------

def _whole(post) -> dict:
    """A long post's whole text and entities are in note_tweet: X's search matches those."""
    return post.get("note_tweet", post)


def _tags(post) -> set[str]:
    return {h["tag"].lower() for h in _whole(post).get("entities", {}).get("hashtags", [])}


def _mentions(post) -> set[str]:
    return {m["username"].lower() for m in _whole(post).get("entities", {}).get("mentions", [])}


def _visible_posts(fx):
    now_ms = NOW.timestamp() * 1000
    return [p for p in fx.corpus.posts if now_ms - 7 * 86_400_000 <= snowflake_ms(p["id"]) <= now_ms]


def test_posts_with_only_unrelated_tags_are_not_returned(fx, client):
    campaign_tags = {tag.lower() for tag in fx.corpus.hashtags}
    unrelated = [p for p in _visible_posts(fx) if not (_tags(p) & campaign_tags) and "nahtnews" not in _mentions(p)]
    near_misses = [p for p in unrelated if any(t.startswith("fundourschools") for t in _tags(p))]
    assert unrelated and near_misses, "the corpus should hold noise posts, including near-miss tags"
    returned = set(page_ids(all_pages(client, fx.default_query)))
    assert not returned & {p["id"] for p in unrelated}


def test_hashtags_match_case_insensitively_and_exactly(fx, client):
    returned = set(page_ids(all_pages(client, "#fundourschools")))
    expected = {p["id"] for p in _visible_posts(fx) if "fundourschools" in _tags(p)}
    assert returned == expected
    spellings = {h["tag"] for p in _visible_posts(fx) for h in p.get("entities", {}).get("hashtags", [])
                 if h["tag"].lower() == "fundourschools"}
    assert len(spellings) > 1, "the corpus should vary the case of tags"


def test_mention_and_negation_and_grouping(fx, client):
    mention_only = set(page_ids(all_pages(client, "@NAHTnews -#FundOurSchools -#InvestInPupilServices "
                                                  "-#PupilAndFamilyServices")))
    expected = {p["id"] for p in _visible_posts(fx)
                if "nahtnews" in _mentions(p) and not (_tags(p) & {"fundourschools", "investinpupilservices",
                                                                    "pupilandfamilyservices"})}
    assert mention_only == expected and mention_only
    both = set(page_ids(all_pages(client, "(#FundOurSchools @NAHTnews) OR lang:cy")))
    expected_both = {p["id"] for p in _visible_posts(fx)
                     if ("fundourschools" in _tags(p) and "nahtnews" in _mentions(p)) or p["lang"] == "cy"}
    assert both == expected_both
    assert fx.visible_ids("#FundOurSchools") == {p["id"] for p in _visible_posts(fx) if "fundourschools" in _tags(p)}


def test_query_parser_precedence():
    class Post:
        hashtags, mentions, text_lower, lang, username = frozenset({"a"}), frozenset(), "", "en", "u"
        is_reply = is_quote = has_geo = False
    assert parse_query("#a OR #b #c").matches(Post)          # AND binds tighter: #a OR (#b #c)
    assert not parse_query("(#a OR #b) #c").matches(Post)
    assert not parse_query("#a -(#x OR #a)").matches(Post)


def test_no_results_gives_meta_only(fx, client):
    page = search(client, "#NoSuchTagAnywhere")
    assert page == {"meta": {"result_count": 0}}


# --- pagination tokens ---------------------------------------------------------------------

def test_next_token_survives_time_and_a_restart(fx):
    first = search(client_for(fx), fx.default_query)
    token = first["meta"]["next_token"]
    with FakeX(seed=7, start=START, days=14, posts_per_day=200, bearer_token=TOKEN) as restarted:
        restarted.clock.set(NOW + timedelta(hours=2))
        again = client_for(restarted)
        resumed = page_ids(all_pages(again, fx.default_query, pagination_token=token))
        assert resumed and max(int(i) for i in resumed) < int(first["meta"]["oldest_id"])
        expected = {i for i in restarted.visible_ids() if int(i) < int(first["meta"]["oldest_id"])}
        assert set(resumed) == expected
        with pytest.raises(tweepy.BadRequest):
            search(again, "#FundOurSchools", next_token=token)   # a token belongs to its query
        with pytest.raises(tweepy.BadRequest):
            search(again, fx.default_query, next_token="not-a-token!")


# --- lookup --------------------------------------------------------------------------------

def test_lookup_reports_deleted_and_protected_posts_in_errors(fx, client):
    ids = sorted(fx.visible_ids(), key=int)[:5]
    deleted, protected = ids[0], ids[1]
    protected_author = fx.corpus.post_by_id[protected]["author_id"]
    others = [i for i in ids[2:] if fx.corpus.post_by_id[i]["author_id"] != protected_author]
    fx.delete_post(deleted)
    fx.protect_author(protected_author)
    answer = client.get_tweets(ids, **FULL_FIELDS)
    assert [post["id"] for post in answer["data"]] == others
    errors = {error["resource_id"]: error for error in answer["errors"] if error["parameter"] == "ids"}
    assert set(errors) == {deleted, protected}
    assert errors[deleted]["type"] == "https://api.twitter.com/2/problems/resource-not-found"
    assert errors[protected]["type"] == "https://api.twitter.com/2/problems/not-authorized-for-resource"
    assert {deleted, protected}.isdisjoint(fx.visible_ids())
    assert {deleted, protected}.isdisjoint(page_ids(all_pages(client, fx.default_query)))


def test_lookup_reads_old_posts_and_reports_unknown_ones(fx, client):
    old = fx.corpus.posts[0]["id"]     # outside the search window, still readable
    future = fx.corpus.posts[-1]["id"]  # not posted yet at NOW
    answer = client.get_tweets([old, "1234567890", future], tweet_fields=["public_metrics", "created_at"],
                               expansions=["author_id"])
    assert [post["id"] for post in answer["data"]] == [old]
    assert answer["includes"]["users"][0]["id"] == fx.corpus.posts[0]["author_id"]
    assert {e["resource_id"] for e in answer["errors"]} == {"1234567890", future}
    only_missing = client.get_tweets(["1234567890"])
    assert "data" not in only_missing and only_missing["errors"][0]["title"] == "Not Found Error"


def test_lookup_of_more_than_100_ids_is_a_400(fx, client):
    ids = sorted(fx.visible_ids())[:101]
    with pytest.raises(tweepy.BadRequest) as refused:
        client.get_tweets(ids)
    assert "between 1 and 100" in error_body(refused.value)["errors"][0]["message"]
    assert len(client.get_tweets(ids[:100])["data"]) == 100


def test_metrics_grow_with_age(fx, client):
    ids = sorted(fx.visible_ids(), key=int)[-100:]
    earlier = {p["id"]: p["public_metrics"] for p in client.get_tweets(ids, tweet_fields=["public_metrics"])["data"]}
    fx.clock.advance(timedelta(days=2))
    later = {p["id"]: p["public_metrics"] for p in client.get_tweets(ids, tweet_fields=["public_metrics"])["data"]}
    assert all(later[i][name] >= earlier[i][name] for i in ids for name in earlier[i])
    assert sum(later[i]["impression_count"] for i in ids) > sum(earlier[i]["impression_count"] for i in ids)


def test_churn_deletes_posts_and_protects_authors_over_time():
    with FakeX(seed=3, start=START, days=14, posts_per_day=200, churn=True) as churning:
        churning.clock.set(START + timedelta(days=14))
        scheduled = churning.corpus.scheduled_deletions
        assert len(scheduled) >= 3 and churning.corpus.scheduled_protections
        end_ms = (START + timedelta(days=14)).timestamp() * 1000
        gone = [post_id for post_id, when in scheduled.items() if when <= end_ms]
        answer = client_for(churning).get_tweets(gone[:100])
        assert {e["resource_id"] for e in answer["errors"]} >= set(gone[:100])
    calm = build_corpus(3, START, 14, 200, churn=False)
    assert not calm.scheduled_deletions and not calm.scheduled_protections


# --- auth, paths, rate limits --------------------------------------------------------------

def test_wrong_bearer_token_is_a_401(fx):
    with pytest.raises(tweepy.Unauthorized) as refused:
        client_for(fx, token="wrong").search_recent_tweets(fx.default_query)
    assert error_body(refused.value)["title"] == "Unauthorized"
    assert fx.requests[-1]["status"] == 401


def test_no_bearer_token_configured_accepts_any(fx):
    with FakeX(seed=7, start=START, days=3, posts_per_day=50, bearer_token=None) as open_fake:
        open_fake.clock.set(START + timedelta(days=2))
        assert client_for(open_fake, token="anything").search_recent_tweets("#FundOurSchools")["meta"]


def test_unknown_path_is_a_404(fx):
    response = requests.get(fx.base_url + "/2/users/me", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert response.status_code == 404


def test_every_response_carries_rate_limit_headers(fx):
    client = client_for(fx, return_type=requests.Response)
    first = client.search_recent_tweets(fx.default_query, max_results=10)
    second = client.search_recent_tweets(fx.default_query, max_results=10)
    lookup = client.get_tweets([next(iter(fx.visible_ids()))])
    assert first.headers["x-rate-limit-limit"] == "450"
    assert int(first.headers["x-rate-limit-remaining"]) - 1 == int(second.headers["x-rate-limit-remaining"])
    assert int(first.headers["x-rate-limit-reset"]) == int(NOW.timestamp()) + 15 * 60
    assert lookup.headers["x-rate-limit-limit"] == "900"
    with pytest.raises(tweepy.BadRequest) as refused:
        client.search_recent_tweets(fx.default_query, max_results=5)
    assert "x-rate-limit-remaining" in refused.value.response.headers


def test_429_when_the_window_is_exhausted_until_it_resets():
    with FakeX(seed=7, start=START, days=3, posts_per_day=50, rate_limits={SEARCH: 3}) as limited:
        limited.clock.set(START + timedelta(days=2))
        client = client_for(limited)
        for _ in range(3):
            client.search_recent_tweets("#FundOurSchools")
        with pytest.raises(tweepy.TooManyRequests) as limited_error:
            client.search_recent_tweets("#FundOurSchools")
        response = limited_error.value.response
        assert response.headers["x-rate-limit-remaining"] == "0"
        assert int(response.headers["x-rate-limit-reset"]) == int((START + timedelta(days=2, minutes=15)).timestamp())
        assert client.get_tweets([limited.corpus.posts[0]["id"]])["data"], "lookup has its own window"
        limited.clock.advance(timedelta(minutes=15))
        assert client.search_recent_tweets("#FundOurSchools")["meta"]


# --- faults --------------------------------------------------------------------------------

@pytest.mark.parametrize("status, error", [(500, tweepy.TwitterServerError), (503, tweepy.TwitterServerError),
                                           (400, tweepy.BadRequest)])
def test_http_fault_then_recovery(fx, client, status, error):
    fx.inject(Fault("http", status=status))
    with pytest.raises(error) as failed:
        client.search_recent_tweets(fx.default_query)
    assert failed.value.response.status_code == status
    assert client.search_recent_tweets(fx.default_query)["meta"]["result_count"] == 10


def test_rate_limit_fault_sets_reset_or_omits_it(fx, client):
    fx.inject(Fault("rate_limit", reset_in=60))
    with pytest.raises(tweepy.TooManyRequests) as limited:
        client.search_recent_tweets(fx.default_query)
    assert limited.value.response.headers["x-rate-limit-reset"] == str(int(NOW.timestamp()) + 60)
    assert limited.value.response.headers["x-rate-limit-remaining"] == "0"
    fx.inject(Fault("rate_limit", reset_in=None))
    with pytest.raises(tweepy.TooManyRequests) as limited:
        client.search_recent_tweets(fx.default_query)
    assert "x-rate-limit-reset" not in limited.value.response.headers


def test_usage_cap_fault_is_a_429_with_remaining_high(fx, client):
    fx.inject(Fault("usage_cap"))
    with pytest.raises(tweepy.TooManyRequests) as capped:
        client.search_recent_tweets(fx.default_query)
    assert error_body(capped.value)["title"] == "UsageCapExceeded"
    assert int(capped.value.response.headers["x-rate-limit-remaining"]) > 400


def test_credits_unauthorized_and_forbidden_faults(fx, client):
    fx.inject(Fault("credits"))
    with pytest.raises(tweepy.HTTPException) as depleted:
        client.search_recent_tweets(fx.default_query)
    assert depleted.value.response.status_code == 402
    assert error_body(depleted.value)["type"].endswith("/problems/credits-depleted")
    fx.inject(Fault("unauthorized"))
    with pytest.raises(tweepy.Unauthorized):
        client.search_recent_tweets(fx.default_query)
    fx.inject(Fault("forbidden"))
    with pytest.raises(tweepy.Forbidden):
        client.search_recent_tweets(fx.default_query)


def test_slow_fault_delays_and_can_time_out(fx):
    fx.inject(Fault("slow", delay=0.4))
    began = time.monotonic()
    assert client_for(fx).search_recent_tweets(fx.default_query)["meta"]["result_count"] == 10
    assert time.monotonic() - began >= 0.4
    fx.inject(Fault("slow", delay=1.0))
    with pytest.raises(requests.exceptions.ReadTimeout):
        client_for(fx, timeout=0.3).search_recent_tweets(fx.default_query)


def test_drop_fault_closes_the_connection(fx, client):
    fx.inject(Fault("drop"))
    with pytest.raises(requests.exceptions.ConnectionError):
        client.search_recent_tweets(fx.default_query)
    assert fx.requests[-1]["status"] is None
    assert client.search_recent_tweets(fx.default_query)["meta"]["result_count"] == 10


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
def test_broken_json_faults(fx, kind):
    fx.inject(Fault(kind))
    response = client_for(fx, return_type=requests.Response).search_recent_tweets(fx.default_query)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)
    if kind == "truncated":
        assert response.content.startswith(b'{"data": [')
    assert fx.served_ids == set(), "a page nobody could read was not served"


def test_no_includes_and_missing_author_faults(fx, client):
    fx.inject(Fault("no_includes"))
    bare = search(client, fx.default_query)
    assert bare["data"] and "includes" not in bare
    fx.inject(Fault("missing_author"))
    partial = search(client, fx.default_query)
    included = {user["id"] for user in partial["includes"]["users"]}
    assert partial["data"][0]["author_id"] not in included
    assert {post["author_id"] for post in partial["data"]} - included == {partial["data"][0]["author_id"]}


def test_duplicate_fault_repeats_a_post_of_the_previous_page(fx, client):
    first = search(client, fx.default_query)
    fx.inject(Fault("duplicate"))
    second = search(client, fx.default_query, next_token=first["meta"]["next_token"])
    assert second["data"][0]["id"] == first["data"][-1]["id"]
    third = search(client, fx.default_query, next_token=second["meta"]["next_token"])
    everything = page_ids([first, second, third])
    assert len(everything) - len(set(everything)) == 1
    assert int(third["data"][0]["id"]) < int(second["data"][-1]["id"]), "nothing skipped after the repeat"


def test_faults_match_path_prefix_and_count(fx, client):
    fx.inject(Fault("http", status=503, count=2, path_prefix=SEARCH))
    some_id = next(iter(fx.visible_ids()))
    assert client.get_tweets([some_id])["data"], "lookup does not match the search prefix"
    for _ in range(2):
        with pytest.raises(tweepy.TwitterServerError):
            client.search_recent_tweets(fx.default_query)
    assert client.search_recent_tweets(fx.default_query)["meta"]
    fx.inject(Fault("http", status=500, count=5))
    fx.clear_faults()
    assert client.search_recent_tweets(fx.default_query)["meta"]


def test_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError):
        Fault("gremlins")


# --- request log and callback --------------------------------------------------------------

def test_on_request_is_called_before_the_response_with_the_request_number(fx, client):
    seen = []

    def record(number, path):
        seen.append((number, path, fx.requests[number - 1]["status"]))

    fx.on_request = record
    client.search_recent_tweets(fx.default_query)
    client.get_tweets([next(iter(fx.visible_ids()))])
    assert seen == [(1, SEARCH, None), (2, "/2/tweets", None)]
    log = fx.requests
    assert [entry["status"] for entry in log] == [200, 200]
    assert log[0]["params"]["query"] == fx.default_query and log[0]["time"] == NOW


def test_stop_ends_keep_alive_connections(fx, client):
    client.search_recent_tweets(fx.default_query)
    fx.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        client.search_recent_tweets(fx.default_query)


# --- the corpus ----------------------------------------------------------------------------

def test_same_seed_same_corpus_other_seed_other_corpus():
    def snapshot(corpus):
        return json.dumps([corpus.posts, corpus.users, corpus.places], sort_keys=True)
    first = build_corpus(11, START, 14, 200)
    assert snapshot(first) == snapshot(build_corpus(11, START, 14, 200))
    assert snapshot(first) != snapshot(build_corpus(12, START, 14, 200))


def test_snowflake_ids_tell_the_creation_time():
    corpus = build_corpus(5, START, 14, 200)
    for post in corpus.posts:
        assert iso_time(snowflake_ms(post["id"])) == post["created_at"]
        assert post["created_at"].endswith(".000Z")
    ids = [int(post["id"]) for post in corpus.posts]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert min(snowflake_ms(i) for i in ids) >= START.timestamp() * 1000


def test_a_corpus_holds_about_the_volume_asked_for():
    # (how long generation takes is measured in bench/, not asserted here: a loaded machine is no fault)
    corpus = build_corpus(1, START, 14, 200)
    assert 14 * 200 * 0.8 < len(corpus.posts) < 14 * 200 * 3


def test_a_corpus_without_event_days_has_no_spike_of_its_own():
    """The demo's world (monitor.demo.simulated_x): its only spikes are its campaign actions' follow-ups."""
    def busiest_over_median(events: bool) -> float:
        per_day = Counter(p["created_at"][:10] for p in build_corpus(7, START, 14, 200, events=events).posts)
        return max(per_day.values()) / statistics.median(per_day.values())
    assert busiest_over_median(True) > 2.5 and busiest_over_median(False) < 1.6


def test_corpus_looks_like_a_campaign():
    corpus = build_corpus(7, START, 14, 200)
    posts, users = corpus.posts, corpus.users
    regions = set(corpus.user_regions.values())
    assert {"London", "Wales", "Northern Ireland", "Scotland", "North East", "South West", None} <= regions
    assert len(regions) == 13
    locations = {user.get("location", "") for user in users.values()}
    assert {"Caerdydd", "LS6", "Notts", "somewhere over the rainbow", "London, Ontario"} <= locations
    assert any("location" not in user for user in users.values())
    followers = sorted(user["public_metrics"]["followers_count"] for user in users.values())
    assert statistics.median(followers) < 1000 and followers[-1] >= 100_000
    assert len(users) >= 300 and Counter(p["author_id"] for p in posts).most_common(1)[0][1] >= 20
    by_id = {post["id"]: post for post in posts}
    replies = [p for p in posts if "in_reply_to_user_id" in p]
    assert 0.1 < len(replies) / len(posts) < 0.3
    for reply in replies:
        parent = by_id[reply["referenced_tweets"][0]["id"]]
        assert reply["in_reply_to_user_id"] == parent["author_id"]
        assert reply["conversation_id"] == parent["conversation_id"] and int(parent["id"]) < int(reply["id"])
    assert any(p.get("referenced_tweets", [{}])[0].get("type") == "quoted" for p in posts)
    assert 0.002 < sum("geo" in p for p in posts) / len(posts) < 0.03
    assert {p["lang"] for p in posts} == {"en", "cy"}
    for post in posts[:500]:
        for entity in post.get("entities", {}).get("hashtags", []):
            assert post["text"][entity["start"]:entity["end"]] == "#" + entity["tag"]
        for entity in post.get("entities", {}).get("mentions", []):
            assert post["text"][entity["start"]:entity["end"]] == "@" + entity["username"]
            assert users[entity["id"]]["username"] == entity["username"]
    per_day = Counter(p["created_at"][:10] for p in posts)
    assert max(per_day.values()) > 2.5 * statistics.median(per_day.values()), "event days spike"
    per_hour = Counter(int(p["created_at"][11:13]) for p in posts)
    assert per_hour[3] * 5 < per_hour[8] and per_hour[3] * 5 < per_hour[20], "quiet nights, busy mornings/evenings"


def test_sim_clock_needs_aware_times():
    clock = SimClock(START)
    assert clock() == START and clock.advance(timedelta(hours=1)) == START + timedelta(hours=1)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 11, 9))


# --- command line --------------------------------------------------------------------------

def test_main_serves_a_realtime_timeline_until_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from monitor.fakex.server import main; sys.exit(main(sys.argv[1:]))",
         "--port", "0", "--seed", "1", "--days", "2", "--posts-per-day", "100", "--realtime"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        line = process.stdout.readline()
        base_url = line.split()[0]
        assert base_url.startswith("http://127.0.0.1:")
        response = requests.get(base_url + SEARCH, params={"query": "#FundOurSchools OR @NAHTnews",
                                                           "tweet.fields": "created_at", "max_results": 100},
                                headers={"Authorization": "Bearer anything"}, timeout=5)
        page = response.json()
        assert page["meta"]["result_count"] > 0
        newest = datetime.fromisoformat(page["data"][0]["created_at"].replace("Z", "+00:00"))
        assert timedelta(0) <= datetime.now(timezone.utc) - newest < timedelta(hours=6)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
