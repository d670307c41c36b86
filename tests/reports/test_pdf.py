"""The PDF as a person gets it: rendered to PNG with pdftoppm, its pages' text read with pdftotext."""
import re
import shutil
import subprocess

import pytest
from PIL import Image

from monitor.reports import render
from tests.reports.helpers import build, oct_utc, seed_clock_change_week, seed_hostile

pytestmark = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler-utils (make system-deps)")

PAGE_HEADINGS = [["Headline figures", "Daily activity"], ["Regions"], ["Top posts"],
                 ["Top contributors", "Hashtags and mentions"], ["MPs"], ["Collection completeness", "Definitions"]]
PAGES = len(PAGE_HEADINGS)   # the definitions, last, may run on to more pages


def pdf_pages(tmp_path, data: bytes) -> list[str]:
    """Render every page to PNG (checking each is an A4 page with something on it); return each page's text."""
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True, timeout=60)
    pngs = sorted(tmp_path.glob("page-*.png"))
    for png in pngs:
        with Image.open(png) as image:
            assert abs(image.width - 496) <= 1 and abs(image.height - 702) <= 1  # A4 at 60 dpi
            grey = image.convert("L")
            assert grey.getextrema()[0] < 100, f"{png.name} is blank"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout for n in range(1, len(pngs) + 1)]


def test_report_has_the_expected_pages(tmp_path, small, small_cfg):
    pages = pdf_pages(tmp_path, render(build(small, small_cfg), "pdf"))
    assert len(pages) >= PAGES
    for number, (text, headings) in enumerate(zip(pages, PAGE_HEADINGS), start=1):
        assert all(h in text for h in headings), (number, headings)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
    title = pages[0]
    assert "Invest in Pupil and Family Services" in title and "Week 47 of 2026" in title
    assert "Monday 16 November 2026 to Sunday 22 November 2026" in title
    assert "23 November 2026 07:00 GMT" in title  # generated, in UK time
    assert "+150%" in title  # 5 posts against 2 the week before
    assert "London" in pages[1] and "NAHT Cymru" in pages[1]  # display names
    assert "@bob" in pages[2]


def test_markup_in_posts_is_printed_not_obeyed(tmp_path, engine, small_cfg):
    seed_hostile(engine, small_cfg)
    pages = pdf_pages(tmp_path, render(build(engine, small_cfg), "pdf"))
    top_posts = pages[2]
    assert "<script>alert(1)</script>" in top_posts and "<b>bold</b>" in top_posts
    assert '=HYPERLINK("http://x","y")' in top_posts and "@SUM(A1)" in top_posts
    # Emoji DejaVu cannot draw are left out rather than shown as boxes (the XLSX and CSV keep them).
    assert re.search(r"Well done +team", top_posts) and "\ufffd" not in top_posts
    assert "שלום" in top_posts[::-1] or "םולש" in top_posts  # Hebrew letters drawn


def test_region_report_names_the_region(tmp_path, small, small_cfg):
    pages = pdf_pages(tmp_path, render(build(small, small_cfg, region="Wales"), "pdf"))
    assert "NAHT Cymru" in pages[0] and "No posts this week." in pages[2]


def test_empty_week_still_has_every_page(tmp_path, engine, small_cfg):
    pages = pdf_pages(tmp_path, render(build(engine, small_cfg, (2026, 2)), "pdf"))
    assert len(pages) >= PAGES
    assert "No posts this week." in pages[2] and "No contributors this week." in pages[3]
    assert "No collection run was recorded in this week" in pages[5]


def test_clock_change_week_in_the_pdf(tmp_path, engine, small_cfg):
    seed_clock_change_week(engine, small_cfg)
    pages = pdf_pages(tmp_path, render(build(engine, small_cfg, (2026, 43), now=oct_utc(26, 7)), "pdf"))
    assert "Monday 19 October 2026 to Sunday 25 October 2026" in pages[0]
    assert "26 October 2026 07:00 GMT" in pages[0]
    assert "Sun 01:30" in pages[2]  # both 01:30 posts of the long Sunday, in UK time


def test_a_nul_byte_in_a_post_does_not_break_the_pdf(tmp_path, sqlite_engine, small_cfg):
    from dataclasses import replace

    from tests.seed import seed_small
    seed_small(sqlite_engine, small_cfg)
    report = build(sqlite_engine, small_cfg)
    report = replace(report, top_posts=(replace(report.top_posts[0], text="before\x00<i>after"),))
    assert "before\ufffd<i>after" in pdf_pages(tmp_path, render(report, "pdf"))[2]


def test_ten_longest_possible_posts_still_fit_their_page(tmp_path, sqlite_engine, small_cfg):
    from dataclasses import replace

    from tests.seed import seed_small
    seed_small(sqlite_engine, small_cfg)
    report = build(sqlite_engine, small_cfg)
    longest = replace(report.top_posts[0], text="Wide words " * 25 + "#InvestInPupilServices", username="a" * 15)
    loud = replace(report.top_contributors[0], name="A display name as long as X allows it", username="b" * 15)
    report = replace(report, top_posts=(longest,) * 10, top_contributors=(loud,) * 10)
    pages = pdf_pages(tmp_path, render(report, "pdf"))
    assert len(pages) >= PAGES and "Top contributors" in pages[3] and "MPs" in pages[4]
