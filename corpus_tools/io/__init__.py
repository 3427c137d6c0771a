"""Shared plumbing below every layer: reading and writing tables, run manifests, bundled resources, the cache."""
