#!/usr/bin/env bash
# Smoke-test the Linux artefact as a clinic would get it.
# Usage: installer/smoke.sh DIST [--expect-pack NAME]... [--no-catalogue]
#   DIST: the .tar.gz, or the folder holding one outpost-*-linux-x86_64.tar.gz;
#   --expect-pack NAME: this pack must be in the bundle's read-only store (repeatable)
#   --no-catalogue: the artefact was built without ../shared/data, so without installer/catalogue.py's
#   packs (by default they are expected, and run, whenever ../shared/data is here)
# It unpacks the artefact into a new temporary folder, makes that folder read-only, and runs the
# program with `env -i` (HOME = a temporary folder, PATH=/usr/bin:/bin, QT_QPA_PLATFORM=offscreen;
# no venv) and without network (in a network namespace where `unshare -n` is allowed).
# Checks that need ../shared/data (JPEG 2000 and other transfer syntaxes, real model packs) are
# skipped with a message when it is absent (OUTPOST_SHARED_DATA overrides its place).
# Exits non-zero on the first failure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist=""
expected_packs=(outpost-demo-ct)
catalogue=1
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --expect-pack) expected_packs+=("${2:?--expect-pack needs a pack name}"); shift 2 ;;
    --no-catalogue) catalogue=0; shift ;;
    -*) echo "smoke.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$dist" ] || { echo "smoke.sh: one artefact only" >&2; exit 2; }; dist="$1"; shift ;;
  esac
done
[ -n "$dist" ] || { echo "smoke.sh: name the artefact (.tar.gz) or its folder; see --help" >&2; exit 2; }
if [ -d "$dist" ]; then
  shopt -s nullglob
  found=("$dist"/outpost-*-linux-x86_64.tar.gz)
  shopt -u nullglob
  [ ${#found[@]} -eq 1 ] || { echo "smoke.sh: expected one outpost-*-linux-x86_64.tar.gz in $dist," \
    "found ${#found[@]}" >&2; exit 2; }
  dist="${found[0]}"
fi
[ -f "$dist" ] || { echo "smoke.sh: no artefact at $dist" >&2; exit 2; }
case "$dist" in *.tar.gz) ;; *) echo "smoke.sh: $dist is not a .tar.gz" >&2; exit 2 ;; esac
dist="$(cd "$(dirname "$dist")" && pwd)/$(basename "$dist")"
shared="${OUTPOST_SHARED_DATA:-$root/../shared/data}"
# the packs installer/catalogue.py builds and build.sh bundles when the shared data is there
catalogue_packs=(brain-gwm-light-meshnet brain-extraction-mindgrab brain-gwm-meshnet brain-subcortical-meshnet
  brain-aparc-aseg-meshnet brain-dkt-atlas-meshnet cxr-pneumonia-squeezenet)
[ -d "$shared/weights_brain_mri_meshnet_brainchop_app" ] || catalogue=0
[ $catalogue = 0 ] || expected_packs+=("${catalogue_packs[@]}")

