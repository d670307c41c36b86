"""The fault matrix: every fault the simulated X API can produce, what the collector does about it,
and the property every row ends on: the database holds exactly what the API served, each post
once. For faults that stop a run, what was stored before the fault is kept and the next run
resumes the same run (from its saved page token) to the same end.

Every row runs for each network it applies to (X, Bluesky, Mastodon: tests/networks.py), on a SQLite file;
the rows marked `both` also run on PostgreSQL. X's usage cap and spent credits exist on X alone.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from monitor.config import MetricsRefresh
from monitor.db import transaction
from monitor.fakex import Fault
from monitor.models import Author, Post, SearchCursor
from monitor.refresh import refresh_metrics
from monitor.sources.x import CollectionHalted, SourceConfigError, XSource
from tests.helpers import TOKEN
from tests.networks import BLUESKY_NET, NETS, X_NET, Net
from tests.reliability.helpers import (
    CAMPAIGN,
    assert_database_equals_served,
    campaign_of,
    events,
    make_collector,
    runs,
    search_requests,
    start_fake,
    stored_ids,
)

MAX_RETRIES = 3      # the `config` fixture's max_retries
TIMEOUT = 2.0        # the collector's request timeout in these tests


@dataclass
class Row:
    id: str
    fault: Fault
    at_request: int = 1                 # inject just before this search request (2: after page 1 is stored)
    outcome: str = "completed"          # completed | failed | halted | config_error
    events: dict = field(default_factory=dict)   # run_events of the faulted run, by kind
    message: str = ""                   # in the run's error (and the raised exception)
    status_code: int | None = None      # on the fatal event
    config: dict = field(default_factory=dict)
    both: bool = False                  # also on PostgreSQL
    networks: tuple = ("x", "bluesky", "mastodon")
    by_network: dict = field(default_factory=dict)   # network -> {field: value} where that network differs
    profiles: bool = False              # on Bluesky, aimed at getProfiles (the authors) rather than the search

    def on(self, net: Net) -> "Row":
        """The row as it applies to one network: its own messages and events, the fault aimed at its API."""
        row = replace(self, **self.by_network.get(net.key, {}))
        if net is X_NET:
            return row
        path = "/xrpc/app.bsky.actor.getProfiles" if self.profiles and net is BLUESKY_NET else net.search_path
        return replace(row, fault=replace(row.fault, path_prefix=path))


REFUSED = {"bluesky": {"message": "BLUESKY_HANDLE"}, "mastodon": {"message": "MASTODON_TOKEN_"}}
DROPPED = {"bluesky": {"message": "connection to Bluesky failed"},
           "mastodon": {"message": "failed (ConnectionError)"}}


ROWS = [
    # rate limits: waited out (the wait is on the run), or failed when the reset is too far away
    Row("429-reset-header", Fault("rate_limit", reset_in=1.0), events={"rate_limit": 1}),
    Row("429-no-reset-header", Fault("rate_limit", reset_in=None, count=2), events={"rate_limit": 2}, both=True),
    Row("429-reset-too-far", Fault("rate_limit", reset_in=3600), at_request=2, outcome="failed",
        events={"fatal": 1}, message="max_rate_limit_wait_seconds", config={"max_rate_limit_wait": 5}),
    # the monthly cap and spent credits: stop at once with a clear message, never wait or hammer
    Row("429-usage-cap", Fault("usage_cap", count=5), at_request=2, outcome="halted", events={"fatal": 1},
        message="usage cap", status_code=429, both=True, networks=("x",)),
    Row("402-credits", Fault("credits", count=5), at_request=2, outcome="halted", events={"fatal": 1},
        message="credits are spent", status_code=402, networks=("x",)),
    # refused credentials: a configuration error for a person to fix
    Row("401-unauthorized", Fault("unauthorized", count=5), at_request=2, outcome="config_error",
        events={"fatal": 1}, message="X_BEARER_TOKEN", status_code=401, by_network=REFUSED),
    Row("403-forbidden", Fault("forbidden", count=5), at_request=2, outcome="config_error",
        events={"fatal": 1}, message="access level", status_code=403, by_network=REFUSED),
    # a request the network refuses as wrong (not a stale since_id): the run fails with its reason
    Row("400-rejected", Fault("http", status=400), at_request=2, outcome="failed", events={"fatal": 1},
        message="rejected", both=True),
    # server errors: retried with backoff; a burst longer than max_retries fails the run, resumably
    Row("500-burst", Fault("http", status=500, count=MAX_RETRIES), events={"retry": MAX_RETRIES}),
    Row("503-burst", Fault("http", status=503, count=2), at_request=3, events={"retry": 2}),
    Row("503-beyond-retries", Fault("http", status=503, count=MAX_RETRIES + 1), at_request=2, outcome="failed",
        events={"retry": MAX_RETRIES, "fatal": 1}, message="gave up after", both=True),
    # the connection: reset without an answer, or an answer slower than the request timeout
    Row("connection-reset", Fault("drop", count=2), at_request=2, events={"retry": 2}, both=True),
    Row("read-timeout", Fault("slow", delay=TIMEOUT + 0.5), at_request=2, events={"retry": 1}),
    Row("connection-reset-beyond-retries", Fault("drop", count=MAX_RETRIES + 1), at_request=3, outcome="failed",
        events={"retry": MAX_RETRIES, "fatal": 1}, message="connection to the X API failed", by_network=DROPPED),
    # bodies that cannot be read: retried like a server error
    Row("truncated-json", Fault("truncated"), at_request=2, events={"retry": 1}),
    Row("malformed-json", Fault("malformed", count=2), events={"retry": 2}),
    # odd but readable pages: stored, nothing lost, nothing twice. On Bluesky the authors come from
    # getProfiles (left out: the post's own author view stands in); a Mastodon status without its
    # account cannot be stored and is read again.
    Row("page-without-includes", Fault("no_includes", count=2), at_request=2, networks=("x", "bluesky"),
        profiles=True),
    # On Bluesky the fault lasts the run (the same author left out of every getProfiles: see fakenet.bluesky),
    # so that an author is never answered for, on every day's corpus.
    Row("post-author-missing", Fault("missing_author", count=3), profiles=True,
        by_network={"mastodon": {"events": {"retry": 3}},
                    "bluesky": {"fault": Fault("missing_author", count=1000)}}),
    Row("duplicate-across-pages", Fault("duplicate", count=4), at_request=2, both=True),
    Row("ids-out-of-order", Fault("out_of_order", count=10), both=True),
]


def _check_row(row: Row, net: Net, engine, config):
    fx = start_fake(net=net)
    try:
        _run_row(row.on(net), net, engine, replace(config, **row.config), fx)
    finally:
        fx.stop()


def _run_row(row: Row, net: Net, engine, config, fx):
    campaign = campaign_of(fx, net)
    collector = make_collector(engine, config, fx, timeout=TIMEOUT, net=net)
    requests_before_fault = []

    def inject(number, path):
        is_search = path.startswith(net.search_path) if net is not X_NET else path == X_NET.search_path
        if is_search and len(search_requests(fx, net)) == row.at_request and not requests_before_fault:
            requests_before_fault.append(number)
            fx.inject(row.fault)
    fx.on_request = inject

    raised = None
    try:
        [summary] = collector.collect_campaign(campaign)
    except (CollectionHalted, SourceConfigError) as e:
        raised = e
    fx.on_request = None
    assert requests_before_fault, "the fault was never injected"
    [run] = runs(engine)
    kinds = Counter(e.kind for e in events(engine, run.id))

    # what the collector did about the fault
    assert dict(kinds) == row.events, f"{row.id}: events {dict(kinds)}"
    if row.outcome == "completed":
        assert raised is None and summary.status == "completed" and run.error is None
    else:
        expected_status = {"failed": "failed", "halted": "halted", "config_error": "failed"}[row.outcome]
        assert run.status == expected_status and row.message in run.error
        if row.outcome == "halted":
            assert isinstance(raised, CollectionHalted) and row.message in str(raised)
        elif row.outcome == "config_error":
            assert isinstance(raised, SourceConfigError) and str(row.status_code) in str(raised)
        else:
            assert raised is None and summary.status == "failed"
        if row.status_code:
            assert [e.status_code for e in events(engine, run.id) if e.kind == "fatal"] == [row.status_code]
        if row.outcome in ("halted", "config_error"):
            # asked once, did not sleep on it or hammer the API
            assert len(search_requests(fx, net)) == row.at_request
        # what was stored before the fault is kept, and the cursor did not move
        kept = stored_ids(engine)
        assert len(kept) == (row.at_request - 1) * net.page_size and set(kept) <= fx.served_ids
        with transaction(engine) as s:
            assert s.scalars(select(SearchCursor)).first() is None
        # fault gone (the cap reset, the token fixed, the API back): the next run resumes the same run
        fx.clear_faults()
        [resumed] = collector.collect_campaign(campaign)
        assert resumed.run_id == run.id and resumed.status == "completed"
        assert runs(engine)[0].resumes == 1
    assert_database_equals_served(engine, fx, net=net)
    if row.fault.kind in ("no_includes", "missing_author") and net is X_NET:
        _authors_left_out_are_placeholders(engine, fx)
    if row.fault.kind in ("no_includes", "missing_author") and net is BLUESKY_NET:
        _authors_left_out_of_profiles_keep_their_names(engine, fx)
    if row.fault.kind == "out_of_order":
        _next_poll_after_out_of_order_pages_misses_nothing(engine, collector, fx, net, campaign)


def _authors_left_out_are_placeholders(engine, fx):
    """Every post keeps its author link; an author no page included in full is a placeholder, and one
    that a later page did include carries the real profile (which corpus authors reappear depends on
    the day the corpus is generated for, so the test compares with what was served)."""
    with transaction(engine) as s:
        orphans = s.scalars(select(Post.id).outerjoin(Author, Post.author_id == Author.id)
                            .where(Author.id.is_(None))).all()
        authors = {a.id: a for a in s.scalars(select(Author))}
    assert orphans == []
    served_in_full = fx.served_author_ids
    assert {i for i, a in authors.items() if a.placeholder} == set(authors) - served_in_full
    for author in authors.values():
        if author.placeholder:
            assert (author.username, author.name, author.raw) == (author.id, None, {})
        else:
            assert author.raw["id"] == author.id and author.username == author.raw["username"]


def _authors_left_out_of_profiles_keep_their_names(engine, fx):
    """Bluesky: an author getProfiles did not return is stored from the post's own author view (handle and
    name, no follower count), never as a nameless placeholder."""
    with transaction(engine) as s:
        authors = list(s.scalars(select(Author)))
    assert authors and not any(a.placeholder for a in authors)
    assert all(a.username.endswith(".bsky.social") and a.native_id.startswith("did:plc:") for a in authors)
    assert any(a.followers_count == 0 and "followersCount" not in a.raw for a in authors)


def _next_poll_after_out_of_order_pages_misses_nothing(engine, collector, fx, net: Net, campaign):
    fx.clock.advance(timedelta(hours=6))
    fx.inject(Fault("out_of_order", count=10, path_prefix="/2/" if net is X_NET else net.search_path))
    [summary] = collector.collect_campaign(campaign)
    # only newer posts were asked for (Bluesky also re-reads the last few minutes: `since` is inclusive)
    assert summary.status == "completed" and summary.posts_new == 0
    if net is not BLUESKY_NET:
        assert summary.posts_updated == 0
    assert_database_equals_served(engine, fx, net=net)


CASES = [(row, net) for row in ROWS for net in NETS if net.key in row.networks]


def _case_id(value) -> str:
    return value.id if isinstance(value, Row) else value.key


@pytest.mark.parametrize("row, net", [c for c in CASES if not c[0].both], ids=_case_id)
def test_fault_on_sqlite(row, net, sqlite_engine, config):
    _check_row(row, net, sqlite_engine, config)


@pytest.mark.parametrize("row, net", [c for c in CASES if c[0].both], ids=_case_id)
def test_fault_on_sqlite_and_postgresql(row, net, engine, config):
    _check_row(row, net, engine, config)


def test_out_of_order_fault_really_reverses_the_page():
    """The fake's new fault: the same posts, oldest first, with the true meta."""
    fx = start_fake()
    try:
        source = XSource(TOKEN, fx.base_url, timeout=TIMEOUT)
        from monitor.sources.x import SearchParams
        normal = source.search_recent(SearchParams(fx.default_query)).page
        fx.inject(Fault("out_of_order"))
        reversed_page = source.search_recent(SearchParams(fx.default_query)).page
    finally:
        fx.stop()
    ids = [p["id"] for p in reversed_page["data"]]
    assert ids == [p["id"] for p in normal["data"]][::-1] and ids == sorted(ids, key=int)
    assert reversed_page["meta"] == normal["meta"]


