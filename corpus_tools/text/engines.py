"""Names of the Chinese word-segmentation engines, importable without loading them (the CLI's choices)."""

from __future__ import annotations

ENGINES = ("rjieba", "jieba")  # rjieba: the fast default; jieba: the slower pure-Python reference
DEFAULT_ENGINE = "rjieba"
