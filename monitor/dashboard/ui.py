"""The pieces every page shares: the style sheet, the period and region names as shown, times in UK words, the
KPI cards' columns and tables of DataFrames. The page sections built from them live beside this module:
sidebar (the shell's filters), figures_ui (KPI cards, split by network, timeline), regions_ui (regions table,
tile map), posts_ui (posts, contributors, terms), downloads_ui (the weekly summary).

Post text, names, locations and bios are untrusted: they reach the screen only as escaped text inside
the HTML that monitor.dashboard.markup builds (or through st.text/st.code), never through st.markdown.
Tables and charts are HTML drawn by these modules, not st.dataframe or Altair: see markup's docstring for why.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import streamlit as st

from monitor import brand, metrics
from monitor.dashboard import data, markup
from monitor.dashboard.markup import Column
from monitor.metrics import Filters
from monitor.timeutil import UK

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


def period_label(start: date, end: date) -> str:
    if start == end:
        return f"{start:%a %d %b %Y}"
    if start.year != end.year:
        return f"{start:%d %b %Y} – {end:%d %b %Y}"
    return f"{start:%d %b} – {end:%d %b %Y}"


def region_name(key: str | None) -> str:
    return metrics.region_display_name(data.config(), key) if key else "—"


def card_columns(count: int) -> list:
    """Columns for `count` KPI cards, CARDS_PER_ROW a row, all the same width: figures show in full."""
    rows = -(-count // CARDS_PER_ROW)
    return [column for _ in range(rows) for column in st.columns(CARDS_PER_ROW)][:count]


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

