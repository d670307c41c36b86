"""The weekly report as an A4 PDF a person can send to a director, made offline with reportlab.

Pages: 1 the title block, headline figures with week-on-week change and the daily chart; 2 regions
(chart and table); 3 top posts; 4 top contributors, hashtags and mentions; 5 collection completeness
and the definitions; 6 MPs engaged and new this week, per region. Each section starts its own page, so
ten of the longest posts cannot push the rest onto extra pages: the page count is always 6. Every page
has a footer with the week and "Page n of N".

Charts are drawn by matplotlib's Agg renderer through its object API (no pyplot: the dashboard renders
from several threads) in DejaVu Sans, the font matplotlib ships, which reportlab embeds too: the same
offline font everywhere, with Welsh, accents, Hebrew/Arabic letters and common emoji.

Untrusted text (posts, names) goes into Paragraphs, which read markup: it is escaped first, so
`<b>bold</b>` prints as written, and emoji the font lacks are left out and
letters it lacks become U+FFFD, instead of blank boxes.
Right-to-left text is printed in stored (logical) order: reportlab does not reorder it.
"""
from __future__ import annotations

import io
import os
import unicodedata
from datetime import datetime
from functools import lru_cache
from xml.sax.saxutils import escape

from matplotlib import get_data_path, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from monitor import brand
from monitor.networks import NOT_GIVEN
from monitor.networks import label as network_label
from monitor.reports import actions as report_actions
from monitor.reports.model import WeeklyReport
from monitor.safety import REPLACEMENT, clean_text
from monitor.timeutil import uk_local

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
NAVY = colors.HexColor(brand.NAVY)   # the dashboard's theme is the same navy (monitor.brand)
LIGHT = colors.HexColor(brand.NAVY_LIGHT)
GREY = colors.HexColor("#666666")
UP, DOWN = colors.HexColor(brand.UP), colors.HexColor(brand.DOWN)
NAVY_HEX, GREY_HEX = brand.NAVY, brand.GREY_MUTED
MARGIN = 1.8 * cm
BAND_HEIGHT = 4.2 * cm
WIDTH = A4[0] - 2 * MARGIN
POST_TEXT_LIMIT = 200  # characters of a post in the PDF (the XLSX has them whole): keeps page 3 one page
GAPS_LIMIT = 15
TERMS_LIMIT = 10


# --- fonts, styles, text ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def _fonts() -> set[int]:
    """Register DejaVu Sans (shipped with matplotlib) once; returns the code points it can draw."""
    folder = os.path.join(get_data_path(), "fonts", "ttf")
    regular = TTFont(FONT, os.path.join(folder, "DejaVuSans.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, os.path.join(folder, "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
    return set(regular.face.charToGlyph)


def _style(name: str, size: float = 9, font: str = FONT, color=colors.black, **kw) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3, textColor=color, **kw)


BODY = _style("body")
SMALL = _style("small", 8)
SMALL_RIGHT = _style("small-right", 8, alignment=TA_RIGHT)
CELL_HEAD = _style("head", 8, BOLD, colors.white)
CELL_HEAD_RIGHT = _style("head-right", 8, BOLD, colors.white, alignment=TA_RIGHT)
H1 = _style("h1", 14, BOLD, NAVY, spaceBefore=6, spaceAfter=6)
NOTE = _style("note", 8, color=GREY, spaceBefore=2)
INDENTED = _style("indented", 8, leftIndent=10)


def plain(text: str | None, limit: int | None = None) -> str:
    """Untrusted text made safe for a Paragraph: drawable characters, escaped markup, newlines kept."""
    text = clean_text(text or "")
    if limit and len(text) > limit:
        text = text[:limit - 1].rstrip() + "…"
    text = "".join(_drawable(ch) for ch in text)
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def _drawable(ch: str) -> str:
    """The character if DejaVu has it. Emoji and other symbols it lacks are left out (a row of boxes
    reads worse than nothing; the XLSX and CSV keep them); a letter it lacks shows as U+FFFD."""
    if ord(ch) in _fonts() or ch in "\n\r\t":
        return ch
    return "" if unicodedata.category(ch)[0] in "SMC" else REPLACEMENT


def _p(text: str | None, style: ParagraphStyle = SMALL, limit: int | None = None) -> Paragraph:
    return Paragraph(plain(text, limit), style)


def _n(value: int) -> str:
    return f"{value:,}"


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _change(value: float | None) -> Paragraph:
    if value is None:
        return Paragraph("n/a", _style("na", 8, color=GREY, alignment=TA_RIGHT))
    colour = UP if value > 0 else DOWN if value < 0 else GREY
    sign = "+" if value > 0 else "\u2212" if value < 0 else ""
    return Paragraph(f"{sign}{abs(value):.0%}", _style("change", 8, BOLD, colour, alignment=TA_RIGHT))


def _uk(value: datetime) -> str:
    return uk_local(value).strftime("%a %d %b %H:%M %Z")


# --- tables ----------------------------------------------------------------------------------

def _table(header: list[str], rows: list[list], widths: list[float], numeric_from: int) -> Table:
    """A striped table; columns from `numeric_from` on are right-aligned figures."""
    head = [Paragraph(escape(h), CELL_HEAD_RIGHT if i >= numeric_from else CELL_HEAD) for i, h in enumerate(header)]
    body = [[c if isinstance(c, Paragraph) else Paragraph(escape(str(c)), SMALL_RIGHT if i >= numeric_from else SMALL)
             for i, c in enumerate(row)] for row in rows]
    table = Table([head, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, LIGHT]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, NAVY),
    ]))
    return table


