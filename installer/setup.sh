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
if [ -n "$extras" ]; then
  # nnU-Net is the tests' oracle for nnU-Net packs (tests/ai/test_nnunet.py), never a product dependency.
  # scikit-learn (also in the dev extras) is the calibration tests' oracle (tests/ai/test_calibration.py).
  # --no-deps: its requirements pull torchvision/timm, which do not import against the CPU torch and
  # break MONAI; these are what nnUNetPredictor and the experiment planner import.
  "$root/.venv/bin/python" -m pip install "${pip_args[@]}" -q --no-deps \
    nnunetv2==2.8.1 dynamic-network-architectures==0.4.4 acvl-utils==0.2.6 batchgenerators==0.25.5 \
    batchgeneratorsv2==0.3.6 connected-components-3d==4.1.1 scipy==1.17.1 scikit-image==0.26.0 \
    scikit-learn==1.9.1 joblib==1.6.0 threadpoolctl==3.8.0 lazy-loader==0.6 networkx==3.6.1 imageio==2.38.2 \
    tifffile==2026.3.3 pandas==3.1.1 python-dateutil==4.0.0 tzdata==2026.6 blosc2==4.15.0 msgpack==1.2.4 \
    ndindex==1.10.1 httpx==0.29.0 seaborn==0.13.2 narwhals==2.29.0 cloudpickle==3.1.3
fi
echo "Outpost installed in $root/.venv  (run: $root/.venv/bin/outpost --help)"
