"""The weekly PDF's sections, each drawn from the report (rendering never queries): the headline figures, the
regions, top posts, top contributors, hashtags and mentions, MPs, campaign actions, collection completeness and
the definitions, and the two charts.

Charts are drawn by matplotlib's Agg renderer through its object API (no pyplot: the dashboard renders from several
threads) in DejaVu Sans, the font the tables use too."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from reportlab.lib.units import cm
from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle

from monitor.networks import NOT_GIVEN
from monitor.networks import label as network_label
from monitor.reports import actions as report_actions
from monitor.reports.model import WeeklyReport
from monitor.reports.pdf_style import (
    BODY,
    GREY_HEX,
    H1,
    INDENTED,
    NAVY_HEX,
    NOTE,
    SMALL,
    WIDTH,
    change,
    num,
    para,
    pct,
    style,
    table,
    uk_time,
)
from monitor.timeutil import uk_local

POST_TEXT_LIMIT = 200  # characters of a post in the PDF (the XLSX has them whole): keeps page 3 one page
GAPS_LIMIT = 15
TERMS_LIMIT = 10
MPS_LIMIT = 30  # MPs listed on the MPs page (the XLSX lists them all)


def headline(report: WeeklyReport) -> Table:
    k = report.kpis
    names = (("posts", "Posts"), ("originals", "of which originals"), ("replies", "of which replies"),
             ("quotes", "of which quotes"), ("contributors", "Contributors"), ("potential_reach", "Potential reach"),
             ("impressions", "Impressions"), ("engagements", "Engagements"))
    rows = [[Paragraph(name, INDENTED if name.startswith("of which") else SMALL), num(getattr(k.current, key)),
             num(getattr(k.previous, key)), change(k.change(key))]
            for key, name in names]
    rows.append(["Unknown region share", pct(k.current.unknown_share), pct(k.previous.unknown_share),
                 change(None)])
    return table(["Figure", "This week", "Previous week", "Change"], rows,
                 [7 * cm, 3.4 * cm, 3.4 * cm, 3.0 * cm], numeric_from=1)


def regions_table(report: WeeklyReport) -> Table:
    rows = [[r.name, num(r.row.kpis.posts), pct(r.row.share_of_posts), num(r.row.kpis.contributors),
             num(r.row.kpis.potential_reach), num(r.row.kpis.impressions), num(r.row.kpis.engagements)]
            for r in report.regions]
    return table(["Region", "Posts", "Share", "Contributors", "Potential reach", "Impressions", "Engagements"],
                 rows, [4.2 * cm, 1.4 * cm, 1.4 * cm, 2.5 * cm, 2.7 * cm, 2.5 * cm, 2.7 * cm], numeric_from=1)


def top_posts_table(report: WeeklyReport) -> Table | Paragraph:
    if not report.top_posts:
        return Paragraph("No posts this week.", BODY)
    rows = [[str(rank), para(f"@{p.username or '?'} ({network_label(p.network)})"),
             uk_local(p.created_at).strftime("%a %H:%M"), para(p.text, limit=POST_TEXT_LIMIT), num(p.engagements),
             num(p.impressions) if p.impressions_given is not None else NOT_GIVEN]
            for rank, p in enumerate(report.top_posts, start=1)]
    return table(["#", "Author", "Posted", "Post", "Engagements", "Impressions"], rows,
                 [0.7 * cm, 2.8 * cm, 1.9 * cm, 7.2 * cm, 2.5 * cm, 2.3 * cm], numeric_from=4)


def contributors_table(report: WeeklyReport) -> Table | Paragraph:
    if not report.top_contributors:
        return Paragraph("No contributors this week.", BODY)
    rows = [[str(rank), para(f"@{c.username or '?'} ({network_label(c.network)})"), para(c.name, limit=40),
             para(report.region_display(c.region)), num(c.posts), num(c.potential_reach), num(c.engagements)]
            for rank, c in enumerate(report.top_contributors, start=1)]
    return table(["#", "Account", "Name", "Region", "Posts", "Reach", "Engagements"], rows,
                 [0.8 * cm, 3.4 * cm, 3.7 * cm, 2.9 * cm, 1.5 * cm, 2.4 * cm, 2.7 * cm], numeric_from=4)


def terms_tables(report: WeeklyReport) -> Table:
    def terms(prefix, items):
        if not items:
            return Paragraph("None this week.", SMALL)
        rows = [[para(prefix + t.term), num(t.posts), num(t.contributors)] for t in items[:TERMS_LIMIT]]
        return table(["Hashtag" if prefix == "#" else "Account mentioned", "Posts", "Contributors"], rows,
                     [4.6 * cm, 1.4 * cm, 2.5 * cm], numeric_from=1)
    side_by_side = Table([[terms("#", report.hashtags), terms("@", report.mentions)]],
                         colWidths=[WIDTH / 2, WIDTH / 2])
    side_by_side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return side_by_side


def completeness(report: WeeklyReport) -> list:
    runs = report.runs
    stretches = len(report.missing_stretches)
    summary = (f"{num(runs.total)} search runs this week: {num(runs.completed)} completed, {num(runs.failed)} failed. "
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
    rows = [[uk_time(g.start), uk_time(g.end), g.reason, para(g.detail)] for g in report.gaps[:GAPS_LIMIT]]
    flow.append(table(["From (UK)", "To (UK)", "Kind", "Detail"], rows,
                      [4.0 * cm, 4.0 * cm, 2.8 * cm, 6.6 * cm], numeric_from=99))
    if len(report.gaps) > GAPS_LIMIT:
        flow.append(Paragraph(f"…and {len(report.gaps) - GAPS_LIMIT} more (all are in the XLSX Summary sheet).", NOTE))
    flow.append(Paragraph("Posts from these times may be missing until a later run catches up (X keeps 7 days).",
                          NOTE))
    return flow

def mps(report: WeeklyReport) -> list:
    """MPs engaged this week and new this week per region, and the MPs engaged (new ones first)."""
    week = report.mps
    rows = [[report.display_name(r.region), num(r.total), num(r.engaged), num(r.new)] for r in week.regions]
    rows.append([Paragraph("<b>All regions shown</b>", SMALL), num(sum(r.total for r in week.regions)),
                 num(week.total_engaged), num(week.total_new)])
    flow = [Paragraph("MPs of each region (by constituency) who posted about the campaign this week, or replied to "
                      "or quoted a campaign post; new: for the first time in the campaign.", NOTE), Spacer(1, 3),
            table(["Region", "MPs", "Engaged this week", "New this week"], rows,
                  [6.0 * cm, 2.5 * cm, 4.0 * cm, 3.5 * cm], numeric_from=1), Spacer(1, 8)]
    if not week.engaged:
        return [*flow, Paragraph("No MP engaged with the campaign this week.", BODY)]
    engaged = sorted(week.engaged, key=lambda m: (not m.new, m.region, m.constituency))
    listed = [[para(m.name), para(m.constituency, limit=40), para(m.party, limit=30), report.display_name(m.region),
               num(m.posts_by_mp), "new" if m.new else ""] for m in engaged[:MPS_LIMIT]]
    flow += [Paragraph("MPs engaged this week", H1),
             table(["MP", "Constituency", "Party", "Region", "Posts", ""], listed,
                   [3.6 * cm, 4.2 * cm, 3.2 * cm, 3.2 * cm, 1.3 * cm, 1.0 * cm], numeric_from=4)]
    if len(engaged) > MPS_LIMIT:
        flow.append(Paragraph(f"…and {len(engaged) - MPS_LIMIT} more (all are in the XLSX MPs sheet).", NOTE))
    return flow


def actions(report: WeeklyReport) -> list:
    """The week's campaign actions and earlier ones measured this week, each with its effect on posts."""
    if not report.actions:
        return [Paragraph("No campaign actions this week.", BODY)]
    rows = [[f"{day:%a %d %b}", para(kind, limit=20), para(title, limit=60), para(region, limit=26), num(before),
             num(after), para(effect, limit=140)]
            for day, kind, title, region, before, after, _, _, effect, _ in
            report_actions.rows(report.actions, report.region_display)]
    return [Paragraph("Posts in the action's region in the days before and after it; the effect is the region's "
                      "change minus the other regions' over the same days (see Definitions).", NOTE), Spacer(1, 3),
            table(["Day", "Kind", "Action", "Region", "Before", "After", "Effect on posts"], rows,
                  [2.2 * cm, 2.6 * cm, 3.5 * cm, 2.3 * cm, 1.5 * cm, 1.3 * cm, 4.4 * cm], numeric_from=4)]


