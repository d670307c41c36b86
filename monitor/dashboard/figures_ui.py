"""The period's figures at the top of the overview and region pages: the KPI cards with their change, the split
by network, and the timeline (posts and potential reach, collection gaps and campaign actions marked); together
the live figures, which refresh themselves every minute."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Sequence

import pandas as pd
import streamlit as st

from monitor import brand, metrics
from monitor.dashboard import actions_ui, data, markup, mps_ui
from monitor.dashboard.posts_ui import impressions_text
from monitor.dashboard.ui import card_columns, html, period_label, table
from monitor.metrics import Filters, Kpis, KpisWithChange
from monitor.networks import NETWORK_KEYS, NOT_GIVEN, gives_impressions
from monitor.networks import label as network_label
from monitor.timeutil import UK, uk_today

LIVE_SECONDS = 60
KPI_CARDS = (  # (field, label, definition key)
    ("posts", "Posts", "posts"),
    ("contributors", "Contributors", "contributors"),
    ("potential_reach", "Potential reach", "potential_reach"),
    ("impressions", "Impressions", "impressions"),
    ("engagements", "Engagements", "engagements"),
)


# --- the live figures (overview and region pages) ---------------------------------------------

def naht_part(filters: Filters) -> Kpis | None:
    """NAHT's own accounts' share of the figures, when the page counts every author."""
    if filters.audience.key != metrics.ALL:
        return None
    return data.kpis(replace(filters, audience=filters.audience.only(metrics.NAHT)))


@st.fragment(run_every=LIVE_SECONDS)
def live_figures(filters: Filters, key: str) -> None:
    """KPIs and timeline refresh themselves every minute (the cache TTL keeps queries rare)."""
    kpi_cards(data.kpis_with_change(filters), naht_part(filters))
    mps_ui.contributors_caption(filters)
    timeline_chart(filters, key=key, marks=actions_ui.timeline_marks(filters))
    network_split(filters)


# --- KPI cards -------------------------------------------------------------------------------

def _delta(result: KpisWithChange, field: str) -> tuple[str | None, str]:
    """(the change as shown, its colour mode): none when the periods cannot be compared, grey when flat."""
    change = result.change(field)
    if change is None:
        return None, "normal"
    return f"{change:+.0%}", "off" if abs(change) < 0.005 else "normal"


def _own_share(field: str, now: Kpis, naht: Kpis | None) -> str | None:
    if naht is None or not naht.posts or not getattr(now, field):
        return None
    part = getattr(naht, field)
    return f"NAHT's own accounts: {part:,} ({part / getattr(now, field):.0%})"


def kpi_cards(result: KpisWithChange, naht: Kpis | None = None) -> None:
    """The period's figures with their change against the previous period, when the two can be compared;
    with `naht` (NAHT's own accounts' part of the same figures), how much of each is NAHT's own."""
    now, before = result.current, result.previous_filters
    why_not = result.why_not_compared(uk_today())
    columns = card_columns(len(KPI_CARDS) + 1)
    for column, (field, label, key) in zip(columns, KPI_CARDS):
        if field == "impressions" and not gives_impressions(before.network):
            column.metric(label, NOT_GIVEN, border=True, help=metrics.DEFINITIONS_BY_KEY[key].text)
            continue
        delta, colour = _delta(result, field) if why_not is None else (None, "normal")
        column.metric(label, f"{getattr(now, field):,}", delta, delta_color=colour, border=True,
                      help=metrics.DEFINITIONS_BY_KEY[key].text)
        own = _own_share(field, now, naht)
        if own:
            column.caption(own)
    share_delta, colour = None, "inverse"
    if why_not is None and result.previous.posts:
        points = round((now.unknown_share - result.previous.unknown_share) * 100)
        share_delta, colour = (f"{points:+d} pts", "inverse") if points else (None, "off")
    columns[-1].metric("Unknown share", f"{now.unknown_share:.0%}", share_delta, delta_color=colour, border=True,
                       help=metrics.DEFINITIONS_BY_KEY["unknown_share"].text)
    versus = f"vs {period_label(before.from_date, before.to_date)} ({result.previous.posts:,} posts)"
    st.caption(f"Posts: {now.originals:,} original, {now.replies:,} replies, {now.quotes:,} quotes. "
               + (f"Changes are {versus}." if why_not is None else f"No changes shown: {why_not}"))


