"""The effect of a campaign action, against a hand count over posts stored through the real store path,
on SQLite and PostgreSQL: a region's change beside the other regions' over the same UK days."""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from monitor import metrics
from monitor.actions import ActionInput, add_action, remove_action
from monitor.config import Campaign
from monitor.metrics.actions import BEFORE_COLLECTION, MEASURED, NOT_OVER, TOO_FEW
from monitor.regions import NATIONAL, KnownAccount
from tests import pages
from tests.seed import store_api_page

CAMPAIGN = "ipfs"
TERMS = ("#InvestInPupilServices",)
TAG = ["InvestInPupilServices"]
YORKS, LONDON, NW = "Yorkshire and The Humber", "London", "North West"
# author: (id, region or None for Unknown, followers)
AUTHORS = {"leeds1": ("21", YORKS, 100), "leeds2": ("22", YORKS, 50), "leeds3": ("23", YORKS, 10),
           "lon1": ("31", LONDON, 1000), "lon2": ("32", LONDON, 200), "nw1": ("41", NW, 300),
           "NAHTnews": ("51", NATIONAL, 5000), "nobody": ("61", None, 70)}
TODAY = date(2026, 12, 1)


@pytest.fixture
def cfg(config):
    known = tuple(KnownAccount(name, region) for name, (_, region, _) in AUTHORS.items() if region)
    return replace(config, campaigns=(Campaign(CAMPAIGN, "IPFS", ("InvestInPupilServices",), ()),),
                   known_accounts=known)


class Posts:
    """Stores posts by name and UTC time, each with its own id."""

    def __init__(self, engine, cfg):
        self.engine, self.cfg, self.seq = engine, cfg, 0

    def add(self, name: str, moments, likes: int = 1):
        uid, _, followers = AUTHORS[name]
        posts = []
        for moment in moments:
            self.seq += 1
            posts.append(pages.post(moment, uid, f"post {self.seq} #InvestInPupilServices", seq=self.seq % 4000,
                                    tags=TAG, likes=likes))
        user = pages.user(uid, name, location="somewhere over the rainbow", followers=followers)
        store_api_page(self.engine, self.cfg, pages.page(posts, [user]), datetime(2026, 12, 1, 9, tzinfo=timezone.utc),
                       CAMPAIGN, TERMS)


def noon(day: int, n: int = 1, month: int = 11) -> list[datetime]:
    return [datetime(2026, month, day, 12, i, tzinfo=timezone.utc) for i in range(n)]


def days(first: int, last: int, per_day: int) -> list[datetime]:
    return [m for d in range(first, last + 1) for m in noon(d, per_day)]


@pytest.fixture
def november(engine, cfg):
    """The posts the hand counts below are made of (November: UK time is UTC; all at about noon)."""
    p = Posts(engine, cfg)
    p.add("leeds1", noon(12, 5))                              # collection's first day: before every window
    p.add("leeds1", days(13, 19, 3))                          # 21
    p.add("leeds1", days(20, 26, 4))                          # 28
    p.add("leeds2", days(20, 26, 1), likes=3)                 # 7
    p.add("leeds3", noon(27, 2))                              # 2
    p.add("lon1", days(13, 26, 2))                            # 28
    p.add("lon2", days(20, 26, 1))                            # 7
    p.add("nw1", noon(15))                                    # 1
    p.add("NAHTnews", days(13, 26, 1))                        # 14, in no region
    p.add("nobody", noon(21))                                 # 1, Unknown
    return engine


def record(engine, cfg, day, region, title="An action", kind="MP roundtable") -> int:
    return add_action(engine, cfg, CAMPAIGN, ActionInput(day=day, kind=kind, title=title, region=region), "tester")


def figures(posts, contributors, reach, engagements):
    return metrics.Figures(posts, contributors, reach, engagements)


def test_a_regions_change_beside_the_other_regions_over_the_same_days(november, cfg):
    a = record(november, cfg, date(2026, 11, 20), YORKS)
    e = metrics.action_effect(november, CAMPAIGN, a, days=7, today=TODAY)
    assert (e.before_from, e.before_to, e.after_to) == (date(2026, 11, 13), date(2026, 11, 19), date(2026, 11, 26))
    # Yorkshire, 13-19 Nov: leeds1's 21 posts (followers 100, 1 like each).
    assert e.area.before == figures(21, 1, 100, 21)
    # 20-26 Nov: leeds1's 28 (1 like) and leeds2's 7 (3 likes): 35 posts, 2 authors, 150 followers, 49.
    assert e.area.after == figures(35, 2, 150, 49)
    # Other regions: London's lon1 (14) and North West's nw1 (1) before; lon1 (14) and lon2 (7) after.
    # NAHT's national account and the Unknown post are in no region: not counted.
    assert e.rest.before == figures(15, 2, 1300, 15)
    assert e.rest.after == figures(21, 2, 1200, 21)
    assert e.status == MEASURED and e.reason == ""
    assert e.area.ratio("posts") == pytest.approx(35 / 21 - 1)
    assert e.effect("posts") == pytest.approx((35 / 21 - 1) - (21 / 15 - 1))
    assert e.effect("potential_reach") == pytest.approx((150 / 100 - 1) - (1200 / 1300 - 1))