def _headline(report: WeeklyReport) -> Table:
    k = report.kpis
    names = (("posts", "Posts"), ("originals", "of which originals"), ("replies", "of which replies"),
             ("quotes", "of which quotes"), ("contributors", "Contributors"), ("potential_reach", "Potential reach"),
             ("impressions", "Impressions"), ("engagements", "Engagements"))
    rows = [[Paragraph(name, INDENTED if name.startswith("of which") else SMALL), _n(getattr(k.current, key)),
             _n(getattr(k.previous, key)), _change(k.change(key))]
            for key, name in names]
    rows.append(["Unknown region share", _pct(k.current.unknown_share), _pct(k.previous.unknown_share),
                 _change(None)])
    return _table(["Figure", "This week", "Previous week", "Change"], rows,
                  [7 * cm, 3.4 * cm, 3.4 * cm, 3.0 * cm], numeric_from=1)


def _regions_table(report: WeeklyReport) -> Table:
    rows = [[r.name, _n(r.row.kpis.posts), _pct(r.row.share_of_posts), _n(r.row.kpis.contributors),
             _n(r.row.kpis.potential_reach), _n(r.row.kpis.impressions), _n(r.row.kpis.engagements)]
            for r in report.regions]
    return _table(["Region", "Posts", "Share", "Contributors", "Potential reach", "Impressions", "Engagements"],
                  rows, [4.2 * cm, 1.4 * cm, 1.4 * cm, 2.5 * cm, 2.7 * cm, 2.5 * cm, 2.7 * cm], numeric_from=1)


def _top_posts_table(report: WeeklyReport) -> Table | Paragraph:
    if not report.top_posts:
        return Paragraph("No posts this week.", BODY)
    rows = [[str(rank), _p(f"@{p.username or '?'} ({network_label(p.network)})"),
             uk_local(p.created_at).strftime("%a %H:%M"), _p(p.text, limit=POST_TEXT_LIMIT), _n(p.engagements),
             _n(p.impressions) if p.impressions_given is not None else NOT_GIVEN]
            for rank, p in enumerate(report.top_posts, start=1)]
    return _table(["#", "Author", "Posted", "Post", "Engagements", "Impressions"], rows,
                  [0.7 * cm, 2.8 * cm, 1.9 * cm, 7.2 * cm, 2.5 * cm, 2.3 * cm], numeric_from=4)


def _contributors_table(report: WeeklyReport) -> Table | Paragraph:
    if not report.top_contributors:
        return Paragraph("No contributors this week.", BODY)
    rows = [[str(rank), _p(f"@{c.username or '?'} ({network_label(c.network)})"), _p(c.name, limit=40),
             _p(report.region_display(c.region)), _n(c.posts), _n(c.potential_reach), _n(c.engagements)]
            for rank, c in enumerate(report.top_contributors, start=1)]
    return _table(["#", "Account", "Name", "Region", "Posts", "Reach", "Engagements"], rows,
                  [0.8 * cm, 3.4 * cm, 3.7 * cm, 2.9 * cm, 1.5 * cm, 2.4 * cm, 2.7 * cm], numeric_from=4)


