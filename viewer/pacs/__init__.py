"""DICOM networking for Outpost: a local study store, DIMSE (pynetdicom) and DICOMweb.

Pure Python without Qt: the viewer's panels, the ``outpost`` command and the
tests call the same functions.

- :mod:`viewer.pacs.store`: the local study store (files plus an SQLite index).
- :mod:`viewer.pacs.nodes`: remote nodes and Outpost's own AE settings.
- :mod:`viewer.pacs.dimse`: C-ECHO, C-FIND, C-MOVE, C-GET and C-STORE.
- :mod:`viewer.pacs.receiver`: the storage SCP.
- :mod:`viewer.pacs.dicomweb`: QIDO-RS, WADO-RS and STOW-RS.
- :mod:`viewer.cli.pacs`: ``outpost pacs``, ``outpost receive`` and ``outpost store``.
"""
