"""Shared widgets: the period filter, KPI cards, the timeline, the region tile map and tables.

Post text, names, locations and bios are untrusted: they only reach the screen through
st.dataframe cells, st.text/st.code or chart text marks, which render plain text. Nothing here
passes them to st.markdown (markdown injection) or to any HTML.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import altair as alt
import pandas as pd
import streamlit as st

from monitor import metrics
from monitor.dashboard import data
from monitor.metrics import Filters, GroupRow, KpisWithChange
from monitor.networks import NETWORK_KEYS, NETWORKS, NOT_GIVEN, gives_impressions
from monitor.networks import label as network_label
from monitor.timeutil import UK, uk_today

DEFAULT_PRESET = "7 days"
KPI_CARDS = (  # (field, label, definition key)
    ("posts", "Posts", "posts"),
    ("contributors", "Contributors", "contributors"),
    ("potential_reach", "Potential reach", "potential_reach"),
    ("impressions", "Impressions", "impressions"),
    ("engagements", "Engagements", "engagements"),
)
# KPI cards, exact figures: six a row cut 7-digit ones off ("1,378…") at 1440 px; three a row show 10 digits in full
# at Streamlit's size down to a 1280-px window. In a narrower one (half a screen) a figure's size follows its card's
# width (16% of it fits "1,234,567,890") rather than being cut off.
CARDS_PER_ROW = 3
CARDS_CSS = """<style>
[data-testid="stMetricValue"] { container-type: inline-size; }
[data-testid="stMetricValue"] > div { font-size: min(1em, 16cqi); }
</style>"""


# --- the period and campaign filter (in the app shell, so it persists across pages) ----------

def _url_date(name: str) -> date | None:
    try:
        return date.fromisoformat(st.query_params.get(name, ""))
    except ValueError:
        return None


def _init_from_url(campaign_names: list[str]) -> None:
    """On a session's first run, take campaign and dates from the URL (a shared link)."""
    if "period" in st.session_state:
        return
    start, end = _url_date("from"), _url_date("to")
    if start and end and start <= end:
        st.session_state["period"] = "Custom"
        st.session_state["custom_dates"] = (start, end)
    campaign = st.query_params.get("campaign")
    if campaign in campaign_names:
        st.session_state["campaign"] = campaign
    network = st.query_params.get("network")
    if network in NETWORK_KEYS:
        st.session_state["network"] = network


def period_filter() -> Filters:
    """Campaign and period widgets in the sidebar; returns the Filters every page starts from."""
    cfg = data.config()
    names = [c.name for c in cfg.campaigns]
    titles = {c.name: c.title for c in cfg.campaigns}
    _init_from_url(names)
    with st.sidebar:
        campaign = st.selectbox("Campaign", names, format_func=titles.get, key="campaign")
        preset = st.selectbox("Period", metrics.PRESETS, index=metrics.PRESETS.index(DEFAULT_PRESET), key="period")
        today = uk_today()
        if preset == "Custom":
            st.session_state.setdefault("custom_dates", metrics.preset_range("7 days", today))
            picked = st.date_input("From – to (UK dates)", key="custom_dates", format="YYYY-MM-DD")
            start, end = (tuple(picked) * 2)[:2] if isinstance(picked, (tuple, list)) and picked else (today, today)
        else:
            start, end = metrics.preset_range(preset, today)
        st.caption(f"{period_label(start, end)}, Europe/London days")
        network = network_filter()
    st.query_params.update({"campaign": campaign, "from": start.isoformat(), "to": end.isoformat()})
    return Filters(campaign, start, end, network=network)


NETWORK_OPTIONS = (None, *NETWORK_KEYS)   # None: every network


def network_filter() -> str | None:
    """All networks, X, Bluesky or Mastodon; kept in the URL (?network=bluesky) so a shared link keeps it."""
    network = st.selectbox("Network", NETWORK_OPTIONS, format_func=network_label, key="network")
    if network:
        st.query_params["network"] = network
    else:
        st.query_params.pop("network", None)
    return network


