"""``outpost ai run --json`` prints the document docs/user/ai.md shows, with the bundled demo pack."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.json_shape import shape

ROOT = Path(__file__).resolve().parents[2]


def documented_result() -> dict:
    """The JSON example of ai.md's ``outpost ai run`` and result.json section."""
    text = (ROOT / "docs" / "user" / "ai.md").read_text()
    section = re.search(r"^## `outpost ai run` and result\.json\n(.*?)(?=^## )", text,
                        flags=re.MULTILINE | re.DOTALL)
    assert section, "ai.md has no '## `outpost ai run` and result.json' section"
    assert "`outpost ai run --json`" in section.group(1)
    (block,) = re.findall(r"```json\n(.*?)```", section.group(1), flags=re.DOTALL)
    return json.loads(block)


def test_shape_tells_types_and_keys_apart():
    assert shape({"a": 1, "b": ["x"]}) != shape({"a": "1", "b": ["x"]})
    assert shape({"a": None}) != shape({"a": {}})
    assert shape({"a": [{"b": 1}]}) != shape({"a": [{"b": 1.0}]})


def test_ai_run_json_is_what_ai_md_documents(tmp_path, phantom_study):
    environment = {key: value for key, value in os.environ.items() if key != "OUTPOST_BUNDLED_PACKS"}
    environment["OUTPOST_DATA_DIR"] = str(tmp_path / "data")  # no installed packs: the bundled demo pack
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "viewer", "ai", "run", "--pack", "outpost-demo-ct", "--input",
                             str(phantom_study), "--out", str(out), "--device", "cpu", "--json"],
                            capture_output=True, text=True, timeout=600, env=environment, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)  # stdout holds the JSON object alone
    example = documented_result()
    assert shape(printed) == shape(example)
    assert printed == json.loads((out / "result.json").read_text())
    assert (printed["task"], printed["provenance"]["pack"]) == (example["task"], example["provenance"]["pack"])
    assert printed["label_names"] == example["label_names"] and printed["files"] == example["files"]