# --- the metrics refresh under the same faults -----------------------------------------------

REFRESH_ROWS = [
    ("503-burst", Fault("http", status=503, count=2, path_prefix="/2/tweets"), "completed", {"retry": 2}, ""),
    ("connection-reset-beyond-retries", Fault("drop", count=MAX_RETRIES + 1, path_prefix="/2/tweets"), "failed",
     {"retry": MAX_RETRIES, "fatal": 1}, "gave up after"),
    ("429-usage-cap", Fault("usage_cap", path_prefix="/2/tweets"), "halted", {"fatal": 1}, "usage cap"),
    ("401-unauthorized", Fault("unauthorized", path_prefix="/2/tweets"), "failed", {"fatal": 1}, "X_BEARER_TOKEN"),
    ("400-rejected", Fault("http", status=400, path_prefix="/2/tweets"), "failed", {"fatal": 1},
     "rejected the request (400)"),
    ("truncated-json", Fault("truncated", path_prefix="/2/tweets"), "completed", {"retry": 1}, ""),
]


@pytest.mark.parametrize("name, fault, status, kinds, message", REFRESH_ROWS, ids=[r[0] for r in REFRESH_ROWS])
def test_refresh_fault(sqlite_engine, config, name, fault, status, kinds, message):
    """A refresh run ends completed/failed/halted with the reason on record, never left 'running';
    posts it could not refresh stay due, and the next refresh does them."""
    fx = start_fake()
    try:
        # The full schedule: under the selective one, which due posts are still worth a read depends on the
        # hour (past UTC midnight most are not, and the refresh ends them before any lookup), and this test
        # is about the faults. The selective policy has its own tests (tests/test_refresh_policy.py).
        cfg = replace(config, api_base_url=fx.base_url, campaigns=(CAMPAIGN,),
                      metrics_refresh=MetricsRefresh(schedule_hours=(1, 3, 8, 24, 72), max_age_hours=72,
                                                     selective=False))
        collector = make_collector(sqlite_engine, cfg, fx)
        collector.collect_campaign(CAMPAIGN)
        fx.clock.advance(timedelta(hours=4))
        # every post due, for longer than the batching window (how many are due by now depends on the time of day)
        with transaction(sqlite_engine) as session:
            session.execute(update(Post).values(next_refresh_at=fx.clock() - timedelta(hours=2)))
        due_before = _due(sqlite_engine, fx.clock())
        posts_before = len(stored_ids(sqlite_engine))
        assert len(due_before) > 100
        fx.inject(fault)
        summary = refresh_metrics(sqlite_engine, cfg, collector.source, clock=fx.clock)
        run = runs(sqlite_engine, "refresh")[-1]
        assert run.status == status == summary.status
        assert dict(Counter(e.kind for e in events(sqlite_engine, run.id))) == kinds
        assert message in (run.error or "")
        if status != "completed":
            assert _due(sqlite_engine, fx.clock()) == due_before  # nothing skipped
        fx.clear_faults()
        again = refresh_metrics(sqlite_engine, cfg, collector.source, clock=fx.clock)
        assert again.status == "completed"
        assert _due(sqlite_engine, fx.clock()) == []
        assert all(r.status != "running" for r in runs(sqlite_engine))
        assert len(stored_ids(sqlite_engine)) == posts_before  # refreshing never adds or removes a post
    finally:
        fx.stop()


def _due(engine, now) -> list[str]:
    with transaction(engine) as s:
        return sorted(s.scalars(select(Post.id).where(Post.next_refresh_at <= now)))
