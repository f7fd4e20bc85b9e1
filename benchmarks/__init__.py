"""Outpost's benchmarks: each module measures one part against a peer; :mod:`benchmarks.run` runs them."""
