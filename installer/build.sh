#!/usr/bin/env bash
# Build the offline Linux artefact dist/outpost-<version>-linux-x86_64.tar.gz (PyInstaller onedir).
# Usage: installer/build.sh [--packs DIR] [--extra-packs DIR] [--shared-data DIR] [--offline WHEELHOUSE]
#                           [--no-cuts] [--keep-build] [--cuda [--cuda-wheels DIR]]
#   --packs DIR     also bundle every model pack in DIR (folders or .zip), after verifying its checksums
#   --extra-packs DIR  write the packs that may NOT be bundled (GPL-3.0 HybridGNet) as .zip files into DIR
#   --shared-data DIR  where the catalogue's weights are (default ../shared/data; the catalogue of
#                   installer/catalogue.py is bundled from it; without it the build says so and goes on)
#   --offline DIR   install PyInstaller from this wheelhouse (installer/wheelhouse.sh) instead of the index
#   --no-cuts       leave out the size cuts (to measure what they save)
#   --keep-build    keep PyInstaller's work folder in build/pyinstaller (faster rebuilds)
#   --cuda          build the second, GPU artefact dist/cuda/outpost-<version>-linux-x86_64.tar.gz instead:
#                   the same program with torch 2.13.0's CUDA build (several GB; not built by CI), in its own
#                   build venv build/venv-cuda (the packages of .venv, torch replaced); see docs/user/install.md
#   --cuda-wheels DIR  torch 2.13.0's CUDA wheel and its nvidia-* / cuda-* / triton wheels (made by
#                   installer/wheelhouse.sh --cuda); default build/wheels-cuda, downloaded there when empty
#                   from the index named by OUTPOST_CUDA_INDEX_URL (e.g. PyPI's simple index)
# Needs .venv (installer/setup.sh --dev) and binutils (strip, readelf); installs PyInstaller into .venv
# from installer/build-requirements.txt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packs=""
extra_packs=""
shared="${OUTPOST_SHARED_DATA:-$root/../shared/data}"
cuts=1
keep=0
offline=""
cuda=0
cuda_wheels=""
while [ $# -gt 0 ]; do
  case "$1" in
    --packs) packs="${2:?--packs needs a folder of model packs}"; shift 2 ;;
    --extra-packs) extra_packs="${2:?--extra-packs needs a folder}"; shift 2 ;;
    --shared-data) shared="${2:?--shared-data needs a folder}"; shift 2 ;;
    --offline) offline="${2:?--offline needs a wheelhouse folder}"; shift 2 ;;
    --no-cuts) cuts=0; shift ;;
    --keep-build) keep=1; shift ;;
    --cuda) cuda=1; shift ;;
    --cuda-wheels) cuda_wheels="${2:?--cuda-wheels needs a folder of wheels}"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] \
  || { echo "build.sh: builds the Linux x86_64 artefact only; see installer/windows and installer/macos" >&2; exit 1; }
python="$root/.venv/bin/python"
[ -x "$python" ] || { echo "build.sh: no $python; run installer/setup.sh --dev first" >&2; exit 1; }
for tool in strip readelf tar gzip; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build.sh: $tool is missing (Debian: apt-get install binutils)" >&2; exit 1; }
done
if [ -n "$packs" ]; then
  [ -d "$packs" ] || { echo "build.sh: --packs $packs is not a folder" >&2; exit 1; }
  packs="$(cd "$packs" && pwd)"
fi
if [ -n "$extra_packs" ]; then
  mkdir -p "$extra_packs"
  extra_packs="$(cd "$extra_packs" && pwd)"
fi

[ -z "$cuda_wheels" ] || [ $cuda = 1 ] || { echo "build.sh: --cuda-wheels goes with --cuda" >&2; exit 2; }