tmp="$(mktemp -d "${TMPDIR:-/tmp}/outpost-smoke.XXXXXX")"
cleanup() { chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
started=$SECONDS
checks=0
log="$tmp/step.log"

fail() {
  echo "FAIL: $*" >&2
  [ -s "$log" ] && { echo "---- output (last 30 lines)" >&2; tail -n 30 "$log" >&2; }
  exit 1
}
ok() { checks=$((checks + 1)); echo "ok   $*"; }

echo "== unpacking $(basename "$dist") ($(( $(stat -c %s "$dist") / 1048576 )) MiB)"
mkdir -p "$tmp/install" "$tmp/home" "$tmp/work"
tar -xzf "$dist" -C "$tmp/install"
name="$(basename "$dist" .tar.gz)"
install="$tmp/install/$name"
[ -x "$install/outpost" ] || fail "the artefact has no $name/outpost launcher"
[ -x "$install/app/outpost" ] || fail "the artefact has no $name/app/outpost program"
for extra in outpost.desktop outpost.svg README.txt install-desktop-entry.sh; do
  [ -f "$install/$extra" ] || fail "the artefact has no $name/$extra"
done
grep -q '^Exec=outpost' "$install/outpost.desktop" || fail "outpost.desktop has no Exec line"
version="${name#outpost-}"; version="${version%-linux-x86_64}"
touch "$tmp/unpacked-marker"
sleep 1  # so that anything written into the program folder later is newer than the marker
chmod -R a-w "$install"
ok "unpacked into a read-only folder"

isolate=()
if unshare -n true 2>/dev/null; then
  isolate=(unshare -n)
  network="no network (own network namespace)"
else
  network="network namespaces not allowed here: no network is used, but it is not enforced"
fi
who="$(id -un)"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
  # root ignores the missing write bits: run as nobody, so that the read-only folder really is
  chmod 755 "$tmp"
  chown -R nobody "$tmp/home" "$tmp/work"
  isolate+=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
  who="nobody"
fi
echo "== running as $who with env -i, HOME=$tmp/home, $network"

# run LABEL COMMAND...: the bundled outpost with a clean environment; output to $log
run() {
  (cd "$tmp/work" && "${isolate[@]}" env -i HOME="$tmp/home" PATH=/usr/bin:/bin QT_QPA_PLATFORM=offscreen \
    "$install/outpost" "$@") >"$log" 2>&1
}

run --version || fail "outpost --version"
grep -qx "outpost $version" "$log" || fail "outpost --version does not say $version"
ok "outpost --version: $(cat "$log")"

run --help || fail "outpost --help"
for command in scan convert view demo ai models; do
  grep -qE "^ +$command " "$log" || fail "outpost --help does not list '$command' (entry points outpost.commands)"
done
ok "commands of the AI plugin found through entry points (demo, ai, models)"

run view --help || fail "outpost view --help"
grep -q -- "--pack" "$log" || fail "outpost view --help does not offer --pack"

X="$tmp/work/X"
run demo --no-view --out "$X" || fail "outpost demo --no-view"
grep -q "read back exactly" "$log" || fail "the demo study was not read back exactly"
ok "outpost demo --no-view: $(grep -c . < <(ls "$X/dicom")) CT images written and read back exactly"

run scan "$X/dicom" || fail "outpost scan"
grep -qE " CT +64 inst +64x192x192 " "$log" || fail "outpost scan did not list the 64-slice CT series"
ok "outpost scan: $(head -n 1 "$log")"

Y="$tmp/work/Y"
run ai run --pack outpost-demo-ct --input "$X/dicom" --out "$Y" || fail "outpost ai run"
[ -s "$Y/result.json" ] || fail "outpost ai run wrote no result.json"
volumes="$(sed -n '/"volumes_ml": {/,/}/p' "$Y/result.json")"
for structure in liver spleen "left kidney" "right kidney" lungs spine; do
  echo "$volumes" | grep -qE "\"$structure\": [1-9][0-9]*(\.[0-9]+)?,?$" \
    || fail "result.json has no positive volume for $structure"
done
[ "$(echo "$volumes" | grep -cE '": [0-9]')" -eq 6 ] || fail "result.json does not hold exactly 6 structures"
[ -s "$Y/labels.nii.gz" ] && [ -s "$Y/seg.dcm" ] || fail "outpost ai run wrote no labels.nii.gz or seg.dcm"
ok "outpost ai run: result.json with the 6 structures, labels.nii.gz, seg.dcm (highdicom)"

run models list || fail "outpost models list"
for pack in "${expected_packs[@]}"; do
  grep -q "^$pack .* bundled  ok" "$log" || fail "the pack $pack is not listed as a bundled pack that is ok"
done
if grep -v " ok$" "$log" | grep "bundled" >/dev/null; then fail "a bundled pack is not ok"; fi
ok "outpost models list: $(grep -c bundled "$log") bundled pack(s), all ok$([ $catalogue = 0 ] \
  || echo ", the catalogue's ${#catalogue_packs[@]} among them")"

# png_facts FILE: prints "WIDTH HEIGHT BYTES" from the PNG header, or fails
png_facts() {
  [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$1 is not a PNG"
  local w h
  w=$((16#$(od -An -tx1 -j16 -N4 "$1" | tr -d ' \n')))
  h=$((16#$(od -An -tx1 -j20 -N4 "$1" | tr -d ' \n')))
  echo "$w $h $(stat -c %s "$1")"
}
plain="$tmp/work/plain.png"
with_ai="$tmp/work/ai.png"
run view "$X/dicom" --screenshot "$plain" || fail "outpost view --screenshot"
run view "$X/dicom" --pack outpost-demo-ct --screenshot "$with_ai" || fail "outpost view --pack --screenshot"
if grep -qi "plugin .* failed" "$log"; then fail "a plugin failed to load"; fi
for png in "$plain" "$with_ai"; do
  read -r width height bytes < <(png_facts "$png")
  [ "$width" -ge 400 ] && [ "$height" -ge 400 ] || fail "$(basename "$png") is only ${width}x${height}"
  # a blank (one-colour) picture of that size compresses to a few KiB; the CT with text is > 20 KiB
  [ "$bytes" -gt 20000 ] || fail "$(basename "$png") is $bytes bytes: blank?"
done
cmp -s "$plain" "$with_ai" && fail "the picture with --pack equals the one without: the AI plugin did not run"
ok "outpost view --screenshot: ${width}x${height} PNGs; with --pack the AI plugin (entry point outpost.plugins) drew"
python_check="${OUTPOST_SMOKE_PYTHON:-$root/.venv/bin/python}"
if [ -x "$python_check" ] && "$python_check" -c 'import PySide6' 2>/dev/null; then
  # Outside env -i: count colours with the development venv's Qt, as a second look at the picture.
  QT_QPA_PLATFORM=offscreen "$python_check" - "$plain" "$with_ai" >"$log" 2>&1 <<'EOF' || fail "the pictures look blank"
import sys
from PySide6.QtGui import QImage
for path in sys.argv[1:]:
    image = QImage(path)
    colours = {image.pixel(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}
    print(f"{path}: {len(colours)} colours")
    if image.isNull() or len(colours) < 64:
        sys.exit(1)
EOF
  ok "the pictures have $(sed -n 's/.*: \([0-9]*\) colours/\1/p' "$log" | paste -sd/) colours (checked with $python_check)"
fi

ts="$shared/mr_transfer_syntaxes_dcm_qa_ts/In"
if [ -d "$ts" ]; then
  run scan "$ts" || fail "outpost scan of the transfer-syntax files"
  grep -qE '^[0-9a-f]{10}  MR ' "$log" || fail "outpost scan did not list the transfer-syntax files as an MR series"
  for number in 1 2 3 4 5 6 7 8 9; do
    run convert "$ts/$number.dcm" --out "$tmp/work/ts$number.nii.gz" || fail "outpost convert $number.dcm"
    gzip -dc "$tmp/work/ts$number.nii.gz" | tail -c +353 | cksum > "$tmp/work/ts$number.sum"
    cmp -s "$tmp/work/ts1.sum" "$tmp/work/ts$number.sum" \
      || fail "$number.dcm decodes to other voxels than the uncompressed 1.dcm"
  done
  ok "JPEG 2000 (9.dcm), JPEG-LS, JPEG lossless, RLE, big endian: voxels equal to the uncompressed file"
else
  echo "skip JPEG 2000 and other transfer syntaxes: $ts is absent"
fi

factory_python="$root/.venv/bin/python"
if [ -d "$shared/cxr_chest_xray" ] && [ -x "$factory_python" ] && [ -f "$root/tests/ai/pack_factory.py" ]; then
  # Real third-party weights as packs made by the tests' factory (outside the bundle, run by path).
  (cd "$root" && "$factory_python" -c 'import sys; from pathlib import Path
from tests.ai.pack_factory import hybridgnet_pack, squeezenet_cxr_pack
squeezenet_cxr_pack(Path(sys.argv[1]), Path(sys.argv[2]) / "cxr")
hybridgnet_pack(Path(sys.argv[1]), Path(sys.argv[2]) / "anatomy")' "$shared" "$tmp/packs") >"$log" 2>&1 \
    || fail "making the real packs with tests/ai/pack_factory.py"
  run ai run --pack "$tmp/packs/cxr" --explain gradcam --out "$tmp/work/cxr" \
    --input "$shared/cxr_chest_xray/chester_nih_examples/00000001_000-Cardiomegaly.png" \
    || fail "a 2-D classification pack with Grad-CAM on a PNG"
  grep -q "^Normal  " "$log" && [ -s "$tmp/work/cxr/heatmap.nii.gz" ] || fail "no class probabilities or heatmap"
  run ai run --pack "$tmp/packs/anatomy" --out "$tmp/work/anatomy" \
    --input "$shared/cxr_chest_xray/dwv_gdcm_cr/gdcm-CR-MONO1-10-chest.dcm" \
    || fail "a 2-D segmentation pack (MONAI Invertd) on a CR image"
  grep -q "^heart " "$log" || fail "the 2-D segmentation found no heart"
  ok "real packs by path: SqueezeNet classification + Grad-CAM on a PNG, U-Net segmentation of a CR"
else
  echo "skip the real model packs: they need $shared/cxr_chest_xray and $factory_python (the development venv)"
fi

if [ $catalogue = 1 ]; then
  # The bundled catalogue on real DICOM. No T1-weighted MR DICOM series is in the shared data: the
  # build side's python writes one, a sagittal series of brainchop's real T1 (t1_crop.nii.gz), with
  # pydicom (tests/ai/brain_series.py); the bundled program conforms it, runs the DKT atlas after the
  # pre-model it names (brain-gwm-light-meshnet, found in the bundled store), puts the labels back on
  # the sagittal grid and prints the volumetry table, left and right side by side.
  brain_pack=brain-dkt-atlas-meshnet
  (cd "$root" && nice "$factory_python" -c 'import sys; from pathlib import Path
from tests.ai.brain_series import PERMUTED, load_t1, reorder, write_series
axes, flips, position = PERMUTED["sagittal"]
write_series(Path(sys.argv[2]), *reorder(*load_t1(Path(sys.argv[1])), axes, flips), position)' \
    "$shared" "$tmp/t1") >"$log" 2>&1 || fail "writing a DICOM T1 series from t1_crop.nii.gz (tests/ai/brain_series.py)"
  run ai run --pack "$brain_pack" --input "$tmp/t1" --out "$tmp/work/brain" \
    || fail "outpost ai run --pack $brain_pack on a sagittal DICOM T1"
  [ -s "$tmp/work/brain/result.json" ] || fail "the brain pack wrote no result.json"
  grep -q '"icv_source": "brain mask of brain-gwm-light-meshnet' "$tmp/work/brain/result.json" \
    || fail "the brain pack's result.json has no volumetry measured from the pre-model's brain mask"
  grep -qE '^Hippocampus +[1-9][0-9]*\.[0-9] +[1-9][0-9]*\.[0-9] ' "$log" \
    || fail "the volumetry table has no left and right hippocampus"
  ok "bundled $brain_pack after brain-gwm-light-meshnet on a sagittal DICOM T1: result.json, volumetry" \
    "$(grep -E '^Hippocampus ' "$log" | tr -s ' ')"
  cxr_input="$shared/cxr_chest_xray/torchxrayvision_tests/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm"
  run ai run --pack cxr-pneumonia-squeezenet --input "$cxr_input" --out "$tmp/work/pneumonia" \
    || fail "outpost ai run --pack cxr-pneumonia-squeezenet on a chest X-ray DICOM"
  [ -s "$tmp/work/pneumonia/result.json" ] || fail "the pneumonia pack wrote no result.json"
  grep -q '"Normal": 0\.[0-9]' "$tmp/work/pneumonia/result.json" || fail "the pneumonia pack gave no class probabilities"
  ok "bundled cxr-pneumonia-squeezenet on a chest X-ray DICOM (JPEG baseline CR): result.json," \
    "$(grep -E '^Normal ' "$log" | tr -s ' ')"
else
  echo "skip the bundled catalogue: built without $shared/weights_brain_mri_meshnet_brainchop_app (--no-catalogue)"
fi

changed="$(find "$install" -newer "$tmp/unpacked-marker" | sed -n "1,5p")"
[ -z "$changed" ] || fail "the program wrote into its own folder: $changed"
[ -z "$(find "$install" -name __pycache__ | sed -n "1p")" ] || fail "__pycache__ appeared in the program folder"
ok "nothing was written into the program folder; per-user data went to \$HOME:" \
  "$(cd "$tmp/home" && find . -mindepth 1 -maxdepth 3 -type d | sort | paste -sd' ')"

echo "smoke test passed: $checks checks in $(( SECONDS - started )) s"
