#!/bin/bash
# Adds Outpost to this user's application menu (no root needed): writes
# ~/.local/share/applications/outpost.desktop pointing at this folder, and links ~/.local/bin/outpost.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$data/applications" "$HOME/.local/bin"
sed -e "s|^Exec=.*|Exec=\"$here/outpost\" %F|" -e "s|^Icon=.*|Icon=$here/outpost.svg|" \
  "$here/outpost.desktop" > "$data/applications/outpost.desktop"
ln -sfn "$here/outpost" "$HOME/.local/bin/outpost"
echo "added $data/applications/outpost.desktop and $HOME/.local/bin/outpost"
