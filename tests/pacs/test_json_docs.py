"""``outpost pacs find --json`` prints the documents docs/user/network.md shows, against a real Orthanc."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.json_shape import shape
from tests.pacs.servers import ORTHANC_USER
from viewer.cli.pacs import PASSWORD_ENV

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.shared_data


def documented_find_examples() -> dict[str, dict]:
    """The JSON examples of network.md's ``outpost pacs find --json`` paragraph, by their ``level``."""
    text = (ROOT / "docs" / "user" / "network.md").read_text()
    section = re.search(r"^\*\*`outpost pacs find --json`\*\*(.*?)^\*\*", text, flags=re.MULTILINE | re.DOTALL)
    assert section, "network.md has no **`outpost pacs find --json`** paragraph"
    examples = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", section.group(1), flags=re.DOTALL)]
    return {example["level"]: example for example in examples}


def test_shape_tells_types_and_keys_apart():
    assert shape({"a": 1, "b": ["x"]}) != shape({"a": "1", "b": ["x"]})
    assert shape({"a": 1}) != shape({"a": 1, "b": None})
    assert shape({"a": [{"b": 1}]}) != shape({"a": [{"b": 1.0}]})


@pytest.fixture
def outpost(tmp_path, loaded_orthanc):
    """Run the real ``outpost`` (``python -m viewer``) with a node ``orthanc`` configured for the Orthanc."""
    environment = dict(os.environ, OUTPOST_DATA_DIR=str(tmp_path / "data"), OUTPOST_CREDENTIAL_STORE="file",
                       **{PASSWORD_ENV: loaded_orthanc.password})

    def run(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "viewer", *args], capture_output=True, text=True,
                                timeout=120, env=environment, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("pacs", "node", "add", "orthanc", loaded_orthanc.address, "--url", loaded_orthanc.dicomweb_url,
        "--user", ORTHANC_USER, "--allow-http-credentials")
    return run


def test_pacs_find_json_is_what_network_md_documents(outpost, ct_series):
    examples = documented_find_examples()
    assert set(examples) == {"STUDY", "SERIES"}
    studies = json.loads(outpost("pacs", "find", "orthanc", "--patient-id", ct_series.patient_id, "--json"))
    web = json.loads(outpost("pacs", "find", "orthanc", "--patient-id", ct_series.patient_id, "--web", "--json"))
    series = json.loads(outpost("pacs", "find", "orthanc", "--study", ct_series.study_uid, "--json"))
    for document, level, protocol in ((studies, "STUDY", "dimse"), (web, "STUDY", "dicomweb"),
                                      (series, "SERIES", "dimse")):
        assert document["matches"], f"no {level} match over {protocol}"
        assert shape(document) == shape(examples[level]), (protocol, level)
        assert (document["version"], document["level"], document["protocol"]) == (
            examples[level]["version"], level, protocol)
        assert {match["level"] for match in document["matches"]} == {level}
    assert studies["matches"][0]["study_uid"] == ct_series.study_uid
    assert series["matches"][0]["series_uid"] == ct_series.series_uid
