"""Nothing phones home: no update check, no telemetry, no download, by construction.

``test_offline.py`` shows that the demo opens no internet socket at run time;
this test checks the source, so that a code path the demo does not take cannot
phone home either. The rules, over every module of ``viewer`` and ``ai``
(parsed with ``ast``, so comments and docstrings do not count):

1. Only ``viewer.pacs`` (DICOM networking to the clinic's own nodes, which the
   user configures), and the guards listed in :data:`NETWORK_GUARDS` (which
   import ``socket`` to take the network away, and may not connect, bind,
   send or resolve anything), may import a networking module: ``socket``, ``ssl``,
   ``urllib.request``, ``http.client``, ``requests``, ``urllib3``, ``httpx``,
   ``aiohttp``, ``dicomweb_client``, ``pynetdicom``, ``ftplib``, ``smtplib``,
   ``xmlrpc.client``, ``webbrowser``, ``PySide6.QtNetwork`` and
   ``PySide6.QtWebEngine*``. Importing one by name
   (``importlib.import_module("socket")``, ``__import__``) counts too.
2. No module anywhere fetches models or data: ``torch.hub``,
   ``huggingface_hub``, MONAI's ``download_url``/``download_and_extract``/
   ``bundle.download`` and ``load_state_dict_from_url`` are not used.
3. No string in executable code holds an ``http(s)://`` or ``ftp://`` URL with
   a host. Documentation and licence URLs live in docstrings, comments,
   README and ``resources/licenses``, which this rule does not read; the
   allow-list below is for any other such string, each with its reason (it is
   empty today).
4. ``viewer.pacs`` holds no hard-coded address other than loopback and the
   any-interface ``0.0.0.0``: every remote node comes from the user's settings.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("viewer", "ai")
NETWORK_MODULES = ("socket", "ssl", "urllib.request", "http.client", "requests", "urllib3", "httpx", "aiohttp",
                   "dicomweb_client", "pynetdicom", "ftplib", "smtplib", "xmlrpc.client", "webbrowser",
                   "PySide6.QtNetwork", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets",
                   "distributed", "dask.distributed", "tornado")
#: Where the network may be used: the PACS the user configures, and the Dask cluster the user names
#: (``outpost batch run --scheduler``, ``outpost batch scheduler|worker``).
NETWORK_ALLOWED_IN = ("viewer/pacs/", "ai/batch/dask_executor.py", "ai/batch/cluster.py")
DOWNLOADERS = ("hub", "huggingface_hub", "download_url", "download_and_extract", "load_state_dict_from_url")
URL = re.compile(r"\b(?:https?|ftp)://[\w.-]+", re.IGNORECASE)
IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")  # not the digits of a UID
LOCAL_ADDRESSES = {"127.0.0.1", "0.0.0.0"}
#: (file, module) pairs that import a networking module only to refuse the network, each with the reason.
NETWORK_GUARDS: dict[tuple[str, str], str] = {
    ("ai/sandbox.py", "socket"): "the AI worker's sandbox replaces socket.socket by one that refuses every "
                                 "family but AF_UNIX",
}
#: What a guard may not do with the module it imports.
NETWORK_ACTIONS = ("connect", "connect_ex", "create_connection", "create_server", "bind", "listen", "sendto",
                   "sendmsg", "getaddrinfo", "gethostbyname", "socketpair", "fromfd")
#: (file, string) pairs allowed to hold a URL, each with the reason.
ALLOWED_URLS: dict[tuple[str, str], str] = {}


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _is_network(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in NETWORK_MODULES) or (
        module in ("urllib", "http", "xmlrpc", "PySide6"))


def problems(source: str, relative: str) -> list[str]:
    """What in ``source`` (the module at ``relative``, e.g. ``viewer/core/x.py``) breaks the rules."""
    tree = ast.parse(source)
    network_allowed = relative.startswith(NETWORK_ALLOWED_IN)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        where = f"{relative}:{getattr(node, 'lineno', '?')}"
        imported: list[str] = []
        if isinstance(node, ast.Import):
            imported = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        for module in imported:
            if _is_network(module) and module not in ("urllib", "http", "xmlrpc", "PySide6") \
                    and not network_allowed and (relative, module) not in NETWORK_GUARDS:
                found.append(f"{where}: imports {module}")
            if module.split(".")[0] == "huggingface_hub" or module.startswith("torch.hub"):
                found.append(f"{where}: imports {module}")
        if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] in ("import_module", "__import__"):
            names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            found += [f"{where}: imports {name} by name" for name in names if _is_network(name)
                      and not network_allowed]
        if isinstance(node, ast.Attribute) and node.attr in NETWORK_ACTIONS and \
                any(file == relative for file, _ in NETWORK_GUARDS):
            found.append(f"{where}: a network guard uses {ast.unparse(node)}")
        if isinstance(node, ast.Attribute | ast.Name):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            if name in DOWNLOADERS or (name == "download" and "bundle" in ast.unparse(node)):
                found.append(f"{where}: uses {ast.unparse(node)}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
            for url in URL.findall(text):
                if (relative, text) not in ALLOWED_URLS:
                    found.append(f"{where}: URL {url!r}")
            if network_allowed:
                for address in IPV4.findall(text):
                    if address not in LOCAL_ADDRESSES:
                        found.append(f"{where}: hard-coded address {address}")
    return found


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_no_module_can_phone_home_check_for_updates_or_download():
    assert len(_modules()) > 50  # the walk found the packages
    found = [f for path in _modules()
             for f in problems(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())]
    assert found == []


def test_the_networking_that_exists_lives_in_viewer_pacs():
    """The rule has teeth where networking is real: viewer.pacs does import it."""
    pacs = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "viewer" / "pacs").glob("*.py"))
    assert "from pynetdicom import" in pacs and "dicomweb_client" in pacs


def test_the_checker_catches_each_way_of_phoning_home():
    """Negative control: each rule fires on a planted line, and documentation does not."""
    planted = '''
"""Docs may say https://example.org/docs and name socket."""
import socket
from urllib import request
from http.client import HTTPSConnection
import importlib
importlib.import_module("requests")
import torch
torch.hub.load("someone/model", "net")
from huggingface_hub import hf_hub_download
UPDATE_URL = "https://updates.example.com/outpost/latest.json"
def f():
    """https://docs.example.org is documentation."""
    return "see http:// or https:// (no host)"
'''
    guard = problems("import socket\nsocket.socket = object\nsocket.create_connection(('8.8.8.8', 53))\n",
                     "ai/sandbox.py")
    assert [f.split(": ", 1)[1] for f in guard] == ["a network guard uses socket.create_connection"]
    found = problems(planted, "viewer/core/planted.py")
    assert sorted(f.split(": ", 1)[1] for f in found) == sorted([
        "imports socket", "imports urllib.request", "imports http.client.HTTPSConnection", "imports http.client",
        "imports requests by name", "uses torch.hub", "imports huggingface_hub.hf_hub_download",
        "imports huggingface_hub", "URL 'https://updates.example.com'"])
    assert problems("import socket\nHOST = '10.1.2.3'\nLOCAL = '127.0.0.1'\n", "viewer/pacs/planted.py") == [
        "viewer/pacs/planted.py:2: hard-coded address 10.1.2.3"]
