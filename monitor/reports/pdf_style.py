"""The weekly PDF's look: the DejaVu Sans font (shipped with matplotlib, embedded by reportlab), the paragraph
styles, the page width, untrusted text made safe for a Paragraph, figures as text and the striped table every
section draws. Untrusted text (posts, names) is escaped first, so `<b>bold</b>` prints as written; emoji the font
lacks are left out and letters it lacks become U+FFFD, instead of blank boxes."""
from __future__ import annotations

import os
import unicodedata
from datetime import datetime
from functools import lru_cache
from xml.sax.saxutils import escape

from matplotlib import get_data_path
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, Table, TableStyle

from monitor import brand
from monitor.safety import REPLACEMENT, clean_text
from monitor.timeutil import uk_local

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
NAVY = colors.HexColor(brand.NAVY)   # the dashboard's theme is the same navy (monitor.brand)
LIGHT = colors.HexColor(brand.NAVY_LIGHT)
GREY = colors.HexColor("#666666")
UP, DOWN = colors.HexColor(brand.UP), colors.HexColor(brand.DOWN)
NAVY_HEX, GREY_HEX = brand.NAVY, brand.GREY_MUTED
MARGIN = 1.8 * cm
WIDTH = A4[0] - 2 * MARGIN

# --- fonts, styles, text ---------------------------------------------------------------------

@lru_cache(maxsize=1)
def fonts() -> set[int]:
    """Register DejaVu Sans (shipped with matplotlib) once; returns the code points it can draw."""
    folder = os.path.join(get_data_path(), "fonts", "ttf")
    regular = TTFont(FONT, os.path.join(folder, "DejaVuSans.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(BOLD, os.path.join(folder, "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
    return set(regular.face.charToGlyph)


def style(name: str, size: float = 9, font: str = FONT, color=colors.black, **kw) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3, textColor=color, **kw)


BODY = style("body")
SMALL = style("small", 8)
SMALL_RIGHT = style("small-right", 8, alignment=TA_RIGHT)
CELL_HEAD = style("head", 8, BOLD, colors.white)
CELL_HEAD_RIGHT = style("head-right", 8, BOLD, colors.white, alignment=TA_RIGHT)
H1 = style("h1", 14, BOLD, NAVY, spaceBefore=6, spaceAfter=6)
NOTE = style("note", 8, color=GREY, spaceBefore=2)
INDENTED = style("indented", 8, leftIndent=10)


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
    if ord(ch) in fonts() or ch in "\n\r\t":
        return ch
    return "" if unicodedata.category(ch)[0] in "SMC" else REPLACEMENT


def para(text: str | None, look: ParagraphStyle = SMALL, limit: int | None = None) -> Paragraph:
    return Paragraph(plain(text, limit), look)


def num(value: int) -> str:
    return f"{value:,}"


def pct(value: float) -> str:
    return f"{value:.1%}"


def change(value: float | None) -> Paragraph:
    if value is None:
        return Paragraph("n/a", style("na", 8, color=GREY, alignment=TA_RIGHT))
    colour = UP if value > 0 else DOWN if value < 0 else GREY
    sign = "+" if value > 0 else "\u2212" if value < 0 else ""
    return Paragraph(f"{sign}{abs(value):.0%}", style("change", 8, BOLD, colour, alignment=TA_RIGHT))


def uk_time(value: datetime) -> str:
    return uk_local(value).strftime("%a %d %b %H:%M %Z")


# --- tables ----------------------------------------------------------------------------------

def table(header: list[str], rows: list[list], widths: list[float], numeric_from: int) -> Table:
    """A striped table; columns from `numeric_from` on are right-aligned figures."""
    head = [Paragraph(escape(h), CELL_HEAD_RIGHT if i >= numeric_from else CELL_HEAD) for i, h in enumerate(header)]
    body = [[c if isinstance(c, Paragraph) else Paragraph(escape(str(c)), SMALL_RIGHT if i >= numeric_from else SMALL)
             for i, c in enumerate(row)] for row in rows]
    striped = Table([head, *body], colWidths=widths, repeatRows=1, hAlign="LEFT")
    striped.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, LIGHT]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("LINEBELOW", (0, -1), (-1, -1), 0.5, NAVY),
    ]))
    return striped