def _terms_tables(report: WeeklyReport) -> Table:
    def terms(prefix, items):
        if not items:
            return Paragraph("None this week.", SMALL)
        rows = [[_p(prefix + t.term), _n(t.posts), _n(t.contributors)] for t in items[:TERMS_LIMIT]]
        return _table(["Hashtag" if prefix == "#" else "Account mentioned", "Posts", "Contributors"], rows,
                      [4.6 * cm, 1.4 * cm, 2.5 * cm], numeric_from=1)
    side_by_side = Table([[terms("#", report.hashtags), terms("@", report.mentions)]],
                         colWidths=[WIDTH / 2, WIDTH / 2])
    side_by_side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return side_by_side


def _completeness(report: WeeklyReport) -> list:
    runs = report.runs
    stretches = len(report.missing_stretches)
    summary = (f"{_n(runs.total)} search runs this week: {_n(runs.completed)} completed, {_n(runs.failed)} failed. "
               f"{stretches} stretch{'es' if stretches != 1 else ''} with no successful run.")
    flow = [Paragraph(escape(summary), BODY), Spacer(1, 4)]
    if runs.total == 0:
        flow.append(Paragraph("<b>No collection run was recorded in this week</b>: posts from it may be missing "
                              "(the collector was not running, or the data was imported).", BODY))
        return flow
    if not report.gaps:
        flow.append(Paragraph("No gaps: the collector ran successfully throughout the week, so no posts should "
                              "be missing.", BODY))
        return flow
    rows = [[_uk(g.start), _uk(g.end), g.reason, _p(g.detail)] for g in report.gaps[:GAPS_LIMIT]]
    flow.append(_table(["From (UK)", "To (UK)", "Kind", "Detail"], rows,
                       [4.0 * cm, 4.0 * cm, 2.8 * cm, 6.6 * cm], numeric_from=99))
    if len(report.gaps) > GAPS_LIMIT:
        flow.append(Paragraph(f"…and {len(report.gaps) - GAPS_LIMIT} more (all are in the XLSX Summary sheet).", NOTE))
    flow.append(Paragraph("Posts from these times may be missing until a later run catches up (X keeps 7 days).",
                          NOTE))
    return flow


MPS_LIMIT = 30  # MPs listed on the MPs page (the XLSX lists them all)


def _mps(report: WeeklyReport) -> list:
    """MPs engaged this week and new this week per region, and the MPs engaged (new ones first)."""
    week = report.mps
    rows = [[report.display_name(r.region), _n(r.total), _n(r.engaged), _n(r.new)] for r in week.regions]
    rows.append([Paragraph("<b>All regions shown</b>", SMALL), _n(sum(r.total for r in week.regions)),
                 _n(week.total_engaged), _n(week.total_new)])
    flow = [Paragraph("MPs of each region (by constituency) who posted about the campaign this week, or replied to "
                      "or quoted a campaign post; new: for the first time in the campaign.", NOTE), Spacer(1, 3),
            _table(["Region", "MPs", "Engaged this week", "New this week"], rows,
                   [6.0 * cm, 2.5 * cm, 4.0 * cm, 3.5 * cm], numeric_from=1), Spacer(1, 8)]
    if not week.engaged:
        return [*flow, Paragraph("No MP engaged with the campaign this week.", BODY)]
    engaged = sorted(week.engaged, key=lambda m: (not m.new, m.region, m.constituency))
    listed = [[_p(m.name), _p(m.constituency, limit=40), _p(m.party, limit=30), report.display_name(m.region),
               _n(m.posts_by_mp), "new" if m.new else ""] for m in engaged[:MPS_LIMIT]]
    flow += [Paragraph("MPs engaged this week", H1),
             _table(["MP", "Constituency", "Party", "Region", "Posts", ""], listed,
                    [3.6 * cm, 4.2 * cm, 3.2 * cm, 3.2 * cm, 1.3 * cm, 1.0 * cm], numeric_from=4)]
    if len(engaged) > MPS_LIMIT:
        flow.append(Paragraph(f"…and {len(engaged) - MPS_LIMIT} more (all are in the XLSX MPs sheet).", NOTE))
    return flow


