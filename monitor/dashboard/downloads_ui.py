"""The weekly summary's downloads on the overview and region pages: pick a week, one button per format; the file
is built (by monitor.reports, as the CLI and the Monday job build it) only when its button is clicked."""
from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from monitor.dashboard import data
from monitor.reports import MEDIA_TYPES, filename
from monitor.timeutil import uk_today

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
    st.subheader("Weekly summary", help="The same report as `campaign-monitor report` and the Monday "
                                        "07:00 job: ISO week, Monday to Sunday, UK time, all authors.")
    weeks = recent_weeks()
    year, week, _ = st.selectbox("Week", weeks, index=1, format_func=_week_label, key=f"{key}_week")
    for column, (fmt, label) in zip(st.columns(len(WEEKLY_FORMATS)), WEEKLY_FORMATS):
        with column:
            st.download_button(label, data=lambda fmt=fmt: data.weekly_report(year, week, campaign, region, fmt),
                               file_name=filename(campaign, year, week, region, fmt), mime=MEDIA_TYPES[fmt],
                               icon=":material/download:", key=f"{key}_weekly_{fmt}")