def shared_params(filters: Filters) -> dict:
    """The URL parameters that carry the filters to another page (a link that can be shared)."""
    params = {"campaign": filters.campaign, "from": filters.from_date.isoformat(), "to": filters.to_date.isoformat()}
    if filters.network:
        params["network"] = filters.network
    return params


def period_label(start: date, end: date) -> str:
    if start == end:
        return f"{start:%a %d %b %Y}"
    return f"{start:%d %b} – {end:%d %b %Y}"


def region_name(key: str | None) -> str:
    return metrics.region_display_name(data.config(), key) if key else "—"


# --- KPI cards -------------------------------------------------------------------------------

def _delta(result: KpisWithChange, field: str) -> str | None:
    change = result.change(field)
    return None if change is None else f"{change:+.0%}"


def card_columns(count: int) -> list:
    """Columns for `count` KPI cards, CARDS_PER_ROW a row, all the same width: figures show in full."""
    st.html(CARDS_CSS)  # style only: takes no space
    rows = -(-count // CARDS_PER_ROW)
    return [column for _ in range(rows) for column in st.columns(CARDS_PER_ROW)][:count]


def kpi_cards(result: KpisWithChange) -> None:
    now, before = result.current, result.previous_filters
    versus = f"vs {period_label(before.from_date, before.to_date)}"
    columns = card_columns(len(KPI_CARDS) + 1)
    for column, (field, label, key) in zip(columns, KPI_CARDS):
        if field == "impressions" and not gives_impressions(result.previous_filters.network):
            column.metric(label, NOT_GIVEN, border=True, help=metrics.DEFINITIONS_BY_KEY[key].text)
            continue
        column.metric(label, f"{getattr(now, field):,}", _delta(result, field), border=True,
                      help=metrics.DEFINITIONS_BY_KEY[key].text)
    before_share = result.previous.unknown_share if result.previous.posts else None
    share_delta = None if before_share is None else f"{(now.unknown_share - before_share) * 100:+.0f} pts"
    columns[-1].metric("Unknown share", f"{now.unknown_share:.0%}", share_delta, delta_color="inverse", border=True,
                       help=metrics.DEFINITIONS_BY_KEY["unknown_share"].text)
    st.caption(f"Posts: {now.originals:,} original, {now.replies:,} replies, {now.quotes:,} quotes. "
               f"Changes are {versus} ({result.previous.posts:,} posts).")


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
        "Impressions": [impressions_text(k.impressions if gives_impressions(n) else None)
                        for n, k in by_network.items()],
        "Engagements": [k.engagements for k in by_network.values()],
    })
    table(frame, "by_network")
    points = data.timeline_by_network(filters)
    days = pd.DataFrame({"day": [p.day.isoformat() for p in points],
                         "network": [network_label(p.network) for p in points], "posts": [p.posts for p in points]})
    chart = alt.Chart(days).mark_bar().encode(
        x=alt.X("day:O", title="UK day"), y=alt.Y("posts:Q", title="Posts", stack="zero"),
        color=alt.Color("network:N", title="Network", sort=[network_label(n) for n in NETWORK_KEYS]),
        tooltip=["day:O", "network:N", "posts:Q"]).properties(height=220)
    st.altair_chart(chart, width="stretch", key="by_network_timeline")
    st.caption("Contributors are counted on each network: one person posting on two networks is two contributors.")


# --- timeline --------------------------------------------------------------------------------

def _uk_naive(moment: datetime) -> datetime:
    return moment.astimezone(UK).replace(tzinfo=None)


def timeline_frame(points, by: str) -> pd.DataFrame:
    step = timedelta(hours=1) if by == "hour" else timedelta(days=1)
    return pd.DataFrame({"start": [p.start for p in points], "end": [p.start + step for p in points],
                         "posts": [p.posts for p in points], "potential reach": [p.potential_reach for p in points]})


