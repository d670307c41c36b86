"""Spreadsheet safety for untrusted text (post text, names, locations from X), shared by every CSV and XLSX.

OWASP CSV injection: a cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return may
be run as a formula by Excel, LibreOffice or Google Sheets (`=HYPERLINK(...)` exfiltrates, `@SUM(...)`
and `-2+3` compute).

- **CSV** has no cell types: a spreadsheet guesses each cell from its text. There we prefix such text
  with a single quote `'` (`neutralise`), OWASP's recommendation and the one neutraliser every
  spreadsheet understands; the cell shows `'=HYPERLINK(...)`, and the original is the text after it.
- **XLSX** has types: a cell written as a string is text, never a formula, so its text is written as it
  is (`cell_text`: only the characters XML cannot hold are replaced), with the quote-prefix style on text
  that starts like a formula, so that editing the cell in Excel keeps it text. A mention "@NAHTnews"
  stays "@NAHTnews" (a quote there altered a fifth of a week's posts and every mention).
- Only text is touched: numbers (counts, dates) stay numbers and keep working in sums and charts.

Control characters other than tab, newline and carriage return (a NUL byte, for example) are replaced
by U+FFFD: XLSX (XML) cannot hold them at all, and a NUL ends a line early in many CSV readers. So are
lone UTF-16 surrogates, which no file can encode (the store already replaces them: this holds for text
that reaches a file another way).
"""
from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
REPLACEMENT = "\ufffd"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text with the control characters and lone surrogates no spreadsheet or PDF can hold replaced by U+FFFD."""
    return _CONTROL.sub(REPLACEMENT, text)


def cell_text(value: str) -> str:
    """Text for a typed (string) spreadsheet cell: as written, bar what no file can hold."""
    return clean_text(value)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """A value safe to write into a CSV cell: text neutralised, anything else unchanged."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    return QUOTE + text if text.startswith(FORMULA_STARTS) else text
