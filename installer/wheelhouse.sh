#!/usr/bin/env bash
# Download every wheel Outpost needs into a folder, for `installer/setup.sh --offline DIR` on a machine
# without network (and, with the build requirements, for installer/build.sh there).
# Usage: installer/wheelhouse.sh DIR [--platform TAG]... [--python-version 3.11] [--no-dev]
#                                [--torch-index URL] [--cuda]
#   --platform TAG     a wheel platform tag other than this machine's, e.g. win_amd64,
#                      macosx_11_0_arm64, manylinux_2_28_x86_64 (repeatable)
#   --python-version   the target's Python (default 3.11; Outpost needs 3.11)
#   --no-dev           leave out the dev extra (tests, linters) and the build requirements
#   --torch-index URL  where the CPU build of torch 2.13.0 is found (PyTorch's CPU wheel index);
#                      by default pip's own configuration (here: a local folder of wheels)
#   --cuda             instead: only torch 2.13.0's CUDA build and its nvidia-*, cuda-* and triton wheels
#                      (several GB), from the index named by --torch-index (required; e.g. PyPI's simple
#                      index), for installer/build.sh --cuda --cuda-wheels DIR.  pip's configuration and
#                      cache are left out, so that a cached or local 2.13.0+cpu cannot stand in for it.
# torch is pinned to 2.13.0 by installer/constraints.txt and must be the CPU build (2.13.0+cpu): PyPI's
# torch pulls GBs of CUDA wheels, so the script refuses a wheelhouse holding any.  For another platform
# name PyTorch's CPU wheel index with --torch-index.  pip evaluates environment markers for the machine it
# runs on, even with --platform: make a wheelhouse for another OS on that OS if you can, and check it
# there with setup.sh --offline.  Tested here for this machine's platform only (Linux x86_64).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir=""
platforms=()
python_version="3.11"
dev=1
torch_index=""
cuda=0
while [ $# -gt 0 ]; do
  case "$1" in
    --platform) platforms+=("${2:?--platform needs a tag}"); shift 2 ;;
    --python-version) python_version="${2:?--python-version needs a version}"; shift 2 ;;
    --no-dev) dev=0; shift ;;
    --torch-index) torch_index="${2:?--torch-index needs a URL}"; shift 2 ;;
    --cuda) cuda=1; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "wheelhouse.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$dir" ] || { echo "wheelhouse.sh: one folder only" >&2; exit 2; }; dir="$1"; shift ;;
  esac
done
[ -n "$dir" ] || { echo "wheelhouse.sh: name the folder for the wheels (see --help)" >&2; exit 2; }
[ "$python_version" = "3.11" ] || echo "wheelhouse.sh: warning: Outpost needs Python 3.11, not $python_version" >&2
python="$root/.venv/bin/python"
[ -x "$python" ] || python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || { echo "wheelhouse.sh: no Python 3.11 ($python)" >&2; exit 1; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

if [ $cuda = 1 ]; then
  [ -n "$torch_index" ] || { echo "wheelhouse.sh: --cuda needs --torch-index URL, an index with torch 2.13.0's" \
    "CUDA build and its nvidia-* wheels (PyPI's has them)" >&2; exit 2; }
  [ ${#platforms[@]} -eq 0 ] || { echo "wheelhouse.sh: --cuda is for this machine's platform (Linux x86_64)" >&2; exit 2; }
  echo "== downloading torch 2.13.0 (CUDA) and its dependencies into $dir"
  if ! env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null \
      "$python" -m pip download --disable-pip-version-check --no-cache-dir --only-binary=:all: \
      --index-url "$torch_index" -d "$dir" "torch==2.13.0"; then
    echo "wheelhouse.sh: pip download of torch 2.13.0 (CUDA) from $torch_index failed" >&2
    exit 1
  fi
  shopt -s nullglob
  torch_wheels=("$dir"/torch-2.13.0-*.whl)
  cuda_wheels=("$dir"/nvidia_*.whl)
  shopt -u nullglob
  [ ${#torch_wheels[@]} -gt 0 ] || { echo "wheelhouse.sh: no torch 2.13.0 CUDA wheel was downloaded" >&2; exit 1; }
  [ ${#cuda_wheels[@]} -gt 0 ] || { echo "wheelhouse.sh: ${torch_wheels[0]##*/} brought no nvidia-* wheels:" \
    "it is not the CUDA build" >&2; exit 1; }
  echo "wheelhouse (CUDA): ${torch_wheels[0]##*/} and $(( $(find "$dir" -maxdepth 1 -name '*.whl' | wc -l) - 1 ))" \
    "other wheels, $(du -sm "$dir" | cut -f1) MiB in $dir"
  echo "build the CUDA artefact with: installer/build.sh --cuda --cuda-wheels $dir"
  exit 0
fi

# The requirements: the project's dependencies (and dev extra) from pyproject.toml, what building it
# needs (setuptools, wheel: setup.sh installs it in editable mode), and PyInstaller.
requirements="$dir/requirements.txt"
"$python" - "$root/pyproject.toml" "$dev" >"$requirements" <<'EOF'
import sys
import tomllib

with open(sys.argv[1], "rb") as f:
    project = tomllib.load(f)
lines = list(project["project"]["dependencies"]) + list(project["build-system"]["requires"])
if sys.argv[2] == "1":
    lines += project["project"].get("optional-dependencies", {}).get("dev", [])
print("\n".join(lines))
EOF
if [ $dev = 1 ]; then
  grep -v '^#' "$root/installer/build-requirements.txt" >>"$requirements"
fi

args=(download --disable-pip-version-check -d "$dir" --only-binary=:all: -c "$root/installer/constraints.txt"
      -r "$requirements")
if [ ${#platforms[@]} -gt 0 ]; then
  for tag in "${platforms[@]}"; do args+=(--platform "$tag"); done
  args+=(--python-version "$python_version" --implementation cp)
fi
[ -z "$torch_index" ] || args+=(--extra-index-url "$torch_index")
echo "== downloading into $dir"
if ! "$python" -m pip "${args[@]}"; then
  echo "wheelhouse.sh: pip download failed$([ -z "$torch_index" ] && [ ${#platforms[@]} -gt 0 ] \
    && echo "; for another platform, name the CPU torch wheel index with --torch-index")" >&2
  exit 1
fi

shopt -s nullglob
torch_wheels=("$dir"/torch-2.13.0*.whl)
cuda_wheels=("$dir"/nvidia_*.whl "$dir"/cuda_*.whl)
shopt -u nullglob
[ ${#torch_wheels[@]} -gt 0 ] || { echo "wheelhouse.sh: no torch 2.13.0 wheel was downloaded" >&2; exit 1; }
if [ ${#cuda_wheels[@]} -gt 0 ]; then
  echo "wheelhouse.sh: CUDA wheels were downloaded (${cuda_wheels[0]##*/} ...): torch is not the CPU build;" \
    "name PyTorch's CPU wheel index with --torch-index" >&2
  exit 1
fi
for wheel in "${torch_wheels[@]}"; do
  case "$wheel" in
    *linux*) case "$wheel" in *+cpu*) ;; *) echo "wheelhouse.sh: ${wheel##*/} is not the CPU build" >&2; exit 1 ;; esac ;;
  esac
done
count=$(find "$dir" -maxdepth 1 -name '*.whl' | wc -l)
echo "wheelhouse: $count wheels, $(du -sm "$dir" | cut -f1) MiB in $dir"
echo "install offline with: installer/setup.sh$([ $dev = 1 ] && echo ' --dev') --offline $dir"
