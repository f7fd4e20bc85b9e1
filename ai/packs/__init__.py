"""Model packs: the MONAI bundle layout, read without executing anything from the pack."""
