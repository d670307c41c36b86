"""The weekly report as an Excel workbook: Summary, Regions, Daily, Top posts, Contributors, Posts, MPs.

- Every piece of text is written as a string cell (data_type "s") as it is (`safety.cell_text`), with the
  quote-prefix style when it starts like a formula: nothing from X can become a formula, and a mention
  reads "@NAHTnews", not "'@NAHTnews" (monitor.safety); ids are text (a 19-digit id as a number would
  lose digits).
- Regions are NAHT's display names, with the region key in the column beside.
- Dates and times are real Excel values, naive in UK local time with a number format; each post also
  has a UTC column, since local time repeats an hour when the clocks go back.
- Headers are bold and frozen, columns have widths.
"""
from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from monitor import brand
from monitor.exports import shown_impressions
from monitor.metrics import Kpis
from monitor.networks import NOT_GIVEN, gives_impressions
from monitor.networks import label as network_label
from monitor.reports import actions as report_actions
from monitor.reports.model import WeeklyReport
from monitor.safety import cell_text, looks_like_formula
from monitor.timeutil import uk_local

DATE_FORMAT = "ddd dd mmm yyyy"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
CHANGE_FORMAT = "+0.0%;-0.0%;0.0%"
NO_CHANGE = "n/a"  # the previous week had none: no percentage (never "-", which a sheet reads as a sign)
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor=brand.NAVY.lstrip("#"))
TITLE_FONT = Font(bold=True, size=14)
SECTION_FONT = Font(bold=True, size=12)

HEADLINE = (("posts", "Posts"), ("originals", "Originals"), ("replies", "Replies"), ("quotes", "Quotes"),
            ("contributors", "Contributors"), ("potential_reach", "Potential reach"),
            ("impressions", "Impressions"), ("engagements", "Engagements"), ("unknown_share", "Unknown share"))


def render_xlsx(report: WeeklyReport) -> bytes:
    wb = Workbook()
    _summary(wb.active, report)
    _regions(wb.create_sheet("Regions"), report)
    _daily(wb.create_sheet("Daily"), report)
    _top_posts(wb.create_sheet("Top posts"), report)
    _contributors(wb.create_sheet("Contributors"), report)
    _posts(wb.create_sheet("Posts"), report)
    _mps(wb.create_sheet("MPs"), report)
    _actions(wb.create_sheet("Actions"), report)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- cells -----------------------------------------------------------------------------------

def _set(cell: Cell, value: Any, number_format: str | None = None) -> Cell:
    """Write one value: text as a string cell (quote-prefixed when it starts like a formula), numbers and
    dates as they are."""
    if isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"  # openpyxl would otherwise read a leading '=' as a formula
        if looks_like_formula(cell.value):
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    return cell


def _write_row(ws: Worksheet, row: int, values: Sequence, formats: Sequence[str | None] = ()) -> None:
    for col, value in enumerate(values, start=1):
        _set(ws.cell(row, col), value, formats[col - 1] if col <= len(formats) else None)


def _table(ws: Worksheet, header: Sequence[str], rows: Iterable[Sequence], formats: Sequence[str | None],
           widths: Sequence[float], first_row: int = 1) -> int:
    """A header (bold, frozen when it is the sheet's first row) and rows; returns the next free row."""
    _header(ws, first_row, header)
    row = first_row
    for row, values in enumerate(rows, start=first_row + 1):
        _write_row(ws, row, values, formats)
    if first_row == 1:
        ws.freeze_panes = "A2"
    _widths(ws, widths)
    return max(row, first_row) + 1


def _header(ws: Worksheet, row: int, header: Sequence[str]) -> None:
    for col, name in enumerate(header, start=1):
        cell = _set(ws.cell(row, col), name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL


def _widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(1, col).column_letter].width = width


def _local(value: datetime) -> datetime:
    """Naive UK local time: Excel has no time zones."""
    return uk_local(value).replace(tzinfo=None)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=None)


# --- sheets ----------------------------------------------------------------------------------

def _summary(ws: Worksheet, report: WeeklyReport) -> None:
    ws.title = "Summary"
    _set(ws.cell(1, 1), f"{report.campaign.title}: weekly summary").font = TITLE_FONT
    facts = [("Week", f"{report.week_label} (Monday to Sunday, UK time)"),
             ("From (UK)", report.monday), ("To (UK)", report.sunday),
             ("Region", report.region_name), ("Generated (UK)", _local(report.generated_at))]
    if not report.complete:
        facts.append(("Note", "The week is not over: figures run to the time generated."))
    if report.removed_note:
        facts.append(("Removed", report.removed_note))
    for row, (name, value) in enumerate(facts, start=2):
        _set(ws.cell(row, 1), name).font = Font(bold=True)
        _set(ws.cell(row, 2), value, DATE_FORMAT if isinstance(value, date) and not isinstance(value, datetime)
             else DATETIME_FORMAT if isinstance(value, datetime) else None)
    row = len(facts) + 3
    row = _headline(ws, report, row)
    row = _completeness(ws, report, row + 1)
    row = _terms(ws, report, row + 1)
    _definitions(ws, report, row + 1)
    ws.freeze_panes = "A2"
    _widths(ws, (26, 22, 22, 14, 60))


