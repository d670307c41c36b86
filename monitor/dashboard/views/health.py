"""Collector health: is collection running, keeping up, within budget?"""
import pandas as pd
import streamlit as st

from monitor import metrics
from monitor.dashboard import data, ui
from monitor.networks import label as network_label

LIVE_SECONDS = 60


def states_table(states, titles) -> None:
    st.dataframe(pd.DataFrame({
        "Campaign": [titles[s.campaign] for s in states],
        "Last run": [ui.utc_text(s.last_started) for s in states],
        "Last status": [s.last_status or "never run" for s in states],
        "Last success": [ui.utc_text(s.last_success) for s in states],
        "Next run due": [ui.utc_text(s.next_due) for s in states],
        "State": [s.condition for s in states],
    }), hide_index=True, key="states_table")
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
    st.subheader(f"X API use since {u.month_start:%d %b %Y} (UTC month)")
    cols = ui.card_columns(5)
    cols[0].metric("Requests", f"{u.requests:,}", border=True)
    cols[1].metric("Posts read", f"{u.posts_read:,}", border=True)
    cols[2].metric("Users read", f"{u.users_read:,}", border=True)
    cols[3].metric("Rate-limit waits", f"{u.rate_limit_waits:,}", border=True)
    cols[4].metric("Estimated cost", f"${u.estimated_cost_usd:,.2f}", border=True,
                   help=f"Against a monthly budget of ${u.budget_usd:,.0f}")
    if u.budget_used is not None:
        st.progress(min(1.0, u.budget_used), text=budget_text(u.budget_used, u.budget_usd))
        if u.budget_state == "over":
            st.error("The estimated cost is over this month's budget.")
        elif u.budget_state == "warning":
            st.warning(f"The estimated cost is over {metrics.BUDGET_WARNING_SHARE:.0%} of this month's budget.")
    st.caption(f"Posts read x ${metrics.PRICE_PER_POST_READ:.3f} + users read x ${metrics.PRICE_PER_USER_READ:.3f} "
               "(X pay-per-use). Re-reads within a UTC day are billed once, so this estimate errs high. "
               "Budget: [dashboard] monthly_budget_usd in config.toml.")


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


@st.fragment(run_every=LIVE_SECONDS)
def health() -> None:
    cfg = data.config()
    titles = {c.name: c.title for c in cfg.campaigns}
    stale_minutes = metrics.stale_limit(cfg.interval_minutes).total_seconds() / 60
    st.caption(f"Runs every {cfg.interval_minutes:g} minutes; stale after {stale_minutes:g} minutes "
               "without a successful run. Refreshes every minute.")
    states = data.collection_states()
    states_table(states, titles)
    sources_table(data.source_states(), titles)
    usage(cfg)
    filters = st.session_state["filters"]
    st.subheader(f"Recent runs: {titles[filters.campaign]}")
    runs_table(filters.campaign)
    gaps_table(filters)


def gaps_table(filters) -> None:
    st.subheader(f"Collection gaps and failed runs, {ui.period_label(filters.from_date, filters.to_date)}")
    gaps = data.collection_gaps(filters)
    if not gaps:
        st.success(f"No gaps: a successful run at least every {metrics.STALE_AFTER_INTERVALS} intervals, "
                   "and no failed run.")
        return
    st.dataframe(pd.DataFrame({"From": [ui.utc_text(g.start) for g in gaps], "To": [ui.utc_text(g.end) for g in gaps],
                               "What": [g.reason for g in gaps], "Detail": [g.detail for g in gaps]}),
                 hide_index=True, key="gaps_table")


st.title("Collector health")
health()
