"""Shared widgets: the sidebar's filters (campaign, period, authors), KPI cards, the timeline, the region
tile map and the tables.

Post text, names, locations and bios are untrusted: they reach the screen only as escaped text inside
the HTML that monitor.dashboard.markup builds (or through st.text/st.code), never through st.markdown.
Tables and charts are HTML drawn here, not st.dataframe or Altair: see markup's docstring for why.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Sequence
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from monitor import brand, metrics
from monitor.dashboard import data, markup, url
from monitor.dashboard.markup import Column
from monitor.metrics import Filters, GroupRow, Kpis, KpisWithChange
from monitor.networks import NETWORK_KEYS, NETWORKS, NOT_GIVEN, gives_impressions
from monitor.networks import label as network_label
from monitor.regions import TILE_GRID
from monitor.timeutil import UK, uk_today

DEFAULT_PRESET = "7 days"
PRESET_BY_CODE = {code: preset for preset, code in metrics.PRESET_CODES.items()}
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
# The campaign's name wraps in the sidebar instead of being cut off in a select box.
SIDEBAR_CSS = f"""<style>
.cm-campaign {{ font-weight: 700; font-size: 1.05rem; line-height: 1.3; color: {brand.NAVY};
  overflow-wrap: anywhere; margin: 0 0 0.25rem 0; }}
