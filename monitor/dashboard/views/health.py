"""Collector health: is collection running, keeping up, within budget?"""
import pandas as pd
import streamlit as st

from monitor import metrics
from monitor.dashboard import data, mps_ui, ui
from monitor.dashboard.privacy import privacy_section
from monitor.networks import label as network_label

LIVE_SECONDS = 60


def states_table(states, titles) -> None:
    ui.table(pd.DataFrame({
        "Campaign": [titles[s.campaign] for s in states],
        "Last run": [ui.utc_text(s.last_started) for s in states],
        "Last status": [s.last_status or "never run" for s in states],
        "Last success": [ui.utc_text(s.last_success) for s in states],
        "Next run due": [ui.utc_text(s.next_due) for s in states],
        "Polls every": [minutes_text(s.interval_minutes) for s in states],
        "State": [s.condition for s in states],
    }), "states_table")
    for s in states:
        if s.last_error and s.failing:
            st.caption(f"Last error of {titles[s.campaign]}:")
            st.code(s.last_error, language=None)  # an API message: shown as plain text


def sources_table(states, titles) -> None:
    """Each network a campaign collects, on its own row: its last run, and the last day's runs and rate limits."""
    hours = metrics.SOURCE_WINDOW.total_seconds() / 3600
    st.subheader("Sources", help=f"Each network's search runs; counts cover the last {hours:g} hours.")
    ui.table(pd.DataFrame({
        "Campaign": [titles[s.campaign] for s in states],
        "Network": [network_label(s.network) for s in states],
        "State": [s.condition for s in states],
        "Last run": [ui.utc_text(s.last_started) for s in states],
        "Last status": [s.last_status or "never run" for s in states],
        "Last success": [ui.utc_text(s.last_success) for s in states],
        f"Runs ({hours:g} h)": [s.runs for s in states], "Requests": [s.requests for s in states],
        "New posts": [s.posts_new for s in states], "Errors": [s.errors for s in states],
        "Rate-limit waits": [s.rate_limit_waits for s in states],
        "Waited (s)": [round(s.rate_limit_wait_seconds) for s in states],
        "Last rate limit": [s.last_rate_limit_detail or "" for s in states],
    }), "sources_table")
    for s in states:
        if s.last_error and s.condition == "failing":
            st.caption(f"Last error of {titles[s.campaign]} on {network_label(s.network)}:")
            st.code(s.last_error, language=None)  # an API message: shown as plain text


def usage(cfg) -> None:
    u = data.api_usage()
    spent = data.spend()
    st.subheader(f"X API use since {u.month_start:%d %b %Y} (UTC month)")
    cols = ui.card_columns(5)
    cols[0].metric("Requests", f"{u.requests:,}", border=True)
    cols[1].metric("Posts read", f"{u.posts_read:,}", border=True)
    cols[2].metric("Users read", f"{u.users_read:,}", border=True)
    cols[3].metric("Rate-limit waits", f"{u.rate_limit_waits:,}", border=True)
    cols[4].metric("Billed this month", f"${spent.usd:,.2f}", border=True,
                   help=f"Against a monthly budget of ${spent.budget_usd:,.0f}")
    spend_section(spent)


def spend_section(spent) -> None:
    """The month's bill as X adds it up, where it goes, where it is heading, and the cap."""
    cols = ui.card_columns(3)
    cols[0].metric("Projected month end", f"${spent.projected_usd:,.2f}", border=True,
                   help="This month's spend so far, and the same daily rate until the UTC month ends.")
    left = spent.days_left
    month_days = (spent.month_end - spent.now).total_seconds() / 86400
    cols[1].metric("Days left before the budget", "no spend yet" if left is None
                   else "beyond this month" if left >= month_days else f"{left:,.1f}", border=True)
    cols[2].metric("Budget", f"${spent.budget_usd:,.0f}", border=True)
    if spent.share is not None:
        st.progress(min(1.0, spent.share), text=budget_text(spent.share, spent.budget_usd))
    if spent.state == "capped":
        st.error("This month's X API spend has reached the budget: collection and the metrics refresh are paused "
                 f"until {spent.month_end:%d %b %Y} 00:00 UTC, or until [x_api] monthly_budget_usd is raised.")
    elif spent.state == "warning":
        st.warning(f"This month's X API spend is over {spent.warning_share:.0%} of the budget: the metrics refresh "
                   "reads only the last step of its schedule.")
    if spent.rows:
        ui.table(pd.DataFrame({
            "Read by": [r.via for r in spent.rows], "Resource": [f"{r.resource}s" for r in spent.rows],
            "Billed reads": [r.reads for r in spent.rows], "Dollars": [round(r.usd, 2) for r in spent.rows]}),
            "spend_table")
    st.caption(f"Billed as X bills: each post (${metrics.PRICE_PER_POST_READ:.3f}) and user "
               f"(${metrics.PRICE_PER_USER_READ:.3f}) a response returns, {metrics.BILLING_RULE} (prices and budget: "
               "[x_api] in config.toml).")