def test_two_actions_in_one_region_within_a_week_each_have_their_own_windows(november, cfg):
    first = record(november, cfg, date(2026, 11, 20), YORKS, "Roundtable")
    second = record(november, cfg, date(2026, 11, 23), YORKS, "Letters")
    found = {e.action.id: e for e in metrics.effects(
        november, metrics.Filters(CAMPAIGN, date(2026, 11, 1), date(2026, 11, 30)), days=7, today=TODAY)}
    assert found[first].area.after == figures(35, 2, 150, 49)   # the same as alone
    e = found[second]
    # 16-22 Nov: leeds1 12 + 12 posts (1 like), leeds2 3 (3 likes).
    assert e.area.before == figures(27, 2, 150, 33)
    # 23-29 Nov: leeds1 16, leeds2 4 (3 likes), leeds3 2 on the 27th.
    assert e.area.after == figures(22, 3, 160, 30)
    # London: lon1 14 + lon2 3 before; lon1 8 + lon2 4 after (nw1's post on the 15th is outside).
    assert e.rest.before == figures(17, 2, 1200, 17)
    assert e.rest.after == figures(12, 2, 1200, 12)
    assert found[first].overlapping == (second,) and e.overlapping == (first,)
    assert [x.action.id for x in metrics.effects(
        november, metrics.Filters(CAMPAIGN, date(2026, 11, 1), date(2026, 11, 30), region=YORKS), days=7,
        today=TODAY)] == [second, first]


def test_a_national_action_measures_every_post_and_has_no_rest_to_compare(november, cfg):
    a = record(november, cfg, date(2026, 11, 20), None, kind="Media")
    e = metrics.action_effect(november, CAMPAIGN, a, days=7, today=TODAY)
    # 13-19: leeds1 21, lon1 14, nw1 1, NAHTnews 7 (followers 100 + 1000 + 300 + 5000).
    assert e.area.before == figures(43, 4, 6400, 43)
    # 20-26: leeds1 28, leeds2 7 (3 likes), lon1 14, lon2 7, NAHTnews 7, nobody 1.
    assert e.area.after == figures(64, 6, 6420, 78)
    assert e.rest is None
    assert e.effect("posts") == pytest.approx(64 / 43 - 1)


def test_near_the_start_of_collection_the_before_is_not_whole(november, cfg):
    a = record(november, cfg, date(2026, 11, 15), LONDON)
    e = metrics.action_effect(november, CAMPAIGN, a, days=7, today=TODAY)
    # Collection's first day is 12 Nov; the 7 days before start on the 8th.
    assert e.status == BEFORE_COLLECTION and e.effect("posts") is None
    assert "collection began" in e.reason
    # lon1 on the 13th-14th; 15th-21st: lon1 14 and lon2 2 (the 20th and 21st)
    assert e.area.before.posts == 4 and e.area.after == figures(16, 2, 1200, 16)


def test_too_few_posts_and_a_window_not_over(november, cfg):
    few = record(november, cfg, date(2026, 11, 20), NW)
    assert metrics.action_effect(november, CAMPAIGN, few, days=7, today=TODAY).status == TOO_FEW
    late = record(november, cfg, date(2026, 11, 26), YORKS)
    e = metrics.action_effect(november, CAMPAIGN, late, days=7, today=date(2026, 12, 2))
    assert e.status == NOT_OVER and e.effect("posts") is None
    assert "2 Dec 2026" in e.reason
    # The day after the window's last day, it is measured.
    assert metrics.action_effect(november, CAMPAIGN, late, days=7, today=date(2026, 12, 3)).status != NOT_OVER


def test_a_removed_action_has_no_effect_and_no_place_on_the_map(november, cfg):
    a = record(november, cfg, date(2026, 11, 20), YORKS)
    record(november, cfg, date(2026, 11, 21), YORKS)
    record(november, cfg, date(2026, 11, 21), None)
    period = metrics.Filters(CAMPAIGN, date(2026, 11, 1), date(2026, 11, 30))
    assert metrics.action_counts(november, period) == {YORKS: 2, None: 1}
    remove_action(november, a, "tester", "entered twice")
    assert metrics.action_counts(november, period) == {YORKS: 1, None: 1}
    assert metrics.action_effect(november, CAMPAIGN, a, today=TODAY) is None
    assert [v.change for v in metrics.action_history(november, a)] == ["added", "removed"]


def test_a_clock_change_week_counts_uk_days(engine, cfg):
    """Clocks go back at 02:00 BST on Sunday 25 Oct 2026: each post's UK day, not its UTC day, places it."""
    p = Posts(engine, cfg)
    utc = timezone.utc
    p.add("lon1", [datetime(2026, 10, 23, 22, 30, tzinfo=utc)])   # 23:30 BST Fri 23: outside (first day)
    p.add("lon1", [datetime(2026, 10, 23, 23, 30, tzinfo=utc),    # 00:30 BST Sat 24: before
                   datetime(2026, 10, 25, 0, 30, tzinfo=utc),     # 01:30 BST Sun 25: before
                   datetime(2026, 10, 25, 1, 30, tzinfo=utc),     # 01:30 GMT Sun 25 (the hour again): before
                   datetime(2026, 10, 25, 23, 30, tzinfo=utc)])   # 23:30 GMT Sun 25: before
    p.add("lon2", [datetime(2026, 10, 26, 0, 10, tzinfo=utc),     # 00:10 GMT Mon 26: after
                   datetime(2026, 10, 27, 23, 30, tzinfo=utc),    # 23:30 GMT Tue 27: after
                   datetime(2026, 10, 28, 0, 30, tzinfo=utc)])    # Wed 28: outside
    a = record(engine, cfg, date(2026, 10, 26), LONDON)
    e = metrics.action_effect(engine, CAMPAIGN, a, days=2, today=TODAY)
    assert (e.before_from, e.after_to) == (date(2026, 10, 24), date(2026, 10, 27))
    assert e.area.before == figures(4, 1, 1000, 4)
    assert e.area.after == figures(2, 1, 200, 2)
    assert e.status == TOO_FEW
    assert e.before_to + timedelta(days=1) == date(2026, 10, 26)