def gaps_frame(gaps) -> pd.DataFrame:
    return pd.DataFrame({"start": [_uk_naive(g.start) for g in gaps],
                         "end": [_uk_naive(max(g.end, g.start + timedelta(minutes=20))) for g in gaps],
                         "reason": [g.reason for g in gaps], "detail": [g.detail for g in gaps]})


def timeline_chart(filters: Filters, key: str) -> None:
    if filters.days <= metrics.HOURLY_MAX_DAYS:
        default = "Hour" if filters.days <= 2 else "Day"
        by = st.segmented_control("Timeline by", ["Day", "Hour"], default=default, key=f"{key}_by") or default
    else:
        by = "Day"
        st.caption(f"Timeline by day: by hour is offered for periods of up to {metrics.HOURLY_MAX_DAYS} days "
                   f"({filters.days * 24:,} hourly bars would not be readable).")
    points = data.timeline(filters, by=by.lower())
    frame = timeline_frame(points, by.lower())
    gaps = data.collection_gaps(filters)
    x = alt.X("start:T", title="UK time")
    bars = alt.Chart(frame).mark_rect(color="#1f77b4", opacity=0.8, stroke="white", strokeWidth=1).encode(
        x=x, x2="end:T", y=alt.Y("posts:Q", title="Posts"), y2=alt.datum(0),
        tooltip=[alt.Tooltip("start:T", title="From"), "posts:Q", "potential reach:Q"])
    reach = alt.Chart(frame).mark_line(color="#ff7f0e", point=True).encode(
        x=alt.X("start:T"), y=alt.Y("potential reach:Q", title="Potential reach"))
    layers = [bars, reach]
    if gaps:
        layers.append(alt.Chart(gaps_frame(gaps)).mark_rect(color="#d62728", opacity=0.25).encode(
            x="start:T", x2="end:T", tooltip=["reason:N", "detail:N"]))
    chart = alt.layer(*layers).resolve_scale(y="independent").properties(height=280)
    st.altair_chart(chart, width="stretch")
    legend = "Bars: posts. Line: potential reach (each author once per " + by.lower() + ")."
    if gaps:
        legend += f" Red bands: {len(gaps)} collection gap(s) or failed run(s): figures there may be incomplete."
    st.caption(legend)


# --- regions ---------------------------------------------------------------------------------

def regions_frame(rows: list[GroupRow], network: str | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "Region": [region_name(r.key) for r in rows],
        "Posts": [r.kpis.posts for r in rows],
        "Share of posts": [r.share_of_posts * 100 for r in rows],
        "Contributors": [r.kpis.contributors for r in rows],
        "Potential reach": [r.kpis.potential_reach for r in rows],
        "Impressions": ([r.kpis.impressions for r in rows] if gives_impressions(network)
                        else [NOT_GIVEN] * len(rows)),
        "Engagements": [r.kpis.engagements for r in rows],
    })


SHARE_COLUMN = {"Share of posts": st.column_config.NumberColumn(format="%.1f%%")}


def table(frame: pd.DataFrame, key: str, config: dict | None = None, plain: tuple[str, ...] = ()) -> None:
    """A table whose whole-number columns show thousands separators (Streamlit shows 12345678 otherwise;
    figures here reach the millions). Sorting a column stays numeric. `plain` names id columns to leave
    as they are; `config` adds column settings (links, decimals)."""
    counts = {column: st.column_config.NumberColumn(format="localized") for column in frame.columns
              if column not in plain and pd.api.types.is_integer_dtype(frame[column])}
    st.dataframe(frame, hide_index=True, key=key, column_config={**counts, **(config or {})})


