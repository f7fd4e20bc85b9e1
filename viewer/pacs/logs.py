"""Keep patient data and credentials out of the logs of the networking libraries.

pynetdicom logs C-FIND/C-GET/C-MOVE identifiers (patient names) at INFO unless
told not to; ``requests``/urllib3 and dicomweb-client log request URLs, whose
QIDO-RS query strings hold the search terms. :func:`quiet_logs` turns the
former off and redacts the latter; every entry point of ``viewer.pacs`` that
talks to the network calls it.
"""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"']*")
#: Loggers that write request URLs.
URL_LOGGERS = ("urllib3.connectionpool", "dicomweb_client", "dicomweb_client.web", "requests")


class RedactQueryStrings(logging.Filter):
    """Replace URL query strings in log records with ``?<redacted>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the query strings of ``record``'s message; keep every record."""
        message = record.getMessage()
        if "?" in message:
            record.msg, record.args = _QUERY.sub("?<redacted>", message), None
        return True


_FILTER = RedactQueryStrings()


def quiet_logs() -> None:
    """Stop pynetdicom logging identifiers and redact query strings of HTTP loggers (idempotent)."""
    from pynetdicom import _config

    _config.LOG_REQUEST_IDENTIFIERS = False
    _config.LOG_RESPONSE_IDENTIFIERS = False
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
