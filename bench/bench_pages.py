"""How long each dashboard page takes to be fully drawn in real Chromium: navigation start to the last
change on screen (no skeleton left, the script run over, nothing changing for a second after).

    .venv/bin/python bench/bench_pages.py                          # the demo-sized database and 1M posts
    .venv/bin/python bench/bench_pages.py --db demo --runs 3
    .venv/bin/python bench/bench_pages.py --db sqlite:///bench/output/bench.db --pages overview region

Per page: `--runs` fresh loads (a new browser context each: a new Streamlit session, nothing cached in
the browser, as when someone opens a link) and `--runs` warm loads (the same context again: the
browser's cache holds Streamlit's code, the server's 30-second caches hold the figures). A
MutationObserver, installed before the page's own scripts, stamps every change of the document; the
page is drawn at the last stamp before a quiet second. Prints the median and the worst, in seconds,
and first the same for a bare one-line Streamlit page: the floor on this machine, under its load then.

Databases: `demo` is the browser tests' seeded database (three weeks of the simulated campaign, about
4,800 posts, with runs), built in a temporary folder; `1m` is bench/output/bench.db (1M posts over 90
days, `generate_fast` in bench_dashboard_scale.py makes it); a URL is used as it is (PostgreSQL too).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import machine  # noqa: E402

from monitor import serve  # noqa: E402
from tests.helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PAGES = {"overview": "", "region": "region?region=London", "posts": "posts", "health": "health", "help": "help"}
BENCH_DB = ROOT / "bench" / "output" / "bench.db"
QUIET_MS = 1000          # nothing changed on screen for this long: the page is drawn
TIMEOUT_S = 60.0
GOAL_S = 1.0

STAMP_CHANGES = """
window.__lastChange = 0;
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
DRAWN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return null;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSpinner"]')) return null;
  if (!document.querySelector('h1')) return null;
  if (performance.now() - window.__lastChange < %d) return null;
  return window.__lastChange;
}""" % QUIET_MS


BARE_APP = """import streamlit as st
st.title("A bare Streamlit page")
st.write("One title and one line: what any Streamlit page costs on this machine.")
"""


def bare_floor(browser, runs: int, workdir: Path) -> tuple:
    """The same loads of a one-line Streamlit app: the floor no dashboard page can go under here."""
    app = workdir / "bare.py"
    app.write_text(BARE_APP)
    port = serve.free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port), "--server.address",
               serve.DEFAULT_ADDRESS, "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{serve.DEFAULT_ADDRESS}:{port}"
    try:
        serve.wait_until_healthy(url, process)
        drawn_after_fresh(browser, url)
        fresh, warm = measure(browser, url, "", runs)
    finally:
        serve.stop(process)
    print(f"  {'bare':>6} {'streamlit':<9} fresh {_fmt(fresh)}   warm {_fmt(warm)}", flush=True)
    return ("(none)", "bare Streamlit page", fresh, warm)


def demo_database(workdir: Path) -> str:
    from monitor.config import default_config
    from monitor.db import make_engine
    from monitor.schema import upgrade
    from tests.seed import seed_realistic

    url = f"sqlite:///{workdir / 'demo.db'}"
    engine = make_engine(url)
    upgrade(engine)
    facts = seed_realistic(engine, default_config())
    engine.dispose()
    print(f"demo database: {facts['posts']:,} posts", flush=True)
    return url


def migrate(url: str) -> None:
    """A reused database is migrated to the head revision first (as the other benches do)."""
    from monitor.db import make_engine
    from monitor.schema import upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def drawn_after(page, url: str) -> float:
    """Seconds from navigation start to the page's last change before a quiet second."""
    page.goto(url)
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        stamp = page.evaluate(DRAWN)
        if stamp is not None:
            return stamp / 1000
        page.wait_for_timeout(100)
    raise TimeoutError(f"{url} was not drawn within {TIMEOUT_S:g} s")


def drawn_after_fresh(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="Europe/London")
    context.add_init_script(STAMP_CHANGES)
    try:
        return drawn_after(context.new_page(), url)
    finally:
        context.close()


def measure(browser, base_url: str, path: str, runs: int) -> tuple[list[float], list[float]]:
    url = f"{base_url}/{path}"
    fresh, warm = [], []
    for _ in range(runs):
        fresh.append(drawn_after_fresh(browser, url))
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="Europe/London")
    context.add_init_script(STAMP_CHANGES)
    page = context.new_page()
    drawn_after(page, url)   # fills the browser's cache and the server's
    for _ in range(runs):
        warm.append(drawn_after(page, url))
    context.close()
    return fresh, warm


def bench_database(browser, name: str, db_url: str, pages: list[str], runs: int, workdir: Path) -> list[tuple]:
    results = []
    log = workdir / f"streamlit-{abs(hash(name))}.log"
    with serve.dashboard_server(env=serve.dashboard_env(database_url=db_url), log=log) as server:
        # The server's first run of each page compiles its modules and opens the database: not what a
        # visitor meets once the dashboard is up, so each page is loaded once before timing.
        for page_name in pages:
            drawn_after_fresh(browser, f"{server.url}/{PAGES[page_name]}")
        for page_name in pages:
            fresh, warm = measure(browser, server.url, PAGES[page_name], runs)
            results.append((name, page_name, fresh, warm))
            print(f"  {name:>6} {page_name:<9} fresh {_fmt(fresh)}   warm {_fmt(warm)}", flush=True)
    return results


def _fmt(times: list[float]) -> str:
    flag = "  over 1.0 s" if statistics.median(times) > GOAL_S else ""
    return f"median {statistics.median(times):.2f} s, worst {max(times):.2f} s{flag}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", nargs="+", default=["demo", "1m"], help="demo, 1m or database URLs")
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(machine(), flush=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        workdir = Path(tmp)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        rows = [bare_floor(browser, args.runs, workdir)]
        for db in args.db:
            if db == "demo":
                url = demo_database(workdir)
            elif db == "1m":
                if not BENCH_DB.exists():
                    print(f"{BENCH_DB} is missing: see this script's docstring", file=sys.stderr)
                    return 2
                url = f"sqlite:///{BENCH_DB}"
            else:
                url = db
            if db != "demo":
                migrate(url)
            rows += bench_database(browser, db, url, args.pages, args.runs, workdir)
    print("\n| database | page | fresh median (worst) | warm median (worst) |\n|---|---|---|---|")
    for name, page_name, fresh, warm in rows:
        print(f"| {name} | {page_name} | {statistics.median(fresh):.2f} s ({max(fresh):.2f}) "
              f"| {statistics.median(warm):.2f} s ({max(warm):.2f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