</style>"""


def page_style() -> None:
    """The style sheet every page uses (takes no space)."""
    st.html(markup.CSS + CARDS_CSS + SIDEBAR_CSS)


def html(fragment: str) -> None:
    st.html(fragment)


# --- the shell's filters: campaign, period, authors (in the sidebar and the address) ------------

def _url_date(name: str) -> date | None:
    try:
        return date.fromisoformat(url.get(name) or "")
    except ValueError:
        return None


def _from_link(names: list[str], titles: dict) -> list[str]:
    """A link, a reload, back or forward: set the sidebar from the address. Returns what in it was wrong
    (shown as warnings: a link never silently shows something else)."""
    problems = []
    campaign = url.get("campaign")
    if campaign is not None and campaign not in names:
        problems.append(f"The link names no campaign called {campaign!r}: showing {titles[names[0]]}.")
    st.session_state["campaign"] = campaign if campaign in names else names[0]
    start, end = _url_date("from"), _url_date("to")
    code = url.get("period") or ("custom" if start and end else metrics.PRESET_CODES[DEFAULT_PRESET])
    preset = PRESET_BY_CODE.get(code)
    if preset is None:
        problems.append(f"The link names no period called {code!r}: showing {DEFAULT_PRESET}.")
    elif preset == "Custom" and not (start and end and start <= end):
        problems.append(f"The link's custom dates are missing or out of order: showing {DEFAULT_PRESET}.")
        preset = None
    elif preset == "Custom":
        st.session_state["custom_dates"] = (start, end)
    st.session_state["period"] = preset or DEFAULT_PRESET
    authors = url.get("authors") or metrics.ALL
    if authors not in metrics.AUTHOR_CLASSES:
        problems.append(f"The link names no authors called {authors!r}: showing all authors.")
        authors = metrics.ALL
    st.session_state["authors"] = authors
    network = url.get("network")
    if network is not None and network not in NETWORK_KEYS:
        problems.append(f"The link names no network called {network!r}: showing every network.")
        network = None
    st.session_state["network"] = network
    return problems


def period_filter() -> Filters:
    """Campaign, period and authors in the sidebar (kept in the address); the Filters every page starts from."""
    cfg = data.config()
    names = [c.name for c in cfg.campaigns]
    titles = {c.name: c.title for c in cfg.campaigns}
    problems = _from_link(names, titles) if url.from_link() else []
    st.session_state.setdefault("period", DEFAULT_PRESET)
    st.session_state.setdefault("authors", metrics.ALL)
    with st.sidebar:
        if len(names) > 1:
            campaign = st.selectbox("Campaign", names, format_func=titles.get, key="campaign")
        else:
            campaign = names[0]
            st.caption("Campaign")
        st.html(f'<p class="cm-campaign">{markup.text(titles[campaign])}</p>')
        preset = st.selectbox("Period", metrics.PRESETS, key="period")
        today = uk_today()
        if preset == "Custom":
            st.session_state.setdefault("custom_dates", metrics.preset_range(DEFAULT_PRESET, today))
            picked = st.date_input("From – to (UK dates)", key="custom_dates", format="YYYY-MM-DD")
            start, end = (tuple(picked) * 2)[:2] if isinstance(picked, (tuple, list)) and picked else (today, today)
        else:
            start, end = metrics.preset_range(preset, today)
        st.caption(f"{period_label(start, end)}, Europe/London days")
        authors = st.radio("Authors", list(metrics.AUTHOR_CLASSES), format_func=metrics.AUTHOR_CLASSES.get,
                           key="authors", help="NAHT accounts: NAHT's national and branch accounts (the config's "
                                               "known accounts). Members and public: everyone else.")
        network = network_filter(cfg.networks)
    for problem in problems:
        st.warning(problem, icon=":material/link_off:")
    custom = preset == "Custom"
    url.want(campaign=campaign, period=metrics.PRESET_CODES[preset],
             **{"from": start.isoformat() if custom else None, "to": end.isoformat() if custom else None},
             authors=authors, network=network)
    return Filters(campaign, start, end, audience=data.audience(authors), network=network)


def network_filter(collected: tuple[str, ...]) -> str | None:
    """Every network, or one (kept in the address: ?network=bluesky). Shown when more than one network is
    collected, or when a link names one (a filter in force is always on screen)."""
    chosen = st.session_state.get("network")
    if len(collected) < 2 and chosen is None:
        return None
    options = (None, *dict.fromkeys((*collected, *([chosen] if chosen else []))))
    return st.selectbox("Network", options, format_func=network_label, key="network")


def period_label(start: date, end: date) -> str:
    if start == end:
        return f"{start:%a %d %b %Y}"
    if start.year != end.year:
        return f"{start:%d %b %Y} – {end:%d %b %Y}"
    return f"{start:%d %b} – {end:%d %b %Y}"


def region_name(key: str | None) -> str:
    return metrics.region_display_name(data.config(), key) if key else "—"


def page_href(page: str, **params: str | None) -> str:
    """A link to a page with the shell's filters of this view and `params` (relative: works behind a proxy's
    path prefix)."""
    shell = {k: v for k, v in url.wanted().items() if k in ("campaign", "period", "from", "to", "authors", "network")}
    query = {**shell, **{k: v for k, v in params.items() if v}}
    return f"{page}?{urlencode(query)}"


# --- KPI cards -------------------------------------------------------------------------------

def _delta(result: KpisWithChange, field: str) -> tuple[str | None, str]:
    """(the change as shown, its colour mode): none when the periods cannot be compared, grey when flat."""
    change = result.change(field)
    if change is None:
        return None, "normal"
    return f"{change:+.0%}", "off" if abs(change) < 0.005 else "normal"


def card_columns(count: int) -> list:
    """Columns for `count` KPI cards, CARDS_PER_ROW a row, all the same width: figures show in full."""
    rows = -(-count // CARDS_PER_ROW)
    return [column for _ in range(rows) for column in st.columns(CARDS_PER_ROW)][:count]


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


SHARE_COLUMN = {"Share of posts": {"type_config": {"type": "number", "format": "%.1f%%"}}}
REGIONS_TABLE_NAME = "By region (table)"


def regions_table(rows: list[GroupRow], caption: str | None = None, network: str | None = None) -> None:
    """Every region with its figures; each name a link to the region's page (the link keeps the view);
    impressions 'not given' on a network that counts none."""
    impressions = (lambda r: r.kpis.impressions) if gives_impressions(network) else (lambda r: NOT_GIVEN)
    columns = [Column("Region", "page", key=True), Column("Posts", "num"), Column("Share of posts", "pct"),
               Column("Contributors", "num"), Column("Potential reach", "num"), Column("Impressions", "num"),
               Column("Engagements", "num")]
    body = [((region_name(r.key), page_href("region", region=r.key)), r.kpis.posts, r.share_of_posts * 100,
             r.kpis.contributors, r.kpis.potential_reach, impressions(r), r.kpis.engagements) for r in rows]
    html(markup.table(columns, body, caption=caption, label=REGIONS_TABLE_NAME))


SHORT_TEXT = 32  # characters: a text column no longer than this stays on one line (times, statuses, names)


def table(frame: pd.DataFrame, key: str | None = None, config: dict | None = None, plain: tuple[str, ...] = ()) -> None:
    """A table of a DataFrame, every row shown: whole-number columns with thousands separators (except
    the id columns `plain` names), link columns (st.column_config.LinkColumn in `config`) as links."""
    config = config or {}
    columns, cells = [], []
    for name in frame.columns:
        link = (config.get(name) or {}).get("type_config", {})
        if link.get("type") == "link":
            columns.append(Column(name, "link"))
            shown = link.get("display_text") or "Open"
            cells.append([(shown, v) if v else None for v in frame[name]])
        elif name not in plain and pd.api.types.is_integer_dtype(frame[name]):
            columns.append(Column(name, "num"))
            cells.append([None if pd.isna(v) else int(v) for v in frame[name]])
        elif pd.api.types.is_float_dtype(frame[name]):
            pct = (config.get(name) or {}).get("type_config", {}).get("format", "").endswith("%%")
            columns.append(Column(name, "pct" if pct else "num"))
            cells.append([None if pd.isna(v) else (float(v) if pct else round(float(v), 2)) for v in frame[name]])
        else:
            values = ["" if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in frame[name]]
            short = max((len(str(v)) for v in values), default=0) <= SHORT_TEXT
            columns.append(Column(name, "nowrap" if short else "text"))
            cells.append(values)
    if columns:
        columns[0] = Column(columns[0].header, columns[0].kind, key=True)
    html(markup.table(columns, list(zip(*cells)) if cells else [], label=key))


def tile_map(rows: list[GroupRow], value: str = "posts", notes: dict[str, str] | None = None) -> None:
    """A tile-grid cartogram (one square a region, docs/regions.md): no geography, works offline; a click on
    a region opens its page."""
    by_key = {r.key: r for r in rows}
    measure = value.replace("_", " ")
    tiles = [markup.Tile(region_name(key), _short(region_name(key)), col, row,
                         getattr(by_key[key].kpis, value) if key in by_key else 0,
                         by_key[key].share_of_posts if key in by_key else 0.0, page_href("region", region=key),
                         (notes or {}).get(key, ""))
             for key, (col, row) in TILE_GRID.items()]
    html(markup.tile_map(tiles, measure, REGIONS_TABLE_NAME))


def _short(name: str) -> str:
    """Tiles are small: shorten the long names, keep the rest."""
    return {"Yorkshire and the Humber": "Yorkshire & Humber", "NAHT Northern Ireland": "N. Ireland",
            "Northern Ireland": "N. Ireland", "Yorkshire and The Humber": "Yorkshire & Humber",
            "East of England": "East", "NAHT Cymru": "Cymru"}.get(name, name)


def region_links(rows: list[GroupRow], filters: Filters) -> None:
    """One link per region to its page, carrying the view: the address can be shared."""
    for row in rows:
        st.page_link("views/region.py", label=f"{region_name(row.key)} · {row.kpis.posts:,}",
                     query_params={**url.wanted(), "region": row.key})


# --- posts, contributors, terms --------------------------------------------------------------

POST_LINK = {"Link": st.column_config.LinkColumn("Link", display_text="Open post")}
# The figures before the post's text, which takes the width left: the key columns fit at 1280 px.
# The region wraps ("Yorkshire and the Humber" on two lines): at 1280 px the post's text then fits beside.
POST_COLUMNS = (Column("Posted (UK)", "nowrap", key=True), Column("Link", "link"), Column("Network", "nowrap"),
                Column("Author", "nowrap"), Column("Region"), Column("Kind", "nowrap"), Column("Engagements", "num"),
                Column("Impressions", "num"), Column("Followers", "num"), Column("Post", "post"))


def posted_uk(moment: datetime) -> str:
    return f"{moment.astimezone(UK):%a %d %b %Y %H:%M}"


def impressions_text(value: int | None) -> int | str:
    """Impressions as shown in a table: the count, or 'not given' where the network counts none."""
    return NOT_GIVEN if value is None else value


def handle(username: str | None) -> str:
    return f"@{username}" if username else ""


def open_on(network: str) -> str:
    """A link's text: where it goes ("Open on Bluesky")."""
    return NETWORKS[network].open_label