def _actions(report: WeeklyReport) -> list:
    """The week's campaign actions and earlier ones measured this week, each with its effect on posts."""
    if not report.actions:
        return [Paragraph("No campaign actions this week.", BODY)]
    rows = [[f"{day:%a %d %b}", _p(kind, limit=20), _p(title, limit=60), _p(region, limit=26), _n(before), _n(after),
             _p(effect, limit=140)]
            for day, kind, title, region, before, after, _, _, effect, _ in
            report_actions.rows(report.actions, report.region_display)]
    return [Paragraph("Posts in the action's region in the days before and after it; the effect is the region's "
                      "change minus the other regions' over the same days (see Definitions).", NOTE), Spacer(1, 3),
            _table(["Day", "Kind", "Action", "Region", "Before", "After", "Effect on posts"], rows,
                   [2.2 * cm, 2.6 * cm, 3.5 * cm, 2.3 * cm, 1.5 * cm, 1.3 * cm, 4.4 * cm], numeric_from=4)]


def _definitions(report: WeeklyReport) -> list:
    return [Paragraph(f"<b>{escape(d.name)}.</b> {escape(d.text)}", _style("def", 8.5, spaceAfter=4))
            for d in report.definitions]


# --- charts ----------------------------------------------------------------------------------

def _chart_image(fig: Figure, width: float, height: float) -> Image:
    out = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(out, format="png", dpi=200)
    out.seek(0)
    return Image(out, width=width, height=height)


def _daily_chart(report: WeeklyReport) -> Image:
    width, height = WIDTH, 7.2 * cm
    with rc_context({"font.family": "DejaVu Sans", "font.size": 8}):
        fig = Figure(figsize=(width / 72, height / 72))
        ax = fig.add_subplot()
        labels = [d.day.strftime("%a %d %b") for d in report.days]
        posts = [d.point.posts for d in report.days]
        x = list(range(len(labels)))  # positions, not strings: matplotlib would try to parse them as dates
        bars = ax.bar(x, posts, color=NAVY_HEX, width=0.6, label="Posts")
        ax.set_xticks(x, labels)
        ax.bar_label(bars, labels=[_n(v) for v in posts], padding=2, fontsize=7)
        ax.set_ylabel("Posts")
        ax.set_ylim(0, max(posts + [1]) * 1.2)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        reach_axis = ax.twinx()
        reach = [d.point.potential_reach for d in report.days]
        reach_axis.plot(x, reach, color="#E07A1F", marker="o", linewidth=1.5, label="Potential reach")
        reach_axis.set_ylim(0, max(reach + [1]) * 1.2)
        reach_axis.set_ylabel("Potential reach")
        reach_axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        reach_axis.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
        for axis in (ax, reach_axis):
            axis.spines[["top"]].set_visible(False)
        ax.set_title("Posts and potential reach by UK day", loc="left", pad=18, fontsize=9, fontweight="bold")
        fig.legend(loc="upper right", ncols=2, frameon=False, fontsize=7.5)
        fig.tight_layout()
        return _chart_image(fig, width, height)


