#!/usr/bin/env bash
# Provides checkov for the rule-suite test (test/rule-suites.test.ts), which scans the reference
# configurations' templates with it. `npm test` runs this before jest (task "ensure-checkov" in
# .projenrc.ts), so a fresh clone needs nothing installed by hand. Same pattern as ensure-shellcheck.sh.
#
# It looks where the test looks, in the same order, and uses the first it finds:
#   1. $CHECKOV, if set (must be an executable file);
#   2. .venv/bin/checkov, the project's own, if it is the pinned version;
# otherwise it creates .venv/ (shared with shellcheck) and installs checkov==$PINNED from PyPI into it.
# A checkov on the PATH is not used: its version decides which checks run, and the test expects the
# library's templates to be clean under exactly the pinned one. When the pinned checkov is already
# there it only prints which one, with no network access.
set -euo pipefail
cd "$(dirname "$0")/.."

# The pin. Bump it deliberately: new checkov releases add checks, and the test then lists the findings
# the library must fix or acknowledge (src/private/rule-suites.ts).
PINNED=3.3.30
venv=.venv

version_of() { "$1" --version 2>/dev/null | head -n 1 | tr -d '[:space:]'; }
use() { echo "checkov: $1 (version $(version_of "$1"))"; exit 0; }

if [ -n "${CHECKOV:-}" ]; then
  if [ ! -f "$CHECKOV" ] || [ ! -x "$CHECKOV" ]; then
    echo "CHECKOV=$CHECKOV is not an executable file" >&2
    exit 1
  fi
  use "$CHECKOV"
fi

if [ -x "$venv/bin/checkov" ] && [ "$(version_of "$venv/bin/checkov")" = "$PINNED" ]; then
  use "$venv/bin/checkov"
fi

echo "checkov: installing checkov==$PINNED from PyPI into $venv/ (once; about a minute)"
if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 is missing: install python3 (3.9 or later) and run npm test again, or set CHECKOV" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ] && ! python3 -m venv "$venv"; then
  echo "could not create $venv/ (on Debian and Ubuntu: apt-get install python3-venv), or set CHECKOV" >&2
  exit 1
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$PINNED"
if [ "$(version_of "$venv/bin/checkov")" != "$PINNED" ]; then
  echo "$venv/bin/checkov is not version $PINNED after installing checkov==$PINNED" >&2
  exit 1
fi
use "$venv/bin/checkov"
