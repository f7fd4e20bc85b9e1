#!/usr/bin/env bash
# Create .venv at the repository root and install Outpost with its Python dependencies.
# Needs no root.  Usage: installer/setup.sh [--dev] [--offline WHEELHOUSE]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras=""
offline=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dev) extras="[dev]"; shift ;;
    --offline) offline="${2:?--offline needs a wheelhouse folder}"; shift 2 ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3
"$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || { echo "setup.sh: Outpost needs Python 3.11 ($python is $("$python" --version 2>&1))" >&2; exit 1; }
[ -x "$root/.venv/bin/python" ] || "$python" -m venv "$root/.venv"
export PIP_CONSTRAINT="$root/installer/constraints.txt"
pip_args=(--disable-pip-version-check)
if [ -n "$offline" ]; then
  pip_args+=(--no-index --find-links "$offline")
fi
"$root/.venv/bin/python" -m pip install "${pip_args[@]}" -q "torch==2.13.0"
"$root/.venv/bin/python" -m pip install "${pip_args[@]}" -q -e "$root$extras"
echo "Outpost installed in $root/.venv  (run: $root/.venv/bin/outpost --help)"
