"""The code itself: pyflakes finds no undefined name, unused import or variable, or redefinition in any
Python file of the project (an undefined name on a path the other tests miss, an error branch or a rarely
used CLI option, would otherwise surface as a NameError in front of a user), and ruff's linter, as
configured in pyproject.toml ([tool.ruff]), finds nothing either."""
import subprocess
import sys
from pathlib import Path

from pyflakes.api import checkPath
from pyflakes.reporter import Reporter

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("monitor", "tests", "bench", "scripts")
RUFF = Path(sys.executable).parent / "ruff"


class Collected(Reporter):
    def __init__(self):
        self.problems: list[str] = []

    def unexpectedError(self, filename, message):
        self.problems.append(f"{filename}: {message}")

    def syntaxError(self, filename, msg, lineno, offset, text):
        self.problems.append(f"{filename}:{lineno}: {msg}")

    def flake(self, message):
        self.problems.append(str(message))


def test_pyflakes_finds_nothing():
    reporter = Collected()
    files = sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py") if "output" not in p.parts)
    assert len(files) > 50
    for path in files:
        checkPath(str(path), reporter)
    assert reporter.problems == []


def test_ruff_finds_nothing():
    """Line length, import order, likely bugs (bugbear), needless constructs: `ruff check` from the checkout."""
    result = subprocess.run([str(RUFF), "check", "--no-cache", "--output-format", "concise", *FOLDERS],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
