#!/usr/bin/env bash
# Build the offline Linux artefact dist/outpost-<version>-linux-x86_64.tar.gz (PyInstaller onedir).
# Usage: installer/build.sh [--packs DIR] [--extra-packs DIR] [--shared-data DIR] [--offline WHEELHOUSE]
#                           [--no-cuts] [--keep-build]
#   --packs DIR     also bundle every model pack in DIR (folders or .zip), after verifying its checksums
#   --extra-packs DIR  write the packs that may NOT be bundled (GPL-3.0 HybridGNet) as .zip files into DIR
#   --shared-data DIR  where the catalogue's weights are (default ../shared/data; the catalogue of
#                   installer/catalogue.py is bundled from it; without it the build says so and goes on)
#   --offline DIR   install PyInstaller from this wheelhouse (installer/wheelhouse.sh) instead of the index
#   --no-cuts       leave out the size cuts (to measure what they save)
#   --keep-build    keep PyInstaller's work folder in build/pyinstaller (faster rebuilds)
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
while [ $# -gt 0 ]; do
  case "$1" in
    --packs) packs="${2:?--packs needs a folder of model packs}"; shift 2 ;;
    --extra-packs) extra_packs="${2:?--extra-packs needs a folder}"; shift 2 ;;
    --shared-data) shared="${2:?--shared-data needs a folder}"; shift 2 ;;
    --offline) offline="${2:?--offline needs a wheelhouse folder}"; shift 2 ;;
    --no-cuts) cuts=0; shift ;;
    --keep-build) keep=1; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

started=$SECONDS
version="$("$python" -c 'import viewer; print(viewer.__version__)')"
name="outpost-$version-linux-x86_64"
work="$root/build/pyinstaller"
stage="$root/build/stage"
artefact="$root/dist/$name.tar.gz"
mb() { du -sm "$1" | cut -f1; }

echo "== PyInstaller"
pip_args=(--disable-pip-version-check -q)
[ -z "$offline" ] || pip_args+=(--no-index --find-links "$offline")
PIP_CONSTRAINT="$root/installer/constraints.txt" "$python" -m pip install "${pip_args[@]}" \
  -r "$root/installer/build-requirements.txt"
catalogue="$root/build/catalogue"
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
OUTPOST_BUILD_CUTS=$cuts "$python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$work/dist" --workpath "$work/work" "$root/installer/outpost.spec"
app="$work/dist/outpost"
[ -x "$app/outpost" ] || { echo "build.sh: PyInstaller made no $app/outpost" >&2; exit 1; }
echo "bundle as PyInstaller made it: $(mb "$app") MiB"

if [ $cuts = 1 ]; then
  # PyInstaller's own strip option breaks numpy: strip only these (symbols and debug info; the
  # dynamic symbols the loader needs stay).  numpy and numpy.libs are left alone.
  echo "== stripping selected libraries"
  for library in torch/lib/libtorch_cpu.so torch/lib/libtorch_python.so torch/lib/libc10.so \
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
mkdir -p "$stage/$name" "$root/dist"
mv "$app" "$stage/$name/app"
install -m 755 "$root/installer/linux/outpost" "$stage/$name/outpost"
install -m 755 "$root/installer/linux/install-desktop-entry.sh" "$stage/$name/install-desktop-entry.sh"
install -m 644 "$root/installer/linux/outpost.desktop" "$stage/$name/outpost.desktop"
install -m 644 "$root/installer/linux/outpost.svg" "$stage/$name/outpost.svg"
install -m 644 "$root/installer/linux/README.txt" "$stage/$name/README.txt"
chmod -R u+w,go-w,a+rX "$stage/$name"
rm -f "$artefact"
tar -C "$stage" --owner=0 --group=0 --numeric-owner -cf - "$name" | gzip -9 > "$artefact.part"
mv "$artefact.part" "$artefact"

echo "== sizes (MiB) per top folder of the bundle"
du -sm "$stage/$name/app/_internal"/* | sort -rn | sed -n "1,12p" | sed "s|$stage/$name/app/_internal/|  |"
echo "bundle $(mb "$stage/$name") MiB; artefact $(( $(stat -c %s "$artefact") / 1048576 )) MiB" \
  "($(stat -c %s "$artefact") bytes); build $(( SECONDS - started )) s"
echo "wrote $artefact"