def _section(ws: Worksheet, row: int, title: str) -> int:
    _set(ws.cell(row, 1), title).font = SECTION_FONT
    return row + 1


def _headline(ws: Worksheet, report: WeeklyReport, row: int) -> int:
    row = _section(ws, row, "Headline figures")
    _header(ws, row, ("Figure", "This week", "Previous week", "Change"))
    k = report.kpis
    for name, label in HEADLINE:
        row += 1
        share = name == "unknown_share"
        fmt = PERCENT_FORMAT if share else INTEGER_FORMAT
        change = None if share else k.change(name)  # a share's change in % of a % would mislead
        values = (label, getattr(k.current, name), getattr(k.previous, name),
                  NO_CHANGE if change is None else change)
        _write_row(ws, row, values, (None, fmt, fmt, CHANGE_FORMAT))
    return row + 1


def _completeness(ws: Worksheet, report: WeeklyReport, row: int) -> int:
    row = _section(ws, row, "Collection completeness")
    runs = report.runs
    for label, value in (("Search runs", runs.total), ("Completed", runs.completed), ("Failed", runs.failed),
                         ("Stretches with no successful run", len(report.missing_stretches))):
        _write_row(ws, row, (label, value))
        row += 1
    if runs.total == 0:
        _write_row(ws, row, ("No collection run was recorded in this week: posts from it may be missing.",))
        return row + 1
    if not report.gaps:
        _write_row(ws, row, ("No gap: every stretch of the week had a successful run.",))
        return row + 1
    _header(ws, row, ("Start (UK)", "End (UK)", "Start (UTC)", "Kind", "Detail"))
    for gap in report.gaps:
        row += 1
        _write_row(ws, row, (_local(gap.start), _local(gap.end), _utc(gap.start), gap.reason, gap.detail),
                   (DATETIME_FORMAT, DATETIME_FORMAT, DATETIME_FORMAT))
    return row + 1


def _terms(ws: Worksheet, report: WeeklyReport, row: int) -> int:
    row = _section(ws, row, "Hashtags and mentions")
    _header(ws, row, ("Hashtag or account", "Posts", "Contributors"))
    terms = [(f"#{t.term}", t.posts, t.contributors) for t in report.hashtags]
    terms += [(f"@{t.term}", t.posts, t.contributors) for t in report.mentions]
    for values in terms:
        row += 1
        _write_row(ws, row, values, (None, INTEGER_FORMAT, INTEGER_FORMAT))
    return row + 1


