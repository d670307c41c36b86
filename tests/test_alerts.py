"""Alerts reach people: each rule fires once, by a real SMTP server and real webhook receivers on loopback;
dedup holds across a restart; quiet hours and the hourly limit hold; a failing receiver is retried with
backoff and recorded; `campaign-monitor alerts test` reaches every channel."""
from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from monitor.alerts.engine import run_alerts
from monitor.billing import SEARCH, Reads, record_reads
from monitor.config import parse_config
from monitor.db import make_engine, transaction
from monitor.models import Alert, AlertDelivery, HourSummary
from tests import pages
from tests.alert_receivers import SmtpInbox, WebhookReceiver
from tests.helpers import cli, cli_env
from tests.helpers_mps import mp
from tests.seed import CAMPAIGN, add_run, store_api_page

NOW = datetime(2026, 12, 8, 10, 40, tzinfo=timezone.utc)   # a Tuesday, 10:40 UK time (GMT)
HOOKS = {"slack": "TEST_ALERT_SLACK_URL", "teams": "TEST_ALERT_TEAMS_URL", "json": "TEST_ALERT_JSON_URL"}


def alert_config(smtp_port: int, **alerts):
    return parse_config({
        "campaigns": [{"name": CAMPAIGN, "title": "Invest in Pupil and Family Services", "hashtags": ["FundOurSchools"],
                       "mentions": ["NAHTnews"]}],
        "x_api": {"monthly_budget_usd": 10},
        "reports": {"smtp": {"host": "127.0.0.1", "port": smtp_port, "from": "monitor@naht.test",
                             "to": ["comms@naht.test"]}},
        "alerts": {"webhooks": [{"name": kind, "kind": kind, "url_env": env} for kind, env in HOOKS.items()],
                   **alerts},
    }, "config.toml")


@pytest.fixture
def receivers(monkeypatch):
    with SmtpInbox() as inbox, WebhookReceiver() as slack, WebhookReceiver() as teams, WebhookReceiver() as plain:
        for hook, receiver in zip(HOOKS.values(), (slack, teams, plain)):
            monkeypatch.setenv(hook, receiver.url)
        yield inbox, {"slack": slack, "teams": teams, "json": plain}


def spike_in_london(engine, now=NOW, usual=2, today=30):
    """London posted `usual` posts in this UK hour on each of the last 14 days, and `today` posts now."""
    with transaction(engine) as s:
        for back in range(15):
            day = now.date() - timedelta(days=back)
            s.add(HourSummary(campaign=CAMPAIGN, day=day, hour=now.hour, author_id=f"a{back}", region="London",
                              branch=None, posts=today if back == 0 else usual + back % 2, min_followers=10))


def bill(engine, dollars: float, at=NOW):
    """Record X billing this many dollars of posts read at `at` (posts never read before)."""
    with transaction(engine) as s:
        n = round(dollars / 0.005)
        record_reads(s, Reads(tuple(f"p{at:%H%M}-{i}" for i in range(n))), at, SEARCH, alert_config(1).prices)


def sent_titles(inbox, hooks) -> dict[str, list[str]]:
    return {"email": [s.removeprefix("[campaign-monitor] ") for s in inbox.subjects()],
            "slack": [b["text"].split("\n")[0].strip("*") for b in hooks["slack"].bodies],
            "teams": [b["attachments"][0]["content"]["body"][0]["text"] for b in hooks["teams"].bodies],
            "json": [b["title"] for b in hooks["json"].bodies]}


