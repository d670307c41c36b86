"""What the dashboard tests share: the seeded database's handle, a dashboard server against it, and the
browser steps (open a page, wait for Streamlit to finish drawing, read a KPI card, pick an option)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import text

from monitor import metrics
from monitor.db import make_engine
from monitor.metrics import Filters
from monitor.serve import DASHBOARD_APP, dashboard_env, dashboard_server
from monitor.timeutil import uk_today
from tests.seed import CAMPAIGN

ROOT = Path(__file__).resolve().parents[2]
APP = DASHBOARD_APP
SCREENSHOTS = ROOT / "tests" / "output" / "screenshots"


@dataclass
class SeededDb:
    path: Path
    facts: dict

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def engine(self):
        return make_engine(self.url)


@contextmanager
def streamlit_server(db: SeededDb, log: Path, cwd: Path = ROOT, port: int | None = None,
                     extra_env: dict | None = None, development: bool = True):
    """The dashboard on a free loopback port (or `port`) against `db` (no MONITOR_* setting of the user's);
    yields the base URL. `cwd` is where Streamlit looks for .streamlit/secrets.toml (sign-in); `development`
    False runs it as deployed (errors shown to visitors as one line with an id)."""
    env = dashboard_env(database_url=db.url, **(extra_env or {}))
    if development:
        env["MONITOR_DEVELOPMENT"] = "1"
    with dashboard_server(env=env, cwd=cwd, log=log, port=port) as server:
        yield server.url


# A download is made on click (the button reruns the script to build the file): on a loaded 2-core CI
# machine that took longer than Playwright's 30 s default once.
DOWNLOAD_TIMEOUT_MS = 120_000

TALL = {"width": 1440, "height": 3400}  # Streamlit scrolls inside the app: a tall window shows a whole page
WIDTHS = (1440, 1280, 390)  # the comms team's screen, a laptop, a phone
TABLES = "table.cm-table"   # every table is HTML drawn by monitor.dashboard.markup
CHARTS = ".cm-bars, .cm-tiles"  # the timeline's bars and the tile map


def wait_until_idle(page) -> None:
    """Streamlit marks the app 'notRunning' once a script run (and its drawing) has finished."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    page.wait_for_timeout(700)  # charts draw just after the run ends
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')


def open_page(page, base_url: str, path: str = "") -> None:
    page.goto(f"{base_url}/{path}")
    page.wait_for_selector("h1", timeout=90_000)  # the first run of a page compiles it: slow on a busy CI machine
    wait_until_idle(page)


def expect_drawn(page, selector: str, at_least: int) -> None:
    """At least `at_least` tables or charts on the page, waiting for them to be drawn: their code loads on
    first use, after the script run has ended (on a busy machine the explorer's table was counted too
    early, as 0, on a fresh server)."""
    expect(page.locator(selector).nth(at_least - 1)).to_be_attached(timeout=90_000)


def metric_value(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has=page.locator(
        '[data-testid="stMetricLabel"]', has_text=re.compile(f"^{re.escape(label)}")))
    return card.locator('[data-testid="stMetricValue"]').first.inner_text().strip()


def choose(page, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by its label: type it (long lists draw only what is in view),
    then click it."""
    box = page.get_by_role("combobox", name=label, exact=True).first
    box.click()
    box.fill(option)
    choice = page.get_by_role("option", name=option, exact=True).first
    choice.wait_for()
    page.wait_for_timeout(150)   # the list redraws as it filters: click it once it has settled
    choice.click()
    wait_until_idle(page)


def selected(page, label: str) -> str:
    """What a Streamlit selectbox shows (its value, or its placeholder when empty)."""
    box = page.get_by_role("combobox", name=label, exact=True).first
    return box.input_value() or box.get_attribute("placeholder") or ""


def pick_radio(page, option: str) -> None:
    page.get_by_text(option, exact=True).click()
    wait_until_idle(page)


def shot(page, screenshots, name: str) -> None:
    page.set_viewport_size(TALL)
    page.wait_for_timeout(800)
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})


def db_posts(seeded_db, start, end, region=None) -> int:
    sql = ("SELECT COUNT(DISTINCT p.id) FROM posts p JOIN post_matches m ON m.post_id = p.id "
           "WHERE m.campaign = :c AND p.created_date_uk BETWEEN :a AND :b" + (" AND p.region = :r" if region else ""))
    with seeded_db.engine().connect() as conn:
        return conn.execute(text(sql), {"c": CAMPAIGN, "a": start, "b": end, "r": region}).scalar()


def seven_days() -> Filters:
    return Filters(CAMPAIGN, *metrics.preset_range("7 days", uk_today()))


# --- the dashboard's HTML tables, read back ---------------------------------------------------

@dataclass
class Table:
    """One table as shown: its accessible name, headers, each cell's text and each cell's link."""
    name: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    links: list[list[str | None]] = field(default_factory=list)

    def column(self, name: str) -> list[str]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]

    def ints(self, name: str) -> list[int]:
        return [int(v.replace(",", "")) for v in self.column(name)]

    def hrefs(self, name: str) -> list[str | None]:
        i = self.columns.index(name)
        return [row[i] for row in self.links]


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.name = ""
        self.cell: list[str] | None = None
        self.href: str | None = None
        self.header = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and "cm-wrap" in (a.get("class") or ""):
            self.name = a.get("aria-label") or ""
        elif tag == "table":
            self.tables.append(Table(self.name, []))
        elif tag in ("th", "td") and self.tables:
            self.cell, self.href, self.header = [], None, tag == "th"
        elif tag == "tr" and self.tables and self.tables[-1].columns:
            self.tables[-1].rows.append([])
            self.tables[-1].links.append([])
        elif tag == "a" and self.cell is not None:
            self.href = a.get("href")

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self.cell is not None:
            value, table = "".join(self.cell), self.tables[-1]
            if self.header:
                table.columns.append(value)
            else:
                table.rows[-1].append(value)
                table.links[-1].append(self.href)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def html_tables(markup: str) -> list[Table]:
    parser = _Tables()
    parser.feed(markup)
    return [t for t in parser.tables if t.columns]


def apptest_tables(at) -> list[Table]:
    """Every table an AppTest run drew (st.html elements)."""
    return [t for element in at.get("html") for t in html_tables(element.proto.body)]


def apptest_table(at, column: str) -> Table:
    """The first table on the page with this column."""
    return next(t for t in apptest_tables(at) if column in t.columns)


BROWSER_TABLES = """() => Array.from(document.querySelectorAll('table.cm-table')).map(t => ({
  name: (t.closest('.cm-wrap') || t).getAttribute('aria-label') || '',
  columns: Array.from(t.querySelectorAll('thead th')).map(th => th.textContent),
  rows: Array.from(t.querySelectorAll('tbody tr')).map(tr => Array.from(tr.children).map(td => td.textContent)),
  links: Array.from(t.querySelectorAll('tbody tr')).map(tr => Array.from(tr.children).map(td => {
    const a = td.querySelector('a'); return a ? a.getAttribute('href') : null; })),
}))"""


def browser_tables(page) -> list[Table]:
    return [Table(**t) for t in page.evaluate(BROWSER_TABLES)]


def browser_table(page, column: str) -> Table:
    return next(t for t in browser_tables(page) if column in t.columns)