# --- the split by network (every network's figures side by side) ------------------------------

def network_split(filters: Filters) -> None:
    """Each network's KPIs and posts per day, when the filter shows every network."""
    if filters.network:
        return
    by_network = data.kpis_by_network(filters)
    st.subheader("By network", help="Each network's figures in the period; together they make the figures above.")
    frame = pd.DataFrame({
        "Network": [network_label(n) for n in by_network],
        "Posts": [k.posts for k in by_network.values()],
        "Contributors": [k.contributors for k in by_network.values()],
        "Potential reach": [k.potential_reach for k in by_network.values()],
        "Impressions": [markup.number(impressions_text(k.impressions if gives_impressions(n) else None))
                        for n, k in by_network.items()],   # a column of counts and texts: drawn as text
        "Engagements": [k.engagements for k in by_network.values()],
    })
    table(frame, "by_network")
    st.caption("Contributors are counted on each network: one person posting on two networks is two contributors.")
    points = data.timeline_by_network(filters)
    per_day: dict = {}
    for p in points:
        per_day.setdefault(p.day, dict.fromkeys(NETWORK_KEYS, 0))[p.network] = p.posts
    with st.expander(f"Posts per UK day by network ({len(per_day):,} days)"):
        table(pd.DataFrame({"Day (UK)": [f"{day:%a %d %b %Y}" for day in per_day],
                            **{network_label(n): [counts[n] for counts in per_day.values()] for n in NETWORK_KEYS}}),
              "by_network_days")


# --- timeline --------------------------------------------------------------------------------

def _uk_naive(moment: datetime) -> datetime:
    return moment.astimezone(UK).replace(tzinfo=None)


def timeline_frame(points, by: str) -> pd.DataFrame:
    """The timeline's figures as a table (what the chart draws)."""
    label = "%a %d %b %Y %H:00" if by == "hour" else "%a %d %b %Y"
    return pd.DataFrame({"UK " + by: [p.start.strftime(label) for p in points],
                         "Posts": [p.posts for p in points],
                         "Potential reach": [p.potential_reach for p in points]})


def timeline_chart(filters: Filters, key: str, marks: Sequence[markup.Mark] = ()) -> None:
    if filters.days <= metrics.HOURLY_MAX_DAYS:
        default = "Hour" if filters.days <= 2 else "Day"
        by = st.segmented_control("Timeline by", ["Day", "Hour"], default=default, key=f"{key}_by") or default
    else:
        by = "Day"
        st.caption(f"Timeline by day: by hour is offered for periods of up to {metrics.HOURLY_MAX_DAYS} days "
                   f"({filters.days * 24:,} hourly bars would not be readable).")
    hourly = by == "Hour"
    points = data.timeline(filters, by=by.lower())
    if not any(p.posts for p in points):
        st.info("No posts in this period: nothing to draw on the timeline.", icon=":material/info:")
        return
    gaps = data.collection_gaps(filters)
    label = "%a %d %b %H:00" if hourly else "%a %d %b"
    bars = [markup.Bar(p.start, p.start.strftime(label), p.posts, p.potential_reach) for p in points]
    bands = [markup.Band(_uk_naive(g.start), _uk_naive(g.end), f"{g.reason}: {g.detail}") for g in gaps]
    start = markup.day_start(filters.from_date)
    end = markup.day_start(filters.to_date + timedelta(days=1))
    name = (f"Timeline of posts and potential reach by UK {by.lower()}, "
            f"{period_label(filters.from_date, filters.to_date)}; the figures are in the table below it")
    key_items = [(brand.NAVY, "Posts (left axis)"), (brand.REACH, "Potential reach (right axis)")]
    if gaps:
        key_items.append(("rgba(179, 38, 30, 0.35)", f"{len(gaps)} collection gap(s) or failed run(s)"))
    if marks:
        key_items.append((brand.ACTION, f"{len(marks)} campaign action(s): point at a mark to read it"))
    html(markup.timeline(bars, bands, start, end, hourly, name, marks) + markup.chart_key(key_items))
    note = f"Potential reach counts each author once per {by.lower()}."
    if gaps:
        note += " In a red band figures may be incomplete: the collector had no successful run, or a run failed."
    st.caption(note)
    with st.expander(f"The timeline's figures as a table ({len(points):,} {by.lower()}s)"):
        table(timeline_frame(points, by.lower()), key=f"{key}_timeline_table")
