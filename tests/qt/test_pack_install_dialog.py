"""The AI panel's "Install pack..." dialog on real packs: provenance first, then installation.

The dialog is driven directly (built from a real preview) rather than through a
native file dialog; installation runs as a real viewer job into a real store.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from ai.packs.provenance import describe_for_install
from ai.packs.store import PackStore
from ai.qt.plugin import AIPlugin
from ai.qt.qt_pack_install import TRUST, QPackInstallDialog, offer_install, show_install_dialog
from tests.ai.pack_factory import make_pack
from tests.ai.test_pack_install import META, _hostile_packs, _zip
from tests.ai.test_packs_and_inference import TINY_CONFIG, _tiny_state
from viewer.plugins import PluginLoad

LISTED = 120000  # the first listing starts the worker process, which imports torch and MONAI


def _panel(qtbot, make_window, tmp_path: Path):
    store = PackStore(user_dir=tmp_path / "packs-user", bundled_dir=tmp_path / "packs-bundled")
    plugin = AIPlugin(store=store)
    window = make_window([PluginLoad("ai", plugin)])
    return window, plugin.panel, store


def _listed(panel) -> list[str]:
    return [panel.pack_list.item(r).data(Qt.ItemDataRole.UserRole).name for r in range(panel.pack_list.count())]


def test_a_verified_pack_installs_and_appears_in_the_list(qtbot, make_window, tmp_path):
    window, panel, store = _panel(qtbot, make_window, tmp_path)
    archive = _zip(make_pack(tmp_path / "tiny", META, TINY_CONFIG, _tiny_state()), tmp_path / "tiny.zip")
    assert panel.install_button.text() == "Install pack…"
    offer_install(panel, archive)  # what the button's menu does once a .zip is chosen
    qtbot.waitUntil(lambda: getattr(panel, "install_dialog", None) is not None, timeout=LISTED)
    dialog = panel.install_dialog
    shown = dialog.facts.text()
    assert "Test Lab" in shown and "MIT" in shown and dialog.preview.source_sha256 in shown
    assert not dialog.trust.isVisibleTo(dialog)  # verified: nothing to confirm
    assert dialog.install_button.isEnabled()
    dialog.install_button.click()
    qtbot.waitUntil(lambda: dialog.pack is not None, timeout=LISTED)
    assert (store.user_dir / "tiny" / "checksums.sha256").is_file()
    qtbot.waitUntil(lambda: "tiny" in _listed(panel), timeout=LISTED)
    assert [e.status for e in panel.listing.entries if e.name == "tiny"] == ["ok"]


def test_a_pack_without_checksums_needs_the_tick(qtbot, make_window, tmp_path):
    window, panel, store = _panel(qtbot, make_window, tmp_path)
    plain = make_pack(tmp_path / "plain", dict(META, name="plain"), TINY_CONFIG, _tiny_state(), checksums=False)
    preview = describe_for_install(plain)
    dialog = QPackInstallDialog(preview, store, window.run_job, parent=panel)
    qtbot.addWidget(dialog)
    assert dialog.trust.text() == TRUST and dialog.trust.isVisibleTo(dialog)
    assert "NO checksums.sha256" in dialog.facts.text()
    assert not dialog.install_button.isEnabled()
    dialog.install()  # not allowed yet: nothing happens
    assert dialog.job is None and not (store.user_dir / "plain").exists()
    dialog.trust.setChecked(True)
    assert dialog.install_button.isEnabled()
    dialog.install_button.click()
    qtbot.waitUntil(lambda: dialog.pack is not None, timeout=LISTED)
    assert dialog.pack.name == "plain" and (store.user_dir / "plain" / "models" / "model.pt").is_file()


def test_a_pack_with_torchscript_says_it_is_code_and_installs_only_when_trusted(qtbot, make_window, tmp_path):
    from tests.ai.test_torchscript_trust import _ts_pack

    window, panel, store = _panel(qtbot, make_window, tmp_path)
    marker = tmp_path / "pwned"  # what the TorchScript's __setstate__ would create if it were loaded
    dialog = QPackInstallDialog(describe_for_install(_ts_pack(tmp_path / "ts", "scripted", [marker])), store,
                                window.run_job, parent=panel)
    qtbot.addWidget(dialog)
    shown = dialog.facts.text()
    assert "contains executable TorchScript" in shown and "every file verified" in shown
    assert dialog.trust.isVisibleTo(dialog) and not dialog.install_button.isEnabled()
    dialog.trust.setChecked(True)
    dialog.install_button.click()
    qtbot.waitUntil(lambda: dialog.pack is not None, timeout=LISTED)
    assert store.trusts(dialog.pack, "user") and not marker.exists()


def test_a_hostile_pack_cannot_be_installed(qtbot, make_window, tmp_path):
    window, panel, store = _panel(qtbot, make_window, tmp_path)
    marker = tmp_path / "pwned"
    pickled = _hostile_packs(tmp_path / "hostile", marker)["pickle payload in model.pt"]
    dialog = show_install_dialog(panel, describe_for_install(pickled))
    assert "REFUSED" in dialog.facts.text() and "model.pt" in dialog.status.text()
    assert "Cannot be installed" in dialog.status.text()
    assert not dialog.install_button.isEnabled()
    dialog.trust.setChecked(True)  # ticking cannot override a refusal
    assert not dialog.install_button.isEnabled()
    dialog.install()
    assert dialog.job is None and dialog.pack is None
    assert not marker.exists()
    assert not (store.user_dir / "pickled").exists()
