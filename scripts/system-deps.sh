#!/usr/bin/env bash
# Install the Debian packages the test suite uses, only those missing.
set -euo pipefail
need=()
command -v pg_ctlcluster >/dev/null && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
# systemd-analyze verify checks the deploy/ units (tests/test_deploy.py); only its tools are used
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v npm >/dev/null || need+=(npm)   # installs axe-core (scripts/axe) for the accessibility test
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