def test_each_rule_fires_once_on_every_channel_and_dedup_holds_across_a_restart(engine, receivers):
    inbox, hooks = receivers
    config = alert_config(inbox.port)
    spike_in_london(engine)
    add_run(engine, CAMPAIGN, NOW - timedelta(hours=3))                       # the last success
    add_run(engine, CAMPAIGN, NOW - timedelta(hours=2), "failed", error="X API server error (503)")
    bill(engine, 8.5)                                                          # 85% of $10
    run_alerts(engine, config, NOW)
    expected = {"Spike: 30 posts on Invest in Pupil and Family Services (London)",
                "Spike: 30 posts on Invest in Pupil and Family Services (all regions)",
                "Collection of Invest in Pupil and Family Services is failing",
                "X API spend at 85% of the monthly budget"}
    for channel, titles in sent_titles(inbox, hooks).items():
        assert sorted(titles) == sorted(expected), channel
    assert hooks["json"].bodies[0].keys() >= {"rule", "key", "severity", "title", "body", "occurred_at"}

    # a restart: a new engine on the same database, the same conditions, minutes later: nothing again
    engine.dispose()
    again = make_engine(str(engine.url.render_as_string(hide_password=False)))
    run_alerts(again, config, NOW + timedelta(minutes=5))
    assert all(len(t) == 4 for t in sent_titles(inbox, hooks).values())

    # collection recovers, and the budget is reached: each said once
    add_run(again, CAMPAIGN, NOW + timedelta(minutes=10))
    bill(again, 2.0, NOW + timedelta(minutes=10))
    for minutes in (15, 20):
        run_alerts(again, config, NOW + timedelta(minutes=minutes))
    new = set(sent_titles(inbox, hooks)["email"]) - expected
    assert new == {"X API budget reached: collection paused"}   # while paused, no collection alerts
    with transaction(again) as s:
        assert s.scalars(select(Alert.rule).where(Alert.key.like("budget-cap:%"))).all() == ["budget"]
    again.dispose()


def test_recovery_is_said_once_after_a_failure(engine, receivers):
    inbox, hooks = receivers
    config = alert_config(inbox.port)
    add_run(engine, CAMPAIGN, NOW - timedelta(hours=3))
    add_run(engine, CAMPAIGN, NOW - timedelta(minutes=90), "failed", error="boom")
    run_alerts(engine, config, NOW)
    add_run(engine, CAMPAIGN, NOW + timedelta(minutes=1))
    for minutes in (2, 7):
        run_alerts(engine, config, NOW + timedelta(minutes=minutes))
    assert sent_titles(inbox, hooks)["json"] == ["Collection of Invest in Pupil and Family Services is failing",
                                                 "Collection of Invest in Pupil and Family Services has recovered"]


def test_a_problem_shorter_than_the_rule_allows_is_not_an_alert(engine, receivers):
    inbox, hooks = receivers
    config = alert_config(inbox.port)
    add_run(engine, CAMPAIGN, NOW - timedelta(minutes=40))
    add_run(engine, CAMPAIGN, NOW - timedelta(minutes=20), "failed", error="boom")   # failing 20 min < 60
    spike_in_london(engine, today=8)   # above the usual hour, but under min_posts (10)
    run_alerts(engine, config, NOW)
    assert all(titles == [] for titles in sent_titles(inbox, hooks).values())


def test_quiet_hours_hold_deliveries_until_they_end(engine, receivers):
    inbox, hooks = receivers
    config = alert_config(inbox.port, quiet_hours="22:00-07:00")
    night = datetime(2026, 12, 8, 23, 30, tzinfo=timezone.utc)   # 23:30 UK time
    spike_in_london(engine, night)
    run_alerts(engine, config, night)
    assert inbox.messages == [] and hooks["slack"].bodies == []
    with transaction(engine) as s:
        waiting = s.scalars(select(AlertDelivery)).all()
    assert waiting and {d.status for d in waiting} == {"pending"}
    assert {d.next_attempt_at for d in waiting} == {datetime(2026, 12, 9, 7, 0, tzinfo=timezone.utc)}
    assert all("quiet hours" in d.note for d in waiting)
    run_alerts(engine, config, datetime(2026, 12, 9, 6, 55, tzinfo=timezone.utc))
    assert inbox.messages == []
    run_alerts(engine, config, datetime(2026, 12, 9, 7, 0, tzinfo=timezone.utc))
    assert len(inbox.messages) == 2 and len(hooks["teams"].bodies) == 2   # London and all regions, once each


