"""The AI assistance plugin: the viewer finds it through the ``outpost.plugins`` entry point."""
