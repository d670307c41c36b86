"""Every page at the three widths people use (a 1440-px screen, a 1280-px laptop, a 390-px phone): a
screenshot saved for a person to look at, and axe-core's WCAG 2.2 AA rules run in the page, failing on any
violation (colour contrast, names of controls and regions, text alternatives...).

axe-core comes from the npm registry (scripts/axe/package.json and its lock; `make test` installs it)
and is read from disk into the page: nothing is fetched at run time.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.helpers import ROOT, TALL, WIDTHS, open_page

pytestmark = pytest.mark.browser

AXE = ROOT / "scripts" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGES = {"overview": "", "region": "region?region=London", "actions": "actions", "posts": "posts", "health": "health",
         "help": "help"}
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n')[1])}));
}"""


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (it runs `npm ci --prefix scripts/axe`)")
    return AXE


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_passes_wcag_22_aa_and_is_photographed(browser, dashboard_server, screenshots, axe_script,
                                                          name, width):
    context = browser.new_context(viewport={"width": width, "height": 1000}, timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        open_page(page, dashboard_server, PAGES[name])
        page.set_viewport_size({"width": width, "height": TALL["height"]})
        page.wait_for_timeout(600)
        page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)
        page.add_script_tag(path=str(axe_script))
        violations = page.evaluate(RUN_AXE, WCAG_22_AA)
    finally:
        context.close()
    assert violations == [], "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
                                       for v in violations)
