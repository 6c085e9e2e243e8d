"""Renderers: pure functions from the model and derived status to ``{output path: bytes}``."""