def _definitions(ws: Worksheet, report: WeeklyReport, row: int) -> None:
    row = _section(ws, row, "Definitions")
    for d in report.definitions:
        _set(ws.cell(row, 1), d.name).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=5)
        _set(ws.cell(row, 2), d.text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 15 * (1 + len(d.text) // 110)
        row += 1


def _kpi_values(k: Kpis) -> tuple:
    return (k.posts, k.originals, k.replies, k.quotes, k.contributors, k.potential_reach, k.impressions,
            k.engagements, k.unknown_posts)


KPI_HEADER = ("Posts", "Originals", "Replies", "Quotes", "Contributors", "Potential reach", "Impressions",
              "Engagements", "Unknown posts")


def _regions(ws: Worksheet, report: WeeklyReport) -> None:
    rows = [(r.name, r.key, *_kpi_values(r.row.kpis), r.row.share_of_posts) for r in report.regions]
    _table(ws, ("Region", "Region key", *KPI_HEADER, "Share of posts"), rows,
           (None, None, *[INTEGER_FORMAT] * 9, PERCENT_FORMAT), (28, 24, *[13] * 9, 14))


def _daily(ws: Worksheet, report: WeeklyReport) -> None:
    rows = [(d.day, d.day.strftime("%A"), d.point.posts, d.point.potential_reach, _utc(d.starts_utc), d.hours)
            for d in report.days]
    _table(ws, ("Date (UK)", "Day", "Posts", "Potential reach", "Day starts (UTC)", "Hours in day"), rows,
           (DATE_FORMAT, None, INTEGER_FORMAT, INTEGER_FORMAT, DATETIME_FORMAT, "0"), (18, 12, 10, 16, 20, 13))


POST_HEADER = ("Post ID", "Posted (UK)", "Posted (UTC)", "Date (UK)", "Username", "Author name", "Kind",
               "Region", "Region key", "Branch", "Text", "Likes", "Reposts", "Replies", "Quotes", "Bookmarks",
               "Impressions", "Engagements", "Author followers", "URL", "Network")
POST_FORMATS = (None, DATETIME_FORMAT, DATETIME_FORMAT, DATE_FORMAT, *[None] * 7, *[INTEGER_FORMAT] * 8)
POST_WIDTHS = (23, 17, 17, 16, 18, 22, 9, 22, 20, 16, 70, 8, 8, 8, 8, 10, 12, 12, 15, 50, 10)


def _post_values(report: WeeklyReport, p) -> tuple:
    return (p.id, _local(p.created_at), _utc(p.created_at), p.created_date_uk, p.username or "",
            p.author_name or "", p.kind, report.region_display(p.region), p.region, p.branch or "", p.text,
            p.likes, p.reposts, p.replies, p.quotes, p.bookmarks, shown_impressions(p), p.engagements,
            p.author_followers, p.url, network_label(p.network))


def _top_posts(ws: Worksheet, report: WeeklyReport) -> None:
    rows = [(rank, *_post_values(report, p)) for rank, p in enumerate(report.top_posts, start=1)]
    _table(ws, ("Rank", *POST_HEADER), rows, (None, *POST_FORMATS), (6, *POST_WIDTHS))


def _contributors(ws: Worksheet, report: WeeklyReport) -> None:
    rows = [(rank, c.author_id, network_label(c.network), c.username or "", c.name or "",
             report.region_display(c.region), c.region or "", c.posts, c.potential_reach,
             c.impressions if gives_impressions(c.network) else NOT_GIVEN, c.engagements, c.url)
            for rank, c in enumerate(report.top_contributors, start=1)]
    _table(ws, ("Rank", "Author ID", "Network", "Username", "Name", "Region", "Region key", "Posts", "Potential reach",
                "Impressions", "Engagements", "Profile"), rows,
           (None, None, None, None, None, None, None, *[INTEGER_FORMAT] * 4),
           (6, 23, 10, 18, 24, 22, 20, 8, 16, 12, 12, 36))


def _posts(ws: Worksheet, report: WeeklyReport) -> None:
    next_row = _table(ws, POST_HEADER, (_post_values(report, p) for p in report.posts), POST_FORMATS, POST_WIDTHS)
    if report.posts_truncated:
        _set(ws.cell(next_row, 1), f"Only the newest {len(report.posts):,} of {report.posts_total:,} posts fit "
                                   "here: export a shorter period from the dashboard for the rest.")


def _mps(ws: Worksheet, report: WeeklyReport) -> None:
    """MPs engaged this week and new this week per region, then the engaged MPs themselves."""
    week = report.mps
    rows = [(report.display_name(r.region), r.region, r.total, r.engaged, r.new) for r in week.regions]
    rows.append(("All regions shown", "", sum(r.total for r in week.regions), week.total_engaged, week.total_new))
    next_row = _table(ws, ("Region", "Region key", "MPs", "Engaged this week", "New this week"), rows,
                      (None, None, INTEGER_FORMAT, INTEGER_FORMAT, INTEGER_FORMAT), (28, 24, 10, 18, 15))
    next_row = _section(ws, next_row + 1, "MPs engaged this week")
    _header(ws, next_row, ("Member ID", "MP", "Party", "Constituency", "Region", "Posts by the MP", "New this week"))
    for row, mp in enumerate(week.engaged, start=next_row + 1):
        _write_row(ws, row, (str(mp.member_id), mp.name, mp.party, mp.constituency, report.display_name(mp.region),
                             mp.posts_by_mp, "yes" if mp.new else "no"), (None, None, None, None, None, INTEGER_FORMAT))
    if not week.engaged:
        _set(ws.cell(next_row + 1, 1), "No MP engaged with the campaign this week.")
    ws.column_dimensions["C"].width = 24
    ws.column_dimensions["D"].width = 34


def _actions(ws: Worksheet, report: WeeklyReport) -> None:
    """The week's campaign actions and the earlier ones measured this week, with their effect on posts."""
    next_row = _table(ws, report_actions.HEADER, report_actions.rows(report.actions, report.region_display),
                      (DATE_FORMAT, None, None, None, INTEGER_FORMAT, INTEGER_FORMAT),
                      (16, 16, 40, 24, 12, 12, 16, 18, 60, 24))
    if not report.actions:
        _set(ws.cell(next_row, 1), "No campaign actions this week.")
