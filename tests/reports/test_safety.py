"""The neutraliser shared by CSV and XLSX (OWASP CSV injection)."""
from datetime import date, datetime

import pytest

from monitor.safety import neutralise
from tests.reports.helpers import FORMULA_LIKE, HOSTILE


@pytest.mark.parametrize("value", FORMULA_LIKE)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", [v for v in HOSTILE if v not in FORMULA_LIKE] + ["a=1", " =1", "", "NAHT"])
def test_other_text_is_left_as_written(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [0, -5, 2.5, -0.25, True, None, date(2026, 10, 25), datetime(2026, 10, 25, 1, 30)])
def test_numbers_and_dates_stay_what_they_are(value):
    assert neutralise(value) is value


def test_control_characters_are_replaced_and_a_nul_cannot_hide_a_formula():
    assert neutralise("a\x00b\x1fc") == "a\ufffdb\ufffdc"
    assert neutralise("\x00=1") == "\ufffd=1"  # not a formula start once the NUL is visible
    assert neutralise("line one\nline two\ttab") == "line one\nline two\ttab"
