"""The AI plugin's strings in the interface's language.

The viewer installs the translators at start-up (``viewer/qt/qt_i18n.py``; the plugin's strings are in
the same ``outpost_<lang>.ts`` catalogues). The plugin marks its strings as the viewer does, without
importing the viewer's Qt layer: ``self.tr`` in its widgets, :func:`translate` (imported as ``_tr``) and
:func:`noop` (imported as ``_n``) elsewhere, which ``pyside6-lupdate`` finds as ``QT_TR_NOOP`` aliases.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale

#: The context lupdate gives the strings marked outside ``QObject.tr`` (none).
CONTEXT = ""


def translate(text: str) -> str:
    """``text`` in the interface's language."""
    return QCoreApplication.translate(CONTEXT, text)


def noop(text: str) -> str:
    """Mark ``text`` for translation, translated where it is shown (:func:`translate`)."""
    return text


def number(value: float, decimals: int = 0) -> str:
    """``value`` as the interface's locale writes it (decimal separator, no thousands separator)."""
    locale = QLocale()
    locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)
    return locale.toString(float(value), "f", decimals)
