"""The weekly report as an A4 PDF a person can send to a director, made offline with reportlab.

Pages: 1 the title block, headline figures with week-on-week change and the daily chart; 2 regions
(chart and table); 3 top posts; 4 top contributors, hashtags and mentions; 5 collection completeness
and the definitions; 6 MPs engaged and new this week, per region. Each section starts its own page, so
ten of the longest posts cannot push the rest onto extra pages: the page count is always 6. Every page
has a footer with the week and "Page n of N".

This module lays the pages out; pdf_style holds the font, styles and striped table, pdf_sections the tables
and charts. Charts are drawn by matplotlib in DejaVu Sans, the font matplotlib ships, which reportlab embeds
too: the same offline font everywhere, with Welsh, accents, Hebrew/Arabic letters and common emoji.

Untrusted text (posts, names) goes into Paragraphs, which read markup: it is escaped first, so
`<b>bold</b>` prints as written, and emoji the font lacks are left out and
letters it lacks become U+FFFD, instead of blank boxes.
Right-to-left text is printed in stored (logical) order: reportlab does not reorder it.
"""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from monitor.reports import pdf_sections as sections
from monitor.reports.model import WeeklyReport
from monitor.reports.pdf_style import BODY, BOLD, FONT, GREY, H1, MARGIN, NAVY, NOTE, WIDTH, fonts, para
from monitor.safety import clean_text
from monitor.timeutil import uk_local

BAND_HEIGHT = 4.2 * cm


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
    table = Table([[Paragraph(f"<b>{escape(k)}</b>", BODY), para(v, BODY)] for k, v in facts],
                  colWidths=[2.6 * cm, WIDTH - 2.6 * cm], hAlign="LEFT")
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _story(report: WeeklyReport) -> list:
    story = [_title_facts(report), Spacer(1, 8),
             Paragraph("Headline figures", H1), sections.headline(report),
             Paragraph("Change compares with the previous week (Monday to Sunday); n/a where it had none.", NOTE),
             Spacer(1, 6), Paragraph("Daily activity", H1), sections.daily_chart(report),
             PageBreak(),
             Paragraph("Regions", H1)]
    if report.region is None:
        story.append(sections.regions_chart(report))
    story += [Spacer(1, 6), sections.regions_table(report),
              PageBreak(),
              Paragraph("Top posts", H1), Paragraph("By engagements (likes, reposts, replies, quotes and "
                                                    "bookmarks), then impressions.", NOTE), Spacer(1, 3),
              sections.top_posts_table(report),
              PageBreak(),
              Paragraph("Top contributors", H1), sections.contributors_table(report),
              Paragraph("Hashtags and mentions", H1), sections.terms_tables(report),
              PageBreak(),
              Paragraph("MPs", H1), *sections.mps(report),
              Paragraph("Campaign actions", H1), *sections.actions(report),
              PageBreak(),   # last: the definitions run on to another page as they grow
              Paragraph("Collection completeness", H1), *sections.completeness(report),
              Paragraph("Definitions", H1), *sections.definitions(report)]
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
    fonts()
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
