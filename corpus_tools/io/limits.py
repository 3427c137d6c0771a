"""Input limits: how much a single input file may unpack to, so hostile or broken files fail fast.

Every limit is documented in docs/corpus-format.md ("Input limits") and can be changed per corpus in the
`[limits]` table of corpus.toml, or per call with `InputLimits(...)`. The defaults fit large real corpora
(a 500-page Word document, a 100,000-row spreadsheet) and stop zip bombs within seconds and megabytes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from corpus_tools.errors import ConfigError
from corpus_tools.io.safezip import Limits, MiB


@dataclass(frozen=True)
class InputLimits:
    """Caps for the files a corpus or an input table is read from."""

    max_file_bytes: int = 256 * MiB  # a text/HTML file, documents.csv, or a table read whole
    max_field_chars: int = 1_000_000  # one documents.csv cell
    max_entries: int = 100_000  # entries of one document (and paragraphs of one .docx)
    max_zip_members: int = 10_000  # members of one .docx/.xlsx
    max_unpacked_bytes: int = 512 * MiB  # all members of one .docx/.xlsx, uncompressed
    max_xml_bytes: int = 64 * MiB  # one XML part (word/document.xml, a worksheet), uncompressed
    max_ratio: float = 500.0  # uncompressed / compressed size of one member over 1 MiB
    max_cells: int = 5_000_000  # cells of one .xlsx workbook

    def zip_limits(self) -> Limits:
        """The zip-safety limits for one .docx/.xlsx package."""
        return Limits(max_members=self.max_zip_members, max_total_bytes=self.max_unpacked_bytes,
                      max_member_bytes=max(self.max_xml_bytes, min(self.max_unpacked_bytes, 256 * MiB)),
                      max_xml_bytes=self.max_xml_bytes, max_ratio=self.max_ratio)

    @classmethod
    def from_mapping(cls, raw: object, where: str = "corpus.toml [limits]") -> InputLimits:
        """Limits from a TOML table; unknown names and non-positive or non-numeric values are ConfigErrors."""
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must be a table of limits, not {type(raw).__name__}")
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in known:
                raise ConfigError(f"{where}: unknown limit {key!r}", hint=f"limits: {', '.join(known)}")
            number_ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not number_ok or value <= 0:
                raise ConfigError(f"{where}: {key} must be a positive number, not {value!r}")
            values[key] = float(value) if key == "max_ratio" else int(value)
        return replace(cls(), **values)


DEFAULT_INPUT_LIMITS = InputLimits()
