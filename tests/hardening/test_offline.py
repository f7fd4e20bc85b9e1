"""Offline by default: with no PACS configured, Outpost opens no network socket at all."""

import os
import subprocess
import sys

GUARD = """
import socket, sys, runpy
class NoNetwork(socket.socket):
    def __init__(self, family=-1, *args, **kwargs):
        if family in (socket.AF_INET, socket.AF_INET6, -1):
            raise RuntimeError("a network socket was opened")
        super().__init__(family, *args, **kwargs)
socket.socket = NoNetwork
sys.argv = ["outpost", *sys.argv[1:]]
runpy.run_module("viewer", run_name="__main__")
"""


def _run_offline(tmp_path, *arguments):
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", OUTPOST_DATA_DIR=str(tmp_path / "data"),
                       OUTPOST_DEBUG="1")
    return subprocess.run([sys.executable, "-c", GUARD, *arguments], capture_output=True, text=True,
                          timeout=300, env=environment)


def test_the_demo_opens_no_socket_start_load_ai_and_explanation_included(tmp_path):
    result = _run_offline(tmp_path, "demo", "--out", str(tmp_path / "demo"),
                          "--screenshot", str(tmp_path / "demo.png"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "a network socket was opened" not in result.stderr
    assert (tmp_path / "demo.png").is_file()


def test_the_guard_catches_a_socket(tmp_path):
    """The same guard fails a command that does open one (a C-ECHO to a closed local port)."""
    result = _run_offline(tmp_path, "pacs", "echo", "NOBODY@127.0.0.1:9")
    assert result.returncode != 0 and "a network socket was opened" in result.stderr
