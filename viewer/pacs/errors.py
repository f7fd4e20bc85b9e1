"""Exceptions raised by ``viewer.pacs``: each message is one line a user can act on."""

from __future__ import annotations

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


class DicomWebError(PacsError):
    """A DICOMweb server refused a request or could not be reached."""


class StoreError(OutpostError):
    """The local study store cannot do what was asked."""


class MalformedInstanceError(StoreError):
    """Bytes offered to the store are not a readable DICOM instance."""


class InstanceMismatchError(MalformedInstanceError):
    """An instance's data set does not match the SOP class or instance it was sent as."""
