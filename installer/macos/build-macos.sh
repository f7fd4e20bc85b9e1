#!/usr/bin/env bash
# Build dist/outpost-<version>-macos-<arch>.dmg holding Outpost.app - UNTESTED (written on Linux).
# Usage (on macOS 11+, from any folder): installer/macos/build-macos.sh [--offline WHEELHOUSE]
# Needs Python 3.11 and Xcode's command line tools (hdiutil, codesign).  The .app is signed ad hoc
# only: it is neither signed with a Developer ID nor notarized, so Gatekeeper asks the user to
# confirm the first start (right-click, Open).  Each user's data lives in
# ~/Library/Application Support/Outpost and ~/Library/Preferences (never inside the .app).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
offline=()
case "${1:-}" in
  --offline) offline=(--offline "${2:?--offline needs a wheelhouse folder}") ;;
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "build-macos.sh: unknown option $1" >&2; exit 2 ;;
esac
[ "$(uname -s)" = Darwin ] || { echo "build-macos.sh: run it on macOS" >&2; exit 1; }
[ -x "$root/.venv/bin/python" ] || bash "$root/installer/setup.sh" ${offline[@]+"${offline[@]}"}  # bash 3.2: no empty "${a[@]}"
python="$root/.venv/bin/python"
pip_args=(--disable-pip-version-check -q)
[ ${#offline[@]} -eq 0 ] || pip_args+=(--no-index --find-links "${offline[1]}")
PIP_CONSTRAINT="$root/installer/constraints.txt" "$python" -m pip install "${pip_args[@]}" \
  -r "$root/installer/build-requirements.txt"
version="$("$python" -c 'import viewer; print(viewer.__version__)')"
work="$root/build/pyinstaller"
rm -rf "$work/dist"
OUTPOST_BUILD_CUTS=1 "$python" -m PyInstaller --noconfirm --log-level WARN \
  --distpath "$work/dist" --workpath "$work/work" "$root/installer/outpost.spec"
app="$work/dist/Outpost.app"
[ -d "$app" ] || { echo "build-macos.sh: PyInstaller made no $app" >&2; exit 1; }
"$app/Contents/MacOS/outpost" --version
"$app/Contents/MacOS/outpost" models list
codesign --force --deep --sign - "$app"
mkdir -p "$root/dist"
dmg="$root/dist/outpost-$version-macos-$(uname -m).dmg"
staging="$work/dmg"
rm -rf "$staging" "$dmg"
mkdir -p "$staging"
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
hdiutil create -volname "Outpost $version" -srcfolder "$staging" -ov -format UDZO "$dmg"
echo "wrote $dmg"