def _regions_chart(report: WeeklyReport) -> Image:
    width, height = WIDTH, 8.2 * cm
    rows = list(reversed(report.regions))  # barh draws bottom-up: keep ONS order top-down
    with rc_context({"font.family": "DejaVu Sans", "font.size": 8}):
        fig = Figure(figsize=(width / 72, height / 72))
        ax = fig.add_subplot()
        posts = [r.row.kpis.posts for r in rows]
        colours = [GREY_HEX if r.key == "Unknown" else NAVY_HEX for r in rows]
        y = list(range(len(rows)))
        bars = ax.barh(y, posts, color=colours, height=0.65)
        ax.set_yticks(y, [r.name for r in rows])
        ax.bar_label(bars, labels=[_n(v) for v in posts], padding=3, fontsize=7)
        ax.set_xlim(0, max(posts + [1]) * 1.15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Posts")
        ax.spines[["top", "right"]].set_visible(False)
        title = "Posts by NAHT region" if any(posts) else "Posts by NAHT region (no posts this week)"
        ax.set_title(title, loc="left", fontsize=9, fontweight="bold")
        fig.tight_layout()
        return _chart_image(fig, width, height)


# --- pages -----------------------------------------------------------------------------------

def _title_facts(report: WeeklyReport) -> Table:
    generated = uk_local(report.generated_at).strftime("%d %B %Y %H:%M %Z")
    facts = [["Week", f"{report.week_label}: Monday {report.monday:%d %B %Y} to Sunday {report.sunday:%d %B %Y} "
                      "(UK time)"],
             ["Region", report.region_name],
             ["Generated", generated]]
    if not report.complete:
        facts.append(["Note", "The week is not over: figures run to the time generated."])
    if report.removed_note:
        facts.append(["Removed", report.removed_note])
    table = Table([[Paragraph(f"<b>{escape(k)}</b>", BODY), _p(v, BODY)] for k, v in facts],
                  colWidths=[2.6 * cm, WIDTH - 2.6 * cm], hAlign="LEFT")
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _story(report: WeeklyReport) -> list:
    story = [_title_facts(report), Spacer(1, 8),
             Paragraph("Headline figures", H1), _headline(report),
             Paragraph("Change compares with the previous week (Monday to Sunday); n/a where it had none.", NOTE),
             Spacer(1, 6), Paragraph("Daily activity", H1), _daily_chart(report),
             PageBreak(),
             Paragraph("Regions", H1)]
    if report.region is None:
        story.append(_regions_chart(report))
    story += [Spacer(1, 6), _regions_table(report),
              PageBreak(),
              Paragraph("Top posts", H1), Paragraph("By engagements (likes, reposts, replies, quotes and "
                                                    "bookmarks), then impressions.", NOTE), Spacer(1, 3),
              _top_posts_table(report),
              PageBreak(),
              Paragraph("Top contributors", H1), _contributors_table(report),
              Paragraph("Hashtags and mentions", H1), _terms_tables(report),
              PageBreak(),
              Paragraph("MPs", H1), *_mps(report),
              Paragraph("Campaign actions", H1), *_actions(report),
              PageBreak(),   # last: the definitions run on to another page as they grow
              Paragraph("Collection completeness", H1), *_completeness(report),
              Paragraph("Definitions", H1), *_definitions(report)]
    return story


def _page_decorations(report: WeeklyReport):
    """Draws the title band on page 1 (campaign title from config, drawn as text, never markup)."""
    def first_page(canvas, doc):
        width, height = A4
        canvas.saveState()
        canvas.setFillColor(NAVY)
        canvas.rect(0, height - BAND_HEIGHT, width, BAND_HEIGHT, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont(BOLD, 10)
        canvas.drawString(MARGIN, height - 1.2 * cm, "NAHT  ·  Weekly campaign summary")
        canvas.setFont(BOLD, 20)
        canvas.drawString(MARGIN, height - 2.3 * cm, clean_text(report.campaign.title)[:60])
        canvas.setFont(FONT, 12)
        canvas.drawString(MARGIN, height - 3.2 * cm,
                          f"Week {report.week} of {report.year}  ·  {clean_text(report.region_name)}")
        canvas.restoreState()
    return first_page


def _numbered_canvas(footer: str):
    class NumberedCanvas(pdf_canvas.Canvas):
        """Holds every page until the end, so each footer can say 'Page n of N'."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(FONT, 7.5)
                self.setFillColor(GREY)
                self.drawString(MARGIN, 1.0 * cm, footer)
                self.drawRightString(A4[0] - MARGIN, 1.0 * cm, f"Page {number} of {len(self._pages)}")
                super().showPage()
            super().save()
    return NumberedCanvas


def render_pdf(report: WeeklyReport) -> bytes:
    _fonts()
    out = io.BytesIO()
    title = f"{report.campaign.title}: weekly summary {report.week_label} ({report.region_name})"
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=1.8 * cm, title=clean_text(title), author="NAHT",
                            subject="Weekly campaign summary", creator="campaign-monitor")
    first_frame_top = BAND_HEIGHT + 0.6 * cm - MARGIN  # push page 1's content below the band
    story = [Spacer(1, first_frame_top), *_story(report)]
    footer = clean_text(f"NAHT · {report.campaign.title} · {report.week_label} · {report.region_name}")
    doc.build(story, onFirstPage=_page_decorations(report), canvasmaker=_numbered_canvas(footer))
    return out.getvalue()
