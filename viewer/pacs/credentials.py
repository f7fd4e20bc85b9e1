"""Where DICOMweb passwords are kept: the system keyring where there is one, else an owner-only file.

``pacs.json`` holds node settings and user names, never a password. Passwords go to:

- the ``keyring`` package's backend, when that package is importable and has a working one;
- else libsecret's ``secret-tool``, when it is on ``PATH`` and a Secret Service answers;
- else ``pacs-credentials.json`` beside ``pacs.json``, written atomically, mode ``0600``
  (a file found readable by others is narrowed to ``0600`` when read).

``OUTPOST_CREDENTIAL_STORE`` (``keyring``, ``secret-tool`` or ``file``) chooses one
instead. Passwords are never logged; messages name the node and the store only.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Protocol

from viewer.core.files import atomic_path
from viewer.pacs.errors import NodeConfigError

log = logging.getLogger(__name__)

FILE_NAME = "pacs-credentials.json"
FILE_VERSION = 1
#: The service name under which passwords are kept in a keyring or Secret Service.
SERVICE = "outpost-pacs"
BACKEND_ENV = "OUTPOST_CREDENTIAL_STORE"
#: Seconds ``secret-tool`` may take before the Secret Service is taken for absent.
SECRET_TOOL_TIMEOUT = 10.0


class CredentialStore(Protocol):
    """Passwords of nodes, by node name."""

    #: Where the passwords are, for messages (``"the system keyring"``, a file's path).
    description: str

    def get(self, node: str) -> str:
        """The node's password, ``""`` when none is kept."""

    def set(self, node: str, password: str) -> None:
        """Keep ``password`` for ``node`` (replacing any)."""

    def delete(self, node: str) -> None:
        """Forget the node's password (nothing happens when none is kept)."""


class FileCredentials:
    """Passwords in a JSON file only its owner can read or write (``0600``).

    Parameters
    ----------
    path
        The file (``pacs-credentials.json`` beside ``pacs.json``).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.description = f"{self.path} (readable by you only)"

    def _read(self) -> dict[str, str]:
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
        except FileNotFoundError:
            return {}
        except OSError as e:
            raise NodeConfigError(f"cannot read the PACS credentials {self.path}: {e.strerror or e}") from e
        if mode & 0o077:
            log.warning("the PACS credentials %s were readable by others (mode %o); narrowed to 0600",
                        self.path, mode)
            os.chmod(self.path, 0o600)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise NodeConfigError(f"cannot read the PACS credentials {self.path}: "
                                  f"{getattr(e, 'strerror', None) or type(e).__name__}") from None
        passwords = data.get("passwords") if isinstance(data, dict) else None
        if not isinstance(passwords, dict) or not all(isinstance(v, str) for v in passwords.values()):
            raise NodeConfigError(f"the PACS credentials {self.path} are not a credentials document")
        return passwords

    def _write(self, passwords: dict[str, str]) -> None:
        text = json.dumps({"version": FILE_VERSION, "passwords": dict(sorted(passwords.items()))}, indent=2)
        # atomic_path's temporary file is made by mkstemp, 0600 from the start: never readable by others.
        with atomic_path(self.path) as temporary:
            os.chmod(temporary, 0o600)
            temporary.write_text(text + "\n", encoding="utf-8")

    def get(self, node: str) -> str:
        """The node's password, ``""`` when none is kept."""
        return self._read().get(node, "")

    def set(self, node: str, password: str) -> None:
        """Keep ``password`` for ``node`` (replacing any)."""
        passwords = self._read()
        if passwords.get(node) != password:
            self._write({**passwords, node: password})

    def delete(self, node: str) -> None:
        """Forget the node's password (nothing happens when none is kept)."""
        passwords = self._read()
        if node in passwords:
            del passwords[node]
            self._write(passwords)


class KeyringCredentials:
    """Passwords in the system keyring, through the ``keyring`` package.

    Parameters
    ----------
    settings
        The settings file the nodes belong to; with the node's name it makes the
        keyring's user name, so two settings files do not share passwords.
    """

    description = "the system keyring"

    def __init__(self, settings: str | os.PathLike) -> None:
        import keyring
        import keyring.errors

        self._keyring = keyring
        self._settings = str(settings)

    def _call(self, method: str, node: str, *password: str) -> str | None:
        try:
            return getattr(self._keyring, method)(SERVICE, f"{node}@{self._settings}", *password)
        except self._keyring.errors.KeyringError as e:  # locked, refused, or the backend failed
            raise NodeConfigError(f"the system keyring refused to {method.split('_')[0]} the password of "
                                  f"node {node!r} ({type(e).__name__})") from None

    def get(self, node: str) -> str:
        """The node's password, ``""`` when none is kept."""
        return self._call("get_password", node) or ""

    def set(self, node: str, password: str) -> None:
        """Keep ``password`` for ``node`` (replacing any)."""
        self._call("set_password", node, password)

    def delete(self, node: str) -> None:
        """Forget the node's password (nothing happens when none is kept)."""
        if self.get(node):
            self._call("delete_password", node)


