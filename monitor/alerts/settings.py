"""The alert rules' settings and their defaults: one place, read by monitor.config (to check config.toml) and by
the rules (monitor.alerts.rules). Plain data: no imports, so monitor.config can read it.

Each rule's table in config.toml, `[alerts.rules.NAME]`, may set any of these keys; `enabled` is always
there. A rule added later adds its defaults here.
"""

RULE_DEFAULTS: dict[str, dict[str, float | bool]] = {
    # Posts in the last hour above mean + k standard deviations of the same hour on each of the previous
    # `days` days, and at least min_posts: for the campaign and for each region.
    "spike": {"enabled": True, "k": 3.0, "min_posts": 10, "days": 14},
    # Collection failing or stale for longer than after_minutes; and the recovery.
    "collection": {"enabled": True, "after_minutes": 60},
    # The month's X spend at the warning share of the budget, and at the budget (collection paused).
    "budget": {"enabled": True},
    # A sitting MP's post with a campaign term, stored in the last `hours` hours: each post once.
    "mp_posted": {"enabled": True, "hours": 24},
}

SEVERITIES = ("info", "warning", "error")
WEBHOOK_KINDS = ("slack", "teams", "json")
DEFAULT_MAX_PER_HOUR = 10
DEFAULT_QUIET_HOURS = ""          # "22:00-07:00" UK time; empty: none
DELIVERY_ATTEMPTS = 6             # a failing channel is tried this many times...
FIRST_RETRY_SECONDS = 60          # ...after 1, 2, 4, 8, 16 minutes, then the delivery is marked failed
