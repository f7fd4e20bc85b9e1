"""Training scripts that reproduce the packs Outpost ships (no Qt)."""
