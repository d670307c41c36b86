"""The deletion check of Bluesky and Mastodon against their simulated servers: posts collected long ago are
asked for again (app.bsky.feed.getPosts; a status on its home server), so that one deleted there is removed
here too (docs/privacy.md); at most the day's cap of each network, the longest unread first, once a UTC day
for each network on its own."""
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from monitor.collector import Collector
from monitor.db import transaction
from monitor.deletion_check import RUN_KIND, check_deletions, todays_checks
from monitor.fakex import Fault
from monitor.metrics import last_deletion_check
from monitor.models import CollectionRun, DaySummary, Post, RunEvent
from monitor.networks import NETWORKS, X
from monitor.scheduler import CampaignScheduler
from monitor.sources.base import SourceConfigError
from monitor.sources.mastodon import MastodonSource
from tests.networks import BLUESKY_NET, MASTODON_NET, Net
from tests.privacy.helpers import bytes_holding, rows_holding, sqlite_files

NETS = (BLUESKY_NET, MASTODON_NET)


def _source(net: Net, fake):
    """The network's source as SourceFactory makes it: a Mastodon source knows every configured server."""
    if net is MASTODON_NET:
        return MastodonSource(dict.fromkeys(fake.base_urls), timeout=2.0)
    return net.source(fake, 2.0)


@pytest.fixture(params=NETS, ids=[n.key for n in NETS])
def collected(request, engine, config):
    """One network's simulated server, its posts collected, and every post unread for 8 days (a minute apart,
    longest unread first in `ids`)."""
    net: Net = request.param
    fake = net.start(seed=5, days=2, posts_per_day=40)
    campaign = net.campaign(fake, full=True)
    cfg = replace(config, campaigns=(campaign,), networks=(net.key,),
                  **({"bluesky_base_url": fake.base_url} if net is BLUESKY_NET else {}))
    source = _source(net, fake)
    Collector(engine, cfg, source, clock=fake.clock).collect_campaign(campaign)
    with transaction(engine) as s:
        ids = list(s.scalars(select(Post.id).order_by(Post.id)))
        for n, post_id in enumerate(ids):
            s.execute(update(Post).where(Post.id == post_id)
                      .values(last_seen_at=fake.clock() - timedelta(days=8, minutes=len(ids) - n)))
    yield net, fake, cfg, source, ids
    fake.stop()


def _lookup_path(net: Net) -> str:
    """Where a fault is aimed at the check's lookups: getPosts; any of a Mastodon server's paths."""
    return "/xrpc/app.bsky.feed.getPosts" if net is BLUESKY_NET else "/"


def _with_cap(cfg, cap: int):
    return replace(cfg, privacy=replace(cfg.privacy, deletion_check_posts_per_day=cap))


def _world_post(fake, post_id: str):
    return next(p for p in fake.world.posts if fake.post_id(p) == post_id)


def _posts(engine) -> dict[str, Post]:
    with transaction(engine) as s:
        return {p.id: p for p in s.scalars(select(Post))}


def _total_posts(engine) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.coalesce(func.sum(DaySummary.posts), 0))))


