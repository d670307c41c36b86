"""The lock file (requirements.lock) against pyproject.toml: made from exactly its requirements, every pin
inside its ranges, every pin with hashes; a lock left behind by a change to pyproject.toml is caught."""
import importlib.util
import re
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("lockfile", ROOT / "scripts" / "lockfile.py")
lockfile = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lockfile)

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)(?: ;.*)? \\$", re.M)


def pins() -> dict[str, str]:
    return {name.lower().replace("_", "-"): version for name, version in PIN.findall(lockfile.LOCK.read_text())}


def test_the_lock_was_made_from_pyproject_as_it_is(capsys):
    assert lockfile.check() == 0, capsys.readouterr().err


def test_every_declared_requirement_is_pinned_inside_its_range():
    pinned = pins()
    assert len(pinned) > 50
    for line in lockfile.declared_requirements():
        requirement = Requirement(line.split(":", 1)[-1])
        name = requirement.name.lower().replace("_", "-")
        assert name in pinned, f"{requirement} is not in the lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), \
            f"{name}=={pinned[name]} outside {requirement}"


def test_every_pin_carries_hashes():
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lockfile.LOCK.read_text().split("\n", 1)[1])
    unhashed = [b.split(" ", 1)[0] for b in blocks if "==" in b.split("\n", 1)[0] and "--hash=sha256:" not in b]
    assert unhashed == []


def test_a_dependency_added_without_make_lock_is_named(tmp_path, capsys):
    pyproject = tmp_path / "pyproject.toml"
    added = lockfile.PYPROJECT.read_text().replace('    "tzdata",\n', '    "tzdata",\n    "aiosmtpd>=1.4",\n')
    pyproject.write_text(added)
    assert lockfile.check(pyproject=pyproject) == 1
    error = capsys.readouterr().err
    assert "aiosmtpd>=1.4" in error and "make lock" in error


def test_a_narrowed_range_is_a_mismatch_too(tmp_path, capsys):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(lockfile.PYPROJECT.read_text().replace('"SQLAlchemy>=2.0,<3"', '"SQLAlchemy>=2.0,<2.1"'))
    assert lockfile.check(pyproject=pyproject) == 1
    assert "SQLAlchemy>=2.0,<2.1" in capsys.readouterr().err


def imported_top_level_modules() -> set[str]:
    """Every module the project's Python files import at their top level or inside functions."""
    import ast

    found = set()
    for folder in ("monitor", "tests", "bench", "scripts"):
        for path in (lockfile.ROOT / folder).rglob("*.py"):
            if "output" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    found |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return found


def test_every_imported_package_is_declared_in_pyproject():
    """A package the code imports directly must be a declared dependency, not one that happens to come with
    another (it could go in that one's next release)."""
    import sys
    from importlib.metadata import packages_distributions

    declared = {Requirement(line.split(":", 1)[-1]).name.lower().replace("_", "-")
                for line in lockfile.declared_requirements()}
    distributions = packages_distributions()
    own = {"monitor", "tests", "_common", "generate_db", "bench_dashboard", "lockfile", "make_districts"}
    undeclared = {}
    for module in imported_top_level_modules() - own - set(sys.stdlib_module_names):
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [])}
        if not names & declared:
            undeclared[module] = sorted(names) or ["(not installed)"]
    assert undeclared == {}
