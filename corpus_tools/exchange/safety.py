"""REFI-QDA files use the shared hardened readers of `corpus_tools.io.safezip` (kept here as names)."""

from corpus_tools.io.safezip import (
    DEFAULT_LIMITS,
    Limits,
    MiB,
    SafeZip,
    check_depth,
    check_member_name,
    parse_xml,
    read_limited,
)

__all__ = ["DEFAULT_LIMITS", "Limits", "MiB", "SafeZip", "check_depth", "check_member_name", "parse_xml",
           "read_limited"]