def posts_frame(rows) -> pd.DataFrame:
    return pd.DataFrame({
        "Posted (UK)": [posted_uk(r.created_at) for r in rows],
        "Link": [r.url for r in rows],
        "Network": [network_label(r.network) for r in rows],
        "Author": [handle(r.username) for r in rows],
        "Region": [region_name(r.region) for r in rows],
        "Kind": [r.kind for r in rows],
        "Engagements": [r.engagements for r in rows],
        "Impressions": [impressions_text(r.impressions_given) for r in rows],
        "Followers": [r.author_followers for r in rows],
        "Text": [r.text for r in rows],
    })


def show_posts(rows, key: str, empty: str = "No posts in this period.", caption: str | None = None) -> None:
    """Posts as a table: one UK timestamp, a link to each on its network, the figures before the (whole) text;
    impressions 'not given' where the network counts none."""
    if not rows:
        st.info(empty, icon=":material/info:")
        return
    body = [(posted_uk(r.created_at), (open_on(r.network), r.url), network_label(r.network), handle(r.username),
             region_name(r.region), r.kind, r.engagements, impressions_text(r.impressions_given), r.author_followers,
             r.text) for r in rows]
    html(markup.table(POST_COLUMNS, body, caption=caption, label=key, cards=True))


def show_contributors(rows, key: str) -> None:
    if not rows:
        st.info("No contributors in this period.", icon=":material/info:")
        return
    columns = [Column("Author", "nowrap", key=True), Column("Network", "nowrap"), Column("Name"),
               Column("Region", "nowrap"), Column("Posts", "num"), Column("Followers (as of post)", "num"),
               Column("Engagements", "num"), Column("Impressions", "num"), Column("Profile", "link")]
    body = [(handle(c.username), network_label(c.network), c.name or "", region_name(c.region), c.posts,
             c.potential_reach, c.engagements,
             impressions_text(c.impressions if gives_impressions(c.network) else None), (open_on(c.network), c.url))
            for c in rows]
    html(markup.table(columns, body, label=key, cards=True))


