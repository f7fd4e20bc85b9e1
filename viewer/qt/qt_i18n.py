"""The interface's language: Outpost's translations and Qt's own, chosen at start-up.

The viewer and the AI panel are written in English (the source language); French, Spanish and
Portuguese translations live next to this module (``translations/outpost_<lang>.ts``, compiled to
``.qm`` with ``pyside6-lrelease``; ``tests/qt/test_translations.py`` checks they are complete and
compiled). The language follows the system's locale unless the reader chose one (View ▸ Language,
kept in the settings under :data:`SETTING`); ``OUTPOST_LANGUAGE`` overrides both. A change applies
the next time Outpost starts. The command line is not translated.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

#: Where the compiled translations are (package data; the installer bundles them at the same place).
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
#: The languages Outpost is translated into, with their names in their own language.
LANGUAGES = {"en": "English", "fr": "Français", "es": "Español", "pt": "Português"}
#: The settings key of the reader's choice ("" or absent: the system's language).
SETTING = "language"
#: Qt's own catalogue (standard buttons, file dialogs) for each language, in PySide6's translations.
QT_CATALOGUES = {"fr": "qtbase_fr", "es": "qtbase_es", "pt": "qtbase_pt_BR"}


#: The translation context of the strings marked outside ``QObject.tr`` (lupdate gives them none).
CONTEXT = ""
#: ``pyside6-lupdate`` finds the strings of :func:`translate` (imported as ``_tr``) and :func:`noop`
#: (imported as ``_n``), and the templates marked by :func:`viewer.core.translatable.translatable`
#: outside the Qt layer, with these aliases (see ``translations/update.sh``).
LUPDATE_ALIASES = "QT_TR_NOOP+=_tr,QT_TR_NOOP+=_n,QT_TRANSLATE_NOOP+=translatable"


def translate(text: str) -> str:
    """``text`` in the interface's language: for strings built outside a QObject (import as ``_tr``)."""
    return QCoreApplication.translate(CONTEXT, text)


def noop(text: str) -> str:
    """Mark ``text`` for translation without translating it (import as ``_n``).

    For tables built at import, before the translators are installed; :func:`translate` them where
    they are shown.
    """
    return text


def chosen_language(settings: QSettings | None = None) -> str:
    """The reader's choice in the settings: a key of :data:`LANGUAGES`, or ``""`` for the system's."""
    value = str((settings or QSettings("Outpost", "Outpost")).value(SETTING, "") or "")
    return value if value in LANGUAGES else ""


def set_chosen_language(language: str, settings: QSettings | None = None) -> None:
    """Keep the reader's choice (``""``: follow the system); it applies on the next start."""
    if language and language not in LANGUAGES:
        raise ValueError(f"no translation for {language!r}; there are {', '.join(LANGUAGES)}")
    (settings or QSettings("Outpost", "Outpost")).setValue(SETTING, language)


def language_to_use(settings: QSettings | None = None) -> str:
    """The language to show: ``OUTPOST_LANGUAGE``, else the reader's choice, else the system locale's."""
    forced = os.environ.get("OUTPOST_LANGUAGE", "").split("_")[0].lower()
    if forced in LANGUAGES:
        return forced
    chosen = chosen_language(settings)
    if chosen:
        return chosen
    system = QLocale.system().name().split("_")[0].lower()
    return system if system in LANGUAGES else "en"


def qm_path(language: str) -> Path:
    """Outpost's compiled translation for ``language``."""
    return TRANSLATIONS_DIR / f"outpost_{language}.qm"


def install_translators(app, language: str | None = None) -> str:
    """Install Outpost's and Qt's translators for ``language`` (default :func:`language_to_use`).

    Translators installed by an earlier call are removed first, so tests can switch languages.
    The default locale becomes the language's (numbers and dates shown follow it); English keeps
    the system's locale.

    Returns
    -------
    str
        The language now in use (``"en"`` when there is no translation for the one asked).
    """
    language = language or language_to_use()
    for old in getattr(app, "_outpost_translators", []):
        app.removeTranslator(old)
    app._outpost_translators = []
    if language not in LANGUAGES or language == "en":
        QLocale.setDefault(QLocale.system())
        return "en"
    ours = QTranslator(app)
    if not ours.load(str(qm_path(language))):
        return "en"
    app.installTranslator(ours)
    app._outpost_translators.append(ours)
    qt_own = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_own.load(QT_CATALOGUES[language], qt_dir):
        app.installTranslator(qt_own)
        app._outpost_translators.append(qt_own)
    system = QLocale.system()
    # Keep the system's country (fr_CA, pt_PT) when it speaks the language; else the language's own.
    QLocale.setDefault(system if system.name().split("_")[0] == language else QLocale(language))
    return language


def number(value: float, decimals: int = 0) -> str:
    """``value`` with ``decimals`` decimals as the interface's locale writes it.

    That is with its decimal separator and no thousands separator: for numbers the panels show, never
    for DICOM values or UIDs.
    """
    locale = QLocale()
    locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)
    return locale.toString(float(value), "f", decimals)
