"""MP detection through the real store path, on SQLite and PostgreSQL: posts by an MP, mentioning MPs, an
MP's reply to or quote of a campaign post; a renamed handle, a corrected one, an MP who is also a known
account, a post deleted on X; and the figures of monitor.metrics.mps from them."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select, text

from monitor import metrics
from monitor.collector import Collector
from monitor.config import Campaign, MetricsRefresh
from monitor.db import transaction
from monitor.fakex import FakeX, SimClock
from monitor.metrics import Filters
from monitor.models import MP, PostMP
from monitor.mps.detect import rebuild_all
from monitor.mps.register import set_handle
from monitor.refresh import refresh_metrics
from monitor.regions import KnownAccount
from monitor.sources.x import XSource
from tests import pages
from tests.helpers import TOKEN
from tests.helpers_mps import mention, mp, mp_user, post
from tests.seed import store_api_page

C = "ipfs"
TERMS = ("#InvestInPupilServices", "@NAHTnews")
TAG = ["InvestInPupilServices"]
WEEK = Filters(C, date(2026, 11, 16), date(2026, 11, 22))
NOW = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
KINNOCK, BLACKMAN = mp("skinnock"), mp("KirstySNP")   # Aberafan Maesteg (Wales), Aberdeen North (Scotland)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc)


def store(engine, config, posts, users, campaign=C, terms=TERMS):
    return store_api_page(engine, config, pages.page(posts, users), NOW, campaign, terms)


def table(engine, filters=WEEK, **kw) -> dict[int, metrics.MpRow]:
    return {r.member_id: r for r in metrics.mp_table(engine, filters, **kw)}


def detections(engine) -> set[tuple[str, int, str]]:
    with transaction(engine) as s:
        return set(s.execute(select(PostMP.post_id, PostMP.member_id, PostMP.kind)).all())


def account(engine, member_id: int) -> str | None:
    with transaction(engine) as s:
        return s.get(MP, member_id).x_user_id


MEMBER = pages.user("101", "headteacher_amy", location="Cardiff")
OTHER_MEMBER = pages.user("102", "deputy_ben", location="Aberdeen")


def test_register_is_loaded_on_upgrade_and_an_mp_with_no_posts_is_not_reached(engine):
    rows = table(engine)
    assert len(rows) == 650
    assert sum(1 for r in rows.values() if r.x_username) == 217
    assert {r.status for r in rows.values()} == {metrics.NOT_REACHED}
    assert sum(r.total for r in metrics.mp_regions(engine, WEEK)) == 650


def test_a_post_by_an_mp_makes_them_engaged_and_teaches_their_account(engine, config):
    p = post(at(17), "500", "At the roundtable today #InvestInPupilServices", 1, tags=TAG)
    store(engine, config, [p], [mp_user("500", "SKinnock")])   # handles match in any case
    assert detections(engine) == {(p["id"], KINNOCK.member_id, "by_mp")}
    assert account(engine, KINNOCK.member_id) == "500"
    row = table(engine)[KINNOCK.member_id]
    assert (row.status, row.posts_by_mp, row.posts_mentioning, row.members_mentioning) == ("engaged", 1, 0, 0)
    assert row.last_activity == at(17)
    assert row.region == "Wales" and row.profile_url == "https://x.com/skinnock"
    assert metrics.mp_contributors(engine, WEEK) == metrics.MpShare(contributors=1, posts=1)


def test_mps_are_a_class_of_author_every_figure_can_be_limited_to(engine, config):
    store(engine, config, [post(at(17), "500", "At the roundtable today #InvestInPupilServices", 1, tags=TAG),
                           post(at(18), "101", "Letter sent #InvestInPupilServices", 2, tags=TAG),
                           post(at(18, 11), "102", "Ours too #InvestInPupilServices", 3, tags=TAG)],
          [mp_user("500", "SKinnock"), MEMBER, OTHER_MEMBER])
    counts = {key: metrics.kpis(engine, replace(WEEK, audience=metrics.audience(config, key)))
              for key in metrics.AUTHOR_CLASSES}
    assert (counts[metrics.MPS].posts, counts[metrics.MPS].contributors) == (1, 1)
    assert (counts[metrics.MEMBERS].posts, counts[metrics.MEMBERS].contributors) == (2, 2)
    assert counts[metrics.ALL].posts == 3
    shown = metrics.posts_page(engine, replace(WEEK, audience=metrics.audience(config, metrics.MPS))).rows
    assert [r.username for r in shown] == ["SKinnock"]


def test_a_member_post_mentioning_two_mps_counts_once_for_each(engine, config):
    p = mention(mention(post(at(18), "101", "Please meet us #InvestInPupilServices", 2, tags=TAG),
                        "skinnock", "500"), "KirstySNP", "600")
    again = mention(post(at(19), "101", "Still waiting #InvestInPupilServices", 3, tags=TAG), "skinnock", "500")
    other = mention(post(at(19, 12), "102", "Us too #InvestInPupilServices", 4, tags=TAG), "skinnock", "500")
    store(engine, config, [p, again, other], [MEMBER, OTHER_MEMBER])
    rows = table(engine)
    kinnock, blackman = rows[KINNOCK.member_id], rows[BLACKMAN.member_id]
    assert (kinnock.status, kinnock.posts_by_mp, kinnock.posts_mentioning, kinnock.members_mentioning) == \
        ("mentioned", 0, 3, 2)
    assert (blackman.status, blackman.posts_mentioning, blackman.members_mentioning) == ("mentioned", 1, 1)
    assert blackman.last_activity == at(18)
    regions = {r.region: r for r in metrics.mp_regions(engine, WEEK)}
    assert (regions["Wales"].engaged, regions["Wales"].mentioned, regions["Wales"].not_reached) == (0, 1, 31)
    assert metrics.mp_contributors(engine, WEEK).contributors == 0   # members are not MPs


def test_an_mp_mentioned_by_another_mp_is_not_counted_among_the_members_mentioning(engine, config):
    p = mention(post(at(18), "500", "With my colleague #InvestInPupilServices", 1, tags=TAG), "KirstySNP", "600")
    self_mention = mention(post(at(18, 11), "500", "Me again #InvestInPupilServices", 2, tags=TAG), "skinnock", "500")
    store(engine, config, [p, self_mention], [mp_user("500", "skinnock")])
    blackman, kinnock = table(engine)[BLACKMAN.member_id], table(engine)[KINNOCK.member_id]
    assert (blackman.status, blackman.posts_mentioning, blackman.members_mentioning) == ("mentioned", 1, 0)
    assert (kinnock.posts_by_mp, kinnock.posts_mentioning) == (2, 0)   # mentioning oneself is no mention


def test_a_renamed_handle_keeps_matching_by_the_account_and_a_taken_over_handle_does_not(engine, config):
    first = post(at(16), "500", "Proud to back #InvestInPupilServices", 1, tags=TAG)
    store(engine, config, [first], [mp_user("500", "skinnock")])
    renamed = post(at(18), "500", "New name, same support #InvestInPupilServices", 2, tags=TAG)
    asked = mention(post(at(18, 12), "101", "Thanks #InvestInPupilServices", 3, tags=TAG), "StephenKinnockMP", "500")
    store(engine, config, [renamed, asked], [mp_user("500", "StephenKinnockMP"), MEMBER])
    impostor = post(at(19), "777", "I took the old handle #InvestInPupilServices", 4, tags=TAG)
    old_name = mention(post(at(19, 12), "101", "Wrong person #InvestInPupilServices", 5, tags=TAG), "skinnock", "777")
    store(engine, config, [impostor, old_name], [mp_user("777", "skinnock"), MEMBER])
    row = table(engine)[KINNOCK.member_id]
    assert (row.posts_by_mp, row.posts_mentioning, row.members_mentioning) == (2, 1, 1)
    assert detections(engine) == {(first["id"], KINNOCK.member_id, "by_mp"),
                                  (renamed["id"], KINNOCK.member_id, "by_mp"),
                                  (asked["id"], KINNOCK.member_id, "mention")}


def test_a_mention_of_the_handle_made_when_someone_else_held_it_goes_once_the_mps_account_is_known(engine, config):
    earlier = mention(post(at(16), "101", "Hi #InvestInPupilServices", 1, tags=TAG), "KirstySNP", "999")
    store(engine, config, [earlier], [MEMBER])
    assert table(engine)[BLACKMAN.member_id].posts_mentioning == 1   # the MP's account is not known yet
    store(engine, config, [post(at(17), "600", "Hello #InvestInPupilServices", 2, tags=TAG)],
          [mp_user("600", "KirstySNP")])
    row = table(engine)[BLACKMAN.member_id]
    assert (row.posts_by_mp, row.posts_mentioning) == (1, 0)
    with transaction(engine) as s:
        rebuild_all(s)
    assert (table(engine)[BLACKMAN.member_id].posts_mentioning, account(engine, BLACKMAN.member_id)) == (0, "600")


def test_an_mps_reply_to_or_quote_of_a_campaign_post_counts_whichever_is_stored_first(engine, config):
    member_post = post(at(17), "101", "Our roundtable #InvestInPupilServices", 1, tags=TAG)
    reply = post(at(17, 12), "500", "Thank you for having me", 2, refs=[{"type": "replied_to",
                                                                          "id": member_post["id"]}])
    quote = post(at(18), "600", "Worth reading", 3, refs=[{"type": "quoted", "id": member_post["id"]}])
    unrelated = post(at(18, 12), "700", "Unrelated", 4)
    reply_elsewhere = post(at(19), "700", "Reply to something else", 5, refs=[{"type": "replied_to",
                                                                               "id": unrelated["id"]}])
    # The MPs' posts carry no campaign term (found by an import or the MP watch) and come first.
    store(engine, config, [reply, quote, unrelated, reply_elsewhere],
          [mp_user("500", "skinnock"), mp_user("600", "KirstySNP"), mp_user("700", "JessPhillips")])
    assert table(engine)[KINNOCK.member_id].status == "not reached"   # the post replied to is not stored yet
    store(engine, config, [member_post], [MEMBER])
    rows = table(engine)
    assert (rows[KINNOCK.member_id].status, rows[KINNOCK.member_id].posts_by_mp) == ("engaged", 1)
    assert (rows[BLACKMAN.member_id].status, rows[BLACKMAN.member_id].posts_by_mp) == ("engaged", 1)
    phillips = mp("JessPhillips").member_id
    assert rows[phillips].status == "not reached"   # a reply to a post that is not the campaign's
    kinds = {(post_id, kind) for post_id, member, kind in detections(engine) if member == KINNOCK.member_id}
    assert kinds == {(reply["id"], "by_mp"), (reply["id"], "reply_quote")}
    shown = {r.post.id: r.kind for r in metrics.mp_posts(engine, WEEK)}
    assert shown == {reply["id"]: "reply_quote", quote["id"]: "reply_quote"}


def test_a_handle_correction_applies_at_once_and_finds_the_posts_already_stored(engine, config):
    p = post(at(17), "800", "Backing #InvestInPupilServices", 1, tags=TAG)
    asked = mention(post(at(17, 11), "101", "Ask her #InvestInPupilServices", 2, tags=TAG), "blackman_k", "800")
    store(engine, config, [p, asked], [mp_user("800", "blackman_k"), MEMBER])
    assert table(engine)[BLACKMAN.member_id].status == "not reached"   # the register names another handle
    set_handle(engine, BLACKMAN.member_id, x="@blackman_k", corrected_by="Sam (NAHT comms)", note="new account")
    row = table(engine)[BLACKMAN.member_id]
    assert (row.x_username, row.status, row.posts_by_mp, row.posts_mentioning) == ("blackman_k", "engaged", 1, 1)
    assert account(engine, BLACKMAN.member_id) == "800"
    with engine.connect() as conn:
        audit = conn.execute(text("SELECT member_id, x_username, bluesky_handle, corrected_by, note "
                                  "FROM mp_handle_corrections")).all()
    assert audit == [(BLACKMAN.member_id, "blackman_k", None, "Sam (NAHT comms)", "new account")]


def test_an_mp_who_is_also_a_known_account_counts_in_their_constituency_region(engine, config):
    cfg = replace(config, known_accounts=(KnownAccount("skinnock", "London"),))
    store(engine, cfg, [post(at(17), "500", "From Westminster #InvestInPupilServices", 1, tags=TAG)],
          [mp_user("500", "skinnock")])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT region, region_evidence FROM posts")).one() == ("London", "known_account")
    regions = {r.region: r for r in metrics.mp_regions(engine, WEEK)}
    assert regions["Wales"].engaged == 1 and regions["London"].engaged == 0
    assert KINNOCK.member_id not in table(engine, replace(WEEK, region="London"))
    assert table(engine, replace(WEEK, region="Wales"))[KINNOCK.member_id].status == "engaged"
    # The post is in London's figures (its attribution), and London's contributor is an MP.
    assert metrics.mp_contributors(engine, replace(WEEK, region="London")).contributors == 1


def test_only_the_campaigns_own_posts_and_period_count(engine, config):
    store(engine, config, [post(at(17), "500", "Another campaign #SomethingElse", 1, tags=["SomethingElse"])],
          [mp_user("500", "skinnock")], campaign="other", terms=("#SomethingElse",))
    store(engine, config, [post(at(12), "600", "Last week #InvestInPupilServices", 2, tags=TAG)],
          [mp_user("600", "KirstySNP")])
    rows = table(engine)
    assert rows[KINNOCK.member_id].status == "not reached"
    assert rows[BLACKMAN.member_id].status == "not reached"
    previous = table(engine, WEEK.previous())
    assert previous[BLACKMAN.member_id].status == "engaged"
    assert table(engine, replace(WEEK, campaign="other"))[KINNOCK.member_id].status == "engaged"


def test_filters_by_party_and_status(engine, config):
    store(engine, config, [post(at(17), "500", "Yes #InvestInPupilServices", 1, tags=TAG),
                           mention(post(at(18), "101", "Ask #InvestInPupilServices", 2, tags=TAG), "KirstySNP", "600")],
          [mp_user("500", "skinnock"), MEMBER])
    engaged = metrics.mp_table(engine, WEEK, status="engaged")
    assert [r.member_id for r in engaged] == [KINNOCK.member_id]
    assert [r.member_id for r in metrics.mp_table(engine, WEEK, status="mentioned")] == [BLACKMAN.member_id]
    labour = metrics.mp_table(engine, WEEK, party="Labour")
    assert len(labour) == 360 and KINNOCK.member_id in {r.member_id for r in labour}
    assert len(metrics.mp_table(engine, WEEK, status="not reached")) == 648
    snp_wales = metrics.mp_table(engine, replace(WEEK, region="Wales"), party="Scottish National Party")
    assert snp_wales == []
    assert metrics.mp_parties(engine)[0] == "Labour"


def test_incremental_detection_equals_a_rebuild_from_the_stored_posts(engine, config):
    store(engine, config, [post(at(16), "500", "Hello #InvestInPupilServices", 1, tags=TAG)],
          [mp_user("500", "skinnock")])
    store(engine, config, [mention(mention(post(at(17), "101", "Both #InvestInPupilServices", 2, tags=TAG),
                                           "skinnock", "500"), "kirstysnp", None),
                           post(at(18), "600", "Quote", 3,
                                refs=[{"type": "quoted", "id": pages.snowflake(at(16), 1)}])],
          [MEMBER, mp_user("600", "KirstySNP")])
    kept = detections(engine)
    assert len(kept) == 5
    with transaction(engine) as s:
        rebuild_all(s)
    assert detections(engine) == kept


def test_the_week_counts_engaged_and_new_mps_per_region(engine, config):
    store(engine, config, [post(at(10), "500", "Early #InvestInPupilServices", 1, tags=TAG),
                           post(at(17), "500", "Again #InvestInPupilServices", 2, tags=TAG),
                           post(at(18), "600", "First time #InvestInPupilServices", 3, tags=TAG)],
          [mp_user("500", "skinnock"), mp_user("600", "KirstySNP")])
    week = metrics.mp_week(engine, WEEK)
    regions = {r.region: r for r in week.regions}
    assert (regions["Wales"].total, regions["Wales"].engaged, regions["Wales"].new) == (32, 1, 0)
    assert (regions["Scotland"].engaged, regions["Scotland"].new) == (1, 1)
    assert (week.total_engaged, week.total_new) == (2, 1)
    assert {(r.member_id, r.new) for r in week.engaged} == {(KINNOCK.member_id, False), (BLACKMAN.member_id, True)}


def test_mp_posts_with_campaign_terms_since_a_time_for_alerts(engine, config):
    store(engine, config, [post(at(17), "500", "Backing #InvestInPupilServices", 1, tags=TAG),
                           post(at(17, 11), "500", "No term here", 2)], [mp_user("500", "skinnock")])
    found = metrics.mp_posts_with_campaign_terms_since(engine, C, NOW - timedelta(minutes=1))
    assert [(f.member_id, f.terms, f.region) for f in found] == [(KINNOCK.member_id, ("#InvestInPupilServices",),
                                                                 "Wales")]
    assert found[0].url.startswith("https://x.com/skinnock/status/")
    assert metrics.mp_posts_with_campaign_terms_since(engine, C, NOW + timedelta(seconds=1)) == []


def test_a_post_deleted_on_x_stops_counting_for_the_mp(engine, config):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    clock = SimClock(now - timedelta(hours=5))
    campaign = Campaign(C, "IPFS", ("InvestInPupilServices",), ("NAHTnews",))
    cfg = replace(config, campaigns=(campaign,), metrics_refresh=MetricsRefresh(schedule_hours=(1, 24),
                                                                               window_minutes=0, selective=False))
    with FakeX(seed=2, start=now - timedelta(days=1), days=1, posts_per_day=20, bearer_token=TOKEN,
               clock=clock) as fake:
        mine = fake.add_post("Visiting a school today #InvestInPupilServices", {"id": "500", "username": "skinnock"},
                             at=clock() - timedelta(minutes=30))
        source = XSource(TOKEN, fake.base_url, timeout=2.0)
        Collector(engine, cfg, source, clock=clock).collect_campaign(campaign)
        today = Filters(C, (now - timedelta(days=2)).date(), (now + timedelta(days=1)).date())
        assert table(engine, today)[KINNOCK.member_id].status == "engaged"
        fake.delete_post(mine)
        clock.advance(timedelta(hours=2))
        refresh_metrics(engine, cfg, source, clock=clock)
    assert table(engine, today)[KINNOCK.member_id].status == "not reached"
    assert all(p != mine for p, _, _ in detections(engine))
    with transaction(engine) as s:
        rebuild_all(s)
    assert all(p != mine for p, _, _ in detections(engine))
