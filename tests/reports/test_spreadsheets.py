"""The XLSX (read back with openpyxl) and the CSV (read back with the csv module) against the database."""
import io
import zipfile
from dataclasses import replace
from datetime import datetime

import pytest
from openpyxl import load_workbook

from monitor.exports import POST_COLUMNS
from monitor.reports import render
from tests.reports.helpers import (
    FORMULA_LIKE,
    HOSTILE,
    build,
    csv_rows,
    oct_utc,
    records,
    seed_clock_change_week,
    seed_hostile,
    sql_posts,
    summary_figures,
    workbook,
)
from tests.seed import SMALL

SHEETS = ["Summary", "Regions", "Daily", "Top posts", "Contributors", "Posts", "MPs", "Actions"]


def test_workbook_sheets_and_headline_figures_match_the_database(small, small_cfg):
    wb = workbook(build(small, small_cfg))
    assert wb.sheetnames == SHEETS
    in_db = sql_posts(small, *SMALL.week)
    figures = summary_figures(wb["Summary"])
    assert figures["Posts"][:2] == (len(in_db), SMALL.previous_posts)
    assert figures["Posts"][2] == pytest.approx((len(in_db) - SMALL.previous_posts) / SMALL.previous_posts)
    assert figures["Engagements"][0] == sum(p["engagements"] for p in in_db.values())
    assert figures["Impressions"][0] == sum(p["impressions"] for p in in_db.values())
    assert figures["Contributors"][0] == len({p["author"] for p in in_db.values()})
    assert figures["Potential reach"][:2] == (SMALL.potential_reach, SMALL.previous_reach)
    assert figures["Replies"][2] == "n/a"  # none the week before: no percentage
    regions = records(wb["Regions"])
    assert sum(r["Posts"] for r in regions) == len(in_db)
    assert {r["Region key"]: r["Posts"] for r in regions if r["Posts"]} == {
        "London": 2, "North West": 1, "Scotland": 1, "Unknown": 1}


def test_posts_sheet_ids_are_text_and_dates_are_real_dates(small, small_cfg):
    ws = workbook(build(small, small_cfg))["Posts"]
    in_db = sql_posts(small, *SMALL.week)
    rows = records(ws)
    assert {r["Post ID"] for r in rows} == set(in_db)
    assert all(ws.cell(row, 1).data_type == "s" for row in range(2, ws.max_row + 1))
    assert sum(r["Engagements"] for r in rows) == sum(p["engagements"] for p in in_db.values())
    late = next(r for r in rows if r["Username"] == "dave")
    assert late["Posted (UK)"] == late["Posted (UTC)"] == datetime(2026, 11, 22, 23, 30)
    assert late["Date (UK)"] == datetime(2026, 11, 22)  # a real Excel date (openpyxl reads dates back as datetimes)
    assert ws.cell(2, 2).number_format == "yyyy-mm-dd hh:mm" and ws.cell(2, 4).is_date
    assert ws.freeze_panes == "A2" and ws.column_dimensions["K"].width == 70   # K: the text, after Region, Region key


def test_every_sheet_has_a_frozen_header_and_widths(small, small_cfg):
    wb = workbook(build(small, small_cfg))
    for name in SHEETS:
        assert wb[name].freeze_panes == "A2", name
        assert wb[name].column_dimensions["A"].width > 5, name
    top = records(wb["Top posts"])
    assert [(r["Rank"], r["Username"], r["Engagements"]) for r in top[:2]] == [(1, "bob", 20), (2, "alice", 5)]
    contributors = records(wb["Contributors"])
    assert [(c["Username"], c["Posts"]) for c in contributors] == [("alice", 2), ("bob", 1), ("carol", 1), ("dave", 1)]
    assert all(isinstance(c["Author ID"], str) for c in contributors)


def test_csv_is_the_weeks_posts(small, small_cfg):
    rows = csv_rows(build(small, small_cfg))
    in_db = sql_posts(small, *SMALL.week)
    assert list(rows[0]) == list(POST_COLUMNS)
    assert {r["post_id"] for r in rows} == set(in_db)
    assert sum(int(r["engagements"]) for r in rows) == sum(p["engagements"] for p in in_db.values())
    reply = next(r for r in rows if r["kind"] == "reply")
    assert reply["text"] == "'@NAHTnews thanks for this"


def test_region_csv_has_only_its_posts(small, small_cfg):
    rows = csv_rows(build(small, small_cfg, region="North West"))
    assert {r["post_id"] for r in rows} == set(sql_posts(small, *SMALL.week, region="North West"))


# --- hostile text --------------------------------------------------------------------------