def terms_chart(rows, prefix: str, key: str) -> None:
    """Hashtags or mentions: posts (with a bar) and unique authors per term."""
    if not rows:
        st.info("None in this period.", icon=":material/info:")
        return
    top = max(t.posts for t in rows) or 1
    columns = [Column("Hashtag" if prefix == "#" else "Account", "nowrap", key=True), Column("Posts", "num"),
               Column("", "bar"), Column("Contributors", "num")]
    body = [(prefix + t.term, t.posts, t.posts / top, t.contributors) for t in rows]
    html(markup.table(columns, body, label=key))


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


def audience_note(filters: Filters) -> str:
    """Which authors the page counts, for its caption."""
    return "" if filters.audience.key == metrics.ALL else f" · {filters.audience.label} only"


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
                                        "07:00 job: ISO week, Monday to Sunday, UK time, all authors.")
    weeks = recent_weeks()
    year, week, _ = st.selectbox("Week", weeks, index=1, format_func=_week_label, key=f"{key}_week")
    for column, (fmt, label) in zip(st.columns(len(WEEKLY_FORMATS)), WEEKLY_FORMATS):
        with column:
            st.download_button(label, data=lambda fmt=fmt: data.weekly_report(year, week, campaign, region, fmt),
                               file_name=filename(campaign, year, week, region, fmt), mime=MEDIA_TYPES[fmt],
                               icon=":material/download:", key=f"{key}_weekly_{fmt}")