class SecretToolCredentials:
    """Passwords in the Secret Service (GNOME Keyring, KWallet), through libsecret's ``secret-tool``.

    The password goes to ``secret-tool`` on its standard input, never on its command line.

    Parameters
    ----------
    tool
        The ``secret-tool`` executable.
    settings
        The settings file the nodes belong to (an attribute of each secret).
    """

    description = "the system keyring (Secret Service)"

    def __init__(self, tool: str, settings: str | os.PathLike) -> None:
        self._tool = tool
        self._settings = str(settings)

    def _attributes(self, node: str) -> list[str]:
        return ["service", SERVICE, "settings", self._settings, "node", node]

    def _run(self, *arguments: str, password: str | None = None) -> subprocess.CompletedProcess:
        try:
            return subprocess.run([self._tool, *arguments], input=(password or "").encode(), capture_output=True,
                                  timeout=SECRET_TOOL_TIMEOUT, check=False)
        except (OSError, subprocess.SubprocessError) as e:
            raise NodeConfigError(f"the Secret Service did not answer ({type(e).__name__})") from None

    def get(self, node: str) -> str:
        """The node's password, ``""`` when none is kept."""
        result = self._run("lookup", *self._attributes(node))
        return result.stdout.decode("utf-8", "replace") if result.returncode == 0 else ""

    def set(self, node: str, password: str) -> None:
        """Keep ``password`` for ``node`` (replacing any)."""
        result = self._run("store", f"--label=Outpost DICOMweb password of {node}", *self._attributes(node),
                           password=password)
        if result.returncode != 0:
            raise NodeConfigError(f"the Secret Service did not keep the password of node {node!r} "
                                  f"(secret-tool exit status {result.returncode})")

    def delete(self, node: str) -> None:
        """Forget the node's password (nothing happens when none is kept)."""
        self._run("clear", *self._attributes(node))


def _keyring_works() -> bool:
    try:
        import keyring
    except ImportError:
        return False
    try:
        return float(getattr(keyring.get_keyring(), "priority", 0)) > 0  # the fail and null backends are <= 0
    except Exception:  # noqa: BLE001 - a broken keyring backend is no keyring
        return False


def _secret_service(settings: Path) -> SecretToolCredentials | None:
    tool = shutil.which("secret-tool")
    if tool is None:
        return None
    store = SecretToolCredentials(tool, settings)
    try:
        probe = store._run("lookup", "service", f"{SERVICE}-probe")
    except NodeConfigError:
        return None
    # Not found is exit status 1 and silent; no Secret Service (no D-Bus session) says why on stderr.
    return store if probe.returncode in (0, 1) and not probe.stderr.strip() else None


def default_credentials(settings: str | os.PathLike) -> CredentialStore:
    """Where the passwords of the nodes in ``settings`` (a ``pacs.json``) are kept.

    Raises
    ------
    NodeConfigError
        ``OUTPOST_CREDENTIAL_STORE`` names a store that is not there, or nothing known.
    """
    settings = Path(settings)
    file = FileCredentials(settings.with_name(FILE_NAME))
    choice = os.environ.get(BACKEND_ENV, "").strip().lower()
    if choice == "file":
        return file
    if choice == "keyring":
        if not _keyring_works():
            raise NodeConfigError(f"{BACKEND_ENV}=keyring, but the keyring package has no working backend")
        return KeyringCredentials(settings)
    if choice == "secret-tool":
        found = _secret_service(settings)
        if found is None:
            raise NodeConfigError(f"{BACKEND_ENV}=secret-tool, but secret-tool or its Secret Service is missing")
        return found
    if choice:
        raise NodeConfigError(f"{BACKEND_ENV} must be keyring, secret-tool or file, not {choice!r}")
    if _keyring_works():
        return KeyringCredentials(settings)
    return _secret_service(settings) or file
