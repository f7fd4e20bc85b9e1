#!/usr/bin/env bash
# Build the Linux artefact and smoke-test it, as CI does (about 5 minutes on 2 cores).
# Usage: installer/ci.sh
# Needs .venv (installer/setup.sh --dev) and binutils. --packs is exercised with a renamed copy of the
# demo pack (made here, with its own checksums); the smoke test then expects both packs in the bundle.
# Fails when the .tar.gz is larger than OUTPOST_MAX_ARTEFACT_MIB (default 300).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${1:-}" in
  -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "ci.sh: takes no arguments (see --help)" >&2; exit 2 ;;
esac
limit_mib="${OUTPOST_MAX_ARTEFACT_MIB:-300}"
python="$root/.venv/bin/python"
[ -x "$python" ] || { echo "ci.sh: no $python; run installer/setup.sh --dev first" >&2; exit 1; }
started=$SECONDS
tmp="$(mktemp -d "${TMPDIR:-/tmp}/outpost-ci.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

extra="outpost-demo-ct-copy"
"$python" - "$root/resources/packs/outpost-demo-ct" "$tmp/packs/$extra" "$extra" <<'EOF'
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(sys.argv[1]).resolve().parents[2]))
from ai.packs.pack import write_checksums

source, target, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
shutil.copytree(source, target)
metadata = json.loads((target / "configs" / "metadata.json").read_text(encoding="utf-8"))
metadata["name"] = name
(target / "configs" / "metadata.json").write_text(json.dumps(metadata, indent=1), encoding="utf-8")
write_checksums(target)
EOF

echo "== installer/build.sh --packs $tmp/packs"
build_started=$SECONDS
bash "$root/installer/build.sh" --packs "$tmp/packs"
build_s=$(( SECONDS - build_started ))

shopt -s nullglob
artefacts=("$root"/dist/outpost-*-linux-x86_64.tar.gz)
shopt -u nullglob
[ ${#artefacts[@]} -eq 1 ] || { echo "ci.sh: expected one artefact in dist/, found ${#artefacts[@]}" >&2; exit 1; }
size_mib=$(( $(stat -c %s "${artefacts[0]}") / 1048576 ))
[ "$size_mib" -le "$limit_mib" ] \
  || { echo "ci.sh: ${artefacts[0]##*/} is $size_mib MiB, over the $limit_mib MiB budget" >&2; exit 1; }

echo "== installer/smoke.sh"
smoke_started=$SECONDS
bash "$root/installer/smoke.sh" "${artefacts[0]}" --expect-pack "$extra"
echo "installer ci passed: artefact $size_mib MiB (budget $limit_mib), build ${build_s} s," \
  "smoke $(( SECONDS - smoke_started )) s, total $(( SECONDS - started )) s"
