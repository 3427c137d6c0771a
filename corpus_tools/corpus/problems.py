"""One thing wrong with a corpus, located by file and line (the rows of `Corpus.problems`)."""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("error", "warning", "note")


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
