"""Outpost's AI assistance: model packs, sandboxed inference and explanations, batch screening, the AI panel."""