def test_the_hourly_limit_holds(engine, receivers):
    inbox, hooks = receivers
    config = alert_config(inbox.port, max_per_hour=1)
    spike_in_london(engine)   # two alerts: London and all regions
    run_alerts(engine, config, NOW)
    assert len(inbox.messages) == 1 and len(hooks["json"].bodies) == 1
    run_alerts(engine, config, NOW + timedelta(minutes=30))
    assert len(inbox.messages) == 1
    with transaction(engine) as s:
        notes = {d.note for d in s.scalars(select(AlertDelivery).where(AlertDelivery.status == "pending"))}
    assert notes == {"waiting: hourly limit (1 an hour)"}
    run_alerts(engine, config, NOW + timedelta(minutes=61))
    assert len(inbox.messages) == 2 and len(hooks["json"].bodies) == 2


def test_a_failing_receiver_is_retried_with_backoff_and_recorded(engine, receivers, monkeypatch):
    inbox, hooks = receivers
    config = alert_config(inbox.port)
    hooks["slack"].fail_next = 2
    hooks["teams"].fail_always = True
    monkeypatch.setenv(HOOKS["json"], "http://127.0.0.1:9/nothing-listens-here")
    spike_in_london(engine, usual=0, today=12)
    run_alerts(engine, config, NOW)   # never raises: a receiver that is down is recorded, not fatal
    assert len(inbox.messages) == 2 and hooks["slack"].bodies == []

    def deliveries(channel):
        with transaction(engine) as s:
            return s.scalars(select(AlertDelivery).where(AlertDelivery.channel == channel)
                             .order_by(AlertDelivery.id)).all()

    [first, _] = deliveries("webhook:slack")
    assert (first.status, first.attempts, first.next_attempt_at) == ("pending", 1, NOW + timedelta(minutes=1))
    assert "500" in first.last_error and "receiver down" in first.last_error
    run_alerts(engine, config, NOW + timedelta(seconds=30))   # not yet due: no attempt
    assert hooks["slack"].attempts == 2   # the first attempt of each of the two alerts
    for minutes in (1, 3, 7, 15, 31, 63):
        run_alerts(engine, config, NOW + timedelta(minutes=minutes))
    assert [d.status for d in deliveries("webhook:slack")] == ["sent", "sent"]
    assert len(hooks["slack"].bodies) == 2
    teams = deliveries("webhook:teams")
    assert {(d.status, d.attempts) for d in teams} == {("failed", 6)}
    assert all("answered 500" in d.last_error for d in teams)
    assert {d.status for d in deliveries("webhook:json")} == {"failed"}
    assert all("ConnectionError" in d.last_error for d in deliveries("webhook:json"))


