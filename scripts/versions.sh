#!/usr/bin/env bash
# What a test run uses, printed at its start: Python, the Python packages (the lock's digest, or the
# newest releases when run without the lock), and the Debian packages the tests drive.
set -uo pipefail
venv=${1:-.venv}
mode=${2:-locked}
echo "python: $("$venv/bin/python" --version 2>&1)"
if [ "$mode" = locked ]; then
  echo "python packages: requirements.lock sha256:$(sha256sum requirements.lock | cut -c1-16)" \
       "($(grep -c '^[a-z0-9][^ ]*==' requirements.lock) pinned)"
else
  echo "python packages: newest releases pyproject.toml allows, no lock (pip freeze sha256:$("$venv/bin/python" -m pip freeze --exclude-editable | sha256sum | cut -c1-16))"
fi
"$venv/bin/python" - <<'PY'
from importlib.metadata import version
names = ("SQLAlchemy", "alembic", "psycopg", "pandas", "streamlit", "altair", "APScheduler", "tweepy", "playwright", "pytest")
print("  " + ", ".join(f"{n} {version(n)}" for n in names))
PY
postgres=$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n1)
echo "postgresql: $([ -n "$postgres" ] && "$postgres" --version | sed 's/^postgres //' || echo missing)"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
echo "poppler-utils: $(pdftoppm -v 2>&1 | head -n1 || echo missing)"
echo "axe-core: $(node -p "require('./scripts/axe/node_modules/axe-core/package.json').version" 2>/dev/null || echo missing)"