started=$SECONDS
version="$("$python" -c 'import viewer; print(viewer.__version__)')"
name="outpost-$version-linux-x86_64"
work="$root/build/pyinstaller"
stage="$root/build/stage"
mb() { du -sm "$1" | cut -f1; }
gzip_level=9
if [ $cuda = 1 ]; then
  # The CUDA artefact: its own venv, work folders and folder dist/cuda/ (same file name as the CPU
  # artefact, which installer/smoke.sh reads the version from; CI's glob dist/outpost-*.tar.gz does
  # not reach it).  torch's CUDA wheel is 2.13.0 without a local version: pip prefers a cached
  # 2.13.0+cpu to it, so it is installed from its file.
  work="$root/build/pyinstaller-cuda"
  stage="$root/build/stage-cuda"
  gzip_level=6  # -9 takes many minutes more on GBs of CUDA libraries for under 1 % less
  cuda_wheels="${cuda_wheels:-$root/build/wheels-cuda}"
  find_cuda_torch() {
    find "$cuda_wheels" -maxdepth 1 -name 'torch-2.13.0-cp311-*linux*_x86_64.whl' 2>/dev/null | head -n 1
  }
  if [ -z "$(find_cuda_torch)" ]; then
    [ -n "${OUTPOST_CUDA_INDEX_URL:-}" ] || { echo "build.sh: --cuda: no torch 2.13.0 CUDA wheel in" \
      "$cuda_wheels; set OUTPOST_CUDA_INDEX_URL to a package index that has it (docs/user/install.md)" \
      "or give --cuda-wheels DIR" >&2; exit 1; }
    echo "== downloading torch 2.13.0's CUDA build into $cuda_wheels"
    bash "$root/installer/wheelhouse.sh" "$cuda_wheels" --cuda --torch-index "$OUTPOST_CUDA_INDEX_URL"
  fi
  cuda_torch="$(find_cuda_torch)"
  [ -n "$cuda_torch" ] || { echo "build.sh: --cuda: no torch 2.13.0 CUDA wheel in $cuda_wheels" >&2; exit 1; }
  venv="$root/build/venv-cuda"
  echo "== the CUDA build venv $venv"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  frozen="$venv/requirements-from-venv.txt"
  "$python" -m pip freeze --exclude-editable | grep -v -i -E '^(torch|triton|nvidia-|cuda-)' >"$frozen"
  venv_pip=("$venv/bin/python" -m pip install --disable-pip-version-check -q)
  [ -z "$offline" ] || venv_pip+=(--no-index --find-links "$offline")
  "${venv_pip[@]}" --no-deps -r "$frozen"  # .venv's exact set: no resolver, so no other torch pulled in
  "${venv_pip[@]}" --find-links "$cuda_wheels" "$cuda_torch"
  "${venv_pip[@]}" --no-deps --no-build-isolation -e "$root"
  python="$venv/bin/python"
  "$python" -c 'import sys, torch; sys.exit(0 if torch.version.cuda and torch.__version__.split("+")[0] == "2.13.0" else 1)' \
    || { echo "build.sh: $venv holds torch $("$python" -c 'import torch; print(torch.__version__)'), not" \
      "2.13.0's CUDA build" >&2; exit 1; }
  echo "torch $("$python" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)')"
fi
artefact="$root/dist$([ $cuda = 0 ] || echo /cuda)/$name.tar.gz"

echo "== PyInstaller"
pip_args=(--disable-pip-version-check -q)
[ -z "$offline" ] || pip_args+=(--no-index --find-links "$offline")
PIP_CONSTRAINT="$root/installer/constraints.txt" "$python" -m pip install "${pip_args[@]}" \
  -r "$root/installer/build-requirements.txt"
catalogue="$root/build/catalogue$([ $cuda = 0 ] || echo -cuda)"
rm -rf "$catalogue"
if [ -d "$shared" ]; then
  echo "== the catalogue of redistributable packs, from $shared"
  catalogue_args=("$shared" "$catalogue")
  [ -z "$extra_packs" ] || catalogue_args+=(--extra-packs "$extra_packs")
  "$python" "$root/installer/catalogue.py" "${catalogue_args[@]}"
  "$python" "$root/installer/add_packs.py" "$catalogue"
