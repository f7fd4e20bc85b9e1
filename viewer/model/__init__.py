"""The viewer's model, outside Qt: what is shown and what the reader did, observable by any view.

:class:`~viewer.model.state.ViewerState` holds one viewing session's volume, display,
crosshair, slab, overlays and measurements, and tells its observers through
:class:`~viewer.model.events.Event` objects; the Qt widgets (``viewer.qt``) draw it, and scripts
and tests drive it without a window.
"""
