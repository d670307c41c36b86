"""The lock file: make it from pyproject.toml (uv), and check that it still matches pyproject.toml.

    python3 scripts/lockfile.py check   # exit 1 with a message naming `make lock` when they differ
    python3 scripts/lockfile.py make    # re-resolve the newest releases pyproject.toml allows

The lock is made by `uv pip compile --universal --generate-hashes` for Python 3.11 and holds every
package, direct and transitive, with the hash of each of its files. Its header lists the requirements it
was resolved from (pyproject.toml's dependencies and the extras in LOCKED_EXTRAS); `check` compares that
list with pyproject.toml as it is now, using only the standard library, so it runs before any install.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
LOCKED_EXTRAS = ("test", "dev")
PYTHON_VERSION = "3.11"
INPUT_PREFIX = "# locked-from: "
TOOLS_VENV = ROOT / ".cache" / "lock-tools"


def declared_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """pyproject.toml's requirements the lock must satisfy, without spaces, an extra's prefixed 'extra:'."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    found = ["".join(r.split()) for r in project.get("dependencies", [])]
    found += [f"{extra}:{''.join(r.split())}" for extra in LOCKED_EXTRAS for r in extras.get(extra, [])]
    return sorted(found)


def locked_from(lock: Path = LOCK) -> list[str]:
    """The requirements the lock was resolved from (its header)."""
    return sorted(line[len(INPUT_PREFIX):] for line in lock.read_text(encoding="utf-8").splitlines()
                  if line.startswith(INPUT_PREFIX))


def check(pyproject: Path = PYPROJECT, lock: Path = LOCK) -> int:
    if not lock.is_file():
        print(f"error: {lock.name} is missing: run `make lock`", file=sys.stderr)
        return 1
    declared, locked = set(declared_requirements(pyproject)), set(locked_from(lock))
    if declared == locked:
        return 0
    added, removed = sorted(declared - locked), sorted(locked - declared)
    what = "; ".join(filter(None, [f"pyproject.toml declares {', '.join(added)}" if added else "",
                                   f"the lock was made from {', '.join(removed)}" if removed else ""]))
    print(f"error: {lock.name} no longer matches pyproject.toml ({what}): run `make lock` and commit "
          f"{lock.name}", file=sys.stderr)
    return 1


def uv_binary() -> Path:
    """uv from the project's venv, or from a small tools venv made for it (the version the lock pins)."""
    for candidate in (ROOT / ".venv" / "bin" / "uv", TOOLS_VENV / "bin" / "uv"):
        if candidate.is_file():
            return candidate
    venv.create(TOOLS_VENV, with_pip=True)
    pinned = re.search(r"^uv==(\S+)", LOCK.read_text(encoding="utf-8"), re.M) if LOCK.is_file() else None
    subprocess.run([str(TOOLS_VENV / "bin" / "pip"), "install", "--quiet",
                    f"uv=={pinned.group(1)}" if pinned else "uv"], check=True)
    return TOOLS_VENV / "bin" / "uv"


def make() -> int:
    extras = [arg for extra in LOCKED_EXTRAS for arg in ("--extra", extra)]
    command = [str(uv_binary()), "pip", "compile", "pyproject.toml", *extras, "--upgrade", "--universal",
               "--generate-hashes", "--python-version", PYTHON_VERSION, "--quiet",
               "--custom-compile-command", "make lock", "-o", str(LOCK)]
    subprocess.run(command, check=True, cwd=ROOT, env={**os.environ, "UV_NO_CONFIG": "1"})
    body = LOCK.read_text(encoding="utf-8")
    header = "".join(f"{INPUT_PREFIX}{r}\n" for r in declared_requirements())
    LOCK.write_text(header + body, encoding="utf-8")
    print(f"{LOCK.name}: {len(re.findall(r'^[a-z0-9][^ ]*==', body, re.M))} packages pinned")
    return 0


if __name__ == "__main__":
    commands = {"check": check, "make": make}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print(f"usage: {sys.argv[0]} check|make", file=sys.stderr)
        sys.exit(2)
    sys.exit(commands[sys.argv[1]]())
