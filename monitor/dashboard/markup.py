"""The dashboard's tables, timeline and tile map as plain HTML and CSS, drawn by the server.

Why not st.dataframe and Altair: both load about a megabyte of JavaScript into the page and draw on a
canvas, which took most of a page's time in a fresh browser (bench/bench_pages.py), kept short
tables behind an inner scroll bar, showed charts no screen reader could read, and labelled the
timeline in the browser's own time zone. A table here is a <table> (every row shown, headers a
screen reader announces, a sticky first column when it is wider than the screen); a chart is a few
dozen <div>s with the figure in each one's title and a table of the same figures beside it.

Every piece of text that comes from X or from a person (post text, names, locations, handles,
hashtags, branch names, API errors) goes through `text()`, html.escape: it is shown as written and can
never become markup. st.html sanitises the result again (DOMPurify) and runs no script.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Sequence

from monitor import brand

LONG_TEXT = 400  # characters: a longer post keeps its whole text in a cell that scrolls past ~8 lines


def text(value: Any) -> str:
    """Any value as HTML text: escaped, never markup."""
    return html.escape("" if value is None else str(value), quote=True)


def number(value: int | float | str | None) -> str:
    """A count with thousands separators; a text (such as 'not given') as it is."""
    if isinstance(value, str):
        return text(value)
    return "—" if value is None else f"{value:,}"


def compact(value: float) -> str:
    """An axis label: 12,345 -> 12k, 1,234,567 -> 1.2M."""
    for size, suffix in ((1_000_000_000, "bn"), (1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            shown = value / size
            return f"{shown:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}"


# --- one style sheet for every page (ui.page_style injects it) --------------------------------

CSS = f"""<style>
.cm-wrap {{ overflow-x: auto; max-width: 100%; margin: 0 0 0.75rem 0; }}
.cm-wrap:focus-visible {{ outline: 2px solid {brand.NAVY}; }}
table.cm-table {{ border-collapse: separate; border-spacing: 0; width: 100%; font-size: 0.875rem;
  color: {brand.TEXT}; }}
.cm-table caption {{ text-align: left; color: {brand.GREY}; font-size: 0.8rem; padding: 0 0 0.25rem 0; }}
.cm-table th {{ background: {brand.NAVY}; color: #FFFFFF; text-align: left; font-weight: 600;
  padding: 0.4rem 0.45rem; white-space: nowrap; }}