def test_alerts_test_command_reaches_every_channel(tmp_path, engine, receivers, monkeypatch):
    inbox, hooks = receivers
    url = engine.url.render_as_string(hide_password=False)
    config = tmp_path / "config.toml"
    config.write_text(f"""
[database]
url = "{url}"
[reports]
smtp = {{ host = "127.0.0.1", port = {inbox.port}, from = "monitor@naht.test", to = "comms@naht.test" }}
[[alerts.webhooks]]
name = "comms"
kind = "slack"
url_env = "{HOOKS['slack']}"
[[alerts.webhooks]]
name = "missing"
kind = "json"
url_env = "TEST_ALERT_UNSET_URL"
[[campaigns]]
name = "{CAMPAIGN}"
hashtags = ["FundOurSchools"]
""")
    env = dict(cli_env(), **{HOOKS["slack"]: hooks["slack"].url})
    done = subprocess.run(cli(str(config), "alerts", "test"), capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "email: sent" in done.stdout and "webhook:comms: sent" in done.stdout
    assert "webhook:missing: FAILED: the environment variable TEST_ALERT_UNSET_URL" in done.stdout
    assert inbox.subjects() == ["[campaign-monitor] Test alert from campaign-monitor"]
    assert hooks["slack"].bodies[0]["text"].startswith("*Test alert from campaign-monitor*")
    with transaction(engine) as s:
        assert s.scalars(select(Alert.rule)).all() == ["test"]


def test_a_webhook_url_in_the_config_file_is_refused():
    from monitor.config import ConfigError

    with pytest.raises(ConfigError, match=r"alerts.webhooks\[0\].url: expected no URL here"):
        parse_config({"campaigns": [{"name": "c", "hashtags": ["A"]}],
                      "alerts": {"webhooks": [{"kind": "slack", "url": "https://hooks.slack.com/x"}]}}, "c.toml")


def test_spike_needs_the_same_hour_of_the_previous_days(engine):
    from monitor.alerts.rules import hour_counts

    spike_in_london(engine)
    counts = {c.scope: c for c in hour_counts(engine, CAMPAIGN, NOW.date(), NOW.hour, 14)}
    london = counts["London"]
    history = [2 + back % 2 for back in range(1, 15)]
    assert london.count == 30 and london.mean == pytest.approx(sum(history) / 14)
    assert counts[None].count == 30 and date(2026, 12, 8) == NOW.date()


def test_daily_digest_is_emailed_once_with_yesterday_against_the_day_before(engine, config, receivers):
    from monitor import metrics
    from monitor.alerts.digest import send_digest
    from tests.seed import seed_small, small_config

    inbox, hooks = receivers
    seed_small(engine, config)
    cfg = replace(small_config(config), smtp=alert_config(inbox.port).smtp)
    at_eight = datetime(2026, 11, 19, 8, 0, tzinfo=timezone.utc)
    assert send_digest(engine, cfg, at_eight)
    assert not send_digest(engine, cfg, at_eight + timedelta(minutes=5))   # once a day, across restarts too
    [mail] = inbox.messages
    assert mail["Subject"] == "[campaign-monitor] Daily digest for Wed 18 Nov 2026"
    body = mail.get_content()
    day = metrics.kpis_with_change(engine, metrics.Filters(CAMPAIGN, date(2026, 11, 18), date(2026, 11, 18)))
    assert f"Posts: {day.current.posts:,} (none the day before)" in body and day.current.posts == 2
    assert f"Engagements: {day.current.engagements:,}" in body
    assert body.index("@bob: 20 engagements") < body.index("@alice")   # top posts, most engaging first
    assert hooks["slack"].bodies == []   # by e-mail only


def test_an_mp_posting_with_a_campaign_term_is_said_once_and_a_member_posting_is_not(engine, receivers):
    inbox, hooks = receivers
    cfg = alert_config(inbox.port)
    mp_row = mp("skinnock")
    users = [pages.user("700", mp_row.x_username), pages.user("701", "headteacher_amy", location="Cardiff")]
    posts = [pages.post(NOW - timedelta(minutes=30), "700", "Met heads today #FundOurSchools", seq=1,
                        tags=["FundOurSchools"]),
             pages.post(NOW - timedelta(minutes=20), "701", "Our letter to the MP #FundOurSchools", seq=2,
                        tags=["FundOurSchools"])]
    store_api_page(engine, cfg, pages.page(posts, users), NOW - timedelta(minutes=10), CAMPAIGN, cfg.campaigns[0].terms)
    for minutes in (0, 5):   # a later pass sends nothing again
        run_alerts(engine, cfg, NOW + timedelta(minutes=minutes))
    title = f"{mp_row.name} MP ({mp_row.party}, {mp_row.constituency}) posted with #FundOurSchools"
    for channel, titles in sent_titles(inbox, hooks).items():
        assert titles == [title], channel
    assert f"x.com/{mp_row.x_username}/status/" in hooks["json"].bodies[0]["body"]
