"""Screening at scale: a pack run over many series, its results database, the worklist's data, calibration.

The calibration is the site's. No Qt (the worklist dock is in :mod:`ai.qt`).
"""
