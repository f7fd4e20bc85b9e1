"""The built-in demo: a synthetic CT study that needs nothing but the repository."""
