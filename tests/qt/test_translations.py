"""The interface in the clinic's language: complete French, Spanish and Portuguese catalogues, compiled,
installed at start-up; the command line stays in English."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLibraryInfo, QSettings, QTranslator
from PySide6.QtWidgets import QApplication

from viewer.qt import qt_i18n
from viewer.qt.qt_i18n import LUPDATE_ALIASES, TRANSLATIONS_DIR, install_translators

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("fr", "es", "pt")
BIN = Path(sys.executable).parent
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
SHORTCUT = re.compile(r"\b(?:Ctrl|Shift|Alt)\+(?:[A-Z0-9]\b|F\d+\b|Right\b|Left\b|Up\b|Down\b)")


def _messages(path: Path) -> list[tuple[str, str, ET.Element]]:
    """``(context, source, translation element)`` of every message of a .ts file."""
    root = ET.parse(path).getroot()
    return [(context.findtext("name") or "", message.findtext("source") or "", message.find("translation"))
            for context in root.iter("context") for message in context.iter("message")]


def _tool(name: str) -> Path:
    tool = BIN / name
    if not tool.exists():
        found = shutil.which(name)
        if found is None:
            pytest.skip(f"{name} is not installed")
        tool = Path(found)
    return tool


@pytest.fixture
def french(qapp):
    """The French translators installed for one test, then English again."""
    assert install_translators(qapp, "fr") == "fr"
    try:
        yield qapp
    finally:
        install_translators(qapp, "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated(language):
    messages = _messages(TRANSLATIONS_DIR / f"outpost_{language}.ts")
    assert len(messages) > 300
    unfinished = [source for _c, source, tr in messages if tr.get("type") in ("unfinished", "vanished", "obsolete")
                  or not (tr.text or "").strip()]
    assert unfinished == []
    for _context, source, tr in messages:
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(tr.text)), (source, tr.text)
        assert sorted(SHORTCUT.findall(source)) == sorted(SHORTCUT.findall(tr.text)), (source, tr.text)
        assert source.count("&") == tr.text.count("&"), (source, tr.text)  # a menu's accelerator is kept


def test_every_catalogue_has_the_same_source_strings():
    keys = {language: sorted((c, s) for c, s, _tr in _messages(TRANSLATIONS_DIR / f"outpost_{language}.ts"))
            for language in LANGUAGES}
    assert keys["fr"] == keys["es"] == keys["pt"]


def test_the_catalogues_hold_every_string_of_the_code(tmp_path):
    """lupdate over the Qt code finds nothing new: every string marked for translation is translated."""
    lupdate = _tool("pyside6-lupdate")
    sources = sorted(str(p) for folder in ("viewer/qt", "ai/qt", "viewer/core", "ai/packs")
                     for p in (ROOT / folder).glob("*.py")) + [str(ROOT / "ai" / "suitability.py")]
    copy = tmp_path / "outpost_fr.ts"
    shutil.copy(TRANSLATIONS_DIR / "outpost_fr.ts", copy)
    subprocess.run([str(lupdate), "-locations", "none", "-no-obsolete", "-tr-function-alias", LUPDATE_ALIASES,
                    *sources, "-ts", str(copy)], check=True, capture_output=True, cwd=ROOT)
    before = sorted((c, s) for c, s, _tr in _messages(TRANSLATIONS_DIR / "outpost_fr.ts"))
    after = _messages(copy)
    assert sorted((c, s) for c, s, _tr in after) == before
    assert [s for _c, s, tr in after if tr.get("type") == "unfinished"] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogues_are_up_to_date(tmp_path, language):
    """The .qm files shipped are what lrelease makes of the .ts files (update.sh's options)."""
    lrelease = _tool("pyside6-lrelease")
    out = tmp_path / f"outpost_{language}.qm"
    subprocess.run([str(lrelease), "-nounfinished", "-removeidentical",
                    str(TRANSLATIONS_DIR / f"outpost_{language}.ts"), "-qm", str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == (TRANSLATIONS_DIR / f"outpost_{language}.qm").read_bytes()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogues_and_qts_own_load(qapp, language):
    assert QTranslator().load(str(qt_i18n.qm_path(language)))
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    assert QTranslator().load(qt_i18n.QT_CATALOGUES[language], qt_dir)


def test_in_french_the_menus_docks_and_messages_are_french(french, make_window):
    window = make_window()
    titles = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert titles[:4] == ["Fichier", "Affichage", "Fenêtrage", "Outils"]
    assert window.menu_actions["open_folder"].text() == "Ouvrir un &dossier…"
    assert window.menu_actions["open_folder"].shortcut().toString() == "Ctrl+O"  # the keys do not change
    assert window.docks["Studies"].windowTitle() == "Examens"  # known by its English name, shown in French
    assert window.cancel_button.text() == "Annuler"
    # A placeholder survives: the sentence is translated whole, then filled.
    text = QCoreApplication.translate("QtMainWindow", "Not shown ({n})").format(n=3)
    assert text == "Non affichés (3)"
    from viewer.qt.qt_actions import shortcut_help

    help_rows = dict(shortcut_help())
    assert help_rows["Ctrl+Alt+Right"].startswith("MPR oblique : tourner le réticule de 5°")
    # Numbers the panels show follow the locale; DICOM values are shown as they are.
    assert qt_i18n.number(1.25, 2) == "1,25" and qt_i18n.number(12345.0) == "12345"


def test_the_ai_panel_is_french(french, qtbot):
    from ai.qt.qt_ai_panel import AIPanel

    class Context:
        def plugin_options(self):
            return {}

        settings = QSettings()

    panel = AIPanel(Context(), store=None)
    qtbot.addWidget(panel)
    try:
        assert panel.banner.text() == "NE PAS UTILISER POUR LE DIAGNOSTIC"
        assert panel.run_button.text() == "Exécuter"
        assert panel.pack_list.headerItem().text(2) == "Licence"
        assert panel.device_label.text() == "Unité de calcul : recherche…"
    finally:
        panel.engine.close()


def test_an_input_check_warning_is_french_in_the_ai_panel_and_english_elsewhere(french, qtbot, monkeypatch):
    """The warnings made by ai.suitability (no Qt there) show in French; their str() stays English."""
    from types import SimpleNamespace

    import numpy as np

    from ai.qt.qt_ai_panel import AIPanel
    from ai.suitability import input_verdict, unsuitable_reason
    from viewer.core.volume import Volume

    inputs = {"modalities": ["CR"], "intensity_range": [0, 255]}
    pack = SimpleNamespace(name="cxr", dimensions=2, checksum="0" * 64, path="cxr",
                           outpost={"modalities": ["CR", "CT"], "training_inputs": inputs})
    volume = Volume(array=np.full((1, 32, 32), 1000, dtype=np.int16), spacing=np.array([1.0, 1.0, 1.0]),
                    modality="CT")
    verdict = input_verdict(volume, pack)
    english = ("Out of distribution: modality CT, trained on CR; intensities 1000 to 1000 (1st-99th percentile), "
               "trained on 0 to 255")
    assert str(verdict.text) == english and verdict.provenance()["verdict"] == english
    assert verdict.warnings == ["modality CT, trained on CR",
                                "intensities 1000 to 1000 (1st-99th percentile), trained on 0 to 255"]

    class Context:
        def plugin_options(self):
            return {}

        settings = QSettings()

    item = SimpleNamespace(name="cxr", metadata={"name": "cxr", "intended_use": "research"}, pack=None,
                           location="installed", status="ready", reason="", size_text="1 MB", path="cxr",
                           entry=SimpleNamespace(status="ok"), licence_text="", licence="MIT",
                           unsuitable_reason=lambda v: unsuitable_reason(v, pack),
                           distribution_warnings=lambda v: input_verdict(v, pack).warnings,
                           verdict=lambda v, warnings=None: input_verdict(v, pack, warnings),
                           checksum=pack.checksum, outpost=pack.outpost, dimensions=2, size_bytes=4_928_307)
    panel = AIPanel(Context(), store=None)
    qtbot.addWidget(panel)
    try:
        panel.volume = volume
        panel.selected_item = lambda: item
        panel._on_pack_selected()
        assert panel.warning.text() == (
            "Hors distribution : modalité CT, entraîné sur CR ; intensités de 1000 à 1000 (1er-99e percentile), "
            "entraîné sur 0 à 255")
        assert "4,7 Mio" in panel.card.toPlainText()  # the size in the locale's numbers and units
        # The model card's "Site threshold" row (made in ai.packs.card, without Qt).
        import ai.batch.calibration
        import ai.batch.tasks
        from ai.packs.card import site_threshold_text
        from ai.qt.qt_ai_panel import _message

        monkeypatch.setattr(ai.batch.calibration, "site_threshold", lambda checksum: None)
        monkeypatch.setattr(ai.batch.tasks, "screening_threshold", lambda pack: 0.5)
        row = site_threshold_text(pack)
        assert row.startswith("none: the pack's own threshold 0.5. A site threshold holds")
        assert _message(row).startswith("aucun : seuil propre du pack 0.5. Un seuil du site")
        # A series of another modality: the reason it cannot run, in French, with the values as they are.
        volume.modality = "MR"
        item.pack = pack
        assert panel._reason(item) == "cxr est conçu pour des images CR, CT ; cette série est de modalité MR"
        assert str(unsuitable_reason(volume, pack)) == "cxr is made for CR, CT images; this series is MR"
    finally:
        panel.engine.close()


def test_the_language_follows_the_choice_then_the_system(tmp_path, monkeypatch, make_window):
    monkeypatch.delenv("OUTPOST_LANGUAGE", raising=False)
    window = make_window()
    assert window.language_actions[""].isChecked()  # the system's language until one is chosen
    window.language_actions["es"].trigger()
    assert qt_i18n.chosen_language(window.settings) == "es"
    assert qt_i18n.language_to_use(window.settings) == "es"
    assert "Outpost" in window.statusBar().currentMessage()  # it says when the change applies
    monkeypatch.setenv("OUTPOST_LANGUAGE", "pt_BR")
    assert qt_i18n.language_to_use(window.settings) == "pt"
    monkeypatch.delenv("OUTPOST_LANGUAGE")
    settings = QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat)
    system = qt_i18n.QLocale.system().name().split("_")[0]
    assert qt_i18n.language_to_use(settings) == (system if system in qt_i18n.LANGUAGES else "en")


def test_a_language_without_translation_keeps_english(qapp):
    assert install_translators(qapp, "de") == "en"
    assert QApplication.translate("QtMainWindow", "Loaded") == "Loaded"


def test_the_command_line_stays_in_english():
    env = dict(os.environ, OUTPOST_LANGUAGE="fr", LANG="fr_FR.UTF-8", LC_ALL="fr_FR.UTF-8", LANGUAGE="fr")
    result = subprocess.run([sys.executable, "-m", "viewer", "--help"], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
    french = ("Ouvrir", "Fichier", "série", "Examens", "Afficher")
    assert not [word for word in french if word in result.stdout]