else
  echo "== no shared data at $shared: building without the catalogue of model packs"
  catalogue=""
  [ -z "$extra_packs" ] || echo "build.sh: warning: --extra-packs $extra_packs: no shared data, no extra packs" >&2
fi
if [ -n "$packs" ]; then
  echo "== checking the packs in $packs"
  "$python" "$root/installer/add_packs.py" "$packs"
fi

echo "== building the bundle (cuts: $([ $cuts = 1 ] && echo on || echo off))"
rm -rf "$stage" "$work/dist"
[ $keep = 1 ] || rm -rf "$work"
OUTPOST_BUILD_CUTS=$cuts OUTPOST_BUILD_CUDA=$cuda "$python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$work/dist" --workpath "$work/work" "$root/installer/outpost.spec"
app="$work/dist/outpost"
[ -x "$app/outpost" ] || { echo "build.sh: PyInstaller made no $app/outpost" >&2; exit 1; }
echo "bundle as PyInstaller made it: $(mb "$app") MiB"

if [ $cuts = 1 ]; then
  # PyInstaller's own strip option breaks numpy: strip only these (symbols and debug info; the
  # dynamic symbols the loader needs stay).  numpy and numpy.libs are left alone.
  echo "== stripping selected libraries"
  cuda_libraries=()
  [ $cuda = 0 ] || cuda_libraries=(torch/lib/libtorch_cuda.so torch/lib/libc10_cuda.so)
  for library in torch/lib/libtorch_cpu.so torch/lib/libtorch_python.so torch/lib/libc10.so "${cuda_libraries[@]}" \
      SimpleITK/_SimpleITK.abi3.so libpython3.11.so.1.0 \
      _libjpeg.cpython-311-x86_64-linux-gnu.so _CharLS.cpython-311-x86_64-linux-gnu.so \
      _openjpeg.cpython-311-x86_64-linux-gnu.so kiwisolver/_cext.cpython-311-x86_64-linux-gnu.so \
      PIL/_imaging.cpython-311-x86_64-linux-gnu.so; do
    path="$app/_internal/$library"
    if [ -f "$path" ]; then
      strip --strip-unneeded "$path"
    else
      echo "build.sh: warning: $library not in the bundle, not stripped" >&2
    fi
  done
  echo "bundle after stripping: $(mb "$app") MiB"
fi

if [ -n "$catalogue" ]; then
  echo "== adding the catalogue"
  "$python" "$root/installer/add_packs.py" "$catalogue" --into "$app/_internal/resources/packs"
fi
if [ -n "$packs" ]; then
  echo "== adding the packs in $packs"
  "$python" "$root/installer/add_packs.py" "$packs" --into "$app/_internal/resources/packs"
fi

echo "== the artefact"
mkdir -p "$stage/$name" "$(dirname "$artefact")"
mv "$app" "$stage/$name/app"
install -m 755 "$root/installer/linux/outpost" "$stage/$name/outpost"
install -m 755 "$root/installer/linux/install-desktop-entry.sh" "$stage/$name/install-desktop-entry.sh"
install -m 644 "$root/installer/linux/outpost.desktop" "$stage/$name/outpost.desktop"
install -m 644 "$root/installer/linux/outpost.svg" "$stage/$name/outpost.svg"
install -m 644 "$root/installer/linux/README.txt" "$stage/$name/README.txt"
chmod -R u+w,go-w,a+rX "$stage/$name"
rm -f "$artefact"
tar -C "$stage" --owner=0 --group=0 --numeric-owner -cf - "$name" | gzip -$gzip_level > "$artefact.part"
mv "$artefact.part" "$artefact"

echo "== sizes (MiB) per top folder of the bundle"
du -sm "$stage/$name/app/_internal"/* | sort -rn | sed -n "1,12p" | sed "s|$stage/$name/app/_internal/|  |"
echo "bundle $(mb "$stage/$name") MiB; artefact $(( $(stat -c %s "$artefact") / 1048576 )) MiB" \
  "($(stat -c %s "$artefact") bytes); build $(( SECONDS - started )) s"
echo "wrote $artefact"