def tile_map(rows: list[GroupRow], value: str = "posts") -> None:
    """A tile-grid cartogram (one square a region, docs/regions.md): no geography, works offline."""
    from monitor.regions import TILE_GRID

    by_key = {r.key: r for r in rows}
    frame = pd.DataFrame([{"region": region_name(key), "col": col, "row": row,
                           "value": getattr(by_key[key].kpis, value) if key in by_key else 0,
                           "share": (by_key[key].share_of_posts * 100) if key in by_key else 0.0,
                           "label": _short(region_name(key))}
                          for key, (col, row) in TILE_GRID.items()])
    base = alt.Chart(frame).encode(
        x=alt.X("col:O", axis=None, scale=alt.Scale(domain=list(range(5)))),
        y=alt.Y("row:O", axis=None, scale=alt.Scale(domain=list(range(5)))))
    tiles = base.mark_rect(stroke="white", strokeWidth=3, cornerRadius=4).encode(
        color=alt.Color("value:Q", title=value.replace("_", " ").capitalize(),
                        scale=alt.Scale(scheme="blues", domainMin=0)),
        tooltip=[alt.Tooltip("region:N", title="Region"), alt.Tooltip("value:Q", title=value, format=","),
                 alt.Tooltip("share:Q", title="% of posts", format=".1f")])
    names = base.mark_text(dy=-9, fontSize=10, fontWeight="bold").encode(
        text="label:N", color=alt.condition("datum.value > 0", alt.value("black"), alt.value("#888")))
    values = base.mark_text(dy=9, fontSize=12).encode(text=alt.Text("value:Q", format=","))
    st.altair_chart((tiles + names + values).properties(width=520, height=430), width="content")


def _short(name: str) -> str:
    """Tiles are small: shorten the long names, keep the rest."""
    return {"Yorkshire and the Humber": "Yorkshire & H.", "NAHT Northern Ireland": "N. Ireland",
            "Northern Ireland": "N. Ireland", "Yorkshire and The Humber": "Yorkshire & H."}.get(name, name)


def region_links(rows: list[GroupRow], filters: Filters) -> None:
    """One link per region to its page, carrying the period: the URL can be shared."""
    st.caption("Open a region's page (posts in the period; the link keeps the period and can be shared):")
    for row in rows:
        st.page_link("views/region.py", label=f"{region_name(row.key)} · {row.kpis.posts:,}",
                                 query_params={"region": row.key, **shared_params(filters)})


# --- posts, contributors, terms --------------------------------------------------------------

POST_LINK = {"Link": st.column_config.LinkColumn("Link", display_text="Open post")}


def impressions_text(value: int | None) -> str:
    """Impressions as shown in a table: the count, or 'not given' where the network counts none."""
    return NOT_GIVEN if value is None else f"{value:,}"


def handle(username: str | None) -> str:
    return f"@{username}" if username else ""


def posts_frame(rows) -> pd.DataFrame:
    return pd.DataFrame({
        "Date (UK)": [r.created_date_uk for r in rows],
        "Time (UTC)": [r.created_at.strftime("%H:%M") for r in rows],
        "Network": [network_label(r.network) for r in rows],
        "Author": [handle(r.username) for r in rows],
        "Text": [r.text for r in rows],
        "Kind": [r.kind for r in rows],
        "Region": [region_name(r.region) for r in rows],
        "Engagements": [r.engagements for r in rows],
        "Impressions": [impressions_text(r.impressions_given) for r in rows],
        "Followers": [r.author_followers for r in rows],
        "Link": [r.url for r in rows],
    })


def show_posts(rows, key: str) -> None:
    if not rows:
        st.info("No posts in this period.")
        return
    table(posts_frame(rows), key, POST_LINK)


def show_contributors(rows, key: str) -> None:
    if not rows:
        st.info("No contributors in this period.")
        return
    frame = pd.DataFrame({
        "Network": [network_label(c.network) for c in rows],
        "Author": [handle(c.username) for c in rows], "Name": [c.name or "" for c in rows],
        "Region": [region_name(c.region) for c in rows], "Posts": [c.posts for c in rows],
        "Followers (as of post)": [c.potential_reach for c in rows],
        "Engagements": [c.engagements for c in rows],
        "Impressions": [impressions_text(c.impressions if NETWORKS[c.network].gives_impressions else None)
                        for c in rows],
        "Profile": [c.url for c in rows]})
    table(frame, key, {"Profile": st.column_config.LinkColumn("Profile", display_text="Open profile")})


