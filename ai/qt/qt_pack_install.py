"""The AI panel's "Install pack..." dialog: a pack's provenance, then (maybe) installation.

The pack is read and checked by :func:`ai.packs.provenance.describe_for_install`
in a viewer job, inside the AI panel's worker process when it has one: checking
builds the untrusted pack's network, so a crash there spares the viewer, and
torch stays out of the viewer's process. The dialog shows exactly what
``outpost models install`` prints and refuses the same packs. A pack without an Outpost ``checksums.sha256`` is
installed only after the user ticks "I trust where this pack came from".
Installation itself runs in a job too (in the worker as well), through
:meth:`ai.packs.store.PackStore.install`, which repeats the full check.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ai.packs.provenance import InstallPreview
from ai.qt.qt_i18n import noop as _n
from ai.qt.qt_i18n import translate as _tr

TRUST = _n("I trust where this pack came from")


def install_pack(store, source: Path, trusted: bool, engine=None):
    """Install ``source`` into ``store`` (the job's function; runs on a worker thread).

    ``trusted`` is the user's confirmation that they trust the pack (needed for a pack
    without checksums and for one holding TorchScript). With ``engine`` (an
    :class:`ai.isolation.IsolatedEngine`) the staged copy is checked in its sandboxed
    worker process.

    Returns
    -------
    object
        The installed pack (its ``name`` and ``version``).
    """
    if engine is not None:
        return engine.install_pack(source, store.user_dir if store is not None else None, trusted)
    if store is None:
        from ai.packs.store import PackStore

        store = PackStore()
    return store.install(source, trusted=trusted)


class QPackInstallDialog(QDialog):
    """Shows a pack's provenance and installs it when the user asks (and may).

    Parameters
    ----------
    preview
        What :func:`~ai.packs.provenance.describe_for_install` found.
    store
        The :class:`~ai.packs.store.PackStore` to install into (``None``: the user's).
    run_job
        The viewer's ``run_job`` (plugin API): installation runs as a job.
    parent
        The Qt parent.
    """

    installed = Signal(object)  # the installed pack (its name and version)

    def __init__(self, preview: InstallPreview, store, run_job: Callable[..., Any],
                 parent: QWidget | None = None, engine=None) -> None:
        super().__init__(parent)
        self.preview, self.store, self._run_job, self.engine = preview, store, run_job, engine
        self.job = None
        self.pack = None
        self.setWindowTitle(self.tr("Install pack: {name}").format(name=preview.name or preview.source.name))
        layout = QVBoxLayout(self)

        self.facts = QLabel(self._facts_html())
        self.facts.setWordWrap(True)
        layout.addWidget(self.facts)

        self.trust = QCheckBox(_tr(TRUST))
        self.trust.setVisible(preview.needs_confirmation)  # a pack without checksums, or with TorchScript, asks
        self.trust.toggled.connect(lambda _checked: self._update())
        layout.addWidget(self.trust)

        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.install_button = self.buttons.addButton(self.tr("Install"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.rejected.connect(self.reject)
        self.install_button.clicked.connect(self.install)
        layout.addWidget(self.buttons)
        if preview.refused:
            self.status.setText("<span style='color:#ff6b6b'>" + html.escape(
                self.tr("Cannot be installed: {reason}").format(reason=preview.refused)) + "</span>")
        self._update()

    def _facts_html(self) -> str:
        rows = []
        for line in self.preview.lines():
            label, _, value = line.partition(": ")
            warn = label in ("REFUSED", "CODE") or value.startswith("NO checksums")
            style = " style='color:#ff6b6b'" if warn else ""
            rows.append(f"<tr><td><b>{html.escape(label)}</b></td><td{style}>{html.escape(value)}</td></tr>")
        return f"<table>{''.join(rows)}</table>"

    def can_install(self) -> bool:
        """Whether Install is allowed now: not refused, and confirmed when it has no checksums or holds code."""
        if self.preview.refused or (self.job is not None and not self.job.done) or self.pack is not None:
            return False
        return not self.preview.needs_confirmation or self.trust.isChecked()

    def _update(self) -> None:
        self.install_button.setEnabled(self.can_install())

    def install(self) -> None:
        """Install the pack in a job (it is checked again there); does nothing when not allowed."""
        if not self.can_install():
            return
        self.status.setText(self.tr("Installing…"))
        self.job = self._run_job(install_pack, self.store, self.preview.source, self.trust.isChecked(),
                                 self.engine,
                                 name=self.tr("AI: installing {name}").format(
                                     name=self.preview.name or self.preview.source.name),
                                 on_result=self._on_installed, on_error=self._on_error)
        self._update()

    def _on_installed(self, pack) -> None:
        self.pack = pack
        self.status.setText(self.tr("Installed {name} {version}").format(name=pack.name, version=pack.version))
        self.installed.emit(pack)
        self.accept()

    def _on_error(self, error: BaseException) -> None:
        self.job = None
        self.status.setText("<span style='color:#ff6b6b'>"
                            + html.escape(self.tr("Not installed: {error}").format(error=error)) + "</span>")
        self._update()


# --------------------------------------------------------------------------- the panel's side
def make_install_button(panel) -> QPushButton:
    """The AI panel's "Install pack..." button: a menu offers a .zip file or a folder."""
    button = QPushButton(_tr("Install pack…"))
    button.setToolTip(_tr("Install a model pack after reading who made it and its checksum"))
    menu = QMenu(button)
    menu.addAction(_tr("From a .zip file…"), lambda: _choose(panel, folder=False))
    menu.addAction(_tr("From a folder…"), lambda: _choose(panel, folder=True))
    if hasattr(panel, "set_offered_folder"):
        menu.addSeparator()
        menu.addAction(_tr("List the packs of a folder in the catalogue…"), lambda: _choose_offered(panel))
    button.setMenu(menu)
    return button


def _choose_offered(panel) -> None:
    """Let the user choose the folder whose packs the catalogue offers as files (remembered)."""
    chosen = QFileDialog.getExistingDirectory(panel, _tr("A folder of model packs (.zip files or pack folders) "
                                                         "to list in the catalogue"), panel.offered_folder())
    if chosen:
        panel.set_offered_folder(Path(chosen))


def _choose(panel, folder: bool) -> None:
    if folder:
        chosen = QFileDialog.getExistingDirectory(panel, _tr("Install a model pack from a folder"))
    else:
        chosen, _ = QFileDialog.getOpenFileName(panel, _tr("Install a model pack"), "",
                                                _tr("Model packs (*.zip)"))
    if chosen:
        offer_install(panel, Path(chosen))


def offer_install(panel, source: Path) -> None:
    """Read ``source`` in a job, then show its provenance in a :class:`QPackInstallDialog`.

    The job runs in the panel's worker process.
    """
    engine = getattr(panel, "engine", None)
    if engine is not None:
        describe = engine.describe_for_install
    else:
        from ai.packs.provenance import describe_for_install as describe
    panel._start("install", describe, source, name=_tr("AI: reading {name}").format(name=Path(source).name),
                 on_result=lambda preview: show_install_dialog(panel, preview))


def show_install_dialog(panel, preview: InstallPreview) -> QPackInstallDialog:
    """Open the dialog for ``preview`` (window-modal, not blocking); an installation relists the packs."""
    dialog = QPackInstallDialog(preview, panel.store, panel.context.run_job, parent=panel,
                                engine=getattr(panel, "engine", None))
    dialog.installed.connect(lambda _pack: panel.reload_packs())
    panel.install_dialog = dialog
    dialog.open()
    return dialog
