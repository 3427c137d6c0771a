"""One problem found while reading a corpus or importing a table, with its file and line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Problem:
    """One thing wrong (error: row skipped; warning: loaded but odd; note: for information)."""

    level: str
    code: str
    file: str
    line: int | None
    doc_id: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" [{self.doc_id}]" if self.doc_id else ""
        return f"{self.level.upper():7} {where}{who} {self.code}: {self.message}"
