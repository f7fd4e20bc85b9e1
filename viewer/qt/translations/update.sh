#!/usr/bin/env bash
# Extract the interface's strings into the .ts catalogues (new ones come in unfinished: translate them, in
# Qt Linguist or by hand), then compile the .qm files the viewer loads. Run from anywhere:
#   viewer/qt/translations/update.sh            # lupdate, then lrelease
#   viewer/qt/translations/update.sh --release  # lrelease only
# tests/qt/test_translations.py fails while a string is untranslated or a .qm is out of date.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
bin="${OUTPOST_PYSIDE6_BIN:-$root/.venv/bin}"
languages=(fr es pt)
cd "$root"
if [[ "${1:-}" != "--release" ]]; then
  # _tr and _n: viewer/qt/qt_i18n.py and ai/qt/qt_i18n.py's translate and noop.
  # translatable: viewer/core/translatable.py, the templates of sentences made outside the Qt layer.
  "$bin/pyside6-lupdate" -locations none -no-obsolete \
    -tr-function-alias QT_TR_NOOP+=_tr,QT_TR_NOOP+=_n,QT_TRANSLATE_NOOP+=translatable \
    viewer/qt/*.py ai/qt/*.py viewer/core/*.py ai/suitability.py ai/packs/*.py $(printf -- "-ts $here/outpost_%s.ts " "${languages[@]}")
fi
for language in "${languages[@]}"; do
  "$bin/pyside6-lrelease" -nounfinished -removeidentical "$here/outpost_$language.ts" -qm "$here/outpost_$language.qm"
done