def alerts_table() -> None:
    st.subheader("Alerts")
    found = data.recent_alerts(50)
    if not found:
        st.info("No alert so far.")
        return
    ui.table(pd.DataFrame({
        "When": [ui.utc_text(a.occurred_at) for a in found], "Rule": [a.rule for a in found],
        "Alert": [a.title for a in found], "Channel": [a.channel or "(no channel set)" for a in found],
        "Status": [a.status or "recorded" for a in found], "Detail": [a.detail for a in found],
    }), "alerts_table")


def budget_text(used: float, budget_usd: float) -> str:
    # Far over budget, "61728%" is hard to read; "617 times" is not.
    share = f"{used:.0%} of" if used < 10 else f"{used:,.0f} times"
    return f"{share} the monthly budget of ${budget_usd:,.0f}"


def runs_table(campaign: str) -> None:
    runs = data.recent_runs(campaign, 30)
    if not runs:
        st.info("No runs recorded yet for this campaign.")
        return
    ui.table(pd.DataFrame({
        "Run": [r.id for r in runs], "Network": [network_label(r.network) for r in runs],
        "Kind": [r.kind for r in runs], "Status": [r.status for r in runs],
        "Started": [ui.utc_text(r.started_at) for r in runs],
        "Took (s)": pd.array([round((r.ended_at - r.started_at).total_seconds()) if r.ended_at else None
                              for r in runs], dtype="Int64"),  # a run still going has no time yet
        "Requests": [r.requests for r in runs], "Posts read": [r.posts_read for r in runs],
        "New posts": [r.posts_new for r in runs], "Rate-limit waits": [r.rate_limit_waits for r in runs],
        "Waited (s)": [round(r.rate_limit_wait_seconds) for r in runs], "Errors": [r.errors for r in runs],
        "Error": [r.error or "" for r in runs],
    }), "runs_table", plain=("Run",))


def minutes_text(minutes: float) -> str:
    return "1 minute" if minutes == 1 else f"{minutes:g} minutes"


@st.fragment(run_every=LIVE_SECONDS)
def health() -> None:
    cfg = data.config()
    titles = {c.name: c.title for c in cfg.campaigns}
    states = data.collection_states()
    filters = st.session_state["filters"]
    state = next((s for s in states if s.campaign == filters.campaign), None)
    interval = state.interval_minutes if state else cfg.interval_minutes
    source = "as its last run recorded" if state and state.interval_recorded else \
        "as configured: no run has recorded its interval yet"
    stale = metrics.stale_limit(interval).total_seconds() / 60
    st.caption(f"The collector polls {titles[filters.campaign]} every {minutes_text(interval)} ({source}); "
               f"collection is stale after {minutes_text(stale)} without a successful run. "
               "This page refreshes every minute.")
    states_table(states, titles)
    sources_table(data.source_states(), titles)
    usage(cfg)
    alerts_table()
    mps_ui.watch_usage_section()
    st.subheader(f"Recent runs: {titles[filters.campaign]}")
    runs_table(filters.campaign)
    gaps_table(filters)


def gaps_table(filters) -> None:
    st.subheader(f"Collection gaps and failed runs, {ui.period_label(filters.from_date, filters.to_date)}")
    gaps = data.collection_gaps(filters)
    if not gaps:
        st.success(f"No gaps: a successful run at least every {metrics.STALE_AFTER_INTERVALS} intervals, "
                   "and no failed run.", icon=":material/check_circle:")
        return
    ui.table(pd.DataFrame({"From": [ui.utc_text(g.start) for g in gaps], "To": [ui.utc_text(g.end) for g in gaps],
                           "What": [g.reason for g in gaps], "Detail": [g.detail for g in gaps]}), "gaps_table")


st.title("Collector health")
health()
privacy_section()
