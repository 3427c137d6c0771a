from collections.abc import Callable
from typing import Any

HASH_BITS: int
EXACT_PROBES: int

def scan(norm: str, ctx: tuple[Any, ...], lower_words: bool = ..., negation: tuple[Any, ...] | None = ...,
         /) -> tuple[Any, ...]: ...
def needs(text: str, table: bytes, /) -> int: ...
def prepare(table: bytes, fold: bytes, convert: Callable[[str], str] | None, lower: Callable[[str], str], text: str,
            /) -> tuple[str, bool]: ...
