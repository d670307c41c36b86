"""The other tables of config.toml, one reader each: [metrics_refresh], [regions], [x_api]'s budget, prices
and mentions timeline, [dashboard]'s access lists, [privacy], [mp_watch], [alerts] and [actions]."""
from __future__ import annotations

import logging

from monitor.alerts.settings import DEFAULT_MAX_PER_HOUR, DEFAULT_QUIET_HOURS, RULE_DEFAULTS, WEBHOOK_KINDS
from monitor.billing import DEFAULT_PRICES, Prices
from monitor.config.reader import (
    DOMAIN_RE,
    EMAIL_RE,
    ENV_NAME_RE,
    QUIET_HOURS_RE,
    TableReader,
    is_handle,
    non_negative,
    positive,
)
from monitor.config.shape import (
    DEFAULT_ACTION_KINDS,
    DEFAULT_BUDGET_USD,
    DEFAULT_EFFECT_DAYS,
    ActionSettings,
    Alerts,
    Campaign,
    MentionsTimeline,
    MetricsRefresh,
    MpWatch,
    Privacy,
    Webhook,
)
from monitor.regions import NATIONAL, REGIONS, KnownAccount, two_tier_counties

# The package's logger by name (not this module's), so its notices read "monitor.config" as they always have.
log = logging.getLogger("monitor.config")
WHOLE_AT_LEAST_ZERO = "a whole number >= 0"


def read_metrics_refresh(mr: TableReader) -> MetricsRefresh:
    schedule = mr.get("schedule_hours", list, list(MetricsRefresh.schedule_hours),
                      "a rising list of hours such as [1, 3, 8, 24]",
                      lambda v: all(isinstance(h, (int, float)) and h > 0 for h in v) and v == sorted(v))
    return MetricsRefresh(
        schedule_hours=tuple(float(h) for h in schedule),
        max_age_hours=mr.get("max_age_hours", float, MetricsRefresh.max_age_hours, "a positive number of hours",
                             positive),
        batch_size=mr.get("batch_size", int, MetricsRefresh.batch_size, "a whole number from 1 to 100",
                          lambda v: 1 <= v <= 100),
        window_minutes=mr.get("window_minutes", float, MetricsRefresh.window_minutes,
                              "a number of minutes from 0 to 1440", lambda v: 0 <= v <= 1440),
        selective=mr.flag("selective", MetricsRefresh.selective),
        promising_engagements=mr.get("promising_engagements", int, MetricsRefresh.promising_engagements,
                                     WHOLE_AT_LEAST_ZERO, non_negative),
        promising_impressions=mr.get("promising_impressions", int, MetricsRefresh.promising_impressions,
                                     WHOLE_AT_LEAST_ZERO, non_negative),
        promising_followers=mr.get("promising_followers", int, MetricsRefresh.promising_followers,
                                   WHOLE_AT_LEAST_ZERO, non_negative),
    )


def read_display_names(reg: TableReader) -> dict[str, str]:
    display = reg.get("display_names", dict, {}, "a table of region key = display name")
    for k, v in display.items():
        if k not in REGIONS or not isinstance(v, str):
            reg.fail(f"display_names.{k}", f"a display name for one of {', '.join(REGIONS)}")
    return dict(display)


def read_known_accounts(r: TableReader) -> tuple[KnownAccount, ...]:
    items = r.get("known_accounts", list, [], "a list of tables {username, region, branch}")
    out = []
    for _, kr in r.tables("known_accounts", items, "a table {username, region, branch}"):
        kr.unknown_keys({"username", "region", "branch"})
        user = kr.need("username", str, "an X handle", is_handle)
        # A national account (NAHT's own, for the whole country) is in no region: NATIONAL.
        allowed = ", ".join([*REGIONS, NATIONAL])
        region = kr.need("region", str, f"one of {allowed}", lambda v: v in REGIONS or v == NATIONAL)
        branch = kr.get("branch", str, None, "a local authority name")
        out.append(KnownAccount(user.lstrip("@"), region, branch))
    return tuple(out)


