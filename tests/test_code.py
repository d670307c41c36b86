"""The code itself: pyflakes finds no undefined name, unused import or variable, or redefinition in any
Python file of the project (an undefined name on a path the other tests miss, an error branch or a rarely
used CLI option, would otherwise surface as a NameError in front of a user), and ruff's linter, as
configured in pyproject.toml ([tool.ruff]), finds nothing either."""
import ast
import importlib
import importlib.util
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


# Issue 18: a module a newcomer can read whole. Alembic's revisions are history, not code to change.
MODULE_LINE_LIMIT = 400


def test_no_module_of_the_package_is_over_the_line_limit():
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in (ROOT / "monitor").rglob("*.py") if "migrations" not in p.parts}
    assert len(sizes) > 50
    assert {path: n for path, n in sizes.items() if n > MODULE_LINE_LIMIT} == {}


def test_the_benches_import_only_names_that_exist():
    """The suite imports monitor/ and tests/ itself, but never runs bench/ or scripts/: a name moved in a
    refactor would break a bench only when someone next runs it."""
    missing = []
    for path in [*(ROOT / "bench").glob("*.py"), *(ROOT / "scripts").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("monitor", "tests")):
                module = importlib.import_module(node.module)
                missing += [f"{path.name}: {node.module}.{a.name}" for a in node.names if not hasattr(module, a.name)
                            and importlib.util.find_spec(f"{node.module}.{a.name}") is None]
    assert missing == []
