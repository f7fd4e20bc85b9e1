"""Exceptions raised by ``viewer.pacs``: each message is one line a user can act on."""

from __future__ import annotations

import struct

from viewer.core.errors import OutpostError


class PacsError(OutpostError):
    """A DICOM network or DICOMweb operation failed."""


class NodeConfigError(PacsError):
    """A remote node is unknown, or its address or settings are malformed."""


class AssociationError(PacsError):
    """No association: the peer is unreachable, refused it, or did not answer in time."""


class TransferError(PacsError):
    """An operation started but did not complete (association dropped, failure status)."""


class ResponseTimeoutError(TransferError):
    """The peer accepted the operation, then stayed silent longer than the response timeout."""


class OperationTimeoutError(TransferError):
    """The operation as a whole took longer than its time limit (a peer that answers, but slowly)."""


class AnswerLimitError(TransferError):
    """A peer's answer went past a limit (number of matches, bytes); the message names the limit."""


class DicomWebError(PacsError):
    """A DICOMweb server refused a request or could not be reached."""


class StoreError(OutpostError):
    """The local study store cannot do what was asked."""


class MalformedInstanceError(StoreError):
    """Bytes offered to the store are not a readable DICOM instance."""


class InstanceMismatchError(MalformedInstanceError):
    """An instance's data set does not match the SOP class or instance it was sent as."""


class UnrequestedInstanceError(InstanceMismatchError):
    """A retrieve received an instance of a study or series it did not ask for (refused, not stored)."""


#: What reading a malformed answer of a peer can raise (pydicom's decoding of odd values, JSON of the
#: wrong shape, numbers out of range): caught where a peer's data are read, never shown as a traceback.
PEER_DATA_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, TypeError, LookupError, AttributeError, ArithmeticError, EOFError, NotImplementedError,
    RecursionError, struct.error)