def read_district_branches(r: TableReader) -> tuple[str, ...]:
    counties = two_tier_counties()
    expected = f"two-tier counties whose branches follow their districts, from {', '.join(counties)}"
    items = r.get("district_branches", list, [], f"a list of {expected}")
    for i, item in enumerate(items):
        if item not in counties:
            r.fail_item("district_branches", i, f"one of {', '.join(counties)}, got {item!r}")
    return tuple(items)


def read_budget(file: str, api: TableReader, dash: TableReader) -> float:
    """[x_api] monthly_budget_usd; the old [dashboard] monthly_budget_usd is still read, with a notice."""
    expected = "a number of dollars >= 0"
    if "monthly_budget_usd" in api.table:
        return api.get("monthly_budget_usd", float, DEFAULT_BUDGET_USD, expected, non_negative)
    if "monthly_budget_usd" in dash.table:
        log.warning("%s: dashboard.monthly_budget_usd has moved to x_api.monthly_budget_usd (read from the old "
                    "place for now: move it)", file)
        return dash.get("monthly_budget_usd", float, DEFAULT_BUDGET_USD, expected, non_negative)
    return DEFAULT_BUDGET_USD


def read_prices(api: TableReader) -> Prices:
    def price(name: str, default: float) -> float:
        return api.get(name, float, default, "a price in dollars >= 0 such as 0.005", non_negative)

    return Prices(post_read=price("price_per_post_read", DEFAULT_PRICES.post_read),
                  user_read=price("price_per_user_read", DEFAULT_PRICES.user_read),
                  owned_read=price("price_per_owned_read", DEFAULT_PRICES.owned_read))


def read_mentions_timeline(api: TableReader, campaigns: tuple[Campaign, ...]) -> MentionsTimeline:
    mt = api.sub("mentions_timeline")
    mt.unknown_keys({"enabled", "username", "user_id"})
    enabled = mt.flag("enabled", False)
    username = mt.get("username", str, None, "an X handle such as 'NAHTnews'", is_handle)
    user_id = mt.get("user_id", str, None, "the account's X user id, digits such as '2244994945'",
                     lambda v: v.isdigit())
    if enabled:
        if not username:
            mt.fail("username", "the handle whose mentions the timeline reads (missing)")
        if not user_id:
            mt.fail("user_id", "the X user id of that account, digits in quotes (missing)")
        if not any(username.lstrip("@").lower() == m.lower() for c in campaigns for m in c.mentions):
            mt.fail("username", f"one of the campaigns' mentions, got {username!r}")
    return MentionsTimeline(enabled, username.lstrip("@") if username else None, user_id)


def read_allowed_emails(dash: TableReader) -> tuple[str, ...]:
    return tuple(e.lower() for e in dash.str_list("allowed_emails", EMAIL_RE,
                                                  "e-mail addresses such as 'name@naht.org.uk'", ""))


def read_allowed_domains(dash: TableReader) -> tuple[str, ...]:
    return tuple(d.lower() for d in dash.str_list("allowed_domains", DOMAIN_RE, "e-mail domains such as 'naht.org.uk'",
                                                  "@"))


def read_mp_watch(watch: TableReader) -> MpWatch:
    return MpWatch(enabled=watch.flag("enabled", MpWatch.enabled),
                   interval_minutes=watch.get("interval_minutes", float, MpWatch.interval_minutes,
                                              "a positive number of minutes", positive))


def read_privacy(priv: TableReader) -> Privacy:
    days = "a whole number of days >= 1"
    return Privacy(raw_json_days=priv.get("raw_json_days", int, Privacy.raw_json_days, days, positive),
                   author_inactive_days=priv.get("author_inactive_days", int, Privacy.author_inactive_days, days,
                                                 positive),
                   deletion_check_posts_per_day=priv.get(
                       "deletion_check_posts_per_day", int, Privacy.deletion_check_posts_per_day,
                       "a whole number of posts >= 0 (0 turns the check off)", non_negative),
                   deletion_check_after_days=priv.get("deletion_check_after_days", int,
                                                      Privacy.deletion_check_after_days, days, positive))