def definitions(report: WeeklyReport) -> list:
    return [Paragraph(f"<b>{escape(d.name)}.</b> {escape(d.text)}", style("def", 8.5, spaceAfter=4))
            for d in report.definitions]


# --- charts ----------------------------------------------------------------------------------

def _chart_image(fig: Figure, width: float, height: float) -> Image:
    out = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(out, format="png", dpi=200)
    out.seek(0)
    return Image(out, width=width, height=height)


def daily_chart(report: WeeklyReport) -> Image:
    width, height = WIDTH, 7.2 * cm
    with rc_context({"font.family": "DejaVu Sans", "font.size": 8}):
        fig = Figure(figsize=(width / 72, height / 72))
        ax = fig.add_subplot()
        labels = [d.day.strftime("%a %d %b") for d in report.days]
        posts = [d.point.posts for d in report.days]
        x = list(range(len(labels)))  # positions, not strings: matplotlib would try to parse them as dates
        bars = ax.bar(x, posts, color=NAVY_HEX, width=0.6, label="Posts")
        ax.set_xticks(x, labels)
        ax.bar_label(bars, labels=[num(v) for v in posts], padding=2, fontsize=7)
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


def regions_chart(report: WeeklyReport) -> Image:
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
        ax.bar_label(bars, labels=[num(v) for v in posts], padding=3, fontsize=7)
        ax.set_xlim(0, max(posts + [1]) * 1.15)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Posts")
        ax.spines[["top", "right"]].set_visible(False)
        title = "Posts by NAHT region" if any(posts) else "Posts by NAHT region (no posts this week)"
        ax.set_title(title, loc="left", fontsize=9, fontweight="bold")
        fig.tight_layout()
        return _chart_image(fig, width, height)