def terms_chart(rows, prefix: str, key: str) -> None:
    if not rows:
        st.info("None in this period.")
        return
    frame = pd.DataFrame({"term": [prefix + t.term for t in rows], "posts": [t.posts for t in rows],
                          "contributors": [t.contributors for t in rows]})
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("posts:Q", title="Posts"),
        y=alt.Y("term:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
        tooltip=["term:N", "posts:Q", "contributors:Q"]).properties(height=max(120, 28 * len(frame)))
    st.altair_chart(chart, width="stretch", key=key)


def activity_sections(filters: Filters, key: str, n: int = 10) -> None:
    """Top posts, top contributors, hashtags and mentions: the second half of overview and region pages."""
    st.subheader("Top posts", help="Ranked by engagements, then impressions.")
    show_posts(data.top_posts(filters, n), key=f"{key}_top_posts")
    st.subheader("Top contributors", help="Ranked by posts in the period, then engagements.")
    show_contributors(data.top_contributors(filters, n), key=f"{key}_top_contributors")
    left, right = st.columns(2)
    with left:
        st.subheader("Hashtags")
        terms_chart(data.hashtags(filters, 15), "#", key=f"{key}_hashtags")
    with right:
        st.subheader("Mentions")
        terms_chart(data.mentions(filters, 15), "@", key=f"{key}_mentions")


def utc_text(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(UK)
    ago = datetime.now(timezone.utc) - moment
    minutes = int(ago.total_seconds() // 60)
    when = f"{minutes} min ago" if 0 <= minutes < 120 else (f"in {-minutes} min" if -120 < minutes < 0 else "")
    return f"{local:%d %b %H:%M} UK" + (f" ({when})" if when else "")


# --- the weekly summary downloads (overview and region pages) --------------------------------

WEEKLY_FORMATS = (("pdf", "PDF to circulate"), ("xlsx", "Excel workbook"), ("csv", "Posts (CSV)"))


def recent_weeks(count: int = 8, today: date | None = None) -> list[tuple[int, int, date]]:
    """(ISO year, ISO week, Monday) for this week and the `count - 1` before it, UK calendar."""
    monday = (today or uk_today()) - timedelta(days=(today or uk_today()).weekday())
    weeks = [monday - timedelta(weeks=n) for n in range(count)]
    return [(*m.isocalendar()[:2], m) for m in weeks]


def _week_label(choice: tuple[int, int, date]) -> str:
    year, week, monday = choice
    sunday = monday + timedelta(days=6)
    so_far = " (so far)" if sunday >= uk_today() else ""
    return f"{year}-W{week:02d}: {monday:%a %d %b} – {sunday:%a %d %b %Y}{so_far}"


def weekly_downloads(campaign: str, region: str | None, key: str) -> None:
    """One click per format; nothing is built until a button is clicked."""
    from monitor.reports import MEDIA_TYPES, filename

    st.subheader("Weekly summary", help="The same report as `campaign-monitor report` and the Monday "
                                        "07:00 job: ISO week, Monday to Sunday, UK time.")
    weeks = recent_weeks()
    year, week, _ = st.selectbox("Week", weeks, index=1, format_func=_week_label, key=f"{key}_week")
    for column, (fmt, label) in zip(st.columns(len(WEEKLY_FORMATS)), WEEKLY_FORMATS):
        with column:
            st.download_button(label, data=lambda fmt=fmt: data.weekly_report(year, week, campaign, region, fmt),
                               file_name=filename(campaign, year, week, region, fmt), mime=MEDIA_TYPES[fmt],
                               icon=":material/download:", key=f"{key}_weekly_{fmt}")