def read_alerts(root: TableReader) -> Alerts:
    al = root.sub("alerts")
    al.unknown_keys({"email", "email_to", "digest", "webhooks", "quiet_hours", "max_per_hour", "rules"})
    email_to = al.get("email_to", (list, str), [], "an address or a list of addresses")
    email_to = [email_to] if isinstance(email_to, str) else email_to
    if not all(isinstance(a, str) and "@" in a for a in email_to):
        al.fail("email_to", f"e-mail addresses such as 'comms@example.org', got {email_to!r}")
    quiet = al.get("quiet_hours", str, DEFAULT_QUIET_HOURS, "UK hours such as '22:00-07:00', or ''",
                   lambda v: v == "" or bool(QUIET_HOURS_RE.match(v)))
    hooks = _webhooks(al)
    return Alerts(email=al.flag("email", Alerts.email), email_to=tuple(email_to),
                  digest=al.flag("digest", Alerts.digest),
                  webhooks=hooks, quiet_hours=quiet,
                  max_per_hour=al.get("max_per_hour", int, DEFAULT_MAX_PER_HOUR, "a whole number >= 1",
                                      lambda v: v >= 1),
                  rules=_alert_rules(al.sub("rules")))


def _webhooks(al: TableReader) -> tuple[Webhook, ...]:
    hooks = []
    items = al.get("webhooks", list, [], "a list of [[alerts.webhooks]] tables")
    for i, w in al.tables("webhooks", items, "a table {name, kind, url_env}"):
        if "url" in w.table:
            w.fail("url", "no URL here (a webhook URL is a secret): name the environment variable that holds it "
                          "in url_env")
        w.unknown_keys({"name", "kind", "url_env"})
        kind = w.get("kind", str, None, f"one of {', '.join(WEBHOOK_KINDS)}", lambda v: v in WEBHOOK_KINDS)
        url_env = w.get("url_env", str, None, "an environment variable name such as MONITOR_ALERT_SLACK_URL",
                        lambda v: bool(ENV_NAME_RE.match(v)))
        if kind is None or url_env is None:
            w.fail("kind" if kind is None else "url_env", "a value (missing)")
        hooks.append(Webhook(w.get("name", str, f"{kind}-{i + 1}", "a name"), kind, url_env))
    if len({h.name for h in hooks}) != len(hooks):
        al.fail("webhooks", "webhooks with unique names")
    return tuple(hooks)


def _alert_rules(rules: TableReader) -> dict[str, dict]:
    rules.unknown_keys(set(RULE_DEFAULTS))
    out = {}
    for name, defaults in RULE_DEFAULTS.items():
        r = rules.sub(name)
        r.unknown_keys(set(defaults))
        out[name] = {key: r.flag(key, default) if isinstance(default, bool)
                     else r.get(key, float, float(default), "a number >= 0", non_negative)
                     for key, default in defaults.items()}
    return out


def read_actions(root: TableReader) -> ActionSettings:
    r = root.sub("actions")
    r.unknown_keys({"kinds", "effect_days"})
    kinds = r.get("kinds", list, list(DEFAULT_ACTION_KINDS), "a list of action kinds such as [\"MP roundtable\"]",
                  lambda v: len(v) > 0)
    seen: set[str] = set()
    for i, kind in enumerate(kinds):
        if not isinstance(kind, str) or not kind.strip() or len(kind.strip()) > 60:
            r.fail_item("kinds", i, f"a kind's name of 1 to 60 characters, got {kind!r}")
        if kind.strip().casefold() in seen:
            r.fail_item("kinds", i, f"each kind once, got {kind!r} twice")
        seen.add(kind.strip().casefold())
    days = r.get("effect_days", int, DEFAULT_EFFECT_DAYS, "a whole number of days from 1 to 60",
                 lambda v: 1 <= v <= 60)
    return ActionSettings(tuple(k.strip() for k in kinds), days)