def test_a_post_deleted_on_its_network_is_removed_and_the_rest_marked_read(engine, collected):
    net, fake, cfg, source, ids = collected
    cfg = _with_cap(cfg, 1000)
    victim = ids[len(ids) // 2]
    fake.delete_post(_world_post(fake, victim).key)
    counted = _total_posts(engine)

    summary = check_deletions(engine, cfg, source, clock=fake.clock)

    after = _posts(engine)
    assert victim not in after
    removed = [p for p in after.values() if p.removed_at is not None]
    assert [(p.unavailable_reason, p.network, p.native_id, p.url) for p in removed] == [
        ("deleted", net.key, None, None)]
    assert (summary.status, summary.refreshed, summary.removed_posts) == ("completed", len(ids) - 1, 1)
    assert all(p.last_seen_at == fake.clock() for p in after.values() if p.removed_at is None)
    assert _total_posts(engine) == counted   # still counted in every figure, listed nowhere
    with transaction(engine) as s:
        run = s.get(CollectionRun, summary.run_id)
        assert (run.network, run.kind, run.query, run.status, run.posts_read) == (
            net.key, RUN_KIND, source.lookup_query, "completed", len(ids))
    shown = last_deletion_check(engine, net.key)   # what the health page says of it
    assert shown.status == "completed"
    name, days = NETWORKS[net.key].label, cfg.privacy.deletion_check_after_days
    assert shown.detail == (f"looked up {len(ids)} posts not read for {days} days or more: {len(ids) - 1} still on "
                            f"{name}, 1 removed (deleted or no longer public on {name})")
    # One check a UTC day for this network; X's day is its own.
    assert check_deletions(engine, cfg, source, clock=fake.clock) is None
    with transaction(engine) as s:
        assert todays_checks(s, fake.clock(), X) == (False, 0)
    assert last_deletion_check(engine, X) is None


def test_the_cap_takes_the_longest_unread_first_and_the_next_day_the_next(engine, collected):
    net, fake, cfg, source, ids = collected
    cfg = _with_cap(cfg, 30)
    by_age = sorted(_posts(engine).values(), key=lambda p: (p.last_seen_at, p.id))
    first = check_deletions(engine, cfg, source, clock=fake.clock)
    assert first.refreshed == 30
    read = {p.id for p in _posts(engine).values() if p.last_seen_at == fake.clock()}
    assert read == {p.id for p in by_age[:30]}
    assert check_deletions(engine, cfg, source, clock=fake.clock) is None   # the cap is used
    fake.clock.advance(timedelta(days=1))
    check_deletions(engine, cfg, source, clock=fake.clock)
    read_next = {p.id for p in _posts(engine).values() if p.last_seen_at == fake.clock()}
    assert read_next == {p.id for p in by_age[30:60]}


def test_posts_read_lately_are_left_alone_and_zero_turns_the_check_off(engine, collected):
    net, fake, cfg, source, ids = collected
    assert check_deletions(engine, _with_cap(cfg, 0), source, clock=fake.clock) is None
    with transaction(engine) as s:
        s.execute(update(Post).values(last_seen_at=fake.clock() - timedelta(days=6)))
    summary = check_deletions(engine, _with_cap(cfg, 100), source, clock=fake.clock)
    assert (summary.status, summary.refreshed) == ("completed", 0)
    assert last_deletion_check(engine, net.key).detail.startswith("looked up 0 posts")


def test_an_api_fault_is_recorded_and_the_next_run_takes_the_day_up(engine, collected):
    net, fake, cfg, source, ids = collected
    cfg = _with_cap(cfg, 1000)
    if net is MASTODON_NET:
        source._configured_domains()   # asked once a source: the fault is aimed at the status lookups
    fake.inject(Fault("http", status=503, count=cfg.max_retries + 1, path_prefix=_lookup_path(net)))
    first = check_deletions(engine, cfg, source, clock=fake.clock)
    assert first.status == "failed" and "503" in first.error
    shown = last_deletion_check(engine, net.key)
    assert shown.status == "failed" and "looked up 0 posts" in shown.detail and "503" in shown.detail
    with transaction(engine) as s:
        retries = s.scalar(select(func.count()).select_from(RunEvent).where(RunEvent.run_id == first.run_id,
                                                                           RunEvent.kind == "retry"))
        assert retries == cfg.max_retries
        assert s.scalar(select(func.count()).select_from(Post).where(Post.last_seen_at == fake.clock())) == 0
    second = check_deletions(engine, cfg, source, clock=fake.clock)
    assert (second.status, second.refreshed) == ("completed", len(ids))


def test_a_mastodon_post_of_another_shape_is_counted_unasked_and_does_not_hold_the_queue(engine, config):
    """A status id that names no Mastodon endpoint (another fediverse software) cannot be asked about: it is
    counted as such, moved to the back of the queue, and the next posts are asked about."""
    fake = MASTODON_NET.start(seed=5, days=2, posts_per_day=40)
    try:
        campaign = MASTODON_NET.campaign(fake, full=True)
        cfg = _with_cap(replace(config, campaigns=(campaign,), networks=("mastodon",)), 5)
        source = _source(MASTODON_NET, fake)
        Collector(engine, cfg, source, clock=fake.clock).collect_campaign(campaign)
        with transaction(engine) as s:
            ids = list(s.scalars(select(Post.id).order_by(Post.id)))
            s.execute(update(Post).values(last_seen_at=fake.clock() - timedelta(days=9)))
            s.execute(update(Post).where(Post.id == ids[0])
                      .values(native_id="https://pleroma.example/objects/5d2c", last_seen_at=fake.clock()
                              - timedelta(days=10)))
        summary = check_deletions(engine, cfg, source, clock=fake.clock)
        assert (summary.refreshed, summary.unasked, summary.removed_posts) == (4, 1, 0)
        assert "1 whose server could not be asked this time" in last_deletion_check(engine, "mastodon").detail
        assert _posts(engine)[ids[0]].last_seen_at == fake.clock()
    finally:
        fake.stop()


def test_the_scheduler_checks_each_network_and_stops_on_refused_access(engine, collected):
    net, fake, cfg, source, ids = collected
    cfg = _with_cap(cfg, 1000)
    fake.delete_post(_world_post(fake, ids[0]).key)
    scheduler = CampaignScheduler(engine, cfg, lambda _network: source)
    scheduler.check_deletions(net.key)
    assert ids[0] not in _posts(engine)
    assert last_deletion_check(engine, net.key).status == "completed"
    assert scheduler.fatal_error is None
    # A refused token refuses collection too: the collector stops, as on a refused collection. (The scheduler
    # runs on the wall clock: the day's check is moved to yesterday, and the posts unread again.)
    with transaction(engine) as s:
        for run in s.scalars(select(CollectionRun).where(CollectionRun.kind == RUN_KIND)):
            run.started_at -= timedelta(days=1)
        s.execute(update(Post).values(last_seen_at=fake.clock() - timedelta(days=8)))
    fake.inject(Fault("unauthorized", count=5, path_prefix=_lookup_path(net)))
    scheduler.check_deletions(net.key)
    assert isinstance(scheduler.fatal_error, SourceConfigError)
    assert last_deletion_check(engine, net.key).status == "failed"


@pytest.mark.parametrize("net", NETS, ids=[n.key for n in NETS])
def test_nothing_of_a_post_deleted_there_is_left_in_any_row_or_in_the_sqlite_file(engine, config, net):
    """A person's only post, deleted on Bluesky or Mastodon: its text, its id on the network (an AT URI holds
    the author's DID, an ActivityPub id their handle) and its author leave every row (and, on SQLite, every
    byte of the file), and the figures still count it."""
    fake = net.start(seed=5, days=2, posts_per_day=40)
    try:
        campaign = net.campaign(fake, full=True)
        cfg = _with_cap(replace(config, campaigns=(campaign,), networks=(net.key,)), 1000)
        post_id = fake.add_post("Roundtable with our MP, ref zq7xv0k #InvestInPupilServices", "leavesoon",
                                at=fake.clock() - timedelta(hours=30))
        source = _source(net, fake)
        Collector(engine, cfg, source, clock=fake.clock).collect_campaign(campaign)
        with transaction(engine) as s:
            native = s.get(Post, post_id).native_id
            s.execute(update(Post).values(last_seen_at=fake.clock() - timedelta(days=8)))
        counted = _total_posts(engine)
        needles = ["zq7xv0k", "leavesoon", native]
        assert rows_holding(engine, needles)   # the search below sees what is there
        fake.delete_post(_world_post(fake, post_id).key)

        summary = check_deletions(engine, cfg, source, clock=fake.clock)

        assert (summary.removed_posts, summary.removed_authors) == (1, 1)
        assert _total_posts(engine) == counted
        assert rows_holding(engine, needles) == {}
        if engine.dialect.name == "sqlite":
            assert bytes_holding(sqlite_files(engine), needles) == {}
    finally:
        fake.stop()