.cm-table td {{ padding: 0.35rem 0.45rem; border-bottom: 1px solid #D5DAE3; vertical-align: top;
  background: #FFFFFF; }}
.cm-table tbody tr:nth-child(even) td {{ background: {brand.NAVY_LIGHT}; }}
.cm-table .num {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
.cm-table .nowrap {{ white-space: nowrap; }}
.cm-table th.key, .cm-table td.key {{ position: sticky; left: 0; z-index: 1; }}
.cm-table th.key {{ z-index: 2; }}
.cm-table td.post {{ min-width: 12rem; white-space: pre-wrap; overflow-wrap: anywhere; }}
.cm-table td.post .cm-long {{ display: block; max-height: 10.5em; overflow-y: auto; }}
.cm-table a {{ color: {brand.NAVY}; font-weight: 600; white-space: nowrap; }}
.cm-table td.bar {{ min-width: 6rem; }}
@media (max-width: 640px) {{
  .cm-cards thead {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }}
  .cm-cards, .cm-cards tbody, .cm-cards tr, .cm-cards td {{ display: block; width: auto; }}
  .cm-cards tr {{ border: 1px solid #D5DAE3; border-left: 4px solid {brand.NAVY}; margin: 0 0 0.6rem 0; }}
  .cm-cards td, .cm-table.cm-cards td.key {{ position: static; border: 0; padding: 0.15rem 0.6rem;
    min-width: 0; max-width: none; text-align: left; white-space: normal; }}
  .cm-cards td[data-label]::before {{ content: attr(data-label) ": "; font-weight: 600; }}
  .cm-cards td.post::before {{ display: block; }}
}}
.cm-bar {{ display: inline-block; height: 0.7rem; background: {brand.NAVY}; vertical-align: middle; }}
.cm-tiles {{ display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 4px; max-width: 34rem; }}
a.cm-tile {{ display: flex; flex-direction: column; justify-content: center; align-items: center;
  aspect-ratio: 5 / 4; border-radius: 4px; text-decoration: none; text-align: center; padding: 2px;
  font-size: 0.8rem; line-height: 1.15; overflow: hidden; }}
a.cm-tile:hover, a.cm-tile:focus-visible {{ outline: 3px solid #F2A900; outline-offset: 1px; }}
a.cm-tile .cm-tile-value {{ font-size: 1rem; font-weight: 700; }}
.cm-legend {{ display: flex; align-items: center; gap: 0.5rem; font-size: 0.8rem; color: {brand.GREY};
  margin: 0.4rem 0; max-width: 34rem; flex-wrap: wrap; }}
.cm-ramp {{ width: 8rem; height: 0.7rem; border-radius: 2px;
  background: linear-gradient(to right, {brand.NAVY_LIGHT}, {brand.NAVY}); }}
.cm-chart {{ display: grid; grid-template-columns: 3.2rem 1fr 3.2rem; grid-template-rows: 14rem auto;
  font-size: 0.75rem; color: {brand.GREY}; }}
.cm-axis {{ position: relative; }}
.cm-axis span {{ position: absolute; transform: translateY(50%); white-space: nowrap; }}
.cm-axis.left span {{ right: 0.35rem; }}
.cm-axis.right span {{ left: 0.35rem; }}
.cm-plot {{ position: relative; border-left: 1px solid #8A93A6; border-bottom: 1px solid #8A93A6; }}
.cm-grid {{ position: absolute; left: 0; right: 0; border-top: 1px dashed #D5DAE3; }}
.cm-gap {{ position: absolute; top: 0; bottom: 0; background: rgba(179, 38, 30, 0.18);
  border-left: 1px solid {brand.GAP_RED}; }}
.cm-bars {{ position: absolute; inset: 0; display: flex; align-items: flex-end; }}
.cm-bars > div {{ flex: 1 1 0; height: 100%; display: flex; align-items: flex-end; justify-content: center; }}
.cm-bars > div > div {{ width: 80%; background: {brand.NAVY}; min-height: 0; }}
.cm-bars > div:hover > div {{ background: #3A5A96; }}
.cm-line {{ position: absolute; inset: 0; background: {brand.REACH}; pointer-events: none; }}
.cm-dot {{ position: absolute; width: 0.45rem; height: 0.45rem; margin: -0.225rem 0 0 -0.225rem; border-radius: 50%;
  background: {brand.REACH}; pointer-events: none; }}
.cm-mark {{ position: absolute; top: 0; bottom: 0; width: 0.9rem; margin-left: -0.45rem; cursor: help; }}
.cm-mark::before {{ content: ""; position: absolute; top: 0; bottom: 0; left: 50%;
  border-left: 2px dashed {brand.ACTION}; }}
.cm-mark i {{ position: absolute; top: 0; left: 50%; width: 0.7rem; height: 0.55rem; background: {brand.ACTION}; }}
.cm-ticks {{ position: relative; height: 2.4rem; grid-column: 2; }}
.cm-ticks > span {{ position: absolute; top: 0.2rem; transform: translateX(-50%); white-space: nowrap;
  text-align: center; line-height: 1.2; }}
.cm-ticks b {{ font-weight: normal; }}
@media (max-width: 700px) {{ .cm-ticks .cm-m {{ display: none; }} }}
.cm-ticks i {{ position: absolute; top: -1px; width: 1px; height: 0.25rem; background: #8A93A6; }}
.cm-key {{ display: flex; gap: 1rem; flex-wrap: wrap; font-size: 0.8rem; color: {brand.GREY};
  margin: 0.2rem 0 0.6rem 0; }}
.cm-key b {{ display: inline-block; width: 0.8rem; height: 0.8rem; vertical-align: -0.1rem;
  margin-right: 0.3rem; }}
.cm-sr {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }}
[data-testid="stElementToolbar"] {{ display: none; }}
/* Streamlit's 5rem side margins leave a post's text off screen beside its figures at 1440 px: 2rem do. */
@media (min-width: 641px) {{ [data-testid="stMainBlockContainer"] {{ padding-left: 2rem; padding-right: 2rem; }} }}
/* Streamlit fades captions to 60%: 4.3:1 and less, under WCAG's 4.5:1. The same grey, solid, reads at 6-7:1. */
[data-testid="stCaptionContainer"] {{ opacity: 1; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{ color: {brand.GREY}; }}
</style>"""


# --- tables ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A table column: its header and how its cells are shown.

    kind: "text" (escaped), "num" (thousands separators, right), "pct" (0-100, one decimal), "post"
    (long text, wrapped), "link" (cells are (label, href) or None: a page on X, in a new tab), "page" (the
    same, a page of the dashboard), "bar" (a fraction 0..1 drawn as a bar), "nowrap" (short text kept on
    one line).
    key: the column stays in view when the table scrolls sideways (the row's name)."""
    header: str
    kind: str = "text"
    key: bool = False


def _cell(column: Column, value: Any, card: bool = False) -> str:
    classes = [column.kind if column.kind in ("num", "post", "nowrap", "bar") else ""]
    if column.kind == "pct":
        classes, body = ["num"], ("—" if value is None else f"{value:.1f}%")
    elif column.kind == "num":
        body = number(value)
    elif column.kind in ("link", "page"):
        target = ' target="_blank" rel="noopener noreferrer"' if column.kind == "link" else ' target="_self"'
        body = "" if not value else f'<a href="{text(value[1])}"{target}>{text(value[0])}</a>'
        classes = ["nowrap"]
    elif column.kind == "bar":
        body = f'<span class="cm-bar" style="width:{min(1.0, max(0.0, value or 0)) * 100:.1f}%"></span>'

    elif column.kind == "post":
        shown = text(value)
        # A long post scrolls in its cell: focusable, so a keyboard can scroll it too (WCAG 2.1.1).
        body = (f'<span class="cm-long" tabindex="0" role="region" aria-label="The whole post">{shown}</span>'
                if len(value or "") > LONG_TEXT else shown)
    else:
        body = text(value)
    if column.key:
        classes.append("key")
    names = " ".join(c for c in classes if c)
    label = f' data-label="{text(column.header)}"' if card and column.header else ""
    return f'<td class="{names}"{label}>{body}</td>' if names else f"<td{label}>{body}</td>"


def table(columns: Sequence[Column], rows: Sequence[Sequence[Any]], caption: str | None = None,
          label: str | None = None, cards: bool = False) -> str:
    """A whole table: every row shown, scrolling sideways inside its box when wider than the page.
    `label` names it for a screen reader (the box is a focusable region, so it can be scrolled by key).
    With `cards`, on a phone each row becomes a card of "header: value" lines (a post's text readable
    without scrolling sideways)."""
    head = "".join(f'<th scope="col" class="{"num" if c.kind in ("num", "pct") else ""}'
                   f'{" key" if c.key else ""}">{text(c.header)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(_cell(c, v, cards) for c, v in zip(columns, row)) + "</tr>" for row in rows)
    name = text(label or caption or "table")
    cap = f"<caption>{text(caption)}</caption>" if caption else ""
    return (f'<div class="cm-wrap" role="region" aria-label="{name}" tabindex="0">'
            f'<table class="cm-table{" cm-cards" if cards else ""}">{cap}<thead><tr>{head}</tr></thead>'
            f'<tbody>{body}</tbody></table></div>')


# --- colours -----------------------------------------------------------------------------------

def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    la, lb = sorted((_luminance(_rgb(a)), _luminance(_rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def shade(fraction: float) -> str:
    """A colour on the ramp from NAVY_LIGHT (0) to NAVY (1)."""
    lo, hi = _rgb(brand.NAVY_LIGHT), _rgb(brand.NAVY)
    f = min(1.0, max(0.0, fraction))
    return "#" + "".join(f"{round(a + (b - a) * f):02X}" for a, b in zip(lo, hi))


def ink(background: str) -> str:
    """White on a dark shade, near-black on a light one: whichever reads better (always over 4.5:1)."""
    return "#FFFFFF" if contrast(background, "#FFFFFF") >= contrast(background, "#000000") else "#000000"


# --- the tile map ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tile:
    name: str         # the region's display name
    short: str        # what fits on the tile
    col: int
    row: int
    value: int
    share: float      # of all posts, 0..1
    href: str
    note: str = ""    # more for the tooltip (the region's campaign actions in the period)


def tile_map(tiles: Sequence[Tile], measure: str, described_by: str) -> str:
    """One square a region (docs/regions.md's grid), darker for more; each tile a link to its region page,
    its figure in its text and its title (the tooltip). A screen reader is told the figures are in the
    table `described_by` names."""
    top = max((t.value for t in tiles), default=0)
    cells = []
    for t in tiles:
        # a square root keeps London from washing out every other region
        fill = shade(math.sqrt(t.value / top)) if top else "#F4F5F8"
        colour = ink(fill)
        note = f" {t.note}" if t.note else ""
        tip = f"{t.name}: {t.value:,} {measure} ({t.share:.1%} of all posts).{note} Open its page."
        # the visible text starts the link's name; the rest is for a screen reader (title: the tooltip)
        cells.append(f'<a class="cm-tile" href="{text(t.href)}" target="_self" title="{text(tip)}" '
                     f'style="grid-column:{t.col + 1};grid-row:{t.row + 1};background:{fill};color:{colour}">'
                     f'<span>{text(t.short)}</span> <span class="cm-tile-value">{t.value:,}</span>'
                     f'<span class="cm-sr"> {text(measure)} in {text(t.name)}, {t.share:.1%} of all posts: '
                     f"open its page</span></a>")
    legend = (f'<div class="cm-legend" aria-hidden="true"><span>0</span><span class="cm-ramp"></span>'
              f'<span>{top:,} {text(measure)}</span><span>· click a region to open its page</span></div>')
    return (f'<nav aria-label="Regions on a tile map: {text(measure)}; the same figures are in the table '
            f'{text(described_by)}"><div class="cm-tiles">{"".join(cells)}</div></nav>{legend}')


# --- the timeline ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    start: datetime   # UK local, naive
    label: str        # the tooltip's name of the bar ("Mon 16 Nov", "Mon 16 Nov 14:00")
    posts: int
    reach: int


@dataclass(frozen=True)
class Band:
    start: datetime   # UK local, naive
    end: datetime
    title: str


@dataclass(frozen=True)
class Mark:
    """A campaign action on the timeline: a flagged line at its UK day (or hour); its title is the tooltip."""
    at: datetime      # UK local, naive
    title: str


def _marks(marks: Sequence[Mark], period_start: datetime, span: float) -> str:
    return "".join(f'<div class="cm-mark" title="{text(m.title)}" '
                   f'style="left:{_fraction(m.at, period_start, span):.2f}%"><i></i></div>' for m in marks)


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """0 and round steps up to at least `top` (1, 2 or 5 times a power of ten)."""
    if top <= 0:
        return [0.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [step * i for i in range(int(math.ceil(top / step)) + 1)]


def _x_labels(bars: Sequence[Bar], hourly: bool) -> list[tuple[int, str]]:
    """(bar index, label) of the labelled ticks: UK dates, one a day (every day up to a fortnight,
    else each Monday and the first day); by hour, each midnight's date and 24-hour times between."""
    labels = []
    for i, bar in enumerate(bars):
        moment = bar.start
        if hourly:
            if moment.hour == 0:
                labels.append((i, f"{moment:%a %d %b}"))
            elif len(bars) <= 48 and moment.hour % 6 == 0:
                minor = ' class="cm-m"' if moment.hour != 12 else ""   # a phone keeps midday only
                labels.append((i, f"<b{minor}>{moment:%H:%M}</b>" if minor else f"{moment:%H:%M}"))
        elif len(bars) <= 14 or i == 0 or moment.weekday() == 0:
            # on a phone the month is left to the first label: "25 Nov26 Nov" would run together
            month = f" {moment:%b}" if i == 0 else f'<span class="cm-m"> {moment:%b}</span>'
            labels.append((i, f"{moment:%a}<br>{moment:%d}{month}"))
    return labels


def timeline(bars: Sequence[Bar], bands: Sequence[Band], period_start: datetime, period_end: datetime,
             hourly: bool, name: str, marks: Sequence[Mark] = ()) -> str:
    """Posts as bars (left axis) and potential reach as a line (right axis) for each UK day or hour of the
    period, with collection gaps as red bands and campaign actions as marks. The ticks are the period's own
    days or hours: nothing outside it."""
    n = max(1, len(bars))
    posts_ticks = nice_ticks(max((b.posts for b in bars), default=0))
    reach_ticks = nice_ticks(max((b.reach for b in bars), default=0))
    posts_top, reach_top = posts_ticks[-1] or 1, reach_ticks[-1] or 1
    left = "".join(f'<span style="bottom:{v / posts_top * 100:.2f}%">{compact(v)}</span>' for v in posts_ticks)
    right = "".join(f'<span style="bottom:{v / reach_top * 100:.2f}%">{compact(v)}</span>' for v in reach_ticks)
    grid = "".join(f'<div class="cm-grid" style="bottom:{v / posts_top * 100:.2f}%"></div>' for v in posts_ticks[1:])
    columns = "".join(
        f'<div title="{text(b.label)}: {b.posts:,} posts, potential reach {b.reach:,}">'
        f'<div style="height:{b.posts / posts_top * 100:.2f}%"></div></div>' for b in bars)
    span = (period_end - period_start).total_seconds() or 1
    gaps = "".join(
        f'<div class="cm-gap" title="{text(g.title)}" style="left:{_fraction(g.start, period_start, span):.2f}%;'
        f'width:{max(0.4, _fraction(g.end, period_start, span) - _fraction(g.start, period_start, span)):.2f}%">'
        f"</div>" for g in bands)
    line = _reach_line([((i + 0.5) / n * 100, 100 - b.reach / reach_top * 100) for i, b in enumerate(bars)])
    ticks = "".join(f'<i style="left:{(i + 0.5) / n * 100:.3f}%"></i>' for i in range(n) if n <= 62 or not hourly)
    ticks += "".join(f'<span style="left:{(i + 0.5) / n * 100:.3f}%">{label}</span>'
                     for i, label in _x_labels(bars, hourly))
    return (f'<figure role="group" aria-label="{text(name)}" style="margin:0">'
            f'<div class="cm-chart" aria-hidden="true"><div class="cm-axis left">{left}</div>'
            f'<div class="cm-plot">{grid}{gaps}<div class="cm-bars">{columns}</div>{line}'
            f'{_marks(marks, period_start, span)}</div>'
            f'<div class="cm-axis right">{right}</div><div class="cm-ticks">{ticks}</div></div></figure>')


LINE_THICKNESS = 1.4   # % of the plot's height


def _reach_line(points: list[tuple[float, float]]) -> str:
    """The reach line, drawn by CSS (st.html keeps no SVG): a thin band clipped along the points, in % of
    the plot, so it follows the plot's width on any screen; a dot at each point when there are few."""
    if not points:
        return ""
    half = LINE_THICKNESS / 2
    if len(points) == 1:
        points = [(0.0, points[0][1]), *points, (100.0, points[0][1])]
    outline = ([f"{x:.3f}% {y - half:.3f}%" for x, y in points]
               + [f"{x:.3f}% {y + half:.3f}%" for x, y in reversed(points)])
    band = f'<div class="cm-line" style="clip-path:polygon({", ".join(outline)})"></div>'
    dots = "".join(f'<div class="cm-dot" style="left:{x:.3f}%;top:{y:.3f}%"></div>' for x, y in points) \
        if len(points) <= 62 else ""
    return band + dots


def _fraction(moment: datetime, start: datetime, span: float) -> float:
    return min(100.0, max(0.0, (moment - start).total_seconds() / span * 100))


def chart_key(items: Sequence[tuple[str, str]]) -> str:
    """A legend: (colour, what it means)."""
    return '<div class="cm-key">' + "".join(f'<span><b style="background:{c}"></b>{text(what)}</span>'
                                            for c, what in items) + "</div>"


def day_start(day: date, hour: int | None = None) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour or 0)