def test_hostile_text_is_text_in_the_workbook(engine, small_cfg):
    ids = seed_hostile(engine, small_cfg)
    data = render(build(engine, small_cfg), "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in xml or "<f " in xml for xml in sheets)  # not one formula in the file
    sheet = load_workbook(io.BytesIO(data))["Posts"]
    posts = {r["Post ID"]: r for r in records(sheet)}
    for post_id, original in zip(ids, HOSTILE):
        # Text as written, in a string cell: a workbook types its cells, so nothing is added to the text.
        # XML reads a carriage return back as a newline (as Excel does).
        assert posts[post_id]["Text"] == original.replace("\r", "\n")
        assert posts[post_id]["Author name"] == "=HYPERLINK(\"http://evil\",\"click\")"
    header = [c.value for c in sheet[1]]
    text_cells = [row[header.index("Text")] for row in sheet.iter_rows(min_row=2)]
    formula_like = [c for c in text_cells if c.value.startswith(("=", "+", "-", "@"))]
    assert formula_like and all(c.data_type == "s" and c.quotePrefix for c in formula_like)


def test_hostile_text_is_neutralised_in_the_csv(engine, small_cfg):
    ids = seed_hostile(engine, small_cfg)
    rows = {r["post_id"]: r for r in csv_rows(build(engine, small_cfg))}
    for post_id, original in zip(ids, HOSTILE):
        assert rows[post_id]["text"] == ("'" + original if original in FORMULA_LIKE else original)
        assert rows[post_id]["author_name"].startswith("'=")
    likes = sorted(int(rows[i]["likes"]) for i in ids)
    assert likes == list(range(1, len(HOSTILE) + 1))  # numbers stay numbers, never quoted


def test_a_nul_byte_is_replaced_not_written(small, small_cfg):
    # PostgreSQL cannot store a NUL, so this one is put into the built report rather than the database.
    report = build(small, small_cfg)
    report = replace(report, posts=(replace(report.posts[0], text="a\x00=b"),) + report.posts[1:])
    ws = load_workbook(io.BytesIO(render(report, "xlsx")))["Posts"]
    assert ws.cell(2, [c.value for c in ws[1]].index("Text") + 1).value == "a\ufffd=b"
    assert csv_rows(report)[0]["text"] == "a\ufffd=b"


# --- dates across the October clock change and an empty week ----------------------------------

def test_daily_sheet_and_post_times_across_the_clock_change(engine, small_cfg):
    ids = seed_clock_change_week(engine, small_cfg)
    wb = workbook(build(engine, small_cfg, (2026, 43), now=oct_utc(26, 7)))
    daily = records(wb["Daily"])
    assert [d["Date (UK)"] for d in daily] == [datetime(2026, 10, 19 + i) for i in range(7)]
    assert [d["Posts"] for d in daily] == [1, 0, 0, 0, 0, 0, 3]
    assert [d["Hours in day"] for d in daily] == [24] * 6 + [25]
    assert daily[0]["Day starts (UTC)"] == datetime(2026, 10, 18, 23)
    assert daily[6]["Day starts (UTC)"] == datetime(2026, 10, 24, 23)
    posts = {r["Post ID"]: r for r in records(wb["Posts"])}
    first, second = posts[ids["sun_0130_bst"]], posts[ids["sun_0130_gmt"]]
    # Two posts at 01:30 local on the 25-hour Sunday: only the UTC column tells them apart.
    assert first["Posted (UK)"] == second["Posted (UK)"] == datetime(2026, 10, 25, 1, 30)
    assert first["Posted (UTC)"] == datetime(2026, 10, 25, 0, 30)
    assert second["Posted (UTC)"] == datetime(2026, 10, 25, 1, 30)
    assert posts[ids["mon_0030_bst"]]["Posted (UK)"] == datetime(2026, 10, 19, 0, 30)
    assert ids["mon_0030_gmt"] not in posts and ids["sun_before_2330_bst"] not in posts


def test_clock_change_csv_gives_local_and_utc(engine, small_cfg):
    ids = seed_clock_change_week(engine, small_cfg)
    rows = {r["post_id"]: r for r in csv_rows(build(engine, small_cfg, (2026, 43), now=oct_utc(26, 7)))}
    assert len(rows) == 4
    assert (rows[ids["sun_0130_bst"]]["created_at_uk"], rows[ids["sun_0130_bst"]]["created_at_utc"]) == (
        "2026-10-25 01:30:00", "2026-10-25 00:30:00")
    assert rows[ids["mon_0030_bst"]]["date_uk"] == "2026-10-19"


def test_empty_week_workbook_and_csv(engine, small_cfg):
    report = build(engine, small_cfg, (2026, 2))
    wb = workbook(report)
    daily = records(wb["Daily"])
    assert [d["Date (UK)"] for d in daily] == [datetime(2026, 1, 5 + i) for i in range(7)]
    assert [d["Posts"] for d in daily] == [0] * 7
    assert records(wb["Posts"]) == [] and records(wb["Top posts"]) == []
    assert summary_figures(wb["Summary"])["Posts"] == (0, 0, "n/a")
    assert csv_rows(report) == []
    summary_text = [c for row in wb["Summary"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(t.startswith("No collection run was recorded") for t in summary_text)
