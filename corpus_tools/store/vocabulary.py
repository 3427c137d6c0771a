"""The coder vocabulary, defined once: the explicit "no code applies" code, decisions, and machine coders.

Every room that reads or writes codings (store, corpus codings.csv, agreement, exchange, review, web) uses
these names, so a coding means the same thing wherever it travels.
"""

from __future__ import annotations

NONE_CODE = "none"  # an explicit "no code applies", which is not the same as "not coded"
APPLY = ("accept", "add")  # decisions that apply a code
UNAPPLY = ("reject", "remove")  # decisions that take a code away
NONE_APPLIES = "none-applies"
MACHINE_PREFIXES = ("model:", "lexicon:")  # suggestions recorded as a coder: `model:<version>`, `lexicon:<name>`


def is_machine(coder: str) -> bool:
    """Model or lexicon suggestions recorded as a coder (`model:<version>`, `lexicon:<name>`)."""
    return coder.startswith(MACHINE_PREFIXES) or coder in ("model", "lexicon")
